"""A Gaussian AR(1) process with a seasonal mean and scale, fitted to latent codes."""

from __future__ import annotations

import numpy as np
from scipy.signal import lfilter

# Smallest variance a latent dimension may get, relative to its mean variance.
_VARIANCE_FLOOR = 1e-3
# Largest lag-1 correlation, which keeps the innovations' variance positive.
_MAX_RHO = 0.999


def ar1_draws(
    shape: tuple[int, int], rho: np.ndarray, rng: np.random.RandomState
) -> np.ndarray:
    """Stationary AR(1) sequences with unit variance, ``(*shape, len(rho))``.

    ``u_0 = e_0`` and ``u_j = rho u_{j-1} + sqrt(1 - rho^2) e_j`` along axis 1,
    one ``rho`` per last-axis dimension.

    Examples
    --------
    >>> import numpy as np
    >>> from sk_tsgen.latent_process import ar1_draws
    >>> u = ar1_draws((4000, 2), np.array([0.9]), np.random.RandomState(0))
    >>> round(float(np.corrcoef(u[:, 0, 0], u[:, 1, 0])[0, 1]), 1)
    0.9
    """
    rho = np.asarray(rho, dtype=np.float64)
    u = rng.standard_normal((*shape, len(rho)))
    u[:, 1:] *= np.sqrt(1.0 - rho**2)
    for i, r in enumerate(rho):
        u[..., i] = lfilter([1.0], [1.0, -r], u[..., i], axis=1)
    return u


def seasonal_features(angle: np.ndarray | None, degree: int, shape) -> np.ndarray:
    """``[1, sin(m a), cos(m a)]`` for ``m = 1..degree``, or ``[1]`` without angles."""
    if angle is None:
        return np.ones((*shape, 1))
    phase = np.asarray(angle, dtype=np.float64)[..., None] * np.arange(1, degree + 1)
    return np.concatenate(
        [np.ones((*phase.shape[:-1], 1)), np.sin(phase), np.cos(phase)], -1
    )


class SeasonalLatentProcess:
    """Density of sequences of latent codes: seasonal mean and scale, AR(1) link.

    Latent step ``j`` of a sequence has mean ``m(theta_j)`` and variance
    ``v(theta_j)``, both trigonometric polynomials (with constant term) of the
    time-of-year angle ``theta_j``, or constants without angles; the
    standardised codes ``u_j`` follow ``u_j = rho u_{j-1} + sqrt(1 - rho^2) e_j``
    with one ``rho`` per latent dimension. :meth:`fit` estimates all three by
    least squares from posterior means and variances of training sequences
    (moments of the aggregate posterior), and :meth:`sample` draws sequences of
    any length.

    Parameters
    ----------
    degree : int, default=3
        Highest harmonic of the year.

    Attributes
    ----------
    mean_coef_, var_coef_ : ndarray of shape (n_features, latent_dim)
        Coefficients of the mean and of the variance on the seasonal features.
    rho_ : ndarray of shape (latent_dim,)
        Lag-1 correlation of the standardised codes.

    Examples
    --------
    >>> import numpy as np
    >>> from sk_tsgen.latent_process import SeasonalLatentProcess
    >>> rng = np.random.RandomState(0)
    >>> angle = np.linspace(0, 2 * np.pi, 40)[None, :].repeat(50, 0)
    >>> codes = 2 * np.cos(angle)[..., None] + 0.1 * rng.standard_normal((50, 40, 1))
    >>> process = SeasonalLatentProcess().fit(codes, np.zeros_like(codes), angle)
    >>> z = process.sample(np.array([[0.0, np.pi]]).repeat(2000, 0), rng)
    >>> z.mean(0).ravel().round(1)
    array([ 2., -2.])
    """

    def __init__(self, degree: int = 3):
        self.degree = degree

    def _features(self, angle, shape) -> np.ndarray:
        return seasonal_features(angle, self.degree, shape)

    def fit(
        self, mean: np.ndarray, var: np.ndarray, angle: np.ndarray | None = None
    ) -> SeasonalLatentProcess:
        """Fit to posterior means and variances ``(n, steps, latent_dim)``.

        ``angle`` ``(n, steps)`` holds the time-of-year angle of every step,
        or is None for a process without season.
        """
        n, steps, dim = mean.shape
        F = self._features(angle, (n, steps)).reshape(n * steps, -1)
        flat = mean.reshape(n * steps, dim).astype(np.float64)
        self.mean_coef_ = np.linalg.lstsq(F, flat, rcond=None)[0]
        resid = mean - (F @ self.mean_coef_).reshape(mean.shape)
        # E_q[(z - m)^2] = (mu - m)^2 + sigma^2, the aggregate posterior's spread
        second = (resid**2 + var).reshape(n * steps, dim)
        self.var_coef_ = np.linalg.lstsq(F, second, rcond=None)[0]
        self._var_floor = _VARIANCE_FLOOR * second.mean(0)
        u = resid / np.sqrt(self._variance(F).reshape(mean.shape))
        if steps > 1:
            now, before = u[:, 1:], u[:, :-1]
            denom = np.sqrt((now**2).sum((0, 1)) * (before**2).sum((0, 1)))
            rho = (now * before).sum((0, 1)) / np.maximum(denom, 1e-12)
        else:
            rho = np.zeros(dim)
        self.rho_ = np.clip(rho, -_MAX_RHO, _MAX_RHO)
        return self

    def _variance(self, F: np.ndarray) -> np.ndarray:
        return np.maximum(F @ self.var_coef_, self._var_floor)

    def sample(
        self, angle: np.ndarray | None, rng: np.random.RandomState, shape=None
    ) -> np.ndarray:
        """Draw sequences of codes ``(n, steps, latent_dim)``.

        ``angle`` ``(n, steps)`` gives the season of every step; without it,
        ``shape = (n, steps)`` gives the size.
        """
        shape = np.shape(angle) if angle is not None else tuple(shape)
        u = ar1_draws(shape, self.rho_, rng)
        F = self._features(angle, shape)
        return F @ self.mean_coef_ + np.sqrt(self._variance(F)) * u
