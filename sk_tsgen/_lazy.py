"""Arrays whose rows are computed from another array's when they are read."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ._validation import row_chunks


class MappedRows:
    """Rows of ``source`` passed through ``fn`` only when they are read.

    Training reads the standardised series a batch at a time; holding them
    as a ``MappedRows`` of the user's array (a memmap, say) standardises each
    batch as it is read, so no standardised copy of the whole set is made.

    Indexing (``rows[index]``) returns an array of the rows, like indexing an
    array; :meth:`subset` returns a ``MappedRows`` of some rows, reading none.
    ``np.asarray`` computes them all.

    Parameters
    ----------
    source : array-like of shape (n_rows, ...)
        Anything numpy indexes by rows: an array, a memmap.
    fn : callable
        Maps an array of rows of ``source`` to as many rows of the result,
        with the same trailing shape.
    dtype : numpy dtype
        The dtype ``fn`` returns.
    index : array of int or None, default=None
        The rows of ``source`` this holds, in order; None: all of them.

    Examples
    --------
    >>> import numpy as np
    >>> from sk_tsgen._lazy import MappedRows
    >>> rows = MappedRows(np.arange(6.0).reshape(3, 2), lambda x: 2 * x, np.float64)
    >>> rows[1:].tolist()
    [[4.0, 6.0], [8.0, 10.0]]
    >>> rows.subset(np.array([2, 0]))[0].tolist()
    [8.0, 10.0]
    >>> np.asarray(rows).shape
    (3, 2)
    """

    def __init__(
        self,
        source,
        fn: Callable[[np.ndarray], np.ndarray],
        dtype,
        index: np.ndarray | None = None,
    ):
        self.source = source
        self.fn = fn
        self.dtype = np.dtype(dtype)
        self.index = index

    def __len__(self) -> int:
        return len(self.source) if self.index is None else len(self.index)

    @property
    def shape(self) -> tuple[int, ...]:
        return (len(self), *self.source.shape[1:])

    @property
    def ndim(self) -> int:
        return len(self.shape)

    def _source_rows(self, rows):
        return rows if self.index is None else self.index[rows]

    def __getitem__(self, rows) -> np.ndarray:
        return np.asarray(self.fn(self.source[self._source_rows(rows)]), self.dtype)

    def subset(self, rows) -> MappedRows:
        """The rows ``rows`` (a slice or integer array), still unread."""
        index = np.arange(len(self))[rows] if self.index is None else self.index[rows]
        return MappedRows(self.source, self.fn, self.dtype, index)

    def __array__(self, dtype=None, copy=None) -> np.ndarray:
        out = np.empty(self.shape, self.dtype)
        for rows in row_chunks(out):
            out[rows] = self[rows]
        return out if dtype is None else out.astype(dtype, copy=False)


def take_rows(data: dict, index) -> dict:
    """Rows ``index`` of every array in ``data``; a ``MappedRows`` stays
    unread."""
    return {
        key: value.subset(index) if isinstance(value, MappedRows) else value[index]
        for key, value in data.items()
    }
