"""Infrastructure faults injected into a real `course grade` of week 1 (tests/grading/faults.py): a
worker process killed mid-grading (once, always), a kernel that never starts, a sandbox that cannot
be set up. None is ever a score: the honest submissions beside them get full marks; a fault that
goes away is graded on a later attempt, noted; one that stays is recorded as not graded with its
reason, `course report` lists it apart, and the next `course grade` grades it."""

from __future__ import annotations

import json
import os
import shutil
from collections import Counter

import pytest

from tests.support import WEEK1, clone, expected, run_course, samples_of

FULL = sum(expected(WEEK1)["reference"].values())
STUDENTS = ["alice", "dies-once", "dies-always", "kernel-never", "sandbox-never", "bob"]
FAULTY = {"dies-always", "kernel-never", "sandbox-never"}


@pytest.fixture(scope="module")
def faulty_class(week1_template, tmp_path_factory):
    from course.grading.grade import find_submissions, grade_all
    from tests.grading.faults import grade

    root = clone(week1_template, tmp_path_factory.mktemp("faults") / "course")
    (reference,) = [s for s in samples_of(WEEK1) if s.name == "reference"]
    for student in STUDENTS:
        shutil.copytree(reference, root / "submitted" / student / WEEK1)
    os.environ["COURSE_TEST_FAULTS"] = str(tmp_path_factory.mktemp("markers"))
    try:
        outcomes = grade_all(root, find_submissions(root, [WEEK1]), workers=2, progress=False, task=grade)
    finally:
        del os.environ["COURSE_TEST_FAULTS"]
    return root, outcomes


def totals(root):
    from course.grading.scores import read_rows

    return {r.student: r.total for r in read_rows(root, [WEEK1])}


def test_each_submission_ends_once_and_no_fault_is_a_score(faulty_class):
    root, outcomes = faulty_class
    assert Counter(o.student for o in outcomes) == Counter(STUDENTS)
    assert {o.student for o in outcomes if not o.ok} == FAULTY
    assert totals(root) == {s: FULL for s in STUDENTS if s not in FAULTY}  # no row, so no zero, for a fault


def test_the_reasons_are_recorded(faulty_class):
    root, outcomes = faulty_class
    by_name = {o.student: o for o in outcomes}
    assert "kernel_info" in by_name["kernel-never"].reason
    assert "could not be set up" in by_name["sandbox-never"].reason and "No space" in by_name["sandbox-never"].reason
    assert by_name["dies-always"].reason.endswith("the grading worker process died while grading it")
    for student in FAULTY:
        note = json.loads((root / "autograded" / student / WEEK1 / ".course-not-graded.json").read_text())
        assert note["reason"] == by_name[student].reason and note["attempts"] == 3
    summary = json.loads((root / "autograded" / "dies-once" / WEEK1 / ".course-grade.json").read_text())
    assert any("graded on attempt 2" in n and "worker process died" in n for n in summary["notes"])


def test_the_report_lists_them_apart_and_the_next_grade_grades_them(faulty_class):
    root, _ = faulty_class
    report = run_course("report", cwd=root).stdout
    machine, _, _ = report.partition("Not graded, a fault of the grading machine")[2].partition("wrote ")
    assert all(f"{s}/{WEEK1}: not graded after 3 attempts" in machine for s in FAULTY)
    assert "In submitted/ but not in the gradebook" not in machine
    page = (root / "reports" / "index.html").read_text()
    assert "Not graded: faults of the grading machine" in page and all(f"<td>{s}</td>" in page for s in FAULTY)
    graded = run_course("grade", WEEK1, "--workers", "2", cwd=root)
    assert f"graded 3 of 3 submissions ({len(STUDENTS) - 3} already up to date)" in graded.stdout
    assert totals(root) == dict.fromkeys(STUDENTS, FULL)
    assert not list((root / "autograded").glob("*/*/.course-not-graded.json"))
    assert "fault of the grading machine" not in run_course("report", cwd=root).stdout
