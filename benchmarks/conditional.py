"""Conditional fidelity of every generator: are generated classes recognisable?

Data, all shipped offline:

- ``seattle``: the daily 24-hour temperature profiles of Seattle's 2010 (365
  days, °F, from the table that ``vega_datasets`` ships), each labelled with
  its month (12 classes); folds by alternate weeks, so a day's neighbours never
  sit on the other side;
- ``gunpoint``: sktime's GunPoint panel (200 univariate series of 150 steps,
  2 classes), train and test together; folds alternate within each class;
- ``basic_motions``: sktime's BasicMotions panel (80 series, 6 channels, 100
  steps, 4 classes); folds as for GunPoint;
- ``seattle_dates``: Seattle's days again, but each generator is conditioned
  on the day's date (``fit(X, dates)``, the timestamps encoded on the
  calendar) instead of its month, and samples at the dates of the held-out
  fold's days; the month classifiers judge them as before. ConvVAE reads the
  dates on its own calendar (hourly steps, its seasonal prior).

Protocol, per dataset, run (one seed), generator and fold of the 2-fold split:

1. The generator is fitted on fold A, with the labels as conditions (``fit(X,
   y)``, its defaults otherwise; ConvVAE's default strides span 96 steps, so
   it keeps the leading strides that fit twice into a series: 12 steps a
   latent step on Seattle's days, 48 on the panels).
2. A classifier is fitted on the real (series, label) pairs of fold B.
3. The classifier's accuracy is measured on the real series of fold A (held
   out from it) and on as many generated series, sampled with the labels of
   fold A's series (``sample(n, y=labels)``).

A generator passes when the two accuracies are within 5 points: its classes
are as recognisable as real ones, neither blurred together (lower) nor
caricatured (higher). The classifier never saw the series the generator
learned from, so a generator that reproduced them exactly would score exactly
the real accuracy. Accuracies are averaged over the two folds. Two
classifiers are reported: a random forest on the raw (flattened) values and a
logistic regression on standardised values.

Per run the table also gives ``diversity`` (``sample_diversity`` of all
generated series against all real ones, 1 = as varied as the data, well below
1 = mode collapse) and the fit time.

Usage::

    python benchmarks/conditional.py [--runs 1] [--datasets seattle gunpoint]
        [--models DenseVAE ...] [--max-epochs N]

The default datasets are the three labelled ones; ``--datasets
seattle_dates`` runs the dated one.

``--max-epochs`` overrides every generator's default (the TransformerGAN table
of earlier releases used ``--models TransformerGAN --max-epochs 300``).
"""

from __future__ import annotations

import argparse
import json
import platform
import time
from pathlib import Path

import numpy as np
import torch
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import sk_tsgen
from sk_tsgen.datasets import load_seattle_temperature
from sk_tsgen.metrics import sample_diversity

MODELS = (
    "DenseVAE",
    "ConvVAE",
    "RecurrentAutoencoder",
    "VAEGAN",
    "TransformerGAN",
    "DiffusionGenerator",
)
DATASETS = ("seattle", "gunpoint", "basic_motions", "seattle_dates")
RESULTS = Path(__file__).resolve().parent / "results" / "conditional_generators.json"


def monthly_days(return_dates: bool = False):
    """Daily profiles (365, 24) in °F and the month name of every day (and,
    with ``return_dates``, the timestamp each day starts at)."""
    temperature = load_seattle_temperature()
    days = temperature.to_numpy().reshape(-1, 24)
    months = temperature.index[::24].month_name().to_numpy()
    if return_dates:
        return days, months, temperature.index[::24]
    return days, months


def load_dataset(name: str):
    """Series, labels, the fold (0 or 1) of every series, and the conditions
    the generators are fitted with (the labels, or the days' dates)."""
    if name in ("seattle", "seattle_dates"):
        X, y, dates = monthly_days(return_dates=True)
        folds = (np.arange(len(X)) // 7) % 2
        return X, y, folds, (dates if name == "seattle_dates" else y)
    from sktime.datasets import load_basic_motions, load_gunpoint

    loader = {"gunpoint": load_gunpoint, "basic_motions": load_basic_motions}[name]
    X, y = loader(return_type="numpy3D")
    y = np.asarray(y).astype(str)
    folds = np.zeros(len(y), dtype=np.int64)
    for label in np.unique(y):
        rows = np.flatnonzero(y == label)
        folds[rows] = np.arange(len(rows)) % 2
    return X.astype(np.float64), y, folds, y


def classifiers(seed):
    return {
        "forest": RandomForestClassifier(300, random_state=seed, n_jobs=1),
        "logistic": make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000)),
    }


