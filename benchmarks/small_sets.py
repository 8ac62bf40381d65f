"""What default generators learn from a small set: 40 BasicMotions series.

Fits every generator with its default settings (``batch_size="auto"``) on the
40 training series of sktime's BasicMotions (6 channels x 100 steps) and prints
a markdown table: the batch size used, the training loss at the first and last
epoch, the warnings the fit gave, the spread of 200 samples against the data's
(per channel, smallest and largest ratio of standard deviations; ConvVAE also
with ``noise=True``), and the share of the 40 test series and of 40 pure-noise
series (the training data's per-channel mean and standard deviation) that
``predict`` flags with ``contamination="auto"``.

    python benchmarks/small_sets.py [--epochs N] [--models DenseVAE ConvVAE ...]
"""

from __future__ import annotations

import argparse
import platform
import time
import warnings

import numpy as np
import torch
from sktime.datasets import load_basic_motions

import sk_tsgen

MODELS = ["DenseVAE", "ConvVAE", "RecurrentAutoencoder", "VAEGAN", "TransformerGAN"]


def spread(samples, X) -> str:
    ratio = np.asarray(samples).std(axis=(0, 2)) / X.std(axis=(0, 2))
    return f"{ratio.min():.2f}-{ratio.max():.2f}"


def warning_kinds(caught) -> str:
    texts = [str(w.message) for w in caught]
    kinds = [
        kind
        for kind, key in [
            ("few steps", "gradient steps ("),
            ("barely learned", "barely learned"),
            ("spread", "keep little of their spread"),
            ("no better than the mean", "no closer to them"),
        ]
        if any(key in text for text in texts)
    ]
    return ", ".join(kinds) or "none"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=None, help="default: models'")
    parser.add_argument("--models", nargs="+", default=MODELS, choices=MODELS)
    args = parser.parse_args(argv)

    X, _ = load_basic_motions(split="train", return_type="numpy3D")
    X_test, _ = load_basic_motions(split="test", return_type="numpy3D")
    rng = np.random.RandomState(1)
    mean, std = X.mean(axis=(0, 2)), X.std(axis=(0, 2))
    noise = rng.normal(mean[None, :, None], std[None, :, None], X.shape)

    print(
        f"BasicMotions: {X.shape[0]} training series of {X.shape[1]} channels x "
        f"{X.shape[2]} steps; torch {torch.__version__}, {torch.get_num_threads()} "
        f"threads, {platform.processor() or platform.machine()}\n"
    )
    print(
        "| model | fit s | batch | loss first -> last | warnings | sample spread "
        "| flagged: test | flagged: noise |"
    )
    print("| --- | ---: | ---: | --- | --- | --- | ---: | ---: |")
    for name in args.models:
        params = {"random_state": 0}
        if args.epochs is not None:
            params["max_epochs"] = args.epochs
        model = getattr(sk_tsgen, name)(**params)
        start = time.perf_counter()
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            model.fit(X)
        fit_s = time.perf_counter() - start
        losses = model.history_[:, "train_loss"]
        sampled = spread(model.sample(200, random_state=0), X)
        if name == "ConvVAE":
            noisy = model.sample(200, noise=True, random_state=0)
            sampled += f" ({spread(noisy, X)} with noise)"
        flagged = [np.mean(model.predict(data) == -1) for data in (X_test, noise)]
        print(
            f"| {name} | {fit_s:.1f} | {model.net_.batch_size} | "
            f"{losses[0]:.3f} -> {losses[-1]:.3f} | {warning_kinds(caught)} | "
            f"{sampled} | {flagged[0]:.0%} | {flagged[1]:.0%} |"
        )


if __name__ == "__main__":
    main()
