"""Fit time of DenseVAE against plain PyTorch training loops, in one run.

All contenders train the same module (``GaussianVAE`` with the dense encoder and
decoder DenseVAE builds), with the same loss, optimiser, data, batch size and
number of epochs:

* ``torch loop, DataLoader``: the textbook loop over
  ``DataLoader(TensorDataset(X), shuffle=True)``;
* ``torch loop, slicing``: a lean loop that shuffles once per epoch and slices
  batches from the tensor (the fastest plain loop we know);
* ``DenseVAE.fit``: the whole estimator fit, including input validation,
  scaling, skorch's training loop, the Gaussian mixture fitted to the latent
  codes for sampling, and the scoring pass that sets ``offset_``.

Usage::

    python benchmarks/fit_overhead.py [--epochs 20] [--repeats 5]
"""

import argparse
import platform
import time

import numpy as np
import torch
from torch.utils.data import DataLoader, TensorDataset

from sk_tsgen import DenseVAE
from sk_tsgen._nets import NegativeELBO
from sk_tsgen.datasets import make_sines
from sk_tsgen.modules import GaussianVAE, MLPDecoder, MLPEncoder

N_SERIES, N_CHANNELS, N_TIMESTEPS = 10_000, 5, 24
LATENT, HIDDEN, BATCH, LR = 8, (128,), 64, 1e-3


def _module():
    shape = (N_CHANNELS, N_TIMESTEPS)
    return GaussianVAE(
        MLPEncoder(*shape, HIDDEN, LATENT),
        MLPDecoder(*shape, HIDDEN, LATENT),
        N_CHANNELS,
    )


def _standardised(X):
    mean = X.mean(axis=(0, 2), keepdims=True)
    std = X.std(axis=(0, 2), keepdims=True)
    return torch.as_tensor(((X - mean) / std).astype(np.float32))


def torch_loop_dataloader(X, epochs, seed):
    torch.manual_seed(seed)
    module, loss_fn = _module(), NegativeELBO()
    opt = torch.optim.Adam(module.parameters(), lr=LR)
    loader = DataLoader(TensorDataset(_standardised(X)), batch_size=BATCH, shuffle=True)
    for _ in range(epochs):
        for (xb,) in loader:
            opt.zero_grad()
            loss = loss_fn(module(xb), xb)
            loss.backward()
            opt.step()
    return module


def torch_loop_slicing(X, epochs, seed):
    torch.manual_seed(seed)
    module, loss_fn = _module(), NegativeELBO()
    opt = torch.optim.Adam(module.parameters(), lr=LR)
    Xt = _standardised(X)
    for _ in range(epochs):
        Xp = Xt[torch.randperm(len(Xt))]
        for start in range(0, len(Xp), BATCH):
            xb = Xp[start : start + BATCH]
            opt.zero_grad()
            loss = loss_fn(module(xb), xb)
            loss.backward()
            opt.step()
    return module


def dense_vae_fit(X, epochs, seed):
    return DenseVAE(
        latent_dim=LATENT,
        hidden_layer_sizes=HIDDEN,
        batch_size=BATCH,
        lr=LR,
        max_epochs=epochs,
        device="cpu",
        random_state=seed,
    ).fit(X)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()

    X = make_sines(N_SERIES, N_TIMESTEPS, N_CHANNELS, random_state=0)
    contenders = {
        "torch loop, DataLoader": torch_loop_dataloader,
        "torch loop, slicing": torch_loop_slicing,
        "DenseVAE.fit": dense_vae_fit,
    }
    times = {name: [] for name in contenders}
    outside_epochs = []  # DenseVAE.fit time outside skorch's epochs
    dense_vae_fit(X[:500], 1, 0)  # warm-up: imports, allocator, thread pool
    for repeat in range(args.repeats):  # interleaved, so drift hits all alike
        for name, fit in contenders.items():
            start = time.perf_counter()
            fitted = fit(X, args.epochs, repeat)
            times[name].append(time.perf_counter() - start)
            if name == "DenseVAE.fit":
                epochs = sum(fitted.history_[:, "dur"])
                outside_epochs.append(times[name][-1] - epochs)

    base = np.median(times["torch loop, slicing"])
    print(
        f"Sines {N_SERIES} x {N_CHANNELS} channels x {N_TIMESTEPS} steps, "
        f"batch {BATCH}, {args.epochs} epochs, hidden {HIDDEN}, latent {LATENT}; "
        f"median of {args.repeats} interleaved runs"
    )
    print(
        f"torch {torch.__version__}, {torch.get_num_threads()} threads, "
        f"{platform.processor() or platform.machine()}"
    )
    print()
    best = min(times["torch loop, slicing"])
    print(
        "| contender | median fit (s) | min (s) | max (s) "
        "| median ratio to slicing loop | min ratio to slicing loop |"
    )
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for name, t in times.items():
        print(
            f"| {name} | {np.median(t):.2f} | {min(t):.2f} | {max(t):.2f} | "
            f"{np.median(t) / base:.3f} | {min(t) / best:.3f} |"
        )
    print()
    print(
        f"DenseVAE.fit outside the training epochs (checks, scaling, latent mixture, "
        f"scoring pass for offset_): median {np.median(outside_epochs):.2f} s"
    )


if __name__ == "__main__":
    main()