def model_params(name: str, n_timesteps: int, dated: bool = False) -> dict:
    """Defaults, except for ConvVAE on series shorter than two latent steps of
    its default strides: it keeps the leading strides (and their kernels and
    filters) that fit twice into a series; given dates, it steps by the hour."""
    if name != "ConvVAE":
        return {}
    defaults = sk_tsgen.ConvVAE()
    strides = list(defaults.strides)
    while len(strides) > 1 and 2 * np.prod(strides) > n_timesteps:
        strides.pop()
    k = len(strides)
    freq = {"freq": "h"} if dated else {}
    if k == len(defaults.strides):
        return freq
    return {
        **freq,
        "strides": tuple(strides),
        "kernel_sizes": tuple(defaults.kernel_sizes[:k]),
        "filters": tuple(defaults.filters[: k - 1]),
    }


def one_run(name, X, y, folds, seed, max_epochs, conditions=None):
    """One generator fitted on each fold with ``conditions`` (default: the
    labels ``y``), judged by classifiers of ``y``."""
    conditions = y if conditions is None else conditions
    dated = conditions is not y
    params = {"random_state": seed, **model_params(name, X.shape[-1], dated)}
    if max_epochs is not None:
        params["max_epochs"] = max_epochs
    accuracy = {clf: {"real": [], "generated": []} for clf in classifiers(seed)}
    generated, fit_seconds = [], 0.0
    flat = X.reshape(len(X), -1)
    for fold in (0, 1):
        a, b = folds == fold, folds != fold
        start = time.perf_counter()
        model = getattr(sk_tsgen, name)(**params).fit(X[a], conditions[a])
        fit_seconds += time.perf_counter() - start
        synth = model.sample(int(a.sum()), y=conditions[a], random_state=seed)
        synth = np.asarray(synth).reshape(int(a.sum()), -1)
        generated.append(synth)
        for clf_name, clf in classifiers(seed).items():
            clf.fit(flat[b], y[b])
            accuracy[clf_name]["real"].append(clf.score(flat[a], y[a]))
            accuracy[clf_name]["generated"].append(clf.score(synth, y[a]))
    synth = np.concatenate(generated).reshape(-1, *X.shape[1:])
    real = np.concatenate([X[folds == 0], X[folds == 1]])
    row = {
        clf: {kind: float(np.mean(v)) for kind, v in acc.items()}
        for clf, acc in accuracy.items()
    }
    row["diversity"] = sample_diversity(real, synth, random_state=seed)
    row["fit_seconds"] = fit_seconds / 2
    return row


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--datasets", nargs="+", choices=DATASETS, default=DATASETS[:3])
    parser.add_argument("--models", nargs="+", choices=MODELS, default=MODELS)
    parser.add_argument("--max-epochs", type=int, default=None)
    parser.add_argument("--results", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    header = (
        "| dataset | model | seed | forest real | forest gen. | gap "
        "| logistic real | logistic gen. | gap | diversity | fit s |"
    )
    print(header)
    print("| --- | --- |" + " ---: |" * (header.count("|") - 3))
    rows = []
    for dataset in args.datasets:
        X, y, folds, conditions = load_dataset(dataset)
        for name in args.models:
            for seed in range(args.runs):
                row = one_run(name, X, y, folds, seed, args.max_epochs, conditions)
                row.update(dataset=dataset, model=name, seed=seed)
                rows.append(row)
                f, lg = row["forest"], row["logistic"]
                print(
                    f"| {dataset} | {name} | {seed} | {f['real']:.3f} "
                    f"| {f['generated']:.3f} | {f['generated'] - f['real']:+.3f} "
                    f"| {lg['real']:.3f} | {lg['generated']:.3f} "
                    f"| {lg['generated'] - lg['real']:+.3f} "
                    f"| {row['diversity']:.3f} | {row['fit_seconds']:.0f} |",
                    flush=True,
                )
    print(
        f"machine: {platform.processor() or platform.machine()}, "
        f"torch {torch.__version__}"
    )
    args.results.parent.mkdir(exist_ok=True)
    args.results.write_text(
        json.dumps({"max_epochs": args.max_epochs, "runs": rows}, indent=1)
    )
    return rows


if __name__ == "__main__":
    main()
