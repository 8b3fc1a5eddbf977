"""Detect a student's function calling the reference kernel it is graded against.

Every public reference kernel is wrapped by :func:`reference_kernel`. While a check
runs the student's function inside :func:`armed`, a call to one of the armed
kernels raises :class:`ReferenceCalled`, wherever the student imported it from.
Outside ``armed`` the wrapper costs one set look-up.
"""
from __future__ import annotations

import contextlib
import functools

_armed: set[str] = set()


class ReferenceCalled(RuntimeError):
    """Raised when an armed reference kernel is called from graded code."""


def reference_kernel(fn):
    qualname = f"{fn.__module__}.{fn.__name__}"

    @functools.wraps(fn)
    def guarded(*args, **kwargs):
        if _armed and qualname in _armed:
            raise ReferenceCalled(qualname)
        return fn(*args, **kwargs)

    guarded.reference_name = qualname
    guarded.unguarded = fn
    return guarded


@contextlib.contextmanager
def armed(*kernels):
    """Arm the given reference kernels for the block.

    Only kernel objects are accepted: a name could outlive a moved kernel and silently
    arm nothing, an object cannot.
    """
    names = set()
    for kernel in kernels:
        name = getattr(kernel, "reference_name", None)
        if not isinstance(name, str):
            raise TypeError(f"armed() takes reference kernels (wrapped by reference_kernel), got {kernel!r}")
        names.add(name)
    added = names - _armed
    _armed.update(added)
    try:
        yield
    finally:
        _armed.difference_update(added)
