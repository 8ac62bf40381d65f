"""Series kept in a table in long layout: one row per time step, one column per
channel, an optional time column and an optional column of series ids.

:class:`TableGenerator` fits any sk_tsgen generator on the windows of such a
table and turns what the generator makes back into a table: synthetic series
of any length with their time column, a score for every window and every row,
and the table with its gaps filled. :func:`read_table` and :func:`write_table`
read and write CSV and Parquet files; the ``sk-tsgen`` command is built on
them.
"""

from __future__ import annotations

import inspect
import os
import warnings
from numbers import Integral
from pathlib import Path

import numpy as np
import pandas as pd
from numpy.lib.stride_tricks import sliding_window_view
from pandas.tseries.frequencies import to_offset
from pandas.tseries.offsets import BDay, Tick
from sklearn.base import BaseEstimator
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions
from sklearn.utils.validation import check_array, check_is_fitted

from ._channel_order import ChannelOrder, check_between, find_between, out_of_order
from ._validation import FLOAT_DTYPES
from .anomaly import window_scores_to_points, window_starts
from .base import clone_or_default, fit_atomically
from .forecasting import auto_lengths, sample_paths, season_length
from .impute import impute_by_windows

_MAX_SEED = 2**31 - 1
# The name of the series id column of sampled tables.
SERIES_COLUMN = "series"


# ------------------------------------------------------------------ files
def _format(path: Path) -> str:
    suffixes = [s.lower() for s in path.suffixes]
    if suffixes and suffixes[-1] in (".gz", ".bz2", ".zip", ".xz", ".zst"):
        suffixes = suffixes[:-1]
    if suffixes and suffixes[-1] in (".parquet", ".pq"):
        return "parquet"
    if suffixes and suffixes[-1] in (".csv", ".txt", ".tsv"):
        return "csv"
    raise ValueError(
        f"{path}: unknown file type {''.join(path.suffixes) or '(no suffix)'}; "
        "use a .csv (or .csv.gz) or a .parquet file."
    )


def _parquet_engine() -> None:
    try:
        import pyarrow  # noqa: F401
    except ImportError:
        raise ImportError(
            'Parquet files need pyarrow: pip install "sk-tsgen[parquet]"'
        ) from None


