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
"""

from __future__ import annotations

import copy
from contextlib import contextmanager
from numbers import Integral, Real

import numpy as np
import pandas as pd
import torch
from numpy.typing import ArrayLike
from sklearn.base import (
    BaseEstimator,
    ClassNamePrefixFeaturesOutMixin,
    OutlierMixin,
    TransformerMixin,
    clone,
)
from sklearn.mixture import GaussianMixture
from sklearn.preprocessing import StandardScaler
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_array, check_is_fitted
from skorch.callbacks import ProgressBar
from skorch.dataset import Dataset
from skorch.helper import predefined_split
from skorch.history import History

from ._nets import BatchSlicer, LossTermsNet, NegativeELBO
from ._validation import (
    FLOAT_DTYPES,
    RandomStateLike,
    check_n_samples,
    check_series,
    restore_layout,
)

_MAX_SEED = np.iinfo(np.int32).max
# Training codes the latent mixture is fitted on, at most: EM on more costs seconds
# and adds little to an estimate of a low-dimensional density.
_MAX_MIXTURE_CODES = 2000


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
    if device.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(
            f"device={str(device)!r} was requested but CUDA is not available; "
            "use device='cpu' or device='auto'."
        )
    return device


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
        "max_epochs": [Interval(Integral, 1, None, closed="left")],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "lr": [Interval(Real, 0, None, closed="neither")],
        "validation_fraction": [Interval(Real, 0, 1, closed="left")],
        "callbacks": [list, None],
        "n_mc_samples": [Interval(Integral, 1, None, closed="left")],
        "sample_from": [StrOptions({"mixture", "prior"})],
        "n_mixture_components": [Interval(Integral, 1, None, closed="left")],
        "contamination": [StrOptions({"auto"}), Interval(Real, 0, 0.5, closed="right")],
        "device": [str, torch.device, None],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
    }

    _net_class = LossTermsNet
    # Rows per forward pass at inference; training uses ``batch_size``.
    _inference_batch_size = 1024

    # ------------------------------------------------------------------ hooks
    def _build_module(self) -> torch.nn.Module:  # pragma: no cover - abstract
        raise NotImplementedError

    def _net_params(self) -> dict:
        """Keyword arguments of the skorch net that depend on the model."""
        return {}

    def _check_n_timesteps(self, n_timesteps: int) -> None:
        """Raise if the model cannot handle series of this length."""

    def _check_input(
        self, X, y=None, *, reset: bool = False, context: bool = True
    ) -> tuple[np.ndarray, dict]:
        """Validate ``X`` (and ``y`` where the model uses it).

        Returns the series as ``(n, channels, timesteps)`` floats and a dict of
        per-series context arrays for the module (empty here; ``context=False``
        asks for none, as encoding needs none).
        """
        return check_series(self, X, reset=reset), {}

    # -------------------------------------------------------------- training
    def fit(self, X: ArrayLike, y: None = None) -> BaseGenerator:
        """Learn the distribution of the series in ``X``.

        Parameters
        ----------
        X : array-like of shape (n_series, n_timesteps) or \
                (n_series, n_channels, n_timesteps), or DataFrame
            Training series in raw units; a 2-D input (array or DataFrame with
            one column per timestep) holds univariate series.
        y : None
            Ignored by unconditional models; present for API consistency.

        Returns
        -------
        self : object
            The fitted generator.
        """
        self._validate_params()
        X3, context = self._check_input(X, y, reset=True)
        self._output_dtype = X3.dtype
        rng = check_random_state(self.random_state)
        self.scaler_ = StandardScaler().fit(
            X3.transpose(0, 2, 1).reshape(-1, self.n_channels_)
        )
        data = {"x": self._scale(X3), **context}
        train, valid = self._train_valid_split(data, rng)
        device = resolve_device(self.device)
        init_seed, shuffle_seed, score_seed = rng.randint(_MAX_SEED, size=3)
        with seeded_torch(int(init_seed), device):
            self.net_ = self._make_net(
                self._build_module(), device, int(shuffle_seed), valid
            )
            self.net_.fit(_as_tensors(train, device))
        self._score_seed = int(score_seed)
        codes = self._infer(lambda b: self.net_.module_.encode(b["x"])[0], train)
        self._latent_shape = codes.shape[1:]
        self.n_components_ = int(np.prod(self._latent_shape))
        self.latent_density_ = self._fit_latent_density(codes, train, rng)
        self._set_offset(self._training_scores(data))
        return self

    def _training_scores(self, data: dict) -> np.ndarray:
        """Scores of the training series that ``offset_`` is set from."""
        return self._score_scaled(data)

    def _train_valid_split(self, data: dict, rng):
        n_series = len(data["x"])
        if self.validation_fraction == 0:
            return data, None
        n_valid = int(round(self.validation_fraction * n_series))
        if n_valid < 1 or n_valid >= n_series:
            raise ValueError(
                f"validation_fraction={self.validation_fraction} leaves "
                f"{n_valid} of {n_series} series for validation; it needs at least "
                "one series on each side."
            )
        order = rng.permutation(n_series)
        return _take(data, order[n_valid:]), _take(data, order[:n_valid])

    def _make_net(self, module, device, shuffle_seed: int, valid):
        callbacks = [copy.deepcopy(cb) for cb in self.callbacks or []]
        extra = {}
        if self.verbose:
            callbacks.append(("progress_bar", ProgressBar()))
        else:
            extra["callbacks__print_log"] = None
        if valid is not None:
            extra["train_split"] = predefined_split(Dataset(_as_tensors(valid, device)))
        else:
            extra["train_split"] = None
        return self._net_class(
            module=module,
            optimizer=torch.optim.Adam,
            lr=self.lr,
            max_epochs=self.max_epochs,
            batch_size=self.batch_size,
            iterator_train=BatchSlicer,
            iterator_train__shuffle=True,
            iterator_train__generator=torch.Generator().manual_seed(shuffle_seed),
            iterator_valid=BatchSlicer,
            callbacks=callbacks,
            device=str(device),
            verbose=self.verbose,
            **self._net_params(),
            **extra,
        )

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
        return fit_code_mixture(codes, self.n_mixture_components, rng)

    def _set_offset(self, train_scores: np.ndarray) -> None:
        self.offset_ = offset_from_scores(train_scores, self.contamination)

    @property
    def history_(self) -> History:
        """skorch ``History`` of the last fit: per-epoch ``train_loss`` and,
        with ``validation_fraction > 0``, ``valid_loss``."""
        check_is_fitted(self)
        return self.net_.history

    @property
    def _n_features_out(self):
        return self.n_components_

    # ------------------------------------------------------------ plumbing
    def _scale(self, X3: np.ndarray) -> np.ndarray:
        mean, scale = self.scaler_.mean_[:, None], self.scaler_.scale_[:, None]
        return ((X3 - mean) / scale).astype(np.float32)

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
        module, device = self.net_.module_, self.net_.device
        n_rows = len(data["x"] if isinstance(data, dict) else data)
        step = batch_size or self._inference_batch_size
        was_training = module.training
        module.eval()
        try:
            with torch.inference_mode():
                out = [
                    fn(_as_tensors(_take(data, slice(start, start + step)), device))
                    .cpu()
                    .numpy()
                    for start in range(0, n_rows, step)
                ]
        finally:
            module.train(was_training)
        return np.concatenate(out)

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
        return elbo.astype(np.float64) + self._log_jacobian(n_timesteps)

    def _decode(self, Z: np.ndarray):
        Z = Z.astype(np.float32).reshape(-1, *self._latent_shape)
        return self._unscale(self._infer(self.net_.module_.decode, Z))

    def _draw_latent(self, n_samples: int, y, rng) -> np.ndarray:
        if y is not None:
            raise ValueError(
                f"{type(self).__name__} is unconditional; call sample without y."
            )
        mixture = self.latent_density_
        if mixture is None:
            return rng.standard_normal((n_samples, *self._latent_shape))
        component = rng.choice(
            len(mixture.weights_), size=n_samples, p=mixture.weights_
        )
        chol = np.linalg.cholesky(mixture.covariances_)[component]
        eps = rng.standard_normal((n_samples, self.n_components_, 1))
        Z = mixture.means_[component] + (chol @ eps)[..., 0]
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
        codes = self._infer(
            lambda x: self.net_.module_.encode(x)[0].flatten(1), self._scale(X3)
        )
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
    ) -> np.ndarray | pd.DataFrame:
        """Generate new series.

        Parameters
        ----------
        n_samples : int, default=1
            Number of series to generate.
        y : None
            Conditions; only for conditional models.
        random_state : int, RandomState instance or None, default=None
            Seed of the latent draws. An int gives the same series on every
            call, without touching the global numpy or torch random state.

        Returns
        -------
        X : ndarray or DataFrame
            ``n_samples`` series in the layout and units of the training data.
        """
        check_is_fitted(self)
        n_samples = check_n_samples(n_samples)
        Z = self._draw_latent(n_samples, y, check_random_state(random_state))
        X3 = self._decode(Z).astype(self._output_dtype, copy=False)
        return restore_layout(self, X3)

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
        y : array-like of shape (n_series,) or None, default=None
            What the model was fitted with beside the series, where it uses
            it (the start timestamps of a seasonal :class:`ConvVAE`); ignored
            by unconditional models.

        Returns
        -------
        scores : ndarray of shape (n_series,)
        """
        check_is_fitted(self)
        X3, context = self._check_input(X, y)
        return self._score_scaled({"x": self._scale(X3), **context})

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
        """``score_samples(X) - offset_``: negative for anomalous series.

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
        return self.score_samples(X, y) - self.offset_

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
        return np.where(self.decision_function(X, y) < 0, -1, 1)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.three_d_array = True
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags


def offset_from_scores(train_scores: np.ndarray, contamination) -> float:
    """Threshold on scores: the ``contamination`` percentile, or with ``"auto"``
    the lower Tukey fence (first quartile minus 1.5 interquartile ranges).

    Examples
    --------
    >>> import numpy as np
    >>> from sk_tsgen.base import offset_from_scores
    >>> scores = np.arange(101.0)
    >>> offset_from_scores(scores, 0.1), offset_from_scores(scores, "auto")
    (10.0, -50.0)
    """
    if contamination == "auto":
        q1, q3 = np.percentile(train_scores, [25, 75])
        return float(q1 - 1.5 * (q3 - q1))
    return float(np.percentile(train_scores, 100.0 * contamination))


def clone_or_default(estimator):
    """A clone of ``estimator``, or a default :class:`sk_tsgen.DenseVAE` for None."""
    if estimator is None:
        from .dense_vae import DenseVAE

        return DenseVAE()
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


def _take(data, index):
    """Rows ``index`` of an array or of every array in a dict."""
    if isinstance(data, dict):
        return {key: value[index] for key, value in data.items()}
    return data[index]


def _as_tensors(data, device):
    """An array, or a dict of arrays, as torch tensors on ``device``."""
    if isinstance(data, dict):
        return {
            key: torch.as_tensor(value, device=device) for key, value in data.items()
        }
    return torch.as_tensor(data, device=device)


class BaseVAE(BaseGenerator):
    """Base of the VAEs: trained by maximising the ELBO, weighted by ``beta``."""

    _parameter_constraints: dict = {
        **BaseGenerator._parameter_constraints,
        "beta": [Interval(Real, 0, None, closed="left")],
    }

    def _net_params(self) -> dict:
        return {"criterion": NegativeELBO, "criterion__beta": self.beta}
