"""A Gaussian VAR(1) process with a seasonal mean and scale, fitted to latent codes."""

from __future__ import annotations

import numpy as np
from scipy.signal import lfilter

# Smallest variance a latent dimension may get, relative to its mean variance.
_VARIANCE_FLOOR = 1e-3
# Largest lag-1 correlation, which keeps the innovations' variance positive.
_MAX_RHO = 0.999
# Smallest eigenvalue of the innovations' covariance, relative to the largest
# eigenvalue of the codes' correlation matrix.
_MIN_INNOVATION = 1e-6


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


def var1_draws(
    shape: tuple[int, int],
    transition: np.ndarray,
    innovation: np.ndarray,
    start: np.ndarray,
    rng: np.random.RandomState,
) -> np.ndarray:
    """VAR(1) sequences ``(*shape, dim)`` along axis 1.

    ``u_0 = start @ e_0`` and ``u_j = transition @ u_{j-1} + innovation @ e_j``,
    with ``start`` and ``innovation`` lower Cholesky factors of the stationary
    and the innovations' covariance.

    Examples
    --------
    >>> import numpy as np
    >>> from sk_tsgen.latent_process import var1_draws
    >>> A, L = np.array([[0.0, 0.9], [0.0, 0.0]]), np.eye(2)
    >>> u = var1_draws((4000, 2), A, L, L, np.random.RandomState(0))
    >>> round(float(np.corrcoef(u[:, 1, 0], u[:, 0, 1])[0, 1]), 1)
    0.7
    """
    e = rng.standard_normal((*shape, len(transition)))
    u = np.empty_like(e)
    u[:, 0] = e[:, 0] @ start.T
    for j in range(1, shape[1]):
        u[:, j] = u[:, j - 1] @ transition.T + e[:, j] @ innovation.T
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
    """Density of sequences of latent codes: seasonal mean and scale, VAR(1) link.

    Latent step ``j`` of a sequence has mean ``m(theta_j)`` and variance
    ``v(theta_j)``, both trigonometric polynomials (with constant term) of the
    time-of-year angle ``theta_j``, or constants without angles. The
    standardised codes ``u_j = (z_j - m) / sqrt(v)`` form a stationary Gaussian
    VAR(1) process, ``u_j = A u_{j-1} + e_j``: every latent dimension of step
    ``j`` depends on every dimension of step ``j - 1``, and the dimensions of
    one step are correlated with each other. Both are what a decoder needs to
    join neighbouring latent steps as real series join: with independent
    dimensions (a diagonal AR(1)) the codes of two neighbouring steps can each
    be typical and still disagree about the series at their shared boundary.

    :meth:`fit` estimates the mean and variance by least squares from
    posterior means and variances of training sequences (moments of the
    aggregate posterior), and the correlation ``R0`` of the codes within a step
    and ``R1`` between neighbouring steps from the standardised posterior
    means; ``A = R1 R0^-1`` and the innovations' covariance
    ``R0 - A R1^T`` follow from the Yule-Walker equations. :meth:`sample` draws
    sequences of any length.

    Parameters
    ----------
    degree : int, default=3
        Highest harmonic of the year.

    Attributes
    ----------
    mean_coef_, var_coef_ : ndarray of shape (n_features, latent_dim)
        Coefficients of the mean and of the variance on the seasonal features.
    correlation_ : ndarray of shape (latent_dim, latent_dim)
        ``R0``, the correlation of the standardised codes within one step.
    transition_ : ndarray of shape (latent_dim, latent_dim)
        ``A``, the VAR(1) transition of the standardised codes.
    rho_ : ndarray of shape (latent_dim,)
        Lag-1 correlation of each standardised latent dimension with itself.

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

    def _features(self, angle, shape, conditions=None) -> np.ndarray:
        F = seasonal_features(angle, self.degree, shape)
        if conditions is None:
            return F
        conditions = np.asarray(conditions, dtype=np.float64)[:, None, :]
        C = np.broadcast_to(conditions, (*F.shape[:-1], conditions.shape[-1]))
        return np.concatenate([F, C], -1)

    def fit(
        self,
        mean: np.ndarray,
        var: np.ndarray,
        angle: np.ndarray | None = None,
        conditions: np.ndarray | None = None,
    ) -> SeasonalLatentProcess:
        """Fit to posterior means and variances ``(n, steps, latent_dim)``.

        ``angle`` ``(n, steps)`` holds the time-of-year angle of every step,
        or is None for a process without season. ``conditions`` ``(n, d)``
        holds the encoded condition of every sequence, on which the mean and
        the variance then depend linearly too (per label, for one-hot labels).
        """
        n, steps, dim = mean.shape
        F = self._features(angle, (n, steps), conditions).reshape(n * steps, -1)
        flat = mean.reshape(n * steps, dim).astype(np.float64)
        self.mean_coef_ = np.linalg.lstsq(F, flat, rcond=None)[0]
        resid = mean - (F @ self.mean_coef_).reshape(mean.shape)
        # E_q[(z - m)^2] = (mu - m)^2 + sigma^2, the aggregate posterior's spread
        second = (resid**2 + var).reshape(n * steps, dim)
        self.var_coef_ = np.linalg.lstsq(F, second, rcond=None)[0]
        self._var_floor = _VARIANCE_FLOOR * second.mean(0)
        u = resid / np.sqrt(self._variance(F).reshape(mean.shape))
        flat_u = u.reshape(n * steps, dim)
        scale = np.sqrt(np.maximum((flat_u**2).mean(0), 1e-12))
        R0 = flat_u.T @ flat_u / len(flat_u) / np.outer(scale, scale)
        if steps > 1:
            now = u[:, 1:].reshape(-1, dim) / scale
            before = u[:, :-1].reshape(-1, dim) / scale
            R1 = now.T @ before / len(now)
        else:
            R1 = np.zeros((dim, dim))
        self._set_link(R0, R1)
        return self

    def _set_link(self, R0: np.ndarray, R1: np.ndarray) -> None:
        """``correlation_``, ``transition_`` and the Cholesky factors that
        :meth:`sample` uses, from the within-step and lag-1 correlations."""
        dim = len(R0)
        floor = _MIN_INNOVATION * max(float(np.linalg.eigvalsh(R0).max()), 1.0)
        R0 = _nearest_positive(R0, floor)
        A = np.linalg.solve(R0, R1.T).T
        radius = float(np.abs(np.linalg.eigvals(A)).max()) if dim else 0.0
        if radius > _MAX_RHO:  # keep the process stationary
            A *= _MAX_RHO / radius
        self.correlation_ = R0
        self.transition_ = A
        self.rho_ = np.clip(np.diag(R1).copy(), -_MAX_RHO, _MAX_RHO)
        self._start_chol = np.linalg.cholesky(R0)
        self._innovation_chol = np.linalg.cholesky(
            _nearest_positive(R0 - A @ R0 @ A.T, floor)
        )

    def _variance(self, F: np.ndarray) -> np.ndarray:
        return np.maximum(F @ self.var_coef_, self._var_floor)

    def sample(
        self,
        angle: np.ndarray | None,
        rng: np.random.RandomState,
        shape=None,
        conditions: np.ndarray | None = None,
    ) -> np.ndarray:
        """Draw sequences of codes ``(n, steps, latent_dim)``.

        ``angle`` ``(n, steps)`` gives the season of every step; without it,
        ``shape = (n, steps)`` gives the size. ``conditions`` ``(n, d)`` are
        the encoded conditions of the sequences, for a process fitted with them.
        """
        shape = np.shape(angle) if angle is not None else tuple(shape)
        if hasattr(self, "transition_"):
            u = var1_draws(
                shape, self.transition_, self._innovation_chol, self._start_chol, rng
            )
        else:  # saved by sk_tsgen 0.1, whose process had a diagonal AR(1) link
            u = ar1_draws(shape, self.rho_, rng)
        F = self._features(angle, shape, conditions)
        return F @ self.mean_coef_ + np.sqrt(self._variance(F)) * u


def _nearest_positive(S: np.ndarray, floor: float) -> np.ndarray:
    """The symmetric matrix ``S`` with its eigenvalues raised to ``floor``."""
    values, vectors = np.linalg.eigh((S + S.T) / 2)
    return (vectors * np.maximum(values, floor)) @ vectors.T
