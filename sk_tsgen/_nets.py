"""Private skorch nets and data iterators that estimators train through."""

from __future__ import annotations

import math

import numpy as np
import torch
from skorch import NeuralNet
from skorch.callbacks import Callback, PassthroughScoring
from skorch.dataset import unpack_data
from skorch.hf import AccelerateMixin
from skorch.utils import TeeGenerator
from torch import nn

from .modules.adversarial import discriminator_loss, generator_loss, r1_penalty


class BatchSlicer:
    """Mini-batches of a tensor dataset by slicing, with no per-item collation.

    torch's ``DataLoader`` fetches and stacks every series of a batch one at a
    time; for whole series already held in one tensor, a single permutation per
    epoch and one indexing per batch give the same batches at a fraction of
    the cost.

    Parameters
    ----------
    dataset : skorch.dataset.Dataset
        Dataset whose ``X`` is a tensor or an array of shape ``(n, ...)``
        (also a :class:`~sk_tsgen._lazy.MappedRows`, whose rows are computed
        as a batch reads them), or a dict of such (the series and their
        per-series context), sliced together.
    batch_size : int
    shuffle : bool
        Whether to draw a new order of the series for every pass.
    generator : torch.Generator or None
        Source of the shuffling order, so that it is reproducible without
        touching the global torch random state.
    shard : tuple of (int, int) or None
        ``(index, count)``: this process takes every ``count``-th batch from
        the ``index``-th on, and every process as many (data parallelism with
        accelerate, where all processes shuffle alike); None takes them all.
    device : str, torch.device or None
        Where the batches of arrays go as tensors; None: the CPU. Tensors
        stay where they are.
    """

    def __init__(
        self,
        dataset,
        batch_size: int,
        shuffle: bool = False,
        generator=None,
        shard: tuple[int, int] | None = None,
        device=None,
    ):
        self.X = dataset.X
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.generator = generator
        self.shard = shard
        self.device = device

    def _n_rows(self) -> int:
        return len(self.X["x"] if isinstance(self.X, dict) else self.X)

    def _starts(self) -> range:
        starts = range(0, self._n_rows(), self.batch_size)
        if self.shard is None:
            return starts
        index, count = self.shard
        per_process = len(starts) // count
        return starts[index : index + count * per_process : count]

    def __len__(self) -> int:
        return len(self._starts())

    def __iter__(self):
        n_rows = self._n_rows()
        order = None
        if self.shuffle:
            order = torch.randperm(n_rows, generator=self.generator)
        for start in self._starts():
            rows = slice(start, start + self.batch_size)
            # a batch's rows are gathered alone: a shuffled copy of the whole
            # set would double the memory of a large one
            index = rows if order is None else order[rows]
            yield _rows(self.X, index, self.device), None


def _rows(X, index, device=None):
    """Rows ``index`` of a tensor or an array, or of every one in a dict, as
    tensors (an array's on ``device``)."""
    if isinstance(X, dict):
        return {key: _rows(value, index, device) for key, value in X.items()}
    if isinstance(X, torch.Tensor):
        if isinstance(index, torch.Tensor):
            index = index.to(X.device)
        return X[index]
    if isinstance(index, torch.Tensor):
        index = index.numpy()
    return torch.as_tensor(np.asarray(X[index]), device=device)


class NegativeELBO(nn.Module):
    """Training loss of a VAE: ``-(log p(x|z) - beta * KL)`` per value, batch mean.

    Dividing by the number of values per series keeps the loss on the same scale
    whatever the length and number of channels of the series.
    """

    def __init__(self, beta: float = 1.0):
        super().__init__()
        self.beta = beta

    def forward(self, terms: dict[str, torch.Tensor], X) -> torch.Tensor:
        x = X["x"] if isinstance(X, dict) else X
        n_values = x[0].numel()
        return -(terms["log_likelihood"] - self.beta * terms["kl"]).mean() / n_values


