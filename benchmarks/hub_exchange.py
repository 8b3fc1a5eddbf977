"""A class of 50 through nbgrader's exchange, without a browser: release week 1, each student fetches
and submits (half the reference sample, half blank), `course collect`, `course grade --workers 2`,
`course feedback --release`, each student fetches their feedback. Times each stage, and checks that
nothing was lost or graded twice: 50 submissions collected, 50 scores (reference full marks, blank
0), a second `course grade` grades none, 50 feedback pages fetched, each by its own student.

Students are simulated in this process: nbgrader's own exchange classes (the code behind the
Assignments tab) with the user name each would have, each with a home folder and nbgrader cache of
their own (a shared cache would hand every student everyone's feedback); no system users are
needed. Baseline, in the same process: the copies a plain file copy would make for the same class
(the release into 50 homes, 50 hand-ins into submitted/), the floor of any exchange.

    .venv/bin/python benchmarks/hub_exchange.py [--students 50] [--workers 2]

Prints a table and writes benchmarks/results/hub_exchange.json. Speed is reported, never asserted.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
WEEK = "w01_softmax"
SAMPLES = REPO / "course" / "samples" / WEEK
RESULTS = REPO / "benchmarks" / "results" / "hub_exchange.json"


def course(root: Path, *args: str) -> str:
    env = dict(os.environ, PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}")
    result = subprocess.run([sys.executable, "-m", "course", *args], cwd=root, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise SystemExit(f"course {' '.join(args)} failed:\n{result.stdout[-2000:]}\n{result.stderr[-2000:]}")
    return result.stdout


@contextmanager
def as_student(name: str):
    """nbgrader's exchange asks the operating system who submits; here it is told."""
    from nbgrader.exchange.default import fetch_feedback, submit

    saved = submit.get_username, fetch_feedback.get_username
    submit.get_username = fetch_feedback.get_username = lambda: name
    try:
        yield
    finally:
        submit.get_username, fetch_feedback.get_username = saved


