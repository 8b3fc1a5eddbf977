"""What a training cell returned is read or refused with a message that says what is wrong."""

from __future__ import annotations

import numpy as np
import pytest

from helpers.grading import CheckFailed
from helpers.grading.trained import trained_parameters

EXPECTED = {"W": np.zeros((2, 3)), "b": np.zeros(3)}


def read(raw):
    return trained_parameters(raw, EXPECTED, "train_model", "W, b", "case 1", "Does check_loss pass?")


def test_the_tuple_is_read_in_order():
    params = read((np.ones((2, 3)), np.full(3, 2.0)))
    assert list(params) == ["W", "b"] and params["b"][0] == 2.0


@pytest.mark.parametrize(
    "raw, fragment",
    [
        ({"W": 1}, "train_model returned a dict; it returns the tuple of the 2 parameters (W, b)"),
        ((np.ones((2, 3)),), "returned a tuple; it returns the tuple of the 2 parameters"),
        ((np.ones((3, 2)), np.ones(3)), "W has shape (3, 2), expected (2, 3)"),
        ((np.ones((2, 3)), np.array([1.0, np.nan, 0.0])), "inf or NaN: a gradient blew up. Does check_loss pass?"),
    ],
)
def test_what_is_wrong_is_named(raw, fragment):
    with pytest.raises(CheckFailed) as failed:
        read(raw)
    assert fragment in str(failed.value)
