"""Probabilistic forecasts: GenerativeForecaster against sktime's baselines.

Rolling-origin evaluation with sktime's ``evaluate`` on series that ship
offline:

- ``temperature`` and ``wind``: Sand Point's TMY3 year of hourly dry-bulb
  temperature (°C) and wind speed (m/s), from ``pvlib``; 24 hours ahead;
- ``aapl_close`` and ``aapl_returns``: AAPL's daily close and its daily log
  returns (2000-2013, from ``bokeh-sampledata``), on a trading-day index; 5
  days ahead;
- ``airline``: sktime's monthly airline passengers (1949-1960); 12 months
  ahead.

Protocol: ``--origins`` origins (20; one horizon apart, one month apart for
the airline series) at the end of the series, on an
``ExpandingWindowSplitter``. At each origin every forecaster forecasts the
horizon from everything observed so far. ``GenerativeForecaster`` is fitted
once, on the series up to the first origin, and later observations are only
its forecasts' context (``strategy="no-update_params"``); the baselines are
refitted at every origin (``strategy="refit"``: their state-space forecasts
would otherwise start from the first origin), so they see up to 19 horizons
more of training data than it does.
Measures, averaged over the origins:

- ``pinball``: the pinball loss averaged over the quantiles 0.05, 0.10, ...,
  0.95 (half an estimate of the CRPS), from ``predict_quantiles``;
- ``MAE``: the mean absolute error of ``predict`` (our forecaster's median);
- ``cov50``, ``cov90``: the share of true values inside the 50 % and 90 %
  intervals of ``predict_interval``;
- ``seconds``: fitting and every forecast, wall-clock.

Forecasters, side by side: ``GenerativeForecaster()`` with its defaults
(DenseVAE, windows from the frequency, ``random_state`` set); sktime's
``NaiveForecaster`` (last value, and seasonal: the value a season ago); its
``AutoETS(auto=True, sp=season)`` (statsmodels) and its
``StatsForecastAutoARIMA(sp=season)`` (statsforecast), all through sktime's
own probabilistic methods. A season of 5 trading days is used for AAPL.

``--split validation`` evaluates instead at origins twice as far apart that end
where the test origins begin, on the series cut there: the forecaster's
defaults (``level``, the window lengths, the DenseVAE's size) were chosen on
those, never on the test origins.

Needs the ``sktime`` extra and, for the baselines, ``statsmodels`` and
``statsforecast`` (``pip install "statsmodels<0.15" statsforecast``; sktime
1.2's AutoETS intervals call ``simulate`` with an argument that statsmodels
0.15 no longer takes). Usage::

    python benchmarks/forecasting.py [--datasets temperature wind ...]
        [--models GenerativeForecaster naive seasonal_naive AutoETS AutoARIMA]
        [--origins 20] [--seed 0] [--split test|validation]
        [--out results/forecasting.json]

Rows already in ``--out`` join the printed table, so that datasets and models
can be measured in separate runs; a row measured again replaces its old one.
"""

from __future__ import annotations

import argparse
import json
import platform
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from sktime.forecasting.model_evaluation import evaluate
from sktime.forecasting.model_selection import ExpandingWindowSplitter
from sktime.performance_metrics.forecasting import MeanAbsoluteError
from sktime.performance_metrics.forecasting.probabilistic import (
    EmpiricalCoverage,
    PinballLoss,
)

from sk_tsgen.forecasting import PINBALL_LEVELS
from sk_tsgen.sktime import GenerativeForecaster

RESULTS = Path(__file__).resolve().parent / "results"
MODELS = ["GenerativeForecaster", "naive", "seasonal_naive", "AutoETS", "AutoARIMA"]
DATASETS = ["temperature", "wind", "aapl_close", "aapl_returns", "airline"]


def load(name: str) -> tuple[pd.Series, int, int, int]:
    """The series, its season, its horizon and the steps between origins."""
    if name in ("temperature", "wind"):
        from sk_tsgen.datasets import load_sand_point_weather

        column = {"temperature": "Dry-bulb (C)", "wind": "Wspd (m/s)"}[name]
        series = load_sand_point_weather()[column]
        return series.rename(name), 24, 24, 24
    if name.startswith("aapl"):
        from sk_tsgen.datasets import load_stocks

        close = load_stocks("AAPL")["Adj Close"].reset_index(drop=True)
        if name == "aapl_returns":
            close = np.log(close).diff().iloc[1:].reset_index(drop=True)
        return close.rename(name), 5, 5, 5
    from sktime.datasets import load_airline

    return load_airline().astype(float), 12, 12, 1


