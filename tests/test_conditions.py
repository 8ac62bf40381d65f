"""The shared encoding of conditions (labels, static covariates, timestamps)."""

import numpy as np
import pandas as pd
import pytest

from sk_tsgen.conditions import Conditions, calendar_features


def test_labels_are_one_hot_with_a_given_flag_and_drawn_at_their_frequencies():
    conditions = Conditions()
    encoded = conditions.fit(np.array(["b", "a", "b", "b"]))
    assert conditions.kind == "labels"
    np.testing.assert_array_equal(encoded[0], [0, 1, 1])
    np.testing.assert_array_equal(conditions.encode("a", 2), [[1, 0, 1]] * 2)
    drawn, _ = conditions.draw(4000, np.random.RandomState(0))
    assert abs(np.mean(drawn == "b") - 0.75) < 0.03


def test_an_unknown_label_lists_the_known_ones():
    conditions = Conditions()
    conditions.fit([1, 2, 2])
    with pytest.raises(ValueError, match=r"unknown label\(s\) \[7\].*\[1, 2\]"):
        conditions.encode([7], 1)


def test_covariates_standardise_numbers_and_one_hot_categories():
    y = pd.DataFrame({"age": [20.0, 40.0, 60.0], "site": ["x", "y", "x"]})
    conditions = Conditions()
    encoded = conditions.fit(y)
    assert conditions.kind == "covariates"
    assert encoded.shape == (3, 1 + 2 + 1)
    np.testing.assert_allclose(encoded[:, 0], [-1.2247449, 0.0, 1.2247449], rtol=1e-6)
    np.testing.assert_array_equal(encoded[:, 1:], [[1, 0, 1], [0, 1, 1], [1, 0, 1]])
    drawn, drawn_encoded = conditions.draw(5, np.random.RandomState(0))
    assert list(drawn.columns) == ["age", "site"]
    assert set(map(tuple, drawn.itertuples(index=False))) <= {
        (20.0, "x"),
        (40.0, "y"),
        (60.0, "x"),
    }
    np.testing.assert_array_equal(drawn_encoded, conditions.encode(drawn, 5))


def test_a_covariate_outside_the_training_range_warns_and_an_unknown_value_fails():
    conditions = Conditions()
    conditions.fit(pd.DataFrame({"age": [20.0, 40.0], "site": ["x", "y"]}))
    with pytest.warns(UserWarning, match="outside the range"):
        conditions.encode(pd.DataFrame({"age": [90.0], "site": ["x"]}), 1)
    with pytest.raises(ValueError, match="unknown value.*'site'"):
        conditions.encode(pd.DataFrame({"age": [30.0], "site": ["z"]}), 1)


def test_continuous_1d_y_is_one_numeric_covariate():
    conditions = Conditions()
    encoded = conditions.fit(np.linspace(0.0, 1.0, 50))
    assert conditions.kind == "covariates"
    assert encoded.shape == (50, 2)
    assert conditions.raw(0.5, 3).shape == (3,)


def test_missing_conditions_are_refused():
    with pytest.raises(ValueError, match="NaN"):
        Conditions().fit(np.array([0.1, np.nan, 0.3]))
    with pytest.raises(ValueError, match="missing values"):
        Conditions().fit(pd.DataFrame({"a": [1.0, 2.0], "s": ["x", None]}))


def test_timestamps_are_encoded_on_the_cycles_they_vary_along():
    # daily series that all start at midnight: the time of day says nothing
    days = pd.date_range("2021-01-01", periods=365, freq="D")
    conditions = Conditions()
    encoded = conditions.fit(days)
    assert conditions.kind == "timestamps"
    assert conditions.cycles_ == ["year", "week"]
    assert encoded.shape == (365, 2 * 2 + 2 * 3 + 1)
    # midsummer is the opposite of new year on the first harmonic of the year
    new_year, midsummer = conditions.encode(days[[0, 182]], 2)
    assert new_year[:2] == pytest.approx([0, 1], abs=1e-6)
    assert midsummer[:2] == pytest.approx([0, -1], abs=0.02)
    # a week later is the same day of the week
    np.testing.assert_allclose(encoded[0, 4:10], encoded[7, 4:10], atol=1e-6)
    # hourly starts add the time of day
    hours = Conditions()
    hours.fit(pd.date_range("2021-01-01", periods=100, freq="h"))
    assert hours.cycles_ == ["year", "week", "day"]


def test_timestamps_in_every_form_encode_alike():
    days = pd.date_range("2021-03-01", periods=30, freq="D")
    conditions = Conditions()
    expected = conditions.fit(days)
    for y in (
        days.as_unit("ns"),
        days.to_numpy(),
        pd.Series(days),
        list(days.to_pydatetime()),
        days.strftime("%Y-%m-%d").tolist(),  # strings, once fitted on dates
    ):
        np.testing.assert_allclose(conditions.encode(y, 30), expected, atol=1e-6)
    # strings alone are labels, not dates
    assert Conditions().fit(["2021-01-01", "2021-01-02"]).shape == (2, 3)
    # a zone-aware timestamp sits where its local time does
    noon = pd.DatetimeIndex(["2021-06-01 12:00"])
    tokyo_noon = noon.tz_localize("Asia/Tokyo")
    np.testing.assert_allclose(
        calendar_features(tokyo_noon), calendar_features(noon), atol=1e-12
    )


def test_timestamps_are_drawn_as_training_ones():
    days = pd.date_range("2021-01-01", periods=50, freq="D")
    conditions = Conditions()
    conditions.fit(days)
    drawn, encoded = conditions.draw(200, np.random.RandomState(0))
    assert isinstance(drawn, pd.DatetimeIndex) and drawn.isin(days).all()
    np.testing.assert_allclose(encoded, conditions.encode(drawn, 200))
    raw = conditions.raw("2021-02-03", 3)
    assert list(raw) == [pd.Timestamp("2021-02-03")] * 3


def test_bad_timestamps_name_the_problem():
    days = pd.date_range("2021-01-01", periods=50, freq="D")
    conditions = Conditions()
    conditions.fit(days)
    with pytest.raises(ValueError, match="fitted with timestamps.*must hold"):
        conditions.encode(["January"], 1)
    with pytest.raises(ValueError, match="both have a time zone or both have none"):
        conditions.encode(pd.Timestamp("2021-02-01", tz="UTC"), 1)
    with pytest.raises(ValueError, match="y holds 2 conditions for 3 samples"):
        conditions.encode(days[:2], 3, "samples")
    with pytest.raises(ValueError, match="NaT"):
        Conditions().fit(pd.DatetimeIndex(["2021-01-01", None]))
    with pytest.raises(ValueError, match=r"covariate\(s\) \['start'\] hold timestamps"):
        Conditions().fit(pd.DataFrame({"start": days, "level": 1.0}))
    # a time of day the model never saw varying is ignored, and said so
    with pytest.warns(UserWarning, match="same phase of the day.*ignored"):
        conditions.encode(pd.Timestamp("2021-02-01 12:00"), 1)
