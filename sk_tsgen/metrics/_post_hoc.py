"""TimeGAN's post-hoc metrics: a GRU judge and a GRU forecaster.

Both train a small recurrent network on the fly, so both take a
``random_state`` and give the same number for the same seed.
"""

from __future__ import annotations

from numbers import Integral

import numpy as np
import torch
from numpy.typing import ArrayLike
from sklearn.base import ClassifierMixin, clone, is_classifier
from sklearn.metrics import balanced_accuracy_score
from sklearn.utils import check_random_state
from torch import nn

from .._validation import RandomStateLike
from ..base import _MAX_SEED, resolve_device, seeded_torch
from ._inputs import check_real_synth, scale_pair

_EVAL_BATCH = 4096


class _GRURegressor(nn.Module):
    """A one-layer GRU read out by a linear layer, at every step or at the end."""

    def __init__(self, n_inputs: int, hidden_size: int, per_step: bool):
        super().__init__()
        self.gru = nn.GRU(n_inputs, hidden_size, batch_first=True)
        self.head = nn.Linear(hidden_size, 1)
        self.per_step = per_step

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out, last = self.gru(x)
        if self.per_step:
            return self.head(out).squeeze(-1)
        return self.head(last[-1]).squeeze(-1)


def _check_positive_int(value, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, Integral) or value < 1:
        raise ValueError(f"{name} must be a positive int, got {value!r}.")
    return int(value)


