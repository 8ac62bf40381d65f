"""Private skorch nets and data iterators that estimators train through."""

from __future__ import annotations

import math

import torch
from skorch import NeuralNet
from torch import nn


class BatchSlicer:
    """Mini-batches of a tensor dataset by slicing, with no per-item collation.

    torch's ``DataLoader`` fetches and stacks every series of a batch one at a
    time; for whole series already held in one tensor, a single permutation per
    epoch followed by contiguous slices gives the same batches at a fraction of
    the cost.

    Parameters
    ----------
    dataset : skorch.dataset.Dataset
        Dataset whose ``X`` is a tensor of shape ``(n, ...)``, or a dict of such
        tensors (the series and their per-series context), sliced together.
    batch_size : int
    shuffle : bool
        Whether to draw a new order of the series for every pass.
    generator : torch.Generator or None
        Source of the shuffling order, so that it is reproducible without
        touching the global torch random state.
    """

    def __init__(self, dataset, batch_size: int, shuffle: bool = False, generator=None):
        self.X = dataset.X
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.generator = generator

    def _n_rows(self) -> int:
        return len(self.X["x"] if isinstance(self.X, dict) else self.X)

    def __len__(self) -> int:
        return math.ceil(self._n_rows() / self.batch_size)

    def __iter__(self):
        X = self.X
        if self.shuffle:
            order = torch.randperm(self._n_rows(), generator=self.generator)
            X = _rows(X, order)
        for start in range(0, self._n_rows(), self.batch_size):
            yield _rows(X, slice(start, start + self.batch_size)), None


def _rows(X, index):
    """Rows ``index`` of a tensor, or of every tensor in a dict."""
    if isinstance(X, dict):
        return {key: _rows(value, index) for key, value in X.items()}
    if isinstance(index, torch.Tensor):
        index = index.to(X.device)
    return X[index]


class NegativeELBO(nn.Module):
    """Training loss of a VAE: ``-(log p(x|z) - beta * KL)`` per value, batch mean.

    Dividing by the number of values per series keeps the loss on the same scale
    whatever the length and number of channels of the series.
    """

    def __init__(self, beta: float = 1.0):
        super().__init__()
        self.beta = beta

    def forward(self, terms: dict[str, torch.Tensor], X) -> torch.Tensor:
        x = X["x"] if isinstance(X, dict) else X
        n_values = x[0].numel()
        return -(terms["log_likelihood"] - self.beta * terms["kl"]).mean() / n_values


class MeanSquaredError(nn.Module):
    """Training loss of an autoencoder: squared error per value, batch mean."""

    def forward(self, terms: dict[str, torch.Tensor], X) -> torch.Tensor:
        x = X["x"] if isinstance(X, dict) else X
        return terms["squared_error"].mean() / x[0].numel()


class FastModeNet(NeuralNet):
    """skorch net that switches train/eval mode only when the mode changes.

    skorch sets the mode before every batch by walking the whole module tree;
    for a small network that walk costs a noticeable share of a training step.
    The modules' top-level flags tell whether anything needs to change.
    """

    def _set_training(self, training=True):
        for name in self._modules + self._criteria:
            module = getattr(self, name + "_")
            if isinstance(module, nn.Module) and module.training != training:
                module.train(training)


class LossTermsNet(FastModeNet):
    """skorch net for unsupervised modules whose forward returns loss terms.

    The criterion receives the module's dict of per-series terms and the
    batch, and turns them into the loss: :class:`NegativeELBO` for a VAE,
    :class:`MeanSquaredError` for an autoencoder.
    """

    def get_loss(self, y_pred, y_true, X=None, training=False):
        return self.criterion_(y_pred, X)
