"""scikit-learn's estimator checks over every public estimator."""

import pytest
from sklearn.utils.estimator_checks import (
    check_dataframe_column_names_consistency,
    check_global_output_transform_pandas,
    check_param_validation,
    check_set_output_transform,
    check_set_output_transform_pandas,
    check_transformer_get_feature_names_out,
    check_transformer_get_feature_names_out_pandas,
    parametrize_with_checks,
)

from sk_tsgen import (
    VAEGAN,
    ConvVAE,
    DenseVAE,
    DiffusionGenerator,
    RecurrentAutoencoder,
    TransformerGAN,
)
from sk_tsgen.anomaly import WindowAnomalyDetector
from sk_tsgen.impute import GenerativeImputer
from sk_tsgen.tables import TableGenerator

try:
    from sk_tsgen.pyod import PyODAdapter
except ImportError:  # pyod is an optional extra
    PyODAdapter = None

# Small budgets keep the checks fast; behaviour does not depend on them.
ESTIMATORS = [
    DenseVAE(max_epochs=2, batch_size=64),
    # strides of 1: the checks fit series of 1 to 4 timesteps, and ConvVAE needs
    # at least prod(strides) of them
    ConvVAE(
        filters=(8,), kernel_sizes=(3, 3), strides=(1, 1), max_epochs=2, batch_size=64
    ),
    RecurrentAutoencoder(hidden_size=8, max_epochs=2, batch_size=64),
    DiffusionGenerator(
        width=8,
        depth=1,
        n_heads=2,
        n_sampling_steps=3,
        n_mc_samples=2,
        max_epochs=3,
        batch_size=32,
    ),
    VAEGAN(hidden_size=8, discriminator_channels=(8,), max_epochs=2, batch_size=64),
    TransformerGAN(
        latent_dim=4, embed_dim=8, depth=1, n_heads=2, max_epochs=2, batch_size=64
    ),
    # the checks' series are 20 to 30 time points long; a point's windows come
    # from the generator, seeded here since the detector has no random_state
    WindowAnomalyDetector(
        DenseVAE(max_epochs=2, batch_size=64, random_state=0), window_length=3
    ),
    GenerativeImputer(DenseVAE(max_epochs=2, batch_size=64), random_state=0),
    # an array is one series, a row per step: windows of 2 steps fit the
    # checks' shortest series
    TableGenerator(
        DenseVAE(max_epochs=2, batch_size=64, random_state=0), window_length=2
    ),
]
if PyODAdapter is not None:
    ESTIMATORS.append(
        PyODAdapter(DenseVAE(max_epochs=3, batch_size=32, random_state=0))
    )

# Expected failures per estimator, each with its reason.
FLOAT32_SUBSET = (
    "the network computes in float32: a series scored alone and in a batch agree "
    "to float32 precision (about 4e-7 relative, from BLAS blocking that depends on "
    "the batch size), while the check demands 1e-7; tests/test_contract.py checks "
    "subset and order invariance at float32 tolerance"
)
EXPECTED_FAILED_CHECKS: dict[str, dict[str, str]] = {
    "DenseVAE": {"check_methods_subset_invariance": FLOAT32_SUBSET},
    "ConvVAE": {"check_methods_subset_invariance": FLOAT32_SUBSET},
    "RecurrentAutoencoder": {"check_methods_subset_invariance": FLOAT32_SUBSET},
    "VAEGAN": {"check_methods_subset_invariance": FLOAT32_SUBSET},
    "DiffusionGenerator": {"check_methods_subset_invariance": FLOAT32_SUBSET},
    "TransformerGAN": {"check_methods_subset_invariance": FLOAT32_SUBSET},
    "WindowAnomalyDetector": {
        "check_fit1d": (
            "a 1-D array is one univariate long series, the commonest input of "
            "this detector, not a mistake"
        ),
        "check_methods_subset_invariance": (
            "a time point is scored with its neighbours (the windows around it), "
            "so a point's score depends on which points surround it"
        ),
        "check_methods_sample_order_invariance": (
            "rows are time points in order; shuffling them makes another series"
        ),
    },
    "GenerativeImputer": {
        "check_fit1d": (
            "a 1-D array is one univariate long series, which the imputer cuts "
            "into windows, not a mistake"
        ),
    },
    "PyODAdapter": {
        "check_outliers_train": (
            "PyOD's conventions, the point of this adapter: predict gives 1 for "
            "anomalies and 0 for the rest, not -1/+1, and decision_function is "
            "higher for anomalies"
        ),
        "check_outliers_fit_predict": "PyOD's 0/1 labels, as above",
        "check_methods_subset_invariance": FLOAT32_SUBSET,
    },
}


def _expected_failed_checks(estimator):
    return EXPECTED_FAILED_CHECKS.get(type(estimator).__name__, {})


@parametrize_with_checks(ESTIMATORS, expected_failed_checks=_expected_failed_checks)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)


EXTRA_CHECKS = [
    check_set_output_transform,
    check_set_output_transform_pandas,
    check_global_output_transform_pandas,
    check_transformer_get_feature_names_out,
    check_transformer_get_feature_names_out_pandas,
    check_dataframe_column_names_consistency,
    check_param_validation,
]


GENERATORS = [e for e in ESTIMATORS if hasattr(e, "transform")]
DETECTORS = [e for e in ESTIMATORS if not hasattr(e, "transform")]


@pytest.mark.parametrize("estimator", GENERATORS, ids=lambda e: type(e).__name__)
@pytest.mark.parametrize("check", EXTRA_CHECKS, ids=lambda c: c.__name__)
def test_checks_not_run_by_check_estimator(estimator, check):
    check(type(estimator).__name__, estimator)


# The detectors are no transformers: the set_output and feature-names-out
# checks do not apply to them.
@pytest.mark.parametrize("estimator", DETECTORS, ids=lambda e: type(e).__name__)
@pytest.mark.parametrize(
    "check",
    [check_dataframe_column_names_consistency, check_param_validation],
    ids=lambda c: c.__name__,
)
def test_detector_checks_not_run_by_check_estimator(estimator, check):
    check(type(estimator).__name__, estimator)
