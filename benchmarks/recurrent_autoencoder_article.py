"""RecurrentAutoencoder against the article's sequence autoencoder, on its data.

The article trains a Keras LSTM autoencoder on sin/cos pairs (10,000 points of
``x`` in [0, 100], cut into 200 windows of 50 steps; the first 160 train, the
last 40 are held out) for 10 epochs and prints a final validation loss of
0.3072. This script trains, side by side and for the same 10 epochs on the same
160 windows:

* the article's network in a plain PyTorch loop: an LSTM of 20 units with
  ReLU activations (written out, as ``torch.nn.LSTM`` only has tanh), its last
  state repeated 50 times into a second such LSTM and a per-step dense layer;
  Adam at Keras' default rate 1e-3, batches of 128, squared error;
* the same loop with ``torch.nn.LSTM`` (tanh), then with small batches and a
  higher rate too, to separate the effect of each training choice;
* :class:`sk_tsgen.RecurrentAutoencoder` with its defaults and two variants.

It prints, per configuration, the mean squared reconstruction error of the 40
held-out windows in the data's units (the article's loss), over ``--seeds``
seeds, and the fit time.

Usage::

    python benchmarks/recurrent_autoencoder_article.py [--seeds 0 1 2]
"""

from __future__ import annotations

import argparse
import platform
import time

import numpy as np
import torch
from torch import nn

from sk_tsgen import RecurrentAutoencoder
from sk_tsgen.datasets import make_sin_cos_windows

ARTICLE_VALID_LOSS = 0.3072
EPOCHS = 10


class ReluLSTM(nn.Module):
    """One LSTM layer with ReLU in place of tanh (Keras ``activation='relu'``)."""

    def __init__(self, n_in: int, hidden: int):
        super().__init__()
        self.hidden = hidden
        self.gates = nn.Linear(n_in + hidden, 4 * hidden)

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # (n, steps, n_in)
        h = c = x.new_zeros(len(x), self.hidden)
        outputs = []
        for t in range(x.shape[1]):
            i, f, g, o = self.gates(torch.cat([x[:, t], h], 1)).chunk(4, 1)
            c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.relu(g)
            h = torch.sigmoid(o) * torch.relu(c)
            outputs.append(h)
        return torch.stack(outputs, 1)


class ArticleAutoencoder(nn.Module):
    """Encoder LSTM -> last state repeated -> decoder LSTM -> per-step dense."""

    def __init__(self, hidden: int = 20, n_channels: int = 2, relu: bool = True):
        super().__init__()
        if relu:
            self.encoder, self.decoder = (
                ReluLSTM(n_channels, hidden),
                ReluLSTM(hidden, hidden),
            )
        else:
            self.encoder = nn.LSTM(n_channels, hidden, batch_first=True)
            self.decoder = nn.LSTM(hidden, hidden, batch_first=True)
        self.out = nn.Linear(hidden, n_channels)

    @staticmethod
    def _run(rnn, x):
        out = rnn(x)
        return out[0] if isinstance(out, tuple) else out

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # (n, steps, channels)
        code = self._run(self.encoder, x)[:, -1]
        repeated = code.unsqueeze(1).expand(-1, x.shape[1], -1)
        return self.out(self._run(self.decoder, repeated))


def plain_torch(train, test, seed, *, relu, batch_size, lr):
    """The article's training loop in plain PyTorch; held-out MSE and seconds."""
    torch.manual_seed(seed)
    xtr = torch.as_tensor(train.transpose(0, 2, 1), dtype=torch.float32)
    xte = torch.as_tensor(test.transpose(0, 2, 1), dtype=torch.float32)
    model = ArticleAutoencoder(relu=relu)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    start = time.perf_counter()
    for _ in range(EPOCHS):
        for idx in torch.randperm(len(xtr)).split(batch_size):
            loss = nn.functional.mse_loss(model(xtr[idx]), xtr[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
    seconds = time.perf_counter() - start
    with torch.no_grad():
        mse = nn.functional.mse_loss(model(xte), xte).item()
    return mse, seconds


def ours(train, test, seed, **params):
    model = RecurrentAutoencoder(max_epochs=EPOCHS, random_state=seed, **params)
    start = time.perf_counter()
    model.fit(train)
    seconds = time.perf_counter() - start
    rebuilt = model.inverse_transform(model.transform(test))
    return float(np.mean((rebuilt - test) ** 2)), seconds


CONFIGS = {
    "article: ReLU LSTM(20), batch 128, lr 1e-3 (plain torch)": lambda *a: plain_torch(
        *a, relu=True, batch_size=128, lr=1e-3
    ),
    "tanh LSTM(20), batch 128, lr 1e-3 (plain torch)": lambda *a: plain_torch(
        *a, relu=False, batch_size=128, lr=1e-3
    ),
    "tanh LSTM(20), batch 32, lr 5e-3 (plain torch)": lambda *a: plain_torch(
        *a, relu=False, batch_size=32, lr=5e-3
    ),
    "RecurrentAutoencoder() (LSTM 64, code 8, batch 32, lr 5e-3)": lambda *a: ours(*a),
    # the article's widths (LSTM 20, code 20): what the architecture alone gives
    "RecurrentAutoencoder(hidden_size=20, latent_dim=20)": lambda *a: ours(
        *a, hidden_size=20, latent_dim=20
    ),
    "RecurrentAutoencoder(batch_size=16)": lambda *a: ours(*a, batch_size=16),
    "RecurrentAutoencoder(cell='gru', batch_size=16)": lambda *a: ours(
        *a, cell="gru", batch_size=16
    ),
}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    args = parser.parse_args(argv)
    windows = make_sin_cos_windows()
    train, test = windows[:160], windows[160:]
    print(
        f"sin/cos windows 160 train + 40 held out x 2 x 50, {EPOCHS} epochs, seeds "
        f"{args.seeds}; {platform.machine()}, {torch.get_num_threads()} threads, "
        f"torch {torch.__version__}\n"
    )
    print("| configuration | held-out MSE per seed | vs 0.3072 | fit (s) |")
    print("| --- | --- | ---: | ---: |")
    print(f"| article (printed) | {ARTICLE_VALID_LOSS} | 1x | |")
    for name, run in CONFIGS.items():
        results = [run(train, test, seed) for seed in args.seeds]
        mse = np.array([r[0] for r in results])
        seconds = np.mean([r[1] for r in results])
        ratio = ARTICLE_VALID_LOSS / mse.max()
        print(
            f"| {name} | {' / '.join(f'{m:.4f}' for m in mse)} "
            f"| {ratio:.0f}x lower (worst seed) | {seconds:.1f} |"
            if ratio >= 1
            else f"| {name} | {' / '.join(f'{m:.4f}' for m in mse)} "
            f"| {1 / ratio:.1f}x higher (worst seed) | {seconds:.1f} |",
            flush=True,
        )


if __name__ == "__main__":
    main()
