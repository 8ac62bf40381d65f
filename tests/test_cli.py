"""The sk-tsgen command: fit, sample, score, impute and report on files, and
one-line errors with exit status 2."""

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sk_tsgen import load
from sk_tsgen.cli import main

pytestmark = pytest.mark.xdist_group("cli")
README = Path(__file__).resolve().parents[1] / "README.md"


def _write_table(path, n_days=10, seed=0):
    rng = np.random.RandomState(seed)
    hours = pd.date_range("2024-05-01", periods=24 * n_days, freq="h")
    t = np.arange(len(hours))
    table = pd.DataFrame(
        {
            "when": hours,
            "power": 50 + 20 * np.sin(2 * np.pi * t / 24) + rng.randn(len(t)),
            "visitors": rng.poisson(30, size=len(t)),
        }
    )
    table.to_csv(path, index=False)
    return table


@pytest.fixture(scope="module")
def fitted(tmp_path_factory):
    folder = tmp_path_factory.mktemp("cli")
    data = folder / "power.csv"
    table = _write_table(data)
    model = folder / "power.npz"
    status = main(
        [
            "--quiet",
            "fit",
            str(data),
            "--model",
            "dense_vae",
            "--time-column",
            "when",
            "--window-length",
            "24",
            "--step",
            "2",
            "--set",
            "max_epochs=40",
            "--set",
            "latent_dim=4",
            "--seed",
            "0",
            "--out",
            str(model),
        ]
    )
    assert status == 0
    return folder, data, model, table


def test_fit_then_sample_writes_series_in_the_data_units(fitted, capsys):
    folder, _, model, table = fitted
    out = folder / "synthetic.csv"
    assert (
        main(
            [
                "sample",
                str(model),
                "-n",
                "4",
                "--length",
                "48",
                "--out",
                str(out),
                "--seed",
                "1",
            ]
        )
        == 0
    )
    assert "wrote 4 series of 48 steps" in capsys.readouterr().err
    synthetic = pd.read_csv(out, parse_dates=["when"])
    assert list(synthetic.columns) == ["series", "when", "power", "visitors"]
    assert len(synthetic) == 4 * 48
    assert synthetic["when"].iloc[0] == table["when"].max() + pd.Timedelta("1h")
    assert abs(synthetic["power"].mean() - 50) < 8
    assert synthetic["power"].std() > 5  # the daily cycle, not a flat line
    assert np.array_equal(synthetic["visitors"], np.round(synthetic["visitors"]))
    # --start, and a compressed CSV out
    out2 = folder / "june.csv.gz"
    assert (
        main(
            [
                "--quiet",
                "sample",
                str(model),
                "-n",
                "1",
                "--start",
                "2024-06-01",
                "--out",
                str(out2),
            ]
        )
        == 0
    )
    june = pd.read_csv(out2, parse_dates=["when"])
    assert str(june["when"].iloc[0]) == "2024-06-01 00:00:00" and len(june) == 24


def test_score_and_impute_files(fitted, tmp_path):
    folder, data, model, table = fitted
    scores_path = tmp_path / "scores.csv"
    assert (
        main(["--quiet", "score", str(model), str(data), "--out", str(scores_path)])
        == 0
    )
    scores = pd.read_csv(scores_path)
    assert list(scores.columns) == ["when", "window_score", "point_score"]
    assert len(scores) == len(table)
    assert scores["window_score"].notna().sum() == len(range(0, len(table) - 23, 2))
    gappy = table.copy()
    gappy.loc[40:45, "power"] = np.nan
    gappy_path = tmp_path / "gappy.csv"
    gappy.to_csv(gappy_path, index=False)
    filled_path = tmp_path / "filled.csv"
    assert (
        main(
            [
                "--quiet",
                "impute",
                str(model),
                str(gappy_path),
                "--out",
                str(filled_path),
                "--seed",
                "0",
            ]
        )
        == 0
    )
    filled = pd.read_csv(filled_path)
    assert filled["power"].notna().all()
    assert np.allclose(
        filled["power"].drop(index=range(40, 46)),
        table["power"].drop(index=range(40, 46)),
    )
    assert np.abs(filled.loc[40:45, "power"] - table.loc[40:45, "power"]).mean() < 10


