import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_array_equal

from sk_tsgen.datasets import make_sines


def test_make_sines_follows_the_timegan_recipe():
    X = make_sines(500, n_timesteps=30, n_channels=4, random_state=0)
    assert X.shape == (500, 4, 30)
    assert X.min() >= 0 and X.max() <= 1
    # first value sin(phase), phase in U(0, 0.1)
    first = 2 * X[..., 0] - 1
    assert first.min() >= 0 and first.max() <= np.sin(0.1)
    # frequency in U(0, 0.1): the series are increasing sine arcs with small steps
    steps = np.diff(np.arcsin(np.clip(2 * X - 1, -1, 1)), axis=2)
    freq_estimate = steps[..., 0]  # valid while f * t + p < pi / 2
    assert 0 <= freq_estimate.min() and freq_estimate.max() <= 0.1 + 1e-9
    assert abs(freq_estimate.mean() - 0.05) < 0.005


def test_make_sines_is_seeded():
    assert_array_equal(make_sines(5, random_state=1), make_sines(5, random_state=1))
    assert not np.allclose(make_sines(5, random_state=1), make_sines(5, random_state=2))


@pytest.mark.parametrize(
    "kwargs", [{"n_samples": 0}, {"n_samples": 2, "n_timesteps": 1.5}]
)
def test_make_sines_rejects_bad_sizes(kwargs):
    with pytest.raises(ValueError, match="must be a positive int"):
        make_sines(**kwargs)


def test_sin_cos_windows_are_the_tutorials_data():
    from sk_tsgen.datasets import make_sin_cos_windows

    # the recurrent autoencoder tutorial's own construction, channels last
    x = np.linspace(0, 100, 10000)
    tutorial = np.column_stack((np.sin(x), np.cos(x))).reshape((200, 50, -1))
    np.testing.assert_array_equal(make_sin_cos_windows(), tutorial.transpose(0, 2, 1))
    assert make_sin_cos_windows(1000, n_timesteps=25).shape == (40, 2, 25)
    with pytest.raises(ValueError, match="multiple of n_timesteps=30"):
        make_sin_cos_windows(1000, n_timesteps=30)


def test_stocks_are_aapls_daily_prices_in_date_order():
    pytest.importorskip("bokeh_sampledata")
    from sk_tsgen.datasets import load_stocks

    prices = load_stocks()
    assert prices.shape == (3270, 6)
    assert list(prices.columns) == [
        "Open",
        "High",
        "Low",
        "Close",
        "Adj Close",
        "Volume",
    ]
    assert prices.index.is_monotonic_increasing
    assert str(prices.index[0].date()) == "2000-03-01"
    assert (prices["High"] >= prices["Low"]).all()
    with pytest.raises(ValueError, match="choose from"):
        load_stocks("TSLA")


def test_sand_point_weather_is_a_regular_hourly_year_without_codes():
    pytest.importorskip("pvlib")
    from sk_tsgen.datasets import load_sand_point_weather

    weather = load_sand_point_weather()
    assert weather.shape == (8760, 19) and weather.index.freqstr == "h"
    assert weather.index[0] == pd.Timestamp("2001-01-01 00:00")
    assert (weather.std() > 0).all() and not (weather <= -9900).any().any()
    assert weather["Dry-bulb (C)"].between(-30, 40).all()
    with pytest.raises(ValueError, match="leap year"):
        load_sand_point_weather(2000)


@pytest.mark.parametrize(
    "dataset, shape",
    [
        ("stocks", (3247, 6, 24)),
        ("weather", (8737, 19, 24)),
        ("weather-long", (8593, 19, 168)),
    ],
)
def test_fidelity_windows_are_min_max_scaled_and_start_at_every_step(dataset, shape):
    pytest.importorskip("bokeh_sampledata" if dataset == "stocks" else "pvlib")
    from sk_tsgen.datasets import load_fidelity_windows

    X = load_fidelity_windows(dataset)
    assert X.shape == shape
    assert X.min() == 0 and X.max() == 1
    assert_array_equal(X[1, :, :-1], X[0, :, 1:])  # one step apart


def test_fidelity_windows_name_the_datasets():
    from sk_tsgen.datasets import load_fidelity_windows

    with pytest.raises(ValueError, match="choose from"):
        load_fidelity_windows("energy")
