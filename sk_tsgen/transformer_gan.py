"""TransformerGAN: transformer generator and discriminator, conditions as prompts."""

from __future__ import annotations

import math
import warnings
from numbers import Integral, Real

import numpy as np
import torch
from numpy.typing import ArrayLike
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils._param_validation import Interval, StrOptions

from ._nets import ConditionalGANNet, MeanSquaredError
from ._validation import RandomStateLike, row_chunks
from .base import BaseGenerator
from .conditions import Conditions
from .modules import (
    ConditionalGAN,
    PatchDiscriminator,
    PatchTransformer,
    TransformerGenerator,
)

# Smallest noise scale of the reconstruction likelihood, in standardised units.
_MIN_NOISE_SCALE = 1e-3


def _warn_if_no_better_than_mean(rms: np.ndarray) -> None:
    """Warn when reconstructions miss the training series by more than their mean.

    ``rms`` is the root-mean-square reconstruction error of every channel of
    the standardised training series, whose own root mean square is 1: at 1 or
    more, the constant mean series reconstructs them as well, so the encoder
    has not learned to invert the generator and scores built on the
    reconstructions do not rank series by how normal they are.
    """
    worst = int(np.argmax(rms))
    if rms[worst] >= 1.0:
        warnings.warn(
            "TransformerGAN's reconstructions of its training series are no "
            "closer to them than the series' mean is (root-mean-square error "
            f"{rms[worst]:.2f} standard deviations in channel {worst}): "
            "score_samples, predict and transform are not reliable. Train longer "
            "(max_epochs) or score with a VAE.",
            ConvergenceWarning,
            stacklevel=4,
        )


