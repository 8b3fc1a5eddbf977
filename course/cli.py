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

VERBS = {  # verb -> the module that holds it, in the order of a week's work, then the tools
    "notebooks": "course.authoring.notebooks",
    "build": "course.authoring.build",
    "hub": "course.hub.serve",
    "release": "course.hub.exchange",
    "collect": "course.hub.exchange",
    "grade": "course.grading.grade",
    "feedback": "course.reporting.feedback",
    "report": "course.reporting.report",
    "export": "course.reporting.export",
    "syllabus": "course.authoring.syllabus",
    "demo": "course.demo",
    "lab": "course.lab",
    "gallery": "course.gallery",
    "warm": "course.warm",
}


def positive_int(text: str) -> int:
    """An argparse type: a whole number of at least 1 (workers, jobs)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


WORKFLOW = """\
a week, in order (run from the course root; `.venv/bin/course`, or activate .venv first):
  1. author    edit weeks/w01_softmax.py, then   course notebooks w01_softmax
  2. release   course build w01_softmax          (release/w01_softmax/ is what students get)
  3. collect   put each hand-in at submitted/<student>/w01_softmax/w01_softmax.ipynb
               (on the course hub: course release w01_softmax, then course collect w01_softmax)
  4. grade     course grade w01_softmax --workers 2
  5. feedback  course feedback w01_softmax       (feedback/<student>/w01_softmax/, hidden tests left out;
                                                 --release: to the hub's exchange)
  6. report    course report                     (reports/index.html: the class report; reports/grades.csv)
  7. export    course export                     (reports/lms.csv for your LMS)
try the whole loop on the bundled samples first: course demo
each verb has --help"""


def make_parser(argv: list[str] | None = None) -> argparse.ArgumentParser:
    """The command's parser. With ``argv`` naming a verb, only that verb's module is imported (the
    others bring jupytext, nbconvert and nbgrader's server extensions: about 1 s of start-up);
    otherwise (``course --help``, a mistyped verb) every verb is there to be listed."""
    parser = argparse.ArgumentParser(
        prog="course",
        description="Build, grade and report the deep-learning course (an nbgrader course root).",
        epilog=WORKFLOW,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="verb", metavar="VERB")
    sub.required = True
    verb = argv[0] if argv and argv[0] in VERBS else None
    for module in [VERBS[verb]] if verb else dict.fromkeys(VERBS.values()):  # a module may hold several verbs
        importlib.import_module(module).register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    args = make_parser(argv).parse_args(argv)
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
