import numpy as np
import pytest
from numpy.testing import assert_array_equal

from sk_tsgen.datasets import make_sines


def test_make_sines_follows_the_timegan_recipe():
    X = make_sines(500, n_timesteps=30, n_channels=4, random_state=0)
    assert X.shape == (500, 4, 30)
    assert X.min() >= 0 and X.max() <= 1
    # first value sin(phase), phase in U(0, 0.1)
    first = 2 * X[..., 0] - 1
    assert first.min() >= 0 and first.max() <= np.sin(0.1)
    # frequency in U(0, 0.1): the series are increasing sine arcs with small steps
    steps = np.diff(np.arcsin(np.clip(2 * X - 1, -1, 1)), axis=2)
    freq_estimate = steps[..., 0]  # valid while f * t + p < pi / 2
    assert 0 <= freq_estimate.min() and freq_estimate.max() <= 0.1 + 1e-9
    assert abs(freq_estimate.mean() - 0.05) < 0.005


def test_make_sines_is_seeded():
    assert_array_equal(make_sines(5, random_state=1), make_sines(5, random_state=1))
    assert not np.allclose(make_sines(5, random_state=1), make_sines(5, random_state=2))


@pytest.mark.parametrize(
    "kwargs", [{"n_samples": 0}, {"n_samples": 2, "n_timesteps": 1.5}]
)
def test_make_sines_rejects_bad_sizes(kwargs):
    with pytest.raises(ValueError, match="must be a positive int"):
        make_sines(**kwargs)


def test_sin_cos_windows_are_the_tutorials_data():
    from sk_tsgen.datasets import make_sin_cos_windows

    # the recurrent autoencoder tutorial's own construction, channels last
    x = np.linspace(0, 100, 10000)
    tutorial = np.column_stack((np.sin(x), np.cos(x))).reshape((200, 50, -1))
    np.testing.assert_array_equal(make_sin_cos_windows(), tutorial.transpose(0, 2, 1))
    assert make_sin_cos_windows(1000, n_timesteps=25).shape == (40, 2, 25)
    with pytest.raises(ValueError, match="multiple of n_timesteps=30"):
        make_sin_cos_windows(1000, n_timesteps=30)
