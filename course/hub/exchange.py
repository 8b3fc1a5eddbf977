"""``course release WEEK`` and ``course collect WEEK``: a built week into nbgrader's exchange, and the
students' submissions out of it into ``submitted/<student>/<week>/`` (where ``course grade`` finds
them); :func:`release_feedback` is ``course feedback WEEK --release``. Each runs nbgrader's own
exchange command (the same code as the Assignments tab) and then counts what actually moved.

The exchange (``<runtime>/exchange/<course_id>/``): ``outbound/<week>/`` what students fetch,
``inbound/<student>+<week>+<timestamp>+<random>/`` their submissions (a folder they may write but
not list), ``feedback/<hash>.html`` feedback keyed by a secret only the submission knows.
"""

from __future__ import annotations

import shutil
import subprocess
from datetime import datetime
from pathlib import Path

from ..errors import CourseError
from ..paths import add_root_option, nbgrader_command, root_from, tool_env, weeks_in
from . import runtime
from .roster import read_roster, roster_path


def register(subparsers) -> None:
    release = subparsers.add_parser(
        "release",
        help="release a built week to the hub's exchange (students fetch it from the Assignments tab)",
        description="Copy release/WEEK/ (made by `course build WEEK`) to nbgrader's exchange of this course.",
    )
    release.add_argument("week", metavar="WEEK")
    release.add_argument("--force", action="store_true", help="release again, replacing what students would fetch")
    runtime.add_runtime_option(release)
    add_root_option(release)
    release.set_defaults(func=run_release)

    collect = subparsers.add_parser(
        "collect",
        help="collect the students' submissions of a week from the exchange into submitted/",
        description="Copy the newest submission of each student on the roster from the exchange to "
        "submitted/<student>/WEEK/ (timestamp.txt says when it was submitted), then `course grade WEEK`.",
    )
    collect.add_argument("week", metavar="WEEK")
    collect.add_argument("--roster", default=None, help="roster file (default: <course root>/roster.txt)")
    runtime.add_runtime_option(collect)
    add_root_option(collect)
    collect.set_defaults(func=run_collect)


def _nbgrader(root: Path, layout: runtime.Layout, verb: str, *args: str) -> subprocess.CompletedProcess:
    command = nbgrader_command(verb, *args, *runtime.exchange_options(layout))
    return subprocess.run(command, cwd=root, env=tool_env(), capture_output=True, text=True)


def _failure(result: subprocess.CompletedProcess) -> str:
    lines = (result.stdout + result.stderr).strip().splitlines()
    errors = [line for line in lines if "[ERROR]" in line or "Error" in line]
    return "\n".join((errors or lines)[-8:])


def _course_folder(layout: runtime.Layout) -> Path:
    return layout.exchange / runtime.course_id(layout.root)


# --------------------------------------------------------------------------- release


def run_release(args) -> int:
    root = root_from(args)
    layout = runtime.layout_for(root, args.runtime)
    week = args.week
    if week not in weeks_in(root / "release"):
        if week in weeks_in(root / "source"):
            raise CourseError(f"{week} has not been built: run `course build {week}` first")
        raise CourseError(f"unknown week {week!r}; built weeks: {', '.join(weeks_in(root / 'release')) or 'none'}")
    if not layout.exchange.is_dir():
        raise CourseError(f"no exchange at {layout.exchange}: start the hub first (`course hub`)")
    result = _nbgrader(root, layout, "release_assignment", week, *(["--force"] if args.force else []))
    outbound = _course_folder(layout) / "outbound" / week
    if result.returncode != 0:
        if "already exists" in result.stdout + result.stderr:
            raise CourseError(f"{week} is already released; `course release {week} --force` replaces it")
        raise CourseError(f"nbgrader could not release {week}:\n{_failure(result)}")
    notebooks = sorted(p.name for p in outbound.glob("*.ipynb"))
    print(
        f"released {week}: {len(notebooks)} notebook{'s' * (len(notebooks) != 1)} ({', '.join(notebooks)}) "
        f"to {outbound}; students fetch it from the Assignments tab"
    )
    return 0


# --------------------------------------------------------------------------- collect


def inbound_submissions(layout: runtime.Layout, week: str) -> dict[str, list[str]]:
    """student -> the names of their submission folders of ``week`` in the exchange's inbound."""
    found: dict[str, list[str]] = {}
    inbound = _course_folder(layout) / "inbound"
    if not inbound.is_dir():
        return found
    for entry in sorted(inbound.iterdir()):
        parts = entry.name.split("+")
        if len(parts) >= 3 and parts[1] == week and entry.is_dir():
            found.setdefault(parts[0], []).append(entry.name)
    return found


def due_date(root: Path, week: str) -> datetime | None:
    """The week's due date in the gradebook (nbgrader's Assignment.duedate), if one is set."""
    from nbgrader.api import Gradebook, MissingEntry

    from ..config import db_url

    try:
        with Gradebook(db_url(root)) as gradebook:
            return gradebook.find_assignment(week).duedate
    except MissingEntry:
        return None


