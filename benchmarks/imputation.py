"""Imputation error of every generator beside baselines and PyPOTS, same masks.

Each dataset is split in time (or at random, for a panel) into training and
test windows. Every method is fitted on the complete training windows and
fills the test windows after values are hidden from them; the error is taken
on the hidden values only, in the units of the data (every channel min-max
scaled to [0, 1], as the fidelity benchmark does). The scenarios, with the same
masks for every method in a run:

* ``10 %``, ``50 %``, ``90 %``: each value hidden at random with that chance
  (a window's channel always keeps one observed value);
* ``block``: half of each window's steps, at a random place, hidden in every
  channel at once (a sensor outage).

Datasets: ``stocks`` (AAPL daily OHLCV, windows of 24 days: the first 80 % of
the days train, the last 20 % test), ``weather`` (the Sand Point TMY3 year, 19
hourly channels, windows of 24 hours, split alike; one training window in 3 and
one test window in 6 are kept) and ``gunpoint`` (sktime's GunPoint, all 200
series of 150 steps, 150 training and 50 test at random).

Methods:

* ``Linear interpolation`` between the observed values of a channel, held flat
  before the first and after the last;
* scikit-learn's ``KNNImputer`` (5 neighbours) and ``IterativeImputer``
  (Bayesian ridge, 10 rounds; on windows of more than 200 values each
  regression reads the 100 nearest values) on the flattened windows, fitted on
  the training windows with the scenario's missingness drawn afresh (an imputer
  fitted on complete rows learns nothing about filling them); their fit time
  is counted in ``impute (s)``;
* PyPOTS' ``SAITS`` and ``BRITS`` in their own virtual environment
  (``benchmarks/.peers/pypots``, made by ``--setup-pypots``), trained on the
  training windows for ``--pypots-epochs`` epochs;
* every sk_tsgen generator with the settings of the fidelity benchmark's
  real-data rows (its defaults, or the epoch budgets of those rows), fitted on
  the training windows; its imputation is the mean of ``impute``'s
  ``n_imputations=8`` draws, the point estimate ``GenerativeImputer`` gives.

No setting was chosen on these test windows. Results are kept in
``benchmarks/results/imputation_<dataset>.json``; a run with ``--methods``
replaces only those rows.

Usage::

    python benchmarks/imputation.py [--dataset stocks] [--methods ...]
        [--quick] [--setup-pypots] [--pypots-epochs 20] [--seed 0]
        [--split test|validation] [--kriging default|per-channel]

``--split validation`` holds out the latest training windows (a random few
of GunPoint's) in place of the test windows, so that settings are compared
without the test set; ``--kriging per-channel`` switches off the generators'
kriging across channels, for the comparison.
"""

from __future__ import annotations

import argparse
import json
import platform
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.experimental import enable_iterative_imputer  # noqa: F401
from sklearn.impute import IterativeImputer, KNNImputer

from sk_tsgen._imputation import fill_gaps_linearly
from sk_tsgen.datasets import load_fidelity_windows

HERE = Path(__file__).resolve().parent
RESULTS_DIR = HERE / "results"
PYPOTS_ENV = HERE / ".peers" / "pypots"
DATASETS = ["stocks", "weather", "gunpoint"]
SCENARIOS = ["10 %", "50 %", "90 %", "block"]
RANDOM_RATES = {"10 %": 0.1, "50 %": 0.5, "90 %": 0.9}
N_IMPUTATIONS = 8
# training windows held out by --split validation
VALIDATION = {"stocks": 400, "weather": 150, "gunpoint": 30}
BASELINES = ["Linear interpolation", "KNNImputer", "IterativeImputer"]
PYPOTS_MODELS = ["SAITS", "BRITS"]
GENERATORS = [
    "DenseVAE",
    "ConvVAE",
    "RecurrentAutoencoder (LSTM)",
    "VAEGAN",
    "TransformerGAN",
    "DiffusionGenerator",
]


