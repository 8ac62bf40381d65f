"""Missing values of series filled by a generator, as a scikit-learn transformer."""

from __future__ import annotations

from numbers import Integral

import numpy as np
import pandas as pd
from numpy.lib.stride_tricks import sliding_window_view
from numpy.typing import ArrayLike
from sklearn.base import BaseEstimator, OneToOneFeatureMixin, TransformerMixin
from sklearn.utils import check_random_state, get_tags
from sklearn.utils._param_validation import HasMethods, Interval
from sklearn.utils.validation import check_is_fitted

from ._imputation import fill_gaps_linearly, in_input_layout
from ._validation import _ndim, check_series, sktime_panel_kind
from .anomaly import window_starts
from .base import clone_or_default, fit_atomically
from .long_series import check_datetime_series

# Steps per window cut from a long series when ``window_length`` is None.
DEFAULT_LONG_WINDOW = 48
_MAX_SEED = 2**31 - 1


def _is_long_series(X) -> bool:
    """A pandas Series, a DataFrame on a DatetimeIndex, or a 1-D array: one
    long series, with time along its rows."""
    if isinstance(X, pd.Series):
        return True
    if isinstance(X, pd.DataFrame):
        return isinstance(X.index, pd.DatetimeIndex)
    return _ndim(X) == 1


