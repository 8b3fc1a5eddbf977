"""``course notebooks [WEEK...] [--check]``: write each week's source notebook from its text.

``weeks/<week>.py`` (format: course/authoring/notebook_text.py) is what an author edits and a
reviewer reads; ``source/<week>/<week>.ipynb`` is generated from it, byte for byte, and committed
beside it for nbgrader. ``--check`` writes nothing and exits 1 naming every stale notebook (a test
runs it). The texts live outside ``source/`` because nbgrader copies all of ``source/<week>/``
into the student release, and a text holds the solutions and hidden tests.
"""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat

from ..errors import CourseError
from ..paths import WEEK_PATTERN, add_root_option, root_from, select_weeks, weeks_in
from .notebook_text import notebook_json, notebook_to_text, text_to_notebook

TEXTS = "weeks"


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "notebooks",
        help="write source/<week>/<week>.ipynb from its text, weeks/<week>.py",
        description="Generate each week's source notebook from its text (all weeks by default).",
    )
    parser.add_argument("weeks", nargs="*", metavar="WEEK", help="weeks to generate, e.g. w01_softmax")
    parser.add_argument(
        "--check", action="store_true", help="write nothing; exit 1 naming each notebook that differs from its text"
    )
    parser.add_argument(
        "--from-notebook",
        action="store_true",
        help="the other way, once: write weeks/<week>.py from the source notebook (e.g. after drafting in JupyterLab)",
    )
    add_root_option(parser)
    parser.set_defaults(func=run)


def text_path(root: Path, week: str) -> Path:
    return root / TEXTS / f"{week}.py"


def notebook_path(root: Path, week: str) -> Path:
    return root / "source" / week / f"{week}.ipynb"


def texts_in(root: Path) -> list[str]:
    """The weeks that have a text, by file name (``weeks/wNN_topic.py``)."""
    directory = root / TEXTS
    if not directory.is_dir():
        return []
    return sorted(path.stem for path in directory.glob("*.py") if WEEK_PATTERN.match(path.stem))


def generated(root: Path, week: str) -> str:
    path = text_path(root, week)
    return notebook_json(text_to_notebook(path.read_text(encoding="utf-8"), name=str(path.relative_to(root))))


def stale_weeks(root: Path, weeks: list[str]) -> list[str]:
    """One line per week whose committed source notebook is not what its text generates."""
    stale = []
    for week in weeks:
        path = notebook_path(root, week)
        committed = path.read_text(encoding="utf-8") if path.is_file() else None
        if committed != generated(root, week):
            state = "is missing" if committed is None else "differs from"
            stale.append(
                f"source/{week}/{week}.ipynb {state} what {TEXTS}/{week}.py generates: run `course notebooks {week}`"
            )
    return stale


def untexted_weeks(root: Path) -> list[str]:
    """One line per week in source/ that has no text (every notebook is authored as text)."""
    return [
        f"source/{week}/ has no text {TEXTS}/{week}.py: write it, or run `course notebooks --from-notebook {week}` once"
        for week in weeks_in(root / "source")
        if not text_path(root, week).is_file()
    ]


def write_texts(root: Path, weeks: list[str]) -> None:
    for week in weeks:
        source = notebook_path(root, week)
        if not source.is_file():
            raise CourseError(f"no source notebook {source.relative_to(root)}")
        text = notebook_to_text(nbformat.read(source, as_version=4), name=str(source.relative_to(root)))
        target = text_path(root, week)
        target.parent.mkdir(exist_ok=True)
        target.write_text(text, encoding="utf-8", newline="\n")
        print(f"wrote {target.relative_to(root)}")


def run(args) -> int:
    root = root_from(args)
    if args.from_notebook:
        write_texts(root, select_weeks(args.weeks, weeks_in(root / "source"), root / "source"))
        return 0
    weeks = select_weeks(args.weeks, texts_in(root), root / TEXTS)
    if args.check:
        problems = stale_weeks(root, weeks) + ([] if args.weeks else untexted_weeks(root))
        for problem in problems:
            print(problem, file=sys.stderr)
        if not problems:
            print(f"{len(weeks)} source notebooks match their text")
        return 1 if problems else 0
    for week in weeks:
        path = notebook_path(root, week)
        content = generated(root, week)
        if path.is_file() and path.read_text(encoding="utf-8") == content:
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content, encoding="utf-8", newline="\n")
        print(f"wrote source/{week}/{week}.ipynb")
    return 0
