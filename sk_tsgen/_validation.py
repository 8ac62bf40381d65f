"""Input checks and the layouts that series come in and go out in.

Every public method of a generator sends its input through :func:`check_series`,
which returns a float array of shape ``(n_series, n_channels, n_timesteps)`` or
raises an error that names the problem. Outputs go back through
:func:`restore_layout`, so a user who fitted on a 2-D array, a 3-D array or a
DataFrame gets series back in that same layout.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.utils.validation import check_array, validate_data

FLOAT_DTYPES = (np.float64, np.float32)
# What a ``random_state`` argument may be, as in scikit-learn.
RandomStateLike = int | np.random.RandomState | None


def _ndim(X) -> int:
    """Number of dimensions of an array-like without converting its values."""
    ndim = getattr(X, "ndim", None)
    if ndim is not None:
        return int(ndim)
    try:
        return np.asarray(X).ndim
    except ValueError as exc:  # ragged nested lists
        raise ValueError(
            "X must hold series of equal length and equal number of channels; "
            f"it could not be read as an array: {exc}"
        ) from None


def sktime_panel_kind(X) -> str | None:
    """The sktime panel format of ``X``: ``"pd-multiindex"``, ``"nested_univ"``
    or None for anything else.

    Examples
    --------
    >>> import pandas as pd
    >>> from sk_tsgen._validation import sktime_panel_kind
    >>> index = pd.MultiIndex.from_product([[0, 1], range(3)])
    >>> sktime_panel_kind(pd.DataFrame({"a": range(6)}, index=index))
    'pd-multiindex'
    >>> sktime_panel_kind(pd.DataFrame({"a": [pd.Series([1.0, 2.0])]}))
    'nested_univ'
    """
    if not isinstance(X, pd.DataFrame):
        return None
    if isinstance(X.index, pd.MultiIndex):
        return "pd-multiindex"
    if len(X) and len(X.columns) and X.dtypes.map(lambda d: d.kind == "O").all():
        first = X.iloc[0, 0]
        if isinstance(first, pd.Series | np.ndarray | list):
            return "nested_univ"
    return None


_PANEL_HINT = (
    "Pass equal-length series, for instance as a 3-D array from sktime's "
    "convert_to(X, to_type='numpy3D'), after padding or resampling them to one "
    "length."
)


def panel_to_numpy3d(X, name: str = "the model") -> np.ndarray | pd.DataFrame:
    """An sktime panel (``pd-multiindex`` or ``nested_univ``) as a 3-D array
    ``(n_instances, n_channels, n_timesteps)``; anything else unchanged.

    In ``pd-multiindex`` the first index level names the instance and the last
    the time point, and every column is a channel. Raises a ValueError that
    names the format when the series differ in length or the index has more
    than two levels.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from sk_tsgen._validation import panel_to_numpy3d
    >>> index = pd.MultiIndex.from_product([[0, 1], range(3)])
    >>> panel = pd.DataFrame({"a": np.arange(6.0), "b": -np.arange(6.0)}, index=index)
    >>> panel_to_numpy3d(panel).shape
    (2, 2, 3)
    """
    kind = sktime_panel_kind(X)
    if kind == "pd-multiindex":
        if X.index.nlevels != 2:
            raise ValueError(
                f"X is a DataFrame with a {X.index.nlevels}-level MultiIndex; "
                f"{name} reads sktime's pd-multiindex panels, whose index has two "
                "levels (instance, time point). Drop or merge the extra levels."
            )
        groups = [g.to_numpy() for _, g in X.groupby(level=0, sort=False)]
        lengths = {len(g) for g in groups}
        if len(lengths) > 1:
            raise ValueError(
                f"X is an sktime pd-multiindex panel of unequal-length series "
                f"({min(lengths)} to {max(lengths)} time points); {name} needs "
                f"series of one length. {_PANEL_HINT}"
            )
        return _panel_values(np.stack(groups).transpose(0, 2, 1), kind, name)
    if kind == "nested_univ":
        rows = []
        for _, row in X.iterrows():
            cells = [np.asarray(cell, dtype=object).ravel() for cell in row]
            lengths = {len(cell) for cell in cells}
            if len(lengths) > 1 or (rows and len(cells[0]) != rows[0].shape[1]):
                raise ValueError(
                    "X is an sktime nested_univ panel whose series differ in "
                    f"length; {name} needs series of one length. {_PANEL_HINT}"
                )
            rows.append(np.stack(cells))
        return _panel_values(np.stack(rows), kind, name)
    return X


def _panel_values(values: np.ndarray, kind: str, name: str) -> np.ndarray:
    try:
        return values.astype(np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(
            f"X is an sktime {kind} panel whose values are not numbers ({exc}); "
            f"{name} needs numeric series."
        ) from None


def check_series(
    estimator, X, *, reset: bool, allow_nan: bool | None = None
) -> np.ndarray:
    """Validate ``X`` and return it as a float array ``(n, channels, timesteps)``.

    Parameters
    ----------
    estimator : estimator
        The generator; with ``reset=True`` its input attributes are set
        (``n_channels_``, ``n_timesteps_``, ``n_features_in_`` and, for a
        DataFrame with string columns, ``feature_names_in_``), otherwise ``X`` is
        checked against them.
    X : array-like of shape (n_series, n_timesteps) or \
            (n_series, n_channels, n_timesteps), or DataFrame
        The series.
    reset : bool
        Whether this call is ``fit``.
    allow_nan : bool or None, default=None
        Whether NaN (missing values) may appear; None reads the model's
        ``_allow_nan``.

    Returns
    -------
    X3 : ndarray of shape (n_series, n_channels, n_timesteps)
        The series as float32 or float64.

    A model whose class sets ``_allow_nan = True`` accepts NaN (missing
    values, never infinity), but not a series without any observed value.

    A model whose class sets ``_free_length = True`` accepts, after ``fit``,
    3-D series of any length that its ``_check_n_timesteps`` allows; in a 2-D
    input the columns stay features, whose number is fixed by ``fit``.
    """
    name = type(estimator).__name__
    if allow_nan is None:
        allow_nan = getattr(estimator, "_allow_nan", False)
    finite = "allow-nan" if allow_nan else True
    X = panel_to_numpy3d(X, name)
    ndim = _ndim(X)
    if ndim == 3:
        X3 = check_array(
            X,
            allow_nd=True,
            dtype=FLOAT_DTYPES,
            input_name="X",
            ensure_all_finite=finite,
        )
        n_channels, n_timesteps = X3.shape[1:]
        if n_channels < 1:
            raise ValueError(f"X has 0 channels; {name} needs at least one channel.")
        if n_timesteps < 1:
            raise ValueError(f"X has 0 timesteps; {name} needs at least one.")
        if reset:
            estimator.n_channels_ = n_channels
            estimator.n_timesteps_ = n_timesteps
            estimator.n_features_in_ = n_channels * n_timesteps
            if hasattr(estimator, "feature_names_in_"):
                del estimator.feature_names_in_
            estimator._layout = ("array3d", None)
        else:
            _check_fitted_shape(estimator, n_channels, n_timesteps)
    elif ndim > 3:
        raise ValueError(
            f"X has {ndim} dimensions; {name} expects 2-D (n_series, n_timesteps) "
            "or 3-D (n_series, n_channels, n_timesteps) input."
        )
    else:
        if not reset and ndim == 2 and estimator.n_channels_ > 1:
            raise ValueError(
                f"X is 2-D, but {name} was fitted on {estimator.n_channels_} "
                "channels: pass a 3-D array of shape "
                f"(n_series, {estimator.n_channels_}, {estimator.n_timesteps_})."
            )
        try:
            X2 = validate_data(
                estimator,
                X,
                reset=reset,
                dtype=FLOAT_DTYPES,
                ensure_all_finite=finite,
            )
        except ValueError as exc:
            if _free_length(estimator) and "features, but" in str(exc):
                raise ValueError(
                    f"{exc} In a 2-D input the columns are the features; "
                    f"{name} takes series of other lengths as a 3-D array "
                    "(n_series, n_channels, n_timesteps) or a pandas Series."
                ) from None
            raise
        X3 = X2[:, np.newaxis, :]
        if reset:
            estimator.n_channels_ = 1
            estimator.n_timesteps_ = X2.shape[1]
            if isinstance(X, pd.DataFrame):
                estimator._layout = ("frame", X.columns)
            else:
                estimator._layout = ("array2d", None)
    estimator._check_n_timesteps(X3.shape[2])
    if finite != True:  # noqa: E712
        # by chunks of series: a mask of a large memmap is never whole
        empty = np.flatnonzero(
            np.concatenate(
                [np.isnan(X3[rows]).all(axis=(1, 2)) for rows in row_chunks(X3)]
            )
        )
        if empty.size:
            raise ValueError(
                f"X holds {empty.size} series with no observed value (the first "
                f"at row {empty[0]}); {name} needs at least one value per series."
            )
    return X3


# Values per chunk when a large array is checked or scaled (8 MB of float64).
CHUNK_VALUES = 2**20


def row_chunks(X: np.ndarray):
    """Slices of the first axis of ``X``, each of about ``CHUNK_VALUES``
    values (at least one row, and one empty slice for an empty ``X``).

    Examples
    --------
    >>> import numpy as np
    >>> from sk_tsgen._validation import row_chunks
    >>> list(row_chunks(np.zeros((3, 2))))
    [slice(0, 524288, None)]
    """
    per_row = max(1, int(np.prod(X.shape[1:])))
    step = max(1, CHUNK_VALUES // per_row)
    for start in range(0, max(len(X), 1), step):
        yield slice(start, start + step)


def has_nan(X) -> bool:
    """Whether ``X`` holds a NaN, checked a chunk of rows at a time (no mask
    of a large array is made whole).

    Examples
    --------
    >>> import numpy as np
    >>> from sk_tsgen._validation import has_nan
    >>> has_nan(np.array([[1.0, np.nan]])), has_nan(np.zeros((2, 3)))
    (True, False)
    """
    return any(np.isnan(X[rows]).any() for rows in row_chunks(X))


def _free_length(estimator) -> bool:
    """Whether the model takes series of other lengths than it was fitted on."""
    return getattr(estimator, "_free_length", False)


def _check_fitted_shape(estimator, n_channels: int, n_timesteps: int) -> None:
    name = type(estimator).__name__
    if n_channels != estimator.n_channels_:
        raise ValueError(
            f"X has {n_channels} channels, but {name} is expecting "
            f"{estimator.n_channels_} channels as input."
        )
    if n_timesteps != estimator.n_timesteps_ and not _free_length(estimator):
        raise ValueError(
            f"X has {n_timesteps} timesteps, but {name} is expecting "
            f"{estimator.n_timesteps_} timesteps as input."
        )


def restore_layout(estimator, X3: np.ndarray):
    """Return series ``(n, channels, timesteps)`` in the layout seen by ``fit``."""
    kind, columns = estimator._layout
    if kind == "array3d":
        return X3
    X2 = X3[:, 0, :]
    if kind == "frame":
        return pd.DataFrame(X2, columns=columns)
    return X2


def check_n_samples(n_samples) -> int:
    """Validate the ``n_samples`` argument of ``sample``."""
    if isinstance(n_samples, bool) or not isinstance(n_samples, (int, np.integer)):
        raise TypeError(f"n_samples must be an int, got {type(n_samples).__name__}.")
    if n_samples < 1:
        raise ValueError(f"n_samples must be at least 1, got {n_samples}.")
    return int(n_samples)


def check_positive_ints(
    value, name: str, *, odd: bool = False, allow_empty: bool = False
) -> list[int]:
    """``value`` (an int or a sequence of ints) as a list of positive ints.

    Raises a ValueError that names the parameter otherwise; ``odd`` also asks
    for odd values, ``allow_empty`` accepts an empty sequence.
    """
    values = np.atleast_1d(np.asarray(value))
    if allow_empty and values.size == 0:
        return []
    if (
        values.size == 0
        or values.ndim != 1
        or not np.issubdtype(values.dtype, np.integer)
        or (values < 1).any()
        or (odd and (values % 2 == 0).any())
    ):
        kind = "odd positive ints" if odd else "positive ints"
        raise ValueError(f"{name} must be a sequence of {kind}, got {value!r}.")
    return [int(v) for v in values]
