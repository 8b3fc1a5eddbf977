"""Where things are in a course root, and the weeks it holds."""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

from .errors import CourseError

WEEK_PATTERN = re.compile(r"^w\d\d_[a-z0-9_]+$")


def find_root(start: str | os.PathLike | None = None) -> Path:
    """The nearest directory at or above ``start`` (default: cwd) holding nbgrader_config.py."""
    here = Path(start or os.getcwd()).resolve()
    for candidate in (here, *here.parents):
        if (candidate / "nbgrader_config.py").is_file():
            return candidate
    raise CourseError(f"no nbgrader_config.py in {here} or above; run inside the course repository or pass --root")


def add_root_option(parser) -> None:
    parser.add_argument(
        "--root", default=None, help="course root (default: the nearest directory with nbgrader_config.py)"
    )


def root_from(args) -> Path:
    if args.root is not None:
        root = Path(args.root).resolve()
        if not root.is_dir():
            raise CourseError(f"course root {root} does not exist")
        if not (root / "nbgrader_config.py").is_file():
            raise CourseError(f"{root} has no nbgrader_config.py; it is not a course root")
        return root
    return find_root()


def weeks_in(directory: Path) -> list[str]:
    if not directory.is_dir():
        return []
    return sorted(p.name for p in directory.iterdir() if p.is_dir() and WEEK_PATTERN.match(p.name))


def select_weeks(requested: list[str], available: list[str], where: Path, unbuilt: list[str] = ()) -> list[str]:
    """Validate requested week names against what exists; all of them when none is requested.
    ``unbuilt``: weeks that exist in source/ but not here (the error then says to build them)."""
    import difflib

    if not available:
        raise CourseError(
            f"no weeks found in {where}"
            + (f": run `course build` first ({', '.join(unbuilt)} in source/)" if unbuilt else "")
        )
    if not requested:
        return available
    unknown = [w for w in requested if w not in available]
    if unknown:
        week = unknown[0]
        if week in unbuilt:
            raise CourseError(f"{week} has not been built: run `course build {week}`")
        close = difflib.get_close_matches(week, list(available) + list(unbuilt), n=1, cutoff=0.6)
        raise CourseError(
            f"unknown week {week!r}"
            + (f" (did you mean {close[0]}?)" if close else "")
            + f"; {where} has: {', '.join(available)}"
        )
    return list(dict.fromkeys(requested))


def tool_env() -> dict[str, str]:
    """Environment for nbgrader subprocesses: this interpreter's bin/ first on PATH.

    nbgrader shells out to ``alembic`` to create the gradebook; it must be found in the
    same environment as nbgrader itself.
    """
    env = dict(os.environ)
    bin_dir = str(Path(sys.executable).parent)
    env["PATH"] = bin_dir + os.pathsep + env.get("PATH", "")
    env.setdefault("PYTHONIOENCODING", "utf-8")
    return env


def nbgrader_command(*args: str) -> list[str]:
    """nbgrader's command line (course/_nbgrader.py: plain nbgrader, started without 1-2 s of jsonschema)."""
    return [sys.executable, "-m", "course._nbgrader", *args]
