"""``course lab``: JupyterLab on the release notebooks."""
from __future__ import annotations

import os
import sys

from .errors import CourseError
from .paths import add_root_option, root_from


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "lab", help="start JupyterLab on release/",
        description="Start JupyterLab with release/ as its root. Extra arguments after -- go to "
                    "JupyterLab (e.g. course lab -- --no-browser --port 8890).")
    parser.add_argument("extra", nargs="*", metavar="JUPYTER_ARG", help="arguments passed to jupyter lab")
    add_root_option(parser)
    parser.set_defaults(func=run)


def run(args) -> int:
    root = root_from(args)
    release = root / "release"
    if not release.is_dir():
        raise CourseError(f"{release} does not exist: run `course build` first")
    command = [sys.executable, "-m", "jupyterlab", f"--ServerApp.root_dir={release}", *args.extra]
    print("starting:", " ".join(command), flush=True)
    os.execv(sys.executable, command)
    return 0  # not reached
