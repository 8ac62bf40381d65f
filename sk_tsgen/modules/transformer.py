"""Transformer pieces of a conditional GAN: generator, patch discriminator, encoder."""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn


def _encoder_blocks(
    embed_dim: int, depth: int, n_heads: int, dropout: float, final_norm: bool = True
):
    """``depth`` pre-norm transformer encoder blocks, batch first, GELU MLPs."""
    layer = nn.TransformerEncoderLayer(
        embed_dim,
        n_heads,
        dim_feedforward=4 * embed_dim,
        dropout=dropout,
        activation="gelu",
        batch_first=True,
        norm_first=True,
    )
    return nn.TransformerEncoder(
        layer,
        depth,
        norm=nn.LayerNorm(embed_dim) if final_norm else None,
        enable_nested_tensor=False,
    )


class TransformerGenerator(nn.Module):
    """Map noise (and a condition embedding) to a series, one token per step.

    As in the TransformerGAN article: a linear layer turns the noise into a
    sequence of ``n_timesteps`` embeddings, a learned positional embedding is
    added, transformer encoder blocks mix the steps, and a per-step linear
    projection (the article's 1x1 convolution) gives the channels. The
    condition's embedding joins the noise at the input and is added to every
    token, so that every block sees it. The generator has no dropout: noise
    that training adds and sampling does not would make the series the
    discriminator judged differ from the ones that ``sample`` returns.

    Parameters
    ----------
    n_channels, n_timesteps : int
        Shape of the series.
    latent_dim : int
        Size of the noise.
    embed_dim, depth, n_heads : int
        Width, number of blocks and attention heads.
    condition_dim : int, default=0
        Size of the condition embedding (0: unconditional).

    Examples
    --------
    >>> import torch
    >>> from sk_tsgen.modules import TransformerGenerator
    >>> g = TransformerGenerator(2, 12, latent_dim=4, embed_dim=8, depth=1, n_heads=2)
    >>> g(torch.randn(3, 4)).shape
    torch.Size([3, 2, 12])
    """

    def __init__(
        self,
        n_channels: int,
        n_timesteps: int,
        latent_dim: int,
        embed_dim: int,
        depth: int,
        n_heads: int,
        condition_dim: int = 0,
    ):
        super().__init__()
        self.n_timesteps, self.embed_dim = n_timesteps, embed_dim
        self.input = nn.Linear(latent_dim + condition_dim, n_timesteps * embed_dim)
        self.position = nn.Parameter(0.02 * torch.randn(1, n_timesteps, embed_dim))
        self.blocks = _encoder_blocks(embed_dim, depth, n_heads, dropout=0.0)
        self.output = nn.Linear(embed_dim, n_channels)

    def forward(self, z: torch.Tensor, condition: torch.Tensor | None = None):
        if condition is not None:
            z = torch.cat([z, condition], dim=1)
        tokens = self.input(z).view(-1, self.n_timesteps, self.embed_dim)
        tokens = tokens + self.position
        if condition is not None:
            tokens = tokens + condition[:, None, :]
        return self.output(self.blocks(tokens)).transpose(1, 2)


