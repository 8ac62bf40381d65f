"""Anomaly scores for every time point of one long series, from window scores."""

from __future__ import annotations

from numbers import Integral, Real

import numpy as np
import pandas as pd
from numpy.lib.stride_tricks import sliding_window_view
from numpy.typing import ArrayLike
from sklearn.base import BaseEstimator, OutlierMixin
from sklearn.utils import get_tags
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions
from sklearn.utils.validation import check_is_fitted, validate_data

from ._validation import FLOAT_DTYPES, _ndim
from .base import (
    clone_or_default,
    fit_atomically,
    labels_from_decision,
    nan_to_neg_inf,
    offset_from_scores,
)
from .long_series import check_datetime_series


def window_starts(n_timesteps: int, window_length: int, step: int) -> np.ndarray:
    """First steps of sliding windows that cover every step of a series.

    Windows start every ``step`` steps; when ``step`` does not divide the
    series, one more window ends on its last step.

    Examples
    --------
    >>> from sk_tsgen.anomaly import window_starts
    >>> window_starts(10, window_length=4, step=3)
    array([0, 3, 6])
    >>> window_starts(11, window_length=4, step=3)
    array([0, 3, 6, 7])
    """
    last = n_timesteps - window_length
    starts = np.arange(0, last + 1, step)
    if starts[-1] != last:
        starts = np.append(starts, last)
    return starts


def window_scores_to_points(
    window_scores: ArrayLike, starts: ArrayLike, window_length: int, n_timesteps: int
) -> np.ndarray:
    """Score every time point by the windows that cover it.

    A window's score (a log-density of the whole window, say) is spread evenly
    over its ``window_length`` steps; a time point's score is the mean of
    these per-step shares over the windows that contain it.

    Parameters
    ----------
    window_scores : array-like of shape (n_windows,)
        One score per window.
    starts : array-like of int, of shape (n_windows,)
        First step of every window.
    window_length : int
        Steps per window.
    n_timesteps : int
        Length of the series; every step must lie in some window.

    Returns
    -------
    point_scores : ndarray of shape (n_timesteps,)
        A window's score reaches only the points inside it: a window scored
        ``-inf`` (or NaN, taken as ``-inf``) makes its own points ``-inf`` and
        leaves every other point as it was.

    Examples
    --------
    >>> from sk_tsgen.anomaly import window_scores_to_points
    >>> window_scores_to_points([-2.0, -6.0], [0, 1], window_length=2, n_timesteps=3)
    array([-1., -2., -3.])
    >>> window_scores_to_points([-1.0, float("-inf"), -1.0], [0, 1, 2], 2, 4)
    array([-0.5, -inf, -inf, -0.5])
    """
    scores = nan_to_neg_inf(np.asarray(window_scores, dtype=np.float64) / window_length)
    starts = np.asarray(starts, dtype=np.intp)
    # One pass per position in the window, adding each window's share to the
    # points it covers: exact, unlike a running sum, in which one huge or
    # infinite score would reach every later point.
    total = np.zeros(n_timesteps)
    count = np.zeros(n_timesteps)
    for offset in range(window_length):
        np.add.at(total, starts + offset, scores)
        np.add.at(count, starts + offset, 1.0)
    if np.any(count == 0):
        raise ValueError("Some time points lie in no window.")
    return total / count


