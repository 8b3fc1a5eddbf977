"""``course warm``: compile the numba kernels once, into the cache, before any student waits.

Each kernel module may define ``warm_up()``, which calls its kernels on tiny inputs of
every supported dtype; importing the module and calling it fills numba's cache.
"""
from __future__ import annotations

import importlib
import time

KERNEL_MODULES = ["activations", "losses", "conv", "mlp", "rnn", "optim", "norm"]


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "warm", help="compile every numba kernel into the cache",
        description="Import each helpers kernel module and run its warm_up(), so that the first "
                    "call in a notebook costs no compilation. Fast when the cache is warm.")
    parser.set_defaults(func=run)


def run(args) -> int:
    for name in KERNEL_MODULES:
        start = time.perf_counter()
        try:
            module = importlib.import_module(f"helpers.{name}")
        except ModuleNotFoundError as err:
            if err.name == f"helpers.{name}":
                continue  # not part of this checkout
            raise
        warm_up = getattr(module, "warm_up", None)
        if warm_up is not None:
            warm_up()
        print(f"helpers.{name}: ready in {time.perf_counter() - start:.2f} s")
    return 0
