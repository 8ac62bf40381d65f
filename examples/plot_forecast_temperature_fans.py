"""
Day-ahead temperature fans from a generator's sample paths
==========================================================

A generator of three-day windows of hourly temperature is a probabilistic
forecaster: given the last two days, its imputations of the third are
sample paths of tomorrow. :class:`sk_tsgen.sktime.GenerativeForecaster` wraps
that in sktime's forecasting interface, so the paths give a median forecast,
intervals, quantiles and an empirical distribution.

Here it learns Sand Point's (Alaska) TMY3 year of hourly dry-bulb temperature
up to 1 December, with its defaults: a :class:`sk_tsgen.DenseVAE`, 72-hour
windows conditioned on their place on the calendar, 24 hours forecast per
window, and the paths' spread calibrated on forecasts of the autumn. Then it
forecasts the next day from four origins a week apart, updating the history
(not the model) with the days in between. Each panel shows a few paths, the
50 % and 90 % bands and the truth.

Run it as a script to write ``forecast_temperature_fans.png``::

    python examples/plot_forecast_temperature_fans.py [output.png]
"""

import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from sk_tsgen import DenseVAE  # noqa: E402
from sk_tsgen.datasets import load_sand_point_weather  # noqa: E402
from sk_tsgen.sktime import GenerativeForecaster  # noqa: E402


def main(output="forecast_temperature_fans.png", max_epochs=100, n_origins=4):
    temperature = load_sand_point_weather()["Dry-bulb (C)"].rename("temperature")
    fit_end = temperature.index.get_loc(temperature["2001-12-01"].index[0])
    forecaster = GenerativeForecaster(
        DenseVAE(max_epochs=max_epochs, random_state=0), random_state=0
    )
    forecaster.fit(temperature.iloc[:fit_end])
    fh = np.arange(1, 25)
    fig, axes = plt.subplots(
        1, n_origins, figsize=(3.4 * n_origins, 3.4), sharey=True, layout="constrained"
    )
    inside90, inside50 = [], []
    for k, ax in enumerate(np.atleast_1d(axes)):
        origin = fit_end + 24 * 7 * k
        if k:  # the week since the last origin becomes the forecast's context
            forecaster.update(temperature.iloc[origin - 24 * 7 : origin])
        truth = temperature.iloc[origin : origin + 24]
        paths = forecaster.simulate(40, fh=fh)["temperature"].unstack("path")
        bands = forecaster.predict_interval(fh, coverage=[0.5, 0.9])
        median = forecaster.predict(fh)
        past = temperature.iloc[origin - 48 : origin]
        ax.plot(past.index, past, color="k", lw=1)
        ax.plot(paths.index, paths.iloc[:, :15], color="tab:blue", lw=0.5, alpha=0.4)
        for coverage, alpha in ((0.9, 0.2), (0.5, 0.35)):
            lower = bands[("temperature", coverage, "lower")]
            upper = bands[("temperature", coverage, "upper")]
            ax.fill_between(truth.index, lower, upper, color="tab:blue", alpha=alpha)
            inside = ((truth >= lower) & (truth <= upper)).to_numpy()
            (inside90 if coverage == 0.9 else inside50).append(inside)
        ax.plot(median.index, median, color="tab:blue", lw=1.5, label="median")
        ax.plot(truth.index, truth, color="k", lw=1.5, ls="--", label="truth")
        ax.set_title(f"from {truth.index[0]:%d %b %H:%M}")
        ax.tick_params(axis="x", labelrotation=45)
    np.atleast_1d(axes)[0].set_ylabel("°C")
    np.atleast_1d(axes)[0].legend(loc="lower left")
    fig.suptitle("Sand Point, day-ahead temperature: paths, 50 % and 90 % bands")
    if output:
        fig.savefig(output, dpi=110)
    return {
        "coverage90": float(np.mean(inside90)),
        "coverage50": float(np.mean(inside50)),
        "window_length": forecaster.window_length_,
        "spread": forecaster.spread_[:, 0],
    }


if __name__ == "__main__":
    result = main(*sys.argv[1:2])
    print(f"windows of {result['window_length']} hours")
    print(f"spread factors, 1 and 24 hours ahead: {result['spread'][[0, -1]].round(2)}")
    print(
        f"truth inside the 90 % band: {result['coverage90']:.0%}, "
        f"the 50 % band: {result['coverage50']:.0%}"
    )
