"""Fully connected encoder and decoder over a whole flattened series."""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn


def _mlp(sizes: Sequence[int]) -> list[nn.Module]:
    layers: list[nn.Module] = []
    for n_in, n_out in zip(sizes[:-1], sizes[1:], strict=True):
        layers += [nn.Linear(n_in, n_out), nn.ReLU()]
    return layers


class MLPEncoder(nn.Module):
    """Map series ``(n, channels, timesteps)`` to Gaussian posterior parameters.

    Parameters
    ----------
    n_channels, n_timesteps : int
        Shape of one series.
    hidden_layer_sizes : sequence of int
        Widths of the ReLU layers.
    latent_dim : int
        Size of the latent code.
    condition_dim : int
        Length of the encoded condition read beside the series (0: none).

    Examples
    --------
    >>> import torch
    >>> from sk_tsgen.modules import MLPEncoder
    >>> mean, log_var = MLPEncoder(3, 24, [64], 8)(torch.randn(5, 3, 24))
    >>> mean.shape, log_var.shape
    (torch.Size([5, 8]), torch.Size([5, 8]))
    """

    def __init__(
        self,
        n_channels: int,
        n_timesteps: int,
        hidden_layer_sizes: Sequence[int],
        latent_dim: int,
        condition_dim: int = 0,
    ):
        super().__init__()
        n_in = n_channels * n_timesteps + condition_dim
        # the leading Identity keeps the layers' names of files saved before
        # conditions (where it was a Flatten)
        self.body = nn.Sequential(nn.Identity(), *_mlp([n_in, *hidden_layer_sizes]))
        width = hidden_layer_sizes[-1] if hidden_layer_sizes else n_in
        self.head = nn.Linear(width, 2 * latent_dim)

    def forward(
        self, x: torch.Tensor, c: torch.Tensor | None = None
    ) -> tuple[torch.Tensor, torch.Tensor]:
        h = x.flatten(1) if c is None else torch.cat([x.flatten(1), c], 1)
        mean, log_var = self.head(self.body(h)).chunk(2, dim=-1)
        return mean, log_var


class MLPDecoder(nn.Module):
    """Map latent codes ``(n, latent_dim)`` to series means ``(n, channels, steps)``.

    The output layer is linear: the series are standardised, so their values are
    not confined to an interval.

    Examples
    --------
    >>> import torch
    >>> from sk_tsgen.modules import MLPDecoder
    >>> MLPDecoder(3, 24, [64], 8)(torch.randn(5, 8)).shape
    torch.Size([5, 3, 24])
    """

    def __init__(
        self,
        n_channels: int,
        n_timesteps: int,
        hidden_layer_sizes: Sequence[int],
        latent_dim: int,
        condition_dim: int = 0,
    ):
        super().__init__()
        sizes = [latent_dim + condition_dim, *reversed(hidden_layer_sizes)]
        self.body = nn.Sequential(
            *_mlp(sizes), nn.Linear(sizes[-1], n_channels * n_timesteps)
        )
        self.out_shape = (n_channels, n_timesteps)

    def forward(self, z: torch.Tensor, c: torch.Tensor | None = None) -> torch.Tensor:
        h = z if c is None else torch.cat([z, c], 1)
        return self.body(h).view(-1, *self.out_shape)
