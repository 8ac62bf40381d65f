"""sktime adapters: latent codes as a transformer, window scores as a
detector, sample paths as a probabilistic forecaster.

Needs the ``sktime`` package (``pip install "sk-tsgen[sktime]"``). The
adapters wrap sk_tsgen estimators: every number they return comes from the
wrapped generator.
"""

from __future__ import annotations

import warnings
from numbers import Integral

import numpy as np
import pandas as pd
from pandas.tseries.frequencies import to_offset
from sklearn.base import clone
from sklearn.utils import check_random_state
from sktime.datatypes._utilities import update_data
from sktime.detection.base import BaseDetector
from sktime.forecasting.base import BaseForecaster, ForecastingHorizon
from sktime.transformations.base import BaseTransformer

from .anomaly import WindowAnomalyDetector
from .base import _MAX_SEED, clone_or_default, fit_atomically
from .forecasting import (
    auto_lengths,
    context_levels,
    fit_spread,
    sample_paths,
    scale_spread,
    season_length,
    window_conditions,
    windows_of,
)


def _test_generators() -> list:
    """Every sk_tsgen generator with a budget small enough for sktime's checks."""
    from . import VAEGAN, ConvVAE, DenseVAE, RecurrentAutoencoder, TransformerGAN

    common = {"max_epochs": 2, "batch_size": 16, "random_state": 0}
    return [
        DenseVAE(latent_dim=2, hidden_layer_sizes=(8,), **common),
        ConvVAE(
            latent_dim=2, filters=(4,), kernel_sizes=(3, 3), strides=(1, 1), **common
        ),
        RecurrentAutoencoder(latent_dim=2, hidden_size=4, **common),
        VAEGAN(latent_dim=2, hidden_size=4, discriminator_channels=(4,), **common),
        TransformerGAN(latent_dim=2, embed_dim=4, depth=1, n_heads=1, **common),
    ]


def _test_diffusion():
    """The diffusion generator with a budget small enough for sktime's checks."""
    from . import DiffusionGenerator

    return DiffusionGenerator(
        width=8,
        depth=1,
        n_heads=2,
        n_sampling_steps=3,
        n_mc_samples=2,
        max_epochs=2,
        batch_size=16,
        random_state=0,
    )


class _AtomicFit:
    """sktime's ``fit``, all or nothing: a fit that raises leaves the adapter as
    it was (see :func:`sk_tsgen.base.fit_atomically`)."""

    def fit(self, X, y=None):
        """Fit on ``X`` as sktime does; when that raises, nothing changes.

        Parameters
        ----------
        X : sktime panel or series
            Training data, as the adapter's sktime base class takes it.
        y : None
            Ignored.

        Returns
        -------
        self : object
            The fitted adapter.
        """
        with fit_atomically(self):
            return super().fit(X, y)


