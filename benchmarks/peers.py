"""Other libraries' generators on the fidelity benchmark's windows, judged alike.

Each library lives in its own virtual environment under ``benchmarks/.peers/``
(``torch==2.13.0`` first, then the library from the package registry), made
by ``setup``. ``run`` writes the benchmark's windows to a file, has
``peer_worker.py`` fit and sample in that environment, judges the samples with
the same metrics and seeds as ``fidelity.py`` and records the row in that
dataset's ``results/fidelity_<dataset>.json`` (``results/fidelity.json`` for
Sines), so it joins the table ``fidelity.py`` prints. A library that does not
install or run records its exact error instead.

Rows and their costs: sdv's ``PARSynthesizer`` (deepecho) fits one series at a
time (388 s for 150 Sines series here, 0.6 s per sampled series), so its row
trains on ``--n-train`` windows (default 300) and samples as many; synthcity's
``timegan`` and ``timevae`` train on every window for ``--epochs`` iterations.

Usage::

    python benchmarks/peers.py setup sdv|synthcity
    python benchmarks/peers.py run sdv|synthcity [--model timegan|timevae]
        [--dataset stocks] [--n-train 300] [--epochs 128] [--runs 1]
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

HERE = Path(__file__).resolve().parent
PEERS = HERE / ".peers"
PACKAGES = {
    "sdv": ["sdv"],
    # synthcity 0.2.12 pins torch<2.3 (pip replaces 2.13.0 with 2.2.2), and the
    # newest opacus it accepts (1.5.4) needs torch.nn.RMSNorm (torch 2.4):
    # importing synthcity then fails with "module 'torch.nn' has no attribute
    # 'RMSNorm'". opacus 1.5.2 works with torch 2.2.
    "synthcity": ["synthcity", "opacus==1.5.2"],
}


def _python(library: str) -> Path:
    return PEERS / library / "bin" / "python"


def setup(library: str) -> str | None:
    """Make the library's environment; the error text when it fails."""
    env = PEERS / library
    steps = [
        [sys.executable, "-m", "venv", str(env)],
        [str(_python(library)), "-m", "pip", "install", "-q", "torch==2.13.0"],
        [str(_python(library)), "-m", "pip", "install", "-q", *PACKAGES[library]],
    ]
    for step in steps:
        done = subprocess.run(step, capture_output=True, text=True)
        if done.returncode:
            return (done.stderr or done.stdout).strip().splitlines()[-1]
    return None


def _row_name(library, model, n_train, n_windows):
    label = {"sdv": "sdv PARSynthesizer"}.get(library, f"synthcity {model}")
    if n_train < n_windows:
        label += f" ({n_train} training series)"
    return label


def run(args) -> dict:
    sys.path.insert(0, str(HERE))
    import fidelity

    if args.dataset == "sines":
        from sk_tsgen.datasets import make_sines

        windows = make_sines(
            fidelity.N_SERIES, fidelity.N_TIMESTEPS, fidelity.N_CHANNELS, random_state=0
        )
        stem = "fidelity"
    else:
        from sk_tsgen.datasets import load_fidelity_windows

        windows = load_fidelity_windows(args.dataset)
        stem = f"fidelity_{args.dataset}"
    n_train = min(args.n_train or len(windows), len(windows))
    name = _row_name(args.library, args.model, n_train, len(windows))
    per_run = []
    for run_index in range(args.runs):
        rng = np.random.default_rng(run_index)
        train = windows[np.sort(rng.choice(len(windows), n_train, replace=False))]
        with tempfile.TemporaryDirectory() as tmp:
            inputs, outputs = Path(tmp, "in.npz"), Path(tmp, "out.npz")
            np.savez(inputs, windows=train)
            python = _python(args.library)
            if not python.exists():
                per_run.append({"error": f"no environment: run setup {args.library}"})
                break
            start = time.perf_counter()
            done = subprocess.run(
                [
                    str(python),
                    str(HERE / "peer_worker.py"),
                    args.library,
                    args.model,
                    str(inputs),
                    str(outputs),
                    "--epochs",
                    str(args.epochs),
                    "--seed",
                    str(run_index),
                ],
                capture_output=True,
                text=True,
            )
            wall = time.perf_counter() - start
            if not outputs.exists():
                tail = (done.stderr or done.stdout).strip().splitlines()
                per_run.append(
                    {"error": tail[-1] if tail else f"exit {done.returncode}"}
                )
                break
            out = np.load(outputs, allow_pickle=False)
            if "error" in out:
                per_run.append({"error": str(out["error"])})
                print(str(out["trace"]))
                break
            synth = out["synth"]
        scores = fidelity.evaluate(train, synth, run_index, False, fidelity.METRICS)
        scores.update(
            fit_s=float(out["fit_s"]), sample_s=float(out["sample_s"]), wall_s=wall
        )
        if "note" in out and str(out["note"]):
            scores["note"] = str(out["note"])
        print(f"  {name} run {run_index}: {scores}")
        per_run.append(scores)
    path = HERE / "results" / f"{stem}.json"
    results = json.loads(path.read_text()) if path.exists() else {"rows": {}}
    results["rows"][name] = per_run
    path.write_text(json.dumps(results, indent=1))
    return {name: per_run}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("action", choices=["setup", "run"])
    parser.add_argument("library", choices=sorted(PACKAGES))
    parser.add_argument("--model", default="par")
    parser.add_argument(
        "--dataset", default="stocks", choices=["sines", "stocks", "weather"]
    )
    parser.add_argument("--n-train", type=int, default=None)
    parser.add_argument("--epochs", type=int, default=128)
    parser.add_argument("--runs", type=int, default=1)
    args = parser.parse_args(argv)
    if args.action == "setup":
        error = setup(args.library)
        print(f"{args.library}: " + (error or "installed"))
        return
    if args.library == "sdv" and args.n_train is None:
        args.n_train = 300
    print(run(args))


if __name__ == "__main__":
    main()
