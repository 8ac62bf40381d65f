"""ConvVAE: a strided convolutional VAE with a free-length time axis."""

from __future__ import annotations

import math
import warnings
from numbers import Integral

import numpy as np
import pandas as pd
import torch
from numpy.typing import ArrayLike
from pandas.tseries.frequencies import to_offset
from pandas.tseries.offsets import Tick
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_array, check_is_fitted

from ._validation import (
    FLOAT_DTYPES,
    RandomStateLike,
    check_n_samples,
    check_positive_ints,
    check_series,
    restore_layout,
)
from .base import CONDITION_DROPOUT, BaseVAE, clip_codes, in_output_dtype
from .conditions import as_timestamps
from .latent_process import SeasonalLatentProcess, ar1_draws
from .long_series import (
    check_datetime_series,
    offset_timestamps,
    steps_between,
    time_of_year,
    window_series,
)
from .modules import ConvDecoder, ConvEncoder, ConvGaussianVAE, SeasonalPrior

# Decoder output steps per forward pass when sampling or decoding long series.
_DECODE_STEPS = 2**21
# Latent steps per window when ``window_length`` is left to its default.
_DEFAULT_WINDOW_STEPS = 8


class ConvVAE(BaseVAE):
    """Convolutional VAE with a latent time axis, for series of any length.

    The encoder is a stack of strided ``Conv1d`` layers and the decoder mirrors
    it with ``ConvTranspose1d``: every ``prod(strides)`` input steps make one
    latent step of ``latent_dim`` values, and nothing fixes the number of
    steps. One fitted model encodes, scores and generates series of any length,
    and a long generated series is smooth across what would be window seams,
    because the transposed convolutions let neighbouring latent steps overlap.
    Strides that match the periods of the data (``3 * 2 * 2 * 2 = 24`` hours,
    then ``* 2 * 2`` = 4 days) let the layers learn weights per phase of the
    day.

    The prior of the codes is N(0, I) or, with timestamps, *seasonal*: the mean
    and log-variance of every latent step are trigonometric polynomials of the
    time of year at that step, learned with the network, so January samples
    look like January. The decoder's noise variance (one per channel) is
    learned too, in closed form (see :class:`~sk_tsgen.modules.GaussianVAE`),
    so the loss is the negative ELBO, a real bound.

    Parameters
    ----------
    latent_dim : int, default=10
        Values per latent step.
    filters : tuple of int, default=(40, 40, 40, 40, 40)
        Widths of the hidden convolutional layers, one fewer than ``strides``
        (the last encoder layer outputs the latent mean and log-variance).
    kernel_sizes : tuple of int, default=(5, 3, 3, 3, 3, 3)
        Kernel size of every layer, odd; the decoder uses them reversed.
    strides : tuple of int, default=(3, 2, 2, 2, 2, 2)
        Stride of every layer; their product is the number of input steps per
        latent step (96 by default: four days of hourly values). Series must
        have at least that many steps; a series whose length is not a multiple
        of it is padded at its end by repeating its last value, and the decoder's
        output over the padding is dropped (the ELBO covers the observed steps
        only).
    prior : {"auto", "standard", "seasonal"}, default="auto"
        Latent prior. ``"seasonal"`` needs timestamps: a pandas Series with a
        DatetimeIndex, or the windows' start timestamps as ``y``. ``"auto"``
        is seasonal when ``fit`` gets timestamps and standard otherwise.
    seasonal_degree : int, default=3
        Highest harmonic of the year in the seasonal prior.
    autoregressive_prior : bool, default=True
        Link consecutive latent steps in the prior: the standardised codes
        follow an AR(1) process with one learned correlation per latent
        dimension, so each step keeps its (seasonal) marginal prior while
        neighbouring steps vary together as the codes of real series do. With
        False, every latent step is an independent draw, as in the original
        design; generated series then lose persistence from one latent step to
        the next (on hourly temperature, a lag-24 h autocorrelation 0.046 to
        0.068 below the data's).
    sample_from : {"codes", "mixture", "prior"}, default="codes"
        Where :meth:`sample` draws latent sequences. ``"codes"``: a process
        with the prior's seasonal mean and scale, fitted after training to the
        codes of the training windows (``latent_density_``), whose steps are
        linked by a VAR(1) (every dimension of a step depends on every
        dimension of the step before, and the dimensions of a step are
        correlated): the codes of neighbouring steps then agree about the
        series at their shared boundary, which leaves no seams there.
        ``"prior"``: the learned prior itself. The prior
        is trained through the KL term, which under a strong AR link barely
        pins its mean (a steady offset of the codes costs little), so its
        seasonal mean can lag the codes'; the fitted process reads it off the
        codes. ``"mixture"``: a Gaussian mixture on the whole codes of the
        training windows, as :class:`~sk_tsgen.DenseVAE` does; it captures
        codes that lie on a curved manifold (Sines, say) far better than one
        Gaussian process, but only draws series of the training length. Scores
        use the prior either way.
    n_mixture_components : int, default=10
        Components of that mixture (full covariances), fitted on at most 2000
        training windows.
    window_length : int or None, default=None
        Timesteps per training window when ``fit`` gets one long pandas
        Series; None gives 8 latent steps (``8 * prod(strides)``).
    window_step : int or None, default=None
        Timesteps between the starts of consecutive training windows; None gives
        ``prod(strides)``, so the windows overlap and start at the same phase
        of every stride period.
    freq : str or None, default=None
        Duration of one timestep as a pandas frequency (``"h"``, ``"D"``,
        ``"15min"``), needed to place windows given as arrays with start
        timestamps on the calendar. A pandas Series carries its own.
    beta : float, default=1.0
        Weight of the KL term in the training loss; scores use the ELBO.
    max_epochs : int or "auto", default="auto"
        Passes over the training windows. ``"auto"`` makes about 3000 gradient
        steps in 100 to 1000 epochs: 750 epochs of the few hundred windows cut
        from one year of hourly values, 100 epochs of a large panel. A fixed
        100 epochs of one year is only 400 steps, which leaves seams at the
        latent-block boundaries of sampled series and too little day-to-day
        persistence (see ``benchmarks/weather_year.py``).
    batch_size : int or "auto", default="auto"
        Windows per gradient step. ``"auto"`` takes 64, or fewer on a small training set
        so that every epoch makes at least 4 gradient steps (and at least 8
        windows per step).
    lr : float, default=1e-3
        Learning rate of the Adam optimiser.
    validation_fraction : float, default=0.0
        Fraction of the windows held out to report ``valid_loss``.
    callbacks : list or None, default=None
        skorch callbacks used during training, copied at every fit.
    n_mc_samples : int, default=16
        Latent draws per series that :meth:`score_samples` averages.
    contamination : "auto" or float in (0, 0.5], default="auto"
        Sets ``offset_``, the threshold of :meth:`predict`, as in
        :class:`~sk_tsgen.DenseVAE`.
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
        Seed of initialisation, shuffling and score draws.
    verbose : int, default=0
        0 is silent; 1 or more prints a table per epoch and a progress bar.

    Attributes
    ----------
    n_components_ : int
        Size of the codes of a series of the training length
        (latent steps x ``latent_dim``).
    n_channels_, n_timesteps_, n_features_in_ : int
        Channels, timesteps and values of a training window.
    prior_ : str
        The prior in use, ``"standard"`` or ``"seasonal"``.
    freq_ : pandas.DateOffset or None
        Duration of one timestep, when ``fit`` saw timestamps.
    scaler_ : sklearn.preprocessing.StandardScaler
        Per-channel standardisation learned in ``fit``.
    net_ : skorch.NeuralNet
        The trained network.
    history_ : skorch.History
        Per-epoch ``train_loss`` (and ``valid_loss``): the negative ELBO per
        value, in nats, on the standardised series.
    offset_ : float
        Threshold on :meth:`score_samples` used by :meth:`predict`.
    latent_density_ : SeasonalLatentProcess, GaussianMixture or None
        The process or mixture :meth:`sample` draws from, or None with
        ``sample_from="prior"``.
    conditions_ : sk_tsgen.conditions.Conditions or None
        The encoding of the conditions ``y`` of ``fit`` (labels or static
        covariates), or None for a model fitted without them.

    Notes
    -----
    ``y`` is either timestamps (the calendar, for the seasonal prior and for
    placing samples in time) or conditions (labels or static covariates, one
    per window), not both. Fitted with conditions, the encoder reads the
    encoded condition as constant input channels and the decoder beside the
    code of every latent step; the latent process (or mixture) that
    :meth:`sample` draws from has its mean and scale depend on the condition
    too. 10 % of the training conditions are dropped in every step, so the
    same network also reads series without one.

    ``X`` may hold NaN, missing values, in windows and in a long pandas
    Series alike (every window needs one observed value). The encoder reads
    a missing value as its channel's mean, and the likelihood of training and
    of :meth:`score_samples` runs over the observed values only; samples have
    no gaps. This assumes the values are missing at random.

    See Also
    --------
    DenseVAE : one code per whole series of a fixed length.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from sk_tsgen import ConvVAE
    >>> hours = pd.date_range("2020-01-01", periods=24 * 365, freq="h")
    >>> doy, hod = 2 * np.pi * hours.day_of_year / 365, 2 * np.pi * hours.hour / 24
    >>> temp = pd.Series(50 - 10 * np.cos(doy) - 5 * np.cos(hod), index=hours)
    >>> vae = ConvVAE(
    ...     strides=(3, 2, 2, 2), filters=(8, 8, 8), kernel_sizes=(5, 3, 3, 3),
    ...     latent_dim=4, max_epochs=2, random_state=0,
    ... ).fit(temp)
    >>> vae.prior_, vae.n_timesteps_
    ('seasonal', 192)
    >>> week = vae.sample(y="2031-07-01", n_timesteps=24 * 7, random_state=0)
    >>> week.index[0], len(week)
    (Timestamp('2031-07-01 00:00:00'), 168)
    >>> vae.score_samples(temp).shape
    (1,)
    """

    _free_length = True

    def __init__(
        self,
        *,
        latent_dim: int = 10,
        filters: tuple[int, ...] = (40, 40, 40, 40, 40),
        kernel_sizes: tuple[int, ...] = (5, 3, 3, 3, 3, 3),
        strides: tuple[int, ...] = (3, 2, 2, 2, 2, 2),
        prior: str = "auto",
        seasonal_degree: int = 3,
        autoregressive_prior: bool = True,
        sample_from: str = "codes",
        n_mixture_components: int = 10,
        window_length: int | None = None,
        window_step: int | None = None,
        freq: str | None = None,
        beta: float = 1.0,
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
        self.latent_dim = latent_dim
        self.filters = filters
        self.kernel_sizes = kernel_sizes
        self.strides = strides
        self.prior = prior
        self.seasonal_degree = seasonal_degree
        self.autoregressive_prior = autoregressive_prior
        self.sample_from = sample_from
        self.n_mixture_components = n_mixture_components
        self.window_length = window_length
        self.window_step = window_step
        self.freq = freq
        self.beta = beta
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

    _parameter_constraints: dict = {
        **BaseVAE._parameter_constraints,
        "filters": ["array-like", Integral],
        "kernel_sizes": ["array-like", Integral],
        "strides": ["array-like", Integral],
        "prior": [StrOptions({"auto", "standard", "seasonal"})],
        "seasonal_degree": [Interval(Integral, 1, None, closed="left")],
        "autoregressive_prior": ["boolean"],
        "sample_from": [StrOptions({"codes", "mixture", "prior"})],
        "window_length": [Interval(Integral, 1, None, closed="left"), None],
        "window_step": [Interval(Integral, 1, None, closed="left"), None],
        "freq": [str, None],
    }
    _conditional = True
    _allow_nan = True

    def fit(self, X, y=None) -> ConvVAE:
        """Learn the distribution of the series in ``X``.

        Parameters
        ----------
        X : pandas Series with a DatetimeIndex, array-like of shape \
                (n_series, n_timesteps) or (n_series, n_channels, n_timesteps), \
                or DataFrame
            One long series on a regular calendar, cut into windows of
            ``window_length`` steps every ``window_step`` steps; or windows.
        y : array-like of shape (n_series,) or (n_series, n_covariates), \
                DataFrame, or None, default=None
            With windows as ``X``: the start timestamp of every window
            (datetime64 values, with ``freq``), for the seasonal prior; or one
            condition per window, class labels or static covariates, as for
            :class:`DenseVAE`, which make the model conditional
            (``prior="seasonal"`` then still asks for timestamps). Ignored
            with a pandas Series as ``X``.

        Returns
        -------
        self : ConvVAE
            The fitted generator.
        """
        return super().fit(X, y)

    # ------------------------------------------------------------ structure
    def _layers(self) -> tuple[list[int], list[int], list[int]]:
        strides = check_positive_ints(self.strides, "strides")
        kernels = check_positive_ints(self.kernel_sizes, "kernel_sizes", odd=True)
        filters = check_positive_ints(self.filters, "filters", allow_empty=True)
        if len(kernels) != len(strides) or len(filters) != len(strides) - 1:
            raise ValueError(
                f"ConvVAE needs one kernel size per stride and one filter count "
                f"fewer: got {len(strides)} strides, {len(kernels)} kernel_sizes "
                f"and {len(filters)} filters."
            )
        return filters, kernels, strides

    @property
    def _period(self) -> int:
        """Input steps per latent step."""
        return math.prod(check_positive_ints(self.strides, "strides"))

    def _check_n_timesteps(self, n_timesteps: int) -> None:
        period = self._period
        if n_timesteps < period:
            raise ValueError(
                f"X has {n_timesteps} timesteps, but ConvVAE is expecting at least "
                f"{period} timesteps: one latent step spans the product of "
                f"strides={tuple(self.strides)}. Pass longer series or smaller "
                "strides."
            )

    def _build_module(self) -> ConvGaussianVAE:
        filters, kernels, strides = self._layers()
        args = (self.n_channels_, filters, kernels, strides, self.latent_dim)
        prior = (
            SeasonalPrior(self.latent_dim, self.seasonal_degree)
            if self.prior_ == "seasonal"
            else None
        )
        c_dim = self._condition_dim
        return ConvGaussianVAE(
            ConvEncoder(*args, condition_dim=c_dim),
            ConvDecoder(*args, condition_dim=c_dim),
            n_channels=self.n_channels_,
            period=self._period,
            latent_dim=self.latent_dim,
            prior=prior,
            autoregressive=self.autoregressive_prior,
            condition_dim=c_dim,
            condition_dropout=CONDITION_DROPOUT,
        )

    def _fit_latent_density(self, codes, data, rng):
        """A seasonal VAR(1) process (``SeasonalLatentProcess``) fitted to the
        training codes, or a mixture on them, for :meth:`sample`."""
        if self.sample_from in ("prior", "mixture"):
            return super()._fit_latent_density(codes, data, rng)
        module = self.net_.module_
        both = self._infer(
            lambda b: torch.cat(module.encode(b["x"], **self._c(b)), dim=-1), data
        ).astype(np.float64)
        mean, log_var = np.split(both, 2, axis=-1)
        process = SeasonalLatentProcess(self.seasonal_degree)
        conditions = data["c"][:, :-1] if self._c(data) else None
        return process.fit(mean, np.exp(log_var), data.get("season"), conditions)

    # -------------------------------------------------------------- calendar
    def _check_input(
        self,
        X,
        y=None,
        *,
        reset: bool = False,
        context: bool = True,
        allow_nan: bool | None = None,
    ):
        if isinstance(X, pd.Series):
            values, index, freq = check_datetime_series(X)
            if reset:
                X3, starts = self._windows(X)
                self._layout = ("series", X.name)
                self._set_calendar(starts, freq, period=self._window_step)
            else:
                X3 = check_series(self, values[np.newaxis, np.newaxis, :], reset=False)
                starts = index[:1]
                self._check_freq(freq)
        else:
            X3 = check_series(self, X, reset=reset)
            starts = as_timestamps(y)
            if starts is not None and len(starts) != len(X3):
                raise ValueError(
                    f"y holds {len(starts)} start timestamps for {len(X3)} series."
                )
            if reset:
                self._set_calendar(starts, None, period=None)
        # a y of labels or covariates (not timestamps) is the conditions
        if reset:
            self.conditions_ = None
        conditions = {}
        if not isinstance(X, pd.Series) and starts is None:
            conditions = self._check_conditions(
                y, len(X3), reset=reset, context=context
            )
        if not context or self.prior_ == "standard":
            return X3, conditions
        if starts is None:
            raise ValueError(
                "ConvVAE has a seasonal prior, which needs the start timestamp of "
                "every series: pass them as y (datetime64 values or a "
                "DatetimeIndex), or pass a pandas Series with a DatetimeIndex."
            )
        season = self._season(starts, X3.shape[-1])
        if reset:
            self._seasons_seen = _season_weeks(season)
        return X3, {"season": season, **conditions}

    @property
    def _window_step(self) -> int:
        return int(self.window_step or self._period)

    def _windows(self, series: pd.Series):
        length = int(self.window_length or _DEFAULT_WINDOW_STEPS * self._period)
        self._check_n_timesteps(length)
        if len(series) < length:
            raise ValueError(
                f"The series has {len(series)} timesteps, fewer than the "
                f"window_length={length} that ConvVAE trains on; pass a longer "
                "series or a smaller window_length."
            )
        windows, starts = window_series(series, length, self._window_step)
        return check_series(self, windows, reset=True), starts

    def _set_calendar(self, starts, freq, period) -> None:
        """Store what sampling needs to place series on the calendar."""
        if starts is None:
            if self.prior == "seasonal":
                raise ValueError(
                    "prior='seasonal' needs timestamps: fit on a pandas Series "
                    "with a DatetimeIndex, or pass the windows' start timestamps "
                    "as y (datetime64 values) together with freq."
                )
            self.prior_, self.freq_, self._calendar = "standard", None, None
            return
        if freq is None:
            if self.freq is None:
                raise ValueError(
                    "y holds start timestamps, so ConvVAE needs freq, the duration "
                    "of one timestep (for example freq='h'), to place the windows "
                    "on the calendar."
                )
            freq = to_offset(self.freq)
        anchor = starts.min()
        if period is None:  # windows share the phase of the gcd of their offsets
            period = 1
            if isinstance(freq, Tick):
                offsets = steps_between(anchor, starts, freq)
                period = int(np.gcd.reduce(offsets)) or 1
        self.prior_ = "standard" if self.prior == "standard" else "seasonal"
        self.freq_ = freq
        self._calendar = {"anchor": anchor, "period": period, "starts": starts}

    def _check_freq(self, freq) -> None:
        if self.freq_ is not None and freq != self.freq_:
            raise ValueError(
                f"The series steps by {freq.freqstr}, but ConvVAE was fitted on "
                f"steps of {self.freq_.freqstr}."
            )

    def _season(self, starts, n_timesteps: int) -> np.ndarray:
        """Angle of the time of year at the centre of every latent step."""
        period = self._period
        n_steps = math.ceil(n_timesteps / period)
        centres = np.arange(n_steps) * period + period // 2
        stamps = offset_timestamps(starts, centres, self.freq_)
        angle = 2 * np.pi * time_of_year(stamps)
        return angle.reshape(len(starts), n_steps).astype(np.float32)

    # -------------------------------------------------------------- sampling
    def _check_length(self, n_timesteps) -> int:
        if n_timesteps is None:
            return self.n_timesteps_
        if isinstance(n_timesteps, bool) or not isinstance(
            n_timesteps, (int, np.integer)
        ):
            raise TypeError(
                f"n_timesteps must be an int, got {type(n_timesteps).__name__}."
            )
        self._check_n_timesteps(int(n_timesteps))
        return int(n_timesteps)

    def _sample_starts(self, n_samples: int, y, rng):
        """Start timestamps of the samples, and how many steps to generate before
        each so that it begins at the phase the training windows began at."""
        calendar = self._calendar
        if calendar is None:
            # y, if any, holds the conditions of a model fitted with them
            return None, np.zeros(n_samples, dtype=np.int64)
        if y is None:
            starts = calendar["starts"][
                rng.randint(len(calendar["starts"]), size=n_samples)
            ]
        else:
            try:
                starts = pd.DatetimeIndex(np.atleast_1d(pd.to_datetime(y)))
            except (TypeError, ValueError) as exc:
                raise ValueError(
                    f"y must hold start timestamps for the samples: {exc}"
                ) from None
            if len(starts) == 1:
                starts = starts.repeat(n_samples)
            elif len(starts) != n_samples:
                raise ValueError(
                    f"y holds {len(starts)} start timestamps for {n_samples} samples; "
                    "pass one, or one per sample."
                )
            if (starts.tz is None) != (calendar["anchor"].tz is None):
                raise ValueError(
                    "The start timestamps and the training timestamps must both "
                    "have a time zone or both have none."
                )
        leads = np.zeros(n_samples, dtype=np.int64)
        if isinstance(self.freq_, Tick) and calendar["period"] > 1:
            leads = (
                steps_between(calendar["anchor"], starts, self.freq_)
                % calendar["period"]
            )
        return starts, leads

    def _prior_draws(self, season, n_samples, n_steps, rng, c=None) -> np.ndarray:
        """Latent codes ``(n_samples, n_steps, latent_dim)`` for :meth:`sample`,
        given encoded conditions ``c`` (None: none)."""
        if self.sample_from == "mixture":
            fit_steps = self._latent_shape[0]
            if n_steps != fit_steps:
                raise ValueError(
                    f"sample_from='mixture' draws codes of whole training windows "
                    f"({fit_steps} latent steps, n_timesteps={self.n_timesteps_}); "
                    "for other lengths or start phases use sample_from='codes'."
                )
            return super()._draw_latent(n_samples, c, rng)
        if self.latent_density_ is not None:
            return self.latent_density_.sample(
                season,
                rng,
                shape=(n_samples, n_steps),
                conditions=None if c is None else c[:, :-1],
            )
        module = self.net_.module_
        rho = module.correlation()
        rho = (
            np.zeros(self._latent_dim)  # independent steps
            if rho is None
            else rho.detach().cpu().numpy()
        )
        u = ar1_draws((n_samples, n_steps), rho, rng)
        with torch.inference_mode():
            mean, log_var = module.prior_params(
                None
                if season is None
                else torch.as_tensor(season, device=self.net_.device),
                u.shape,
            )
        return mean.cpu().numpy() + np.exp(0.5 * log_var.cpu().numpy()) * u

    def _decode_codes(self, Z: np.ndarray, c: np.ndarray | None = None) -> np.ndarray:
        """Decoder means, scaled units, for codes ``(n, steps, latent_dim)``
        and encoded conditions ``c`` (None: none)."""
        rows = max(1, _DECODE_STEPS // (Z.shape[1] * self._period))
        module = self.net_.module_
        data = {"x": clip_codes(Z)}
        if c is not None:
            data["c"] = c
        return self._infer(
            lambda b: module.decode(b["x"], **self._c(b)), data, batch_size=rows
        )

    def sample(
        self,
        n_samples: int = 1,
        *,
        y=None,
        n_timesteps: int | None = None,
        noise: bool = False,
        random_state: RandomStateLike = None,
        return_y: bool = False,
    ):
        """Generate new series of any length, starting at given dates or for
        given conditions.

        Parameters
        ----------
        n_samples : int, default=1
            Number of series.
        y : timestamp, array-like of timestamps, condition(s) or None, \
                default=None
            For a model fitted with timestamps: the start of every series (one
            for all, or one per series); a seasonal model draws each latent
            step at its time of year. For a model fitted with conditions
            (labels or covariates): one condition for all series, or one per
            series. None draws starts or conditions from those of the
            training series. Refused by a model fitted with neither.
        n_timesteps : int or None, default=None
            Length of every series, at least ``prod(strides)``; None gives the
            training window length. Fifty years of hourly values are one call.
        noise : bool, default=False
            False returns the decoder mean (smooth series); True adds the
            learned observation noise, which makes them draws from the model's
            full density.
        random_state : int, RandomState instance or None, default=None
            Seed of the latent (and noise) draws.
        return_y : bool, default=False
            Whether to also return the condition of every series (only for a
            model fitted with timestamps or conditions).

        Returns
        -------
        X : ndarray, DataFrame or pandas Series
            Arrays in the layout of the training data, with ``n_timesteps``
            steps. A model fitted on a pandas Series returns a Series: with a
            DatetimeIndex at the fitted frequency for one sample, with a
            ``(sample, time)`` MultiIndex for several.
        y : DatetimeIndex, ndarray or DataFrame
            The start timestamps (for a model fitted with timestamps) or the
            conditions of the series; only with ``return_y=True``.
        """
        check_is_fitted(self)
        n_samples = check_n_samples(n_samples)
        length = self._check_length(n_timesteps)
        rng = check_random_state(random_state)
        if self._calendar is not None:
            c = None
        else:
            y_out, c = self._sample_conditions(n_samples, y, rng, return_y)
            y = None
        starts, leads = self._sample_starts(n_samples, y, rng)
        if self._calendar is not None:
            y_out = starts
        total = length + int(leads.max())
        n_steps = math.ceil(total / self._period)
        season = None
        if self.prior_ == "seasonal":
            if leads.any():  # leads are only nonzero for fixed-length steps
                starts_aligned = starts - pd.to_timedelta(
                    leads * pd.Timedelta(self.freq_).value, unit="ns"
                )
            else:
                starts_aligned = starts
            season = self._season(starts_aligned, total)
            self._warn_if_unseen_season(season)
        Z = self._prior_draws(season, n_samples, n_steps, rng, c)
        out = self._decode_codes(Z, c)
        out = np.stack(
            [
                series[:, lead : lead + length]
                for series, lead in zip(out, leads, strict=True)
            ]
        )
        if noise:
            scale = self.net_.module_.noise_scale().cpu().numpy()
            out = out + scale[:, None] * rng.standard_normal(out.shape)
        X3 = in_output_dtype(self._unscale(out), self._output_dtype)
        X = self._as_output(X3, starts)
        return (X, y_out) if return_y else X

    def _warn_if_unseen_season(self, season: np.ndarray) -> None:
        """Warn when samples reach times of year that no training window held."""
        seen = self._seasons_seen
        # a week next to a seen one counts as seen: the prior is smooth in time
        near = seen | np.roll(seen, 1) | np.roll(seen, -1)
        unseen = np.flatnonzero(_season_weeks(season) & ~near)
        if unseen.size:
            first = (
                pd.Timestamp("2001-01-01")
                + pd.Timedelta(days=float(unseen[0]) * 365.25 / _N_WEEKS)
            ).strftime("%d %B")
            warnings.warn(
                f"ConvVAE was fitted on series that cover {int(seen.sum())} of the "
                f"{_N_WEEKS} weeks of the year; these samples reach {unseen.size} "
                f"week(s) it never saw (from the week of {first}), where its "
                "seasonal prior extrapolates and the samples may leave the data's "
                "range. Fit on series that cover those times of year, or use "
                "prior='standard'.",
                UserWarning,
                stacklevel=3,
            )

    def _as_output(self, X3: np.ndarray, starts):
        kind, name = self._layout
        if kind == "series":
            frames = [
                pd.Series(
                    series[0],
                    index=pd.date_range(
                        start, periods=series.shape[-1], freq=self.freq_
                    ),
                    name=name,
                )
                for series, start in zip(X3, starts, strict=True)
            ]
            if len(frames) == 1:
                return frames[0]
            return pd.concat(frames, keys=range(len(frames)), names=["sample", None])
        if kind == "frame" and X3.shape[-1] != self.n_timesteps_:
            return pd.DataFrame(X3[:, 0, :])
        return restore_layout(self, X3)

    # -------------------------------------------------------------- decoding
    def _latent_shape_for(self, n_timesteps: int) -> tuple[int, int]:
        return (math.ceil(n_timesteps / self._period), self._latent_dim)

    def inverse_transform(self, Z: ArrayLike, *, n_timesteps: int | None = None):
        """Decode latent codes into series, in the units of ``fit``.

        Parameters
        ----------
        Z : array-like of shape (n_series, n_latent_steps * latent_dim)
            Codes as returned by :meth:`transform`, latent step by latent step.
        n_timesteps : int or None, default=None
            Length of the decoded series, between ``(n_latent_steps - 1) *
            prod(strides) + 1`` and ``n_latent_steps * prod(strides)``. None
            gives the training length for codes of the training size and whole
            latent steps otherwise.

        Returns
        -------
        X : ndarray or DataFrame
            Decoder means, in the layout of the training data (a 2-D array for
            a model fitted on a pandas Series).
        """
        check_is_fitted(self)
        Z = check_array(Z, dtype=FLOAT_DTYPES, input_name="Z")
        if Z.shape[1] % self._latent_dim:
            raise ValueError(
                f"Z has {Z.shape[1]} components, but ConvVAE is expecting a multiple "
                f"of latent_dim={self._latent_dim} (one code per latent step)."
            )
        n_steps = Z.shape[1] // self._latent_dim
        if n_timesteps is None:
            fit_steps = self.n_components_ // self._latent_dim
            n_timesteps = (
                self.n_timesteps_ if n_steps == fit_steps else n_steps * self._period
            )
        length = self._check_length(n_timesteps)
        if math.ceil(length / self._period) != n_steps:
            raise ValueError(
                f"n_timesteps={length} needs {math.ceil(length / self._period)} "
                f"latent steps, but Z holds {n_steps}."
            )
        out = self._decode_codes(Z.reshape(len(Z), n_steps, self._latent_dim))
        X3 = self._unscale(out[..., :length]).astype(Z.dtype, copy=False)
        return self._as_output(X3, None) if self._layout[0] != "series" else X3[:, 0]

    def transform(self, X: ArrayLike) -> np.ndarray:
        """Encode series of any length into latent codes (posterior means).

        Parameters
        ----------
        X : array-like of shape (n_series, n_timesteps) or \
                (n_series, n_channels, n_timesteps), DataFrame, or pandas Series
            Series of at least ``prod(strides)`` steps; a pandas Series with a
            DatetimeIndex is one series.

        Returns
        -------
        Z : ndarray of shape (n_series, n_latent_steps * latent_dim)
            Codes latent step by latent step; ``n_components_`` columns for series
            of the training length.
        """
        return super().transform(X)


_N_WEEKS = 52


def _season_weeks(angle: np.ndarray) -> np.ndarray:
    """Which of the 52 weeks of the year the time-of-year angles fall in."""
    week = np.floor(np.ravel(angle) / (2 * np.pi) * _N_WEEKS).astype(np.int64)
    return np.bincount(week % _N_WEEKS, minlength=_N_WEEKS) > 0
