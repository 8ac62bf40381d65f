"""TransformerGAN: conditions, the encoder that inverts the generator, its score."""

import copy
import math
import pickle

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.exceptions import ConvergenceWarning

from sk_tsgen import TransformerGAN, load
from sk_tsgen.datasets import make_sines


def small(**kw):
    params = dict(embed_dim=16, depth=1, n_heads=2, max_epochs=10, random_state=0)
    return TransformerGAN(**{**params, **kw})


@pytest.fixture(scope="session")
def levels():
    """Two-channel sines at three levels, labelled by name; 3:2:1 frequencies."""
    X = make_sines(360, n_timesteps=12, n_channels=2, random_state=0)
    y = np.repeat(["low", "mid", "high"], [180, 120, 60])
    offset = {"low": -2.0, "mid": 0.0, "high": 2.0}
    return X + np.vectorize(offset.get)(y)[:, None, None], y


@pytest.fixture(scope="session")
def conditional(levels):
    return small(max_epochs=40, batch_size=32).fit(*levels)


# ---------------------------------------------------------------- conditions
def test_conditions_are_learned_from_labels(conditional, levels):
    X, y = levels
    assert_array_equal(conditional.conditions_.classes_, ["high", "low", "mid"])
    assert_allclose(conditional.conditions_.frequencies_, [1 / 6, 1 / 2, 1 / 3])
    assert conditional.n_components_ == 16 + 3


def test_sample_follows_the_prompt(conditional, levels):
    X, y = levels
    for name in ["low", "mid", "high"]:
        synth = conditional.sample(200, y=name, random_state=0)
        real = X[y == name]
        assert abs(synth.mean() - real.mean()) < 0.3, name
    # one condition per sample, in order
    synth = conditional.sample(3, y=["high", "low", "high"], random_state=0)
    assert synth[0].mean() > synth[1].mean() + 2 < synth[2].mean() + 2


def test_sample_without_y_draws_the_training_frequencies(conditional):
    synth, drawn = conditional.sample(3000, random_state=0, return_y=True)
    names, counts = np.unique(drawn, return_counts=True)
    assert_array_equal(names, conditional.conditions_.classes_)
    assert_allclose(counts / 3000, conditional.conditions_.frequencies_, atol=0.03)
    # the series do belong to the conditions returned with them
    assert synth[drawn == "high"].mean() > synth[drawn == "low"].mean() + 3


def test_return_y_gives_back_the_prompted_conditions(conditional):
    _, drawn = conditional.sample(4, y=["mid", "low", "mid", "high"], return_y=True)
    assert_array_equal(drawn, ["mid", "low", "mid", "high"])


def test_integer_conditions(levels):
    X, y = levels
    codes = np.searchsorted(["high", "low", "mid"], y) + 1  # 1, 2, 3
    gan = small(max_epochs=2).fit(X, codes)
    assert_array_equal(gan.conditions_.classes_, [1, 2, 3])
    assert gan.sample(2, y=3).shape == (2, 2, 12)
    assert gan.sample(2, y=np.int64(1)).shape == (2, 2, 12)


@pytest.mark.parametrize(
    "y, message",
    [
        ("spring", r"unknown label\(s\) \['spring'\].* \['high', 'low', 'mid'\]"),
        (["low", "July", "July"], r"unknown label\(s\) \['July'\]"),
        (["low", "mid"], "y holds 2 conditions for 3 samples"),
        ([["low"] * 3] * 2, "1-D array"),
    ],
)
def test_bad_prompts_name_the_problem(conditional, y, message):
    with pytest.raises(ValueError, match=message):
        conditional.sample(3, y=y)


def test_unconditional_model(levels):
    X, _ = levels
    gan = small(max_epochs=2).fit(X)
    assert gan.conditions_ is None
    assert gan.n_components_ == 16
    with pytest.raises(ValueError, match="unconditional; call sample without y"):
        gan.sample(2, y="low")
    with pytest.raises(ValueError, match="return_y=True needs a model fitted with"):
        gan.sample(2, return_y=True)
    # conditions given to an unconditional model's score are ignored
    assert_array_equal(gan.score_samples(X[:5], y=["a"] * 5), gan.score_samples(X[:5]))


@pytest.mark.parametrize(
    "y, message",
    [
        (np.r_[np.nan, np.ones(359)], "NaN"),
        (np.array([None] + ["a"] * 359, dtype=object), "None"),
        (np.zeros(5), "y holds 5 conditions for 360 series"),
        (np.zeros((360, 2, 2)), "1-D .* or 2-D"),
    ],
    ids=["nan", "none", "length", "3d"],
)
def test_bad_conditions_in_fit_name_the_problem(levels, y, message):
    with pytest.raises(ValueError, match=message):
        small(max_epochs=1).fit(levels[0], y)


