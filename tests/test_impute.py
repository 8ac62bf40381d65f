"""``impute`` on every generator: missing values drawn given the observed ones,
in the layout of the input."""

import copy

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_array_equal


def _gappy(X, fraction=0.3, seed=0):
    X = X.copy()
    X[np.random.RandomState(seed).uniform(size=X.shape) < fraction] = np.nan
    return X


def test_impute_keeps_the_observed_values_and_fills_the_rest(default_fit, sines):
    X = _gappy(sines[1][:20])
    out = default_fit.impute(X, random_state=0)
    assert out.shape == X.shape
    assert out.dtype == X.dtype
    assert not np.isnan(out).any()
    seen = ~np.isnan(X)
    assert_array_equal(out[seen], X[seen])
    # the draws stay within the range of the data
    assert np.abs(out).max() < 5 * np.abs(sines[0]).max()


def test_impute_leaves_a_complete_input_as_it_is(default_fit, sines):
    X = sines[1][:5]
    assert_array_equal(default_fit.impute(X), X)


def test_several_imputations_are_stacked_and_differ(default_fit, sines):
    X = _gappy(sines[1][:10])
    out = default_fit.impute(X, n_imputations=3, random_state=0)
    assert out.shape == (3, *X.shape)
    missing = np.isnan(X)
    assert not np.isnan(out).any()
    # the draws are of the missing values given the observed ones: they vary
    assert np.ptp(out[:, missing], axis=0).mean() > 0
    assert_array_equal(
        out[:, ~missing], np.broadcast_to(X[~missing], out[:, ~missing].shape)
    )


def test_the_same_seed_gives_the_same_imputations(default_fit, sines):
    X = _gappy(sines[1][:10])
    a = default_fit.impute(X, n_imputations=2, random_state=7)
    b = default_fit.impute(X, n_imputations=2, random_state=7)
    assert_array_equal(a, b)


def test_impute_returns_a_pandas_panel_as_it_came(default_fit, sines):
    X = _gappy(sines[1][:4])
    index = pd.MultiIndex.from_product([range(4), range(16)], names=["id", "t"])
    frame = pd.DataFrame(
        X.transpose(0, 2, 1).reshape(-1, 3), index=index, columns=["a", "b", "c"]
    )
    out = default_fit.impute(frame, random_state=0)
    assert isinstance(out, pd.DataFrame)
    assert out.index.equals(frame.index)
    assert list(out.columns) == ["a", "b", "c"]
    assert not out.isna().any().any()
    seen = frame.notna().to_numpy()
    assert_array_equal(out.to_numpy()[seen], frame.to_numpy()[seen])
    several = default_fit.impute(frame, n_imputations=2, random_state=0)
    assert isinstance(several, list) and len(several) == 2
    assert all(isinstance(s, pd.DataFrame) for s in several)


@pytest.mark.parametrize(
    ("n_imputations", "error", "match"),
    [(0, ValueError, "at least 1"), (2.5, TypeError, "must be an int")],
)
def test_bad_n_imputations_is_named(default_fit, sines, n_imputations, error, match):
    with pytest.raises(error, match=match):
        default_fit.impute(sines[1][:2], n_imputations=n_imputations)


def test_a_series_with_nothing_observed_cannot_be_imputed(default_fit, sines):
    X = sines[1][:3].copy()
    X[1] = np.nan
    with pytest.raises(ValueError, match="no observed value"):
        default_fit.impute(X)


def test_impute_needs_a_fitted_model(make_generator, sines):
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError):
        make_generator().impute(sines[1][:2])


def test_kriged_residuals_bring_the_neighbours_detail_into_the_gaps(default_fit, sines):
    """Drawing the residuals from the process fitted to the training
    reconstructions' residuals recovers the hidden values better than the
    decoding plus white noise (a model that lacks that process imputes so)."""
    if type(default_fit).__name__ == "DiffusionGenerator":
        pytest.skip("the diffusion generator inpaints; it draws no residuals")
    truth = sines[1]
    X = _gappy(truth, fraction=0.2)
    hidden = np.isnan(X)
    kriged = default_fit.impute(X, n_imputations=4, random_state=0).mean(axis=0)
    white = copy.deepcopy(default_fit)
    white._residual_covariance = None
    plain = white.impute(X, n_imputations=4, random_state=0).mean(axis=0)
    error = np.abs(kriged - truth)[hidden].mean()
    assert error < 0.8 * np.abs(plain - truth)[hidden].mean()


def test_residuals_of_one_channel_are_read_from_the_others():
    """Where two channels' residuals move together, a value missing in one is
    drawn from the other at its step: a process per channel, white in time,
    could only draw noise there."""
    from sk_tsgen._imputation import (
        KrigingSampler,
        residual_covariance,
        space_time_kernel,
        stationary_kernels,
    )

    rng = np.random.RandomState(0)
    shared = rng.standard_normal((400, 1, 12))
    e = np.concatenate([shared, shared + 0.05 * rng.standard_normal(shared.shape)], 1)
    covariance = residual_covariance(e[:300], np.ones_like(e[:300]))
    assert covariance.shape == (2, 2, 12)
    assert covariance[0, 1, 0] == pytest.approx(1.0, abs=0.1)  # same-step link
    known = rng.uniform(size=e[300:].shape) > 0.2
    known[:, 1] |= ~known[:, 0]  # the other channel is seen where one is not
    kernel = space_time_kernel(covariance, 12)
    joint = KrigingSampler(kernel, known, joint=True)(e[300:], rng)
    per_channel = stationary_kernels(covariance[[0, 1], [0, 1]], 12)
    apart = KrigingSampler(per_channel, known)(e[300:], rng)
    error = np.abs(joint - e[300:])[~known].mean()
    assert error < 0.2 < np.abs(apart - e[300:])[~known].mean()


def test_models_saved_with_residuals_per_channel_still_impute(default_fit, sines):
    if type(default_fit).__name__ == "DiffusionGenerator":
        pytest.skip("the diffusion generator inpaints; it draws no residuals")
    X = _gappy(sines[1][:10])
    old = copy.deepcopy(default_fit)
    covariance = old.__dict__.pop("_residual_covariance")
    channels = np.arange(covariance.shape[0])
    old._residual_autocovariance = covariance[channels, channels]  # earlier files
    out = old.impute(X, random_state=0)
    assert not np.isnan(out).any()
    assert_array_equal(out[~np.isnan(X)], X[~np.isnan(X)])


def test_long_series_krige_their_residuals_per_channel(default_fit, sines, monkeypatch):
    if type(default_fit).__name__ == "DiffusionGenerator":
        pytest.skip("the diffusion generator inpaints; it draws no residuals")
    import sk_tsgen.base

    X = _gappy(sines[1][:10])
    joint = default_fit.impute(X, random_state=0)
    monkeypatch.setattr(sk_tsgen.base, "_JOINT_KRIGING_VALUES", 0)
    apart = default_fit.impute(X, random_state=0)
    assert not np.isnan(apart).any() and not np.allclose(apart, joint)
