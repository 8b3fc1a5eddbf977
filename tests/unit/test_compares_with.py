"""What a check says it compares with (``Check.compares_with``, shown in docs/SYLLABUS.md) is what it really
computes its expected values from: run on its first case, the reference (or the verify function, given no
answer) enters the code of every kernel it names, and a "plain numpy" check enters no kernel at all."""

from __future__ import annotations

import importlib
import sys

import numpy as np
import pytest

import helpers
from helpers.grading import BEHAVIOUR, CHECKS, DEFAULT_SEED, PLAIN_NUMPY, Check, CheckFailed
from helpers.tripwire import unwrap


def code_of(kernel):
    """The code object a call of ``kernel`` enters, whether it is a Python function or a numba dispatcher."""
    function = unwrap(kernel.unguarded)
    return getattr(function, "py_func", function).__code__


KERNELS = {
    code_of(obj): obj.reference_name
    for name in sorted(helpers._SUBMODULES)
    for obj in vars(importlib.import_module(f"helpers.{name}")).values()
    if callable(obj) and isinstance(getattr(obj, "reference_name", None), str)
}


def codes_entered(run) -> set:
    """Every code object entered while ``run()`` runs (a profile hook sees each Python call)."""
    entered = set()

    def hook(frame, event, arg):
        if event == "call":
            entered.add(frame.f_code)

    previous = sys.getprofile()
    sys.setprofile(hook)
    try:
        run()
    except CheckFailed:  # a verify function given no answer fails once it has computed what it compares with
        pass
    finally:
        sys.setprofile(previous)
    return entered


@pytest.mark.parametrize("name", sorted(CHECKS))
def test_compares_with_names_the_kernels_the_check_computes_its_expected_values_with(name):
    check = CHECKS[name]
    assert check.compares_with, f"{name}: register requires compares_with"
    if check.compares_with == BEHAVIOUR:
        assert check.verify is not None and check.reference is None
        return
    case = check.cases(np.random.default_rng(DEFAULT_SEED))[0]
    if check.reference is not None:
        entered = codes_entered(lambda: check.reference(*case.args, **case.kwargs))
    else:
        entered = codes_entered(lambda: check.verify(case, tuple(None for _ in check.outputs), "the first case"))
    called = {KERNELS[code] for code in entered if code in KERNELS}
    if check.compares_with == PLAIN_NUMPY:
        assert not called, f"{name} says plain numpy, but its reference calls {sorted(called)}"
    else:
        named = {kernel.reference_name for kernel in check.compares_with}
        assert named <= called, f"{name} names {sorted(named - called)}, which its reference never calls"


def test_compares_with_is_checked_when_a_check_is_made_and_required_when_it_is_registered():
    with pytest.raises(ValueError, match="only a verify function"):
        Check("by_reference", lambda rng: [], np.negative, doc="x", compares_with=BEHAVIOUR)
    with pytest.raises(ValueError, match="compares_with is a tuple"):
        Check("typo", lambda rng: [], np.negative, doc="x", compares_with="behavior")
    with pytest.raises(TypeError, match="kernel objects"):
        Check("by_name", lambda rng: [], np.negative, doc="x", compares_with=("helpers.conv.conv2d",))
    with pytest.raises(ValueError, match="needs compares_with"):
        from helpers.grading import register

        register(Check("unsaid", lambda rng: [], np.negative, doc="x"))
