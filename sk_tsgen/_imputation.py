"""What every generator's ``impute`` shares: a first guess of the missing
values, the check of ``n_imputations``, the stationary Gaussian process of the
reconstruction residuals (over channels and time) that carries the observed
neighbours' detail into a gap, and the imputed series put back in the layout
they came in."""

from __future__ import annotations

from numbers import Integral

import numpy as np
import pandas as pd
from scipy.linalg import toeplitz

from ._validation import sktime_panel_kind

# Rounds of encoding and decoding in the pseudo-Gibbs sampler of ``impute``.
IMPUTATION_SWEEPS = 16
# Kriging solves of at most this many matrix entries at once (64 MB).
_KRIGING_CHUNK = 8_000_000


def check_n_imputations(n_imputations) -> int:
    """Validate the ``n_imputations`` argument of ``impute``."""
    if isinstance(n_imputations, bool) or not isinstance(n_imputations, Integral):
        raise TypeError(
            f"n_imputations must be an int, got {type(n_imputations).__name__}."
        )
    if n_imputations < 1:
        raise ValueError(f"n_imputations must be at least 1, got {n_imputations}.")
    return int(n_imputations)


def fill_gaps_linearly(x: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """``x`` (``(..., timesteps)``) with the values where ``mask`` is 0 linearly
    interpolated in time between the observed ones, and held flat beyond the
    first and last; a row with nothing observed keeps its values.

    Examples
    --------
    >>> import numpy as np
    >>> from sk_tsgen._imputation import fill_gaps_linearly
    >>> x = np.array([[1.0, 0.0, 3.0, 0.0]])
    >>> fill_gaps_linearly(x, np.array([[1, 0, 1, 0]]))
    array([[1., 2., 3., 3.]])
    """
    out = np.array(x, dtype=np.float64)
    rows, row_mask = out.reshape(-1, out.shape[-1]), mask.reshape(-1, out.shape[-1])
    steps = np.arange(out.shape[-1])
    for row, seen in zip(rows, row_mask > 0, strict=True):
        if seen.any() and not seen.all():
            row[~seen] = np.interp(steps[~seen], steps[seen], row[seen])
    return out.astype(x.dtype, copy=False)


def residual_covariance(residuals: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Cross-covariance of reconstruction ``residuals`` (``(n, channels,
    timesteps)``) between every pair of channels at every lag, read over the
    pairs of values where ``mask`` is 1 in both, and tapered by ``1 - lag /
    timesteps`` (Bartlett) so that the far lags, read from few pairs, count
    little.

    Returns an array of shape ``(channels, channels, timesteps)``: entry
    ``[c, d, k]`` is the covariance of channel ``c`` at a step with channel
    ``d`` ``k`` steps later; ``[c, c]`` is channel ``c``'s autocovariance.

    Examples
    --------
    >>> import numpy as np
    >>> from sk_tsgen._imputation import residual_covariance
    >>> e = np.array([[[1.0, -1.0, 1.0, -1.0], [2.0, -2.0, 2.0, -2.0]]])
    >>> residual_covariance(e, np.ones_like(e))[0].round(2)
    array([[ 1.  , -0.75,  0.5 , -0.25],
           [ 2.  , -1.5 ,  1.  , -0.5 ]])
    """
    e = np.where(mask > 0, residuals, 0.0).astype(np.float64)
    o = (mask > 0).astype(np.float64)
    length = e.shape[-1]
    lags = []
    for lag in range(length):
        pairs = np.einsum("nct,ndt->cd", o[..., : length - lag], o[..., lag:])
        products = np.einsum("nct,ndt->cd", e[..., : length - lag], e[..., lag:])
        lags.append(products / np.maximum(pairs, 1.0))
    return np.stack(lags, axis=-1) * (1.0 - np.arange(length) / length)


def space_time_kernel(covariance: np.ndarray, length: int) -> np.ndarray:
    """Covariance matrix ``(channels * length, channels * length)`` of a
    stationary multichannel process with the given cross-covariances
    (``(channels, channels, lags)``, as :func:`residual_covariance` returns;
    lags past those given are 0), in the order of a flattened ``(channels,
    length)`` series, made positive definite by raising its eigenvalues to at
    least a millionth of the mean variance.

    Examples
    --------
    >>> import numpy as np
    >>> from sk_tsgen._imputation import space_time_kernel
    >>> R = np.array([[[1.0, 0.5], [0.8, 0.4]], [[0.8, 0.2], [1.0, 0.5]]])
    >>> space_time_kernel(R, 2).round(2)
    array([[1. , 0.5, 0.8, 0.4],
           [0.5, 1. , 0.2, 0.8],
           [0.8, 0.2, 1. , 0.5],
           [0.4, 0.8, 0.5, 1. ]])
    """
    channels = covariance.shape[0]
    padded = np.zeros((channels, channels, length))
    given = min(length, covariance.shape[-1])
    padded[..., :given] = covariance[..., :given]
    lag = np.arange(length)[None, :] - np.arange(length)[:, None]  # [t, s]: s - t
    ahead = padded[:, :, np.abs(lag)]  # cov of channel c at t, d at s >= t
    behind = padded.transpose(1, 0, 2)[:, :, np.abs(lag)]  # and at s < t
    kernel = np.where(lag >= 0, ahead, behind).transpose(0, 2, 1, 3)
    kernel = kernel.reshape(channels * length, channels * length)
    values, vectors = np.linalg.eigh((kernel + kernel.T) / 2)
    floor = 1e-6 * max(np.trace(kernel) / len(kernel), 0.0) + 1e-12
    return (vectors * np.maximum(values, floor)) @ vectors.T


class KrigingSampler:
    """Draws of residuals (``(n, channels, timesteps)``) where ``known`` is
    False given those where it is True, as :func:`krige` makes them, for one
    pattern of known values drawn from many times: the kriging systems are
    inverted once, so each draw costs matrix-vector products only.

    ``kernels`` holds one covariance in time per channel (``(channels,
    timesteps, timesteps)``), or, with ``joint=True``, one covariance of all
    channels and steps together (``(channels * timesteps,) * 2``,
    :func:`space_time_kernel`), under which a missing value is drawn given
    the known values of its own channel and of the others.

    Examples
    --------
    >>> import numpy as np
    >>> from sk_tsgen._imputation import KrigingSampler, krige, stationary_kernels
    >>> K = stationary_kernels(np.array([[1.0, 0.9, 0.8]]), 3)
    >>> r, known = np.array([[[1.0, 0.0, 3.0]]]), np.array([[[1, 0, 1]]]) > 0
    >>> draw = KrigingSampler(K, known)
    >>> np.allclose(draw(r, np.random.RandomState(0)),
    ...             krige(r, known, K, np.random.RandomState(0)))
    True
    """

    def __init__(self, kernels: np.ndarray, known: np.ndarray, joint: bool = False):
        self.shape = known.shape
        n = len(known)
        if joint:
            kernels, known = kernels[None], known.reshape(n, 1, -1)
        length = kernels.shape[-1]
        eye = np.eye(length)
        jitter = 1e-9 * np.maximum(np.einsum("cii->c", kernels) / length, 1e-12)
        self.kernels = kernels + jitter[:, None, None] * eye
        self.roots = np.linalg.cholesky(self.kernels)
        self.known = known
        self.o = known.astype(np.float64)
        # the known block of each series' covariance, the identity elsewhere
        system = self.kernels[None] * self.o[..., :, None] * self.o[..., None, :]
        self.inverse = np.linalg.inv(system + eye * (1.0 - self.o)[..., None])

    def __call__(self, residuals: np.ndarray, rng) -> np.ndarray:
        residuals = residuals.reshape(self.known.shape)
        noise = rng.standard_normal(residuals.shape)
        free = np.einsum("cij,ncj->nci", self.roots, noise)
        misfit = (np.where(self.known, residuals, 0.0) - free) * self.o
        weights = np.einsum("ncij,ncj->nci", self.inverse, misfit)
        out = free + np.einsum("cij,ncj->nci", self.kernels, self.o * weights)
        return np.where(self.known, residuals, out).reshape(self.shape)


def kriging_rows(n_values: int) -> int:
    """How many series' kriging systems of ``n_values`` values each fit in
    memory at once (64 MB), at least one."""
    return max(1, _KRIGING_CHUNK // (n_values * n_values))


def stationary_kernels(autocovariance: np.ndarray, length: int) -> np.ndarray:
    """Covariance matrices ``(channels, length, length)`` of a stationary
    process with the given autocovariance per channel (lags past those given
    are 0), made positive definite by raising their eigenvalues to at least a
    millionth of the variance.

    Examples
    --------
    >>> import numpy as np
    >>> from sk_tsgen._imputation import stationary_kernels
    >>> stationary_kernels(np.array([[1.0, 0.5]]), 3).round(2)
    array([[[1. , 0.5, 0. ],
            [0.5, 1. , 0.5],
            [0. , 0.5, 1. ]]])
    """
    kernels = []
    for lags in np.asarray(autocovariance, dtype=np.float64):
        column = np.zeros(length)
        column[: min(length, len(lags))] = lags[:length]
        values, vectors = np.linalg.eigh(toeplitz(column))
        floor = 1e-6 * max(column[0], 0.0) + 1e-12
        kernels.append((vectors * np.maximum(values, floor)) @ vectors.T)
    return np.stack(kernels)


def krige(
    residuals: np.ndarray, known: np.ndarray, kernels: np.ndarray, rng
) -> np.ndarray:
    """A draw of ``residuals`` (``(n, channels, timesteps)``) where ``known`` is
    False, given those where it is True, under a zero-mean Gaussian process with
    covariance ``kernels[channel]`` in time; the known values are kept.

    The draw follows Matheron's rule: an unconditional draw of the process,
    corrected by the kriging (the conditional mean) of its misfit at the known
    steps.

    Examples
    --------
    >>> import numpy as np
    >>> from sk_tsgen._imputation import krige, stationary_kernels
    >>> K = stationary_kernels(np.array([[1.0, 0.99, 0.98, 0.97]]), 3)
    >>> r = krige(np.array([[[1.0, 0.0, 3.0]]]), np.array([[[1, 0, 1]]]) > 0,
    ...           K, np.random.RandomState(0))
    >>> r[0, 0, [0, 2]].tolist(), bool(1.0 < r[0, 0, 1] < 3.0)
    ([1.0, 3.0], True)
    """
    n, channels, length = residuals.shape
    eye = np.eye(length)
    # a jitter keeps the systems of a (near) zero covariance solvable
    jitter = 1e-9 * np.maximum(np.einsum("cii->c", kernels) / length, 1e-12)
    kernels = kernels + jitter[:, None, None] * eye
    roots = np.linalg.cholesky(kernels)
    free = np.einsum("cij,ncj->nci", roots, rng.standard_normal(residuals.shape))
    o = known.astype(np.float64)
    misfit = (np.where(known, residuals, 0.0) - free) * o
    out = np.empty_like(free)
    rows = max(1, _KRIGING_CHUNK // (length * length))
    for start in range(0, n, rows):
        part = slice(start, start + rows)
        op = o[part]
        # the known block of each series' covariance, the identity elsewhere
        system = kernels[None] * op[..., :, None] * op[..., None, :]
        system = system + eye * (1.0 - op)[..., None]
        weights = np.linalg.solve(system, misfit[part][..., None])[..., 0]
        out[part] = free[part] + np.einsum("cij,ncj->nci", kernels, op * weights)
    return np.where(known, residuals, out)


def observed_gaussian(flat: np.ndarray, seen: np.ndarray):
    """Mean (``(d,)``) and covariance (``(d, d)``, positive semi-definite) of
    the rows of ``flat`` (``(n, d)``), each entry read where ``seen`` is True
    (the covariance over the rows where both values are seen).

    Examples
    --------
    >>> import numpy as np
    >>> from sk_tsgen._imputation import observed_gaussian
    >>> flat = np.array([[1.0, 2.0], [3.0, 0.0], [5.0, 6.0]])
    >>> mean, cov = observed_gaussian(flat, np.array([[1, 1], [1, 0], [1, 1]]) > 0)
    >>> mean.tolist(), bool(np.linalg.eigvalsh(cov).min() > -1e-12)
    ([3.0, 4.0], True)
    """
    o = seen.astype(np.float64)
    mean = (flat * o).sum(0) / np.maximum(o.sum(0), 1.0)
    centred = np.where(seen, flat - mean, 0.0)
    cov = (centred.T @ centred) / np.maximum(o.T @ o, 1.0)
    values, vectors = np.linalg.eigh((cov + cov.T) / 2)
    return mean, (vectors * np.maximum(values, 0.0)) @ vectors.T


def conditional_entropy(cov: np.ndarray, known: np.ndarray) -> np.ndarray:
    """Entropy, per row of ``known`` (``(n, d)``), of the values where it is
    False given those where it is True, under a Gaussian of covariance
    ``cov``: ``(m log(2 pi e) + log det cov - log det cov_known) / 2`` for
    ``m`` unknown values (0 where all are known).

    Examples
    --------
    >>> import numpy as np
    >>> from sk_tsgen._imputation import conditional_entropy
    >>> cov = np.array([[1.0, 0.0], [0.0, 4.0]])
    >>> h = conditional_entropy(cov, np.array([[True, False], [True, True]]))
    >>> np.allclose(h, [0.5 * np.log(2 * np.pi * np.e * 4.0), 0.0])
    True
    """
    d = len(cov)
    cov = cov + 1e-9 * max(np.trace(cov) / d, 1e-12) * np.eye(d)
    log_det = np.linalg.slogdet(cov)[1]
    o = known.astype(np.float64)
    out = np.empty(len(known))
    rows = max(1, _KRIGING_CHUNK // (d * d))
    for start in range(0, len(known), rows):
        op = o[start : start + rows]
        system = cov[None] * op[:, :, None] * op[:, None, :]
        system = system + np.eye(d) * (1.0 - op)[:, None]
        missing = d - op.sum(1)
        known_log_det = np.linalg.slogdet(system)[1]
        out[start : start + rows] = 0.5 * (
            missing * np.log(2 * np.pi * np.e) + log_det - known_log_det
        )
    return np.where(known.all(1), 0.0, out)


def in_input_layout(X, X3: np.ndarray):
    """Series ``X3`` (``(n, channels, timesteps)``, read from ``X``) in the
    layout of ``X``: the same array shape, or a pandas object with its index
    and columns.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from sk_tsgen._imputation import in_input_layout
    >>> s = pd.Series([1.0, np.nan], index=pd.date_range("2024", periods=2))
    >>> in_input_layout(s, np.array([[[1.0, 2.0]]])).tolist()
    [1.0, 2.0]
    """
    if isinstance(X, pd.Series):
        return pd.Series(X3.reshape(-1), index=X.index, name=X.name)
    if sktime_panel_kind(X) == "pd-multiindex":
        out = pd.DataFrame(np.nan, index=X.index, columns=X.columns)
        groups = X.groupby(level=0, sort=False).indices
        for series, rows in zip(X3, groups.values(), strict=True):
            out.iloc[rows] = series.T
        return out
    if sktime_panel_kind(X) == "nested_univ":
        return pd.DataFrame(
            [[pd.Series(channel) for channel in series] for series in X3],
            index=X.index,
            columns=X.columns,
        )
    if isinstance(X, pd.DataFrame):
        return pd.DataFrame(X3[:, 0, :], index=X.index, columns=X.columns)
    return X3.reshape(np.asarray(X).shape)
