"""numba set-up shared by the kernel modules: where the compiled cache lives, and BLAS threads.

Import numba through this module (``from ._numba import njit, prange``) so that the cache
directory is chosen before numba reads its configuration.

Cache directory. numba writes compiled kernels next to the source file by default, which
fails for a read-only install and mixes users on a shared one. Here:

- ``NUMBA_CACHE_DIR`` set in the environment: honoured as it is;
- otherwise ``$XDG_CACHE_HOME/dl-course/numba`` (``~/.cache/dl-course/numba``), one per user;
- if that cannot be created or written, ``<tempdir>/dl-course-numba-<uid>``.

numba keys each cached kernel by the full path and modification time of its source file,
so several checkouts can share one directory. It does not notice a change in a helper that
a cached kernel calls from *another* file; every kernel here keeps its helpers in its own
module for that reason.

BLAS threads. A numba ``parallel=True`` kernel runs one thread per core; if it calls BLAS
(``np.dot``) inside ``prange`` while BLAS also starts a thread per core, the two pools fight
and everything slows down many times. :func:`single_threaded_blas` pins every loaded BLAS
to one thread for the duration of a block.

One parallel kernel at a time. numba's built-in thread pool ("workqueue", the one available
here) is documented as not thread-safe, and the BLAS pinning is process-wide.
:func:`parallel_slot` lets one Python thread at a time run a parallel kernel; any other
thread meanwhile gets ``False`` and runs the serial version of the same code.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import threading
from pathlib import Path

__all__ = ["CACHE_DIR", "njit", "prange", "single_threaded_blas", "parallel_slot", "cache_dir", "thread_count"]


def _writable_dir(path: Path) -> bool:
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError:
        return False
    return os.access(path, os.W_OK | os.X_OK)


def cache_dir() -> str:
    """The directory numba should cache compiled kernels in (created when needed)."""
    explicit = os.environ.get("NUMBA_CACHE_DIR")
    if explicit:
        return explicit
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    candidate = Path(base) / "dl-course" / "numba"
    if _writable_dir(candidate):
        return str(candidate)
    uid = os.getuid() if hasattr(os, "getuid") else os.getpid()
    fallback = Path(tempfile.gettempdir()) / f"dl-course-numba-{uid}"
    _writable_dir(fallback)
    return str(fallback)


CACHE_DIR = cache_dir()
os.environ.setdefault("NUMBA_CACHE_DIR", CACHE_DIR)

import numba  # noqa: E402  (the environment must be set first)

# numba reads the environment once, at its own import: if it was imported before helpers,
# point its configuration at the directory chosen above as well.
if not numba.config.CACHE_DIR:
    numba.config.CACHE_DIR = CACHE_DIR

njit = numba.njit
prange = numba.prange


def thread_count() -> int:
    """numba's current thread count, for Python wrappers to pass into parallel kernels.

    Never call it inside a cached kernel: the value would be compiled into the cache.
    """
    return numba.get_num_threads()


_controller = None


def _blas_controller():
    global _controller
    if _controller is None:
        # numba's np.dot calls the BLAS that scipy ships; load it before looking.
        import scipy.linalg.cython_blas  # noqa: F401
        from threadpoolctl import ThreadpoolController

        _controller = ThreadpoolController()
    return _controller


_parallel_lock = threading.Lock()


@contextlib.contextmanager
def parallel_slot():
    """Yield True (BLAS pinned to one thread for the block) if this thread may launch a
    numba-parallel kernel now, or False if another thread is running one: then use the
    serial version. Never waits."""
    if not _parallel_lock.acquire(blocking=False):
        yield False
        return
    try:
        with single_threaded_blas():
            yield True
    finally:
        _parallel_lock.release()


@contextlib.contextmanager
def single_threaded_blas():
    """Limit every loaded BLAS library to one thread inside the block (threadpoolctl).

    Wrap each call of a numba-parallel kernel that uses BLAS inside ``prange``: numba
    provides the parallelism, BLAS must not add its own.
    """
    with _blas_controller().limit(limits=1, user_api="blas"):
        yield
