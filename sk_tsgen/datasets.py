"""Data sets: generators of synthetic benchmarks and loaders of shipped data."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.utils import check_random_state

from ._validation import RandomStateLike


def make_sines(
    n_samples: int,
    n_timesteps: int = 24,
    n_channels: int = 5,
    random_state: RandomStateLike = None,
) -> np.ndarray:
    """TimeGAN's Sines benchmark: independent sine waves per channel.

    Each channel of each series is ``(sin(f * t + p) + 1) / 2`` for
    ``t = 0, ..., n_timesteps - 1``, with frequency ``f`` and phase ``p`` drawn
    independently from U(0, 0.1), so values lie in [0, 1].

    Parameters
    ----------
    n_samples : int
        Number of series.
    n_timesteps : int, default=24
        Length of each series.
    n_channels : int, default=5
        Channels per series.
    random_state : int, RandomState instance or None, default=None
        Seed of the frequencies and phases.

    Returns
    -------
    X : ndarray of shape (n_samples, n_channels, n_timesteps)

    Examples
    --------
    >>> from sk_tsgen.datasets import make_sines
    >>> X = make_sines(10, n_timesteps=24, n_channels=5, random_state=0)
    >>> X.shape
    (10, 5, 24)
    >>> bool(X.min() >= 0 and X.max() <= 1)
    True
    """
    for name, value in [
        ("n_samples", n_samples),
        ("n_timesteps", n_timesteps),
        ("n_channels", n_channels),
    ]:
        if (
            isinstance(value, bool)
            or not isinstance(value, (int, np.integer))
            or value < 1
        ):
            raise ValueError(f"{name} must be a positive int, got {value!r}.")
    rng = check_random_state(random_state)
    freq = rng.uniform(0, 0.1, size=(n_samples, n_channels, 1))
    phase = rng.uniform(0, 0.1, size=(n_samples, n_channels, 1))
    t = np.arange(n_timesteps)
    return (np.sin(freq * t + phase) + 1.0) / 2.0


def make_sin_cos_windows(
    n_points: int = 10_000, n_timesteps: int = 50, stop: float = 100.0
) -> np.ndarray:
    """One long sin/cos pair cut into consecutive windows (a sequence-autoencoder demo).

    ``x`` runs over ``n_points`` evenly spaced values in ``[0, stop]``; the two
    channels ``sin(x)`` and ``cos(x)`` are cut into ``n_points // n_timesteps``
    consecutive windows. The defaults give the data of the classic recurrent
    autoencoder tutorial: 200 windows of 50 steps, each spanning half a radian.

    Parameters
    ----------
    n_points : int, default=10000
        Length of the long series; a multiple of ``n_timesteps``.
    n_timesteps : int, default=50
        Length of each window.
    stop : float, default=100.0
        Last value of ``x``.

    Returns
    -------
    X : ndarray of shape (n_points // n_timesteps, 2, n_timesteps)
        Windows in time order, channels ``sin`` and ``cos``.

    Examples
    --------
    >>> from sk_tsgen.datasets import make_sin_cos_windows
    >>> X = make_sin_cos_windows()
    >>> X.shape
    (200, 2, 50)
    >>> bool(abs((X**2).sum(axis=1) - 1).max() < 1e-12)  # sin^2 + cos^2 = 1
    True
    """
    if n_timesteps < 1 or n_points < n_timesteps or n_points % n_timesteps:
        raise ValueError(
            f"n_points={n_points} must be a positive multiple of "
            f"n_timesteps={n_timesteps}."
        )
    x = np.linspace(0.0, stop, n_points)
    pairs = np.stack([np.sin(x), np.cos(x)])  # (2, n_points)
    return pairs.reshape(2, -1, n_timesteps).transpose(1, 0, 2)


def load_seattle_temperature():
    """Hourly air temperature in Seattle through 2010, in °F.

    The ``seattle-temps`` table that the ``vega_datasets`` package ships (no
    download): 8,759 hourly values from 2010-01-01 00:00 to 2010-12-31 23:00.
    The hour that the switch to daylight saving time skips (2010-03-14 02:00)
    is filled by linear interpolation, so the series lies on a regular hourly
    grid.

    Returns
    -------
    temperature : pandas.Series of shape (8760,)
        Indexed by an hourly :class:`pandas.DatetimeIndex`.

    Examples
    --------
    >>> from sk_tsgen.datasets import load_seattle_temperature
    >>> temp = load_seattle_temperature()  # doctest: +SKIP
    >>> len(temp), temp.index.freqstr  # doctest: +SKIP
    (8760, 'h')
    """
    try:
        from vega_datasets import local_data
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError(
            'load_seattle_temperature needs vega_datasets: pip install "sk-tsgen[data]"'
        ) from exc
    table = local_data.seattle_temps()
    temperature = table.set_index("date")["temp"].asfreq("h").interpolate()
    temperature.index.name = "time"
    return temperature.rename("temperature")


def load_ecg():
    """An ECG excerpt of the MIT-BIH arrhythmia database, with its anomaly labels.

    The 7,500-sample excerpt of an MIT-BIH record that the ``sktime`` package
    ships (no download): one lead, about 25 heartbeats of some 300 samples
    each. Samples 6936 to 7287 (352 samples) are labelled anomalous; the rest
    is normal.

    Returns
    -------
    ecg : pandas.DataFrame of shape (7500, 2)
        Columns ``"ecg"`` (the signal, mV) and ``"anomaly"`` (0 or 1), on a
        :class:`pandas.RangeIndex` of sample numbers.

    Examples
    --------
    >>> from sk_tsgen.datasets import load_ecg
    >>> ecg = load_ecg()  # doctest: +SKIP
    >>> ecg.shape, int(ecg["anomaly"].sum())  # doctest: +SKIP
    ((7500, 2), 352)
    """
    from importlib.resources import files

    try:
        path = files("sktime.datasets") / "data" / "mitdb" / "mitdb.csv"
    except ModuleNotFoundError as exc:  # pragma: no cover - depends on the environment
        raise ImportError(
            "load_ecg reads the excerpt that sktime ships: "
            'pip install "sk-tsgen[sktime]"'
        ) from exc
    if not path.is_file():  # pragma: no cover - depends on the sktime version
        raise FileNotFoundError(
            f"This version of sktime does not ship the MIT-BIH excerpt ({path})."
        )
    table = pd.read_csv(path)
    return pd.DataFrame(
        {
            "ecg": table["data"].to_numpy(dtype=np.float64),
            "anomaly": table["label"].to_numpy(dtype=np.int64),
        }
    )


def _package_file(package: str, *parts: str, extra: str):
    """Path of a data file that ``package`` ships, without importing it."""
    from importlib.util import find_spec
    from pathlib import Path

    spec = find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise ImportError(
            f"This loader reads a file that the {package} package ships: "
            f'pip install "sk-tsgen[{extra}]"'
        )
    path = Path(next(iter(spec.submodule_search_locations)), *parts)
    if not path.is_file():  # pragma: no cover - depends on the package version
        raise FileNotFoundError(
            f"This version of {package} does not ship {'/'.join(parts)} ({path})."
        )
    return path


def load_stocks(ticker: str = "AAPL") -> pd.DataFrame:
    """Daily prices and volume of a stock, up to 2013-03-01.

    The ``stocks.csv.gz`` table that the ``bokeh-sampledata`` package ships
    (no download): 3,270 trading days from 2000-03-01 for AAPL, IBM and MSFT,
    2,148 from 2004-08-19 for GOOG, 196 for FB. ``Open``, ``High``, ``Low``
    and ``Close`` are as traded, so they drop at stock splits (AAPL split
    2-for-1 in June 2000 and February 2005); ``Adj Close`` is adjusted for
    splits and dividends. With ``Volume`` these are the six channels of
    TimeGAN's stocks benchmark.

    Parameters
    ----------
    ticker : {"AAPL", "FB", "GOOG", "IBM", "MSFT"}, default="AAPL"

    Returns
    -------
    prices : pandas.DataFrame of shape (n_days, 6)
        Columns ``Open, High, Low, Close, Adj Close, Volume``, indexed by the
        trading day (a :class:`pandas.DatetimeIndex` named ``"date"``).

    Examples
    --------
    >>> from sk_tsgen.datasets import load_stocks
    >>> prices = load_stocks()  # doctest: +SKIP
    >>> prices.shape  # doctest: +SKIP
    (3270, 6)
    """
    path = _package_file("bokeh_sampledata", "_data", "stocks.csv.gz", extra="data")
    table = pd.read_csv(path, parse_dates=["Date"])
    tickers = sorted(table["Ticker"].unique())
    if ticker not in tickers:
        raise ValueError(
            f"ticker={ticker!r} is not in the table; choose from {tickers}."
        )
    table = table[table["Ticker"] == ticker].sort_values("Date")
    columns = ["Open", "High", "Low", "Close", "Adj Close", "Volume"]
    prices = table.set_index("Date")[columns].astype(np.float64)
    prices.index.name = "date"
    return prices


# TMY3 channels left out of load_sand_point_weather: flags for missing values
# (-9900) fill most of the year, or a code stands for a value (77777 for an
# unlimited ceiling), or the channel never changes
_TMY3_DROPPED = {
    "Pressure (mbar)": "constant (1012 mbar all year)",
    "Hvis (m)": "missing (-9900) for 2987 hours",
    "CeilHgt (m)": "77777 codes an unlimited ceiling",
    "Lprecip depth (mm)": "missing (-9900) for 8011 hours",
    "Lprecip quantity (hr)": "missing (-9900) for 8011 hours",
}


def load_sand_point_weather(year: int = 2001) -> pd.DataFrame:
    """A typical meteorological year (TMY3) of hourly weather at Sand Point, Alaska.

    The ``703165TY.csv`` file that the ``pvlib`` package ships (no download):
    NREL's TMY3 for station 703165, 8,760 hours of irradiance, illuminance,
    cloud cover, temperature, dew point, humidity, wind, precipitable water,
    aerosol optical depth and albedo. Every numeric channel that varies and
    holds measurements is kept (19); left out are the flags of the data's
    sources and uncertainties, the constant pressure, and visibility, ceiling
    height and liquid precipitation, which are mostly missing or coded.

    A TMY stitches months of different years into one year; the index puts
    them all in ``year`` (a year without 29 February), hour-beginning in
    local standard time (the file's 01:00 row is the hour from 00:00).

    Parameters
    ----------
    year : int, default=2001
        Calendar year of the index; choose one that is not a leap year.

    Returns
    -------
    weather : pandas.DataFrame of shape (8760, 19)
        One column per channel (named as in the file, with units), on an
        hourly :class:`pandas.DatetimeIndex` named ``"time"``.

    Examples
    --------
    >>> from sk_tsgen.datasets import load_sand_point_weather
    >>> weather = load_sand_point_weather()  # doctest: +SKIP
    >>> weather.shape, weather.index.freqstr  # doctest: +SKIP
    ((8760, 19), 'h')
    """
    start = pd.Timestamp(year=year, month=1, day=1)
    if start.is_leap_year:
        raise ValueError(f"year={year} is a leap year; a TMY has 365 days.")
    path = _package_file("pvlib", "data", "703165TY.csv", extra="data")
    table = pd.read_csv(path, skiprows=1)
    numeric = [
        column
        for column in table.columns
        if "source" not in column
        and "uncert" not in column
        and column not in _TMY3_DROPPED
        and table[column].dtype.kind in "if"
        and table[column].nunique() > 1
    ]
    weather = table[numeric].astype(np.float64)
    weather.index = pd.date_range(start, periods=len(weather), freq="h", name="time")
    return weather


def load_fidelity_windows(
    dataset: str = "stocks", n_timesteps: int | None = None
) -> np.ndarray:
    """Windows of a real dataset as fidelity benchmarks use them.

    Every channel is min-max scaled to [0, 1] over the whole series, then
    windows of ``n_timesteps`` steps start at every step (overlapping, one
    step apart), as TimeGAN prepares its stocks and energy data.

    Parameters
    ----------
    dataset : {"stocks", "weather", "weather-long"}, default="stocks"
        ``"stocks"``: :func:`load_stocks` (AAPL), windows of 24 days;
        ``"weather"``: :func:`load_sand_point_weather`, windows of 24 hours;
        ``"weather-long"``: the same, windows of 168 hours (a week).
    n_timesteps : int or None, default=None
        Window length instead of the dataset's own.

    Returns
    -------
    X : ndarray of shape (n_windows, n_channels, n_timesteps)
        Windows in time order.

    Examples
    --------
    >>> from sk_tsgen.datasets import load_fidelity_windows
    >>> load_fidelity_windows("stocks").shape  # doctest: +SKIP
    (3247, 6, 24)
    """
    from numpy.lib.stride_tricks import sliding_window_view

    loaders = {
        "stocks": (load_stocks, 24),
        "weather": (load_sand_point_weather, 24),
        "weather-long": (load_sand_point_weather, 168),
    }
    if dataset not in loaders:
        raise ValueError(
            f"dataset={dataset!r} is unknown; choose from {list(loaders)}."
        )
    load, length = loaders[dataset]
    length = int(n_timesteps or length)
    values = load().to_numpy().T  # (channels, steps)
    low = values.min(axis=1, keepdims=True)
    span = values.max(axis=1, keepdims=True) - low
    scaled = (values - low) / np.where(span > 0, span, 1.0)
    windows = sliding_window_view(scaled, length, axis=1)  # (channels, n, length)
    return np.ascontiguousarray(windows.transpose(1, 0, 2))
