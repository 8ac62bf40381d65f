"""
DenseVAE on Sines: fit, sample, score, and look at the latent space
===================================================================

Fits a :class:`sk_tsgen.DenseVAE` on TimeGAN's Sines benchmark (5 channels, 24
steps), generates new series, scores clean and spiked held-out series with
``score_samples`` (the ELBO), and draws real against synthetic series and a
t-SNE of their latent codes.

Run it as a script to write ``dense_vae_sines.png``::

    python examples/plot_dense_vae_sines.py [output.png]
"""

import sys
import time

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from sklearn.manifold import TSNE  # noqa: E402

from sk_tsgen import DenseVAE  # noqa: E402
from sk_tsgen.datasets import make_sines  # noqa: E402


def main(output="dense_vae_sines.png", n_series=3000, max_epochs=60, n_plot=400):
    X = make_sines(n_series, n_timesteps=24, n_channels=5, random_state=0)
    X_test = make_sines(500, n_timesteps=24, n_channels=5, random_state=1)

    vae = DenseVAE(
        latent_dim=8, max_epochs=max_epochs, validation_fraction=0.1, random_state=0
    )
    start = time.perf_counter()
    vae.fit(X)
    fit_s = time.perf_counter() - start
    X_synth = vae.sample(n_plot, random_state=0)
    # Sines lie in [0, 1]; the share of synthetic series that leave that range
    lo, hi = X.min(), X.max()
    leaves = (X_synth < lo) | (X_synth > hi)
    outside = np.mean(leaves.any(axis=(1, 2)))  # in any channel
    outside_0 = np.mean(leaves[:, 0].any(axis=1))  # in the channel drawn

    # A spike of half the data's range at a random step of a random channel.
    rng = np.random.default_rng(0)
    X_spiked = X_test.copy()
    idx = np.arange(len(X_test))
    X_spiked[idx, rng.integers(0, 5, len(idx)), rng.integers(0, 24, len(idx))] += 0.5
    clean, spiked = vae.score_samples(X_test), vae.score_samples(X_spiked)
    ranked = np.mean(clean > spiked)

    codes = np.vstack([vae.transform(X[:n_plot]), vae.transform(X_synth)])
    embedded = TSNE(n_components=2, perplexity=30, random_state=0).fit_transform(codes)

    fig, axes = plt.subplots(2, 2, figsize=(11, 8), layout="constrained")
    for ax, data, title in [
        (axes[0, 0], X, "real"),
        (axes[0, 1], X_synth, "synthetic"),
    ]:
        ax.plot(
            data[:30, 0].T,
            color="tab:blue" if title == "real" else "tab:orange",
            alpha=0.6,
        )
        note = f"; {outside_0:.1%} leave [0, 1]" if title == "synthetic" else ""
        ax.set(
            title=f"{title} series (channel 0){note}",
            xlabel="timestep",
            ylabel="value",
            ylim=(-0.05, 1.05),
        )
    ax = axes[1, 0]
    ax.scatter(*embedded[:n_plot].T, s=6, alpha=0.6, label="real")
    ax.scatter(*embedded[n_plot:].T, s=6, alpha=0.6, label="synthetic")
    ax.set(title="t-SNE of latent codes", xlabel="t-SNE 1", ylabel="t-SNE 2")
    ax.legend()
    ax = axes[1, 1]
    # the axis spans the clean scores; spiked scores far below them are drawn
    # in the leftmost bin, and the legend counts them
    low = clean.min() - 0.5 * (clean.max() - clean.min())
    bins = np.linspace(low, max(clean.max(), spiked.max()), 50)
    n_below = int(np.sum(spiked < low))
    ax.hist(clean, bins=bins, alpha=0.6, label="clean held-out")
    ax.hist(
        np.maximum(spiked, low),
        bins=bins,
        alpha=0.6,
        label=f"spiked held-out ({n_below} below {low:.0f}, in the first bin)",
    )
    ax.axvline(
        vae.offset_, color="k", linestyle="--", label="offset_ (predict threshold)"
    )
    ax.set(
        title=f"score_samples (ELBO): clean > spiked for {ranked:.1%}",
        xlabel="ELBO",
        ylabel="series",
    )
    ax.legend()
    fig.savefig(output, dpi=100)
    plt.close(fig)

    print(f"fit: {fit_s:.1f} s for {n_series} series x {max_epochs} epochs")
    print(
        f"final losses: train {vae.history_[-1, 'train_loss']:.3f}, "
        f"valid {vae.history_[-1, 'valid_loss']:.3f}"
    )
    print(
        f"synthetic series leaving the data's range [0, 1]: {outside_0:.1%} in "
        f"channel 0, {outside:.1%} in any of the 5 channels"
    )
    print(f"clean series scored above their spiked copies: {ranked:.1%}")
    flagged = [np.mean(vae.predict(data) == -1) for data in (X_test, X_spiked)]
    print(f"flagged as anomalous: clean {flagged[0]:.1%}, spiked {flagged[1]:.1%}")
    print(f"wrote {output}")
    return {
        "fit_seconds": fit_s,
        "ranked": ranked,
        "outside_range": outside,
        "output": output,
    }


if __name__ == "__main__":
    main(*sys.argv[1:2])
