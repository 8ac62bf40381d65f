"""Adversarial pieces: a discriminator over whole series, GAN losses, a VAE/GAN."""

from __future__ import annotations

from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.attention import SDPBackend, sdpa_kernel

from .vae import GaussianVAE


class SeriesDiscriminator(nn.Module):
    """Score whole series as real (high) or generated (low).

    Strided 1-D convolutions with leaky ReLUs halve the time axis at every
    layer; a linear layer reads the flattened last feature map, so the score
    depends on every step of the series and on where in the series a pattern
    sits.

    Parameters
    ----------
    n_channels, n_timesteps : int
        Shape of one series.
    channels : sequence of int
        Filters of the convolutions, one layer each.
    kernel_size : int
        Width of every convolution (odd, so that padding keeps steps centred).
    condition_dim : int
        Length of the encoded condition of a conditional model (0: none). The
        logit then gains a projection term ``<W c, h>`` between the condition
        and the features ``h`` (the projection discriminator of Miyato and
        Koyama, 2018), so that it judges whether a series is real *for its
        condition*.

    Examples
    --------
    >>> import torch
    >>> from sk_tsgen.modules import SeriesDiscriminator
    >>> SeriesDiscriminator(3, 24, channels=(16, 32))(torch.randn(5, 3, 24)).shape
    torch.Size([5])
    """

    def __init__(
        self,
        n_channels: int,
        n_timesteps: int,
        channels: Sequence[int] = (32, 64),
        kernel_size: int = 5,
        condition_dim: int = 0,
    ):
        super().__init__()
        layers: list[nn.Module] = []
        width, length, pad = n_channels, n_timesteps, kernel_size // 2
        for filters in channels:
            layers += [
                nn.Conv1d(width, filters, kernel_size, stride=2, padding=pad),
                nn.LeakyReLU(0.2),
            ]
            width, length = filters, (length + 2 * pad - kernel_size) // 2 + 1
        self.features = nn.Sequential(*layers, nn.Flatten())
        self.head = nn.Linear(width * length, 1)
        self.projection = (
            nn.Linear(condition_dim, width * length, bias=False)
            if condition_dim
            else None
        )

    def forward(self, x: torch.Tensor, c: torch.Tensor | None = None) -> torch.Tensor:
        h = self.features(x)
        logit = self.head(h).squeeze(-1)
        if self.projection is not None and c is not None:
            logit = logit + (self.projection(c) * h).sum(1)
        return logit


def discriminator_loss(
    real: torch.Tensor, fake: torch.Tensor, kind: str = "non_saturating"
) -> torch.Tensor:
    """Loss of the discriminator for its scores of real and generated series.

    Parameters
    ----------
    real, fake : Tensor of shape (n,)
        Discriminator outputs (logits) on real and on generated series.
    kind : {"non_saturating", "hinge", "least_squares"}
        The GAN objective: the logistic loss of Goodfellow et al., the hinge
        loss of geometric GANs, or the least-squares loss of LSGAN.

    Returns
    -------
    Tensor
        A scalar, the mean over the series.

    Examples
    --------
    >>> import torch
    >>> from sk_tsgen.modules.adversarial import discriminator_loss
    >>> zero = torch.zeros(4)
    >>> round(float(discriminator_loss(zero, zero)), 4)  # 2 log 2 at chance
    1.3863
    """
    if kind == "non_saturating":
        return F.softplus(-real).mean() + F.softplus(fake).mean()
    if kind == "hinge":
        return F.relu(1.0 - real).mean() + F.relu(1.0 + fake).mean()
    if kind == "least_squares":
        return 0.5 * ((real - 1.0).pow(2).mean() + fake.pow(2).mean())
    raise ValueError(f"unknown adversarial loss {kind!r}")


def generator_loss(fake: torch.Tensor, kind: str = "non_saturating") -> torch.Tensor:
    """Adversarial loss of the generator for the discriminator's scores of its series.

    Parameters
    ----------
    fake : Tensor of shape (n,)
        Discriminator outputs (logits) on generated series.
    kind : {"non_saturating", "hinge", "least_squares"}
        As for :func:`discriminator_loss`.

    Returns
    -------
    Tensor
        A scalar, the mean over the series.

    Examples
    --------
    >>> import torch
    >>> from sk_tsgen.modules.adversarial import generator_loss
    >>> round(float(generator_loss(torch.zeros(4))), 4)  # log 2 at chance
    0.6931
    """
    if kind == "non_saturating":
        return F.softplus(-fake).mean()
    if kind == "hinge":
        return -fake.mean()
    if kind == "least_squares":
        return 0.5 * (fake - 1.0).pow(2).mean()
    raise ValueError(f"unknown adversarial loss {kind!r}")


