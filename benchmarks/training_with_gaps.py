"""Training with gaps: every generator's fidelity when trained on series with
30 % of their values missing, beside the same generator trained on the
complete series, in one run.

The windows are those of ``fidelity.py --dataset stocks`` (or ``weather``),
the generators those of its real-data rows, with their settings. For each
generator and run, one model is fitted to the complete windows and one to the
same windows with ``--missing`` of their values set to NaN at random (a fresh
mask per run, the same for every generator); both sample as many windows as
there are, and both samples are judged against the *complete* windows by the
judges of ``fidelity.py`` (the discriminative scores, predictive score,
context-FID, correlational score and diversity; lower is better, diversity
best at 1). The verdict per judge: the gappy fit is within 10 % of the complete
fit (diversity: of its distance from 1), or within ``--tolerance`` of it in
absolute terms for scores near zero, where 10 % is below the run-to-run
spread. With several runs the cells are means ± standard deviations over
runs, and a miss is also checked against that spread: whether the gappy fits'
mean departs from the complete fits' by more than two standard errors.
Nothing is tuned here: the generators keep the settings of the
fidelity rows.

Usage::

    python benchmarks/training_with_gaps.py [--dataset stocks] [--runs 1]
        [--seeds 1 2] [--missing 0.3] [--models DenseVAE ...]
        [--window-step K] [--quick]

``--seeds`` adds runs of those seeds to the rows already in ``--results``.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import platform
import time
from pathlib import Path

import numpy as np
import torch

from sk_tsgen.base import BaseGenerator
from sk_tsgen.datasets import load_fidelity_windows

_HERE = Path(__file__).parent
_spec = importlib.util.spec_from_file_location("fidelity", _HERE / "fidelity.py")
fidelity = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(fidelity)

# the fidelity benchmark's real-data rows of sk_tsgen generators
GENERATORS = [
    name
    for name, factory in fidelity.REAL_GENERATORS.items()
    if factory is not None and isinstance(factory(0), BaseGenerator)
]
RELATIVE = 0.10


def with_gaps(windows: np.ndarray, fraction: float, seed: int) -> np.ndarray:
    """``windows`` with ``fraction`` of the values set to NaN at random (every
    window and channel keeps at least one observed value)."""
    rng = np.random.RandomState(seed)
    gappy = windows.astype(np.float64, copy=True)
    missing = rng.uniform(size=gappy.shape) < fraction
    missing[..., 0] &= ~missing[..., 1:].all(axis=-1)  # never a whole row
    gappy[missing] = np.nan
    return gappy


def _gap(metric: str, value: float) -> float:
    return abs(value - 1.0) if metric == "diversity" else value


def within(metric: str, complete: float, gappy: float, tolerance: float) -> bool:
    a, b = _gap(metric, complete), _gap(metric, gappy)
    return b <= (1 + RELATIVE) * a or b - a <= tolerance


def run(name, windows, seeds, fraction, quick, metrics, rows=None):
    """Fit and judge ``name`` on the complete and gappy windows for each seed,
    appended to ``rows`` (the runs of other seeds kept)."""
    rows = rows or {"complete": [], "gappy": []}
    for seed in seeds:
        for kind, data in (
            ("complete", windows),
            ("gappy", with_gaps(windows, fraction, seed)),
        ):
            model = fidelity._real_model(name, seed, windows)
            start = time.perf_counter()
            model.fit(data)
            fit_s = time.perf_counter() - start
            synth = np.asarray(model.sample(len(windows), random_state=10_000 + seed))
            scores = fidelity.evaluate(windows, synth, seed, quick, metrics)
            scores["fit_s"] = fit_s
            scores["seed"] = seed
            print(
                f"  {name} {kind} run {seed}: "
                + ", ".join(f"{k} {v:.4f}" for k, v in scores.items()),
                flush=True,
            )
            rows[kind].append(scores)
    return rows


def _cell(rows, metric: str) -> str:
    """The mean over runs, with the standard deviation when there are several."""
    values = [r[metric] for r in rows]
    cell = fidelity._fmt(float(np.mean(values)))
    if len(values) > 1:
        cell += " ± " + fidelity._fmt(float(np.std(values, ddof=1)))
    return cell


def _beyond_spread(rows, metric: str) -> bool:
    """Whether the gappy fits' mean departs from the complete fits' by more
    than two standard errors of the difference, from the spread over runs."""
    complete = np.array([r[metric] for r in rows["complete"]])
    gappy = np.array([r[metric] for r in rows["gappy"]])
    if len(complete) < 2:
        return True
    error = np.sqrt(
        complete.var(ddof=1) / len(complete) + gappy.var(ddof=1) / len(gappy)
    )
    return abs(_gap(metric, gappy.mean()) - _gap(metric, complete.mean())) > 2 * error


def table(results, metrics, tolerance, n_channels):
    headers = {
        **fidelity.HEADERS,
        "disc_protocol": f"disc. (GRU {max(1, n_channels // 2)})",
    }
    lines = [
        "| model | fit on | "
        + " | ".join(headers[m] for m in metrics)
        + " | fit (s) |",
        "| --- | --- |" + " ---: |" * (len(metrics) + 1),
    ]
    verdicts = []
    for name, rows in results.items():
        means = {
            kind: {
                key: float(np.mean([r[key] for r in rows[kind]]))
                for key in [*metrics, "fit_s"]
            }
            for kind in ("complete", "gappy")
        }
        for kind, label in (("complete", "complete"), ("gappy", "30 % gaps")):
            cells = [_cell(rows[kind], m) for m in metrics]
            cells.append(fidelity._fmt(means[kind]["fit_s"], 1))
            lines.append(f"| {name} | {label} | " + " | ".join(cells) + " |")
        missed = [
            m
            for m in metrics
            if not within(m, means["complete"][m], means["gappy"][m], tolerance)
        ]
        verdict = "within on every judge"
        if missed:
            verdict = "missed on " + ", ".join(headers[m] for m in missed)
            beyond = [m for m in missed if _beyond_spread(rows, m)]
            if len(rows["complete"]) > 1:
                verdict += "; beyond two standard errors of the runs' spread: " + (
                    ", ".join(headers[m] for m in beyond) or "none"
                )
        verdicts.append(f"- {name}: {verdict}")
    return "\n".join(lines) + "\n\n" + "\n".join(verdicts)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", choices=["stocks", "weather"], default="stocks")
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument(
        "--seeds",
        type=int,
        nargs="*",
        default=None,
        help="run these seeds and add them to the runs already in --results "
        "(default: seeds 0 to --runs - 1, replacing them)",
    )
    parser.add_argument("--missing", type=float, default=0.3)
    parser.add_argument("--tolerance", type=float, default=0.01)
    parser.add_argument("--models", nargs="*", default=GENERATORS)
    parser.add_argument("--window-step", type=int, default=1)
    parser.add_argument("--metrics", nargs="*", default=fidelity.METRICS)
    parser.add_argument("--quick", action="store_true", help="smoke test")
    parser.add_argument("--results", type=Path, default=None)
    args = parser.parse_args(argv)
    unknown = set(args.models) - set(GENERATORS)
    if unknown:
        parser.error(f"unknown models {sorted(unknown)}; choose from {GENERATORS}")
    if not 0 < args.missing < 1:
        parser.error("--missing must lie in (0, 1)")
    if args.results is None:
        args.results = _HERE / "results" / f"training_with_gaps_{args.dataset}.json"
    windows = load_fidelity_windows(args.dataset)[:: args.window_step]
    results = {}
    if args.results.exists():
        results = json.loads(args.results.read_text())["rows"]
    setup = {
        "dataset": args.dataset,
        "shape": " x ".join(str(n) for n in windows.shape),
        "missing": args.missing,
        "runs": args.runs if args.seeds is None else "per row",
        "quick": args.quick,
        "machine": f"{platform.machine()}, Python {platform.python_version()}, "
        f"torch {torch.__version__}",
    }
    seeds = range(args.runs) if args.seeds is None else args.seeds
    for name in args.models:
        kept = None
        if args.seeds is not None and name in results:
            kept = {
                kind: [r for r in runs if r.get("seed", 0) not in seeds]
                for kind, runs in results[name].items()
            }
        results[name] = run(
            name, windows, seeds, args.missing, args.quick, args.metrics, kept
        )
        args.results.parent.mkdir(parents=True, exist_ok=True)
        args.results.write_text(json.dumps({"setup": setup, "rows": results}, indent=1))
    results = {name: results[name] for name in GENERATORS if name in results}
    print(f"\n{setup}\n")
    print(table(results, args.metrics, args.tolerance, windows.shape[1]))


if __name__ == "__main__":
    main()
