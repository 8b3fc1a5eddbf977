"""Time limits sized from the reference run (course/grading/time_limits.py): each cell CELL_FACTOR times
the reference's time with a floor, the notebook BUDGET_FACTOR times its total with a floor; an instructor's limits
in nbgrader_config.py win; the reason names the cell that ran out of time and its limit."""

from __future__ import annotations

import math

import nbformat
import pytest

from course.config import Limits, grading_config
from course.grading.time_limits import (
    BUDGET_FACTOR,
    BUDGET_FLOOR,
    CELL_FACTOR,
    CELL_FLOOR,
    METADATA_KEY,
    derive,
    out_of_time,
    sized,
)
from course.sandbox.execute import execute


def graded(grade_id: str, source: str):
    return nbformat.v4.new_code_cell(source, metadata={"nbgrader": {"grade_id": grade_id, "solution": True}})


def reference():
    return nbformat.v4.new_notebook(
        cells=[
            nbformat.v4.new_markdown_cell("# week"),
            nbformat.v4.new_code_cell("import numpy as np"),  # given, no grade_id
            graded("train", "def train(): ..."),
            nbformat.v4.new_code_cell("history = train()  # slow"),
        ]
    )


SLOW = 3 * CELL_FLOOR / CELL_FACTOR  # a cell whose limit is FACTOR times its time, above the floor


def measured():
    return {"course": {METADATA_KEY: derive(reference(), {1: 0.2, 2: 0.01, 3: SLOW}, asking=1.0)}}


def test_each_cell_gets_factor_times_the_reference_with_a_floor():
    limits = measured()["course"][METADATA_KEY]
    assert limits["cells"]["train"] == CELL_FLOOR  # 0.01 s: the floor
    assert sorted(limits["cells"].values()) == [CELL_FLOOR, CELL_FLOOR, 3 * CELL_FLOOR]
    assert limits["other"] == 3 * CELL_FLOOR
    assert limits["budget"] == max(BUDGET_FLOOR, math.ceil(BUDGET_FACTOR * (0.2 + 0.01 + SLOW + 1.0)))


def test_a_submission_gets_the_limits_of_its_cells_and_the_longest_for_its_own():
    student = reference()
    student.cells[2].source = "def train():\n    return [1, 2]  # the student's own text"
    student.cells.insert(3, nbformat.v4.new_code_cell("print('exploring')"))  # a cell of their own
    limits, per_cell = sized(student, measured(), Limits())
    assert per_cell == {1: CELL_FLOOR, 2: CELL_FLOOR, 4: 3 * CELL_FLOOR}  # by grade_id, and by given text
    assert limits.cell_timeout == 3 * CELL_FLOOR  # any other cell: the longest limit of the notebook
    assert limits.budget == BUDGET_FLOOR


def test_without_measured_limits_the_configured_ones_stand():
    assert sized(reference(), {}, Limits()) == (Limits(), {})


def test_an_instructors_limits_win(tmp_path):
    (tmp_path / "nbgrader_config.py").write_text(
        "c = get_config()\nc.Execute.timeout = 20\nc.CourseGrade.budget = 1000\n"
    )
    configured = grading_config(tmp_path).limits
    assert configured.explicit == {"cell_timeout", "budget"}
    limits, per_cell = sized(reference(), measured(), configured, configured.explicit)
    assert per_cell == {} and limits.cell_timeout == 20 and limits.budget == 1000
    (tmp_path / "nbgrader_config.py").write_text("c = get_config()\n")
    assert grading_config(tmp_path).limits.explicit == frozenset()


def test_the_reason_names_the_cell_its_limit_and_where_it_came_from():
    metadata = measured()
    assert out_of_time(reference(), 3, 3 * CELL_FLOOR, metadata) == (
        f"cell 4 ran out of time: its limit is {3 * CELL_FLOOR:g} s ({CELL_FACTOR:g}x the {SLOW:.1f} s the "
        "reference solution took)"
    )
    assert out_of_time(reference(), 2, CELL_FLOOR, metadata) == (
        f"cell 3 ran out of time: its limit is {CELL_FLOOR:g} s (the least any cell gets; the reference "
        "solution took under 0.1 s)"
    )
    assert out_of_time(reference(), 2, 20, {}) == "cell 3 ran out of time: its limit is 20 s"


@pytest.fixture(scope="module")
def looping():
    notebook = nbformat.v4.new_notebook(
        cells=[
            nbformat.v4.new_code_cell("x = 1"),
            nbformat.v4.new_code_cell("while True:\n    pass"),
            nbformat.v4.new_code_cell(
                "import time\nwhile True:\n    try:\n        time.sleep(1)\n    except BaseException:\n        pass"
            ),
            nbformat.v4.new_code_cell("print(x + 1)"),
        ]
    )
    outcome = execute(notebook, {}, [], Limits(cell_timeout=60, budget=200, max_restarts=1), cell_limits={1: 2, 2: 2})
    return notebook, outcome


def test_a_cell_past_its_own_limit_is_interrupted_and_noted(looping):
    notebook, outcome = looping
    assert outcome.timed_out.get(1) == 2 and notebook.cells[1].outputs[-1]["ename"] == "KeyboardInterrupt"
    assert outcome.seconds[0] < 2 and 3 not in outcome.timed_out


def test_a_cell_that_ignores_the_interrupt_is_skipped_with_its_limit(looping):
    notebook, outcome = looping
    assert outcome.skipped[2].startswith("this cell ran past its time limit of 2 s and ignored the interrupt")
    assert notebook.cells[3].outputs[0]["text"] == "2\n"  # the cells after it still ran, after a restart
