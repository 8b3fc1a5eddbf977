"""``course demo``: the whole loop on the bundled samples, in a scratch copy of the course.

build → copy course/samples/ into a scratch submitted/ → grade → print the table → write the
class report (the page `course report` writes), and say where it is. The real course root is
left untouched (no gradebook, no submitted/ there).
"""

from __future__ import annotations

import shutil
from pathlib import Path

from .authoring.build import build_week
from .authoring.make_samples import SAMPLES_DIR
from .errors import CourseError
from .grading.grade import find_submissions, grade_all
from .grading.scores import format_table, read_rows
from .paths import add_root_option, root_from, select_weeks, weeks_in
from .reporting.report import write_page


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "demo",
        help="build, grade the bundled sample submissions, print the scores and write the class report",
        description="Copy the course into a scratch directory, build the release there, submit "
        "the bundled samples (reference, blank, partial, broken, ...) as students, "
        "autograde them, print the table and write the class report.",
    )
    parser.add_argument("weeks", nargs="*", metavar="WEEK", help="weeks to demo (default: all with samples)")
    parser.add_argument("--workdir", default=None, help="scratch directory (default: <root>/.demo, replaced)")
    parser.add_argument("--workers", type=int, default=2, help="submissions graded at once (default 2)")
    add_root_option(parser)
    parser.set_defaults(func=run)


def make_scratch_course(root: Path, workdir: Path) -> None:
    if workdir.exists():
        if not (workdir / ".course-demo").exists():
            raise CourseError(f"{workdir} exists and is not a demo directory; refusing to replace it")
        shutil.rmtree(workdir)
    workdir.mkdir(parents=True)
    (workdir / ".course-demo").touch()
    shutil.copy2(root / "nbgrader_config.py", workdir / "nbgrader_config.py")
    shutil.copytree(root / "source", workdir / "source")


def submit_samples(workdir: Path, week: str) -> list[str]:
    samples = sorted(p.name for p in (SAMPLES_DIR / week).iterdir() if p.is_dir())
    for sample in samples:
        shutil.copytree(SAMPLES_DIR / week / sample, workdir / "submitted" / sample / week)
    return samples


def run(args) -> int:
    root = root_from(args)
    with_samples = [w for w in weeks_in(root / "source") if (SAMPLES_DIR / w).is_dir()]
    weeks = select_weeks(args.weeks, with_samples, SAMPLES_DIR)
    workdir = Path(args.workdir).resolve() if args.workdir else root / ".demo"
    make_scratch_course(root, workdir)
    for week in weeks:
        build_week(workdir, week)
        samples = submit_samples(workdir, week)
        print(f"{week}: built the release, submitted samples {', '.join(samples)}")
    outcomes = grade_all(workdir, find_submissions(workdir, weeks), max(1, args.workers))
    rows = read_rows(workdir, weeks)
    print(format_table(rows))
    for o in outcomes:
        if not o.ok:
            print(f"NOT GRADED {o.student}/{o.week}: {o.reason}")
    page = workdir / "reports" / "index.html"
    write_page(workdir, rows, page)
    print(f"scratch course in {workdir} (autograded notebooks in {workdir / 'autograded'})")
    print(f"class report: {page.as_uri()}  (open it in a browser; `course report --root {workdir}` redraws it)")
    return 0 if all(o.ok for o in outcomes) else 1
