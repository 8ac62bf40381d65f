"""PyOD's conventions: 0/1 labels and higher scores for anomalies."""

import pickle

import numpy as np
import pytest

pytest.importorskip("pyod")

from pyod.utils.utility import precision_n_scores  # noqa: E402
from sklearn.base import clone  # noqa: E402

from sk_tsgen import DenseVAE  # noqa: E402
from sk_tsgen.anomaly import WindowAnomalyDetector  # noqa: E402
from sk_tsgen.datasets import make_sines  # noqa: E402
from sk_tsgen.pyod import PyODAdapter  # noqa: E402


@pytest.fixture(scope="session")
def data():
    normal = make_sines(300, n_timesteps=24, random_state=0)[:, 0, :]
    held_out = make_sines(40, n_timesteps=24, random_state=1)[:, 0, :]
    noise = np.random.RandomState(2).uniform(-1, 1, size=(10, 24))
    return normal, np.vstack([held_out, noise]), np.r_[np.zeros(40), np.ones(10)]


@pytest.fixture(scope="session")
def fitted(data):
    return PyODAdapter(DenseVAE(max_epochs=20, random_state=0)).fit(data[0])


def test_scores_are_the_generator_scores_negated(fitted, data):
    _, X, _ = data
    np.testing.assert_array_equal(
        fitted.decision_function(X), -fitted.estimator_.score_samples(X)
    )
    np.testing.assert_array_equal(
        fitted.decision_scores_, -fitted.estimator_.score_samples(data[0])
    )


def test_labels_are_zero_one_and_follow_the_threshold(fitted, data):
    _, X, is_anomaly = data
    labels = fitted.predict(X)
    assert set(np.unique(labels)) <= {0, 1}
    np.testing.assert_array_equal(
        labels, (fitted.decision_function(X) > fitted.threshold_).astype(int)
    )
    # the uniform noise series are all caught, most real sines pass
    assert labels[is_anomaly == 1].all()
    assert labels[is_anomaly == 0].mean() < 0.25
    assert fitted.labels_.mean() == pytest.approx(0.1, abs=0.01)


def test_pyod_probability_and_evaluation_utilities(fitted, data):
    _, X, is_anomaly = data
    for method in ("linear", "unify"):
        proba = fitted.predict_proba(X, method=method)
        assert proba.shape == (len(X), 2)
        np.testing.assert_allclose(proba.sum(axis=1), 1.0)
        assert proba[is_anomaly == 1, 1].mean() > proba[is_anomaly == 0, 1].mean()
    confidence = fitted.predict_confidence(X)
    assert confidence.shape == (len(X),)
    assert np.all((confidence >= 0) & (confidence <= 1))
    assert precision_n_scores(is_anomaly, fitted.decision_function(X)) == 1.0


def test_points_of_a_long_series_as_pyod_samples():
    t = np.arange(1500)
    series = np.sin(2 * np.pi * t / 24)[:, None]
    detector = PyODAdapter(
        WindowAnomalyDetector(
            DenseVAE(latent_dim=2, max_epochs=10, random_state=0),
            window_length=24,
            step=2,
        ),
        contamination=0.01,
    ).fit(series)
    test = series[:300].copy()
    test[150] += 2.0
    scores = detector.decision_function(test)
    assert scores.shape == (300,)
    assert detector.predict(test)[150] == 1
    assert abs(int(np.argmax(scores)) - 150) < 24


def test_bad_contamination_is_named_at_fit(data):
    detector = PyODAdapter(DenseVAE(max_epochs=1), contamination=0.7)
    with pytest.raises(ValueError, match="contamination"):
        detector.fit(data[0])


def test_clone_and_pickle(fitted, data):
    _, X, _ = data
    restored = pickle.loads(pickle.dumps(fitted))
    np.testing.assert_array_equal(
        restored.decision_function(X), fitted.decision_function(X)
    )
    fresh = clone(fitted)
    assert not hasattr(fresh, "estimator_")
    assert fresh.get_params()["estimator__max_epochs"] == 20
