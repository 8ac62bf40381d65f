"""ConvVAE: free-length time axis, seasonal and linked prior, pandas calendar."""

import numpy as np
import pandas as pd
import pytest
import torch
from numpy.testing import assert_allclose
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import make_pipeline

from sk_tsgen import ConvVAE, load
from sk_tsgen.datasets import make_sines
from sk_tsgen.latent_process import SeasonalLatentProcess
from sk_tsgen.modules import ConvDecoder, ConvEncoder, ConvGaussianVAE, SeasonalPrior

SMALL = {"filters": (16, 16), "kernel_sizes": (3, 3, 3), "strides": (2, 2, 2)}


def _small(**kw):
    return ConvVAE(**{**SMALL, "latent_dim": 3, "random_state": 0, **kw})


@pytest.fixture(scope="session")
def fitted_arrays():
    X = make_sines(200, n_timesteps=32, n_channels=2, random_state=0)
    return _small(max_epochs=5).fit(X), X


@pytest.fixture(scope="session")
def daily():
    """Four years of a daily series, cold in January and warm in July."""
    days = pd.date_range("2015-01-01", periods=4 * 365, freq="D")
    rng = np.random.RandomState(0)
    season = -10 * np.cos(2 * np.pi * (days.day_of_year - 15) / 365.25)
    return pd.Series(50 + season + rng.normal(0, 1, len(days)), index=days, name="t")


@pytest.fixture(scope="session")
def fitted_daily(daily):
    return _small(max_epochs=40, window_length=32, lr=3e-3).fit(daily)


