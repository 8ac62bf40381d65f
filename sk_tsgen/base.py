"""The contract that every sk_tsgen generator shares.

A generator *has* a private skorch net in ``net_``, built afresh in every
``fit``; the public methods below validate the input, scale it with the scaler
learned in ``fit``, run the torch module in batches and give results back in the
caller's layout and units. A model adds a torch module (``_build_module``) and,
where its training differs, a net class; nothing else.

The module of a generator provides:

``forward(x, **context) -> dict``
    the per-series terms of the training loss, for a batch of scaled series ``x``
    of shape ``(n, channels, timesteps)``;
``encode(x) -> (mean, log_var)``
    latent codes of scaled series;
``decode(z) -> x``
    the series mean for latent codes ``z``;
``elbo(x, eps, **context) -> (n,)``
    a per-series log-density bound, with ``eps`` shared standard normal draws.

``context`` holds per-series inputs beside the values (for instance the
time of year of every latent step); a model that needs them supplies them from
:meth:`BaseGenerator._check_input`, and they travel with ``x`` through
training, batching and scoring as entries of one dict of arrays.

A conditional model (``_conditional = True``) learns the conditions ``y`` of
``fit(X, y)`` here, once for every family, with
:class:`~sk_tsgen.conditions.Conditions`: the encoded condition of every series
travels as the context entry ``c``, which ``encode``, ``decode``, ``forward``
and ``elbo`` take as a keyword (absent: no condition).
"""

from __future__ import annotations

import copy
import warnings
from contextlib import contextmanager
from numbers import Integral, Real

import numpy as np
import pandas as pd
import torch
from numpy.typing import ArrayLike
from scipy.special import logsumexp
from sklearn.base import (
    BaseEstimator,
    ClassNamePrefixFeaturesOutMixin,
    OutlierMixin,
    TransformerMixin,
    clone,
)
from sklearn.exceptions import ConvergenceWarning
from sklearn.mixture import GaussianMixture
from sklearn.preprocessing import StandardScaler
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions
from sklearn.utils.validation import check_array, check_is_fitted
from skorch.callbacks import ProgressBar
from skorch.dataset import Dataset
from skorch.helper import predefined_split
from skorch.history import History

from ._imputation import (
    IMPUTATION_SWEEPS,
    KrigingSampler,
    check_n_imputations,
    fill_gaps_linearly,
    in_input_layout,
    kriging_rows,
    residual_covariance,
    space_time_kernel,
    stationary_kernels,
)
from ._lazy import MappedRows, take_rows
from ._nets import (
    ACCELERATED,
    BatchSlicer,
    DivergenceCheck,
    LossTermsNet,
    NegativeELBO,
    TrainingDivergedError,
)
from ._validation import (
    FLOAT_DTYPES,
    RandomStateLike,
    check_n_samples,
    check_series,
    has_nan,
    restore_layout,
    row_chunks,
)
from .conditions import Conditions

_MAX_SEED = np.iinfo(np.int32).max
# Training codes the latent mixture is fitted on, at most: EM on more costs seconds
# and adds little to an estimate of a low-dimensional density.
_MAX_MIXTURE_CODES = 2000
# impute draws the residuals of series of at most this many values (channels
# times steps) from one Gaussian process of all channels; longer ones per channel
_JOINT_KRIGING_VALUES = 1024
# Standardised values are clipped to this many standard deviations before they
# reach a network: training data never come near it (a value is at most
# sqrt(n_values) deviations from its channel's mean), and beyond it a series
# is absurd anyway, yet float32 layers (squares, attention, layer norms) stay
# finite, so codes and reconstructions do too.
_MAX_SCALED = 1e4
# A fit whose training loss improved by less than this (per value, on the
# standardised series) learned next to nothing.
_MIN_LOSS_IMPROVEMENT = 0.05
_FLOAT32_MAX = float(np.finfo(np.float32).max)
# A channel whose reconstructions keep less than this share of its spread
# (standard deviation) is one the model barely learned.
_MIN_SPREAD_KEPT = 0.5
# Fewer gradient steps than this in a fit warn: defaults make at least 400.
_MIN_GRADIENT_STEPS = 100
# batch_size="auto" gives every epoch at least this many gradient steps, with
# batches of at least _MIN_AUTO_BATCH series
_MIN_AUTO_STEPS = 4
_MIN_AUTO_BATCH = 8
# Share of the training series whose condition a conditional model drops
# (sets to "none") in every step, so that it also learns p(x) unconditioned
CONDITION_DROPOUT = 0.1


def resolve_device(device) -> torch.device:
    """Turn the ``device`` parameter into a ``torch.device``.

    ``"auto"`` (or ``None``) picks CUDA when it is available and the CPU otherwise.

    Examples
    --------
    >>> from sk_tsgen.base import resolve_device
    >>> resolve_device("cpu")
    device(type='cpu')
    """
    if device is None or device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        device = torch.device(device)
    except (RuntimeError, TypeError) as exc:
        raise ValueError(f"device={device!r} is not a torch device: {exc}") from None
    if device.type == "cpu":
        return device
    if device.type == "cuda":
        available, count = torch.cuda.is_available(), torch.cuda.device_count()
    elif device.type == "mps":
        mps = getattr(torch.backends, "mps", None)
        available = mps is not None and mps.is_available()
        count = 1 if available else 0
    else:
        backend = getattr(torch, device.type, None)
        try:
            available = bool(backend.is_available())
            count = int(backend.device_count())
        except (AttributeError, RuntimeError):
            available, count = False, 0
    if not available:
        raise ValueError(
            f"device={str(device)!r} was requested but {device.type.upper()} is not "
            "available on this machine; use device='cpu' or device='auto'."
        )
    if device.index is not None and device.index >= count:
        raise ValueError(
            f"device={str(device)!r} was requested but this machine has {count} "
            f"{device.type.upper()} device(s), numbered from 0."
        )
    return device


@contextmanager
def fit_atomically(estimator):
    """Undo everything a failed ``fit`` set on ``estimator``.

    When the block raises (any exception, ``KeyboardInterrupt`` included), the
    estimator's attributes are put back as they were before it, so a model
    fitted earlier stays fitted and usable, and an unfitted one stays unfitted.
    ``fit`` replaces fitted objects rather than changing them in place, so the
    attributes themselves are all that needs keeping.

    Examples
    --------
    >>> from sk_tsgen import DenseVAE
    >>> from sk_tsgen.base import fit_atomically
    >>> vae = DenseVAE()
    >>> try:
    ...     with fit_atomically(vae):
    ...         vae.offset_ = 0.0
    ...         raise RuntimeError("stopped")
    ... except RuntimeError:
    ...     pass
    >>> hasattr(vae, "offset_")
    False
    """
    state = dict(estimator.__dict__)
    try:
        yield estimator
    except BaseException:
        estimator.__dict__.clear()
        estimator.__dict__.update(state)
        raise


@contextmanager
def seeded_torch(seed: int, device: torch.device):
    """Seed torch for the block and restore the caller's random state after it.

    Examples
    --------
    >>> import torch
    >>> from sk_tsgen.base import seeded_torch
    >>> state = torch.get_rng_state()
    >>> with seeded_torch(0, torch.device("cpu")):
    ...     a = torch.rand(2)
    >>> with seeded_torch(0, torch.device("cpu")):
    ...     b = torch.rand(2)
    >>> bool(torch.equal(a, b)), bool(torch.equal(torch.get_rng_state(), state))
    (True, True)
    """
    cuda = [device.index or 0] if device.type == "cuda" else []
    with torch.random.fork_rng(devices=cuda):
        torch.default_generator.manual_seed(seed)
        for index in cuda:
            with torch.cuda.device(index):
                torch.cuda.manual_seed(seed)
        yield


