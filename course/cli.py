"""The instructor's command: ``course <verb> [options]``.

Each verb lives in the module of its job (``VERBS``), which exposes ``register(subparsers)``:
it adds the verb's parser and sets ``func`` to a callable taking the parsed arguments and
returning an exit code.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from .errors import CourseError

VERBS = {  # verb -> the module that holds it
    "build": "course.authoring.build",
    "grade": "course.grading.grade",
    "report": "course.reporting.report",
    "feedback": "course.reporting.feedback",
    "export": "course.reporting.export",
    "syllabus": "course.authoring.syllabus",
    "notebooks": "course.authoring.notebooks",
    "demo": "course.demo",
    "lab": "course.lab",
    "warm": "course.warm",
    "gallery": "course.gallery",
}


def make_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="course",
        description="Build, grade and report the deep-learning course (an nbgrader course root).",
    )
    sub = parser.add_subparsers(dest="verb", metavar="VERB")
    sub.required = True
    for module in VERBS.values():
        importlib.import_module(module).register(sub)
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
