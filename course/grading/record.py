"""Write a worker's result: grades into the gradebook, the executed notebook and the reasons
into autograded/<student>/<week>/. Only the process running ``course grade`` calls this.

A submission counts as graded once its grades are committed and its ``.course-grade.json``
(with the hash of what was graded) is in place; ``course grade`` skips it next time unless
the submission or the week changed. Killing the grader half-way loses nothing: whatever
was not recorded is graded again, and recording twice overwrites the same rows.
"""

from __future__ import annotations

import hashlib
import json
import os
import warnings
from dataclasses import asdict
from pathlib import Path

from ..errors import CourseError
from .payload import SubmissionResult

RESULT_FILE = ".course-grade.json"
NOT_GRADED_FILE = ".course-not-graded.json"  # the last grading failed on the machine's side, and why


def fingerprint(files: dict[str, bytes], key: dict, left_out: dict[str, str] | None = None) -> str:
    digest = hashlib.sha256(json.dumps([key, left_out or {}], sort_keys=True, default=str).encode())
    for name, data in sorted(files.items()):
        digest.update(name.encode() + b"\0" + hashlib.sha256(data).digest())
    return digest.hexdigest()


def key_fingerprint(key: dict) -> str:
    """Changes when the week's answer key changes (a test's text, points, flags, time limits)."""
    return hashlib.sha256(json.dumps(key, sort_keys=True, default=str).encode()).hexdigest()


def graded_with_key(root: Path, student: str, week: str) -> str | None:
    """The key fingerprint the submission was last graded with (None: never, or before it was kept)."""
    try:
        return json.loads(result_path(root, student, week).read_text()).get("key_fingerprint")
    except (OSError, ValueError):
        return None


def result_path(root: Path, student: str, week: str) -> Path:
    return root / "autograded" / student / week / RESULT_FILE


def is_current(root: Path, student: str, week: str, digest: str, graded: set) -> bool:
    path = result_path(root, student, week)
    if (week, student) not in graded or not path.is_file():
        return False
    try:
        return json.loads(path.read_text()).get("fingerprint") == digest
    except (OSError, ValueError):
        return False


def graded_submissions(db_url: str) -> set[tuple[str, str]]:
    from nbgrader.api import Gradebook

    with Gradebook(db_url) as gb:
        return {(a.name, s.student.id) for a in gb.assignments for s in a.submissions}


def write_atomically(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text(text)
    os.replace(temporary, path)


def record(root: Path, db_url: str, result: SubmissionResult, digest: str, key_digest: str | None = None) -> None:
    """Write the automatic scores. What an instructor graded by hand (in formgrader: a manual
    score, and with it needs_manual_grade cleared) is theirs, and a regrade leaves it alone."""
    from nbgrader.api import Gradebook, MissingEntry
    from sqlalchemy.exc import SAWarning

    week, student = result.week, result.student
    with Gradebook(db_url) as gb:
        try:
            gb.find_assignment(week)
        except MissingEntry:
            raise CourseError(f"{week} is not in the gradebook: run `course build {week}` first") from None
        gb.update_or_create_student(student)
        with warnings.catch_warnings():
            # nbgrader's own relationship bookkeeping under SQLAlchemy 2 (three SAWarnings per new
            # submission, "... not in session, add operation ... will not proceed"): nothing is lost
            warnings.filterwarnings("ignore", message=r".* not in session, add operation along", category=SAWarning)
            gb.update_or_create_submission(week, student)
        for notebook_name, notebook in result.notebooks.items():
            notebook_id = Path(notebook_name).stem
            for grade_id, grade in notebook.grades.items():
                row = gb.find_grade(grade_id, notebook_id, week, student)
                row.auto_score = grade.score
                if row.manual_score is None:
                    row.needs_manual_grade = grade.score is None
        gb.db.commit()
    folder = root / "autograded" / student / week
    for notebook_name, notebook in result.notebooks.items():
        if notebook.executed:
            write_atomically(folder / notebook_name, notebook.executed)
    summary = {
        "fingerprint": digest,
        "key_fingerprint": key_digest,
        "student": student,
        "week": week,
        "seconds": result.seconds,
        "notes": result.notes,
        "notebooks": {
            name: {"grades": {g: asdict(grade) for g, grade in nb.grades.items()}, "notes": nb.notes}
            for name, nb in result.notebooks.items()
        },
    }
    write_atomically(folder / RESULT_FILE, json.dumps(summary, indent=1))
    (folder / NOT_GRADED_FILE).unlink(missing_ok=True)


def record_not_graded(root: Path, student: str, week: str, digest: str, reason: str, attempts: int) -> None:
    """Note that grading this submission failed for a reason of the machine's (never the student's):
    no score is written, the gradebook keeps whatever it had, and the next ``course grade`` tries again
    (the submission is not current). The note goes when a grading succeeds."""
    note = {"fingerprint": digest, "student": student, "week": week, "reason": reason, "attempts": attempts}
    write_atomically(root / "autograded" / student / week / NOT_GRADED_FILE, json.dumps(note, indent=1))


def not_graded(root: Path) -> dict[tuple[str, str], str]:
    """{(student, week): why} for every submission whose last grading failed on the machine's side."""
    found = {}
    for path in sorted((root / "autograded").glob(f"*/*/{NOT_GRADED_FILE}")):
        try:
            note = json.loads(path.read_text())
        except (OSError, ValueError):
            continue
        found[(path.parent.parent.name, path.parent.name)] = str(note.get("reason", "no reason recorded"))
    return found


def _summary(root: Path, student: str, week: str) -> dict:
    path = result_path(root, student, week)
    return json.loads(path.read_text()) if path.is_file() else {}


def reasons(root: Path, student: str, week: str) -> dict[str, str]:
    """grade_id -> why it lost points, or how it was graded (a cell put back, ...), from the last
    recorded grading (empty if none)."""
    return {
        grade_id: grade["reason"]
        for notebook in _summary(root, student, week).get("notebooks", {}).values()
        for grade_id, grade in notebook["grades"].items()
        if grade.get("reason")
    }


def notes(root: Path, student: str, week: str) -> list[str]:
    """Notes for the instructor that cost no point: flagged code, isolation, skipped cells."""
    summary = _summary(root, student, week)
    return summary.get("notes", []) + [
        note for notebook in summary.get("notebooks", {}).values() for note in notebook.get("notes", [])
    ]
