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
    """A :class:`GaussianVAE` over a latent time axis, with a seasonal, linked prior.

    The prior of latent step ``j`` has mean ``m_j`` and scale ``s_j``: zero and
    one, or a :class:`SeasonalPrior` at the step's time of year. With
    ``autoregressive=True`` the standardised codes ``u_j = (z_j - m_j) / s_j``
    of consecutive steps are linked, ``u_j = rho u_{j-1} + sqrt(1 - rho^2) e_j``
    with one learned ``rho`` in (-1, 1) per latent dimension: every step keeps
    its marginal prior, and neighbouring steps vary together as the codes of
    real series do. Independent steps (``rho = 0``) would put an independent
    draw every ``period`` steps, which shows as too little persistence. The KL
    term is exact in both cases.

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
    latent_dim : int
        Values per latent step.
    prior : SeasonalPrior or None
        The seasonal mean and scale, evaluated at every step's ``season``
        (angle of the time of year); None gives zero and one.
    autoregressive : bool
        Whether consecutive latent steps are linked.

    Examples
    --------
    >>> import torch
    >>> from sk_tsgen.modules import ConvDecoder, ConvEncoder, ConvGaussianVAE
    >>> layers = ([8], [3, 3], [2, 2])
    >>> vae = ConvGaussianVAE(
    ...     ConvEncoder(1, *layers, latent_dim=3),
    ...     ConvDecoder(1, *layers, latent_dim=3),
    ...     n_channels=1, period=4, latent_dim=3, prior=SeasonalPrior(3))
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
        latent_dim: int,
        prior: SeasonalPrior | None = None,
        autoregressive: bool = True,
        **kwargs,
    ):
        super().__init__(encoder, decoder, n_channels, **kwargs)
        self.period = period
        self.prior = prior
        self.rho_logit = (
            nn.Parameter(torch.zeros(latent_dim)) if autoregressive else None
        )

    def encode(
        self, x: torch.Tensor, c: torch.Tensor | None = None
    ) -> tuple[torch.Tensor, torch.Tensor]:
        return super().encode(pad_to_period(x, self.period), c)

    def correlation(self) -> torch.Tensor | None:
        """``rho`` of every latent dimension, or None for independent steps."""
        return None if self.rho_logit is None else torch.tanh(self.rho_logit)

    def prior_params(
        self, season: torch.Tensor | None, shape: tuple[int, ...]
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Prior mean and log-variance of every latent step, of ``shape``."""
        if self.prior is None:
            zeros = torch.zeros(shape, device=self.log_sigma.device)
            return zeros, zeros
        if season is None:
            raise ValueError("a seasonal prior needs the season of every latent step")
        return self.prior(season)

    def prior_kl(
        self,
        mean: torch.Tensor,
        log_var: torch.Tensor,
        season: torch.Tensor | None = None,
    ) -> torch.Tensor:
        p_mean, p_log_var = self.prior_params(season, mean.shape)
        # the posterior in standardised units: u ~ N(a, b^2), step by step
        inv_scale = torch.exp(-0.5 * p_log_var)
        a = (mean - p_mean) * inv_scale
        b2 = log_var.exp() * inv_scale**2
        # -E[log q(z)] - log|dz/du|, and the N(0, 1) part of E[log p(u)]
        kl = 0.5 * (p_log_var - log_var - 1.0)
        rho = self.correlation()
        if rho is None:
            kl = kl + 0.5 * (a**2 + b2)
        else:
            one_minus = 1.0 - rho**2
            first = 0.5 * (a[:, :1] ** 2 + b2[:, :1])
            rest = 0.5 * (
                (a[:, 1:] - rho * a[:, :-1]) ** 2 + b2[:, 1:] + rho**2 * b2[:, :-1]
            ) / one_minus + 0.5 * torch.log(one_minus)
            kl = kl + torch.cat([first, rest], dim=1)
        return kl.flatten(1).sum(1)
