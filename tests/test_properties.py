"""Property-based tests over the input space of every public estimator.

Each call either returns finite output of the right shape (scores may be
``-inf`` for an impossible series, never NaN) or raises a ValueError or
TypeError whose message says what is wrong, never an error from deep inside
torch or numpy.
"""

import warnings

import numpy as np
import pandas as pd
import pytest
from conftest import GENERATOR_FACTORIES
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sk_tsgen.anomaly import WindowAnomalyDetector
from sk_tsgen.datasets import make_sines
from sk_tsgen.pyod import PyODAdapter

# internal error texts that must never reach a user
_OBSCURE = ("size of tensor", "mat1 and mat2", "Expected input batch", "unsupported")

SETTINGS = settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


@st.composite
def series_inputs(draw, n_channels=None, n_timesteps=None):
    """Arrays of series with hostile dtypes, layouts, magnitudes and values."""
    n = draw(st.integers(1, 12))
    c = n_channels or draw(st.integers(1, 3))
    t = n_timesteps or draw(st.sampled_from([8, 16, 24]))
    seed = draw(st.integers(0, 2**16))
    X = make_sines(n, t, c, random_state=seed).astype(np.float64)
    scale = 10.0 ** draw(st.sampled_from([-30, -5, 0, 5, 30, 38, 300]))
    X = X * scale
    kind = draw(st.sampled_from(["clean", "constant", "nan", "inf", "spike"]))
    rng = np.random.RandomState(seed)
    position = (rng.randint(n), rng.randint(c), rng.randint(t))
    if kind == "constant":
        X[:, rng.randint(c), :] = draw(st.sampled_from([0.0, 1.0, -7.5]))
    elif kind == "nan":
        X[position] = np.nan
    elif kind == "inf":
        X[position] = draw(st.sampled_from([np.inf, -np.inf]))
    elif kind == "spike":
        X[position] = draw(st.sampled_from([1e4, -1e9, 3e38]))
    dtype = draw(st.sampled_from(["float64", "float32", "int64", "object"]))
    with np.errstate(all="ignore"):
        if dtype == "int64":
            X = np.nan_to_num(X, nan=0, posinf=0, neginf=0)
            X = np.clip(X, -1e15, 1e15).astype(np.int64)
        elif dtype != "object":
            X = X.astype(dtype)
        else:
            X = X.astype(object)
    layout = draw(st.sampled_from(["3d", "2d", "frame", "list"]))
    if layout == "3d":
        return X
    X2 = X[:, 0, :]
    if layout == "frame":
        return pd.DataFrame(X2)
    if layout == "list":
        return X2.tolist()
    return X2


