"""Faults and hostile input: interrupts, divergence, extremes, threads, saving."""

import pickle
import threading
import warnings

import numpy as np
import pytest
from conftest import size_params
from numpy.testing import assert_array_equal
from skorch.callbacks import Callback

from sk_tsgen import (
    ConvVAE,
    DenseVAE,
    TrainingDivergedError,
    TransformerGAN,
    load,
    save,
)
from sk_tsgen.anomaly import WindowAnomalyDetector, window_scores_to_points
from sk_tsgen.datasets import make_sines


def _outputs(est, X):
    return {
        "transform": est.transform(X),
        "sample": np.asarray(est.sample(4, random_state=3)),
        "score_samples": est.score_samples(X),
        "inverse_transform": np.asarray(est.inverse_transform(est.transform(X))),
    }


def _assert_same(a, b):
    for key in a:
        assert_array_equal(a[key], b[key], err_msg=key)


class InterruptAt(Callback):
    """Raise ``KeyboardInterrupt`` in the first batch of an epoch, or at the end."""

    def __init__(self, epoch=None, at_train_end=False):
        self.epoch, self.at_train_end = epoch, at_train_end

    def on_batch_end(self, net, **kwargs):
        if self.epoch is not None and len(net.history) == self.epoch:
            raise KeyboardInterrupt

    def on_train_end(self, net, **kwargs):
        if self.at_train_end:
            raise KeyboardInterrupt


@pytest.fixture(scope="session")
def small_sines():
    return make_sines(96, n_timesteps=16, n_channels=2, random_state=0)


# ------------------------------------------------------------------ interrupts
def test_interrupt_during_the_epochs_leaves_a_usable_model(make_generator, sines):
    X = sines[0]
    est = make_generator(max_epochs=5, callbacks=[InterruptAt(epoch=2)])
    with pytest.warns(UserWarning, match="training interrupted at epoch 2 of 5"):
        est.fit(X)
    assert len(est.history_) == 1
    for name, out in _outputs(est, sines[1]).items():
        assert np.isfinite(out).all(), name
    assert est.predict(sines[1]).shape == (len(sines[1]),)
    # a refit on data with other channels and timesteps
    other = make_sines(80, n_timesteps=24, n_channels=1, random_state=2)[:, 0, :]
    est.set_params(callbacks=None, max_epochs=2).fit(other)
    assert np.asarray(est.sample(2, random_state=0)).shape == (2, 24)
    assert np.isfinite(est.score_samples(other)).all()


def test_a_failed_fit_leaves_the_fitted_model_unchanged(make_generator, sines):
    X, X_test = sines
    est = make_generator(max_epochs=2).fit(X)
    before = _outputs(est, X_test)
    state = set(vars(est))
    with pytest.raises(ValueError, match="infinity"):
        est.fit(np.where(X > 0.9, np.inf, X))
    with pytest.raises(KeyboardInterrupt):
        est.set_params(
            **size_params(make_generator, 3), callbacks=[InterruptAt(at_train_end=True)]
        ).fit(X)
    assert set(vars(est)) == state
    _assert_same(_outputs(est, X_test), before)
    # and a refit with the new size works
    est.set_params(callbacks=None).fit(X)
    assert est.transform(X_test).shape[1] == est.n_components_


def test_a_failed_first_fit_leaves_the_model_unfitted(make_generator, sines):
    est = make_generator(max_epochs=2, callbacks=[InterruptAt(at_train_end=True)])
    with pytest.raises(KeyboardInterrupt):
        est.fit(sines[0])
    assert not [name for name in vars(est) if name.endswith("_")]


# ------------------------------------------------------------------ divergence
def test_a_huge_learning_rate_names_the_divergence(make_generator, sines):
    est = make_generator(lr=1e3, max_epochs=3)
    with pytest.raises(TrainingDivergedError, match=r"diverged.*lower lr") as info:
        est.fit(sines[0])
    assert "GradientNormClipping" in str(info.value)
    assert not hasattr(est, "net_")


def test_a_last_batch_of_one_series_trains_normally():
    X = make_sines(65, 24, 1, random_state=0)[:, 0, :]
    gan = TransformerGAN(max_epochs=3, random_state=0).fit(X)
    assert np.isfinite(gan.score_samples(X)).all()
    assert np.isfinite(gan.offset_)
    gan = TransformerGAN(max_epochs=1, batch_size=1, depth=1, random_state=0)
    assert np.isfinite(gan.fit(X[:8]).score_samples(X)).all()


