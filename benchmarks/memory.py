"""Peak memory of fitting a generator on a large numpy memmap of windows.

A million windows of 24 steps x 5 channels in float32 are 480 MB on disk. The
script writes such a memmap (random-walk windows, reproducible), then fits
each model in a fresh process on ``np.load(path, mmap_mode="r")`` while a
thread reads the process's resident memory every 10 ms. Anonymous memory
(``RssAnon``) is what the process allocated, copies of the data included;
file-backed memory (``RssFile``) is the memmap's pages in the page cache,
shared and reclaimable. The table gives the growth of the anonymous memory
during ``fit`` against the data's size: a fit that never copies the data
whole grows by the model, its codes and scores, whatever the size of the
memmap.

Usage::

    python benchmarks/memory.py                       # 1,000,000 windows
    python benchmarks/memory.py --windows 100000 300000 1000000 --epochs 1
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

_WORKER = r"""
import json, sys, threading, time
import numpy as np
import torch
torch.set_num_threads(2)
path, model, epochs = sys.argv[1], sys.argv[2], int(sys.argv[3])

def status():
    fields = {}
    for line in open("/proc/self/status"):
        key, _, value = line.partition(":")
        if key in ("RssAnon", "RssFile"):
            fields[key] = int(value.split()[0]) / 1024
    return fields

peak = {"RssAnon": 0.0, "RssFile": 0.0}
def watch():
    while True:
        for key, value in status().items():
            peak[key] = max(peak[key], value)
        time.sleep(0.01)
threading.Thread(target=watch, daemon=True).start()
time.sleep(0.05)
out = {"import_anon_mb": status()["RssAnon"]}
if model != "baseline":
    import sk_tsgen
    X = np.load(path, mmap_mode="r")
    estimator = getattr(sk_tsgen, model)(max_epochs=epochs, random_state=0)
    out["before_fit_anon_mb"] = status()["RssAnon"]
    started = time.perf_counter()
    estimator.fit(X)
    out["fit_s"] = time.perf_counter() - started
    time.sleep(0.05)
    out["fit_anon_mb"], out["fit_file_mb"] = peak["RssAnon"], peak["RssFile"]
print(json.dumps(out))
"""


def write_windows(path: Path, n_windows: int, chunk: int = 100_000) -> None:
    """``n_windows`` random-walk windows (n, 5, 24) as float32, chunk by chunk."""
    rng = np.random.RandomState(0)
    X = np.lib.format.open_memmap(
        path, mode="w+", dtype=np.float32, shape=(n_windows, 5, 24)
    )
    for start in range(0, n_windows, chunk):
        n = min(chunk, n_windows - start)
        steps = rng.standard_normal((n, 5, 24)).astype(np.float32)
        X[start : start + n] = np.cumsum(steps, axis=-1)
    X.flush()
    del X


def measure(path: Path, model: str, epochs: int) -> dict:
    result = subprocess.run(
        [sys.executable, "-c", _WORKER, str(path), model, str(epochs)],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        tail = result.stderr.strip().splitlines()[-1:] or ["?"]
        return {"error": tail[0]}
    return json.loads(result.stdout.strip().splitlines()[-1])


def main(argv=None) -> list[dict]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--windows", type=int, nargs="+", default=[1_000_000])
    parser.add_argument("--models", nargs="+", default=["DenseVAE"])
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args(argv)
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        baseline = measure(Path(folder) / "none.npy", "baseline", 0)
        rows.append({"model": "baseline (torch imported)", **baseline})
        for n_windows in args.windows:
            path = Path(folder) / f"windows_{n_windows}.npy"
            write_windows(path, n_windows)
            data_mb = path.stat().st_size / 2**20
            for model in args.models:
                started = time.perf_counter()
                row = measure(path, model, args.epochs)
                row.update(
                    model=model,
                    windows=n_windows,
                    data_mb=data_mb,
                    wall_s=time.perf_counter() - started,
                )
                rows.append(row)
                print(json.dumps(row), file=sys.stderr)
            path.unlink()
    print(f"\nResident memory during fit, {args.epochs} epoch(s); MB = 2**20 bytes\n")
    print(
        "| model | windows | data (MB) | anonymous before fit (MB) "
        "| peak anonymous in fit (MB) | growth / data | peak file-backed (MB) "
        "| fit (s) |"
    )
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for row in rows:
        if "error" in row:
            print(f"| {row['model']} | {row.get('windows', '')} | | {row['error']} |")
            continue
        if "fit_anon_mb" not in row:
            print(f"| {row['model']} | | | {row['import_anon_mb']:.0f} | | | | |")
            continue
        growth = row["fit_anon_mb"] - row["before_fit_anon_mb"]
        print(
            f"| {row['model']} | {row['windows']:,} | {row['data_mb']:.0f} "
            f"| {row['before_fit_anon_mb']:.0f} | {row['fit_anon_mb']:.0f} "
            f"| {growth / row['data_mb']:.2f} | {row['fit_file_mb']:.0f} "
            f"| {row['fit_s']:.0f} |"
        )
    if args.out:
        args.out.write_text(json.dumps(rows, indent=1))
    return rows


if __name__ == "__main__":
    main()
