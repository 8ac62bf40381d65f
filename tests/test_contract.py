"""The shared contract of every generator: layouts, units, state, pickling, sklearn."""

import pickle

import numpy as np
import pandas as pd
import pytest
import torch
from conftest import size_params
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV, cross_val_score
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import make_pipeline
from skorch.callbacks import EarlyStopping


def _outputs(est, X):
    return {
        "transform": est.transform(X),
        "sample": est.sample(5, random_state=3),
        "score_samples": est.score_samples(X),
        "inverse_transform": est.inverse_transform(est.transform(X)),
    }


def _assert_same_outputs(a, b):
    for key in a:
        assert_array_equal(np.asarray(a[key]), np.asarray(b[key]), err_msg=key)


# ---------------------------------------------------------------- layouts, units
def test_3d_in_3d_out(default_fit, sines):
    X, X_test = sines
    est = default_fit
    assert (est.n_channels_, est.n_timesteps_, est.n_features_in_) == (3, 16, 48)
    assert est.transform(X_test).shape == (60, est.n_components_)
    assert est.sample(4).shape == (4, 3, 16)
    assert est.inverse_transform(est.transform(X_test)).shape == X_test.shape
    assert est.score_samples(X_test).shape == (60,)


def test_2d_array_in_2d_out(make_generator, sines):
    X = sines[0][:, 0, :]
    est = make_generator().fit(X)
    assert (est.n_channels_, est.n_features_in_) == (1, 16)
    assert est.sample(4).shape == (4, 16)
    assert est.inverse_transform(est.transform(X)).shape == X.shape
    # a 3-D array with one channel is the same data
    assert_allclose(est.transform(X[:, None, :]), est.transform(X))


def test_dataframe_in_dataframe_out(make_generator, sines):
    X = pd.DataFrame(sines[0][:, 0, :], columns=[f"t{i}" for i in range(16)])
    est = make_generator().fit(X)
    assert list(est.feature_names_in_) == list(X.columns)
    for out in (est.sample(4, random_state=0), est.inverse_transform(est.transform(X))):
        assert isinstance(out, pd.DataFrame)
        assert list(out.columns) == list(X.columns)
    # integer column labels are kept too
    X_int = pd.DataFrame(sines[0][:, 0, :])
    out = make_generator().fit(X_int).sample(2)
    assert isinstance(out, pd.DataFrame) and list(out.columns) == list(range(16))


def test_raw_units_in_raw_units_out(make_generator, learning_sines):
    X = 100.0 + 10.0 * learning_sines
    est = make_generator(max_epochs=40).fit(X)
    synth = est.sample(300, random_state=0)
    assert abs(synth.mean() - X.mean()) < 0.5
    recon = est.inverse_transform(est.transform(X))
    assert np.sqrt(np.mean((recon - X) ** 2)) < 0.5 * X.std()


def test_score_is_a_density_in_the_data_units(make_generator, default_fit, sines):
    """Rescaling the data by 10 moves log p(x) by -n_values * log(10)."""
    X = sines[0]
    small = default_fit.score_samples(X)
    large = make_generator().fit(10 * X).score_samples(10 * X)
    assert_allclose(large, small - X[0].size * np.log(10), rtol=1e-3, atol=0.5)


def test_output_dtype_follows_input(make_generator, sines):
    X = sines[0].astype(np.float32)
    est = make_generator().fit(X)
    assert est.sample(2).dtype == np.float32
    assert est.transform(X).dtype == np.float32
    assert est.transform(X.astype(np.float64)).dtype == np.float64


# ------------------------------------------------------------------ training
def test_history_records_train_and_valid_loss(make_generator, learning_sines):
    X = learning_sines
    est = make_generator(max_epochs=8, validation_fraction=0.2).fit(X)
    train, valid = est.history_[:, "train_loss"], est.history_[:, "valid_loss"]
    assert len(train) == len(valid) == 8
    assert train[-1] < train[0]
    assert "valid_loss" not in make_generator(max_epochs=2).fit(X).history_[-1]