def test_score_with_wrong_conditions_names_the_problem(conditional, levels):
    X, _ = levels
    with pytest.raises(ValueError, match="y holds 2 conditions for 5 series"):
        conditional.score_samples(X[:5], y=["low", "mid"])
    with pytest.raises(ValueError, match="unknown label"):
        conditional.score_samples(X[:2], y=["low", "winter"])


# --------------------------------------------------- encoder and latent space
def test_codes_are_noise_and_condition_probabilities(conditional, levels):
    X, y = levels
    codes = conditional.transform(X)
    probabilities = codes[:, 16:]
    assert_allclose(probabilities.sum(1), 1, rtol=1e-5)
    read = conditional.conditions_.classes_[probabilities.argmax(1)]
    assert np.mean(read == y) > 0.95


def test_encoder_inverts_the_generator(conditional):
    """Generated series come back through encoder and generator, condition kept.

    The noise itself need not come back: the generator ignores directions of
    it that the data do not need, and those cannot be read from a series.
    """
    rng = np.random.RandomState(0)
    z = rng.standard_normal((300, 16))
    codes = np.hstack([z, np.eye(3)[rng.randint(3, size=300)]])
    generated = conditional.inverse_transform(codes)
    recovered = conditional.transform(generated)
    cycled = conditional.inverse_transform(recovered)
    assert np.sqrt(np.mean((cycled - generated) ** 2)) < 0.3 * generated.std()
    assert np.mean(recovered[:, 16:].argmax(1) == codes[:, 16:].argmax(1)) > 0.95


def test_reconstructions_follow_the_series(conditional, levels):
    X, _ = levels
    recon = conditional.inverse_transform(conditional.transform(X))
    assert np.sqrt(np.mean((recon - X) ** 2)) < 0.3 * X.std()


def test_fit_warns_when_reconstructions_are_no_better_than_the_mean(levels):
    X, y = levels
    with pytest.warns(ConvergenceWarning, match=r"no closer to them than the series"):
        untrained = small(max_epochs=1, lr=1e-6, discriminator_lr=1e-6).fit(X, y)
    # the warning's rule: the training reconstructions' RMS error, per channel,
    # in standard deviations of the channel
    recon = untrained.inverse_transform(untrained.transform(X))
    rms = np.sqrt(np.mean((recon - X) ** 2, axis=(0, 2))) / X.std(axis=(0, 2))
    assert rms.max() >= 1.0


def test_a_trained_model_does_not_warn(conditional, levels):
    import warnings

    X, _ = levels
    gan = pickle.loads(pickle.dumps(conditional))
    data = {"x": gan._scale(X.astype(np.float32))}
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        gan._fit_latent_density(None, data, None)  # the step of fit that warns
    assert_allclose(gan.noise_scale_, conditional.noise_scale_, rtol=1e-5)


def test_the_warning_names_the_worst_channel():
    import warnings

    from sk_tsgen.transformer_gan import _warn_if_no_better_than_mean

    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        _warn_if_no_better_than_mean(np.array([0.2, 0.99]))  # below 1: silent
    with pytest.warns(
        ConvergenceWarning, match=r"1\.30 standard deviations in channel 2"
    ):
        _warn_if_no_better_than_mean(np.array([0.5, 1.1, 1.3]))


# ------------------------------------------------------------------- score
def test_score_is_the_documented_reconstruction_likelihood(conditional, levels):
    X, _ = levels
    gan = pickle.loads(pickle.dumps(conditional))
    gan.set_params(feature_weight=0.0)
    recon = gan.inverse_transform(gan.transform(X))
    sigma = gan.noise_scale_[None, :, None]
    expected = np.sum(
        -0.5 * ((X - recon) / sigma) ** 2 - np.log(sigma) - 0.5 * math.log(2 * math.pi),
        axis=(1, 2),
    )
    assert_allclose(gan.score_samples(X), expected, rtol=1e-4, atol=1e-2)
    # the discriminator's feature distance can only lower the score
    gan.set_params(feature_weight=2.0)
    assert np.all(gan.score_samples(X) <= expected + 1e-2)


def test_score_uses_given_conditions(conditional, levels):
    X, y = levels
    right = conditional.score_samples(X, y)
    wrong = conditional.score_samples(X, np.where(y == "low", "high", "low"))
    assert np.mean(right > wrong) > 0.95


