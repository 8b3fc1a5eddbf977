"""``course grade [WEEK...] [--workers N]``: autograde every submission under submitted/.

Each submission is graded by its own ``nbgrader autograde`` process, so one broken
notebook (syntax error, exception, time-out, crashed kernel) fails alone and the
batch goes on. A progress bar tracks the batch; a table of scores ends it.
"""
from __future__ import annotations

import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from tqdm import tqdm

from .errors import CourseError
from .paths import add_root_option, nbgrader_command, root_from, select_weeks, tool_env, weeks_in
from .scores import db_url, format_table, read_rows

SUBMISSION_TIMEOUT = 30 * 60  # seconds for one whole notebook; cells have their own limit


@dataclass(frozen=True)
class Outcome:
    student: str
    week: str
    ok: bool
    reason: str = ""


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "grade", help="autograde everything under submitted/",
        description="Autograde submitted/<student>/<week>/ with nbgrader, one process per "
                    "submission; a failing submission never stops the batch.")
    parser.add_argument("weeks", nargs="*", metavar="WEEK", help="weeks to grade (default: all released weeks)")
    parser.add_argument("--workers", type=_positive_int, default=1,
                        help="submissions graded at the same time (default 1)")
    add_root_option(parser)
    parser.set_defaults(func=run)


def _positive_int(text: str) -> int:
    import argparse
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def find_submissions(root: Path, weeks: list[str]) -> list[tuple[str, str]]:
    submitted = root / "submitted"
    if not submitted.is_dir():
        raise CourseError(f"{submitted} does not exist: nothing has been submitted yet")
    found = []
    for student_dir in sorted(p for p in submitted.iterdir() if p.is_dir()):
        for week in weeks:
            if (student_dir / week).is_dir():
                found.append((student_dir.name, week))
    return found


def grade_one(root: Path, student: str, week: str) -> Outcome:
    try:
        result = subprocess.run(
            nbgrader_command("autograde", week, "--student", student, "--force"),
            cwd=root, env=tool_env(), capture_output=True, text=True, timeout=SUBMISSION_TIMEOUT)
    except subprocess.TimeoutExpired:
        return Outcome(student, week, False, f"timed out after {SUBMISSION_TIMEOUT} s")
    if result.returncode != 0:
        return Outcome(student, week, False, _last_error(result.stdout + result.stderr))
    return Outcome(student, week, True)


def _last_error(log: str) -> str:
    lines = [l.strip() for l in log.splitlines() if l.strip()]
    errors = [l for l in lines if "[ERROR]" in l or "Error" in l]
    return (errors or lines or ["nbgrader failed without a message"])[-1][:200]


def ensure_gradebook(root: Path) -> None:
    """Create the gradebook's tables once, before parallel workers race to do it."""
    from nbgrader.api import Gradebook
    with Gradebook(db_url(root)):
        pass


def grade_all(root: Path, submissions, workers: int, progress: bool = True) -> list[Outcome]:
    ensure_gradebook(root)
    bar = tqdm(total=len(submissions), desc="grading", unit="submission", disable=not progress,
               file=sys.stderr)
    outcomes = []
    with ThreadPoolExecutor(max_workers=workers) as pool:
        futures = [pool.submit(grade_one, root, s, w) for s, w in submissions]
        for future in futures:
            outcome = future.result()
            outcomes.append(outcome)
            bar.set_postfix_str(f"{outcome.student}/{outcome.week}")
            bar.update()
    bar.close()
    return outcomes


def run(args) -> int:
    root = root_from(args)
    weeks = select_weeks(args.weeks, weeks_in(root / "release"), root / "release")
    submissions = find_submissions(root, weeks)
    if not submissions:
        raise CourseError(f"no submissions for {', '.join(weeks)} under {root / 'submitted'}")
    outcomes = grade_all(root, submissions, args.workers)
    print(format_table(read_rows(root, weeks)))
    failed = [o for o in outcomes if not o.ok]
    for o in failed:
        print(f"NOT GRADED {o.student}/{o.week}: {o.reason}")
    print(f"graded {len(outcomes) - len(failed)} of {len(outcomes)} submissions")
    return 1 if failed else 0
