"""Point scores of a long series from window scores (the scikit-learn side)."""

import pickle

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.ensemble import IsolationForest
from sklearn.metrics import roc_auc_score

from sk_tsgen import DenseVAE
from sk_tsgen.anomaly import (
    WindowAnomalyDetector,
    window_scores_to_points,
    window_starts,
)

PERIOD = 24


def periodic_series(n_timesteps, n_channels=1, seed=0):
    """Daily cycles with noise, (n_timesteps, n_channels)."""
    rng = np.random.RandomState(seed)
    t = np.arange(n_timesteps)[:, None]
    phase = np.arange(n_channels)[None, :]
    return np.sin(2 * np.pi * t / PERIOD + phase) + 0.1 * rng.standard_normal(
        (n_timesteps, n_channels)
    )


@pytest.fixture(scope="session")
def fitted():
    """A detector fitted on 3000 steps of a noisy daily cycle."""
    return WindowAnomalyDetector(
        DenseVAE(latent_dim=4, max_epochs=15, random_state=0),
        window_length=PERIOD,
        step=2,
    ).fit(periodic_series(3000))


# ---------------------------------------------------------- the mapping
@pytest.mark.parametrize(
    "n_timesteps, window_length, step", [(10, 4, 3), (11, 4, 3), (7, 7, 1), (50, 6, 1)]
)
def test_window_starts_cover_every_point(n_timesteps, window_length, step):
    starts = window_starts(n_timesteps, window_length, step)
    assert starts[0] == 0 and starts[-1] == n_timesteps - window_length
    covered = np.zeros(n_timesteps, dtype=int)
    for start in starts:
        covered[start : start + window_length] += 1
    assert covered.min() >= 1
    assert np.all(np.diff(starts)[:-1] == step)


def test_point_scores_match_a_direct_loop():
    rng = np.random.RandomState(0)
    n_timesteps, window_length = 40, 7
    starts = window_starts(n_timesteps, window_length, step=3)
    scores = rng.standard_normal(len(starts)) * 100
    expected = np.array(
        [
            np.mean(
                [
                    s / window_length
                    for s, b in zip(scores, starts, strict=True)
                    if b <= t < b + window_length
                ]
            )
            for t in range(n_timesteps)
        ]
    )
    got = window_scores_to_points(scores, starts, window_length, n_timesteps)
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-12)


def test_point_scores_are_the_window_elbo_per_step(fitted):
    """A series one window long: every point gets the generator's score / length."""
    window = periodic_series(PERIOD, seed=5)
    expected = fitted.estimator_.score_samples(window.T[None]) / PERIOD
    np.testing.assert_allclose(
        fitted.score_samples(window), np.repeat(expected, PERIOD)
    )


def test_a_point_in_no_window_is_an_error():
    with pytest.raises(ValueError, match="no window"):
        window_scores_to_points([1.0], [0], window_length=2, n_timesteps=3)


# ---------------------------------------------------------- detection
@pytest.mark.parametrize("kind", ["spike", "noise"])
def test_injected_anomalies_score_lowest(fitted, kind):
    rng = np.random.RandomState(1)
    series = periodic_series(1200, seed=2)
    labels = np.zeros(len(series), dtype=bool)
    for start in (200, 500, 800, 1100):
        if kind == "spike":
            series[start] += 2.0
            labels[start] = True
        else:
            series[start : start + 12, 0] += 0.6 * rng.standard_normal(12)
            labels[start : start + 12] = True
    scores = fitted.score_samples(series)
    assert roc_auc_score(labels, -scores) > 0.95
    flagged = fitted.predict(series) == -1
    assert flagged[labels].mean() > 0.9
    # and few false alarms away from the anomalies' windows
    near = np.convolve(labels, np.ones(2 * PERIOD), mode="same") > 0
    assert flagged[~near].mean() < 0.05


def test_contamination_sets_the_fraction_of_training_points_flagged():
    series = periodic_series(1500)
    detector = WindowAnomalyDetector(
        DenseVAE(latent_dim=2, max_epochs=3, random_state=0),
        window_length=PERIOD,
        step=4,
        contamination=0.05,
    ).fit(series)
    assert (detector.predict(series) == -1).mean() == pytest.approx(0.05, abs=0.005)
    np.testing.assert_array_equal(
        detector.decision_function(series),
        detector.score_samples(series) - detector.offset_,
    )


