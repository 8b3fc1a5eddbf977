"""A scratch course on a hub for the tests of tests/hub: system users for two students (made and
removed here), a course root built for week 1, the hub's folder laid out by `course hub --prepare-only`,
and a way to run a command as a student in their environment, as their server would."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.support import WEEK1, copy_course, run_course

PASSWORD = "trial-only"


def skip_reason() -> str | None:
    """Why the hub cannot be tried here, or None."""
    if not hasattr(os, "geteuid") or os.geteuid() != 0:
        return "needs root: the students are system users made with useradd"
    for tool in ("useradd", "userdel", "runuser"):
        if shutil.which(tool) is None:
            return f"{tool} is not installed"
    try:
        import jupyterhub  # noqa: F401
    except ImportError:
        return "jupyterhub is not installed: pip install -e '.[hub]' (make hub)"
    if shutil.which("configurable-http-proxy", path=str(Path(sys.executable).parent)) is None:
        return "configurable-http-proxy is not installed: pip install -e '.[hub]' (make hub)"
    from course.errors import CourseError
    from course.hub.runtime import shared_interpreter

    try:
        shared_interpreter()
    except CourseError as err:
        return str(err)
    return None


@dataclass
class HubCourse:
    root: Path
    runtime: Path
    students: list[str]

    @property
    def exchange_course(self) -> Path:
        return self.runtime / "exchange" / "dl-from-the-ground-up"

    def as_student(self, student: str, *command: str, check: bool = True) -> subprocess.CompletedProcess:
        """``command`` run as ``student`` in their home, with their server's environment."""
        from course.hub.runtime import layout_for, student_environment

        env = student_environment(layout_for(self.root, str(self.runtime)))
        home = Path("/home") / student
        assignments = [f"{k}={v}" for k, v in {**env, "HOME": str(home), "USER": student}.items()]
        result = subprocess.run(
            ["runuser", "-u", student, "--", "env", "-i", "-C", str(home), *assignments, *command],
            capture_output=True,
            text=True,
            timeout=300,
        )
        if check and result.returncode != 0:
            raise AssertionError(
                f"{' '.join(command)} as {student} exited {result.returncode}:\n{result.stderr[-2000:]}"
            )
        return result

    def student_python(self) -> str:
        return str(self.runtime / "student-env" / "bin" / "python")


def make_hub_course(extra_args: tuple[str, ...] = ()) -> tuple[HubCourse, callable]:
    """A built week-1 course with a two-student roster and its hub folder; and its clean-up."""
    from course.hub import users

    reason = skip_reason()
    if reason:
        pytest.skip(reason)
    scratch = Path(tempfile.mkdtemp(prefix="course-hub-"))
    scratch.chmod(0o711)  # students pass through to the hub's folder, as they would to /srv
    tag = f"{os.getpid() % 100000}"
    students = [f"hs{tag}a", f"hs{tag}b"]

    def clean_up() -> None:
        users.remove(students)
        shutil.rmtree(scratch, ignore_errors=True)

    try:
        root = copy_course(scratch / "course", weeks=[WEEK1], release=True)
        run_course("build", WEEK1, cwd=root)
        (root / "roster.txt").write_text("# two students\n" + "\n".join(students) + "\n")
        users.create(students)
        run_course("hub", "--prepare-only", "--password", PASSWORD, *extra_args, cwd=root)
    except BaseException:
        clean_up()
        raise
    return HubCourse(root, root / ".hub", students), clean_up
