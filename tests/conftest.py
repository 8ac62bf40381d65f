import os

import pytest
import torch

from sk_tsgen import (
    VAEGAN,
    ConvVAE,
    DenseVAE,
    DiffusionGenerator,
    RecurrentAutoencoder,
    TransformerGAN,
)
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
    "DiffusionGenerator": lambda **kw: DiffusionGenerator(
        **{
            "width": 16,
            "depth": 1,
            "n_heads": 2,
            "n_sampling_steps": 4,
            "n_mc_samples": 4,
            "max_epochs": 10,
            "random_state": 0,
            **kw,
        }
    ),
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


for _name, _factory in GENERATOR_FACTORIES.items():
    _factory.name = _name


@pytest.fixture(params=sorted(GENERATOR_FACTORIES))
def make_generator(request):
    """A factory of the generator under test: ``make_generator(**params)``."""
    return GENERATOR_FACTORIES[request.param]


def size_params(factory, latent_dim: int) -> dict:
    """Parameters that size the generator's network: ``latent_dim`` or, for
    DiffusionGenerator, whose latent code is its noise (one value per value of
    the series), the width of its denoiser (``2 * latent_dim``)."""
    if factory.name == "DiffusionGenerator":
        return {"width": 2 * latent_dim}
    return {"latent_dim": latent_dim}


@pytest.fixture(scope="session")
def sines():
    """Sines training and held-out sets, (n, 3 channels, 16 steps)."""
    return (
        make_sines(300, n_timesteps=16, n_channels=3, random_state=0),
        make_sines(60, n_timesteps=16, n_channels=3, random_state=1),
    )


# The two GANs are the slowest generators to fit (a discriminator step beside
# every generator step): the contract tests that fit them several times, or for
# long, run in the slow layer (pytest -m slow), which CI also runs; their other
# contract tests, and scikit-learn's checks, stay in the fast layer.
_SLOW_GANS = {"TransformerGAN", "VAEGAN"}
_SLOW_FOR_GANS = {
    "test_raw_units_in_raw_units_out",
    "test_same_random_state_same_everything",
    "test_clone_refits_identically",
    "test_dataframe_in_dataframe_out",
    "test_score_is_a_density_in_the_data_units",
    "test_3d_in_3d_out",
    "test_global_random_state_is_left_alone",
}


# modules whose session fixtures fit models for several seconds
_GROUPED_MODULES = {
    "test_anomaly.py",
    "test_conv_vae.py",
    "test_dense_vae.py",
    "test_recurrent_autoencoder.py",
    "test_transformer_gan.py",
}


# tryfirst: the xdist_group marks must be in place before pytest-xdist reads them
@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    for item in items:
        params = getattr(getattr(item, "callspec", None), "params", {})
        # one worker runs a generator's contract tests, so the fits they share
        # (default_fit, fitted) are made once
        if item.path.name == "test_contract.py" and "make_generator" in params:
            item.add_marker(pytest.mark.xdist_group(params["make_generator"]))
        # and one worker runs each module whose fitted fixtures are costly
        if item.path.name in _GROUPED_MODULES:
            item.add_marker(pytest.mark.xdist_group(item.path.stem))
        if (
            item.path.name == "test_contract.py"
            and params.get("make_generator") in _SLOW_GANS
            and item.originalname in _SLOW_FOR_GANS
        ):
            item.add_marker(pytest.mark.slow)
