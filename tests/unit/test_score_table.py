"""The score table `course grade` and `course report` print: it fits a terminal of 100 columns."""

from __future__ import annotations

from course.grading.scores import Row, format_table


def _rows(problems: list[str], students=("alice", "bob")) -> list[Row]:
    maxima = {p: 2.0 for p in problems}
    return [
        Row(
            s, "w08_regularization", {p: float(k % 3) for k, p in enumerate(problems)}, maxima, 7.0, 2.0 * len(problems)
        )
        for s in students
    ]


def test_a_narrow_week_is_titled_by_problem_names_without_test_():
    text = format_table(_rows(["test_softmax", "test_relu"]))
    assert text.splitlines()[1].split() == ["student", "softmax", "relu", "total"]
    assert "problems:" not in text


def test_a_wide_week_numbers_its_columns_and_lists_them_below():
    problems = [f"test_{name}" for name in "affine_forward affine_backward dropout_forward dropout_backward".split()]
    problems += [f"test_problem_with_a_long_name_{k}" for k in range(10)]
    text = format_table(_rows(problems))
    assert all(len(line) <= 100 for line in text.splitlines()), max(text.splitlines(), key=len)
    assert text.splitlines()[1].split() == ["student", *map(str, range(1, 15)), "total"]
    legend = " ".join(text.split("problems:", 1)[1].split())
    assert "1 affine_forward · 2 affine_backward" in legend and "14 problem_with_a_long_name_9" in legend
    assert text.splitlines()[3].split()[:3] == ["alice", "0", "1"]  # the scores stay in their columns
