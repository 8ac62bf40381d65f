"""Conditional generation, shared by every generator that takes conditions
(labels, covariates and timestamps): fit(X, y), sample(n, y=...), return_y,
score_samples(X, y) and their errors."""

import warnings

import numpy as np
import pandas as pd
import pytest
from conftest import GENERATOR_FACTORIES
from sklearn.exceptions import ConvergenceWarning

from sk_tsgen import load
from sk_tsgen.datasets import make_sines

CONDITIONAL = sorted(
    name for name, factory in GENERATOR_FACTORIES.items() if factory()._conditional
)
SHIFT = 2.0


def _fit(name, X, y, **params):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return GENERATOR_FACTORIES[name](**{"max_epochs": 30, **params}).fit(X, y)


@pytest.fixture(scope="module")
def labelled():
    """Sines (2 channels, 16 steps) whose "up" half is shifted by SHIFT."""
    X = make_sines(240, n_timesteps=16, n_channels=2, random_state=0)
    y = np.where(np.arange(len(X)) % 3 == 0, "up", "down")
    X[y == "up"] += SHIFT
    return X, y


# TransformerGAN's label fit (10 s) runs in the slow layer, for the fast
# layer's budget
@pytest.fixture(
    scope="module",
    params=[
        pytest.param(name, marks=pytest.mark.slow if name == "TransformerGAN" else [])
        for name in CONDITIONAL
    ],
)
def label_fit(request, labelled):
    return _fit(request.param, *labelled, contamination=0.1)


# TransformerGAN's covariate fit (10 s) runs in the slow layer too
@pytest.fixture(
    scope="module",
    params=[
        pytest.param(name, marks=pytest.mark.slow if name == "TransformerGAN" else [])
        for name in CONDITIONAL
    ],
)
def covariate_fit(request):
    """Sines shifted by a numeric covariate, with a categorical one beside it."""
    rng = np.random.RandomState(0)
    X = make_sines(240, n_timesteps=16, n_channels=2, random_state=1)
    y = pd.DataFrame(
        {
            "level": rng.uniform(-1.5, 1.5, len(X)),
            "site": rng.choice(["a", "b"], len(X)),
        }
    )
    X += y["level"].to_numpy()[:, None, None]
    return _fit(request.param, X, y)


@pytest.fixture(scope="module")
def seasonal():
    """Sines that start on days spread over a year, warm in January and cold
    in July: their level is the cosine of the time of year."""
    X = make_sines(240, n_timesteps=16, n_channels=2, random_state=2)
    days = np.random.RandomState(2).randint(0, 365, len(X))
    starts = pd.Timestamp("2021-01-01") + pd.to_timedelta(days, unit="D")
    X += _season(starts)[:, None, None]
    return X, starts


def _season(stamps) -> np.ndarray:
    days = pd.DatetimeIndex(stamps).dayofyear.to_numpy()
    return np.cos(2 * np.pi * (days - 1) / 365)


# DenseVAE, the fastest, in the fast layer; every generator in the slow one
@pytest.fixture(
    scope="module",
    params=[
        pytest.param(name, marks=[] if name == "DenseVAE" else pytest.mark.slow)
        for name in CONDITIONAL
    ],
)
def timestamp_fit(request, seasonal):
    params = {
        # ConvVAE places timestamps on its calendar, which needs the step
        "ConvVAE": {"freq": "h"},
        # the adversarial term slows how fast VAEGAN's decoder reads conditions
        "VAEGAN": {"max_epochs": 60},
    }.get(request.param, {})
    return _fit(request.param, *seasonal, **params)


def test_samples_follow_the_time_of_year_they_start_at(timestamp_fit):
    january = timestamp_fit.sample(200, y=pd.Timestamp("2030-01-10"), random_state=0)
    july = timestamp_fit.sample(200, y="2030-07-10", random_state=0)
    true_gap = np.subtract(*_season(["2030-01-10", "2030-07-10"]))  # about 2
    assert 0.7 * true_gap < january.mean() - july.mean() < 1.3 * true_gap


def test_drawn_timestamps_are_training_ones_and_match_their_series(
    timestamp_fit, seasonal
):
    X, starts = timestamp_fit.sample(300, random_state=0, return_y=True)
    assert isinstance(starts, pd.DatetimeIndex) and len(starts) == 300
    assert starts.isin(seasonal[1]).all()
    assert np.corrcoef(X.mean(axis=(1, 2)), _season(starts))[0, 1] > 0.9


def test_the_conditional_score_prefers_the_true_time_of_year(timestamp_fit, seasonal):
    X, starts = seasonal
    gain = timestamp_fit.score_samples(X, starts) - timestamp_fit.score_samples(
        X, starts + pd.Timedelta(days=182)
    )
    # the half-year shift flips the sign of the level, whose size is the
    # cosine of the time of year: series near the equinoxes barely change
    far = np.abs(_season(starts)) > 0.5
    assert np.mean(gain[far] > 0) > 0.8


def test_samples_follow_the_label_they_are_given(label_fit, labelled):
    up = label_fit.sample(200, y="up", random_state=0)
    down = label_fit.sample(200, y="down", random_state=0)
    gap = up.mean() - down.mean()
    assert 0.7 * SHIFT < gap < 1.3 * SHIFT


def test_drawn_labels_keep_their_frequencies_and_match_their_series(label_fit):
    X, y = label_fit.sample(600, random_state=0, return_y=True)
    assert X.shape == (600, 2, 16) and y.shape == (600,)
    assert set(y) == {"up", "down"}
    assert abs(np.mean(y == "up") - 1 / 3) < 0.06
    # the shift tells the labels apart: the series' means split at SHIFT / 2
    recognised = np.where(X.mean(axis=(1, 2)) > SHIFT / 2, "up", "down")
    assert np.mean(recognised == y) > 0.9