def read_table(
    path: str | os.PathLike, *, missing_values: list[str] | None = None
) -> pd.DataFrame:
    """Read a CSV (also compressed, such as ``.csv.gz``) or Parquet file.

    Parameters
    ----------
    path : str or path-like
        The file; its suffix gives the format.
    missing_values : list of str or None, default=None
        Cells that mark a missing value (such as ``"nil"`` or ``"-999"``),
        besides empty cells and pandas' usual ones (``NA``, ``NaN``,
        ``null``, ...).

    Returns
    -------
    table : pandas.DataFrame

    Raises
    ------
    FileNotFoundError
        If there is no such file.
    ValueError
        If the suffix is neither CSV nor Parquet, the file cannot be parsed,
        or it holds no rows.

    Examples
    --------
    >>> import os, tempfile
    >>> import pandas as pd
    >>> from sk_tsgen.tables import read_table, write_table
    >>> path = os.path.join(tempfile.mkdtemp(), "t.csv")
    >>> write_table(pd.DataFrame({"a": [1.0, 2.0]}), path)
    >>> read_table(path)
         a
    0  1.0
    1  2.0
    """
    path = Path(path)
    kind = _format(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such file.")
    try:
        if kind == "parquet":
            _parquet_engine()
            table = _as_missing(pd.read_parquet(path), missing_values)
        else:
            table = pd.read_csv(path, na_values=missing_values)
            header = str(table.columns[0])
            if table.shape[1] == 1 and any(sep in header for sep in ";\t|"):
                # another delimiter: let the sniffer find it
                table = pd.read_csv(
                    path, sep=None, engine="python", na_values=missing_values
                )
    except (ValueError, OSError, pd.errors.ParserError, UnicodeDecodeError) as exc:
        message = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise ValueError(f"{path}: cannot read it as {kind}: {message}") from None
    if len(table) == 0:
        raise ValueError(f"{path}: the file holds no rows.")
    return table


def _as_missing(table: pd.DataFrame, missing_values) -> pd.DataFrame:
    """``table`` with the cells of text columns that are ``missing_values``
    as NaN, and those columns as numbers where every other cell is one."""
    if not missing_values:
        return table
    table = table.copy()
    tokens = [str(value) for value in missing_values]
    for column in table.columns:
        values = table[column]
        if pd.api.types.is_numeric_dtype(values) or not (
            pd.api.types.is_object_dtype(values) or pd.api.types.is_string_dtype(values)
        ):
            continue
        values = values.mask(values.astype(str).str.strip().isin(tokens))
        numbers = pd.to_numeric(values, errors="coerce")
        table[column] = (
            numbers if numbers.notna().sum() == values.notna().sum() else values
        )
    return table


def write_table(table: pd.DataFrame, path: str | os.PathLike) -> None:
    """Write ``table`` (without its index) as CSV or Parquet, by the suffix.

    Parameters
    ----------
    table : pandas.DataFrame
    path : str or path-like
        ``.csv`` (``.csv.gz`` compresses) or ``.parquet``; the folder must
        exist.
    """
    path = Path(path)
    kind = _format(path)
    if not path.parent.is_dir():
        raise FileNotFoundError(f"{path}: the folder {path.parent} does not exist.")
    if kind == "parquet":
        _parquet_engine()
        table.to_parquet(path, index=False)
    else:
        table.to_csv(path, index=False)


# ------------------------------------------------------------ time steps
def infer_step(times: list[pd.DatetimeIndex]):
    """The time step of sorted timestamps of one or more series.

    pandas' own frequency when every series has one (``"h"``, ``"MS"``...);
    otherwise business days for weekday-only daily data (trading days, whose
    holidays break every rule), and else the commonest difference between
    consecutive timestamps. None for a single timestamp.

    Examples
    --------
    >>> import pandas as pd
    >>> from sk_tsgen.tables import infer_step
    >>> infer_step([pd.date_range("2024-01-01", periods=5, freq="h")])
    <Hour>
    >>> days = pd.bdate_range("2024-01-01", periods=30).delete([5, 17])
    >>> infer_step([days])
    <BusinessDay>
    >>> every_two_days = ["2024-01-01", "2024-01-03", "2024-01-09"]
    >>> pd.Timedelta(infer_step([pd.DatetimeIndex(every_two_days)]))
    Timedelta('2 days 00:00:00')
    """
    freqs = {pd.infer_freq(t) if len(t) > 2 else None for t in times}
    if len(freqs) == 1 and None not in freqs:
        return to_offset(freqs.pop())
    # nanoseconds, whatever the unit of the index (pandas 3 parses microseconds)
    diffs = [np.diff(t.as_unit("ns").asi8) for t in times if len(t) > 1]
    diffs = np.concatenate(diffs or [[]])
    if len(diffs) == 0:
        return None
    values, counts = np.unique(diffs, return_counts=True)
    commonest = pd.Timedelta(int(values[np.argmax(counts)]), unit="ns")
    weekdays = all((t.dayofweek < 5).all() for t in times)
    if weekdays and commonest == pd.Timedelta(days=1):
        return BDay()
    return to_offset(commonest)


def _on_grid(stamps: pd.DatetimeIndex, freq) -> pd.DatetimeIndex | None:
    """The regular grid through ``stamps`` when they lie on one with rows
    missing, else None (the rows are then the steps)."""
    if not isinstance(freq, Tick) or len(stamps) < 2:
        return None
    step = pd.Timedelta(freq).value
    nanoseconds = stamps.as_unit("ns").asi8
    offsets = nanoseconds - nanoseconds[0]
    if step <= 0 or (offsets % step).any():
        return None
    grid = pd.date_range(stamps[0], stamps[-1], freq=freq)
    return grid if len(grid) > len(stamps) else None


def _not_numeric(column, values: pd.Series, fitting: bool) -> str:
    """What is wrong with a column of text that should hold numbers."""
    given = values.dropna()
    numbers = pd.to_numeric(given, errors="coerce")
    text = given[numbers.isna()]
    if len(text) and numbers.notna().mean() >= 0.5:
        tokens = ", ".join(repr(str(t)) for t in pd.unique(text.astype(str))[:5])
        return (
            f"Column {column!r} holds numbers and {len(text)} cells of text "
            f"({tokens}). If they mark missing values, read them as missing "
            "(sk-tsgen's --missing-values, or na_values in pandas.read_csv)."
        )
    example = text.iloc[0] if len(text) else None
    hint = (
        "; if it holds times or series names, name it as the time or id column"
        if fitting
        else ""
    )
    return (
        f"Column {column!r} is not numeric (it holds values such as {example!r}){hint}."
    )


# step="auto" cuts about this many windows at most: overlapping windows of a
# long series are near copies of each other, and a generator's fit costs time
# in proportion to them (DenseVAE trains at least 100 epochs)
_AUTO_WINDOWS = 10_000
# a series may repeat this share of its times (summer time's end repeats an
# hour a year in local times); more means several series in one
_MAX_REPEATED_SHARE = 0.01


def _checked_log(values: np.ndarray, names: list[str]) -> np.ndarray:
    """The logarithm of the values of the channels ``names``, which must be
    positive."""
    if (values <= 0).any():
        raise ValueError(
            f"The channels {names} were modelled as their logarithms (their "
            "training values were all positive), but the table has values "
            "of them at or below 0."
        )
    return np.log(values)


def _exp(values: np.ndarray, names: list[str]) -> np.ndarray:
    with np.errstate(over="ignore"):
        return np.exp(values)


def _as_int(value, name: str) -> int:
    if isinstance(value, Integral) and not isinstance(value, bool):
        return int(value)
    raise ValueError(f"{name} must be an integer; got {value!r}.")


class TableGenerator(BaseEstimator):
    """A generator of series that live in a table in long layout.

    The table has one row per time step and one column per channel, with an
    optional time column and an optional column of series ids (several series
    stacked). ``fit`` cuts every series into windows of ``window_length``
    steps, every ``step`` steps, and fits ``generator`` on them; with a time
    column, the generator is conditioned on the timestamp at which each window
    starts (its place on the calendar, through the conditions of
    :mod:`sk_tsgen.conditions`). Channels of positive values that span an
    order of magnitude or more (prices, volumes) are modelled as their
    logarithms (``log_channels``), and channels that lie between two others
    in every row (a day's open and close, between its low and its high) are
    modelled so that their samples do too (``between``). What the generator
    makes comes back as a table, in the data's units:

    - :meth:`sample` draws synthetic series of any length, chaining windows
      (each one conditioned on the end of the one before) or, for a generator
      of free length such as :class:`~sk_tsgen.ConvVAE`, in one piece, with a
      ``series`` id column and, when the model knows the calendar, a time
      column;
    - :meth:`score_table` scores every window and every row (higher = more
      normal);
    - :meth:`impute_table` fills the missing values.

    Rows of a series are sorted by time. Timestamps on a regular grid with
    rows missing (an hour not recorded) get the missing rows back as missing
    values; where no regular grid fits (trading days, with their holidays),
    consecutive rows are consecutive steps.

    Parameters
    ----------
    generator : sk_tsgen generator or None, default=None
        The model of the windows, cloned in ``fit``; None uses
        :class:`sk_tsgen.DenseVAE` with its defaults.
    window_length : int or "auto", default="auto"
        Steps per window. ``"auto"``: three seasons of the time step (72
        hours, 15 trading days, 21 days, 36 months; 24 steps without a time
        column), at most a quarter of the shortest series.
    step : int or "auto", default="auto"
        Steps between the starts of consecutive windows when fitting and
        scoring. A last window always ends on a series' last row. ``"auto"``:
        1, or more where the series make more than 10,000 windows, to keep
        them to about 10,000 (overlapping windows are near copies of each
        other), while every row lies in at least four windows (at most a
        quarter of the window length).
    time_column : str or None, default=None
        The column of timestamps (anything :func:`pandas.to_datetime` reads).
    id_column : str or None, default=None
        The column that names the series, for a table of several.
    log_channels : "auto", list of str or None, default="auto"
        Channels the generator models as their logarithms, whose samples are
        then positive and whose changes are relative (a price moves by a
        share of itself). ``"auto"``: the channels whose values are all
        positive and whose largest is at least ten times their smallest;
        None: none. Named channels must be positive.
    between : "auto", dict or None, default="auto"
        Channels that lie between two others in every row, as
        ``{channel: (low, high)}``, such as ``{"Open": ("Low", "High"),
        "Close": ("Low", "High")}``. The generator models ``high`` as the
        logarithm of its spread above ``low`` and each channel between them
        as the logit of its place in the spread, so that samples and
        imputations keep the order. ``"auto"``: the channels that lie between
        two others of overlapping range in every complete row of a table of
        100 rows or more; None: none. The bounds lie between no channel, and
        a high bound has one low bound. A channel and its bounds are all
        modelled as logarithms or none is.
    random_state : int, RandomState instance or None, default=None
        Seed of the generator's training when the generator has
        ``random_state=None``.

    Attributes
    ----------
    generator_ : sk_tsgen generator
        The generator fitted on the windows.
    channels_ : list of str
        The channel columns, in the table's order.
    integer_channels_ : list of str
        Channels of integers (counts, volumes); samples and imputations of
        them are rounded.
    log_channels_ : list of str
        Channels modelled as their logarithms.
    between_ : dict
        ``{channel: (low, high)}``: the channels kept between two others.
    channel_range_ : ndarray of shape (2, n_channels)
        The lowest and highest value of every channel in the table. Samples
        stay within it: a generator drawing far outside its training data
        extrapolates, and chained windows that drift outside it feed the
        drift back (a random walk of prices would run away).
    model_range_ : ndarray of shape (2, n_channels)
        The lowest and highest value of every channel as the generator models
        it (logarithms, spreads and places): every window of a chained sample
        is held within it before the next one reads it.
    window_length_, step_ : int
        Steps per window, and between window starts.
    freq_ : pandas DateOffset or None
        The time step, with a time column.
    calendar_ : bool
        Whether the generator is conditioned on the windows' start times.
    last_time_ : pandas.Timestamp or None
        The latest timestamp of the table: sampled series start one step
        later unless told otherwise.
    series_ids_ : list
        The ids of the training series (``[None]`` without an id column).
    n_features_in_ : int
        Channels.
    feature_names_in_ : ndarray of str
        Channel names, when they are all strings.

    Examples
    --------
    >>> import numpy as np
    >>> import pandas as pd
    >>> from sk_tsgen import DenseVAE
    >>> from sk_tsgen.tables import TableGenerator
    >>> hours = pd.date_range("2024-01-01", periods=24 * 40, freq="h")
    >>> table = pd.DataFrame({"time": hours, "load": np.sin(np.arange(960) / 3.82)})
    >>> model = TableGenerator(
    ...     DenseVAE(max_epochs=5, random_state=0), time_column="time", step=6
    ... ).fit(table)
    >>> model.window_length_, model.freq_
    (72, <Hour>)
    >>> week = model.sample(2, length=24 * 7, random_state=0)
    >>> list(week.columns), len(week)
    (['series', 'time', 'load'], 336)
    >>> str(week["time"].iloc[0])
    '2024-02-10 00:00:00'
    >>> scores = model.score_table(table)
    >>> list(scores.columns)
    ['time', 'window_score', 'point_score']
    """

    _parameter_constraints: dict = {
        "generator": [HasMethods(["fit", "sample", "score_samples", "impute"]), None],
        "window_length": [
            Interval(Integral, 2, None, closed="left"),
            StrOptions({"auto"}),
        ],
        "step": [Interval(Integral, 1, None, closed="left"), StrOptions({"auto"})],
        "time_column": [str, None],
        "id_column": [str, None],
        "log_channels": [StrOptions({"auto"}), list, tuple, None],
        "between": [StrOptions({"auto"}), dict, None],
        "random_state": ["random_state"],
    }

    def __init__(
        self,
        generator=None,
        *,
        window_length: int | str = "auto",
        step: int | str = "auto",
        time_column: str | None = None,
        id_column: str | None = None,
        log_channels: str | list | None = "auto",
        between: str | dict | None = "auto",
        random_state=None,
    ):
        self.generator = generator
        self.window_length = window_length
        self.step = step
        self.time_column = time_column
        self.id_column = id_column
        self.log_channels = log_channels
        self.between = between
        self.random_state = random_state

    # ------------------------------------------------------------ reading
    def _check_table(self, table, *, fitting: bool) -> pd.DataFrame:
        if not isinstance(table, pd.DataFrame):
            table = self._array_as_table(table)
        if len(table) == 0:
            raise ValueError("The table has no rows.")
        for role, column in (("time", self.time_column), ("id", self.id_column)):
            if column is not None and column not in table.columns:
                raise ValueError(
                    f"The {role} column {column!r} is not in the table; its "
                    f"columns are {list(map(str, table.columns))}."
                )
        if self.time_column is not None and self.time_column == self.id_column:
            raise ValueError(
                f"{self.time_column!r} cannot be both the time and the id column."
            )
        keys = {self.time_column, self.id_column} - {None}
        if fitting:
            channels = [c for c in table.columns if c not in keys]
            if not channels:
                raise ValueError("The table has no channel column besides time and id.")
        else:
            channels = self.channels_
            missing = [c for c in channels if c not in table.columns]
            if missing:
                raise ValueError(
                    f"The table lacks the channel column(s) {missing} that the "
                    f"model was fitted on ({self.channels_})."
                )
        for column in channels:
            values = table[column]
            if not (
                pd.api.types.is_numeric_dtype(values)
                or pd.api.types.is_bool_dtype(values)
            ):
                raise ValueError(_not_numeric(column, values, fitting))
            if np.isinf(values.to_numpy(dtype=np.float64)).any():
                raise ValueError(
                    f"Column {column!r} holds infinite values; missing values "
                    "are empty cells (NaN)."
                )
        return table.reset_index(drop=True)

    def _array_as_table(self, X) -> pd.DataFrame:
        """A 2-D array as one series, a row per step and a column per channel
        (``x0``, ``x1``, ...), as scikit-learn passes samples and features."""
        if self.time_column is not None or self.id_column is not None:
            raise TypeError(
                f"{type(self).__name__} with a time or id column reads a pandas "
                f"DataFrame; got {type(X).__name__}."
            )
        values = check_array(
            X,
            dtype=FLOAT_DTYPES,
            ensure_all_finite="allow-nan",
            ensure_min_samples=2,
            input_name="X",
        )
        return pd.DataFrame(values, columns=[f"x{j}" for j in range(values.shape[1])])

    def _times(self, column: pd.Series) -> pd.DatetimeIndex:
        if pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_bool_dtype(
            column
        ):
            raise ValueError(
                f"The time column {self.time_column!r} holds numbers, not times "
                f"(such as {column.iloc[0]!r}). Give times (2024-01-01 00:00), or "
                "no time column: the rows are then the steps, in their order."
            )
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", FutureWarning)
                try:
                    stamps = pd.DatetimeIndex(pd.to_datetime(column))
                except (ValueError, TypeError):
                    # offsets that change (summer time): one zone, UTC
                    stamps = pd.DatetimeIndex(pd.to_datetime(column, utc=True))
        except (ValueError, TypeError) as exc:
            raise ValueError(
                f"The time column {self.time_column!r} holds values that are not "
                f"times ({str(exc).splitlines()[0]})."
            ) from None
        if stamps.hasnans:
            raise ValueError(f"The time column {self.time_column!r} has empty cells.")
        # one unit whatever pandas parses (pandas 3: microseconds)
        return stamps.as_unit("ns")

    def _series(self, table: pd.DataFrame, channels: list) -> list[dict]:
        """Each series as ``{"id", "values" (steps, channels), "stamps",
        "rows"}``, sorted by time; ``rows`` maps a step to its table row (-1
        for a step that was missing from the table)."""
        if self.id_column is None:
            groups = [(None, table)]
        else:
            if table[self.id_column].isna().any():
                raise ValueError(f"The id column {self.id_column!r} has empty cells.")
            groups = list(table.groupby(self.id_column, sort=False))
        out = []
        for key, group in groups:
            rows = group.index.to_numpy()  # positions: the index was reset
            values = group[channels].to_numpy(dtype=np.float64)
            stamps = None
            if self.time_column is not None:
                stamps = self._times(group[self.time_column])
                order = np.argsort(stamps.asi8, kind="stable")
                stamps, values, rows = stamps[order], values[order], rows[order]
                if stamps.has_duplicates:
                    where = "" if key is None else f" of series {key!r}"
                    item = self._merge_repeated_times(stamps, values, rows, where)
                    out.append({"id": key, **item})
                    continue
            out.append({"id": key, "values": values, "stamps": stamps, "rows": rows})
        return out

    def _merge_repeated_times(self, stamps, values, rows, where: str) -> dict:
        """A series whose (sorted) times repeat a few times, such as the hour
        that summer time's end repeats in local times, with the rows of a
        repeated time averaged (a warning says so); many repeats mean several
        series in one, an error. ``row_steps`` keeps every row's step, for
        :meth:`impute_table` to fill all of them."""
        repeated = stamps.duplicated()
        first = stamps[repeated][0]
        if repeated.sum() > max(1, _MAX_REPEATED_SHARE * len(stamps)):
            raise ValueError(
                f"The time column {self.time_column!r}{where} repeats {first} "
                f"(and {repeated.sum() - 1} other times); each row must be one "
                "time step of one series (name the id column for several series)."
            )
        warnings.warn(
            f"The time column {self.time_column!r}{where} repeats "
            f"{repeated.sum()} time(s) (the first is {first}); the rows of a "
            "repeated time are averaged into one step.",
            UserWarning,
            stacklevel=4,
        )
        steps, unique = pd.factorize(stamps)
        seen = ~np.isnan(values)
        sums = np.zeros((len(unique), values.shape[1]))
        counts = np.zeros_like(sums)
        np.add.at(sums, steps, np.where(seen, values, 0.0))
        np.add.at(counts, steps, seen)
        with np.errstate(invalid="ignore"):
            merged = np.where(counts > 0, sums / np.maximum(counts, 1), np.nan)
        firsts = np.unique(steps, return_index=True)[1]
        return {
            "values": merged,
            "stamps": pd.DatetimeIndex(unique),
            "rows": rows[firsts],
            "row_steps": (rows, steps),
        }

    def _regularise(self, series: list[dict]) -> None:
        """Rows missing from a regular grid come back as NaN steps."""
        for item in series:
            if item["stamps"] is None:
                continue
            grid = _on_grid(item["stamps"], self.freq_)
            if grid is None:
                continue
            position = grid.get_indexer(item["stamps"])
            values = np.full((len(grid), item["values"].shape[1]), np.nan)
            values[position] = item["values"]
            rows = np.full(len(grid), -1)
            rows[position] = item["rows"]
            item.update(values=values, stamps=grid, rows=rows)
            if "row_steps" in item:
                table_rows, steps = item["row_steps"]
                item["row_steps"] = (table_rows, position[steps])

    def _windows_of(self, item: dict, step: int):
        starts = window_starts(len(item["values"]), self.window_length_, step)
        windows = sliding_window_view(item["values"], self.window_length_, axis=0)
        windows = np.ascontiguousarray(windows[starts])  # (n, channels, length)
        y = item["stamps"][starts] if self.calendar_ else None
        return windows, y, starts

    def _too_short(self, item: dict) -> str:
        name = "the series" if item["id"] is None else f"series {item['id']!r}"
        return (
            f"{name} has {len(item['values'])} steps, fewer than window_length="
            f"{self.window_length_}"
        )

    # --------------------------------------------------------------- fit
    def fit(self, table: pd.DataFrame, y: None = None) -> TableGenerator:
        """Fit the generator on the windows of every series of ``table``.

        Parameters
        ----------
        table : pandas.DataFrame or array-like of shape (n_timesteps, n_channels)
            The series in long layout: a numeric column per channel, the time
            and id columns named by ``time_column`` and ``id_column``. Missing
            values are empty cells (NaN). A 2-D array is one series without
            time, a row per step (channels ``x0``, ``x1``, ...).
        y : None
            Ignored; present for API consistency.

        Returns
        -------
        self : object
            The fitted model.
        """
        with fit_atomically(self):
            self._validate_params()
            table = self._check_table(table, fitting=True)
            keys = {self.time_column, self.id_column} - {None}
            channels = [c for c in table.columns if c not in keys]
            series = self._series(table, channels)
            self.freq_ = None
            if self.time_column is not None:
                self.freq_ = infer_step([s["stamps"] for s in series])
            self._regularise(series)
            lengths = [len(s["values"]) for s in series]
            if self.window_length == "auto":
                self.window_length_ = auto_lengths(
                    max(lengths), season_length(self.freq_) if self.freq_ else None
                )[0]
                self.window_length_ = max(2, min(self.window_length_, min(lengths)))
            else:
                self.window_length_ = int(self.window_length)
            if self.step != "auto" and self.step > self.window_length_:
                raise ValueError(
                    f"step={self.step} is larger than window_length="
                    f"{self.window_length_}: the rows between two windows would "
                    "lie in none. Use a step of at most the window length."
                )
            usable = [s for s in series if len(s["values"]) >= self.window_length_]
            if not usable:
                raise ValueError(
                    f"Every series is too short: {self._too_short(series[0])}. "
                    "Use a shorter window length."
                )
            self.step_ = (
                self._auto_step(usable) if self.step == "auto" else int(self.step)
            )
            self.calendar_ = self.freq_ is not None
            self.channels_ = [str(c) for c in channels]
            self.n_features_in_ = len(channels)
            if all(isinstance(c, str) for c in channels):
                self.feature_names_in_ = np.asarray(channels, dtype=object)
            elif hasattr(self, "feature_names_in_"):
                del self.feature_names_in_
            self._channel_keys = list(channels)
            self.integer_channels_ = [
                c
                for c in channels
                if pd.api.types.is_integer_dtype(table[c])
                or pd.api.types.is_bool_dtype(table[c])
            ]
            values = table[channels].to_numpy(dtype=np.float64)
            self.channel_range_ = np.stack(
                [np.nanmin(values, axis=0), np.nanmax(values, axis=0)]
            )
            self.between_ = self._chosen_between(values)
            self.log_channels_ = self._chosen_log_channels()
            self._order = None
            if self.between_:
                self._order = ChannelOrder(
                    self.between_,
                    self.channels_,
                    self._on_log_channels(values, 1, _checked_log),
                )
            self.series_ids_ = [s["id"] for s in series]
            self.last_time_ = (
                max(s["stamps"][-1] for s in series) if self.calendar_ else None
            )
            windows, y = self._all_windows(usable, self.step_)
            # a window of nothing but gaps teaches nothing
            observed = ~np.isnan(windows).all(axis=(1, 2))
            windows, y = windows[observed], None if y is None else y[observed]
            generator = clone_or_default(
                self.generator,
                methods=("fit", "sample", "score_samples", "impute"),
                owner=type(self).__name__,
                param="generator",
            )
            params = generator.get_params()
            if self.random_state is not None and params.get("random_state", 0) is None:
                seed = check_random_state(self.random_state).randint(_MAX_SEED)
                generator.set_params(random_state=int(seed))
            if self.calendar_ and "freq" in params and params["freq"] is None:
                generator.set_params(freq=self.freq_.freqstr)
            windows = self._to_model(windows)
            # sampled paths are held within the modelled values' ranges
            self.model_range_ = np.stack(
                [np.nanmin(windows, axis=(0, 2)), np.nanmax(windows, axis=(0, 2))]
            )
            self.generator_ = generator.fit(windows, y)
        return self

    def _auto_step(self, series: list[dict]) -> int:
        """``step="auto"``: 1, or as many steps as keep the windows to about
        ``_AUTO_WINDOWS``, while every row lies in at least four windows."""
        n_windows = sum(len(s["values"]) - self.window_length_ + 1 for s in series)
        step = -(-n_windows // _AUTO_WINDOWS)
        return int(max(1, min(step, self.window_length_ // 4)))

    def _chosen_log_channels(self) -> list[str]:
        """The channels ``log_channels`` names, checked against their ranges."""
        low, high = self.channel_range_
        if self.log_channels is None:
            return []
        if isinstance(self.log_channels, str):  # "auto"
            wide = (low > 0) & (high >= 10 * low)
            chosen = {name for name, w in zip(self.channels_, wide, strict=True) if w}
            # a channel and its bounds: all logarithms, or none (when one of
            # them is not positive)
            for group in self._between_groups():
                positive = all(low[self.channels_.index(n)] > 0 for n in group)
                if chosen & group:
                    chosen = chosen | group if positive else chosen - group
            return [name for name in self.channels_ if name in chosen]
        chosen = [str(name) for name in self.log_channels]
        for group in self._between_groups():
            if 0 < len(group & set(chosen)) < len(group):
                raise ValueError(
                    f"log_channels names {sorted(group & set(chosen))} but not "
                    f"{sorted(group - set(chosen))}, which between orders with "
                    "them; name all of them or none."
                )
        for name in chosen:
            if name not in self.channels_:
                raise ValueError(
                    f"log_channels names {name!r}, which is not a channel; the "
                    f"channels are {self.channels_}."
                )
            k = self.channels_.index(name)
            if not low[k] > 0:
                raise ValueError(
                    f"log_channels names {name!r}, whose values are not all "
                    f"positive (its smallest is {low[k]:g}); only a positive "
                    "channel has a logarithm."
                )
        return chosen

    def _between_groups(self) -> list[set]:
        groups: dict[tuple, set] = {}
        for member, bounds in self.between_.items():
            groups.setdefault(tuple(bounds), set(bounds)).add(member)
        return list(groups.values())

    def _chosen_between(self, values: np.ndarray) -> dict:
        """The channels ``between`` names, checked against the rows of
        ``values``."""
        if self.between is None:
            return {}
        if isinstance(self.between, str):  # "auto"
            return find_between(values, self.channels_)
        between = check_between(self.between, self.channels_)
        problem = out_of_order(values, between, self.channels_)
        if problem is not None:
            raise ValueError(
                f"between orders channels that the table does not keep in order: "
                f"{problem}."
            )
        return between

    @property
    def _log_mask(self) -> np.ndarray:
        # a model saved before log_channels existed has none
        return np.isin(self.channels_, getattr(self, "log_channels_", []))

    def _to_model(self, values: np.ndarray, *, axis: int = 1) -> np.ndarray:
        """Values in the data's units as the generator models them: the
        logarithm of ``log_channels_``, then the channels of ``between_`` as
        spreads and places (channels along ``axis``)."""
        values = self._on_log_channels(values, axis, _checked_log)
        return self._on_order(values, axis, "forward")

    def _from_model(self, values: np.ndarray, *, axis: int = 1) -> np.ndarray:
        """The inverse of ``_to_model``."""
        values = self._on_order(values, axis, "inverse")
        return self._on_log_channels(values, axis, _exp)

    @property
    def _channel_order(self) -> ChannelOrder | None:
        return getattr(self, "_order", None)  # none in a model saved before

    def _on_order(self, values, axis: int, method: str) -> np.ndarray:
        if self._channel_order is None:
            return values
        out = getattr(self._channel_order, method)(
            np.moveaxis(np.asarray(values), axis, 0)
        )
        return np.moveaxis(out, 0, axis)

    def _log_jacobian(self, units: np.ndarray) -> np.ndarray:
        """``log |d _to_model / d windows|`` of every window, from ``units``,
        the windows (n, channels, steps) with ``log_channels_`` as logarithms:
        a density of what the generator models is this much above the density
        of the values."""
        out = -np.nansum(np.compress(self._log_mask, units, axis=1), axis=(1, 2))
        if self._channel_order is not None:
            jacobian = self._channel_order.log_jacobian(np.moveaxis(units, 1, 0))
            out = out + np.nansum(jacobian, axis=1)
        return out

    def _on_log_channels(self, values, axis: int, fn) -> np.ndarray:
        """A float64 copy of ``values`` with ``fn`` applied to the
        ``log_channels_`` along ``axis``; ``values`` itself when there are
        none."""
        mask = self._log_mask
        if not mask.any():
            return values
        out = np.array(values, dtype=np.float64)
        index = [slice(None)] * out.ndim
        index[axis] = mask
        out[tuple(index)] = fn(out[tuple(index)], self.log_channels_)
        return out

    # ------------------------------------------------------------ sample
    def _start(self, start) -> pd.Timestamp:
        if start is None:
            return self.last_time_ + self.freq_
        try:
            stamp = pd.Timestamp(start)
        except (ValueError, TypeError):
            raise ValueError(f"start={start!r} is not a time.") from None
        if (stamp.tz is None) != (self.last_time_.tz is None):
            raise ValueError(
                f"start={start!r} and the training times "
                f"({self.last_time_}) must both have a time zone or neither."
            )
        return stamp

    def sample(
        self,
        n_series: int = 1,
        *,
        length: int | None = None,
        start=None,
        random_state=None,
    ) -> pd.DataFrame:
        """Draw synthetic series as a table in long layout.

        Parameters
        ----------
        n_series : int, default=1
            Series to draw.
        length : int or None, default=None
            Steps per series; None is one window. Longer series chain windows:
            each next half window is drawn given the half window before it.
        start : str, timestamp or None, default=None
            When the series start, for a model that knows the calendar; None
            is one step after the latest training time.
        random_state : int, RandomState instance or None, default=None

        Returns
        -------
        table : pandas.DataFrame of ``n_series * length`` rows
            A ``series`` column (0, 1, ...), the time column when the model
            knows the calendar, and the channels.
        """
        check_is_fitted(self)
        n_series = _as_int(n_series, "n_series")
        if n_series < 1:
            raise ValueError(f"n_series must be at least 1; got {n_series}.")
        length = self.window_length_ if length is None else _as_int(length, "length")
        if length < 1:
            raise ValueError(f"length must be at least 1; got {length}.")
        if start is not None and not self.calendar_:
            raise ValueError(
                "start is given, but the model knows no calendar: fit it with a "
                "time column."
            )
        rng = check_random_state(random_state)
        stamps = None
        if self.calendar_:
            stamps = pd.date_range(self._start(start), periods=length, freq=self.freq_)
        values = self._draw(n_series, length, stamps, rng)  # (n, channels, length)
        return self._as_table(values, stamps)

    def sample_windows(
        self, n_windows: int = 1, y=None, random_state=None
    ) -> np.ndarray:
        """Draw windows of ``window_length_`` steps from the generator, in the
        data's units and ranges (what :meth:`sample` starts every series from).

        Parameters
        ----------
        n_windows : int, default=1
        y : timestamp, DatetimeIndex of ``n_windows`` or None, default=None
            When the windows start, for a model that knows the calendar.
        random_state : int, RandomState instance or None, default=None

        Returns
        -------
        windows : ndarray of shape (n_windows, n_channels, window_length_)
        """
        check_is_fitted(self)
        seed = int(check_random_state(random_state).randint(_MAX_SEED))
        draws = self.generator_.sample(n_windows, y=y, random_state=seed)
        draws = np.asarray(draws, dtype=np.float64)
        draws = draws.reshape(n_windows, -1, self.window_length_)
        return self._clip(self._from_model(draws))

    def _draw(self, n_series, length, stamps, rng) -> np.ndarray:
        generator = self.generator_
        y = None if stamps is None else stamps[0]
        if "n_timesteps" in inspect.signature(generator.sample).parameters:
            seed = int(rng.randint(_MAX_SEED))
            draws = generator.sample(
                n_series, y=y, n_timesteps=length, random_state=seed
            )
            draws = np.asarray(draws, dtype=np.float64).reshape(n_series, -1, length)
            return self._clip(self._from_model(draws))
        first = self.sample_windows(n_series, y=y, random_state=rng)
        if length <= self.window_length_:
            return first[:, :, :length]
        rest = sample_paths(
            generator,
            self._to_model(first).transpose(0, 2, 1),
            length - self.window_length_,
            window_length=self.window_length_,
            horizon_length=max(1, self.window_length_ // 2),
            n_paths=n_series,
            rng=rng,
            stamps=stamps,
            bounds=self._model_range(),
        )
        rest = self._from_model(rest, axis=2)
        return self._clip(np.concatenate([first, rest.transpose(0, 2, 1)], axis=2))

    def _model_range(self) -> np.ndarray:
        if hasattr(self, "model_range_"):
            return self.model_range_
        return self._to_model(self.channel_range_, axis=1)  # a model saved before

    def _clip(self, values: np.ndarray) -> np.ndarray:
        """``(n, channels, steps)`` values within the channels' ranges, and
        between their bounds."""
        low, high = self.channel_range_
        values = np.clip(values, low[:, None], high[:, None])
        values = self._on_order(values, 1, "clip")
        return values

    def _rounded(self, frame: pd.DataFrame) -> pd.DataFrame:
        for column in self.integer_channels_:
            frame[column] = np.round(frame[column])
        return frame

    def _as_table(self, values: np.ndarray, stamps) -> pd.DataFrame:
        n_series, _, length = values.shape
        columns = {SERIES_COLUMN: np.repeat(np.arange(n_series), length)}
        if stamps is not None:
            columns[self.time_column] = np.tile(stamps, n_series)
        for k, name in enumerate(self._channel_keys):
            columns[name] = values[:, k, :].ravel()
        return self._rounded(pd.DataFrame(columns))

    # ------------------------------------------------------- read a table
    def _read(self, table) -> list[dict]:
        check_is_fitted(self)
        table = self._check_table(table, fitting=False)
        series = self._series(table, self._channel_keys)
        self._regularise(series)
        for item in series:
            if len(item["values"]) < self.window_length_:
                raise ValueError(f"{self._too_short(item)}.")
        return series

    def windows(self, table: pd.DataFrame, *, step: int | None = None):
        """The windows of ``table``'s series, as the generator sees them.

        Parameters
        ----------
        table : pandas.DataFrame
            Series in the layout of ``fit``.
        step : int or None, default=None
            Steps between window starts; None is ``step_``.

        Returns
        -------
        windows : ndarray of shape (n_windows, n_channels, window_length_)
        y : DatetimeIndex of the windows' start times, or None
        """
        return self._all_windows(self._read(table), step or self.step_)

    def _all_windows(self, series: list[dict], step: int):
        parts = [self._windows_of(s, step) for s in series]
        windows = np.concatenate([p[0] for p in parts])
        y = parts[0][1].append([p[1] for p in parts[1:]]) if self.calendar_ else None
        return windows, y

    def _keys_frame(self, item: dict) -> dict:
        """The id and time columns of a series' steps."""
        out = {}
        if self.id_column is not None:
            out[self.id_column] = np.repeat(item["id"], len(item["values"]))
        if self.time_column is not None:
            out[self.time_column] = item["stamps"]
        return out

    def score_table(self, table: pd.DataFrame) -> pd.DataFrame:
        """Score every window and every time step of ``table`` (higher = more
        normal).

        A window's score is the generator's ``score_samples`` (a VAE's: its
        ELBO, a bound on the log-density of the window in the data's units); a
        step's score is the mean per-step share of the windows that cover it
        (:func:`sk_tsgen.anomaly.window_scores_to_points`).

        Parameters
        ----------
        table : pandas.DataFrame
            Series in the layout of ``fit``, each at least a window long.

        Returns
        -------
        scores : pandas.DataFrame
            One row per step of every series: the id and time columns,
            ``window_score`` (of the window that starts at the step; empty
            where none does) and ``point_score``.
        """
        frames = []
        for item in self._read(table):
            windows, y, starts = self._windows_of(item, self.step_)
            # the logarithms, read once for the model's windows and the
            # change of variables
            units = self._on_log_channels(windows, 1, _checked_log)
            window_scores = np.asarray(
                self.generator_.score_samples(self._on_order(units, 1, "forward"), y),
                dtype=np.float64,
            )
            # the density of what the generator models, as one of the values
            window_scores = window_scores + self._log_jacobian(units)
            n_steps = len(item["values"])
            columns = self._keys_frame(item)
            columns["window_score"] = np.full(n_steps, np.nan)
            columns["window_score"][starts] = window_scores
            columns["point_score"] = window_scores_to_points(
                window_scores, starts, self.window_length_, n_steps
            )
            frames.append(pd.DataFrame(columns))
        return pd.concat(frames, ignore_index=True)

    def impute_table(
        self, table: pd.DataFrame, *, n_imputations: int = 8, random_state=None
    ) -> pd.DataFrame:
        """Fill the missing values of the channels of ``table``.

        Every series is cut into windows every half window; each step's value
        is the mean of ``n_imputations`` draws of the generator's
        :meth:`~sk_tsgen.base.BaseGenerator.impute` over the windows that
        cover it. Observed values are kept exactly.

        Parameters
        ----------
        table : pandas.DataFrame
            Series in the layout of ``fit``, with empty cells (NaN).
        n_imputations : int, default=8
            Draws averaged into each value.
        random_state : int, RandomState instance or None, default=None

        Returns
        -------
        table : pandas.DataFrame
            A copy of ``table`` with its gaps filled, its rows and columns in
            their order; rows that were missing from a regular time grid are
            added at the end of their series.
        """
        n_imputations = _as_int(n_imputations, "n_imputations")
        rng = check_random_state(random_state)
        step = max(1, self.window_length_ // 2)
        out = table.copy()
        # the cells as given, read once: each series fills only its own rows
        given = out[self._channel_keys].to_numpy(dtype=np.float64)
        added = []
        for item in self._read(table):
            values = item["values"]
            rows = item["rows"]
            present = rows >= 0
            # every table row of the series, and its step (a repeated time's
            # rows share one)
            table_rows, steps = item.get(
                "row_steps", (rows[present], np.flatnonzero(present))
            )
            cells = given[table_rows]
            if not (np.isnan(values).any() or np.isnan(cells).any()):
                continue
            y = self._windows_of(item, step)[1]
            imputed = impute_by_windows(
                self.generator_,
                self._to_model(values.T[np.newaxis]),
                window_length=self.window_length_,
                step=step,
                n_imputations=n_imputations,
                random_state=rng,
                conditions=y,
            )
            imputed = self._from_model(imputed)[0].T
            filled = np.where(np.isnan(values), imputed, values)
            if self._channel_order is not None:
                filled = self._channel_order.repair(filled.T, np.isnan(values).T).T
            frame = pd.DataFrame(filled, columns=self._channel_keys)
            frame = self._rounded(frame)
            for k, name in enumerate(self._channel_keys):
                gaps = np.isnan(cells[:, k])
                if not gaps.any():
                    continue
                if out[name].dtype.kind in "biu":  # nullable ints hold NaN
                    out[name] = out[name].astype(np.float64)
                column = out.columns.get_loc(name)
                out.iloc[table_rows[gaps], column] = frame[name].to_numpy()[steps[gaps]]
            if not present.all():
                extra = pd.DataFrame(self._keys_frame(item))[~present]
                extra[self._channel_keys] = frame[~present].to_numpy()
                added.append(extra)
        if added:
            out = pd.concat([out, *added], ignore_index=True)
        return out

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        tags.non_deterministic = False
        return tags


__all__ = ["TableGenerator", "infer_step", "read_table", "write_table"]
