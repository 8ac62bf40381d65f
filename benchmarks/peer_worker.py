"""Fit another library's generator on windows and sample from it (one process).

Runs inside that library's own virtual environment (see ``peers.py``), so it
needs numpy and the library, nothing from sk_tsgen. Reads windows of shape
``(n, channels, timesteps)`` from an ``.npz``, writes the samples and the fit
and sample times to another; on failure it writes the exact error instead.

Usage::

    python peer_worker.py LIBRARY MODEL IN.npz OUT.npz [--epochs N] [--seed S]
"""

from __future__ import annotations

import argparse
import time
import traceback

import numpy as np


def _sdv_par(windows, n_samples, epochs, seed):
    import pandas as pd
    from sdv.metadata import Metadata
    from sdv.sequential import PARSynthesizer

    n, n_channels, n_timesteps = windows.shape
    columns = [f"c{i}" for i in range(n_channels)]
    long = pd.DataFrame(
        windows.transpose(0, 2, 1).reshape(-1, n_channels), columns=columns
    )
    long.insert(0, "series", np.repeat(np.arange(n), n_timesteps).astype(str))
    long.insert(1, "step", np.tile(np.arange(n_timesteps), n))
    metadata = Metadata.detect_from_dataframes({"windows": long})
    metadata.update_column("series", "windows", sdtype="id")
    metadata.set_sequence_key("series", "windows")
    metadata.update_column("step", "windows", sdtype="numerical")
    metadata.set_sequence_index("step", "windows")
    for column in columns:
        metadata.update_column(column, "windows", sdtype="numerical")
    model = PARSynthesizer(metadata, epochs=epochs, cuda=False, verbose=False)
    np.random.seed(seed)  # noqa: NPY002  (sdv samples from the global state)
    start = time.perf_counter()
    model.fit({"windows": long})
    fit_s = time.perf_counter() - start
    start = time.perf_counter()
    synth = model.sample_sequences(n_samples, sequence_length=n_timesteps)
    sample_s = time.perf_counter() - start
    if isinstance(synth, dict):  # sdv 2 returns a table per name
        synth = synth["windows"]
    values = np.stack(
        [group[columns].to_numpy() for _, group in synth.groupby("series", sort=False)]
    )
    return values.transpose(0, 2, 1), fit_s, sample_s


def _synthcity(plugin, windows, n_samples, epochs, seed):
    import pandas as pd
    from synthcity.plugins import Plugins
    from synthcity.plugins.core.dataloader import TimeSeriesDataLoader

    n, n_channels, n_timesteps = windows.shape
    columns = [f"c{i}" for i in range(n_channels)]
    temporal = [pd.DataFrame(w.T, columns=columns) for w in windows]
    times = [list(range(n_timesteps))] * n
    outcome = pd.DataFrame({"y": np.zeros(n)})
    loader = TimeSeriesDataLoader(
        temporal_data=temporal,
        observation_times=times,
        static_data=None,
        outcome=outcome,
    )
    model = Plugins().get(plugin, n_iter=epochs, random_state=seed)
    start = time.perf_counter()
    model.fit(loader)
    fit_s = time.perf_counter() - start
    start = time.perf_counter()
    synth = model.generate(count=n_samples)
    sample_s = time.perf_counter() - start
    # one frame per series; unpack(as_numpy=True, pad=True) miscounts the
    # columns of generated data ("could not broadcast input array from shape
    # (24,6) into shape (24,5)" on the stocks windows), so read the frames.
    # synthcity's sequence models also generate each series' length and
    # observation times: order each series by its times, and keep those of
    # the training windows' length (how many were dropped is reported).
    _, temporal_out, times_out, _ = synth.unpack()
    kept, lengths = [], []
    for frame, when in zip(temporal_out, times_out, strict=True):
        order = np.argsort(np.asarray(when, dtype=np.float64), kind="stable")
        values = np.asarray(frame[columns], dtype=np.float64)[order]
        lengths.append(len(values))
        if len(values) == n_timesteps:
            kept.append(values)
    if not kept:
        seen = ", ".join(str(k) for k in sorted(set(lengths)))
        raise ValueError(
            f"{plugin} generated no series of {n_timesteps} steps (lengths seen: "
            f"{seen})"
        )
    note = f"{len(kept)} of {len(lengths)} generated series have {n_timesteps} steps"
    return np.stack(kept).transpose(0, 2, 1), fit_s, sample_s, note


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("library", choices=["sdv", "synthcity"])
    parser.add_argument("model")
    parser.add_argument("inputs")
    parser.add_argument("outputs")
    parser.add_argument("--epochs", type=int, default=128)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--n-samples", type=int, default=None)
    args = parser.parse_args(argv)
    windows = np.load(args.inputs)["windows"]
    n_samples = args.n_samples or len(windows)
    try:
        if args.library == "sdv":
            synth, fit_s, sample_s = _sdv_par(
                windows, n_samples, args.epochs, args.seed
            )
            note = ""
        else:
            synth, fit_s, sample_s, note = _synthcity(
                args.model, windows, n_samples, args.epochs, args.seed
            )
        np.savez(args.outputs, synth=synth, fit_s=fit_s, sample_s=sample_s, note=note)
    except Exception as exc:  # the exact error is the result
        np.savez(
            args.outputs,
            error=f"{type(exc).__name__}: {exc}",
            trace=traceback.format_exc(),
        )


if __name__ == "__main__":
    main()
