"""A VAE with a Gaussian decoder whose per-channel noise scale is learned."""

from __future__ import annotations

import math

import torch
from torch import nn

_LOG_2PI = math.log(2.0 * math.pi)


def gaussian_log_likelihood(
    x: torch.Tensor,
    x_mean: torch.Tensor,
    log_sigma: torch.Tensor,
    mask: torch.Tensor | None = None,
) -> torch.Tensor:
    """``log N(x; x_mean, diag(sigma^2))`` summed over channels and timesteps.

    ``x`` and ``x_mean`` end in ``(channels, timesteps)`` and broadcast against
    each other; ``log_sigma`` holds one log scale per channel. With ``mask``
    (1 where a value is observed, 0 where it is missing, shaped like ``x``),
    the sum runs over the observed values only: the likelihood of what was
    seen.

    Examples
    --------
    >>> import torch
    >>> from sk_tsgen.modules.vae import gaussian_log_likelihood
    >>> x = torch.zeros(1, 2, 3)
    >>> # six values at their mean with unit scale: -6 log sqrt(2 pi)
    >>> round(float(gaussian_log_likelihood(x, x, torch.zeros(2))), 4)
    -5.5136
    """
    z = (x - x_mean) * torch.exp(-log_sigma)[:, None]
    if mask is None:
        n_timesteps = x.shape[-1]
        const = n_timesteps * (log_sigma.sum() + 0.5 * len(log_sigma) * _LOG_2PI)
        return -0.5 * z.pow(2).sum((-2, -1)) - const
    observed = mask.sum(-1)  # values per channel
    const = (observed * (log_sigma + 0.5 * _LOG_2PI)).sum(-1)
    return -0.5 * (z.pow(2) * mask).sum((-2, -1)) - const


