"""
ConvVAE on a year of hourly temperature: ten years of synthetic weather
========================================================================

Fits a :class:`sk_tsgen.ConvVAE` with a seasonal prior to the hourly temperature
of Seattle in 2010 (the table ``vega_datasets`` ships), then generates ten
years in one call and checks what matters for simulated weather: the seasonal
profile (monthly means), the diurnal profile by season, the autocorrelation,
and the absence of seams where a windowed generator would glue its windows.

The strides ``3 * 2 * 2 * 2 * 2 * 2`` give one latent step per 96 hours;
``3 * 2 * 2 * 2 = 24`` of them span one day, so the layers learn weights per
phase of the day. The model trains on 32-day windows, and nothing in it fixes
the length: the ten years come out as one smooth series. One year needs no
detrending (the warming trend is about 0.07 °F a year).

Run it as a script to write ``conv_vae_temperature.png``::

    python examples/plot_conv_vae_temperature.py [output.png]
"""

import sys
import time

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from sk_tsgen import ConvVAE  # noqa: E402
from sk_tsgen.datasets import load_seattle_temperature  # noqa: E402
from sk_tsgen.long_series import (  # noqa: E402
    autocorrelation,
    diurnal_range,
    monthly_means,
    seam_ratio,
)
from sk_tsgen.plotting import plot_calendar_profiles  # noqa: E402


def compare(real, synth, window_length: int, period: int) -> dict:
    """The checks of a long synthetic series against the real one."""
    months = monthly_means(synth) - monthly_means(real)
    ranges = diurnal_range(synth) / diurnal_range(real) - 1
    acf_real, acf_synth = (
        autocorrelation(real, [1, 24]),
        autocorrelation(synth, [1, 24]),
    )
    return {
        "monthly_rmse": float(np.sqrt(np.mean(months**2))),
        "diurnal_range_error": ranges.round(3).to_dict(),
        "acf_error": {
            "lag 1h": abs(acf_synth[0] - acf_real[0]),
            "lag 24h": abs(acf_synth[1] - acf_real[1]),
        },
        # boundaries fall at one hour of the day: compare with that hour elsewhere
        "seam_ratio": {
            f"every {every} h": seam_ratio(synth, every, period=24)
            for every in (window_length, period)
        },
    }


def main(output="conv_vae_temperature.png", max_epochs=500, n_years=10):
    temperature = load_seattle_temperature()
    vae = ConvVAE(max_epochs=max_epochs, batch_size=16, lr=3e-3, random_state=0)
    start = time.perf_counter()
    vae.fit(temperature)
    fit_s = time.perf_counter() - start

    start = time.perf_counter()
    synth = vae.sample(
        y="2011-01-01", n_timesteps=24 * round(365.25 * n_years), random_state=0
    )
    sample_s = time.perf_counter() - start
    result = compare(temperature, synth, vae.n_timesteps_, vae._period)
    result.update(fit_s=fit_s, sample_s=sample_s)

    fig = plt.figure(figsize=(13, 8), layout="constrained")
    top, bottom = fig.subfigures(2, 1, height_ratios=[1, 1.1])
    ax = top.subplots()
    ax.plot(temperature.index, temperature.to_numpy(), lw=0.5, label="2010 (real)")
    shown = str(synth.index[-1].year - 1)  # the last whole synthetic year
    year = synth[shown]
    ax.plot(
        year.index - (year.index[0] - temperature.index[0]),
        year.to_numpy(),
        lw=0.5,
        alpha=0.8,
        label=f"{shown} (synthetic)",
    )
    ax.set(
        ylabel="°F",
        title=f"Seattle hourly temperature; {n_years} years sampled "
        f"in {sample_s:.2f} s",
    )
    ax.legend()
    plot_calendar_profiles(temperature, synth, fig=bottom)
    if output:
        fig.savefig(output, dpi=110)
    return result


if __name__ == "__main__":
    result = main(*sys.argv[1:2])
    print(f"fit {result['fit_s']:.1f} s, sampled in {result['sample_s']:.2f} s")
    print(f"monthly mean RMSE: {result['monthly_rmse']:.2f} °F")
    print("diurnal range, relative error by season:", result["diurnal_range_error"])
    print("autocorrelation, absolute error:", result["acf_error"])
    print("seam ratio (1 = no seam):", result["seam_ratio"])
