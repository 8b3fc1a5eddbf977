"""``course grade [WEEK...] [--workers N] [--scheduler ADDRESS]``: grade everything under submitted/.

Each submission is graded by course.grading.worker.grade_submission, in a pool of worker
processes (``--workers``) or on a Dask cluster (``--scheduler``). Workers receive the
submission's bytes and the week's answer key, and send back plain results; this process
alone writes the gradebook (course/grading/record.py). One broken submission never stops the
batch, and a batch stopped half-way resumes where it was on the next run.
"""

from __future__ import annotations

import argparse
import os
import sys
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from multiprocessing import get_context
from pathlib import Path

from tqdm import tqdm

from ..config import grading_config
from ..errors import CourseError
from ..paths import add_root_option, root_from, select_weeks, weeks_in
from ..wording import plural
from .answer_key import build_key
from .payload import Payload
from .record import fingerprint, graded_submissions, is_current, record
from .scores import format_table, read_rows
from .secret import course_secret
from .submission import read_submission, ungraded_folders
from .worker import submission_seed


@dataclass(frozen=True)
class SubmissionOutcome:
    student: str
    week: str
    ok: bool
    reason: str = ""


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
        type=_positive_int,
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


def _positive_int(text: str) -> int:
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
    return [
        (student_dir.name, week)
        for student_dir in sorted(p for p in submitted.iterdir() if p.is_dir())
        for week in weeks
        if (student_dir / week).is_dir()
    ]


def ensure_gradebook(db_url: str) -> None:
    from nbgrader.api import Gradebook

    with Gradebook(db_url):
        pass


def payloads(root: Path, submissions, keys: dict, force: bool):
    config = grading_config(root)
    secret = course_secret(root)
    graded = set() if force else graded_submissions(config.db_url)
    for student, week in submissions:
        files, left_out = read_submission(root, student, week)
        digest = fingerprint(files, keys[week], left_out)
        if not force and is_current(root, student, week, digest, graded):
            continue
        yield (
            digest,
            Payload(student, week, files, keys[week], submission_seed(student, week, secret), config.limits, left_out),
        )


def grade_all(
    root: Path, submissions, workers: int = 1, scheduler: str | None = None, force: bool = False, progress: bool = True
) -> list[SubmissionOutcome]:
    db_url = grading_config(root).db_url
    ensure_gradebook(db_url)
    keys = {week: build_key(root, week) for week in sorted({w for _, w in submissions})}
    todo = list(payloads(root, submissions, keys, force))
    skipped = len(submissions) - len(todo)
    if skipped and progress:
        print(
            f"{plural(skipped, 'submission')} already graded and unchanged: skipped (use --force to regrade)",
            file=sys.stderr,
        )
    # no bar when there is nothing to grade
    bar = tqdm(total=len(todo), desc="grading", unit="submission", disable=not (progress and todo), file=sys.stderr)
    outcomes = []
    with GradingPool(workers, scheduler) as submit:
        futures = {submit(payload): (digest, payload) for digest, payload in todo}
        for future in _as_completed(futures, scheduler):
            digest, payload = futures[future]
            try:
                result = future.result()
            except Exception as err:  # an infrastructure failure: nothing is recorded, a rerun retries
                outcomes.append(
                    SubmissionOutcome(payload.student, payload.week, False, f"{type(err).__name__}: {err}"[:300])
                )
            else:
                record(root, db_url, result, digest)
                outcomes.append(SubmissionOutcome(payload.student, payload.week, True))
            bar.set_postfix_str(f"{payload.student}/{payload.week}")
            bar.update()
    bar.close()
    return outcomes


# One BLAS thread in each grading kernel (and worker) unless the environment already says how many:
# by default OpenBLAS starts a thread per core in every kernel, and with several kernels at once
# (--workers, or other work on the machine) those threads spin against each other on these small
# matrices. Week 8's reference notebook ran in 43 s with the default and 18 s with one thread, on
# 2 cores at load 4. Submissions are graded in parallel by the workers instead.
BLAS_THREADS = ("OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


class GradingPool:
    """A context giving ``submit(payload) -> future`` on a local pool or a Dask cluster."""

    def __init__(self, workers: int, scheduler: str | None):
        self.workers, self.scheduler = workers, scheduler

    def __enter__(self):
        from .worker import grade_submission

        if self.scheduler:
            try:
                from distributed import Client

                self.client = Client(self.scheduler, timeout="20s")
            except OSError as err:
                raise CourseError(f"cannot reach the Dask scheduler at {self.scheduler}: {err}") from None
            return lambda payload: self.client.submit(grade_submission, payload, pure=False)
        for name in BLAS_THREADS:  # the workers, and the kernels they start, inherit the environment
            os.environ.setdefault(name, "1")
        self.pool = ProcessPoolExecutor(max_workers=self.workers, mp_context=get_context("spawn"))
        return lambda payload: self.pool.submit(grade_submission, payload)

    def __exit__(self, *exc):
        if self.scheduler:
            self.client.close()
        else:
            self.pool.shutdown(wait=True, cancel_futures=True)
        return False


def _as_completed(futures, scheduler):
    if scheduler:
        from distributed import as_completed as dask_as_completed

        return dask_as_completed(list(futures))
    return as_completed(futures)


def run(args) -> int:
    root = root_from(args)
    released = weeks_in(root / "release")
    weeks = select_weeks(
        args.weeks, released, root / "release", [w for w in weeks_in(root / "source") if w not in released]
    )
    skipped = ungraded_folders(root, weeks_in(root / "release"), weeks_in(root / "source"))
    for where, why in skipped:
        print(f"NOT GRADED {where}: {why}")
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
    for o in failed:
        print(f"NOT GRADED {o.student}/{o.week}: {o.reason}")
    print(
        f"graded {len(outcomes) - len(failed)} of {plural(len(outcomes), 'submission')}"
        + (f" ({len(submissions) - len(outcomes)} already up to date)" if len(submissions) > len(outcomes) else "")
        + (f"; {plural(len(skipped), 'folder')} under submitted/ not graded (listed above)" if skipped else "")
    )
    return 1 if failed else 0
