"""Fidelity of every generator on Sines and real data, beside baselines and papers.

``--dataset sines`` (the default): each generator is trained on Sines (10,000
series x 5 channels x 24 steps, TimeGAN's recipe), samples as many series, and
is judged against its training set. ``--dataset stocks``, ``weather`` and
``weather-long``: the windows of :func:`sk_tsgen.datasets.load_fidelity_windows`
(AAPL daily prices and volume in windows of 24 days; the Sand Point TMY3 year,
19 hourly channels, in windows of 24 or 168 hours), every channel min-max
scaled to [0, 1] and a window starting at every step (or every
``--window-step`` steps), as TimeGAN prepares its stocks. The judges are the
four metrics of the TimeGAN / Diffusion-TS tables plus strong ones:

* ``disc. (GRU 2)``: ``discriminative_score`` with the protocol's judge, a GRU
  of ``channels // 2 = 2`` hidden units;
* ``disc. (GRU 64)``: the same protocol with 64 hidden units;
* ``disc. (HGB)``: the same split judged by scikit-learn's
  ``HistGradientBoostingClassifier`` on the flattened windows, a judge that
  sees every value at once (both GRU judges turn out to be fooled by the
  baselines);
* ``predictive``: ``predictive_score`` (train on synthetic, test on real);
* ``context-FID``: ``context_fid``;
* ``correlational``: ``correlational_score``;
* ``diversity``: ``sample_diversity``, the mean distance between two synthetic
  series over that between two real ones (1 = as varied as the data; well
  below 1 flags mode collapse);

all computed on the data in their own units (``scaling=None``): all four
datasets lie in [0, 1], and the published figures are in those units. Each row
is the mean and 95 % interval (Student t, as Diffusion-TS reports) over
``--runs`` runs; a run fits a fresh model (on Sines, to a fresh training set)
and re-runs every metric with fresh seeds. Fit and sample times are wall-clock
seconds on this machine.

Rows: ``Real data`` is the floor of every metric: on Sines a second,
independent draw; on real data the windows of alternate blocks of time (every
other stretch of 4 window lengths) judged against those of the other blocks.
``GaussianMixture`` and ``PCA + Gaussian`` are baselines that need no deep
model (on windows of more than 512 values the mixture is fitted to the first
256 principal components, plus isotropic noise for the rest). The published
rows are copied from the TimeGAN and Diffusion-TS papers. Per-run values are
kept in ``benchmarks/results/fidelity.json`` (Sines) and
``fidelity_<dataset>.json``; a run with ``--models`` replaces only those rows,
so later models join the table without re-running the rest.

Usage::

    python benchmarks/fidelity.py [--dataset sines] [--runs 5]
        [--models DenseVAE ...] [--metrics disc_hgb ...] [--quick]
        [--n-series N] [--window-step K]
"""

from __future__ import annotations

import argparse
import json
import platform
import time
from pathlib import Path

import numpy as np
import torch
from scipy import stats
from sklearn.decomposition import PCA
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.mixture import GaussianMixture

from sk_tsgen import (
    VAEGAN,
    ConvVAE,
    DenseVAE,
    DiffusionGenerator,
    RecurrentAutoencoder,
    TransformerGAN,
)
from sk_tsgen.datasets import load_fidelity_windows, make_sines
from sk_tsgen.metrics import (
    context_fid,
    correlational_score,
    discriminative_score,
    predictive_score,
    sample_diversity,
)

