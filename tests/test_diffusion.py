"""DiffusionGenerator: the diffusion maths, the ODE inversion, samplers, the bound."""

import math

import numpy as np
import pytest
import torch
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.model_selection import GridSearchCV
from torch import nn

from sk_tsgen import DiffusionGenerator, load, save
from sk_tsgen.modules.diffusion import GaussianDiffusion, noise_schedule


class _Zero(nn.Module):
    """A denoiser whose output is 0: the model's estimate is then the exact
    posterior mean for Gaussian data of the mean and covariance it was given."""

    def forward(self, z, c_noise):
        return torch.zeros_like(z)


def _gaussian(n_channels, n_timesteps, seed=0):
    """A model of N(mean, cov) series, a sampler of them, and their log-density."""
    gen = torch.Generator().manual_seed(seed)
    d = n_channels * n_timesteps
    mean = torch.randn(d, generator=gen)
    root = torch.randn(d, d, generator=gen) / math.sqrt(d)
    variances, axes = torch.linalg.eigh(root @ root.T)
    model = GaussianDiffusion(_Zero(), n_channels, n_timesteps).eval()
    model.set_data_statistics(mean, axes, variances.sqrt())
    law = torch.distributions.MultivariateNormal(mean, root @ root.T)

    def draw(n):
        return law.sample((n,)).view(n, n_channels, n_timesteps)

    draw.law = law
    return model, draw, lambda x: law.log_prob(x.flatten(1))


def test_the_bound_is_tight_for_the_exact_denoiser_of_gaussian_data():
    """With the exact denoiser the bound equals the mean log-density of the
    data, up to the truncation at sigma_min and sigma_max and the Monte Carlo
    error of the integral over noise levels (its draws are shared by every
    series, so the mean over series keeps it: 4,000 strata make it about
    0.25 nats here)."""
    torch.manual_seed(0)
    model, draw, log_density = _gaussian(1, 2)
    x = draw(500)
    with torch.no_grad():
        elbo = model.elbo(x, torch.randn(4000, 1, 2), torch.rand(4000))
    assert abs(float(elbo.mean() - log_density(x).mean())) < 0.75


def test_the_ode_maps_noise_to_the_data_distribution_and_back():
    """For Gaussian data both samplers give the data's mean and covariance,
    and encoding inverts decoding."""
    torch.manual_seed(1)
    model, draw, _ = _gaussian(2, 3)
    latent = torch.randn(20_000, 2, 3)
    with torch.no_grad():
        x = model.decode(latent, n_steps=4)
        back, _ = model.encode(x, n_steps=4)
        noisy = model.decode(latent, n_steps=4, stochastic=True)
    # the steps integrate a Gaussian's flow exactly: 4 are enough, and what
    # is left is the error of 20,000 draws (about 0.03 on the largest variance)
    for synth in (x.flatten(1), noisy.flatten(1)):
        assert float((synth.mean(0) - draw.law.mean).abs().max()) < 0.05
        error = synth.T.cov() - draw.law.covariance_matrix
        assert float(error.abs().max()) < 0.15
    assert float((back - latent).abs().max()) < 1e-3


def test_noise_schedule_runs_from_sigma_max_down_to_zero():
    levels = noise_schedule(10, 0.002, 80.0)
    assert levels[0] == pytest.approx(80.0) and levels[-2] == pytest.approx(0.002)
    assert levels[-1] == 0 and bool((levels[:-1] > levels[1:]).all())


# ------------------------------------------------------------ the estimator
def _small(**kw):
    params = dict(
        width=16,
        depth=1,
        n_heads=2,
        n_sampling_steps=8,
        n_mc_samples=4,
        max_epochs=10,
        random_state=0,
    )
    return DiffusionGenerator(**{**params, **kw})


@pytest.fixture(scope="session")
def fitted(sines):
    return _small().fit(sines[0])


def test_inverse_transform_undoes_transform(fitted, sines):
    X = sines[1]
    back = fitted.inverse_transform(fitted.transform(X))
    # the ODE solver's error, well inside the spread of the data
    error = np.abs(back - X).max(axis=(0, 2)) / X.std(axis=(0, 2))
    assert error.max() < 0.1
    assert fitted.n_components_ == 3 * 16


