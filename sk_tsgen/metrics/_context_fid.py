"""Context-FID: the Fréchet distance between contrastive embeddings of two sets."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike
from scipy import linalg
from sklearn.utils import check_random_state

from .._validation import RandomStateLike
from ..base import _MAX_SEED, resolve_device, seeded_torch
from ._inputs import check_real_synth, scale_pair
from ._post_hoc import _check_positive_int
from ._ts2vec import embed_series, fit_ts2vec


def frechet_distance(A: np.ndarray, B: np.ndarray) -> float:
    """Fréchet distance between Gaussians fitted to the rows of ``A`` and ``B``.

    ``|mean_A - mean_B|^2 + tr(C_A + C_B - 2 (C_A C_B)^{1/2})``.

    Examples
    --------
    >>> import numpy as np
    >>> from sk_tsgen.metrics import frechet_distance
    >>> A = np.random.RandomState(0).normal(size=(2000, 3))
    >>> round(frechet_distance(A, A + 1.0), 2)
    3.0
    """
    A = np.asarray(A, dtype=np.float64)
    B = np.asarray(B, dtype=np.float64)
    diff = A.mean(axis=0) - B.mean(axis=0)
    cov_a = np.atleast_2d(np.cov(A, rowvar=False))
    cov_b = np.atleast_2d(np.cov(B, rowvar=False))
    root = linalg.sqrtm(cov_a @ cov_b)
    if not np.all(np.isfinite(root)):  # nearly singular product: regularise
        eps = 1e-6 * np.eye(cov_a.shape[0])
        root = linalg.sqrtm((cov_a + eps) @ (cov_b + eps))
    value = diff @ diff + np.trace(cov_a) + np.trace(cov_b) - 2 * np.trace(root.real)
    return float(max(value, 0.0))


def context_fid(
    X_real: ArrayLike,
    X_synth: ArrayLike,
    *,
    n_iterations: int | None = None,
    batch_size: int = 8,
    lr: float = 1e-3,
    scaling: str | None = "minmax",
    device: str = "cpu",
    random_state: RandomStateLike = None,
) -> float:
    """Fréchet distance between TS2Vec embeddings of the real and synthetic sets.

    As in Diffusion-TS: a TS2Vec encoder (dilated convolutions, 320-wide
    representations, trained by hierarchical contrastive learning) is fitted on
    the real set alone; every series of both sets is embedded by max-pooling its
    representation over time; the score is the Fréchet distance between
    Gaussians fitted to the two clouds of embeddings. 0 means matching first and
    second moments; lower is better. Like every FID it is biased upwards for
    small sets, so compare scores of sets of the same size.

    Parameters
    ----------
    X_real, X_synth : array-like of shape (n, n_timesteps) or \
            (n, n_channels, n_timesteps)
        Real and synthetic series.
    n_iterations : int or None, default=None
        Training steps of the encoder; None is TS2Vec's default, 200 for data of
        at most 100,000 values and 600 for more.
    batch_size : int, default=8
        Series per training step.
    lr : float, default=1e-3
        Learning rate (AdamW).
    scaling : {"minmax", None}, default="minmax"
        Per-channel min-max scaling fitted on the real set, or none.
    device : str, default="cpu"
        Torch device of the encoder.
    random_state : int, RandomState instance or None, default=None
        Seed of the encoder's training.

    Returns
    -------
    score : float

    Examples
    --------
    >>> from sk_tsgen.datasets import make_sines
    >>> from sk_tsgen.metrics import context_fid
    >>> real = make_sines(200, n_channels=2, random_state=0)
    >>> same = make_sines(200, n_channels=2, random_state=1)
    >>> noisy = same + 0.2 * np.random.RandomState(0).normal(size=same.shape)
    >>> fid_same = context_fid(real, same, n_iterations=20, random_state=0)
    >>> fid_noisy = context_fid(real, noisy, n_iterations=20, random_state=0)
    >>> bool(fid_same < fid_noisy)
    True
    """
    real, synth = check_real_synth(X_real, X_synth, min_series=2)
    if n_iterations is not None:
        n_iterations = _check_positive_int(n_iterations, "n_iterations")
    batch_size = _check_positive_int(batch_size, "batch_size")
    if not lr > 0:
        raise ValueError(f"lr must be positive, got {lr!r}.")
    device = resolve_device(device)
    rng = check_random_state(random_state)
    real, synth = scale_pair(real, synth, scaling)
    real = np.ascontiguousarray(real.transpose(0, 2, 1))
    synth = np.ascontiguousarray(synth.transpose(0, 2, 1))
    with seeded_torch(int(rng.randint(_MAX_SEED)), device):
        encoder = fit_ts2vec(
            real,
            n_iterations=n_iterations,
            batch_size=batch_size,
            lr=lr,
            device=device,
            rng=rng,
        )
        emb_real = embed_series(encoder, real, device)
        emb_synth = embed_series(encoder, synth, device)
    return frechet_distance(emb_real, emb_synth)
