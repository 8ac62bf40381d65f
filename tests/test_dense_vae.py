"""DenseVAE's own behaviour: its architecture and its scores on Sines."""

import numpy as np
import pytest
import torch

from sk_tsgen import DenseVAE
from sk_tsgen.datasets import make_sines


@pytest.fixture(scope="session")
def sines_vae():
    X = make_sines(1500, n_timesteps=24, n_channels=5, random_state=0)
    X_test = make_sines(400, n_timesteps=24, n_channels=5, random_state=1)
    return DenseVAE(max_epochs=40, random_state=0).fit(X), X_test


def _spiked(X_test):
    """Each series with a spike of half the data's range at a random place."""
    rng = np.random.default_rng(0)
    idx = np.arange(len(X_test))
    spiked = X_test.copy()
    spiked[idx, rng.integers(0, 5, len(idx)), rng.integers(0, 24, len(idx))] += 0.5
    return spiked


def test_spiked_windows_score_below_clean_ones(sines_vae):
    vae, X_test = sines_vae
    assert (
        np.mean(vae.score_samples(X_test) > vae.score_samples(_spiked(X_test))) >= 0.95
    )


def test_shifted_windows_score_below_clean_ones(sines_vae):
    vae, X_test = sines_vae
    shifted = X_test.copy()
    shifted[:, 2, 12:] += 0.25  # a level shift half-way through one channel
    assert np.mean(vae.score_samples(X_test) > vae.score_samples(shifted)) >= 0.95


def test_predict_flags_spiked_series_and_spares_clean_ones(sines_vae):
    vae, X_test = sines_vae
    assert np.mean(vae.predict(_spiked(X_test)) == -1) >= 0.95
    assert np.mean(vae.predict(X_test) == -1) <= 0.10


def test_samples_look_like_sines(sines_vae):
    vae, X_test = sines_vae
    synth = vae.sample(400, random_state=0)
    assert synth.shape == (400, 5, 24)
    # Level, spread, bulk range (the data lie in [0.5, 1]) and smoothness.
    assert abs(synth.mean() - X_test.mean()) < 0.03
    assert abs(synth.std() - X_test.std()) < 0.02
    assert np.percentile(synth, 1) > 0.4 and np.percentile(synth, 99) < 1.1
    step = np.abs(np.diff(synth, axis=2)).mean()
    assert step == pytest.approx(np.abs(np.diff(X_test, axis=2)).mean(), rel=0.25)


def _roughness(X):
    """RMS of second differences: how far series are from locally straight."""
    return np.sqrt((np.diff(X, 2, axis=2) ** 2).mean())


def test_mixture_samples_stay_on_the_data_where_prior_samples_do_not(sines_vae):
    """Prior draws fall where no series was encoded and decode to rough series
    that spread too little; draws from the code mixture do not."""
    vae, X_test = sines_vae
    from_mixture = vae.sample(500, random_state=0)
    prior_codes = np.random.default_rng(0).standard_normal((500, vae.n_components_))
    from_prior = vae.inverse_transform(prior_codes)
    assert _roughness(from_mixture) < 0.5 * _roughness(from_prior)
    assert abs(from_mixture.std() - X_test.std()) < 0.1 * X_test.std()
    assert from_prior.std() < 0.8 * X_test.std()


def test_sample_from_prior_needs_no_mixture():
    X = make_sines(200, n_timesteps=12, n_channels=2, random_state=0)
    vae = DenseVAE(sample_from="prior", max_epochs=2, random_state=0).fit(X)
    assert vae.latent_density_ is None
    assert vae.sample(3, random_state=0).shape == (3, 2, 12)
    mixture = DenseVAE(n_mixture_components=3, max_epochs=2, random_state=0).fit(X)
    assert mixture.latent_density_.n_components == 3


def test_hidden_layer_sizes_shape_the_network():
    X = make_sines(50, n_timesteps=8, n_channels=2, random_state=0)
    vae = DenseVAE(hidden_layer_sizes=(32, 16), latent_dim=3, max_epochs=1).fit(X)
    widths = [
        m.out_features
        for m in vae.net_.module_.encoder.modules()
        if hasattr(m, "out_features")
    ]
    assert widths == [32, 16, 6]  # the head gives mean and log-variance
    with pytest.raises(
        ValueError, match="hidden_layer_sizes must be a sequence of positive"
    ):
        DenseVAE(hidden_layer_sizes=(32, 0), max_epochs=1).fit(X)


def test_learned_noise_scale_is_the_posterior_residual(sines_vae):
    """The per-channel noise scale is learned at its optimum: the RMS residual of
    reconstructions from posterior draws, so the likelihood is calibrated."""
    vae, X_test = sines_vae
    module = vae.net_.module_
    x = torch.as_tensor(vae._scale(X_test))
    with torch.no_grad():
        mean, log_var = module.encode(x)
        z = mean + torch.exp(0.5 * log_var) * torch.randn((50, *mean.shape))
        residual = module.decode(z.flatten(0, 1)).view(50, *x.shape) - x
    rms = residual.pow(2).mean(dim=(0, 1, 3)).sqrt().numpy()
    sigma = module.noise_scale().detach().numpy()
    assert np.allclose(sigma, rms, rtol=0.15)
