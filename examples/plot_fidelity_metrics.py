"""
Judging synthetic series: fidelity metrics, plots and model selection
======================================================================

How good are the samples of a generator? This example fits a
:class:`sk_tsgen.DenseVAE` on TimeGAN's Sines (5 channels, 24 steps) and judges
its samples with :mod:`sk_tsgen.metrics`, beside two yardsticks: an independent
draw of real data (the floor of every metric) and scikit-learn's
:class:`~sklearn.mixture.GaussianMixture` fitted on flattened windows (a
baseline a deep model must beat). It then draws the pictures of
:mod:`sk_tsgen.plotting` and tunes the latent size with
:class:`~sklearn.model_selection.GridSearchCV`, scoring every candidate by the
fidelity of its samples with :func:`sk_tsgen.metrics.make_fidelity_scorer`.

Every metric is lower for better samples; a scorer returns it negated, so that
greater is better as scikit-learn expects.

Run it as a script to write ``fidelity_metrics.png``::

    python examples/plot_fidelity_metrics.py [output.png]
"""

import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from sklearn.mixture import GaussianMixture  # noqa: E402
from sklearn.model_selection import GridSearchCV  # noqa: E402

from sk_tsgen import DenseVAE  # noqa: E402
from sk_tsgen.datasets import make_sines  # noqa: E402
from sk_tsgen.metrics import (  # noqa: E402
    context_fid,
    correlational_score,
    discriminative_score,
    make_fidelity_scorer,
    mmd,
    predictive_score,
)
from sk_tsgen.plotting import (  # noqa: E402
    plot_embedding,
    plot_history,
    plot_reconstructions,
    plot_series_grid,
)


def fidelity_table(real, candidates, n_iterations=None):
    """One row of metrics per candidate set; ``n_iterations`` shortens training."""
    steps = {} if n_iterations is None else {"n_iterations": n_iterations}
    rows = {}
    for name, synth in candidates.items():
        rows[name] = {
            "disc. (protocol)": discriminative_score(
                real, synth, random_state=0, **steps
            ),
            "disc. (GRU 64)": discriminative_score(
                real, synth, hidden_size=64, random_state=0, **steps
            ),
            "predictive": predictive_score(real, synth, random_state=0, **steps),
            "context-FID": context_fid(real, synth, random_state=0, **steps),
            "correlational": correlational_score(real, synth),
            "MMD": mmd(real, synth, random_state=0),
        }
    header = f"{'':<18}" + "".join(f"{m:>18}" for m in next(iter(rows.values())))
    print(header)
    for name, row in rows.items():
        print(f"{name:<18}" + "".join(f"{v:>18.4f}" for v in row.values()))
    return rows


def main(
    output="fidelity_metrics.png", n_series=3000, max_epochs=60, n_iterations=None
):
    X = make_sines(n_series, n_timesteps=24, n_channels=5, random_state=0)

    # %%
    # Fit the generator and the two yardsticks, and draw a set from each.
    vae = DenseVAE(max_epochs=max_epochs, validation_fraction=0.1, random_state=0)
    vae.fit(X)
    gmm = GaussianMixture(10, random_state=0).fit(X.reshape(len(X), -1))
    candidates = {
        "real (new draw)": make_sines(n_series, n_channels=5, random_state=1),
        "GaussianMixture": gmm.sample(n_series)[0].reshape(X.shape),
        "DenseVAE": vae.sample(n_series, random_state=0),
    }

    # %%
    # The table: TimeGAN's protocol judge (a GRU of 2 units), a strong judge
    # (64 units), train-on-synthetic-test-on-real forecasting, context-FID,
    # channel correlations and an RBF MMD.
    rows = fidelity_table(X, candidates, n_iterations)

    # %%
    # Pictures: real against synthetic in PCA and t-SNE, a grid of series, the
    # training curves and reconstructions of held-out series.
    fig = plt.figure(figsize=(12, 10), layout="constrained")
    top, middle, bottom = fig.subfigures(3, 1, height_ratios=[1.2, 1, 0.8])
    ax_pca, ax_tsne, ax_hist = top.subplots(1, 3)
    plot_embedding(X, candidates["DenseVAE"], method="pca", random_state=0, ax=ax_pca)
    plot_embedding(
        X,
        candidates["DenseVAE"],
        method="tsne",
        max_samples=500,
        random_state=0,
        ax=ax_tsne,
    )
    plot_history(vae, ax=ax_hist)
    plot_series_grid(candidates["DenseVAE"], X, n_series=6, random_state=0, fig=middle)
    middle.suptitle("real (top) and DenseVAE samples (bottom), all channels")
    X_test = make_sines(50, random_state=2)
    plot_reconstructions(
        vae, X_test, n_series=6, channels=0, random_state=0, fig=bottom
    )
    bottom.suptitle("held-out series and their reconstructions (channel 0)")
    fig.savefig(output, dpi=100)  # left open, so the documentation shows it

    # %%
    # Model selection by fidelity: GridSearchCV samples from every fitted
    # candidate and compares the samples with the held-out fold.
    search = GridSearchCV(
        DenseVAE(max_epochs=max_epochs, random_state=0),
        {"latent_dim": [1, 8]},
        scoring=make_fidelity_scorer("mmd", random_state=0),
        cv=3,
    ).fit(X)
    for params, score in zip(
        search.cv_results_["params"],
        search.cv_results_["mean_test_score"],
        strict=True,
    ):
        print(f"{params}: mean -MMD {score:.4f}")
    print(f"best: {search.best_params_}")
    print(f"wrote {output}")
    return {"rows": rows, "best_params": search.best_params_, "output": output}


if __name__ == "__main__":
    main(*sys.argv[1:2])