def with_gaps(series: torch.Tensor, mask: torch.Tensor | None) -> torch.Tensor:
    """``series`` with the gaps of a batch's real series, whose ``mask`` (0
    where a value is missing) repeats over stacked copies of the batch: a real
    series holds its channel's mean, 0, where a value is missing."""
    if mask is None:
        return series
    return torch.where(mask.repeat(len(series) // len(mask), 1, 1) > 0, series, 0.0)


class MeanSquaredError(nn.Module):
    """Training loss of an autoencoder: squared error per value, batch mean
    (per observed value, for a batch with a ``mask``)."""

    def forward(self, terms: dict[str, torch.Tensor], X) -> torch.Tensor:
        if isinstance(X, dict) and "mask" in X:
            return terms["squared_error"].sum() / X["mask"].sum().clamp(min=1)
        x = X["x"] if isinstance(X, dict) else X
        return terms["squared_error"].mean() / x[0].numel()


class TrainingDivergedError(ValueError, FloatingPointError):
    """Training produced a non-finite or exploding loss, or non-finite weights.

    A ``ValueError`` (the settings do not suit the data) and a
    ``FloatingPointError`` (what went wrong). The message names the loss
    term, the epoch and what to try.
    """


# Training losses are per value, on series standardised per channel, where a
# model that predicts every value as its channel's mean costs about 1 (squared
# error) or 1.42 (Gaussian negative log-likelihood): an epoch's mean loss
# above this is far worse than that and has diverged.
_MAX_EPOCH_LOSS = 100.0


class DivergenceCheck(Callback):
    """Stops training with :class:`TrainingDivergedError` when it diverges.

    After every training batch, every loss the net recorded for it (the
    training loss and, for adversarial nets, the generator's and the
    discriminator's) must be finite; every epoch's mean training loss must
    stay below 100 per value (on the standardised series, predicting the
    channel means costs about 1); at the end of training every weight must be
    finite.

    Parameters
    ----------
    owner : str
        Name of the estimator, for the message.
    lr : float
        Its learning rate, for the message.
    """

    def __init__(self, owner: str = "the model", lr: float = 0.0):
        self.owner = owner
        self.lr = lr

    def _fail(self, net, what: str) -> None:
        raise TrainingDivergedError(
            f"{self.owner}'s training diverged at epoch {len(net.history)} of "
            f"{net.max_epochs}: {what}. Try a lower lr (it is "
            f"{self.lr:g}), or clip the gradients with callbacks="
            "[skorch.callbacks.GradientNormClipping(1.0)]."
        )

    def on_batch_end(self, net, batch=None, training=None, **kwargs):
        if not training:
            return
        for key, value in net.history[-1]["batches"][-1].items():
            if isinstance(value, float) and not math.isfinite(value):
                self._fail(net, f"the {key.replace('_', ' ')} ({key}) became {value}")

    def on_epoch_end(self, net, **kwargs):
        loss = net.history[-1, "train_loss"]
        if loss > _MAX_EPOCH_LOSS:
            self._fail(
                net,
                f"the training loss (train_loss) grew to {loss:.3g} per value, "
                "where predicting the mean of every channel costs about 1",
            )

    def on_train_end(self, net, **kwargs):
        for name, param in net.module_.named_parameters():
            if not torch.isfinite(param).all():
                self._fail(net, f"the weights {name} became non-finite")


class WeightAverage(Callback):
    """Exponential moving average of the weights, put in place when training ends.

    Diffusion models sample markedly better from averaged weights than from
    the last ones (Ho et al. 2020; Karras et al. 2022). The decay is
    ``min(decay, (1 + k) / (10 + k))`` after ``k`` steps, so a short fit does
    not average in its first, untrained weights. A fit that is interrupted or
    stopped early keeps the average reached.

    Parameters
    ----------
    decay : float
        Weight of the running average at every step, in [0, 1).
    """

    def __init__(self, decay: float = 0.999):
        self.decay = decay

    def on_train_begin(self, net, **kwargs):
        self.params_ = [p for p in net.module_.parameters() if p.requires_grad]
        self.average_ = [p.detach().clone() for p in self.params_]
        self.n_steps_ = 0

    def on_batch_end(self, net, batch=None, training=None, **kwargs):
        if not training:
            return
        self.n_steps_ += 1
        decay = min(self.decay, (1 + self.n_steps_) / (10 + self.n_steps_))
        with torch.no_grad():
            torch._foreach_lerp_(self.average_, self.params_, 1 - decay)

    def on_train_end(self, net, **kwargs):
        with torch.no_grad():
            for param, average in zip(self.params_, self.average_, strict=True):
                param.copy_(average)
        del self.params_, self.average_


class FastModeNet(NeuralNet):
    """skorch net that switches train/eval mode only when the mode changes.

    skorch sets the mode before every batch by walking the whole module tree;
    for a small network that walk costs a noticeable share of a training step.
    The modules' top-level flags tell whether anything needs to change.

    A ``KeyboardInterrupt`` during the epochs stops training, as in skorch;
    ``interrupted_at_`` then holds the epoch it came in (None otherwise), and
    an epoch it cut short is dropped from the history.
    """

    def fit_loop(self, X, y=None, epochs=None, **fit_params):
        self.interrupted_at_ = None
        try:
            return super().fit_loop(X, y, epochs=epochs, **fit_params)
        except KeyboardInterrupt:
            self.interrupted_at_ = len(self.history)
            if self.history and "train_loss" not in self.history[-1]:
                self.history.pop()
            raise

    def _backward(self, loss: torch.Tensor) -> None:
        """``loss.backward()``, through the accelerator when there is one
        (which scales the loss under mixed precision)."""
        accelerator = getattr(self, "accelerator", None)
        if accelerator is None:
            loss.backward()
        else:
            accelerator.backward(loss)

    def _set_training(self, training=True):
        for name in self._modules + self._criteria:
            module = getattr(self, name + "_")
            if isinstance(module, nn.Module) and module.training != training:
                module.train(training)


class LossTermsNet(FastModeNet):
    """skorch net for unsupervised modules whose forward returns loss terms.

    The criterion receives the module's dict of per-series terms and the
    batch, and turns them into the loss: :class:`NegativeELBO` for a VAE,
    :class:`MeanSquaredError` for an autoencoder.
    """

    def get_loss(self, y_pred, y_true, X=None, training=False):
        return self.criterion_(y_pred, X)


class AdversarialNet(LossTermsNet):
    """skorch net of a VAE/GAN: two optimizers and two kinds of step per batch.

    The module is an :class:`~sk_tsgen.modules.AdversarialVAE`. Every training
    batch makes one generator step, on the encoder and decoder with
    ``optimizer_``: the criterion's loss (the negative ELBO per value) plus
    ``adversarial_weight`` times the generator's adversarial loss on the
    reconstructions and decoded prior draws. Then ``discriminator_steps`` steps
    of the discriminator with ``optimizer_discriminator_`` (built from
    ``optimizer_discriminator`` and its ``optimizer_discriminator__*``
    parameters), on the real batch against those generated series (fresh ones
    after the first step), plus the R1 penalty ``gradient_penalty / 2 *
    ||grad D(real)||^2``.

    ``train_loss`` in the history is the negative ELBO per value, comparable
    with ``valid_loss``; ``generator_loss`` and ``discriminator_loss`` record
    the two adversarial losses, per batch and as epoch means. Callbacks that
    act on gradients (``on_grad_computed``) see the generator's.
    """

    def __init__(
        self,
        *args,
        adversarial_weight: float = 0.1,
        adversarial_loss: str = "non_saturating",
        gradient_penalty: float = 1.0,
        discriminator_steps: int = 1,
        optimizer_discriminator=torch.optim.Adam,
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        self.adversarial_weight = adversarial_weight
        self.adversarial_loss = adversarial_loss
        self.gradient_penalty = gradient_penalty
        self.discriminator_steps = discriminator_steps
        self.optimizer_discriminator = optimizer_discriminator

    def get_default_callbacks(self):
        callbacks = list(super().get_default_callbacks())
        # before print_log, so that the epoch table shows them
        at = next(i for i, (name, _) in enumerate(callbacks) if name == "print_log")
        callbacks[at:at] = [
            (name, PassthroughScoring(name=name, lower_is_better=None, on_train=True))
            for name in ("generator_loss", "discriminator_loss")
        ]
        return callbacks

    def initialize_optimizer(self, *args, **kwargs):
        module = self.module_
        params, options = self.get_params_for_optimizer(
            "optimizer", module.generator_parameters()
        )
        self.optimizer_ = self.optimizer(*params, **options)
        params, options = self.get_params_for_optimizer(
            "optimizer_discriminator", module.discriminator.named_parameters()
        )
        self.optimizer_discriminator_ = self.optimizer_discriminator(*params, **options)
        return self

    def _generated(self, terms):
        return torch.cat([terms["reconstruction"], terms["prior_sample"]])

    def _train_discriminator(self, judge, real, fake, regenerate, auxiliary=None):
        """``discriminator_steps`` steps of the discriminator on ``real`` against
        ``fake``, drawing fresh fakes with ``regenerate()`` after the first step,
        with the R1 penalty and the loss ``auxiliary()`` where given; returns the
        last adversarial loss alone."""
        for step in range(self.discriminator_steps):
            if step:
                with torch.no_grad():
                    fake = regenerate()
            if self.gradient_penalty > 0:
                real_scores, penalty = r1_penalty(judge, real)
            else:
                real_scores, penalty = judge(real), 0.0
            d_loss = discriminator_loss(real_scores, judge(fake), self.adversarial_loss)
            extra = auxiliary() if auxiliary is not None else 0.0
            self.optimizer_discriminator_.zero_grad()
            self._backward(d_loss + 0.5 * self.gradient_penalty * penalty + extra)
            self.optimizer_discriminator_.step()
        return d_loss

    def train_step(self, batch, **fit_params):
        self._set_training(True)
        X, _ = unpack_data(batch)
        x = X["x"] if isinstance(X, dict) else X
        c = X.get("c") if isinstance(X, dict) else None
        mask = X.get("mask") if isinstance(X, dict) else None
        discriminator = self.module_.discriminator

        def judge(series):
            # generated series come as reconstructions and prior draws of
            # the batch's series: each is judged for its series' condition,
            # and with its series' gaps (the real ones hold the channel mean,
            # 0, where a value is missing), so that gaps tell nothing apart
            copies = len(series) // len(x)
            series = with_gaps(series, mask)
            if c is None:
                return discriminator(series)
            return discriminator(series, c.repeat(copies, 1))

        terms = self.infer(X, **fit_params)
        elbo_loss = self.get_loss(terms, None, X=X, training=True)
        fake = self._generated(terms)
        discriminator.requires_grad_(False)
        adversarial = generator_loss(judge(fake), self.adversarial_loss)
        discriminator.requires_grad_(True)
        self.optimizer_.zero_grad()
        self._backward(elbo_loss + self.adversarial_weight * adversarial)
        # gradient callbacks (GradientNormClipping, say) act on the generator
        self.notify(
            "on_grad_computed",
            named_parameters=TeeGenerator(self.module_.generator_parameters()),
            batch=batch,
            training=True,
        )
        self.optimizer_.step()

        def regenerate():
            return self._generated(self.infer(X, **fit_params))

        d_loss = self._train_discriminator(judge, x, fake.detach(), regenerate)

        self.history.record_batch("generator_loss", adversarial.item())
        self.history.record_batch("discriminator_loss", d_loss.item())
        return {"loss": elbo_loss.detach(), "y_pred": terms}


class ConditionalGANNet(AdversarialNet):
    """skorch net of a GAN with an encoder: three optimizers, three steps per batch.

    The module is a :class:`~sk_tsgen.modules.ConditionalGAN`. Every training
    batch (real series ``x`` and, for a conditional model, their condition
    indices ``c``) makes

    1. a generator step with ``optimizer_``: the generator's adversarial loss
       on series made from fresh noise for the batch's conditions (so the
       conditions are trained at their frequencies in the data), plus
       ``condition_weight`` times the cross-entropy of those conditions as the
       discriminator's classifier reads them from the generated series;
    2. ``discriminator_steps`` steps of the discriminator with
       ``optimizer_discriminator_``: real against generated series, for the
       same conditions, plus the R1 penalty ``gradient_penalty / 2 *
       ||grad D(real)||^2``, plus ``condition_weight`` times the
       cross-entropy of its classifier on the real series' conditions;
    3. an encoder step with ``optimizer_encoder_``, the generator held fixed:
       the squared error of real series reconstructed through encoder and
       generator, plus the squared error of the noise recovered from the
       generated series, plus (conditional) the cross-entropy of the
       conditions the encoder reads from both.

    ``train_loss`` (and ``valid_loss``) is the reconstruction error per value
    of real series; ``generator_loss`` and ``discriminator_loss`` are recorded
    per batch and per epoch. ``on_grad_computed`` callbacks see the generator's
    gradients.
    """

    def __init__(
        self,
        *args,
        optimizer_encoder=torch.optim.Adam,
        condition_weight: float = 0.0,
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        self.optimizer_encoder = optimizer_encoder
        self.condition_weight = condition_weight

    def initialize_optimizer(self, *args, **kwargs):
        super().initialize_optimizer(*args, **kwargs)
        params, options = self.get_params_for_optimizer(
            "optimizer_encoder", self.module_.encoder_parameters()
        )
        self.optimizer_encoder_ = self.optimizer_encoder(*params, **options)
        return self

    def train_step(self, batch, **fit_params):
        self._set_training(True)
        X, _ = unpack_data(batch)
        x, c, mask = X["x"], X.get("c"), X.get("mask")
        module = self.module_
        discriminator = module.discriminator

        def judge(series):
            # generated series are judged with the gaps of the batch's real
            # series, so that gaps tell nothing apart
            return discriminator(with_gaps(series, mask), c)

        # 1. generator
        z = torch.randn(len(x), module.latent_dim, device=x.device)
        fake = module.generate(z, c)
        classify = c is not None and self.condition_weight > 0
        discriminator.requires_grad_(False)
        if classify:
            scores, classes = discriminator(
                with_gaps(fake, mask), c, return_classes=True
            )
            g_loss = generator_loss(scores, self.adversarial_loss)
            g_total = g_loss + self.condition_weight * module.condition_loss(classes, c)
        else:
            g_loss = g_total = generator_loss(judge(fake), self.adversarial_loss)
        discriminator.requires_grad_(True)
        self.optimizer_.zero_grad()
        self._backward(g_total)
        self.notify(
            "on_grad_computed",
            named_parameters=TeeGenerator(module.generator_parameters()),
            batch=batch,
            training=True,
        )
        self.optimizer_.step()

        # 2. discriminator
        def regenerate():
            nonlocal z
            z = torch.randn_like(z)
            return module.generate(z, c)

        def auxiliary():  # the classifier learns the conditions of real series
            _, classes = discriminator(x, c, return_classes=True)
            return self.condition_weight * module.condition_loss(classes, c)

        fake = fake.detach()
        d_loss = self._train_discriminator(
            judge, x, fake, regenerate, auxiliary if classify else None
        )
        if self.discriminator_steps > 1:  # the series of the last noise drawn
            with torch.no_grad():
                fake = module.generate(z, c)

        # 3. encoder, through the fixed generator
        module.generator.requires_grad_(False)
        try:
            terms = self.infer(X, **fit_params)
            recon_loss = self.get_loss(terms, None, X=X, training=True)
            # the generated series as the encoder meets real ones: with gaps
            fake = with_gaps(fake, mask)
            z_hat, logits_fake = module.encode_parts(fake)
            e_loss = recon_loss + (z_hat - z).pow(2).mean()
            if c is not None:
                e_loss = e_loss + module.condition_loss(terms["logits"], c)
                e_loss = e_loss + module.condition_loss(logits_fake, c)
            self.optimizer_encoder_.zero_grad()
            self._backward(e_loss)
            self.optimizer_encoder_.step()
        finally:
            module.generator.requires_grad_(True)

        self.history.record_batch("generator_loss", g_loss.item())
        self.history.record_batch("discriminator_loss", d_loss.item())
        return {"loss": recon_loss.detach(), "y_pred": terms}


# The nets trained through Hugging Face accelerate (skorch's AccelerateMixin),
# one per net class, at module level so that pickles find them.
class AcceleratedLossTermsNet(AccelerateMixin, LossTermsNet):
    """:class:`LossTermsNet` trained through an ``accelerate.Accelerator``."""


class AcceleratedAdversarialNet(AccelerateMixin, AdversarialNet):
    """:class:`AdversarialNet` trained through an ``accelerate.Accelerator``."""


class AcceleratedConditionalGANNet(AccelerateMixin, ConditionalGANNet):
    """:class:`ConditionalGANNet` trained through an ``accelerate.Accelerator``."""


ACCELERATED = {
    LossTermsNet: AcceleratedLossTermsNet,
    AdversarialNet: AcceleratedAdversarialNet,
    ConditionalGANNet: AcceleratedConditionalGANNet,
}
