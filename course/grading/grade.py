"""``course grade [WEEK...] [--workers N] [--scheduler ADDRESS]``: grade everything under submitted/.

Each submission is graded by course.grading.worker.grade_submission, in a pool of worker
processes (``--workers``) or on a Dask cluster (``--scheduler``) (course/grading/pool.py). Workers
receive the submission's bytes and the week's answer key, and send back plain results; this process
alone writes the gradebook (course/grading/record.py). One broken submission never stops the
batch, and a batch stopped half-way resumes where it was on the next run. A fault of the machine
(a kernel that does not start, a sandbox not set up, a worker that dies) is retried and, if it
persists, the submission is recorded as not graded with the reason, never scored
(course/grading/batch.py).
"""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

from tqdm import tqdm

from ..cli import positive_int
from ..config import grading_config
from ..errors import CourseError
from ..paths import add_root_option, root_from, select_weeks, weeks_in
from ..reporting.stale import staleness_notes
from ..wording import plural
from .answer_key import build_key
from .batch import SubmissionOutcome, grade_batch
from .payload import Payload
from .pool import GradingPool
from .record import (
    fingerprint,
    graded_submissions,
    graded_with_key,
    is_current,
    key_fingerprint,
    record,
    record_not_graded,
)
from .scores import format_table, read_rows
from .secret import course_secret
from .submission import read_submission, ungraded_folders
from .time_limits import measured
from .worker import submission_seed


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "grade",
        help="autograde everything under submitted/",
        description="Grade submitted/<student>/<week>/ in sandboxed kernels and record the scores in "
        "the gradebook. Submissions already graded (and unchanged) are skipped.",
    )
    parser.add_argument("weeks", nargs="*", metavar="WEEK", help="weeks to grade (default: all released weeks)")
    parser.add_argument(
        "--workers",
        type=positive_int,
        default=1,
        help="submissions graded at the same time on this machine (default 1)",
    )
    parser.add_argument(
        "--scheduler",
        default=None,
        metavar="ADDRESS",
        help="grade on a Dask cluster, e.g. tcp://10.0.0.5:8786 (workers need this project installed)",
    )
    parser.add_argument("--force", action="store_true", help="grade again even what is already graded")
    add_root_option(parser)
    parser.set_defaults(func=run)


def find_submissions(root: Path, weeks: list[str]) -> list[tuple[str, str]]:
    submitted = root / "submitted"
    if not submitted.is_dir():
        raise CourseError(f"{submitted} does not exist: nothing has been submitted yet")
    return [
        (student_dir.name, week)
        for student_dir in sorted(p for p in submitted.iterdir() if p.is_dir())
        for week in weeks
        if (student_dir / week).is_dir()
    ]


def ensure_gradebook(db_url: str) -> None:
    from nbgrader.api import Gradebook

    from ..gradebook_head import use_in_process_head

    use_in_process_head()
    with Gradebook(db_url):
        pass


def payloads(root: Path, submissions, keys: dict, force: bool, key_changed: Counter | None = None):
    """(fingerprint, Payload) of every submission to grade: all with ``force``, else those not graded
    with these very files and this very key. ``key_changed`` counts, per week, the submissions regraded
    because the instructor's answer key changed since they were graded."""
    config = grading_config(root)
    secret = course_secret(root)
    graded = set() if force else graded_submissions(config.db_url)
    key_digests = {week: key_fingerprint(key) for week, key in keys.items()}
    for student, week in submissions:
        files, left_out = read_submission(root, student, week)
        digest = fingerprint(files, keys[week], left_out)
        if not force and is_current(root, student, week, digest, graded):
            continue
        before = graded_with_key(root, student, week)
        if key_changed is not None and before not in (None, key_digests[week]):
            key_changed[week] += 1
        yield (
            digest,
            Payload(student, week, files, keys[week], submission_seed(student, week, secret), config.limits, left_out),
        )


def expected_seconds(payload: Payload) -> float:
    """How long the submission's week took the reference solution at `course build` (0 unknown)."""
    return sum(
        float(measured(nb_key["metadata"]).get("reference_total") or 0.0)
        for nb_key in payload.key["notebooks"].values()
    )


def longest_first(todo: list[tuple[str, Payload]]) -> list[tuple[str, Payload]]:
    """The submissions of the heaviest weeks first (by their reference's time), each week's in the order
    found: the last notebooks to finish are then short ones, and no worker idles while one runs long."""
    return sorted(todo, key=lambda item: expected_seconds(item[1]), reverse=True)


