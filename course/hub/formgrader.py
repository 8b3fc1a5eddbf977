"""formgrader's Autograde button runs ``course grade``, not plain nbgrader autograde.

Plain autograde would execute the student's notebook outside our sandbox, delete the grader's
record (``.course-grade.json``) and leave the class report with empty reasons. The instructor's
server on the hub loads ``etc/instructor/nbgrader_config.py``, which calls :func:`install`: from
then on formgrader's ``NbGraderAPI.autograde(week, student)`` grades that week with the course's
grader (what is already graded and unchanged stays as it is; manual scores survive) and answers
formgrader in the form it expects ({"success", "log", "error"}).
"""

from __future__ import annotations

import subprocess
import sys


def grade_with_course(root: str, week: str, student: str) -> dict:
    command = [sys.executable, "-m", "course", "grade", week, "--root", root]
    result = subprocess.run(command, capture_output=True, text=True)
    log = f"formgrader's Autograde ran `course grade {week}` (for {student}):\n{result.stdout}{result.stderr}"
    if result.returncode == 0:
        return {"success": True, "log": log}
    return {"success": False, "log": log, "error": f"course grade exited {result.returncode}"}


def install() -> None:
    """Point formgrader's Autograde at ``course grade`` (idempotent)."""
    from nbgrader.apps.api import NbGraderAPI

    if getattr(NbGraderAPI.autograde, "course_grade", False):
        return

    def autograde(self, assignment_id, student_id, force=True, create=True):
        return grade_with_course(self.coursedir.root, assignment_id, student_id)

    autograde.course_grade = True
    NbGraderAPI.autograde = autograde
