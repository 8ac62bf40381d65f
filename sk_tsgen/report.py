"""A fidelity report of a fitted :class:`~sk_tsgen.tables.TableGenerator`: a
table of metrics and pictures of real against synthetic windows, as PNG files
and one HTML page."""

from __future__ import annotations

import html
import os
import time
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.utils import check_random_state

from . import metrics

# Post-hoc judges' budgets in the report: a minute or so on a laptop CPU.
_JUDGE_ITERATIONS = {"discriminative": 1000, "predictive": 1000, "context_fid": 300}

_DESCRIPTIONS = {
    "discriminative_score": "|accuracy - 0.5| of a GRU that tells the sets apart",
    "predictive_score": "MAE on real windows of a GRU forecaster trained on the set",
    "context_fid": "Fréchet distance of TS2Vec embeddings",
    "correlational_score": "difference of the channels' correlations",
    "marginal_distance": "Wasserstein distance of the values at each step",
    "autocorrelation_difference": "difference of the autocorrelations",
    "mmd": "RBF maximum mean discrepancy",
    "sample_diversity": "spread of the set over the real one's (1 is best)",
}


def _fidelity(reference, other, seed: int) -> dict[str, float]:
    judges = _JUDGE_ITERATIONS
    return {
        "discriminative_score": metrics.discriminative_score(
            reference, other, n_iterations=judges["discriminative"], random_state=seed
        ),
        "predictive_score": metrics.predictive_score(
            reference, other, n_iterations=judges["predictive"], random_state=seed
        ),
        "context_fid": metrics.context_fid(
            reference, other, n_iterations=judges["context_fid"], random_state=seed
        ),
        "correlational_score": metrics.correlational_score(reference, other),
        "marginal_distance": metrics.marginal_distance(reference, other),
        "autocorrelation_difference": metrics.autocorrelation_difference(
            reference, other
        ),
        "mmd": metrics.mmd(reference, other, random_state=seed),
        "sample_diversity": metrics.sample_diversity(
            reference, other, random_state=seed
        ),
    }


def fidelity_table(
    model, table: pd.DataFrame, *, max_windows: int = 1000, random_state=0
) -> pd.DataFrame:
    """How close the model's windows are to the table's, beside real data.

    The table's complete windows (one every ``window_length_`` steps, at most
    ``max_windows``) are split at random into two halves. Both the second
    half (real data, the best any model can do) and as many synthetic windows,
    drawn for the same start times, are compared with the first half.

    Parameters
    ----------
    model : fitted :class:`~sk_tsgen.tables.TableGenerator`
    table : pandas.DataFrame
        Series in the layout ``model`` was fitted on.
    max_windows : int, default=1000
    random_state : int, default=0

    Returns
    -------
    fidelity : pandas.DataFrame
        One row per metric (lower is better, except ``sample_diversity``),
        columns ``real (held-out)``, ``synthetic`` and ``what it measures``.
    """
    rng = check_random_state(random_state)
    windows, y = model.windows(table, step=model.window_length_)
    complete = ~np.isnan(windows).any(axis=(1, 2))
    windows = windows[complete]
    y = None if y is None else y[complete]
    if len(windows) < 8:
        raise ValueError(
            f"The table has {len(windows)} complete windows of "
            f"{model.window_length_} steps; a report needs at least 8."
        )
    order = rng.permutation(len(windows))[:max_windows]
    half = len(order) // 2
    reference, held_out = order[:half], order[half : 2 * half]
    seed = int(rng.randint(2**31 - 1))
    synthetic = model.sample_windows(
        len(held_out), y=None if y is None else y[held_out], random_state=seed
    )
    real_row = _fidelity(windows[reference], windows[held_out], seed)
    synthetic_row = _fidelity(windows[reference], synthetic, seed)
    frame = pd.DataFrame({"real (held-out)": real_row, "synthetic": synthetic_row})
    frame["what it measures"] = [_DESCRIPTIONS[name] for name in frame.index]
    frame.index.name = "metric"
    frame.attrs["windows"] = (windows[reference], windows[held_out], synthetic)
    return frame


