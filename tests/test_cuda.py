"""Every generator on a CUDA GPU: fit, sample and score, reproducibility under
``random_state``, ``device="auto"``, and a model saved on the GPU loaded on
the CPU. Skipped on machines without CUDA (``benchmarks/gpu.py`` prints the
same checks with timings)."""

import numpy as np
import pytest
import torch
from conftest import GENERATOR_FACTORIES
from numpy.testing import assert_allclose, assert_array_equal

from sk_tsgen import load, save
from sk_tsgen.datasets import make_sines

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA GPU"),
]


@pytest.fixture(scope="module")
def series():
    return make_sines(200, n_timesteps=32, n_channels=3, random_state=0)


@pytest.mark.parametrize("name", sorted(GENERATOR_FACTORIES))
def test_fit_sample_score_on_cuda(name, series, tmp_path):
    make = GENERATOR_FACTORIES[name]
    first = make(device="cuda", max_epochs=3).fit(series)
    assert first.net_.device == "cuda"
    assert next(first.net_.module_.parameters()).is_cuda
    again = make(device="cuda", max_epochs=3).fit(series)
    drawn = first.sample(20, random_state=0)
    assert drawn.shape == (20, 3, 32) and np.isfinite(drawn).all()
    # the same seed, the same model, on the GPU too: to rounding, since some
    # of cuDNN's backward passes (the LSTMs') add in no fixed order
    assert_allclose(again.sample(20, random_state=0), drawn, rtol=1e-2, atol=1e-2)
    scores = first.score_samples(series)
    assert_allclose(again.score_samples(series), scores, rtol=1e-2)
    # one fitted model gives the same samples from the same seed, exactly
    assert_array_equal(first.sample(20, random_state=0), drawn)
    auto = make(device="auto", max_epochs=3).fit(series)
    assert str(auto.net_.device).startswith("cuda")
    save(first, tmp_path / "gpu.npz")
    on_cpu = load(tmp_path / "gpu.npz", device="cpu")
    assert str(on_cpu.net_.device) == "cpu"
    # another device's kernels (cuDNN convolutions round through TF32): the
    # same scores and samples to a percent
    assert_allclose(on_cpu.score_samples(series), scores, rtol=1e-2)
    assert_allclose(on_cpu.sample(20, random_state=0), drawn, rtol=1e-2, atol=1e-2)
