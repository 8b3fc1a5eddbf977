"""Runs inside the student's kernel, after their notebook: call their functions on the
grader's inputs and hand back plain arrays.

The grader writes its calls into the scratch directory after every student cell has run
(the format is course/wire.py); :func:`answer` makes them and writes back, for each, the
outputs and the arguments as they were after the call, or an error message. The grader
judges in its own process; nothing here decides a score.
"""
from __future__ import annotations

import contextlib
import signal

from .wire import encode, read_requests, write_responses


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
    from helpers.grading import CHECKS, call_student

    arrays: dict = {}
    replies = []
    timed_out: set[str] = set()
    for index, (check, name, case) in enumerate(read_requests(directory)):
        if name not in namespace:
            replies.append({"error": f"`{name}` is not defined (did its cell run?)"})
            continue
        if name in timed_out:
            replies.append({"error": f"time-out: an earlier call of `{name}` ran out of time"})
            continue
        with time_limit(call_timeout):
            call = call_student(CHECKS[check], namespace[name], case)
        if call.error and "CallTimeout" in call.error:
            timed_out.add(name)
            call.error = f"time-out: `{name}` took longer than {call_timeout:g} s on one case"
        if call.error:
            replies.append({"error": call.error})
            continue
        replies.append({"got": encode(call.got, f"r{index}_got", arrays),
                        "args_after": [encode(a, f"r{index}_arg{i}", arrays)
                                       for i, a in enumerate(call.args_after)]})
    write_responses(replies, arrays, directory)
