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
    ):
        super().__init__()
        n_in = n_channels * n_timesteps
        self.body = nn.Sequential(nn.Flatten(), *_mlp([n_in, *hidden_layer_sizes]))
        width = hidden_layer_sizes[-1] if hidden_layer_sizes else n_in
        self.head = nn.Linear(width, 2 * latent_dim)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        mean, log_var = self.head(self.body(x)).chunk(2, dim=-1)
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
    ):
        super().__init__()
        sizes = [latent_dim, *reversed(hidden_layer_sizes)]
        self.body = nn.Sequential(
            *_mlp(sizes), nn.Linear(sizes[-1], n_channels * n_timesteps)
        )
        self.out_shape = (n_channels, n_timesteps)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.body(z).view(-1, *self.out_shape)
