"""A week through nbgrader's exchange without a browser, as two students who are system users:
`course release` → fetch and submit as each student → `course collect` → `course grade` →
`course feedback --release` → fetch_feedback; then what a student can reach: no other student's
work, nothing of the instructor's, no solution anywhere their kernel can import or read."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pytest

from tests.hub.support import make_hub_course
from tests.support import REPO, SAMPLES, WEEK1, run_course

REFERENCE = SAMPLES / WEEK1 / "reference" / f"{WEEK1}.ipynb"


@pytest.fixture(scope="module")
def hub_course():
    course, clean_up = make_hub_course()
    yield course
    clean_up()


def _solution_lines(source_notebook) -> list[str]:
    """Lines only a solution or a hidden test holds: the code between BEGIN and END SOLUTION / HIDDEN TESTS
    of the source notebook, long enough not to occur by chance, and found in no public file (the helpers
    package, whose reference kernels are public, the release notebook, the README)."""
    notebook = json.loads(source_notebook.read_text())
    found, inside = [], False
    for cell in notebook["cells"]:
        for line in "".join(cell["source"]).splitlines():
            text = line.strip()
            if text.startswith(("### BEGIN SOLUTION", "### BEGIN HIDDEN TESTS")):
                inside = True
            elif text.startswith(("### END SOLUTION", "### END HIDDEN TESTS")):
                inside = False
            elif inside and len(text) >= 25 and not text.startswith("#"):
                found.append(text)
    public = [REPO / "README.md", REPO / "release" / WEEK1 / f"{WEEK1}.ipynb", *(REPO / "helpers").rglob("*.py")]
    public_text = "\n".join(path.read_text() for path in public)
    return [line for line in found if line not in public_text]


SEARCH = (
    "import os, sys, json\n"
    "lines = json.loads(sys.argv[1]); hits = []; read = 0\n"
    "binary = ('.so', '.pyc', '.png', '.jpg', '.woff', '.woff2', '.ttf', '.zip', '.whl', '.a', '.nbi', '.nbc')\n"
    "for top in sys.argv[2:]:\n"
    "    for folder, subs, files in os.walk(top):\n"
    "        for name in files:\n"
    "            if name.endswith(binary): continue\n"
    "            try:\n"
    "                with open(os.path.join(folder, name), 'rb') as handle: data = handle.read(4_000_000)\n"
    "            except OSError: continue\n"
    "            read += 1\n"
    "            text = data.decode('utf-8', 'replace')\n"
    "            hits += [(os.path.join(folder, name), line) for line in lines if line in text]\n"
    "print(read); print(json.dumps(hits[:5]))\n"
)


def _scores(root) -> dict[str, tuple[float, float]]:
    from course.grading.scores import read_rows

    return {row.student: (row.total, row.max_total) for row in read_rows(root, [WEEK1])}


def test_a_week_through_the_exchange(hub_course):
    course = hub_course
    alice, bob = course.students
    root = course.root

    unbuilt = run_course("release", "w02_backprop", cwd=root, check=False)
    assert unbuilt.returncode == 2 and "unknown week" in unbuilt.stderr
    empty = run_course("collect", WEEK1, cwd=root, check=False)
    assert empty.returncode == 2 and "no submission" in empty.stderr, empty.stderr

    released = run_course("release", WEEK1, cwd=root)
    assert "released w01_softmax: 1 notebook" in released.stdout
    again = run_course("release", WEEK1, cwd=root, check=False)
    assert again.returncode == 2 and "--force" in again.stderr

    python = course.student_python()
    for student in (alice, bob):
        course.as_student(student, python, "-m", "nbgrader", "fetch_assignment", WEEK1)
    alice_notebook = f"/home/{alice}/{WEEK1}/{WEEK1}.ipynb"
    shutil.copyfile(REFERENCE, alice_notebook)  # the answers alice typed (the browser test types them)
    shutil.chown(alice_notebook, alice)
    for student in (alice, bob):
        course.as_student(student, python, "-m", "nbgrader", "submit", WEEK1)

    # a submission by someone not on the roster stays in the exchange
    stranger = course.exchange_course / "inbound" / f"zed+{WEEK1}+2026-01-01 00:00:00.000000 UTC+abc"
    stranger.mkdir()
    shutil.copyfile(REFERENCE, stranger / f"{WEEK1}.ipynb")
    (stranger / "timestamp.txt").write_text("2026-01-01 00:00:00.000000 UTC")
    collected = run_course("collect", WEEK1, cwd=root)
    assert "collected w01_softmax: 2 new, 0 unchanged, 0 failed" in collected.stdout, collected.stdout
    assert "SKIPPED zed: not on the roster" in collected.stdout
    assert not (root / "submitted" / "zed").exists()
    again = run_course("collect", WEEK1, cwd=root)
    assert "0 new, 2 unchanged" in again.stdout

    run_course("grade", WEEK1, "--workers", "2", cwd=root)
    scores = _scores(root)
    total, most = scores[alice]
    assert total == most > 0, scores
    assert scores[bob][0] == 0, scores

    returned = run_course("feedback", WEEK1, "--release", cwd=root)
    assert "released 2 feedback pages to the exchange" in returned.stdout, returned.stdout
    for student in (alice, bob):
        course.as_student(student, python, "-m", "nbgrader", "fetch_feedback", WEEK1)
    for student, score in ((alice, most), (bob, 0)):
        pages = sorted(_home(student).rglob(f"feedback/*/{WEEK1}.html"))
        assert len(pages) == 1, f"{student} fetched {pages}"
        assert f"Score: {score:.1f} / {most:.1f}" in pages[0].read_text(), f"{student}'s page lacks the score"

    # permissions: bob tries to reach what is not his
    probes = {
        "the exchange's inbound": f"import os; os.listdir({str(course.exchange_course / 'inbound')!r})",
        "the feedback folder of the exchange": f"import os; os.listdir({str(course.exchange_course / 'feedback')!r})",
        "alice's home": f"import os; os.listdir({str(_home(alice))!r})",
        "alice's notebook": f"open({alice_notebook!r}).read()",
        "the source notebook": f"open({str(root / 'source' / WEEK1 / (WEEK1 + '.ipynb'))!r}).read()",
        "the gradebook": f"open({str(root / 'gradebook.db')!r}, 'rb').read()",
        "submitted/": f"import os; os.listdir({str(root / 'submitted')!r})",
        "alice's feedback in feedback/": f"open({str(root / 'feedback' / alice / WEEK1 / (WEEK1 + '.html'))!r}).read()",
        "the course root's listing": f"import os; os.listdir({str(root)!r})",
        "the course package": "import course",
    }
    for what, code in probes.items():
        result = course.as_student(bob, python, "-c", code, check=False)
        assert result.returncode != 0, f"{bob} could reach {what}"
        assert "PermissionError" in result.stderr or "ModuleNotFoundError" in result.stderr, (what, result.stderr)


def _home(student: str):
    from pathlib import Path

    return Path("/home") / student


def test_no_solution_where_a_student_can_read(hub_course):
    """Every file a student's kernel can import (its sys.path) or read in the hub's folder and the course
    root holds no line of a solution or a hidden test."""
    course = hub_course
    bob = course.students[1]
    lines = _solution_lines(course.root / "source" / WEEK1 / f"{WEEK1}.ipynb")
    assert len(lines) >= 3, lines
    probe = course.as_student(
        bob, course.student_python(), "-c", "import sys, helpers; print(helpers.__file__); print(*sys.path, sep='\\n')"
    )
    first, *path = probe.stdout.splitlines()
    assert first.startswith(str(course.runtime / "student-lib")), first
    places = [p for p in path if p] + [str(course.runtime), str(course.root), str(_home(bob))]
    # the search finds a solution where there is one: the course package's sample solutions
    control = subprocess.run(
        [sys.executable, "-c", SEARCH, json.dumps(lines), str(SAMPLES / WEEK1 / "reference")],
        capture_output=True,
        text=True,
        check=True,
    )
    assert json.loads(control.stdout.splitlines()[1]), "the search misses the reference solution itself"
    result = course.as_student(bob, course.student_python(), "-c", SEARCH, json.dumps(lines), *places)
    read, hits = result.stdout.splitlines()
    assert int(read) > 1000, f"only {read} files were readable: the search looked nowhere"
    assert json.loads(hits) == [], hits


FORMGRADER_AUTOGRADE = """
import json, sys
from nbgrader.apps import NbGraderAPI
from nbgrader.apps.baseapp import NbGrader
from nbgrader.coursedir import CourseDirectory