N_SERIES, N_CHANNELS, N_TIMESTEPS = 10_000, 5, 24
RESULTS_DIR = Path(__file__).parent / "results"
DATASETS = ["sines", "stocks", "weather", "weather-long"]
METRICS = [
    "disc_protocol",
    "disc_strong",
    "disc_hgb",
    "predictive",
    "context_fid",
    "correlational",
    "diversity",
]
TIMES = ["fit_s", "sample_s"]
HEADERS = {
    "disc_protocol": "disc. (GRU 2)",
    "disc_strong": "disc. (GRU 64)",
    "disc_hgb": "disc. (HGB)",
    "predictive": "predictive",
    "context_fid": "context-FID",
    "correlational": "correlational",
    "diversity": "diversity",
    "fit_s": "fit (s)",
    "sample_s": "sample (s)",
}
# Sines, length 24. Discriminative and predictive: TimeGAN (Yoon et al., 2019)
# and Diffusion-TS (Yuan & Qiao, 2024); context-FID and correlational:
# Diffusion-TS. The published judge is the protocol's GRU.
PUBLISHED = {
    "TimeGAN (published)": {
        "disc_protocol": 0.011,
        "predictive": 0.093,
        "context_fid": 0.101,
        "correlational": 0.045,
    },
    "TimeVAE (published)": {
        "disc_protocol": 0.041,
        "predictive": 0.093,
        "context_fid": 0.307,
        "correlational": 0.131,
    },
    "Diffusion-TS (published)": {
        "disc_protocol": 0.006,
        "predictive": 0.093,
        "context_fid": 0.006,
        "correlational": 0.015,
    },
    "Real data (published)": {"predictive": 0.094},
}
# Stocks, length 24: TimeGAN's are Google's daily prices 2004-2019 (not AAPL's
# 2000-2013, so the rows compare recipes, not numbers on the same data).
# TimeGAN (Yoon et al., 2019, Table 2); Diffusion-TS (Yuan & Qiao, 2024).
PUBLISHED_STOCKS = {
    "TimeGAN (published, Google stock)": {"disc_protocol": 0.102, "predictive": 0.038},
    "Diffusion-TS (published, Google stock)": {
        "disc_protocol": 0.067,
        "context_fid": 0.147,
    },
    "Real data (published, Google stock)": {"predictive": 0.036},
}