# ------------------------------------------------------------ lengths
@pytest.mark.parametrize("length", [8, 20, 32, 64])
def test_any_length_the_strides_allow(fitted_arrays, length):
    vae, X = fitted_arrays
    X_len = make_sines(7, n_timesteps=length, n_channels=2, random_state=1)
    Z = vae.transform(X_len)
    n_steps = -(-length // 8)
    assert Z.shape == (7, n_steps * 3)
    assert vae.inverse_transform(Z, n_timesteps=length).shape == (7, 2, length)
    assert np.isfinite(vae.score_samples(X_len)).all()
    assert vae.sample(2, n_timesteps=length, random_state=0).shape == (2, 2, length)


def test_lengths_it_refuses(fitted_arrays):
    vae, X = fitted_arrays
    with pytest.raises(ValueError, match="X has 5 timesteps, .* at least 8 .*strides"):
        vae.transform(X[:, :, :5])
    with pytest.raises(ValueError, match="at least 8"):
        vae.sample(2, n_timesteps=5)
    with pytest.raises(ValueError, match="n_timesteps=20 needs 3 latent steps"):
        vae.inverse_transform(np.zeros((2, 4 * 3)), n_timesteps=20)
    with pytest.raises(ValueError, match="multiple of latent_dim=3"):
        vae.inverse_transform(np.zeros((2, 7)))
    with pytest.raises(ValueError, match="at least 8 timesteps"):
        _small().fit(X[:, :, :6])
    # in a 2-D input the columns are features: the message points to 3-D input
    vae2 = _small(max_epochs=1).fit(X[:, 0, :])
    with pytest.raises(ValueError, match="expecting 32 features.*3-D array"):
        vae2.transform(X[:, 0, :16])


def test_padding_keeps_the_bound_on_the_observed_steps(fitted_arrays):
    """A series padded at its end scores the observed steps only."""
    vae, X = fitted_arrays
    X20 = X[:10, :, :20]
    codes = vae.transform(X20)
    assert codes.shape == (10, 9)
    # the decoder output over the padding is dropped, not scored
    assert np.isfinite(vae.score_samples(X20)).all()
    assert not np.allclose(vae.score_samples(X20), vae.score_samples(X[:10, :, :24]))


@pytest.mark.parametrize(
    "params, message",
    [
        ({"kernel_sizes": (4, 3, 3)}, "odd positive ints"),
        ({"filters": (8,)}, "one kernel size per stride and one filter count fewer"),
        ({"strides": (2, 0, 2)}, "positive ints"),
    ],
)
def test_bad_architecture_names_the_problem(params, message):
    with pytest.raises(ValueError, match=message):
        _small(**params, max_epochs=1).fit(make_sines(20, 16, 1, random_state=0))


# ----------------------------------------------------------------- prior
def test_seasonal_prior_tells_january_from_july(daily, fitted_daily):
    vae = fitted_daily
    assert vae.prior_ == "seasonal" and vae.freq_ == pd.tseries.frequencies.to_offset(
        "D"
    )
    january = vae.sample(30, y="2030-01-01", n_timesteps=31, random_state=0)
    july = vae.sample(30, y="2030-07-01", n_timesteps=31, random_state=0)
    real = daily.groupby(daily.index.month).mean()
    gap_real = real[7] - real[1]
    gap_synth = july.mean() - january.mean()
    assert gap_synth > 0.7 * gap_real, (gap_synth, gap_real)
    # the learned prior alone also moves with the season
    prior_only = vae.set_params(sample_from="prior")
    assert (
        prior_only.sample(30, y="2030-07-01", n_timesteps=31, random_state=0).mean()
        > prior_only.sample(30, y="2030-01-01", n_timesteps=31, random_state=0).mean()
    )
    vae.set_params(sample_from="codes")


def test_seasonal_scores_need_timestamps(fitted_daily, daily):
    X = daily.to_numpy()[: 32 * 5].reshape(5, 32)
    starts = daily.index[::32][:5]
    scores = fitted_daily.score_samples(X, y=starts)
    assert np.isfinite(scores).all()
    assert fitted_daily.transform(X).shape == (5, 4 * 3)  # codes need no dates
    with pytest.raises(ValueError, match="needs the start timestamp of every series"):
        fitted_daily.score_samples(X)
    with pytest.raises(ValueError, match="y holds 2 start timestamps for 5 series"):
        fitted_daily.score_samples(X, y=starts[:2])
    # a pandas series carries its own dates; a whole year is one series
    assert fitted_daily.score_samples(daily["2016"]).shape == (1,)
    with pytest.raises(ValueError, match="steps by h, but ConvVAE was fitted on .*D"):
        hourly = pd.Series(0.0, pd.date_range("2016-01-01", periods=48, freq="h"))
        fitted_daily.score_samples(hourly)


def _ar_prior_covariance(rho, log_var, k):
    """Full covariance of one latent dimension's AR(1) prior over k steps."""
    lag = np.abs(np.subtract.outer(np.arange(k), np.arange(k)))
    scale = np.exp(0.5 * log_var)
    return np.outer(scale, scale) * rho**lag


def test_linked_prior_kl_is_exact():
    """The closed-form KL equals the KL between the full Gaussians."""
    torch.manual_seed(0)
    layers = ([4], [3, 3], [2, 2])
    module = ConvGaussianVAE(
        ConvEncoder(1, *layers, latent_dim=2),
        ConvDecoder(1, *layers, latent_dim=2),
        n_channels=1,
        period=4,
        latent_dim=2,
        prior=SeasonalPrior(2),
    )
    with torch.no_grad():
        module.rho_logit.copy_(torch.tensor([0.9, -0.4]))
        module.prior.coef.weight.normal_()
    mean, log_var = torch.randn(1, 5, 2), 0.3 * torch.randn(1, 5, 2)
    season = torch.rand(1, 5) * 6.28
    kl = module.prior_kl(mean, log_var, season=season).item()
    p_mean, p_log_var = module.prior(season)
    rho = np.tanh([0.9, -0.4])
    expected = 0.0
    for i in range(2):
        q = torch.distributions.MultivariateNormal(
            mean[0, :, i].double(), torch.diag(log_var[0, :, i].exp()).double()
        )
        cov = _ar_prior_covariance(rho[i], p_log_var[0, :, i].detach().numpy(), 5)
        p = torch.distributions.MultivariateNormal(
            p_mean[0, :, i].detach().double(), torch.as_tensor(cov)
        )
        expected += torch.distributions.kl_divergence(q, p).item()
    assert kl == pytest.approx(expected, rel=1e-4)


def test_latent_process_recovers_its_parameters():
    rng = np.random.RandomState(0)
    true = SeasonalLatentProcess(degree=1)
    true.mean_coef_ = np.array([[1.0], [0.0], [2.0]])  # 1 + 2 cos(angle)
    true.var_coef_ = np.array([[0.25], [0.0], [0.0]])
    true._var_floor = np.array([1e-6])
    true._set_link(np.eye(1), np.array([[0.8]]))
    angle = np.linspace(0, 4 * np.pi, 60)[None].repeat(300, 0)
    codes = true.sample(angle, rng)
    fitted = SeasonalLatentProcess(degree=1).fit(codes, np.zeros_like(codes), angle)
    assert_allclose(fitted.mean_coef_.ravel(), [1, 0, 2], atol=0.05)
    assert fitted.rho_[0] == pytest.approx(0.8, abs=0.03)
    assert fitted.var_coef_[0, 0] == pytest.approx(0.25, rel=0.1)


def test_latent_process_learns_the_links_between_dimensions():
    # dimension 1 copies dimension 0 of the step before, and both dimensions of
    # one step are correlated: a diagonal AR(1) would see neither
    rng = np.random.RandomState(0)
    true = SeasonalLatentProcess()
    true.mean_coef_, true.var_coef_ = np.zeros((1, 2)), np.ones((1, 2))
    true._var_floor = np.full(2, 1e-6)
    R0 = np.array([[1.0, 0.3], [0.3, 1.0]])
    R1 = np.array([[0.5, 0.0], [0.8, 0.3]])
    true._set_link(R0, R1)
    codes = true.sample(None, rng, shape=(400, 50))
    fitted = SeasonalLatentProcess().fit(codes, np.zeros_like(codes))
    assert_allclose(fitted.correlation_, R0, atol=0.03)
    assert_allclose(fitted.transition_, true.transition_, atol=0.03)
    drawn = fitted.sample(None, rng, shape=(400, 50))
    lag1 = np.einsum("nti,ntj->ij", drawn[:, 1:], drawn[:, :-1]) / (400 * 49)
    assert_allclose(lag1, R1, atol=0.05)


# ---------------------------------------------------------------- noise
def test_auto_epochs_are_a_budget_of_gradient_steps():
    # about 3000 steps, in 100 to 1000 epochs; a number is taken as given
    auto = ConvVAE()
    assert auto.max_epochs == "auto"
    assert auto._train_epochs(40, 10) == 750  # 4 steps an epoch
    assert auto._train_epochs(250, 64) == 750
    assert auto._train_epochs(100_000, 64) == 100  # 1563 steps an epoch
    assert auto._train_epochs(8, 8) == 1000  # one step an epoch
    assert ConvVAE(max_epochs=7)._train_epochs(40, 10) == 7
    with pytest.raises(ValueError, match="max_epochs"):
        ConvVAE(max_epochs="many").fit(np.zeros((4, 1, 16)))


def test_learned_noise_matches_the_data_noise():
    rng = np.random.RandomState(0)
    t = np.arange(64)
    smooth = np.sin(2 * np.pi * t / 16 + rng.uniform(0, 6.3, (300, 1)))
    X = smooth + rng.normal(0, 0.2, smooth.shape)
    vae = _small(max_epochs=60, lr=3e-3, latent_dim=4).fit(X)
    noise = vae.net_.module_.noise_scale().item() * vae.scaler_.scale_[0]
    assert noise == pytest.approx(0.2, rel=0.3)
    mean_draws = vae.sample(50, random_state=0)
    noisy = vae.sample(50, noise=True, random_state=0)
    rough = np.std(np.diff(noisy, axis=1) - np.diff(mean_draws, axis=1))
    assert rough == pytest.approx(np.sqrt(2) * noise, rel=0.1)


# --------------------------------------------------------------- pandas
def test_pandas_series_in_pandas_series_out(fitted_daily, daily):
    vae = fitted_daily
    one = vae.sample(y="2031-03-05", n_timesteps=100, random_state=0)
    assert isinstance(one, pd.Series) and one.name == "t"
    assert one.index[0] == pd.Timestamp("2031-03-05") and one.index.freqstr == "D"
    assert len(one) == 100
    several = vae.sample(
        3, y=["2031-01-01", "2031-02-01", "2031-03-01"], random_state=0
    )
    assert several.index.names == ["sample", "time"] or several.index.nlevels == 2
    assert several.xs(1).index[0] == pd.Timestamp("2031-02-01")
    # without y, starts come from the training windows
    drawn, drawn_starts = vae.sample(4, random_state=0, return_y=True)
    starts = drawn.groupby(level=0).apply(lambda s: s.index[0][1])
    assert starts.isin(daily.index).all()
    np.testing.assert_array_equal(starts.to_numpy(), drawn_starts.to_numpy())
    assert vae.inverse_transform(vae.transform(daily[:64])).shape == (1, 64)


def test_samples_start_at_the_phase_of_the_training_windows():
    """A start at another hour of the day keeps the diurnal phase of the data."""
    hours = pd.date_range("2020-01-01", periods=24 * 120, freq="h")
    daily_cycle = np.sin(2 * np.pi * (hours.hour - 9) / 24)  # peak at 15:00
    s = pd.Series(daily_cycle, index=hours)
    vae = ConvVAE(
        filters=(16, 16, 16),
        kernel_sizes=(5, 3, 3, 3),
        strides=(3, 2, 2, 2),
        latent_dim=2,
        window_length=96,
        max_epochs=40,
        lr=3e-3,
        random_state=0,
    ).fit(s)
    synth = vae.sample(5, y="2020-06-01 07:00", n_timesteps=48, random_state=0)
    peak_hours = synth.groupby(level=0).idxmax().map(lambda key: key[1].hour)
    assert peak_hours.between(14, 16).all(), peak_hours.tolist()


def test_bad_pandas_input_names_the_problem():
    hours = pd.date_range("2020-01-01", periods=400, freq="h")
    s = pd.Series(np.sin(np.arange(400) / 10), index=hours)
    with pytest.raises(ValueError, match="not regular: 1 of its steps"):
        _small().fit(s.drop(hours[50]))
    with pytest.raises(ValueError, match="needs a DatetimeIndex"):
        _small().fit(s.reset_index(drop=True))
    with pytest.raises(ValueError, match="no observed value"):
        _small().fit(s * np.nan)
    with pytest.raises(ValueError, match="fewer than the window_length=64"):
        _small().fit(s[:40])
    vae = _small(max_epochs=1).fit(s)
    with pytest.raises(ValueError, match="y holds 2 start timestamps for 3 samples"):
        vae.sample(3, y=["2021-01-01", "2021-01-02"])
    with pytest.raises(ValueError, match="start timestamps"):
        vae.sample(1, y="not a date")


def test_a_saved_model_keeps_its_calendar(fitted_daily, tmp_path):
    # pandas 3 indexes dates in microseconds: the file keeps them as such
    fitted_daily.save(tmp_path / "daily.npz")
    loaded = load(tmp_path / "daily.npz")
    pd.testing.assert_series_equal(
        loaded.sample(3, random_state=0), fitted_daily.sample(3, random_state=0)
    )


def test_arrays_with_start_timestamps(daily):
    X = daily.to_numpy()[: 32 * 40].reshape(40, 32)
    starts = daily.index[::32][:40]
    with pytest.raises(ValueError, match="needs freq"):
        _small(max_epochs=1).fit(X, starts)
    vae = _small(max_epochs=2, freq="D").fit(X, starts)
    assert vae.prior_ == "seasonal"
    assert vae.sample(2, y="2030-01-01", n_timesteps=40).shape == (2, 40)
    X_new, y_new = vae.sample(3, random_state=0, return_y=True)
    assert X_new.shape == (3, 32) and pd.Index(y_new).isin(starts).all()
    with pytest.raises(ValueError, match="prior='seasonal' needs timestamps"):
        _small(prior="seasonal").fit(X)
    unconditional = _small(max_epochs=1).fit(X)
    assert unconditional.prior_ == "standard"
    with pytest.raises(ValueError, match="unconditional"):
        unconditional.sample(2, y="2030-01-01")


def test_class_labels_as_y_in_a_pipeline_are_conditions_not_dates():
    """Pipelines pass class labels to every step's fit: the model is fitted
    conditionally, and transform encodes series without their labels."""
    rng = np.random.RandomState(0)
    t = np.arange(32)
    freq = np.r_[rng.uniform(0.05, 0.15, 60), rng.uniform(0.4, 0.6, 60)]
    X = np.sin(freq[:, None] * t + rng.uniform(0, 6.3, (120, 1)))
    y = np.repeat([0, 1], 60)
    pipe = make_pipeline(_small(max_epochs=20, lr=3e-3), KNeighborsClassifier())
    assert pipe.fit(X, y).score(X, y) > 0.9
    assert pipe[0].prior_ == "standard"
    assert pipe[0].conditions_.kind == "labels"


def test_mixture_sampling_draws_whole_training_windows(fitted_arrays):
    vae, X = fitted_arrays
    mixed = _small(max_epochs=5, sample_from="mixture").fit(X)
    assert mixed.latent_density_.means_.shape[1] == mixed.n_components_
    assert mixed.sample(4, random_state=0).shape == (4, 2, 32)
    with pytest.raises(ValueError, match="sample_from='mixture' draws codes of whole"):
        mixed.sample(2, n_timesteps=64)


@pytest.mark.slow  # 8 s: the fast layer's budget
def test_a_gappy_long_series_is_fitted_on_its_observed_values():
    """Trained with 30 % of the hours missing, the model samples and scores
    about as one trained on the complete series."""
    hours = pd.date_range("2020-01-01", periods=2000, freq="h")
    s = pd.Series(np.sin(2 * np.pi * np.arange(2000) / 24), index=hours)
    gappy = s.mask(np.random.RandomState(0).uniform(size=2000) < 0.3)
    fits = [_small(max_epochs=100, window_length=48).fit(x) for x in (s, gappy)]
    full, from_gaps = (f.sample(1, n_timesteps=480, random_state=0) for f in fits)
    assert not from_gaps.isna().any()
    assert from_gaps.std() == pytest.approx(full.std(), rel=0.25)
    assert float(fits[1].net_.module_.noise_scale()[0]) < 0.1
    assert np.isfinite(fits[1].score_samples(gappy[:48])).all()
