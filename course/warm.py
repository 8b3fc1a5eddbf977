"""``course warm``: compile the numba kernels once, into the cache, before any student waits.

Each kernel module may define ``warm_up()``, which calls its kernels on tiny inputs of
every supported dtype (float64 and float32) and returns a short description of what it
covered; importing the module and calling it fills numba's on-disk cache. With a warm
cache this only loads the compiled code, which takes a second or two.

It also writes the Python bytecode of ``helpers`` and ``course`` beside their sources. pip does
that for an installed package, but not for this editable one, and a grading kernel cannot write
it (its Python files are read-only in the sandbox): without it every kernel compiled the
helpers modules it imports from source again, about 0.2 s of each kernel's start.
"""

from __future__ import annotations

import compileall
import importlib
import importlib.util
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path

from .cli import positive_int

KERNEL_MODULES = ["activations", "losses", "conv", "pool", "mlp", "rnn", "optim", "norm", "efficient", "word2vec"]


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "warm",
        help="compile every numba kernel into the cache, and the bytecode of helpers and course",
        description="Write the Python bytecode of helpers and course, then import each helpers kernel module "
        "and run its warm_up(), so that neither a kernel's start nor the first call in a notebook compiles "
        "anything. Fast when both are warm.",
    )
    parser.add_argument(
        "--jobs",
        type=positive_int,
        default=None,
        metavar="N",
        help="kernel modules compiled at once, each in its own process (default: one per available core)",
    )
    parser.set_defaults(func=run)


def _dispatchers(module):
    """The numba dispatchers of a kernel module (compiled functions and their helpers): those in
    helpers.<name> itself and in the private modules that hold its numba machinery, named
    helpers._<name>… (helpers._conv_kernels and helpers._conv3x3_kernels for helpers.conv)."""
    try:
        from numba.core.dispatcher import Dispatcher
    except ImportError:  # numba missing: nothing can be compiled anyway
        return []
    package, _, name = module.__name__.rpartition(".")
    private = [m for key, m in list(sys.modules.items()) if key.startswith(f"{package}._{name}")]
    found = {}
    for mod in [module] + private:
        found.update((id(v), v) for v in vars(mod).values() if isinstance(v, Dispatcher))
    return list(found.values())


def _cache_counts(dispatchers):
    hits = sum(len(d.stats.cache_hits) for d in dispatchers)
    misses = sum(len(d.stats.cache_misses) for d in dispatchers)
    return hits, misses


def compile_bytecode(packages=("helpers", "course")) -> list[str]:
    """Write the missing or stale bytecode (``__pycache__/*.pyc``) of each package's modules; what it
    did, one line a package."""
    return [
        line for name in packages for line in compile_package(name, Path(importlib.import_module(name).__file__).parent)
    ]


def compile_package(name: str, folder: Path) -> list[str]:
    """Write the missing or stale bytecode of the package in ``folder``. A read-only folder is left as it
    is (an installed copy: pip compiled it)."""
    if not os.access(folder, os.W_OK):
        return [f"{name}: bytecode left as installed ({folder} is read-only)"]
    start = time.perf_counter()
    modules = package_modules(folder)
    stale = [p for p in modules if not bytecode_is_current(p)]
    failed = [p for p in stale if not compileall.compile_file(p, quiet=2, force=True)]
    said = [f"{name}: bytecode of {len(stale)} of {len(modules)} modules written ({time.perf_counter() - start:.2f} s)"]
    if failed:
        said.append(f"{name}: {len(failed)} modules do not compile, first {failed[0]}")
    return said


def package_modules(folder: Path) -> list[Path]:
    """The modules of the package in ``folder``: its .py files in folders that are packages themselves
    (data folders such as course/samples/<week>/, which hold an authoring script, are not)."""

    def in_packages(path: Path) -> bool:
        inside = path.parent.relative_to(folder)
        return all((folder / part / "__init__.py").is_file() for part in [inside, *inside.parents])

    return sorted(path for path in folder.rglob("*.py") if in_packages(path))


def bytecode_is_current(source: Path) -> bool:
    """Whether the module's ``.pyc`` is the one Python would load: its header records the source's
    modification time and size (importlib's timestamp-based bytecode)."""
    try:
        header = Path(importlib.util.cache_from_source(str(source))).read_bytes()[:16]
        stat = source.stat()
    except OSError:
        return False
    return (
        header[:4] == importlib.util.MAGIC_NUMBER
        and int.from_bytes(header[4:8], "little") == 0
        and int.from_bytes(header[8:12], "little") == int(stat.st_mtime) & 0xFFFFFFFF
        and int.from_bytes(header[12:16], "little") == stat.st_size & 0xFFFFFFFF
    )


def warm_module(name: str) -> list[str]:
    """Import helpers.<name> and run its warm_up(); the lines that say what was compiled, or [] when
    this checkout has no such module."""
    start = time.perf_counter()
    try:
        module = importlib.import_module(f"helpers.{name}")
    except ModuleNotFoundError as err:
        if err.name == f"helpers.{name}":
            return []
        raise
    warm_up = getattr(module, "warm_up", None)
    covered = warm_up() if warm_up is not None else []
    dispatchers = _dispatchers(module)
    hits, misses = _cache_counts(dispatchers)
    elapsed = time.perf_counter() - start
    if dispatchers:
        head = f"helpers.{name}: {misses} compiled, {hits} loaded from the cache, {elapsed:.2f} s"
    else:
        head = f"helpers.{name}: plain numpy, nothing to compile ({elapsed:.2f} s)"
    return [head] + [f"  {line}" for line in covered or []]


def warm_modules(jobs: int, names=KERNEL_MODULES):
    """Each of ``names``' lines (warm_module), in that order. With jobs > 1 the modules compile in that
    many processes at once: numba compiles on one core, and conv alone takes half of a cold warm-up
    (31 of 63 s, serially, on the 2-core machine), so two processes nearly halve it. Each module writes
    its own cache files (numba replaces a file atomically if two ever write the same one)."""
    if jobs <= 1:
        yield from map(warm_module, names)
        return
    with ProcessPoolExecutor(max_workers=jobs, mp_context=get_context("spawn")) as pool:
        yield from pool.map(warm_module, names)


def available_cores() -> int:
    """The cores this process may run on (its affinity on Linux; all of them where that is unknown)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def run(args) -> int:
    total = time.perf_counter()
    for line in compile_bytecode():
        print(line)
    jobs = getattr(args, "jobs", None) or available_cores()
    for lines in warm_modules(jobs):
        for line in lines:
            print(line, flush=True)
    try:
        import numba

        from helpers._numba import CACHE_DIR

        print(f"numba cache: {numba.config.CACHE_DIR or CACHE_DIR}")
    except ImportError:
        pass
    print(f"warm in {time.perf_counter() - total:.2f} s")
    return 0
