"""The command line's jobs on real files, timed and judged.

Two files that ship offline go through ``sk-tsgen`` (called in process, with
the flags a user types):

- **stocks**: the README's main job. ``sk-tsgen data stocks`` (AAPL, IBM and
  MSFT, daily, 2000-2013), ``fit --time-column date --id-column ticker``,
  ``sample -n 10 --length 252`` (ten synthetic years) and ``report``. It runs
  twice, with the default ``--between auto`` (the open and the close kept
  between the low and the high) and with ``--between none``, and prints what
  a user of the synthetic prices looks at first beside the real years: the
  share of days out of order (a close above the high), the daily volatility
  of the close (the standard deviation of its log-returns over a year) and
  the day's spread, ``log(High / Low)``, overall and by quarter of the year;
  then the report's fidelity table
  (synthetic windows against a held-out half of the real ones).
- **glucose**: bokeh's ``CGM.csv.gz``, 52,281 readings every 5 minutes that
  mark gaps with ``nil``: ``fit`` (``--missing-values nil``), ``sample``,
  ``score`` and ``impute`` of the whole file, timed.

Nothing is tuned here: every flag not named above is the default.

Usage::

    python benchmarks/command_line.py               # both, about 6 minutes
    python benchmarks/command_line.py --only stocks
    python benchmarks/command_line.py --max-epochs 2 --results /tmp/cl.json  # smoke
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from sk_tsgen.cli import main
from sk_tsgen.datasets import _package_file

RESULTS = Path(__file__).parent / "results" / "command_line.json"
OHLC = {"Open": ("Low", "High"), "Close": ("Low", "High")}


def _run(*argv: str) -> float:
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        status = main(["--quiet", *argv])
    if status != 0:
        raise SystemExit(f"sk-tsgen {' '.join(argv)} exited with {status}")
    return time.perf_counter() - start


def _out_of_order(frame: pd.DataFrame) -> float:
    bad = np.zeros(len(frame), bool)
    for member, (low, high) in OHLC.items():
        bad |= (frame[member] < frame[low]) | (frame[member] > frame[high])
    return float(bad.mean())


def _years(frame: pd.DataFrame, by: str, column: str) -> np.ndarray:
    """``column`` over every stretch of 252 days of every series, a row per
    stretch."""
    out = []
    for _, series in frame.groupby(by, sort=False):
        values = series[column].to_numpy()
        out.extend(
            values[start : start + 252] for start in range(0, len(values) - 251, 252)
        )
    return np.asarray(out)


def _describe(frame: pd.DataFrame, by: str) -> dict:
    # the standard deviation of the close's daily log-returns over a year
    volatility = np.diff(np.log(_years(frame, by, "Close")), axis=1).std(axis=1)
    spread = np.log(frame["High"] / frame["Low"])
    # the day's spread by quarter of the year: a chained sample that drifts
    # widens it as the year goes on
    yearly = np.log(_years(frame, by, "High") / _years(frame, by, "Low"))
    quarters = [np.median(yearly[:, q * 63 : (q + 1) * 63]) for q in range(4)]
    return {
        "days out of order": _out_of_order(frame),
        "volatility median": float(np.median(volatility)),
        "volatility range": f"{volatility.min():.3f}-{volatility.max():.3f}",
        "spread median": float(spread.median()),
        "spread 95%": float(spread.quantile(0.95)),
        "spread median by quarter": " ".join(f"{q:.3f}" for q in quarters),
    }


def stocks(folder: Path, settings: list[str]) -> dict:
    data = folder / "stocks.csv"
    _run("data", "stocks", "--out", str(data))
    real = pd.read_csv(data)
    rows = {"real (2000-2013)": _describe(real, "ticker")}
    fidelity = {}
    for between in ("auto", "none"):
        model = folder / f"stocks_{between}.npz"
        synthetic = folder / f"synthetic_{between}.csv"
        report = folder / f"report_{between}"
        times = {
            "fit s": _run(
                "fit", str(data), "--time-column", "date", "--id-column", "ticker",
                "--seed", "0", "--between", between, "--out", str(model), *settings,
            ),
            "sample s": _run(
                "sample", str(model), "-n", "10", "--length", "252", "--seed", "0",
                "--out", str(synthetic),
            ),
            "report s": _run("report", str(model), str(data), "--out", str(report)),
        }  # fmt: skip
        name = f"synthetic, --between {between}"
        rows[name] = {**_describe(pd.read_csv(synthetic), "series"), **times}
        table = pd.read_csv(report / "fidelity.csv", index_col="metric")
        fidelity[name] = table["synthetic"]
        fidelity["real (held-out)"] = table["real (held-out)"]
    return {
        "prices": pd.DataFrame(rows).T,
        "fidelity": pd.DataFrame(fidelity)[
            ["real (held-out)", *[k for k in fidelity if k.startswith("synthetic")]]
        ],
    }


def glucose(folder: Path, settings: list[str]) -> dict:
    data = _package_file("bokeh_sampledata", "_data", "CGM.csv.gz", extra="data")
    model = folder / "cgm.npz"
    gaps = ("--missing-values", "nil")
    times = {
        "fit": _run(
            "fit", str(data), *gaps, "--time-column", "datetime", "--seed", "0",
            "--out", str(model), *settings,
        ),
        "sample 3 x 500": _run(
            "sample", str(model), "-n", "3", "--length", "500", "--seed", "0",
            "--out", str(folder / "cgm_synthetic.csv"),
        ),
        "score": _run(
            "score", str(model), str(data), *gaps, "--out", str(folder / "s.csv")
        ),
        "impute": _run(
            "impute", str(model), str(data), *gaps, "--seed", "0",
            "--out", str(folder / "cgm_filled.csv"),
        ),
    }  # fmt: skip
    filled = pd.read_csv(folder / "cgm_filled.csv")
    real = pd.read_csv(data, na_values=["nil"])
    column = [c for c in real.columns if c != "datetime"][0]
    return {
        "times": pd.Series(times, name="seconds").to_frame(),
        "cells filled": int(real[column].isna().sum() - filled[column].isna().sum()),
    }


def main_(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=("stocks", "glucose"))
    parser.add_argument(
        "--max-epochs", type=int, help="passed to fit as --set (a smoke run)"
    )
    parser.add_argument("--results", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    settings = (
        [] if args.max_epochs is None else ["--set", f"max_epochs={args.max_epochs}"]
    )
    pd.set_option("display.width", 160)
    pd.set_option("display.float_format", lambda v: f"{v:.4g}")
    out = {}
    with tempfile.TemporaryDirectory() as folder:
        if args.only in (None, "stocks"):
            result = stocks(Path(folder), settings)
            print("stocks: ten synthetic years of AAPL, IBM and MSFT\n")
            print(result["prices"].to_string(), "\n")
            print(
                "stocks: the report's fidelity table (lower is better; diversity: 1)\n"
            )
            print(result["fidelity"].to_string(), "\n")
            out["stocks"] = {k: v.to_dict() for k, v in result.items()}
        if args.only in (None, "glucose"):
            result = glucose(Path(folder), settings)
            print("glucose (CGM.csv.gz, 52,281 readings): seconds per command\n")
            print(result["times"].to_string())
            print(f"cells filled by impute: {result['cells filled']}\n")
            out["glucose"] = {
                "seconds": result["times"]["seconds"].to_dict(),
                "cells filled": result["cells filled"],
            }
    args.results.write_text(json.dumps(out, indent=1, default=str))
    print(f"wrote {args.results}")


if __name__ == "__main__":
    main_()
