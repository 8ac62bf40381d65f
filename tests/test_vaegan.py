"""VAEGAN: two optimizers in one step, the adversarial signal, losses, scores."""

import numpy as np
import pytest
import torch
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV
from skorch.callbacks import Callback

from sk_tsgen import VAEGAN
from sk_tsgen.datasets import make_sines
from sk_tsgen.metrics import sample_diversity
from sk_tsgen.modules.adversarial import discriminator_loss, generator_loss

SMALL = {"hidden_size": 16, "latent_dim": 4, "batch_size": 32, "random_state": 0}


@pytest.fixture(scope="session")
def X():
    return make_sines(128, n_timesteps=16, n_channels=2, random_state=0)


def _generator_state(model):
    return {
        name: param.detach().clone()
        for name, param in model.net_.module_.generator_parameters()
    }


def test_each_optimizer_holds_its_own_network(X):
    model = VAEGAN(max_epochs=1, **SMALL).fit(X)
    module = model.net_.module_
    generator = {id(p) for _, p in module.generator_parameters()}
    discriminator = {id(p) for p in module.discriminator.parameters()}

    def held(optimizer):
        return {id(p) for group in optimizer.param_groups for p in group["params"]}

    assert held(model.net_.optimizer_) == generator
    assert held(model.net_.optimizer_discriminator_) == discriminator
    assert generator.isdisjoint(discriminator)
    assert generator | discriminator == {id(p) for p in module.parameters()}
    # skorch moves and reloads both optimizers with the net (map_location)
    assert "optimizer_discriminator_" in model.net_.cuda_dependent_attributes_


def test_learning_rates_are_plain_parameters(X):
    model = VAEGAN(max_epochs=1, **SMALL)
    model.set_params(lr=3e-3, discriminator_lr=7e-4)
    twin = clone(model)
    assert twin.get_params()["discriminator_lr"] == 7e-4
    for fitted in (model.fit(X), twin.fit(X)):
        assert fitted.net_.optimizer_.param_groups[0]["lr"] == 3e-3
        assert fitted.net_.optimizer_discriminator_.param_groups[0]["lr"] == 7e-4
    # set on a fitted model, the new rate is used by the next fit
    model.set_params(discriminator_lr=2e-4).fit(X)
    assert model.net_.optimizer_discriminator_.param_groups[0]["lr"] == 2e-4


def test_grid_search_over_the_discriminator_learning_rate(X):
    search = GridSearchCV(
        VAEGAN(max_epochs=2, **SMALL), {"discriminator_lr": [1e-4, 5e-3]}, cv=2
    ).fit(X)
    best = search.best_params_["discriminator_lr"]
    optimizer = search.best_estimator_.net_.optimizer_discriminator_
    assert optimizer.param_groups[0]["lr"] == best
    assert np.isfinite(search.cv_results_["mean_test_score"]).all()


def test_step_ratio_and_history(X):
    model = VAEGAN(max_epochs=2, discriminator_steps=3, **SMALL).fit(X)
    n_batches = 2 * int(np.ceil(len(X) / SMALL["batch_size"]))

    def steps(optimizer):
        return {int(s["step"]) for s in optimizer.state.values()}

    assert steps(model.net_.optimizer_) == {n_batches}
    assert steps(model.net_.optimizer_discriminator_) == {3 * n_batches}
    history = model.history_
    for key in ("train_loss", "generator_loss", "discriminator_loss"):
        assert np.isfinite(history[:, key]).all() and len(history[:, key]) == 2
    batches = history[-1, "batches"]
    assert len(batches) == n_batches // 2
    assert np.mean([b["discriminator_loss"] for b in batches]) == pytest.approx(
        history[-1, "discriminator_loss"], rel=0.2
    )


def test_the_adversarial_signal_reaches_the_generator(X):
    """The article's sketch never fed the discriminator back into the VAE."""

    def generator_after(**params):
        return _generator_state(VAEGAN(max_epochs=2, **SMALL, **params).fit(X))

    # without the adversarial term the discriminator cannot change the generator
    a = generator_after(adversarial_weight=0, discriminator_lr=1e-4)
    b = generator_after(adversarial_weight=0, discriminator_lr=1e-2)
    for name in a:
        assert_array_equal(a[name], b[name], err_msg=name)
    # with it, a differently trained discriminator trains a different decoder
    c = generator_after(adversarial_weight=0.5, discriminator_lr=1e-4)
    d = generator_after(adversarial_weight=0.5, discriminator_lr=1e-2)
    assert any(not torch.equal(c[name], d[name]) for name in c)


