"""Input checks shared by the fidelity metrics.

Every metric compares a real set with a synthetic set. Both come in the
package's layouts: a 2-D array ``(n_series, n_timesteps)`` of univariate series
or a 3-D array ``(n_series, n_channels, n_timesteps)``. They must agree in
channels and timesteps, hold finite numbers and at least ``min_series`` series.
"""

from __future__ import annotations

import numpy as np
from sklearn.utils.validation import check_array

from .._validation import FLOAT_DTYPES


def _as_panel(X, name: str) -> np.ndarray:
    ndim = getattr(X, "ndim", None)
    if ndim is None:
        try:
            ndim = np.asarray(X).ndim
        except ValueError as exc:
            raise ValueError(
                f"{name} must hold series of equal length and equal number of "
                f"channels; it could not be read as an array: {exc}"
            ) from None
    if ndim == 2:
        X3 = check_array(X, dtype=FLOAT_DTYPES, input_name=name)[:, None, :]
    elif ndim == 3:
        X3 = check_array(X, allow_nd=True, dtype=FLOAT_DTYPES, input_name=name)
    else:
        raise ValueError(
            f"{name} has {ndim} dimensions; expected 2-D (n_series, n_timesteps) "
            "or 3-D (n_series, n_channels, n_timesteps)."
        )
    if X3.shape[1] < 1 or X3.shape[2] < 1:
        raise ValueError(f"{name} has shape {X3.shape}; it holds no values.")
    return np.asarray(X3, dtype=np.float64)


def check_real_synth(
    X_real, X_synth, *, min_series: int = 2, min_timesteps: int = 1
) -> tuple[np.ndarray, np.ndarray]:
    """Validate a real and a synthetic set and return them as float64 panels.

    Parameters
    ----------
    X_real, X_synth : array-like of shape (n, n_timesteps) or \
            (n, n_channels, n_timesteps)
        The two sets.
    min_series : int, default=2
        Fewest series each set must hold.
    min_timesteps : int, default=1
        Fewest timesteps each series must have.

    Returns
    -------
    real, synth : ndarray of shape (n, n_channels, n_timesteps)
    """
    real = _as_panel(X_real, "X_real")
    synth = _as_panel(X_synth, "X_synth")
    if real.shape[1:] != synth.shape[1:]:
        raise ValueError(
            f"X_real has {real.shape[1]} channels and {real.shape[2]} timesteps, "
            f"but X_synth has {synth.shape[1]} channels and {synth.shape[2]} "
            "timesteps; the two sets must have the same shape per series."
        )
    for name, arr in [("X_real", real), ("X_synth", synth)]:
        if arr.shape[0] < min_series:
            raise ValueError(
                f"{name} holds {arr.shape[0]} series; this metric needs at least "
                f"{min_series}."
            )
    if real.shape[2] < min_timesteps:
        raise ValueError(
            f"The series have {real.shape[2]} timesteps; this metric needs at "
            f"least {min_timesteps}."
        )
    return real, synth


def minmax_scale_by_real(
    real: np.ndarray, synth: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Scale both sets per channel so that the real set spans [0, 1].

    TimeGAN's data loader and Diffusion-TS min-max scale their data before
    every metric; doing it here, with the real set's range only, makes the
    scores independent of the data's units without looking at the synthetic set.
    A constant real channel is only shifted.
    """
    low = real.min(axis=(0, 2), keepdims=True)
    span = real.max(axis=(0, 2), keepdims=True) - low
    span[span == 0] = 1.0
    return (real - low) / span, (synth - low) / span


def subsample(X: np.ndarray, max_series: int | None, rng) -> np.ndarray:
    """At most ``max_series`` series of ``X``, drawn without replacement."""
    if max_series is None or X.shape[0] <= max_series:
        return X
    return X[rng.choice(X.shape[0], size=max_series, replace=False)]


def scale_pair(
    real: np.ndarray, synth: np.ndarray, scaling: str | None
) -> tuple[np.ndarray, np.ndarray]:
    """Apply the ``scaling`` parameter of a metric: ``"minmax"`` or None."""
    if scaling is None:
        return real, synth
    if scaling == "minmax":
        return minmax_scale_by_real(real, synth)
    raise ValueError(f"scaling must be 'minmax' or None, got {scaling!r}.")
