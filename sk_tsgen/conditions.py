"""Conditions: what a generator is fitted with beside its series, encoded once.

A conditional generator is fitted as ``fit(X, y)``, where ``y`` holds one
condition per series:

- **class labels**: a 1-D array of ints, strings or booleans;
- **static covariates**: a 2-D array or DataFrame, one row per series; numeric
  columns are standardised and the others (strings, booleans, categoricals)
  one-hot encoded. A 1-D array of continuous floats is one numeric covariate;
- **timestamps**: the start of every series (datetime64 values, a
  DatetimeIndex or a Series of datetimes), encoded as its place on the
  calendar: harmonics of the time of year, the day of the week and the time of
  day, each kept only where the training timestamps vary along it.

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

__all__ = ["Conditions", "as_timestamps", "calendar_features"]

# The cycles of the calendar that timestamps are encoded on: name, and the
# number of harmonics (sine and cosine pairs) of its phase. Three harmonics of
# the week take any value on each of its seven days.
_CYCLES = {"year": 2, "week": 3, "day": 2}


class Conditions:
    """The encoding of the conditions ``y`` that a generator was fitted with.

    Fitted attributes hold plain arrays only, so a fitted generator saves with
    :func:`sk_tsgen.save`.

    Attributes
    ----------
    kind : {"labels", "covariates", "timestamps"}
        Class labels, a table of static covariates, or start timestamps.
    classes_ : ndarray
        The labels seen in ``fit`` (``kind="labels"``).
    frequencies_ : ndarray
        Their frequencies in the training data.
    columns_ : list
        Column names of the covariates (their positions for an array).
    numeric_ : ndarray of int
        Positions of the numeric covariates; ``categories_`` holds the
        categories of the others.
    cycles_ : list of str
        The calendar cycles that timestamps are encoded on (``"year"``,
        ``"week"``, ``"day"``): those along which the training timestamps
        vary (``kind="timestamps"``).
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

    Daily series, each with the timestamp it starts at:

    >>> import pandas as pd
    >>> days = pd.date_range("2021-01-01", periods=365, freq="D")
    >>> Conditions().fit(days).shape  # 4 yearly and 6 weekly values, and the flag
    (365, 11)
    """

    def fit(self, y) -> np.ndarray:
        """Learn the encoding of ``y``; returns the encoded training conditions."""
        stamps = as_timestamps(y)
        if stamps is not None:
            return self._fit_timestamps(stamps)
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
        dated = [
            col
            for col in self.columns_
            if pd.api.types.is_datetime64_any_dtype(frame[col])
        ]
        if dated:
            raise ValueError(
                f"y's covariate(s) {dated} hold timestamps; pass the timestamps "
                "alone as y (they are encoded on the calendar), or turn them "
                "into numeric or categorical covariates first."
            )
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
        if self.kind == "timestamps":
            return self._encode_timestamps(self._timestamps(y, n, what))
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

    # ---------------------------------------------------------- timestamps
    def _fit_timestamps(self, stamps: pd.DatetimeIndex) -> np.ndarray:
        if stamps.hasnans:
            raise ValueError("y contains NaT; every series needs its timestamp.")
        self.kind = "timestamps"
        self.timestamps_ = stamps
        phases = _phases(stamps)
        # a cycle along which every training timestamp sits at one phase
        # (windows that all start at midnight) tells the series nothing
        self.cycles_ = [
            name for name in _CYCLES if np.ptp(phases[name]) > _PHASE_TOLERANCE
        ]
        self.fixed_phases_ = {
            name: float(phases[name][0]) for name in _CYCLES if name not in self.cycles_
        }
        self.dim_ = 2 * sum(_CYCLES[name] for name in self.cycles_) + 1
        return self._encode_timestamps(stamps)

    def _timestamps(self, y, n: int, what: str) -> pd.DatetimeIndex:
        """``y`` as ``n`` timestamps: one for all rows, or one per row."""
        stamps = as_timestamps(y)
        if stamps is None:
            stamps = _parse_timestamps(y)
        if stamps is None:
            raise ValueError(
                "the model was fitted with timestamps as conditions, so y must "
                "hold timestamps (datetime64 values, a DatetimeIndex, pandas "
                f"Timestamps or date strings), got values of dtype "
                f"{np.asarray(y).dtype}."
            )
        if stamps.hasnans:
            raise ValueError("y contains NaT; every series needs its timestamp.")
        if len(stamps) == 1 and n != 1:
            stamps = stamps.repeat(n)
        if len(stamps) != n:
            raise ValueError(f"y holds {len(stamps)} conditions for {n} {what}.")
        if (stamps.tz is None) != (self.timestamps_.tz is None):
            fitted = "had none" if self.timestamps_.tz is None else "had one"
            raise ValueError(
                "the timestamps in y and those the model was fitted with must "
                f"both have a time zone or both have none; the fitted ones {fitted}."
            )
        phases = _phases(stamps)
        moved = [
            name
            for name, phase in self.fixed_phases_.items()
            if np.abs(_phase_distance(phases[name], phase)).max() > _PHASE_TOLERANCE
        ]
        if moved:
            warnings.warn(
                f"every training series started at the same phase of the "
                f"{' and the '.join(moved)}, so the model did not learn how the "
                f"series depend on it; y's phase of the {' and the '.join(moved)} "
                "is ignored.",
                UserWarning,
                stacklevel=4,
            )
        return stamps

    def _encode_timestamps(self, stamps: pd.DatetimeIndex) -> np.ndarray:
        parts = [
            calendar_features(stamps, self.cycles_),
            np.ones((len(stamps), 1)),
        ]
        return np.hstack(parts).astype(np.float32)

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
        if self.kind == "timestamps":
            stamps = self.timestamps_[rng.randint(len(self.timestamps_), size=n)]
            return stamps, self._encode_timestamps(stamps)
        rows = rng.randint(len(self._train_numeric), size=n)
        values, codes = self._train_numeric[rows], self._train_codes[rows]
        return self.decode_covariates(values, codes), self._encode_covariates(
            values, codes
        )

    def raw(self, y, n: int):
        """``y`` as ``sample(..., return_y=True)`` returns it, one per row."""
        if self.kind == "labels":
            return self.classes_[self.label_index(y, n, "samples")]
        if self.kind == "timestamps":
            return self._timestamps(y, n, "samples")
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


# Phases closer than this (a second of a day, in fractions of a cycle) are one.
_PHASE_TOLERANCE = 1e-5


def as_timestamps(y) -> pd.DatetimeIndex | None:
    """``y`` as a DatetimeIndex when it holds timestamps, else None.

    Timestamps are datetime64 values, pandas or ``datetime`` timestamps, a
    DatetimeIndex or a Series of them; strings stay labels.
    """
    if y is None or isinstance(y, pd.DataFrame):
        return None
    if isinstance(y, (pd.Timestamp, np.datetime64)):
        return pd.DatetimeIndex([y])
    if isinstance(y, pd.Series):
        y = y.array
    try:
        index = pd.Index(np.atleast_1d(y) if np.ndim(y) == 0 else y)
    except (TypeError, ValueError):
        return None
    return index if isinstance(index, pd.DatetimeIndex) else None


def _parse_timestamps(y) -> pd.DatetimeIndex | None:
    """ISO 8601 strings such as ``"2021-07-01"`` as timestamps, or None (a
    month name is no date)."""
    raw = np.atleast_1d(np.asarray(y, dtype=object))
    if raw.ndim != 1 or not all(isinstance(v, str) for v in raw):
        return None
    try:
        return pd.DatetimeIndex(pd.to_datetime(raw, format="ISO8601"))
    except (TypeError, ValueError):
        return None


def calendar_features(stamps: pd.DatetimeIndex, cycles=tuple(_CYCLES)) -> np.ndarray:
    """Harmonics of the place of ``stamps`` in each calendar cycle.

    For every cycle in ``cycles`` (``"year"``, ``"week"``, ``"day"``), the
    sine and cosine of ``2 pi k`` times its phase, for its first harmonics
    ``k``: 2 for the year and the day, 3 for the week. Time-zone-aware
    timestamps are placed by their local time.

    Examples
    --------
    >>> import pandas as pd
    >>> from sk_tsgen.conditions import calendar_features
    >>> noon = pd.DatetimeIndex(["2021-06-01 12:00"])
    >>> calendar_features(noon, ["day"]).round(6)
    array([[ 0., -1., -0.,  1.]])
    """
    phases = _phases(stamps)
    columns = []
    for name in cycles:
        angle = 2 * np.pi * phases[name]
        for k in range(1, _CYCLES[name] + 1):
            columns += [np.sin(k * angle), np.cos(k * angle)]
    return np.stack(columns, 1) if columns else np.zeros((len(stamps), 0))


def _phases(stamps: pd.DatetimeIndex) -> dict:
    """The phase, in [0, 1), of every timestamp in each calendar cycle."""
    local = stamps.tz_localize(None) if stamps.tz is not None else stamps
    day = (local - local.normalize()).total_seconds().to_numpy() / 86400.0
    year_length = np.where(local.is_leap_year, 366.0, 365.0)
    return {
        "year": (local.dayofyear.to_numpy() - 1 + day) / year_length,
        "week": (local.dayofweek.to_numpy() + day) / 7.0,
        "day": day,
    }


def _phase_distance(a, b):
    """Signed distance of phases on the circle, in (-0.5, 0.5]."""
    return (np.asarray(a) - b + 0.5) % 1.0 - 0.5


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