def _figures(model, real, synthetic, folder: Path, seed: int) -> list[tuple]:
    from . import plotting

    plt = plotting._pyplot()
    pictures = []

    # channels of very different scales (a price and a volume) on one axis
    mean = real.mean(axis=(0, 2), keepdims=True)
    scale = real.std(axis=(0, 2), keepdims=True)
    scale[scale == 0] = 1.0
    fig = plt.figure(figsize=(12, 5), layout="constrained")
    plotting.plot_series_grid(
        (synthetic - mean) / scale,
        (real - mean) / scale,
        n_series=6,
        random_state=seed,
        fig=fig,
    )
    pictures.append(
        (
            "windows.png",
            "Real windows (top) and synthetic ones, each channel standardised "
            "by the real windows' mean and spread",
            fig,
        )
    )

    fig, axes = plt.subplots(1, 2, figsize=(11, 5), layout="constrained")
    for ax, method in zip(axes, ("pca", "tsne"), strict=True):
        plotting.plot_embedding(
            real, synthetic, method=method, random_state=seed, ax=ax
        )
    pictures.append(("embedding.png", "Real and synthetic windows, embedded", fig))

    history = getattr(model.generator_, "history_", None)
    if history is not None and len(history):
        fig, ax = plt.subplots(figsize=(6, 4), layout="constrained")
        plotting.plot_history(model.generator_, ax=ax)
        pictures.append(("history.png", "Training loss", fig))

    out = []
    for name, caption, fig in pictures:
        fig.savefig(folder / name, dpi=100)
        plt.close(fig)
        out.append((name, caption))
    return out


def _page(model, fidelity: pd.DataFrame, pictures, seconds: float) -> str:
    generator = html.escape(repr(model.generator_))
    facts = [
        ("generator", f"<code>{generator}</code>"),
        ("channels", html.escape(", ".join(model.channels_))),
        ("window length", f"{model.window_length_} steps"),
        ("time step", html.escape(model.freq_.freqstr) if model.freq_ else "none"),
        ("calendar", "yes" if model.calendar_ else "no"),
    ]
    rows = "".join(f"<tr><th>{key}</th><td>{value}</td></tr>" for key, value in facts)
    table = fidelity.to_html(float_format=lambda v: f"{v:.4g}", border=0)
    figures = "".join(
        f'<figure><img src="{name}" alt="{html.escape(caption)}">'
        f"<figcaption>{html.escape(caption)}</figcaption></figure>"
        for name, caption in pictures
    )
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>sk_tsgen report</title>
<style>body{{font-family:sans-serif;max-width:1200px;margin:2em auto}}
table{{border-collapse:collapse}}th,td{{padding:.3em .8em;text-align:left}}
tr:nth-child(even){{background:#f3f3f3}}img{{max-width:100%}}</style></head>
<body><h1>Synthetic against real windows</h1>
<table>{rows}</table>
<h2>Fidelity</h2>
<p>Each set is compared with one half of the data's windows: the other half
(real data, as good as a model can be) and as many synthetic windows. Lower is
better, except the diversity, which is best at 1. Computed in {seconds:.0f} s.</p>
{table}
<h2>Pictures</h2>{figures}
</body></html>
"""


def write_report(
    model,
    table: pd.DataFrame,
    folder: str | os.PathLike,
    *,
    max_windows: int = 1000,
    random_state=0,
) -> Path:
    """Write the fidelity table and pictures of ``model`` against ``table``.

    Writes ``fidelity.csv`` (:func:`fidelity_table`), ``windows.png`` (real
    against synthetic windows), ``embedding.png`` (PCA and t-SNE of both),
    ``history.png`` (the training loss) and ``index.html``, which shows them
    all, into ``folder`` (created if needed). Needs matplotlib.

    Parameters
    ----------
    model : fitted :class:`~sk_tsgen.tables.TableGenerator`
    table : pandas.DataFrame
        Series in the layout ``model`` was fitted on (the training table, or
        held-out data).
    folder : str or path-like
    max_windows : int, default=1000
    random_state : int, default=0

    Returns
    -------
    page : pathlib.Path
        The HTML page.
    """
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise ValueError(f"{folder} exists and is not a folder.")
    from . import plotting

    plotting._pyplot()  # fails early, with the install hint, without matplotlib
    started = time.perf_counter()
    fidelity = fidelity_table(
        model, table, max_windows=max_windows, random_state=random_state
    )
    seconds = time.perf_counter() - started
    real, _, synthetic = fidelity.attrs.pop("windows")
    folder.mkdir(parents=True, exist_ok=True)
    fidelity.to_csv(folder / "fidelity.csv")
    pictures = _figures(model, real, synthetic, folder, int(random_state))
    page = folder / "index.html"
    page.write_text(_page(model, fidelity, pictures, seconds), encoding="utf-8")
    return page


__all__ = ["fidelity_table", "write_report"]
