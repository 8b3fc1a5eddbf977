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
from pathlib import Path

from .errors import CourseError
from .scores import db_url

RESULT_FILE = ".course-grade.json"


def submission_files(root: Path, student: str, week: str) -> dict[str, bytes]:
    folder = root / "submitted" / student / week
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


def fingerprint(files: dict[str, bytes], key: dict) -> str:
    digest = hashlib.sha256(json.dumps(key, sort_keys=True, default=str).encode())
    for name, data in sorted(files.items()):
        digest.update(name.encode() + b"\0" + hashlib.sha256(data).digest())
    return digest.hexdigest()


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


def graded_submissions(root: Path) -> set[tuple[str, str]]:
    from nbgrader.api import Gradebook
    with Gradebook(db_url(root)) as gb:
        return {(a.name, s.student.id) for a in gb.assignments for s in a.submissions}


def write_atomically(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text(text)
    os.replace(temporary, path)


def record(root: Path, result: dict, digest: str) -> None:
    from nbgrader.api import Gradebook, MissingEntry

    week, student = result["week"], result["student"]
    with Gradebook(db_url(root)) as gb:
        try:
            gb.find_assignment(week)
        except MissingEntry:
            raise CourseError(f"{week} is not in the gradebook: run `course build {week}` first") from None
        gb.update_or_create_student(student)
        gb.update_or_create_submission(week, student)
        for notebook_name, notebook in result["notebooks"].items():
            notebook_id = Path(notebook_name).stem
            for grade_id, grade in notebook["grades"].items():
                row = gb.find_grade(grade_id, notebook_id, week, student)
                row.auto_score = grade["score"]
                row.needs_manual_grade = grade["score"] is None
        gb.db.commit()
    folder = root / "autograded" / student / week
    for notebook_name, notebook in result["notebooks"].items():
        if notebook.get("executed"):
            write_atomically(folder / notebook_name, notebook["executed"])
    summary = {"fingerprint": digest, "student": student, "week": week, "seconds": result.get("seconds"),
               "notes": result.get("notes", []),
               "notebooks": {name: {"grades": nb["grades"], "notes": nb.get("notes", [])}
                             for name, nb in result["notebooks"].items()}}
    write_atomically(folder / RESULT_FILE, json.dumps(summary, indent=1))


def reasons(root: Path, student: str, week: str) -> dict[str, str]:
    """grade_id -> why it lost points, from the last recorded grading (empty if none)."""
    path = result_path(root, student, week)
    if not path.is_file():
        return {}
    summary = json.loads(path.read_text())
    found = {}
    for notebook in summary.get("notebooks", {}).values():
        for grade_id, grade in notebook["grades"].items():
            if grade.get("reason") and (grade["score"] is None or grade["score"] < grade["max"]):
                found[grade_id] = grade["reason"]
    return found
