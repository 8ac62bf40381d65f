"""
TransformerGAN: January and July days on prompt
================================================

:class:`sk_tsgen.TransformerGAN` is a GAN whose generator and discriminator
are transformers. Trained with a condition per series, it generates on
prompt: here the conditions are month names and the series are the 365 daily
24-hour temperature profiles of Seattle's 2010 (the hourly table that
``vega_datasets`` ships).

After ``fit(days, months)``, ``sample(200, y="January")`` makes 200 January
days. The script compares the generated January and July days with the real
ones (mean, spread, daily range, hour of the warmest value), the monthly
means of all twelve prompts with the real monthly means, and overlays real
and generated days in PCA and t-SNE embeddings, with ``embedding_kl``, the
KL divergence between 2-D Gaussians fitted to the two clouds (the article's
figure; 0 when they coincide).

Run it as a script to write ``transformer_gan_temperature.png``::

    python examples/plot_transformer_gan_temperature.py [output.png]
"""

import sys
import time

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from sk_tsgen import TransformerGAN  # noqa: E402
from sk_tsgen.datasets import load_seattle_temperature  # noqa: E402
from sk_tsgen.metrics import embedding_kl  # noqa: E402
from sk_tsgen.plotting import plot_embedding  # noqa: E402

MONTHS = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]


def day_statistics(days):
    """Mean, standard deviation, mean daily range and mean hour of the maximum."""
    return {
        "mean": days.mean(),
        "sd": days.std(),
        "range": np.ptp(days, axis=1).mean(),
        "warmest hour": days.argmax(axis=1).mean(),
    }


def main(output="transformer_gan_temperature.png", max_epochs=300, random_state=0):
    temperature = load_seattle_temperature()
    days = temperature.to_numpy().reshape(-1, 24)
    months = temperature.index[::24].month_name().to_numpy()

    start = time.perf_counter()
    gan = TransformerGAN(max_epochs=max_epochs, random_state=random_state)
    gan.fit(days, months)
    print(f"fit on {len(days)} days in {time.perf_counter() - start:.0f} s")

    stats = {}
    for month in ("January", "July"):
        generated = gan.sample(200, y=month, random_state=random_state)
        stats[month] = {
            "real": day_statistics(days[months == month]),
            "generated": day_statistics(generated),
        }
        for kind, values in stats[month].items():
            line = ", ".join(f"{k} {v:5.1f}" for k, v in values.items())
            print(f"{month:8s} {kind:9s} {line}")

    monthly = {
        month: (
            days[months == month].mean(),
            gan.sample(200, y=month, random_state=random_state).mean(),
        )
        for month in MONTHS
    }
    real_means, generated_means = np.array(list(monthly.values())).T
    monthly_rmse = float(np.sqrt(np.mean((real_means - generated_means) ** 2)))
    print(f"monthly means: RMSE {monthly_rmse:.2f} °F over the 12 prompts")

    # as many generated days as real ones, months at their frequencies
    synthetic = gan.sample(len(days), random_state=random_state)
    kl = {
        method: embedding_kl(days, synthetic, method=method, random_state=0)
        for method in ("pca", "tsne")
    }
    print(f"embedding_kl: PCA {kl['pca']:.3f}, t-SNE {kl['tsne']:.3f}")

    fig, axes = plt.subplots(2, 2, figsize=(11, 8.5), layout="constrained")
    hours = np.arange(24)
    ax = axes[0, 0]
    for month, color in (("January", "tab:blue"), ("July", "tab:red")):
        real = days[months == month]
        generated = gan.sample(200, y=month, random_state=random_state)
        for values, style, kind in (
            (real, "-", "real"),
            (generated, "--", "generated"),
        ):
            mean, sd = values.mean(0), values.std(0)
            ax.plot(hours, mean, style, color=color, label=f"{month}, {kind}")
            ax.fill_between(hours, mean - sd, mean + sd, color=color, alpha=0.12)
    ax.set(xlabel="hour", ylabel="°F", title="Mean day ± 1 sd, real and on prompt")
    ax.legend(fontsize=8)

    ax = axes[0, 1]
    ax.plot(range(12), real_means, "o-", label="real")
    ax.plot(range(12), generated_means, "s--", label="generated on prompt")
    ax.set_xticks(range(12), [m[:3] for m in MONTHS])
    ax.set(ylabel="°F", title=f"Monthly mean (RMSE {monthly_rmse:.2f} °F)")
    ax.legend()

    for ax, method in zip(axes[1], ("pca", "tsne"), strict=True):
        plot_embedding(days, synthetic, method=method, random_state=0, ax=ax)
        ax.set_title(f"{method.upper()}: embedding_kl {kl[method]:.3f}")

    fig.suptitle("TransformerGAN on Seattle's daily temperature, prompted by month")
    fig.savefig(output, dpi=100)
    print(f"wrote {output}")
    return {"stats": stats, "monthly_rmse": monthly_rmse, "kl": kl}


if __name__ == "__main__":
    main(*sys.argv[1:2])
