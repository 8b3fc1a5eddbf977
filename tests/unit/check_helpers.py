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


def through_the_grader_wire(name, fn, cases, folder):
    """Judge ``fn`` on ``cases`` of check ``name`` as the grader does: the cases written by
    course.sandbox.kernel.wire, read back as the kernel reads them, answered by ``fn``, sent back as
    arrays and JSON, and judged: only plain arrays and JSON cross."""
    import json

    from course.grading.payload import Request
    from course.sandbox.kernel.wire import encode, read_replies, read_requests, reply_output, write_requests
    from helpers.grading import CHECKS, Call, call_student, judge

    check = CHECKS[name]
    write_requests([Request("g", name, "fn", case, i + 1, len(cases)) for i, case in enumerate(cases)], folder)
    outputs = []
    calls, _ = read_requests(str(folder))
    for index, (_, check_name, _, case) in enumerate(calls):
        call = call_student(CHECKS[check_name], fn, case)
        assert call.error is None, call.error
        arrays: dict = {}
        reply = {
            "got": encode(call.got, f"r{index}", arrays),
            "args_after": [encode(a, f"r{index}a{j}", arrays) for j, a in enumerate(call.args_after)],
        }
        outputs.append(
            {"output_type": "display_data", "data": json.loads(json.dumps(reply_output(index, reply, arrays)))}
        )
    for i, (case, reply) in enumerate(zip(cases, read_replies(outputs, len(cases)))):
        judge(check, case, i + 1, len(cases), Call(got=reply["got"], args_after=reply["args_after"]))
