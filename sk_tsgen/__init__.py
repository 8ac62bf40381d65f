"""Deep generative models for time series as scikit-learn estimators."""

from ._nets import TrainingDivergedError
from .conv_vae import ConvVAE
from .dense_vae import DenseVAE
from .diffusion import DiffusionGenerator
from .impute import GenerativeImputer
from .persistence import load, save
from .recurrent_autoencoder import RecurrentAutoencoder
from .transformer_gan import TransformerGAN
from .vaegan import VAEGAN

__version__ = "0.1.0.dev0"

__all__ = [
    "ConvVAE",
    "DenseVAE",
    "DiffusionGenerator",
    "GenerativeImputer",
    "RecurrentAutoencoder",
    "TrainingDivergedError",
    "TransformerGAN",
    "VAEGAN",
    "__version__",
    "load",
    "save",
]
