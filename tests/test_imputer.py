"""GenerativeImputer: a generator's imputations as a scikit-learn transformer,
on panels and on long series, alone and in a Pipeline."""

import numpy as np
import pandas as pd
import pytest
from sklearn.model_selection import cross_val_score
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import make_pipeline

from sk_tsgen import DenseVAE
from sk_tsgen.datasets import make_sines
from sk_tsgen.impute import GenerativeImputer


def _with_gaps(X, fraction, seed=0):
    gappy = np.array(X, dtype=float, copy=True)
    gappy[np.random.RandomState(seed).uniform(size=gappy.shape) < fraction] = np.nan
    return gappy


@pytest.fixture(scope="module")
def hourly():
    """Three weeks of an hourly daily cycle in two channels, with 20 % of the
    hours missing and a gap of three days (longer than a window) in both."""
    index = pd.date_range("2026-01-01", periods=24 * 21, freq="h")
    hours = np.arange(len(index))
    rng = np.random.RandomState(0)
    phase = 2 * np.pi * hours / 24
    noise = 0.05 * rng.randn(2, len(index))
    truth = pd.DataFrame(
        {"temperature": np.sin(phase) + noise[0], "load": np.cos(phase) + noise[1]},
        index=index,
    )
    gappy = truth.mask(rng.uniform(size=truth.shape) < 0.2)
    gappy.iloc[200:272] = np.nan
    return truth, gappy


@pytest.fixture(scope="module")
def hourly_fit(hourly):
    _, gappy = hourly
    imputer = GenerativeImputer(
        DenseVAE(max_epochs=40), window_length=24, n_imputations=4, random_state=0
    )
    return imputer.fit(gappy)


def test_a_long_frame_is_filled_in_its_layout(hourly, hourly_fit):
    truth, gappy = hourly
    filled = hourly_fit.transform(gappy)
    assert isinstance(filled, pd.DataFrame)
    assert filled.index.equals(gappy.index)
    assert list(filled.columns) == ["temperature", "load"]
    assert not filled.isna().any().any()
    observed = gappy.notna()
    assert (filled[observed] == gappy[observed]).sum().sum() == observed.sum().sum()
    assert hourly_fit.window_length_ == 24 and hourly_fit.step_ == 12
    assert hourly_fit.n_features_in_ == 2
    assert list(hourly_fit.get_feature_names_out()) == ["temperature", "load"]


def test_scattered_gaps_are_imputed_closer_than_the_channel_mean(hourly, hourly_fit):
    truth, gappy = hourly
    filled = hourly_fit.transform(gappy).to_numpy()
    scattered = gappy.isna().to_numpy().copy()
    scattered[200:272] = False
    error = np.abs(filled - truth.to_numpy())[scattered].mean()
    mean_fill = np.abs(truth.to_numpy() - gappy.mean().to_numpy())[scattered].mean()
    assert error < 0.4 * mean_fill


def test_a_gap_longer_than_a_window_is_bridged_linearly(hourly, hourly_fit):
    _, gappy = hourly
    filled = hourly_fit.transform(gappy).to_numpy()
    # hours 216..251 lie only in windows of 24 steps (starting every 12) that
    # observe nothing: a straight line between the imputed hours 215 and 252
    inner = filled[215:253]
    steps = np.diff(inner, axis=0)
    assert np.allclose(steps, steps[0], atol=1e-9)


def test_a_series_and_a_1d_array_come_back_as_they_went_in(hourly):
    truth, _ = hourly
    series = truth["temperature"].mask(
        np.random.RandomState(1).uniform(size=len(truth)) < 0.1
    )
    imputer = GenerativeImputer(DenseVAE(max_epochs=5), random_state=0)
    filled = imputer.fit_transform(series)
    assert isinstance(filled, pd.Series) and filled.name == "temperature"
    assert filled.index.equals(series.index) and not filled.isna().any()
    assert imputer.window_length_ == 48
    array = imputer.transform(series.to_numpy())
    assert array.shape == series.shape
    np.testing.assert_allclose(array, filled.to_numpy())


