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
