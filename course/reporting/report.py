"""``course report``: write reports/grades.csv and reports/index.html from the gradebook and print
the table (the page: course/reporting/html.py)."""

from __future__ import annotations

import csv
from pathlib import Path

from ..config import db_url, nbgrader_settings
from ..errors import CourseError
from ..grading.record import not_graded, notes, reasons
from ..grading.scores import Row, format_table, read_rows
from ..grading.submission import ungraded_folders
from ..paths import add_root_option, root_from, weeks_in
from .stale import staleness_notes


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "report",
        help="write reports/grades.csv and reports/index.html and print the grade table",
        description="One CSV row per student and assignment, one column per problem; and a page "
        "(opens offline) with each week's scores, the reasons points were lost grouped by "
        "mistake, the notes flagged for review, grading times and a table of students.",
    )
    parser.add_argument(
        "weeks", nargs="*", metavar="WEEK", help="weeks to print (default: every week; the files hold all)"
    )
    parser.add_argument("--output", default=None, help="CSV path (default: <root>/reports/grades.csv)")
    parser.add_argument("--html", default=None, help="page path (default: <root>/reports/index.html)")
    add_root_option(parser)
    parser.set_defaults(func=run)


def write_csv(rows: list[Row], path: Path, why: dict, noted: dict) -> None:
    problems = list(dict.fromkeys(p for r in rows for p in r.problems))
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["student", "assignment", *problems, "total", "max_total", "reasons", "notes"])
        for r in rows:
            lost = why.get((r.student, r.assignment), {})
            writer.writerow(
                [
                    r.student,
                    r.assignment,
                    *("" if r.problems.get(p) is None else f"{r.problems[p]:g}" for p in problems),
                    f"{r.total:g}",
                    f"{r.max_total:g}",
                    "; ".join(f"{p}: {reason}" for p, reason in lost.items()),
                    "; ".join(noted.get((r.student, r.assignment), [])),
                ]
            )


def with_hand_scores(row: Row, lost: dict[str, str]) -> dict[str, str]:
    """The reasons points were lost, as the gradebook stands: a score set by hand in formgrader says so
    (beside what the grader had said), and one set to full marks loses nothing."""
    lost = dict(lost)
    for problem in row.by_hand:
        score, points = row.problems.get(problem), row.max_scores.get(problem, 0.0)
        if score is not None and score < points:
            before = lost.get(problem)
            lost[problem] = "set by hand in formgrader" + (f"; the grader had said: {before}" if before else "")
        else:
            lost.pop(problem, None)
    return lost


def format_reasons(why: dict, noted: dict) -> str:
    """Why points were lost (and how cells were graded), then the notes flagged for review apart."""
    lines = [
        f"  {student}/{assignment} {problem}: {reason}"
        for (student, assignment), lost in sorted(why.items())
        for problem, reason in lost.items()
    ]
    text = "why points were lost, and how problems were graded:\n" + "\n".join(lines) if lines else "no points lost"
    flagged = [
        f"  {student}/{assignment}: {note}"
        for (student, assignment), found in sorted(noted.items())
        for note in found
        if note.startswith("flagged for review")
    ]
    other = [
        f"  {student}/{assignment}: {note}"
        for (student, assignment), found in sorted(noted.items())
        for note in found
        if not note.startswith("flagged for review")
    ]
    text += "\nflagged for review (no points taken):\n" + "\n".join(flagged) if flagged else ""
    return text + ("\nnotes (how submissions were read, scores set by hand):\n" + "\n".join(other) if other else "")


def write_page(root: Path, rows: list[Row], page: Path) -> None:
    from .data import collect
    from .html import write_html

    course_id = nbgrader_settings(root).get("CourseDirectory", {}).get("course_id", "")
    write_html(collect(root, rows), page, course_id if isinstance(course_id, str) else "")


def not_in_gradebook(root: Path, rows: list[Row]) -> list[tuple[str, str]]:
    """[(submitted/... path, why)] for what students handed in that has no row in the gradebook and
    whose grading did not fail on the machine's side (those are listed apart: ``machine_failures``)."""
    released = weeks_in(root / "release")
    graded = {(r.student, r.assignment) for r in rows} | set(not_graded(root))
    missing = ungraded_folders(root, released, weeks_in(root / "source"))
    submitted = root / "submitted"
    if submitted.is_dir():
        missing += [
            (f"submitted/{student.name}/{week}", "not graded: run `course grade` (it says why)")
            for student in sorted(p for p in submitted.iterdir() if p.is_dir())
            for week in released
            if (student / week).is_dir() and (student.name, week) not in graded
        ]
    return missing


def machine_failures(root: Path, rows: list[Row]) -> list[str]:
    """One line per submission whose last grading failed on the machine's side: never a score."""
    earlier = {(r.student, r.assignment) for r in rows}
    return [
        f"  {student}/{week}: {why}"
        + (" (the gradebook still holds the grades of an earlier grading)" if (student, week) in earlier else "")
        for (student, week), why in sorted(not_graded(root).items())
    ]


def run(args) -> int:
    root = root_from(args)
    if db_url(root).startswith("sqlite") and not (root / "gradebook.db").exists():
        raise CourseError(f"no gradebook at {root / 'gradebook.db'}: run `course grade` first")
    rows = read_rows(root)
    why = {(r.student, r.assignment): with_hand_scores(r, reasons(root, r.student, r.assignment)) for r in rows}
    noted = {(r.student, r.assignment): notes(root, r.student, r.assignment) + r.hand_notes() for r in rows}
    path = Path(args.output) if args.output else root / "reports" / "grades.csv"
    write_csv(rows, path, why, noted)
    page = Path(args.html).resolve() if args.html else root / "reports" / "index.html"
    write_page(root, rows, page)
    known = sorted({r.assignment for r in rows})
    unknown = [w for w in args.weeks if w not in known]
    if unknown:
        raise CourseError(f"{unknown[0]!r} has no grades; graded weeks: {', '.join(known) or 'none'}")
    if args.weeks:
        shown = [r for r in rows if r.assignment in args.weeks]
        keep = {(r.student, r.assignment) for r in shown}
        print(format_table(shown))
        print(
            format_reasons({k: v for k, v in why.items() if k in keep}, {k: v for k, v in noted.items() if k in keep})
        )
    else:
        print(format_table(rows))
        print(format_reasons(why, noted))
    failures = machine_failures(root, rows)
    if failures:
        print("Not graded, a fault of the grading machine (no score recorded; `course grade` tries again):")
        print("\n".join(failures))
    missing = not_in_gradebook(root, rows)
    if missing:
        print("In submitted/ but not in the gradebook:")
        print("\n".join(f"  {where}: {why}" for where, why in missing))
    for note in staleness_notes(root):
        print(note)
    print(f"wrote {path}")
    print(f"wrote {page}")
    return 0
