"""A regrade keeps what an instructor graded by hand.

The instructor's side is written through nbgrader's Gradebook API the way formgrader's
grade handler writes it: a manual score, and needs_manual_grade cleared.
"""

from __future__ import annotations

import csv

import nbformat
import pytest

from tests.support import REPO, copy_course, run_course

WEEK = "w01_softmax"
NOTEBOOK = "w01_softmax.ipynb"
MANUAL = {
    "grade": True,
    "solution": True,
    "locked": False,
    "points": 2,
    "grade_id": "explain_stability",
    "schema_version": 3,
}


@pytest.fixture(scope="module")
def graded_once(tmp_path_factory):
    root = copy_course(tmp_path_factory.mktemp("manual") / "course", weeks=[WEEK], release=True)
    source = root / "source" / WEEK / NOTEBOOK
    nb = nbformat.read(source, as_version=4)
    question = nbformat.v4.new_markdown_cell(
        "Why subtract the maximum before `np.exp`?\n\n"
        "### BEGIN SOLUTION\nSo that exp never overflows.\n### END SOLUTION"
    )
    question.metadata["nbgrader"] = dict(MANUAL)
    nb.cells.append(question)
    nbformat.write(nb, source)
    run_course("build", WEEK, cwd=root)
    submission = nbformat.read(REPO / "course" / "samples" / WEEK / "reference" / NOTEBOOK, as_version=4)
    answer = nbformat.v4.new_markdown_cell("Because exp(1000) overflows to inf.")
    answer.metadata["nbgrader"] = dict(MANUAL)
    submission.cells.append(answer)
    folder = root / "submitted" / "ada" / WEEK
    folder.mkdir(parents=True)
    nbformat.write(submission, folder / NOTEBOOK)
    run_course("grade", WEEK, cwd=root)
    return root


def grade_rows(root):
    from nbgrader.api import Gradebook

    from course.config import db_url

    gb = Gradebook(db_url(root))
    return gb, {g.name: g for nb in gb.find_submission(WEEK, "ada").notebooks for g in nb.grades}


def formgrader_sets(grade, manual_score):
    """What formgrader's grade handler does with a score typed in by the instructor."""
    grade.manual_score = manual_score
    grade.needs_manual_grade = grade.manual_score is None and grade.auto_score is None


def test_the_free_text_answer_waits_for_the_instructor(graded_once):
    gb, grades = grade_rows(graded_once)
    with gb:
        assert grades["explain_stability"].needs_manual_grade
        assert grades["explain_stability"].score == 0  # nbgrader's total before a manual grade
        assert grades["test_softmax"].auto_score == 2 and not grades["test_softmax"].needs_manual_grade


@pytest.mark.parametrize("force", [False, True], ids=["regrade", "regrade --force"])
def test_regrading_keeps_manual_scores_and_flags(graded_once, force):
    root = graded_once
    gb, grades = grade_rows(root)
    with gb:
        formgrader_sets(grades["explain_stability"], 1.5)
        formgrader_sets(grades["test_softmax"], 1.0)  # the instructor overrides an automatic score
        gb.db.commit()
    if not force:  # an unchanged submission is skipped; change it so that it is graded again
        path = root / "submitted" / "ada" / WEEK / NOTEBOOK
        nb = nbformat.read(path, as_version=4)
        nb.cells.append(nbformat.v4.new_code_cell("print('one more look')"))
        nbformat.write(nb, path)
    run_course("grade", WEEK, *(["--force"] if force else []), cwd=root)
    gb, grades = grade_rows(root)
    with gb:
        manual, overridden = grades["explain_stability"], grades["test_softmax"]
        assert manual.manual_score == 1.5 and not manual.needs_manual_grade and manual.score == 1.5
        assert overridden.manual_score == 1.0 and not overridden.needs_manual_grade and overridden.score == 1.0
        assert overridden.auto_score == 2  # the automatic score is still recorded beside it
        assert grades["test_relu"].auto_score == 1 and grades["test_relu"].manual_score is None


def test_the_report_says_which_scores_were_set_by_hand(graded_once):
    root = graded_once
    gb, grades = grade_rows(root)
    with gb:
        formgrader_sets(grades["test_softmax"], 1.0)  # the grader gave 2
        gb.db.commit()
    printed = run_course("report", WEEK, cwd=root).stdout
    assert "ada/w01_softmax: test_softmax: score set by hand in formgrader, 1 of 2 (the grader gave 2)" in printed
    assert "test_softmax: set by hand in formgrader" in printed  # the lost point's reason
    with (root / "reports" / "grades.csv").open() as handle:
        (row,) = [r for r in csv.DictReader(handle) if r["student"] == "ada"]
    assert "score set by hand in formgrader, 1 of 2 (the grader gave 2)" in row["notes"]
    assert "set by hand in formgrader" in (root / "reports" / "index.html").read_text()