class LatentTransformer(_AtomicFit, BaseTransformer):
    """A generator's latent codes as an sktime transformer: panel -> table.

    ``fit`` trains a clone of the generator on the series of a panel;
    ``transform`` returns one row of latent codes (the posterior means, from
    the generator's ``transform``) per series, ready for any sktime or
    scikit-learn classifier, regressor or clusterer.

    sktime inverts only transformers whose output is a series, so this one
    has no ``inverse_transform``; the fitted generator ``generator_`` decodes
    codes into series with its own ``inverse_transform``.

    Parameters
    ----------
    generator : sk_tsgen generator or None, default=None
        The model whose codes are the features; None uses
        :class:`sk_tsgen.DenseVAE` with its defaults.

    Attributes
    ----------
    generator_ : sk_tsgen generator
        The generator fitted on the training panel.

    Examples
    --------
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sktime.datasets import load_gunpoint
    >>> from sk_tsgen import DenseVAE
    >>> from sk_tsgen.sktime import LatentTransformer
    >>> X, y = load_gunpoint(split="train", return_type="numpy3D")
    >>> codes = LatentTransformer(DenseVAE(latent_dim=4, max_epochs=5, random_state=0))
    >>> pipeline = codes * LogisticRegression()
    >>> pipeline.fit(X, y).predict(X[:3]).shape
    (3,)
    >>> codes.fit_transform(X).shape
    (50, 4)
    """

    _tags = {
        "authors": "sk_tsgen developers",
        "scitype:transform-input": "Series",
        "scitype:transform-output": "Primitives",
        "scitype:instancewise": False,
        "X_inner_mtype": "numpy3D",
        "y_inner_mtype": "None",
        "fit_is_empty": False,
        "requires_y": False,
        "capability:multivariate": True,
        "capability:unequal_length": False,
        "capability:missing_values": False,
        "capability:categorical_in_X": False,
        "capability:inverse_transform": False,
    }

    def __init__(self, generator=None):
        self.generator = generator
        super().__init__()

    def _fit(self, X, y=None):
        self.generator_ = clone_or_default(
            self.generator,
            ("fit", "transform", "get_feature_names_out"),
            owner="LatentTransformer",
            param="generator",
        )
        self.generator_.fit(X)
        return self

    def _transform(self, X, y=None):
        codes = self.generator_.transform(X)
        return pd.DataFrame(codes, columns=self.generator_.get_feature_names_out())

    @classmethod
    def get_test_params(cls, parameter_set: str = "default") -> list[dict]:
        """Parameters of test instances: every generator, on a small budget.

        Parameters
        ----------
        parameter_set : str, default="default"
            Name of the set of test parameters; there is only one.

        Returns
        -------
        params : list of dict
        """
        return [{"generator": generator} for generator in _test_generators()]


class WindowDetector(_AtomicFit, BaseDetector):
    """Anomalous time points of a long series, as an sktime detector.

    An sktime face of :class:`sk_tsgen.anomaly.WindowAnomalyDetector`: the
    series is cut into sliding windows, a generator learns them, and every
    time point gets the mean per-step score of the windows that cover it.
    ``predict`` returns the locations (``ilocs``) of the points whose score
    falls below the threshold that ``contamination`` sets;
    ``transform_scores`` returns an anomaly score per point, higher for more
    anomalous (the negated per-step log-density, for a VAE).

    Parameters
    ----------
    estimator : estimator or None, default=None
        An sk_tsgen generator, or a scikit-learn outlier detector with
        ``score_samples``, that scores the windows; None uses
        :class:`sk_tsgen.DenseVAE`.
    window_length : int, default=24
        Steps per window.
    step : int, default=1
        Steps between the starts of consecutive windows.
    contamination : "auto" or float in (0, 0.5], default="auto"
        Fraction of the training points labelled anomalous, or ``"auto"`` for
        the lower Tukey fence of their scores.

    Attributes
    ----------
    detector_ : WindowAnomalyDetector
        The fitted scikit-learn detector.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from sk_tsgen import DenseVAE
    >>> from sk_tsgen.sktime import WindowDetector
    >>> t = np.arange(2000)
    >>> noise = 0.1 * np.random.RandomState(0).randn(2000)
    >>> series = pd.Series(np.sin(2 * np.pi * t / 24) + noise)
    >>> detector = WindowDetector(
    ...     DenseVAE(latent_dim=4, max_epochs=20, random_state=0),
    ...     window_length=24, contamination=0.001,
    ... ).fit(series)
    >>> test = series[:480].copy()
    >>> test[300] += 3.0
    >>> 300 in detector.predict(test)["ilocs"].tolist()
    True
    >>> detector.transform_scores(test).shape
    (480, 1)
    """

    _tags = {
        "authors": "sk_tsgen developers",
        "task": "anomaly_detection",
        "learning_type": "unsupervised",
        "capability:multivariate": True,
        "capability:missing_values": False,
        "X_inner_mtype": "pd.DataFrame",
        "fit_is_empty": False,
    }

    def __init__(
        self,
        estimator=None,
        window_length: int = 24,
        step: int = 1,
        contamination: str | float = "auto",
    ):
        self.estimator = estimator
        self.window_length = window_length
        self.step = step
        self.contamination = contamination
        super().__init__()

    def _fit(self, X, y=None):
        self.detector_ = WindowAnomalyDetector(
            self.estimator,
            window_length=self.window_length,
            step=self.step,
            contamination=self.contamination,
        ).fit(X)
        return self

    def _predict(self, X):
        labels = self.detector_.predict(X)
        return pd.Series(np.flatnonzero(labels == -1), dtype="int64")

    def _predict_scores(self, X):
        decision = self.detector_.decision_function(X)
        return pd.Series(-(decision + self.detector_.offset_)[decision < 0])

    def _transform_scores(self, X):
        scores = -self.detector_.score_samples(X)
        return pd.DataFrame({"scores": scores}, index=X.index)

    @classmethod
    def get_test_params(cls, parameter_set: str = "default") -> list[dict]:
        """Parameters of test instances: every generator, on a small budget.

        Parameters
        ----------
        parameter_set : str, default="default"
            Name of the set of test parameters; there is only one.

        Returns
        -------
        params : list of dict
        """
        return [
            {"estimator": generator, "window_length": 5, "contamination": 0.1}
            for generator in _test_generators()
        ]


