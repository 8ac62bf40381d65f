"""Channels kept between two others (a day's open and close between its low
and its high): found, checked, modelled, sampled, scored and imputed in
order."""

import numpy as np
import pandas as pd
import pytest

from sk_tsgen import DenseVAE, load, save
from sk_tsgen._channel_order import ChannelOrder, check_between, find_between
from sk_tsgen.cli import main
from sk_tsgen.tables import TableGenerator

pytestmark = pytest.mark.xdist_group("tables")

OHLC = {"Open": ("Low", "High"), "Close": ("Low", "High")}


def _ohlc(n_days=300, seed=0):
    """Daily prices of one stock: open, high, low, close, an adjusted close
    (always below the low) and a volume."""
    rng = np.random.RandomState(seed)
    close = 50 * np.exp(np.cumsum(rng.randn(n_days) * 0.02))
    open_ = np.r_[50, close[:-1]] * np.exp(rng.randn(n_days) * 0.005)
    high = np.maximum(open_, close) * np.exp(np.abs(rng.randn(n_days)) * 0.01)
    low = np.minimum(open_, close) * np.exp(-np.abs(rng.randn(n_days)) * 0.01)
    open_[::25] = low[::25]  # an open at the day's low, now and then
    return pd.DataFrame(
        {
            "date": pd.bdate_range("2020-01-01", periods=n_days),
            "Open": open_,
            "High": high,
            "Low": low,
            "Close": close,
            "Adj Close": close * 0.5,
            "Volume": rng.poisson(1e6, size=n_days),
        }
    )


def _out_of_order(frame: pd.DataFrame) -> int:
    bad = 0
    for member, (lo, hi) in OHLC.items():
        bad += int(((frame[member] < frame[lo]) | (frame[member] > frame[hi])).sum())
    return bad


@pytest.fixture(scope="module")
def stock():
    table = _ohlc()
    model = TableGenerator(
        DenseVAE(latent_dim=4, max_epochs=10, random_state=0),
        window_length=10,
        step=2,
        time_column="date",
    ).fit(table)
    return model, table


def test_find_between_takes_the_tightest_bounds():
    table = _ohlc().drop(columns="date")
    names = list(table.columns)
    # the adjusted close is always below the low, of overlapping range: the
    # low and high are still the bounds; the volume bounds nothing
    assert find_between(table.to_numpy(float), names) == OHLC
    assert find_between(table.to_numpy(float)[:99], names) == {}  # too few rows
    shuffled = table.assign(Open=np.random.RandomState(0).permutation(table["Open"]))
    assert find_between(shuffled.to_numpy(float), names) == {"Close": ("Low", "High")}


@pytest.mark.parametrize(
    "between, message",
    [
        ({"Open": ("Low", "Top")}, "'Top', which is not a channel"),
        ({"Open": ("Low",)}, "must be a pair of channels"),
        ({"Open": ("Open", "High")}, "lies between two others"),
        ({"Open": ("Low", "High"), "Low": ("Adj Close", "High")}, "a bound must"),
        ({"Open": ("Low", "High"), "Close": ("Adj Close", "High")}, "has one low"),
        ({"Open": ("Low", "High"), "High": ("Close", "Volume")}, "a bound must"),
        ({"Open": ("Low", "High"), "Close": ("High", "Volume")}, "both a high"),
    ],
)
def test_check_between_refuses_what_cannot_be_modelled(between, message):
    names = ["Open", "High", "Low", "Close", "Adj Close", "Volume"]
    with pytest.raises(ValueError, match=message):
        check_between(between, names)


def test_change_of_variables_is_inverted_and_its_jacobian_exact():
    names = ["Open", "High", "Low", "Close"]
    values = np.log(_ohlc()[names].to_numpy())
    order = ChannelOrder(OHLC, names, values)
    u = values.T
    np.testing.assert_allclose(order.inverse(order.forward(u)), u, atol=1e-9)
    # any values the generator draws come back in order
    drawn = order.inverse(np.random.RandomState(0).randn(4, 500) * 5)
    assert (drawn[0] >= drawn[2]).all() and (drawn[0] <= drawn[1]).all()
    assert (drawn[3] >= drawn[2]).all() and (drawn[3] <= drawn[1]).all()
    # the log-determinant against finite differences, at one day
    day = u[:, 7]
    step = 1e-6
    jacobian = np.empty((4, 4))
    for k in range(4):
        shift = np.zeros(4)
        shift[k] = step
        jacobian[:, k] = (
            order.forward((day + shift)[:, None])
            - order.forward((day - shift)[:, None])
        )[:, 0] / (2 * step)
    expected = np.log(abs(np.linalg.det(jacobian)))
    np.testing.assert_allclose(order.log_jacobian(day[:, None])[0], expected, rtol=1e-5)


