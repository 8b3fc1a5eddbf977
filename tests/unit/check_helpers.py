"""What every week's check tests share."""

import sys
import types

import pytest

import helpers
from helpers.grading import CheckFailed


def fails(check_name, fn, *fragments):
    """Assert that ``helpers.grading.check_<check_name>(fn)`` fails with every fragment in its message."""
    with pytest.raises(CheckFailed) as info:
        getattr(helpers.grading, f"check_{check_name}")(fn)
    for fragment in fragments:
        assert fragment in str(info.value), str(info.value)
    return str(info.value)


def twin(module):
    """A copy of a helpers module whose functions run copies of its code: the reference's own
    lines as a student who typed them would run them. A graded function may not call the
    reference itself (helpers/grading/forbidden.py watches its code), so a test that hands a check
    the reference's logic, right or deliberately broken, calls the twin. Each kernel becomes a plain
    function, also reachable as ``.unguarded``; calls between the module's kernels stay in the twin."""
    namespace = dict(vars(module))
    for name, value in vars(module).items():
        function = getattr(value, "unguarded", value)
        if isinstance(function, types.FunctionType) and function.__module__ == module.__name__:
            copy = types.FunctionType(
                function.__code__.replace(), namespace, function.__name__, function.__defaults__, function.__closure__
            )
            copy.__kwdefaults__ = function.__kwdefaults__
            copy.unguarded = copy
            namespace[name] = copy
    return types.SimpleNamespace(**namespace)


def twin_of(kernel):
    """The plain function of ``kernel`` in its module's :func:`twin`."""
    return getattr(twin(sys.modules[kernel.__module__]), kernel.__name__)
