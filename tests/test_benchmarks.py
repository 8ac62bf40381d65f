"""The benchmark scripts run end to end (in a quick mode) and print their table."""

import importlib.util
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

# examples and benchmark smoke runs form the slow layer: pytest -m slow
pytestmark = pytest.mark.slow

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"


def _load(name):
    spec = importlib.util.spec_from_file_location(name, BENCHMARKS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_fidelity_benchmark_quick_run(tmp_path, capsys):
    fidelity = _load("fidelity")
    results = tmp_path / "fidelity.json"
    argv = ["--quick", "--runs", "2", "--n-series", "80", "--results", str(results)]
    fidelity.main([*argv, "--models", "Real data", "PCA (10) + Gaussian"])
    fidelity.main([*argv, "--models", "DenseVAE"])  # joins the earlier rows
    rows = json.loads(results.read_text())["rows"]
    assert list(rows) == ["Real data", "PCA (10) + Gaussian", "DenseVAE"]
    assert all(len(runs) == 2 for runs in rows.values())
    table = capsys.readouterr().out.split("| model |")[-1]
    for name in [*rows, "TimeGAN (published)", "Diffusion-TS (published)"]:
        assert f"| {name} |" in table


def test_fidelity_benchmark_on_spread_weeks_of_weather(tmp_path, capsys):
    pytest.importorskip("pvlib")
    fidelity = _load("fidelity")
    results = tmp_path / "fidelity_weather-long.json"
    fidelity.main(
        ["--dataset", "weather-long", "--window-step", "24", "--quick", "--runs", "1"]
        + ["--models", "Real data (alternate blocks)", "PCA (10) + Gaussian"]
        + ["--results", str(results)]
    )
    saved = json.loads(results.read_text())
    # the 8593 weeks starting at every hour, one in 24 kept: 359 spread over the year
    assert saved["setup"]["n_series"] == 359
    assert saved["setup"]["window_step"] == 24
    assert set(saved["rows"]) == {"Real data (alternate blocks)", "PCA (10) + Gaussian"}
    assert "weather-long 359 x 19 x 168" in capsys.readouterr().out


def test_sampling_speed_benchmark_prints_its_table(capsys):
    import pytest

    pytest.importorskip("vega_datasets")
    _load("sampling_speed").main(["--repeats", "1", "--years", "1", "--epochs", "1"])
    out = capsys.readouterr().out
    assert "8,760 steps" in out
    assert out.count("| ConvVAE.sample") == 3 and "| plain torch" in out


def test_conv_vae_design_benchmark_prints_its_table(capsys):
    import pytest

    pytest.importorskip("vega_datasets")
    _load("conv_vae_design").main(["--epochs", "2", "--years", "1"])
    out = capsys.readouterr().out
    rows = [line for line in out.splitlines() if line.startswith("| ")]
    assert len(rows) == 1 + 1 + 3  # header, rule, one row per setting
    assert "independent steps, prior (original)" in out


def test_weather_year_benchmark_prints_its_table(capsys):
    _load("weather_year").main(["--settings", "100 epochs", "--years", "1"])
    out = capsys.readouterr().out
    rows = [line for line in out.splitlines() if line.startswith("| ")]
    assert len(rows) == 1 + 1 + 1  # header, rule, one row
    assert rows[-1].startswith("| 100 epochs | 0 |")
    assert "The real year's own ratio" in out


def test_ucr_anomaly_benchmark_prints_its_table(tmp_path, capsys):
    import numpy as np
    import pandas as pd

    # files of the task's layout; the real ones come from the aeon wheel
    rng = np.random.RandomState(0)
    stem = "135_UCR_Anomaly_InternalBleeding16_"
    for part, n in [("TRAIN", 300), ("TEST", 400)]:
        value = np.sin(np.arange(n) / 5) + 0.1 * rng.standard_normal(n)
        label = np.zeros(n, dtype=int)
        if part == "TEST":
            value[200:210] += 3.0
            label[200:210] = 1
        pd.DataFrame(
            {"timestamp": np.arange(n), "value": value, "is_anomaly": label}
        ).to_csv(tmp_path / f"{stem}{part}.csv", index=False)
    _load("ucr_anomaly").main(
        ["--data", str(tmp_path), "--models", "DenseVAE", "IsolationForest"]
        + ["--max-epochs", "2", "--window-length", "24"]
    )
    out = capsys.readouterr().out
    rows = [line for line in out.splitlines() if line.startswith("| ")]
    assert [row.split(" | ")[0] for row in rows[2:]] == [
        "| DenseVAE",
        "| IsolationForest",
    ]
    assert "anomaly at points 200-209 of 400" in out


def test_recurrent_autoencoder_article_benchmark_prints_its_table(capsys):
    _load("recurrent_autoencoder_article").main(["--seeds", "0"])
    out = capsys.readouterr().out
    rows = [line for line in out.splitlines() if line.startswith("| ")]
    assert len(rows) == 2 + 1 + 7  # header, rule, printed figure, one per setting
    ours = [row for row in rows if row.startswith("| RecurrentAutoencoder() ")]
    assert len(ours) == 1 and "x lower" in ours[0]


def test_anomaly_benchmark_prints_both_tables(tmp_path, capsys):
    import pytest

    pytest.importorskip("sktime")
    pytest.importorskip("vega_datasets")
    results = tmp_path / "anomaly.json"
    methods = ["IsolationForest", "LocalOutlierFactor"]
    _load("anomaly").main(
        ["--runs", "1", "--models", *methods, "--results", str(results)]
    )
    rows = json.loads(results.read_text())["rows"]
    assert len(rows) == 2 * (17 + 9)  # one-class and long-series tasks, per method
    roc = {(row["task"], row["method"]): row["roc_auc"] for row in rows}
    # a standing person's series stand apart from the other activities, and LOF
    # on flattened day windows finds spikes in the smooth temperature curve
    assert roc[("basic_motions / standing", "IsolationForest")] > 0.95
    assert roc[("temperature / spike", "LocalOutlierFactor")] > 0.9
    # one changed sample among 300 barely moves a window in Euclidean distance
    assert roc[("ECG / spike", "LocalOutlierFactor")] < 0.7
    out = capsys.readouterr().out
    assert "ECG / level shift" in out and "ROC mean" in out


def test_anomaly_scores_benchmark_prints_every_score_form(capsys):
    import pytest

    pytest.importorskip("sktime")
    _load("anomaly_scores").main(["--panels", "gunpoint", "--no-refits"])
    out = capsys.readouterr().out.split("Mean ROC-AUC")[-1]
    elbo = float(out.split("\nELBO ")[1].split()[0])
    assert 0.75 < elbo <= 1.0  # GunPoint's two one-class tasks
    for form in [
        "ELBO",
        "IWAE",
        "IWAE, code mixture",
        "reconstruction",
        "noise per step",
    ]:
        assert f"\n{form} " in out


def test_anomaly_scores_refit_helpers():
    import numpy as np
    import pytest

    pytest.importorskip("sktime")
    from sk_tsgen import DenseVAE
    from sk_tsgen.datasets import make_sines

    module = _load("anomaly_scores")
    for n_timesteps, strides in [(24, (3, 2, 2, 2)), (150, (3, 2, 2, 2, 2, 2))]:
        assert module.spanning_strides(n_timesteps) == strides
        assert np.prod(strides) <= n_timesteps < 2 * np.prod(strides)
    X = make_sines(40, n_timesteps=12, random_state=0)
    vae = DenseVAE(max_epochs=2, random_state=0)
    ensemble = module.MeanELBO(vae, seeds=(1, 2)).fit(X)
    one, two = (vae.set_params(random_state=s).fit(X).score_samples(X) for s in (1, 2))
    assert not np.allclose(one, two)
    np.testing.assert_allclose(ensemble.score_samples(X), (one + two) / 2, rtol=1e-5)


def test_small_sets_benchmark_prints_its_table(capsys):
    _load("small_sets").main(["--epochs", "2", "--models", "DenseVAE", "ConvVAE"])
    out = capsys.readouterr().out
    rows = [line for line in out.splitlines() if line.startswith("| ")]
    assert [row.split(" | ")[0] for row in rows[2:]] == ["| DenseVAE", "| ConvVAE"]
    assert "| 10 |" in rows[2] and "with noise" in rows[3]


def test_conditional_benchmark_prints_a_row_per_dataset_and_model(tmp_path, capsys):
    conditional = _load("conditional")
    results = tmp_path / "conditional.json"
    rows = conditional.main(
        [
            "--datasets",
            "gunpoint",
            "basic_motions",
            "--models",
            "DenseVAE",
            "DiffusionGenerator",
            "--max-epochs",
            "2",
            "--results",
            str(results),
        ]
    )
    assert [(r["dataset"], r["model"]) for r in rows] == [
        ("gunpoint", "DenseVAE"),
        ("gunpoint", "DiffusionGenerator"),
        ("basic_motions", "DenseVAE"),
        ("basic_motions", "DiffusionGenerator"),
    ]
    assert len(json.loads(results.read_text())["runs"]) == 4
    for row in rows:
        # real accuracy is the classifier's on held-out real series
        assert 0.5 <= row["forest"]["real"] <= 1.0
        assert 0.0 <= row["forest"]["generated"] <= 1.0
    out = capsys.readouterr().out
    assert "| gunpoint | DiffusionGenerator | 0 |" in out


def test_conditional_benchmark_conditions_on_dates(tmp_path):
    conditional = _load("conditional")
    X, months, folds, dates = conditional.load_dataset("seattle_dates")
    assert isinstance(dates, pd.DatetimeIndex) and len(dates) == len(X) == 365
    assert (dates.month_name() == months).all()
    rows = conditional.main(
        ["--datasets", "seattle_dates", "--models", "DenseVAE", "ConvVAE"]
        + ["--max-epochs", "2", "--results", str(tmp_path / "dates.json")]
    )
    assert [r["dataset"] for r in rows] == ["seattle_dates"] * 2
    assert all(0.0 <= r["logistic"]["generated"] <= 1.0 for r in rows)


def test_imputation_benchmark_quick_run(tmp_path, capsys):
    imputation = _load("imputation")
    results = tmp_path / "imputation_stocks.json"
    argv = ["--quick", "--results", str(results), "--methods"]
    imputation.main([*argv, "Linear interpolation", "KNNImputer"])
    imputation.main([*argv, "DenseVAE"])  # joins the earlier rows
    saved = json.loads(results.read_text())
    assert list(saved["rows"]) == ["Linear interpolation", "KNNImputer", "DenseVAE"]
    for row in saved["rows"].values():
        assert set(imputation.SCENARIOS) <= set(row)
        assert all(row[s]["rmse"] >= row[s]["mae"] > 0 for s in imputation.SCENARIOS)
    out = capsys.readouterr().out
    assert "| DenseVAE |" in out and "- block: best generator DenseVAE" in out


def test_imputation_validation_split_holds_out_training_windows(tmp_path):
    imputation = _load("imputation")
    train, test = imputation.load("gunpoint", False)
    fit_part, held = imputation.load("gunpoint", False, "validation")
    assert len(fit_part) + len(held) == len(train) == 150 and len(held) == 30
    np.testing.assert_array_equal(held, train[-30:])
    results = tmp_path / "validation.json"
    argv = ["--quick", "--split", "validation", "--kriging", "per-channel"]
    imputation.main([*argv, "--results", str(results), "--methods", "DenseVAE"])
    setup = json.loads(results.read_text())["setup"]
    assert (setup["split"], setup["kriging"]) == ("validation", "per-channel")
    import sk_tsgen.base

    assert sk_tsgen.base._JOINT_KRIGING_VALUES > 0  # switched back on


def test_imputation_masks_are_the_same_for_every_method_and_keep_a_value():
    imputation = _load("imputation")
    first = imputation.make_masks((50, 3, 24), seed=0)
    second = imputation.make_masks((50, 3, 24), seed=0)
    for scenario in imputation.SCENARIOS:
        assert (first[scenario] == second[scenario]).all()
        assert not first[scenario].all(axis=-1).any()
    assert abs(first["50 %"].mean() - 0.5) < 0.03
    assert (first["block"].sum(axis=-1) == 12).all()


def test_training_with_gaps_benchmark_quick_run(tmp_path, capsys):
    gaps = _load("training_with_gaps")
    results = tmp_path / "gaps.json"
    argv = ["--quick", "--window-step", "20", "--results", str(results)]
    gaps.main([*argv, "--models", "DenseVAE", "--metrics", "disc_hgb", "diversity"])
    saved = json.loads(results.read_text())
    assert saved["setup"]["missing"] == 0.3
    complete, gappy = (saved["rows"]["DenseVAE"][k][0] for k in ("complete", "gappy"))
    assert set(complete) == set(gappy) == {"disc_hgb", "diversity", "fit_s", "seed"}
    out = capsys.readouterr().out
    assert "| DenseVAE | 30 % gaps |" in out and "- DenseVAE: " in out
    # --seeds adds runs to those kept, and the table gives their spread
    gaps.main([*argv, "--models", "DenseVAE", "--metrics", "disc_hgb", "--seeds", "1"])
    rows = json.loads(results.read_text())["rows"]["DenseVAE"]
    assert [r["seed"] for r in rows["gappy"]] == [0, 1]
    assert "±" in capsys.readouterr().out


def test_training_with_gaps_masks_keep_a_value_per_row():
    gaps = _load("training_with_gaps")
    windows = np.random.RandomState(0).uniform(size=(200, 3, 2))
    gappy = gaps.with_gaps(windows, 0.6, seed=0)
    assert not np.isnan(gappy).all(axis=-1).any()
    assert 0.4 < np.isnan(gappy).mean() < 0.6
    assert gaps.within("disc_hgb", 0.30, 0.32, 0.0)
    assert not gaps.within("disc_hgb", 0.30, 0.34, 0.0)
    assert gaps.within("diversity", 0.95, 1.05, 0.0)  # distances from 1
    assert gaps.within("predictive", 0.001, 0.005, 0.01)
    # over several runs, a miss is checked against the runs' spread
    runs = {"complete": [{"m": v} for v in (0.10, 0.12, 0.11)]}
    assert not gaps._beyond_spread({**runs, "gappy": [{"m": 0.13}, {"m": 0.10}]}, "m")
    assert gaps._beyond_spread({**runs, "gappy": [{"m": 0.30}, {"m": 0.31}]}, "m")


def test_forecasting_benchmark_quick_run(tmp_path, capsys):
    pytest.importorskip("sktime")
    forecasting = _load("forecasting")
    out = tmp_path / "forecasting.json"
    rows = forecasting.main(
        ["--datasets", "airline", "--models", "GenerativeForecaster", "naive"]
        + ["seasonal_naive", "--origins", "3", "--out", str(out)]
    )
    assert [row["model"] for row in rows] == [
        "GenerativeForecaster",
        "naive",
        "seasonal_naive",
    ]
    assert all(row["origins"] == 3 and 0 <= row["cov90"] <= 1 for row in rows)
    assert json.loads(out.read_text())["rows"] == rows
    table = capsys.readouterr().out
    assert "vs snaive" in table and "airline       seasonal_naive" in table


def test_command_line_benchmark_prints_both_configurations(tmp_path, capsys):
    pytest.importorskip("bokeh_sampledata")
    results = tmp_path / "command_line.json"
    _load("command_line").main_(
        ["--only", "stocks", "--max-epochs", "2", "--results", str(results)]
    )
    out = capsys.readouterr().out
    for row in ("real (2000-2013)", "--between auto", "--between none"):
        assert row in out
    prices = json.loads(results.read_text())["stocks"]["prices"]
    out_of_order = prices["days out of order"]
    assert out_of_order["real (2000-2013)"] == 0
    assert out_of_order["synthetic, --between auto"] == 0
    assert out_of_order["synthetic, --between none"] > 0