def load(
    dataset: str, quick: bool, split: str = "test"
) -> tuple[np.ndarray, np.ndarray]:
    """Training and test windows ``(n, channels, timesteps)`` in [0, 1]; with
    ``split="validation"``, the training windows split again: the last
    ``VALIDATION`` of them (after a gap of one window length, for series cut
    from one record) are held out in place of the test windows."""
    if dataset == "gunpoint":
        from sktime.datasets import load_gunpoint

        X, _ = load_gunpoint(return_type="numpy3D")
        order = np.random.default_rng(0).permutation(len(X))
        train, test = X[order[:150]], X[order[150:]]
        low = train.min(axis=(0, 2), keepdims=True)
        span = train.max(axis=(0, 2), keepdims=True) - low
        train, test = (train - low) / span, (test - low) / span
    else:
        windows = load_fidelity_windows(dataset)
        length = windows.shape[-1]
        cut = int(0.8 * len(windows))
        # no training window overlaps a test window
        train, test = windows[: cut - length], windows[cut:]
        if dataset == "weather":
            train, test = train[::3], test[::6]
        else:
            test = test[::2]
    if split == "validation":
        held = VALIDATION[dataset]
        gap = 0 if dataset == "gunpoint" else train.shape[-1]
        train, test = train[: -held - gap], train[-held:]
    if quick:
        train, test = train[:96], test[:12]
    return train.astype(np.float64), test.astype(np.float64)


def make_masks(shape: tuple[int, ...], seed: int) -> dict[str, np.ndarray]:
    """Where values are hidden (True), per scenario."""
    rng = np.random.default_rng(seed)
    n, _, length = shape
    masks = {}
    for scenario, rate in RANDOM_RATES.items():
        hidden = rng.uniform(size=shape) < rate
        # a channel of a window keeps one observed value
        empty = np.argwhere(hidden.all(axis=-1))
        keep = rng.integers(0, length, size=len(empty))
        hidden[empty[:, 0], empty[:, 1], keep] = False
        masks[scenario] = hidden
    gap = length // 2
    starts = rng.integers(0, length - gap + 1, size=n)
    steps = np.arange(length)
    block = (steps >= starts[:, None]) & (steps < starts[:, None] + gap)
    masks["block"] = np.broadcast_to(block[:, None, :], shape).copy()
    return masks


def _flat(X):
    return X.reshape(len(X), -1)


def _tabular(make):
    """A scikit-learn imputer on flattened windows, fitted on the training
    windows with the scenario's missingness drawn afresh."""

    def impute(train, test, scenario, hidden, seed):
        gappy = np.where(make_masks(train.shape, seed + 1)[scenario], np.nan, train)
        model = make(seed, _flat(train).shape[1]).fit(_flat(gappy))
        filled = model.transform(_flat(np.where(hidden, np.nan, test)))
        return filled.reshape(test.shape)

    return impute


def _linear(train, test, scenario, hidden, seed):
    return fill_gaps_linearly(np.where(hidden, 0.0, test), ~hidden)


BASELINE_METHODS = {
    "Linear interpolation": _linear,
    "KNNImputer": _tabular(lambda seed, n_values: KNNImputer(n_neighbors=5)),
    # a round fits one regression per value of the window: on windows of more
    # than 200 values each reads its 100 most correlated values, for time
    "IterativeImputer": _tabular(
        lambda seed, n_values: IterativeImputer(
            max_iter=10,
            n_nearest_features=100 if n_values > 200 else None,
            random_state=seed,
        )
    ),
}


def _generator(name: str, seed: int, quick: bool):
    sys.path.insert(0, str(HERE))
    import fidelity

    model = fidelity.REAL_GENERATORS[name](seed)
    if quick:
        model.set_params(max_epochs=2)
    return model


def error_of(truth, filled, hidden) -> dict[str, float]:
    diff = (filled - truth)[hidden]
    return {"mae": float(np.abs(diff).mean()), "rmse": float(np.sqrt((diff**2).mean()))}


