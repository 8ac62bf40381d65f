"""DiffusionGenerator: denoising diffusion with a trend-and-season transformer."""

from __future__ import annotations

from numbers import Integral, Real

import numpy as np
import torch
from sklearn.utils._param_validation import Interval, StrOptions

from ._imputation import conditional_entropy, krige, observed_gaussian
from ._nets import MeanSquaredError, WeightAverage
from ._validation import RandomStateLike, row_chunks
from .base import _MAX_SEED, CONDITION_DROPOUT, BaseGenerator, clip_codes
from .modules.diffusion import (
    GaussianDiffusion,
    ResidualMLPDenoiser,
    TrendSeasonDenoiser,
)

# Most training series that the scores setting ``offset_`` are computed on: a
# percentile of 5000 scores is as good a threshold as one of all of them.
_MAX_OFFSET_SERIES = 5000
# patch_size="auto" cuts a series into at most this many tokens
_MAX_AUTO_TOKENS = 48
# the spread of the principal axes of the training series is floored at this
# share of the largest variance
_MIN_RELATIVE_VARIANCE = 1e-6
# Training on gappy series: rounds of stochastic EM of the Gaussian that the
# missing values are drawn from, and the (larger) relative nugget of its
# first, pairwise estimate.
_FILL_ROUNDS = 5
_START_NUGGET = 1e-2


def _with_nugget(cov: np.ndarray, nugget: float = 1e-4) -> np.ndarray:
    """``cov`` plus ``nugget`` times its mean variance on the diagonal, so that
    drawing missing values given observed ones stays well conditioned on
    series whose covariance is (nearly) singular, as smooth series' is."""
    return cov + nugget * np.trace(cov) / len(cov) * np.eye(len(cov))


