"""Runs inside the student's kernel, after their notebook: call their functions on the
grader's inputs and hand back plain arrays.

The grader writes ``requests.npz`` (arrays only) and ``requests.json`` (which function,
which check, which arguments) into the scratch directory after every student cell has
run. :func:`answer` writes ``responses.npz``: for each request either the outputs and the
arguments as they were after the call, or an error message. The grader reads it with
``allow_pickle=False`` and judges in its own process; nothing here decides a score.
"""
from __future__ import annotations

import contextlib
import json
import signal

import numpy as np


def _encode(value, prefix: str, arrays: dict) -> dict:
    """Describe ``value`` as plain data; numeric arrays go into ``arrays``."""
    if isinstance(value, tuple):
        return {"tuple": [_encode(v, f"{prefix}_{i}", arrays) for i, v in enumerate(value)]}
    if isinstance(value, (bool, np.bool_)) or value is None or isinstance(value, (str, bytes, dict, set)):
        return {"foreign": type(value).__name__}
    try:
        array = np.asarray(value)
    except Exception:
        return {"foreign": type(value).__name__}
    if array.dtype.kind not in "biuf":
        return {"foreign": type(value).__name__}
    arrays[prefix] = np.array(array, copy=True)
    return {"array": prefix}


class CallTimeout(Exception):
    """Raised inside a student's function that runs past the per-call limit."""


@contextlib.contextmanager
def time_limit(seconds: float):
    def expire(signum, frame):
        raise CallTimeout()
    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def answer(directory: str, namespace: dict, call_timeout: float = 60.0) -> None:
    from helpers.grading import CHECKS, Case, call_student

    with open(f"{directory}/requests.json") as handle:
        requests = json.load(handle)
    inputs = np.load(f"{directory}/requests.npz", allow_pickle=False)
    arrays: dict = {}
    replies = []
    timed_out: set[str] = set()
    for index, request in enumerate(requests):
        args = tuple(inputs[key] if key is not None else value
                     for key, value in zip(request["array_args"], request["plain_args"]))
        name = request["function"]
        if name not in namespace:
            replies.append({"error": f"`{name}` is not defined (did its cell run?)"})
            continue
        if name in timed_out:
            replies.append({"error": f"time-out: an earlier call of `{name}` ran out of time"})
            continue
        with time_limit(call_timeout):
            call = call_student(CHECKS[request["check"]], namespace[name],
                                Case(request["label"], args, request.get("kwargs", {})))
        if call.error and "CallTimeout" in call.error:
            timed_out.add(name)
            call.error = f"time-out: `{name}` took longer than {call_timeout:g} s on one case"
        if call.error:
            replies.append({"error": call.error})
            continue
        replies.append({"got": _encode(call.got, f"r{index}_got", arrays),
                        "args_after": [_encode(a, f"r{index}_arg{i}", arrays)
                                       for i, a in enumerate(call.args_after)]})
    np.savez(f"{directory}/responses.npz", **arrays)
    with open(f"{directory}/responses.json", "w") as handle:
        json.dump(replies, handle)