def run_generator(name, train, test, masks, seed, quick) -> dict:
    model = _generator(name, seed, quick)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        start = time.perf_counter()
        model.fit(train)
        row = {"fit_s": time.perf_counter() - start}
    start = time.perf_counter()
    for scenario, hidden in masks.items():
        draws = model.impute(
            np.where(hidden, np.nan, test),
            n_imputations=N_IMPUTATIONS,
            random_state=seed,
        )
        row[scenario] = error_of(test, draws.mean(axis=0), hidden)
    row["impute_s"] = time.perf_counter() - start
    return row


def run_baseline(name, train, test, masks, seed) -> dict:
    row = {"fit_s": 0.0}
    start = time.perf_counter()
    for scenario, hidden in masks.items():
        filled = BASELINE_METHODS[name](train, test, scenario, hidden, seed)
        row[scenario] = error_of(test, filled, hidden)
    row["impute_s"] = time.perf_counter() - start
    return row


def setup_pypots() -> str | None:
    """Make PyPOTS' environment; the error text when it fails."""
    python = PYPOTS_ENV / "bin" / "python"
    steps = [
        [sys.executable, "-m", "venv", str(PYPOTS_ENV)],
        [str(python), "-m", "pip", "install", "-q", "torch==2.13.0"],
        [str(python), "-m", "pip", "install", "-q", "pypots"],
    ]
    for step in steps:
        done = subprocess.run(step, capture_output=True, text=True)
        if done.returncode:
            return (done.stderr or done.stdout).strip().splitlines()[-1]
    return None


def run_pypots(train, test, masks, seed, epochs) -> dict[str, dict]:
    """SAITS and BRITS rows, or each with its exact error."""
    python = PYPOTS_ENV / "bin" / "python"
    if not python.exists():
        reason = "no environment: run with --setup-pypots"
        return {name: {"error": reason} for name in PYPOTS_MODELS}
    with tempfile.TemporaryDirectory() as tmp:
        inputs, outputs = Path(tmp, "in.npz"), Path(tmp, "out.npz")
        tests = {
            f"test_{scenario}": np.where(hidden, np.nan, test)
            for scenario, hidden in masks.items()
        }
        np.savez(inputs, train=train, **tests)
        command = [str(python), str(HERE / "pypots_worker.py"), str(inputs)]
        command += [str(outputs), "--epochs", str(epochs), "--seed", str(seed)]
        done = subprocess.run(command, capture_output=True, text=True)
        if not outputs.exists():
            tail = (done.stderr or done.stdout).strip().splitlines()
            reason = tail[-1] if tail else f"exit {done.returncode}"
            return {name: {"error": reason} for name in PYPOTS_MODELS}
        out = dict(np.load(outputs, allow_pickle=False))
    rows = {}
    for name in PYPOTS_MODELS:
        if f"{name}__error" in out:
            rows[name] = {"error": str(out[f"{name}__error"])}
            continue
        row = {
            "fit_s": float(out[f"{name}__fit_s"]),
            "impute_s": float(out[f"{name}__impute_s"]),
        }
        for scenario, hidden in masks.items():
            filled = np.where(hidden, out[f"{name}__{scenario}"], test)
            row[scenario] = error_of(test, filled, hidden)
        rows[name] = row
    return rows


def _fmt(value, digits=4):
    return "" if value is None else f"{value:.{digits}f}".lstrip("0")