def test_one_condition_per_sample(label_fit):
    y = np.array(["up", "down"] * 50)
    X, y_out = label_fit.sample(100, y=y, random_state=0, return_y=True)
    np.testing.assert_array_equal(y_out, y)
    means = X.mean(axis=(1, 2))
    assert means[y == "up"].mean() - means[y == "down"].mean() > 0.7 * SHIFT


def test_the_conditional_score_prefers_the_true_label(label_fit, labelled):
    X, y = labelled
    wrong = np.where(y == "up", "down", "up")
    gain = label_fit.score_samples(X, y) - label_fit.score_samples(X, wrong)
    # most series are likelier under their own label, and by far on average
    assert np.mean(gain > 0) > 0.8
    assert np.mean(gain) > 10.0


def test_series_scored_without_conditions_have_their_own_threshold(label_fit, labelled):
    X, y = labelled
    # contamination=0.1 flags a tenth of the training series, with their
    # labels and without them (each against the threshold set for that use)
    assert abs(np.mean(label_fit.predict(X, y) == -1) - 0.1) < 0.02
    assert abs(np.mean(label_fit.predict(X) == -1) - 0.1) < 0.02
    assert np.isfinite(label_fit.score_samples(X)).all()


def test_an_unknown_label_is_an_error_naming_the_known_ones(label_fit, labelled):
    X, _ = labelled
    with pytest.raises(
        ValueError, match=r"unknown label\(s\) \['sideways'\].*'down', 'up'"
    ):
        label_fit.sample(2, y="sideways")
    with pytest.raises(ValueError, match="unknown label"):
        label_fit.score_samples(X[:3], ["up", "up", "left"])


def test_the_number_of_conditions_must_match(label_fit, labelled):
    X, y = labelled
    with pytest.raises(ValueError, match="y holds 2 conditions for 3 samples"):
        label_fit.sample(3, y=["up", "down"])
    with pytest.raises(ValueError, match="y holds 239 conditions for 240 series"):
        GENERATOR_FACTORIES[CONDITIONAL[0]]().fit(X, y[:-1])


def test_covariates_shape_the_samples(covariate_fit):
    high = covariate_fit.sample(200, y=pd.DataFrame({"level": [1.2], "site": ["a"]}))
    low = covariate_fit.sample(200, y=pd.DataFrame({"level": [-1.2], "site": ["b"]}))
    assert 1.4 < high.mean() - low.mean() < 3.4
    X, y = covariate_fit.sample(50, random_state=0, return_y=True)
    assert list(y.columns) == ["level", "site"] and len(y) == 50
    with pytest.warns(UserWarning, match=r"\['level'\].*outside the range"):
        covariate_fit.sample(1, y=pd.DataFrame({"level": [9.0], "site": ["a"]}))
    with pytest.raises(ValueError, match=r"unknown value\(s\) \['c'\].*'site'"):
        covariate_fit.sample(1, y=pd.DataFrame({"level": [0.0], "site": ["c"]}))


def _assert_saved_and_loaded_alike(model, path):
    model.save(path)
    loaded = load(path)
    X, y = model.sample(5, random_state=3, return_y=True)
    X_loaded, y_loaded = loaded.sample(5, random_state=3, return_y=True)
    np.testing.assert_allclose(X_loaded, X, rtol=1e-6)
    if isinstance(y, pd.DataFrame):
        pd.testing.assert_frame_equal(y_loaded, y)
    elif isinstance(y, pd.Index):
        pd.testing.assert_index_equal(y_loaded, y)
    else:
        np.testing.assert_array_equal(y_loaded, y)


def test_a_saved_model_keeps_its_labels(label_fit, tmp_path):
    _assert_saved_and_loaded_alike(label_fit, tmp_path / "model.npz")


def test_a_saved_model_keeps_its_covariates(covariate_fit, tmp_path):
    _assert_saved_and_loaded_alike(covariate_fit, tmp_path / "model.npz")


def test_a_saved_model_keeps_its_timestamps(timestamp_fit, tmp_path):
    _assert_saved_and_loaded_alike(timestamp_fit, tmp_path / "model.npz")


@pytest.mark.parametrize("name", CONDITIONAL)
def test_a_model_fitted_without_conditions_refuses_them(name, labelled):
    X, y = labelled
    model = _fit(name, X[:64], y[:64], max_epochs=2)
    assert model.conditions_.kind == "labels"
    model = _fit(name, X[:64], None, max_epochs=2)
    assert model.conditions_ is None
    with pytest.raises(ValueError, match="fitted without conditions.*without y"):
        model.sample(2, y="up")
    with pytest.raises(ValueError, match="return_y=True needs a model fitted with"):
        model.sample(2, return_y=True)
    # scores ignore conditions the model was not fitted with
    np.testing.assert_array_equal(
        model.score_samples(X[:4], y[:4]), model.score_samples(X[:4])
    )


def test_guidance_scales_how_far_samples_follow_their_condition(label_fit):
    if not hasattr(label_fit, "guidance_scale"):
        pytest.skip("classifier-free guidance is the diffusion generator's")
    gaps = {}
    try:
        for scale in (0.0, 1.0, 2.0):
            label_fit.guidance_scale = scale
            up = label_fit.sample(200, y="up", random_state=0)
            down = label_fit.sample(200, y="down", random_state=0)
            gaps[scale] = up.mean() - down.mean()
    finally:
        label_fit.guidance_scale = 1.0
    # 0 ignores the condition: the same draws give the same series
    assert gaps[0.0] == pytest.approx(0.0, abs=1e-6)
    assert 0.7 * SHIFT < gaps[1.0] < 1.3 * SHIFT
    assert gaps[2.0] > 1.5 * gaps[1.0]