class PatchTransformer(nn.Module):
    """Read a series as patches of steps into one feature vector.

    The series is padded at its end (repeating the last step) to a whole
    number of patches; every patch of ``patch_size`` steps and all channels is
    embedded linearly, a learned positional embedding is added, transformer
    blocks mix the patches and their outputs are averaged. There is no layer
    norm after the last block: it would make the features blind to the scale
    of the series, and a discriminator that cannot see scale lets a
    generator's outputs drift to any amplitude.

    Examples
    --------
    >>> import torch
    >>> from sk_tsgen.modules import PatchTransformer
    >>> body = PatchTransformer(2, 10, patch_size=4, embed_dim=8, depth=1, n_heads=2)
    >>> body(torch.randn(3, 2, 10)).shape
    torch.Size([3, 8])
    """

    def __init__(
        self,
        n_channels: int,
        n_timesteps: int,
        patch_size: int,
        embed_dim: int,
        depth: int,
        n_heads: int,
        dropout: float = 0.0,
    ):
        super().__init__()
        self.patch_size = patch_size
        n_patches = math.ceil(n_timesteps / patch_size)
        self.pad = n_patches * patch_size - n_timesteps
        self.embed = nn.Conv1d(n_channels, embed_dim, patch_size, stride=patch_size)
        self.position = nn.Parameter(0.02 * torch.randn(1, n_patches, embed_dim))
        self.blocks = _encoder_blocks(
            embed_dim, depth, n_heads, dropout, final_norm=False
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.pad:
            x = F.pad(x, (0, self.pad), mode="replicate")
        tokens = self.embed(x).transpose(1, 2) + self.position
        return self.blocks(tokens).mean(dim=1)


class PatchDiscriminator(nn.Module):
    """Real/generated logit of a series, with a projection term for its condition.

    A :class:`PatchTransformer` reads the series into features ``h``; the
    logit is ``w·h + b`` and, for a conditional model, ``+ e_c·h`` with a
    learned embedding ``e_c`` of the condition (the projection discriminator
    of Miyato and Koyama, 2018), so the discriminator judges whether the
    series is real *for that condition*. The head also sees the spread of
    the features across the batch (the minibatch standard deviation of
    Karras et al., 2018), so that a generator whose series are too alike is
    told apart from the data. A conditional discriminator also has a
    classifier head that reads the condition from ``h`` (the auxiliary
    classifier of AC-GAN, Odena et al., 2017); ``return_classes=True`` returns
    its logits with the real/generated logit. With ``covariates=True`` the
    conditions are encoded covariate vectors ``c`` of ``n_conditions`` values
    instead of label indices: the projection embeds them linearly (``c @ E``)
    and the classifier head estimates them.

    Examples
    --------
    >>> import torch
    >>> from sk_tsgen.modules import PatchDiscriminator, PatchTransformer
    >>> d = PatchDiscriminator(PatchTransformer(1, 8, 2, 8, 1, 2), 8, n_conditions=3)
    >>> x, c = torch.randn(4, 1, 8), torch.tensor([0, 1, 2, 0])
    >>> d(x, c).shape
    torch.Size([4])
    >>> [t.shape for t in d(x, c, return_classes=True)]
    [torch.Size([4]), torch.Size([4, 3])]
    """

    def __init__(
        self,
        body: nn.Module,
        embed_dim: int,
        n_conditions: int = 0,
        covariates: bool = False,
    ):
        super().__init__()
        self.body = body
        self.covariates = covariates
        self.head = nn.Linear(embed_dim + 1, 1)
        self.projection = (
            nn.Embedding(n_conditions, embed_dim) if n_conditions else None
        )
        if self.projection is not None:
            nn.init.normal_(self.projection.weight, std=0.02)
        self.classifier = nn.Linear(embed_dim, n_conditions) if n_conditions else None

    def forward(
        self,
        x: torch.Tensor,
        c: torch.Tensor | None = None,
        return_classes: bool = False,
    ):
        h = self.body(x)
        # the batch's spread of features (minibatch discrimination); the small
        # constant keeps its gradient finite where the spread is 0 (a batch of one)
        var = h.var(dim=0, unbiased=False)
        spread = (var + 1e-8).sqrt().mean().expand(len(h), 1)
        logit = self.head(torch.cat([h, spread], dim=1)).squeeze(-1)
        if self.projection is not None and c is not None:
            embedded = (
                c @ self.projection.weight if self.covariates else self.projection(c)
            )
            logit = logit + (embedded * h).sum(-1)
        if return_classes:
            return logit, self.classifier(h)
        return logit


class ConditionalGAN(nn.Module):
    """Generator, discriminator and an encoder that inverts the generator.

    The code of a series is ``[z, p]``: ``z`` the noise the generator would
    need to make it, and ``p`` the probabilities of the conditions (absent for
    an unconditional model). :meth:`decode` turns ``[z, p]`` into a series
    with the condition embedding ``p @ E``, which for a one-hot ``p`` is the
    embedding of that condition. With ``covariates=True`` a condition is an
    encoded vector of ``n_conditions`` covariates rather than a label index:
    ``p`` is then the encoder's estimate of it, embedded the same way.

    The training loop lives in the skorch net; :meth:`forward` gives the
    encoder's reconstruction terms that it reports and validates.

    Parameters
    ----------
    generator : TransformerGenerator
    discriminator : PatchDiscriminator
    encoder : nn.Module
        Maps series to features of size ``embed_dim``.
    latent_dim, embed_dim, n_conditions : int
    covariates : bool, default=False
        Whether conditions are covariate vectors (True) or label indices.

    Examples
    --------
    >>> import torch
    >>> from sk_tsgen.modules import (
    ...     ConditionalGAN, PatchDiscriminator, PatchTransformer, TransformerGenerator)
    >>> gan = ConditionalGAN(
    ...     TransformerGenerator(1, 8, 3, 8, 1, 2, condition_dim=8),
    ...     PatchDiscriminator(PatchTransformer(1, 8, 2, 8, 1, 2), 8, 2),
    ...     PatchTransformer(1, 8, 2, 8, 1, 2), latent_dim=3, embed_dim=8,
    ...     n_conditions=2)
    >>> codes, logits = gan.encode(torch.randn(5, 1, 8))
    >>> codes.shape, logits.shape, gan.decode(codes).shape
    (torch.Size([5, 5]), torch.Size([5, 2]), torch.Size([5, 1, 8]))
    """

    def __init__(
        self,
        generator: nn.Module,
        discriminator: nn.Module,
        encoder: nn.Module,
        latent_dim: int,
        embed_dim: int,
        n_conditions: int = 0,
        covariates: bool = False,
    ):
        super().__init__()
        self.latent_dim, self.n_conditions = latent_dim, n_conditions
        self.covariates = covariates
        self.generator = generator
        self.discriminator = discriminator
        self.encoder = encoder
        self.encoder_head = nn.Linear(embed_dim, latent_dim + n_conditions)
        self.condition_embedding = (
            nn.Embedding(n_conditions, embed_dim) if n_conditions else None
        )

    # ------------------------------------------------------------ parameters
    def _named(self, *prefixes):
        return [
            (name, param)
            for name, param in self.named_parameters()
            if name.startswith(prefixes)
        ]

    def generator_parameters(self):
        """``(name, parameter)`` pairs of the generator and condition embedding."""
        return self._named("generator.", "condition_embedding.")

    def encoder_parameters(self):
        """``(name, parameter)`` pairs of the encoder and its head."""
        return self._named("encoder.", "encoder_head.")

    # ------------------------------------------------------------ generation
    def embed_conditions(self, c: torch.Tensor | None):
        """Condition embeddings of indices (or covariate vectors) ``c``; None
        when unconditional."""
        if self.condition_embedding is None or c is None:
            return None
        if self.covariates:
            return c @ self.condition_embedding.weight
        return self.condition_embedding(c)

    def condition_vector(self, c: torch.Tensor) -> torch.Tensor:
        """``p`` of known conditions: one-hot labels, or the covariates."""
        if self.covariates:
            return c
        return F.one_hot(c, self.n_conditions).to(torch.float32)

    def _read_conditions(self, logits: torch.Tensor) -> torch.Tensor:
        """``p`` as the encoder reads it: label probabilities or covariates."""
        return logits if self.covariates else logits.softmax(dim=1)

    def condition_loss(self, predicted: torch.Tensor, c: torch.Tensor):
        """How far conditions read from series are from ``c``: the
        cross-entropy of labels, the mean squared error of covariates."""
        if self.covariates:
            return (predicted - c).pow(2).mean()
        return F.cross_entropy(predicted, c)

    def generate(self, z: torch.Tensor, c: torch.Tensor | None = None):
        """Series made from noise ``z`` for condition indices ``c``."""
        return self.generator(z, self.embed_conditions(c))

    def decode(self, codes: torch.Tensor, c: torch.Tensor | None = None):
        """Series of codes ``[z, p]`` (``p``: condition probabilities); the
        code carries the condition, so ``c`` is not read."""
        z, p = codes[:, : self.latent_dim], codes[:, self.latent_dim :]
        condition = None
        if self.condition_embedding is not None:
            condition = p @ self.condition_embedding.weight
        return self.generator(z, condition)

    # -------------------------------------------------------------- encoding
    def encode_parts(self, x: torch.Tensor):
        """Noise estimate ``z`` and condition logits of series ``x``."""
        out = self.encoder_head(self.encoder(x))
        return out[:, : self.latent_dim], out[:, self.latent_dim :]

    def encode(self, x: torch.Tensor, c: torch.Tensor | None = None):
        """Codes ``[z, p]`` and condition logits of series ``x``; ``p`` is that
        of the known conditions ``c`` where given, the encoder's otherwise."""
        z, logits = self.encode_parts(x)
        p = self._read_conditions(logits) if c is None else self.condition_vector(c)
        return torch.cat([z, p], dim=1), logits

    def reconstruct(self, x: torch.Tensor, c: torch.Tensor | None = None):
        """Series through the encoder and generator, with known conditions
        ``c`` where given and the encoder's probabilities otherwise."""
        z, logits = self.encode_parts(x)
        if self.condition_embedding is None:
            return self.generator(z)
        if c is None:
            p = self._read_conditions(logits)
            return self.generator(z, p @ self.condition_embedding.weight)
        return self.generate(z, c)

    def forward(
        self,
        x: torch.Tensor,
        c: torch.Tensor | None = None,
        mask: torch.Tensor | None = None,
        **context,
    ):
        """Squared reconstruction error per series (through the encoder's
        probabilities; of the values ``mask`` marks observed, where given)
        and the condition logits."""
        z, logits = self.encode_parts(x)
        codes = torch.cat([z, self._read_conditions(logits)], dim=1)
        error = (self.decode(codes) - x).pow(2)
        if mask is not None:
            error = error * mask
        return {"squared_error": error.flatten(1).sum(1), "z": z, "logits": logits}