def test_anomalies_score_lower(conditional, levels):
    X, _ = levels
    rng = np.random.RandomState(0)
    normal = X[rng.choice(len(X), 100, replace=False)]
    spiky = normal.copy()
    spiky[np.arange(100), rng.randint(2, size=100), rng.randint(12, size=100)] += 3
    scores = np.r_[conditional.score_samples(normal), conditional.score_samples(spiky)]
    from sklearn.metrics import roc_auc_score

    assert roc_auc_score(np.r_[np.ones(100), np.zeros(100)], scores) > 0.9


# ---------------------------------------------------------------- training
def test_three_optimizers_split_the_parameters(conditional):
    net = conditional.net_
    held = {
        name: {id(p) for group in opt.param_groups for p in group["params"]}
        for name, opt in [
            ("generator", net.optimizer_),
            ("discriminator", net.optimizer_discriminator_),
            ("encoder", net.optimizer_encoder_),
        ]
    }
    every = {id(p) for p in net.module_.parameters()}
    assert sum(map(len, held.values())) == len(every)
    assert set.union(*held.values()) == every
    assert held["discriminator"] == {
        id(p) for p in net.module_.discriminator.parameters()
    }
    for name in ("optimizer_discriminator_", "optimizer_encoder_"):
        assert name in net.cuda_dependent_attributes_


def test_history_records_both_players(conditional):
    h = conditional.history_
    assert len(h) == 40
    for key in ("train_loss", "generator_loss", "discriminator_loss"):
        assert np.isfinite(h[:, key]).all(), key
    assert np.isfinite(h[-1, "batches", -1, "discriminator_loss"])


def test_discriminator_classifier_reads_the_conditions(conditional, levels):
    # the auxiliary classifier learns the conditions of real series
    import torch

    X, y = levels
    module = conditional.net_.module_
    x = torch.as_tensor(conditional._scale(X), dtype=torch.float32)
    with torch.no_grad():
        _, classes = module.discriminator.eval()(x, return_classes=True)
    read = conditional.conditions_.classes_[classes.argmax(1).numpy()]
    assert (read == y).mean() > 0.95


def test_condition_weight_zero_leaves_the_classifier_out(levels):
    gan = small(max_epochs=1, condition_weight=0.0).fit(*levels)
    assert gan.net_.module_.discriminator.classifier.weight.grad is None
    with pytest.raises(ValueError, match="condition_weight"):
        small(condition_weight=-1.0).fit(*levels)


@pytest.mark.parametrize("loss", ["hinge", "least_squares"])
def test_other_losses_and_no_dropout_train(levels, loss):
    # dropout=0 takes torch's fused attention, whose R1 double backward is checked
    X, y = levels
    gan = small(max_epochs=2, adversarial_loss=loss, dropout=0.0, discriminator_steps=2)
    gan.fit(X, y)
    assert np.isfinite(gan.history_[:, "discriminator_loss"]).all()


def test_short_series_are_padded_to_whole_patches():
    X = make_sines(50, n_timesteps=3, n_channels=1, random_state=0)
    gan = small(patch_size=4, max_epochs=1).fit(X)
    assert gan.sample(2).shape == (2, 1, 3)
    assert np.isfinite(gan.score_samples(X)).all()


def test_bad_parameters_name_the_problem(levels):
    with pytest.raises(
        ValueError, match="embed_dim=10 must be a multiple of n_heads=4"
    ):
        small(embed_dim=10, n_heads=4).fit(levels[0])
    with pytest.raises(ValueError, match="dropout"):
        small(dropout=1.0).fit(levels[0])
    with pytest.raises(ValueError, match="adversarial_loss"):
        small(adversarial_loss="wasserstein").fit(levels[0])


def test_a_file_saved_with_the_earlier_conditions_still_loads(conditional, tmp_path):
    """Files of earlier versions held the sorted labels in ``conditions_`` and
    their frequencies in ``condition_frequencies_``."""
    old = copy.deepcopy(conditional)
    old.condition_frequencies_ = conditional.conditions_.frequencies_
    old.conditions_ = conditional.conditions_.classes_
    old.save(tmp_path / "old.npz")
    loaded = load(tmp_path / "old.npz")
    assert_array_equal(loaded.conditions_.classes_, ["high", "low", "mid"])
    assert not hasattr(loaded, "condition_frequencies_")
    assert_allclose(
        loaded.sample(4, y="low", random_state=0),
        conditional.sample(4, y="low", random_state=0),
        rtol=1e-6,
    )
