"""``course warm``: compile the numba kernels once, into the cache, before any student waits.

Each kernel module may define ``warm_up()``, which calls its kernels on tiny inputs of
every supported dtype (float64 and float32) and returns a short description of what it
covered; importing the module and calling it fills numba's on-disk cache. With a warm
cache this only loads the compiled code, which takes a second or two.
"""

from __future__ import annotations

import importlib
import sys
import time

KERNEL_MODULES = ["activations", "losses", "conv", "pool", "mlp", "rnn", "optim", "norm", "efficient", "word2vec"]


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "warm",
        help="compile every numba kernel into the cache",
        description="Import each helpers kernel module and run its warm_up(), so that the first "
        "call in a notebook costs no compilation. Fast when the cache is warm.",
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


def run(args) -> int:
    total = time.perf_counter()
    for name in KERNEL_MODULES:
        start = time.perf_counter()
        try:
            module = importlib.import_module(f"helpers.{name}")
        except ModuleNotFoundError as err:
            if err.name == f"helpers.{name}":
                continue  # not part of this checkout
            raise
        warm_up = getattr(module, "warm_up", None)
        covered = warm_up() if warm_up is not None else []
        dispatchers = _dispatchers(module)
        hits, misses = _cache_counts(dispatchers)
        elapsed = time.perf_counter() - start
        if dispatchers:
            print(f"helpers.{name}: {misses} compiled, {hits} loaded from the cache, {elapsed:.2f} s")
        else:
            print(f"helpers.{name}: plain numpy, nothing to compile ({elapsed:.2f} s)")
        for line in covered or []:
            print(f"  {line}")
    try:
        import numba

        from helpers._numba import CACHE_DIR

        print(f"numba cache: {numba.config.CACHE_DIR or CACHE_DIR}")
    except ImportError:
        pass
    print(f"warm in {time.perf_counter() - total:.2f} s")
    return 0
