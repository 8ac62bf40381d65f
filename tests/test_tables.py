"""TableGenerator: series in long-layout tables, fitted, sampled, scored and
imputed in the data's units."""

import numpy as np
import pandas as pd
import pytest
from pandas.tseries.offsets import BDay, Hour

from sk_tsgen import DenseVAE, load, save
from sk_tsgen.tables import TableGenerator, infer_step, read_table, write_table

pytestmark = pytest.mark.xdist_group("tables")


def _table(n_days=12, seed=0):
    """Two hourly series (ids a and b) of a float and a count channel."""
    rng = np.random.RandomState(seed)
    frames = []
    for key, phase in (("a", 0.0), ("b", 1.0)):
        hours = pd.date_range("2024-03-01", periods=24 * n_days, freq="h")
        t = np.arange(len(hours))
        load_ = 10 + 3 * np.sin(2 * np.pi * t / 24 + phase) + rng.randn(len(t)) * 0.3
        count = rng.poisson(5 + 4 * (np.sin(2 * np.pi * t / 24) > 0), size=len(t))
        frames.append(
            pd.DataFrame({"site": key, "time": hours, "load": load_, "count": count})
        )
    return pd.concat(frames, ignore_index=True)


@pytest.fixture(scope="module")
def table():
    return _table()


@pytest.fixture(scope="module")
def model(table):
    return TableGenerator(
        DenseVAE(latent_dim=4, max_epochs=30, random_state=0),
        window_length=24,
        step=4,
        time_column="time",
        id_column="site",
    ).fit(table)


def test_infer_step():
    assert infer_step([pd.date_range("2024-01-01", periods=6, freq="15min")]) == (
        pd.tseries.frequencies.to_offset("15min")
    )
    trading = pd.bdate_range("2024-01-01", periods=60).delete([10, 30, 31])
    assert isinstance(infer_step([trading]), BDay)
    # an hour missing: still hourly
    hours = pd.date_range("2024-01-01", periods=48, freq="h").delete(5)
    assert infer_step([hours, hours]) == Hour()
    assert infer_step([pd.DatetimeIndex(["2024-01-01"])]) is None


def test_fit_reads_the_layout(model, table):
    assert model.channels_ == ["load", "count"]
    assert model.integer_channels_ == ["count"]
    low, high = model.channel_range_
    assert np.array_equal(low, table[["load", "count"]].min())
    assert np.array_equal(high, table[["load", "count"]].max())
    assert model.series_ids_ == ["a", "b"]
    assert model.freq_ == Hour() and model.calendar_
    assert model.last_time_ == table["time"].max()
    # windows every 4 hours of both series: the generator saw (n, 2, 24)
    n_windows = 2 * (len(range(0, 24 * 12 - 24 + 1, 4)) + 0)
    assert model.generator_.n_features_in_ == 2 * 24
    assert len(model.windows(table)[0]) == n_windows


def test_sample_continues_the_calendar_in_the_data_units(model, table):
    out = model.sample(3, length=60, random_state=0)
    assert list(out.columns) == ["series", "time", "load", "count"]
    assert len(out) == 180 and sorted(out["series"].unique()) == [0, 1, 2]
    first = out[out["series"] == 1]["time"]
    assert first.iloc[0] == table["time"].max() + pd.Timedelta("1h")
    assert (first.diff().dropna() == pd.Timedelta("1h")).all()
    # the units of the data: a daily cycle around 10, counts as whole numbers
    assert 8 < out["load"].mean() < 12
    assert np.array_equal(out["count"], np.round(out["count"]))
    low, high = model.channel_range_
    assert (out[["load", "count"]] >= low).all().all()
    assert (out[["load", "count"]] <= high).all().all()
    # the same seed, the same series; a start of one's own
    pd.testing.assert_frame_equal(out, model.sample(3, length=60, random_state=0))
    later = model.sample(1, length=5, start="2025-01-01 06:00", random_state=0)
    assert str(later["time"].iloc[0]) == "2025-01-01 06:00:00"
    assert len(model.sample(2)) == 2 * 24  # one window by default


def test_chained_samples_follow_the_daily_cycle(model):
    """Windows are chained: the cycle keeps its phase over three days."""
    out = model.sample(20, length=72, start="2024-04-01", random_state=1)
    hour = out["time"].dt.hour
    profile = out.groupby(hour)["load"].mean()
    # series a (phase 0) and b (phase 1) average to a peak near 6 h / 18 h troughs
    t = np.arange(24)
    truth = (np.sin(2 * np.pi * t / 24) + np.sin(2 * np.pi * t / 24 + 1.0)) / 2
    assert np.corrcoef(profile.to_numpy(), truth)[0, 1] > 0.8
    # the day at 48-72 h follows the same cycle as the first day
    day3 = out[out["time"] >= "2024-04-03"].groupby(hour)["load"].mean()
    assert np.corrcoef(day3.to_numpy(), truth)[0, 1] > 0.7