def _error(args, capsys):
    status = main(args)
    err = capsys.readouterr().err
    assert status == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert "Traceback" not in err
    return lines[0]


def test_user_errors_are_one_line_and_status_2(fitted, tmp_path, capsys):
    folder, data, model, table = fitted
    out = str(tmp_path / "x.npz")
    assert "no such file" in _error(
        ["fit", str(tmp_path / "none.csv"), "--out", out], capsys
    )
    assert "unknown model 'vea'" in _error(
        ["fit", str(data), "--model", "vea", "--out", out], capsys
    )
    message = _error(["fit", str(data), "--set", "epochs=3", "--out", out], capsys)
    assert "DenseVAE has no parameter epochs" in message and "max_epochs" in message
    assert "PARAM=VALUE" in _error(
        ["fit", str(data), "--set", "epochs", "--out", out], capsys
    )
    # a column of text that is neither the time nor the id column
    assert "Column 'when' is not numeric" in _error(
        ["fit", str(data), "--out", out], capsys
    )
    assert "too short" in _error(
        [
            "fit",
            str(data),
            "--time-column",
            "when",
            "--window-length",
            "1000",
            "--out",
            out,
        ],
        capsys,
    )
    assert "max_epochs" in _error(
        [
            "fit",
            str(data),
            "--time-column",
            "when",
            "--set",
            "max_epochs=-1",
            "--out",
            out,
        ],
        capsys,
    )
    assert "'visits', which is not a channel" in _error(
        [
            "fit",
            str(data),
            "--time-column",
            "when",
            "--log-channels",
            "visits",
            "--out",
            out,
        ],
        capsys,
    )
    # flags argparse refuses: one line too
    assert "--window-length" in _error(
        ["fit", str(data), "--window-length", "x", "--out", out], capsys
    )
    assert "-n" in _error(["sample", str(model), "-n", "0", "--out", out], capsys)
    assert "required" in _error(["sample", str(model)], capsys)
    # a file that is not a model, an unknown output type
    assert "not an sk_tsgen model file" in _error(
        ["sample", str(data), "-n", "1", "--out", out], capsys
    )
    assert "unknown file type .xlsx" in _error(
        ["sample", str(model), "-n", "1", "--out", str(tmp_path / "s.xlsx")], capsys
    )
    assert "lacks the channel column" in _error(
        [
            "score",
            str(model),
            str(_drop(table, tmp_path)),
            "--out",
            str(tmp_path / "s.csv"),
        ],
        capsys,
    )
    assert "start" in _error(
        [
            "sample",
            str(model),
            "-n",
            "1",
            "--start",
            "soon",
            "--out",
            str(tmp_path / "s.csv"),
        ],
        capsys,
    )


def _drop(table, folder):
    path = Path(folder) / "fewer.csv"
    table.drop(columns="visitors").to_csv(path, index=False)
    return path


@pytest.mark.slow
def test_parquet_in_and_out(fitted, tmp_path):
    """Parquet files need pyarrow (the parquet extra; CI installs it for the
    slow layer)."""
    pytest.importorskip("pyarrow")
    _, _, model, table = fitted
    data = tmp_path / "power.parquet"
    table.assign(power=table["power"].where(table.index % 7 != 0)).to_parquet(data)
    for command in (
        ["sample", str(model), "-n", "2", "--out", str(tmp_path / "s.parquet")],
        ["score", str(model), str(data), "--out", str(tmp_path / "scores.parquet")],
        ["impute", str(model), str(data), "--out", str(tmp_path / "f.parquet")],
    ):
        assert main(["--quiet", *command]) == 0
    assert len(pd.read_parquet(tmp_path / "s.parquet")) == 2 * 24
    assert len(pd.read_parquet(tmp_path / "scores.parquet")) == len(table)
    assert pd.read_parquet(tmp_path / "f.parquet")["power"].notna().all()


