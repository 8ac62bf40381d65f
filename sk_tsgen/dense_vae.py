"""DenseVAE: a variational autoencoder with fully connected encoder and decoder."""

from __future__ import annotations

from numbers import Integral

from ._validation import RandomStateLike, check_positive_ints
from .base import CONDITION_DROPOUT as _CONDITION_DROPOUT
from .base import BaseVAE
from .modules import GaussianVAE, MLPDecoder, MLPEncoder


class DenseVAE(BaseVAE):
    """Variational autoencoder over whole series with dense (MLP) layers.

    The encoder flattens a series of ``n_channels x n_timesteps`` values, passes
    it through ReLU layers and outputs the mean and log-variance of a Gaussian
    posterior over a ``latent_dim``-dimensional code; the decoder mirrors it.
    The decoder's observation noise is a learned scale per channel, so training
    maximises a true evidence lower bound (ELBO) and :meth:`score_samples`
    returns it per series, in the units of the data.

    Parameters
    ----------
    latent_dim : int, default=8
        Size of the latent code; ``transform`` returns this many components.
    hidden_layer_sizes : tuple of int, default=(128,)
        Widths of the encoder's ReLU layers; the decoder uses them reversed.
    beta : float, default=1.0
        Weight of the KL term in the training loss. 1 trains on the ELBO itself;
        above 1 the latent codes fill the prior better, so samples spread more
        like the data, at the cost of blurrier reconstructions. Scores always use
        the ELBO.
    max_epochs : int or "auto", default=100
        Number of passes over the training series. ``"auto"`` makes about
        3000 gradient steps in 100 to 1000 epochs (more passes over a small
        set, 100 over a large one).
    batch_size : int or "auto", default="auto"
        Series per gradient step. ``"auto"`` takes 64, or fewer on a small training set
        so that every epoch makes at least 4 gradient steps (and at least 8
        series per step).
    lr : float, default=1e-3
        Learning rate of the Adam optimiser.
    validation_fraction : float, default=0.0
        Fraction of the series held out to report ``valid_loss`` in
        ``history_`` (and for callbacks such as ``skorch.callbacks.EarlyStopping``).
    callbacks : list or None, default=None
        skorch callbacks (or ``(name, callback)`` tuples) used during training;
        they are copied at every fit, so the ones passed here stay untouched.
    n_mc_samples : int, default=16
        Latent draws per series that :meth:`score_samples` averages.
    sample_from : {"mixture", "prior"}, default="mixture"
        Where :meth:`sample` draws latent codes: ``"mixture"`` from a Gaussian
        mixture fitted after training to the codes of the training series
        (``latent_density_``), ``"prior"`` from the VAE's N(0, I) prior. The
        codes of a trained VAE do not fill its prior, and prior draws that land
        where no series was encoded decode to series unlike the data; the
        mixture keeps samples on the data. Scores use the prior either way.
    n_mixture_components : int, default=10
        Components of that mixture (full covariances). It is fitted on at most
        2000 training codes drawn at random.
    contamination : "auto" or float in (0, 0.5], default="auto"
        Sets ``offset_``, the threshold of :meth:`predict`: with a float, that
        fraction of the training series is labelled anomalous; with ``"auto"``,
        the lower Tukey fence of the training scores (first quartile minus 1.5
        interquartile ranges).
    conditional : bool, default=True
        Whether ``fit(X, y)`` learns the conditions ``y`` (labels or static
        covariates): the model is then ``p(x | y)``. False ignores ``y``, as
        an unsupervised step of a ``Pipeline`` passed a classifier's target
        should: a conditional model's codes leave out what its condition
        says, which a classifier after it needs.
    device : str or torch.device, default="auto"
        Where the network runs; ``"auto"`` uses CUDA when available.
    accelerator : accelerate.Accelerator or None, default=None
        Train through Hugging Face accelerate (skorch's ``AccelerateMixin``):
        mixed precision, or several GPUs when the script is started with
        ``accelerate launch``. The accelerator then places the network and
        ``device`` is not used in training. Not saved by ``save`` (the loaded
        model has ``accelerator=None``). See the user guide's scale-out page.
    random_state : int, RandomState instance or None, default=None
        Seed of initialisation, shuffling and score draws. An int makes ``fit``,
        ``transform`` and ``score_samples`` repeatable; the caller's global numpy
        and torch random states are left as they were.
    verbose : int, default=0
        0 is silent; 1 or more prints a table per epoch and a progress bar.

    Attributes
    ----------
    n_components_ : int
        Size of the latent codes.
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
        The trained network.
    history_ : skorch.History
        Per-epoch ``train_loss`` (negative ELBO per value, in nats, on the
        standardised series) and ``valid_loss``.
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
    timestamps), the VAE is conditional (Sohn et al. 2015): the encoder reads
    ``q(z | x, y)`` and the decoder ``p(x | z, y)``, each with the encoded
    condition beside its input. 10 % of the training conditions are dropped in
    every step, so the same network also encodes, decodes and scores series
    without one.

    ``X`` may hold NaN, missing values (a series needs at least one observed
    value, and a channel in ``fit`` too). The encoder reads them as the
    channel's mean, and the likelihood runs over the observed values only, so
    training maximises a bound on the density of what was observed and
    :meth:`score_samples` is that bound per series. This assumes the values
    are missing at random: whether a value is missing may depend on what was
    observed, not on the missing value itself.

    See Also
    --------
    sklearn.decomposition.PCA : linear latent codes, the same ``transform`` API.

    Examples
    --------
    >>> from sk_tsgen import DenseVAE
    >>> from sk_tsgen.datasets import make_sines
    >>> X = make_sines(200, n_timesteps=24, n_channels=2, random_state=0)
    >>> vae = DenseVAE(latent_dim=4, max_epochs=5, random_state=0).fit(X)
    >>> vae.transform(X).shape
    (200, 4)
    >>> vae.sample(3, random_state=0).shape
    (3, 2, 24)
    >>> vae.score_samples(X[:5]).shape
    (5,)

    Conditioned on a label per series:

    >>> y = (X[:, 0, 0] > 0).astype(int)
    >>> cvae = DenseVAE(latent_dim=4, max_epochs=5, random_state=0).fit(X, y)
    >>> X_new, y_new = cvae.sample(3, random_state=0, return_y=True)
    >>> cvae.sample(2, y=1, random_state=0).shape
    (2, 2, 24)
    """

    _conditional = True
    _allow_nan = True

    def __init__(
        self,
        *,
        latent_dim: int = 8,
        hidden_layer_sizes: tuple[int, ...] = (128,),
        beta: float = 1.0,
        max_epochs: int | str = 100,
        batch_size: int | str = "auto",
        lr: float = 1e-3,
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
        self.latent_dim = latent_dim
        self.hidden_layer_sizes = hidden_layer_sizes
        self.beta = beta
        self.max_epochs = max_epochs
        self.batch_size = batch_size
        self.lr = lr
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

    _parameter_constraints: dict = {
        **BaseVAE._parameter_constraints,
        "hidden_layer_sizes": ["array-like", Integral],
    }

    def _build_module(self) -> GaussianVAE:
        sizes = check_positive_ints(self.hidden_layer_sizes, "hidden_layer_sizes")
        shape = (self.n_channels_, self.n_timesteps_)
        c_dim = self._condition_dim
        return GaussianVAE(
            MLPEncoder(*shape, sizes, self.latent_dim, condition_dim=c_dim),
            MLPDecoder(*shape, sizes, self.latent_dim, condition_dim=c_dim),
            n_channels=self.n_channels_,
            condition_dim=c_dim,
            condition_dropout=_CONDITION_DROPOUT,
        )
