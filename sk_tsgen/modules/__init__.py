"""Pure torch building blocks: encoders, decoders and generative modules.

Nothing here knows about scikit-learn; estimators assemble these modules and
train them through a skorch net.
"""

from .dense import MLPDecoder, MLPEncoder
from .vae import GaussianVAE

__all__ = ["GaussianVAE", "MLPDecoder", "MLPEncoder"]
