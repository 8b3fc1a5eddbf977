"""build → bundled samples submitted → `course grade --workers 2` → exact scores in the gradebook.

The samples are graded in the session's shared batch (conftest.py's ``class_batch``: every week
built once, the samples and the honest corpus side by side, one `course grade --workers 2`);
every test here reads the samples' grades, and counts whatever the batch holds.
"""

from __future__ import annotations

import csv
import functools
import runpy
import subprocess
import sys

import nbformat
import pytest

from tests.support import NARROWED, REPO, errors_of, run_course, sample_weeks, stderr_in_graded_cells

SAMPLES = REPO / "course" / "samples"
GRADED_WEEKS = sample_weeks()


@functools.cache
def expected_for(week: str) -> dict:
    path = REPO / "tests" / "grading" / "expected" / f"{week}.py"
    assert path.is_file(), f"{week} has samples but no expected scores in {path}"
    return runpy.run_path(str(path))["EXPECTED"]


@pytest.fixture(scope="module")
def graded(class_batch):
    assert class_batch.result.returncode == 0, class_batch.result.stdout[-2000:] + class_batch.result.stderr[-2000:]
    return class_batch.root, class_batch.result


def submitted_to(root, week: str) -> list[str]:
    return sorted(p.parent.name for p in root.glob(f"submitted/*/{week}"))


@pytest.mark.skipif(bool(NARROWED), reason="COURSE_TEST_WEEKS narrows the weeks")
def test_every_week_has_the_four_kinds_of_sample():
    assert "w01_softmax" in GRADED_WEEKS
    for week in GRADED_WEEKS:
        names = {p.name for p in (SAMPLES / week).iterdir() if p.is_dir()}
        assert {"reference", "blank", "partial"} <= names, week
        assert set(expected_for(week)) == names, f"{week}: expected scores must cover exactly the samples"


@pytest.mark.parametrize("week", GRADED_WEEKS)
def test_each_sample_gets_its_exact_expected_score_per_problem(graded, week):
    from nbgrader.api import Gradebook

    from course.config import db_url

    root, _ = graded
    with Gradebook(db_url(root)) as gb:
        for sample, expected in expected_for(week).items():
            submission = gb.find_submission(week, sample)
            got = {
                grade.name: grade.score
                for nb in submission.notebooks
                for grade in nb.grades
                if grade.cell.__class__.__name__ == "GradeCell"
            }
            assert got == pytest.approx(expected), f"{week}/{sample}"


def test_reference_earns_every_point_and_blank_none(graded):
    from nbgrader.api import Gradebook

    from course.config import db_url

    root, _ = graded
    with Gradebook(db_url(root)) as gb:
        for week in GRADED_WEEKS:
            reference = gb.find_submission(week, "reference")
            assert reference.score == reference.max_score > 0
            assert gb.find_submission(week, "blank").score == 0


def graded_notebooks(root, sample: str, week: str) -> dict:
    """{file name: the notebook as the grader ran it} of one sample's submission."""
    return {
        p.name: nbformat.read(p, as_version=4) for p in sorted((root / "autograded" / sample / week).glob("*.ipynb"))
    }


@pytest.mark.parametrize("week", GRADED_WEEKS)
def test_the_source_runs_clean_with_its_solutions_and_hidden_tests(graded, week):
    """The reference sample is the release with the source's solutions (tests/notebooks checks both are
    current) and grading puts the hidden tests back: its graded run is the source notebook run top to
    bottom in the sandbox. Every code cell ran, none raised, no graded cell wrote to stderr."""
    root, _ = graded
    ran = graded_notebooks(root, "reference", week)
    assert sorted(ran) == sorted(p.name for p in (REPO / "source" / week).glob("*.ipynb"))
    for name, notebook in ran.items():
        not_run = [i for i, c in enumerate(notebook.cells, 1) if c.cell_type == "code" and not c.execution_count]
        assert not_run == [], f"{name}: cells {not_run} did not run"
        assert errors_of(notebook) == [], f"{name}: errors {errors_of(notebook)}"
        assert stderr_in_graded_cells(notebook) == [], f"{name}: graded cells wrote to stderr"


@pytest.mark.parametrize("week", GRADED_WEEKS)
def test_the_release_fails_only_where_a_student_must_write_code(graded, week):
    """The blank sample is the release as it is: run with its hidden tests, every error is a
    NotImplementedError of a function left to write, and there is at least one."""
    root, _ = graded
    for name, notebook in graded_notebooks(root, "blank", week).items():
        errors = errors_of(notebook)
        assert errors, f"{name}: no exercise left to do in the release"
        others = [e for e in errors if e[1] != "NotImplementedError"]
        assert others == [], f"{name}: errors other than NotImplementedError: {others}"


def test_grade_prints_a_summary_table_and_report_writes_csv(graded):
    root, result = graded
    assert "graded" in result.stdout and "reference" in result.stdout
    assert f"graded {len(list(root.glob('submitted/*/*')))} of" in result.stdout
    report = run_course("report", cwd=root)
    with (root / "reports" / "grades.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == len(list(root.glob("submitted/*/*")))  # one row per graded submission
    samples = [row for row in rows if row["student"] in expected_for(row["assignment"])]
    assert len(samples) == sum(len(expected_for(w)) for w in GRADED_WEEKS)
    for row in samples:
        expected = expected_for(row["assignment"])[row["student"]]
        for problem, points in expected.items():
            assert float(row[problem]) == points
        assert float(row["total"]) == sum(expected.values())
    assert "wrote" in report.stdout


def test_regrading_is_idempotent(graded):
    """Grading the same submissions again replaces, never duplicates, the grades."""
    from nbgrader.api import Gradebook

    from course.config import db_url

    root, _ = graded
    week = GRADED_WEEKS[0]
    run_course("grade", week, cwd=root)
    with Gradebook(db_url(root)) as gb:
        assert set(expected_for(week)) <= set(submitted_to(root, week))
        assert len(gb.find_assignment(week).submissions) == len(submitted_to(root, week))
        for sample, expected in expected_for(week).items():
            assert gb.find_submission(week, sample).score == sum(expected.values())


def test_feedback_never_shows_hidden_tests(graded):
    from course.paths import tool_env

    root, _ = graded
    week = GRADED_WEEKS[0]  # w01_softmax unless COURSE_TEST_WEEKS narrows the weeks
    result = subprocess.run(
        [sys.executable, "-m", "nbgrader", "generate_feedback", week, "--force"],
        cwd=root,
        env=tool_env(),
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    pages = list((root / "feedback").glob(f"*/{week}/*.html"))
    assert sorted(page.parent.parent.name for page in pages) == submitted_to(root, week)
    assert set(expected_for(week)) <= {page.parent.parent.name for page in pages}
    for page in pages:
        text = page.read_text()
        assert "BEGIN HIDDEN TESTS" not in text and "HIDDEN" not in text, page
        assert week != "w01_softmax" or "check_softmax(" not in text, page
        assert "assert_close" in text  # the visible tests are still there
