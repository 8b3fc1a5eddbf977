"""Hostile and broken submissions earn nothing they did not earn, and the batch survives them."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from conftest import REPO, clone, run_course
from hostile import FULL, ISOLATION, NOTEBOOK, SAMPLES, corpus

WEEK = "w01_softmax"


@pytest.fixture(scope="module")
def hostile_course(tmp_path_factory, week1_template):
    root = clone(week1_template, tmp_path_factory.mktemp("hostile") / "course")     # week 1 built
    with (root / "nbgrader_config.py").open("a") as config:
        config.write("\nc.Execute.timeout = 20\n")  # keeps the infinite loop's cost small
    shutil.copytree(SAMPLES / "reference", root / "submitted" / "reference" / WEEK)
    cases = corpus(root)
    for name, case in cases.items():
        folder = root / "submitted" / name / WEEK
        folder.mkdir(parents=True)
        for filename, data in case["files"].items():
            (folder / filename).write_bytes(data)
    result = run_course("grade", "--workers", "2", cwd=root, check=False)
    return root, cases, result


def recorded(root: Path, student: str) -> dict:
    summary = json.loads((root / "autograded" / student / WEEK / ".course-grade.json").read_text())
    return summary["notebooks"][NOTEBOOK]


def test_corpus_is_large_enough():
    assert len(corpus(Path("/nowhere"))) >= 15


def test_batch_survives_everything(hostile_course):
    root, cases, result = hostile_course
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    assert f"graded {len(cases) + 1} of {len(cases) + 1} submissions" in result.stdout


@pytest.mark.parametrize("name", sorted(corpus(Path("/nowhere"))))
def test_each_hostile_submission_scores_what_it_should(hostile_course, name):
    from nbgrader.api import Gradebook
    from course.config import db_url

    from course.sandbox import bwrap_available

    if name in ISOLATION and not bwrap_available():
        pytest.skip("filesystem isolation needs bubblewrap (make installs it when run as root)")
    root, cases, _ = hostile_course
    case = cases[name]
    with Gradebook(db_url(root)) as gb:
        submission = gb.find_submission(WEEK, name)
        got = {g.name: g.score for nb in submission.notebooks for g in nb.grades}
    assert got == pytest.approx(case["expected"]), name
    grades = recorded(root, name)["grades"]
    for grade_id, fragment in case["reason"].items():
        assert fragment.lower() in grades[grade_id]["reason"].lower(), (grade_id, grades[grade_id])


def test_reference_beside_the_attackers_keeps_full_marks(hostile_course):
    root, _, _ = hostile_course
    grades = recorded(root, "reference")["grades"]
    assert {k: g["score"] for k, g in grades.items()} == FULL


def test_nothing_was_written_outside(hostile_course):
    root, _, _ = hostile_course
    assert not (root / "release" / "HACKED").exists()
    assert not Path("/tmp/course-hacked").exists()


def test_flood_is_truncated_in_the_autograded_notebook(hostile_course):
    root, _, _ = hostile_course
    assert (root / "autograded" / "print_flood" / WEEK / NOTEBOOK).stat().st_size < 2_000_000


def test_kernel_killer_is_noted_for_the_instructor(hostile_course):
    root, _, _ = hostile_course
    assert any("stopped the kernel" in note for note in recorded(root, "kill_kernel_hidden")["notes"])


def test_report_gives_a_reason_for_every_zero(hostile_course):
    root, cases, _ = hostile_course
    report = run_course("report", cwd=root)
    assert "tampering: monkeypatches numpy" in report.stdout
    assert "time-out" in report.stdout