# ------------------------------------------------------------------- extremes
def test_values_beyond_float32_are_refused_by_name(make_generator, sines):
    X = sines[0].copy()
    X[:, 1] *= 1e300
    with pytest.raises(ValueError, match=r"channel 1.*float64.*float32 range"):
        make_generator().fit(X)


def test_huge_but_representable_values_give_finite_outputs(make_generator, sines):
    est = make_generator(max_epochs=2).fit(sines[0] * 1e30)
    for name, out in _outputs(est, sines[1] * 1e30).items():
        assert np.isfinite(out).all(), name


def test_an_absurd_value_scores_very_low_and_is_anomalous(two_epoch_fit, sines):
    est = two_epoch_fit
    X = sines[1].copy()
    X[0, 0, 3] = 1e30
    scores = est.score_samples(X)
    assert not np.isnan(scores).any()
    assert scores[0] < scores[1:].min()
    assert est.predict(X)[0] == -1
    assert np.isfinite(est.transform(X)).all()


def test_absurd_codes_decode_to_finite_series(two_epoch_fit, sines):
    est = two_epoch_fit
    Z = est.transform(sines[1][:4])
    Z[0] = 1e30
    Z[1] = -3e38
    assert np.isfinite(np.asarray(est.inverse_transform(Z))).all()


def test_window_scores_reach_only_their_own_points():
    points = window_scores_to_points(np.array([-1.0, -np.inf, -1.0]), [0, 1, 2], 2, 4)
    assert_array_equal(points, [-0.5, -np.inf, -np.inf, -0.5])
    points = window_scores_to_points(np.array([-1.0, np.nan, -3.0]), [0, 1, 2], 2, 4)
    assert_array_equal(points, [-0.5, -np.inf, -np.inf, -1.5])


def test_one_glitch_is_flagged_and_the_rest_scores_finitely():
    rng = np.random.RandomState(0)
    t = np.arange(1200)
    s = np.sin(2 * np.pi * t / 24) + 0.1 * rng.standard_normal(len(t))
    detector = WindowAnomalyDetector(
        DenseVAE(latent_dim=4, max_epochs=20, random_state=0), window_length=24
    ).fit(s)
    x = s[:480].copy()
    x[300] = 1e4
    scores = detector.score_samples(x)
    assert not np.isnan(scores).any()
    far = np.r_[0 : 300 - 24, 301 + 24 : 480]
    assert np.isfinite(scores[far]).all()
    assert detector.predict(x)[300] == -1
    assert scores[300] < scores[far].min()


def test_window_and_step_errors_name_the_parameters(sines):
    series = np.sin(np.arange(300) / 5)
    with pytest.raises(ValueError, match=r"step=30.*window_length=24"):
        WindowAnomalyDetector(DenseVAE(), window_length=24, step=30).fit(series)


@pytest.mark.parametrize("device", ["mps", "cuda:7", "xpu", "npu:0", "nonsense"])
def test_unavailable_devices_are_named(device, small_sines):
    with pytest.raises(ValueError, match="device="):
        DenseVAE(device=device).fit(small_sines)


# -------------------------------------------------------------------- threads
def test_concurrent_calls_equal_sequential_ones(two_epoch_fit, sines):
    est = two_epoch_fit
    X = sines[1]
    expected = _outputs(est, X)
    results, errors = [], []

    def work():
        try:
            for _ in range(3):
                results.append(_outputs(est, X))
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert len(results) == 12
    for out in results:
        _assert_same(out, expected)
    assert not est.net_.module_.training


# ---------------------------------------------------------------------- saving
def test_save_and_load_give_identical_outputs(make_generator, sines, tmp_path):
    est = make_generator(max_epochs=2, validation_fraction=0.5).fit(sines[0])
    path = tmp_path / "model.npz"
    est.save(path)
    with np.load(path, allow_pickle=False) as archive:  # no pickle inside
        assert all(archive[key].dtype != object for key in archive.files)
    loaded = load(path)
    assert type(loaded) is type(est)
    assert loaded.get_params() == est.get_params()
    _assert_same(_outputs(loaded, sines[1]), _outputs(est, sines[1]))
    assert_array_equal(loaded.predict(sines[1]), est.predict(sines[1]))
    assert loaded.history_[:, "train_loss"] == est.history_[:, "train_loss"]
    # a loaded model refits
    loaded.set_params(max_epochs=1).fit(sines[0][:, :1])
    assert loaded.n_channels_ == 1