def _check_outcome(call):
    """Run ``call``; it returns a result, or raises a clear ValueError/TypeError."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return call()
    except (ValueError, TypeError) as exc:
        message = str(exc)
        assert len(message) > 20, message
        assert not any(text in message for text in _OBSCURE), message
        return None


def _assert_scores(scores, n):
    scores = np.asarray(scores)
    assert scores.shape == (n,)
    assert not np.isnan(scores).any()
    assert (np.isfinite(scores) | (scores == -np.inf)).all()


def _n_rows(X):
    return len(X)


@pytest.fixture(scope="session", params=sorted(GENERATOR_FACTORIES))
def fitted_generator(request):
    X = make_sines(64, n_timesteps=16, n_channels=2, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return GENERATOR_FACTORIES[request.param](max_epochs=2).fit(X)


@SETTINGS
@given(X=series_inputs(n_channels=2, n_timesteps=16))
def test_fitted_generators_score_and_encode_any_input(fitted_generator, X):
    est = fitted_generator
    scores = _check_outcome(lambda: est.score_samples(X))
    if scores is not None:
        _assert_scores(scores, _n_rows(X))
        assert np.all(np.isin(est.predict(X), [-1, 1]))
        assert est.predict(X)[scores == -np.inf].tolist() == [-1] * int(
            np.sum(scores == -np.inf)
        )
    codes = _check_outcome(lambda: est.transform(X))
    if codes is not None:
        assert codes.shape == (_n_rows(X), est.n_components_)
        assert np.isfinite(codes).all()
        decoded = np.asarray(est.inverse_transform(codes))
        assert np.isfinite(decoded).all()


@pytest.mark.parametrize("name", sorted(GENERATOR_FACTORIES))
@settings(SETTINGS, max_examples=8)
@given(X=series_inputs())
def test_generators_fit_any_input_or_say_why(name, X):
    est = GENERATOR_FACTORIES[name](max_epochs=1, batch_size=4)
    fitted = _check_outcome(lambda: est.fit(X))
    if fitted is None:
        assert not hasattr(est, "net_")
        return
    samples = np.asarray(est.sample(3, random_state=0))
    assert samples.shape[0] == 3 and np.isfinite(samples).all()
    _assert_scores(est.score_samples(X), _n_rows(X))
    assert np.isfinite(est.transform(X)).all()


@st.composite
def long_series(draw):
    n = draw(st.sampled_from([5, 40, 120]))
    c = draw(st.integers(1, 2))
    seed = draw(st.integers(0, 2**16))
    x = np.sin(np.arange(n)[:, None] / 3.0 + np.arange(c)) + 0.1 * (
        np.random.RandomState(seed).standard_normal((n, c))
    )
    x = x * 10.0 ** draw(st.sampled_from([-20, 0, 20]))
    kind = draw(st.sampled_from(["clean", "nan", "glitch", "constant"]))
    if kind == "nan":
        x[n // 2, 0] = np.nan
    elif kind == "glitch":
        x[n // 2, 0] = 1e4 * np.abs(x).max()
    elif kind == "constant":
        x[:, 0] = 2.0
    if c == 1 and draw(st.booleans()):
        return pd.Series(x[:, 0])
    return x


@settings(SETTINGS, max_examples=10)
@given(
    x=long_series(),
    window_length=st.sampled_from([1, 4, 16, 200]),
    step=st.sampled_from([1, 3, 20]),
)
def test_window_detector_fits_and_scores_or_says_why(x, window_length, step):
    from sk_tsgen import DenseVAE

    detector = WindowAnomalyDetector(
        DenseVAE(latent_dim=2, max_epochs=1, batch_size=8, random_state=0),
        window_length=window_length,
        step=step,
    )
    if _check_outcome(lambda: detector.fit(x)) is None:
        assert not hasattr(detector, "offset_")
        return
    scores = detector.score_samples(x)
    _assert_scores(scores, len(x))
    assert np.isfinite(scores).mean() > 0.5


@settings(SETTINGS, max_examples=8)
@given(X=series_inputs(n_timesteps=16))
def test_pyod_adapter_fits_any_input_or_says_why(X):
    from sk_tsgen import DenseVAE

    adapter = PyODAdapter(DenseVAE(max_epochs=1, batch_size=4, random_state=0))
    if _check_outcome(lambda: adapter.fit(X)) is None:
        assert not hasattr(adapter, "estimator_")
        return
    scores = adapter.decision_function(X)
    assert scores.shape == (_n_rows(X),) and not np.isnan(scores).any()


@pytest.mark.slow
@settings(SETTINGS, max_examples=300, derandomize=False)
@given(X=series_inputs(n_channels=2, n_timesteps=16))
def test_many_more_hostile_inputs_to_fitted_generators(fitted_generator, X):
    """The fast test above, on twelve times as many (random) examples."""
    test_fitted_generators_score_and_encode_any_input.hypothesis.inner_test(
        fitted_generator, X
    )


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(GENERATOR_FACTORIES))
@settings(SETTINGS, max_examples=40, derandomize=False)
@given(X=series_inputs())
def test_many_more_hostile_training_sets(name, X):
    """The fast fit test above, on five times as many (random) examples."""
    test_generators_fit_any_input_or_say_why.hypothesis.inner_test(name, X)
