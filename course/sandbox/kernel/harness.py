"""Runs inside the student's kernel: keep what each test cell saw, then call the student's
functions on the grader's inputs and hand back plain arrays.

After each graded test cell has run, the grader has the kernel :func:`keep` the objects that
cell's checks are about: the grade is what the test cell saw, whatever a later cell redefines
or imports over them. After the last cell, :func:`answer` reads the grader's calls (the format
is course/sandbox/kernel/wire.py), makes each on the kept object (through the adapter the hidden tests name,
given as data: the hidden tests' text never runs here) and displays, for each, the outputs and
the arguments as they were after the call, or an error message. The grader judges in its own
process; nothing here decides a score.
"""

from __future__ import annotations

import contextlib
import importlib
import signal
import types

from .wire import encode, read_requests, reply_output

_KEPT: dict[str, dict[str, object]] = {}


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


def keep(grade_id: str, namespace: dict, names: list[str]) -> None:
    """Remember the objects ``names`` as test cell ``grade_id`` left them (see :func:`frozen`)."""
    snapshot = frozen(namespace)
    _KEPT[grade_id] = {name: snapshot[name] for name in names if name in snapshot}


def frozen(namespace: dict) -> dict:
    """A copy of the notebook's namespace in which the notebook's own functions look up their globals:
    a later cell that redefines a helper (or imports over it) changes nothing they call."""
    copy = dict(namespace)
    for name, value in copy.items():
        if isinstance(value, types.FunctionType) and value.__globals__ is namespace:
            twin = types.FunctionType(value.__code__, copy, value.__name__, value.__defaults__, value.__closure__)
            twin.__kwdefaults__, twin.__qualname__ = value.__kwdefaults__, value.__qualname__
            twin.__dict__.update(value.__dict__)
            copy[name] = twin
    return copy


def adapted(adapter: dict, kept: dict):
    """The object an adapter makes of the student's kept object: ``helpers.<module>.<function>(obj, *args)``."""
    module_name, _, attribute = adapter["call"].rpartition(".")
    if not module_name.startswith("helpers."):
        raise ValueError(f"the grader's adapter {adapter['call']} is not in helpers")
    return getattr(importlib.import_module(module_name), attribute)(kept[adapter["student"]], *adapter["args"])


def answer(directory: str, call_timeout: float = 60.0, per_grade: dict[str, float] | None = None) -> None:
    """Make the grader's calls; one call may take ``call_timeout`` seconds, or ``per_grade[grade_id]``
    for its grade (course/sandbox/execute.py: call_limits)."""
    from IPython.display import display

    from helpers.grading import CHECKS, call_student

    calls, adapters = read_requests(directory)
    timed_out: set[str] = set()
    objects: dict[tuple[str, str], object] = {}
    for index, (grade_id, check, name, case) in enumerate(calls):
        arrays: dict = {}
        seconds = (per_grade or {}).get(grade_id, call_timeout)
        with time_limit(seconds):
            found = _object(grade_id, name, adapters.get(grade_id, {}), objects)
        if isinstance(found, str):
            reply = {"error": found}
        elif name in timed_out:
            reply = {"error": f"time-out: an earlier call of `{name}` ran out of time"}
        else:
            with time_limit(seconds):
                call = call_student(CHECKS[check], found[0], case)
            if call.error and "CallTimeout" in call.error:
                timed_out.add(name)
                call.error = f"time-out: `{name}` took longer than {seconds:g} s on one case"
            if call.error:
                reply = {"error": call.error}
            else:
                reply = {
                    "got": encode(call.got, f"r{index}_got", arrays),
                    "args_after": [encode(a, f"r{index}_arg{i}", arrays) for i, a in enumerate(call.args_after)],
                }
        display(reply_output(index, reply, arrays), raw=True)


def _object(grade_id: str, name: str, adapters: dict, made: dict):
    """(the object to call,) or an error message."""
    if (grade_id, name) in made:
        return made[(grade_id, name)]
    kept = _KEPT.get(grade_id)
    adapter = adapters.get(name)
    wanted = adapter["student"] if adapter else name
    if kept is None:
        found = "its test cell did not run"
    elif wanted not in kept:
        found = f"`{wanted}` was not defined when its test cell ran (did its cell run?)"
    elif adapter:
        try:
            found = (adapted(adapter, kept),)
        except Exception as err:
            found = f"raised {type(err).__name__}: {err}"
    else:
        found = (kept[name],)
    made[(grade_id, name)] = found
    return found
