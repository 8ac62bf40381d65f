"""Ten sampled years of ConvVAE against the Sand Point TMY3 year (hourly temperature).

Fits ConvVAE on the dry-bulb temperature of the TMY3 year that pvlib ships
(``load_sand_point_weather``), samples ten years from 2011-01-01, and judges them
with the checks of ``examples/plot_conv_vae_temperature.py``: monthly means,
diurnal range per season, lag-1 h and lag-24 h autocorrelation, and seams (steps
at latent-block boundaries over steps at the same hour elsewhere). It also
reports the seams of the model's reconstruction of the real year, which tells a
decoder seam from a seam of the latent process. Prints a markdown table.

    python benchmarks/weather_year.py [--seeds 0] [--settings defaults ...]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
from conv_vae_design import _cells, _compare  # noqa: E402

from sk_tsgen import ConvVAE  # noqa: E402
from sk_tsgen.datasets import load_sand_point_weather  # noqa: E402
from sk_tsgen.long_series import seam_ratio  # noqa: E402

SETTINGS = {
    # what a new user writes: max_epochs="auto", about 3000 gradient steps,
    # which is 750 epochs of this year at the default batch size
    "defaults": {},
    # the default before max_epochs="auto": 400 gradient steps of this year
    "100 epochs": {"max_epochs": 100},
    # the settings of the Seattle temperature example
    "500 epochs, batch 16, lr 3e-3": {"max_epochs": 500, "batch_size": 16, "lr": 3e-3},
}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0])
    parser.add_argument("--settings", nargs="+", default=list(SETTINGS))
    parser.add_argument("--years", type=int, default=10)
    args = parser.parse_args(argv)
    compare = _compare()
    temperature = load_sand_point_weather()["Dry-bulb (C)"]
    n_steps = 24 * round(365.25 * args.years)

    print(f"ConvVAE(prior='seasonal') on the Sand Point TMY3 year; {args.years} years")
    print()
    print(
        "| setting | seed | monthly RMSE (°C) | worst diurnal range error "
        "| ACF error 1 h / 24 h | seam ratio 768 h / 96 h "
        "| reconstruction seam ratio 96 h | reconstruction RMSE (°C) | fit (s) |"
    )
    print("| --- | ---: | ---: | ---: | --- | --- | ---: | ---: | ---: |")
    for name in args.settings:
        for seed in args.seeds:
            vae = ConvVAE(prior="seasonal", random_state=seed, **SETTINGS[name])
            start = time.perf_counter()
            vae.fit(temperature)
            fit_s = time.perf_counter() - start
            synth = vae.sample(y="2011-01-01", n_timesteps=n_steps, random_state=seed)
            result = compare(temperature, synth, vae.n_timesteps_, vae._period)
            rec = vae.inverse_transform(
                vae.transform(temperature), n_timesteps=len(temperature)
            )
            rec = pd.Series(np.asarray(rec).ravel(), index=temperature.index)
            rmse = float(np.sqrt(np.mean((rec - temperature) ** 2)))
            print(
                f"| {name} | {seed} | {_cells(result)} "
                f"| {seam_ratio(rec, vae._period, 24):.3f} | {rmse:.2f} | {fit_s:.0f} |"
            )
    real_seams = seam_ratio(temperature, 96, 24)
    print()
    print(f"The real year's own ratio at 96 h boundaries: {real_seams:.3f}")


if __name__ == "__main__":
    main()