def _readme_main_job() -> list[str]:
    """The sk-tsgen steps of the README's first command."""
    block = re.findall(r"```bash\n(.+?)\n```", README.read_text())[0]
    steps = [step.strip() for step in block.split("&&")]
    return [step for step in steps if step.startswith(".venv/bin/sk-tsgen")]


@pytest.mark.slow
def test_readme_main_job_writes_synthetic_stocks_and_the_report(tmp_path):
    """The README's first command, run as written, with the installed script."""
    pytest.importorskip("bokeh_sampledata")
    pytest.importorskip("matplotlib")
    script = str(Path(sys.executable).parent / "sk-tsgen")
    steps = _readme_main_job()
    assert [shlex.split(step)[1] for step in steps] == [
        "data",
        "fit",
        "sample",
        "report",
    ]
    # one thread, as the test workers: two processes of two threads thrash
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    for step in steps:
        args = shlex.split(step)
        result = subprocess.run(
            [script, *args[1:]],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            check=False,
            env=env,
        )
        assert result.returncode == 0, result.stderr
    synthetic = pd.read_csv(tmp_path / "synthetic_stocks.csv", parse_dates=["date"])
    assert synthetic["series"].nunique() == 10
    assert (synthetic.groupby("series").size() == 252).all()  # a year of trading days
    assert (synthetic["date"].dt.dayofweek < 5).all()
    assert synthetic["date"].min() > pd.Timestamp("2013-03-01")
    assert (synthetic[["Open", "Close", "Volume"]] >= 0).all().all()
    report = tmp_path / "stocks_report"
    for name in ("index.html", "fidelity.csv", "windows.png", "embedding.png"):
        assert (report / name).stat().st_size > 500
    fidelity = pd.read_csv(report / "fidelity.csv", index_col="metric")
    assert fidelity.shape[0] == 8
    judged = fidelity.loc["discriminative_score", ["real (held-out)", "synthetic"]]
    assert judged.between(0, 0.5).all()


@pytest.mark.slow
def test_console_script_is_installed():
    script = Path(sys.executable).parent / "sk-tsgen"
    result = subprocess.run(
        [str(script), "--help"], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0
    for command in ("fit", "sample", "score", "impute", "report", "data"):
        assert command in result.stdout


def test_log_channels_flag(fitted, tmp_path):
    folder, data, model, table = fitted
    assert load(model).log_channels_ == []  # auto: neither spans ten times
    out = tmp_path / "logged.npz"
    flags = ["--time-column", "when", "--set", "max_epochs=1", "--out", str(out)]
    for value, chosen in (("power, visitors", ["power", "visitors"]), ("none", [])):
        assert main(["--quiet", "fit", str(data), "--log-channels", value, *flags]) == 0
        assert load(out).log_channels_ == chosen


def test_missing_values_flag(fitted, tmp_path, capsys):
    folder, data, model, table = fitted
    marked = table.astype({"power": object})
    marked.loc[[5, 6], "power"] = "nil"
    marked.loc[40, "power"] = -999
    path = tmp_path / "marked.csv"
    marked.to_csv(path, index=False)
    out = tmp_path / "scores.csv"
    assert "2 cells of text ('nil')" in _error(
        ["score", str(model), str(path), "--out", str(out)], capsys
    )
    flags = ["--missing-values=-999,nil", "--out", str(out)]
    assert main(["--quiet", "impute", str(model), str(path), *flags]) == 0
    filled = pd.read_csv(out)
    assert filled["power"].notna().all()
    np.testing.assert_allclose(
        filled["power"].drop([5, 6, 40]), table["power"].drop([5, 6, 40]), rtol=1e-12
    )
