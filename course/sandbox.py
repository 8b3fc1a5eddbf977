"""Filesystem isolation for a grading kernel, with bubblewrap (``bwrap``).

Inside the sandbox the whole filesystem is read-only, /tmp is private and empty, the
course roots are replaced by empty directories (only the installed packages are bound
back, read-only), and the only writable places are the submission's scratch directory and a
private tmpfs for the kernel's numba cache (filled with links to the grader's, read-only: see
"caches a kernel starts with" below).
The kernel gets no capabilities and its own process namespace, so it can neither read
the gradebook, the sources or other submissions, nor write outside its folder, nor
signal the grader. Where bwrap is missing or not allowed, grading still runs with the
resource limits of course/sandbox_kernel.py, and the result says so.
"""
from __future__ import annotations

import functools
import hashlib
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
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


def sandbox_prefix(work: Path, connection_file: Path, hidden_roots: list[Path], read_only=(),
                   tmpfs: Path | None = None) -> list[str]:
    """The bwrap command line that runs a program in the sandbox described above; ``read_only``
    folders are bound back read-only (even under /tmp or a hidden root), ``tmpfs`` gets a private
    tmpfs (in ``work``)."""
    args = [shutil.which("bwrap"), "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc",
            "--tmpfs", "/tmp", "--unshare-pid", "--unshare-ipc", "--cap-drop", "ALL",
            "--die-with-parent", "--new-session"]
    roots = sorted({r.resolve() for r in hidden_roots if r.exists()}, key=lambda p: len(p.parts))
    for root in roots:
        args += ["--tmpfs", str(root)]
    for path in needed_paths():
        if any(path == r or r in path.parents for r in roots):
            args += ["--ro-bind", str(path), str(path)]
    for path in read_only:
        args += ["--ro-bind", str(path), str(path)]
    args += ["--bind", str(work), str(work), "--ro-bind", str(connection_file), str(connection_file)]
    if tmpfs is not None:
        args += ["--size", str(NUMBA_TMPFS_BYTES), "--tmpfs", str(tmpfs)]
    return args + ["--chdir", str(work)]


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


# --------------------------------------------------------------------------- caches a kernel starts with
#
# A kernel's home is new and empty, so by itself each kernel would compile every numba kernel it
# calls again (the grader's warm cache is read-only in the sandbox, and numba ignores a cache
# directory it cannot write) and rebuild matplotlib's font list. What it needs is found once per
# worker process (batch_caches); per kernel (kernel_caches) only a font list file is written.
#
# numba. The kernel's NUMBA_CACHE_DIR is its own, empty and writable (a tmpfs in the sandbox);
# at start-up, before any student code, course/sandbox_kernel.py fills it with symbolic links to
# the files of the grader's cache folders, which the sandbox binds read-only. numba reads the
# index and data files through the links and replaces a file by writing a new one and renaming it
# over the link, so what the kernel compiles stays in its own folder; a write through a link
# fails (read-only filesystem). Hard links would not do: they share the inode, so a kernel that
# opened one for writing changed the grader's cache, which the grader and every later kernel
# unpickle. Without bubblewrap nothing is read-only, the cache included (resource limits only).

NUMBA_SOURCES = "COURSE_SANDBOX_NUMBA_SOURCES"   # the read-only folders a kernel links its cache to
NUMBA_TMPFS_BYTES = 256 << 20


@dataclass(frozen=True)
class BatchCaches:
    numba_folders: tuple[Path, ...]     # the folders of the grader's numba cache that hold helpers' kernels
    font_list: tuple[str, bytes] | None  # matplotlib's font list: file name, content


def numba_subfolder(source_folder: Path) -> str:
    """The folder of a numba cache that holds the kernels of the modules in ``source_folder``
    (numba.core.caching._CacheLocator.get_suitable_cache_subpath)."""
    folder = os.path.abspath(source_folder)
    return f"{os.path.basename(folder)}_{hashlib.sha1(folder.encode()).hexdigest()}"


