"""Courses the grading tests share, so that nothing is built or graded twice in a session.

- ``class_batch``: the session's course with every week built (tests/conftest.py's
  ``built_course``, which tests/notebooks reads too), the bundled samples of every week and the
  honest corpus submitted side by side, graded by ONE ``course grade --workers 2``.
  test_end_to_end reads the samples' grades from it, test_honest the corpus's, test_scale the
  parallel grades of week 1's samples.
- ``week1_template``: a course with week 1 alone built (no other week in source/ or the
  gradebook), never graded; ``clone`` copies it for a test that grades a class of its own
  (test_report, test_scale, test_hostile), which is much faster than building week 1 again.

pytest imports this file as the module ``conftest`` after tests/conftest.py, so it re-exports
that file's helpers (test modules and other layers do ``from conftest import REPO, run_course``).
"""
from __future__ import annotations

import importlib.util
import os
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
import pytest

_spec = importlib.util.spec_from_file_location("_tests_root_conftest", Path(__file__).resolve().parents[1] / "conftest.py")
_root = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_root)
REPO, BIN, run_course, weeks, copy_course = _root.REPO, _root.BIN, _root.run_course, _root.weeks, _root.copy_course

SAMPLES = REPO / "course" / "samples"
WEEK1 = "w01_softmax"


def sample_weeks() -> list[str]:
    return sorted(p.name for p in SAMPLES.iterdir() if p.is_dir())


def samples_of(week: str) -> list[Path]:
    return sorted(p for p in (SAMPLES / week).iterdir() if p.is_dir())


def grade_in_own_session(root: Path, *args: str, timeout: float) -> subprocess.CompletedProcess:
    """``course grade ARGS`` in a process group of its own, stopped whole on a time-out: a plain
    ``run_course`` time-out kills only ``course grade`` and leaves its pool workers grading on."""
    env = dict(os.environ, PATH=f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}")
    process = subprocess.Popen([sys.executable, "-m", "course", "grade", *args], cwd=root, env=env, text=True,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
    try:
        stdout, stderr = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        stdout, stderr = process.communicate()
        raise AssertionError(f"course grade {' '.join(args)} took longer than {timeout:.0f} s\n{stdout[-3000:]}"
                             f"\n{stderr[-3000:]}") from None
    return subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)


def clone(template: Path, destination: Path) -> Path:
    """A copy of a built course (config, source/, release/ and its gradebook), ready for submissions."""
    destination.parent.mkdir(parents=True, exist_ok=True)
    shutil.copytree(template, destination)
    return destination


@pytest.fixture(scope="session")
def week1_template(tmp_path_factory) -> Path:
    """A course with only week 1 in source/, built; clone it, never write into it."""
    root = copy_course(tmp_path_factory.mktemp("template-w01") / "course")
    for other in (root / "source").iterdir():
        if other.is_dir() and other.name != WEEK1:
            shutil.rmtree(other)
    run_course("build", WEEK1, cwd=root)
    return root


@dataclass
class Batch:
    """One graded course: where it is, what `course grade` printed, how long it took, who is in it."""
    root: Path
    result: object
    seconds: float
    samples: dict[str, list[str]] = field(default_factory=dict)    # week -> sample (student) names
    honest: dict[str, str] = field(default_factory=dict)           # corpus name -> week

    @property
    def submissions(self) -> int:
        return sum(map(len, self.samples.values())) + len(self.honest)


@pytest.fixture(scope="session")
def class_batch(built_course) -> Batch:
    from course.authoring.make_samples import sample_notebooks
    from honest import corpus

    root = built_course
    batch = Batch(root, None, 0.0)
    for week in sample_weeks():
        batch.samples[week] = []
        for sample in samples_of(week):
            shutil.copytree(sample, root / "submitted" / sample.name / week)
            batch.samples[week].append(sample.name)
    entries = corpus()
    for week in sorted({entry.week for entry in entries.values()}):
        ((filename, reference),) = sample_notebooks(root, week)["reference"].items()
        for name, entry in entries.items():
            if entry.week == week:
                folder = root / "submitted" / name / week
                folder.mkdir(parents=True)
                nbformat.write(entry.build(reference), folder / filename)
                batch.honest[name] = week
    started = time.perf_counter()
    batch.result = grade_in_own_session(root, "--workers", "2", timeout=3600)
    batch.seconds = time.perf_counter() - started
    print(f"\nclass batch: {batch.submissions} submissions (samples of {len(batch.samples)} weeks, "
          f"{len(batch.honest)} honest) graded in {batch.seconds:.0f} s")
    return batch