class BaseGenerator(
    ClassNamePrefixFeaturesOutMixin, TransformerMixin, OutlierMixin, BaseEstimator
):
    """Base class of the generators: fit, encode, decode, sample and score series.

    Not meant to be used directly: subclasses define ``__init__`` with their
    hyperparameters and ``_build_module``; see :class:`sk_tsgen.DenseVAE`.

    Examples
    --------
    >>> from sk_tsgen import DenseVAE
    >>> from sk_tsgen.base import BaseGenerator
    >>> isinstance(DenseVAE(), BaseGenerator)
    True
    """

    _parameter_constraints: dict = {
        "latent_dim": [Interval(Integral, 1, None, closed="left")],
        "max_epochs": [
            StrOptions({"auto"}),
            Interval(Integral, 1, None, closed="left"),
        ],
        "batch_size": [
            StrOptions({"auto"}),
            Interval(Integral, 1, None, closed="left"),
        ],
        "lr": [Interval(Real, 0, None, closed="neither")],
        "validation_fraction": [Interval(Real, 0, 1, closed="left")],
        "callbacks": [list, None],
        "n_mc_samples": [Interval(Integral, 1, None, closed="left")],
        "sample_from": [StrOptions({"mixture", "prior"})],
        "n_mixture_components": [Interval(Integral, 1, None, closed="left")],
        "contamination": [StrOptions({"auto"}), Interval(Real, 0, 0.5, closed="right")],
        "conditional": ["boolean"],
        "device": [str, torch.device, None],
        "accelerator": [HasMethods(["prepare", "backward"]), None],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
    }

    _net_class = LossTermsNet
    # what batch_size="auto" takes on a training set large enough for it
    _auto_batch_size = 64
    # what max_epochs="auto" gives: enough epochs for about this many gradient
    # steps, within this range of epochs (so a large set keeps 100 epochs)
    _auto_gradient_steps: int = 3000
    _auto_epoch_range: tuple[int, int] = (100, 1000)
    # Rows per forward pass at inference; training uses ``batch_size``.
    _inference_batch_size = 1024
    # Whether X may hold NaN (missing values): fit, transform and scores then
    # read the observed values only (the ``mask`` context entry)
    _allow_nan = False
    # Whether ``fit(X, y)`` learns the conditions ``y`` (an unconditional
    # model ignores y in fit and in scores, and refuses it in sample).
    _conditional = False

    # ------------------------------------------------------------------ hooks
    def _build_module(self) -> torch.nn.Module:  # pragma: no cover - abstract
        raise NotImplementedError

    def _net_params(self) -> dict:
        """Keyword arguments of the skorch net that depend on the model."""
        return {}

    def _check_n_timesteps(self, n_timesteps: int) -> None:
        """Raise if the model cannot handle series of this length."""

    def _check_input(
        self,
        X,
        y=None,
        *,
        reset: bool = False,
        context: bool = True,
        allow_nan: bool | None = None,
    ) -> tuple[np.ndarray, dict]:
        """Validate ``X`` (and ``y`` where the model uses it).

        Returns the series as ``(n, channels, timesteps)`` floats and a dict of
        per-series context arrays for the module: the encoded conditions ``c``
        of a conditional model given ``y``, nothing otherwise
        (``context=False`` asks for none, as encoding needs none).
        ``allow_nan=True`` accepts missing values in a model that does not
        train on them (for :meth:`impute`).
        """
        X3 = check_series(self, X, reset=reset, allow_nan=allow_nan)
        return X3, self._check_conditions(y, len(X3), reset=reset, context=context)

    def _check_conditions(
        self, y, n_series: int, *, reset: bool = False, context: bool = True
    ) -> dict:
        """``{"c": encoded conditions}`` of ``y`` for a conditional model.

        With ``reset`` the encoding is learned (``conditions_``, None without
        ``y``); otherwise ``y`` is encoded as in fit, one condition for every
        series or one per series, and None means "no condition".
        """
        if not self._conditional:
            return {}
        if reset:
            if not self.conditional:
                y = None
            self.conditions_ = None if y is None else Conditions()
            if y is None:
                return {}
            encoded = self.conditions_.fit(y)
            if len(encoded) != n_series:
                raise ValueError(
                    f"y holds {len(encoded)} conditions for {n_series} series; "
                    "fit needs one condition per series."
                )
            return {"c": encoded}
        if y is None or self.conditions_ is None or not context:
            return {}
        return {"c": self.conditions_.encode(y, n_series)}

    def _sample_conditions(self, n_samples: int, y, rng, return_y: bool):
        """The conditions of ``n_samples`` new series: ``(y, encoded)``.

        ``y`` gives one condition for all or one per series; None draws them
        at their training frequencies. ``(None, None)`` for a model fitted
        without conditions, which refuses ``y`` and ``return_y``.
        """
        conditions = getattr(self, "conditions_", None)
        if conditions is None:
            name = type(self).__name__
            how = "fit with y" if self._conditional else "use a conditional model"
            if y is not None:
                raise ValueError(
                    f"{name} was fitted without conditions, so it is "
                    f"unconditional; call sample without y, or {how}."
                )
            if return_y:
                raise ValueError(
                    f"return_y=True needs a model fitted with conditions; {name} "
                    f"was fitted without y ({how})."
                )
            return None, None
        if y is None:
            return conditions.draw(n_samples, rng)
        encoded = conditions.encode(y, n_samples, "samples")
        return (conditions.raw(y, n_samples) if return_y else None), encoded

    # -------------------------------------------------------------- training
    def fit(self, X: ArrayLike, y: ArrayLike | None = None) -> BaseGenerator:
        """Learn the distribution of the series in ``X`` (given ``y``).

        Parameters
        ----------
        X : array-like of shape (n_series, n_timesteps) or \
                (n_series, n_channels, n_timesteps), or DataFrame
            Training series in raw units; a 2-D input (array or DataFrame with
            one column per timestep) holds univariate series.
        y : array-like of shape (n_series,) or (n_series, n_covariates), \
                DataFrame, or None, default=None
            One condition per series, for a conditional model: class labels
            (ints, strings or booleans), static covariates (numeric columns
            are standardised, the others one-hot encoded), or the timestamp
            at which every series starts (encoded as its time of year, day of
            the week and time of day; see
            :class:`~sk_tsgen.conditions.Conditions`). The model then learns
            ``p(x | y)``, and also ``p(x)`` for series whose condition is not
            given (a share of the training conditions is dropped in every
            step). None fits an unconditional model. Ignored by models that
            take no conditions.

        Returns
        -------
        self : object
            The fitted generator.

        Notes
        -----
        ``fit`` is all or nothing: when it raises, the estimator is left as it
        was before the call. A ``KeyboardInterrupt`` (Ctrl-C) during the epochs
        stops training early, as in skorch; the model is then finished from the
        weights reached (latent density, noise scale, ``offset_``) and a
        warning says at which epoch training stopped. A training loss that
        becomes non-finite or explodes raises
        :class:`~sk_tsgen.TrainingDivergedError`.
        """
        with fit_atomically(self):
            self._fit(X, y)
        return self

    def _fit(self, X, y) -> None:
        self._validate_params()
        X3, context = self._check_input(X, y, reset=True)
        self._output_dtype = X3.dtype
        rng = check_random_state(self.random_state)
        self.scaler_ = fit_channel_scaler(X3, type(self).__name__)
        # standardised a batch at a time as training reads them: a large
        # array (a memmap) is never copied whole
        data = {**self._scaled_rows(X3), **context}
        train, valid = self._train_valid_split(data, rng)
        accelerator = getattr(self, "accelerator", None)
        if accelerator is not None:
            device = torch.device(accelerator.device)  # it places the network
        else:
            device = resolve_device(self.device)
        init_seed, shuffle_seed, score_seed = rng.randint(_MAX_SEED, size=3)
        with seeded_torch(int(init_seed), device):
            module = self._build_module()
            self._prepare_module(module, train)
            batch_size = self._train_batch_size(len(train["x"]))
            self.net_ = self._make_net(
                module,
                device,
                int(shuffle_seed),
                valid,
                batch_size,
                self._train_epochs(len(train["x"]), batch_size),
            )
            self.net_.fit(train)
        if accelerator is not None:
            # trained with device=None, as accelerate asks; inference places
            # its batches where the accelerator put the network
            self.net_.device = str(device)
        # inference never switches modes, so threads can share the model
        self.net_.module_.eval()
        # the validation split is not part of the model (nor of its pickles)
        self.net_.train_split = None
        self._warn_if_training_stopped_short(len(train["x"]))
        self._score_seed = int(score_seed)
        self._finish_fit(train, data, rng)
        return self

    def _prepare_module(self, module: torch.nn.Module, train: dict) -> None:
        """Set what a new module learns from the (scaled) training series
        before training; nothing by default. A module rebuilt from a file
        gets it from its saved state instead."""

    def _finish_fit(self, train: dict, data: dict, rng) -> None:
        """What follows training: the latent codes, their density, the noise
        scale, ``offset_`` and the check of the reconstructions.

        ``train`` holds the (scaled) training series, ``data`` those and the
        validation series.
        """
        module = self.net_.module_
        codes = self._infer(lambda b: module.encode(b["x"], **self._c(b))[0], train)
        if not np.isfinite(codes).all():
            raise TrainingDivergedError(
                f"{type(self).__name__}'s training diverged: the codes of the "
                f"training series are not finite. Try a lower lr (it is "
                f"{self.lr:g})."
            )
        self._latent_shape = codes.shape[1:]
        # inference reads the fitted size, not a latent_dim set since
        self._latent_dim = self.latent_dim
        self.n_components_ = int(np.prod(self._latent_shape))
        self.latent_density_ = self._fit_latent_density(codes, train, rng)
        self._set_offsets(data)
        self._check_fit(_take(data, slice(0, _MAX_MIXTURE_CODES)))
        self._residual_covariance = self._fit_residual_covariance(
            _take(data, slice(0, _MAX_MIXTURE_CODES)), rng
        )

    def _fit_residual_covariance(self, data: dict, rng) -> np.ndarray:
        """Cross-covariance per pair of channels and lag of the residuals of
        the reconstruction draws of (scaled) training ``data``, at its observed
        values: the Gaussian process ``impute`` draws its residuals from."""
        generator = torch.Generator().manual_seed(int(rng.randint(_MAX_SEED)))
        x = data["x"]
        mask = data.get("mask", np.ones_like(x))
        filled = fill_gaps_linearly(x, mask) if "mask" in data else x
        recon = self._infer(
            lambda b: self._reconstruction_draw(b, generator), {**data, "x": filled}
        )[..., : x.shape[-1]]
        return residual_covariance(x - recon, mask)

    def _check_fit(self, data: dict) -> None:
        """Warn when the reconstructions of (scaled) training ``data`` keep
        little of a channel's spread: the model then explains that channel as
        noise, and its samples are far narrower than the data."""
        module = self.net_.module_

        def reconstruct(b):
            return module.decode(module.encode(b["x"], **self._c(b))[0], **self._c(b))

        recon = self._infer(reconstruct, data)
        x = data["x"]
        if "mask" in data:  # the spread of the observed values
            x = np.where(data["mask"] > 0, x, np.nan)
        spread = np.nanstd(x, axis=(0, 2))
        kept = recon[..., : x.shape[-1]].std(axis=(0, 2)) / np.maximum(spread, 1e-12)
        narrow = np.flatnonzero((kept < _MIN_SPREAD_KEPT) & (spread > 1e-6))
        if narrow.size:
            channels = ", ".join(f"channel {c}: {kept[c]:.0%}" for c in narrow[:6])
            warnings.warn(
                f"{type(self).__name__}'s reconstructions of its training series "
                f"keep little of their spread ({channels}): the model explains "
                "little of these channels beyond noise, and its samples will be "
                "far narrower than the data. Train longer (max_epochs), on more "
                "series, or with a larger latent_dim.",
                ConvergenceWarning,
                stacklevel=4,
            )

    def _warn_if_training_stopped_short(self, n_train: int) -> None:
        """Warn when training was interrupted, or when it learned next to nothing."""
        net, name = self.net_, type(self).__name__
        n_epochs = len(net.history)
        if net.interrupted_at_ is not None:
            warnings.warn(
                f"{name}: training interrupted at epoch {net.interrupted_at_} of "
                f"{net.max_epochs} ({n_epochs} complete); the model is finished "
                "from the weights reached so far.",
                UserWarning,
                stacklevel=4,
            )
            return
        batch_size = net.batch_size
        n_batches = -(-n_train // batch_size)
        n_steps = n_epochs * n_batches
        if n_steps < _MIN_GRADIENT_STEPS:
            warnings.warn(
                f"{name} made only {n_steps} gradient steps ({n_epochs} epochs of "
                f"{n_batches} batch(es) of at most {batch_size} of the {n_train} "
                f"training series); a generator usually needs several hundred to "
                "learn the data. Raise max_epochs or lower batch_size.",
                ConvergenceWarning,
                stacklevel=4,
            )
            return
        if n_epochs < 2:
            return
        losses = net.history[:, "train_loss"]
        # from the first batch: a model that learns most in its first epoch
        # (a diffusion model, whose loss starts from a Gaussian's) has learned
        first = net.history[0, "batches", 0, "train_loss"]
        improvement = max(first, losses[0]) - min(losses)
        if improvement < _MIN_LOSS_IMPROVEMENT:
            warnings.warn(
                f"{name} barely learned: its training loss went from "
                f"{max(first, losses[0]):.4g} to {losses[-1]:.4g} in {n_steps} "
                f"gradient steps ({n_epochs} epochs of {n_batches} batch(es) of "
                f"at most {batch_size} of the {n_train} training series). "
                "Its samples and scores may not reflect the data: use a smaller "
                "batch_size, more max_epochs or a larger lr.",
                ConvergenceWarning,
                stacklevel=4,
            )

    def _training_scores(self, data: dict) -> np.ndarray:
        """Scores of the training series that ``offset_`` is set from."""
        return self._score_scaled(data)

    def _train_valid_split(self, data: dict, rng):
        n_series = len(data["x"])
        if self.validation_fraction == 0:  # a copy: _prepare_module may fill it
            return dict(data), None
        n_valid = int(round(self.validation_fraction * n_series))
        if n_valid < 1 or n_valid >= n_series:
            raise ValueError(
                f"validation_fraction={self.validation_fraction} leaves "
                f"{n_valid} of {n_series} series for validation; it needs at least "
                "one series on each side."
            )
        order = rng.permutation(n_series)
        return take_rows(data, order[n_valid:]), _take(data, order[:n_valid])

    def _train_batch_size(self, n_train: int) -> int:
        """``batch_size``, with ``"auto"`` resolved for ``n_train`` series."""
        if self.batch_size != "auto":
            return self.batch_size
        steps = -(-n_train // _MIN_AUTO_STEPS)
        return max(1, min(self._auto_batch_size, max(_MIN_AUTO_BATCH, steps)))

    def _train_epochs(self, n_train: int, batch_size: int) -> int:
        """``max_epochs``, with ``"auto"`` resolved for ``n_train`` series.

        ``"auto"`` sets a budget in gradient steps rather than in passes: on a
        small training set (one long series cut into a few hundred windows,
        say) a fixed number of epochs is only a few hundred steps, too few to
        learn the data, while on a large one it is far more than needed.
        """
        if self.max_epochs != "auto":
            return self.max_epochs
        steps_per_epoch = -(-n_train // batch_size)
        epochs = -(-self._auto_gradient_steps // steps_per_epoch)
        return int(np.clip(epochs, *self._auto_epoch_range))

    def _make_net(
        self,
        module,
        device,
        shuffle_seed: int,
        valid,
        batch_size: int,
        max_epochs: int | None = None,
    ):
        callbacks = [copy.deepcopy(cb) for cb in self.callbacks or []]
        callbacks.append(("divergence", DivergenceCheck(type(self).__name__, self.lr)))
        extra = {}
        if self.verbose:
            callbacks.append(("progress_bar", ProgressBar()))
        else:
            extra["callbacks__print_log"] = None
        if valid is not None:
            extra["train_split"] = predefined_split(Dataset(_as_tensors(valid, device)))
        else:
            extra["train_split"] = None
        net_class = self._net_class
        accelerator = getattr(self, "accelerator", None)
        accelerator_device = None
        if accelerator is not None:
            accelerator_device = accelerator.device
            net_class = self._accelerated_net_class(accelerator)
            extra["accelerator"] = accelerator
            # every process draws the same order and takes its share of batches
            extra["iterator_train__shard"] = (
                accelerator.process_index,
                accelerator.num_processes,
            )
            if not self.verbose:
                # the mixin sets the epoch table's sink, so the table stays,
                # writing nowhere
                del extra["callbacks__print_log"]
                extra["callbacks__print_log__sink"] = _print_nothing
            device = None
        return net_class(
            module=module,
            optimizer=torch.optim.Adam,
            lr=self.lr,
            max_epochs=self.max_epochs if max_epochs is None else max_epochs,
            batch_size=batch_size,
            iterator_train=BatchSlicer,
            iterator_train__shuffle=True,
            iterator_train__generator=torch.Generator().manual_seed(shuffle_seed),
            iterator_train__device=accelerator_device or device,
            iterator_valid=BatchSlicer,
            callbacks=callbacks,
            device=None if device is None else str(device),
            verbose=self.verbose,
            **self._net_params(),
            **extra,
        )

    def _accelerated_net_class(self, accelerator):
        """The net class of ``_net_class`` with skorch's ``AccelerateMixin``."""
        name = type(self).__name__
        if self._net_class not in ACCELERATED:  # pragma: no cover - a new net
            raise TypeError(f"{name} cannot train through accelerate yet.")
        if accelerator.num_processes > 1 and self._net_class is not LossTermsNet:
            raise ValueError(
                f"{name} trains its networks with steps of its own, which "
                "accelerate's data parallelism across processes does not wrap; "
                "train it in one process (one GPU, or mixed precision), or use "
                "a VAE, the autoencoder or the diffusion generator."
            )
        return ACCELERATED[self._net_class]

    def _fit_latent_density(self, codes: np.ndarray, data: dict, rng):
        """Gaussian mixture on the training codes, which ``sample`` draws from.

        A VAE's codes do not fill its N(0, I) prior: prior draws that land where
        no training series was encoded decode to series unlike the data. Drawing
        from a density fitted to the codes keeps samples on the data
        (ex-post density estimation, Ghosh et al. 2020; the second stage of the
        two-stage VAE, Dai and Wipf 2019).
        """
        if self.sample_from == "prior":
            return None
        return fit_code_mixture(
            self._with_conditions(codes, data), self.n_mixture_components, rng
        )

    def _with_conditions(self, codes: np.ndarray, data: dict) -> np.ndarray:
        """Codes, beside the encoded conditions of a model fitted with them.

        The latent mixture of a conditional model is fitted on both, and
        ``sample`` draws codes given the conditions: the codes of a series
        carry what its condition says too, so codes drawn regardless of the
        condition would decode to series of any condition.
        """
        codes = codes.reshape(len(codes), -1)
        if self._conditional and "c" in data:
            # the "given" flag, always 1, is left out
            return np.hstack([codes, data["c"][:, :-1]])
        return codes

    def _set_offset(self, train_scores: np.ndarray) -> None:
        self.offset_ = offset_from_scores(train_scores, self.contamination)

    def _set_offsets(self, data: dict) -> None:
        """``offset_`` from the training scores (conditional ones for a model
        fitted with conditions), and for such a model the threshold of series
        scored without their conditions, from the same series scored so."""
        self._set_offset(self._training_scores(data))
        self._unconditioned_offset = None
        if self._conditional and "c" in data:
            unconditioned = {k: v for k, v in data.items() if k != "c"}
            self._unconditioned_offset = offset_from_scores(
                self._training_scores(unconditioned), self.contamination
            )

    def _offset_for(self, y) -> float:
        """The threshold for series scored with conditions ``y`` (or none)."""
        unconditioned = getattr(self, "_unconditioned_offset", None)
        if y is None and unconditioned is not None:
            return unconditioned
        return self.offset_

    @property
    def history_(self) -> History:
        """skorch ``History`` of the last fit: per-epoch ``train_loss`` and,
        with ``validation_fraction > 0``, ``valid_loss``."""
        check_is_fitted(self)
        return self.net_.history

    def _c(self, batch: dict) -> dict:
        """The encoded conditions of a batch as keyword arguments of the
        module's ``encode`` and ``decode``: ``{"c": ...}``, or none."""
        return {"c": batch["c"]} if self._conditional and "c" in batch else {}

    @property
    def _condition_dim(self) -> int:
        """Length of an encoded condition (0 for a model fitted without)."""
        conditions = getattr(self, "conditions_", None)
        return 0 if conditions is None else conditions.dim_

    @property
    def _n_features_out(self):
        return self.n_components_

    # ------------------------------------------------------------ plumbing
    def _scale(self, X3: np.ndarray) -> np.ndarray:
        """Standardised float32 series, clipped at ``_MAX_SCALED`` deviations;
        NaN stays NaN."""
        out = np.empty(X3.shape, dtype=np.float32)
        # a chunk of series at a time: the float64 arithmetic of a large
        # memmap never exists whole, only its float32 result
        for rows in row_chunks(X3):
            out[rows] = self._scale_rows(X3[rows])
        return out

    def _scale_rows(self, X3: np.ndarray) -> np.ndarray:
        """What ``_scale`` does, for a few rows at once."""
        mean, scale = self.scaler_.mean_[:, None], self.scaler_.scale_[:, None]
        scaled = X3.astype(np.float64)
        with np.errstate(over="ignore", invalid="ignore"):
            scaled -= mean
            scaled /= scale
        np.clip(scaled, -_MAX_SCALED, _MAX_SCALED, out=scaled)
        return scaled.astype(np.float32)

    def _scaled_rows(self, X3: np.ndarray) -> dict:
        """What ``observed({"x": self._scale(X3)})`` holds, computed a few
        rows at a time as they are read (see :class:`MappedRows`)."""
        if not has_nan(X3):
            return {"x": MappedRows(X3, self._scale_rows, np.float32)}
        return {
            "x": MappedRows(X3, self._scale_rows_filled, np.float32),
            "mask": MappedRows(X3, _observed_mask, np.float32),
        }

    def _scale_rows_filled(self, X3: np.ndarray) -> np.ndarray:
        """``_scale_rows`` with missing values as 0, the scaled mean."""
        scaled = self._scale_rows(X3)
        scaled[np.isnan(scaled)] = 0.0
        return scaled

    def _unscale(self, X3s: np.ndarray) -> np.ndarray:
        return X3s * self.scaler_.scale_[:, None] + self.scaler_.mean_[:, None]

    def _log_jacobian(self, n_timesteps: int) -> float:
        """``log |dx_scaled / dx|`` of one series, the change of units of a density."""
        return -n_timesteps * float(np.sum(np.log(self.scaler_.scale_)))

    def _infer(
        self, fn, data: dict | np.ndarray, batch_size: int | None = None
    ) -> np.ndarray:
        """Apply ``fn`` in batches, in eval mode, without gradients.

        ``data`` is an array, or a dict of arrays with one row per series, in
        which case ``fn`` receives a dict of tensors.
        """
        device = self.net_.device
        n_rows = len(data["x"] if isinstance(data, dict) else data)
        step = batch_size or self._inference_batch_size
        # the module stays in eval mode after fit; it is never switched here,
        # so concurrent calls from several threads see the same network
        with torch.inference_mode():
            # np.array copies: a batch's result may be a view of a larger
            # tensor (codes sliced from the encoder's output), whose whole
            # storage .numpy() alone would keep alive for every batch
            out = [
                np.array(
                    fn(_as_tensors(_take(data, slice(start, start + step)), device))
                    .cpu()
                    .numpy()
                )
                for start in range(0, n_rows, step)
            ]
        return np.concatenate(out)

    def _encode(self, x: torch.Tensor) -> torch.Tensor:
        """Latent codes of a batch of scaled series (what ``transform`` gives)."""
        return self.net_.module_.encode(x)[0]

    def _latent_shape_for(self, n_timesteps: int) -> tuple[int, ...]:
        """Shape of the codes of one series of ``n_timesteps`` steps."""
        return tuple(self._latent_shape)

    def _score_draws(self, n_timesteps: int) -> torch.Tensor:
        """Standard normal latent draws shared by every series that is scored."""
        draws = np.random.RandomState(self._score_seed).standard_normal(
            (self.n_mc_samples, *self._latent_shape_for(n_timesteps))
        )
        return torch.as_tensor(draws, dtype=torch.float32, device=self.net_.device)

    def _score_scaled(self, data: dict) -> np.ndarray:
        n_timesteps = data["x"].shape[-1]
        eps = self._score_draws(n_timesteps)
        elbo = self._infer(lambda b: self.net_.module_.elbo(eps=eps, **b), data)
        return elbo.astype(np.float64) + self._log_jacobian_of(data)

    def _log_jacobian_of(self, data: dict) -> np.ndarray | float:
        """The change of units of the scores of ``data``: per series, over its
        observed values, where some are missing."""
        if "mask" not in data:
            return self._log_jacobian(data["x"].shape[-1])
        mask = data["mask"]
        # by chunks: the mask of a training set is read as it is needed
        observed_per_channel = np.concatenate(
            [mask[rows].sum(-1, dtype=np.float64) for rows in row_chunks(mask)]
        )
        return -observed_per_channel @ np.log(self.scaler_.scale_)

    def _decode(self, Z: np.ndarray, rng=None, c: np.ndarray | None = None):
        """Series from latent codes, given encoded conditions ``c`` (None: no
        condition); ``sample`` passes its random state as ``rng``, for models
        whose decoding draws noise."""
        Z = clip_codes(Z).reshape(-1, *self._latent_shape)
        module = self.net_.module_
        data = {"x": Z} if c is None else {"x": Z, "c": c}
        decoded = self._infer(lambda b: module.decode(b["x"], **self._c(b)), data)
        return self._unscale(decoded)

    def _draw_latent(self, n_samples: int, c, rng) -> np.ndarray:
        """Latent codes of ``n_samples`` new series with encoded conditions
        ``c`` (None: unconditional)."""
        mixture = self.latent_density_
        if mixture is None:
            return rng.standard_normal((n_samples, *self._latent_shape))
        if mixture.means_.shape[1] > self.n_components_:
            # fitted on codes and conditions together (the "given" flag left out)
            Z = draw_given(mixture, c[:, :-1], rng)
        else:
            Z = draw_given(mixture, np.zeros((n_samples, 0)), rng)
        return Z.reshape(n_samples, *self._latent_shape)

    # ---------------------------------------------------------- public API
    def transform(self, X: ArrayLike) -> np.ndarray:
        """Encode series into latent codes (the posterior means).

        Parameters
        ----------
        X : array-like of shape (n_series, n_timesteps) or \
                (n_series, n_channels, n_timesteps), or DataFrame
            Series with the channels and timesteps seen in ``fit``.

        Returns
        -------
        Z : ndarray of shape (n_series, n_components_)
            Latent codes.
        """
        check_is_fitted(self)
        X3, _ = self._check_input(X, context=False)
        data = observed({"x": self._scale(X3)})
        codes = self._infer(lambda b: self._encode(b["x"]).flatten(1), data)
        return codes.astype(X3.dtype, copy=False)

    def inverse_transform(self, Z: ArrayLike) -> np.ndarray | pd.DataFrame:
        """Decode latent codes into series, in the layout and units of ``fit``.

        Parameters
        ----------
        Z : array-like of shape (n_series, n_components_)
            Latent codes, as returned by :meth:`transform`.

        Returns
        -------
        X : ndarray or DataFrame
            Decoded series (the decoder mean), shaped like the training input.
        """
        check_is_fitted(self)
        Z = check_array(Z, dtype=FLOAT_DTYPES, input_name="Z")
        if Z.shape[1] != self.n_components_:
            raise ValueError(
                f"Z has {Z.shape[1]} components, but {type(self).__name__} is "
                f"expecting {self.n_components_} components as input."
            )
        return restore_layout(self, self._decode(Z).astype(Z.dtype, copy=False))

    def sample(
        self,
        n_samples: int = 1,
        *,
        y: ArrayLike | None = None,
        random_state: RandomStateLike = None,
        return_y: bool = False,
    ):
        """Generate new series, for given conditions or at the training ones.

        Parameters
        ----------
        n_samples : int, default=1
            Number of series to generate.
        y : condition, array-like of shape (n_samples,) or (n_samples, \
                n_covariates), DataFrame, or None, default=None
            For a model fitted with conditions: one condition for every
            series (a label such as ``"January"``, one row of covariates, or
            one start timestamp), or one per series. None draws them at their
            frequencies in the training data (covariates and timestamps as
            whole training rows). A model fitted without conditions refuses
            ``y``.
        random_state : int, RandomState instance or None, default=None
            Seed of the conditions and latent draws. An int gives the same
            series on every call, without touching the global numpy or torch
            random state.
        return_y : bool, default=False
            Whether to also return the condition of every series (only for a
            model fitted with conditions).

        Returns
        -------
        X : ndarray or DataFrame
            ``n_samples`` series in the layout and units of the training data.
        y : ndarray or DataFrame
            Their conditions, in the layout of ``fit``'s ``y``; only with
            ``return_y=True``.
        """
        check_is_fitted(self)
        n_samples = check_n_samples(n_samples)
        rng = check_random_state(random_state)
        y_out, c = self._sample_conditions(n_samples, y, rng, return_y)
        Z = self._draw_latent(n_samples, c, rng)
        X3 = in_output_dtype(self._decode(Z, rng, c), self._output_dtype)
        X = restore_layout(self, X3)
        return (X, y_out) if return_y else X

    def impute(
        self,
        X: ArrayLike,
        y: ArrayLike | None = None,
        *,
        n_imputations: int = 1,
        random_state: RandomStateLike = None,
    ):
        """Fill the missing values (NaN) of ``X`` with draws given the observed ones.

        Every generator imputes, whether or not it was fitted on gappy series.
        The observed values are kept exactly; the missing ones are drawn from
        the model given them (and given ``y``, for a model fitted with
        conditions). The VAEs, the autoencoder and the GANs run a pseudo-Gibbs
        sampler (Rezende et al. 2014): starting from a linear interpolation,
        the series is encoded (a draw from the posterior, for a VAE), decoded,
        and its missing values replaced by the decoding plus a residual, for a
        fixed number of sweeps. The residual is drawn given the residuals at
        the observed values from a stationary Gaussian process over channels
        and steps whose cross-covariances are those of the training
        reconstructions' residuals (kriging; per channel for series of more
        than 1024 values): next to observed values, in time or in the other
        channels at the same step, it carries their detail into the gap,
        which a decoding alone loses; far from them it fades to the decoding
        plus noise of the residuals' size. The diffusion
        generator inpaints instead: every step of its stochastic sampler
        replaces the observed values by their noisy versions at that level.
        The draws assume the values are missing at random.

        Parameters
        ----------
        X : array-like of shape (n_series, n_timesteps) or \
                (n_series, n_channels, n_timesteps), or DataFrame
            Series with missing values as NaN; every series needs at least
            one observed value.
        y : array-like or None, default=None
            The conditions of the series, for a model fitted with them (one
            for all, or one per series); None imputes without them.
        n_imputations : int, default=1
            Number of independent imputations (multiple imputation). Their
            mean is a point imputation; their spread, its uncertainty.
        random_state : int, RandomState instance or None, default=None
            Seed of the draws; an int gives the same imputations every call.

        Returns
        -------
        X_imputed : ndarray or DataFrame
            With ``n_imputations=1``, ``X`` with its NaN filled, in the layout
            of ``X``. Otherwise an array of shape ``(n_imputations, *X.shape)``
            for an array ``X``, or a list of ``n_imputations`` such frames for
            a pandas ``X``.

        Examples
        --------
        >>> import numpy as np
        >>> from sk_tsgen import DenseVAE
        >>> from sk_tsgen.datasets import make_sines
        >>> X = make_sines(64, n_timesteps=16, n_channels=1, random_state=0)
        >>> model = DenseVAE(max_epochs=5, random_state=0).fit(X)
        >>> gappy = X[:2].copy()
        >>> gappy[:, :, 4:8] = np.nan
        >>> model.impute(gappy, random_state=0).shape
        (2, 1, 16)
        >>> bool(np.isnan(model.impute(gappy, random_state=0)).any())
        False
        >>> model.impute(gappy, n_imputations=3, random_state=0).shape
        (3, 2, 1, 16)
        """
        check_is_fitted(self)
        n_imputations = check_n_imputations(n_imputations)
        X3, context = self._check_input(X, y, allow_nan=True)
        data = observed({"x": self._scale(X3), **context})
        rng = check_random_state(random_state)
        missing = np.isnan(X3)
        stack = (
            self._impute_scaled(data, rng, n_imputations)
            if "mask" in data
            else [None] * n_imputations
        )
        draws = []
        for scaled in stack:
            if scaled is None:
                filled = X3.copy()
            else:
                filled = self._unscale(scaled)
                filled = np.where(missing, filled, X3).astype(X3.dtype, copy=False)
            draws.append(in_input_layout(X, filled))
        if n_imputations == 1:
            return draws[0]
        return (
            draws if isinstance(draws[0], pd.DataFrame | pd.Series) else np.stack(draws)
        )

    def _impute_scaled(self, data: dict, rng, n_imputations: int) -> np.ndarray:
        """``n_imputations`` imputations (``(n_imputations, *x.shape)``) of the
        (scaled) series ``data`` with a ``mask``: the pseudo-Gibbs sampler of
        :meth:`impute`."""
        n, n_channels, n_timesteps = data["x"].shape
        kernels, joint = self._residual_kernels(n_channels, n_timesteps)
        scale = self._imputation_noise()
        generator = torch.Generator().manual_seed(int(rng.randint(_MAX_SEED)))
        # series are imputed independently: a chunk at a time, so that the
        # inverses of their kriging systems, made once, fit in memory
        size = n_channels * n_timesteps if joint else n_timesteps
        rows = kriging_rows(size) // (1 if joint else n_channels) or 1
        out = np.empty((n_imputations, *data["x"].shape), data["x"].dtype)
        for start in range(0, n, rows):
            part = _take(data, slice(start, start + rows))
            known = part["mask"] > 0
            draw = None if kernels is None else KrigingSampler(kernels, known, joint)
            for k in range(n_imputations):
                x = fill_gaps_linearly(part["x"], part["mask"])
                for _ in range(IMPUTATION_SWEEPS):
                    recon = self._infer(
                        lambda b: self._reconstruction_draw(b, generator),
                        {**part, "x": x},
                    )[..., :n_timesteps]
                    if draw is None:
                        residual = scale[:, None] * rng.standard_normal(x.shape)
                    else:
                        residual = draw(part["x"] - recon, rng)
                    x = np.where(known, part["x"], recon + residual)
                    x = x.astype(np.float32)
                out[k, start : start + rows] = x
        return out

    def _residual_kernels(self, n_channels: int, n_timesteps: int):
        """The covariance :meth:`impute` draws the residuals of the decodings
        from, and whether it is joint: one Gaussian process over channels and
        steps together (a missing value reads the other channels at its step
        as well as its own channel's neighbours), or one per channel when the
        series hold more than ``_JOINT_KRIGING_VALUES`` values; None for a
        model saved without the residuals' covariance (white noise of the
        noise scale then)."""
        covariance = getattr(self, "_residual_covariance", None)
        if covariance is None:
            # files saved before the cross-covariance: one per channel
            autocovariance = getattr(self, "_residual_autocovariance", None)
            if autocovariance is None:
                return None, False
            return stationary_kernels(autocovariance, n_timesteps), False
        if n_channels * n_timesteps <= _JOINT_KRIGING_VALUES:
            return space_time_kernel(covariance, n_timesteps), True
        diagonal = covariance[np.arange(n_channels), np.arange(n_channels)]
        return stationary_kernels(diagonal, n_timesteps), False

    def _reconstruction_draw(self, batch: dict, generator) -> torch.Tensor:
        """Decoded codes of a batch of series (a VAE draws them from its
        posterior, with ``generator``)."""
        module = self.net_.module_
        return module.decode(
            module.encode(batch["x"], **self._c(batch))[0], **self._c(batch)
        )

    def _imputation_noise(self) -> np.ndarray:
        """Observation noise per channel, in scaled units, added to every
        imputed value (zeros for a model without one)."""
        noise = getattr(self, "noise_scale_", None)
        if noise is None:
            return np.zeros(self.n_channels_)
        return np.asarray(noise) / self.scaler_.scale_

    def score_samples(self, X: ArrayLike, y: ArrayLike | None = None) -> np.ndarray:
        """Log-density bound of each series (higher = more normal).

        For a VAE this is the evidence lower bound (ELBO) of ``log p(x)`` in the
        units of the training data, estimated with ``n_mc_samples`` latent draws
        that are fixed at fit time, so the score is deterministic.

        Parameters
        ----------
        X : array-like of shape (n_series, n_timesteps) or \
                (n_series, n_channels, n_timesteps), or DataFrame
            Series to score.
        y : array-like of shape (n_series,) or (n_series, n_covariates), \
                DataFrame, or None, default=None
            The conditions of the series, for a model fitted with them (one
            for all, or one per series): the score is then a bound on the
            conditional density ``log p(x | y)``. None scores ``log p(x)``,
            with no condition given. Ignored by unconditional models.

        Returns
        -------
        scores : ndarray of shape (n_series,)
        """
        check_is_fitted(self)
        X3, context = self._check_input(X, y)
        data = observed({"x": self._scale(X3), **context})
        return nan_to_neg_inf(self._score_scaled(data))

    def score(self, X: ArrayLike, y: ArrayLike | None = None) -> float:
        """Mean of :meth:`score_samples`: higher is better, for model selection.

        Parameters
        ----------
        X : array-like
            Series to score.
        y : array-like or None, default=None
            Passed to :meth:`score_samples`.

        Returns
        -------
        score : float
        """
        return float(np.mean(self.score_samples(X, y)))

    def decision_function(self, X: ArrayLike, y: ArrayLike | None = None) -> np.ndarray:
        """``score_samples(X, y) - offset_``: negative for anomalous series.

        A model fitted with conditions sets ``offset_`` from the conditional
        scores of its training series; series scored without conditions
        (``y=None``) are held against a threshold set the same way from the
        training series scored without theirs.

        Parameters
        ----------
        X : array-like
            Series to judge.
        y : array-like or None, default=None
            Passed to :meth:`score_samples`.

        Returns
        -------
        scores : ndarray of shape (n_series,)
        """
        return self.score_samples(X, y) - self._offset_for(y)

    def predict(self, X: ArrayLike, y: ArrayLike | None = None) -> np.ndarray:
        """Label each series +1 (normal) or -1 (anomalous), as ``IsolationForest``.

        Parameters
        ----------
        X : array-like
            Series to judge.
        y : array-like or None, default=None
            Passed to :meth:`score_samples`.

        Returns
        -------
        labels : ndarray of shape (n_series,)
        """
        return labels_from_decision(self.decision_function(X, y))

    def save(self, path) -> None:
        """Write the model to ``path`` in a format that runs no code on load.

        See :func:`sk_tsgen.save` and :func:`sk_tsgen.load`; unlike a pickle,
        the file is safe to load from a source you do not trust.

        Parameters
        ----------
        path : str or path-like
            File to write.
        """
        from .persistence import save

        save(self, path)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.three_d_array = True
        tags.input_tags.allow_nan = self._allow_nan
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags


def in_output_dtype(X3: np.ndarray, dtype) -> np.ndarray:
    """``X3`` cast to ``dtype``, with values beyond a float dtype's range held
    at its largest finite ones: samples of float32 data whose spread nears
    float32's limit may reach past it, and would otherwise become infinite.

    Examples
    --------
    >>> import numpy as np
    >>> from sk_tsgen.base import in_output_dtype
    >>> in_output_dtype(np.array([1.0, 4e38]), np.float32).tolist()
    [1.0, 3.4028234663852886e+38]
    """
    if np.issubdtype(dtype, np.floating):
        info = np.finfo(dtype)
        X3 = np.clip(X3, info.min, info.max)
    return X3.astype(dtype, copy=False)


def clip_codes(Z: np.ndarray) -> np.ndarray:
    """Latent codes as float32, clipped at ``_MAX_SCALED``.

    Codes of real series lie within a few units of zero; absurd codes passed
    to ``inverse_transform`` are clipped so that decoding stays finite.

    Examples
    --------
    >>> import numpy as np
    >>> from sk_tsgen.base import clip_codes
    >>> clip_codes(np.array([0.5, 1e30]))
    array([5.e-01, 1.e+04], dtype=float32)
    """
    return np.clip(np.asarray(Z, dtype=np.float64), -_MAX_SCALED, _MAX_SCALED).astype(
        np.float32
    )


def nan_to_neg_inf(scores: np.ndarray) -> np.ndarray:
    """Scores with NaN (a series the model cannot make sense of) as ``-inf``.

    Examples
    --------
    >>> import numpy as np
    >>> from sk_tsgen.base import nan_to_neg_inf
    >>> nan_to_neg_inf(np.array([-1.0, np.nan]))
    array([ -1., -inf])
    """
    return np.where(np.isnan(scores), -np.inf, scores)


def labels_from_decision(decision: np.ndarray) -> np.ndarray:
    """+1 where ``decision >= 0``, -1 elsewhere: ``-inf`` and NaN are anomalous.

    Examples
    --------
    >>> import numpy as np
    >>> from sk_tsgen.base import labels_from_decision
    >>> labels_from_decision(np.array([1.0, -1.0, -np.inf, np.nan]))
    array([ 1, -1, -1, -1])
    """
    return np.where(np.asarray(decision) >= 0, 1, -1)


def _print_nothing(*args, **kwargs) -> None:
    """The sink of a silent epoch table."""


def fit_channel_scaler(X3: np.ndarray, name: str) -> StandardScaler:
    """Per-channel standardisation of series ``(n, channels, timesteps)``.

    Computed in float64; raises a ValueError naming the channel, the value and
    the dtype when the data are too large for the float32 network (values
    beyond float32's range, or a spread whose computation overflows).

    Examples
    --------
    >>> import numpy as np
    >>> from sk_tsgen.base import fit_channel_scaler
    >>> X = np.stack([np.zeros((3, 4)), np.full((3, 4), 1e30)], axis=1)
    >>> fit_channel_scaler(X, "DenseVAE").mean_
    array([0.e+00, 1.e+30])
    """
    n_channels = X3.shape[1]
    observed_any = np.zeros(n_channels, dtype=bool)
    peak = np.zeros(n_channels)
    scaler = StandardScaler()
    # a chunk of series at a time: a large memmap is never copied whole
    chunks = list(row_chunks(X3))
    for rows in chunks:
        values = X3[rows].transpose(0, 2, 1).reshape(-1, n_channels)
        values = values.astype(np.float64)
        observed_any |= ~np.isnan(values).all(axis=0)
        with warnings.catch_warnings(), np.errstate(over="ignore", invalid="ignore"):
            # an all-NaN channel is refused below, whatever its mean
            warnings.simplefilter("ignore", RuntimeWarning)
            peak = np.fmax(peak, np.nanmax(np.abs(values), axis=0))
            if len(chunks) == 1:
                scaler.fit(values)
            else:
                scaler.partial_fit(values)
    unseen = np.flatnonzero(~observed_any)
    if unseen.size:
        raise ValueError(
            f"Channel {int(unseen[0])} of X has no observed value; {name} needs "
            "at least one per channel to learn its scale."
        )
    too_large = np.flatnonzero(peak > _FLOAT32_MAX)
    if too_large.size:
        channel = int(too_large[0])
        raise ValueError(
            f"X holds {peak[channel]:.3g} in channel {channel} ({X3.dtype}), beyond "
            f"the float32 range (about {_FLOAT32_MAX:.3g}) that {name} computes "
            "in. Rescale the data (divide it by a power of ten) before fit."
        )
    bad = np.flatnonzero(~np.isfinite(scaler.scale_) | ~np.isfinite(scaler.mean_))
    if bad.size:
        channel = int(bad[0])
        raise ValueError(
            f"The spread of channel {channel} of X (values up to "
            f"{peak[channel]:.3g}, {X3.dtype}) overflows when {name} standardises "
            "it. Rescale the data (divide it by a power of ten) before fit."
        )
    return scaler


def offset_from_scores(train_scores: np.ndarray, contamination) -> float:
    """Threshold on scores: the ``contamination`` percentile, or with ``"auto"``
    the lower Tukey fence (first quartile minus 1.5 interquartile ranges).

    Scores that are not finite (``-inf`` for a series the model finds
    impossible) are left out.

    Examples
    --------
    >>> import numpy as np
    >>> from sk_tsgen.base import offset_from_scores
    >>> scores = np.arange(101.0)
    >>> offset_from_scores(scores, 0.1), offset_from_scores(scores, "auto")
    (10.0, -50.0)
    """
    train_scores = np.asarray(train_scores, dtype=np.float64)
    train_scores = train_scores[np.isfinite(train_scores)]
    if train_scores.size == 0:
        raise ValueError(
            "No training score is finite, so no anomaly threshold can be set; "
            "the model did not fit the data."
        )
    if contamination == "auto":
        q1, q3 = np.percentile(train_scores, [25, 75])
        return float(q1 - 1.5 * (q3 - q1))
    return float(np.percentile(train_scores, 100.0 * contamination))


def clone_or_default(
    estimator,
    methods: tuple[str, ...] = ("fit", "score_samples"),
    owner: str = "",
    param: str = "estimator",
):
    """A clone of ``estimator``, or a default :class:`sk_tsgen.DenseVAE` for None.

    Raises a TypeError naming the methods ``estimator`` lacks, of those that
    ``owner`` calls on it.

    Examples
    --------
    >>> from sklearn.linear_model import LinearRegression
    >>> from sk_tsgen.base import clone_or_default
    >>> clone_or_default(None)
    DenseVAE()
    >>> clone_or_default(LinearRegression(), owner="PyODAdapter")
    Traceback (most recent call last):
    ...
    TypeError: PyODAdapter needs an estimator with fit and score_samples; \
LinearRegression() has no score_samples. Use an sk_tsgen generator or an outlier \
detector such as IsolationForest.
    """
    if estimator is None:
        from .dense_vae import DenseVAE

        return DenseVAE()
    missing = [name for name in methods if not callable(getattr(estimator, name, None))]
    if missing:
        raise TypeError(
            f"{owner or 'This'} needs an {param} with {' and '.join(methods)}; "
            f"{estimator!r} has no {' or '.join(missing)}. Use an sk_tsgen "
            "generator"
            + (
                " or an outlier detector such as IsolationForest."
                if "score_samples" in methods
                else "."
            )
        )
    if not hasattr(estimator, "get_params"):
        raise TypeError(
            f"{owner or 'This'} needs a scikit-learn estimator as {param} (one "
            f"with get_params, so that it can be cloned); got {estimator!r}."
        )
    return clone(estimator)


def fit_code_mixture(
    codes: np.ndarray, n_components: int, rng: np.random.RandomState
) -> GaussianMixture:
    """A full-covariance Gaussian mixture on (at most 2000 of) the latent codes.

    Fewer components are used when there are fewer distinct codes, or too few
    codes to estimate a full covariance per component (``latent_dim + 1`` codes
    each, at least); a single code gets a narrow Gaussian around it.

    Examples
    --------
    >>> import numpy as np
    >>> from sk_tsgen.base import fit_code_mixture
    >>> rng = np.random.RandomState(0)
    >>> fit_code_mixture(rng.standard_normal((500, 3)), 4, rng).n_components
    4
    """
    codes = codes.reshape(len(codes), -1)
    if len(codes) > _MAX_MIXTURE_CODES:
        codes = codes[rng.choice(len(codes), _MAX_MIXTURE_CODES, replace=False)]
    if len(codes) < 2:  # a single series: a narrow Gaussian around its code
        codes = codes + 1e-3 * rng.standard_normal((2, codes.shape[1]))
    codes = codes.astype(np.float64)
    n_distinct = len(np.unique(codes, axis=0))
    # A full covariance in d dimensions needs more than d codes per component.
    n_supported = max(1, len(codes) // (codes.shape[1] + 1))
    mixture = GaussianMixture(
        n_components=min(n_components, n_distinct, n_supported),
        covariance_type="full",
        random_state=rng.randint(_MAX_SEED),
    )
    return mixture.fit(codes)


def draw_given(
    mixture: GaussianMixture, given: np.ndarray, rng: np.random.RandomState
) -> np.ndarray:
    """Draws of the leading variables of a full-covariance Gaussian mixture,
    given the values of its trailing ones (one row of ``given`` per draw).

    Each draw picks a component by its posterior weight given its row of
    ``given``, then draws from that component's Gaussian conditioned on it;
    with no trailing variables (``given`` of width 0) these are plain draws
    from the mixture.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.mixture import GaussianMixture
    >>> from sk_tsgen.base import draw_given
    >>> rng = np.random.RandomState(0)
    >>> label = rng.randint(2, size=400)
    >>> joint = np.c_[5.0 * label + rng.standard_normal(400), label]
    >>> mixture = GaussianMixture(2, random_state=0).fit(joint)
    >>> z = draw_given(mixture, np.ones((200, 1)), rng)
    >>> round(float(z.mean()))
    5
    """
    given = np.asarray(given, dtype=np.float64)
    n, d = len(given), given.shape[1]
    k = mixture.means_.shape[1] - d
    mean_z, mean_c = mixture.means_[:, :k], mixture.means_[:, k:]
    cov = mixture.covariances_
    if d == 0:
        component = rng.choice(len(mixture.weights_), size=n, p=mixture.weights_)
        chol = np.linalg.cholesky(cov)[component]
        eps = rng.standard_normal((n, k, 1))
        return mean_z[component] + (chol @ eps)[..., 0]
    # the posterior weight of every component given each row of ``given``
    log_parts = _component_log_densities(mixture, given, np.arange(k, k + d))
    weights = np.exp(log_parts - logsumexp(log_parts, axis=1, keepdims=True))
    gains, chols = [], []
    for j in range(len(mixture.weights_)):
        s_cc, s_zc = cov[j, k:, k:], cov[j, :k, k:]
        gain = np.linalg.solve(s_cc, s_zc.T).T  # Sigma_zc Sigma_cc^-1, (k, d)
        conditional = cov[j, :k, :k] - gain @ s_zc.T
        conditional = 0.5 * (conditional + conditional.T) + 1e-9 * np.eye(k)
        gains.append(gain)
        chols.append(np.linalg.cholesky(conditional))
    component = (weights.cumsum(1) < rng.uniform(size=(n, 1))).sum(1)
    component = np.minimum(component, len(mixture.weights_) - 1)
    eps = rng.standard_normal((n, k))
    Z = np.empty((n, k))
    for j in np.unique(component):
        rows = component == j
        Z[rows] = (
            mean_z[j] + (given[rows] - mean_c[j]) @ gains[j].T + eps[rows] @ chols[j].T
        )
    return Z


def mixture_log_density(
    mixture: GaussianMixture, values: np.ndarray, given: np.ndarray | None = None
) -> np.ndarray:
    """``log p(values | given)`` under a full-covariance Gaussian mixture
    whose leading variables are ``values`` and trailing ones ``given``.

    With ``given=None`` it is the marginal density of the leading variables
    (all of the mixture's, when ``values`` has as many columns).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.mixture import GaussianMixture
    >>> from sk_tsgen.base import mixture_log_density
    >>> rng = np.random.RandomState(0)
    >>> label = rng.randint(2, size=400)
    >>> joint = np.c_[5.0 * label + rng.standard_normal(400), label]
    >>> mixture = GaussianMixture(2, random_state=0).fit(joint)
    >>> z = np.array([[5.0], [5.0]])
    >>> log_p = mixture_log_density(mixture, z, np.array([[1.0], [0.0]]))
    >>> bool(log_p[0] > log_p[1])
    True
    """
    values = np.asarray(values, dtype=np.float64)
    k = values.shape[1]
    if given is None:
        return _marginal_log_density(mixture, values, np.arange(k))
    given = np.asarray(given, dtype=np.float64)
    joint = np.hstack([values, given])
    every = np.arange(joint.shape[1])
    return _marginal_log_density(mixture, joint, every) - _marginal_log_density(
        mixture, given, every[k:]
    )


def _marginal_log_density(mixture, values: np.ndarray, dims: np.ndarray):
    return logsumexp(_component_log_densities(mixture, values, dims), axis=1)


def _component_log_densities(mixture, values: np.ndarray, dims: np.ndarray):
    """``log w_j + log N_j(values)`` of every component ``j`` of a mixture,
    marginal over the variables ``dims``: shape ``(n, n_components)``."""
    cov = mixture.covariances_[:, dims][:, :, dims]
    log_parts = np.empty((len(values), len(mixture.weights_)))
    for j in range(len(mixture.weights_)):
        chol = np.linalg.cholesky(cov[j])
        diff = np.linalg.solve(chol, (values - mixture.means_[j, dims]).T)
        log_parts[:, j] = (
            np.log(mixture.weights_[j])
            - 0.5 * (diff**2).sum(0)
            - np.log(np.diag(chol)).sum()
            - 0.5 * len(dims) * np.log(2 * np.pi)
        )
    return log_parts


def observed(data: dict) -> dict:
    """``data`` with its missing (NaN) values filled with 0, the scaled mean,
    and a ``mask`` entry (1 observed, 0 missing), where any are missing.

    Examples
    --------
    >>> import numpy as np
    >>> from sk_tsgen.base import observed
    >>> out = observed({"x": np.array([[[1.0, np.nan]]], dtype=np.float32)})
    >>> out["x"], out["mask"]
    (array([[[1., 0.]]], dtype=float32), array([[[1., 0.]]], dtype=float32))
    """
    x = data["x"]
    # checked by chunks: a mask of a large set is made only when it has gaps
    if not has_nan(x):
        return data
    missing = np.isnan(x)
    return {
        **data,
        "x": np.where(missing, 0.0, x).astype(x.dtype),
        "mask": (~missing).astype(np.float32),
    }


def _observed_mask(X3: np.ndarray) -> np.ndarray:
    """1 where a value is observed, 0 where it is missing (NaN)."""
    return (~np.isnan(X3)).astype(np.float32)


def _take(data, index):
    """Rows ``index`` of an array or of every array in a dict."""
    if isinstance(data, dict):
        return {key: value[index] for key, value in data.items()}
    return data[index]


def _as_tensors(data, device):
    """An array, or a dict of arrays, as torch tensors on ``device``."""
    if isinstance(data, dict):
        return {key: _as_tensors(value, device) for key, value in data.items()}
    return torch.as_tensor(np.asarray(data), device=device)


class BaseVAE(BaseGenerator):
    """Base of the VAEs: trained by maximising the ELBO, weighted by ``beta``."""

    _parameter_constraints: dict = {
        **BaseGenerator._parameter_constraints,
        "beta": [Interval(Real, 0, None, closed="left")],
    }

    def _net_params(self) -> dict:
        return {"criterion": NegativeELBO, "criterion__beta": self.beta}

    def _reconstruction_draw(self, batch: dict, generator) -> torch.Tensor:
        module = self.net_.module_
        mean, log_var = module.encode(batch["x"], **self._c(batch))
        eps = torch.randn(mean.shape, generator=generator).to(mean.device)
        return module.decode(mean + (0.5 * log_var).exp() * eps, **self._c(batch))

    def _imputation_noise(self) -> np.ndarray:
        return self.net_.module_.noise_scale().cpu().numpy().astype(np.float64)