def test_callbacks_are_used_and_left_untouched(make_generator, sines):
    stopper = EarlyStopping(monitor="train_loss", patience=1, threshold=1e9)
    est = make_generator(max_epochs=50, callbacks=[stopper]).fit(sines[0])
    assert len(est.history_) < 50
    assert stopper.dynamic_threshold_ is None, "the user's callback was trained"
    assert est.callbacks[0] is stopper


def test_verbose_prints_an_epoch_table(make_generator, sines, capsys):
    make_generator(max_epochs=2, verbose=1).fit(sines[0])
    assert "train_loss" in capsys.readouterr().out
    make_generator(max_epochs=2, verbose=0).fit(sines[0])
    assert capsys.readouterr().out == ""


def test_explicit_cpu_device(make_generator, sines):
    est = make_generator(device="cpu", max_epochs=2).fit(sines[0])
    assert str(est.net_.device) == "cpu"


# ------------------------------------------------------------ reproducibility
def test_same_random_state_same_everything(make_generator, default_fit, sines):
    X, X_test = sines
    a = default_fit  # random_state=0
    b = make_generator(random_state=0).fit(X)
    assert_array_equal(a.history_[:, "train_loss"], b.history_[:, "train_loss"])
    _assert_same_outputs(_outputs(a, X_test), _outputs(b, X_test))
    c = make_generator(random_state=8).fit(X)
    assert not np.allclose(a.transform(X_test), c.transform(X_test))
    assert not np.allclose(a.sample(3, random_state=0), a.sample(3, random_state=1))


def test_global_random_state_is_left_alone(make_generator, sines):
    X, X_test = sines
    torch_state, np_state = torch.get_rng_state(), np.random.get_state()  # noqa: NPY002
    est = make_generator(random_state=0, validation_fraction=0.2).fit(X)
    est.sample(10, random_state=0)
    est.score_samples(X_test)
    est.transform(X_test)
    assert torch.equal(torch.get_rng_state(), torch_state)
    assert_array_equal(np.random.get_state()[1], np_state[1])  # noqa: NPY002


def test_scores_do_not_depend_on_batch_or_order(default_fit, sines):
    X, X_test = sines
    est = default_fit
    full = est.score_samples(X_test)
    order = np.random.default_rng(0).permutation(len(X_test))
    assert_allclose(est.score_samples(X_test[order]), full[order], rtol=1e-5)
    assert_allclose(est.score_samples(X_test[:7]), full[:7], rtol=1e-5)
    assert_allclose(
        est.transform(X_test[:7]), est.transform(X_test)[:7], rtol=1e-5, atol=1e-6
    )


# --------------------------------------------------------- clone and pickle
def test_clone_refits_identically(make_generator, sines):
    X, X_test = sines
    est = make_generator(**size_params(make_generator, 3)).fit(X)
    twin = clone(est)
    assert not hasattr(twin, "net_") and twin.get_params() == est.get_params()
    _assert_same_outputs(_outputs(est, X_test), _outputs(twin.fit(X), X_test))


def test_pickle_round_trip(default_fit, sines):
    X, X_test = sines
    est = default_fit
    loaded = pickle.loads(pickle.dumps(est))
    _assert_same_outputs(_outputs(est, X_test), _outputs(loaded, X_test))
    assert loaded.offset_ == est.offset_
    assert_array_equal(loaded.history_[:, "train_loss"], est.history_[:, "train_loss"])


# ------------------------------------------------------ sklearn composition
@pytest.mark.slow
def test_in_a_pipeline_before_a_classifier(make_generator):
    """Latent codes separate slow from fast sines."""
    rng = np.random.default_rng(0)
    t = np.arange(32)
    freq = np.r_[rng.uniform(0.05, 0.15, 100), rng.uniform(0.4, 0.6, 100)]
    X = np.sin(freq[:, None] * t + rng.uniform(0, 2 * np.pi, (200, 1)))
    y = np.r_[np.zeros(100), np.ones(100)]
    vae = make_generator(**size_params(make_generator, 8), max_epochs=60, batch_size=16)
    pipe = make_pipeline(vae, KNeighborsClassifier())
    assert cross_val_score(pipe, X, y, cv=3).mean() > 0.9