def r1_penalty(discriminator: nn.Module, real: torch.Tensor) -> tuple:
    """Scores of real series and the mean squared norm of their input gradient.

    The R1 regulariser (Mescheder et al., 2018) penalises the discriminator's
    gradient on real data, which keeps it from sharpening without bound near
    the data and makes GAN training converge locally whatever the loss.

    Returns
    -------
    scores : Tensor of shape (n,)
    penalty : Tensor
        ``mean ||d D(x) / dx||^2`` over the series.

    Examples
    --------
    >>> import torch
    >>> from sk_tsgen.modules.adversarial import r1_penalty
    >>> linear = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(6, 1))
    >>> _, penalty = r1_penalty(lambda x: linear(x)[:, 0], torch.randn(4, 2, 3))
    >>> bool(torch.isclose(penalty, linear[1].weight.pow(2).sum()))
    True
    """
    real = real.detach().requires_grad_(True)
    # the fused attention kernels have no second derivative; the math one does
    with sdpa_kernel(SDPBackend.MATH):
        scores = discriminator(real)
    (grad,) = torch.autograd.grad(scores.sum(), real, create_graph=True)
    return scores, grad.pow(2).flatten(1).sum(1).mean()


class AdversarialVAE(GaussianVAE):
    """A :class:`GaussianVAE` whose decoder is also judged by a discriminator.

    The VAE part is unchanged: :meth:`forward` gives the terms of the ELBO and
    :meth:`elbo` the bound used for scoring. It also returns the two kinds of
    generated series that the discriminator judges against real ones, as in
    the VAE/GAN of Larsen et al. (2016): the reconstruction of every series
    from its posterior draw, and a decoded draw from the N(0, I) prior.
    The adversarial training itself lives in the training loop.

    Parameters
    ----------
    encoder, decoder, n_channels
        As for :class:`GaussianVAE`.
    discriminator : nn.Module
        Maps series ``(n, channels, timesteps)`` to one real/generated logit each.

    Examples
    --------
    >>> import torch
    >>> from sk_tsgen.modules import (
    ...     AdversarialVAE, MLPDecoder, MLPEncoder, SeriesDiscriminator)
    >>> vae = AdversarialVAE(
    ...     MLPEncoder(2, 10, [16], 3), MLPDecoder(2, 10, [16], 3), 2,
    ...     SeriesDiscriminator(2, 10, (8,)))
    >>> terms = vae(torch.randn(4, 2, 10))
    >>> sorted(terms)
    ['kl', 'log_likelihood', 'prior_sample', 'reconstruction']
    >>> terms["prior_sample"].shape
    torch.Size([4, 2, 10])
    """

    def __init__(
        self,
        encoder: nn.Module,
        decoder: nn.Module,
        n_channels: int,
        discriminator: nn.Module,
        **kwargs,
    ):
        super().__init__(encoder, decoder, n_channels, **kwargs)
        self.discriminator = discriminator

    def generator_parameters(self):
        """``(name, parameter)`` pairs of the encoder and decoder."""
        return [
            (name, param)
            for name, param in self.named_parameters()
            if not name.startswith("discriminator.")
        ]

    def forward(
        self,
        x: torch.Tensor,
        c: torch.Tensor | None = None,
        mask: torch.Tensor | None = None,
        **context,
    ) -> dict[str, torch.Tensor]:
        """ELBO terms (of the values ``mask`` marks observed, where given),
        reconstructions and as many decoded prior draws.

        With conditions ``c``, the reconstructions read them after condition
        dropout, and the prior draws are decoded with them all, so that both
        are series of the condition the discriminator judges them for.
        """
        dropped = self._drop_conditions(c)
        mean, log_var = self.encode(x, dropped)
        z = mean + torch.exp(0.5 * log_var) * torch.randn_like(mean)
        # one decoder pass for both kinds of generated series
        both_c = None if c is None else torch.cat([dropped, c])
        both = self.decode(torch.cat([z, torch.randn_like(z)]), both_c)
        both = both[..., : x.shape[-1]]
        x_mean, prior_sample = both[: len(x)], both[len(x) :]
        log_sigma = self._fit_noise(x, x_mean, mask) if self.training else None
        return {
            "log_likelihood": self.log_likelihood(x, x_mean, log_sigma, mask),
            "kl": self.prior_kl(mean, log_var, **context),
            "reconstruction": x_mean,
            "prior_sample": prior_sample,
        }


class GaussianHead(nn.Module):
    """Split a code-producing encoder's output into a mean and a log-variance.

    Examples
    --------
    >>> import torch
    >>> from sk_tsgen.modules import GaussianHead, RecurrentEncoder
    >>> mean, log_var = GaussianHead(RecurrentEncoder(2, 8, 6))(torch.randn(3, 2, 9))
    >>> mean.shape, log_var.shape
    (torch.Size([3, 3]), torch.Size([3, 3]))
    """

    def __init__(self, encoder: nn.Module):
        super().__init__()
        self.encoder = encoder

    def forward(
        self, x: torch.Tensor, c: torch.Tensor | None = None
    ) -> tuple[torch.Tensor, torch.Tensor]:
        code = self.encoder(x) if c is None else self.encoder(x, c)
        mean, log_var = code.chunk(2, dim=-1)
        return mean, log_var