app = NbGrader()
app.load_config_file()  # the course root's nbgrader_config.py, then the hub's etc/instructor one
api = NbGraderAPI(CourseDirectory(config=app.config), config=app.config)
print(json.dumps(api.autograde(sys.argv[1], sys.argv[2])))
"""


def test_formgrader_autograde_runs_the_course_grader(hub_course):
    """The Autograde button of the instructor's formgrader grades with `course grade`: the grader's
    record survives (plain nbgrader autograde deletes it) and the score stays."""
    from course.grading.record import RESULT_FILE
    from course.hub.runtime import instructor_environment, layout_for

    course = hub_course
    alice = course.students[0]
    record = course.root / "autograded" / alice / WEEK1 / RESULT_FILE
    if not record.is_file():
        pytest.skip("the exchange test did not grade alice (run the module in order)")
    env = dict(os.environ, **instructor_environment(layout_for(course.root, str(course.runtime))))
    result = subprocess.run(
        [sys.executable, "-c", FORMGRADER_AUTOGRADE, WEEK1, alice],
        cwd=course.root,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    answer = json.loads(result.stdout.splitlines()[-1])
    assert answer["success"], answer
    assert "course grade" in answer["log"]
    assert record.is_file(), "formgrader's Autograde deleted the grader's record"
    total, most = _scores(course.root)[alice]
    assert total == most > 0
