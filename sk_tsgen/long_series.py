"""Long series on a calendar: regular time indexes, windows and the time of year."""

from __future__ import annotations

import numpy as np
import pandas as pd
from numpy.lib.stride_tricks import sliding_window_view
from pandas.tseries.frequencies import to_offset
from pandas.tseries.offsets import BaseOffset, Tick


def check_datetime_series(series) -> tuple[np.ndarray, pd.DatetimeIndex, BaseOffset]:
    """Values, index and frequency of a pandas series indexed by regular timestamps.

    Parameters
    ----------
    series : pandas.Series or pandas.DataFrame
        Indexed by a :class:`pandas.DatetimeIndex` that increases in equal steps;
        a DataFrame holds one column per channel.

    Returns
    -------
    values : ndarray of shape (n_timesteps,) or (n_channels, n_timesteps)
    index : pandas.DatetimeIndex
    freq : pandas.DateOffset
        The step between consecutive timestamps.

    Examples
    --------
    >>> import pandas as pd
    >>> from sk_tsgen.long_series import check_datetime_series
    >>> s = pd.Series([1.0, 2.0, 3.0], pd.date_range("2024-01-01", periods=3, freq="h"))
    >>> values, index, freq = check_datetime_series(s)
    >>> freq
    <Hour>
    """
    index = series.index
    if not isinstance(index, pd.DatetimeIndex):
        raise ValueError(
            "A pandas series needs a DatetimeIndex to be read as one long series; "
            f"its index is a {type(index).__name__}."
        )
    if len(index) < 3:
        raise ValueError(
            f"The series has {len(index)} timestamps; at least 3 are needed to "
            "read its frequency."
        )
    if not index.is_monotonic_increasing or index.has_duplicates:
        raise ValueError(
            "The index of the series must increase strictly; sort it and drop "
            "duplicate timestamps."
        )
    freq = index.freq or pd.infer_freq(index)
    if freq is None:
        steps = pd.Series(np.diff(index.as_unit("ns").asi8))
        usual = int(steps.mode().iloc[0])
        odd = np.flatnonzero(steps.to_numpy() != usual)
        step = pd.Timedelta(usual, unit="ns")
        raise ValueError(
            f"The index of the series is not regular: {len(odd)} of its steps differ "
            f"from the usual {step} (the first after {index[odd[0]]}). Put it on a "
            "regular grid first, e.g. series.asfreq(...).interpolate(), with the "
            "frequency of the data."
        )
    values = series.to_numpy().T
    return values, index, to_offset(freq)


def window_series(
    series, window_length: int, step: int | None = None
) -> tuple[np.ndarray, pd.DatetimeIndex]:
    """Cut a long series into windows and return them with their start timestamps.

    Parameters
    ----------
    series : pandas.Series or pandas.DataFrame
        A long series on a regular :class:`pandas.DatetimeIndex`; a DataFrame
        holds one column per channel.
    window_length : int
        Timesteps per window.
    step : int or None, default=None
        Timesteps between the starts of consecutive windows; None gives
        non-overlapping windows (``step = window_length``).

    Returns
    -------
    X : ndarray of shape (n_windows, window_length) or \
            (n_windows, n_channels, window_length)
        The windows (a 2-D array for a Series, 3-D for a DataFrame).
    starts : pandas.DatetimeIndex of length n_windows
        Timestamp of the first step of every window.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from sk_tsgen.long_series import window_series
    >>> hours = pd.date_range("2024-01-01", periods=48, freq="h")
    >>> s = pd.Series(np.arange(48.0), index=hours)
    >>> X, starts = window_series(s, window_length=24, step=12)
    >>> X.shape, starts[1]
    ((3, 24), Timestamp('2024-01-01 12:00:00'))
    """
    values, index, _ = check_datetime_series(series)
    window_length, step = int(window_length), int(step or window_length)
    if window_length < 1 or step < 1:
        raise ValueError("window_length and step must be positive.")
    if len(index) < window_length:
        raise ValueError(
            f"The series has {len(index)} timesteps, fewer than "
            f"window_length={window_length}."
        )
    first = np.arange(0, len(index) - window_length + 1, step)
    windows = sliding_window_view(values, window_length, axis=-1)
    if windows.ndim == 3:  # (channels, n, length) -> (n, channels, length)
        windows = windows.transpose(1, 0, 2)
    return np.ascontiguousarray(windows[first]), index[first]


def time_of_year(timestamps) -> np.ndarray:
    """Fraction of the calendar year elapsed at each timestamp, in ``[0, 1)``.

    Leap years count 366 days, so January 1st is 0 in every year.

    Examples
    --------
    >>> import pandas as pd
    >>> from sk_tsgen.long_series import time_of_year
    >>> time_of_year(pd.to_datetime(["2010-01-01 00:00", "2010-07-02 12:00"])).round(3)
    array([0. , 0.5])
    """
    ts = pd.DatetimeIndex(timestamps)
    seconds = ts.hour * 3600 + ts.minute * 60 + ts.second
    days = ts.day_of_year - 1 + seconds / 86400.0
    return np.asarray(days / (365 + ts.is_leap_year.astype(int)), dtype=np.float64)


