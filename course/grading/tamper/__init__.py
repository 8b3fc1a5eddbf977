"""Spot code that attacks the grading run instead of answering the exercise.

The trusted comparison already stops forged results from earning points; this scan
names the attack, so the instructor reads "tampering: rewrites how the notebook runs
(get_ipython().input_transformers_cleanup.append)" rather than a bare zero, and zeroes the
whole notebook, since such code attacks every problem at once. It reads only code the
student wrote (solution cells, and cells that are not in the release) as the kernel will
run it: IPython's own transformer turns magics and ``!cmd`` into Python, and the scan walks
the syntax tree, resolving names through imports and assignments (``import numpy as xp;
xp.allclose = ...`` and ``from os import _exit as quit_`` are seen for what they are).

The policy is the README's ("How grading works"): names, strings, comments and imports of ordinary
libraries never count, and code that does not parse is no attack (the kernel reports it).
Only an operation that can have no honest purpose zeroes a notebook: changing IPython's
input or ast transformers, registering event hooks or a custom exception handler, replacing
the shell's methods; assigning to numpy, builtins, sys, os, helpers, the checks or the
grader, however it is done (``setattr``/``delattr``, ``type(np).__setattr__(np, ...)``,
``object.__setattr__``, ``np.__setattr__``, ``vars(np)[...] =``, ``np.__dict__.update``);
writing into ``sys.modules``, ``__builtins__`` or another function's ``__code__``,
``__globals__`` or closure; rebinding ``np``, ``helpers`` or ``assert_close``, which the test
cells use; finding the grader's own modules by a name built from pieces
(``importlib.import_module('cour' + 'se.harness')``, ``pkgutil.resolve_name``, ``__import__``);
ending the kernel (``sys.exit``, ``os._exit``, ``os.kill``, ``exit()``, ``raise SystemExit``,
an alarm without a handler); ``ctypes``, ``subprocess``, ``os.system``, sockets; opening the
gradebook from outside the folder. What looks suspicious but is not certain is only flagged
for the instructor: ``getattr`` with a built name, a module's namespace looked up with a
computed key (``os.__dict__['_ex' + 'it']``), ``eval``/``exec``, imports by a name (any other
built name meets the sandbox), writes through ``globals()``, paths outside the folder, shell
escapes, ``%pip`` and other unusual magics, environment variables, signal handlers. The
points are then decided by the out-of-kernel judge as usual, and the sandbox contains what a
static scan cannot see.
"""

from __future__ import annotations

from dataclasses import dataclass

from .judge import CellScan

__all__ = ["Scan", "scan"]


@dataclass(frozen=True)
class Scan:
    """attack: why the notebook scores 0, or None; flags: notes for the instructor."""

    attack: str | None
    flags: tuple[str, ...]


def scan(source: str) -> Scan:
    """Scan one cell of IPython source: the first certain attack (or None) and the flags."""
    try:
        found = CellScan.of_cell(source)
    except RecursionError:
        return Scan(None, ("a cell too deeply nested to scan",))
    if found is None:
        return Scan(None, ())
    attacks, flags = found.results()
    return Scan(attacks[0] if attacks else None, flags)