class FlatGaussianMixture:
    """Baseline: a Gaussian mixture on flattened windows, sampled and reshaped.

    Windows of more than ``max_dims`` values are first reduced to their
    ``max_dims // 2`` leading principal components (a full covariance in
    thousands of dimensions costs too much); the rest of the spread is put
    back as isotropic noise, as probabilistic PCA does.
    """

    def __init__(self, n_components=10, random_state=None, max_dims=512):
        self.gmm = GaussianMixture(
            n_components, covariance_type="full", random_state=random_state
        )
        self.max_dims, self.random_state = max_dims, random_state
        self.pca = None

    def fit(self, X):
        self.shape_ = X.shape[1:]
        flat = X.reshape(len(X), -1)
        if flat.shape[1] > self.max_dims:
            self.pca = PCA(self.max_dims // 2, random_state=self.random_state)
            flat = self.pca.fit_transform(flat)
        self.gmm.fit(flat)
        return self

    def sample(self, n_samples, random_state=None):
        self.gmm.random_state = random_state
        flat, _ = self.gmm.sample(n_samples)
        if self.pca is not None:
            rng = np.random.default_rng(random_state)
            flat = self.pca.inverse_transform(flat)
            flat += rng.normal(scale=np.sqrt(self.pca.noise_variance_), size=flat.shape)
        return flat.reshape(n_samples, *self.shape_)


class PCAGaussian:
    """Baseline: probabilistic PCA on flattened windows (rank-k Gaussian + noise)."""

    def __init__(self, n_components=10, random_state=None):
        self.pca = PCA(n_components, random_state=random_state)

    def fit(self, X):
        self.shape_ = X.shape[1:]
        self.pca.fit(X.reshape(len(X), -1))
        return self

    def sample(self, n_samples, random_state=None):
        rng = np.random.default_rng(random_state)
        scores = rng.normal(size=(n_samples, self.pca.n_components_))
        flat = self.pca.inverse_transform(
            scores * np.sqrt(self.pca.explained_variance_)
        )
        flat += rng.normal(scale=np.sqrt(self.pca.noise_variance_), size=flat.shape)
        return flat.reshape(n_samples, *self.shape_)


class RealData:
    """The floor: an independent draw of the real distribution (Sines)."""

    def fit(self, X):
        return self

    def sample(self, n_samples, random_state=None):
        return make_sines(n_samples, N_TIMESTEPS, N_CHANNELS, random_state=random_state)


class HeldOut:
    """The floor on real data: "samples" that are held-out real windows."""

    def __init__(self, windows):
        self.windows = windows

    def fit(self, X):
        return self

    def sample(self, n_samples, random_state=None):
        return self.windows


def alternate_blocks(X, block):
    """Windows of even and of odd blocks of ``block`` consecutive windows.

    Consecutive windows overlap in all but one step, so a random split would
    judge near-copies against each other; alternate blocks of time keep the
    halves apart (they share only the windows that straddle a boundary)
    while both span the whole record.
    """
    odd = (np.arange(len(X)) // block) % 2 == 1
    return X[~odd], X[odd]


GENERATORS = {
    "Real data": lambda seed: RealData(),
    "GaussianMixture (10, full)": lambda seed: FlatGaussianMixture(10, seed),
    "PCA (10) + Gaussian": lambda seed: PCAGaussian(10, seed),
    "DenseVAE": lambda seed: DenseVAE(random_state=seed),
    # Sines have 10 independent factors (a frequency and a phase per channel):
    # a latent space narrower than that must tie channels together.
    "DenseVAE (latent_dim=16)": lambda seed: DenseVAE(latent_dim=16, random_state=seed),
    # 24 steps: strides 2 * 2 * 2 give 3 latent steps of 8 steps each (the
    # default 3 * 2 * 2 * 2 * 2 * 2 = 96 is longer than the series); kernels of
    # 5 blend neighbouring steps. Sines carry no calendar and their codes lie on
    # a curved manifold, so samples come from a mixture on whole-window codes.
    "ConvVAE (strides 2*2*2)": lambda seed: ConvVAE(
        strides=(2, 2, 2),
        kernel_sizes=(5, 5, 5),
        filters=(64, 64),
        latent_dim=4,
        lr=3e-3,
        max_epochs=50,
        sample_from="mixture",
        random_state=seed,
    ),
    # 30 epochs in batches of 64 keep the fit near DenseVAE's time; an LSTM
    # step costs more than a dense one on a CPU
    "RecurrentAutoencoder (LSTM)": lambda seed: RecurrentAutoencoder(
        max_epochs=30, batch_size=64, random_state=seed
    ),
    "RecurrentAutoencoder (GRU)": lambda seed: RecurrentAutoencoder(
        cell="gru", max_epochs=30, batch_size=64, random_state=seed
    ),
    # the same recurrent VAE and budget, with and without the adversarial term
    "VAEGAN": lambda seed: VAEGAN(max_epochs=30, random_state=seed),
    "VAEGAN (adversarial_weight=0)": lambda seed: VAEGAN(
        max_epochs=30, adversarial_weight=0, random_state=seed
    ),
    # a short budget, where the VAE alone has not converged yet
    "VAEGAN, 5 epochs": lambda seed: VAEGAN(max_epochs=5, random_state=seed),
    "VAEGAN (adversarial_weight=0), 5 epochs": lambda seed: VAEGAN(
        max_epochs=5, adversarial_weight=0, random_state=seed
    ),
    # unconditional: Sines has no labels
    "TransformerGAN": lambda seed: TransformerGAN(max_epochs=10, random_state=seed),
    "DiffusionGenerator": lambda seed: DiffusionGenerator(random_state=seed),
}

# Real data: every generator with its defaults, under the budgets of the Sines
# rows (epochs), so that a fit stays within minutes; ConvVAE's defaults are
# built for long series (96 steps per latent step), so the 24-step datasets
# use the Sines row's strides, and weeks of hours its default strides
# (3 * 2 * 2 * 2 = 24 hours per latent step).
REAL_GENERATORS = {
    "Real data (alternate blocks)": None,
    "GaussianMixture (10, full)": lambda seed: FlatGaussianMixture(10, seed),
    "PCA (10) + Gaussian": lambda seed: PCAGaussian(10, seed),
    "DenseVAE": lambda seed: DenseVAE(random_state=seed),
    "ConvVAE": lambda seed, long=False: ConvVAE(
        strides=(3, 2, 2, 2) if long else (2, 2, 2),
        kernel_sizes=(5, 5, 5, 5) if long else (5, 5, 5),
        filters=(64, 64, 64) if long else (64, 64),
        latent_dim=4,
        sample_from="mixture",
        max_epochs=50,
        random_state=seed,
    ),
    "RecurrentAutoencoder (LSTM)": lambda seed: RecurrentAutoencoder(
        max_epochs=30, batch_size=64, random_state=seed
    ),
    "VAEGAN": lambda seed: VAEGAN(max_epochs=30, random_state=seed),
    "TransformerGAN": lambda seed: TransformerGAN(max_epochs=10, random_state=seed),
    "DiffusionGenerator": lambda seed: DiffusionGenerator(random_state=seed),
}
# blocks of the real-data floor, in window lengths
FLOOR_BLOCK = 4


def evaluate(real, synth, seed, quick, metrics):
    """The metrics of one run; ``quick`` cuts training steps for a smoke test."""
    few = {"n_iterations": 20} if quick else {}
    kw = {"scaling": None, "random_state": seed}
    hgb = HistGradientBoostingClassifier(max_iter=20 if quick else 100)
    jobs = {
        "disc_protocol": lambda: discriminative_score(real, synth, **kw, **few),
        "disc_strong": lambda: discriminative_score(
            real, synth, hidden_size=64, **kw, **few
        ),
        "disc_hgb": lambda: discriminative_score(real, synth, classifier=hgb, **kw),
        "predictive": lambda: predictive_score(real, synth, **kw, **few),
        "context_fid": lambda: context_fid(real, synth, **kw, **few),
        "correlational": lambda: correlational_score(real, synth),
        "diversity": lambda: sample_diversity(real, synth, **kw),
    }
    return {name: jobs[name]() for name in metrics}


def _real_model(name, seed, windows):
    factory = REAL_GENERATORS[name]
    if name == "ConvVAE":
        return factory(seed, long=windows.shape[-1] >= 96)
    return factory(seed)


def run_model(
    name, runs, n_series, quick, metrics, previous, windows=None, window_step=1
):
    """Fit, sample and judge ``runs`` times; keep ``previous`` values not re-run.

    ``windows`` holds a real dataset's windows, starting ``window_step`` steps
    apart; None means Sines.
    """
    per_run = []
    for run in range(runs):
        if windows is None:
            real = make_sines(n_series, N_TIMESTEPS, N_CHANNELS, random_state=run)
            model = GENERATORS[name](run)
        elif REAL_GENERATORS[name] is None:  # the floor: alternate blocks
            block = max(1, FLOOR_BLOCK * windows.shape[-1] // window_step)
            real, held_out = alternate_blocks(windows, block)
            model = HeldOut(held_out)
        else:
            real = windows
            model = _real_model(name, run, windows)
        start = time.perf_counter()
        model.fit(real)
        fit_s = time.perf_counter() - start
        start = time.perf_counter()
        synth = model.sample(len(real), random_state=10_000 + run)
        sample_s = time.perf_counter() - start
        scores = dict(previous[run]) if run < len(previous) else {}
        scores.update(evaluate(real, np.asarray(synth), run, quick, metrics))
        scores.update(fit_s=fit_s, sample_s=sample_s)
        history = getattr(model, "history_", None)
        if history is not None:  # did every recorded loss stay finite?
            losses = [v for e in history for k, v in e.items() if k.endswith("loss")]
            scores["finite_losses"] = bool(np.isfinite(losses).all())
        print(
            f"  {name} run {run}: "
            + ", ".join(f"{k} {v:.4f}" for k, v in scores.items())
        )
        per_run.append(scores)
    return per_run


def mean_interval(values):
    values = np.asarray(values, dtype=float)
    mean = values.mean()
    if len(values) < 2:
        return mean, float("nan")
    half = stats.sem(values) * stats.t.ppf(0.975, len(values) - 1)
    return mean, half


def _fmt(value, digits=3):
    text = f"{value:.{digits}f}"
    return text[1:] if text.startswith("0.") else text


def table(results, published=None, n_channels=N_CHANNELS):
    cols = METRICS + TIMES
    headers = {**HEADERS, "disc_protocol": f"disc. (GRU {max(1, n_channels // 2)})"}
    lines = [
        "| model | " + " | ".join(headers[c] for c in cols) + " |",
        "| --- |" + " ---: |" * len(cols),
    ]
    for name, per_run in results.items():
        cells = []
        for col in cols:
            values = [r[col] for r in per_run if col in r]
            if not values:
                cells.append("")
                continue
            mean, half = mean_interval(values)
            digits = 2 if col in TIMES else 3
            cells.append(
                f"{_fmt(mean, digits)}±{_fmt(half, digits)}"
                if np.isfinite(half)
                else _fmt(mean, digits)
            )
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    for name, figures in (PUBLISHED if published is None else published).items():
        cells = [_fmt(figures[c]) if c in figures else "" for c in cols]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", choices=DATASETS, default="sines")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument(
        "--n-series",
        type=int,
        default=None,
        help="training series: Sines draws 10,000; on real data, the first "
        "windows (all of them by default)",
    )
    parser.add_argument(
        "--window-step",
        type=int,
        default=1,
        help="real data: keep windows starting every this many steps (1: every "
        "step, as TimeGAN prepares its data; more spreads fewer windows over "
        "the whole record, to bound the cost of long windows)",
    )
    parser.add_argument("--models", nargs="*", default=None)
    parser.add_argument(
        "--quick", action="store_true", help="smoke test: few training steps"
    )
    parser.add_argument(
        "--metrics",
        nargs="*",
        default=METRICS,
        help="metrics to (re)compute; the others keep their recorded values",
    )
    parser.add_argument("--results", type=Path, default=None)
    args = parser.parse_args(argv)
    sines = args.dataset == "sines"
    catalogue = GENERATORS if sines else REAL_GENERATORS
    if args.models is None:
        args.models = list(catalogue)
    unknown = set(args.models) - set(catalogue)
    if unknown:
        parser.error(f"unknown models {sorted(unknown)}; choose from {list(catalogue)}")
    if args.results is None:
        stem = "fidelity" if sines else f"fidelity_{args.dataset}"
        args.results = RESULTS_DIR / f"{stem}.json"
    windows = None
    if sines:
        args.n_series = args.n_series or N_SERIES
        shape = f"{args.n_series} x {N_CHANNELS} x {N_TIMESTEPS}"
    else:
        if args.window_step < 1:
            parser.error("--window-step must be at least 1")
        windows = load_fidelity_windows(args.dataset)[:: args.window_step]
        windows = windows[: args.n_series]
        args.n_series = len(windows)
        shape = " x ".join(str(n) for n in windows.shape)

    results = {}
    if args.results.exists():
        results = json.loads(args.results.read_text())["rows"]
    unknown = set(args.metrics) - set(METRICS)
    if unknown:
        parser.error(f"unknown metrics {sorted(unknown)}; choose from {METRICS}")
    for name in args.models:
        previous = results.get(name, []) if set(args.metrics) != set(METRICS) else []
        results[name] = run_model(
            name,
            args.runs,
            args.n_series,
            args.quick,
            args.metrics,
            previous,
            windows,
            args.window_step,
        )
        args.results.parent.mkdir(parents=True, exist_ok=True)
        args.results.write_text(
            json.dumps(
                {
                    "setup": {
                        "dataset": args.dataset,
                        "n_series": args.n_series,
                        "window_step": args.window_step,
                        "runs": args.runs,
                        "quick": args.quick,
                        "machine": f"{platform.machine()}, {torch.get_num_threads()}"
                        f" torch threads, torch {torch.__version__}",
                    },
                    "rows": results,
                },
                indent=1,
            )
        )
    results = {name: results[name] for name in catalogue if name in results}
    print(
        f"\n{args.dataset} {shape}, mean ± 95 % interval "
        f"over {args.runs} runs; {platform.machine()}, {torch.get_num_threads()} "
        f"threads, torch {torch.__version__}\n"
    )
    published = {"sines": PUBLISHED, "stocks": PUBLISHED_STOCKS}.get(args.dataset, {})
    n_channels = N_CHANNELS if windows is None else windows.shape[1]
    print(table(results, published, n_channels))


if __name__ == "__main__":
    main()