def test_a_panel_in_windows_shorter_than_its_series():
    X = make_sines(120, n_timesteps=32, n_channels=2, random_state=0)
    X = _with_gaps(X, 0.3)
    imputer = GenerativeImputer(
        DenseVAE(max_epochs=5),
        window_length=16,
        step=4,
        n_imputations=2,
        random_state=0,
    )
    filled = imputer.fit_transform(X)
    assert filled.shape == X.shape and not np.isnan(filled).any()
    assert imputer.n_features_in_ == 64
    assert imputer.generator_.n_timesteps_ == 16
    observed = ~np.isnan(X)
    np.testing.assert_array_equal(filled[observed], X[observed])
    again = imputer.transform(X)
    np.testing.assert_array_equal(filled, again)


class _CompleteOnlyVAE(DenseVAE):
    """A generator that does not train on missing values, and remembers how
    many series it was fitted on."""

    _allow_nan = False

    def fit(self, X, y=None):
        self.n_fitted_on_ = len(X)
        return super().fit(X, y)


def test_a_generator_that_trains_on_complete_windows_only():
    X = make_sines(80, n_timesteps=24, n_channels=1, random_state=0)
    gappy = X.copy()
    gappy[:40, 0, 5] = np.nan  # half the series with a gap, the rest complete
    imputer = GenerativeImputer(_CompleteOnlyVAE(max_epochs=3), random_state=0)
    filled = imputer.fit_transform(gappy)
    assert not np.isnan(filled).any()
    assert imputer.generator_.n_fitted_on_ == 40
    observed = ~np.isnan(gappy)
    np.testing.assert_array_equal(filled[observed], gappy[observed])

    every_series = _with_gaps(X, 0.3)
    with pytest.raises(ValueError, match="_CompleteOnlyVAE does not train on"):
        GenerativeImputer(_CompleteOnlyVAE(max_epochs=1)).fit(every_series)


def test_input_unlike_the_fit_is_refused(hourly, hourly_fit):
    _, gappy = hourly
    with pytest.raises(ValueError, match="fitted on one long series"):
        hourly_fit.transform(gappy.to_numpy()[:, :1].T.reshape(1, 1, -1))
    with pytest.raises(ValueError, match="expecting 2 channels"):
        hourly_fit.transform(gappy[["load"]])
    with pytest.raises(ValueError, match="fewer than window_length=24"):
        hourly_fit.transform(gappy.iloc[:10])
    with pytest.raises(ValueError, match="larger than window_length"):
        GenerativeImputer(window_length=8, step=9).fit(gappy)
    panel = GenerativeImputer(DenseVAE(max_epochs=1)).fit(
        make_sines(20, n_timesteps=8, n_channels=1)[:, 0, :]
    )
    with pytest.raises(ValueError, match="fitted on a panel"):
        panel.transform(gappy["load"])


def test_a_random_state_makes_fit_and_transform_repeatable():
    X = make_sines(60, n_timesteps=12, n_channels=1, random_state=0)[:, 0]
    X = _with_gaps(X, 0.3)
    first = GenerativeImputer(DenseVAE(max_epochs=3), random_state=3).fit_transform(X)
    second = GenerativeImputer(DenseVAE(max_epochs=3), random_state=3).fit_transform(X)
    np.testing.assert_array_equal(first, second)


def test_it_cross_validates_in_a_pipeline_on_gappy_gunpoint():
    """The issue's Pipeline goal: GunPoint with 30 % of its values missing,
    imputed and then classified, in a 3-fold cross-validation."""
    from sktime.datasets import load_gunpoint

    X, y = load_gunpoint(return_type="numpy2D")
    X = _with_gaps(X, 0.3)
    pipeline = make_pipeline(
        GenerativeImputer(DenseVAE(max_epochs=30), n_imputations=2, random_state=0),
        KNeighborsClassifier(n_neighbors=1),
    )
    scores = cross_val_score(pipeline, X, y, cv=3)
    assert scores.shape == (3,)
    # a 1-nearest-neighbour on complete GunPoint scores about 0.9; chance is 0.5
    assert scores.mean() > 0.75