def test_score_table_scores_every_row(model, table):
    scores = model.score_table(table)
    assert list(scores.columns) == ["site", "time", "window_score", "point_score"]
    assert len(scores) == len(table)
    starts = scores["window_score"].notna()
    # a window every 4 steps, and one more ending on the last step
    assert starts.sum() == len(model.windows(table)[0])
    assert np.isfinite(scores["point_score"]).all()
    spiked = table.copy()
    spiked.loc[100, "load"] += 15.0
    spiked_scores = model.score_table(spiked)["point_score"]
    assert spiked_scores.idxmin() in range(77, 124)
    assert spiked_scores[100] < scores["point_score"].quantile(0.01)


def test_impute_table_keeps_observed_values(model, table):
    gappy = table.copy()
    rng = np.random.RandomState(0)
    holes = rng.uniform(size=len(gappy)) < 0.1
    gappy.loc[holes, "load"] = np.nan
    gappy.loc[300:309, "load"] = np.nan
    filled = model.impute_table(gappy, random_state=0)
    assert filled["load"].notna().all()
    kept = gappy["load"].notna()
    assert np.array_equal(filled.loc[kept, "load"], gappy.loc[kept, "load"])
    assert filled["count"].dtype == table["count"].dtype  # no gap, no change
    gap = gappy["load"].isna()
    error = np.abs(filled.loc[gap, "load"] - table.loc[gap, "load"]).mean()
    interpolated = gappy["load"].interpolate()
    baseline = np.abs(interpolated[gap] - table.loc[gap, "load"]).mean()
    assert error < 1.5 * baseline


def test_rows_missing_from_a_regular_grid_are_gaps(model, table):
    short = table.drop(index=[50, 51, 52]).reset_index(drop=True)
    scores = model.score_table(short)
    assert len(scores) == len(table)  # the three hours come back
    filled = model.impute_table(short, random_state=0)
    assert len(filled) == len(table)
    back = filled.iloc[-3:]
    assert list(back["time"]) == list(table["time"].iloc[50:53])
    assert back["load"].notna().all() and (back["site"] == "a").all()


def test_trading_days_are_consecutive_steps():
    days = pd.bdate_range("2020-01-01", periods=200).delete([3, 40, 41, 90])
    rng = np.random.RandomState(0)
    table = pd.DataFrame(
        {"day": days.strftime("%Y-%m-%d"), "price": 100 + rng.randn(196).cumsum()}
    )
    model = TableGenerator(
        DenseVAE(max_epochs=2, random_state=0), time_column="day"
    ).fit(table)
    assert isinstance(model.freq_, BDay)
    assert model.window_length_ == 15  # three weeks of trading days
    out = model.sample(1, length=10, random_state=0)
    assert (out["day"].dt.dayofweek < 5).all()
    assert len(model.score_table(table)) == len(table)


def test_times_with_changing_offsets_read_in_utc():
    """Local times written with their offset change it at summer time; the
    hours stay one hour apart, in UTC."""
    hours = pd.date_range("2024-03-25", periods=240, freq="h", tz="Europe/Oslo")
    table = pd.DataFrame(
        {"t": hours.strftime("%Y-%m-%d %H:%M:%S%z"), "v": np.sin(np.arange(240) / 4)}
    )
    model = TableGenerator(
        DenseVAE(max_epochs=1, random_state=0), time_column="t", window_length=24
    ).fit(table)
    assert model.freq_ == Hour()
    assert model.last_time_ == hours[-1].tz_convert("UTC")
    assert len(model.score_table(table)) == 240  # no hour lost or added


def test_untimed_table_and_save_load(tmp_path, model, table):
    plain = table[["load", "count"]].iloc[:200]
    untimed = TableGenerator(DenseVAE(max_epochs=2, random_state=0)).fit(plain)
    assert untimed.window_length_ == 24 and not untimed.calendar_
    assert list(untimed.sample(2, length=30, random_state=0).columns) == [
        "series",
        "load",
        "count",
    ]
    with pytest.raises(ValueError, match="no calendar"):
        untimed.sample(1, start="2024-01-01")
    path = tmp_path / "model.npz"
    save(model, path)
    loaded = load(path)
    pd.testing.assert_frame_equal(loaded.score_table(table), model.score_table(table))
    pd.testing.assert_frame_equal(
        loaded.sample(2, length=30, random_state=0),
        model.sample(2, length=30, random_state=0),
    )


