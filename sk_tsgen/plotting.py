"""Pictures of real against synthetic series, training curves and reconstructions.

Every function returns the matplotlib figure or axes it drew on, so a caller can
restyle or save it. matplotlib is imported only when a function is called; install
it with ``pip install "sk-tsgen[plot]"``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted

from ._validation import RandomStateLike, check_series
from .metrics._embedding import _gaussian_kl, embed_2d
from .metrics._inputs import _as_panel

REAL_COLOR, SYNTH_COLOR = "tab:blue", "tab:orange"


def _pyplot():
    try:
        import matplotlib.pyplot as plt
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError(
            "sk_tsgen.plotting needs matplotlib; install it with "
            'pip install "sk-tsgen[plot]".'
        ) from exc
    return plt


def _axes(ax):
    if ax is None:
        _, ax = _pyplot().subplots(figsize=(5, 4), layout="constrained")
    return ax


def _figure(fig, figsize):
    if fig is None:
        fig = _pyplot().figure(figsize=figsize, layout="constrained")
    return fig


def plot_embedding(
    X_real: ArrayLike,
    X_synth: ArrayLike,
    *,
    method: str = "pca",
    max_samples: int | None = 1000,
    scaling: str | None = "minmax",
    random_state: RandomStateLike = None,
    ax=None,
):
    """Scatter real and synthetic series in a shared 2-D embedding.

    The picture of TimeGAN's and seed 004's evaluation: both clouds should mix.
    The title gives :func:`sk_tsgen.metrics.embedding_kl` of the same embedding.

    Parameters
    ----------
    X_real, X_synth : array-like of shape (n, n_timesteps) or \
            (n, n_channels, n_timesteps)
        Real and synthetic series.
    method : {"pca", "tsne"}, default="pca"
        The embedding (see :func:`sk_tsgen.metrics.embed_2d`).
    max_samples : int or None, default=1000
        Series drawn from each set at most.
    scaling : {"minmax", None}, default="minmax"
        Per-channel min-max scaling fitted on the real set, or none.
    random_state : int, RandomState instance or None, default=None
        Seed of the subsampling and of t-SNE.
    ax : matplotlib Axes, default=None
        Where to draw; a new figure when None.

    Returns
    -------
    ax : matplotlib Axes

    Examples
    --------
    >>> from sk_tsgen.datasets import make_sines
    >>> from sk_tsgen.plotting import plot_embedding
    >>> real = make_sines(200, random_state=0)
    >>> ax = plot_embedding(real, make_sines(200, random_state=1), random_state=0)
    >>> ax.get_title()[:5]
    'PCA: '
    """
    A, B = embed_2d(
        X_real,
        X_synth,
        method=method,
        max_samples=max_samples,
        scaling=scaling,
        random_state=random_state,
    )
    ax = _axes(ax)
    ax.scatter(*A.T, s=6, alpha=0.5, color=REAL_COLOR, label="real")
    ax.scatter(*B.T, s=6, alpha=0.5, color=SYNTH_COLOR, label="synthetic")
    name = "PCA" if method == "pca" else "t-SNE"
    ax.set_title(f"{name}: KL(real || synthetic) = {_gaussian_kl(A, B):.3f}")
    ax.legend(markerscale=3)
    return ax


def plot_series_grid(
    X_synth: ArrayLike,
    X_real: ArrayLike | None = None,
    *,
    n_series: int = 6,
    channels: Sequence[int] | None = None,
    random_state: RandomStateLike = None,
    fig=None,
):
    """A grid of series, one per panel, all channels overlaid.

    With ``X_real`` the first row shows real series and the second synthetic
    ones, on shared axes, so the eye can compare shape, range and smoothness.

    Parameters
    ----------
    X_synth : array-like of shape (n, n_timesteps) or (n, n_channels, n_timesteps)
        Synthetic (or any) series.
    X_real : array-like of the same shape per series, default=None
        Real series for the first row.
    n_series : int, default=6
        Panels per row; the series are drawn at random.
    channels : sequence of int, default=None
        Channels to draw; all when None.
    random_state : int, RandomState instance or None, default=None
        Seed of the choice of series.
    fig : matplotlib Figure or SubFigure, default=None
        Where to draw; a new figure when None.

    Returns
    -------
    fig : matplotlib Figure or SubFigure

    Examples
    --------
    >>> from sk_tsgen.datasets import make_sines
    >>> from sk_tsgen.plotting import plot_series_grid
    >>> X = make_sines(20, n_channels=2, random_state=0)
    >>> fig = plot_series_grid(X, X, n_series=3, random_state=0)
    >>> len(fig.axes)
    6
    """
    rows = [("synthetic", _as_panel(X_synth, "X_synth"), SYNTH_COLOR)]
    if X_real is not None:
        rows.insert(0, ("real", _as_panel(X_real, "X_real"), REAL_COLOR))
    rng = check_random_state(random_state)
    channels = range(rows[0][1].shape[1]) if channels is None else channels
    n_cols = min(n_series, *(len(data) for _, data, _ in rows))
    fig = _figure(fig, (2.2 * n_cols, 2.0 * len(rows)))
    axes = fig.subplots(len(rows), n_cols, sharex=True, sharey=True, squeeze=False)
    for r, (label, data, color) in enumerate(rows):
        picks = rng.choice(len(data), size=n_cols, replace=False)
        for c, idx in enumerate(picks):
            ax = axes[r, c]
            for k, ch in enumerate(channels):
                ax.plot(
                    data[idx, ch],
                    color=color,
                    alpha=1.0 - 0.6 * k / max(1, len(channels)),
                )
            if c == 0:
                ax.set_ylabel(label)
    fig.supxlabel("timestep")
    return fig


def plot_history(estimator_or_history, *, keys: Sequence[str] | None = None, ax=None):
    """Training curves from a fitted generator's ``history_``.

    Parameters
    ----------
    estimator_or_history : fitted generator or skorch History
        The generator (its ``history_`` is used) or the history itself.
    keys : sequence of str, default=None
        Entries of each epoch to draw; None draws every entry whose name ends in
        ``"loss"`` (``train_loss`` and, with a validation split, ``valid_loss``).
    ax : matplotlib Axes, default=None
        Where to draw; a new figure when None.

    Returns
    -------
    ax : matplotlib Axes

    Examples
    --------
    >>> from sk_tsgen import DenseVAE
    >>> from sk_tsgen.datasets import make_sines
    >>> from sk_tsgen.plotting import plot_history
    >>> X = make_sines(100, n_channels=2, random_state=0)
    >>> vae = DenseVAE(max_epochs=3, validation_fraction=0.2, random_state=0).fit(X)
    >>> [line.get_label() for line in plot_history(vae).get_lines()]
    ['train_loss', 'valid_loss']
    """
    history = getattr(estimator_or_history, "history_", estimator_or_history)
    if hasattr(estimator_or_history, "fit"):
        check_is_fitted(estimator_or_history)
    epochs = list(history)
    if not epochs:
        raise ValueError("The history holds no epochs; fit the estimator first.")
    if keys is None:
        keys = [k for k in epochs[-1] if k.endswith("loss")]
    ax = _axes(ax)
    for key in keys:
        points = [(e["epoch"], e[key]) for e in epochs if key in e]
        if not points:
            raise ValueError(f"No epoch of the history records {key!r}.")
        ax.plot(*zip(*points, strict=True), marker=".", label=key)
    ax.set(xlabel="epoch", ylabel="loss (per value)")
    ax.legend()
    return ax


def plot_reconstructions(
    estimator,
    X: ArrayLike,
    *,
    n_series: int = 4,
    channels: int | Sequence[int] | None = None,
    random_state: RandomStateLike = None,
    fig=None,
):
    """Series against their reconstructions through the latent space.

    Each panel shows one series of ``X`` (solid lines) and
    ``estimator.inverse_transform(estimator.transform(X))`` (dashed lines), one
    colour per channel.

    Parameters
    ----------
    estimator : fitted generator
        Anything with ``transform`` and ``inverse_transform``.
    X : array-like
        Series in the layout the estimator was fitted on.
    n_series : int, default=4
        Panels; the series are drawn at random.
    channels : int or sequence of int, default=None
        Channels to draw; all when None.
    random_state : int, RandomState instance or None, default=None
        Seed of the choice of series.
    fig : matplotlib Figure or SubFigure, default=None
        Where to draw; a new figure when None.

    Returns
    -------
    fig : matplotlib Figure or SubFigure

    Examples
    --------
    >>> from sk_tsgen import DenseVAE
    >>> from sk_tsgen.datasets import make_sines
    >>> from sk_tsgen.plotting import plot_reconstructions
    >>> X = make_sines(100, n_channels=2, random_state=0)
    >>> vae = DenseVAE(max_epochs=3, random_state=0).fit(X)
    >>> fig = plot_reconstructions(vae, X, n_series=3, random_state=0)
    >>> len(fig.axes), len(fig.axes[0].get_lines())  # 2 channels, 2 lines each
    (3, 4)
    """
    check_is_fitted(estimator)
    original = check_series(estimator, X, reset=False)
    n_channels = original.shape[1]
    if channels is None:
        channels = range(n_channels)
    channels = [int(c) for c in np.atleast_1d(channels)]
    bad = [c for c in channels if not 0 <= c < n_channels]
    if bad:
        raise ValueError(f"channels={bad} are out of range for {n_channels} channels.")
    rng = check_random_state(random_state)
    picks = rng.choice(len(original), size=min(n_series, len(original)), replace=False)
    Xp = np.asarray(X)[picks] if not hasattr(X, "iloc") else X.iloc[picks]
    rebuilt = estimator.inverse_transform(estimator.transform(Xp))
    rebuilt = check_series(estimator, rebuilt, reset=False)
    fig = _figure(fig, (2.8 * len(picks), 2.4))
    axes = fig.subplots(1, len(picks), sharey=True, squeeze=False)
    for ax, idx, rec in zip(axes[0], picks, rebuilt, strict=True):
        for k, ch in enumerate(channels):
            color = f"C{k % 10}"
            suffix = f" (channel {ch})" if len(channels) > 1 else ""
            ax.plot(original[idx, ch], color=color, label="original" + suffix)
            ax.plot(
                rec[ch], color=color, linestyle="--", label="reconstruction" + suffix
            )
        ax.set_xlabel("timestep")
    axes[0, 0].legend(fontsize="small")
    return fig


def plot_calendar_profiles(real, synthetic, *, lags: int = 24 * 7, fig=None):
    """Seasonal profile, diurnal profile by season and autocorrelation, real
    against synthetic.

    The checks of a long generated series with a calendar: monthly means, the
    mean by hour of day in each meteorological season, and the
    autocorrelation up to ``lags`` steps.

    Parameters
    ----------
    real, synthetic : pandas.Series
        Long series with a DatetimeIndex (the synthetic one may span other
        years).
    lags : int, default=168
        Largest lag of the autocorrelation panel.
    fig : matplotlib Figure or None, default=None
        Where to draw; None makes a new figure.

    Returns
    -------
    fig : matplotlib Figure
        With three axes: monthly means, diurnal profiles, autocorrelation.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from sk_tsgen.plotting import plot_calendar_profiles
    >>> hours = pd.date_range("2020-01-01", periods=24 * 366, freq="h")
    >>> s = pd.Series(np.sin(2 * np.pi * hours.hour / 24), index=hours)
    >>> len(plot_calendar_profiles(s, s + 0.1).axes)
    3
    """
    from .long_series import autocorrelation, diurnal_profile, monthly_means

    fig = _figure(fig, (13, 4))
    ax_month, ax_day, ax_acf = fig.subplots(1, 3)
    for series, color, label in [
        (real, REAL_COLOR, "real"),
        (synthetic, SYNTH_COLOR, "synthetic"),
    ]:
        months = monthly_means(series)
        ax_month.plot(months.index, months.to_numpy(), "o-", color=color, label=label)
        profile = diurnal_profile(series)
        for style, season in zip(["-", "--", ":", "-."], profile.columns, strict=True):
            ax_day.plot(
                profile.index,
                profile[season].to_numpy(),
                style,
                color=color,
                label=f"{label} {season}",
            )
        steps = np.arange(1, lags + 1)
        ax_acf.plot(steps, autocorrelation(series, steps), color=color, label=label)
    ax_month.set(xlabel="month", ylabel="mean", title="Seasonal profile")
    ax_day.set(xlabel="hour of day", title="Diurnal profile by season")
    ax_acf.set(xlabel="lag (steps)", title="Autocorrelation")
    ax_month.legend()
    ax_day.legend(fontsize="x-small", ncol=2)
    return fig
