"""A student's function inside an explorer: called beside the reference, never trusted to work.

An explorer that takes the student's function (``KernelExplorer(correlate2d=correlate2d)``) wraps it
in :class:`YourFunction`. Every redraw calls the reference and the student's function on the same
inputs and gets an :class:`Outcome`: what to draw as "yours" (or None when it cannot be drawn), the
reference's result, the first element where the two differ beyond the grader's tolerance, and one
line for the picture. A student function that is not written yet (``NotImplementedError``), raises,
returns the wrong shape, returns NaN or is too slow never breaks the explorer: the reference keeps
drawing and the line says what happened.

A call over ``time_limit`` is abandoned: it runs in a worker thread, the explorer stops waiting and
draws the reference, and the thread is asked to stop (an exception is raised in it at its next
Python instruction; a long numpy call finishes first). Until it has stopped, the student's function
is not called again, and each redraw that finds it still running asks again. After a call times out,
the function is still tried on the next redraws (a smaller input may be fast enough); a function
that is not written yet is not called again.
"""

from __future__ import annotations

import ctypes
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..grading.core import FORWARD_RTOL

__all__ = ["Outcome", "YourFunction", "TIME_LIMIT", "caption_html"]

TIME_LIMIT = 0.5  # seconds per call, per redraw: a student's honest loop version is well under this
ATOL = 1e-12
DIFFERENCE_COLOUR = "#d62728"


class _Abandoned(BaseException):
    """Raised inside a worker thread whose call the explorer stopped waiting for."""


@dataclass
class Outcome:
    """One redraw's call of the student's function beside the reference.

    value: the student's result (as the function returned it, arrays as float64) when it can be
        drawn, else None. reference: the reference's result.
    problem: '' when the student's function ran and returned arrays of the reference's shapes;
        otherwise one line saying what happened (raised, shape, NaN, too slow, not written yet).
    output: which output differs first (0 for a single array), or None.
    index: the first index (a tuple into that output) beyond tolerance, or None.
    nonfinite_index: where the student's result first holds a NaN or an infinity (a tuple into
        output ``nonfinite_output``), or None; then ``value`` is None and ``problem`` says so.
    """

    value: Any
    reference: Any
    problem: str = ""
    output: int | None = None
    index: tuple | None = None
    got: float | None = None
    expected: float | None = None
    name: str = ""
    written: bool = True  # False while the function is not given or not written yet
    nonfinite_output: int | None = None
    nonfinite_index: tuple | None = None
    unfinished: bool = False  # the call was too slow, or an earlier one still runs: not the function's answer

    @property
    def wrong(self) -> bool:
        """Whether the picture should show a problem of the student's function (in red)."""
        return self.written and bool(self.problem or self.index is not None)

    @property
    def yours(self) -> bool:
        """Whether the student's result is drawn (it ran and has the reference's shapes)."""
        return self.value is not None

    @property
    def differs(self) -> bool:
        return self.index is not None

    def caption(self, where: str | None = None) -> str:
        """One line for the picture. ``where`` names the first difference in the explorer's own
        words ("pixel (3, 5)", "step 12"); by default the index itself."""
        if self.problem:
            return self.problem
        if self.value is None:
            return f"{self.name} not given: the reference draws"
        if self.index is None:
            return f"your {self.name} agrees with the reference"
        at = where or _index_text(self.index)
        return f"your {self.name} differs first at {at}: yours {self.got:.4g}, reference {self.expected:.4g}"


def _index_text(index: tuple) -> str:
    return "index " + (str(index[0]) if len(index) == 1 else str(tuple(int(i) for i in index)))


def _outputs(result) -> tuple:
    return tuple(result) if isinstance(result, tuple) else (result,)


def _first_line(text: str, limit: int = 110) -> str:
    line = (str(text).strip().splitlines() or [""])[0]
    return line if len(line) <= limit else line[: limit - 1] + "…"


def _copy(value):
    if isinstance(value, np.ndarray):
        return value.copy()
    if isinstance(value, (list, tuple)):
        return type(value)(_copy(v) for v in value)
    if isinstance(value, dict):
        return {k: _copy(v) for k, v in value.items()}
    return value


