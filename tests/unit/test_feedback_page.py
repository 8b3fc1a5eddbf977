"""What a feedback page is made of, without grading: maths as MathML (readable offline), graded cells named
by their exercise's heading, and the line of the student's code that raised."""

from __future__ import annotations

import linecache
import re

import nbformat
import numpy as np

from course.reporting.feedback import exercise_names
from course.reporting.offline_math import markdown_with_mathml, mathml
from course.sandbox.execute import RAISED_IN, hide_test_code, student_frame

# --------------------------------------------------------------------------- maths


def test_inline_and_display_maths_become_mathml():
    out = markdown_with_mathml("the gradient $\\partial J/\\partial z$ and\n\n$$\\hat y = \\frac{1}{1+e^{-z}}$$\n")
    assert "$" not in out
    assert out.count("<math") == 2 and 'display="block"' in out
    assert "<mfrac>" in out


def test_code_keeps_its_dollars():
    text = "run `echo $HOME` then\n```bash\nprice=$5 and $6\n```\nwith $x$"
    out = markdown_with_mathml(text)
    assert "`echo $HOME`" in out and "price=$5 and $6" in out
    assert out.count("<math") == 1


def test_inline_maths_wrapped_over_two_lines_but_never_across_paragraphs():
    assert markdown_with_mathml("a $x +\ny$ b").count("<math") == 1
    assert "<math" not in markdown_with_mathml("costs $5\n\nand $6")


def test_a_table_cell_keeps_its_column_when_its_maths_has_a_bar():
    row = "| norm | $\\|w\\|_2$ | $|x|$ |"
    out = markdown_with_mathml(row)
    assert out.count("|") == 4  # only the table's own bars are left
    assert out.count("<math") == 2


def test_markdown_cannot_act_inside_the_mathml():
    element = mathml("a_1 * b_2 \\text{[link](x)}")
    texts = "".join(re.findall(r">([^<]+)<", element))
    assert not set("*_[]") & set(texts)
    assert "\n" not in element


# --------------------------------------------------------------------------- exercise names


def _cells():
    md, code = nbformat.v4.new_markdown_cell, nbformat.v4.new_code_cell

    def graded(grade_id, **extra):
        cell = code("pass")
        cell.metadata["nbgrader"] = {"grade": True, "grade_id": grade_id, "points": 1, **extra}
        return cell

    return [
        md("# Week 1\n\n## 1. Activations"),
        graded("test_intro"),
        md("### Exercise 2 — stable softmax (2 points)\n\nSubtract the maximum."),
        code("def softmax(z): ..."),
        graded("test_softmax"),
        md("### Exercise 3 — forward (1 point) and backward (0.5 points)"),
        graded("test_forward"),
        graded("test_backward"),
    ]


def test_graded_cells_are_named_by_the_heading_above_them_without_points():
    names = exercise_names(_cells())
    assert names == {
        1: "1. Activations",
        4: "Exercise 2 — stable softmax",
        6: "Exercise 3 — forward and backward, part 1",
        7: "Exercise 3 — forward and backward, part 2",
    }


# --------------------------------------------------------------------------- the line that raised

ESC = "\x1b"
IPYTHON_TRACEBACK = [
    f"{ESC}[31m----------{ESC}[39m",
    f"{ESC}[31mNameError{ESC}[39m                                 Traceback (most recent call last)",
    f"{ESC}[36mCell{ESC}[39m{ESC}[36m {ESC}[39m{ESC}[32mIn[7]{ESC}[39m{ESC}[32m, line 2{ESC}[39m\n"
    f"{ESC}[32m----> {ESC}[39m{ESC}[32m2{ESC}[39m check_secret_case(softmax)\n",
    f"{ESC}[36mCell{ESC}[39m{ESC}[36m {ESC}[39m{ESC}[32mIn[3]{ESC}[39m{ESC}[32m, line 3{ESC}[39m, in "
    f"{ESC}[36msoftmax{ESC}[39m{ESC}[34m(z){ESC}[39m\n{ESC}[32m      2{ESC}[39m def softmax(z):\n"
    f"{ESC}[32m----> {ESC}[39m{ESC}[32m3{ESC}[39m     shifted = zz - np.max(z)\n",
    f"{ESC}[31mNameError{ESC}[39m: name 'zz' is not defined",
]


def test_the_students_line_is_quoted_and_the_test_cells_never():
    assert student_frame(IPYTHON_TRACEBACK, {1, 2, 3}) == (
        f"{RAISED_IN}softmax, line 3 of its cell: `shifted = zz - np.max(z)`"
    )
    # a frame in a test cell (here In[7]) is not the student's: its hidden part is not quoted
    assert student_frame(IPYTHON_TRACEBACK, {7}) is None
    cell = nbformat.v4.new_code_cell("")
    cell.outputs = [nbformat.v4.new_output("error", ename="NameError", evalue="name 'zz' is not defined")]
    cell.outputs[0]["traceback"] = IPYTHON_TRACEBACK
    hide_test_code(cell, {3})
    assert cell.outputs[0]["traceback"] == [
        f"{RAISED_IN}softmax, line 3 of its cell: `shifted = zz - np.max(z)`",
        "NameError: name 'zz' is not defined",
    ]
    hide_test_code(cell, set())
    assert "check_secret_case" not in str(cell.outputs[0]["traceback"])


def test_a_hidden_check_names_the_line_of_the_students_function_that_raised():
    from helpers.grading import CHECKS, call_student

    filename = "/tmp/ipykernel_1/123.py"  # how IPython names a cell's code
    source = "def relu(z):\n    zero = 0\n    return np.maximum(zero, zz)\n"
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    namespace = {"np": np}
    exec(compile(source, filename, "exec"), namespace)
    check = CHECKS["relu"]
    call = call_student(check, namespace["relu"], check.cases(np.random.default_rng(0))[0])
    assert call.error.startswith("raised NameError: name 'zz' is not defined")
    assert "(in relu, line 3 of its cell: `return np.maximum(zero, zz)`)" in call.error
