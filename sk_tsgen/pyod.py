"""A generator as a PyOD detector: 0/1 labels, and higher scores for anomalies.

Needs the ``pyod`` package (``pip install "sk-tsgen[pyod]"``).
"""

from __future__ import annotations

from numbers import Real

import numpy as np
from numpy.typing import ArrayLike
from pyod.models.base import BaseDetector
from sklearn.utils import get_tags
from sklearn.utils._param_validation import HasMethods, Interval
from sklearn.utils.validation import check_is_fitted

from .base import clone_or_default, fit_atomically


class PyODAdapter(BaseDetector):
    """Any sk_tsgen generator with PyOD's conventions, for code written for PyOD.

    PyOD detectors score anomalies high and label them 1; scikit-learn's score
    normal samples high and label anomalies -1. This adapter fits the wrapped
    estimator and gives its ``score_samples`` (a VAE: the ELBO of each series)
    negated, as ``decision_function``, so that it plugs into PyOD's
    ``predict``, ``predict_proba``, ``predict_confidence``, the training
    attributes ``decision_scores_``, ``threshold_`` and ``labels_``, and into
    PyOD's model combination and evaluation utilities.

    Parameters
    ----------
    estimator : estimator or None, default=None
        An sk_tsgen generator, or anything with ``fit`` and ``score_samples``
        (higher = more normal), such as
        :class:`sk_tsgen.anomaly.WindowAnomalyDetector`, whose samples are the
        time points of a long series. None uses :class:`sk_tsgen.DenseVAE`
        with its defaults. It is cloned in ``fit``.
    contamination : float in (0, 0.5], default=0.1
        Fraction of the training samples labelled anomalous: ``threshold_``
        is the matching percentile of ``decision_scores_``, as in PyOD.

    Attributes
    ----------
    estimator_ : estimator
        The fitted estimator.
    decision_scores_ : ndarray of shape (n_samples,)
        Anomaly scores of the training samples (higher = more abnormal).
    threshold_ : float
        Scores above it are labelled 1 by :meth:`predict`.
    labels_ : ndarray of shape (n_samples,)
        0/1 labels of the training samples.

    Examples
    --------
    >>> import numpy as np
    >>> from sk_tsgen import DenseVAE
    >>> from sk_tsgen.datasets import make_sines
    >>> from sk_tsgen.pyod import PyODAdapter
    >>> X = make_sines(300, n_timesteps=24, random_state=0)[:, 0, :]
    >>> detector = PyODAdapter(DenseVAE(max_epochs=20, random_state=0)).fit(X)
    >>> odd = np.random.RandomState(1).uniform(-1, 1, size=(5, 24))
    >>> detector.predict(odd)
    array([1, 1, 1, 1, 1])
    >>> detector.predict_proba(odd[:1], method="unify").shape
    (1, 2)
    >>> float(detector.labels_.mean())
    0.1
    """

    _parameter_constraints: dict = {
        "estimator": [HasMethods(["fit", "score_samples"]), None],
        "contamination": [Interval(Real, 0, 0.5, closed="right")],
    }

    def __init__(self, estimator=None, contamination: float = 0.1):
        # PyOD's __init__ validates contamination; scikit-learn's convention
        # (followed here) leaves validation to fit.
        self.estimator = estimator
        self.contamination = contamination

    def fit(self, X: ArrayLike, y: None = None) -> PyODAdapter:
        """Fit the estimator and threshold the anomaly scores of ``X``.

        Parameters
        ----------
        X : array-like
            Training samples in a layout the estimator takes: series
            ``(n_series, n_timesteps)`` or ``(n_series, n_channels,
            n_timesteps)`` for a generator.
        y : None
            Ignored; present for API consistency.

        Returns
        -------
        self : object
            The fitted detector.
        """
        with fit_atomically(self):
            self._validate_params()
            self.estimator_ = clone_or_default(self.estimator, owner="PyODAdapter")
            self.estimator_.fit(X)
            for name in ("n_features_in_", "feature_names_in_"):
                if hasattr(self.estimator_, name):
                    setattr(self, name, getattr(self.estimator_, name))
            self._set_n_classes(None)  # unsupervised: normal vs abnormal
            self.decision_scores_ = -np.asarray(self.estimator_.score_samples(X))
            self._process_decision_scores()
        return self

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        # missing values are the wrapped estimator's to read or refuse
        estimator = clone_or_default(self.estimator, owner="PyODAdapter")
        tags.input_tags.allow_nan = get_tags(estimator).input_tags.allow_nan
        return tags

    def decision_function(self, X: ArrayLike) -> np.ndarray:
        """Anomaly score of every sample: the estimator's score, negated.

        Parameters
        ----------
        X : array-like
            Samples in the layout of ``fit``.

        Returns
        -------
        scores : ndarray of shape (n_samples,)
            Higher = more abnormal.
        """
        check_is_fitted(self, ["estimator_"])
        return -np.asarray(self.estimator_.score_samples(X))
