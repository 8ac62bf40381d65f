"""The example scripts run and produce what they promise."""

import importlib.util
from pathlib import Path

import pytest

# examples and benchmark smoke runs form the slow layer: pytest -m slow
pytestmark = pytest.mark.slow

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def _load(name):
    spec = importlib.util.spec_from_file_location(name, EXAMPLES / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_dense_vae_demo_writes_its_figure(tmp_path):
    pytest.importorskip("matplotlib")
    demo = _load("plot_dense_vae_sines")
    out = tmp_path / "demo.png"
    result = demo.main(str(out), n_series=400, max_epochs=15, n_plot=60)
    assert out.stat().st_size > 10_000
    assert result["ranked"] >= 0.95


def test_fidelity_example_ranks_and_selects(tmp_path):
    pytest.importorskip("matplotlib")
    example = _load("plot_fidelity_metrics")
    out = tmp_path / "fidelity.png"
    result = example.main(str(out), n_series=600, max_epochs=30, n_iterations=30)
    assert out.stat().st_size > 20_000
    rows = result["rows"]
    assert set(rows) == {"real (new draw)", "GaussianMixture", "DenseVAE"}
    assert all(len(row) == 6 for row in rows.values())
    assert abs(rows["real (new draw)"]["MMD"]) < 0.005
    assert result["best_params"] == {"latent_dim": 8}


def test_conv_vae_temperature_example(tmp_path):
    pytest.importorskip("matplotlib")
    pytest.importorskip("vega_datasets")
    example = _load("plot_conv_vae_temperature")
    out = tmp_path / "temperature.png"
    result = example.main(str(out), max_epochs=60, n_years=2)
    assert out.stat().st_size > 50_000
    # a short fit already gets the seasons roughly and leaves no seams
    assert result["monthly_rmse"] < 6
    assert all(0.7 < ratio < 1.3 for ratio in result["seam_ratio"].values())


def test_recurrent_autoencoder_example(tmp_path):
    pytest.importorskip("matplotlib")
    example = _load("plot_recurrent_autoencoder_sines")
    out = tmp_path / "recurrent.png"
    result = example.main(str(out))
    assert out.stat().st_size > 30_000
    # the tutorial printed 0.3072 after its 10 epochs
    assert result["test_mse"] < 0.3072 / 10
    assert result["ranked"] > 0.95


def test_vaegan_example(tmp_path):
    pytest.importorskip("matplotlib")
    example = _load("plot_vaegan_sines")
    out = tmp_path / "vaegan.png"
    # a short budget (20 epochs of 2000 series) and a quicker judge
    result = example.main(str(out), n_iterations=300)
    assert out.stat().st_size > 30_000
    vae = result["VAE (adversarial_weight=0)"]
    gan = result["VAEGAN (adversarial_weight=0.1)"]
    # the adversarial term makes samples harder to tell from real series
    assert gan["discriminative"] < vae["discriminative"]
    assert 0.8 < gan["diversity"] < 1.2


def test_transformer_gan_temperature_example(tmp_path):
    pytest.importorskip("matplotlib")
    pytest.importorskip("vega_datasets")
    example = _load("plot_transformer_gan_temperature")
    out = tmp_path / "months.png"
    result = example.main(str(out), max_epochs=40)
    assert out.stat().st_size > 50_000
    stats = result["stats"]
    # prompts are followed: July is warmer than January, in real and generated days
    real_gap = stats["July"]["real"]["mean"] - stats["January"]["real"]["mean"]
    generated_gap = (
        stats["July"]["generated"]["mean"] - stats["January"]["generated"]["mean"]
    )
    assert abs(generated_gap - real_gap) < 5
    assert result["monthly_rmse"] < 4
    assert result["kl"]["pca"] < 1


def test_anomaly_long_series_example(tmp_path):
    pytest.importorskip("matplotlib")
    pytest.importorskip("sktime")  # ships the ECG
    example = _load("plot_anomaly_long_series")
    out = tmp_path / "ecg.png"
    result = example.main(str(out), max_epochs=60)
    assert out.stat().st_size > 30_000
    # the labelled anomaly ranks above the normal beats
    assert result["roc_auc"] > 0.9
    assert result["flagged_anomalous"] > 0.3
    assert result["flagged_normal"] < 0.1


def test_latent_features_classifier_example(tmp_path):
    pytest.importorskip("matplotlib")
    pytest.importorskip("sktime")  # ships GunPoint
    example = _load("plot_latent_features_classifier")
    out = tmp_path / "latent.png"
    accuracy = example.main(str(out), max_epochs=40)
    assert out.stat().st_size > 20_000
    assert set(accuracy) == {
        "raw values",
        "PCA, 8",
        "DenseVAE codes, 8",
        "ConvVAE codes, 8",
    }
    # unsupervised codes carry the class: well above chance (0.5)
    assert accuracy["DenseVAE codes, 8"] > 0.7
    assert accuracy["ConvVAE codes, 8"] > 0.7
    assert accuracy["raw values"] > 0.85


def test_diffusion_stocks_example_judges_three_models(tmp_path):
    pytest.importorskip("matplotlib")
    pytest.importorskip("bokeh_sampledata")
    example = _load("plot_diffusion_stocks")
    out = tmp_path / "stocks.png"
    result = example.main(str(out), max_epochs=2, n_iterations=20)
    assert out.stat().st_size > 20_000
    rows = result["rows"]
    assert set(rows) == {"DiffusionGenerator", "DenseVAE", "GaussianMixture"}
    assert all(len(row) == 6 for row in rows.values())


def test_forecast_temperature_fans_example(tmp_path):
    pytest.importorskip("matplotlib")
    pytest.importorskip("pvlib")
    pytest.importorskip("sktime")
    example = _load("plot_forecast_temperature_fans")
    out = tmp_path / "fans.png"
    result = example.main(str(out), max_epochs=20, n_origins=2)
    assert out.stat().st_size > 30_000
    assert result["window_length"] == 72
    # calibration widens the paths, more so further ahead
    assert result["spread"][0] < result["spread"][-1] and result["spread"][-1] > 1
    # 48 hours: the bands are no decoration (each covers most of the truth)
    assert result["coverage90"] > 0.6
