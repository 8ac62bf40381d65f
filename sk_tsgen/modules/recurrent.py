"""A sequence autoencoder: a recurrent encoder, a code, and a recurrent decoder."""

from __future__ import annotations

import torch
from torch import nn

from .vae import gaussian_log_likelihood

_CELLS = {"lstm": nn.LSTM, "gru": nn.GRU}


def _check_cell(cell: str) -> type[nn.RNNBase]:
    try:
        return _CELLS[cell]
    except KeyError:
        raise ValueError(
            f"cell must be one of {sorted(_CELLS)}, got {cell!r}."
        ) from None


class RecurrentEncoder(nn.Module):
    """Read a series step by step and map the final state to a code.

    Parameters
    ----------
    n_channels : int
        Values per timestep.
    hidden_size : int
        Units of every recurrent layer (per direction).
    latent_dim : int
        Size of the code.
    cell : {"lstm", "gru"}
        Recurrent cell.
    num_layers : int
        Stacked recurrent layers.
    bidirectional : bool
        Whether a second pass reads the series backwards; the code then sees
        the final state of both passes, so the first steps are as close to it
        as the last ones.
    condition_dim : int
        Length of the encoded condition that the code reads beside the final
        state (0: none).

    Examples
    --------
    >>> import torch
    >>> from sk_tsgen.modules import RecurrentEncoder
    >>> RecurrentEncoder(2, 16, 4, bidirectional=True)(torch.randn(5, 2, 30)).shape
    torch.Size([5, 4])
    """

    def __init__(
        self,
        n_channels: int,
        hidden_size: int,
        latent_dim: int,
        cell: str = "lstm",
        num_layers: int = 1,
        bidirectional: bool = False,
        condition_dim: int = 0,
    ):
        super().__init__()
        self.rnn = _check_cell(cell)(
            n_channels,
            hidden_size,
            num_layers=num_layers,
            batch_first=True,
            bidirectional=bidirectional,
        )
        self.n_directions = 2 if bidirectional else 1
        self.head = nn.Linear(
            self.n_directions * hidden_size + condition_dim, latent_dim
        )

    def forward(self, x: torch.Tensor, c: torch.Tensor | None = None) -> torch.Tensor:
        _, state = self.rnn(x.transpose(1, 2))
        h_n = state[0] if isinstance(state, tuple) else state
        # the last layer's final state, both directions side by side
        last = h_n[-self.n_directions :].transpose(0, 1).flatten(1)
        return self.head(last if c is None else torch.cat([last, c], 1))


class RecurrentDecoder(nn.Module):
    """Unroll a code into a series: the code is the input at every step.

    The code also sets the initial hidden state of every layer (through a
    ``tanh`` layer), so the first output steps depend on it directly instead of
    after the cell has read it a few times. A linear layer maps every step's
    state to the channels (the per-step dense layer of a sequence autoencoder).

    Parameters
    ----------
    n_channels : int
        Values per timestep of the output.
    n_timesteps : int
        Default length of the output.
    hidden_size, latent_dim, cell, num_layers
        As for :class:`RecurrentEncoder`.
    condition_dim : int
        Length of the encoded condition read beside the code (0: none).

    Examples
    --------
    >>> import torch
    >>> from sk_tsgen.modules import RecurrentDecoder
    >>> decoder = RecurrentDecoder(2, 30, 16, 4, cell="gru", num_layers=2)
    >>> decoder(torch.randn(5, 4)).shape
    torch.Size([5, 2, 30])
    >>> decoder(torch.randn(5, 4), n_timesteps=12).shape
    torch.Size([5, 2, 12])
    """

    def __init__(
        self,
        n_channels: int,
        n_timesteps: int,
        hidden_size: int,
        latent_dim: int,
        cell: str = "lstm",
        num_layers: int = 1,
        condition_dim: int = 0,
    ):
        super().__init__()
        n_in = latent_dim + condition_dim
        self.rnn = _check_cell(cell)(
            n_in, hidden_size, num_layers=num_layers, batch_first=True
        )
        self.is_lstm = cell == "lstm"
        self.init_state = nn.Sequential(
            nn.Linear(n_in, num_layers * hidden_size), nn.Tanh()
        )
        self.out = nn.Linear(hidden_size, n_channels)
        self.n_timesteps = n_timesteps
        self.num_layers, self.hidden_size = num_layers, hidden_size

    def forward(
        self,
        z: torch.Tensor,
        c: torch.Tensor | None = None,
        n_timesteps: int | None = None,
    ) -> torch.Tensor:
        steps = n_timesteps or self.n_timesteps
        if c is not None:
            z = torch.cat([z, c], 1)
        h_0 = self.init_state(z).view(len(z), self.num_layers, self.hidden_size)
        h_0 = h_0.transpose(0, 1).contiguous()
        state = (h_0, torch.zeros_like(h_0)) if self.is_lstm else h_0
        inputs = z.unsqueeze(1).expand(-1, steps, -1)
        outputs, _ = self.rnn(inputs, state)
        return self.out(outputs).transpose(1, 2)


