"""``course export``: the grades CSV an LMS imports, in the layout it wants.

It goes through nbgrader's exporter plugin mechanism: ``nbgrader export --exporter
course.reporting.export.LmsExport`` (``--LmsExport.layout=canvas`` for another layout); :class:`LmsExport`
is an ``nbgrader.plugins.ExportPlugin``, so the same file comes out of ``nbgrader export`` with that
option, and formgrader's gradebook, late-submission penalties, hand-changed scores and student list
are nbgrader's own. A student with no submission for a week scores 0 there, as in nbgrader's CSV.

Layouts (columns in order):

- ``lms`` (reports/lms.csv): ``student_id``, one column per week, ``total``; the second row,
  ``points_possible``, holds each column's maximum.
- ``canvas`` (reports/canvas.csv): Canvas's gradebook import: ``Student``, ``ID``, ``SIS User ID``,
  ``SIS Login ID``, ``Section``, one column per week (a new name creates the assignment), and the
  ``Points Possible`` row Canvas's own export has. Students are matched by ``SIS Login ID``, our id.
- ``moodle`` (reports/moodle.csv): Moodle's "Import grades: CSV file": ``Username``, one column per week;
  map ``Username`` to "username" and each week to its grade item when importing. No points row: Moodle
  would read it as a student.
- ``exercises`` (reports/exercises.csv): one column per exercise (``week/grade_id``), then each week's
  total, with the ``points_possible`` row: the sheet to look at a class problem by problem.
"""

from __future__ import annotations

import csv
import json
import subprocess
from pathlib import Path

from nbgrader.plugins import ExportPlugin
from traitlets import Enum

from ..config import db_url
from ..errors import CourseError
from ..paths import add_root_option, nbgrader_command, root_from, tool_env

LAYOUTS = ("lms", "canvas", "moodle", "exercises")


def default_output(layout: str) -> Path:
    return Path("reports") / f"{layout}.csv"


def _number(x: float) -> str:
    return f"{x:g}"


class LmsExport(ExportPlugin):
    """Write the gradebook's scores in one of :data:`LAYOUTS` (see the module's docstring)."""

    layout = Enum(LAYOUTS, default_value="lms", help="the CSV layout: " + ", ".join(LAYOUTS)).tag(config=True)

    def export(self, gradebook) -> None:
        dest = self.to or str(default_output(self.layout))
        wanted_assignments = [str(a) for a in self.assignment]
        wanted_students = [str(s) for s in self.student]
        assignments = sorted(
            (a for a in gradebook.assignments if not wanted_assignments or a.name in wanted_assignments),
            key=lambda a: a.name,
        )
        students = sorted(
            (s for s in gradebook.students if not wanted_students or s.id in wanted_students), key=lambda s: s.id
        )
        rows = ROWS[self.layout](assignments, students)
        Path(dest).parent.mkdir(parents=True, exist_ok=True)
        with open(dest, "w", newline="") as handle:
            csv.writer(handle).writerows(rows)
        self.log.info("Exported %d students x %d assignments to %s", len(students), len(assignments), dest)


def _week_scores(assignments) -> dict[tuple[str, str], float]:
    """(student id, week) -> the score less any late penalty."""
    scores = {}
    for assignment in assignments:
        for submission in assignment.submissions:
            penalty = submission.late_submission_penalty or 0.0
            scores[(submission.student.id, assignment.name)] = max(0.0, submission.score - penalty)
    return scores


def _lms(assignments, students) -> list[list[str]]:
    scores = _week_scores(assignments)
    maxima = [a.max_score for a in assignments]
    rows = [["student_id", *(a.name for a in assignments), "total"]]
    rows.append(["points_possible", *map(_number, maxima), _number(sum(maxima))])
    for student in students:
        row = [scores.get((student.id, a.name), 0.0) for a in assignments]
        rows.append([student.id, *map(_number, row), _number(sum(row))])
    return rows


def _canvas(assignments, students) -> list[list[str]]:
    scores = _week_scores(assignments)
    rows = [["Student", "ID", "SIS User ID", "SIS Login ID", "Section", *(a.name for a in assignments)]]
    rows.append(["Points Possible", "", "", "", "", *(_number(a.max_score) for a in assignments)])
    for student in students:
        name = ", ".join(part for part in (student.last_name, student.first_name) if part) or student.id
        row = [_number(scores.get((student.id, a.name), 0.0)) for a in assignments]
        rows.append([name, "", "", student.id, "", *row])
    return rows


def _moodle(assignments, students) -> list[list[str]]:
    scores = _week_scores(assignments)
    rows = [["Username", *(a.name for a in assignments)]]
    for student in students:
        rows.append([student.id, *(_number(scores.get((student.id, a.name), 0.0)) for a in assignments)])
    return rows


