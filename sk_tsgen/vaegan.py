"""VAEGAN: a recurrent VAE whose decoder is sharpened by a discriminator."""

from __future__ import annotations

from numbers import Integral, Real

import torch
from sklearn.utils._param_validation import Interval, StrOptions

from ._nets import AdversarialNet
from ._validation import RandomStateLike, check_positive_ints
from .base import CONDITION_DROPOUT, BaseVAE
from .modules import (
    AdversarialVAE,
    GaussianHead,
    RecurrentDecoder,
    RecurrentEncoder,
    SeriesDiscriminator,
)


class VAEGAN(BaseVAE):
    """Temporal VAE trained against a discriminator of whole series (VAE/GAN).

    The generator is a variational autoencoder over time: a recurrent encoder
    (LSTM or GRU) reads a series into the mean and log-variance of a Gaussian
    code, and a recurrent decoder unrolls a code into a series, with a learned
    Gaussian noise scale per channel, as in :class:`RecurrentAutoencoder` and
    :class:`DenseVAE`. A convolutional discriminator learns to tell real
    series from two kinds of generated ones: reconstructions of the batch and
    decoded draws from the prior (Larsen et al., 2016). The generator minimises

    .. math:: -\\mathrm{ELBO}(x) / (c \\cdot t)
              + \\lambda\\, \\ell_G(D(\\hat x_{rec}), D(\\hat x_{prior})),

    the negative ELBO per value plus ``adversarial_weight`` (λ) times the
    adversarial loss, so the adversarial signal does reach the decoder and the
    encoder. The discriminator takes ``discriminator_steps`` steps per
    generator step, with an R1 penalty on its gradient at real series. The
    two networks have their own Adam optimisers and learning rates.

    :meth:`sample`, :meth:`transform`, :meth:`inverse_transform` and
    :meth:`score_samples` are those of a VAE. The score is the ELBO alone: the
    discriminator does not enter it. A trained discriminator is not a density:
    near equilibrium it gives about the same output to every series the
    generator can produce, its output depends on the last few updates of a
    game rather than on the data, and it was never trained on anomalies, so
    adding it would make the score noisier without giving it a meaning.

    Parameters
    ----------
    cell : {"lstm", "gru"}, default="lstm"
        Recurrent cell of encoder and decoder.
    hidden_size : int, default=64
        Units of every recurrent layer (per direction in the encoder).
    num_layers : int, default=1
        Stacked recurrent layers in the encoder and in the decoder.
    latent_dim : int, default=8
        Size of the code; ``transform`` returns this many components.
    bidirectional : bool, default=False
        Whether the encoder also reads every series backwards.
    discriminator_channels : tuple of int, default=(32, 64)
        Filters of the discriminator's strided convolutions, one layer each.
    discriminator_kernel_size : int, default=5
        Width of those convolutions (odd).
    adversarial_weight : float, default=0.1
        Weight λ of the adversarial term in the generator's loss; 0 trains a
        plain VAE (the discriminator still trains, as a monitor).
    adversarial_loss : {"non_saturating", "hinge", "least_squares"}, \
            default="non_saturating"
        The GAN objective. The default is the logistic loss with the
        generator's non-saturating form, which keeps strong gradients when
        the discriminator wins; with the R1 penalty it is the combination
        that trains stably in the most settings (Mescheder et al., 2018).
    gradient_penalty : float, default=1.0
        Weight γ of the R1 penalty ``γ/2 · ||∇D(x)||²`` on real series; 0
        turns it off.
    discriminator_steps : int, default=1
        Discriminator updates per generator update.
    beta : float, default=1.0
        Weight of the KL term in the training loss. Scores always use the ELBO.
    max_epochs : int or "auto", default=100
        Number of passes over the training series. ``"auto"`` makes about
        3000 gradient steps in 100 to 1000 epochs (more passes over a small
        set, 100 over a large one); on 40 BasicMotions series it leaves the
        ELBO where 100 epochs do (``benchmarks/small_sets.py``), so it is not
        the default.
    batch_size : int or "auto", default="auto"
        Series per step. ``"auto"`` takes 64, or fewer on a small training set
        so that every epoch makes at least 4 gradient steps (and at least 8
        series per step).
    lr : float, default=2e-3
        Learning rate of the generator's (encoder and decoder) Adam optimiser.
    discriminator_lr : float, default=1e-3
        Learning rate of the discriminator's Adam optimiser (betas 0.5, 0.999).
    validation_fraction : float, default=0.0
        Fraction of the series held out to report ``valid_loss`` in
        ``history_`` (and for callbacks such as ``skorch.callbacks.EarlyStopping``).
    callbacks : list or None, default=None
        skorch callbacks (or ``(name, callback)`` tuples) used during training;
        they are copied at every fit, so the ones passed here stay untouched.
    n_mc_samples : int, default=16
        Latent draws per series that :meth:`score_samples` averages.
    sample_from : {"mixture", "prior"}, default="mixture"
        Where :meth:`sample` draws codes: a Gaussian mixture fitted to the
        training codes (``latent_density_``), or the N(0, I) prior.
    n_mixture_components : int, default=10
        Components of that mixture (full covariances).
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
        Seed of initialisation, shuffling, training draws and score draws. An
        int makes ``fit`` repeatable; the caller's global numpy and torch
        random states are left as they were.
    verbose : int, default=0
        0 is silent; 1 or more prints a table per epoch and a progress bar.

    Attributes
    ----------
    n_components_ : int
        Size of the codes.
    n_channels_ : int
        Channels of the training series.
    n_timesteps_ : int
        Timesteps of the training series.
    n_features_in_ : int
        Values per training series (``n_channels_ * n_timesteps_``).
    feature_names_in_ : ndarray of shape (``n_features_in_``,)
        Column names, when ``fit`` was given a DataFrame with string columns.
    scaler_ : sklearn.preprocessing.StandardScaler
        Per-channel standardisation learned in ``fit``.
    net_ : skorch.NeuralNet
        The trained networks; ``net_.module_.discriminator`` is the
        discriminator, ``net_.optimizer_`` and ``net_.optimizer_discriminator_``
        the two optimisers.
    history_ : skorch.History
        Per epoch: ``train_loss`` and ``valid_loss`` (negative ELBO per value
        of the standardised series), ``generator_loss`` (the generator's
        adversarial loss) and ``discriminator_loss`` (without the penalty);
        the last two also per batch.
    offset_ : float
        Threshold on :meth:`score_samples` used by :meth:`predict`.
    latent_density_ : sklearn.mixture.GaussianMixture or None
        Density of the training codes that :meth:`sample` draws from, or None
        with ``sample_from="prior"``.
    conditions_ : sk_tsgen.conditions.Conditions or None
        The encoding of the conditions ``y`` of ``fit``, or None for a model
        fitted without them.

    Notes
    -----
    Fitted with conditions ``y`` (labels, static covariates or start
    timestamps), the encoder and the decoder read the encoded condition, as in a
    conditional VAE, and the discriminator is a projection discriminator (Miyato
    and Koyama, 2018): its logit gains a term ``<W y, h>`` between the condition
    and its features, so it judges whether a series is real for its condition.
    10 % of the training conditions are dropped in every step, so the same
    network also reads series without one.

    ``X`` may hold NaN, missing values (a series needs at least one observed
    value, and a channel in ``fit`` too). The encoder reads them as the
    channel's mean and the likelihood runs over the observed values only, as
    in :class:`DenseVAE`; the discriminator sees every generated series with
    the gaps of the real series it is judged against, so gaps tell nothing
    apart. This assumes the values are missing at random.

    See Also
    --------
    DenseVAE : the same VAE objective with dense layers and no discriminator.
    RecurrentAutoencoder : the same recurrent encoder and decoder, not variational.

    Examples
    --------
    >>> from sk_tsgen import VAEGAN
    >>> from sk_tsgen.datasets import make_sines
    >>> X = make_sines(200, n_timesteps=24, n_channels=2, random_state=0)
    >>> gan = VAEGAN(hidden_size=16, latent_dim=4, max_epochs=3, random_state=0)
    >>> gan.fit(X).sample(3, random_state=0).shape
    (3, 2, 24)
    >>> gan.transform(X).shape
    (200, 4)
    >>> sorted(k for k in gan.history_[-1] if k.endswith("_loss"))
    ['discriminator_loss', 'generator_loss', 'train_loss']
    """

    _conditional = True
    _allow_nan = True
    _parameter_constraints: dict = {
        **BaseVAE._parameter_constraints,
        "cell": [StrOptions({"lstm", "gru"})],
        "hidden_size": [Interval(Integral, 1, None, closed="left")],
        "num_layers": [Interval(Integral, 1, None, closed="left")],
        "bidirectional": ["boolean"],
        "discriminator_channels": ["array-like", Integral],
        "discriminator_kernel_size": [Interval(Integral, 1, None, closed="left")],
        "adversarial_weight": [Interval(Real, 0, None, closed="left")],
        "adversarial_loss": [StrOptions({"non_saturating", "hinge", "least_squares"})],
        "gradient_penalty": [Interval(Real, 0, None, closed="left")],
        "discriminator_steps": [Interval(Integral, 1, None, closed="left")],
        "discriminator_lr": [Interval(Real, 0, None, closed="neither")],
    }

    _net_class = AdversarialNet

    def __init__(
        self,
        *,
        cell: str = "lstm",
        hidden_size: int = 64,
        num_layers: int = 1,
        latent_dim: int = 8,
        bidirectional: bool = False,
        discriminator_channels: tuple[int, ...] = (32, 64),
        discriminator_kernel_size: int = 5,
        adversarial_weight: float = 0.1,
        adversarial_loss: str = "non_saturating",
        gradient_penalty: float = 1.0,
        discriminator_steps: int = 1,
        beta: float = 1.0,
        max_epochs: int | str = 100,
        batch_size: int | str = "auto",
        lr: float = 2e-3,
        discriminator_lr: float = 1e-3,
        validation_fraction: float = 0.0,
        callbacks: list | None = None,
        n_mc_samples: int = 16,
        sample_from: str = "mixture",
        n_mixture_components: int = 10,
        contamination: str | float = "auto",
        conditional: bool = True,
        device: str = "auto",
        accelerator=None,
        random_state: RandomStateLike = None,
        verbose: int = 0,
    ):
        self.cell = cell
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.latent_dim = latent_dim
        self.bidirectional = bidirectional
        self.discriminator_channels = discriminator_channels
        self.discriminator_kernel_size = discriminator_kernel_size
        self.adversarial_weight = adversarial_weight
        self.adversarial_loss = adversarial_loss
        self.gradient_penalty = gradient_penalty
        self.discriminator_steps = discriminator_steps
        self.beta = beta
        self.max_epochs = max_epochs
        self.batch_size = batch_size
        self.lr = lr
        self.discriminator_lr = discriminator_lr
        self.validation_fraction = validation_fraction
        self.callbacks = callbacks
        self.n_mc_samples = n_mc_samples
        self.sample_from = sample_from
        self.n_mixture_components = n_mixture_components
        self.contamination = contamination
        self.conditional = conditional
        self.device = device
        self.accelerator = accelerator
        self.random_state = random_state
        self.verbose = verbose

    def _build_module(self) -> AdversarialVAE:
        channels = check_positive_ints(
            self.discriminator_channels, "discriminator_channels"
        )
        if self.discriminator_kernel_size % 2 == 0:
            raise ValueError(
                "discriminator_kernel_size must be odd, so that padding keeps "
                f"steps centred; got {self.discriminator_kernel_size}."
            )
        shape = dict(
            hidden_size=self.hidden_size, cell=self.cell, num_layers=self.num_layers
        )
        c_dim = self._condition_dim
        encoder = RecurrentEncoder(
            self.n_channels_,
            latent_dim=2 * self.latent_dim,
            bidirectional=self.bidirectional,
            condition_dim=c_dim,
            **shape,
        )
        return AdversarialVAE(
            GaussianHead(encoder),
            RecurrentDecoder(
                self.n_channels_,
                self.n_timesteps_,
                latent_dim=self.latent_dim,
                condition_dim=c_dim,
                **shape,
            ),
            self.n_channels_,
            SeriesDiscriminator(
                self.n_channels_,
                self.n_timesteps_,
                channels,
                self.discriminator_kernel_size,
                condition_dim=c_dim,
            ),
            condition_dim=c_dim,
            condition_dropout=CONDITION_DROPOUT,
        )

    def _net_params(self) -> dict:
        return {
            **super()._net_params(),
            "adversarial_weight": self.adversarial_weight,
            "adversarial_loss": self.adversarial_loss,
            "gradient_penalty": self.gradient_penalty,
            "discriminator_steps": self.discriminator_steps,
            "optimizer_discriminator": torch.optim.Adam,
            "optimizer_discriminator__lr": self.discriminator_lr,
            "optimizer_discriminator__betas": (0.5, 0.999),
        }
