"""Public checks that the hidden tests call, and that self-learners can run themselves.

A check is data: a case generator, a reference, the outputs to compare and a hint
(:class:`Check`). :func:`run_check` runs a student's function on every case, on
float64 copies, with the reference kernels armed as a tripwire and every other way to the
reference (or to a library function that does the exercise) watched (``forbidden``), stderr
captured and warnings silenced, and raises :class:`CheckFailed` with a message a student can act
on: which case, the shapes, the first wrong index, expected vs got, and a hint.

Usage in a notebook test cell::

    helpers.grading.check_softmax(softmax)

Checks return None: nbgrader would read a number left as a cell's value as partial
credit. The :data:`CHECKS` registry can also be driven from outside the student's
kernel (docs/DESIGN.md, "Grading"): it needs only ``cases``, ``reference`` and ``compare``.

One module per week (``w01``, ``w02``, ...), or a package of topic modules once a week outgrows
about 400 lines (``w08/model.py``, ``w08/regularization.py``, ...), registers that week's checks,
each beside its cases, reference or verify function and hint; registering a check creates its
``check_<name>`` function, and this package exports every one of them. A week is found by its
name alone (exactly ``w`` and two digits), so no private module is ever taken for one.
"""

import importlib as _importlib
import pkgutil as _pkgutil
import re as _re

from .core import *  # noqa: F403
from .core import __all__ as _core_all
from .core import public_functions as _public_functions

WEEK_MODULES = tuple(
    _importlib.import_module(f"{__name__}.{info.name}")
    for info in sorted(_pkgutil.iter_modules(__path__), key=lambda i: i.name)  # noqa: F405 (the package's own)
    if _re.fullmatch(r"w\d\d", info.name)
)

globals().update(_public_functions())

__all__ = [*_core_all, "WEEK_MODULES", *sorted(_public_functions())]
