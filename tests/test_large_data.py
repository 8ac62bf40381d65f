"""Training on data larger than memory: a memmap is read a batch at a time."""

import numpy as np
import pytest
from conftest import GENERATOR_FACTORIES
from numpy.testing import assert_allclose, assert_array_equal

from sk_tsgen import _validation
from sk_tsgen._lazy import MappedRows

# DiffusionGenerator fills the gaps of its training series once, before
# training, from a Gaussian fitted to all of them at once
_STREAMED = [
    (name, gaps)
    for name in sorted(GENERATOR_FACTORIES)
    for gaps in (False, True)
    if not (gaps and name == "DiffusionGenerator")
]


def _series(gaps: bool, n_timesteps: int) -> np.ndarray:
    rng = np.random.RandomState(0)
    X = np.cumsum(rng.standard_normal((48, 2, n_timesteps)), axis=-1)
    X = X.astype(np.float32)
    if gaps:
        X[rng.uniform(size=X.shape) < 0.1] = np.nan
    return X


def _never_whole(self, dtype=None, copy=None):
    raise AssertionError("the standardised training set was computed whole")


@pytest.mark.parametrize(("name", "gaps"), _STREAMED)
def test_a_memmap_is_trained_on_a_batch_at_a_time(name, gaps, tmp_path, monkeypatch):
    # ConvVAE's test network halves the length three times
    X = _series(gaps, 32 if name == "ConvVAE" else 12)
    np.save(tmp_path / "windows.npy", X)
    memmap = np.load(tmp_path / "windows.npy", mmap_mode="r")
    monkeypatch.setattr(MappedRows, "__array__", _never_whole)
    make = GENERATOR_FACTORIES[name]
    from_memmap = make(max_epochs=1).fit(memmap)
    from_array = make(max_epochs=1).fit(X)
    assert_array_equal(from_memmap.score_samples(X), from_array.score_samples(X))
    assert np.isfinite(from_memmap.score_samples(X)).all()


def test_the_diffusion_generator_reads_a_gappy_memmap_too(tmp_path):
    X = _series(True, 12)
    np.save(tmp_path / "windows.npy", X)
    memmap = np.load(tmp_path / "windows.npy", mmap_mode="r")
    make = GENERATOR_FACTORIES["DiffusionGenerator"]
    assert_array_equal(
        make(max_epochs=1).fit(memmap).score_samples(X),
        make(max_epochs=1).fit(X).score_samples(X),
    )


@pytest.mark.parametrize("name", ["DenseVAE", "DiffusionGenerator", "TransformerGAN"])
def test_chunked_passes_over_the_training_set_give_the_same_fit(name, monkeypatch):
    X = _series(True, 12)
    make = GENERATOR_FACTORIES[name]
    whole = make(max_epochs=2).fit(X)
    # five series per chunk: the scaler, the checks, the noise scale and the
    # training scores each run over ten chunks
    monkeypatch.setattr(_validation, "CHUNK_VALUES", 5 * 2 * 12)
    chunked = make(max_epochs=2).fit(X)
    assert_allclose(chunked.scaler_.mean_, whole.scaler_.mean_, rtol=1e-6)
    assert_allclose(chunked.offset_, whole.offset_, rtol=1e-4)
    assert_allclose(chunked.score_samples(X), whole.score_samples(X), rtol=1e-4)


def test_mapped_rows_read_only_the_rows_asked_for():
    read = []

    def double(rows):
        read.append(rows.shape)
        return 2 * rows

    rows = MappedRows(np.arange(20.0).reshape(10, 2), double, np.float32)
    part = rows.subset(np.array([7, 1, 3]))
    assert read == [] and part.shape == (3, 2) and len(part) == 3
    assert_array_equal(part[np.array([0, 2])], [[28, 30], [12, 14]])
    assert part[0].dtype == np.float32 and read == [(2, 2), (2,)]
    assert_array_equal(np.asarray(part.subset(slice(1, None))), [[4, 6], [12, 14]])


def test_chunked_moments_of_a_conditional_diffusion_model(monkeypatch):
    X = _series(False, 12)
    y = np.arange(len(X)) % 3  # one-hot, centred: the normal equations are singular
    make = GENERATOR_FACTORIES["DiffusionGenerator"]
    whole = make(max_epochs=1).fit(X, y)
    monkeypatch.setattr(_validation, "CHUNK_VALUES", 5 * 2 * 12)
    chunked = make(max_epochs=1).fit(X, y)
    for name in ("mean", "spread", "condition_gain", "unconditioned_spread"):
        assert_allclose(
            getattr(chunked.net_.module_, name).numpy(),
            getattr(whole.net_.module_, name).numpy(),
            rtol=1e-4,
            atol=1e-6,
        )
    assert_allclose(chunked.score_samples(X, y), whole.score_samples(X, y), rtol=1e-4)