def table(rows: dict, dataset: str, shape: str) -> str:
    head = [f"MAE {s}" for s in SCENARIOS] + [f"RMSE {s}" for s in SCENARIOS]
    lines = [
        f"{dataset} {shape}",
        "",
        "| method | " + " | ".join(head) + " | fit (s) | impute (s) |",
        "|---" * (len(head) + 3) + "|",
    ]
    for name, row in rows.items():
        if "error" in row:
            lines.append(f"| {name} | {row['error']} |" + " |" * (len(head) + 1))
            continue
        cells = [_fmt(row[s]["mae"]) for s in SCENARIOS]
        cells += [_fmt(row[s]["rmse"]) for s in SCENARIOS]
        cells += [f"{row['fit_s']:.1f}", f"{row['impute_s']:.1f}"]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def verdict(rows: dict) -> str:
    """The issue's goal per scenario: the best generator's MAE against the
    best baseline's (PyPOTS included where it ran)."""
    ran = {name: row for name, row in rows.items() if "error" not in row}
    generators = {n: r for n, r in ran.items() if n in GENERATORS}
    baselines = {n: r for n, r in ran.items() if n not in GENERATORS}
    if not generators or not baselines:
        return ""
    lines = []
    for scenario in SCENARIOS:
        gen = min(generators, key=lambda n: generators[n][scenario]["mae"])
        base = min(baselines, key=lambda n: baselines[n][scenario]["mae"])
        g, b = generators[gen][scenario]["mae"], baselines[base][scenario]["mae"]
        goal = g <= 1.05 * b if scenario == "10 %" else g < b
        lines.append(
            f"- {scenario}: best generator {gen} {_fmt(g)}, best baseline {base} "
            f"{_fmt(b)} ({g / b:.2f}x): {'met' if goal else 'missed'}"
        )
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", default="stocks", choices=DATASETS)
    parser.add_argument("--methods", nargs="*", default=None)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--setup-pypots", action="store_true")
    parser.add_argument("--pypots-epochs", type=int, default=20)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--results", type=Path, default=None)
    parser.add_argument(
        "--split",
        choices=["test", "validation"],
        default="test",
        help="validation: hold out the latest training windows instead of "
        "using the test windows, to compare settings without the test set",
    )
    parser.add_argument(
        "--kriging",
        choices=["default", "per-channel"],
        default="default",
        help="per-channel: the generators krige their residuals one channel "
        "at a time (the kriging across channels switched off)",
    )
    args = parser.parse_args(argv)
    if args.setup_pypots:
        print("pypots: " + (setup_pypots() or "installed"))
    import sk_tsgen.base

    joint_values = sk_tsgen.base._JOINT_KRIGING_VALUES
    if args.kriging == "per-channel":
        sk_tsgen.base._JOINT_KRIGING_VALUES = 0
    try:
        _run(args, parser)
    finally:
        sk_tsgen.base._JOINT_KRIGING_VALUES = joint_values


def _run(args, parser):
    train, test = load(args.dataset, args.quick, args.split)
    masks = make_masks(test.shape, args.seed)
    everything = BASELINES + PYPOTS_MODELS + GENERATORS
    chosen = args.methods or everything
    unknown = sorted(set(chosen) - set(everything))
    if unknown:
        parser.error(f"unknown methods {unknown}; choose from {everything}")
    suffix = "" if args.split == "test" else "_validation"
    suffix += "" if args.kriging == "default" else "_per_channel"
    path = args.results or RESULTS_DIR / f"imputation_{args.dataset}{suffix}.json"
    saved = json.loads(path.read_text()) if path.exists() else {"rows": {}}
    rows = saved["rows"]
    epochs = 1 if args.quick else args.pypots_epochs
    for name in everything:
        if name not in chosen or (name == "BRITS" and "SAITS" in chosen):
            continue
        print(f"  {name} ...", flush=True)
        if name in BASELINES:
            rows[name] = run_baseline(name, train, test, masks, args.seed)
        elif name in PYPOTS_MODELS:
            for peer, row in run_pypots(train, test, masks, args.seed, epochs).items():
                if peer in chosen:
                    rows[peer] = row
        else:
            rows[name] = run_generator(name, train, test, masks, args.seed, args.quick)
    order = [name for name in everything if name in rows]
    rows = {name: rows[name] for name in order}
    shape = "train {} x {} x {}, test {}".format(*train.shape, len(test))
    saved = {
        "setup": {
            "dataset": args.dataset,
            "shape": shape,
            "seed": args.seed,
            "pypots_epochs": epochs,
            "quick": args.quick,
            "split": args.split,
            "kriging": args.kriging,
            "machine": f"{platform.processor() or platform.machine()}, "
            f"Python {platform.python_version()}",
        },
        "rows": rows,
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(saved, indent=1))
    print(table(rows, args.dataset, shape))
    print(verdict(rows))


if __name__ == "__main__":
    main()
