"""The instructor's command: ``course <verb> [options]``.

Each verb lives in its own module, ``course/<verb>.py`` or ``course/<package>/<verb>.py``
(listed as ``"<package>.<verb>"``), exposing ``register(subparsers)``, which adds its parser
and sets ``func`` to a callable taking the parsed arguments and returning an exit code.
"""
from __future__ import annotations

import argparse
import importlib
import sys

from .errors import CourseError

VERBS = ["build", "grade", "report", "feedback", "export", "syllabus", "demo", "lab", "warm", "gallery",
         "authoring.notebooks"]


def make_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="course",
        description="Build, grade and report the deep-learning course (an nbgrader course root).",
    )
    sub = parser.add_subparsers(dest="verb", metavar="VERB")
    sub.required = True
    for verb in VERBS:
        importlib.import_module(f"course.{verb}").register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = make_parser().parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except CourseError as err:
        print(f"course {args.verb}: error: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"course {args.verb}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