class TransformerGAN(BaseGenerator):
    """GAN with transformer generator and discriminator, conditioned on labels.

    The generator turns noise into a sequence of one embedding per timestep,
    adds a learned positional embedding, mixes the steps with transformer
    encoder blocks and projects every step to the channels. The discriminator
    cuts a series into patches of ``patch_size`` steps, embeds them, reads
    them with transformer blocks and outputs a real/generated logit.

    **Conditions (prompts).** ``fit(X, y)`` takes one condition per series,
    such as the month or a class, as ints or strings. The generator then gets
    a learned embedding of the condition, and the discriminator judges a
    series *for its condition* (a projection discriminator) and learns to
    read the condition of real series with a classifier head, whose
    cross-entropy on generated series the generator also minimises, weighted
    by ``condition_weight`` (an auxiliary classifier, as in AC-GAN). Without
    that term, on a dozen series per condition, the generator's months blur
    into each other; with too much of it, they become caricatures that are
    easier to tell apart than real ones. ``sample(n,
    y="January")`` generates for one condition, ``y`` of length ``n`` for one
    condition per series, and without ``y`` the conditions are drawn at their
    frequencies in the training data. Fitted without ``y``, the model is
    unconditional.

    **Training.** Every batch makes one generator step, then
    ``discriminator_steps`` discriminator steps, each on real series against
    series generated for the same conditions. The adversarial loss is by
    default the logistic loss with the generator's non-saturating form plus
    an R1 penalty ``gradient_penalty/2 · ||∇D(x_real)||²`` on the
    discriminator (Mescheder et al., 2018), which has local convergence
    guarantees where plain binary cross-entropy with lockstep updates can
    oscillate or collapse. The two players have their own Adam optimisers
    (betas 0.5, 0.999).

    **Latent space and scores.** A GAN has no encoder, so one is learned with
    it: a patch transformer like the discriminator, trained with the
    generator held fixed at every step to map generated series back to their
    noise and real series to codes that the generator reconstructs them from
    (and, conditional, to recognise the condition). The code of a series is
    ``[z, p]``: the noise estimate (``latent_dim`` values) then the
    probabilities of the conditions (or, for covariates, the encoder's
    estimate of their encoded values). :meth:`transform`
    returns it, :meth:`inverse_transform` generates from it (a one-hot ``p``
    asks for that condition), and :meth:`score_samples` is, in the spirit of
    AnoGAN (Schlegl et al., 2017) and its encoder form (Zenati et al., 2018),

    .. math:: \\log \\mathcal N(x;\\ G(E(x)),\\ \\sigma^2)
              - \\lambda\\, \\lVert f(x) - f(G(E(x))) \\rVert^2,

    a Gaussian log-likelihood of the reconstruction, with a noise scale
    ``σ`` per channel fitted to the training reconstructions, in the units of
    the data, minus ``feature_weight`` (λ) times the squared distance between
    the discriminator's features of the series and of its reconstruction
    (how differently the discriminator sees them). Higher is more normal.
    It is not a density: it ranks series by how well the generator can make
    them. Scores of one fitted model compare; across models they do not.
    ``fit`` warns (``ConvergenceWarning``) when the reconstructions of the
    training series miss them by as much as their mean does: the score then
    ranks nothing.
    With ``y``, the reconstruction uses the given conditions instead of the
    ones the encoder reads.

    **Missing values.** ``X`` may hold NaN (a series needs at least one
    observed value, and a channel in ``fit`` too). The encoder and the
    discriminator read a missing value as its channel's mean, and every
    generated series is judged, and encoded back to its noise, with the gaps
    of a real series of the batch, so that gaps tell real from generated
    apart in nothing. The reconstruction error, the noise scale and
    :meth:`score_samples` run over the observed values only. This assumes
    the values are missing at random.

    Parameters
    ----------
    latent_dim : int, default=16
        Size of the noise the generator takes.
    embed_dim : int, default=32
        Width of the transformer embeddings (a multiple of ``n_heads``).
    depth : int, default=2
        Transformer blocks in the generator, the discriminator and the encoder.
    n_heads : int, default=4
        Attention heads per block.
    patch_size : int, default=4
        Steps per patch of the discriminator and encoder; a series whose
        length is not a multiple is padded at its end.
    dropout : float, default=0.1
        Dropout in the discriminator's blocks (the generator and the encoder
        have none, so that what is sampled is what was judged).
    adversarial_loss : {"non_saturating", "hinge", "least_squares"}, \
            default="non_saturating"
        The GAN objective.
    gradient_penalty : float, default=1.0
        Weight γ of the R1 penalty; 0 turns it off.
    discriminator_steps : int, default=1
        Discriminator updates per generator update.
    condition_weight : float, default=0.05
        Weight of the auxiliary condition classifier's cross-entropy, for the
        discriminator on real series and for the generator on its own; 0
        leaves conditions to the projection alone. Ignored when fitted
        without ``y``.
    feature_weight : float, default=1.0
        Weight λ of the discriminator-feature distance in :meth:`score_samples`.
    max_epochs : int or "auto", default=100
        Number of passes over the training series. ``"auto"`` makes about
        3000 gradient steps in 100 to 1000 epochs (more passes over a small
        set, 100 over a large one).
    batch_size : int or "auto", default="auto"
        Series per step. ``"auto"`` takes 64, or fewer on a small training set
        so that every epoch makes at least 4 gradient steps (and at least 8
        series per step).
    lr : float, default=1e-3
        Learning rate of the generator's and the encoder's Adam optimisers.
    discriminator_lr : float, default=1e-3
        Learning rate of the discriminator's Adam optimiser.
    validation_fraction : float, default=0.0
        Fraction of the series held out to report ``valid_loss`` (the
        reconstruction error through the encoder) in ``history_``.
    callbacks : list or None, default=None
        skorch callbacks used during training, copied at every fit.
    contamination : "auto" or float in (0, 0.5], default="auto"
        Sets ``offset_``, the threshold of :meth:`predict`: with a float, that
        fraction of the training series is labelled anomalous; with ``"auto"``,
        the lower Tukey fence of the training scores.
    conditional : bool, default=True
        Whether ``fit(X, y)`` learns the conditions ``y`` (labels or static
        covariates): the model is then ``p(x | y)``. False ignores ``y``, as
        an unsupervised step of a ``Pipeline`` passed a classifier's target
        should: a conditional model's codes leave out what its condition
        says, which a classifier after it needs.
    device : str or torch.device, default="auto"
        Where the networks run; ``"auto"`` uses CUDA when available.
    accelerator : accelerate.Accelerator or None, default=None
        Train through Hugging Face accelerate (skorch's ``AccelerateMixin``):
        mixed precision, or several GPUs when the script is started with
        ``accelerate launch``. The accelerator then places the network and
        ``device`` is not used in training. Not saved by ``save`` (the loaded
        model has ``accelerator=None``). See the user guide's scale-out page.
    random_state : int, RandomState instance or None, default=None
        Seed of initialisation, shuffling and noise. An int makes ``fit``
        repeatable; the global numpy and torch random states are left alone.
    verbose : int, default=0
        0 is silent; 1 or more prints a table per epoch and a progress bar.

    Attributes
    ----------
    conditions_ : sk_tsgen.conditions.Conditions or None
        The encoding of the conditions ``y`` of ``fit``; None when fitted
        without ``y``. For labels, ``conditions_.classes_`` holds them sorted
        and ``conditions_.frequencies_`` their frequencies in the training
        data, which :meth:`sample` draws conditions from when it gets no
        ``y``; covariates are drawn as whole training rows.
    n_components_ : int
        Size of the codes: ``latent_dim`` plus the number of labels (or of
        encoded covariate values, ``conditions_.dim_ - 1``).
    n_channels_, n_timesteps_, n_features_in_ : int
        Shape of the training series.
    feature_names_in_ : ndarray of shape (``n_features_in_``,)
        Column names, when ``fit`` was given a DataFrame with string columns.
    noise_scale_ : ndarray of shape (n_channels,)
        Standard deviation of the training reconstructions' error per
        channel, in the data's units; the ``σ`` of :meth:`score_samples`.
    scaler_ : sklearn.preprocessing.StandardScaler
        Per-channel standardisation learned in ``fit``.
    net_ : skorch.NeuralNet
        The trained networks (``net_.module_.generator``, ``.discriminator``,
        ``.encoder``) and their optimisers ``net_.optimizer_`` (generator),
        ``net_.optimizer_discriminator_`` and ``net_.optimizer_encoder_``.
    history_ : skorch.History
        Per epoch: ``train_loss`` (and ``valid_loss``), the encoder's
        reconstruction error per value of the standardised series, and
        ``generator_loss`` and ``discriminator_loss``; the last two also per
        batch.
    offset_ : float
        Threshold on :meth:`score_samples` used by :meth:`predict`.

    See Also
    --------
    VAEGAN : a VAE sharpened by a discriminator; its score is a density bound.

    Examples
    --------
    >>> import numpy as np
    >>> from sk_tsgen import TransformerGAN
    >>> from sk_tsgen.datasets import make_sines
    >>> X = make_sines(200, n_timesteps=12, n_channels=2, random_state=0)
    >>> level = X[:, 0].mean(axis=1)
    >>> y = np.where(level > np.median(level), "high", "low")
    >>> gan = TransformerGAN(embed_dim=16, depth=1, max_epochs=2, random_state=0)
    >>> gan.fit(X, y).sample(3, y="high", random_state=0).shape
    (3, 2, 12)
    >>> gan.conditions_.classes_
    array(['high', 'low'], dtype='<U4')
    >>> gan.transform(X).shape  # 16 noise values and 2 condition probabilities
    (200, 18)
    """

    _conditional = True
    _allow_nan = True
    _parameter_constraints: dict = {
        **{
            key: value
            for key, value in BaseGenerator._parameter_constraints.items()
            # a GAN samples from its noise and scores without latent draws
            if key not in ("n_mc_samples", "sample_from", "n_mixture_components")
        },
        "embed_dim": [Interval(Integral, 1, None, closed="left")],
        "depth": [Interval(Integral, 1, None, closed="left")],
        "n_heads": [Interval(Integral, 1, None, closed="left")],
        "patch_size": [Interval(Integral, 1, None, closed="left")],
        "dropout": [Interval(Real, 0, 1, closed="left")],
        "adversarial_loss": [StrOptions({"non_saturating", "hinge", "least_squares"})],
        "gradient_penalty": [Interval(Real, 0, None, closed="left")],
        "discriminator_steps": [Interval(Integral, 1, None, closed="left")],
        "condition_weight": [Interval(Real, 0, None, closed="left")],
        "feature_weight": [Interval(Real, 0, None, closed="left")],
        "discriminator_lr": [Interval(Real, 0, None, closed="neither")],
    }

    _net_class = ConditionalGANNet

    def __init__(
        self,
        *,
        latent_dim: int = 16,
        embed_dim: int = 32,
        depth: int = 2,
        n_heads: int = 4,
        patch_size: int = 4,
        dropout: float = 0.1,
        adversarial_loss: str = "non_saturating",
        gradient_penalty: float = 1.0,
        discriminator_steps: int = 1,
        condition_weight: float = 0.05,
        feature_weight: float = 1.0,
        max_epochs: int | str = 100,
        batch_size: int | str = "auto",
        lr: float = 1e-3,
        discriminator_lr: float = 1e-3,
        validation_fraction: float = 0.0,
        callbacks: list | None = None,
        contamination: str | float = "auto",
        conditional: bool = True,
        device: str = "auto",
        accelerator=None,
        random_state: RandomStateLike = None,
        verbose: int = 0,
    ):
        self.latent_dim = latent_dim
        self.embed_dim = embed_dim
        self.depth = depth
        self.n_heads = n_heads
        self.patch_size = patch_size
        self.dropout = dropout
        self.adversarial_loss = adversarial_loss
        self.gradient_penalty = gradient_penalty
        self.discriminator_steps = discriminator_steps
        self.condition_weight = condition_weight
        self.feature_weight = feature_weight
        self.max_epochs = max_epochs
        self.batch_size = batch_size
        self.lr = lr
        self.discriminator_lr = discriminator_lr
        self.validation_fraction = validation_fraction
        self.callbacks = callbacks
        self.contamination = contamination
        self.conditional = conditional
        self.device = device
        self.accelerator = accelerator
        self.random_state = random_state
        self.verbose = verbose

    # ---------------------------------------------------------- conditions
    def fit(self, X: ArrayLike, y: ArrayLike | None = None) -> TransformerGAN:
        """Learn the distribution of the series in ``X``, per condition in ``y``.

        Parameters
        ----------
        X : array-like of shape (n_series, n_timesteps) or \
                (n_series, n_channels, n_timesteps), or DataFrame
            Training series in raw units.
        y : array-like of shape (n_series,) or (n_series, n_covariates), \
                DataFrame, or None, default=None
            One condition per series: a label (ints or strings, such as month
            names), a row of static covariates or a start timestamp (see
            :class:`~sk_tsgen.conditions.Conditions`); None trains an
            unconditional model.

        Returns
        -------
        self : object
            The fitted generator.
        """
        return super().fit(X, y)

    def _check_conditions(
        self, y, n_series: int, *, reset: bool = False, context: bool = True
    ) -> dict:
        """The network reads label indices, or encoded covariate vectors
        (without their "given" flag: it reads every condition it gets)."""
        out = super()._check_conditions(y, n_series, reset=reset, context=context)
        if "c" in out:
            out["c"] = self._network_conditions(out["c"])
        return out

    def _network_conditions(self, encoded: np.ndarray) -> np.ndarray:
        if self.conditions_.kind == "labels":
            return encoded[:, :-1].argmax(1).astype(np.int64)
        return encoded[:, :-1]

    def _upgrade_conditions(self) -> None:
        """Conditions of a model saved before they were shared by every
        generator: the sorted labels and their frequencies."""
        labels = getattr(self, "conditions_", None)
        if isinstance(labels, np.ndarray):
            conditions = Conditions()
            conditions.kind = "labels"
            conditions.classes_ = labels
            conditions.frequencies_ = self.__dict__.pop("condition_frequencies_")
            conditions.dim_ = len(labels) + 1
            self.conditions_ = conditions

    # -------------------------------------------------------------- model
    def _build_module(self) -> ConditionalGAN:
        if self.embed_dim % self.n_heads:
            raise ValueError(
                f"embed_dim={self.embed_dim} must be a multiple of "
                f"n_heads={self.n_heads}."
            )
        C, T, E = self.n_channels_, self.n_timesteps_, self.embed_dim
        shape = dict(embed_dim=E, depth=self.depth, n_heads=self.n_heads)
        # a model loaded from a file of an earlier version is rebuilt here
        self._upgrade_conditions()
        # labels, or encoded covariate values, that the network reads
        K = max(self._condition_dim - 1, 0)
        covariates = K > 0 and self.conditions_.kind != "labels"
        return ConditionalGAN(
            TransformerGenerator(
                C, T, self.latent_dim, condition_dim=E if K else 0, **shape
            ),
            PatchDiscriminator(
                PatchTransformer(C, T, self.patch_size, dropout=self.dropout, **shape),
                E,
                n_conditions=K,
                covariates=covariates,
            ),
            PatchTransformer(C, T, self.patch_size, **shape),
            latent_dim=self.latent_dim,
            embed_dim=E,
            n_conditions=K,
            covariates=covariates,
        )

    def _net_params(self) -> dict:
        return {
            "criterion": MeanSquaredError,
            "optimizer__betas": (0.5, 0.999),
            "adversarial_loss": self.adversarial_loss,
            "gradient_penalty": self.gradient_penalty,
            "discriminator_steps": self.discriminator_steps,
            "condition_weight": self.condition_weight,
            "optimizer_discriminator": torch.optim.Adam,
            "optimizer_discriminator__lr": self.discriminator_lr,
            "optimizer_discriminator__betas": (0.5, 0.999),
            "optimizer_encoder": torch.optim.Adam,
            "optimizer_encoder__lr": self.lr,
        }

    def _fit_latent_density(self, codes, data, rng):
        """Fit the reconstructions' noise scale; samples come from N(0, I)."""
        module = self.net_.module_
        x, mask = data["x"], data.get("mask")
        squared = n_seen = 0.0
        # by chunks: the training series are read as they are needed
        for rows in row_chunks(x):
            part = x[rows]
            recon = self._infer(lambda b: module.reconstruct(b["x"]), {"x": part})
            seen = np.ones_like(part) if mask is None else mask[rows]
            seen = seen.astype(np.float64)
            squared = squared + ((recon - part) ** 2 * seen).sum(axis=(0, 2))
            n_seen = n_seen + seen.sum(axis=(0, 2))
        rms = np.sqrt(squared / np.maximum(n_seen, 1.0))
        _warn_if_no_better_than_mean(rms)
        self._log_sigma = np.log(np.maximum(rms, _MIN_NOISE_SCALE)).astype(np.float32)
        self.noise_scale_ = np.exp(self._log_sigma) * self.scaler_.scale_
        return None

    def _score_scaled(self, data: dict) -> np.ndarray:
        module = self.net_.module_
        log_sigma = torch.as_tensor(self._log_sigma, device=self.net_.device)
        features = module.discriminator.body

        def score(batch):
            x, mask = batch["x"], batch.get("mask")
            recon = module.reconstruct(x, batch.get("c"))
            residual = (x - recon) * torch.exp(-log_sigma)[:, None]
            log_lik = -(
                0.5 * residual.pow(2) + log_sigma[:, None] + 0.5 * math.log(2 * math.pi)
            )
            if mask is not None:  # the observed values only, and the
                # reconstruction with the series' gaps for the features
                log_lik = log_lik * mask
                recon = torch.where(mask > 0, recon, 0.0)
            distance = (features(x) - features(recon)).pow(2).sum(1)
            return log_lik.flatten(1).sum(1) - self.feature_weight * distance

        scores = self._infer(score, data).astype(np.float64)
        return scores + self._log_jacobian_of(data)

    # ------------------------------------------------------------ sampling
    def _draw_latent(self, n_samples: int, c, rng):
        """Codes ``[z, p]``: noise, and the encoded conditions (one-hot labels)."""
        z = rng.standard_normal((n_samples, self._latent_dim))
        if c is None:
            return z
        return np.hstack([z, c[:, :-1]])

    def score_samples(self, X: ArrayLike, y: ArrayLike | None = None) -> np.ndarray:
        """Reconstruction score of each series (higher = more normal).

        The log-likelihood of the series under a Gaussian around its
        reconstruction through the encoder and the generator, in the units of
        the data, minus ``feature_weight`` times the squared distance between
        the discriminator's features of the series and of its reconstruction.
        See the class description.

        Parameters
        ----------
        X : array-like of shape (n_series, n_timesteps) or \
                (n_series, n_channels, n_timesteps), or DataFrame
            Series to score.
        y : array-like of shape (n_series,) or None, default=None
            Their conditions, for a model fitted with conditions; None lets
            the encoder read them from the series. Ignored by an
            unconditional model.

        Returns
        -------
        scores : ndarray of shape (n_series,)
        """
        return super().score_samples(X, y)
