"""Parallel and Dask grading give the serial grades; a killed batch resumes without loss or duplicates.

Each course here is a copy of the session's week-1 template (conftest.py's ``week1_template``:
built once), and the parallel grades of the four samples are those of the session's shared
batch (``class_batch``, graded with `--workers 2`), where the same four submissions sit under
the same names among the samples and the honest corpus of every week.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tests.support import BIN, REPO, clone, expected, run_course

WEEK = "w01_softmax"
SAMPLES = REPO / "course" / "samples" / WEEK
PROBLEMS = expected(WEEK, "FULL")


def course_with(template: Path, where: Path, students: dict[str, str]) -> Path:
    root = clone(template, where / "course")
    for student, sample in students.items():
        shutil.copytree(SAMPLES / sample, root / "submitted" / student / WEEK)
    return root


def scores(root: Path, week: str | None = None, students=None) -> dict:
    from nbgrader.api import Gradebook

    from course.config import db_url

    with Gradebook(db_url(root)) as gb:
        return {
            (s.student.id, g.name): g.score
            for a in gb.assignments
            if week in (None, a.name)
            for s in a.submissions
            if students is None or s.student.id in students
            for nb in s.notebooks
            for g in nb.grades
        }


def test_serial_parallel_and_dask_grades_are_identical(tmp_path, week1_template, class_batch):
    from distributed import LocalCluster

    samples = ["reference", "blank", "partial", "broken"]
    root = course_with(week1_template, tmp_path / "serial", {s: s for s in samples})
    run_course("grade", "--workers", "1", cwd=root)
    serial = scores(root)
    assert len(serial) == 4 * len(PROBLEMS) and serial[("reference", "test_softmax")] == 2
    assert class_batch.result.returncode == 0 and set(samples) <= set(class_batch.samples[WEEK])
    assert scores(class_batch.root, WEEK, samples) == serial  # --workers 2, in the shared batch
    root = course_with(week1_template, tmp_path / "dask", {s: s for s in samples})
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        result = run_course("grade", "--scheduler", cluster.scheduler_address, cwd=root)
    assert "graded 4 of 4" in result.stdout
    assert scores(root) == serial


def test_unreachable_scheduler_is_a_one_line_error(tmp_path, week1_template):
    root = course_with(week1_template, tmp_path, {"reference": "reference"})
    result = run_course("grade", "--scheduler", "tcp://127.0.0.1:1", cwd=root, check=False, timeout=120)
    assert result.returncode == 2 and "cannot reach the Dask scheduler" in result.stderr
    assert "Traceback" not in result.stderr


def test_killed_batch_resumes_with_nothing_lost_or_doubled(tmp_path, week1_template):
    """Three SIGKILLs of the whole `course grade` process group (workers, kernels and the kernel
    started ahead), each as a new record appears, then a run to the end (benchmarks/grading.py
    --kills does the same at random moments of a 200-submission batch). The killed workers' run folders
    (a student's files) are removed by the next run; a private TMPDIR keeps other tests' runs apart."""
    students = {f"student{i}": ("reference" if i % 2 else "blank") for i in range(7)}
    root = course_with(week1_template, tmp_path, students)
    # a short path: the kernels' Unix sockets live under it, and a socket's path may not pass 107 bytes
    temporary = Path(tempfile.mkdtemp(prefix="killed-"))
    env = dict(os.environ, PATH=f"{BIN}{os.pathsep}{os.environ['PATH']}", TMPDIR=str(temporary))
    records = lambda: len(list(root.glob("autograded/*/*/.course-grade.json")))
    for _kill in range(3):
        before = records()
        process = subprocess.Popen(
            [sys.executable, "-m", "course", "grade"],
            cwd=root,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        deadline = time.monotonic() + 300
        while records() == before and time.monotonic() < deadline:
            time.sleep(0.2)
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    done_before = records()
    assert 3 <= done_before < 7, "the batch should have been stopped before its end"
    assert list(temporary.glob("course-grade-*")), "a kill in the middle of a run leaves its folders"
    result = run_course(
        "grade", "--workers", "2", cwd=root, env={"TMPDIR": str(temporary)}
    )  # grades do not depend on it
    assert list(temporary.glob("course-grade-*")) == [], "the next run removes what the killed ones left"
    assert f"({done_before} already up to date)" in result.stdout
    got = scores(root)
    assert len(got) == 7 * len(PROBLEMS)
    for student, sample in students.items():
        total = sum(v for (s, _), v in got.items() if s == student)
        assert total == (sum(PROBLEMS.values()) if sample == "reference" else 0), student
    rerun = run_course("grade", cwd=root)
    assert "graded 0 of 0" in rerun.stdout and "(7 already up to date)" in rerun.stdout
    forced = run_course("grade", "--force", "--workers", "2", cwd=root)
    assert "graded 7 of 7" in forced.stdout and scores(root) == got
    shutil.rmtree(temporary, ignore_errors=True)