def read_timestamp(folder: Path) -> datetime | None:
    from nbgrader.utils import parse_utc

    stamp = folder / "timestamp.txt"
    return parse_utc(stamp.read_text().strip()) if stamp.is_file() else None


def collect_roster(layout: runtime.Layout, week: str, roster: list[str]) -> None:
    """nbgrader's collect (``--update``: a newer submission replaces the one collected), run once in this
    process for the whole class, limited to the students on the roster."""
    from nbgrader.auth import Authenticator
    from nbgrader.coursedir import CourseDirectory
    from nbgrader.exchange.default import ExchangeCollect
    from traitlets.config import Config

    from ..config import nbgrader_settings

    class RosterCollect(ExchangeCollect):
        def init_src(self):
            super().init_src()
            self.src_records = [record for record in self.src_records if record["username"] in roster]

    config = Config(nbgrader_settings(layout.root))
    config.CourseDirectory.root = str(layout.root)
    config.CourseDirectory.course_id = runtime.course_id(layout.root)
    config.Exchange.root = str(layout.exchange)
    config.ExchangeCollect.update = True
    coursedir = CourseDirectory(config=config)
    coursedir.assignment_id = week
    RosterCollect(coursedir=coursedir, authenticator=Authenticator(config=config), config=config).start()


def run_collect(args) -> int:
    root = root_from(args)
    layout = runtime.layout_for(root, args.runtime)
    week = args.week
    if week not in weeks_in(root / "release"):
        raise CourseError(f"unknown week {week!r}: it was never built (`course build {week}`)")
    roster = read_roster(roster_path(root, args.roster))
    found = inbound_submissions(layout, week)
    if not found:
        raise CourseError(f"the exchange holds no submission of {week} (is it released? `course release {week}`)")
    strangers = sorted(set(found) - set(roster))
    for name in strangers:
        print(f"SKIPPED {name}: not on the roster ({len(found[name])} submission(s) of {week} left in the exchange)")
    students = sorted(set(found) & set(roster))
    before = {s: read_timestamp(root / "submitted" / s / week) for s in students}
    try:
        collect_roster(layout, week, students)
    except Exception as err:  # nbgrader's exchange reports its failures as exceptions
        raise CourseError(f"nbgrader could not collect {week}: {err}") from err
    collected, unchanged, failed = [], [], []
    for student in students:
        after = read_timestamp(root / "submitted" / student / week)
        if after is None:
            failed.append((student, "nothing arrived in submitted/ (see nbgrader's log above)"))
        elif before[student] == after:
            unchanged.append(student)
        else:
            collected.append(student)
    runtime.keep_locked(layout)
    due = due_date(root, week)
    late = []
    if due is not None:
        for student in collected + unchanged:
            stamp = read_timestamp(root / "submitted" / student / week)
            if stamp is not None and stamp > due:
                late.append((student, stamp - due))
    missing = [s for s in roster if s not in found]
    print(
        f"collected {week}: {len(collected)} new, {len(unchanged)} unchanged, {len(failed)} failed, "
        f"{len(missing)} of {len(roster)} on the roster without a submission; in {root / 'submitted'}/<student>/{week}/"
    )
    for student, by in late:
        print(f"LATE {student}: submitted {by} after the due date ({due} UTC)")
    for student, why in failed:
        print(f"FAILED {student}: {why}")
    if due is None:
        print(f"(no due date for {week} in the gradebook: nothing is counted late)")
    return 1 if failed else 0


# --------------------------------------------------------------------------- feedback


def release_feedback(root: Path, runtime_folder: str | None, week: str) -> int:
    """Put the feedback pages of ``week`` into the exchange; returns how many. nbgrader files each
    page under a hash of the submission's secret, so the submission's timestamp.txt and
    submission_secret.txt must sit beside it (our grader does not copy them into autograded/)."""
    layout = runtime.layout_for(root, runtime_folder)
    if not layout.exchange.is_dir():
        raise CourseError(f"no exchange at {layout.exchange}: start the hub first (`course hub`)")
    pages = sorted((root / "feedback").glob(f"*/{week}/*.html"))
    ready = 0
    for page in pages:
        student = page.parent.parent.name
        submitted = root / "submitted" / student / week
        for name in ("timestamp.txt", "submission_secret.txt"):
            if (submitted / name).is_file():
                shutil.copyfile(submitted / name, page.parent / name)
        if (page.parent / "submission_secret.txt").is_file():
            ready += 1
        else:
            print(f"NOT RELEASED {student}: their submission did not come through the exchange (no secret)")
    if not ready:
        raise CourseError(f"no feedback of {week} came from an exchange submission: nothing to release")
    before = set((_course_folder(layout) / "feedback").glob("*.html"))
    result = _nbgrader(root, layout, "release_feedback", week)
    if result.returncode != 0:
        raise CourseError(f"nbgrader could not release the feedback of {week}:\n{_failure(result)}")
    after = set((_course_folder(layout) / "feedback").glob("*.html"))
    runtime.keep_locked(layout)
    print(
        f"{week}: released {ready} feedback page{'s' * (ready != 1)} to the exchange ({len(after - before)} new); "
        "students fetch them from the Assignments tab"
    )
    return ready
