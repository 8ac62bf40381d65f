"""A denoising diffusion model of series: denoiser, training loss, sampler, bound.

The noisy series at noise level ``sigma`` is ``z = x + sigma * eps`` (the
"variance exploding" form; any Gaussian diffusion ``alpha x + s eps`` is this
one with ``sigma = s / alpha``), and the network predicts the clean series
``x`` from ``z`` (x0 prediction). Inputs, skips and outputs of the network are
scaled as in Karras et al. (2022, "EDM") so that its target has unit variance
at every noise level. Samples integrate the probability-flow ODE from
``sigma_max`` down to 0 with Heun's second-order steps, or, with
``stochastic=True``, the reverse SDE with Euler-Maruyama steps (EDM's
stochastic sampler). The evidence lower bound of a continuous-time Gaussian
diffusion (Kingma et al. 2021, "Variational diffusion models") scores series.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

# the standard deviation of the (standardised) data that the scalings assume
_SIGMA_DATA = 1.0


def noise_schedule(
    n_steps: int, sigma_min: float, sigma_max: float, rho: float = 7.0, device=None
) -> torch.Tensor:
    """EDM's ``n_steps + 1`` noise levels from ``sigma_max`` down to 0.

    Levels are evenly spaced in ``sigma ** (1 / rho)``, so most steps are
    spent at low noise, where detail is formed.

    Examples
    --------
    >>> from sk_tsgen.modules.diffusion import noise_schedule
    >>> levels = noise_schedule(4, 0.002, 80.0)
    >>> levels.shape, float(levels[0]), float(levels[-1])
    (torch.Size([5]), 80.0, 0.0)
    """
    ramp = torch.linspace(0, 1, n_steps, device=device, dtype=torch.float64)
    lo, hi = sigma_min ** (1 / rho), sigma_max ** (1 / rho)
    sigmas = (hi + ramp * (lo - hi)) ** rho
    return torch.cat([sigmas, sigmas.new_zeros(1)]).float()


def _level_features(c_noise: torch.Tensor, dim: int) -> torch.Tensor:
    """Sinusoidal features of the (log) noise level, shape ``(n, dim)``."""
    half = dim // 2
    freqs = torch.exp(
        -math.log(1000.0) * torch.arange(half, device=c_noise.device) / half
    )
    angles = 100.0 * c_noise[:, None] * freqs[None]
    return torch.cat([angles.sin(), angles.cos()], dim=1)


class _Block(nn.Module):
    """Pre-norm transformer block whose norms are modulated by the noise level."""

    def __init__(self, width: int, n_heads: int):
        super().__init__()
        self.n_heads = n_heads
        self.norm1 = nn.LayerNorm(width, elementwise_affine=False)
        self.qkv = nn.Linear(width, 3 * width)
        self.proj = nn.Linear(width, width)
        self.norm2 = nn.LayerNorm(width, elementwise_affine=False)
        self.mlp = nn.Sequential(
            nn.Linear(width, 2 * width), nn.SiLU(), nn.Linear(2 * width, width)
        )
        self.modulation = nn.Linear(width, 6 * width)
        nn.init.zeros_(self.modulation.weight)
        nn.init.zeros_(self.modulation.bias)

    def forward(self, h: torch.Tensor, level: torch.Tensor) -> torch.Tensor:
        shift1, scale1, gate1, shift2, scale2, gate2 = self.modulation(level)[
            :, None
        ].chunk(6, dim=-1)
        n, length, width = h.shape
        a = self.norm1(h) * (1 + scale1) + shift1
        q, k, v = (
            self.qkv(a)
            .view(n, length, 3, self.n_heads, width // self.n_heads)
            .permute(2, 0, 3, 1, 4)
        )
        a = F.scaled_dot_product_attention(q, k, v)
        a = a.transpose(1, 2).reshape(n, length, width)
        h = h + (1 + gate1) * self.proj(a)
        m = self.norm2(h) * (1 + scale2) + shift2
        return h + (1 + gate2) * self.mlp(m)


class TrendSeasonDenoiser(nn.Module):
    """Transformer over the time steps that outputs trend + seasons + residual.

    Every time step of the (scaled) noisy series is a token; a learned
    positional embedding is added and the blocks' layer norms are modulated by
    the noise level. As in Diffusion-TS, the output is split into
    interpretable parts: a polynomial trend and a sum of Fourier harmonics of
    the window, both read from the pooled tokens, plus a per-step residual.

    Parameters
    ----------
    n_channels, n_timesteps : int
        Shape of the series.
    width : int
        Size of the tokens.
    depth : int
        Number of transformer blocks.
    n_heads : int
        Attention heads; divides ``width``.
    trend_degree : int
        Degree of the trend polynomial (-1 for none).
    n_harmonics : int
        Harmonics of the window in the seasonal part (0 for none).
    patch_size : int, default=1
        Consecutive time steps per token (the last patch is padded); longer
        patches make a long window cheaper.
    condition_dim : int, default=0
        Length of the encoded condition of a conditional model, whose linear
        embedding joins the noise level's (all zeros, "no condition", adds
        nothing); 0 for none.

    Examples
    --------
    >>> import torch
    >>> from sk_tsgen.modules.diffusion import TrendSeasonDenoiser
    >>> net = TrendSeasonDenoiser(2, 12, width=16, depth=1, n_heads=2,
    ...                           trend_degree=2, n_harmonics=3)
    >>> net(torch.randn(4, 2, 12), torch.zeros(4)).shape
    torch.Size([4, 2, 12])
    """

    def __init__(
        self,
        n_channels: int,
        n_timesteps: int,
        width: int,
        depth: int,
        n_heads: int,
        trend_degree: int,
        n_harmonics: int,
        patch_size: int = 1,
        condition_dim: int = 0,
    ):
        super().__init__()
        self.n_channels, self.n_timesteps = n_channels, n_timesteps
        self.condition = (
            nn.Linear(condition_dim, width, bias=False) if condition_dim else None
        )
        self.patch_size = patch_size
        n_tokens = -(-n_timesteps // patch_size)
        self.input = nn.Linear(n_channels * patch_size, width)
        self.position = nn.Parameter(0.02 * torch.randn(1, n_tokens, width))
        self.level = nn.Sequential(
            nn.Linear(width, width), nn.SiLU(), nn.Linear(width, width)
        )
        self.blocks = nn.ModuleList(_Block(width, n_heads) for _ in range(depth))
        self.norm = nn.LayerNorm(width)
        self.residual = nn.Linear(width, n_channels * patch_size)
        t = torch.linspace(0, 1, n_timesteps)
        bases = [t[None] ** p for p in range(trend_degree + 1)]
        angles = 2 * math.pi * t[None] * (n_timesteps - 1) / n_timesteps
        for k in range(1, n_harmonics + 1):
            bases += [torch.cos(k * angles), torch.sin(k * angles)]
        self.register_buffer(
            "basis", torch.cat(bases) if bases else torch.zeros(0, n_timesteps)
        )
        self.n_basis = len(self.basis)
        self.coefficients = nn.Linear(2 * width, n_channels * self.n_basis)
        nn.init.zeros_(self.coefficients.weight)
        nn.init.zeros_(self.coefficients.bias)

    def forward(
        self, z: torch.Tensor, c_noise: torch.Tensor, c: torch.Tensor | None = None
    ) -> torch.Tensor:
        width = self.position.shape[-1]
        level = self.level(_level_features(c_noise, width))
        if self.condition is not None and c is not None:
            level = level + self.condition(c)
        n, p = len(z), self.patch_size
        n_tokens = self.position.shape[1]
        pad = n_tokens * p - self.n_timesteps
        if pad:
            z = F.pad(z, (0, pad))
        # (n, C, tokens * p) -> (n, tokens, p * C): a token holds p steps
        tokens = z.view(n, self.n_channels, n_tokens, p).permute(0, 2, 3, 1)
        h = self.input(tokens.reshape(n, n_tokens, p * self.n_channels))
        h = h + self.position + level[:, None]
        for block in self.blocks:
            h = block(h, level)
        h = self.norm(h)
        out = self.residual(h).view(n, n_tokens, p, self.n_channels)
        out = out.permute(0, 3, 1, 2).reshape(n, self.n_channels, n_tokens * p)
        out = out[..., : self.n_timesteps]
        if self.n_basis:
            pooled = torch.cat([h.mean(1), level], dim=1)
            coef = self.coefficients(pooled).view(-1, self.n_channels, self.n_basis)
            out = out + coef @ self.basis
        return out


class _ResidualBlock(nn.Module):
    """Pre-norm residual MLP block modulated by the noise level."""

    def __init__(self, width: int):
        super().__init__()
        self.norm = nn.LayerNorm(width, elementwise_affine=False)
        self.mlp = nn.Sequential(
            nn.Linear(width, width), nn.SiLU(), nn.Linear(width, width)
        )
        self.modulation = nn.Linear(width, 3 * width)
        nn.init.zeros_(self.modulation.weight)
        nn.init.zeros_(self.modulation.bias)

    def forward(self, h: torch.Tensor, level: torch.Tensor) -> torch.Tensor:
        shift, scale, gate = self.modulation(level).chunk(3, dim=-1)
        return h + (1 + gate) * self.mlp(self.norm(h) * (1 + scale) + shift)


class ResidualMLPDenoiser(nn.Module):
    """Residual MLP on the whole (flattened) series, modulated by the noise level.

    Every layer sees every value of the window at once, which a small window
    of several channels rewards; it costs a fraction of a transformer's step.

    Parameters
    ----------
    n_channels, n_timesteps : int
        Shape of the series.
    width : int
        Size of the hidden layers.
    depth : int
        Number of residual blocks.
    condition_dim : int, default=0
        As for :class:`TrendSeasonDenoiser`.

    Examples
    --------
    >>> import torch
    >>> from sk_tsgen.modules.diffusion import ResidualMLPDenoiser
    >>> net = ResidualMLPDenoiser(2, 12, width=16, depth=2)
    >>> net(torch.randn(4, 2, 12), torch.zeros(4)).shape
    torch.Size([4, 2, 12])
    """

    def __init__(
        self,
        n_channels: int,
        n_timesteps: int,
        width: int,
        depth: int,
        condition_dim: int = 0,
    ):
        super().__init__()
        n_values = n_channels * n_timesteps
        self.width = width
        self.condition = (
            nn.Linear(condition_dim, width, bias=False) if condition_dim else None
        )
        self.input = nn.Linear(n_values, width)
        self.level = nn.Sequential(
            nn.Linear(width, width), nn.SiLU(), nn.Linear(width, width)
        )
        self.blocks = nn.ModuleList(_ResidualBlock(width) for _ in range(depth))
        self.norm = nn.LayerNorm(width)
        self.output = nn.Linear(width, n_values)

    def forward(
        self, z: torch.Tensor, c_noise: torch.Tensor, c: torch.Tensor | None = None
    ) -> torch.Tensor:
        level = self.level(_level_features(c_noise, self.width))
        if self.condition is not None and c is not None:
            level = level + self.condition(c)
        h = self.input(z.flatten(1)) + level
        for block in self.blocks:
            h = block(h, level)
        return self.output(self.norm(h)).view_as(z)


class GaussianDiffusion(nn.Module):
    """Denoising diffusion of series with x0 prediction, preconditioned by the
    data's covariance.

    The noise is isotropic, ``z = x + sigma * eps``. The denoiser works in the
    principal axes of the training series (an orthogonal rotation ``V`` of the
    flattened series, centred on their mean), where each axis ``i`` has its
    own spread ``s_i``, and EDM's scalings (Karras et al. 2022) are applied
    per axis: ``xhat_i = c_skip_i z_i + c_out_i F_i`` with ``c_skip_i = s_i^2
    / (sigma^2 + s_i^2)`` and ``c_out_i = sigma s_i / sqrt(sigma^2 + s_i^2)``,
    the network reading ``z_i / sqrt(sigma^2 + s_i^2)``. With ``F = 0`` this
    is the exact posterior mean of Gaussian data with the training mean and
    covariance, so the network only learns how the data depart from a
    Gaussian; axes of tiny spread (the roughness of smooth series) stay
    quiet at every noise level instead of passing the noise through. The
    training loss is the error of the network's target, of unit variance on
    every axis at every level: a loss in the principal (for stationary
    series, nearly Fourier) domain.

    Parameters
    ----------
    denoiser : nn.Module
        ``denoiser(z_in, c_noise) -> F`` on series of shape
        ``(n, channels, timesteps)``.
    n_channels, n_timesteps : int
        Shape of the series.
    sigma_min, sigma_max : float
        Noise levels where sampling ends and starts (on standardised data).
    train_log_sigma : tuple of float
        Mean and standard deviation of ``log sigma`` drawn in training.
    condition_dim : int
        Length of the encoded conditions ``c`` of a conditional model (0:
        none), the last entry of which is the "given" flag. The centre of the
        preconditioning then depends on them: the mean of the series is
        ``mean + G (c' - c_mean)`` for a given condition ``c'`` (the entries
        before the flag), with the least-squares gain ``G`` of the training
        series on their conditions (:meth:`set_condition_statistics`), and the
        training mean without one; the estimator then sets the axes and
        spreads of the residuals, so with ``F = 0`` the model is already the
        Gaussian around each condition's linear mean with the covariance the
        conditions leave.
    condition_dropout : float
        Fraction of the training series whose encoded condition ``c`` is
        dropped (set to zeros, "no condition") in every step, so that one
        network learns the conditional and the unconditional denoiser that
        classifier-free guidance (Ho and Salimans, 2022) combines.

    Examples
    --------
    >>> import torch
    >>> from sk_tsgen.modules.diffusion import GaussianDiffusion, TrendSeasonDenoiser
    >>> net = TrendSeasonDenoiser(2, 8, width=8, depth=1, n_heads=2,
    ...                           trend_degree=1, n_harmonics=2)
    >>> model = GaussianDiffusion(net, 2, 8)
    >>> model(torch.randn(3, 2, 8))["squared_error"].shape
    torch.Size([3])
    >>> model.decode(torch.randn(3, 2, 8), n_steps=4).shape
    torch.Size([3, 2, 8])
    """

    def __init__(
        self,
        denoiser: nn.Module,
        n_channels: int,
        n_timesteps: int,
        sigma_min: float = 0.002,
        sigma_max: float = 80.0,
        train_log_sigma: tuple[float, float] = (-1.2, 1.2),
        condition_dim: int = 0,
        condition_dropout: float = 0.0,
    ):
        super().__init__()
        self.denoiser = denoiser
        self.condition_dropout = condition_dropout
        self.shape = (n_channels, n_timesteps)
        self.sigma_min, self.sigma_max = sigma_min, sigma_max
        self.train_log_sigma = train_log_sigma
        n_values = n_channels * n_timesteps
        self.register_buffer("mean", torch.zeros(n_values))
        self.register_buffer("axes", torch.eye(n_values))
        self.register_buffer("spread", torch.ones(n_values))
        gain = torch.zeros(n_values, condition_dim - 1) if condition_dim else None
        self.register_buffer("condition_gain", gain)
        if condition_dim:
            self.register_buffer("condition_mean", torch.zeros(condition_dim - 1))
            self.register_buffer("unconditioned_spread", torch.ones(n_values))

    def set_data_statistics(self, mean, axes, spread) -> None:
        """Mean (d,), principal axes (d, d; one per column) and spreads (d,)
        of the flattened training series."""
        with torch.no_grad():
            self.mean.copy_(torch.as_tensor(mean))
            self.axes.copy_(torch.as_tensor(axes))
            self.spread.copy_(torch.as_tensor(spread))

    def set_condition_statistics(self, gain, condition_mean, spread) -> None:
        """Gain ``G`` (d, k) and mean (k,) of the encoded training conditions
        (without their flag) that move the centre of a conditional model, and
        the spreads (d,) along the axes of series whose condition is not given
        (about the training mean, so wider than those given theirs)."""
        with torch.no_grad():
            self.condition_gain.copy_(torch.as_tensor(gain))
            self.condition_mean.copy_(torch.as_tensor(condition_mean))
            self.unconditioned_spread.copy_(torch.as_tensor(spread))

    def _spread(self, c: torch.Tensor | None) -> torch.Tensor:
        """Spreads along the axes: ``(d,)``, or ``(n, d)`` per condition given
        or not."""
        if self.condition_gain is None:
            return self.spread
        if c is None:
            return self.unconditioned_spread
        return torch.where(c[:, -1:] > 0, self.spread, self.unconditioned_spread)

    # ------------------------------------------------------------ rotation
    def _centre(self, c: torch.Tensor | None, guidance: float = 1.0):
        """The mean of the series given encoded conditions ``c`` (None or a
        zero flag: the training mean), moved ``guidance`` times as far."""
        if c is None or self.condition_gain is None:
            return self.mean
        given = c[:, -1:]
        shift = ((c[:, :-1] - self.condition_mean) * given) @ self.condition_gain.T
        return self.mean + guidance * shift

    def _to_axes(self, x: torch.Tensor, c=None) -> torch.Tensor:
        return (x.flatten(1) - self._centre(c)) @ self.axes

    def _from_axes(self, y: torch.Tensor, c=None, guidance=1.0) -> torch.Tensor:
        return (y @ self.axes.T + self._centre(c, guidance)).view(-1, *self.shape)

    def _denoiser(self, series, c_noise, c=None) -> torch.Tensor:
        if c is None:
            return self.denoiser(series, c_noise)
        return self.denoiser(series, c_noise, c)

    def _denoise_axes(
        self, y: torch.Tensor, sigma: torch.Tensor, c: torch.Tensor | None = None
    ) -> torch.Tensor:
        """Clean estimate, on the axes, of noisy ``y`` at levels ``sigma`` (n,),
        given encoded conditions ``c`` (None: none)."""
        s = sigma[:, None]
        spread = self._spread(c)
        total = s**2 + spread**2
        c_in = total.rsqrt()
        c_skip = spread**2 / total
        c_out = s * spread * c_in
        series = (c_in * y) @ self.axes.T
        out = self._denoiser(series.view(-1, *self.shape), sigma.log() / 4, c)
        return c_skip * y + c_out * (out.flatten(1) @ self.axes)

    def forward(
        self,
        x: torch.Tensor,
        c: torch.Tensor | None = None,
        mask: torch.Tensor | None = None,
        **context,
    ) -> dict[str, torch.Tensor]:
        """Per-series training loss: the network's error at random levels (at
        the values ``mask`` marks observed, where given: the missing ones of
        ``x`` hold a stand-in, whose error is not counted)."""
        if c is not None and self.training and self.condition_dropout:
            keep = torch.rand(len(c), 1, device=c.device) >= self.condition_dropout
            c = c * keep
        mean, std = self.train_log_sigma
        sigma = (mean + std * torch.randn(len(x), device=x.device)).exp()
        y = self._to_axes(x, c)
        noisy = y + sigma[:, None] * torch.randn_like(y)
        error = self._denoise_axes(noisy, sigma, c) - y
        # on every axis, the error of the network's own target (unit variance)
        s = sigma[:, None]
        spread = self._spread(c)
        weight = (s**2 + spread**2) / (s * spread) ** 2
        if mask is None:
            return {"squared_error": (weight * error.pow(2)).sum(1)}
        # the same error, of the network's output on the series rather than
        # on the axes (the rotation keeps its sum), at the observed values
        target_error = (weight.sqrt() * error) @ self.axes.T
        return {"squared_error": (target_error.pow(2) * mask.flatten(1)).sum(1)}

    # ------------------------------------------------------------ the ODE
    def _network(
        self,
        w: torch.Tensor,
        sigma: torch.Tensor,
        c: torch.Tensor | None = None,
        guidance: float = 1.0,
    ) -> torch.Tensor:
        """The network's output on the axes, for its input ``w`` on the axes.

        With conditions ``c`` and ``guidance`` other than 1, the output is
        classifier-free guided: ``F(no condition) + guidance * (F(c) -
        F(no condition))``, from one pass over both.
        """
        series = (w @ self.axes.T).view(-1, *self.shape)
        levels = sigma.log().expand(len(w)) / 4
        if c is None or guidance == 1.0:
            out = self._denoiser(series, levels, c)
        else:
            both = self._denoiser(
                torch.cat([series, series]),
                torch.cat([levels, levels]),
                torch.cat([c, torch.zeros_like(c)]),
            )
            conditional, unconditional = both.chunk(2)
            out = unconditional + guidance * (conditional - unconditional)
        return out.flatten(1) @ self.axes

    def _step(self, y: torch.Tensor, s, s_next, **condition) -> torch.Tensor:
        """One step of the probability-flow ODE from level ``s`` to ``s_next``.

        In the network's input ``w_i = y_i / sqrt(sigma^2 + s_i^2)`` and the
        angle ``theta_i = arctan(sigma / s_i)`` of each axis the ODE is
        ``dw / dtheta = -F``: the Gaussian part of the flow is integrated
        exactly and only the network's output is stepped, with Heun's method
        (Euler's, where a level is 0 and the network cannot be read there).
        The same step serves both directions.
        """
        spread = self._spread(condition.get("c"))
        w = y * (s**2 + spread**2).rsqrt()
        dtheta = torch.atan(s_next / spread) - torch.atan(s / spread)
        f = self._network(w, s if s > 0 else s_next, **condition)
        w_next = w - dtheta * f
        if s > 0 and s_next > 0:
            w_next = w - dtheta * (f + self._network(w_next, s_next, **condition)) / 2
        return w_next * (s_next**2 + spread**2).sqrt()

    def _integrate(self, y, sigmas, **condition):
        for s, s_next in zip(sigmas[:-1], sigmas[1:], strict=True):
            y = self._step(y, s, s_next, **condition)
        return y

    def decode(
        self,
        latent: torch.Tensor,
        n_steps: int = 16,
        stochastic: bool = False,
        generator: torch.Generator | None = None,
        c: torch.Tensor | None = None,
        guidance: float = 1.0,
    ) -> torch.Tensor:
        """Series from standard normal ``latent`` (the noise at ``sigma_max``),
        given encoded conditions ``c`` with classifier-free ``guidance``.

        With ``stochastic=False`` the probability-flow ODE, integrated with
        Heun's method over ``n_steps`` levels (``2 * n_steps - 1`` network
        evaluations), maps a latent to one series, deterministically. With
        ``stochastic=True``, every step first adds fresh noise (drawn from
        ``generator``) to climb to a level ``sqrt(2)`` times higher, then
        takes a Heun step down (EDM's stochastic sampler), which corrects the
        errors of earlier steps at the price of randomness.
        """
        sigmas = noise_schedule(
            n_steps, self.sigma_min, self.sigma_max, device=latent.device
        )
        y = latent.flatten(1) @ self.axes * sigmas[0]
        condition = {"c": c, "guidance": guidance}
        if not stochastic:
            return self._from_axes(self._integrate(y, sigmas, **condition), c, guidance)
        gamma = math.sqrt(2) - 1
        for i in range(n_steps):
            s, s_next = sigmas[i], sigmas[i + 1]
            if i > 0:  # climb to s_hat with fresh noise
                s_hat = s * (1 + gamma)
                noise = torch.randn(
                    y.shape, generator=generator, device="cpu", dtype=y.dtype
                ).to(y.device)
                y = y + (s_hat**2 - s**2).sqrt() * noise
                s = s_hat
            y = self._step(y, s, s_next, **condition)
        return self._from_axes(y, c, guidance)

    def inpaint(
        self,
        x: torch.Tensor,
        mask: torch.Tensor,
        n_steps: int = 16,
        generator: torch.Generator | None = None,
        c: torch.Tensor | None = None,
        guidance: float = 1.0,
    ) -> torch.Tensor:
        """Series that keep the values of ``x`` where ``mask`` is 1 and draw
        the others given them (inpainting by replacement).

        EDM's stochastic sampler runs from ``sigma_max``; after every step the
        observed values are replaced by themselves plus noise of that step's
        level, so the network denoises the missing values in the context of
        the observed ones. The noise is isotropic and the axes orthogonal, so
        the replacement is made on the series and read back on the axes.
        """
        sigmas = noise_schedule(
            n_steps, self.sigma_min, self.sigma_max, device=x.device
        )
        known = x.flatten(1) - self._centre(c)
        seen = mask.flatten(1) > 0

        def randn(shape):
            draw = torch.randn(shape, generator=generator, device="cpu", dtype=x.dtype)
            return draw.to(x.device)

        def replace(y, s):
            series = y @ self.axes.T
            noisy = known + s * randn(known.shape)
            return torch.where(seen, noisy, series) @ self.axes

        y = replace(randn(known.shape) * sigmas[0], sigmas[0])
        condition = {"c": c, "guidance": guidance}
        gamma = math.sqrt(2) - 1
        for i in range(n_steps):
            s, s_next = sigmas[i], sigmas[i + 1]
            if i > 0:  # climb to s_hat with fresh noise
                s_hat = s * (1 + gamma)
                y = y + (s_hat**2 - s**2).sqrt() * randn(y.shape)
                s = s_hat
            y = replace(self._step(y, s, s_next, **condition), s_next)
        return (y @ self.axes.T + self._centre(c)).view(-1, *self.shape)

    def encode(self, x: torch.Tensor, n_steps: int = 16, c: torch.Tensor | None = None):
        """Invert the ODE: the latent that :meth:`decode` maps (nearly) to ``x``
        (given encoded conditions ``c``, unguided).

        Returns the latent and ``None`` (no variance: the map is deterministic).
        """
        sigmas = noise_schedule(
            n_steps, self.sigma_min, self.sigma_max, device=x.device
        )
        y = self._integrate(self._to_axes(x, c), sigmas.flip(0), c=c)
        return (y @ self.axes.T).view(-1, *self.shape) / sigmas[0], None

    # ------------------------------------------------------------ the bound
    def elbo(
        self,
        x: torch.Tensor,
        eps: torch.Tensor,
        u: torch.Tensor,
        c: torch.Tensor | None = None,
        **context,
    ) -> torch.Tensor:
        """Evidence lower bound of ``log p(x)`` per series, on the scaled data
        (of ``log p(x | c)`` given encoded conditions ``c``).

        In log signal-to-noise ``lam = -2 log sigma`` between ``lam_min`` (at
        ``sigma_max``) and ``lam_max`` (at ``sigma_min``), the bound of a
        continuous-time Gaussian diffusion is

        ``log N(x; z_max, sigma_min^2) - KL(q(z_min | x) || p(z_min)) -
        1/2 int e^lam ||x - xhat(z_lam)||^2 dlam``,

        with ``p(z_min)`` the Gaussian of the training mean and covariance
        plus ``sigma_max^2``, and the first two terms exact. The integral is
        estimated with one draw per stratum of ``len(u)`` equal strata of
        ``lam`` (offsets ``u`` in [0, 1)) and the noise ``eps`` (one series of
        draws per stratum), the same for every series.
        """
        lam_min = -2 * math.log(self.sigma_max)
        lam_max = -2 * math.log(self.sigma_min)
        n_draws, d = len(u), x[0].numel()
        lam = lam_min + (torch.arange(n_draws, device=x.device) + u) * (
            (lam_max - lam_min) / n_draws
        )
        sigma = (-lam / 2).exp()
        y = self._to_axes(x, c)
        noise = eps.flatten(1) @ self.axes
        n = len(y)
        integral = y.new_zeros(n)
        # several strata per network call, about 4096 rows each
        chunk = max(1, 4096 // max(n, 1))
        for start in range(0, n_draws, chunk):
            k = slice(start, start + chunk)
            noisy = y[None] + sigma[k, None, None] * noise[k, None, :]
            levels = sigma[k].repeat_interleave(n)
            repeated = None if c is None else c.repeat(len(levels) // n, 1)
            clean = self._denoise_axes(noisy.reshape(-1, d), levels, repeated)
            error = (y[None] - clean.view(-1, n, d)).pow(2).sum(-1)
            integral = integral + (lam[k].exp()[:, None] * error).sum(0)
        integral = integral * (lam_max - lam_min) / n_draws
        log_decoder = -0.5 * d * (math.log(2 * math.pi * self.sigma_min**2) + 1)
        var_max = self.sigma_max**2
        prior_var = self._spread(c) ** 2 + var_max
        kl = 0.5 * (
            ((var_max + y.pow(2)) / prior_var).sum(1)
            - d
            - torch.log(var_max / prior_var).sum(-1)
        )
        return log_decoder - kl - 0.5 * integral
