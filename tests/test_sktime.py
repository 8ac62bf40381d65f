"""sktime adapters: sktime's own checks for every generator, and workflows."""

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("sktime")

from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.model_selection import (  # noqa: E402
    KFold,
    StratifiedKFold,
    cross_val_score,
)
from sklearn.pipeline import make_pipeline  # noqa: E402
from sktime.classification.model_evaluation import evaluate  # noqa: E402
from sktime.datasets import load_gunpoint  # noqa: E402
from sktime.utils.estimator_checks import check_estimator  # noqa: E402

from sk_tsgen import ConvVAE, DenseVAE  # noqa: E402
from sk_tsgen.sktime import LatentTransformer, WindowDetector  # noqa: E402


def _instances(cls, fast=("ConvVAE",)):
    """One instance per generator; all but those in ``fast`` run slow."""
    params = []
    for kwargs in cls.get_test_params():
        name = type(next(iter(kwargs.values()))).__name__
        marks = () if name in fast else (pytest.mark.slow,)
        params.append(pytest.param(cls(**kwargs), id=name, marks=marks))
    return params


# the detector's quick ConvVAE check stays in the fast layer; these run slow
@pytest.mark.parametrize("estimator", _instances(LatentTransformer, fast=()))
def test_latent_transformer_passes_sktime_checks(estimator):
    check_estimator(estimator, raise_exceptions=True, verbose=False)


@pytest.mark.parametrize("estimator", _instances(WindowDetector))
def test_window_detector_passes_sktime_checks(estimator):
    check_estimator(estimator, raise_exceptions=True, verbose=False)


# ---------------------------------------------------------- classification
@pytest.fixture(scope="session")
def gunpoint():
    X, y = load_gunpoint(return_type="numpy3D")
    return X, y


def test_latent_features_feed_a_classifier_in_an_sktime_pipeline(gunpoint):
    X, y = gunpoint
    pipeline = LatentTransformer(
        DenseVAE(latent_dim=8, max_epochs=30, random_state=0)
    ) * LogisticRegression(max_iter=1000)
    # sktime's evaluate splits the instances alone, so no stratification
    folds = KFold(3, shuffle=True, random_state=0)
    results = evaluate(pipeline, cv=folds, X=X, y=y, error_score="raise")
    # chance is 0.5: the codes carry the class
    assert len(results) == 3
    assert results["test_accuracy_score"].mean() > 0.75


def test_the_generator_is_a_scikit_learn_transformer_too(gunpoint):
    X, y = gunpoint
    pipeline = make_pipeline(
        ConvVAE(
            latent_dim=4,
            filters=(16,),
            kernel_sizes=(5, 3),
            strides=(5, 5),
            max_epochs=30,
            random_state=0,
        ),
        LogisticRegression(max_iter=1000),
    )
    folds = StratifiedKFold(3, shuffle=True, random_state=0)
    assert cross_val_score(pipeline, X, y, cv=folds).mean() > 0.75


def test_latent_table_rows_are_the_generator_codes(gunpoint):
    X, _ = gunpoint
    transformer = LatentTransformer(
        DenseVAE(latent_dim=3, max_epochs=2, random_state=0)
    )
    table = transformer.fit_transform(X[:40])
    assert isinstance(table, pd.DataFrame)
    assert list(table.columns) == ["densevae0", "densevae1", "densevae2"]
    np.testing.assert_array_equal(
        table.to_numpy(), transformer.generator_.transform(X[:40])
    )
    # a long-format panel (instance, time) gives the same codes
    from sktime.datatypes import convert_to

    frame = convert_to(X[:40], to_type="pd-multiindex")
    np.testing.assert_allclose(
        transformer.transform(frame).to_numpy(), table.to_numpy(), rtol=1e-6
    )


def test_a_panel_of_other_lengths_is_refused(gunpoint):
    X, _ = gunpoint
    transformer = LatentTransformer(DenseVAE(max_epochs=1, random_state=0)).fit(X[:20])
    with pytest.raises(ValueError, match="timesteps"):
        transformer.transform(X[:5, :, :100])


# ---------------------------------------------------------- detection
@pytest.fixture(scope="session")
def cycle():
    t = np.arange(2400)
    noise = 0.1 * np.random.RandomState(0).randn(len(t))
    return pd.Series(np.sin(2 * np.pi * t / 24) + noise)


@pytest.fixture(scope="session")
def detector(cycle):
    return WindowDetector(
        DenseVAE(latent_dim=4, max_epochs=15, random_state=0),
        window_length=24,
        step=2,
        contamination=0.002,
    ).fit(cycle)


def test_detector_finds_spikes_and_scores_them_highest(detector, cycle):
    test = cycle[:600].copy()
    spikes = [150, 300, 450]
    test[spikes] += 2.5
    found = detector.predict(test)["ilocs"].to_numpy()
    assert set(spikes) <= set(found)
    scores = detector.transform_scores(test)["scores"]
    assert scores.index.equals(test.index)
    distance = np.abs(np.arange(len(test))[:, None] - spikes).min(axis=1)
    assert scores[spikes].min() > scores[distance >= 24].max()
    # labels from transform: 1 where predict found an anomaly
    labels = detector.transform(test)["labels"].to_numpy()
    np.testing.assert_array_equal(np.flatnonzero(labels), found)


def test_detector_is_the_scikit_learn_detector(detector, cycle):
    test = cycle[:300]
    np.testing.assert_array_equal(
        detector.transform_scores(test)["scores"].to_numpy(),
        -detector.detector_.score_samples(test),
    )
    found = detector.predict(test)["ilocs"].to_numpy()
    np.testing.assert_array_equal(
        found, np.flatnonzero(detector.detector_.predict(test) == -1)
    )


def test_detector_errors_name_the_problem(detector):
    with pytest.raises(ValueError, match="fewer than window_length=24"):
        detector.predict(pd.Series(np.zeros(10)))
