"""Every generator on a CUDA GPU against the CPU, in one run: fit, sample and
score times, how far two GPU fits with the same ``random_state`` are apart,
and a model saved on the GPU loaded on the CPU.

Prints one table row per generator and device. Exits with a message on a
machine without CUDA.

Usage::

    python benchmarks/gpu.py [--series 2000] [--epochs 20]
"""

from __future__ import annotations

import argparse
import platform
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
import torch

from sk_tsgen import (
    VAEGAN,
    ConvVAE,
    DenseVAE,
    DiffusionGenerator,
    RecurrentAutoencoder,
    TransformerGAN,
    load,
    save,
)
from sk_tsgen.datasets import make_sines

MODELS = [
    DenseVAE,
    ConvVAE,
    RecurrentAutoencoder,
    VAEGAN,
    TransformerGAN,
    DiffusionGenerator,
]


def _timed(fn):
    if torch.cuda.is_available():
        torch.cuda.synchronize()
    started = time.perf_counter()
    out = fn()
    if torch.cuda.is_available():
        torch.cuda.synchronize()
    return out, time.perf_counter() - started


def run(model_class, X, device: str, epochs: int) -> dict:
    make = lambda: model_class(device=device, max_epochs=epochs, random_state=0)  # noqa: E731
    model, fit_s = _timed(lambda: make().fit(X))
    drawn, sample_s = _timed(lambda: model.sample(len(X), random_state=0))
    scores, score_s = _timed(lambda: model.score_samples(X))
    row = {
        "model": model_class.__name__,
        "device": str(model.net_.device),
        "fit_s": fit_s,
        "sample_s": sample_s,
        "score_s": score_s,
    }
    if device != "cpu":
        again = make().fit(X)
        # how far two fits with the same seed are apart (some of cuDNN's
        # backward passes add in no fixed order)
        row["same_seed_max_abs_diff"] = float(
            np.abs(drawn - again.sample(len(X), random_state=0)).max()
        )
        with tempfile.TemporaryDirectory() as folder:
            save(model, Path(folder) / "gpu.npz")
            on_cpu = load(Path(folder) / "gpu.npz", device="cpu")
        gap = np.abs(on_cpu.score_samples(X) - scores) / np.abs(scores).clip(1e-9)
        row["cpu_load_score_rel_diff"] = float(gap.max())
    return row


def main(argv=None) -> list[dict]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--series", type=int, default=2000)
    parser.add_argument("--epochs", type=int, default=20)
    args = parser.parse_args(argv)
    if not torch.cuda.is_available():
        sys.exit("No CUDA GPU here: nothing to measure.")
    warnings.simplefilter("ignore")
    X = make_sines(args.series, n_timesteps=96, n_channels=5, random_state=0)
    rows = []
    for model_class in MODELS:
        for device in ("cpu", "cuda"):
            rows.append(run(model_class, X, device, args.epochs))
            print(rows[-1], file=sys.stderr)
    print(
        f"\n{platform.processor() or platform.machine()}, "
        f"{torch.cuda.get_device_name()}, torch {torch.__version__}; "
        f"{args.series} sines of 5 x 96, {args.epochs} epochs\n"
    )
    print(
        "| model | device | fit (s) | sample (s) | score (s) "
        "| same seed: samples' max abs. diff | CPU-loaded scores, max rel. diff |"
    )
    print("| --- | --- | ---: | ---: | ---: | --- | ---: |")
    for row in rows:
        same = row.get("same_seed_max_abs_diff")
        same = "" if same is None else f"{same:.1e}"
        gap = row.get("cpu_load_score_rel_diff")
        print(
            f"| {row['model']} | {row['device']} | {row['fit_s']:.1f} "
            f"| {row['sample_s']:.2f} | {row['score_s']:.2f} | {same} "
            f"| {'' if gap is None else f'{gap:.1e}'} |"
        )
    return rows


if __name__ == "__main__":
    main()
