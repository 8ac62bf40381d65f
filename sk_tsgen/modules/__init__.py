"""Pure torch building blocks: encoders, decoders and generative modules.

Nothing here knows about scikit-learn; estimators assemble these modules and
train them through a skorch net.
"""

from .adversarial import AdversarialVAE, GaussianHead, SeriesDiscriminator
from .conv import ConvDecoder, ConvEncoder
from .dense import MLPDecoder, MLPEncoder
from .recurrent import RecurrentDecoder, RecurrentEncoder, SequenceAutoencoder
from .seasonal import ConvGaussianVAE, SeasonalPrior
from .transformer import (
    ConditionalGAN,
    PatchDiscriminator,
    PatchTransformer,
    TransformerGenerator,
)
from .vae import GaussianVAE

__all__ = [
    "AdversarialVAE",
    "ConditionalGAN",
    "ConvDecoder",
    "ConvEncoder",
    "ConvGaussianVAE",
    "GaussianHead",
    "GaussianVAE",
    "MLPDecoder",
    "MLPEncoder",
    "PatchDiscriminator",
    "PatchTransformer",
    "RecurrentDecoder",
    "RecurrentEncoder",
    "SeasonalPrior",
    "SeriesDiscriminator",
    "SequenceAutoencoder",
    "TransformerGenerator",
]