@functools.lru_cache(maxsize=8)
def batch_caches(numba_cache: str) -> BatchCaches:
    """What every kernel of this worker starts with (found once per worker and cache folder)."""
    package = Path(os.path.abspath(os.path.dirname(helpers.__file__)))   # as numba sees it: not resolved
    sources = [package] + sorted(p for p in package.rglob("*") if p.is_dir() and p.name != "__pycache__")
    folders = tuple(Path(numba_cache) / numba_subfolder(s) for s in sources)
    return BatchCaches(folders, _font_list())


def _font_list() -> tuple[str, bytes] | None:
    """matplotlib's font list as this process has it (built now if it has none): finding the fonts
    takes a fresh kernel about 0.4 s."""
    try:
        import matplotlib
        from matplotlib import font_manager

        path = Path(matplotlib.get_cachedir()) / f"fontlist-v{font_manager.FontManager.__version__}.json"
        if not path.is_file():
            font_manager.json_dump(font_manager.fontManager, path)
        return path.name, path.read_bytes()
    except Exception:  # no font list: each kernel builds its own, as it would anyway
        return None


@dataclass(frozen=True)
class KernelCaches:
    env: dict[str, str]
    read_only: tuple[Path, ...]      # bound read-only into the sandbox
    tmpfs: Path                      # a private tmpfs in the sandbox


def kernel_caches(home: Path, batch: BatchCaches) -> KernelCaches:
    """The kernel's NUMBA_CACHE_DIR and MPLCONFIGDIR in ``home``, from the worker's ``batch``."""
    numba = home / ".numba-cache"
    numba.mkdir(parents=True)
    mpl = home / ".matplotlib"
    mpl.mkdir()
    if batch.font_list:
        name, content = batch.font_list
        (mpl / name).write_bytes(content)    # a copy: a kernel that rewrites it changes only its own
    sources = tuple(f for f in batch.numba_folders if f.is_dir())
    env = {"NUMBA_CACHE_DIR": str(numba), "MPLCONFIGDIR": str(mpl),
           NUMBA_SOURCES: os.pathsep.join(map(str, sources))}
    return KernelCaches(env, sources, numba)


def write_kernel_spec(scratch_root: Path, work: Path, limits, hidden_roots) -> tuple[Path, list[str]]:
    """Write the spec of the sandboxed kernel (course/sandbox_kernel.py with ``limits``, inside
    bwrap when available); return the directory holding it and notes on the isolation."""
    import json

    from helpers._numba import cache_dir

    home = work / ".home"
    connection_file = scratch_root / "connection.json"
    caches = kernel_caches(home, batch_caches(cache_dir()))
    env = {"COURSE_SANDBOX_MEMORY_MB": str(limits.memory_mb),
           "COURSE_SANDBOX_CPU_SECONDS": str(int(limits.budget) + 60),
           "COURSE_SANDBOX_FILE_MB": str(limits.file_mb),
           "HOME": str(home), "IPYTHONDIR": str(home / ".ipython"),
           "PYTHONDONTWRITEBYTECODE": "1", "COURSE_SANDBOX": "1", **caches.env}
    argv = [sys.executable, "-m", "course.sandbox_kernel", "-f", "{connection_file}",
            "--HistoryManager.hist_file=:memory:", "--IPKernelApp.parent_handle=0"]
    notes = []
    if bwrap_available():
        argv = sandbox_prefix(work, connection_file, [Path(p) for p in hidden_roots],
                              caches.read_only, caches.tmpfs) + argv
    else:
        notes.append("no filesystem isolation (bubblewrap unavailable): resource limits only")
    spec = scratch_root / "kernels" / KERNEL_NAME
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": argv, "display_name": "course sandbox", "language": "python", "env": env,
        "interrupt_mode": "message"}))
    return spec.parent, notes