@pytest.mark.slow
def test_grid_search_without_scorer_prefers_enough_latent_dims(
    make_generator, learning_sines
):
    """Sines have 2 degrees of freedom per channel: 6 here; 1 latent dim is too few."""
    if make_generator.name == "DiffusionGenerator":
        pytest.skip("no latent_dim: tests/test_diffusion.py grid-searches its width")
    search = GridSearchCV(make_generator(max_epochs=30), {"latent_dim": [1, 8]}, cv=2)
    search.fit(learning_sines)
    scores = search.cv_results_["mean_test_score"]
    assert np.all(np.isfinite(scores))
    assert search.best_params_ == {"latent_dim": 8}
    assert search.best_estimator_.n_components_ % 8 == 0


# ---------------------------------------------------------------- anomalies
def test_contamination_sets_the_training_outlier_fraction(make_generator, sines):
    X = sines[0]
    est = make_generator(contamination=0.1).fit(X)
    labels = est.predict(X)
    assert set(np.unique(labels)) == {-1, 1}
    assert abs(np.mean(labels == -1) - 0.1) <= 0.01
    assert_allclose(est.decision_function(X), est.score_samples(X) - est.offset_)
    assert est.score(X) == pytest.approx(est.score_samples(X).mean())


def test_auto_contamination_is_the_lower_tukey_fence(default_fit, sines):
    X = sines[0]
    est = default_fit
    q1, q3 = np.percentile(est.score_samples(X), [25, 75])
    assert est.offset_ == pytest.approx(q1 - 1.5 * (q3 - q1))


# --------------------------------------------------------------- bad input
@pytest.mark.parametrize(
    "bad, message",
    [
        (lambda X: np.where(X > 0.9, np.nan, X), "NaN"),
        (lambda X: np.where(X > 0.9, np.inf, X), "infinity"),
        (lambda X: X[:, 0, 0], "Expected 2D array, got 1D array"),
        (lambda X: X[..., None], "4 dimensions"),
        (
            # too short for any generator: DenseVAE wants 16, ConvVAE at least 8
            lambda X: X[:, :, :5],
            "X has 5 timesteps, but .* is expecting (at least )?(16|8) timesteps",
        ),
        (lambda X: X[:, :2], "X has 2 channels, but .* is expecting 3 channels"),
        (lambda X: X[:, 0, :], "X is 2-D, but .* was fitted on 3 channels"),
        (lambda X: X[:0], "0 sample"),
        (lambda X: np.where(X > 0.9, "x", X.astype(object)), "could not convert"),
        (lambda X: np.full(X.shape, "a"), "dtype='numeric' is not compatible|convert"),
    ],
    ids=[
        "nan",
        "inf",
        "1d",
        "4d",
        "timesteps",
        "channels",
        "2d-for-3d",
        "empty",
        "object",
        "letters",
    ],
)
@pytest.mark.parametrize(
    "method", ["transform", "score_samples", "decision_function", "predict", "score"]
)
def test_bad_input_after_fit_names_the_problem(
    two_epoch_fit, sines, bad, message, method
):
    X = bad(sines[1])
    if message == "NaN" and two_epoch_fit._allow_nan:
        # missing values are read; a series with none observed is refused
        X = sines[1].copy()
        X[3] = np.nan
        message = r"1 series with no observed value \(the first at row 3\)"
    with pytest.raises(ValueError, match=message):
        getattr(two_epoch_fit, method)(X)