def _protocol_hidden_size(hidden_size, n_channels: int) -> int:
    # TimeGAN uses int(channels / 2), which is 0 for univariate data.
    if hidden_size is None:
        return max(1, n_channels // 2)
    return _check_positive_int(hidden_size, "hidden_size")


def _predict(model: nn.Module, x: np.ndarray, device) -> np.ndarray:
    model.eval()
    outs = []
    with torch.inference_mode():
        for start in range(0, x.shape[0], _EVAL_BATCH):
            batch = torch.as_tensor(x[start : start + _EVAL_BATCH], device=device)
            outs.append(model(batch).cpu().numpy())
    return np.concatenate(outs)


def _split(arr: np.ndarray, train_fraction: float, rng):
    order = rng.permutation(arr.shape[0])
    n_train = min(max(1, round(train_fraction * arr.shape[0])), arr.shape[0] - 1)
    return arr[order[:n_train]], arr[order[n_train:]]


def _classifier_judge(classifier, real, synth, train_fraction, rng) -> float:
    """The discriminative score with a scikit-learn classifier on flat windows."""
    if not is_classifier(classifier):
        raise TypeError(
            f"classifier must be a scikit-learn classifier, got {classifier!r}."
        )
    judge = clone(classifier)
    if "random_state" in judge.get_params() and judge.random_state is None:
        judge.set_params(random_state=int(rng.randint(_MAX_SEED)))
    (real_train, real_test), (synth_train, synth_test) = (
        _split(arr.reshape(len(arr), -1), train_fraction, rng) for arr in (real, synth)
    )
    judge.fit(
        np.concatenate([real_train, synth_train]),
        np.r_[np.ones(len(real_train)), np.zeros(len(synth_train))],
    )
    y_test = np.r_[np.ones(len(real_test)), np.zeros(len(synth_test))]
    predicted = judge.predict(np.concatenate([real_test, synth_test]))
    return float(abs(balanced_accuracy_score(y_test, predicted) - 0.5))


def discriminative_score(
    X_real: ArrayLike,
    X_synth: ArrayLike,
    *,
    hidden_size: int | None = None,
    classifier: ClassifierMixin | None = None,
    n_iterations: int = 2000,
    batch_size: int = 128,
    train_fraction: float = 0.8,
    scaling: str | None = "minmax",
    device: str = "cpu",
    random_state: RandomStateLike = None,
) -> float:
    """How well a post-hoc classifier tells synthetic from real series.

    TimeGAN's protocol: each set is split 80/20, a one-layer GRU classifier is
    trained on the training parts (``n_iterations`` Adam steps, each on
    ``batch_size`` real and ``batch_size`` synthetic series), and the score is
    ``|accuracy - 0.5|`` on the held-out parts. 0 means the judge could not tell
    the sets apart; 0.5 means it always could.

    Differences from the reference code, each fixing a defect: every set is split
    with its own indices (the reference reused the real set's lengths for the
    synthetic set); the hidden size is ``max(1, n_channels // 2)`` (the
    reference's ``int(n_channels / 2)`` is 0 for univariate series); accuracy is
    balanced over the two classes, so sets of different sizes are judged fairly.
    With ``scaling="minmax"`` both sets are first scaled per channel to the real
    set's [0, 1] range, as TimeGAN's loader does for real data.

    Parameters
    ----------
    X_real, X_synth : array-like of shape (n, n_timesteps) or \
            (n, n_channels, n_timesteps)
        Real and synthetic series, at least 5 of each.
    hidden_size : int or None, default=None
        Hidden units of the GRU judge. None is the protocol's
        ``n_channels // 2`` (at least 1), a weak judge.
    classifier : scikit-learn classifier or None, default=None
        Another judge instead of the GRU: a clone of it is fitted on the
        flattened series of the same split (its ``random_state``, when it has one
        and it is None, is seeded from ``random_state``). A judge that sees every
        value of the window, such as
        :class:`~sklearn.ensemble.HistGradientBoostingClassifier`, catches
        samples that fall outside the data's support, which a small GRU misses.
    n_iterations : int, default=2000
        Training steps of the GRU judge.
    batch_size : int, default=128
        Series of each set per step of the GRU judge.
    train_fraction : float, default=0.8
        Share of each set the judge trains on.
    scaling : {"minmax", None}, default="minmax"
        Per-channel min-max scaling fitted on the real set, or none.
    device : str, default="cpu"
        Torch device of the judge.
    random_state : int, RandomState instance or None, default=None
        Seed of the split, the initialisation and the batches.

    Returns
    -------
    score : float
        ``|balanced accuracy - 0.5|``, in [0, 0.5].

    Examples
    --------
    >>> from sk_tsgen.datasets import make_sines
    >>> from sk_tsgen.metrics import discriminative_score
    >>> real = make_sines(200, n_channels=2, random_state=0)
    >>> backwards = real[:, :, ::-1]
    >>> discriminative_score(
    ...     real, backwards, hidden_size=16, n_iterations=200, random_state=0
    ... )
    0.5
    """
    real, synth = check_real_synth(X_real, X_synth, min_series=5)
    if not 0.0 < train_fraction < 1.0:
        raise ValueError(f"train_fraction must be in (0, 1), got {train_fraction!r}.")
    if classifier is not None and hidden_size is not None:
        raise ValueError("Give either hidden_size (a GRU judge) or classifier.")
    hidden = _protocol_hidden_size(hidden_size, real.shape[1])
    n_iterations = _check_positive_int(n_iterations, "n_iterations")
    batch_size = _check_positive_int(batch_size, "batch_size")
    device = resolve_device(device)
    rng = check_random_state(random_state)

    real, synth = scale_pair(real, synth, scaling)
    if classifier is not None:
        return _classifier_judge(classifier, real, synth, train_fraction, rng)
    # (n, channels, steps) -> (n, steps, channels), the GRU's batch_first layout
    real = np.ascontiguousarray(real.transpose(0, 2, 1), dtype=np.float32)
    synth = np.ascontiguousarray(synth.transpose(0, 2, 1), dtype=np.float32)
    real_train, real_test = _split(real, train_fraction, rng)
    synth_train, synth_test = _split(synth, train_fraction, rng)

    with seeded_torch(int(rng.randint(_MAX_SEED)), device):
        model = _GRURegressor(real.shape[2], hidden, per_step=False).to(device)
        optimizer = torch.optim.Adam(model.parameters())
        loss_fn = nn.BCEWithLogitsLoss()
        target = torch.cat(
            [
                torch.ones(min(batch_size, real_train.shape[0])),
                torch.zeros(min(batch_size, synth_train.shape[0])),
            ]
        ).to(device)
        model.train()
        for _ in range(n_iterations):
            idx_r = rng.permutation(real_train.shape[0])[:batch_size]
            idx_s = rng.permutation(synth_train.shape[0])[:batch_size]
            batch = torch.as_tensor(
                np.concatenate([real_train[idx_r], synth_train[idx_s]]), device=device
            )
            optimizer.zero_grad()
            loss = loss_fn(model(batch), target)
            loss.backward()
            optimizer.step()
        real_hit = np.mean(_predict(model, real_test, device) > 0)
        synth_hit = np.mean(_predict(model, synth_test, device) <= 0)
    return float(abs((real_hit + synth_hit) / 2 - 0.5))


def predictive_score(
    X_real: ArrayLike,
    X_synth: ArrayLike,
    *,
    hidden_size: int | None = None,
    n_iterations: int = 5000,
    batch_size: int = 128,
    scaling: str | None = "minmax",
    device: str = "cpu",
    random_state: RandomStateLike = None,
) -> float:
    """Train on synthetic, test on real: the mean absolute error of a forecaster.

    TimeGAN's protocol: a one-layer GRU with a sigmoid read-out is trained on the
    synthetic set to predict, at every step ``t``, the last channel at step
    ``t + 1`` from the other channels up to step ``t``; the score is its mean
    absolute error on the whole real set. Lower is better; compare it with the
    same score of a model trained on real data.

    Univariate series have no other channel to predict from (the reference code
    feeds the forecaster zero inputs); here the forecaster then reads the series'
    own past, a one-step-ahead forecast. The read-out is a sigmoid, so the
    targets must lie in [0, 1]: with ``scaling="minmax"`` (the default) both sets
    are scaled per channel to the real set's [0, 1] range and the error is in
    units of that range; with ``scaling=None`` the data must already lie in
    [0, 1] (TimeGAN's Sines do, and its published figures are in their units).

    Parameters
    ----------
    X_real, X_synth : array-like of shape (n, n_timesteps) or \
            (n, n_channels, n_timesteps)
        Real and synthetic series with at least 2 timesteps.
    hidden_size : int or None, default=None
        Hidden units; None is the protocol's ``n_channels // 2`` (at least 1).
    n_iterations : int, default=5000
        Training steps.
    batch_size : int, default=128
        Synthetic series per step.
    scaling : {"minmax", None}, default="minmax"
        Per-channel min-max scaling fitted on the real set, or none.
    device : str, default="cpu"
        Torch device of the forecaster.
    random_state : int, RandomState instance or None, default=None
        Seed of the initialisation and the batches.

    Returns
    -------
    score : float
        Mean absolute error on the real set.

    Examples
    --------
    >>> from sk_tsgen.datasets import make_sines
    >>> from sk_tsgen.metrics import predictive_score
    >>> real = make_sines(200, n_channels=3, random_state=0)
    >>> synth = make_sines(200, n_channels=3, random_state=1)
    >>> predictive_score(real, synth, n_iterations=300, random_state=0) < 0.3
    True
    """
    real, synth = check_real_synth(X_real, X_synth, min_series=1, min_timesteps=2)
    hidden = _protocol_hidden_size(hidden_size, real.shape[1])
    n_iterations = _check_positive_int(n_iterations, "n_iterations")
    batch_size = _check_positive_int(batch_size, "batch_size")
    device = resolve_device(device)
    rng = check_random_state(random_state)

    real, synth = scale_pair(real, synth, scaling)

    def inputs_targets(arr):
        inputs = arr[:, :-1, :-1] if arr.shape[1] > 1 else arr[:, :, :-1]
        x = np.ascontiguousarray(inputs.transpose(0, 2, 1), dtype=np.float32)
        y = np.ascontiguousarray(arr[:, -1, 1:], dtype=np.float32)
        return x, y

    x_synth, y_synth = inputs_targets(synth)
    x_real, y_real = inputs_targets(real)
    with seeded_torch(int(rng.randint(_MAX_SEED)), device):
        model = _GRURegressor(x_synth.shape[2], hidden, per_step=True).to(device)
        optimizer = torch.optim.Adam(model.parameters())
        model.train()
        for _ in range(n_iterations):
            idx = rng.permutation(x_synth.shape[0])[:batch_size]
            xb = torch.as_tensor(x_synth[idx], device=device)
            yb = torch.as_tensor(y_synth[idx], device=device)
            optimizer.zero_grad()
            loss = torch.mean(torch.abs(torch.sigmoid(model(xb)) - yb))
            loss.backward()
            optimizer.step()
        logits = _predict(model, x_real, device)
    prediction = 1.0 / (1.0 + np.exp(-logits.astype(np.float64)))
    return float(np.mean(np.abs(prediction - y_real)))
