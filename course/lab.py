"""``course lab``: JupyterLab on the release notebooks, or (``--instructor``) on the course root with
nbgrader's formgrader at ``/formgrader`` for grading by hand.

JupyterLab starts with the settings the course ships in ``course/jupyter_config/`` (added in
front of JUPYTER_CONFIG_PATH; the user's own settings are left as they are): no "get notified
about Jupyter news?" pop-up and no update check, which would only reach for the internet.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from .errors import CourseError
from .paths import add_root_option, root_from

JUPYTER_CONFIG = Path(__file__).resolve().parent / "jupyter_config"


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "lab",
        help="start JupyterLab on release/ (--instructor: on the course, with formgrader)",
        description="Start JupyterLab with release/ as its root. With --instructor, on the course root "
        "instead, where nbgrader's formgrader (http://localhost:8888/formgrader, or the Nbgrader menu) "
        "grades the manually graded cells and changes scores by hand; grade with `course grade`, "
        "never formgrader's Autograde button, which runs student code outside the sandbox. "
        "Extra arguments after -- go to JupyterLab (e.g. course lab -- --no-browser --port 8890).",
    )
    parser.add_argument(
        "--instructor", action="store_true", help="open the course root (formgrader sees the gradebook)"
    )
    parser.add_argument("extra", nargs="*", metavar="JUPYTER_ARG", help="arguments passed to jupyter lab")
    add_root_option(parser)
    parser.set_defaults(func=run)


def lab_environment(environ=None) -> dict[str, str]:
    """The environment JupyterLab runs in: the course's settings first on JUPYTER_CONFIG_PATH."""
    env = dict(os.environ if environ is None else environ)
    paths = [str(JUPYTER_CONFIG), *[p for p in env.get("JUPYTER_CONFIG_PATH", "").split(os.pathsep) if p]]
    env["JUPYTER_CONFIG_PATH"] = os.pathsep.join(dict.fromkeys(paths))
    return env


def run(args) -> int:
    root = root_from(args)
    release = root / "release"
    if not release.is_dir():
        raise CourseError(f"{release} does not exist: run `course build` first")
    where = root if args.instructor else release
    command = [sys.executable, "-m", "jupyterlab", f"--ServerApp.root_dir={where}", *args.extra]
    if args.instructor:
        print("formgrader: /formgrader on this server (manual grades survive `course grade --force`);")
        print("grade with `course grade`, not formgrader's Autograde button (it would run student code unsandboxed)")
    if hasattr(os, "geteuid") and os.geteuid() == 0 and "--allow-root" not in command:
        command.append("--allow-root")  # a container or a CI runner: JupyterLab refuses root otherwise
    print("starting:", " ".join(command), flush=True)
    os.execve(sys.executable, command, lab_environment())
    return 0  # not reached