def exchange_app(kind, layout, home: Path):
    from nbgrader.auth import Authenticator
    from nbgrader.coursedir import CourseDirectory
    from traitlets.config import Config

    from course.hub.runtime import course_id

    config = Config()
    config.Exchange.root = str(layout.exchange)
    config.Exchange.assignment_dir = str(home)
    config.Exchange.cache = str(home / ".nbgrader_cache")  # each student's own, as in their own home
    config.CourseDirectory.course_id = course_id(layout.root)
    coursedir = CourseDirectory(config=config)
    coursedir.assignment_id = WEEK
    return kind(coursedir=coursedir, authenticator=Authenticator(config=config), config=config)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--students", type=int, default=50)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    from nbgrader.exchange.default import ExchangeFetchAssignment, ExchangeFetchFeedback, ExchangeSubmit

    from course.grading.scores import read_rows
    from course.hub.runtime import layout_for, make_exchange

    scratch = Path(tempfile.mkdtemp(prefix="hub-bench-"))
    root = scratch / "course"
    root.mkdir()
    shutil.copy2(REPO / "nbgrader_config.py", root)
    shutil.copytree(REPO / "source" / WEEK, root / "source" / WEEK)
    course(root, "build", WEEK)
    students = [f"s{i:03d}" for i in range(args.students)]
    (root / "roster.txt").write_text("\n".join(students) + "\n")
    layout = layout_for(root, str(scratch / "hub"))
    make_exchange(layout)
    homes = {s: scratch / "homes" / s for s in students}
    answered = {s for i, s in enumerate(students) if i % 2 == 0}
    times: dict[str, float] = {}

    def stage(name, work):
        start = time.perf_counter()
        out = work()
        times[name] = time.perf_counter() - start
        print(f"{name:<22} {times[name]:8.2f} s", flush=True)
        return out

    runtime = ["--runtime", str(layout.runtime)]
    stage("release", lambda: course(root, "release", WEEK, *runtime))

    def fetch_all():
        for home in homes.values():
            home.mkdir(parents=True)
            exchange_app(ExchangeFetchAssignment, layout, home).start()

    def submit_all():
        for student, home in homes.items():
            if student in answered:
                shutil.copyfile(SAMPLES / "reference" / f"{WEEK}.ipynb", home / WEEK / f"{WEEK}.ipynb")
            with as_student(student):
                exchange_app(ExchangeSubmit, layout, home).start()

    stage("fetch (each student)", fetch_all)
    stage("submit (each student)", submit_all)
    collected = stage("collect", lambda: course(root, "collect", WEEK, *runtime))
    graded = stage(
        f"grade --workers {args.workers}", lambda: course(root, "grade", WEEK, "--workers", str(args.workers))
    )
    again = stage("grade again (no-op)", lambda: course(root, "grade", WEEK, "--workers", str(args.workers)))
    stage("feedback --release", lambda: course(root, "feedback", WEEK, "--release", *runtime))

    def fetch_feedback_all():
        for student, home in homes.items():
            with as_student(student):
                exchange_app(ExchangeFetchFeedback, layout, home).start()

    stage("fetch feedback", fetch_feedback_all)

    # nothing lost, nothing graded twice
    rows = {row.student: row for row in read_rows(root, [WEEK])}
    submitted = sorted(p.name for p in (root / "submitted").iterdir() if (p / WEEK / f"{WEEK}.ipynb").is_file())
    pages = {s: sorted(home.glob(f"{WEEK}/feedback/*/{WEEK}.html")) for s, home in homes.items()}
    problems = []
    if submitted != students:
        problems.append(f"collected {len(submitted)} of {len(students)}")
    if sorted(rows) != students:
        problems.append(f"{len(rows)} scores for {len(students)} students")
    for student, row in rows.items():
        expected = row.max_total if student in answered else 0
        if row.total != expected:
            problems.append(f"{student}: {row.total} instead of {expected}")
    if f"{len(students)} new" not in collected:
        problems.append("collect: " + collected.strip().splitlines()[0])
    if f"graded {len(students)} of {len(students)}" not in graded:
        problems.append("grade: " + graded.strip().splitlines()[-1])
    if "graded 0" in again or "nothing to grade" in again.lower() or "up to date" in again.lower():
        pass
    else:
        problems.append("the second grade run graded again: " + again.strip().splitlines()[-1])
    lost = [s for s, found in pages.items() if len(found) != 1]
    if lost:
        problems.append(f"{len(lost)} students without exactly one feedback page")
    for student, found in pages.items():
        if found and f"Score: {rows[student].total:.1f}" not in found[0].read_text():
            problems.append(f"{student} fetched a page that is not theirs")

    # baseline: the same copies as plain file copies, in this process
    plain = scratch / "plain"
    start = time.perf_counter()
    for student in students:
        shutil.copytree(root / "release" / WEEK, plain / "homes" / student / WEEK)
    for student in students:
        shutil.copytree(plain / "homes" / student / WEEK, plain / "submitted" / student / WEEK)
    baseline = time.perf_counter() - start
    exchange = times["release"] + times["fetch (each student)"] + times["submit (each student)"] + times["collect"]
    print(
        f"{'plain copies (baseline)':<22} {baseline:8.2f} s; the exchange's moves take {exchange / baseline:.0f}x that"
    )
    load = os.getloadavg()
    print(f"load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}; problems: {problems or 'none'}")
    RESULTS.write_text(
        json.dumps(
            {
                "students": len(students),
                "workers": args.workers,
                "seconds": {k: round(v, 2) for k, v in times.items()},
                "baseline_plain_copies_s": round(baseline, 3),
                "exchange_over_baseline": round(exchange / baseline, 1),
                "load_average": [round(x, 2) for x in load],
                "problems": problems,
            },
            indent=2,
        )
        + "\n"
    )
    shutil.rmtree(scratch, ignore_errors=True)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