def test_samplers_and_steps_can_change_after_fit(fitted):
    ode = fitted.sample(20, random_state=0)
    # the ODE sampler decodes the latent draw: sample is inverse_transform of it
    latent = np.random.RandomState(0).standard_normal((20, 48))
    assert_allclose(ode, fitted.inverse_transform(latent), rtol=1e-5, atol=1e-5)
    fitted.set_params(sampler="sde")
    try:
        sde = fitted.sample(20, random_state=0)
        assert_array_equal(sde, fitted.sample(20, random_state=0))
        assert not np.allclose(sde, ode)
        # the stochastic sampler gives samples of the data's spread too
        assert 0.5 < sde.std() / ode.std() < 2
    finally:
        fitted.set_params(sampler="ode")
    fitted.set_params(n_sampling_steps=2)
    try:
        assert not np.allclose(fitted.sample(20, random_state=0), ode)
    finally:
        fitted.set_params(n_sampling_steps=8)
    assert_array_equal(fitted.sample(20, random_state=0), ode)


def test_scores_rank_shifted_series_below_normal_ones(fitted, sines):
    X = sines[1]
    normal = fitted.score_samples(X)
    assert np.isfinite(normal).all()
    assert (fitted.score_samples(X + 0.5) < normal.min()).all()
    assert (fitted.predict(X + 0.5) == -1).all()


def test_weight_average_is_what_the_model_keeps(sines):
    X = sines[0][:64]
    averaged = _small(max_epochs=3).fit(X)
    last = _small(max_epochs=3, ema_decay=0).fit(X)
    a = dict(averaged.net_.module_.named_parameters())
    b = dict(last.net_.module_.named_parameters())
    assert any(not torch.equal(a[k], b[k]) for k in a)
    assert_array_equal(
        last.history_[:, "train_loss"], averaged.history_[:, "train_loss"]
    )


def test_mlp_denoiser_and_patches(sines):
    X = sines[0][:64]
    mlp = _small(denoiser="mlp", max_epochs=2).fit(X)
    assert mlp.sample(3, random_state=0).shape == (3, 3, 16)
    patched = _small(patch_size=3, max_epochs=2).fit(X)  # 16 steps: 6 tokens, padded
    assert patched.net_.module_.denoiser.position.shape[1] == 6
    assert np.isfinite(patched.score_samples(X)).all()
    auto = DiffusionGenerator(width=8, depth=1, n_heads=2)
    auto.n_timesteps_ = 168
    assert auto._patch_size() == 4


def test_width_must_divide_into_heads(sines):
    with pytest.raises(ValueError, match="multiple of n_heads"):
        _small(width=10, n_heads=4).fit(sines[0])


def test_save_and_load_give_the_same_model(fitted, sines, tmp_path):
    path = tmp_path / "diffusion.npz"
    save(fitted, path)
    loaded = load(path)
    X = sines[1]
    assert_array_equal(
        loaded.sample(5, random_state=1), fitted.sample(5, random_state=1)
    )
    assert_array_equal(loaded.score_samples(X), fitted.score_samples(X))
    assert_array_equal(loaded.transform(X), fitted.transform(X))


@pytest.mark.slow
def test_grid_search_without_scorer_prefers_the_wider_denoiser(learning_sines):
    search = GridSearchCV(_small(max_epochs=30), {"width": [2, 32]}, cv=2)
    search.fit(learning_sines)
    assert np.all(np.isfinite(search.cv_results_["mean_test_score"]))
    assert search.best_params_ == {"width": 32}


def test_extreme_training_sets_fit_and_sample_finite_series():
    """Found by the randomised property tests: a gappy set of values near
    1e-31 (a zero covariance to krige the gaps from), and a float32 set with
    one value near float32's limit (samples beyond it)."""
    tiny = 1e-31 * (5 + np.arange(8.0))[None, None, :]
    tiny[0, 0, 4] = np.nan
    huge = np.vstack([1e-31 * (5 + np.arange(8.0))[None, None, :]] * 2)
    huge[1, 0, 3] = 3e38
    for X in (tiny, huge.astype(np.float32)):
        model = DiffusionGenerator(width=16, depth=1, n_heads=2, max_epochs=1)
        samples = model.set_params(batch_size=4, random_state=0).fit(X).sample(3)
        assert samples.dtype == X.dtype and np.isfinite(samples).all()
