"""Sample paths of a long series' next steps, drawn by a generator of its windows.

A generator fitted on the windows of a long series forecasts it: the latest
steps of the series are the observed start of a window, the rest of the
window is missing, and the generator's imputations of the missing steps
(:meth:`~sk_tsgen.base.BaseGenerator.impute`) are sample paths of the future.
A horizon longer than a window is reached by chaining windows, each one
conditioned on its path so far.

The windows carry their conditions: the timestamp of their first step (its
place on the calendar) and the exogenous values over all their steps, which
are known ahead of the forecast. With ``level="mean"`` or ``level="last"``
the generator learns windows less the mean or the last observed value of
their context, so that a trending series stays inside the range it was
trained on.

This module holds the parts that need no forecasting framework;
:class:`sk_tsgen.sktime.GenerativeForecaster` is their sktime face.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from numpy.lib.stride_tricks import sliding_window_view
from pandas.tseries.frequencies import to_offset
from scipy.optimize import minimize

from .conditions import calendar_features

__all__ = [
    "PINBALL_LEVELS",
    "auto_lengths",
    "context_levels",
    "fit_spread",
    "pinball_loss",
    "sample_paths",
    "scale_spread",
    "season_length",
    "window_conditions",
    "windows_of",
]

# The quantile levels that the spread of the paths is calibrated on, and that
# a pinball loss "averaged over quantiles" averages: 0.05, 0.10, ..., 0.95.
PINBALL_LEVELS = np.round(np.arange(1, 20) / 20, 2)
# A season longer than this many steps (a day of 5-minute values) is not what
# a window holds: the auto window then forecasts this many steps at a time.
_MAX_AUTO_HORIZON = 48
# steps forecast per window when the frequency says nothing of a season
_DEFAULT_HORIZON = 8
# the spread factor is searched between these bounds
_SPREAD_BOUNDS = (0.05, 20.0)


def season_length(freq) -> int | None:
    """Steps in the natural season of a frequency: a day of hours, a week of
    days, a year of months; None when there is none (yearly, or no frequency).

    Parameters
    ----------
    freq : str, pandas DateOffset or None
        The step of the series, as pandas writes it (``"h"``, ``"D"``,
        ``"MS"``, ``"15min"``, ...).

    Returns
    -------
    season : int or None

    Examples
    --------
    >>> from sk_tsgen.forecasting import season_length
    >>> season_length("h"), season_length("D"), season_length("MS")
    (24, 7, 12)
    >>> season_length("15min"), season_length("B"), season_length(None)
    (96, 5, None)
    """
    if freq is None:
        return None
    offset = to_offset(freq)
    name = offset.name.split("-")[0].upper()
    calendar = {"B": 5, "C": 5, "W": 52, "M": 12, "MS": 12, "ME": 12, "SM": 24}
    calendar |= {"SMS": 24, "BM": 12, "BMS": 12, "BME": 12, "CBMS": 12, "CBME": 12}
    calendar |= {"Q": 4, "QS": 4, "QE": 4, "BQ": 4, "BQS": 4, "BQE": 4}
    if name == "D" and offset.n == 1:
        return 7
    if name in calendar and offset.n == 1:
        return calendar[name]
    try:
        step = pd.Timedelta(offset)
    except (TypeError, ValueError):
        return None
    day = pd.Timedelta(days=1)
    if step < day and day % step == pd.Timedelta(0):
        return int(day / step)
    return None


def auto_lengths(n_steps: int, season: int | None) -> tuple[int, int]:
    """The window and the steps forecast per window for a series of
    ``n_steps`` with a ``season``.

    A window forecasts one season (at most 48 steps; 8 without a season) from
    a context of two, so that it sees the season's shape before it continues
    it. A series shorter than four such windows gets windows of a quarter of
    its length, split alike.

    Examples
    --------
    >>> from sk_tsgen.forecasting import auto_lengths
    >>> auto_lengths(8760, 24), auto_lengths(144, 12), auto_lengths(40, None)
    ((72, 24), (36, 12), (9, 3))
    """
    horizon = min(season or _DEFAULT_HORIZON, _MAX_AUTO_HORIZON)
    window = 3 * horizon
    if n_steps < 4 * window:
        horizon = max(1, n_steps // 12)
        window = 3 * horizon
    return window, horizon


def windows_of(values: np.ndarray, window_length: int) -> np.ndarray:
    """Every window of a series ``(n_steps, n_channels)``, as
    ``(n_windows, n_channels, window_length)``."""
    return np.ascontiguousarray(
        sliding_window_view(values, window_length, axis=0).astype(np.float64)
    )


def window_conditions(
    stamps: pd.DatetimeIndex | None,
    exog: np.ndarray | None,
    starts: np.ndarray,
    window_length: int,
):
    """The conditions of windows starting at positions ``starts``: their first
    timestamps, or (with exogenous values) a table of the exogenous values at
    every step of a window and the harmonics of its start on the calendar;
    None without either."""
    if exog is None:
        return None if stamps is None else stamps[starts]
    steps = starts[:, None] + np.arange(window_length)
    table = exog[steps].reshape(len(starts), -1)
    columns = [f"x{j}_{t}" for t in range(window_length) for j in range(exog.shape[1])]
    frame = pd.DataFrame(table, columns=columns)
    if stamps is not None:
        calendar = calendar_features(stamps[starts])
        for j in range(calendar.shape[1]):
            frame[f"calendar_{j}"] = calendar[:, j]
    return frame


def context_levels(windows: np.ndarray, context_length: int, level) -> np.ndarray:
    """The level of each window's first ``context_length`` steps, per channel:
    their mean (``level="mean"``) or their last observed value (``"last"``),
    0 where they are all missing or for ``level=None``; shape
    ``(n_windows, n_channels, 1)``."""
    if level is None:
        return np.zeros((*windows.shape[:2], 1))
    context = windows[..., :context_length]
    seen = ~np.isnan(context)
    if level == "mean":
        total = np.where(seen, context, 0.0).sum(-1, keepdims=True)
        return total / np.maximum(seen.sum(-1, keepdims=True), 1)
    last = context_length - 1 - np.argmax(seen[..., ::-1], axis=-1)[..., None]
    values = np.take_along_axis(context, last, axis=-1)
    return np.where(seen.any(-1, keepdims=True), values, 0.0)


def sample_paths(
    generator,
    history: np.ndarray,
    n_ahead: int,
    *,
    window_length: int,
    horizon_length: int,
    n_paths: int,
    rng: np.random.RandomState,
    stamps: pd.DatetimeIndex | None = None,
    exog: np.ndarray | None = None,
    level: str | None = None,
    bounds: np.ndarray | None = None,
) -> np.ndarray:
    """Sample paths of the ``n_ahead`` steps after ``history``.

    Parameters
    ----------
    generator : fitted sk_tsgen generator
        Fitted on windows of ``window_length`` steps (3-D, one channel per
        column of ``history``), with the conditions
        :func:`window_conditions` gives.
    history : ndarray of shape (n_steps, n_channels) or \
            (n_paths, n_steps, n_channels)
        The series so far, ``n_steps >= window_length``, shared by every path
        or one per path; NaN is missing.
    n_ahead : int
        Steps to forecast.
    window_length, horizon_length : int
        Steps per window, and steps forecast per window: each window observes
        at least ``window_length - horizon_length`` steps.
    n_paths : int
        Paths to draw.
    rng : numpy RandomState
    stamps : DatetimeIndex or None
        Timestamps of the history and the forecast steps
        (``n_steps + n_ahead``), when the generator is conditioned on them.
    exog : ndarray of shape (n_steps + n_ahead, n_exog) or None
        Exogenous values over the history and the forecast steps, when the
        generator is conditioned on them.
    level : {None, "mean", "last"}
        What the generator learned windows less of: nothing, or their
        context's mean or last observed value (:func:`context_levels`).
    bounds : ndarray of shape (2, n_channels) or None
        The lowest and highest value of every channel: each window's draws
        are clipped to them before the next window reads them.

    Returns
    -------
    paths : ndarray of shape (n_paths, n_ahead, n_channels)
    """
    n_steps, n_channels = history.shape[-2:]
    context_length = window_length - horizon_length
    buffer = np.full((n_paths, n_channels, window_length + n_ahead), np.nan)
    buffer[:, :, :window_length] = np.swapaxes(history[..., -window_length:, :], -1, -2)
    offset = n_steps - window_length  # position of the buffer's first step
    done = 0
    while done < n_ahead:
        ahead = min(horizon_length, n_ahead - done)
        end = window_length + done + ahead
        windows = buffer[:, :, end - window_length : end].copy()
        windows[:, :, -ahead:] = np.nan
        levels = context_levels(windows, context_length, level)
        starts = np.full(n_paths, offset + end - window_length)
        y = window_conditions(stamps, exog, starts, window_length)
        # one imputation of every path's window: the paths are imputed as a
        # batch (the first window is the same for every path, its draws not)
        seed = int(rng.randint(np.iinfo(np.int32).max))
        filled = generator.impute(windows - levels, y, random_state=seed) + levels
        if bounds is not None:
            filled = np.clip(filled, bounds[0][:, None], bounds[1][:, None])
        buffer[:, :, end - ahead : end] = filled[:, :, -ahead:]
        done += ahead
    return buffer[:, :, window_length:].transpose(0, 2, 1)


def pinball_loss(
    truth: np.ndarray, quantiles: np.ndarray, levels: np.ndarray = PINBALL_LEVELS
) -> np.ndarray:
    """Pinball loss of ``quantiles`` (levels first) against ``truth``, averaged
    over the levels; one value per element of ``truth``.

    Averaged over levels spread evenly in (0, 1), it estimates half the
    continuous ranked probability score (CRPS).

    Examples
    --------
    >>> import numpy as np
    >>> from sk_tsgen.forecasting import pinball_loss
    >>> pinball_loss(np.array([1.0]), np.array([[0.0], [2.0]]), np.array([0.1, 0.9]))
    array([0.1])
    """
    levels = np.asarray(levels).reshape(-1, *([1] * np.ndim(truth)))
    diff = truth[None] - quantiles
    return np.maximum(levels * diff, (levels - 1) * diff).mean(0)


def fit_spread(paths: np.ndarray, truth: np.ndarray) -> np.ndarray:
    """Factors per step ahead and channel that scale the spread of paths
    about their median to the size of their errors.

    The factor of a channel at step ``h`` ahead is ``a * h ** b``: ``a`` and
    ``b`` minimise the pinball loss, averaged over :data:`PINBALL_LEVELS`, of
    the quantiles of ``median + factor * (paths - median)`` against the
    truth, over every origin and step.

    Parameters
    ----------
    paths : ndarray of shape (n_origins, n_paths, n_ahead, n_channels)
    truth : ndarray of shape (n_origins, n_ahead, n_channels)

    Returns
    -------
    spread : ndarray of shape (n_ahead, n_channels)

    Examples
    --------
    >>> import numpy as np
    >>> from sk_tsgen.forecasting import fit_spread
    >>> rng = np.random.RandomState(0)
    >>> paths = rng.normal(size=(300, 100, 2, 1))  # paths of unit spread
    >>> truth = [2, 4] * rng.normal(size=(300, 2))  # errors of spread 2 and 4
    >>> fit_spread(paths, truth[..., None])[:, 0].round(1)
    array([2. , 3.9])
    """
    median = np.median(paths, axis=1)
    offsets = np.quantile(paths, PINBALL_LEVELS, axis=1) - median
    log_steps = np.log(np.arange(1, truth.shape[1] + 1))[:, None]
    spread = np.ones(truth.shape[1:])
    for channel in range(truth.shape[-1]):
        seen = ~np.isnan(truth[..., channel])
        if not seen.any():
            continue
        level, target = median[..., channel], truth[..., channel]
        offset = offsets[..., channel]

        def factors(ab):
            log_a = np.clip(ab[0], *np.log(_SPREAD_BOUNDS))
            return np.exp(np.clip(log_a + ab[1] * log_steps[:, 0], -10, 10))

        def loss(ab, level=level, target=target, offset=offset, seen=seen):
            quantiles = level + factors(ab) * offset
            return pinball_loss(target[seen], quantiles[:, seen]).mean()

        best = minimize(loss, np.zeros(2), method="Nelder-Mead")
        spread[:, channel] = factors(best.x)
    return spread


def scale_spread(paths: np.ndarray, spread: np.ndarray) -> np.ndarray:
    """``paths`` ``(n_paths, n_ahead, n_channels)`` with their spread about
    their median scaled by ``spread`` ``(n_steps, n_channels)`` per step ahead
    and channel; steps beyond ``n_steps`` take the last step's factors."""
    median = np.median(paths, axis=0, keepdims=True)
    steps = np.minimum(np.arange(paths.shape[1]), len(spread) - 1)
    return median + spread[steps] * (paths - median)
