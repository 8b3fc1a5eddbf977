"""The roster: one student id per line (``#`` starts a comment), the names students log in with.

Each id is also a system user name and the name nbgrader's exchange files a submission under
(``<student>+<week>+<timestamp>+<random>``), so it must be a plain lower-case Unix name: no ``+``,
no ``/``, no spaces.
"""

from __future__ import annotations

import re
from pathlib import Path

from ..errors import CourseError

STUDENT_ID = re.compile(r"^[a-z_][a-z0-9_-]{0,30}$")
DEFAULT_ROSTER = "roster.txt"


def read_roster(path: Path) -> list[str]:
    """The student ids of ``path`` in file order, each once; CourseError naming the line of a bad one."""
    if not path.is_file():
        raise CourseError(f"no roster at {path}: write one student id per line (e.g. `alice`)")
    students: list[str] = []
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        name = line.split("#", 1)[0].strip()
        if not name:
            continue
        if not STUDENT_ID.match(name):
            raise CourseError(
                f"{path}:{number}: {name!r} is not a valid student id (lower-case letters, digits, _ and -, "
                "starting with a letter, at most 31 characters: it becomes a system user name)"
            )
        if name not in students:
            students.append(name)
    if not students:
        raise CourseError(f"{path} lists no student")
    return students


def roster_path(root: Path, given: str | None) -> Path:
    return Path(given).resolve() if given else root / DEFAULT_ROSTER
