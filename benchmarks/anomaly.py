"""Anomaly detection: sk_tsgen generators against IsolationForest, LOF and PyOD.

Every method scores the same standardised inputs, and every score is turned
into "higher = more anomalous" before ROC-AUC and PR-AUC (average precision)
are computed. Two kinds of task, all on data that ships offline:

**One-class UCR tasks** (``sktime`` ships the panels). For every class of
GunPoint, ArrowHead, ItalyPowerDemand, OSULeaf and BasicMotions (train and
test splits pooled): 70 % of that class's series (drawn at random) train the
detector; it then scores the other 30 % (normal) and every series of the other
classes (anomalies). Series are standardised per channel with the training
series' mean and standard deviation. Generators score series with
``score_samples``; the baselines see the same series flattened to
``channels x timesteps`` features.

**Long series with injected anomalies.** Seattle's hourly temperature of 2010
(``vega_datasets``; windows of 24 h) and the ECG record that ``sktime`` ships
(MIT-BIH, 7500 samples, one heartbeat about 300 samples; windows of 300,
every 5 samples). The detector is fitted on the first 60 % (temperature) or
the first 3700 samples (ECG, before its labelled anomaly), then scores the rest,
into which 10 anomalies of one kind (4 in the shorter ECG stretch) are
injected at random, two windows apart, in units of the series' standard
deviation s:

* ``spike``: one point moved by 4 s, either way;
* ``level shift``: a stretch of one window moved by 1.5 s;
* ``frequency``: a stretch of one window replaced by the series played at
  twice its speed from there;
* ``noise``: Gaussian noise of 0.5 s added over a stretch of one window.

Every method is wrapped in :class:`sk_tsgen.anomaly.WindowAnomalyDetector`,
so generators and baselines alike score sliding windows and give each point
the mean score of its windows; only the window scorer differs. The labels are
the injected points. The ECG record's own anomaly (samples 6936-7286, as
labelled) is a ninth long-series task, without injection.

Methods: every sk_tsgen generator, IsolationForest, LocalOutlierFactor
(``novelty=True``, 20 neighbours) and PyOD's ``AutoEncoder`` (50 epochs,
hidden 64-32). Results are averaged over ``--runs`` seeds (splits, injections
and model seeds change together).

Usage::

    python benchmarks/anomaly.py [--runs 3] [--models DenseVAE IsolationForest]

A run with ``--models`` keeps the recorded rows of the other methods (with the
same ``--runs``), so a new method joins the table without re-running the rest.
"""

from __future__ import annotations

import argparse
import json
import platform
import time
from importlib.resources import files
from pathlib import Path

import numpy as np
import pandas as pd
import torch
from sklearn.base import BaseEstimator, clone
from sklearn.ensemble import IsolationForest
from sklearn.metrics import average_precision_score, roc_auc_score
from sklearn.neighbors import LocalOutlierFactor

from sk_tsgen import (
    VAEGAN,
    ConvVAE,
    DenseVAE,
    DiffusionGenerator,
    RecurrentAutoencoder,
    TransformerGAN,
)
from sk_tsgen.anomaly import WindowAnomalyDetector
from sk_tsgen.datasets import load_seattle_temperature

RESULTS = Path(__file__).resolve().parent / "results" / "anomaly.json"
UCR_PANELS = [
    "gunpoint",
    "arrow_head",
    "italy_power_demand",
    "osuleaf",
    "basic_motions",
]
ANOMALY_KINDS = ["spike", "level shift", "frequency", "noise"]
N_INJECTED = 10


# ------------------------------------------------------------------ methods
class PyODScores(BaseEstimator):
    """A PyOD detector with scikit-learn's ``score_samples`` (higher = normal)."""

    def __init__(self, detector=None):
        self.detector = detector

    def fit(self, X, y=None):
        self.detector_ = clone(self.detector)
        if hasattr(self.detector_, "batch_size"):  # PyOD drops a last partial batch
            self.detector_.set_params(batch_size=min(self.detector_.batch_size, len(X)))
        self.detector_.fit(X)
        return self

    def score_samples(self, X):
        return -self.detector_.decision_function(X)


def pyod_autoencoder(seed, epochs=50):
    from pyod.models.auto_encoder import AutoEncoder

    return PyODScores(
        AutoEncoder(
            epoch_num=epochs, hidden_neuron_list=[64, 32], random_state=seed, verbose=0
        )
    )


def conv_strides(n_timesteps):
    """Strides of 2 (and a first 3) whose product fits in the series."""
    strides = [3] if n_timesteps >= 48 else []
    while np.prod(strides + [2]) * 2 <= n_timesteps and len(strides) < 5:
        strides.append(2)
    return tuple(strides) or (1,)


