"""Isolation for a grading kernel: what it sees, what it may use, whom it can reach.

Each grading run gets a private folder (:class:`RunFolder`, mode 0700, under the system's
temporary folder): ``inbox/`` holds the submission's regular files and the kernel's home seed,
``requests/`` the grader's questions, ``ipc/`` the kernel's connection file and sockets,
``work/`` the kernel's working folder. With bubblewrap (``bwrap``) the kernel runs in:

- its own network namespace (no interface but loopback, nothing listening there): it cannot
  reach the grader, other kernels, a Dask scheduler or any service on 127.0.0.1. The grader
  talks to it over Jupyter's IPC transport, Unix sockets in ``ipc/``, bound into the sandbox;
- a filesystem built from an allow-list: the system's programs and libraries (/usr and the
  /bin, /lib links), the few /etc files a dynamic linker and Python read, the interpreter and
  its venv, the ``helpers`` and ``course`` packages (without ``course/samples``), the grader's
  numba cache folders (read-only), and its own run folder. No course root, no other run's
  folder, no home folder, no /var, no /sys. ``work/``, /tmp and /dev/shm are sized tmpfs;
- its own pid, IPC, UTS and cgroup namespaces, no capabilities, a new session, killed with
  the grader (``--die-with-parent``), and an environment built from an allow-list
  (:func:`kernel_environment`): the grader's variables, secrets included, never reach it;
- a control group (course/sandbox/cgroup.py) capping the memory and the number of processes of the
  kernel and all its children together, where the machine lets the grader create one.

Where bwrap is missing or not allowed, grading still runs with the environment allow-list
and the resource limits of course/sandbox/kernel/launch.py, and every result says so.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import shutil
import stat
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import course
import helpers

from .cgroup import ControlGroup, maker_gone

KERNEL_NAME = "course-sandbox"
# A submitted helpers.py (a natural name for a student's own module) would be imported instead
# of the course's package, and break the notebook and the grader's calls; so would these.
SHADOWING = {"helpers", "course", "numpy", "IPython", "ipykernel", "nbformat", "jupyter_client"}

WORK_TMPFS_BYTES = 512 << 20  # the kernel's working folder: the submission, plots, saved arrays
TMP_TMPFS_BYTES = 256 << 20  # /tmp
SHM_TMPFS_BYTES = 64 << 20  # /dev/shm (multiprocessing's semaphores and shared arrays)
NUMBA_TMPFS_BYTES = 256 << 20  # what a kernel compiles itself (see "caches a kernel starts with")
MAX_PROCESSES = 128  # the kernel and all its children, where a control group is available

SYSTEM_FOLDERS = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32")
# What the dynamic linker, Python, numpy and matplotlib read in /etc; nothing else of it is shown.
ETC_FILES = (
    "ld.so.cache",
    "ld.so.conf",
    "ld.so.conf.d",
    "localtime",
    "nsswitch.conf",
    "passwd",
    "group",
    "fonts",
    "mime.types",
)
# The grader's environment stays outside; a kernel gets these (when set) and what kernel_environment adds.
PASSED_ENVIRONMENT = (
    "LANG",
    "LC_ALL",
    "LC_CTYPE",
    "OPENBLAS_NUM_THREADS",
    "MKL_NUM_THREADS",
    "OMP_NUM_THREADS",
    "NUMBA_NUM_THREADS",
    "NUMBA_DISABLE_JIT",
    "MPLBACKEND",
)
INBOX_VARIABLE = "COURSE_SANDBOX_INBOX"


@functools.lru_cache(maxsize=1)
def bwrap_available() -> bool:
    """bwrap is installed and may create every namespace the sandbox uses (the network's included)."""
    path = shutil.which("bwrap")
    if not path:
        return False
    probe = subprocess.run(
        [path, *system_binds(), "--proc", "/proc", "--dev", "/dev", *NAMESPACES, "true"], capture_output=True
    )
    return probe.returncode == 0


NAMESPACES = (
    "--unshare-pid",
    "--unshare-ipc",
    "--unshare-net",
    "--unshare-uts",
    "--unshare-cgroup-try",
    "--cap-drop",
    "ALL",
    "--die-with-parent",
    "--new-session",
    "--hostname",
    "sandbox",
)


def system_binds() -> list[str]:
    """The system's programs and libraries, read-only; on a merged-/usr system /bin and /lib are links."""
    args: list[str] = []
    for folder in SYSTEM_FOLDERS:
        if os.path.islink(folder):
            args += ["--symlink", os.readlink(folder), folder]
        elif os.path.isdir(folder):
            args += ["--ro-bind", folder, folder]
    for name in ETC_FILES:
        path = os.path.join("/etc", name)
        if os.path.exists(path):
            args += ["--ro-bind", path, path]
    return args


def python_paths() -> list[Path]:
    """The interpreter, its venv and the two packages, as found and as resolved (a venv links its python)."""
    paths = {
        Path(sys.prefix),
        Path(sys.base_prefix),
        Path(sys.exec_prefix),
        Path(sys.base_exec_prefix),
        Path(helpers.__file__).parent,
        Path(course.__file__).parent,
    }
    paths |= {p.resolve() for p in paths}
    # the innermost paths first would be hidden by a later bind of a folder holding them
    return sorted(paths, key=lambda p: len(p.parts))


def hidden_inside_packages() -> list[Path]:
    """Folders of the bound packages a kernel must not see: the sample submissions (reference included)."""
    samples = Path(course.__file__).resolve().parent / "samples"
    return [samples] if samples.is_dir() else []


# --------------------------------------------------------------------------- one grading run's folder


@dataclass(frozen=True)
class RunFolder:
    root: Path  # 0700, in the system's temporary folder; removed after the run
    inbox: Path  # the submission's files and the home seed, copied into work/ by the kernel at start
    requests: Path  # the grader's questions (course/sandbox/kernel/wire.py), read-only to the kernel
    ipc: Path  # the connection file and the kernel's Unix sockets
    work: Path  # the kernel's working folder (a sized tmpfs in the sandbox)
    kernels: Path  # the kernel spec (never shown to the kernel)

    @property
    def home(self) -> Path:
        return self.work / ".home"

    @property
    def connection_file(self) -> Path:
        return self.ipc / "kernel.json"


SOCKET_PATH_BYTES = 107  # a Unix socket's path, without its final NUL (sun_path)
RUN_PREFIX = "course-grade-"  # then the grading process's pid, so that a later one can tell it is gone


def make_run_folder(files: dict[str, bytes]) -> tuple[RunFolder, list[str]]:
    """A private folder for one grading run with the submission's ``files`` in its inbox.
    Returns it and notes on the files left out."""
    remove_abandoned_once()
    root = Path(tempfile.mkdtemp(prefix=f"{RUN_PREFIX}{os.getpid()}-"))
    longest = len(os.fsencode(root / "ipc" / "kernel-65535"))  # the kernel's sockets: <ip>-<port>
    if longest > SOCKET_PATH_BYTES:
        shutil.rmtree(root, ignore_errors=True)
        raise OSError(
            f"the temporary folder's path is too long for the kernel's sockets ({longest} bytes; a socket's "
            f"path may have {SOCKET_PATH_BYTES}): set TMPDIR to a shorter folder, such as /tmp"
        )
    run = RunFolder(root, root / "inbox", root / "requests", root / "ipc", root / "work", root / "kernels")
    for folder in (run.inbox, run.requests, run.ipc, run.work, run.kernels):
        folder.mkdir(mode=0o700)
    return run, fill_inbox(run, files)


def remove_abandoned(folder: Path | None = None) -> list[Path]:
    """Remove the run folders of grading processes that no longer exist (a SIGKILL leaves them no chance
    to clean up, and they hold a student's files): this user's own directories in ``folder`` (the
    temporary folder) named after a pid that is gone. Returns what it removed."""
    removed = []
    for path in Path(folder or tempfile.gettempdir()).glob(f"{RUN_PREFIX}*-*"):
        if not maker_gone(path.name, RUN_PREFIX):
            continue
        try:
            found = path.lstat()
        except OSError:
            continue
        if stat.S_ISDIR(found.st_mode) and found.st_uid == os.getuid():  # never a link, never another user's
            shutil.rmtree(path, ignore_errors=True)
            removed.append(path)
    return removed


@functools.cache
def remove_abandoned_once() -> None:
    """Once per grading process (a pool or Dask worker, `course build`): its first run folder sweeps."""
    remove_abandoned()


def fill_inbox(run: RunFolder, files: dict[str, bytes]) -> list[str]:
    """Write the submission's ``files`` into the run's inbox; notes on the files left out."""
    notes = []
    for name, data in files.items():
        name = Path(name).name
        if name.endswith(".py") and name[:-3] in SHADOWING:
            notes.append(f"left out the submitted {name}: it would hide the {name[:-3]} package the notebook imports")
            continue
        if name in {"", ".", "..", ".home"}:
            continue
        (run.inbox / name).write_bytes(data)
    return notes


def sandbox_prefix(run: RunFolder, read_only=(), numba_tmpfs: Path | None = None) -> list[str]:
    """The bwrap command line that runs a program in the sandbox described above; ``read_only``
    folders are bound back read-only, ``numba_tmpfs`` gets a private tmpfs (in the home)."""
    # the filesystems first: a venv or a checkout under /tmp is bound over the new /tmp, not hidden by it
    args = [
        shutil.which("bwrap"),
        *system_binds(),
        "--proc",
        "/proc",
        "--dev",
        "/dev",
        "--size",
        str(SHM_TMPFS_BYTES),
        "--tmpfs",
        "/dev/shm",
        "--size",
        str(TMP_TMPFS_BYTES),
        "--tmpfs",
        "/tmp",
    ]
    for path in python_paths():
        if path.is_dir():
            args += ["--ro-bind", str(path), str(path)]
    for path in hidden_inside_packages():
        args += ["--tmpfs", str(path)]
    args += list(NAMESPACES)
    for path in read_only:
        args += ["--ro-bind", str(path), str(path)]
    args += [
        "--ro-bind",
        str(run.inbox),
        str(run.inbox),
        "--ro-bind",
        str(run.requests),
        str(run.requests),
        "--bind",
        str(run.ipc),
        str(run.ipc),
        "--size",
        str(WORK_TMPFS_BYTES),
        "--tmpfs",
        str(run.work),
    ]
    if numba_tmpfs is not None:
        args += ["--size", str(NUMBA_TMPFS_BYTES), "--tmpfs", str(numba_tmpfs)]
    return args + ["--chdir", str(run.work)]


def kernel_environment(run: RunFolder, extra: dict[str, str]) -> dict[str, str]:
    """The kernel's whole environment: an allow-list of the grader's (locale, thread counts) and its own."""
    env = {name: os.environ[name] for name in PASSED_ENVIRONMENT if name in os.environ}
    env.setdefault("LANG", "C.UTF-8")
    bin_folder = str(Path(sys.executable).parent)
    env.update(
        {
            "PATH": f"{bin_folder}:/usr/local/bin:/usr/bin:/bin",
            "HOME": str(run.home),
            "IPYTHONDIR": str(run.home / ".ipython"),
            "TMPDIR": "/tmp",
            "PYTHONDONTWRITEBYTECODE": "1",
            "PYTHONNOUSERSITE": "1",
            "JUPYTER_PLATFORM_DIRS": "1",
            "COURSE_SANDBOX": "1",
            INBOX_VARIABLE: str(run.inbox),
        }
    )
    env.update(extra)
    return env


# --------------------------------------------------------------------------- caches a kernel starts with
#
# A kernel's home is new and empty, so by itself each kernel would compile every numba kernel it
# calls again (the grader's warm cache is read-only in the sandbox, and numba ignores a cache
# directory it cannot write) and rebuild matplotlib's font list. What it needs is found once per
# worker process (batch_caches); per kernel (kernel_caches) only a font list file is written.
#
# numba. The kernel's NUMBA_CACHE_DIR is its own, empty and writable (a tmpfs in the sandbox);
# at start-up, before any student code, course/sandbox/kernel/launch.py fills it with symbolic links to
# the files of the grader's cache folders, which the sandbox binds read-only. numba reads the
# index and data files through the links and replaces a file by writing a new one and renaming it
# over the link, so what the kernel compiles stays in its own folder; a write through a link
# fails (read-only filesystem). Hard links would not do: they share the inode, so a kernel that
# opened one for writing changed the grader's cache, which the grader and every later kernel
# unpickle. Without bubblewrap nothing is read-only, the cache included (resource limits only).

NUMBA_SOURCES = "COURSE_SANDBOX_NUMBA_SOURCES"  # the read-only folders a kernel links its cache to


@dataclass(frozen=True)
class BatchCaches:
    numba_folders: tuple[Path, ...]  # the folders of the grader's numba cache that hold helpers' kernels
    font_list: tuple[str, bytes] | None  # matplotlib's font list: file name, content


def numba_subfolder(source_folder: Path) -> str:
    """The folder of a numba cache that holds the kernels of the modules in ``source_folder``
    (numba.core.caching._CacheLocator.get_suitable_cache_subpath)."""
    folder = os.path.abspath(source_folder)
    return f"{os.path.basename(folder)}_{hashlib.sha1(folder.encode()).hexdigest()}"


@functools.lru_cache(maxsize=8)
def batch_caches(numba_cache: str) -> BatchCaches:
    """What every kernel of this worker starts with (found once per worker and cache folder)."""
    package = Path(os.path.abspath(os.path.dirname(helpers.__file__)))  # as numba sees it: not resolved
    sources = [package] + sorted(p for p in package.rglob("*") if p.is_dir() and p.name != "__pycache__")
    folders = tuple(Path(numba_cache) / numba_subfolder(s) for s in sources)
    return BatchCaches(folders, _font_list())


def _font_list() -> tuple[str, bytes] | None:
    """matplotlib's font list for a kernel: finding the fonts takes a fresh kernel about 0.4 s, so it is
    found once per worker (0.2 s). Built here for this interpreter, not read from the user's cache,
    which another venv may have written (its fonts are outside the sandbox, and a kernel that misses
    them writes "findfont" warnings to stderr), and kept to the fonts the sandbox shows."""
    try:
        from matplotlib import font_manager

        manager = font_manager.FontManager()
        shown = tuple(f"{folder}/" for folder in (*map(str, python_paths()), *SYSTEM_FOLDERS))
        manager.ttflist = [font for font in manager.ttflist if font.fname.startswith(shown)]
        manager.afmlist = [font for font in manager.afmlist if font.fname.startswith(shown)]
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / f"fontlist-v{font_manager.FontManager.__version__}.json"
            font_manager.json_dump(manager, path)
            return path.name, path.read_bytes()
    except Exception:  # no font list: each kernel builds its own, as it would anyway
        return None


@dataclass(frozen=True)
class KernelCaches:
    env: dict[str, str]
    read_only: tuple[Path, ...]  # bound read-only into the sandbox
    tmpfs: Path  # a private tmpfs in the sandbox


def kernel_caches(home: Path, batch: BatchCaches, seed: Path | None = None) -> KernelCaches:
    """The kernel's NUMBA_CACHE_DIR and MPLCONFIGDIR in ``home``, from the worker's ``batch``; the font
    list is written into ``seed`` (the same layout as ``home``, copied into it when the kernel starts),
    or into ``home`` itself."""
    seed = home if seed is None else seed
    numba, mpl = home / ".numba-cache", home / ".matplotlib"
    for folder in (seed / ".numba-cache", seed / ".matplotlib"):
        folder.mkdir(parents=True, exist_ok=True)
    if batch.font_list:
        name, content = batch.font_list
        (seed / ".matplotlib" / name).write_bytes(content)  # a copy: a kernel that rewrites it changes only its own
    sources = tuple(f for f in batch.numba_folders if f.is_dir())
    env = {"NUMBA_CACHE_DIR": str(numba), "MPLCONFIGDIR": str(mpl), NUMBA_SOURCES: os.pathsep.join(map(str, sources))}
    return KernelCaches(env, sources, numba)


# --------------------------------------------------------------------------- the kernel spec


@dataclass
class Sandbox:
    """What execute needs to start kernels for one run: the spec's folder, the environment, the limits."""

    kernels: Path
    env: dict[str, str]
    cgroup: ControlGroup | None
    notes: list[str]


def limit_variables(limits) -> dict[str, str]:
    """The resource limits course/sandbox/kernel/launch.py applies, as its environment variables."""
    return {
        "COURSE_SANDBOX_MEMORY_MB": str(limits.memory_mb),
        "COURSE_SANDBOX_CPU_SECONDS": str(int(limits.budget) + 60),
        "COURSE_SANDBOX_FILE_MB": str(limits.file_mb),
    }


def prepare(run: RunFolder, limits) -> Sandbox:
    """Write the spec of the sandboxed kernel (course/sandbox/kernel/launch.py with ``limits``, inside bwrap
    when available, in a control group when one can be made) and its environment."""
    from helpers._numba import cache_dir

    caches = kernel_caches(run.home, batch_caches(cache_dir()), seed=run.inbox / ".home")
    env = kernel_environment(run, {**limit_variables(limits), **caches.env})
    argv = [
        sys.executable,
        "-m",
        "course.sandbox.kernel.launch",
        "-f",
        "{connection_file}",
        "--HistoryManager.hist_file=:memory:",
        "--IPKernelApp.parent_handle=0",
    ]
    notes = []
    if bwrap_available():
        argv = sandbox_prefix(run, caches.read_only, caches.tmpfs) + argv
    else:
        run.home.mkdir(exist_ok=True)
        notes.append("no filesystem or network isolation (bubblewrap unavailable): resource limits only")
    cgroup = ControlGroup.create(memory_bytes=limits.memory_mb << 20, max_processes=MAX_PROCESSES)
    if cgroup is not None:
        argv = cgroup.enter_command() + argv
    spec = run.kernels / KERNEL_NAME
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(
        json.dumps(
            {
                "argv": argv,
                "display_name": "course sandbox",
                "language": "python",
                "env": {},
                "interrupt_mode": "message",
            }
        )
    )
    return Sandbox(run.kernels, env, cgroup, notes)
