"""What every generator's ``impute`` shares: a first guess of the missing
values, the check of ``n_imputations``, and the imputed series put back in the
layout they came in."""

from __future__ import annotations

from numbers import Integral

import numpy as np
import pandas as pd

from ._validation import sktime_panel_kind

# Rounds of encoding and decoding in the pseudo-Gibbs sampler of ``impute``.
IMPUTATION_SWEEPS = 16


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
