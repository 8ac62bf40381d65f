"""Cheap closed-form statistics that compare a real and a synthetic set."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike
from scipy.spatial.distance import cdist, pdist
from scipy.stats import wasserstein_distance
from sklearn.utils import check_random_state

from .._validation import RandomStateLike
from ._inputs import check_real_synth, scale_pair, subsample


def _cross_correlation(X: np.ndarray) -> np.ndarray:
    """Mean lag-0 cross-correlations of the channels, lower triangle with diagonal.

    Channels are standardised over all series and steps together, then the
    products of every pair are averaged over time within a series and over series.
    """
    std = X.std(axis=(0, 2), keepdims=True, ddof=1)
    std[std == 0] = 1.0
    Z = (X - X.mean(axis=(0, 2), keepdims=True)) / std
    corr = np.einsum("nct,ndt->cd", Z, Z) / (X.shape[0] * X.shape[2])
    return corr[np.tril_indices(X.shape[1])]


def correlational_score(X_real: ArrayLike, X_synth: ArrayLike) -> float:
    """How far the synthetic set's channel correlations are from the real set's.

    Diffusion-TS's cross-correlation score: each channel is standardised over the
    whole set, the lag-0 products of every pair of channels are averaged over
    time and series, and the score is the summed absolute difference between the
    two sets' pairs (lower triangle with the diagonal), divided by 10 as in the
    published figures. 0 for a single channel.

    Parameters
    ----------
    X_real, X_synth : array-like of shape (n, n_timesteps) or \
            (n, n_channels, n_timesteps)
        Real and synthetic series.

    Returns
    -------
    score : float

    Examples
    --------
    >>> import numpy as np
    >>> from sk_tsgen.metrics import correlational_score
    >>> rng = np.random.RandomState(0)
    >>> real = rng.normal(size=(500, 2, 24))
    >>> linked = real.copy()
    >>> linked[:, 1] = linked[:, 0]
    >>> round(correlational_score(real, linked), 1)
    0.1
    """
    real, synth = check_real_synth(X_real, X_synth, min_series=2)
    diff = _cross_correlation(real) - _cross_correlation(synth)
    return float(np.abs(diff).sum() / 10.0)


def mmd(
    X_real: ArrayLike,
    X_synth: ArrayLike,
    *,
    gamma: float | None = None,
    max_samples: int | None = 2000,
    scaling: str | None = "minmax",
    random_state: RandomStateLike = None,
) -> float:
    """Squared maximum mean discrepancy with an RBF kernel on whole series.

    The unbiased estimate of MMD² between the two sets, each series flattened to
    one vector; 0 in expectation for equal distributions (so small negative
    values occur), larger for different ones.

    Parameters
    ----------
    X_real, X_synth : array-like of shape (n, n_timesteps) or \
            (n, n_channels, n_timesteps)
        Real and synthetic series, at least 2 of each.
    gamma : float or None, default=None
        Kernel ``exp(-gamma * |x - y|^2)``; None sets ``1 / median(|x - y|^2)``
        over the pooled series (the median heuristic).
    max_samples : int or None, default=2000
        Series drawn from each set at most, to bound the kernel matrices.
    scaling : {"minmax", None}, default="minmax"
        Per-channel min-max scaling fitted on the real set, or none.
    random_state : int, RandomState instance or None, default=None
        Seed of the subsampling.

    Returns
    -------
    score : float

    Examples
    --------
    >>> from sk_tsgen.datasets import make_sines
    >>> from sk_tsgen.metrics import mmd
    >>> real = make_sines(300, random_state=0)
    >>> mmd(real, make_sines(300, random_state=1)) < 0.01 < mmd(real, real[:, :, ::-1])
    True
    """
    real, synth = check_real_synth(X_real, X_synth, min_series=2)
    real, synth = scale_pair(real, synth, scaling)
    rng = check_random_state(random_state)
    A = subsample(real, max_samples, rng).reshape(-1, real[0].size)
    B = subsample(synth, max_samples, rng).reshape(-1, real[0].size)
    if gamma is None:
        median = np.median(pdist(np.concatenate([A, B]), "sqeuclidean"))
        gamma = 1.0 / median if median > 0 else 1.0
    elif not gamma > 0:
        raise ValueError(f"gamma must be positive, got {gamma!r}.")

    def mean_kernel(P, Q, same):
        K = np.exp(-gamma * cdist(P, Q, "sqeuclidean"))
        if same:
            n = len(P)
            return (K.sum() - np.trace(K)) / (n * (n - 1))
        return K.mean()

    return float(
        mean_kernel(A, A, True) + mean_kernel(B, B, True) - 2 * mean_kernel(A, B, False)
    )


def marginal_distance(
    X_real: ArrayLike, X_synth: ArrayLike, *, scaling: str | None = "minmax"
) -> float:
    """Mean 1-Wasserstein distance between the value distributions at each step.

    For every channel and timestep, the distance between the real and the
    synthetic values there; the score is their mean. With ``scaling="minmax"``
    it is in units of each channel's real range.

    Parameters
    ----------
    X_real, X_synth : array-like of shape (n, n_timesteps) or \
            (n, n_channels, n_timesteps)
        Real and synthetic series.
    scaling : {"minmax", None}, default="minmax"
        Per-channel min-max scaling fitted on the real set, or none.

    Returns
    -------
    score : float

    Examples
    --------
    >>> from sk_tsgen.datasets import make_sines
    >>> from sk_tsgen.metrics import marginal_distance
    >>> real = make_sines(500, random_state=0)
    >>> round(marginal_distance(real, real + 0.05, scaling=None), 3)
    0.05
    """
    real, synth = check_real_synth(X_real, X_synth, min_series=1)
    real, synth = scale_pair(real, synth, scaling)
    n_channels, n_timesteps = real.shape[1:]
    return float(
        np.mean(
            [
                wasserstein_distance(real[:, c, t], synth[:, c, t])
                for c in range(n_channels)
                for t in range(n_timesteps)
            ]
        )
    )


def _autocorrelation(X: np.ndarray, max_lag: int) -> np.ndarray:
    """Mean autocorrelation per channel at lags 1..max_lag, shape (channels, lags).

    Each channel is centred and scaled by its mean and variance over the whole
    set, so a series that is constant on its own does not divide by zero.
    """
    centred = X - X.mean(axis=(0, 2), keepdims=True)
    var = centred.var(axis=(0, 2))
    var[var == 0] = 1.0
    acf = [
        np.mean(centred[:, :, lag:] * centred[:, :, :-lag], axis=(0, 2))
        for lag in range(1, max_lag + 1)
    ]
    return np.stack(acf, axis=1) / var[:, None]


def autocorrelation_difference(
    X_real: ArrayLike, X_synth: ArrayLike, *, max_lag: int | None = None
) -> float:
    """Mean absolute difference between the two sets' autocorrelation functions.

    For each channel the autocorrelation at lags 1 to ``max_lag`` is averaged
    over series (centred and scaled by the channel's mean and variance over the
    whole set); the score is the mean absolute difference over channels and lags.

    Parameters
    ----------
    X_real, X_synth : array-like of shape (n, n_timesteps) or \
            (n, n_channels, n_timesteps)
        Real and synthetic series with at least 2 timesteps.
    max_lag : int or None, default=None
        Largest lag; None is ``min(n_timesteps - 1, 64)``.

    Returns
    -------
    score : float

    Examples
    --------
    >>> import numpy as np
    >>> from sk_tsgen.metrics import autocorrelation_difference
    >>> rng = np.random.RandomState(0)
    >>> walk = rng.normal(size=(200, 50)).cumsum(axis=1)
    >>> noise = rng.normal(size=(200, 50))
    >>> autocorrelation_difference(walk, walk[::-1], max_lag=5) < 0.05
    True
    >>> autocorrelation_difference(walk, noise, max_lag=5) > 0.5
    True
    """
    real, synth = check_real_synth(X_real, X_synth, min_series=1, min_timesteps=2)
    n_timesteps = real.shape[2]
    if max_lag is None:
        max_lag = min(n_timesteps - 1, 64)
    elif (
        isinstance(max_lag, bool)
        or not isinstance(max_lag, (int, np.integer))
        or not 1 <= max_lag < n_timesteps
    ):
        raise ValueError(
            f"max_lag must be an int in [1, n_timesteps - 1] = [1, {n_timesteps - 1}]"
            f", got {max_lag!r}."
        )
    diff = _autocorrelation(real, max_lag) - _autocorrelation(synth, max_lag)
    return float(np.mean(np.abs(diff)))


def sample_diversity(
    X_real: ArrayLike,
    X_synth: ArrayLike,
    *,
    max_samples: int | None = 2000,
    scaling: str | None = "minmax",
    random_state: RandomStateLike = None,
) -> float:
    """Spread of the synthetic series relative to the real ones.

    The mean Euclidean distance between two different synthetic series divided
    by the same mean over the real series. 1 means the synthetic set is as
    varied as the real one; a generator that collapses onto a few modes scores
    well below 1 (0 when every sample is the same series), one that adds noise
    scores above 1. Unlike the other metrics it is not "lower is better", so it
    is not among :data:`FIDELITY_METRICS`: it flags mode collapse, which a
    discriminative score only shows indirectly.

    Parameters
    ----------
    X_real, X_synth : array-like of shape (n, n_timesteps) or \
            (n, n_channels, n_timesteps)
        Real and synthetic series, at least 2 of each.
    max_samples : int or None, default=2000
        Series drawn from each set at most, to bound the distance matrices.
    scaling : {"minmax", None}, default="minmax"
        Per-channel min-max scaling fitted on the real set, or none.
    random_state : int, RandomState instance or None, default=None
        Seed of the subsampling.

    Returns
    -------
    ratio : float

    Examples
    --------
    >>> import numpy as np
    >>> from sk_tsgen.datasets import make_sines
    >>> from sk_tsgen.metrics import sample_diversity
    >>> real = make_sines(500, random_state=0)
    >>> 0.95 < sample_diversity(real, make_sines(500, random_state=1)) < 1.05
    True
    >>> collapsed = np.repeat(real[:3], 100, axis=0)  # three series, repeated
    >>> sample_diversity(real, collapsed) < 0.8
    True
    """
    real, synth = check_real_synth(X_real, X_synth, min_series=2)
    real, synth = scale_pair(real, synth, scaling)
    rng = check_random_state(random_state)
    spread = [
        pdist(subsample(X, max_samples, rng).reshape(-1, real[0].size)).mean()
        for X in (real, synth)
    ]
    if spread[0] == 0:
        raise ValueError(
            "X_real holds one distinct series only; its spread is 0, so the "
            "diversity of X_synth cannot be compared with it."
        )
    return float(spread[1] / spread[0])
