"""What the judge says about a wrong result: the numbers' story, and a way to see the case."""

from __future__ import annotations

import numpy as np
import pytest

from helpers.grading import CheckFailed, compare, show_case
from tests.unit.check_helpers import fails


def message(expected, got, **kw):
    with pytest.raises(CheckFailed) as info:
        compare(np.asarray(expected, float), np.asarray(got, float), "dW", "case 1", 1e-7, **kw)
    return str(info.value)


def test_the_output_is_named_and_a_wrong_sign_is_said():
    e = np.array([[1.0, -2.0], [3.0, 0.5]])
    text = message(e, -e)
    assert "`dW` is wrong" in text and "opposite sign" in text


@pytest.mark.parametrize("factor,says", [(4.0, "a sum where a mean was wanted"), (0.25, "a mean where a sum")])
def test_a_constant_factor_is_named(factor, says):
    e = np.arange(1.0, 7.0).reshape(2, 3)
    text = message(e, e * factor)
    assert f"exactly {factor:g} × the expected one" in text and says in text


def test_a_transpose_is_named_for_square_and_for_other_shapes():
    e = np.array([[1.0, 2.0], [3.0, 4.0]])
    assert "transpose" in message(e, e.T)
    r = np.arange(6.0).reshape(2, 3)
    assert "It is the transpose of the expected result" in message(r, r.T)


def test_an_ordinary_mistake_gets_no_made_up_story():
    e = np.array([1.0, 2.0, 3.0])
    text = message(e, np.array([1.0, 2.0, 3.5]))
    assert "opposite sign" not in text and "×" not in text and "transpose" not in text


def test_a_failing_case_can_be_shown_to_a_self_learner(capsys):
    text = fails("softmax", lambda z: np.exp(z) / np.exp(z).sum(axis=-1, keepdims=True), "large logits")
    assert "helpers.grading.show_case('softmax', 3)" in text
    case = show_case("softmax", 3)
    out = capsys.readouterr().out
    assert "large logits" in case.label and "argument 1:" in out and "expected softmax:" in out


def test_show_case_refuses_what_does_not_exist():
    with pytest.raises(ValueError, match="no check named"):
        show_case("nope", 1)
    with pytest.raises(ValueError, match="has cases 1 to"):
        show_case("softmax", 99)


def test_by_hand_answers_have_no_show_case_line():
    text = fails("output_size_drill", lambda: [3, 28, 1, 2, 55, 1216], "question 3")
    assert "show_case" not in text


def test_a_function_that_raises_gets_the_shape_of_a_wrong_value():
    """The case, the exception, the check's hint and the way to see the inputs: what a wrong value gets."""

    def broken(z):
        if z.shape[0] > 1:
            raise ValueError("operands could not be broadcast together")
        return np.exp(z) / np.exp(z).sum(axis=-1, keepdims=True)

    text = fails("softmax", broken, "softmax, case", "raised ValueError: operands could not be broadcast", "Hint:")
    assert "helpers.grading.show_case('softmax', " in text
    first_line = text.splitlines()[0]  # what the grader's report shows
    assert "case" in first_line and "raised ValueError" in first_line


def test_a_missing_function_or_a_borrowed_reference_is_said_alone():
    def not_yet(z):
        raise NotImplementedError()

    text = fails("softmax", not_yet, "not implemented yet")
    assert "Hint:" not in text and "show_case" not in text
