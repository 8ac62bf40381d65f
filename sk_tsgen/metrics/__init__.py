"""Fidelity metrics: how close a synthetic set of series is to a real one.

Every metric takes a real and a synthetic set, each a 2-D array
``(n_series, n_timesteps)`` of univariate series or a 3-D array
``(n_series, n_channels, n_timesteps)``, and returns a float that is lower for
better synthetic data, except :func:`sample_diversity`, a ratio that is 1 when
the synthetic set is as varied as the real one. :func:`make_fidelity_scorer`
turns any of the others into a scorer for model selection.
"""

from ._context_fid import context_fid, frechet_distance
from ._embedding import embed_2d, embedding_kl
from ._post_hoc import discriminative_score, predictive_score
from ._scorers import FIDELITY_METRICS, FidelityScorer, make_fidelity_scorer
from ._statistics import (
    autocorrelation_difference,
    correlational_score,
    marginal_distance,
    mmd,
    sample_diversity,
)

__all__ = [
    "FIDELITY_METRICS",
    "FidelityScorer",
    "autocorrelation_difference",
    "context_fid",
    "correlational_score",
    "discriminative_score",
    "embed_2d",
    "embedding_kl",
    "frechet_distance",
    "make_fidelity_scorer",
    "marginal_distance",
    "mmd",
    "predictive_score",
    "sample_diversity",
]