@pytest.mark.parametrize(
    "change, kwargs, match",
    [
        (lambda t: t.assign(note="x"), {}, "Column 'note' is not numeric"),
        (lambda t: t, {"time_column": "when"}, "time column 'when' is not in"),
        (lambda t: t.assign(time="soon"), {}, "not times"),
        (lambda t: t.assign(time=np.arange(len(t))), {}, "holds numbers, not times"),
        (lambda t: t.iloc[:10], {}, "Every series is too short"),
        (lambda t: t.assign(site="a"), {}, "repeats"),
        (lambda t: t.assign(load=np.inf), {}, "infinite"),
    ],
)
def test_fit_errors_name_the_problem(table, change, kwargs, match):
    params = {"time_column": "time", "id_column": "site", "window_length": 24}
    model = TableGenerator(DenseVAE(max_epochs=1), **{**params, **kwargs})
    with pytest.raises(ValueError, match=match):
        model.fit(change(table))


def test_errors_after_fit(model, table):
    with pytest.raises(ValueError, match=r"lacks the channel column\(s\) \['count'\]"):
        model.score_table(table.drop(columns="count"))
    with pytest.raises(ValueError, match="series 'a' has 10 steps"):
        model.impute_table(table.iloc[:10])
    with pytest.raises(ValueError, match="n_series must be at least 1"):
        model.sample(0)
    with pytest.raises(TypeError, match="DataFrame"):
        model.score_table(table.to_numpy())


def test_read_and_write_tables(tmp_path, table):
    for name in ("t.csv", "t.csv.gz"):
        write_table(table, tmp_path / name)
        back = read_table(tmp_path / name)
        assert back.shape == table.shape
    with pytest.raises(ValueError, match="unknown file type .xlsx"):
        read_table(tmp_path / "t.xlsx")
    with pytest.raises(FileNotFoundError, match="no such file"):
        read_table(tmp_path / "nothing.csv")
    (tmp_path / "empty.csv").write_text("a,b\n")
    with pytest.raises(ValueError, match="no rows"):
        read_table(tmp_path / "empty.csv")
    table.to_csv(tmp_path / "semicolons.csv", sep=";", index=False)
    assert read_table(tmp_path / "semicolons.csv").shape == table.shape


@pytest.mark.slow
def test_parquet_files(tmp_path, table):
    """Parquet needs pyarrow (the parquet extra), which CI installs for the
    slow layer."""
    pytest.importorskip("pyarrow")
    write_table(table, tmp_path / "t.parquet")
    pd.testing.assert_frame_equal(read_table(tmp_path / "t.parquet"), table)
    (tmp_path / "bad.parquet").write_text("not parquet")
    with pytest.raises(ValueError, match="cannot read it as parquet"):
        read_table(tmp_path / "bad.parquet")


def _priced_table(seed=0):
    """One business-daily series: a price that grows tenfold (a random walk
    of its logarithm), a narrow positive channel and a count with zeros."""
    rng = np.random.RandomState(seed)
    days = pd.bdate_range("2020-01-01", periods=300)
    log_price = np.log(5.0) + np.linspace(0, np.log(12.0), 300)
    log_price += np.cumsum(rng.randn(300) * 0.01)
    return pd.DataFrame(
        {
            "date": days,
            "price": np.exp(log_price),
            "level": 100 + rng.randn(300),
            "trades": rng.poisson(1.0, size=300),
        }
    )


@pytest.fixture(scope="module")
def priced():
    table = _priced_table()
    model = TableGenerator(
        DenseVAE(latent_dim=4, max_epochs=10, random_state=0),
        window_length=10,
        step=2,
        time_column="date",
    ).fit(table)
    return model, table


def test_wide_positive_channels_are_modelled_as_logarithms(priced):
    model, table = priced
    # the level spans 1.1 times, the count has zeros
    assert model.log_channels_ == ["price"]
    windows, _ = model.windows(table, step=2)
    np.testing.assert_allclose(
        model.generator_.scaler_.mean_,
        [np.log(windows[:, 0]).mean(), windows[:, 1].mean(), windows[:, 2].mean()],
        rtol=1e-6,
    )
    drawn = model.sample(4, length=45, random_state=0)
    low, high = table["price"].min(), table["price"].max()
    assert drawn["price"].between(low, high).all()
    assert drawn["price"].max() / drawn["price"].min() > 1.05
    assert drawn["price"].nunique() > 100
    windows = model.sample_windows(3, y=model.last_time_, random_state=0)
    assert windows.shape == (3, 3, 10) and (windows[:, 0] > 0).all()


def test_scores_of_log_channels_are_densities_of_the_values(priced):
    model, table = priced
    scores = model.score_table(table)
    windows, y = model.windows(table)
    logged = windows.copy()
    logged[:, 0] = np.log(logged[:, 0])
    expected = model.generator_.score_samples(logged, y)
    expected = expected - np.log(windows[:, 0]).sum(axis=-1)
    np.testing.assert_allclose(scores["window_score"].dropna(), expected, rtol=1e-9)