class GenerativeForecaster(BaseForecaster):
    """Probabilistic forecasts of a series from sample paths of a generator.

    ``fit`` cuts the series into windows of ``window_length`` steps and fits
    a clone of the generator on them, conditioned on each window's start on
    the calendar (for a series on a DatetimeIndex or PeriodIndex) and on the
    exogenous ``X`` over all its steps. A forecast takes the latest steps as
    the observed start of a window, leaves its last ``horizon_length`` steps
    missing, and draws ``n_paths`` imputations of them from the generator
    (:meth:`~sk_tsgen.base.BaseGenerator.impute`): those are sample paths of
    the future. Longer horizons chain windows, each conditioned on its path
    so far. Every probabilistic method reads the same paths:

    - ``predict``: their median at every step (the forecast with the least
      expected absolute error);
    - ``predict_quantiles``, ``predict_interval``, ``predict_var``: their
      quantiles and variance;
    - ``predict_proba``: skpro's ``Empirical`` distribution of the paths
      (needs the ``skpro`` package);
    - ``simulate``: the paths themselves.

    A generator's imputations are surer of the future than its errors
    warrant. With ``calibrate=True``, ``fit`` first fits a clone on the
    windows of the first 80 % of the series, forecasts the rest from up to 50
    origins, and learns by how much to widen the spread of the paths about
    their median at every step ahead (a factor ``a * h ** b`` per variable,
    chosen by the pinball loss; :func:`sk_tsgen.forecasting.fit_spread`).
    That costs a second fit.

    ``update`` adds the new observations to the history that later forecasts
    start from; the generator is not refitted (call ``fit`` for that).

    Parameters
    ----------
    generator : sk_tsgen generator or None, default=None
        The model of the windows, cloned in ``fit``; None uses
        :class:`sk_tsgen.DenseVAE` with its defaults. A generator with
        ``random_state=None`` is seeded from ``random_state``, and one with
        ``freq=None`` (:class:`sk_tsgen.ConvVAE`) gets the series' frequency.
    window_length : int or "auto", default="auto"
        Steps per window. ``"auto"`` is three seasons of the series'
        frequency (72 hours, 21 days, 36 months; 24 steps without a season,
        at most 144), or a quarter of a series shorter than four windows.
    horizon_length : int or "auto", default="auto"
        Steps forecast per window; the other ``window_length -
        horizon_length`` steps are observed. ``"auto"`` is a third of the
        window.
    n_paths : int, default=200
        Sample paths per forecast.
    calibrate : bool, default=True
        Whether to widen the paths' spread to the errors of forecasts of the
        series' last 20 %, as above.
    level : {"last", "mean", None}, default="last"
        What the generator learns windows less of: the last observed value or
        the mean of their context (their first ``window_length -
        horizon_length`` steps), or nothing. Less a level, windows of a series
        that drifts (prices, trending counts) stay in the range the generator
        was trained on, and the generator learns the changes from the latest
        value rather than the values themselves.
    random_state : int, RandomState instance or None, default=None
        Seed of the paths, and of the generator's training when the generator
        has ``random_state=None``.

    Attributes
    ----------
    generator_ : sk_tsgen generator
        The generator fitted on every window of the series.
    window_length_, horizon_length_ : int
        The steps per window and forecast per window.
    spread_ : ndarray of shape (horizon_length, n_variables)
        The factor that widens the paths' spread at every step ahead (steps
        beyond take the last), per variable; ones without calibration.

    See Also
    --------
    sk_tsgen.base.BaseGenerator.impute : The draws that make the paths.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from sk_tsgen import DenseVAE
    >>> from sk_tsgen.sktime import GenerativeForecaster
    >>> hours = pd.date_range("2024-01-01", periods=24 * 12, freq="h")
    >>> noise = np.random.RandomState(0).normal(0, 0.1, len(hours))
    >>> y = pd.Series(np.sin(2 * np.pi * hours.hour / 24) + noise, index=hours)
    >>> forecaster = GenerativeForecaster(
    ...     DenseVAE(max_epochs=15), n_paths=30, calibrate=False, random_state=0
    ... ).fit(y)
    >>> forecaster.window_length_, forecaster.horizon_length_
    (72, 24)
    >>> forecast = forecaster.predict(fh=range(1, 25))
    >>> truth = np.sin(2 * np.pi * forecast.index.hour / 24)
    >>> bool(np.abs(forecast - truth).mean() < 0.3)
    True
    >>> forecaster.predict_interval(fh=[1, 2], coverage=0.9).shape
    (2, 2)
    >>> forecaster.simulate(3, fh=[1, 2]).shape
    (6, 1)
    """

    _tags = {
        "authors": "sk_tsgen developers",
        "maintainers": "sk_tsgen developers",
        "capability:multivariate": True,
        "capability:exogenous": True,
        "capability:insample": False,
        "capability:pred_int": True,
        "capability:pred_int:insample": False,
        "capability:missing_values": True,
        "capability:update": True,
        "capability:categorical_in_X": False,
        "capability:random_state": True,
        "y_inner_mtype": "pd.DataFrame",
        "X_inner_mtype": "pd.DataFrame",
        "requires-fh-in-fit": False,
        "X-y-must-have-same-index": True,
        "fit_is_empty": False,
    }

    def __init__(
        self,
        generator=None,
        window_length: int | str = "auto",
        horizon_length: int | str = "auto",
        n_paths: int = 200,
        calibrate: bool = True,
        level: str | None = "last",
        random_state=None,
    ):
        self.generator = generator
        self.window_length = window_length
        self.horizon_length = horizon_length
        self.n_paths = n_paths
        self.calibrate = calibrate
        self.level = level
        self.random_state = random_state
        super().__init__()

    def fit(self, y, X=None, fh=None):
        """Fit the generator on the windows of ``y``; when that raises,
        nothing changes.

        Parameters
        ----------
        y : sktime series
            The series to forecast (one column per variable).
        X : sktime series or None, default=None
            Exogenous series on ``y``'s index, needed over the forecast
            steps too.
        fh : ForecastingHorizon or None, default=None
            Optional; any horizon can be passed to ``predict``.

        Returns
        -------
        self : GenerativeForecaster
        """
        with fit_atomically(self):
            return super().fit(y, X=X, fh=fh)

    # ------------------------------------------------------------------ fit
    def _fit(self, y, X=None, fh=None):
        values = self._values(y)
        n_steps = len(values)
        # the history that forecasts start from, which update extends
        self._history_y, self._history_X = y, X
        stamps, freq = _calendar(y.index)
        self._freq = freq
        if self.level not in (None, "mean", "last"):
            raise ValueError(
                f"level must be None, 'mean' or 'last', got {self.level!r}."
            )
        window, horizon = self._lengths(n_steps, season_length(freq))
        self.window_length_, self.horizon_length_ = window, horizon
        self._exog_columns = None if X is None else list(X.columns)
        exog = None if X is None else self._exog(X, len(y))
        rng = check_random_state(self.random_state)
        template = clone_or_default(
            self.generator, ("fit", "impute"), "GenerativeForecaster", "generator"
        )
        if (
            "random_state" in template.get_params()
            and template.get_params()["random_state"] is None
        ):
            template.set_params(random_state=int(rng.randint(_MAX_SEED)))
        if (
            freq is not None
            and "freq" in template.get_params()
            and template.get_params()["freq"] is None
        ):
            # a generator with a calendar of its own (ConvVAE) steps as y does
            template.set_params(freq=to_offset(freq).freqstr)
        self._path_seed = int(rng.randint(_MAX_SEED))
        self.spread_ = np.ones((horizon, values.shape[1]))
        if self.calibrate:
            self.spread_ = self._calibration(template, values, stamps, exog)
        self.generator_ = self._fit_windows(clone(template), values, stamps, exog)
        return self

    def _values(self, y: pd.DataFrame) -> np.ndarray:
        try:
            values = y.to_numpy(dtype=np.float64)
        except (TypeError, ValueError):
            raise ValueError(
                "GenerativeForecaster forecasts numeric series; y has columns "
                f"of dtypes {sorted({str(d) for d in y.dtypes})}."
            ) from None
        if np.isinf(values).any():
            raise ValueError("y contains infinity; mark missing values as NaN.")
        seen = (~np.isnan(values)).any(0)
        empty = [col for col, known in zip(y.columns, seen, strict=True) if not known]
        if empty:
            raise ValueError(f"y's variable(s) {empty} hold no observed value.")
        return values

    def _exog(self, X: pd.DataFrame, n_rows: int) -> np.ndarray:
        try:
            exog = X.to_numpy(dtype=np.float64)
        except (TypeError, ValueError):
            raise ValueError(
                "GenerativeForecaster conditions on numeric exogenous X; X has "
                f"columns of dtypes {sorted({str(d) for d in X.dtypes})}."
            ) from None
        if len(exog) != n_rows or not np.isfinite(exog).all():
            raise ValueError(
                "X must hold a finite value at every step of the series and of "
                "the forecast; it has missing values or infinity."
            )
        return exog

    def _lengths(self, n_steps: int, season: int | None) -> tuple[int, int]:
        window, horizon = self.window_length, self.horizon_length
        if window == "auto" and horizon == "auto":
            window, horizon = auto_lengths(n_steps, season)
        elif window == "auto":
            window = 3 * horizon
        elif horizon == "auto":
            horizon = max(1, window // 3)
        for name, value in (("window_length", window), ("horizon_length", horizon)):
            if isinstance(value, bool) or not isinstance(value, Integral) or value < 1:
                raise ValueError(
                    f"{name} must be a positive int or 'auto', got {value!r}."
                )
        if horizon >= window:
            raise ValueError(
                f"horizon_length={horizon} must be less than window_length="
                f"{window}: a window needs an observed step to start from."
            )
        if window > n_steps:
            raise ValueError(
                f"y has {n_steps} steps, fewer than window_length={window}."
            )
        return int(window), int(horizon)

    def _fit_windows(self, generator, values, stamps, exog, n_steps=None):
        """``generator`` fitted on the windows of the first ``n_steps``."""
        n_steps = len(values) if n_steps is None else n_steps
        window = self.window_length_
        windows = windows_of(values[:n_steps], window)
        starts = np.flatnonzero((~np.isnan(windows)).any((1, 2)))
        windows = windows[starts]
        windows = windows - context_levels(
            windows, window - self.horizon_length_, self.level
        )
        y = window_conditions(stamps, exog, starts, window)
        return generator.fit(windows, y)

    def _calibration(self, template, values, stamps, exog) -> np.ndarray:
        """The spread factors, from forecasts of the last 20 % of the series
        by a clone fitted on the first 80 %; ones for a series too short."""
        window, horizon = self.window_length_, self.horizon_length_
        n_steps = len(values)
        first = max(int(0.8 * n_steps), 2 * window)
        last = n_steps - horizon
        if last - first < 2:
            return np.ones((horizon, values.shape[1]))
        origins = np.unique(
            np.linspace(first, last, min(_CALIBRATION_ORIGINS, last - first + 1))
        ).astype(int)
        generator = self._fit_windows(clone(template), values, stamps, exog, first)
        rng = np.random.RandomState(self._path_seed)
        paths = [
            sample_paths(
                generator,
                values[:origin],
                horizon,
                window_length=window,
                horizon_length=horizon,
                n_paths=self.n_paths,
                rng=rng,
                stamps=None if stamps is None else stamps[: origin + horizon],
                exog=None if exog is None else exog[: origin + horizon],
                level=self.level,
            )
            for origin in origins
        ]
        truth = np.stack([values[origin : origin + horizon] for origin in origins])
        return fit_spread(np.stack(paths), truth)

    # -------------------------------------------------------------- predict
    def _paths(self, fh, X, n_paths: int) -> tuple[np.ndarray, pd.Index]:
        """``n_paths`` paths at the steps of ``fh`` and their index."""
        steps = np.asarray(fh.to_relative(self.cutoff), dtype=np.int64)
        if steps.min() < 1:
            raise ValueError(
                "GenerativeForecaster forecasts the steps after the series only; "
                f"fh holds steps {steps[steps < 1].tolist()} relative to the cutoff."
            )
        n_ahead = int(steps.max())
        history = self._values(self._history_y)
        stamps = None
        if self._freq is not None:
            stamps = _calendar(self._history_y.index)[0]
            ahead = pd.date_range(stamps[-1], periods=n_ahead + 1, freq=self._freq)
            stamps = stamps.append(ahead[1:])
        exog = None
        if self._exog_columns is not None:
            exog = self._exog_ahead(X, n_ahead)
        paths = sample_paths(
            self.generator_,
            history,
            n_ahead,
            window_length=self.window_length_,
            horizon_length=self.horizon_length_,
            n_paths=n_paths,
            rng=np.random.RandomState(self._path_seed),
            stamps=stamps,
            exog=exog,
            level=self.level,
        )
        paths = scale_spread(paths, self.spread_)
        return paths[:, steps - 1], fh.to_absolute_index(self.cutoff)

    def _exog_ahead(self, X, n_ahead: int) -> np.ndarray:
        """Exogenous values over the history and the ``n_ahead`` steps after it."""
        future = ForecastingHorizon(
            np.arange(1, n_ahead + 1), is_relative=True, freq=self._freq
        ).to_absolute_index(self.cutoff)
        if X is None:
            raise ValueError(
                "GenerativeForecaster was fitted with exogenous X, so predict "
                "needs X over every forecast step."
            )
        known = pd.concat([self._history_X, X])
        known = known[~known.index.duplicated(keep="last")]
        steps = self._history_y.index.append(future)
        missing = future.difference(known.index)
        if len(missing) == n_ahead:
            raise ValueError(
                f"X holds none of the {n_ahead} steps up to the horizon (the "
                f"first: {future[0]}); the paths pass through every step."
            )
        rows = known.reindex(steps)[self._exog_columns]
        if len(missing):
            warnings.warn(
                f"X lacks {len(missing)} of the {n_ahead} steps up to the horizon "
                f"(the first: {missing[0]}); the paths pass through every step, "
                "so X is interpolated linearly there (held beyond its last step).",
                UserWarning,
                stacklevel=4,
            )
            rows = rows.reset_index(drop=True).interpolate(limit_direction="both")
        return self._exog(rows, len(steps))

    def _frame(self, paths: np.ndarray, index: pd.Index, statistic) -> pd.DataFrame:
        return pd.DataFrame(statistic(paths), index=index, columns=self._get_varnames())

    def _predict(self, fh, X=None):
        paths, index = self._paths(fh, X, self.n_paths)
        return self._frame(paths, index, lambda p: np.median(p, axis=0))

    def _predict_quantiles(self, fh, X, alpha):
        paths, index = self._paths(fh, X, self.n_paths)
        levels = np.quantile(paths, alpha, axis=0)  # (n_alpha, n_steps, n_vars)
        columns = pd.MultiIndex.from_product([self._get_varnames(), alpha])
        values = levels.transpose(1, 2, 0).reshape(len(index), -1)
        return pd.DataFrame(values, index=index, columns=columns)

    def _predict_var(self, fh, X=None, cov=False):
        paths, index = self._paths(fh, X, self.n_paths)
        if cov:
            raise NotImplementedError(
                "GenerativeForecaster gives the variance of each step; for the "
                "covariance of the steps use simulate's paths."
            )
        return self._frame(paths, index, lambda p: np.var(p, axis=0, ddof=1))

    def _predict_proba(self, fh, X, marginal=True):
        from skpro.distributions import Empirical

        return Empirical(self._sample_frame(fh, X, self.n_paths), time_indep=marginal)

    def _update(self, y, X=None, update_params=True):
        self._history_y = update_data(self._history_y, y)
        if X is not None and self._history_X is not None:
            self._history_X = update_data(self._history_X, X)
        return self

    def simulate(self, n_paths: int = 100, fh=None, X=None) -> pd.DataFrame:
        """Sample paths of the series' next steps.

        Parameters
        ----------
        n_paths : int, default=100
            Paths to draw.
        fh : int, list, array or ForecastingHorizon
            The steps to draw, after the cutoff.
        X : DataFrame or None, default=None
            Exogenous values over every step up to the horizon, for a
            forecaster fitted with ``X``.

        Returns
        -------
        paths : DataFrame
            One row per path and step, on a ``(path, time)`` MultiIndex, one
            column per variable of ``y``.
        """
        self.check_is_fitted()
        if (
            isinstance(n_paths, bool)
            or not isinstance(n_paths, Integral)
            or n_paths < 1
        ):
            raise ValueError(f"n_paths must be a positive int, got {n_paths!r}.")
        fh = self._check_fh(fh)
        if X is not None and not isinstance(X, pd.DataFrame):
            X = pd.DataFrame(X)
        return self._sample_frame(fh, X, int(n_paths))

    def _sample_frame(self, fh, X, n_paths: int) -> pd.DataFrame:
        paths, index = self._paths(fh, X, n_paths)
        rows = pd.MultiIndex.from_product(
            [range(n_paths), index], names=["path", index.name or "time"]
        )
        return pd.DataFrame(
            paths.reshape(-1, paths.shape[-1]), index=rows, columns=self._get_varnames()
        )

    @classmethod
    def get_test_params(cls, parameter_set: str = "default") -> list[dict]:
        """Parameters of test instances: every generator, on a small budget.

        Parameters
        ----------
        parameter_set : str, default="default"
            Name of the set of test parameters; there is only one.

        Returns
        -------
        params : list of dict
        """
        return [
            {
                "generator": generator,
                "n_paths": 20,
                "calibrate": i == 0,
                "level": {1: "mean", 2: None}.get(i, "last"),
                "random_state": 0,
            }
            for i, generator in enumerate(_test_generators() + [_test_diffusion()])
        ]


# origins of the forecasts that the spread is calibrated on, at most
_CALIBRATION_ORIGINS = 50


def _calendar(index: pd.Index) -> tuple[pd.DatetimeIndex | None, object]:
    """The timestamps of a series' index and their frequency: (None, None)
    for an index that is not on a calendar or has no regular step."""
    if isinstance(index, pd.PeriodIndex):
        return index.to_timestamp(), index.freq
    if isinstance(index, pd.DatetimeIndex):
        freq = index.freq or (pd.infer_freq(index) if len(index) > 2 else None)
        return (index, freq) if freq is not None else (None, None)
    return None, None