def _release_order(week: str, notebook: str) -> dict[str, int]:
    """grade_id -> its position in the released notebook (exercises in the order students meet them)."""
    import nbformat

    try:
        cells = nbformat.read(Path("release") / week / f"{notebook}.ipynb", as_version=4).cells
    except (OSError, ValueError):
        return {}
    ids = [cell.metadata.get("nbgrader", {}).get("grade_id") for cell in cells]
    return {grade_id: position for position, grade_id in enumerate(ids) if grade_id}


def _exercises(assignments, students) -> list[list[str]]:
    columns = []
    for assignment in assignments:
        for notebook in sorted(assignment.notebooks, key=lambda n: n.name):
            order = _release_order(assignment.name, notebook.name)
            cells = sorted(notebook.grade_cells, key=lambda c: (order.get(c.name, len(order)), c.name))
            columns += [(assignment.name, notebook.name, cell.name, cell.max_score) for cell in cells]
    got: dict[tuple, float] = {}
    for assignment in assignments:
        for submission in assignment.submissions:
            for notebook in submission.notebooks:
                for grade in notebook.grades:
                    got[(submission.student.id, assignment.name, notebook.name, grade.name)] = grade.score
    scores = _week_scores(assignments)
    rows = [["student_id", *(f"{week}/{cell}" for week, _, cell, _ in columns), *(a.name for a in assignments)]]
    rows.append(["points_possible", *(_number(m) for *_, m in columns), *(_number(a.max_score) for a in assignments)])
    for student in students:
        cells = [_number(got.get((student.id, week, nb, cell), 0.0)) for week, nb, cell, _ in columns]
        rows.append([student.id, *cells, *(_number(scores.get((student.id, a.name), 0.0)) for a in assignments)])
    return rows


ROWS = {"lms": _lms, "canvas": _canvas, "moodle": _moodle, "exercises": _exercises}


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "export",
        help="write the grades CSV an LMS imports (lms, canvas, moodle or per-exercise layout)",
        description="Run `nbgrader export` with this course's exporter plugin (course.reporting.export.LmsExport): "
        "one row per student. Layouts: lms (student_id, a column per week, total, and a points_possible row), "
        "canvas (Canvas's gradebook import, with its Points Possible row), moodle (Moodle's CSV grade import: "
        "Username and a column per week), exercises (a column per exercise).",
    )
    parser.add_argument("weeks", nargs="*", metavar="WEEK", help="weeks to export (default: every week)")
    parser.add_argument("--layout", choices=LAYOUTS, default="lms", help="the CSV layout (default: lms)")
    parser.add_argument("--output", default=None, help="CSV path (default: <root>/reports/<layout>.csv)")
    add_root_option(parser)
    parser.set_defaults(func=run)


def export(root: Path, output: Path, weeks: list[str] = (), layout: str = "lms") -> None:
    command = nbgrader_command(
        "export", "--exporter=course.reporting.export.LmsExport", f"--to={output}", f"--LmsExport.layout={layout}"
    )
    if weeks:
        command.append(f"--ExportPlugin.assignment={json.dumps(list(weeks))}")
    result = subprocess.run(command, cwd=root, env=tool_env(), capture_output=True, text=True)
    if result.returncode != 0 or not output.is_file():
        tail = "\n".join((result.stdout + result.stderr).strip().splitlines()[-15:])
        raise CourseError(f"nbgrader export failed:\n{tail}")


def assignments(url: str) -> list[str]:
    from nbgrader.api import Gradebook

    with Gradebook(url) as gb:
        return sorted(a.name for a in gb.assignments)


def run(args) -> int:
    root = root_from(args)
    if db_url(root).startswith("sqlite") and not (root / "gradebook.db").exists():
        raise CourseError(f"no gradebook at {root / 'gradebook.db'}: run `course grade` first")
    known = assignments(db_url(root))
    unknown = [w for w in args.weeks if w not in known]
    if unknown:
        raise CourseError(f"{unknown[0]!r} is not in the gradebook; it has: {', '.join(known) or 'no weeks'}")
    output = Path(args.output).resolve() if args.output else root / default_output(args.layout)
    export(root, output, args.weeks, args.layout)
    with output.open() as handle:
        rows = list(csv.reader(handle))
    students = [row for row in rows[1:] if row[0] not in ("points_possible", "Points Possible")]
    weeks = list(args.weeks or known)
    print(
        f"wrote {output} ({args.layout} layout): {len(students)} student{'s' * (len(students) != 1)}, "
        f"{len(weeks)} week{'s' * (len(weeks) != 1)} ({', '.join(weeks)})"
    )
    return 0