def test_imputed_log_channels_stay_positive(priced):
    model, table = priced
    gappy = table.copy()
    gaps = np.zeros(len(gappy), bool)
    gaps[40:46] = gaps[200:203] = True
    gappy.loc[gaps, "price"] = np.nan
    filled = model.impute_table(gappy, n_imputations=2, random_state=0)
    assert (filled["price"] > 0).all()
    np.testing.assert_array_equal(filled["price"][~gaps], table["price"][~gaps])
    # within a factor of 2 of the truth, given the days around the gaps
    ratio = filled["price"][gaps] / table["price"][gaps]
    assert ratio.between(0.5, 2.0).all()


def test_log_channels_chosen_or_refused():
    table = _priced_table()
    small = DenseVAE(latent_dim=2, max_epochs=1, random_state=0)
    for log_channels, chosen in ((None, []), (["level"], ["level"])):
        model = TableGenerator(
            small, window_length=10, step=5, log_channels=log_channels
        ).fit(table.drop(columns="date"))
        assert model.log_channels_ == chosen
    with pytest.raises(ValueError, match="'volume', which is not a channel"):
        TableGenerator(small, log_channels=["volume"]).fit(table.drop(columns="date"))
    with pytest.raises(ValueError, match="'trades', whose values are not all positive"):
        TableGenerator(small, log_channels=["trades"]).fit(table.drop(columns="date"))
    model = TableGenerator(small, window_length=10, step=5).fit(
        table.drop(columns="date")
    )
    negative = table.drop(columns="date").assign(price=-table["price"])
    with pytest.raises(
        ValueError, match=r"\['price'\] were modelled as their logarithms"
    ):
        model.score_table(negative)


def test_text_that_marks_missing_values(tmp_path, table):
    path = tmp_path / "nil.csv"
    marked = table.astype({"load": object})
    marked.loc[[3, 30], "load"] = "nil"
    marked.to_csv(path, index=False)
    model = TableGenerator(time_column="time", id_column="site")
    with pytest.raises(
        ValueError, match=r"holds numbers and 2 cells of text \('nil'\)"
    ):
        model.fit(read_table(path))
    read = read_table(path, missing_values=["nil"])
    assert read["load"].isna().sum() == 2 and read["load"].dtype == np.float64
    np.testing.assert_allclose(read["load"].drop([3, 30]), table["load"].drop([3, 30]))


def test_a_few_repeated_times_are_averaged(model, table):
    # the hour that summer time's end repeats, recorded twice
    repeated = pd.concat([table.iloc[:30], table.iloc[[29]], table.iloc[30:]])
    repeated = repeated.reset_index(drop=True)
    repeated.loc[30, "load"] = repeated.loc[29, "load"] + 2.0
    repeated.loc[[29, 31], "count"] = np.nan
    with pytest.warns(UserWarning, match="repeats 1 time"):
        scores = model.score_table(repeated)
    assert len(scores) == len(table)
    with pytest.warns(UserWarning, match="repeats 1 time"):
        windows, _ = model.windows(repeated)
    # one step of the mean load; the count read from the row that has one
    expected = table.copy()
    expected.loc[29, "load"] += 1.0
    expected.loc[30, "count"] = np.nan
    np.testing.assert_array_equal(windows, model.windows(expected)[0])
    with pytest.warns(UserWarning, match="repeats 1 time"):
        filled = model.impute_table(repeated, n_imputations=2, random_state=0)
    # both rows of the repeated hour read its one count; the hour after is imputed
    assert filled.loc[29, "count"] == filled.loc[30, "count"] == table.loc[29, "count"]
    assert filled["count"].notna().all() and len(filled) == len(repeated)
    many = pd.concat([table, table.iloc[:20]]).reset_index(drop=True)
    with pytest.raises(ValueError, match=r"repeats .* \(and 19 other times\)"):
        model.score_table(many)


def test_auto_step_keeps_a_long_series_to_about_ten_thousand_windows():
    long = pd.DataFrame({"x": np.sin(np.arange(30_000) / 5.0)})
    small = DenseVAE(latent_dim=2, max_epochs=1, random_state=0)
    model = TableGenerator(small, window_length=24).fit(long)
    assert model.step_ == 3  # 29,977 windows at step 1
    assert len(model.windows(long)[0]) == 9993
    # every row in at least four windows: at most a quarter of the length
    assert TableGenerator(small, window_length=8).fit(long).step_ == 2
    assert TableGenerator(small, window_length=24).fit(long.iloc[:5000]).step_ == 1
