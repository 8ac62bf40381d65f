"""RecurrentAutoencoder: the article's data, architecture options, samples, scores."""

import numpy as np
import pytest
import torch
from numpy.testing import assert_allclose
from scipy.stats import norm

from sk_tsgen import RecurrentAutoencoder
from sk_tsgen.datasets import make_sin_cos_windows

ARTICLE_VALID_LOSS = 0.3072


@pytest.fixture(scope="session")
def windows():
    X = make_sin_cos_windows()
    return X[:160], X[160:]


@pytest.fixture(scope="session")
def fitted(windows):
    return RecurrentAutoencoder(max_epochs=10, random_state=0).fit(windows[0])


def test_beats_the_article_tenfold_in_its_ten_epochs(windows, fitted):
    X_train, X_test = windows
    assert len(fitted.history_) == 10
    rebuilt = fitted.inverse_transform(fitted.transform(X_test))
    assert np.mean((rebuilt - X_test) ** 2) < ARTICLE_VALID_LOSS / 10


@pytest.mark.parametrize(
    "params, rnn_type, n_directions",
    [
        ({"cell": "gru"}, torch.nn.GRU, 1),
        ({"cell": "lstm", "num_layers": 2}, torch.nn.LSTM, 1),
        ({"cell": "gru", "bidirectional": True}, torch.nn.GRU, 2),
    ],
)
def test_architecture_options(windows, params, rnn_type, n_directions):
    X_train, X_test = windows
    model = RecurrentAutoencoder(
        hidden_size=16, latent_dim=3, max_epochs=2, random_state=0, **params
    ).fit(X_train)
    encoder = model.net_.module_.encoder
    decoder = model.net_.module_.decoder
    assert isinstance(encoder.rnn, rnn_type) and isinstance(decoder.rnn, rnn_type)
    assert (
        encoder.rnn.num_layers == decoder.rnn.num_layers == params.get("num_layers", 1)
    )
    assert encoder.n_directions == n_directions
    assert not decoder.rnn.bidirectional  # a decoder generates forwards
    assert model.transform(X_test).shape == (40, 3)
    assert model.sample(2, random_state=0).shape == (2, 2, 50)


def test_bad_cell_is_named(windows):
    with pytest.raises(
        ValueError, match="'cell' parameter .* among .*'lstm'.*Got 'rnn'"
    ):
        RecurrentAutoencoder(cell="rnn").fit(windows[0])


def test_codes_are_standardised_on_the_training_series(windows, fitted):
    codes = fitted.transform(windows[0])
    assert_allclose(codes.mean(0), 0, atol=1e-4)
    assert_allclose(codes.std(0), 1, atol=1e-3)


def test_noise_scale_is_the_training_reconstruction_rms(windows, fitted):
    X_train = windows[0]
    rebuilt = fitted.inverse_transform(fitted.transform(X_train))
    rms = np.sqrt(np.mean((rebuilt - X_train) ** 2, axis=(0, 2)))
    assert_allclose(fitted.noise_scale_, rms, rtol=1e-3)


def test_score_is_the_documented_sum(windows, fitted):
    """log p(code) under the mixture + Gaussian log-likelihood of the error."""
    X_test = windows[1]
    codes = fitted.transform(X_test)
    rebuilt = fitted.inverse_transform(codes)
    sigma = fitted.noise_scale_[None, :, None]
    log_lik = norm.logpdf(X_test, loc=rebuilt, scale=sigma).sum((1, 2))
    expected = fitted.latent_density_.score_samples(codes) + log_lik
    assert_allclose(fitted.score_samples(X_test), expected, rtol=1e-4)


def test_samples_lie_on_the_unit_circle(fitted):
    """Every sin/cos window has sin^2 + cos^2 = 1; new windows must keep it."""
    samples = fitted.sample(200, random_state=0)
    radius = np.sqrt((samples**2).sum(axis=1))
    assert np.median(np.abs(radius - 1)) < 0.05
    # and they cover the circle: phases spread over all four quadrants
    angle = np.arctan2(samples[:, 0, 0], samples[:, 1, 0])
    assert len(np.unique(np.floor(angle / (np.pi / 2)))) == 4


def test_level_shifts_score_lower(windows, fitted):
    X_test = windows[1]
    clean = fitted.score_samples(X_test)
    # off the manifold: a level shift on part of one channel
    shifted = X_test.copy()
    shifted[:, 0, 20:30] += 0.5
    assert np.mean(clean[:, None] > fitted.score_samples(shifted)[None, :]) > 0.95
