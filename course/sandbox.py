"""Filesystem isolation for a grading kernel, with bubblewrap (``bwrap``).

Inside the sandbox the whole filesystem is read-only, /tmp is private and empty, the
course roots are replaced by empty directories (only the installed packages are bound
back, read-only), and the one writable place is the submission's scratch directory.
The kernel gets no capabilities and its own process namespace, so it can neither read
the gradebook, the sources or other submissions, nor write outside its folder, nor
signal the grader. Where bwrap is missing or not allowed, grading still runs with the
resource limits of course/sandbox_kernel.py, and the result says so.
"""
from __future__ import annotations

import functools
import shutil
import subprocess
import sys
from pathlib import Path

import course
import helpers


@functools.lru_cache(maxsize=1)
def bwrap_available() -> bool:
    path = shutil.which("bwrap")
    if not path:
        return False
    probe = subprocess.run([path, "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc",
                            "--unshare-pid", "--cap-drop", "ALL", "true"], capture_output=True)
    return probe.returncode == 0


def needed_paths() -> list[Path]:
    """What a kernel must still see: the interpreter's environment and the two packages."""
    paths = [Path(sys.prefix), Path(helpers.__file__).resolve().parent, Path(course.__file__).resolve().parent]
    return [p.resolve() for p in paths]


def sandbox_prefix(work: Path, connection_file: Path, hidden_roots: list[Path]) -> list[str]:
    """The bwrap command line that runs a program in the sandbox described above."""
    args = [shutil.which("bwrap"), "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc",
            "--tmpfs", "/tmp", "--unshare-pid", "--unshare-ipc", "--cap-drop", "ALL",
            "--die-with-parent", "--new-session"]
    roots = sorted({r.resolve() for r in hidden_roots if r.exists()}, key=lambda p: len(p.parts))
    for root in roots:
        args += ["--tmpfs", str(root)]
    for path in needed_paths():
        if any(path == r or r in path.parents for r in roots):
            args += ["--ro-bind", str(path), str(path)]
    args += ["--bind", str(work), str(work), "--ro-bind", str(connection_file), str(connection_file),
             "--chdir", str(work)]
    return args