def test_the_validation_split_is_not_stored(sines, tmp_path):
    sizes = {}
    for fraction in (0.0, 0.5):
        est = DenseVAE(max_epochs=1, validation_fraction=fraction, random_state=0)
        est.fit(sines[0])
        assert est.net_.train_split is None
        sizes[fraction] = len(pickle.dumps(est))
    assert abs(sizes[0.5] - sizes[0.0]) < 0.02 * sizes[0.0]


def test_seasonal_conv_vae_round_trips(tmp_path):
    import pandas as pd

    index = pd.date_range("2030-01-01", periods=24 * 40, freq="h", tz="Europe/Oslo")
    hours = np.arange(len(index))
    series = pd.Series(np.sin(2 * np.pi * hours / 24), index=index)
    vae = ConvVAE(latent_dim=2, max_epochs=1, random_state=0)
    vae.fit(series)
    save(vae, tmp_path / "seasonal.npz")
    loaded = load(tmp_path / "seasonal.npz")
    assert loaded.prior_ == vae.prior_ and loaded.freq_ == vae.freq_
    assert_array_equal(
        loaded.sample(
            2, y=pd.Timestamp("2030-01-05", tz="Europe/Oslo"), random_state=0
        ),
        vae.sample(2, y=pd.Timestamp("2030-01-05", tz="Europe/Oslo"), random_state=0),
    )


def test_loading_a_detector_and_unfitted_models(tmp_path, small_sines):
    series = np.sin(np.arange(400) / 4)
    detector = WindowAnomalyDetector(
        DenseVAE(max_epochs=1, random_state=0), window_length=16
    ).fit(series)
    save(detector, tmp_path / "detector.npz")
    loaded = load(tmp_path / "detector.npz")
    assert_array_equal(loaded.score_samples(series), detector.score_samples(series))
    save(DenseVAE(latent_dim=3), tmp_path / "unfitted.npz")
    assert (
        load(tmp_path / "unfitted.npz").get_params()
        == DenseVAE(latent_dim=3).get_params()
    )


def test_callbacks_are_dropped_with_a_warning(tmp_path, small_sines):
    est = DenseVAE(max_epochs=1, callbacks=[InterruptAt()]).fit(small_sines)
    with pytest.warns(UserWarning, match="callbacks parameter is not saved"):
        est.save(tmp_path / "m.npz")
    assert load(tmp_path / "m.npz").callbacks is None


def test_a_file_without_a_newer_parameter_loads_with_its_default(tmp_path):
    """A file written before a parameter existed (``accelerator``) loads with
    the parameter at its default, so get_params and clone work."""
    path = tmp_path / "older.npz"
    save(DenseVAE(latent_dim=3), path)
    with np.load(path) as archive:
        arrays = {key: archive[key] for key in archive.files}
    metadata = str(arrays["metadata"])
    assert '"accelerator": null, ' in metadata
    arrays["metadata"] = np.array(metadata.replace('"accelerator": null, ', ""))
    np.savez(path, **arrays)
    loaded = load(path)
    assert loaded.get_params() == DenseVAE(latent_dim=3).get_params()


def test_bad_files_are_refused_by_name(tmp_path, small_sines):
    not_a_model = tmp_path / "junk.npz"
    not_a_model.write_bytes(b"not a zip file")
    with pytest.raises(ValueError, match="not an sk_tsgen model file"):
        load(not_a_model)
    np.savez(tmp_path / "other.npz", x=np.zeros(3))
    with pytest.raises(ValueError, match="not an sk_tsgen model file"):
        load(tmp_path / "other.npz")
    # a file from another version of the format
    path = tmp_path / "old.npz"
    save(DenseVAE(), path)
    with np.load(path) as archive:
        arrays = {key: archive[key] for key in archive.files}
    arrays["metadata"] = np.array(
        str(arrays["metadata"]).replace('"format_version": 1', '"format_version": 99')
    )
    np.savez(path, **arrays)
    with pytest.raises(ValueError, match="version 99 of the sk_tsgen save format"):
        load(path)
    # a file that names a class outside sk_tsgen is not loaded
    arrays["metadata"] = np.array(
        str(arrays["metadata"])
        .replace('"format_version": 99', '"format_version": 1')
        .replace("sk_tsgen.dense_vae.DenseVAE", "os.system")
    )
    np.savez(path, **arrays)
    with pytest.raises(ValueError, match="os.system"):
        load(path)


