"""Conditional fidelity of TransformerGAN: are generated months recognisable as such?

Data: the daily 24-hour temperature profiles of Seattle's 2010 (365 days, °F,
from the table that ``vega_datasets`` ships), each labelled with its month.

Protocol, per run (one seed) and per fold of a 2-fold split by alternate
weeks (days of a week stay together, so that a day's neighbours never sit on
the other side; every month has days in both folds):

1. TransformerGAN is fitted on fold A, with the month names as conditions.
2. A classifier is fitted on the real (day, month) pairs of fold B.
3. The classifier's accuracy is measured on the real days of fold A (held
   out from it) and on as many generated days, prompted with the months of
   fold A's days.

The generator passes when the two accuracies are within 10 points: its
months are as recognisable as real ones, neither blurred together (lower)
nor caricatured (higher). The classifier never saw the days the generator
learned from, so a generator that reproduced them exactly would score
exactly the real accuracy; a classifier trained on the generator's own
training days would instead reward copies of them. Accuracies are averaged
over the two folds. Two classifiers are reported: a random forest on the
raw values and a logistic regression on standardised values.

Per run the table also gives ``diversity`` (``sample_diversity`` of all
generated days against all real days, 1 = as varied as the data, well below
1 = mode collapse), the same within January and within July, and
``embedding_kl`` (PCA, the article's figure), and the fit time.

Usage::

    python benchmarks/conditional.py [--runs 5] [--max-epochs 300]
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

from sk_tsgen import TransformerGAN
from sk_tsgen.datasets import load_seattle_temperature
from sk_tsgen.metrics import embedding_kl, sample_diversity

RESULTS = Path(__file__).resolve().parent / "results" / "conditional.json"


def monthly_days():
    """Daily profiles (365, 24) in °F and the month name of every day."""
    temperature = load_seattle_temperature()
    days = temperature.to_numpy().reshape(-1, 24)
    months = temperature.index[::24].month_name().to_numpy()
    return days, months


def classifiers(seed):
    return {
        "forest": RandomForestClassifier(300, random_state=seed, n_jobs=1),
        "logistic": make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000)),
    }


def one_run(days, months, seed, max_epochs):
    folds = (np.arange(len(days)) // 7) % 2
    accuracy = {name: {"real": [], "generated": []} for name in classifiers(seed)}
    generated, fit_seconds = [], 0.0
    for fold in (0, 1):
        a, b = folds == fold, folds != fold
        start = time.perf_counter()
        gan = TransformerGAN(max_epochs=max_epochs, random_state=seed)
        gan.fit(days[a], months[a])
        fit_seconds += time.perf_counter() - start
        synth = gan.sample(int(a.sum()), y=months[a], random_state=seed)
        generated.append((synth, months[a]))
        for name, clf in classifiers(seed).items():
            clf.fit(days[b], months[b])
            accuracy[name]["real"].append(clf.score(days[a], months[a]))
            accuracy[name]["generated"].append(clf.score(synth, months[a]))
    synth = np.concatenate([s for s, _ in generated])
    labels = np.concatenate([m for _, m in generated])
    row = {
        name: {kind: float(np.mean(v)) for kind, v in acc.items()}
        for name, acc in accuracy.items()
    }
    row["diversity"] = sample_diversity(days, synth, random_state=seed)
    for month in ("January", "July"):
        row[f"diversity {month}"] = sample_diversity(
            days[months == month], synth[labels == month], random_state=seed
        )
    row["embedding_kl"] = embedding_kl(days, synth, random_state=seed)
    row["fit_seconds"] = fit_seconds / 2
    return row


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--max-epochs", type=int, default=300)
    args = parser.parse_args(argv)
    days, months = monthly_days()
    rows = []
    header = (
        "| seed | forest real | forest gen. | gap | logistic real | logistic gen. "
        "| gap | diversity | div. Jan | div. Jul | embedding KL | fit s |"
    )
    print(header)
    print("|" + " ---: |" * (header.count("|") - 1))
    for seed in range(args.runs):
        row = one_run(days, months, seed, args.max_epochs)
        rows.append(row)
        f, lg = row["forest"], row["logistic"]
        print(
            f"| {seed} | {f['real']:.3f} | {f['generated']:.3f} "
            f"| {f['generated'] - f['real']:+.3f} | {lg['real']:.3f} "
            f"| {lg['generated']:.3f} | {lg['generated'] - lg['real']:+.3f} "
            f"| {row['diversity']:.3f} | {row['diversity January']:.3f} "
            f"| {row['diversity July']:.3f} | {row['embedding_kl']:.3f} "
            f"| {row['fit_seconds']:.0f} |",
            flush=True,
        )
    gaps = {
        name: [r[name]["generated"] - r[name]["real"] for r in rows]
        for name in ("forest", "logistic")
    }
    for name, values in gaps.items():
        print(
            f"{name}: mean gap {np.mean(values):+.3f}, largest |gap| "
            f"{np.max(np.abs(values)):.3f} over {len(values)} runs"
        )
    print(
        f"diversity: min {min(r['diversity'] for r in rows):.3f} over "
        f"{len(rows)} runs; machine: {platform.processor() or platform.machine()}, "
        f"torch {torch.__version__}"
    )
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(
        json.dumps({"max_epochs": args.max_epochs, "runs": rows}, indent=1)
    )
    return rows


if __name__ == "__main__":
    main()