class GaussianVAE(nn.Module):
    """Variational autoencoder ``q(z|x) = N(mu, diag(var))``, ``p(x|z) = N(f(z), s^2)``.

    The observation noise ``s`` is one scale per channel, learned in closed form
    (the calibrated decoder of sigma-VAE, Rybkin et al. 2021): in every training
    step ``s^2`` is the batch's mean squared residual, its maximum-likelihood
    value, and a running average of it serves evaluation and scoring. The
    reconstruction term is therefore a Gaussian log-likelihood, :meth:`elbo` a
    real lower bound on ``log p(x)``, and the balance between reconstruction and
    KL term is learned instead of fixed by how a squared error is averaged.
    (A noise scale learned by gradient steps moves by about the learning rate per
    step, far too slowly: it stays near its initial value for most of training.)

    Parameters
    ----------
    encoder : nn.Module
        Maps ``x`` of shape ``(n, channels, timesteps)`` to ``(mean, log_var)``,
        each of shape ``(n, *latent_shape)``.
    decoder : nn.Module
        Maps ``z`` of shape ``(n, *latent_shape)`` to the mean of ``x``.
    n_channels : int
        Number of channels, one noise scale each.
    min_log_sigma : float
        Floor of the log noise scale, which keeps the likelihood bounded on
        series that the decoder reproduces exactly.
    momentum : float
        Weight of the old value in the running average of the noise variance.
    condition_dim : int
        Length of an encoded condition (see :class:`sk_tsgen.conditions.Conditions`),
        which the encoder and the decoder read beside their inputs; 0 for an
        unconditional VAE. A missing condition is a vector of zeros.
    condition_dropout : float
        Fraction of the training series whose condition is dropped (set to
        zeros) in each step, so that the model also learns series without one.

    Examples
    --------
    >>> import torch
    >>> from sk_tsgen.modules import GaussianVAE, MLPDecoder, MLPEncoder
    >>> vae = GaussianVAE(MLPEncoder(2, 10, [16], 3), MLPDecoder(2, 10, [16], 3), 2)
    >>> x = torch.randn(4, 2, 10)
    >>> sorted(vae(x))
    ['kl', 'log_likelihood']
    >>> vae.elbo(x, eps=torch.randn(8, 3)).shape
    torch.Size([4])
    """

    def __init__(
        self,
        encoder: nn.Module,
        decoder: nn.Module,
        n_channels: int,
        min_log_sigma: float = -7.0,
        momentum: float = 0.9,
        condition_dim: int = 0,
        condition_dropout: float = 0.0,
    ):
        super().__init__()
        self.encoder = encoder
        self.decoder = decoder
        self.register_buffer("log_sigma", torch.zeros(n_channels))
        self.min_log_sigma = min_log_sigma
        self.momentum = momentum
        self.condition_dim = condition_dim
        self.condition_dropout = condition_dropout

    def _condition(self, c: torch.Tensor | None, n: int, like: torch.Tensor):
        """``c``, or "no condition" (zeros) where none is given."""
        if c is None:
            return like.new_zeros((n, self.condition_dim))
        return c

    def encode(
        self, x: torch.Tensor, c: torch.Tensor | None = None
    ) -> tuple[torch.Tensor, torch.Tensor]:
        if not self.condition_dim:
            return self.encoder(x)
        return self.encoder(x, self._condition(c, len(x), x))

    def decode(self, z: torch.Tensor, c: torch.Tensor | None = None) -> torch.Tensor:
        if not self.condition_dim:
            return self.decoder(z)
        return self.decoder(z, self._condition(c, len(z), z))

    def _drop_conditions(self, c: torch.Tensor | None) -> torch.Tensor | None:
        if c is None or not self.training or not self.condition_dropout:
            return c
        keep = torch.rand(len(c), 1, device=c.device) >= self.condition_dropout
        return c * keep

    def noise_scale(self) -> torch.Tensor:
        """Observation noise standard deviation per channel, shape ``(channels,)``."""
        return self.log_sigma.clamp(min=self.min_log_sigma).exp()

    def log_likelihood(
        self,
        x: torch.Tensor,
        x_mean: torch.Tensor,
        log_sigma: torch.Tensor | None = None,
        mask: torch.Tensor | None = None,
    ) -> torch.Tensor:
        """``log p(x | z)`` summed over channels and timesteps (the observed
        values, with ``mask``), one per series.

        ``x`` and ``x_mean`` end in ``(channels, timesteps)`` and broadcast
        against each other; ``log_sigma`` (one per channel) defaults to the
        running estimate.
        """
        if log_sigma is None:
            log_sigma = self.log_sigma
        return gaussian_log_likelihood(
            x, x_mean, log_sigma.clamp(min=self.min_log_sigma), mask
        )

    def _fit_noise(
        self, x: torch.Tensor, x_mean: torch.Tensor, mask: torch.Tensor | None = None
    ) -> torch.Tensor:
        """Maximum-likelihood log noise scale of this batch (from its observed
        values); updates the average."""
        with torch.no_grad():
            squared = (x - x_mean).pow(2)
            if mask is None:
                var = squared.transpose(0, 1).flatten(1).mean(1)
            else:
                per_channel = mask.transpose(0, 1).flatten(1).sum(1).clamp(min=1)
                var = (squared * mask).transpose(0, 1).flatten(1).sum(1) / per_channel
            log_sigma = 0.5 * var.clamp(min=1e-30).log()
            self.log_sigma.mul_(self.momentum).add_((1.0 - self.momentum) * log_sigma)
        return log_sigma

    @staticmethod
    def kl_divergence(mean: torch.Tensor, log_var: torch.Tensor) -> torch.Tensor:
        """``KL(q(z|x) || N(0, I))``, one per series."""
        return 0.5 * (mean**2 + log_var.exp() - 1.0 - log_var).flatten(1).sum(1)

    def prior_kl(
        self, mean: torch.Tensor, log_var: torch.Tensor, **context
    ) -> torch.Tensor:
        """KL term of the ELBO, one per series: against N(0, I) here.

        Subclasses with a learned prior override it; ``context`` holds the
        per-series inputs the prior depends on.
        """
        return self.kl_divergence(mean, log_var)

    def forward(
        self,
        x: torch.Tensor,
        c: torch.Tensor | None = None,
        mask: torch.Tensor | None = None,
        **context,
    ) -> dict[str, torch.Tensor]:
        """One reparameterised draw: per-series log-likelihood (of the values
        ``mask`` marks observed, where given) and KL term."""
        c = self._drop_conditions(c)
        mean, log_var = self.encode(x, c)
        z = mean + torch.exp(0.5 * log_var) * torch.randn_like(mean)
        # a decoder may produce more steps than x holds (padding); the
        # likelihood covers the observed steps only
        x_mean = self.decode(z, c)[..., : x.shape[-1]]
        log_sigma = self._fit_noise(x, x_mean, mask) if self.training else None
        return {
            "log_likelihood": self.log_likelihood(x, x_mean, log_sigma, mask),
            "kl": self.prior_kl(mean, log_var, **context),
        }

    def elbo(
        self,
        x: torch.Tensor,
        eps: torch.Tensor,
        c: torch.Tensor | None = None,
        mask: torch.Tensor | None = None,
        **context,
    ) -> torch.Tensor:
        """Monte Carlo ELBO of each series (a bound on the density of its
        observed values, with ``mask``).

        Parameters
        ----------
        x : Tensor of shape (n, channels, timesteps)
        eps : Tensor of shape (n_draws, *latent_shape)
            Standard normal draws shared by all series, so a series' score does
            not depend on which other series are in the batch.
        c : Tensor of shape (n, condition_dim) or None
            Encoded conditions; None scores without them.
        **context : Tensor
            Per-series inputs of the prior, if it has any.

        Returns
        -------
        Tensor of shape (n,)
        """
        mean, log_var = self.encode(x, c)
        n, n_draws = x.shape[0], eps.shape[0]
        z = mean.unsqueeze(0) + torch.exp(0.5 * log_var).unsqueeze(0) * eps.unsqueeze(1)
        if c is not None and self.condition_dim:
            c = c.repeat(n_draws, 1)
        x_mean = self.decode(z.reshape(n_draws * n, *mean.shape[1:]), c)
        x_mean = x_mean[..., : x.shape[-1]].reshape(n_draws, *x.shape)
        log_lik = self.log_likelihood(x, x_mean, mask=mask).mean(0)
        return log_lik - self.prior_kl(mean, log_var, **context)