class DiffusionGenerator(BaseGenerator):
    """Denoising diffusion model of series, with a deterministic ODE sampler.

    Training adds Gaussian noise of random strength to the (standardised)
    series and teaches a network to recover them (x0 prediction, with the
    input and output scalings and the log-normal noise levels of Karras et al.
    2022). The scalings are applied along the principal axes of the training
    series, each with its own spread, so that with a silent network the model
    is already the Gaussian of the data's mean and covariance, and the network
    learns how the data depart from it; the loss is then measured on those
    axes (for stationary series, nearly the Fourier domain that Diffusion-TS
    adds a loss term in). As in Diffusion-TS (Yuan and Qiao 2024), the default
    network is a transformer that reads one token per time step (or per patch
    of steps) and outputs a polynomial trend and Fourier harmonics of the
    window plus a per-step residual; ``denoiser="mlp"`` takes a residual MLP
    over the whole window instead. The fitted model keeps an exponential
    moving average of the weights.

    :meth:`sample` integrates the probability-flow ODE from pure noise down to
    the data in ``n_sampling_steps`` Heun steps (the few-step deterministic
    sampler, as DDIM; the Gaussian part of the flow is integrated exactly, so
    few steps suffice), or with ``sampler="sde"`` the stochastic reverse
    process. The ODE is invertible: :meth:`transform` runs it backwards from a
    series to its noise, so the latent code is a standard normal array of the
    series' shape (``n_components_ = n_channels x n_timesteps``), and
    :meth:`inverse_transform` decodes it again. :meth:`score_samples` is the
    evidence lower bound of a continuous-time Gaussian diffusion (Kingma et
    al. 2021) in the data's units.

    ``X`` may hold NaN, missing values (a series needs at least one observed
    value, and a channel in ``fit`` too). ``fit`` fills them once with a draw
    given each series' observed values from a Gaussian of the flattened
    series, fitted to the observed values by a few rounds of stochastic EM,
    and trains on the completed series (one multiple imputation); the
    validation loss counts the network's error at the observed values only.
    :meth:`score_samples` of a gappy series is a bound
    on the log-density of its observed values: the bound of the series
    completed by such a draw, plus the entropy of the draw. :meth:`impute`
    inpaints. This assumes the values are missing at random.

    Parameters
    ----------
    denoiser : {"transformer", "mlp"}, default="transformer"
        The network: a transformer over the time steps with trend and
        seasonal outputs, or a residual MLP over the flattened window.
    width : int, default=64
        Size of the transformer's tokens (of the MLP's hidden layers).
    depth : int, default=3
        Number of transformer (residual MLP) blocks.
    n_heads : int, default=4
        Attention heads; divides ``width``.
    trend_degree : int, default=3
        Degree of the polynomial trend of the output (-1 for none).
    n_harmonics : int, default=8
        Fourier harmonics of the window in the output's seasonal part (at most
        ``(n_timesteps - 1) // 2`` are used; 0 for none).
    patch_size : int or "auto", default="auto"
        Consecutive time steps per token. ``"auto"`` takes the smallest that
        makes at most 48 tokens: 1 up to 48 steps, 4 for a week of hours.
    n_sampling_steps : int, default=16
        Noise levels that :meth:`sample`, :meth:`transform` and
        :meth:`inverse_transform` step through; the ODE sampler evaluates the
        network ``2 * n_sampling_steps - 1`` times. Can be changed after fit.
    sampler : {"ode", "sde"}, default="ode"
        ``"ode"``: deterministic sampling, the latent draw fixes the series;
        ``"sde"``: every step adds fresh noise (EDM's stochastic sampler),
        which can correct the errors of coarse steps.
        :meth:`inverse_transform` always uses the ODE.
    ema_decay : float, default=0.999
        Decay of the moving average of the weights that the model keeps (0
        keeps the last weights).
    guidance_scale : float, default=1.0
        Classifier-free guidance of a model fitted with conditions:
        :meth:`sample` denoises with ``F(none) + guidance_scale * (F(y) -
        F(none))``. 1 samples the conditional model itself; above 1 the
        samples follow their conditions more closely and vary less (at twice
        the cost per step); 0 ignores the conditions. Can be changed after fit.
    max_epochs : int or "auto", default="auto"
        Number of passes over the training series. ``"auto"`` makes about 5000
        gradient steps (a diffusion model needs thousands, whatever the size of
        the training set) in 20 to 2000 epochs: 64 epochs of 10,000 series.
    batch_size : int or "auto", default="auto"
        Series per gradient step. ``"auto"`` takes 128, or fewer on a small
        training set so that every epoch makes at least 4 gradient steps (and
        at least 8 series per step).
    lr : float, default=1e-3
        Learning rate of the Adam optimiser.
    validation_fraction : float, default=0.0
        Fraction of the series held out to report ``valid_loss``.
    callbacks : list or None, default=None
        skorch callbacks used during training, copied at every fit.
    n_mc_samples : int, default=16
        Noise levels (one per stratum of the log signal-to-noise ratio) and
        noise draws that :meth:`score_samples` averages; fixed at fit time, so
        scores are deterministic.
    contamination : "auto" or float in (0, 0.5], default="auto"
        Sets ``offset_``, the threshold of :meth:`predict` (see
        :class:`DenseVAE`), from the scores of (at most 5000) training series.
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
        Seed of initialisation, noise draws in training, shuffling and score
        draws; ``sample`` takes its own.
    verbose : int, default=0
        0 is silent; 1 or more prints a table per epoch and a progress bar.

    Attributes
    ----------
    n_components_ : int
        Size of the latent codes, ``n_channels_ * n_timesteps_``.
    n_channels_, n_timesteps_, n_features_in_ : int
        Shape of the training series.
    scaler_ : sklearn.preprocessing.StandardScaler
        Per-channel standardisation learned in ``fit``.
    net_ : skorch.NeuralNet
        The trained network.
    history_ : skorch.History
        Per-epoch ``train_loss``: the weighted denoising error per value.
    offset_ : float
        Threshold on :meth:`score_samples` used by :meth:`predict`.
    conditions_ : sk_tsgen.conditions.Conditions or None
        The encoding of the conditions ``y`` of ``fit``, or None for a model
        fitted without them.

    Notes
    -----
    Fitted with conditions ``y`` (labels, static covariates or start
    timestamps), the denoiser reads the encoded condition beside the noise
    level; 10 % of the training conditions are dropped in every step, so the
    same network is also the unconditional denoiser that guidance contrasts with
    (Ho and Salimans, 2022). :meth:`score_samples` with ``y`` is the bound on
    ``log p(x | y)``, and :meth:`transform` inverts the ODE without conditions.

    ``inverse_transform(transform(X))`` reproduces ``X`` up to the error of
    the ODE solver, which shrinks as ``n_sampling_steps`` grows; the error is
    small next to the spread of the data (see the tests for the bound).

    The bound behind :meth:`score_samples` is ``log N(x; z_min, sigma_min^2) -
    KL(q(z_max | x) || p(z_max)) - 1/2 int e^lam ||x - xhat(z_lam)||^2 dlam``
    over the log signal-to-noise ratio ``lam`` between the noise levels 80
    and 0.002 (standardised units), plus the log-Jacobian of the scaler.

    Examples
    --------
    >>> from sk_tsgen import DiffusionGenerator
    >>> from sk_tsgen.datasets import make_sines
    >>> X = make_sines(200, n_timesteps=12, n_channels=2, random_state=0)
    >>> model = DiffusionGenerator(width=16, depth=1, max_epochs=3, random_state=0)
    >>> model = model.fit(X)  # doctest: +SKIP
    >>> model.sample(3, random_state=0).shape  # doctest: +SKIP
    (3, 2, 12)
    >>> model.transform(X[:2]).shape  # doctest: +SKIP
    (2, 24)
    """

    _auto_batch_size = 128
    _conditional = True
    _allow_nan = True
    _auto_gradient_steps = 5000
    _auto_epoch_range = (20, 2000)

    _parameter_constraints: dict = {
        **{
            name: constraint
            for name, constraint in BaseGenerator._parameter_constraints.items()
            if name not in {"latent_dim", "sample_from", "n_mixture_components"}
        },
        "denoiser": [StrOptions({"transformer", "mlp"})],
        "width": [Interval(Integral, 1, None, closed="left")],
        "depth": [Interval(Integral, 1, None, closed="left")],
        "n_heads": [Interval(Integral, 1, None, closed="left")],
        "trend_degree": [Interval(Integral, -1, None, closed="left")],
        "n_harmonics": [Interval(Integral, 0, None, closed="left")],
        "patch_size": [
            StrOptions({"auto"}),
            Interval(Integral, 1, None, closed="left"),
        ],
        "n_sampling_steps": [Interval(Integral, 1, None, closed="left")],
        "sampler": [StrOptions({"ode", "sde"})],
        "ema_decay": [Interval(Real, 0, 1, closed="left")],
        "guidance_scale": [Interval(Real, 0, None, closed="left")],
    }

    def __init__(
        self,
        *,
        denoiser: str = "transformer",
        width: int = 64,
        depth: int = 3,
        n_heads: int = 4,
        trend_degree: int = 3,
        n_harmonics: int = 8,
        patch_size: int | str = "auto",
        n_sampling_steps: int = 16,
        sampler: str = "ode",
        ema_decay: float = 0.999,
        guidance_scale: float = 1.0,
        max_epochs: int | str = "auto",
        batch_size: int | str = "auto",
        lr: float = 1e-3,
        validation_fraction: float = 0.0,
        callbacks: list | None = None,
        n_mc_samples: int = 16,
        contamination: str | float = "auto",
        conditional: bool = True,
        device: str = "auto",
        accelerator=None,
        random_state: RandomStateLike = None,
        verbose: int = 0,
    ):
        self.denoiser = denoiser
        self.width = width
        self.depth = depth
        self.n_heads = n_heads
        self.trend_degree = trend_degree
        self.n_harmonics = n_harmonics
        self.patch_size = patch_size
        self.n_sampling_steps = n_sampling_steps
        self.sampler = sampler
        self.ema_decay = ema_decay
        self.guidance_scale = guidance_scale
        self.max_epochs = max_epochs
        self.batch_size = batch_size
        self.lr = lr
        self.validation_fraction = validation_fraction
        self.callbacks = callbacks
        self.n_mc_samples = n_mc_samples
        self.contamination = contamination
        self.conditional = conditional
        self.device = device
        self.accelerator = accelerator
        self.random_state = random_state
        self.verbose = verbose

    # ------------------------------------------------------------ training
    def _build_module(self) -> GaussianDiffusion:
        if self.width % self.n_heads:
            raise ValueError(
                f"width={self.width} must be a multiple of n_heads={self.n_heads}."
            )
        shape = (self.n_channels_, self.n_timesteps_)
        c_dim = self._condition_dim
        if self.denoiser == "mlp":
            denoiser = ResidualMLPDenoiser(
                *shape, self.width, self.depth, condition_dim=c_dim
            )
        else:
            denoiser = self._transformer()
        return GaussianDiffusion(
            denoiser,
            *shape,
            condition_dim=c_dim,
            condition_dropout=CONDITION_DROPOUT if c_dim else 0.0,
        )

    def _transformer(self) -> TrendSeasonDenoiser:
        return TrendSeasonDenoiser(
            self.n_channels_,
            self.n_timesteps_,
            width=self.width,
            depth=self.depth,
            n_heads=self.n_heads,
            trend_degree=self.trend_degree,
            n_harmonics=min(self.n_harmonics, (self.n_timesteps_ - 1) // 2),
            patch_size=self._patch_size(),
            condition_dim=self._condition_dim,
        )

    def _prepare_module(self, module: GaussianDiffusion, train: dict) -> None:
        """Give the module the mean, principal axes and spreads of the
        flattened training series, which precondition the denoiser (see
        ``GaussianDiffusion``); for a model fitted with conditions, also the
        series' linear dependence on them, with the axes and spreads of what
        the conditions leave.

        Where values are missing, they are first filled, once, with a draw
        given the series' observed values from a Gaussian of the series fitted
        to them (see ``_fill_from_gaussian``), and the model trains on the
        completed series."""
        x = train["x"]
        if "mask" in train:
            # the fill needs every series at once: the standardised training
            # series are computed whole here
            seed = int(torch.randint(_MAX_SEED, (1,)))
            x = train["x"] = self._fill_from_gaussian(
                np.asarray(x),
                np.asarray(train.pop("mask")),
                np.random.RandomState(seed),
            )
        # moments by chunks of series: a large training set is read, never
        # copied whole (see ``MappedRows``)
        n_series, flat_size = len(x), int(np.prod(x.shape[1:]))

        def flat_chunks():
            for rows in row_chunks(x):
                yield rows, np.array(x[rows], np.float64).reshape(-1, flat_size)

        mean = sum(chunk.sum(axis=0) for _, chunk in flat_chunks()) / n_series
        conditions = gain = None
        if self._c(train):
            conditions = train["c"][:, :-1].astype(np.float64)
            condition_mean = conditions.mean(axis=0)
            conditions = conditions - condition_mean
            # the minimum-norm least squares of the centred series on the
            # conditions, through the conditions' pseudo-inverse (k x n, as
            # small as the conditions), by chunks of series
            u, singular, vt = np.linalg.svd(conditions, full_matrices=False)
            keep = singular > (
                np.finfo(np.float64).eps * max(conditions.shape) * singular.max()
            )
            inverse = (vt[keep].T / singular[keep]) @ u[:, keep].T
            gain = sum(
                inverse[:, rows] @ (chunk - mean) for rows, chunk in flat_chunks()
            )
            gram = conditions.T @ conditions
        scatter = np.zeros((flat_size, flat_size))
        for rows, chunk in flat_chunks():
            chunk -= mean
            if gain is not None:
                chunk -= conditions[rows] @ gain
            scatter += chunk.T @ chunk
        variances, axes = np.linalg.eigh(scatter / n_series)
        # axes with (next to) no spread get a small one, a millionth of the
        # largest variance, so every axis can still be denoised and sampled
        floor = _MIN_RELATIVE_VARIANCE * max(float(variances.max()), 1.0)
        spread = np.sqrt(np.maximum(variances, floor))
        if gain is not None:
            # without its condition a series also varies by its condition's
            # mean: the mean square of the fitted values along every axis
            fitted_axes = gain @ axes
            between = np.einsum("ia,ij,ja->a", fitted_axes, gram, fitted_axes)
            between = between / n_series
            module.set_condition_statistics(
                gain.T.astype(np.float32),
                condition_mean.astype(np.float32),
                np.sqrt(np.maximum(variances + between, floor)).astype(np.float32),
            )
        module.set_data_statistics(
            *(a.astype(np.float32) for a in (mean, axes, spread))
        )

    @staticmethod
    def _fill_from_gaussian(x, mask, rng, mean=None, cov=None):
        """``x`` with its values where ``mask`` is 0 drawn from the Gaussian of
        mean ``mean`` and covariance ``cov`` of the flattened series given the
        others.

        By default the Gaussian is fitted to ``x`` by stochastic EM: from the
        means and covariances of the observed values, ``_FILL_ROUNDS`` rounds
        of drawing the missing values and refitting the Gaussian to the
        completed series (whose covariance, unlike the pairwise one, is
        consistent with them)."""
        flat = x.reshape(len(x), -1).astype(np.float64)
        seen = mask.reshape(len(x), -1) > 0

        def draw(mean, cov):
            drawn = krige((flat - mean)[:, None], seen[:, None], cov[None], rng)
            return drawn[:, 0] + mean

        if mean is not None:
            completed = draw(mean, cov)
        else:
            mean, cov = observed_gaussian(flat, seen)
            completed = draw(mean, _with_nugget(cov, _START_NUGGET))
            for _ in range(_FILL_ROUNDS - 1):
                cov = np.cov(completed.T, bias=True).reshape(flat.shape[1], -1)
                completed = draw(completed.mean(0), _with_nugget(cov))
        return completed.reshape(x.shape).astype(x.dtype)

    def _patch_size(self) -> int:
        if self.patch_size != "auto":
            return min(self.patch_size, self.n_timesteps_)
        return -(-self.n_timesteps_ // _MAX_AUTO_TOKENS)

    def _net_params(self) -> dict:
        return {"criterion": MeanSquaredError}

    def _make_net(
        self, module, device, shuffle_seed, valid, batch_size, max_epochs=None
    ):
        net = super()._make_net(
            module, device, shuffle_seed, valid, batch_size, max_epochs
        )
        if self.ema_decay > 0:
            net.callbacks = [
                *net.callbacks,
                ("weight_average", WeightAverage(self.ema_decay)),
            ]
        return net

    def _finish_fit(self, train: dict, data: dict, rng) -> None:
        # the latent code is the noise the ODE maps a series to: N(0, I)
        self._latent_shape = (self.n_channels_, self.n_timesteps_)
        self.n_components_ = self.n_channels_ * self.n_timesteps_
        self.latent_density_ = None
        n_series = len(data["x"])
        rows = slice(None)
        if n_series > _MAX_OFFSET_SERIES:
            rows = np.sort(rng.choice(n_series, _MAX_OFFSET_SERIES, replace=False))
        # indexing reads the series as arrays (see ``MappedRows``)
        data = {key: value[rows] for key, value in data.items()}
        self._set_offsets(data)

    # ----------------------------------------------------------- inference
    def _encode(self, x: torch.Tensor) -> torch.Tensor:
        return self.net_.module_.encode(x, n_steps=self.n_sampling_steps)[0]

    def _decode(self, Z: np.ndarray, rng=None, c: np.ndarray | None = None):
        Z = clip_codes(Z).reshape(-1, *self._latent_shape)
        module = self.net_.module_
        stochastic = rng is not None and self.sampler == "sde"
        generator = None
        if stochastic:
            generator = torch.Generator().manual_seed(int(rng.randint(_MAX_SEED)))

        def decode(batch):
            return module.decode(
                batch["x"],
                self.n_sampling_steps,
                stochastic=stochastic,
                generator=generator,
                guidance=float(self.guidance_scale),
                **self._c(batch),
            )

        data = {"x": Z} if c is None else {"x": Z, "c": c}
        return self._unscale(self._infer(decode, data))

    def _impute_scaled(self, data: dict, rng, n_imputations: int) -> np.ndarray:
        """Inpainting, ``n_imputations`` times: the stochastic sampler with the
        observed values replaced at every level (see
        ``GaussianDiffusion.inpaint``)."""
        module = self.net_.module_
        generator = torch.Generator().manual_seed(int(rng.randint(_MAX_SEED)))

        def inpaint(batch):
            return module.inpaint(
                batch["x"],
                batch["mask"],
                self.n_sampling_steps,
                generator=generator,
                guidance=float(self.guidance_scale),
                **self._c(batch),
            )

        return np.stack([self._infer(inpaint, data) for _ in range(n_imputations)])

    def _score_scaled(self, data: dict) -> np.ndarray:
        rng = np.random.RandomState(self._score_seed)
        eps = rng.standard_normal((self.n_mc_samples, *self._latent_shape))
        u = rng.uniform(size=self.n_mc_samples)
        device = self.net_.device
        eps = torch.as_tensor(eps, dtype=torch.float32, device=device)
        u = torch.as_tensor(u, dtype=torch.float32, device=device)
        module = self.net_.module_
        entropy = 0.0
        units = self._log_jacobian_of(data)
        if "mask" in data:
            # log p(observed) >= E_q[ELBO(observed, missing)] + H(q), with q
            # the Gaussian of the model's mean and covariance given the
            # observed values, estimated with one draw of the missing ones
            spread = module.spread
            if module.condition_gain is not None:
                spread = module.unconditioned_spread
            axes = module.axes.double().cpu().numpy()
            cov = _with_nugget((axes * spread.double().cpu().numpy() ** 2) @ axes.T)
            mean = module.mean.double().cpu().numpy()
            seen = data["mask"].reshape(len(data["mask"]), -1) > 0
            entropy = conditional_entropy(cov, seen)
            x = self._fill_from_gaussian(data["x"], data["mask"], rng, mean, cov)
            data = {key: value for key, value in data.items() if key != "mask"}
            data["x"] = x
        # every series runs n_mc_samples passes of the network: a batch of
        # series that many times smaller keeps the passes' memory to that of
        # one inference batch
        batch_size = max(1, self._inference_batch_size // self.n_mc_samples)
        elbo = self._infer(
            lambda b: module.elbo(b["x"], eps, u, **self._c(b)), data, batch_size
        )
        return elbo.astype(np.float64) + entropy + units
