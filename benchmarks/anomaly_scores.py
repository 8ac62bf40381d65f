"""What moves DenseVAE's one-class ROC-AUC: the form of the score, or the fit.

The one-class UCR tasks of ``benchmarks/anomaly.py`` (same splits, same
standardisation), scored by one fitted ``DenseVAE`` in several ways, next to
refits with other settings and PyOD's autoencoder with more epochs:

* ``ELBO``: ``score_samples``, the evidence lower bound with 16 fixed draws;
* ``IWAE``: the importance-weighted bound with 64 draws (Burda et al., 2016),
  a tighter estimate of ``log p(x)``;
* ``IWAE, code mixture``: the same with the Gaussian mixture fitted to the
  training codes as the prior, so a series whose code falls between the
  training codes scores low;
* ``reconstruction``: the ELBO's likelihood term alone (no KL term);
* ``code density``: the mixture's log-density of the series' code alone;
* ``noise per step``: the likelihood with a noise scale per channel *and*
  time step, fitted to the training residuals, minus the KL term;
* refits: 400 epochs; ``latent_dim`` 4 and 16; ``batch_size`` 16 (four times
  the gradient steps of the default 64 on these small classes); hidden layers
  of 256 and of 256-64; ``beta`` 0.5, 2 and 4 (the weight of the KL term in
  training; scores stay the ELBO); five DenseVAEs from five seeds, their ELBOs
  averaged (a deep ensemble); a ``ConvVAE`` whose strides span the series, so
  that one or two latent steps code a whole series (the benchmark's ConvVAE
  keeps 2 to 9); PyOD ``AutoEncoder`` at 50 and 200 epochs.

Usage::

    python benchmarks/anomaly_scores.py [--seed 0] [--panels gunpoint osuleaf]
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import torch
from scipy.special import logsumexp
from sklearn.metrics import roc_auc_score

sys.path.insert(0, str(Path(__file__).resolve().parent))
from anomaly import (  # noqa: E402
    UCR_PANELS,
    conv_vae,
    flat,
    one_class_tasks,
    pyod_autoencoder,
)
from sklearn.base import BaseEstimator, clone  # noqa: E402

from sk_tsgen import DenseVAE  # noqa: E402

_LOG_2PI = math.log(2.0 * math.pi)


def draws(model, X, n_draws):
    """Squared residuals ``(draws, n, C, T)``, codes and log-densities of a VAE."""
    module = model.net_.module_.eval()
    with torch.inference_mode():
        x = torch.as_tensor(model._scale(X))
        mean, log_var = module.encode(x)
        eps = torch.randn(
            n_draws, *mean.shape[1:], generator=torch.Generator().manual_seed(0)
        )
        z = mean[None] + torch.exp(0.5 * log_var)[None] * eps[:, None]
        x_mean = module.decode(z.flatten(0, 1))[..., : x.shape[-1]]
        x_mean = x_mean.reshape(n_draws, *x.shape)
        log_lik = module.log_likelihood(x, x_mean)
        log_q = (-0.5 * eps**2 - 0.5 * _LOG_2PI).sum(-1)[:, None] - 0.5 * log_var.sum(
            -1
        )[None]
        log_prior = (-0.5 * z**2 - 0.5 * _LOG_2PI).sum(-1)
        kl = module.kl_divergence(mean, log_var)
    mixture = model.latent_density_
    log_mixture = mixture.score_samples(z.flatten(0, 1).double().numpy())
    return {
        "residual2": ((x[None] - x_mean) ** 2).numpy(),
        "log_lik": log_lik.double().numpy(),
        "log_q": log_q.double().numpy(),
        "log_prior": log_prior.double().numpy(),
        "log_mixture": log_mixture.reshape(n_draws, -1),
        "kl": kl.double().numpy(),
        "code_density": mixture.score_samples(mean.double().numpy()),
    }


def log_mean_exp(a):
    return logsumexp(a, axis=0) - np.log(len(a))


def score_forms(model, train, test):
    """ "Higher = more normal" scores of ``test``, one per form of the score."""
    d = draws(model, test, 64)
    residual2_train = draws(model, train, 16)["residual2"]
    var_step = np.maximum(residual2_train.mean((0, 1)), 1e-6)  # (C, T)
    step_log_lik = -0.5 * (d["residual2"] / var_step).sum((-2, -1)) - 0.5 * np.sum(
        np.log(2 * np.pi * var_step)
    )
    return {
        "ELBO": model.score_samples(test),
        "IWAE": log_mean_exp(d["log_lik"] + d["log_prior"] - d["log_q"]),
        "IWAE, code mixture": log_mean_exp(
            d["log_lik"] + d["log_mixture"] - d["log_q"]
        ),
        "reconstruction": d["log_lik"].mean(0),
        "code density": d["code_density"],
        "noise per step": step_log_lik.mean(0) - d["kl"],
    }


class MeanELBO(BaseEstimator):
    """Clones of one VAE fitted with different seeds; scores their mean ELBO."""

    def __init__(self, vae=None, seeds=(0,)):
        self.vae = vae
        self.seeds = seeds

    def fit(self, X, y=None):
        self.vaes_ = [clone(self.vae).set_params(random_state=s) for s in self.seeds]
        for vae in self.vaes_:
            vae.fit(X)
        return self

    def score_samples(self, X):
        return np.mean([vae.score_samples(X) for vae in self.vaes_], axis=0)


def spanning_strides(n_timesteps):
    """A first stride of 3, then 2s, as many as fit in the series."""
    strides = [3]
    while np.prod(strides + [2]) <= n_timesteps:
        strides.append(2)
    return tuple(strides)


def refits(seed, n_timesteps):
    return {
        "DenseVAE, 400 epochs": DenseVAE(max_epochs=400, random_state=seed),
        "DenseVAE, latent_dim=4": DenseVAE(latent_dim=4, random_state=seed),
        "DenseVAE, latent_dim=16": DenseVAE(latent_dim=16, random_state=seed),
        "DenseVAE, batch_size=16": DenseVAE(batch_size=16, random_state=seed),
        "DenseVAE, hidden 256": DenseVAE(hidden_layer_sizes=(256,), random_state=seed),
        "DenseVAE, hidden 256-64": DenseVAE(
            hidden_layer_sizes=(256, 64), random_state=seed
        ),
        **{
            f"DenseVAE, beta={beta}": DenseVAE(beta=beta, random_state=seed)
            for beta in (0.5, 2.0, 4.0)
        },
        "5 DenseVAEs, mean ELBO": MeanELBO(
            DenseVAE(), seeds=tuple(range(10 * seed, 10 * seed + 5))
        ),
        "ConvVAE, one code per series": conv_vae(spanning_strides(n_timesteps), seed),
        "PyOD AutoEncoder, 50 epochs": pyod_autoencoder(seed, 50),
        "PyOD AutoEncoder, 200 epochs": pyod_autoencoder(seed, 200),
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--panels", nargs="*", default=UCR_PANELS, choices=UCR_PANELS)
    parser.add_argument(
        "--no-refits", action="store_true", help="score forms of one fit only"
    )
    args = parser.parse_args(argv)
    rows = {}
    for task, train, test, labels in one_class_tasks(args.seed, args.panels):
        with torch.random.fork_rng():
            model = DenseVAE(max_epochs=100, random_state=args.seed).fit(train)
            scores = score_forms(model, train, test)
            others = {} if args.no_refits else refits(args.seed, train.shape[-1])
            for name, refit in others.items():
                vae = not name.startswith("PyOD")
                refit.fit(train if vae else flat(train))
                scores[name] = refit.score_samples(test if vae else flat(test))
        rows[task] = {name: roc_auc_score(labels, -s) for name, s in scores.items()}
        print(task, flush=True)
    table = pd.DataFrame(rows).T
    pd.set_option("display.width", 250)
    print("\nROC-AUC per one-class task\n")
    print(table.round(3).to_string())
    print("\nMean ROC-AUC over the one-class tasks\n")
    print(table.mean().round(3).to_string())


if __name__ == "__main__":
    main()
