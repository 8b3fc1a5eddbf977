"""``course report``: write reports/grades.csv from the gradebook and print the table."""
from __future__ import annotations

import csv
from pathlib import Path

from .errors import CourseError
from .paths import add_root_option, root_from
from .scores import Row, format_table, read_rows


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "report", help="write reports/grades.csv and print the grade table",
        description="One CSV row per student and assignment, one column per problem.")
    parser.add_argument("--output", default=None, help="CSV path (default: <root>/reports/grades.csv)")
    add_root_option(parser)
    parser.set_defaults(func=run)


def write_csv(rows: list[Row], path: Path) -> None:
    problems = list(dict.fromkeys(p for r in rows for p in r.problems))
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["student", "assignment", *problems, "total", "max_total"])
        for r in rows:
            writer.writerow([r.student, r.assignment,
                             *("" if r.problems.get(p) is None else f"{r.problems[p]:g}" for p in problems),
                             f"{r.total:g}", f"{r.max_total:g}"])


def run(args) -> int:
    root = root_from(args)
    if not (root / "gradebook.db").exists() and "sqlite" in _url(root):
        raise CourseError(f"no gradebook at {root / 'gradebook.db'}: run `course grade` first")
    rows = read_rows(root)
    path = Path(args.output) if args.output else root / "reports" / "grades.csv"
    write_csv(rows, path)
    print(format_table(rows))
    print(f"wrote {path}")
    return 0


def _url(root: Path) -> str:
    from .scores import db_url
    return db_url(root)
