"""The shared encoding of conditions (labels and static covariates)."""

import numpy as np
import pandas as pd
import pytest

from sk_tsgen.conditions import Conditions


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