class SequenceAutoencoder(nn.Module):
    """Deterministic autoencoder with a standardised code and a noise model.

    Training minimises the squared reconstruction error. After training, the
    estimator sets two buffers from the training series: the mean and scale of
    the codes (:meth:`encode` then returns standardised codes, which
    :meth:`decode` takes back) and the per-channel noise scale of the
    reconstructions (for :meth:`log_likelihood`).

    Parameters
    ----------
    encoder : nn.Module
        Maps ``x`` of shape ``(n, channels, timesteps)`` to codes ``(n, latent_dim)``.
    decoder : nn.Module
        Maps codes to series ``(n, channels, timesteps)``.
    n_channels, latent_dim : int
        Sizes of the noise and code buffers.
    condition_dim : int
        Length of an encoded condition, which the encoder and the decoder
        read (see :class:`~sk_tsgen.modules.GaussianVAE`); 0: none.
    condition_dropout : float
        Fraction of the training series whose condition is dropped in each step.

    Examples
    --------
    >>> import torch
    >>> from sk_tsgen.modules import (
    ...     RecurrentDecoder, RecurrentEncoder, SequenceAutoencoder)
    >>> ae = SequenceAutoencoder(
    ...     RecurrentEncoder(2, 16, 4), RecurrentDecoder(2, 30, 16, 4), 2, 4)
    >>> x = torch.randn(5, 2, 30)
    >>> ae(x)["squared_error"].shape, ae.log_likelihood(x).shape
    (torch.Size([5]), torch.Size([5]))
    """

    def __init__(
        self,
        encoder: nn.Module,
        decoder: nn.Module,
        n_channels: int,
        latent_dim: int,
        min_log_sigma: float = -7.0,
        condition_dim: int = 0,
        condition_dropout: float = 0.0,
    ):
        super().__init__()
        self.encoder, self.decoder = encoder, decoder
        self.condition_dim, self.condition_dropout = condition_dim, condition_dropout
        self.register_buffer("code_mean", torch.zeros(latent_dim))
        self.register_buffer("code_scale", torch.ones(latent_dim))
        self.register_buffer("log_sigma", torch.zeros(n_channels))
        self.min_log_sigma = min_log_sigma

    def _condition(self, c: torch.Tensor | None, n: int, like: torch.Tensor):
        if not self.condition_dim:
            return {}
        return {"c": like.new_zeros((n, self.condition_dim)) if c is None else c}

    def encode(
        self, x: torch.Tensor, c: torch.Tensor | None = None
    ) -> tuple[torch.Tensor, None]:
        """Standardised codes, and ``None`` for a variance (there is none)."""
        raw = self.encoder(x, **self._condition(c, len(x), x))
        return (raw - self.code_mean) / self.code_scale, None

    def decode(self, z: torch.Tensor, c: torch.Tensor | None = None) -> torch.Tensor:
        condition = self._condition(c, len(z), z)
        return self.decoder(z * self.code_scale + self.code_mean, **condition)

    def reconstruct(
        self, x: torch.Tensor, c: torch.Tensor | None = None
    ) -> torch.Tensor:
        return self.decode(self.encode(x, c)[0], c)

    def forward(
        self,
        x: torch.Tensor,
        c: torch.Tensor | None = None,
        mask: torch.Tensor | None = None,
    ) -> dict[str, torch.Tensor]:
        """Squared reconstruction error of each series (of the values ``mask``
        marks observed, where given)."""
        if c is not None and self.training and self.condition_dropout:
            c = c * (torch.rand(len(c), 1, device=c.device) >= self.condition_dropout)
        error = (self.reconstruct(x, c) - x).pow(2)
        if mask is not None:
            error = error * mask
        return {"squared_error": error.sum((-2, -1))}

    def log_likelihood(
        self,
        x: torch.Tensor,
        code: torch.Tensor | None = None,
        c: torch.Tensor | None = None,
        mask: torch.Tensor | None = None,
    ) -> torch.Tensor:
        """``log N(x; decode(code, c), diag(sigma^2))``, one per series (of the
        values ``mask`` marks observed, where given).

        ``code`` defaults to ``encode(x, c)``.
        """
        if code is None:
            code = self.encode(x, c)[0]
        return gaussian_log_likelihood(
            x,
            self.decode(code, c),
            self.log_sigma.clamp(min=self.min_log_sigma),
            mask,
        )

    @torch.no_grad()
    def set_code_scaling(self, mean: torch.Tensor, scale: torch.Tensor) -> None:
        """Make :meth:`encode` return ``(raw - mean) / scale``."""
        self.code_mean.copy_(mean)
        self.code_scale.copy_(scale)

    @torch.no_grad()
    def set_noise_scale(self, sigma: torch.Tensor) -> None:
        """Set the per-channel noise scale of :meth:`log_likelihood`."""
        self.log_sigma.copy_(sigma.log())