def offset_timestamps(starts, positions, freq: BaseOffset) -> pd.DatetimeIndex:
    """Timestamps ``positions`` steps of ``freq`` after every start.

    Returns the ``len(starts) * len(positions)`` timestamps start by start, in
    the time zone of ``starts``.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from pandas.tseries.frequencies import to_offset
    >>> from sk_tsgen.long_series import offset_timestamps
    >>> starts = pd.to_datetime(["2024-01-01", "2024-06-01"])
    >>> offset_timestamps(starts, np.array([0, 36]), to_offset("h"))[3]
    Timestamp('2024-06-02 12:00:00')
    """
    starts = pd.DatetimeIndex(starts).as_unit("ns")
    positions = np.asarray(positions, dtype=np.int64)
    if isinstance(freq, Tick):
        step = pd.Timedelta(freq).value
        stamps = (starts.asi8[:, None] + positions[None, :] * step).ravel()
        out = pd.DatetimeIndex(stamps.astype("datetime64[ns]"))
        return (
            out if starts.tz is None else out.tz_localize("UTC").tz_convert(starts.tz)
        )
    n_steps = int(positions.max()) + 1 if positions.size else 1
    parts = [pd.date_range(s, periods=n_steps, freq=freq)[positions] for s in starts]
    return parts[0].append(parts[1:])


def steps_between(anchor, timestamps, freq: BaseOffset) -> np.ndarray:
    """Whole steps of ``freq`` from ``anchor`` to each timestamp (may be negative).

    Raises if a timestamp is not a whole number of steps from the anchor. Only
    fixed-length frequencies (hours, days, minutes...) are supported.

    Examples
    --------
    >>> import pandas as pd
    >>> from pandas.tseries.frequencies import to_offset
    >>> from sk_tsgen.long_series import steps_between
    >>> steps_between(pd.Timestamp("2024-01-02"), pd.to_datetime(["2024-01-01"]),
    ...               to_offset("h"))
    array([-24])
    """
    stamps = pd.DatetimeIndex(timestamps).as_unit("ns").asi8
    delta = stamps - pd.Timestamp(anchor).as_unit("ns").value
    step = pd.Timedelta(freq).value
    steps, rest = np.divmod(delta, step)
    if np.any(rest):
        raise ValueError(
            f"Timestamps must lie a whole number of {freq.freqstr} steps apart."
        )
    return steps


# ------------------------------------------------------------ calendar profiles
_SEASON_OF_MONTH = {
    m: ("DJF", "MAM", "JJA", "SON")[(m % 12) // 3] for m in range(1, 13)
}


def _season(index: pd.DatetimeIndex) -> pd.Index:
    return pd.Index(index.month.map(_SEASON_OF_MONTH), name="season")


def monthly_means(series: pd.Series) -> pd.Series:
    """Mean of a series by calendar month (1-12), over all its years.

    Examples
    --------
    >>> import pandas as pd
    >>> from sk_tsgen.long_series import monthly_means
    >>> days = pd.date_range("2020-01-01", "2020-12-31", freq="D")
    >>> monthly_means(pd.Series(days.month, index=days)).iloc[[0, -1]].tolist()
    [1.0, 12.0]
    """
    return series.groupby(series.index.month.rename("month")).mean().astype(float)


def diurnal_profile(series: pd.Series) -> pd.DataFrame:
    """Mean by hour of day (rows) and meteorological season (columns)."""
    index = series.index
    table = series.groupby([index.hour.rename("hour"), _season(index)]).mean()
    return table.unstack("season")[["DJF", "MAM", "JJA", "SON"]]


def diurnal_range(series: pd.Series) -> pd.Series:
    """Mean daily range (maximum - minimum of each calendar day) by season.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from sk_tsgen.long_series import diurnal_range
    >>> hours = pd.date_range("2020-01-01", periods=24 * 366, freq="h")
    >>> s = pd.Series(np.sin(2 * np.pi * hours.hour / 24), index=hours)
    >>> diurnal_range(s).round(2).tolist()
    [2.0, 2.0, 2.0, 2.0]
    """
    days = series.index.normalize()
    daily = series.groupby(days).agg(lambda v: v.max() - v.min())
    return daily.groupby(_season(daily.index)).mean()[["DJF", "MAM", "JJA", "SON"]]


def autocorrelation(series, lags) -> np.ndarray:
    """Sample autocorrelation of a long series at each lag (in steps).

    Examples
    --------
    >>> import numpy as np
    >>> from sk_tsgen.long_series import autocorrelation
    >>> autocorrelation(np.tile([1.0, -1.0], 50), [1, 2]).round(2)
    array([-0.99,  0.98])
    """
    x = np.asarray(series, dtype=np.float64)
    x = x - x.mean()
    denom = np.dot(x, x)
    return np.array([np.dot(x[:-lag], x[lag:]) / denom for lag in np.atleast_1d(lags)])


def seam_ratio(series, every: int, period: int = 1) -> float:
    """Mean absolute step change across boundaries ``every`` steps apart, over
    that at the other steps of the same phase of ``period``.

    A series stitched from blocks of ``every`` steps shows its seams as a ratio
    above 1. Boundaries that fall at one phase of a periodic pattern (the same
    hour of the day, for ``period=24`` and ``every`` a multiple of 24) are
    compared with steps at that phase only, since the step change of the data
    itself depends on the phase. 1 means no seam.

    Examples
    --------
    >>> import numpy as np
    >>> from sk_tsgen.long_series import seam_ratio
    >>> smooth = np.sin(np.arange(960) / 10)
    >>> jumpy = smooth + np.repeat(np.random.RandomState(0).randn(10), 96)
    >>> round(seam_ratio(smooth, 96), 1), seam_ratio(jumpy, 96) > 5
    (1.0, True)
    """
    step = np.abs(np.diff(np.asarray(series, dtype=np.float64)))
    positions = np.arange(len(step))
    boundary = (positions + 1) % every == 0
    same_phase = (positions % period) == ((every - 1) % period)
    return float(step[boundary].mean() / step[same_phase & ~boundary].mean())
