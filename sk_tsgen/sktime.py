"""sktime adapters: latent codes as a transformer, window scores as a detector.

Needs the ``sktime`` package (``pip install "sk-tsgen[sktime]"``). The
adapters wrap sk_tsgen estimators: every number they return comes from the
wrapped generator.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sktime.detection.base import BaseDetector
from sktime.transformations.base import BaseTransformer

from .anomaly import WindowAnomalyDetector
from .base import clone_or_default, fit_atomically


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
