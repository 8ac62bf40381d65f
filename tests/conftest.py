import os

import pytest
import torch

from sk_tsgen import VAEGAN, ConvVAE, DenseVAE, RecurrentAutoencoder, TransformerGAN
from sk_tsgen.datasets import make_sines

# Under pytest-xdist each worker takes one core: two workers with two torch
# threads each would fight over the two cores of a small machine.
if os.environ.get("PYTEST_XDIST_WORKER"):
    torch.set_num_threads(1)

# Every public generator, with a training budget that keeps tests fast.
# New generators join this list and inherit every contract test.
GENERATOR_FACTORIES = {
    # strides of 2 * 2 * 2: the 16-step test series make 2 latent steps
    "ConvVAE": lambda **kw: ConvVAE(
        **{
            "latent_dim": 4,
            "filters": (32, 32),
            "lr": 3e-3,
            "batch_size": 32,
            "kernel_sizes": (3, 3, 3),
            "strides": (2, 2, 2),
            "max_epochs": 10,
            "random_state": 0,
            **kw,
        }
    ),
    "DenseVAE": lambda **kw: DenseVAE(**{"max_epochs": 10, "random_state": 0, **kw}),
    "RecurrentAutoencoder": lambda **kw: RecurrentAutoencoder(
        **{"hidden_size": 32, "max_epochs": 10, "random_state": 0, **kw}
    ),
    "TransformerGAN": lambda **kw: TransformerGAN(
        **{
            "embed_dim": 16,
            "depth": 1,
            "n_heads": 2,
            "batch_size": 32,
            "max_epochs": 10,
            "random_state": 0,
            **kw,
        }
    ),
    "VAEGAN": lambda **kw: VAEGAN(
        **{"hidden_size": 32, "max_epochs": 10, "random_state": 0, **kw}
    ),
}


@pytest.fixture(params=sorted(GENERATOR_FACTORIES))
def make_generator(request):
    """A factory of the generator under test: ``make_generator(**params)``."""
    return GENERATOR_FACTORIES[request.param]


@pytest.fixture(scope="session")
def sines():
    """Sines training and held-out sets, (n, 3 channels, 16 steps)."""
    return (
        make_sines(300, n_timesteps=16, n_channels=3, random_state=0),
        make_sines(60, n_timesteps=16, n_channels=3, random_state=1),
    )
