"""The course's grading secret: what makes the grader's cases unpredictable to students.

The grader draws each submission's cases from a seed derived from this secret, the week and
the student (course/grading/worker.py's ``submission_seed``). Without it, anyone could work out every
case of every student (the checks are public) and return the reference's answers from a
lookup table. It is generated on first use into ``<course root>/.course-secret`` (mode 0600,
never committed: .gitignore), or set by the instructor in the ``COURSE_GRADING_SECRET``
environment variable (a shared secret for several graders of one course). A grading kernel
never sees it: the course root is not in its sandbox and its environment is an allow-list.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

SECRET_FILE = ".course-secret"
SECRET_VARIABLE = "COURSE_GRADING_SECRET"


def course_secret(root: Path) -> str:
    """The secret of the course at ``root``, created on first use."""
    if os.environ.get(SECRET_VARIABLE):
        return os.environ[SECRET_VARIABLE]
    path = Path(root) / SECRET_FILE
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    with os.fdopen(descriptor, "w") as handle:
        handle.write(secrets.token_hex(32) + "\n")
    return path.read_text().strip()
