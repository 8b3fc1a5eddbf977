"""What every test layer shares: the repository, the `course` command as a user runs it, scratch
course roots, and the loaders of the grading corpora's expectations. Fixtures stay in the conftest
files; test modules import from here (``from tests.support import REPO, run_course``)."""

from __future__ import annotations

import os
import runpy
import shutil
import signal
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def run_course(
    *args: str, cwd: Path, check: bool = True, timeout: float = 1200, env: dict | None = None
) -> subprocess.CompletedProcess:
    """Run the installed `course` command as a user would (venv bin/ first on PATH; ``env``: more variables)."""
    env = dict(os.environ, PATH=f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}", **(env or {}))
    result = subprocess.run(
        [sys.executable, "-m", "course", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout
    )
    if check and result.returncode != 0:
        raise AssertionError(
            f"course {' '.join(args)} exited {result.returncode}\n"
            f"stdout:\n{result.stdout[-3000:]}\nstderr:\n{result.stderr[-3000:]}"
        )
    return result


def weeks(kind: str = "source") -> list[str]:
    return sorted(p.name for p in (REPO / kind).iterdir() if p.is_dir() and p.name.startswith("w"))


def copy_course(destination: Path, weeks: list[str] | None = None, release: bool = False) -> Path:
    """A scratch course root: config and source/ (of ``weeks`` only, when given); with ``release``, the
    committed release/ of those weeks too, as an instructor's repository has it: `course build` then
    keeps the time limits measured for an unchanged week's source instead of timing its reference again
    (tests that build a changed week, or pass --retime, still time it)."""
    destination.mkdir(parents=True, exist_ok=True)
    shutil.copy2(REPO / "nbgrader_config.py", destination / "nbgrader_config.py")
    if weeks is None:
        shutil.copytree(REPO / "source", destination / "source")
        weeks = [p.name for p in (REPO / "source").iterdir() if p.is_dir()]
    else:
        for week in weeks:
            shutil.copytree(REPO / "source" / week, destination / "source" / week)
    for week in weeks if release else ():
        if (REPO / "release" / week).is_dir():
            shutil.copytree(REPO / "release" / week, destination / "release" / week)
    return destination


SAMPLES = REPO / "course" / "samples"
WEEK1 = "w01_softmax"


NARROWED = tuple(week for week in os.environ.get("COURSE_TEST_WEEKS", "").split(",") if week)
"""The weeks (or prefixes, ``w10``) a developer narrowed the shared grading batch to, from the
environment variable COURSE_TEST_WEEKS; empty (every week) unless set. Grading every sample and
honest submission takes most of the suite's time; while one week is written, grade only it:
``COURSE_TEST_WEEKS=w10 pytest tests/grading -k w10``."""


def in_scope(week: str) -> bool:
    return not NARROWED or week.startswith(NARROWED)


def sample_weeks() -> list[str]:
    return sorted(p.name for p in SAMPLES.iterdir() if p.is_dir() and in_scope(p.name))


def samples_of(week: str) -> list[Path]:
    return sorted(p for p in (SAMPLES / week).iterdir() if p.is_dir())


def grade_in_own_session(root: Path, *args: str, timeout: float) -> subprocess.CompletedProcess:
    """``course grade ARGS`` in a process group of its own, stopped whole on a time-out: a plain
    ``run_course`` time-out kills only ``course grade`` and leaves its pool workers grading on."""
    env = dict(os.environ, PATH=f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}")
    process = subprocess.Popen(
        [sys.executable, "-m", "course", "grade", *args],
        cwd=root,
        env=env,
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    try:
        stdout, stderr = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        stdout, stderr = process.communicate()
        raise AssertionError(
            f"course grade {' '.join(args)} took longer than {timeout:.0f} s\n{stdout[-3000:]}\n{stderr[-3000:]}"
        ) from None
    return subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)


def clone(template: Path, destination: Path) -> Path:
    """A copy of a built course (config, source/, release/ and its gradebook), ready for submissions."""
    destination.parent.mkdir(parents=True, exist_ok=True)
    shutil.copytree(template, destination)
    return destination


def expected(week: str, name: str = "EXPECTED"):
    """The grades a week's bundled samples must get (tests/grading/expected/<week>.py): ``EXPECTED``
    (sample -> problem -> points) or ``FULL`` (problem -> full points)."""
    return runpy.run_path(str(REPO / "tests" / "grading" / "expected" / f"{week}.py"))[name]


def errors_of(notebook) -> list[tuple[int, str, str]]:
    """(cell number from 1, exception name, message) of every error a run left in ``notebook``."""
    return [
        (i, out.ename, out.evalue)
        for i, cell in enumerate(notebook.cells, start=1)
        if cell.cell_type == "code"
        for out in cell.outputs
        if out.output_type == "error"
    ]


def stderr_in_graded_cells(notebook) -> list[int]:
    """Numbers of the graded cells that wrote to stderr (a warning a student would take for a failure)."""
    return [
        i
        for i, cell in enumerate(notebook.cells, start=1)
        if cell.get("metadata", {}).get("nbgrader", {}).get("grade")
        for out in cell.get("outputs", [])
        if out.output_type == "stream" and out.name == "stderr"
    ]


CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
# As known to work on this kind of machine: without the background-networking flags chromium
# keeps reaching for Google's hosts and the closed network refuses it, many times over.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
