"""Read scores back from nbgrader's gradebook, and print them as a table."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..config import db_url
from ..notebook import nbgrader_meta


@dataclass(frozen=True)
class Row:
    student: str
    assignment: str
    problems: dict[str, float | None]  # grade_id -> score (None until graded manually)
    max_scores: dict[str, float]
    total: float
    max_total: float


def problem_order(root: Path, assignment: str) -> dict[str, int]:
    """grade_id -> position in the source notebooks, so tables follow the notebook."""
    import nbformat

    order: dict[str, int] = {}
    for path in sorted((root / "source" / assignment).glob("*.ipynb")):
        for cell in nbformat.read(path, as_version=4).cells:
            grade_id = nbgrader_meta(cell).get("grade_id")
            if grade_id and nbgrader_meta(cell).get("grade"):
                order.setdefault(grade_id, len(order))
    return order


def read_rows(root: Path, weeks: list[str] | None = None) -> list[Row]:
    from nbgrader.api import Gradebook

    rows = []
    with Gradebook(db_url(root)) as gb:
        for assignment in sorted(gb.assignments, key=lambda a: a.name):
            if weeks and assignment.name not in weeks:
                continue
            order = problem_order(root, assignment.name)
            for submission in sorted(assignment.submissions, key=lambda s: s.student.id):
                problems, max_scores = {}, {}
                for notebook in sorted(submission.notebooks, key=lambda n: n.name):
                    for grade in sorted(notebook.grades, key=lambda g: (order.get(g.name, len(order)), g.name)):
                        problems[grade.name] = (
                            grade.score if (grade.auto_score is not None or grade.manual_score is not None) else None
                        )
                        max_scores[grade.name] = grade.max_score
                rows.append(
                    Row(
                        submission.student.id,
                        assignment.name,
                        problems,
                        max_scores,
                        submission.score,
                        submission.max_score,
                    )
                )
    return rows


def format_table(rows: list[Row]) -> str:
    if not rows:
        return "(no graded submissions)"
    lines = []
    for assignment in sorted({r.assignment for r in rows}):
        chosen = [r for r in rows if r.assignment == assignment]
        problems = list(dict.fromkeys(p for r in chosen for p in r.problems))
        header = ["student", *problems, "total"]
        body = [
            [r.student, *(_score(r.problems.get(p)) for p in problems), f"{_score(r.total)}/{_score(r.max_total)}"]
            for r in chosen
        ]
        body.insert(0, ["(max)", *(_score(chosen[0].max_scores.get(p)) for p in problems), _score(chosen[0].max_total)])
        widths = [max(len(str(x)) for x in col) for col in zip(header, *body)]
        lines.append(f"== {assignment}")
        for line in [header, *body]:
            lines.append(
                "  ".join(str(x).rjust(w) if i else str(x).ljust(w) for i, (x, w) in enumerate(zip(line, widths)))
            )
    return "\n".join(lines)


def _score(value) -> str:
    if value is None:
        return "-"
    return f"{value:g}"
