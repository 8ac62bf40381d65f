"""Channels that lie between two others in every row (a day's open and close
between its low and its high), and the change of variables that keeps them
there.

A pair of bounds ``(low, high)`` and the channels between them are modelled
as:

- ``low`` as it is;
- ``high`` as ``log(high - low + margin)``, the logarithm of the spread;
- every channel between them as the logit of its place in the spread,
  ``(value - low + margin / 2) / (high - low + margin)``.

Any values the generator draws map back to ``low <= value <= high``. The
``margin`` (a tenth of the median spread) keeps ties (an open at the day's
low, a day of no spread) at a finite place.
"""

from __future__ import annotations

import numpy as np

# the place in the spread of a value outside its bounds, in a table scored or
# imputed (never in a fitted one), is held this far inside them
_EDGE = 1e-6
# fewer complete rows than this say too little to find an order
_MIN_ROWS = 100


def _overlap(low: np.ndarray, high: np.ndarray, a: int, b: int) -> bool:
    return bool(low[a] <= high[b] and low[b] <= high[a])


def find_between(values: np.ndarray, names: list[str]) -> dict[str, tuple[str, str]]:
    """The channels that lie between two others in every complete row.

    Parameters
    ----------
    values : ndarray of shape (n_rows, n_channels)
        NaN is missing.
    names : list of str

    Returns
    -------
    between : dict
        ``{channel: (low, high)}``. Bounds are channels of overlapping ranges
        (a volume is not a bound of a price) that differ in some row, and
        are themselves between nothing; a high has one low.
    """
    complete = values[~np.isnan(values).any(axis=1)]
    n_channels = values.shape[1]
    if len(complete) < _MIN_ROWS or n_channels < 3:
        return {}
    low, high = complete.min(axis=0), complete.max(axis=0)
    # which channel lies at or below which: first on a sample of rows, then
    # the few candidates on every row
    sample = complete[:: max(1, len(complete) // 10_000)]
    order = np.array(
        [np.all(sample[:, [a]] <= sample, axis=0) for a in range(n_channels)]
    )
    np.fill_diagonal(order, False)
    for a, b in zip(*np.nonzero(order), strict=True):
        order[a, b] = _overlap(low, high, a, b) and bool(
            np.all(complete[:, a] <= complete[:, b])
        )

    pairs = []
    for lo in range(n_channels):
        for hi in range(n_channels):
            if not order[lo, hi] or not np.any(complete[:, lo] < complete[:, hi]):
                continue
            inside = [m for m in range(n_channels) if order[lo, m] and order[m, hi]]
            if inside:
                spread = float(np.mean(complete[:, hi] - complete[:, lo]))
                pairs.append((spread, lo, hi, inside))
    # the tightest pairs first (a day's low and high, rather than an adjusted
    # close, always lower, and the high); a later pair keeps to the structure
    # check_between accepts
    out: dict[str, tuple[str, str]] = {}
    bounds: dict[int, str] = {}  # channel: "low" or "high"
    low_of: dict[int, int] = {}
    for _, lo, hi in sorted(p[:3] for p in pairs):
        inside = [
            m
            for m in range(n_channels)
            if order[lo, m] and order[m, hi] and m not in bounds and names[m] not in out
        ]
        if (
            not inside
            or names[lo] in out
            or names[hi] in out
            or bounds.get(lo, "low") != "low"
            or bounds.get(hi, "high") != "high"
            or low_of.get(hi, lo) != lo
        ):
            continue
        bounds[lo], bounds[hi], low_of[hi] = "low", "high", lo
        for m in inside:
            out[names[m]] = (names[lo], names[hi])
    return out


def check_between(between, names: list[str]) -> dict[str, tuple[str, str]]:
    """``between`` as ``{channel: (low, high)}`` of channel names, checked
    for a structure :class:`ChannelOrder` can model."""
    if not isinstance(between, dict):
        raise ValueError(
            f"between must be 'auto', None or a dict of channel: (low, high); got "
            f"{between!r}."
        )
    out: dict[str, tuple[str, str]] = {}
    for member, bounds in between.items():
        if not (isinstance(bounds, (tuple, list)) and len(bounds) == 2):
            raise ValueError(
                f"between[{member!r}] must be a pair of channels (low, high); got "
                f"{bounds!r}."
            )
        group = [str(member), str(bounds[0]), str(bounds[1])]
        for name in group:
            if name not in names:
                raise ValueError(
                    f"between names {name!r}, which is not a channel; the channels "
                    f"are {names}."
                )
        if len(set(group)) < 3:
            raise ValueError(
                f"between[{member!r}] = {tuple(bounds)!r}: a channel lies between "
                "two others."
            )
        out[group[0]] = (group[1], group[2])
    members = set(out)
    lows = {lo for lo, _ in out.values()}
    for member, (lo, hi) in out.items():
        for bound in (lo, hi):
            if bound in members:
                raise ValueError(
                    f"between makes {bound!r} a bound of {member!r} and also lie "
                    "between two channels; a bound must lie between none."
                )
        if hi in lows:
            raise ValueError(
                f"between makes {hi!r} both a high bound and a low bound; a channel "
                "may be one or the other."
            )
        others = {lo_ for m, (lo_, hi_) in out.items() if hi_ == hi}
        if len(others) > 1:
            raise ValueError(
                f"between gives {hi!r} the low bounds {sorted(others)}; a high bound "
                "has one low bound."
            )
    return out


def out_of_order(values: np.ndarray, between: dict, names: list[str]) -> str | None:
    """A sentence on the first channel of ``values`` (rows, channels) found
    outside its bounds, or None."""
    for member, (lo, hi) in between.items():
        m, a, b = (names.index(n) for n in (member, lo, hi))
        with np.errstate(invalid="ignore"):
            bad = (values[:, m] < values[:, a]) | (values[:, m] > values[:, b])
        if bad.any():
            row = int(np.flatnonzero(bad)[0])
            return (
                f"{member!r} lies outside [{lo!r}, {hi!r}] in {int(bad.sum())} rows "
                f"(the first: row {row}, {values[row, a]:g} <= {values[row, m]:g} <= "
                f"{values[row, b]:g} fails)"
            )
    return None


class ChannelOrder:
    """The change of variables of channels between bounds (see the module).

    Parameters
    ----------
    between : dict
        ``{channel: (low, high)}``, as :func:`check_between` returns.
    names : list of str
        The channels, in order.
    values : ndarray of shape (n_rows, n_channels)
        Values (in the units modelled, such as logarithms) whose spreads set
        the margins.
    """

    def __init__(self, between: dict, names: list[str], values: np.ndarray):
        index = names.index
        self.members = [
            (index(m), index(lo), index(hi)) for m, (lo, hi) in between.items()
        ]
        pairs = sorted({(lo, hi) for _, lo, hi in self.members})
        self.margins = {}
        for lo, hi in pairs:
            spread = values[:, hi] - values[:, lo]
            spread = spread[spread > 0]
            self.margins[(lo, hi)] = (
                float(np.median(spread)) / 10 if len(spread) else 1.0
            )

    def _spread(self, u, lo, hi, margin):
        return np.maximum(u[hi] - u[lo], 0.0) + margin

    def _place(self, u, m, lo, hi):
        margin = self.margins[(lo, hi)]
        place = (u[m] - u[lo] + margin / 2) / self._spread(u, lo, hi, margin)
        return np.clip(place, _EDGE, 1 - _EDGE)

    def forward(self, u: np.ndarray) -> np.ndarray:
        """Channels along axis 0, in the units modelled, to the generator's."""
        z = np.array(u, dtype=np.float64)
        with np.errstate(invalid="ignore"):
            for (lo, hi), margin in self.margins.items():
                z[hi] = np.log(self._spread(u, lo, hi, margin))
            for m, lo, hi in self.members:
                place = self._place(u, m, lo, hi)
                z[m] = np.log(place) - np.log1p(-place)
        return z

    def inverse(self, z: np.ndarray) -> np.ndarray:
        """The inverse of :meth:`forward`: every channel within its bounds."""
        u = np.array(z, dtype=np.float64)
        with np.errstate(over="ignore", invalid="ignore"):
            for (lo, hi), margin in self.margins.items():
                u[hi] = u[lo] + np.maximum(np.exp(z[hi]) - margin, 0.0)
            for m, lo, hi in self.members:
                margin = self.margins[(lo, hi)]
                place = 1 / (1 + np.exp(-z[m]))
                value = u[lo] + place * (u[hi] - u[lo] + margin) - margin / 2
                u[m] = np.clip(value, u[lo], u[hi])
        return u

    def log_jacobian(self, u: np.ndarray) -> np.ndarray:
        """``log |det d forward / d u|`` per entry of the axes after the
        first (the change of variables is triangular)."""
        out = np.zeros(np.shape(u)[1:])
        with np.errstate(invalid="ignore"):
            for (lo, hi), margin in self.margins.items():
                out -= np.log(self._spread(u, lo, hi, margin))
            for m, lo, hi in self.members:
                place = self._place(u, m, lo, hi)
                spread = self._spread(u, lo, hi, self.margins[(lo, hi)])
                out -= np.log(place) + np.log1p(-place) + np.log(spread)
        return out

    def clip(self, values: np.ndarray) -> np.ndarray:
        """``values`` (channels along axis 0) with every channel between its
        bounds."""
        out = np.array(values, dtype=np.float64)
        for m, lo, hi in self.members:
            out[m] = np.clip(out[m], out[lo], out[hi])
        return out

    def repair(self, values: np.ndarray, missing: np.ndarray) -> np.ndarray:
        """``values`` (channels along axis 0) whose ``missing`` cells (filled
        by a model) are moved to keep the observed cells in order."""
        out = np.array(values, dtype=np.float64)
        for lo, hi in self.margins:
            inside = [m for m, lo_, hi_ in self.members if (lo_, hi_) == (lo, hi)]
            group = out[[hi, *inside]]
            out[lo] = np.where(
                missing[lo], np.minimum(out[lo], group.min(axis=0)), out[lo]
            )
            group = out[[lo, *inside]]
            out[hi] = np.where(
                missing[hi], np.maximum(out[hi], group.max(axis=0)), out[hi]
            )
        for m, lo, hi in self.members:
            out[m] = np.where(missing[m], np.clip(out[m], out[lo], out[hi]), out[m])
        return out
