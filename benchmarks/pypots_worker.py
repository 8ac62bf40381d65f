"""Fit PyPOTS' SAITS and BRITS on windows and impute masked ones (one process).

Runs inside PyPOTS' own virtual environment (see ``imputation.py``), so it
needs numpy and pypots, nothing from sk_tsgen. Reads ``train`` (complete
windows, ``(n, channels, timesteps)``) and ``test_<scenario>`` (windows with
NaN) from an ``.npz``; writes ``<model>__<scenario>`` imputations and
``<model>__fit_s`` / ``<model>__impute_s`` times to another. A model that fails
writes ``<model>__error`` with the exact error instead.

Usage::

    python pypots_worker.py IN.npz OUT.npz [--epochs N] [--seed S]
"""

from __future__ import annotations

import argparse
import time
import traceback

import numpy as np


def _models(n_steps, n_features, epochs):
    from pypots.imputation import BRITS, SAITS

    common = {
        "batch_size": 32,
        "epochs": epochs,
        "device": "cpu",
        "saving_path": None,
        "verbose": False,
    }
    return {
        # the configuration of PyPOTS' SAITS tutorial, at CPU size
        "SAITS": lambda: SAITS(
            n_steps,
            n_features,
            n_layers=2,
            d_model=128,
            n_heads=4,
            d_k=32,
            d_v=32,
            d_ffn=128,
            dropout=0.1,
            **common,
        ),
        "BRITS": lambda: BRITS(n_steps, n_features, rnn_hidden_size=64, **common),
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("inputs")
    parser.add_argument("outputs")
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    data = np.load(args.inputs)
    # PyPOTS reads (n, timesteps, features)
    train = data["train"].transpose(0, 2, 1).astype(np.float32)
    tests = {
        key[len("test_") :]: data[key].transpose(0, 2, 1).astype(np.float32)
        for key in data.files
        if key.startswith("test_")
    }
    out = {}
    try:
        import torch

        torch.manual_seed(args.seed)
        np.random.seed(args.seed)  # noqa: NPY002  (PyPOTS masks with the global state)
        models = _models(train.shape[1], train.shape[2], args.epochs)
    except Exception as exc:  # noqa: BLE001  (the exact reason is the result)
        for name in ("SAITS", "BRITS"):
            out[f"{name}__error"] = f"{type(exc).__name__}: {exc}"
        np.savez(args.outputs, **out)
        return
    for name, make in models.items():
        try:
            model = make()
            start = time.perf_counter()
            model.fit({"X": train})
            out[f"{name}__fit_s"] = time.perf_counter() - start
            start = time.perf_counter()
            for scenario, X in tests.items():
                filled = model.predict({"X": X})["imputation"]
                out[f"{name}__{scenario}"] = np.asarray(filled).transpose(0, 2, 1)
            out[f"{name}__impute_s"] = time.perf_counter() - start
        except Exception as exc:  # noqa: BLE001
            out[f"{name}__error"] = f"{type(exc).__name__}: {exc}"
            print(traceback.format_exc())
    np.savez(args.outputs, **out)


if __name__ == "__main__":
    main()