def test_samples_keep_the_order(stock):
    model, table = stock
    assert model.between_ == OHLC
    drawn = model.sample(6, length=60, random_state=0)
    assert _out_of_order(drawn) == 0
    spread = np.log(drawn["High"] / drawn["Low"])
    assert spread.median() > 0.2 * np.log(table["High"] / table["Low"]).median()
    unordered = TableGenerator(
        DenseVAE(latent_dim=4, max_epochs=10, random_state=0),
        window_length=10,
        step=2,
        time_column="date",
        between=None,
    ).fit(table)
    assert unordered.between_ == {}
    assert _out_of_order(unordered.sample(6, length=60, random_state=0)) > 0


def test_scores_are_densities_of_the_values(stock):
    model, table = stock
    scores = model.score_table(table)["window_score"].dropna().to_numpy()
    windows, y = model.windows(table)
    expected = model.generator_.score_samples(model._to_model(windows), y)
    units = windows.copy()
    logged = np.isin(model.channels_, model.log_channels_)
    units[:, logged] = np.log(units[:, logged])
    jacobian = -np.log(windows[:, logged]).sum(axis=(1, 2))
    jacobian += model._order.log_jacobian(np.moveaxis(units, 1, 0)).sum(axis=1)
    np.testing.assert_allclose(scores, expected + jacobian, rtol=1e-9)
    # a day whose close lies above its high is scored far below its own
    broken = table.copy()
    broken.loc[150, "Close"] = broken.loc[150, "High"] * 1.02
    points = model.score_table(broken)["point_score"]
    assert points[150] < points.drop(index=range(140, 161)).min()


def test_imputed_cells_keep_the_order(stock):
    model, table = stock
    gappy = table.copy()
    gappy.loc[40:45, "Low"] = np.nan
    gappy.loc[100:103, ["Open", "Close"]] = np.nan
    gappy.loc[200:202, ["High", "Open"]] = np.nan
    filled = model.impute_table(gappy, n_imputations=2, random_state=0)
    assert _out_of_order(filled) == 0
    observed = gappy.notna()
    pd.testing.assert_frame_equal(filled[observed], table[observed])


def test_between_given_explicitly_or_refused():
    table = _ohlc().drop(columns="date")
    small = DenseVAE(latent_dim=2, max_epochs=1, random_state=0)
    model = TableGenerator(
        small, window_length=10, step=5, between={"Close": ["Low", "High"]}
    ).fit(table)
    assert model.between_ == {"Close": ("Low", "High")}
    broken = table.copy()
    broken.loc[[7, 9], "Close"] = broken.loc[[7, 9], "High"] + 1
    with pytest.raises(
        ValueError, match=r"'Close' lies outside \['Low', 'High'\] in 2"
    ):
        TableGenerator(small, between=OHLC).fit(broken)
    with pytest.raises(ValueError, match="name all of them or none"):
        TableGenerator(small, between=OHLC, log_channels=["Open", "High"]).fit(table)
    # a group with a non-positive channel: no logarithms for any of them
    shifted = table.assign(Low=table["Low"] - table["Low"].min())
    model = TableGenerator(small, window_length=10, step=5).fit(shifted)
    assert not {"Open", "High", "Low", "Close"} & set(model.log_channels_)


def test_saved_model_keeps_the_order(stock, tmp_path):
    model, _ = stock
    save(model, tmp_path / "stock.npz")
    loaded = load(tmp_path / "stock.npz")
    assert loaded.between_ == model.between_
    pd.testing.assert_frame_equal(
        loaded.sample(2, length=30, random_state=1),
        model.sample(2, length=30, random_state=1),
    )


def test_between_flag(tmp_path, capsys):
    data = tmp_path / "stock.csv"
    _ohlc().to_csv(data, index=False)
    out = tmp_path / "stock.npz"
    flags = ["--time-column", "date", "--set", "max_epochs=1", "--out", str(out)]
    assert main(["fit", str(data), *flags]) == 0
    assert "Open kept between Low and High" in capsys.readouterr().err
    assert load(out).between_ == OHLC
    for value, chosen in (("Close=Low:High", {"Close": ("Low", "High")}), ("none", {})):
        assert main(["--quiet", "fit", str(data), "--between", value, *flags]) == 0
        assert load(out).between_ == chosen
    assert main(["fit", str(data), "--between", "Close=Low", *flags]) == 2
    assert "is not CHANNEL=LOW:HIGH" in capsys.readouterr().err