class WindowAnomalyDetector(OutlierMixin, BaseEstimator):
    """Anomalous time points of one long series, from sliding-window scores.

    ``fit`` cuts the series into sliding windows of ``window_length`` steps and
    fits the estimator on them, as a set of short series; ``score_samples``
    scores the windows of a series with the estimator's ``score_samples`` and
    gives every time point the mean, over the windows that cover it, of their
    score per step. With an sk_tsgen VAE the window score is the ELBO, a lower
    bound on ``log p(window)`` in the data's units, so a point's score is a
    log-density per step: it has the same meaning on any series, and a drop of
    1 means the data around that point became ``e`` times less likely under the
    model.

    In the scikit-learn view every time point is a sample and every channel a
    feature; unlike a plain outlier detector, a point's score depends on its
    neighbours within ``window_length - 1`` steps.

    Parameters
    ----------
    estimator : estimator or None, default=None
        What scores the windows: an sk_tsgen generator, which receives them as
        a 3-D array ``(n_windows, n_channels, window_length)``, or any
        scikit-learn outlier detector with ``score_samples`` (higher = more
        normal), such as :class:`~sklearn.ensemble.IsolationForest`, which
        receives them flattened to ``(n_windows, n_channels * window_length)``.
        None uses :class:`sk_tsgen.DenseVAE` with its defaults. It is cloned in
        ``fit``.
    window_length : int, default=24
        Steps per window: long enough to hold the pattern that makes a stretch
        normal (a day of hourly data, a heartbeat).
    step : int, default=1
        Steps between the starts of consecutive windows, in ``fit`` and in
        scoring. 1 gives every point the most windows; a larger step is faster.
        A last window always ends on the last step.
    contamination : "auto" or float in (0, 0.5], default="auto"
        Sets ``offset_``, the threshold of :meth:`predict`: with a float, that
        fraction of the training time points is labelled anomalous; with
        ``"auto"``, the lower Tukey fence of their scores (first quartile minus
        1.5 interquartile ranges).

    Attributes
    ----------
    estimator_ : estimator
        The estimator fitted on the training windows.
    offset_ : float
        Threshold on the point scores: below it a point is anomalous.
    n_features_in_ : int
        Channels of the training series.
    feature_names_in_ : ndarray of str
        Channel names, when the training series was a DataFrame with string
        column names.

    See Also
    --------
    sk_tsgen.sktime.WindowDetector : The same detector as an sktime detector.

    Examples
    --------
    >>> import numpy as np
    >>> from sk_tsgen import DenseVAE
    >>> from sk_tsgen.anomaly import WindowAnomalyDetector
    >>> t = np.arange(2000)
    >>> series = np.sin(2 * np.pi * t / 24) + 0.1 * np.random.RandomState(0).randn(2000)
    >>> detector = WindowAnomalyDetector(
    ...     DenseVAE(latent_dim=4, max_epochs=20, random_state=0), window_length=24
    ... ).fit(series)
    >>> test = series[:480].copy()
    >>> test[300] += 3.0  # a spike
    >>> scores = detector.score_samples(test)
    >>> scores.shape
    (480,)
    >>> bool(scores[300] < np.percentile(scores[:270], 1))
    True
    >>> int(np.argmin(scores)) in range(277, 324)
    True
    """

    _parameter_constraints: dict = {
        "estimator": [HasMethods(["fit", "score_samples"]), None],
        "window_length": [Interval(Integral, 1, None, closed="left")],
        "step": [Interval(Integral, 1, None, closed="left")],
        "contamination": [StrOptions({"auto"}), Interval(Real, 0, 0.5, closed="right")],
    }

    def __init__(
        self,
        estimator=None,
        *,
        window_length: int = 24,
        step: int = 1,
        contamination: str | float = "auto",
    ):
        self.estimator = estimator
        self.window_length = window_length
        self.step = step
        self.contamination = contamination

    # ------------------------------------------------------------ plumbing
    def _check_series(self, X, *, reset: bool) -> np.ndarray:
        """The series as a float array ``(n_timesteps, n_channels)``."""
        name = type(self).__name__
        if isinstance(X, pd.Series | pd.DataFrame) and isinstance(
            X.index, pd.DatetimeIndex
        ):
            check_datetime_series(X)  # a regular grid, or a clear error
        ndim = _ndim(X)
        if ndim == 1 and not reset and self.n_features_in_ > 1:
            raise ValueError(
                f"X is 1-D (one channel), but {name} was fitted on "
                f"{self.n_features_in_} channels. Reshape your data to "
                f"(n_timesteps, {self.n_features_in_})."
            )
        if ndim == 1:
            X = X.to_frame() if isinstance(X, pd.Series) else np.reshape(X, (-1, 1))
        elif ndim > 2:
            raise ValueError(
                f"X has {ndim} dimensions; {name} takes one long series of shape "
                "(n_timesteps,) or (n_timesteps, n_channels). To score a set of "
                "short series, use the score_samples of a generator."
            )
        values = validate_data(self, X, reset=reset, dtype=FLOAT_DTYPES)
        n_timesteps = values.shape[0]
        if n_timesteps < self.window_length:
            raise ValueError(
                f"X has {n_timesteps} time points (n_samples={n_timesteps}), fewer "
                f"than window_length={self.window_length}: {name} needs at least "
                "one whole window."
            )
        return values

    def _windows(self, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        starts = window_starts(len(values), self.window_length, self.step)
        # (n - L + 1, channels, L): every window as a short series
        windows = sliding_window_view(values, self.window_length, axis=0)[starts]
        if not get_tags(self.estimator_).input_tags.three_d_array:
            windows = windows.reshape(len(windows), -1)
        return np.ascontiguousarray(windows), starts

    def _point_scores(self, values: np.ndarray) -> np.ndarray:
        windows, starts = self._windows(values)
        window_scores = self.estimator_.score_samples(windows)
        return window_scores_to_points(
            window_scores, starts, self.window_length, len(values)
        )

    # ---------------------------------------------------------- public API
    def fit(self, X: ArrayLike, y: None = None) -> WindowAnomalyDetector:
        """Fit the estimator on the sliding windows of a long series.

        Parameters
        ----------
        X : array-like of shape (n_timesteps,) or (n_timesteps, n_channels), \
                pandas Series or DataFrame
            One long series; a DataFrame holds one column per channel. A
            DatetimeIndex must be regular.
        y : None
            Ignored; present for API consistency.

        Returns
        -------
        self : object
            The fitted detector.
        """
        with fit_atomically(self):
            self._validate_params()
            if self.step > self.window_length:
                raise ValueError(
                    f"step={self.step} is larger than window_length="
                    f"{self.window_length}: the time points between two windows "
                    "would lie in none. Use a step of at most window_length."
                )
            self.estimator_ = clone_or_default(
                self.estimator, owner="WindowAnomalyDetector"
            )
            values = self._check_series(X, reset=True)
            windows, _ = self._windows(values)
            self.estimator_.fit(windows)
            train_scores = self._point_scores(values)
            self.offset_ = offset_from_scores(train_scores, self.contamination)
        return self

    def score_samples(self, X: ArrayLike) -> np.ndarray:
        """Score every time point of a series (higher = more normal).

        Parameters
        ----------
        X : array-like of shape (n_timesteps,) or (n_timesteps, n_channels), \
                pandas Series or DataFrame
            One long series with the channels seen in ``fit`` and at least
            ``window_length`` time points.

        Returns
        -------
        scores : ndarray of shape (n_timesteps,)
            The mean per-step score of the windows around each point.
        """
        check_is_fitted(self)
        return self._point_scores(self._check_series(X, reset=False))

    def decision_function(self, X: ArrayLike) -> np.ndarray:
        """``score_samples(X) - offset_``: negative at anomalous time points.

        Parameters
        ----------
        X : array-like of shape (n_timesteps,) or (n_timesteps, n_channels)
            One long series.

        Returns
        -------
        scores : ndarray of shape (n_timesteps,)
        """
        return self.score_samples(X) - self.offset_

    def predict(self, X: ArrayLike) -> np.ndarray:
        """Label every time point +1 (normal) or -1 (anomalous).

        Parameters
        ----------
        X : array-like of shape (n_timesteps,) or (n_timesteps, n_channels)
            One long series.

        Returns
        -------
        labels : ndarray of shape (n_timesteps,)
        """
        return labels_from_decision(self.decision_function(X))
