"""The plotting functions draw what they say and return their figure or axes."""

import numpy as np
import pytest

mpl = pytest.importorskip("matplotlib")
mpl.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from sklearn.exceptions import NotFittedError  # noqa: E402

from sk_tsgen import DenseVAE  # noqa: E402
from sk_tsgen.datasets import make_sines  # noqa: E402
from sk_tsgen.plotting import (  # noqa: E402
    plot_embedding,
    plot_history,
    plot_reconstructions,
    plot_series_grid,
)


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.fixture(scope="session")
def fitted():
    X = make_sines(120, n_timesteps=16, n_channels=2, random_state=0)
    vae = DenseVAE(max_epochs=4, validation_fraction=0.25, random_state=0).fit(X)
    return vae, X


@pytest.mark.parametrize("method", ["pca", "tsne"])
def test_plot_embedding_draws_both_sets(fitted, method):
    vae, X = fitted
    synth = vae.sample(50, random_state=0)
    _, ax = plt.subplots()
    out = plot_embedding(X, synth, method=method, random_state=0, ax=ax)
    assert out is ax
    real_pts, synth_pts = (c.get_offsets() for c in ax.collections)
    assert real_pts.shape == (120, 2) and synth_pts.shape == (50, 2)
    assert "KL(real || synthetic)" in ax.get_title()


def test_plot_series_grid_rows_and_univariate():
    X = make_sines(10, n_channels=3, random_state=0)
    fig = plot_series_grid(X, X, n_series=4, random_state=0)
    assert len(fig.axes) == 8
    assert all(len(ax.get_lines()) == 3 for ax in fig.axes)
    uni = plot_series_grid(X[:, 0, :], n_series=20, channels=[0])
    assert len(uni.axes) == 10  # at most as many panels as series


def test_plot_history_reads_losses(fitted):
    vae, _ = fitted
    ax = plot_history(vae)
    lines = {line.get_label(): line for line in ax.get_lines()}
    assert set(lines) == {"train_loss", "valid_loss"}
    np.testing.assert_allclose(
        lines["train_loss"].get_ydata(), vae.history_[:, "train_loss"]
    )
    assert len(plot_history(vae.history_, keys=["train_loss"]).get_lines()) == 1
    with pytest.raises(ValueError, match="'nope'"):
        plot_history(vae, keys=["nope"])
    with pytest.raises(NotFittedError):
        plot_history(DenseVAE())


def test_plot_reconstructions_matches_the_model(fitted):
    vae, X = fitted
    fig = plot_reconstructions(vae, X, n_series=3, channels=1, random_state=0)
    assert len(fig.axes) == 3
    original, rebuilt = fig.axes[0].get_lines()
    idx = np.flatnonzero((X[:, 1] == original.get_ydata()).all(axis=1))[0]
    expected = vae.inverse_transform(vae.transform(X[idx : idx + 1]))[0, 1]
    np.testing.assert_allclose(rebuilt.get_ydata(), expected, rtol=1e-5)
    # all channels by default: an original and a reconstruction line each
    every = plot_reconstructions(vae, X, n_series=2, random_state=0)
    assert [len(ax.get_lines()) for ax in every.axes] == [2 * X.shape[1]] * 2
    with pytest.raises(ValueError, match=r"channels=\[5\]"):
        plot_reconstructions(vae, X, channels=[0, 5])
    with pytest.raises(ValueError, match="timesteps"):
        plot_reconstructions(vae, X[:, :, :8])
