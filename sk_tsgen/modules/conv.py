"""Strided 1-D convolutional encoder and transposed-convolutional decoder.

Neither fixes the length of a series: a series of ``k * period`` steps maps to
``k`` latent steps and back, where ``period`` is the product of the strides.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import nn


def _padding(kernel_size: int) -> int:
    # odd kernels with this padding give "same" convolutions: length / stride
    return (kernel_size - 1) // 2


class ConvEncoder(nn.Module):
    """Map series ``(n, channels, k * period)`` to posteriors ``(n, k, latent_dim)``.

    A stack of strided ``Conv1d`` layers with ReLU between them; the last layer
    outputs the mean and log-variance of every latent step.

    Parameters
    ----------
    n_channels : int
        Channels of the series.
    filters : sequence of int
        Widths of the hidden layers, one fewer than ``strides``.
    kernel_sizes, strides : sequence of int
        One per layer; kernel sizes are odd.
    latent_dim : int
        Size of the code of one latent step.
    condition_dim : int
        Length of the encoded condition, read as that many constant input
        channels beside the series (0: none).

    Examples
    --------
    >>> import torch
    >>> from sk_tsgen.modules import ConvEncoder
    >>> enc = ConvEncoder(2, [8, 8], [5, 3, 3], [3, 2, 2], latent_dim=4)
    >>> mean, log_var = enc(torch.randn(5, 2, 36))  # 36 = 3 latent steps of 12
    >>> mean.shape
    torch.Size([5, 3, 4])
    """

    def __init__(
        self,
        n_channels: int,
        filters: Sequence[int],
        kernel_sizes: Sequence[int],
        strides: Sequence[int],
        latent_dim: int,
        condition_dim: int = 0,
    ):
        super().__init__()
        widths = [n_channels + condition_dim, *filters, 2 * latent_dim]
        layers: list[nn.Module] = []
        for i, (kernel, stride) in enumerate(zip(kernel_sizes, strides, strict=True)):
            if i:
                layers.append(nn.ReLU())
            layers.append(
                nn.Conv1d(
                    widths[i], widths[i + 1], kernel, stride, padding=_padding(kernel)
                )
            )
        self.body = nn.Sequential(*layers)

    def forward(
        self, x: torch.Tensor, c: torch.Tensor | None = None
    ) -> tuple[torch.Tensor, torch.Tensor]:
        if c is not None:
            x = torch.cat([x, c[:, :, None].expand(-1, -1, x.shape[-1])], 1)
        mean, log_var = self.body(x).transpose(1, 2).chunk(2, dim=-1)
        return mean, log_var


class ConvDecoder(nn.Module):
    """Map codes ``(n, k, latent_dim)`` to series means ``(n, channels, k * period)``.

    The encoder mirrored with ``ConvTranspose1d`` layers: every latent step is
    projected onto overlapping stretches of the output, so neighbouring latent
    steps blend into one smooth series with no seam between them. The encoded
    condition of a conditional model (``condition_dim`` values) joins the
    code of every latent step.

    Examples
    --------
    >>> import torch
    >>> from sk_tsgen.modules import ConvDecoder
    >>> dec = ConvDecoder(2, [8, 8], [5, 3, 3], [3, 2, 2], latent_dim=4)
    >>> dec(torch.randn(5, 3, 4)).shape
    torch.Size([5, 2, 36])
    """

    def __init__(
        self,
        n_channels: int,
        filters: Sequence[int],
        kernel_sizes: Sequence[int],
        strides: Sequence[int],
        latent_dim: int,
        condition_dim: int = 0,
    ):
        super().__init__()
        widths = [latent_dim + condition_dim, *reversed(filters), n_channels]
        layers: list[nn.Module] = []
        pairs = list(zip(reversed(kernel_sizes), reversed(strides), strict=True))
        for i, (kernel, stride) in enumerate(pairs):
            if i:
                layers.append(nn.ReLU())
            # output_padding completes "same": exactly stride x the input length
            layers.append(
                nn.ConvTranspose1d(
                    widths[i],
                    widths[i + 1],
                    kernel,
                    stride,
                    padding=_padding(kernel),
                    output_padding=stride - 1,
                )
            )
        self.body = nn.Sequential(*layers)

    def forward(self, z: torch.Tensor, c: torch.Tensor | None = None) -> torch.Tensor:
        if c is not None:
            z = torch.cat([z, c[:, None, :].expand(-1, z.shape[1], -1)], -1)
        return self.body(z.transpose(1, 2))


def pad_to_period(x: torch.Tensor, period: int) -> torch.Tensor:
    """Extend ``x`` at its end to a multiple of ``period`` steps by repeating
    its last value.

    Examples
    --------
    >>> import torch
    >>> from sk_tsgen.modules.conv import pad_to_period
    >>> pad_to_period(torch.tensor([[[1.0, 2.0, 3.0]]]), 4)
    tensor([[[1., 2., 3., 3.]]])
    """
    extra = math.ceil(x.shape[-1] / period) * period - x.shape[-1]
    return F.pad(x, (0, extra), mode="replicate") if extra else x
