"""``course export``: the CSV an LMS imports, one row per student (id, score per week, total).

It goes through nbgrader's exporter plugin mechanism: ``nbgrader export --exporter
course.reporting.export.LmsExport``; :class:`LmsExport` is an ``nbgrader.plugins.ExportPlugin``, so the
same file comes out of ``nbgrader export`` with that option, and formgrader's gradebook,
late-submission penalties and student list are nbgrader's own. A student with no submission
for a week scores 0 there, as in nbgrader's own CSV export.
"""

from __future__ import annotations

import csv
import json
import subprocess
from pathlib import Path

from nbgrader.plugins import ExportPlugin

from ..config import db_url
from ..errors import CourseError
from ..paths import add_root_option, nbgrader_command, root_from, tool_env

DEFAULT = Path("reports") / "lms.csv"


class LmsExport(ExportPlugin):
    """student_id, one column per assignment (its score less any late penalty), total."""

    def export(self, gradebook) -> None:
        dest = self.to or str(DEFAULT)
        wanted_assignments = [str(a) for a in self.assignment]
        wanted_students = [str(s) for s in self.student]
        assignments = sorted(
            (a for a in gradebook.assignments if not wanted_assignments or a.name in wanted_assignments),
            key=lambda a: a.name,
        )
        students = sorted(
            (s for s in gradebook.students if not wanted_students or s.id in wanted_students), key=lambda s: s.id
        )
        scores: dict[tuple[str, str], float] = {}
        for assignment in assignments:
            for submission in assignment.submissions:
                penalty = submission.late_submission_penalty or 0.0
                scores[(submission.student.id, assignment.name)] = max(0.0, submission.score - penalty)
        Path(dest).parent.mkdir(parents=True, exist_ok=True)
        with open(dest, "w", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(["student_id", *(a.name for a in assignments), "total"])
            for student in students:
                row = [scores.get((student.id, a.name), 0.0) for a in assignments]
                writer.writerow([student.id, *(f"{x:g}" for x in row), f"{sum(row):g}"])
        self.log.info("Exported %d students x %d assignments to %s", len(students), len(assignments), dest)


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "export",
        help="write the grades CSV an LMS imports (student id, score per week, total)",
        description="Run `nbgrader export` with this course's exporter plugin (course.reporting.export.LmsExport): "
        "one row per student, one column per week, and the total.",
    )
    parser.add_argument("weeks", nargs="*", metavar="WEEK", help="weeks to export (default: every week)")
    parser.add_argument("--output", default=None, help=f"CSV path (default: <root>/{DEFAULT})")
    add_root_option(parser)
    parser.set_defaults(func=run)


def export(root: Path, output: Path, weeks: list[str] = ()) -> None:
    command = nbgrader_command("export", "--exporter=course.reporting.export.LmsExport", f"--to={output}")
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
    output = Path(args.output).resolve() if args.output else root / DEFAULT
    export(root, output, args.weeks)
    with output.open() as handle:
        header, *rows = list(csv.reader(handle))
    weeks = header[1:-1]
    print(
        f"wrote {output}: {len(rows)} student{'s' * (len(rows) != 1)}, "
        f"{len(weeks)} week{'s' * (len(weeks) != 1)} ({', '.join(weeks)}) and the total"
    )
    return 0
