"""Honest submissions of every week earn every point, graded together in one batch.

The corpus (the package tests/grading/honest/) is built from each week's reference sample as
course/authoring/make_samples.py makes it from the scratch course's source and release. It is graded in
the session's shared batch (conftest.py's ``class_batch``: one `course grade --workers 2` for the
corpus and the bundled samples of every week); each submission is its own test, so a failure
names it. When one loses points, its functions are also run in process through the public checks
its hidden tests call (``check_in_process``), and the failure says what they found: a wrong variant
(the corpus's bug) reads differently from a right one the grader marked down (the grader's).
The batch already runs every one of those checks in the sandbox, so they are not run again when
everything passes.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.grading.honest import WEEKS, check_in_process, corpus, source_reference
from tests.support import NARROWED

CORPUS = corpus()


@pytest.fixture(scope="module")
def honest_course(class_batch):
    assert set(class_batch.honest) == set(CORPUS)
    return class_batch.root, class_batch.result, class_batch


@pytest.mark.skipif(bool(NARROWED), reason="COURSE_TEST_WEEKS narrows the weeks")
def test_corpus_covers_every_week():
    assert len(CORPUS) >= 40
    assert {entry.week for entry in CORPUS.values()} == set(WEEKS)
    assert all(sum(e.week == week for e in CORPUS.values()) >= 6 for week in WEEKS)


def test_the_in_process_check_tells_a_wrong_variant_from_a_right_one():
    """The diagnosis a lost point comes with (below) must itself tell right from wrong."""
    week = "w01_softmax"
    reference = source_reference(week)
    assert check_in_process(week, reference) == []
    wrong = next(c for c in reference.cells if "def softmax(" in c.source)
    wrong.source = wrong.source.replace("def softmax(", "def softmax_as_written(") + (
        "\n\ndef softmax(z):\n    e = np.exp(z - z.max())\n    return e / e.sum()  # over every row at once\n"
    )
    found = check_in_process(week, reference)
    assert any("check_softmax(softmax)" in failure for failure in found), found


def test_the_batch_grades_every_submission(honest_course):
    root, result, batch = honest_course
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    assert f"graded {batch.submissions} of {batch.submissions} submissions" in result.stdout
    missing = [
        name
        for name, entry in CORPUS.items()
        if not (root / "autograded" / name / entry.week / ".course-grade.json").is_file()
    ]
    assert not missing, f"not graded: {missing}"


def recorded(root: Path, name: str, week: str) -> dict:
    summary = json.loads((root / "autograded" / name / week / ".course-grade.json").read_text())
    (notebook,) = summary["notebooks"].values()
    return notebook


@pytest.mark.parametrize("name", sorted(CORPUS))
def test_each_honest_submission_earns_full_marks(honest_course, name):
    from nbgrader.api import Gradebook

    try:
        from course.config import db_url
    except ImportError:  # before the grading refactor
        from course.grading.scores import db_url

    root, _, _ = honest_course
    week = CORPUS[name].week
    with Gradebook(db_url(root)) as gb:
        submission = gb.find_submission(week, name)
        got = {g.name: (g.score, g.max_score) for nb in submission.notebooks for g in nb.grades}
    grades = recorded(root, name, week)["grades"]
    lost = {
        k: f"{score}/{top}: {grades.get(k, {}).get('reason', '')}" for k, (score, top) in got.items() if score != top
    }
    if lost:
        entry = CORPUS[name]
        found = check_in_process(week, entry.build(source_reference(week)))
        pytest.fail(
            f"{name} ({entry.why}) lost points: {lost}\n"
            + (
                f"in process, the public checks its hidden tests call fail too (the variant is wrong): {found}"
                if found
                else "in process, every public check its hidden tests call passes: look at the grading run"
            )
        )
    tampering = {k: g["reason"] for k, g in grades.items() if "tampering" in g.get("reason", "")}
    assert not tampering, tampering