def source_changed(root: Path, week: str) -> str | None:
    """How the week's source differs from its release (a test's text, points or flags), or None: the answer
    key is built from both, so a source edited after `course build` grades with a key that mixes them."""
    from ..authoring.release_check import verify_release

    for source in sorted((root / "source" / week).glob("*.ipynb")):
        problems = verify_release(source, root / "release" / week / source.name)
        if problems:
            return problems[0].split(": ", 1)[-1]
    return None


def grade_all(
    root: Path,
    submissions,
    workers: int = 1,
    scheduler: str | None = None,
    force: bool = False,
    progress: bool = True,
    task=None,
) -> list[SubmissionOutcome]:
    """Grade ``submissions`` [(student, week)] and record each: graded in the gradebook, or not graded
    with the reason (course/grading/batch.py retries infrastructure faults first). ``task`` replaces
    the worker's function (tests inject faults with it)."""
    db_url = grading_config(root).db_url
    ensure_gradebook(db_url)
    keys = {week: build_key(root, week) for week in sorted({w for _, w in submissions})}
    key_digests = {week: key_fingerprint(key) for week, key in keys.items()}
    key_changed: Counter = Counter()
    todo = longest_first(list(payloads(root, submissions, keys, force, key_changed)))
    skipped = len(submissions) - len(todo)
    if progress:
        for week, count in sorted(key_changed.items()):
            # the instructor's edit, said once here; no student's notes mention it
            print(f"answer key of {week} changed since it was last graded: regrading {plural(count, 'submission')}")
    if skipped and progress:
        print(
            f"{plural(skipped, 'submission')} already graded and unchanged: skipped (use --force to regrade)",
            file=sys.stderr,
        )
    # no bar when there is nothing to grade
    bar = tqdm(total=len(todo), desc="grading", unit="submission", disable=not (progress and todo), file=sys.stderr)

    def settled(outcome: SubmissionOutcome, digest: str) -> None:
        if not outcome.ok:
            record_not_graded(root, outcome.student, outcome.week, digest, outcome.reason, outcome.attempts)
        bar.set_postfix_str(f"{outcome.student}/{outcome.week}")
        bar.update()

    with GradingPool(workers, scheduler, *([task] if task else [])) as pool:
        outcomes = grade_batch(
            pool, todo, lambda result, digest: record(root, db_url, result, digest, key_digests[result.week]), settled
        )
    bar.close()
    return outcomes


def run(args) -> int:
    root = root_from(args)
    released = weeks_in(root / "release")
    weeks = select_weeks(
        args.weeks, released, root / "release", [w for w in weeks_in(root / "source") if w not in released]
    )
    skipped = ungraded_folders(root, weeks_in(root / "release"), weeks_in(root / "source"))
    for where, why in skipped:
        print(f"NOT GRADED {where}: {why}")
    for week in weeks:
        changed = source_changed(root, week)
        if changed:
            print(f"WARNING source/{week} changed after the last build ({changed}): run `course build {week}`")
    submissions = find_submissions(root, weeks)
    if not submissions:
        raise CourseError(
            f"no submissions for {', '.join(weeks)} under {root / 'submitted'}"
            + (
                f" ({len(skipped)} folder(s) not graded: listed above)"
                if skipped
                else " (they go in submitted/<student>/<week>/<week>.ipynb)"
            )
        )
    outcomes = grade_all(root, submissions, args.workers, args.scheduler, args.force)
    print(format_table(read_rows(root, weeks)))
    failed = [o for o in outcomes if not o.ok]
    for o in outcomes:
        if o.ok and o.attempts > 1:
            print(f"RETRIED {o.student}/{o.week}: graded on attempt {o.attempts} (the reason is in its notes)")
    for o in failed:
        print(f"NOT GRADED {o.student}/{o.week} (no score recorded; `course grade` tries it again): {o.reason}")
    print(
        f"graded {len(outcomes) - len(failed)} of {plural(len(outcomes), 'submission')}"
        + (f" ({len(submissions) - len(outcomes)} already up to date)" if len(submissions) > len(outcomes) else "")
        + (f"; {plural(len(skipped), 'folder')} under submitted/ not graded (listed above)" if skipped else "")
    )
    for note in staleness_notes(root):
        print(note)
    return 1 if failed else 0
