"""Public checks that the hidden tests call, and that self-learners can run themselves.

A check is data: a case generator, a reference, the outputs to compare and a hint
(:class:`Check`). :func:`run_check` runs a student's function on every case, on
float64 copies, with the reference kernel armed as a tripwire, stderr captured and
warnings silenced, and raises :class:`CheckFailed` with a message a student can act
on: which case, the shapes, the first wrong index, expected vs got, and a hint.

Usage in a notebook test cell::

    helpers.grading.check_softmax(softmax)

Checks return None: nbgrader would read a number left as a cell's value as partial
credit. The :data:`CHECKS` registry can also be driven from outside the student's
kernel (DESIGN.md section 6): it needs only ``cases``, ``reference`` and ``compare``.

One module per week (``w01`` ...) defines and registers that week's checks; every
``check_*`` function is re-exported here.
"""
from .core import *  # noqa: F401,F403
from .core import __all__ as _core_all
from .w01 import *  # noqa: F401,F403
from .w01 import __all__ as _w01_all
from .w02 import *  # noqa: F401,F403
from .w02 import __all__ as _w02_all
from .w03 import *  # noqa: F401,F403
from .w03 import __all__ as _w03_all
from .w04 import *  # noqa: F401,F403
from .w04 import __all__ as _w04_all
from .w05 import *  # noqa: F401,F403
from .w05 import __all__ as _w05_all
from .w06 import *  # noqa: F401,F403
from .w06 import __all__ as _w06_all

__all__ = [*_core_all, *_w01_all, *_w02_all, *_w03_all, *_w04_all, *_w05_all, *_w06_all]
