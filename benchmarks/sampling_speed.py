"""How fast ConvVAE generates long series: fifty years of hourly values in one call.

Fits ConvVAE (the default architecture, one latent step per 96 hours) on the
hourly Seattle temperature for a few epochs (speed does not depend on how well
it is trained), then times ``sample`` for 438,000 hourly steps against the
plain torch work it wraps: the decoder's forward pass over the same number of
latent steps. Prints a markdown table; the median and best of ``--repeats``.

    python benchmarks/sampling_speed.py [--repeats 7] [--years 50]
"""

from __future__ import annotations

import argparse
import math
import platform
import time

import numpy as np
import torch

from sk_tsgen import ConvVAE
from sk_tsgen.datasets import load_seattle_temperature


def timed(fn, repeats):
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return float(np.median(times)), float(np.min(times))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--years", type=int, default=50)
    parser.add_argument("--epochs", type=int, default=5)
    args = parser.parse_args(argv)

    temperature = load_seattle_temperature()
    vae = ConvVAE(max_epochs=args.epochs, random_state=0).fit(temperature)
    n_steps = 8760 * args.years
    latent_steps = math.ceil(n_steps / vae._period)
    decoder = vae.net_.module_.decoder
    z = torch.randn(1, latent_steps, vae.latent_dim)

    def plain_decoder():
        with torch.inference_mode():
            decoder(z)

    rows = {
        "plain torch: decoder forward only": plain_decoder,
        "ConvVAE.sample, 1 series (pandas out)": lambda: vae.sample(
            y="2030-01-01", n_timesteps=n_steps, random_state=0
        ),
        "ConvVAE.sample, 1 series, noise=True": lambda: vae.sample(
            y="2030-01-01", n_timesteps=n_steps, noise=True, random_state=0
        ),
        "ConvVAE.sample, 10 series": lambda: vae.sample(
            10, y="2030-01-01", n_timesteps=n_steps, random_state=0
        ),
    }
    cpu = platform.processor() or platform.machine()
    print(
        f"{args.years} years of hourly values = {n_steps:,} steps "
        f"({latent_steps:,} latent steps); torch {torch.__version__}, "
        f"{torch.get_num_threads()} threads, {cpu}"
    )
    print()
    print("| what | median (s) | best (s) | steps per second (median) |")
    print("| --- | ---: | ---: | ---: |")
    for name, fn in rows.items():
        fn()  # warm-up
        median, best = timed(fn, args.repeats)
        n_series = 10 if "10 series" in name else 1
        print(
            f"| {name} | {median:.3f} | {best:.3f} | "
            f"{n_series * n_steps / median:,.0f} |"
        )


if __name__ == "__main__":
    main()
