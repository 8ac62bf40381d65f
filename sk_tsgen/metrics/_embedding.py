"""Two-dimensional embeddings of a real and a synthetic set, and their KL divergence."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike
from sklearn.decomposition import PCA
from sklearn.manifold import TSNE
from sklearn.utils import check_random_state

from .._validation import RandomStateLike
from ..base import _MAX_SEED
from ._inputs import check_real_synth, scale_pair, subsample


def embed_2d(
    X_real: ArrayLike,
    X_synth: ArrayLike,
    *,
    method: str = "pca",
    max_samples: int | None = 1000,
    scaling: str | None = "minmax",
    random_state: RandomStateLike = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Embed both sets of flattened series in the same plane.

    ``"pca"`` fits the projection on the real set and applies it to both, as
    TimeGAN's visualisation does; ``"tsne"`` embeds the pooled sets together.

    Parameters
    ----------
    X_real, X_synth : array-like of shape (n, n_timesteps) or \
            (n, n_channels, n_timesteps)
        Real and synthetic series.
    method : {"pca", "tsne"}, default="pca"
        The embedding.
    max_samples : int or None, default=1000
        Series drawn from each set at most (t-SNE is quadratic in their number).
    scaling : {"minmax", None}, default="minmax"
        Per-channel min-max scaling fitted on the real set, or none.
    random_state : int, RandomState instance or None, default=None
        Seed of the subsampling and of t-SNE.

    Returns
    -------
    real_2d, synth_2d : ndarray of shape (n, 2)

    Examples
    --------
    >>> from sk_tsgen.datasets import make_sines
    >>> from sk_tsgen.metrics import embed_2d
    >>> real = make_sines(100, random_state=0)
    >>> synth = make_sines(80, random_state=1)
    >>> [e.shape for e in embed_2d(real, synth, random_state=0)]
    [(100, 2), (80, 2)]
    """
    if method not in ("pca", "tsne"):
        raise ValueError(f"method must be 'pca' or 'tsne', got {method!r}.")
    real, synth = check_real_synth(X_real, X_synth, min_series=3)
    real, synth = scale_pair(real, synth, scaling)
    rng = check_random_state(random_state)
    A = subsample(real, max_samples, rng).reshape(-1, real[0].size)
    B = subsample(synth, max_samples, rng).reshape(-1, real[0].size)
    if A.shape[1] < 2:
        raise ValueError("Series with a single value cannot be embedded in 2-D.")
    if method == "pca":
        pca = PCA(n_components=2).fit(A)
        return pca.transform(A), pca.transform(B)
    pooled = np.concatenate([A, B])
    tsne = TSNE(
        n_components=2,
        perplexity=min(30.0, (len(pooled) - 1) / 3),
        init="pca",
        random_state=int(rng.randint(_MAX_SEED)),
    )
    emb = tsne.fit_transform(pooled)
    return emb[: len(A)], emb[len(A) :]


def _gaussian_kl(A: np.ndarray, B: np.ndarray) -> float:
    """KL(N_A || N_B) between Gaussians fitted to the rows of A and of B."""
    mean_a, mean_b = A.mean(axis=0), B.mean(axis=0)
    ridge = 1e-9 * np.eye(A.shape[1])
    cov_a = np.cov(A, rowvar=False) + ridge
    cov_b = np.cov(B, rowvar=False) + ridge
    inv_b = np.linalg.inv(cov_b)
    diff = mean_b - mean_a
    _, logdet_a = np.linalg.slogdet(cov_a)
    _, logdet_b = np.linalg.slogdet(cov_b)
    k = A.shape[1]
    return float(
        0.5 * (np.trace(inv_b @ cov_a) + diff @ inv_b @ diff - k + logdet_b - logdet_a)
    )


def embedding_kl(
    X_real: ArrayLike,
    X_synth: ArrayLike,
    *,
    method: str = "pca",
    max_samples: int | None = 1000,
    scaling: str | None = "minmax",
    random_state: RandomStateLike = None,
) -> float:
    """KL divergence between Gaussians fitted to the 2-D embeddings of both sets.

    Both sets are embedded in the plane (see :func:`embed_2d`), a Gaussian is
    fitted to each cloud, and the score is ``KL(real || synthetic)``: 0 when the
    clouds share mean and covariance, larger as they part.

    Parameters
    ----------
    X_real, X_synth : array-like of shape (n, n_timesteps) or \
            (n, n_channels, n_timesteps)
        Real and synthetic series.
    method : {"pca", "tsne"}, default="pca"
        The embedding.
    max_samples : int or None, default=1000
        Series drawn from each set at most.
    scaling : {"minmax", None}, default="minmax"
        Per-channel min-max scaling fitted on the real set, or none.
    random_state : int, RandomState instance or None, default=None
        Seed of the subsampling and of t-SNE.

    Returns
    -------
    score : float

    Examples
    --------
    >>> from sk_tsgen.datasets import make_sines
    >>> from sk_tsgen.metrics import embedding_kl
    >>> real = make_sines(500, random_state=0)
    >>> embedding_kl(real, make_sines(500, random_state=1)) < 0.05
    True
    >>> embedding_kl(real, real[:, :, ::-1]) > 1
    True
    """
    A, B = embed_2d(
        X_real,
        X_synth,
        method=method,
        max_samples=max_samples,
        scaling=scaling,
        random_state=random_state,
    )
    return _gaussian_kl(A, B)
