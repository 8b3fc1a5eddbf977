"""``course build [WEEK...]``: generate the student release with nbgrader, verify it, and time the
reference solution to size the grading time limits (course/authoring/reference_run.py)."""

from __future__ import annotations

import os
import shutil
import subprocess

from ..errors import CourseError
from ..paths import add_root_option, nbgrader_command, root_from, select_weeks, tool_env, weeks_in
from .reference_run import keep_limits, measured_limits, time_reference
from .release_check import verify_week

SHARED_PAGES = ("NOTATION.md",)


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "build",
        help="generate release/ from source/ and verify it",
        description="Run nbgrader generate_assignment for each week (all weeks by default), "
        "then verify the release: no solution or hidden-test text, no outputs, "
        "every grade cell intact; then grade the reference solution in the sandbox and keep the time "
        "limits sized from its run in the release's metadata. A week whose source has not changed "
        "since its reference was last timed on this kind of machine keeps those limits.",
    )
    parser.add_argument("weeks", nargs="*", metavar="WEEK", help="week folders to build, e.g. w01_softmax")
    parser.add_argument(
        "--retime",
        action="store_true",
        help="time the reference solution again even where the week's source has not changed "
        "(after a change to helpers/ that makes it slower or faster)",
    )
    add_root_option(parser)
    parser.set_defaults(func=run)


def build_week(root, week: str) -> None:
    result = subprocess.run(
        nbgrader_command("generate_assignment", week, "--force"),
        cwd=root,
        env=tool_env(),
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        tail = "\n".join((result.stdout + result.stderr).strip().splitlines()[-15:])
        raise CourseError(f"nbgrader could not generate {week}:\n{tail}")
    problems = verify_week(root, week)
    if problems:
        raise CourseError(f"release of {week} failed verification:\n  " + "\n  ".join(problems))


def copy_shared_pages(root) -> None:
    """Pages every week links to (the notation), copied beside the weeks: JupyterLab's root is release/."""
    for name in SHARED_PAGES:
        page = root / "docs" / name
        if page.is_file():
            (root / "release").mkdir(exist_ok=True)
            shutil.copyfile(page, root / "release" / name)


def run(args) -> int:
    root = root_from(args)
    weeks = select_weeks(args.weeks, weeks_in(root / "source"), root / "source")
    for week in weeks:
        kept = {} if args.retime else measured_limits(root, week)
        build_week(root, week)
        limits = keep_limits(root, week, kept)
        if limits is None:
            limits = time_reference(root, week)
        budgets = ", ".join(
            f"{name}: reference {it['reference_total']:.1f} s, budget {it['budget']:g} s" for name, it in limits.items()
        )
        print(f"built and verified release/{week} ({budgets})")
        if limits is kept:
            print(
                f"  time limits kept: {week}'s source has not changed since its reference was timed on this "
                "kind of machine (`course build --retime` times it again)"
            )
            continue
        busy = max(it["load_average"] for it in limits.values()) / (os.cpu_count() or 1)
        if busy > 1:
            print(
                f"  note: the machine was busy (load {busy:.1f} per core) while the reference ran, so {week}'s time "
                "limits are looser than they need be (never tighter); build on a quiet machine for tighter ones"
            )
    copy_shared_pages(root)
    return 0
