"""Time limits sized from the reference through `course build` and `course grade` (week 1): the
release carries them, an infinite loop costs its cell's limit (not the old 120 s for every cell) and
the reason says which cell ran out of time and what its limit was; an instructor's limit wins."""

from __future__ import annotations

import json
import re
import shutil

import nbformat
import pytest

from course.grading.time_limits import CELL_FLOOR, METADATA_KEY
from tests.support import WEEK1, clone, expected, run_course, samples_of

FULL = expected(WEEK1)["reference"]
# An infinite loop in relu's first call (test_relu's cell); later calls return (a loop in every call
# would cost the batch each later cell's limit too, and this test the same minutes again).
LOOP = (
    "_calls = []\n\n"
    "def relu(z):\n    _calls.append(z)\n    while len(_calls) == 1:\n        pass\n    return np.maximum(z, 0.0)\n\n"
    "def relu_grad(z):\n    return (z > 0).astype(float)\n"
)


def grade_loop(root) -> dict:
    (reference,) = [s for s in samples_of(WEEK1) if s.name == "reference"]
    folder = root / "submitted" / "loops" / WEEK1
    shutil.copytree(reference, folder)
    path = folder / f"{WEEK1}.ipynb"
    nb = nbformat.read(path, as_version=4)
    next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "relu").source = LOOP
    nbformat.write(nb, path)
    run_course("grade", WEEK1, cwd=root)
    summary = json.loads((root / "autograded" / "loops" / WEEK1 / ".course-grade.json").read_text())
    return summary["notebooks"][f"{WEEK1}.ipynb"]["grades"]


def test_course_build_keeps_the_limits_in_the_release(week1_template):
    release = nbformat.read(week1_template / "release" / WEEK1 / f"{WEEK1}.ipynb", as_version=4)
    limits = release.metadata["course"][METADATA_KEY]
    assert limits["cells"]["test_relu"] >= CELL_FLOOR and limits["budget"] >= limits["reference_total"]
    assert set(limits["reference_seconds"]) == set(limits["cells"])


@pytest.mark.parametrize("configured", [None, 7])
def test_an_infinite_loop_runs_out_of_its_cells_limit_and_the_reason_says_so(week1_template, tmp_path, configured):
    root = clone(week1_template, tmp_path / "course")
    if configured:
        with (root / "nbgrader_config.py").open("a") as config:
            config.write(f"\nc.Execute.timeout = {configured}\n")
    grades = grade_loop(root)
    assert {g: grade["score"] for g, grade in grades.items()} == {**FULL, "test_relu": 0}
    limit = configured or CELL_FLOOR
    assert re.fullmatch(
        rf"time-out: cell \d+ ran out of time: its limit is {limit:g} s"
        + ("" if configured else r" \(the least any cell gets; the reference solution took (\d+\.\d|under 0\.1) s\)"),
        grades["test_relu"]["reason"],
    ), grades["test_relu"]["reason"]
