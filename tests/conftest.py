"""Fixtures shared by every test layer: the repository, and one built + graded scratch course."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def run_course(*args: str, cwd: Path, check: bool = True, timeout: float = 1200) -> subprocess.CompletedProcess:
    """Run the installed `course` command as a user would (venv bin/ first on PATH)."""
    env = dict(os.environ, PATH=f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}")
    result = subprocess.run([sys.executable, "-m", "course", *args], cwd=cwd, env=env,
                            capture_output=True, text=True, timeout=timeout)
    if check and result.returncode != 0:
        raise AssertionError(f"course {' '.join(args)} exited {result.returncode}\n"
                             f"stdout:\n{result.stdout[-3000:]}\nstderr:\n{result.stderr[-3000:]}")
    return result


def weeks(kind: str = "source") -> list[str]:
    return sorted(p.name for p in (REPO / kind).iterdir() if p.is_dir() and p.name.startswith("w"))


def copy_course(destination: Path) -> Path:
    """A scratch course root: config, source/ and an empty release/."""
    destination.mkdir(parents=True, exist_ok=True)
    shutil.copy2(REPO / "nbgrader_config.py", destination / "nbgrader_config.py")
    shutil.copytree(REPO / "source", destination / "source")
    return destination


@pytest.fixture(scope="session")
def repo() -> Path:
    return REPO


@pytest.fixture(scope="session")
def built_course(tmp_path_factory) -> Path:
    """A scratch copy of the course with every week built by `course build`."""
    root = copy_course(tmp_path_factory.mktemp("course") / "course")
    run_course("build", cwd=root)
    return root
