"""What enters grading from a submission folder: its regular files, read without following links.

A submission folder may hold symbolic links (an unpacked archive, an LMS download, a shared
drive), FIFOs, devices or sub-folders. None of them is followed or opened: a link to the
course's source notebook would otherwise be graded as the student's work, and a link beside
the notebook would put any file the grader can read into the kernel. Each is left out with a
reason; a notebook left out scores 0 with that reason (course/grading/worker.py).
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

MAX_FILE_BYTES = 100 << 20  # one submitted file


def _kind(mode: int) -> str:
    for test, name in (
        (stat.S_ISLNK, "a symbolic link"),
        (stat.S_ISDIR, "a folder"),
        (stat.S_ISFIFO, "a FIFO"),
        (stat.S_ISSOCK, "a socket"),
        (stat.S_ISCHR, "a device"),
        (stat.S_ISBLK, "a device"),
    ):
        if test(mode):
            return name
    return "not a regular file"


def read_submission(root: Path, student: str, week: str) -> tuple[dict[str, bytes], dict[str, str]]:
    """({file name: bytes} of the regular files directly in submitted/<student>/<week>/,
    {name: why it was left out} for everything else there)."""
    submitted = Path(root) / "submitted"
    for folder in (submitted / student, submitted / student / week):
        if folder.is_symlink():
            return {}, {folder.name: f"{folder.relative_to(submitted)} is a symbolic link; it was not followed"}
    files: dict[str, bytes] = {}
    left_out: dict[str, str] = {}
    for entry in sorted(os.scandir(submitted / student / week), key=lambda e: e.name):
        mode = entry.stat(follow_symlinks=False).st_mode
        if not stat.S_ISREG(mode):
            left_out[entry.name] = f"{entry.name} is {_kind(mode)}; only regular files are graded"
            continue
        try:
            files[entry.name] = _read_regular(entry.path)
        except (OSError, ValueError) as err:
            left_out[entry.name] = f"{entry.name} could not be read: {err}"
    return files, left_out


def _read_regular(path: str) -> bytes:
    """The bytes of a regular file, opened without following a link put there since it was listed."""
    descriptor = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    with os.fdopen(descriptor, "rb") as handle:
        info = os.fstat(handle.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise ValueError(f"it is {_kind(info.st_mode)}")
        if info.st_size > MAX_FILE_BYTES:
            raise ValueError(f"{info.st_size:,} bytes, more than the {MAX_FILE_BYTES:,} a submitted file may have")
        return handle.read(MAX_FILE_BYTES + 1)[:MAX_FILE_BYTES]


def submission_files(root: Path, student: str, week: str) -> dict[str, bytes]:
    """The regular files of a submission (:func:`read_submission` without the reasons)."""
    return read_submission(root, student, week)[0]


# --------------------------------------------------------------------------- folders that are not graded


def ungraded_folders(root: Path, released: list[str], sources: list[str]) -> list[tuple[str, str]]:
    """[(submitted/... path, why it is not graded and what to do)] for everything under submitted/ that
    no grading run will pick up: a misspelled week folder, a week never built, a stray file."""
    import difflib

    submitted = Path(root) / "submitted"
    layout = "submissions go in submitted/<student>/<week>/<week>.ipynb"
    found = []
    if not submitted.is_dir():
        return found
    for student in sorted(submitted.iterdir()):
        if not student.is_dir():
            found.append((f"submitted/{student.name}", f"a file, not a student's folder: {layout}"))
            continue
        entries = sorted(student.iterdir())
        if not entries:
            found.append((f"submitted/{student.name}", f"an empty folder: {layout}"))
        for entry in entries:
            where = f"submitted/{student.name}/{entry.name}"
            if entry.name in released:
                continue
            if not entry.is_dir():
                found.append((where, f"a file, not a week folder: {layout}"))
            elif entry.name in sources:
                found.append((where, f"{entry.name} has not been built: run `course build {entry.name}`"))
            else:
                close = difflib.get_close_matches(entry.name, released + sources, n=1, cutoff=0.6)
                found.append(
                    (
                        where,
                        f"no week is called {entry.name!r}"
                        + (f" (did you mean {close[0]}?)" if close else f"; the weeks are {', '.join(released)}"),
                    )
                )
    return found
