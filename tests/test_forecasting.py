"""GenerativeForecaster: sample paths as sktime forecasts, and their parts."""

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("sktime")

from sktime.forecasting.base import ForecastingHorizon  # noqa: E402
from sktime.utils.estimator_checks import check_estimator  # noqa: E402

from sk_tsgen import DenseVAE  # noqa: E402
from sk_tsgen.forecasting import (  # noqa: E402
    auto_lengths,
    fit_spread,
    pinball_loss,
    scale_spread,
    season_length,
)
from sk_tsgen.sktime import GenerativeForecaster  # noqa: E402

pytestmark = pytest.mark.xdist_group("forecasting")


def _instances():
    """One instance per generator (a minute of sktime's checks each: slow)."""
    return [
        pytest.param(
            GenerativeForecaster(**kwargs),
            id=type(kwargs["generator"]).__name__,
            marks=pytest.mark.slow,
        )
        for kwargs in GenerativeForecaster.get_test_params()
    ]


@pytest.mark.parametrize("forecaster", _instances())
def test_generative_forecaster_passes_sktime_checks(forecaster):
    check_estimator(forecaster, raise_exceptions=True, verbose=False)


# ------------------------------------------------------------------ parts
def test_season_and_window_follow_the_frequency():
    assert [season_length(f) for f in ("h", "D", "MS", "W-SUN", "QS", "YS")] == [
        24,
        7,
        12,
        52,
        4,
        None,
    ]
    assert season_length("5min") == 288
    # a day of 5-minute steps is more than a window forecasts at once
    assert auto_lengths(10_000, 288) == (144, 48)
    window, horizon = auto_lengths(60, 24)
    assert window <= 60 // 4 + 1 and window == 3 * horizon


def test_spread_is_fitted_per_step_ahead():
    rng = np.random.RandomState(0)
    paths = rng.normal(size=(400, 100, 4, 1))
    # errors grow as the square root of the step ahead
    truth = np.sqrt(np.arange(1, 5))[:, None] * rng.normal(size=(400, 4, 1))
    spread = fit_spread(paths, truth)[:, 0]
    np.testing.assert_allclose(spread, np.sqrt(np.arange(1, 5)), rtol=0.15)
    widened = scale_spread(paths[0], spread[:, None])
    assert np.std(widened[:, 3]) > 1.5 * np.std(widened[:, 0])
    # the pinball loss of the true quantiles beats that of too narrow ones
    quantiles = np.quantile(rng.normal(size=(1000, 1)), [0.1, 0.5, 0.9], 0)
    losses = [
        pinball_loss(2 * rng.normal(size=1000), scale * quantiles, [0.1, 0.5, 0.9])
        for scale in (1, 2)
    ]
    assert losses[1].mean() < losses[0].mean()


# -------------------------------------------------------------- workflows
def _hourly(n_days=30, seed=0):
    hours = pd.date_range("2024-03-01", periods=24 * n_days, freq="h")
    noise = np.random.RandomState(seed).normal(0, 0.2, len(hours))
    return pd.Series(np.sin(2 * np.pi * hours.hour / 24) + noise, index=hours, name="y")


# the fitted forecaster's workflows learn a daily cycle: the slow layer
@pytest.fixture(scope="module")
def fitted():
    y = _hourly()
    forecaster = GenerativeForecaster(
        DenseVAE(max_epochs=15, random_state=0), n_paths=60, random_state=0
    )
    return forecaster.fit(y.iloc[:-48]), y


@pytest.mark.slow
def test_forecasts_follow_the_daily_cycle_with_calibrated_bands(fitted):
    forecaster, y = fitted
    assert (forecaster.window_length_, forecaster.horizon_length_) == (72, 24)
    assert forecaster.spread_.shape == (24, 1) and (forecaster.spread_ > 0).all()
    fh = ForecastingHorizon(np.arange(1, 49))
    median = forecaster.predict(fh)
    truth = y.iloc[-48:]
    assert median.index.equals(truth.index)
    # the cycle is learned: far better than the mean, near the noise level
    assert np.abs(median - truth).mean() < 0.35
    assert np.abs(truth).mean() > 0.6
    bands = forecaster.predict_interval(fh, coverage=[0.5, 0.9])
    lower, upper = bands[("y", 0.9, "lower")], bands[("y", 0.9, "upper")]
    assert ((truth >= lower) & (truth <= upper)).mean() > 0.7
    assert (bands[("y", 0.5, "upper")] <= upper).all()
    assert (
        (bands[("y", 0.5, "lower")] <= median) & (median <= bands[("y", 0.5, "upper")])
    ).all()


