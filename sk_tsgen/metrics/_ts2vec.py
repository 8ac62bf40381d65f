"""A TS2Vec-style contrastive encoder of time series, the embedding of Context-FID.

The encoder (Yue et al., 2022) projects every timestep to a hidden width, passes
the sequence through residual blocks of dilated convolutions (dilation doubling
per block) and returns one representation per timestep. It is trained without
labels: two overlapping random crops of the same series, each with half of its
timesteps masked, must give matching representations where they overlap,
contrasted against other series (instance loss) and other timesteps of the same
series (temporal loss), at every scale of a max-pooling hierarchy. A running
average of the weights over training is the encoder that embeds.
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn
from torch.optim.swa_utils import AveragedModel


def _same_conv(conv: nn.Conv1d, x: torch.Tensor) -> torch.Tensor:
    """``conv(x)`` with "same" padding, cheap when the dilation outruns the series.

    A kernel-3 tap at distance ``dilation >= length`` only ever meets padding, so
    the output equals that of the centre tap alone; computing it that way avoids
    convolving over ``2 * dilation`` zeros (up to 2048 for the deepest block).
    """
    if conv.dilation[0] >= x.shape[-1]:
        return F.conv1d(x, conv.weight[:, :, 1:2], conv.bias)
    return conv(x)


class _DilatedBlock(nn.Module):
    def __init__(self, n_in: int, n_out: int, dilation: int, project: bool):
        super().__init__()
        self.conv1 = nn.Conv1d(n_in, n_out, 3, dilation=dilation, padding="same")
        self.conv2 = nn.Conv1d(n_out, n_out, 3, dilation=dilation, padding="same")
        self.skip = nn.Conv1d(n_in, n_out, 1) if project else nn.Identity()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = _same_conv(self.conv1, F.gelu(x))
        return self.skip(x) + _same_conv(self.conv2, F.gelu(h))


class TS2VecEncoder(nn.Module):
    """Timestep representations of series ``(batch, timesteps, channels)``.

    Parameters
    ----------
    n_channels : int
        Input channels.
    hidden_size : int, default=64
        Width of the dilated blocks.
    output_size : int, default=320
        Width of the representation.
    depth : int, default=10
        Number of blocks before the output block.
    """

    def __init__(
        self,
        n_channels: int,
        hidden_size: int = 64,
        output_size: int = 320,
        depth: int = 10,
    ):
        super().__init__()
        self.input_fc = nn.Linear(n_channels, hidden_size)
        widths = [hidden_size] * (depth + 1) + [output_size]
        self.blocks = nn.Sequential(
            *[
                _DilatedBlock(
                    widths[i], widths[i + 1], dilation=2**i, project=i == depth
                )
                for i in range(depth + 1)
            ]
        )
        self.dropout = nn.Dropout(0.1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.input_fc(x)
        if self.training:  # timestamp masking: hide half of the steps at random
            keep = torch.rand(h.shape[:2], device=h.device) < 0.5
            h = h * keep.unsqueeze(-1)
        h = self.blocks(h.transpose(1, 2))
        return self.dropout(h).transpose(1, 2)


def _contrast(z1: torch.Tensor, z2: torch.Tensor) -> torch.Tensor:
    """InfoNCE over the middle axis: item ``i`` of ``z1`` matches item ``i`` of ``z2``.

    ``z1`` and ``z2`` have shape ``(groups, items, width)``; every item is
    contrasted with all other items of both views in its group.
    """
    n = z1.shape[1]
    if n < 2:
        return z1.new_zeros(())
    z = torch.cat([z1, z2], dim=1)
    sim = z @ z.transpose(1, 2)
    eye = torch.eye(2 * n, dtype=torch.bool, device=z.device)
    log_prob = F.log_softmax(sim.masked_fill(eye, float("-inf")), dim=-1)
    idx = torch.arange(n, device=z.device)
    return -(log_prob[:, idx, idx + n].mean() + log_prob[:, idx + n, idx].mean()) / 2


def hierarchical_contrastive_loss(z1: torch.Tensor, z2: torch.Tensor) -> torch.Tensor:
    """TS2Vec's loss of two views ``(batch, timesteps, width)`` at every scale."""
    loss, levels = z1.new_zeros(()), 0
    while True:
        # instances within each timestep, then timesteps within each instance
        loss = loss + 0.5 * _contrast(z1.transpose(0, 1), z2.transpose(0, 1))
        if z1.shape[1] == 1:
            levels += 1
            break
        loss = loss + 0.5 * _contrast(z1, z2)
        levels += 1
        z1 = F.max_pool1d(z1.transpose(1, 2), kernel_size=2).transpose(1, 2)
        z2 = F.max_pool1d(z2.transpose(1, 2), kernel_size=2).transpose(1, 2)
    return loss / levels


def _overlapping_crops(x: torch.Tensor, rng: np.random.RandomState):
    """Two random crops per series that share a segment of ``overlap`` steps."""
    n, length = x.shape[:2]
    overlap = rng.randint(2, length + 1) if length > 1 else 1
    left = rng.randint(length - overlap + 1)
    right = left + overlap
    outer_left = rng.randint(left + 1)
    outer_right = rng.randint(right, length + 1)
    shift = rng.randint(-outer_left, length - outer_right + 1, size=n)

    def take(start, width):
        rows = torch.as_tensor(start[:, None] + np.arange(width)[None, :])
        return x[torch.arange(n)[:, None], rows.to(x.device)]

    view1 = take(shift + outer_left, right - outer_left)
    view2 = take(shift + left, outer_right - left)
    return view1, view2, overlap


def fit_ts2vec(
    X: np.ndarray,
    *,
    n_iterations: int | None,
    batch_size: int,
    lr: float,
    device: torch.device,
    rng: np.random.RandomState,
) -> nn.Module:
    """Train an encoder on series ``X (n, timesteps, channels)``; return its average.

    With ``n_iterations=None`` it takes TS2Vec's default: 200 steps for data of at
    most 100,000 values, 600 otherwise. Call it inside a seeded torch block.
    """
    if n_iterations is None:
        n_iterations = 200 if X.size <= 100_000 else 600
    encoder = TS2VecEncoder(X.shape[2]).to(device)
    averaged = AveragedModel(encoder)
    optimizer = torch.optim.AdamW(encoder.parameters(), lr=lr)
    data = torch.as_tensor(X, dtype=torch.float32, device=device)
    encoder.train()
    for _ in range(n_iterations):
        batch = data[torch.as_tensor(rng.choice(len(data), size=batch_size))]
        view1, view2, overlap = _overlapping_crops(batch, rng)
        z1 = encoder(view1)[:, -overlap:]
        z2 = encoder(view2)[:, :overlap]
        loss = hierarchical_contrastive_loss(z1, z2)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        averaged.update_parameters(encoder)
    averaged.eval()
    return averaged


def embed_series(encoder: nn.Module, X: np.ndarray, device, batch_size=1024):
    """One vector per series: the representation max-pooled over all timesteps."""
    out = []
    with torch.inference_mode():
        for start in range(0, len(X), batch_size):
            batch = torch.as_tensor(
                X[start : start + batch_size], dtype=torch.float32, device=device
            )
            out.append(encoder(batch).amax(dim=1).cpu().numpy())
    return np.concatenate(out).astype(np.float64)