def conv_vae(strides, seed):
    """The benchmark's ConvVAE: kernels of 5 then 3, 40 filters, 100 epochs."""
    return ConvVAE(
        strides=strides,
        kernel_sizes=(5,) + (3,) * (len(strides) - 1),
        filters=(40,) * (len(strides) - 1),
        max_epochs=100,
        random_state=seed,
    )


def generator_factories():
    return {
        "DenseVAE": lambda seed, n: DenseVAE(max_epochs=100, random_state=seed),
        "ConvVAE": lambda seed, n: conv_vae(conv_strides(n), seed),
        "RecurrentAutoencoder": lambda seed, n: RecurrentAutoencoder(
            max_epochs=50, random_state=seed
        ),
        "VAEGAN": lambda seed, n: VAEGAN(max_epochs=50, random_state=seed),
        "TransformerGAN": lambda seed, n: TransformerGAN(
            max_epochs=50, patch_size=max(1, n // 24), random_state=seed
        ),
        # defaults, but half the gradient steps of max_epochs="auto" (the
        # one-class tasks train on tens of series)
        "DiffusionGenerator": lambda seed, n: DiffusionGenerator(
            max_epochs=200, random_state=seed
        ),
    }


def baseline_factories():
    return {
        "IsolationForest": lambda seed, n: IsolationForest(random_state=seed),
        "LocalOutlierFactor": lambda seed, n: LocalOutlierFactor(novelty=True),
        "PyOD AutoEncoder": lambda seed, n: pyod_autoencoder(seed),
    }


# ------------------------------------------------------------------ tasks
def one_class_tasks(seed, panels=UCR_PANELS):
    """(name, train, test, labels) for every class of every UCR panel."""
    import sktime.datasets as sktime_datasets

    rng = np.random.RandomState(seed)
    for panel in panels:
        X, y = getattr(sktime_datasets, f"load_{panel}")(return_type="numpy3D")
        for label in np.unique(y):
            normal = np.flatnonzero(y == label)
            rng.shuffle(normal)
            n_train = int(round(0.7 * len(normal)))
            train, held_out = normal[:n_train], normal[n_train:]
            test = np.concatenate([held_out, np.flatnonzero(y != label)])
            is_anomaly = np.r_[
                np.zeros(len(held_out)), np.ones(len(test) - len(held_out))
            ]
            mean = X[train].mean(axis=(0, 2), keepdims=True)
            std = X[train].std(axis=(0, 2), keepdims=True)
            yield (
                f"{panel} / {label}",
                ((X[train] - mean) / std).astype(np.float32),
                ((X[test] - mean) / std).astype(np.float32),
                is_anomaly,
            )


def ecg():
    data = pd.read_csv(files("sktime.datasets") / "data" / "mitdb" / "mitdb.csv")
    return data["data"].to_numpy(dtype=np.float64), data["label"].to_numpy()


def inject(series, kind, window_length, rng):
    """The series with ``N_INJECTED`` anomalies of one kind, and point labels."""
    x, labels = series.copy(), np.zeros(len(series), dtype=int)
    scale = series.std()
    width = 1 if kind == "spike" else window_length
    # Non-overlapping slots, one window apart, away from the ends.
    slots = np.arange(window_length, len(series) - 2 * window_length, 2 * window_length)
    n_injected = min(N_INJECTED, len(slots))
    for start in np.sort(rng.choice(slots, n_injected, replace=False)):
        stretch = slice(start, start + width)
        if kind == "spike":
            x[start] += rng.choice([-4.0, 4.0]) * scale
        elif kind == "level shift":
            x[stretch] += rng.choice([-1.5, 1.5]) * scale
        elif kind == "frequency":
            x[stretch] = series[start : start + 2 * width : 2]
        elif kind == "noise":
            x[stretch] += 0.5 * scale * rng.standard_normal(width)
        labels[stretch] = 1
    return x, labels


def long_series_tasks(seed):
    """(name, train, test, labels, window_length, step) for every long series."""
    rng = np.random.RandomState(seed)
    temperature = load_seattle_temperature().to_numpy(dtype=np.float64)
    ecg_values, ecg_labels = ecg()
    series = {
        # name: (train, test, window_length, step)
        "temperature": (temperature[:5256], temperature[5256:], 24, 1),
        "ECG": (ecg_values[:3700], ecg_values[3700:], 300, 5),
    }
    for name, (train, test, window_length, step) in series.items():
        mean, std = train.mean(), train.std()
        train, test = (train - mean) / std, (test - mean) / std
        clean_test = test if name != "ECG" else test[: 6936 - 3700 - window_length]
        for kind in ANOMALY_KINDS:
            x, labels = inject(clean_test, kind, window_length, rng)
            yield f"{name} / {kind}", train, x, labels, window_length, step
        if name == "ECG":
            yield "ECG / labelled", train, test, ecg_labels[3700:], window_length, step


# ------------------------------------------------------------------ runs
def anomaly_scores(model, train, test):
    """Fit on ``train`` and return "higher = more anomalous" scores of ``test``."""
    return -model.fit(train).score_samples(test)


def flat(X):
    return X.reshape(len(X), -1)


def run(methods, seed):
    rows = []
    factories = {**generator_factories(), **baseline_factories()}
    for task, train, test, labels in one_class_tasks(seed):
        for method in methods:
            model = factories[method](seed, train.shape[-1])
            generator = method in generator_factories()
            start = time.perf_counter()
            with torch.random.fork_rng():
                scores = anomaly_scores(
                    model,
                    train if generator else flat(train),
                    test if generator else flat(test),
                )
            rows.append(_row("one-class", task, method, labels, scores, start))
            print(_format(rows[-1]), flush=True)
    fitted = {}
    for task, train, test, labels, window_length, step in long_series_tasks(seed):
        for method in methods:
            key = (task.split(" / ")[0], method)
            start = time.perf_counter()
            if key not in fitted:  # one fit per series and method
                model = factories[method](seed, window_length)
                fitted[key] = WindowAnomalyDetector(
                    model, window_length=window_length, step=step
                ).fit(train[:, None])
            scores = -fitted[key].score_samples(test[:, None])
            rows.append(_row("long series", task, method, labels, scores, start))
            print(_format(rows[-1]), flush=True)
    return rows


def _row(kind, task, method, labels, scores, start):
    return {
        "kind": kind,
        "task": task,
        "method": method,
        "roc_auc": float(roc_auc_score(labels, scores)),
        "pr_auc": float(average_precision_score(labels, scores)),
        "anomaly_fraction": float(np.mean(labels)),
        "seconds": time.perf_counter() - start,
    }


def _format(row):
    return (
        f"{row['task']:32s} {row['method']:22s} ROC {row['roc_auc']:.3f} "
        f"PR {row['pr_auc']:.3f} ({row['seconds']:.1f} s)"
    )


def summary(rows, methods):
    table = pd.DataFrame(rows)
    by_kind = table.groupby(["method", "kind"])[["roc_auc", "pr_auc"]].mean().unstack()
    overall = table.groupby("method")[["roc_auc", "pr_auc", "seconds"]].mean()
    out = pd.concat(
        {
            "ROC one-class": by_kind[("roc_auc", "one-class")],
            "ROC long": by_kind[("roc_auc", "long series")],
            "ROC mean": overall["roc_auc"],
            "PR one-class": by_kind[("pr_auc", "one-class")],
            "PR long": by_kind[("pr_auc", "long series")],
            "PR mean": overall["pr_auc"],
            "s / task": overall["seconds"],
        },
        axis=1,
    )
    return out.loc[[m for m in methods if m in out.index]]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    everything = [*generator_factories(), *baseline_factories()]
    parser.add_argument("--models", nargs="*", default=everything, choices=everything)
    parser.add_argument("--results", type=Path, default=RESULTS)
    args = parser.parse_args(argv)

    rows = []
    for seed in range(args.runs):
        for row in run(args.models, seed):
            rows.append({**row, "seed": seed})
    if args.results.exists():  # keep the rows of the methods not re-run
        previous = json.loads(args.results.read_text())
        if previous.get("runs") == args.runs:
            kept = [r for r in previous["rows"] if r["method"] not in args.models]
            rows = kept + rows
            args.models = [
                *dict.fromkeys([r["method"] for r in kept] + list(args.models))
            ]
    table = summary(rows, args.models)
    per_task = (
        pd.DataFrame(rows).pivot_table(index="task", columns="method", values="roc_auc")
    )[[m for m in args.models]]
    pd.set_option("display.width", 200)
    print("\nROC-AUC per task (mean over runs)\n")
    print(per_task.round(3).to_string())
    print("\nMeans over tasks and runs\n")
    print(table.round(3).to_string())
    args.results.parent.mkdir(exist_ok=True)
    args.results.write_text(
        json.dumps(
            {
                "machine": platform.processor() or platform.machine(),
                "torch": torch.__version__,
                "runs": args.runs,
                "rows": rows,
            },
            indent=1,
        )
    )


if __name__ == "__main__":
    main()
