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
import os
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


# --------------------------------------------------------------------------- the kernel it runs

KERNEL_NAME = "course-sandbox"
# A submitted helpers.py (a natural name for a student's own module) would be imported instead
# of the course's package, and break the notebook and the grader's calls; so would these.
SHADOWING = {"helpers", "course", "numpy", "IPython", "ipykernel", "nbformat", "jupyter_client"}


def make_scratch(files: dict[str, bytes]) -> tuple[Path, Path, list[str]]:
    """A private directory for one grading run: ``root/work`` holds only this submission's files
    (and the kernel's empty home); ``root`` also holds the connection file and the kernel spec.
    Returns (root, work, notes on files left out)."""
    import tempfile

    root = Path(tempfile.mkdtemp(prefix="course-grade-"))
    work = root / "work"
    work.mkdir()
    notes = []
    for name, data in files.items():
        name = Path(name).name
        if name.endswith(".py") and name[:-3] in SHADOWING:
            notes.append(f"left out the submitted {name}: it would hide the {name[:-3]} package the notebook imports")
            continue
        (work / name).write_bytes(data)
    (work / ".home").mkdir()
    return root, work, notes


def _link_or_copy(source, destination):
    try:
        os.link(source, destination)
    except OSError:   # another filesystem: a copy
        shutil.copy2(source, destination)


def warm_numba_cache(home: Path) -> Path:
    """The grader's compiled numba kernels, hard-linked into the kernel's writable home.

    The sandbox mounts the real cache read-only, and numba does not use a cache it cannot write:
    without this every grading kernel compiled every kernel again (week 4's CNN cell: 57 s instead of 6 s).
    numba replaces cache files by renaming, so a kernel never writes through a link into the real cache.
    """
    from helpers._numba import cache_dir

    target = home / ".numba-cache"
    source = Path(cache_dir())
    if source.is_dir():
        shutil.copytree(source, target, copy_function=_link_or_copy, dirs_exist_ok=True)
    target.mkdir(parents=True, exist_ok=True)
    return target


def write_kernel_spec(scratch_root: Path, work: Path, limits, hidden_roots) -> tuple[Path, list[str]]:
    """Write the spec of the sandboxed kernel (course/sandbox_kernel.py with ``limits``, inside
    bwrap when available); return the directory holding it and notes on the isolation."""
    import json

    home = work / ".home"
    connection_file = scratch_root / "connection.json"
    env = {"COURSE_SANDBOX_MEMORY_MB": str(limits.memory_mb),
           "COURSE_SANDBOX_CPU_SECONDS": str(int(limits.budget) + 60),
           "COURSE_SANDBOX_FILE_MB": str(limits.file_mb),
           "HOME": str(home), "IPYTHONDIR": str(home / ".ipython"), "MPLCONFIGDIR": str(home / ".matplotlib"),
           "PYTHONDONTWRITEBYTECODE": "1", "COURSE_SANDBOX": "1",
           "NUMBA_CACHE_DIR": str(warm_numba_cache(home))}
    argv = [sys.executable, "-m", "course.sandbox_kernel", "-f", "{connection_file}",
            "--HistoryManager.hist_file=:memory:", "--IPKernelApp.parent_handle=0"]
    notes = []
    if bwrap_available():
        argv = sandbox_prefix(work, connection_file, [Path(p) for p in hidden_roots]) + argv
    else:
        notes.append("no filesystem isolation (bubblewrap unavailable): resource limits only")
    spec = scratch_root / "kernels" / KERNEL_NAME
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": argv, "display_name": "course sandbox", "language": "python", "env": env,
        "interrupt_mode": "message"}))
    return spec.parent, notes
