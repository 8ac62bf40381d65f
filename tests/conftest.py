import os

import pytest
import torch
from threadpoolctl import threadpool_limits

from sk_tsgen import (
    VAEGAN,
    ConvVAE,
    DenseVAE,
    DiffusionGenerator,
    RecurrentAutoencoder,
    TransformerGAN,
)
from sk_tsgen.datasets import make_sines

# Under pytest-xdist each worker takes one core: two workers with two threads
# each, in torch or in numpy's BLAS (scipy's and scikit-learn's linear algebra,
# the Gaussian mixtures), would fight over the two cores of a small machine.
if os.environ.get("PYTEST_XDIST_WORKER"):
    torch.set_num_threads(1)
    _BLAS_LIMITS = threadpool_limits(limits=1)

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


# Fits shared by the tests that only read them: one per worker and generator
# (a generator's contract and fault tests run on one worker, see below).
_SHARED_FITS: dict = {}


def _shared_fit(make_generator, sines, **params):
    key = (make_generator.name, tuple(sorted(params.items())))
    if key not in _SHARED_FITS:
        _SHARED_FITS[key] = make_generator(**params).fit(sines[0])
    return _SHARED_FITS[key]


@pytest.fixture
def default_fit(make_generator, sines):
    """``make_generator().fit(sines[0])``, shared by the tests that only read it."""
    return _shared_fit(make_generator, sines)


@pytest.fixture
def two_epoch_fit(make_generator, sines):
    """``make_generator(max_epochs=2).fit(sines[0])``, shared by the tests that
    only read it."""
    return _shared_fit(make_generator, sines, max_epochs=2)


@pytest.fixture(scope="session")
def sines():
    """Sines training and held-out sets, (n, 3 channels, 16 steps): enough for
    the tests of layouts, state and errors."""
    return (
        make_sines(160, n_timesteps=16, n_channels=3, random_state=0),
        make_sines(60, n_timesteps=16, n_channels=3, random_state=1),
    )


@pytest.fixture(scope="session")
def learning_sines():
    """300 training sines (3 channels, 16 steps), for the tests that assert
    what a generator learns in a few epochs."""
    return make_sines(300, n_timesteps=16, n_channels=3, random_state=0)


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


# TransformerGAN, the slowest of all, keeps in the fast layer only the contract
# tests that read its one shared default fit, and its own tests that need no
# conditional model trained for 40 epochs.
#
# Fault tests of behaviour that lives in the base alone (reading sktime's panel
# formats) run in the fast layer on the two fastest generators, and on every
# generator in the slow layer.
_BASE_ONLY_FAULTS = {"test_sktime_panel_formats_are_read_as_series"}
_FAST_BASE_GENERATORS = {"DenseVAE", "RecurrentAutoencoder"}

# modules whose tests are run per generator (make_generator)
_PER_GENERATOR_MODULES = {"test_contract.py", "test_faults.py", "test_impute.py"}

# modules whose session fixtures fit models for several seconds
_GROUPED_MODULES = {
    "test_anomaly.py",
    "test_conditional.py",
    "test_conv_vae.py",
    "test_dense_vae.py",
    "test_imputer.py",
    "test_missing.py",
    "test_recurrent_autoencoder.py",
    "test_transformer_gan.py",
}


# tryfirst: the xdist_group marks must be in place before pytest-xdist reads them
@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    for item in items:
        params = getattr(getattr(item, "callspec", None), "params", {})
        # one worker runs a generator's contract and fault tests, so the fits
        # they share (default_fit, two_epoch_fit) are made once
        if item.path.name in _PER_GENERATOR_MODULES and "make_generator" in params:
            item.add_marker(pytest.mark.xdist_group(params["make_generator"]))
        # and one worker runs each module whose fitted fixtures are costly
        if item.path.name in _GROUPED_MODULES:
            item.add_marker(pytest.mark.xdist_group(item.path.stem))
        if _in_slow_layer(item, params.get("make_generator")):
            item.add_marker(pytest.mark.slow)


def _in_slow_layer(item, generator) -> bool:
    """Whether a test joins the slow layer by the rules above."""
    name = getattr(item, "originalname", item.name)
    fixtures = getattr(item, "fixturenames", ())
    if item.path.name == "test_contract.py" and generator in _SLOW_GANS:
        return name in _SLOW_FOR_GANS or (
            generator == "TransformerGAN" and "default_fit" not in fixtures
        )
    if item.path.name == "test_faults.py" and generator is not None:
        return name in _BASE_ONLY_FAULTS and generator not in _FAST_BASE_GENERATORS
    if item.path.name == "test_transformer_gan.py":
        return "conditional" in fixtures
    return False
