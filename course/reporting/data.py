"""What the class report shows, gathered once: the gradebook's scores (course/grading/scores.py) and, per
submission, the reasons, notes and grading time that ``course grade`` recorded next to the
autograded notebook (course/grading/record.py's .course-grade.json).

The gradebook is the truth for scores (an instructor may have changed one by hand in formgrader);
the recorded reasons explain the points that are still lost.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

from ..grading.record import not_graded, result_path
from ..grading.scores import Row
from .failures import Group, group_failures, group_notes

FLAGGED = "flagged for review"


@dataclass
class Submission:
    student: str
    week: str
    score: float
    max_score: float
    problems: dict[str, float | None]
    max_scores: dict[str, float]
    lost: dict[str, str] = field(default_factory=dict)  # problem -> why points were lost
    notes: list[str] = field(default_factory=list)  # for the instructor, no point taken
    seconds: float | None = None  # grading time, when recorded
    feedback: list[Path] = field(default_factory=list)  # the student's feedback pages, if made

    @property
    def flags(self) -> list[str]:
        return [n for n in self.notes if n.startswith(FLAGGED)]


@dataclass
class ClassData:
    weeks: list[str]
    students: list[str]
    submissions: list[Submission]
    problems: dict[str, dict[str, float]]  # week -> problem -> points
    not_graded: dict[tuple[str, str], str] = field(default_factory=dict)  # (student, week) -> machine fault

    def of_week(self, week: str) -> list[Submission]:
        return [s for s in self.submissions if s.week == week]

    def failure_groups(self) -> list[Group]:
        return group_failures(
            [(s.week, s.student, problem, reason) for s in self.submissions for problem, reason in s.lost.items()]
        )

    def flagged(self) -> list[tuple[str, str, str]]:
        """(week, student, note) for every note flagged for review."""
        return [(s.week, s.student, note) for s in self.submissions for note in s.flags]

    def other_notes(self) -> list[tuple[str, list[tuple[str, str]]]]:
        return group_notes(
            [(s.week, s.student, note) for s in self.submissions for note in s.notes if not note.startswith(FLAGGED)]
        )


def summary(root: Path, student: str, week: str) -> dict:
    path = result_path(root, student, week)
    try:
        return json.loads(path.read_text()) if path.is_file() else {}
    except (OSError, ValueError):
        return {}


def feedback_pages(root: Path, student: str, week: str) -> list[Path]:
    folder = root / "feedback" / student / week
    return sorted(folder.glob("*.html")) if folder.is_dir() else []


def collect(root: Path, rows: list[Row]) -> ClassData:
    submissions, problems = [], {}
    for row in rows:
        recorded = summary(root, row.student, row.assignment)
        grades = {
            grade_id: grade
            for notebook in recorded.get("notebooks", {}).values()
            for grade_id, grade in notebook.get("grades", {}).items()
        }
        lost = {}
        for problem, score in row.problems.items():
            points = row.max_scores.get(problem, 0.0)
            if score is not None and score < points:
                reason = (grades.get(problem) or {}).get("reason")
                if problem in row.by_hand:
                    reason = "set by hand in formgrader" + (f"; the grader had said: {reason}" if reason else "")
                lost[problem] = reason or "no reason recorded"
        notes = (
            recorded.get("notes", [])
            + [note for notebook in recorded.get("notebooks", {}).values() for note in notebook.get("notes", [])]
            + row.hand_notes()
        )
        seconds = recorded.get("seconds")
        submissions.append(
            Submission(
                row.student,
                row.assignment,
                row.total,
                row.max_total,
                row.problems,
                row.max_scores,
                lost,
                notes,
                float(seconds) if isinstance(seconds, (int, float)) else None,
                feedback_pages(root, row.student, row.assignment),
            )
        )
        problems.setdefault(row.assignment, {}).update(row.max_scores)
    weeks = sorted(problems)
    students = sorted({s.student for s in submissions})
    return ClassData(weeks, students, submissions, problems, not_graded(root))


def relative_link(target: Path, page: Path) -> str:
    """A link from the report page to ``target`` that works when the course folder is opened offline."""
    return Path(os.path.relpath(target, page.parent)).as_posix()
