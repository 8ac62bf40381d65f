"""Conditions: what a generator is fitted with beside its series, encoded once.

A conditional generator is fitted as ``fit(X, y)``, where ``y`` holds one
condition per series:

- **class labels**: a 1-D array of ints, strings or booleans;
- **static covariates**: a 2-D array or DataFrame, one row per series; numeric
  columns are standardised and the others (strings, booleans, categoricals)
  one-hot encoded. A 1-D array of continuous floats is one numeric covariate.

:class:`Conditions` learns the encoding in ``fit`` and applies it everywhere
else: the network sees one float vector per series, whose last entry says
whether a condition is given at all. A vector of zeros is "no condition": the
networks are trained with some conditions dropped, so the same model also
encodes, decodes and scores series whose conditions are unknown.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from sklearn.utils.multiclass import type_of_target

__all__ = ["Conditions"]


class Conditions:
    """The encoding of the conditions ``y`` that a generator was fitted with.

    Fitted attributes hold plain arrays only, so a fitted generator saves with
    :func:`sk_tsgen.save`.

    Attributes
    ----------
    kind : {"labels", "covariates"}
        Class labels, or a table of static covariates.
    classes_ : ndarray
        The labels seen in ``fit`` (``kind="labels"``).
    frequencies_ : ndarray
        Their frequencies in the training data.
    columns_ : list
        Column names of the covariates (their positions for an array).
    numeric_ : ndarray of int
        Positions of the numeric covariates; ``categories_`` holds the
        categories of the others.
    dim_ : int
        Length of an encoded condition, its "given" flag included.

    Examples
    --------
    >>> import numpy as np
    >>> from sk_tsgen.conditions import Conditions
    >>> conditions = Conditions()
    >>> conditions.fit(np.array(["a", "b", "b"])).shape
    (3, 3)
    >>> conditions.encode(["b"], 1)
    array([[0., 1., 1.]], dtype=float32)
    >>> conditions.draw(2, np.random.RandomState(0))[0]
    array(['b', 'b'], dtype='<U1')
    """

    def fit(self, y) -> np.ndarray:
        """Learn the encoding of ``y``; returns the encoded training conditions."""
        frame = _as_frame(y)
        if frame is None:
            raw = _as_1d(y)
            if raw.dtype.kind == "f" and not np.isfinite(raw).all():
                raise ValueError(
                    "y contains NaN or infinity; every series needs a condition."
                )
            if raw.dtype.kind == "O" and any(value is None for value in raw):
                raise ValueError("y contains None; every series needs a condition.")
            if raw.dtype.kind not in "iufbUSO":
                raise ValueError(
                    f"y must hold labels or numeric covariates, got dtype {raw.dtype}."
                )
            target = type_of_target(raw) if raw.dtype.kind in "iufb" else "multiclass"
            if target in ("binary", "multiclass"):
                self.kind = "labels"
                self.classes_, index, counts = np.unique(
                    raw, return_inverse=True, return_counts=True
                )
                self.frequencies_ = counts / counts.sum()
                self.dim_ = len(self.classes_) + 1
                return self._encode_labels(index)
            frame = pd.DataFrame({0: raw})
            self._frame_input = False
        else:
            self._frame_input = isinstance(y, pd.DataFrame)
        self.kind = "covariates"
        self.columns_ = list(frame.columns)
        numeric = [
            i
            for i, col in enumerate(self.columns_)
            if pd.api.types.is_numeric_dtype(frame[col])
            and not pd.api.types.is_bool_dtype(frame[col])
        ]
        self.numeric_ = np.array(numeric, dtype=np.int64)
        values = frame.iloc[:, numeric].to_numpy(dtype=np.float64)
        if not np.isfinite(values).all():
            raise ValueError(
                "y contains NaN or infinity in a numeric covariate; every series "
                "needs its covariates."
            )
        self.mean_, self.scale_ = values.mean(0), values.std(0)
        self.scale_[self.scale_ < 1e-12] = 1.0
        self.min_, self.max_ = values.min(0), values.max(0)
        self.categories_ = []
        codes = []
        for i, col in enumerate(self.columns_):
            if i in numeric:
                continue
            column = frame[col]
            if column.isna().any():
                raise ValueError(
                    f"y's covariate {col!r} has missing values; every series "
                    "needs its covariates."
                )
            categories, code = np.unique(
                column.to_numpy(dtype=object).astype(str), return_inverse=True
            )
            self.categories_.append(categories.astype(object))
            codes.append(code)
        self._train_numeric = values
        self._train_codes = (
            np.stack(codes, 1).astype(np.int64)
            if codes
            else np.zeros((len(frame), 0), np.int64)
        )
        self.dim_ = len(numeric) + sum(len(c) for c in self.categories_) + 1
        return self._encode_covariates(values, self._train_codes)

    # ------------------------------------------------------------ encoding
    def encode(self, y, n: int, what: str = "series") -> np.ndarray:
        """Encode conditions for ``n`` rows: one condition for all, or one per row."""
        if self.kind == "labels":
            return self._encode_labels(self.label_index(y, n, what))
        values, codes = self._covariate_parts(y, n, what)
        return self._encode_covariates(values, codes)

    def label_index(self, y, n: int, what: str = "series") -> np.ndarray:
        """Indices into ``classes_`` of ``y``, or an error naming unknown labels."""
        raw = np.asarray(y)
        if raw.ndim == 0:
            raw = np.repeat(raw.astype(object), n)
        raw = _as_1d(raw)
        if len(raw) != n:
            raise ValueError(f"y holds {len(raw)} conditions for {n} {what}.")
        index = pd.Index(self.classes_).get_indexer(raw)
        if (index < 0).any():
            unknown = list(dict.fromkeys(raw[index < 0].tolist()))
            raise ValueError(
                f"unknown label(s) {unknown[:5]} in y; the model was fitted on "
                f"the labels {self.classes_.tolist()}."
            )
        return index.astype(np.int64)

    def _covariate_parts(self, y, n: int, what: str):
        frame = _as_frame(y)
        if frame is None:
            raw = np.asarray(y, dtype=object)
            if raw.ndim == 0 or (raw.ndim == 1 and len(self.columns_) > 1):
                raw = raw.reshape(1, -1)  # one condition for every row
            frame = pd.DataFrame(raw.reshape(len(raw), -1))
        if len(frame) == 1 and n != 1:
            frame = pd.concat([frame] * n, ignore_index=True)
        if frame.shape[1] != len(self.columns_):
            raise ValueError(
                f"y has {frame.shape[1]} covariates, but the model was fitted "
                f"with {len(self.columns_)}: {self.columns_}."
            )
        if len(frame) != n:
            raise ValueError(f"y holds {len(frame)} conditions for {n} {what}.")
        if self._frame_input and isinstance(y, pd.DataFrame):
            missing = [c for c in self.columns_ if c not in frame.columns]
            if missing:
                raise ValueError(f"y lacks the covariate(s) {missing}.")
            frame = frame[self.columns_]
        numeric_names = [self.columns_[i] for i in self.numeric_]
        try:
            values = frame.iloc[:, self.numeric_].to_numpy(dtype=np.float64)
        except (TypeError, ValueError):
            raise ValueError(
                "y's numeric covariates must be numbers; the model was fitted "
                f"with numeric covariate(s) {numeric_names}."
            ) from None
        if not np.isfinite(values).all():
            raise ValueError("y contains NaN or infinity in a numeric covariate.")
        outside = (values < self.min_) | (values > self.max_)
        if outside.any():
            cols = [numeric_names[j] for j in np.flatnonzero(outside.any(0))]
            warnings.warn(
                f"covariate(s) {cols} in y lie outside the range seen in fit; "
                "the model extrapolates there.",
                UserWarning,
                stacklevel=4,
            )
        numeric = set(self.numeric_.tolist())
        categorical = [i for i in range(len(self.columns_)) if i not in numeric]
        codes = np.zeros((n, len(categorical)), np.int64)
        pairs = zip(categorical, self.categories_, strict=True)
        for j, (i, categories) in enumerate(pairs):
            column = frame.iloc[:, i].to_numpy(dtype=object).astype(str)
            index = pd.Index(categories).get_indexer(column)
            if (index < 0).any():
                unknown = list(dict.fromkeys(column[index < 0].tolist()))
                raise ValueError(
                    f"unknown value(s) {unknown[:5]} of the covariate "
                    f"{self.columns_[i]!r}; the model was fitted on "
                    f"{categories.tolist()}."
                )
            codes[:, j] = index
        return values, codes

    def _encode_labels(self, index: np.ndarray) -> np.ndarray:
        out = np.zeros((len(index), self.dim_), np.float32)
        out[np.arange(len(index)), index] = 1.0
        out[:, -1] = 1.0
        return out

    def _encode_covariates(self, values: np.ndarray, codes: np.ndarray) -> np.ndarray:
        parts = [(values - self.mean_) / self.scale_]
        for j, categories in enumerate(self.categories_):
            parts.append(np.eye(len(categories))[codes[:, j]])
        parts.append(np.ones((len(values), 1)))
        return np.hstack(parts).astype(np.float32)

    # ------------------------------------------------------------- drawing
    def draw(self, n: int, rng: np.random.RandomState):
        """``n`` conditions at their training frequencies: ``(y, encoded)``.

        Labels are drawn by their frequencies; covariates as whole training
        rows, so their joint distribution is kept.
        """
        if self.kind == "labels":
            index = rng.choice(len(self.classes_), size=n, p=self.frequencies_)
            return self.classes_[index], self._encode_labels(index)
        rows = rng.randint(len(self._train_numeric), size=n)
        values, codes = self._train_numeric[rows], self._train_codes[rows]
        return self.decode_covariates(values, codes), self._encode_covariates(
            values, codes
        )

    def raw(self, y, n: int):
        """``y`` as ``sample(..., return_y=True)`` returns it, one per row."""
        if self.kind == "labels":
            return self.classes_[self.label_index(y, n, "samples")]
        return self.decode_covariates(*self._covariate_parts(y, n, "samples"))

    def decode_covariates(self, values: np.ndarray, codes: np.ndarray):
        """Covariates in the layout of ``fit``'s ``y`` (a DataFrame for one)."""
        n = len(values)
        columns = {}
        categorical = iter(range(codes.shape[1]))
        numeric = {int(i): j for j, i in enumerate(self.numeric_)}
        for i, col in enumerate(self.columns_):
            if i in numeric:
                columns[col] = values[:, numeric[i]]
            else:
                j = next(categorical)
                columns[col] = self.categories_[j][codes[:, j]]
        frame = pd.DataFrame(columns, index=range(n))
        if self._frame_input:
            return frame
        if len(self.columns_) == 1 and len(self.numeric_) == 1:
            return frame.iloc[:, 0].to_numpy()
        return frame.to_numpy()


def _as_frame(y):
    """``y`` as a DataFrame when it is a table (2-D with several columns or a
    DataFrame), else None."""
    if isinstance(y, pd.DataFrame):
        return y.reset_index(drop=True)
    if isinstance(y, (pd.Series, list, tuple)):
        return None
    array = np.asarray(y)
    if array.ndim < 2 or (array.ndim == 2 and array.shape[1] == 1):
        return None
    if array.ndim != 2:
        raise ValueError(
            f"y must be 1-D (one label or covariate per series) or 2-D (a table "
            f"of covariates), got shape {array.shape}."
        )
    return pd.DataFrame(array).infer_objects()


def _as_1d(y) -> np.ndarray:
    raw = np.asarray(y)
    if raw.ndim == 2 and raw.shape[1] == 1:
        raw = raw[:, 0]
    if raw.ndim != 1:
        raise ValueError(
            f"y must hold one condition per series: a 1-D array, got shape {raw.shape}."
        )
    return raw
