"""
VAEGAN on Sines: what the discriminator adds to a temporal VAE
==============================================================

:class:`sk_tsgen.VAEGAN` trains a recurrent VAE against a discriminator of whole
series. Here the same VAE, with the same budget, is trained twice on Sines
(five channels, each a sine of random frequency and phase): once with the
adversarial term in the generator's loss (``adversarial_weight=0.1``, the
default) and once without it (``adversarial_weight=0``; the discriminator then
still trains, but only watches).

The figure shows

- the discriminator's loss per epoch for both: against the plain VAE it keeps
  winning (its loss falls below ``2 log 2``, the value at chance), against the
  VAE/GAN it stays near chance, because the decoder learns to fool it;
- real series and samples of both models, first channel;
- the discriminative score of each model's samples (TimeGAN's protocol with a
  64-unit GRU judge; 0 means the judge cannot tell samples from real series)
  and their diversity (mean distance between two samples over that between two
  real series; 1 means as varied as the data, well below 1 means mode collapse).

Run it as a script to write ``vaegan_sines.png``::

    python examples/plot_vaegan_sines.py [output.png]
"""

import sys
import time

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from sk_tsgen import VAEGAN  # noqa: E402
from sk_tsgen.datasets import make_sines  # noqa: E402
from sk_tsgen.metrics import discriminative_score, sample_diversity  # noqa: E402


def main(
    output="vaegan_sines.png",
    n_series=2000,
    max_epochs=20,
    n_iterations=1000,
    random_state=0,
):
    X = make_sines(n_series, n_timesteps=24, n_channels=5, random_state=random_state)
    models = {
        "VAE (adversarial_weight=0)": VAEGAN(
            adversarial_weight=0, max_epochs=max_epochs, random_state=random_state
        ),
        "VAEGAN (adversarial_weight=0.1)": VAEGAN(
            max_epochs=max_epochs, random_state=random_state
        ),
    }
    results = {}
    for name, model in models.items():
        start = time.perf_counter()
        model.fit(X)
        fit_s = time.perf_counter() - start
        samples = model.sample(n_series, random_state=random_state)
        results[name] = {
            "fit_s": fit_s,
            "samples": samples,
            "discriminative": discriminative_score(
                X,
                samples,
                hidden_size=64,
                n_iterations=n_iterations,
                scaling=None,
                random_state=random_state,
            ),
            "diversity": sample_diversity(X, samples, random_state=random_state),
            "discriminator_loss": model.history_[:, "discriminator_loss"],
        }

    fig = plt.figure(figsize=(12, 7), layout="constrained")
    top, bottom = fig.subfigures(2, 1, height_ratios=[1, 1.1])
    ax_loss, ax_bar = top.subplots(1, 2)
    for name, result in results.items():
        losses = result["discriminator_loss"]
        ax_loss.plot(np.arange(1, len(losses) + 1), losses, marker=".", label=name)
    ax_loss.axhline(2 * np.log(2), color="gray", linestyle=":", label="chance")
    ax_loss.set(xlabel="epoch", ylabel="discriminator loss", title="the game")
    ax_loss.legend()
    names = list(results)
    x = np.arange(len(names))
    ax_bar.bar(
        x - 0.2,
        [results[n]["discriminative"] for n in names],
        0.4,
        label="discriminative score (GRU 64; 0 is best)",
    )
    ax_bar.bar(
        x + 0.2,
        [results[n]["diversity"] for n in names],
        0.4,
        label="diversity (1 = as varied as the data)",
    )
    ax_bar.set_xticks(x, [n.split(" (")[0] for n in names])
    ax_bar.axhline(1.0, color="gray", linestyle=":")
    ax_bar.legend(loc="upper left", fontsize="small")
    ax_bar.set_ylim(0, 1.35)
    ax_bar.set_title("fidelity of 2000 samples")

    panels = {"real series": X, **{n: r["samples"] for n, r in results.items()}}
    axes = bottom.subplots(1, len(panels), sharey=True)
    for ax, (name, series) in zip(axes, panels.items(), strict=True):
        ax.plot(series[:12, 0].T, color="tab:blue", alpha=0.6, linewidth=1)
        ax.set(title=name, xlabel="timestep")
    bottom.suptitle("first channel of 12 series")
    fig.savefig(output, dpi=100)  # left open, so the documentation shows it

    for name, result in results.items():
        print(
            f"{name}: fit {result['fit_s']:.1f} s, discriminative score "
            f"{result['discriminative']:.3f}, diversity {result['diversity']:.3f}, "
            f"last discriminator loss {result['discriminator_loss'][-1]:.3f}"
        )
    print(f"wrote {output}")
    return {
        name: {k: v for k, v in r.items() if k != "samples"}
        for name, r in results.items()
    }


if __name__ == "__main__":
    main(*sys.argv[1:2])
