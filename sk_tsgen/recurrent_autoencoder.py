"""RecurrentAutoencoder: an LSTM/GRU sequence autoencoder that samples and scores."""

from __future__ import annotations

from numbers import Integral

import numpy as np
import torch
from sklearn.utils._param_validation import Interval, StrOptions

from ._nets import MeanSquaredError
from ._validation import RandomStateLike
from .base import (
    CONDITION_DROPOUT,
    BaseGenerator,
    fit_code_mixture,
    mixture_log_density,
)
from .modules import RecurrentDecoder, RecurrentEncoder, SequenceAutoencoder

# codes whose spread over the training series is below this are left unscaled
_MIN_CODE_SCALE = 1e-6


class RecurrentAutoencoder(BaseGenerator):
    """Sequence autoencoder with recurrent encoder and decoder.

    The encoder reads a series step by step with an LSTM or GRU and maps its
    final state (both directions' with ``bidirectional=True``) to a code of
    ``latent_dim`` values. The decoder takes the code as its input at every step,
    starts from a state computed from the code, and maps every step's output to
    the channels with a dense layer. Training minimises the squared
    reconstruction error of the standardised series.

    A plain autoencoder can neither sample nor score; this one fits two things
    to the training series after training:

    - a Gaussian mixture on their codes (``latent_density_``), which
      :meth:`sample` draws codes from and decodes;
    - the noise scale of their reconstructions per channel (``noise_scale_``).

    :meth:`score_samples` then returns, in the units of the data,

    .. math:: \\log p(E(x)) + \\log \\mathcal{N}(x;\\ D(E(x)),\\ \\sigma^2 I),

    the log-density of the series' code under the mixture plus the Gaussian
    log-likelihood of its reconstruction error. It is the joint density of
    code and series of the generative model "code from the mixture, series =
    decoded code + noise", taken at the encoder's code; compared with
    ``log p(x)`` it leaves out the volume of codes that explain ``x`` (a
    Laplace term, nearly the same for every series of the training
    distribution). Series far from the training manifold lose on the second
    term; series whose shape the decoder can draw but that sit in a
    rare corner of the code space (unusual combinations of amplitude, phase or
    level) lose on the first. The codes are standardised with their training
    mean and standard deviation, so the first term does not depend on the
    arbitrary scale that training gives the code.

    Parameters
    ----------
    cell : {"lstm", "gru"}, default="lstm"
        Recurrent cell of encoder and decoder (with ``tanh`` activations).
    hidden_size : int, default=64
        Units of every recurrent layer (per direction in the encoder).
    num_layers : int, default=1
        Stacked recurrent layers in the encoder and in the decoder.
    latent_dim : int, default=8
        Size of the code; ``transform`` returns this many components.
    bidirectional : bool, default=False
        Whether the encoder also reads every series backwards.
    max_epochs : int or "auto", default="auto"
        Number of passes over the training series. ``"auto"`` makes about
        3000 gradient steps in 100 to 1000 epochs: 100 epochs of a large
        set, as a fixed default did, and up to 750 of 40 series, which 100
        epochs left underfitted (``benchmarks/small_sets.py``).
    batch_size : int or "auto", default="auto"
        Series per gradient step. ``"auto"`` takes 32, or fewer on a small training set
        so that every epoch makes at least 4 gradient steps (and at least 8
        series per step).
    lr : float, default=5e-3
        Learning rate of the Adam optimiser.
    validation_fraction : float, default=0.0
        Fraction of the series held out to report ``valid_loss`` in
        ``history_`` (and for callbacks such as ``skorch.callbacks.EarlyStopping``).
    callbacks : list or None, default=None
        skorch callbacks (or ``(name, callback)`` tuples) used during training;
        they are copied at every fit, so the ones passed here stay untouched.
    n_mixture_components : int, default=10
        Components of the Gaussian mixture on the codes (full covariances),
        fitted on at most 2000 training codes drawn at random.
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
        Where the network runs; ``"auto"`` uses CUDA when available.
    accelerator : accelerate.Accelerator or None, default=None
        Train through Hugging Face accelerate (skorch's ``AccelerateMixin``):
        mixed precision, or several GPUs when the script is started with
        ``accelerate launch``. The accelerator then places the network and
        ``device`` is not used in training. Not saved by ``save`` (the loaded
        model has ``accelerator=None``). See the user guide's scale-out page.
    random_state : int, RandomState instance or None, default=None
        Seed of initialisation, shuffling and the mixture. An int makes ``fit``
        repeatable; the caller's global numpy and torch random states are left
        as they were.
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
        The trained network.
    history_ : skorch.History
        Per-epoch ``train_loss`` and ``valid_loss``: the mean squared
        reconstruction error per value of the standardised series.
    latent_density_ : sklearn.mixture.GaussianMixture
        Density of the standardised training codes (beside their encoded
        conditions, for a model fitted with them).
    noise_scale_ : ndarray of shape (``n_channels_``,)
        Root mean squared reconstruction error of the training series per
        channel, in the units of the data.
    offset_ : float
        Threshold on :meth:`score_samples` used by :meth:`predict`.
    conditions_ : sk_tsgen.conditions.Conditions or None
        The encoding of the conditions ``y`` of ``fit``, or None for a model
        fitted without them.

    Notes
    -----
    Fitted with conditions ``y`` (labels, static covariates or start
    timestamps), the encoder's code and the decoder's first state read the
    encoded condition too, and the code mixture is fitted on the codes and the
    conditions together: :meth:`sample` draws codes from it given the
    conditions, and :meth:`score_samples` uses ``log p(E(x, y) | y)`` for the
    code's term. 10 % of the training conditions are dropped in every step, so
    the same network also reads series without one.

    ``X`` may hold NaN, missing values (a series needs at least one observed
    value, and a channel in ``fit`` too). The encoder reads them as the
    channel's mean; training minimises the squared error of the observed
    values only, the noise scale is that of their residuals, and
    :meth:`score_samples` scores the observed values of each series. This
    assumes the values are missing at random: whether a value is missing may
    depend on what was observed, not on the missing value itself.

    See Also
    --------
    DenseVAE : a variational autoencoder with dense layers.

    Examples
    --------
    >>> from sk_tsgen import RecurrentAutoencoder
    >>> from sk_tsgen.datasets import make_sines
    >>> X = make_sines(200, n_timesteps=24, n_channels=2, random_state=0)
    >>> ae = RecurrentAutoencoder(
    ...     hidden_size=16, latent_dim=4, max_epochs=3, random_state=0).fit(X)
    >>> ae.transform(X).shape
    (200, 4)
    >>> ae.sample(3, random_state=0).shape
    (3, 2, 24)
    >>> ae.score_samples(X[:5]).shape
    (5,)
    """

    _auto_batch_size = 32
    _conditional = True
    _allow_nan = True
    _parameter_constraints: dict = {
        **{
            key: value
            for key, value in BaseGenerator._parameter_constraints.items()
            if key not in ("sample_from", "n_mc_samples")
        },
        "cell": [StrOptions({"lstm", "gru"})],
        "hidden_size": [Interval(Integral, 1, None, closed="left")],
        "num_layers": [Interval(Integral, 1, None, closed="left")],
        "bidirectional": ["boolean"],
    }

    def __init__(
        self,
        *,
        cell: str = "lstm",
        hidden_size: int = 64,
        num_layers: int = 1,
        latent_dim: int = 8,
        bidirectional: bool = False,
        max_epochs: int | str = "auto",
        batch_size: int | str = "auto",
        lr: float = 5e-3,
        validation_fraction: float = 0.0,
        callbacks: list | None = None,
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
        self.max_epochs = max_epochs
        self.batch_size = batch_size
        self.lr = lr
        self.validation_fraction = validation_fraction
        self.callbacks = callbacks
        self.n_mixture_components = n_mixture_components
        self.contamination = contamination
        self.conditional = conditional
        self.device = device
        self.accelerator = accelerator
        self.random_state = random_state
        self.verbose = verbose

    def _build_module(self) -> SequenceAutoencoder:
        shape = dict(
            hidden_size=self.hidden_size,
            latent_dim=self.latent_dim,
            cell=self.cell,
            num_layers=self.num_layers,
        )
        return SequenceAutoencoder(
            RecurrentEncoder(
                self.n_channels_,
                bidirectional=self.bidirectional,
                condition_dim=self._condition_dim,
                **shape,
            ),
            RecurrentDecoder(
                self.n_channels_,
                self.n_timesteps_,
                condition_dim=self._condition_dim,
                **shape,
            ),
            n_channels=self.n_channels_,
            latent_dim=self.latent_dim,
            condition_dim=self._condition_dim,
            condition_dropout=CONDITION_DROPOUT,
        )

    def _net_params(self) -> dict:
        return {"criterion": MeanSquaredError}

    def _fit_latent_density(self, codes: np.ndarray, data: dict, rng):
        """Standardise the codes, fit the noise scale and the code mixture."""
        module, device = self.net_.module_, self.net_.device
        mean, scale = codes.mean(0), codes.std(0)
        scale = np.where(scale > _MIN_CODE_SCALE, scale, 1.0)
        module.set_code_scaling(
            torch.as_tensor(mean, device=device), torch.as_tensor(scale, device=device)
        )

        def squared_error_and_count(b):
            error = (module.reconstruct(b["x"], **self._c(b)) - b["x"]).pow(2)
            seen = b.get("mask", torch.ones_like(error))
            return torch.cat([(error * seen).sum(-1), seen.sum(-1)], dim=1)

        # per channel, over the observed values
        totals = self._infer(squared_error_and_count, data).astype(np.float64)
        squared, seen = np.split(totals.sum(0), 2)
        sigma = np.sqrt(squared / np.maximum(seen, 1.0))
        sigma = np.maximum(sigma, np.exp(module.min_log_sigma))
        module.set_noise_scale(
            torch.as_tensor(sigma, dtype=torch.float32, device=device)
        )
        self.noise_scale_ = sigma * self.scaler_.scale_
        return fit_code_mixture(
            self._with_conditions((codes - mean) / scale, data),
            self.n_mixture_components,
            rng,
        )

    def _score_scaled(self, data: dict) -> np.ndarray:
        module = self.net_.module_

        def code_and_log_likelihood(batch):
            x, c = batch["x"], self._c(batch)
            code = module.encode(x, **c)[0]
            log_lik = module.log_likelihood(x, code, mask=batch.get("mask"), **c)
            return torch.cat([code, log_lik[:, None]], dim=1)

        out = self._infer(code_and_log_likelihood, data).astype(np.float64)
        codes, log_lik = out[:, :-1], out[:, -1]
        # log p(code | condition) for a model fitted with conditions, given or
        # not; the density of the code alone otherwise
        given = data["c"][:, :-1] if self._c(data) else None
        log_code = mixture_log_density(self.latent_density_, codes, given)
        return log_code + log_lik + self._log_jacobian_of(data)