def test_saving_an_unsupported_object_names_it(tmp_path):
    est = DenseVAE()
    est.extra_ = object()
    with pytest.raises(TypeError, match="extra_"):
        save(est, tmp_path / "x.npz")


def test_a_cuda_model_loads_on_the_cpu(tmp_path, small_sines, monkeypatch):
    est = DenseVAE(max_epochs=1, random_state=0).fit(small_sines)
    est.device = "cuda"  # as if fitted on a GPU machine
    save(est, tmp_path / "gpu.npz")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        loaded = load(tmp_path / "gpu.npz")
    if loaded.device == "cpu":  # this machine has no CUDA
        assert any("loaded on the CPU" in str(w.message) for w in caught)
    assert_array_equal(
        loaded.score_samples(small_sines), est.score_samples(small_sines)
    )
    assert str(load(tmp_path / "gpu.npz", device="cpu").net_.device) == "cpu"


# ------------------------------------------------------------- input formats
@pytest.fixture(scope="session")
def basic_motions():
    from sktime.datasets import load_basic_motions

    X, _ = load_basic_motions(split="train", return_type="numpy3D")
    return X


@pytest.mark.parametrize("mtype", ["pd-multiindex", "nested_univ"])
def test_sktime_panel_formats_are_read_as_series(make_generator, basic_motions, mtype):
    from sktime.datatypes import convert_to

    panel = convert_to(basic_motions, to_type=mtype)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # one epoch need not converge
        est = make_generator(max_epochs=1).fit(panel)
    assert (est.n_channels_, est.n_timesteps_) == (6, 100)
    assert np.asarray(est.sample(2, random_state=0)).shape == (2, 6, 100)
    assert_array_equal(est.transform(panel), est.transform(basic_motions))


def test_unequal_length_panels_are_refused_by_name(basic_motions):
    from sktime.datatypes import convert_to

    panel = convert_to(basic_motions[:4], to_type="pd-multiindex")
    panel = panel.drop(index=(0, panel.index.get_level_values(1)[0]))
    with pytest.raises(ValueError, match="pd-multiindex.*length"):
        DenseVAE().fit(panel)


def test_adapters_name_the_methods_an_estimator_lacks(small_sines):
    from sklearn.linear_model import LinearRegression

    from sk_tsgen.pyod import PyODAdapter

    with pytest.raises((TypeError, ValueError), match="score_samples"):
        PyODAdapter(LinearRegression()).fit(small_sines[:, 0])
    with pytest.raises((TypeError, ValueError), match="score_samples"):
        WindowAnomalyDetector(LinearRegression()).fit(np.sin(np.arange(200.0)))
    from sklearn.ensemble import IsolationForest

    from sk_tsgen.sktime import LatentTransformer

    with pytest.raises(TypeError, match="has no transform or get_feature_names_out"):
        LatentTransformer(IsolationForest()).fit(small_sines)


def test_a_failed_adapter_fit_leaves_it_unchanged(small_sines):
    from sk_tsgen.pyod import PyODAdapter

    X = small_sines[:, 0]
    adapter = PyODAdapter(DenseVAE(max_epochs=1, random_state=0)).fit(X)
    before = adapter.decision_function(X)
    with pytest.raises(ValueError, match="infinity"):
        adapter.fit(np.where(X > 0.9, np.inf, X))
    assert_array_equal(adapter.decision_function(X), before)


