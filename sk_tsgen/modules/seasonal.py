"""A latent prior that moves with the time of year, and the VAE that uses it."""

from __future__ import annotations

import torch
from torch import nn

from .conv import pad_to_period
from .vae import GaussianVAE


class SeasonalPrior(nn.Module):
    """Gaussian prior whose mean and log-variance follow the time of year.

    Both are trigonometric polynomials without constant term,
    ``sum_m a_m sin(m theta) + b_m cos(m theta)`` for ``m = 1..degree``, of the
    angle ``theta`` (0 on January 1st, ``2 pi`` a year later). With no
    constant term the prior averages to a zero mean and unit variance over the
    year; the coefficients start at zero, so training starts from N(0, I).

    Parameters
    ----------
    latent_dim : int
        Size of the code of one latent step.
    degree : int
        Highest harmonic of the year.

    Examples
    --------
    >>> import torch
    >>> from sk_tsgen.modules import SeasonalPrior
    >>> mean, log_var = SeasonalPrior(4, degree=3)(torch.rand(5, 2) * 6.28)
    >>> mean.shape, float(mean.detach().abs().max())
    (torch.Size([5, 2, 4]), 0.0)
    """

    def __init__(self, latent_dim: int, degree: int = 3):
        super().__init__()
        self.register_buffer(
            "harmonics", torch.arange(1, degree + 1, dtype=torch.float32)
        )
        self.coef = nn.Linear(2 * degree, 2 * latent_dim, bias=False)
        nn.init.zeros_(self.coef.weight)

    def forward(self, angle: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Prior mean and log-variance, ``(..., latent_dim)`` each, at ``angle``."""
        phase = angle.unsqueeze(-1) * self.harmonics
        mean, log_var = self.coef(torch.cat([phase.sin(), phase.cos()], -1)).chunk(
            2, dim=-1
        )
        return mean, log_var


class ConvGaussianVAE(GaussianVAE):
    """A :class:`GaussianVAE` over a latent time axis, with an optional seasonal prior.

    Series of any length are padded at their end to a whole number of latent
    steps (``period`` steps each) by repeating their last value; the
    likelihood covers the observed steps only, so the ELBO stays a bound on
    the density of the series as given.

    Parameters
    ----------
    encoder, decoder : nn.Module
        A :class:`ConvEncoder` and :class:`ConvDecoder`.
    n_channels : int
        Channels of the series.
    period : int
        Input steps per latent step (the product of the strides).
    prior : SeasonalPrior or None
        With a prior, the KL term of every latent step is taken against it at
        that step's ``season`` (angle of the time of year); without, against
        N(0, I).

    Examples
    --------
    >>> import torch
    >>> from sk_tsgen.modules import ConvDecoder, ConvEncoder, ConvGaussianVAE
    >>> layers = ([8], [3, 3], [2, 2])
    >>> vae = ConvGaussianVAE(
    ...     ConvEncoder(1, *layers, latent_dim=3),
    ...     ConvDecoder(1, *layers, latent_dim=3),
    ...     n_channels=1, period=4, prior=SeasonalPrior(3))
    >>> x = torch.randn(2, 1, 10)  # padded to 12 steps, 3 latent steps
    >>> vae.elbo(x, torch.randn(8, 3, 3), season=torch.rand(2, 3)).shape
    torch.Size([2])
    """

    def __init__(
        self,
        encoder: nn.Module,
        decoder: nn.Module,
        n_channels: int,
        period: int,
        prior: SeasonalPrior | None = None,
        **kwargs,
    ):
        super().__init__(encoder, decoder, n_channels, **kwargs)
        self.period = period
        self.prior = prior

    def encode(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        return self.encoder(pad_to_period(x, self.period))

    def prior_params(self, season: torch.Tensor | None, shape) -> tuple:
        """Prior mean and log-variance of latent codes of ``shape``."""
        if self.prior is None or season is None:
            zeros = torch.zeros(shape, device=self.log_sigma.device)
            return zeros, zeros
        return self.prior(season)

    def prior_kl(
        self,
        mean: torch.Tensor,
        log_var: torch.Tensor,
        season: torch.Tensor | None = None,
    ) -> torch.Tensor:
        if self.prior is None:
            return self.kl_divergence(mean, log_var)
        if season is None:
            raise ValueError("a seasonal prior needs the season of every latent step")
        p_mean, p_log_var = self.prior(season)
        kl = 0.5 * (
            p_log_var
            - log_var
            + (log_var.exp() + (mean - p_mean) ** 2) * torch.exp(-p_log_var)
            - 1.0
        )
        return kl.flatten(1).sum(1)