def test_the_discriminator_does_not_enter_the_score(X):
    model = VAEGAN(max_epochs=2, **SMALL).fit(X)
    scores = model.score_samples(X[:10])
    with torch.no_grad():
        for param in model.net_.module_.discriminator.parameters():
            param.add_(1.0)
    assert_array_equal(model.score_samples(X[:10]), scores)
    # the score is the VAE's ELBO, computed by its module
    module = model.net_.module_
    x = torch.as_tensor(model._scale(X[:10]))
    with torch.no_grad():
        module.eval()
        elbo = module.elbo(x, eps=model._score_draws(16)).numpy()
    assert_allclose(scores, elbo + model._log_jacobian(16), rtol=1e-5)


@pytest.mark.parametrize("kind", ["non_saturating", "hinge", "least_squares"])
def test_losses_reward_the_right_side(kind):
    confident = discriminator_loss(torch.full((8,), 3.0), torch.full((8,), -3.0), kind)
    fooled = discriminator_loss(torch.full((8,), -3.0), torch.full((8,), 3.0), kind)
    assert confident < fooled
    assert generator_loss(torch.full((8,), 3.0), kind) < generator_loss(
        torch.full((8,), -3.0), kind
    )


@pytest.mark.parametrize("kind", ["hinge", "least_squares"])
def test_other_losses_train(X, kind):
    model = VAEGAN(max_epochs=2, adversarial_loss=kind, **SMALL).fit(X)
    assert np.isfinite(model.history_[:, "discriminator_loss"]).all()
    assert np.isfinite(model.sample(5, random_state=0)).all()


def test_gradient_penalty_changes_the_discriminator(X):
    def discriminator_after(penalty):
        model = VAEGAN(max_epochs=1, gradient_penalty=penalty, **SMALL).fit(X)
        return model.net_.module_.discriminator.head.weight.detach()

    assert not torch.equal(discriminator_after(0.0), discriminator_after(10.0))


@pytest.mark.parametrize(
    "params, message",
    [
        ({"discriminator_channels": ()}, "discriminator_channels must be"),
        ({"discriminator_channels": (8, 0)}, "discriminator_channels must be"),
        ({"discriminator_kernel_size": 4}, "must be odd"),
        ({"adversarial_loss": "wasserstein"}, "adversarial_loss"),
        ({"adversarial_weight": -1.0}, "adversarial_weight"),
        ({"discriminator_steps": 0}, "discriminator_steps"),
        ({"discriminator_lr": 0.0}, "discriminator_lr"),
        ({"cell": "rnn"}, "cell"),
    ],
)
def test_bad_parameters_are_named(X, params, message):
    with pytest.raises(ValueError, match=message):
        VAEGAN(max_epochs=1, **{**SMALL, **params}).fit(X)


@pytest.mark.slow
def test_stable_across_seeds_without_collapse():
    """No NaN loss, and samples as varied as those of the same VAE alone."""
    X = make_sines(600, n_timesteps=16, n_channels=2, random_state=1)

    def diversity(**params):
        model = VAEGAN(max_epochs=15, hidden_size=32, latent_dim=4, **params).fit(X)
        for key in ("train_loss", "generator_loss", "discriminator_loss"):
            assert np.isfinite(model.history_[:, key]).all()
        samples = model.sample(600, random_state=0)
        return sample_diversity(X, samples, random_state=0)

    for seed in range(3):
        with_gan = diversity(random_state=seed)
        # a collapsed generator repeats a few series: its diversity drops far
        # below both the data's (1) and the plain VAE's
        assert 0.6 < with_gan < 1.3
        assert with_gan > 0.9 * diversity(adversarial_weight=0, random_state=seed)


def test_gradient_callbacks_see_the_generator(X):
    class RecordGradients(Callback):
        def initialize(self):
            self.names = []
            return self

        def on_grad_computed(self, net, named_parameters, **kwargs):
            self.names.append({name for name, _ in named_parameters})

    model = VAEGAN(max_epochs=1, callbacks=[("record", RecordGradients())], **SMALL)
    model.fit(X)
    recorded = dict(model.net_.callbacks_)["record"].names
    assert len(recorded) == int(np.ceil(len(X) / SMALL["batch_size"]))
    generator = {name for name, _ in model.net_.module_.generator_parameters()}
    assert all(names == generator for names in recorded)
