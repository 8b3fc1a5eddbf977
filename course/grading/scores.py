"""Read scores back from nbgrader's gradebook, and print them as a table."""

from __future__ import annotations

from dataclasses import dataclass, field
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
    by_hand: dict[str, tuple[float | None, float]] = field(default_factory=dict)  # grade_id -> (automatic, manual)

    def hand_notes(self) -> list[str]:
        """One line per score an instructor set in formgrader, with what the grader had given."""
        return [
            f"{problem}: score set by hand in formgrader, {manual:g} of {self.max_scores.get(problem, 0):g}"
            + (f" (the grader gave {auto:g})" if auto is not None else "")
            for problem, (auto, manual) in self.by_hand.items()
        ]


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
                problems, max_scores, by_hand = {}, {}, {}
                for notebook in sorted(submission.notebooks, key=lambda n: n.name):
                    for grade in sorted(notebook.grades, key=lambda g: (order.get(g.name, len(order)), g.name)):
                        problems[grade.name] = (
                            grade.score if (grade.auto_score is not None or grade.manual_score is not None) else None
                        )
                        max_scores[grade.name] = grade.max_score
                        if grade.manual_score is not None:
                            by_hand[grade.name] = (grade.auto_score, grade.manual_score)
                rows.append(
                    Row(
                        submission.student.id,
                        assignment.name,
                        problems,
                        max_scores,
                        submission.score,
                        submission.max_score,
                        by_hand,
                    )
                )
    return rows


TABLE_WIDTH = 100  # a terminal's columns the score table must fit in


def short_name(grade_id: str) -> str:
    """A problem's column title: its grade id without the "test_" every test cell's id starts with."""
    return grade_id.removeprefix("test_")


def _lay_out(header: list[str], body: list[list[str]]) -> list[str]:
    widths = [max(len(str(x)) for x in col) for col in zip(header, *body)]
    return [
        "  ".join(str(x).rjust(w) if i else str(x).ljust(w) for i, (x, w) in enumerate(zip(line, widths))).rstrip()
        for line in [header, *body]
    ]


def _legend(problems: list[str], width: int) -> list[str]:
    """ "problems: 1 affine_forward · 2 affine_backward · ...", wrapped at ``width``."""
    lines, line = [], "problems:"
    for number, problem in enumerate(problems, start=1):
        item = f"{number} {short_name(problem)}"
        if len(line) + 3 + len(item) > width:
            lines.append(line)
            line = "  " + item
        else:
            line += (" · " if not line.endswith(":") else " ") + item
    return [*lines, line]


def format_table(rows: list[Row], width: int = TABLE_WIDTH) -> str:
    """One table per week: a row per student, a column per problem, the total. Columns are titled by
    the problems' names when the table fits in ``width`` columns, otherwise numbered, with a legend."""
    if not rows:
        return "(no graded submissions)"
    lines = []
    for assignment in sorted({r.assignment for r in rows}):
        chosen = [r for r in rows if r.assignment == assignment]
        problems = list(dict.fromkeys(p for r in chosen for p in r.problems))
        body = [
            [r.student, *(_score(r.problems.get(p)) for p in problems), f"{_score(r.total)}/{_score(r.max_total)}"]
            for r in chosen
        ]
        body.insert(0, ["(max)", *(_score(chosen[0].max_scores.get(p)) for p in problems), _score(chosen[0].max_total)])
        table = _lay_out(["student", *map(short_name, problems), "total"], body)
        legend = []
        if max(map(len, table)) > width:
            table = _lay_out(["student", *(str(k) for k in range(1, len(problems) + 1)), "total"], body)
            legend = _legend(problems, width)
        lines += [f"== {assignment}", *table, *legend]
    return "\n".join(lines)


def _score(value) -> str:
    if value is None:
        return "-"
    return f"{value:g}"