class GenerativeImputer(OneToOneFeatureMixin, TransformerMixin, BaseEstimator):
    """Fill the missing values of series with a generator's imputations.

    ``fit`` trains a generator on the series (cut into windows of
    ``window_length`` steps); ``transform`` fills every NaN with the mean of
    ``n_imputations`` draws of the missing values given the observed ones
    (the generator's :meth:`~sk_tsgen.base.BaseGenerator.impute`). Where
    windows overlap, their imputations of a step are averaged. Observed values
    are kept exactly. It stands where :class:`~sklearn.impute.IterativeImputer`
    does in a Pipeline, for series rather than tables.

    It reads two kinds of input:

    - **a panel** of series, as every sk_tsgen generator does: a 2-D array
      or DataFrame ``(n_series, n_timesteps)`` (scikit-learn's samples and
      features), a 3-D array ``(n_series, n_channels, n_timesteps)`` or an
      sktime panel. With ``window_length`` None the generator sees whole
      series.
    - **one long series**: a pandas Series or DataFrame on a regular
      DatetimeIndex (one column per channel), or a 1-D array.

    The imputations assume the values are missing at random: whether a value
    is missing may depend on what is observed, not on the missing value
    itself. A stretch that no window with an observed value covers (a gap
    longer than ``window_length``) is interpolated linearly instead.

    Parameters
    ----------
    generator : sk_tsgen generator or None, default=None
        The model of the series, cloned in ``fit``. None uses
        :class:`sk_tsgen.DenseVAE` with its defaults. A generator that trains
        on missing values (its ``allow_nan`` tag; every sk_tsgen generator
        does) is fitted on every window; any other on the windows without a
        gap.
    window_length : int or None, default=None
        Steps per window. None: the whole series of a panel, and
        ``min(48, length)`` steps of a long series.
    step : int or None, default=None
        Steps between the starts of consecutive windows; None is half a
        window. A last window always ends on the last step.
    n_imputations : int, default=8
        Draws averaged into each imputed value.
    random_state : int, RandomState instance or None, default=None
        Seed of the draws, and of the generator's training when the generator
        has ``random_state=None``; an int makes ``fit`` and ``transform``
        repeatable.

    Attributes
    ----------
    generator_ : sk_tsgen generator
        The generator fitted on the windows.
    window_length_ : int
        Steps per window.
    step_ : int
        Steps between window starts.
    n_features_in_ : int
        Features of a panel (``n_channels * n_timesteps``), or channels of a
        long series.
    feature_names_in_ : ndarray of str
        Column names, when ``fit`` saw a DataFrame with string column names.

    See Also
    --------
    sk_tsgen.base.BaseGenerator.impute : Several imputations, not their mean.

    Examples
    --------
    >>> import numpy as np
    >>> from sk_tsgen import DenseVAE
    >>> from sk_tsgen.datasets import make_sines
    >>> from sk_tsgen.impute import GenerativeImputer
    >>> X = make_sines(200, n_timesteps=24, n_channels=1, random_state=0)[:, 0, :]
    >>> gappy = X.copy()
    >>> gappy[np.random.RandomState(0).uniform(size=X.shape) < 0.2] = np.nan
    >>> imputer = GenerativeImputer(DenseVAE(max_epochs=20), random_state=0)
    >>> filled = imputer.fit_transform(gappy)
    >>> filled.shape, bool(np.isnan(filled).any())
    ((200, 24), False)
    >>> bool(np.all(filled[~np.isnan(gappy)] == gappy[~np.isnan(gappy)]))
    True
    """

    _parameter_constraints: dict = {
        "generator": [HasMethods(["fit", "impute"]), None],
        "window_length": [Interval(Integral, 1, None, closed="left"), None],
        "step": [Interval(Integral, 1, None, closed="left"), None],
        "n_imputations": [Interval(Integral, 1, None, closed="left")],
        "random_state": ["random_state"],
    }

    def __init__(
        self,
        generator=None,
        *,
        window_length: int | None = None,
        step: int | None = None,
        n_imputations: int = 8,
        random_state=None,
    ):
        self.generator = generator
        self.window_length = window_length
        self.step = step
        self.n_imputations = n_imputations
        self.random_state = random_state

    # ------------------------------------------------------------ plumbing
    def _check_n_timesteps(self, n_timesteps: int) -> None:
        """Any length will do (``check_series`` asks)."""

    def _read(self, X, *, reset: bool) -> np.ndarray:
        """``X`` as series ``(n, channels, timesteps)``, NaN allowed."""
        name = type(self).__name__
        long = _is_long_series(X)
        if not reset and long != self._long_series:
            if self._long_series:
                raise ValueError(
                    f"{name} was fitted on one long series; X is a panel of "
                    "series. Pass one long series, as in fit."
                )
            raise ValueError(
                f"{name} was fitted on a panel of series; X is one long series "
                "(1-D, or on a DatetimeIndex). Reshape your data to "
                "(n_series, n_timesteps) or (n_series, n_channels, n_timesteps)."
            )
        if not long:
            return check_series(self, X, reset=reset, allow_nan=True)
        if isinstance(X, pd.Series | pd.DataFrame):
            values, _, _ = check_datetime_series(X)  # a regular grid, or an error
            columns = X.columns if isinstance(X, pd.DataFrame) else None
        else:
            values, columns = np.asarray(X), None
        try:
            values = np.asarray(values, dtype=np.float64)
        except (TypeError, ValueError) as exc:
            raise ValueError(f"{name} needs numeric series: {exc}") from None
        values = values.reshape(-1, values.shape[-1])
        if np.isinf(values).any():
            raise ValueError("Input X contains infinity; missing values are NaN.")
        if np.isnan(values).all(axis=1).any():
            raise ValueError(
                "X has a channel with no observed value; "
                f"{name} needs at least one value per channel."
            )
        if reset:
            self.n_features_in_ = len(values)
            if columns is not None and all(isinstance(c, str) for c in columns):
                self.feature_names_in_ = np.asarray(columns, dtype=object)
            elif hasattr(self, "feature_names_in_"):
                del self.feature_names_in_
        elif len(values) != self.n_features_in_:
            raise ValueError(
                f"X has {len(values)} channels, but {name} is expecting "
                f"{self.n_features_in_} channels as input."
            )
        return values[np.newaxis]

    def _windows(self, X3: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Windows ``(n_series * n_starts, channels, window_length)`` of every
        series, and the starts."""
        length = X3.shape[-1]
        if length < self.window_length_:
            raise ValueError(
                f"X has series of {length} steps, fewer than window_length="
                f"{self.window_length_}: {type(self).__name__} needs at least "
                "one whole window."
            )
        starts = window_starts(length, self.window_length_, self.step_)
        windows = sliding_window_view(X3, self.window_length_, axis=-1)[..., starts, :]
        # (n, channels, starts, length) -> (n * starts, channels, length)
        windows = windows.transpose(0, 2, 1, 3).reshape(
            -1, X3.shape[1], self.window_length_
        )
        return np.ascontiguousarray(windows), starts

    # ---------------------------------------------------------- public API
    def fit(self, X: ArrayLike, y: None = None) -> GenerativeImputer:
        """Fit the generator on the windows of ``X``.

        Parameters
        ----------
        X : array-like, DataFrame or Series
            A panel of series or one long series (see the class description),
            with missing values as NaN.
        y : None
            Ignored; present for API consistency.

        Returns
        -------
        self : object
            The fitted imputer.
        """
        with fit_atomically(self):
            self._validate_params()
            self._long_series = _is_long_series(X)
            X3 = self._read(X, reset=True)
            length = X3.shape[-1]
            if self.window_length is not None:
                self.window_length_ = self.window_length
            else:
                self.window_length_ = (
                    min(DEFAULT_LONG_WINDOW, length) if self._long_series else length
                )
            self.step_ = self.step or max(1, self.window_length_ // 2)
            if self.step_ > self.window_length_:
                raise ValueError(
                    f"step={self.step_} is larger than window_length="
                    f"{self.window_length_}: the steps between two windows would "
                    "lie in none. Use a step of at most window_length."
                )
            windows, _ = self._windows(X3)
            generator = clone_or_default(
                self.generator,
                methods=("fit", "impute"),
                owner=type(self).__name__,
                param="generator",
            )
            rng = check_random_state(self.random_state)
            if (
                self.random_state is not None
                and "random_state" in generator.get_params()
                and generator.get_params()["random_state"] is None
            ):
                generator.set_params(random_state=int(rng.randint(_MAX_SEED)))
            missing = np.isnan(windows)
            if get_tags(generator).input_tags.allow_nan:
                train = windows[~missing.all(axis=(1, 2))]
            else:
                train = windows[~missing.any(axis=(1, 2))]
                if len(train) == 0:
                    raise ValueError(
                        f"{type(generator).__name__} does not train on missing "
                        "values, and every window of X has a gap. Use a "
                        "generator that does (every sk_tsgen generator does) "
                        "or a shorter window_length."
                    )
            self.generator_ = generator.fit(train)
        return self

    def transform(self, X: ArrayLike) -> ArrayLike:
        """Fill the missing values of ``X``.

        Parameters
        ----------
        X : array-like, DataFrame or Series
            Series of the kind ``fit`` saw, with missing values as NaN.

        Returns
        -------
        X_filled : ndarray, DataFrame or Series
            ``X`` in its own layout, its observed values unchanged and its
            missing ones imputed.
        """
        check_is_fitted(self)
        X3 = self._read(X, reset=False)
        missing = np.isnan(X3)
        if missing.any():
            filled = self._impute(X3)
            X3 = np.where(missing, filled, X3).astype(X3.dtype, copy=False)
        return self._in_layout(X, X3)

    def _impute(self, X3: np.ndarray) -> np.ndarray:
        """The mean imputation of every step of ``X3``, from the windows."""
        return impute_by_windows(
            self.generator_,
            X3,
            window_length=self.window_length_,
            step=self.step_,
            n_imputations=self.n_imputations,
            random_state=check_random_state(self.random_state),
        )

    def _in_layout(self, X, X3: np.ndarray):
        if not self._long_series:
            if sktime_panel_kind(X) is not None or _ndim(X) != 2:
                return in_input_layout(X, X3)
            # samples and features, as scikit-learn's transformers: a frame
            # with the columns of fit when fit saw one, an array otherwise
            kind, columns = self._layout
            if kind != "frame":
                return X3[:, 0, :]
            index = X.index if isinstance(X, pd.DataFrame) else None
            return pd.DataFrame(X3[:, 0, :], index=index, columns=columns)
        values = X3[0]
        if isinstance(X, pd.Series):
            return pd.Series(values[0], index=X.index, name=X.name)
        if isinstance(X, pd.DataFrame):
            return pd.DataFrame(values.T, index=X.index, columns=X.columns)
        return values.reshape(np.asarray(X).shape)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        tags.input_tags.three_d_array = True
        return tags


def impute_by_windows(
    generator,
    X3: np.ndarray,
    *,
    window_length: int,
    step: int,
    n_imputations: int,
    random_state,
    conditions=None,
) -> np.ndarray:
    """The mean imputation of every step of series ``X3``, from their windows.

    Each series is cut into windows of ``window_length`` steps every ``step``
    steps (:func:`~sk_tsgen.anomaly.window_starts`); ``generator`` imputes
    every window with an observed value ``n_imputations`` times, and a step's
    imputation is the mean over its draws and the windows that cover it. A
    step in no such window is interpolated linearly.

    Parameters
    ----------
    generator : fitted sk_tsgen generator
        Fitted on windows of ``window_length`` steps.
    X3 : ndarray of shape (n_series, n_channels, n_timesteps)
        Series with NaN where a value is missing.
    window_length, step : int
    n_imputations : int
    random_state : int, RandomState instance or None
    conditions : array-like or None, default=None
        The generator's condition of every window, series by series
        (``n_series * n_windows`` of them), or None.

    Returns
    -------
    imputed : ndarray of the shape of ``X3``
        The imputation of every step, observed ones included (keep the
        observed values with ``np.where(np.isnan(X3), imputed, X3)``).
    """
    length = X3.shape[-1]
    if length < window_length:
        raise ValueError(
            f"X has series of {length} steps, fewer than window_length="
            f"{window_length}: imputing needs at least one whole window."
        )
    starts = window_starts(length, window_length, step)
    windows = sliding_window_view(X3, window_length, axis=-1)[..., starts, :]
    n_series, n_channels, _ = X3.shape
    # (n, channels, starts, length) -> (n * starts, channels, length)
    windows = windows.transpose(0, 2, 1, 3).reshape(-1, n_channels, window_length)
    usable = ~np.isnan(windows).all(axis=(1, 2))
    imputed = np.full(windows.shape, np.nan)
    if usable.any():
        y = None if conditions is None else conditions[usable]
        draws = generator.impute(
            np.ascontiguousarray(windows[usable]),
            y,
            n_imputations=n_imputations,
            random_state=random_state,
        )
        if n_imputations > 1:
            draws = np.mean(draws, axis=0)
        imputed[usable] = draws
    # per series, the overlapping windows' imputations of a step averaged
    imputed = imputed.reshape(n_series, len(starts), n_channels, -1)
    used = usable.reshape(n_series, len(starts))
    total = np.zeros(X3.shape)
    counts = np.zeros((n_series, 1, length))
    for k, start in enumerate(starts):
        steps = slice(start, start + window_length)
        total[used[:, k], :, steps] += imputed[used[:, k], k]
        counts[used[:, k], :, steps] += 1
    covered = counts > 0
    mean = np.divide(total, counts, out=np.zeros_like(total), where=covered)
    if covered.all():
        return mean
    # a step in no window with an observed value: a linear interpolation
    known = np.broadcast_to(covered, X3.shape) | ~np.isnan(X3)
    return fill_gaps_linearly(np.where(covered, mean, np.nan_to_num(X3)), known)


__all__ = ["GenerativeImputer", "impute_by_windows"]
