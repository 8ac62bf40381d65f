"""Point-wise anomaly scores on a UCR anomaly-archive task, as a new user gets them.

The task is number 135 of the UCR anomaly archive (KDD Cup 2021,
``InternalBleeding16``): a 1200-step training series without anomaly and a
7501-step test series whose 12 labelled points (4187-4198) are the anomaly.
It ships inside the ``aeon`` wheel on the package registry, which this project
does not depend on; get its two CSV files once with::

    pip download aeon==1.6.0 --no-deps -d /tmp/aeon
    unzip -j /tmp/aeon/aeon-1.6.0-py3-none-any.whl \
        'aeon/datasets/data/KDD-TSAD_135/*' -d /tmp/kdd135

Every method is wrapped in :class:`sk_tsgen.anomaly.WindowAnomalyDetector`
(sliding windows of ``--window-length`` steps, step 1) at its defaults, fitted
on the training series (or with ``--fit-on test``, on the test series itself,
anomaly included), and scores every point of the test series. The table gives
the point-wise ROC-AUC, the number of distinct point scores (ties show there),
and the point scored most anomalous. Prints a markdown table.

    python benchmarks/ucr_anomaly.py --data /tmp/kdd135 [--models DenseVAE ...]
"""

from __future__ import annotations

import argparse
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.ensemble import IsolationForest
from sklearn.metrics import roc_auc_score

from sk_tsgen import (
    VAEGAN,
    ConvVAE,
    DenseVAE,
    DiffusionGenerator,
    RecurrentAutoencoder,
    TransformerGAN,
)
from sk_tsgen.anomaly import WindowAnomalyDetector

STEM = "135_UCR_Anomaly_InternalBleeding16_"
MODELS = {
    "DenseVAE": DenseVAE,
    "ConvVAE": ConvVAE,
    "RecurrentAutoencoder": RecurrentAutoencoder,
    "VAEGAN": VAEGAN,
    "TransformerGAN": TransformerGAN,
    "DiffusionGenerator": DiffusionGenerator,
    "IsolationForest": IsolationForest,
}


def load(data: Path) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The training series, the test series and the test series' labels."""
    train = pd.read_csv(data / f"{STEM}TRAIN.csv")["value"].to_numpy()
    test = pd.read_csv(data / f"{STEM}TEST.csv")
    return train, test["value"].to_numpy(), test["is_anomaly"].to_numpy()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--models", nargs="+", default=list(MODELS), choices=MODELS)
    parser.add_argument("--window-length", type=int, default=96)
    parser.add_argument("--fit-on", choices=["train", "test"], default="train")
    parser.add_argument("--max-epochs", type=int, default=None)
    args = parser.parse_args(argv)
    train, test, labels = load(args.data)
    anomaly = np.flatnonzero(labels)
    print(
        f"UCR task 135: fit on the {args.fit_on} series, windows of "
        f"{args.window_length}; anomaly at points {anomaly.min()}-{anomaly.max()} "
        f"of {len(test)}"
    )
    print()
    print("| method | ROC-AUC | distinct point scores | most anomalous point | s |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for name in args.models:
        params = {"random_state": 0}
        if args.max_epochs and name != "IsolationForest":
            params["max_epochs"] = args.max_epochs
        detector = WindowAnomalyDetector(
            MODELS[name](**params), window_length=args.window_length
        )
        start = time.perf_counter()
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                detector.fit(train if args.fit_on == "train" else test)
                scores = detector.score_samples(test)
        except Exception as exc:  # a failed fit is a row, with its reason
            print(f"| {name} | {type(exc).__name__}: {str(exc).splitlines()[0]} |")
            continue
        seconds = time.perf_counter() - start
        auc = roc_auc_score(labels, -scores)
        print(
            f"| {name} | {auc:.4f} | {len(np.unique(scores))} "
            f"| {int(np.argmin(scores))} | {seconds:.0f} |"
        )


if __name__ == "__main__":
    main()