@pytest.mark.slow
def test_every_method_reads_the_same_paths(fitted):
    forecaster, _ = fitted
    fh = [1, 5, 30]
    median = forecaster.predict(fh)
    quantiles = forecaster.predict_quantiles(fh, alpha=[0.1, 0.5, 0.9])
    np.testing.assert_allclose(quantiles[("y", 0.5)], median)
    assert (quantiles[("y", 0.1)] < quantiles[("y", 0.9)]).all()
    paths = forecaster.simulate(60, fh=fh)
    assert paths.index.names == ["path", "time"]
    assert paths.shape == (60 * 3, 1)
    by_step = paths["y"].unstack("path")
    np.testing.assert_allclose(by_step.median(axis=1), median)
    variance = forecaster.predict_var(fh)
    np.testing.assert_allclose(variance["y"], by_step.var(axis=1), rtol=1e-6)
    pytest.importorskip("skpro")
    distribution = forecaster.predict_proba(fh)
    np.testing.assert_allclose(
        distribution.mean()["y"], by_step.mean(axis=1), rtol=1e-6
    )


@pytest.mark.slow
def test_update_moves_the_origin_without_refitting(fitted):
    forecaster, y = fitted
    from sklearn.base import clone

    updated = clone(forecaster).fit(y.iloc[:-48])
    generator = updated.generator_
    updated.update(y.iloc[-48:-24], update_params=True)
    assert updated.generator_ is generator
    forecast = updated.predict([1, 2])
    assert forecast.index[0] == y.index[-24]
    # the new observations are the context: forecasts follow them
    assert np.abs(forecast - y.iloc[-24:-22].to_numpy()).mean() < 0.6


@pytest.mark.slow
def test_exogenous_values_condition_the_forecast():
    rng = np.random.RandomState(1)
    index = pd.RangeIndex(600)
    X = pd.DataFrame({"driver": rng.normal(size=600)}, index=index)
    y = pd.Series(2 * X["driver"] + 0.1 * rng.normal(size=600), index=index, name="y")
    common = dict(window_length=12, horizon_length=4, n_paths=40, random_state=0)
    generator = DenseVAE(max_epochs=30, random_state=0)
    with_x = GenerativeForecaster(generator, **common).fit(y[:-8], X=X[:-8])
    without = GenerativeForecaster(generator, **common).fit(y[:-8])
    fh = np.arange(1, 9)  # two chained windows
    error_with = np.abs(with_x.predict(fh, X=X[-8:]) - y[-8:]).mean()
    error_without = np.abs(without.predict(fh) - y[-8:]).mean()
    assert error_with < 0.5 * error_without
    with pytest.raises(ValueError, match="needs X over every forecast step"):
        with_x.predict(fh)
    # X at some steps only: interpolated between them, with a warning
    with pytest.warns(UserWarning, match="X lacks 6 of the 8 steps"):
        sparse = with_x.predict(fh, X=X.iloc[[-8, -1]])
    assert np.isfinite(sparse.to_numpy()).all()
    with pytest.raises(ValueError, match="X holds none of the 8 steps"):
        with_x.predict(fh, X=X[:10])


def test_gaps_in_the_series_are_imputed_along_the_way():
    y = _hourly(n_days=12, seed=2)
    y.iloc[100:130] = np.nan
    y.iloc[-3:] = np.nan  # the latest hours are missing too
    forecaster = GenerativeForecaster(
        DenseVAE(max_epochs=5, random_state=0), n_paths=20, calibrate=False
    ).fit(y)
    forecast = forecaster.predict([1, 2, 3])
    assert np.isfinite(forecast.to_numpy()).all()


def test_bad_settings_and_series_get_clear_errors():
    y = _hourly(n_days=3)
    with pytest.raises(ValueError, match="horizon_length=6 must be less than"):
        GenerativeForecaster(window_length=6, horizon_length=6).fit(y)
    with pytest.raises(ValueError, match="fewer than window_length=100"):
        GenerativeForecaster(window_length=100).fit(y.iloc[:80])
    with pytest.raises(ValueError, match="window_length must be a positive int"):
        GenerativeForecaster(window_length=2.5).fit(y)
    empty = pd.DataFrame({"a": y.to_numpy(), "b": np.nan}, index=y.index)
    with pytest.raises(ValueError, match=r"variable\(s\) \['b'\] hold no observed"):
        GenerativeForecaster(window_length=12).fit(empty)


@pytest.mark.slow
def test_a_panel_gets_one_forecaster_per_series():
    series = [_hourly(n_days=8, seed=seed) for seed in (3, 4)]
    panel = pd.concat(series, keys=["a", "b"], names=["series", "time"]).to_frame()
    forecaster = GenerativeForecaster(
        DenseVAE(max_epochs=5, random_state=0), n_paths=10, calibrate=False
    ).fit(panel)
    forecast = forecaster.predict([1, 2, 3])
    assert forecast.index.get_level_values(0).unique().tolist() == ["a", "b"]
    assert len(forecast) == 6 and np.isfinite(forecast.to_numpy()).all()
    paths = forecaster.predict_quantiles([1], alpha=[0.1, 0.9])
    assert paths.shape == (2, 2)