class YourFunction:
    """The student's function ``fn`` (None while not given) and the ``reference`` it is drawn beside.

    ``name`` is the function's name in the exercise; ``rtol`` the grader's tolerance for this output
    (helpers.grading.core.FORWARD_RTOL or GRADIENT_RTOL); ``time_limit`` seconds per call; ``order``
    the outputs of a tuple-returning function in the order they are searched for a difference (the one
    the picture draws first; default: as returned).
    """

    def __init__(
        self,
        fn: Callable | None,
        reference: Callable,
        *,
        name: str,
        rtol: float = FORWARD_RTOL,
        atol: float = ATOL,
        time_limit: float = TIME_LIMIT,
        order: tuple[int, ...] | None = None,
    ):
        if fn is not None and not callable(fn):
            raise TypeError(f"{name} should be a function (the one you wrote), not a {type(fn).__name__}")
        self.fn = fn
        self.reference = reference
        self.name = name
        self.rtol, self.atol, self.time_limit = rtol, atol, time_limit
        self.order = order
        self.not_written = False
        self._running: threading.Thread | None = None

    @property
    def given(self) -> bool:
        """Whether the student's function is in use (given, and not found unwritten)."""
        return self.fn is not None and not self.not_written

    def __call__(self, *args, **kwargs) -> Outcome:
        expected = self.reference(*_copy(args), **_copy(kwargs))
        outcome = Outcome(value=None, reference=expected, name=self.name, written=self.given)
        if not self.given:
            if self.not_written:
                outcome.problem = f"{self.name} is not written yet: the reference draws"
            return outcome
        if self._running is not None and self._running.is_alive():
            _stop(self._running)  # again: the first request can be swallowed where it landed (a gc callback)
            outcome.unfinished = True
            outcome.problem = f"your {self.name} is still running from an earlier redraw: the reference draws"
            return outcome
        finished, result, error = self._run(args, kwargs)
        if not finished:
            outcome.unfinished = True
            outcome.problem = (
                f"your {self.name} took over {self.time_limit * 1000:.0f} ms, too slow to redraw: the reference draws"
            )
            return outcome
        if error is not None:
            if isinstance(error, NotImplementedError):
                self.not_written = True
                outcome.written = False
                outcome.problem = f"{self.name} is not written yet: the reference draws"
            else:
                outcome.problem = f"your {self.name} raised {type(error).__name__}: {_first_line(error)}"
            return outcome
        return self._compare(result, outcome)

    def _run(self, args, kwargs):
        """(finished, result, error) of one call in a worker thread, waiting at most time_limit."""
        box: dict = {}

        def work():
            try:
                with np.errstate(all="ignore"):  # a NaN is reported in the picture, not as a warning
                    box["result"] = self.fn(*_copy(args), **_copy(kwargs))
            except _Abandoned:
                pass
            except Exception as err:  # the student's bug, reported in the picture
                box["error"] = err

        thread = threading.Thread(target=work, name=f"explorer-{self.name}", daemon=True)
        thread.start()
        thread.join(self.time_limit)
        if thread.is_alive():
            self._running = thread
            _stop(thread)
            return False, None, None
        return True, box.get("result"), box.get("error")

    def _compare(self, result, outcome: Outcome) -> Outcome:
        expected = _outputs(outcome.reference)
        got = _outputs(result)
        if len(got) != len(expected):
            outcome.problem = f"your {self.name} returned {len(got)} value(s); the reference returns {len(expected)}"
            return outcome
        arrays = []
        for k, (g, e) in enumerate(zip(got, expected)):
            label = "" if len(expected) == 1 else f" (output {k + 1})"
            try:
                g = np.asarray(g, dtype=np.float64)
            except (TypeError, ValueError):
                outcome.problem = f"your {self.name}{label} returned a {type(g).__name__}, not numbers"
                return outcome
            e = np.asarray(e, dtype=np.float64)
            if g.shape != e.shape:
                outcome.problem = f"your {self.name}{label} returned shape {g.shape}; the reference's is {e.shape}"
                return outcome
            bad = ~np.isfinite(g) & ~_same(g, e)  # an inf or NaN the reference has too is no problem
            if bad.any():
                where = np.argwhere(bad)[0]
                outcome.problem = f"your {self.name}{label} returned {g[tuple(where)]} at {_index_text(tuple(where))}"
                outcome.nonfinite_output, outcome.nonfinite_index = k, tuple(int(i) for i in where)
                return outcome
            arrays.append(g)
        outcome.value = tuple(arrays) if isinstance(outcome.reference, tuple) else arrays[0]
        for k in self.order or range(len(arrays)):
            g, e = arrays[k], np.asarray(expected[k], dtype=np.float64)
            with np.errstate(invalid="ignore"):
                wrong = ~(np.abs(g - e) <= self.rtol * (np.abs(g) + np.abs(e)) + self.atol) & ~_same(g, e)
            if wrong.any():
                index = tuple(int(i) for i in np.argwhere(wrong)[0]) if g.ndim else ()
                outcome.output, outcome.index = k, index
                outcome.got, outcome.expected = float(g[index]), float(e[index])
                break
        return outcome


def _stop(thread: threading.Thread) -> None:
    """Ask a worker thread to stop: _Abandoned is raised in it at its next Python instruction."""
    ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(thread.ident), ctypes.py_object(_Abandoned))


def _same(g: np.ndarray, e: np.ndarray) -> np.ndarray:
    """Where two arrays hold the same value, counting inf = inf and NaN = NaN."""
    return (g == e) | (np.isnan(g) & np.isnan(e))


def caption_html(outcomes) -> str:
    """The outcomes' lines for an explorer's message area: red where something is wrong."""
    lines = []
    for outcome in outcomes:
        text = outcome.caption()
        colour = DIFFERENCE_COLOUR if outcome.wrong else "#555"
        lines.append(f"<span style='color:{colour}'>{_escape(text)}</span>")
    return "<br>".join(lines)


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