def test_conv_vae_warns_for_times_of_year_it_never_saw():
    import pandas as pd

    index = pd.date_range("2030-01-01", periods=720, freq="h")
    hours = np.arange(720)
    series = pd.Series(np.sin(2 * np.pi * hours / 24), index=index)
    vae = ConvVAE(window_length=96, max_epochs=1, random_state=0).fit(series)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        vae.sample(2, y="2030-01-10", n_timesteps=96, random_state=0)
    with pytest.warns(UserWarning, match="never saw .*week of .* (June|July)"):
        vae.sample(3, y="2030-07-01", n_timesteps=96, random_state=0)


@pytest.mark.slow  # 750 epochs
def test_small_sets_get_enough_gradient_steps(basic_motions):
    from sklearn.exceptions import ConvergenceWarning

    # defaults on 40 series: batches of 10, so 4 steps an epoch (not one batch
    # of 64), and 750 epochs (about 3000 steps, not 100 epochs' 400), which
    # learn every channel: no warning, and the decoder's means alone keep most
    # of the data's spread
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        vae = ConvVAE(random_state=0).fit(basic_motions)
    assert vae.net_.batch_size == 10
    assert len(vae.history_) == 750
    losses = vae.history_[:, "train_loss"]
    assert losses[-1] < losses[0] - 0.5
    samples = vae.sample(200, random_state=0)
    ratio = samples.std(axis=(0, 2)) / basic_motions.std(axis=(0, 2))
    assert np.all(ratio > 0.7), ratio


def test_a_fit_that_barely_learns_warns_with_the_numbers(small_sines):
    from sklearn.exceptions import ConvergenceWarning

    with pytest.warns(ConvergenceWarning, match=r"barely learned.*gradient steps"):
        DenseVAE(max_epochs=30, lr=1e-7, random_state=0).fit(small_sines)
    with pytest.warns(
        ConvergenceWarning, match=r"only 12 gradient steps \(3 epochs of 4 batch"
    ):
        DenseVAE(max_epochs=3, random_state=0).fit(small_sines)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        DenseVAE(max_epochs=100, random_state=0).fit(small_sines)  # 400 steps


def test_fidelity_scorers_take_a_pipeline_and_scale_the_judge(small_sines):
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import FunctionTransformer

    from sk_tsgen.metrics import make_fidelity_scorer, marginal_distance
    from sk_tsgen.metrics._scorers import _judge_steps

    X = small_sines[:, 0]
    pipe = make_pipeline(
        FunctionTransformer(lambda x: 10 * x, lambda x: x / 10),
        DenseVAE(max_epochs=2, random_state=0),
    ).fit(X)
    score = make_fidelity_scorer("marginal", random_state=0)(pipe, X)
    seed = np.random.RandomState(0).randint(np.iinfo(np.int32).max, size=2)[0]
    synth = pipe[-1].sample(len(X), random_state=int(seed)) / 10  # back to X's units
    assert score == pytest.approx(-marginal_distance(X, synth))
    scorer = make_fidelity_scorer("discriminative", random_state=0)
    assert "n_iterations='auto'" in repr(scorer)
    assert _judge_steps(96, 128) == 100 and _judge_steps(100_000, 128) == 2000
    assert np.isfinite(scorer(pipe, X))
    with pytest.raises(TypeError, match="has no sample"):
        scorer(make_pipeline(FunctionTransformer()).fit(X), X)


def test_adapters_round_trip_through_the_save_format(tmp_path, small_sines):
    import pandas as pd

    from sk_tsgen.pyod import PyODAdapter
    from sk_tsgen.sktime import LatentTransformer, WindowDetector

    series = pd.Series(np.sin(np.arange(200) / 3.0))
    cases = [
        (PyODAdapter(DenseVAE(max_epochs=1, random_state=0)), small_sines[:, 0]),
        (LatentTransformer(DenseVAE(max_epochs=1, random_state=0)), small_sines),
        (
            WindowDetector(DenseVAE(max_epochs=1, random_state=0), window_length=8),
            series,
        ),
    ]
    for adapter, data in cases:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            adapter.fit(data)
        save(adapter, tmp_path / "adapter.npz")
        loaded = load(tmp_path / "adapter.npz")
        method = {
            "PyODAdapter": "decision_function",
            "LatentTransformer": "transform",
            "WindowDetector": "transform_scores",
        }[type(adapter).__name__]
        expected = np.asarray(getattr(adapter, method)(data))
        assert_array_equal(np.asarray(getattr(loaded, method)(data)), expected)
