"""What was written from grades that have changed since: feedback pages and LMS exports to write again.

A submission's grading time is the time of its record (``autograded/<student>/<week>/.course-grade.json``,
written by every grading). Feedback older than its submission's record, or an export older than the
newest record, shows grades that are no longer the gradebook's; `course grade` and `course report` name
them with the command that brings them up to date.
"""

from __future__ import annotations

from pathlib import Path

from ..grading.record import RESULT_FILE
from .export import LAYOUTS, default_output


def _records(root: Path) -> dict[tuple[str, str], float]:
    """(student, week) -> when its grading was recorded."""
    return {
        (path.parent.parent.name, path.parent.name): path.stat().st_mtime
        for path in (root / "autograded").glob(f"*/*/{RESULT_FILE}")
    }


def stale_feedback(root: Path) -> dict[str, list[str]]:
    """week -> students whose feedback page is older than their grades (or missing, in a week whose
    feedback was written for someone)."""
    records = _records(root)
    weeks_with_feedback = {path.name for path in (root / "feedback").glob("*/*") if path.is_dir()}
    stale: dict[str, list[str]] = {}
    for (student, week), graded in sorted(records.items()):
        if week not in weeks_with_feedback:
            continue
        pages = list((root / "feedback" / student / week).glob("*.html"))
        if not pages or min(page.stat().st_mtime for page in pages) < graded:
            stale.setdefault(week, []).append(student)
    return stale


def stale_exports(root: Path) -> list[tuple[Path, str]]:
    """[(export, its layout)] written before the newest grading."""
    records = _records(root)
    if not records:
        return []
    newest = max(records.values())
    found = []
    for layout in LAYOUTS:
        path = root / default_output(layout)
        if path.is_file() and path.stat().st_mtime < newest:
            found.append((path, layout))
    return found


def staleness_notes(root: Path) -> list[str]:
    """One line per stale output, saying what to run."""
    notes = []
    for week, students in stale_feedback(root).items():
        count = f"{len(students)} student{'s' * (len(students) != 1)}"
        notes.append(f"feedback for {count} of {week} predates their grades: run `course feedback {week}`")
    for path, layout in stale_exports(root):
        option = "" if layout == "lms" else f" --layout {layout}"
        notes.append(f"{path.relative_to(root)} predates the latest grades: run `course export{option}`")
    return notes