@pytest.mark.parametrize(
    "X, message",
    [
        (np.array([[1.0, np.nan], [2.0, 3.0]]), "NaN"),
        (np.array([[1.0, np.inf], [2.0, 3.0]]), "infinity"),
        (np.zeros((0, 5)), "0 sample"),
        (np.zeros((5, 0)), "0 feature"),
        (np.zeros((5, 2, 0)), "0 timesteps"),
        (np.zeros((5, 0, 4)), "0 channels"),
        ([[1.0, 2.0], [3.0]], "equal length"),
        (np.zeros(5), "Expected 2D array"),
        (np.array([["a", "b"], ["c", "d"]]), "numeric|convert"),
    ],
    ids=[
        "nan",
        "inf",
        "no-series",
        "no-timesteps-2d",
        "no-timesteps-3d",
        "no-channels",
        "ragged",
        "1d",
        "strings",
    ],
)
def test_bad_training_input_names_the_problem(make_generator, X, message):
    est = make_generator(max_epochs=1)
    if message == "NaN" and est._allow_nan:
        X = np.vstack([np.full(16, np.nan), np.arange(16.0)])
        message = "no observed value"
    with pytest.raises(ValueError, match=message):
        est.fit(X)


def test_unfitted_methods_raise_not_fitted(make_generator, sines):
    from sklearn.exceptions import NotFittedError

    est = make_generator()
    for call in [
        lambda: est.transform(sines[1]),
        lambda: est.inverse_transform(np.zeros((2, 8))),
        lambda: est.sample(2),
        lambda: est.score_samples(sines[1]),
        lambda: est.predict(sines[1]),
        lambda: est.history_,
    ]:
        with pytest.raises(NotFittedError):
            call()


def test_bad_latent_codes_and_sample_arguments(two_epoch_fit):
    with pytest.raises(ValueError, match="Z has 3 components, but .* is expecting"):
        two_epoch_fit.inverse_transform(np.zeros((2, 3)))
    codes = np.full((2, two_epoch_fit.n_components_), np.nan)
    with pytest.raises(ValueError, match="NaN"):
        two_epoch_fit.inverse_transform(codes)
    with pytest.raises(ValueError, match="n_samples must be at least 1"):
        two_epoch_fit.sample(0)
    with pytest.raises(TypeError, match="n_samples must be an int"):
        two_epoch_fit.sample(2.5)
    with pytest.raises(ValueError, match="unconditional"):
        two_epoch_fit.sample(2, y=[1, 2])


def test_auto_epochs_are_a_step_budget_for_every_generator(make_generator):
    # more passes over a small set than over a large one, within their range
    auto = make_generator(max_epochs="auto")
    low, high = auto._auto_epoch_range
    small, large = auto._train_epochs(40, 10), auto._train_epochs(100_000, 64)
    assert low <= large < small <= high
    assert small == -(-auto._auto_gradient_steps // 4)  # 4 steps an epoch


def test_bad_parameters_name_the_problem(make_generator, sines):
    X = sines[0]
    with pytest.raises(ValueError, match="CUDA is not available|not a torch device"):
        make_generator(
            device="cuda" if not torch.cuda.is_available() else "nodevice"
        ).fit(X)
    with pytest.raises(ValueError, match="validation_fraction=0.1 leaves 0 of 3"):
        make_generator(validation_fraction=0.1).fit(X[:3])
    (size,) = size_params(make_generator, 0)
    with pytest.raises(ValueError, match=size):
        make_generator(**{size: 0}).fit(X)
    with pytest.raises(ValueError, match="contamination"):
        make_generator(contamination=0.7).fit(X)


def test_degenerate_series_fit_without_warnings(make_generator):
    import warnings

    X = np.r_[np.zeros((20, 10)), np.ones((20, 10))]  # two distinct series
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        # numerical warnings are the point here; two epochs need not converge
        warnings.simplefilter("ignore", ConvergenceWarning)
        est = make_generator(max_epochs=2).fit(X)
        assert est.sample(3, random_state=0).shape == (3, 10)
        assert np.isfinite(est.score_samples(X)).all()