def make(model: str, season: int, seed: int):
    if model == "GenerativeForecaster":
        return GenerativeForecaster(random_state=seed)
    from sktime.forecasting.naive import NaiveForecaster

    if model == "naive":
        return NaiveForecaster(strategy="last")
    if model == "seasonal_naive":
        return NaiveForecaster(strategy="last", sp=season)
    if model == "AutoETS":
        from sktime.forecasting.ets import AutoETS

        return AutoETS(auto=True, sp=season, n_jobs=1)
    if model == "AutoARIMA":
        from sktime.forecasting.statsforecast import StatsForecastAutoARIMA

        return StatsForecastAutoARIMA(sp=season)
    raise ValueError(f"unknown model {model!r}")


def run_one(
    name: str, model: str, n_origins: int, seed: int, split: str = "test"
) -> dict:
    series, season, horizon, step = load(name)
    if split == "validation":
        # origins twice as far apart, ending where the test origins begin
        series = series.iloc[: len(series) - horizon - step * (n_origins - 1)]
        step *= 2
    fh = np.arange(1, horizon + 1)
    initial = len(series) - horizon - step * (n_origins - 1)
    cv = ExpandingWindowSplitter(fh=fh, initial_window=initial, step_length=step)
    scoring = [
        PinballLoss(alpha=list(PINBALL_LEVELS)),
        MeanAbsoluteError(),
        EmpiricalCoverage(coverage=[0.5, 0.9], score_average=False),
    ]
    start = time.perf_counter()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            table = evaluate(
                make(model, season, seed),
                cv,
                series,
                strategy=(
                    "no-update_params" if model == "GenerativeForecaster" else "refit"
                ),
                scoring=scoring,
                error_score="raise",
            )
    except Exception as exc:  # a baseline that fails is reported, not fatal
        return {
            "dataset": name,
            "model": model,
            "error": f"{type(exc).__name__}: {exc}",
        }
    seconds = time.perf_counter() - start
    assert len(table) == n_origins
    return {
        "dataset": name,
        "model": model,
        "origins": n_origins,
        "pinball": float(table["test_PinballLoss"].mean()),
        "MAE": float(table["test_MeanAbsoluteError"].mean()),
        "cov50": float(np.mean([c[0.5] for c in table["test_EmpiricalCoverage"]])),
        "cov90": float(np.mean([c[0.9] for c in table["test_EmpiricalCoverage"]])),
        "seconds": seconds,
    }


def print_table(rows: list[dict]) -> None:
    print(
        f"{'dataset':<13} {'model':<21} {'pinball':>8} {'vs snaive':>9} "
        f"{'MAE':>8} {'cov50':>6} {'cov90':>6} {'seconds':>8}"
    )
    for name in dict.fromkeys(row["dataset"] for row in rows):
        group = [row for row in rows if row["dataset"] == name]
        reference = next(
            (
                r["pinball"]
                for r in group
                if r["model"] == "seasonal_naive" and "pinball" in r
            ),
            None,
        )
        for row in group:
            if "error" in row:
                print(f"{name:<13} {row['model']:<21} failed: {row['error'][:80]}")
                continue
            ratio = f"{row['pinball'] / reference:9.3f}" if reference else f"{'':>9}"
            print(
                f"{name:<13} {row['model']:<21} {row['pinball']:8.4f} {ratio} "
                f"{row['MAE']:8.4f} {row['cov50']:6.3f} {row['cov90']:6.3f} "
                f"{row['seconds']:8.1f}"
            )


def main(argv=None) -> list[dict]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", nargs="+", default=DATASETS, choices=DATASETS)
    parser.add_argument("--models", nargs="+", default=MODELS, choices=MODELS)
    parser.add_argument("--origins", type=int, default=20)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--split", choices=["test", "validation"], default="test")
    parser.add_argument("--out", type=Path, default=RESULTS / "forecasting.json")
    args = parser.parse_args(argv)
    saved = json.loads(args.out.read_text())["rows"] if args.out.exists() else []
    rows = []
    for name in args.datasets:
        for model in args.models:
            rows.append(run_one(name, model, args.origins, args.seed, args.split))
            print(json.dumps(rows[-1]), flush=True)
    # rows of earlier runs join the table, unless this run measured them again
    fresh = {(row["dataset"], row["model"]) for row in rows}
    kept = [row for row in saved if (row["dataset"], row["model"]) not in fresh]
    order = {name: i for i, name in enumerate(DATASETS)}
    table = sorted(
        kept + rows,
        key=lambda row: (order[row["dataset"]], MODELS.index(row["model"])),
    )
    print()
    print_table(table)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(
        json.dumps({"machine": platform.platform(), "rows": table}, indent=1) + "\n"
    )
    return rows


if __name__ == "__main__":
    main()