def test_a_scikit_learn_detector_gets_flattened_windows():
    series = periodic_series(600, n_channels=2)
    detector = WindowAnomalyDetector(
        IsolationForest(random_state=0), window_length=PERIOD, step=3
    ).fit(series)
    assert detector.estimator_.n_features_in_ == 2 * PERIOD
    assert detector.score_samples(series[:100]).shape == (100,)


# ---------------------------------------------------------- layouts and errors
def test_every_layout_of_one_series_gets_the_same_scores(fitted):
    values = periodic_series(200, seed=3)[:, 0]
    hours = pd.date_range("2024-01-01", periods=200, freq="h")
    expected = fitted.score_samples(values[:, None])
    for X in (values, list(values), pd.Series(values, hours), pd.DataFrame(values)):
        np.testing.assert_array_equal(fitted.score_samples(X), expected)


@pytest.mark.filterwarnings("ignore:X does not have valid feature names")
def test_channels_are_columns_and_names_are_checked():
    frame = pd.DataFrame(periodic_series(400, n_channels=2), columns=["load", "temp"])
    detector = WindowAnomalyDetector(
        DenseVAE(latent_dim=2, max_epochs=2, random_state=0), window_length=12, step=4
    ).fit(frame)
    assert detector.n_features_in_ == 2
    assert list(detector.feature_names_in_) == ["load", "temp"]
    with pytest.raises(ValueError, match="feature names"):
        detector.score_samples(frame[["temp", "load"]].set_axis(["a", "b"], axis=1))
    with pytest.raises(ValueError, match="Reshape your data"):
        detector.score_samples(frame["load"].to_numpy())
    with pytest.raises(ValueError, match="3 features, but"):
        detector.score_samples(periodic_series(50, n_channels=3))


@pytest.mark.parametrize(
    "X, message",
    [
        (np.ones(10), "fewer than window_length=24"),
        (np.ones((0, 1)), "0 sample"),
        (np.r_[np.ones(30), np.nan], "NaN"),
        (np.r_[np.ones(30), np.inf], "infinity"),
        (np.ones((5, 30, 2)), "3 dimensions"),
        (np.array(["a"] * 30), "could not convert|numeric"),
        (
            pd.Series(np.ones(30), pd.DatetimeIndex(["2024-01-01"]).repeat(30)),
            "increase strictly",
        ),
    ],
)
def test_bad_series_get_a_clear_error(X, message):
    detector = WindowAnomalyDetector(DenseVAE(max_epochs=1), window_length=24)
    with pytest.raises(ValueError, match=message):
        detector.fit(X)


def test_an_irregular_index_is_refused(fitted):
    hours = pd.date_range("2024-01-01", periods=60, freq="h").delete(30)
    with pytest.raises(ValueError, match="not regular"):
        fitted.score_samples(pd.Series(np.ones(59), hours))


def test_too_short_a_series_to_score(fitted):
    with pytest.raises(ValueError, match="fewer than window_length=24"):
        fitted.score_samples(np.ones(23))


def test_bad_parameters_are_named():
    with pytest.raises(ValueError, match="window_length"):
        WindowAnomalyDetector(window_length=0).fit(np.ones(30))
    with pytest.raises(ValueError, match="estimator"):
        WindowAnomalyDetector("not a model").fit(np.ones(30))


# ---------------------------------------------------------- persistence
def test_pickle_and_clone(fitted):
    series = periodic_series(300, seed=4)
    restored = pickle.loads(pickle.dumps(fitted))
    np.testing.assert_array_equal(
        restored.score_samples(series), fitted.score_samples(series)
    )
    fresh = clone(fitted)
    assert not hasattr(fresh, "estimator_")
    assert fresh.get_params()["window_length"] == PERIOD


def test_default_estimator_is_a_dense_vae():
    detector = WindowAnomalyDetector(window_length=8, step=8)
    detector.set_params(contamination=0.1)
    # the default DenseVAE trains 100 epochs; a short series keeps it quick
    detector.fit(periodic_series(160))
    assert isinstance(detector.estimator_, DenseVAE)
    assert detector.estimator is None
