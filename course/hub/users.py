"""System accounts for the roster: one Unix user per student, so that nbgrader's exchange (which
files a submission under the name of the user who made it) and the file permissions both tell
students apart. Only root can make them; ``course hub --create-users`` does, with a private home."""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess

from ..errors import CourseError


def exists(name: str) -> bool:
    try:
        pwd.getpwnam(name)
    except KeyError:
        return False
    return True


def missing(names: list[str]) -> list[str]:
    return [name for name in names if not exists(name)]


def create(names: list[str]) -> list[str]:
    """Create the accounts that do not exist yet (home 0700, no password: they log in through the hub)."""
    if os.geteuid() != 0:
        raise CourseError("only root can create the students' system users: run `course hub --create-users` as root")
    if shutil.which("useradd") is None:
        raise CourseError("useradd is not installed: create the students' users yourself")
    made = []
    for name in missing(names):
        subprocess.run(["useradd", "--create-home", "--shell", "/bin/bash", name], check=True)
        os.chmod(pwd.getpwnam(name).pw_dir, 0o700)
        made.append(name)
    return made


def remove(names: list[str]) -> None:
    """Delete the accounts and their homes (tests clean up with this)."""
    for name in names:
        if exists(name):
            subprocess.run(["userdel", "--remove", name], check=False, capture_output=True)
