"""The machinery every check shares: cases, the call, the judge, the messages.

``call_student`` runs in the student's process; ``judge`` reads plain data only, so the
grader can run it in a process that never executed student code (course/grading/worker.py).
"""

from __future__ import annotations

import contextlib
import io
import sys
import traceback
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..tripwire import ExerciseCalled, ReferenceCalled, armed
from . import forbidden as _forbidden
from .comparison import ByHand, CheckFailed, Foreign, _fmt, as_output, compare  # noqa: F401

__all__ = [
    "CheckFailed",
    "Case",
    "NetworkCase",
    "Check",
    "ByHand",
    "show_case",
    "count_python_lines",
    "CHECKS",
    "ALIASES",
    "REGISTERED_IN",
    "BEHAVIOUR",
    "PLAIN_NUMPY",
    "register",
    "resolve",
    "public_functions",
    "run_check",
    "compare",
    "Call",
    "Foreign",
    "call_student",
    "judge",
    "case_header",
    "assert_close",
    "quietly",
    "as_output",
    "FORWARD_RTOL",
    "GRADIENT_RTOL",
    "NUMERICAL_RTOL",
    "NUMERICAL_ATOL",
    "DEFAULT_SEED",
]

FORWARD_RTOL = 1e-7
GRADIENT_RTOL = 1e-6
# A central difference is itself an estimate: round-off of about eps/h and truncation of about
# h² f''' (large on long recurrences), so the cross-check against it is looser than the one
# against the reference kernel; a wrong gradient is off by far more than either.
NUMERICAL_RTOL = 1e-5
NUMERICAL_ATOL = 1e-8
DEFAULT_SEED = 20261123
# What a check compares with when it is not a reference kernel (Check.compares_with):
BEHAVIOUR = "behaviour"  # a verify function judges what the answer does (trains to 95%, samples evenly, ...)
PLAIN_NUMPY = "plain numpy"  # the expected values are computed by plain numpy in the check's own module


@dataclass(frozen=True)
class Case:
    """One input to a checked function: positional args and a short human label."""

    label: str
    args: tuple
    kwargs: dict = field(default_factory=dict)


@dataclass(frozen=True)
class NetworkCase(Case):
    """A case that also remembers the whole network it was drawn from, for numerical
    gradients on the grader's side; only ``args`` and ``kwargs`` reach the student."""

    network: dict = field(default_factory=dict, compare=False, repr=False)


@dataclass(frozen=True)
class Check:
    """What it takes to grade one function.

    name: the check's own name; registering it creates ``helpers.grading.check_<name>``.
        Say what is checked (``two_layer_forward``, not ``forward``).
    cases: rng -> list[Case]; edge cases first, then random ones.
    reference: computes the expected output(s) from a case's args.
    doc: one sentence on what the check runs and compares; the public function's docstring.
    function: what the notebook calls the student's function, as messages name it
        (defaults to ``name``).
    outputs: names of the outputs, as the exercise calls them (default: the function's name);
        several names mean the function returns a tuple.
    guarded: reference kernels (the objects, wrapped by ``helpers.tripwire.reference_kernel``)
        that the student's function must not call. Their plain functions, plain-numpy
        versions and private code, and the check's reference, are watched too
        (helpers/grading/forbidden.py).
    forbidden: functions that do the exercise itself, which the student's function must not
        call either: dotted names of library functions ("scipy.special.softmax"; watched once
        graded code imports their module, so nothing is imported for them) or helpers
        kernels given as objects. A call fails the case as "does the exercise itself".
    hint: what usually goes wrong.
    numerical: optional (case, expected) -> {output name: numerical gradient}; the
        named outputs are gradients and are also compared with these estimates.
    tolerances: output name -> rtol (defaults to FORWARD_RTOL).
    verify: optional (case, outputs, where) -> None, raising CheckFailed; replaces the
        comparison with ``reference`` for checks of behaviour (e.g. "trains to 90%").
        Like the comparison, it must only read the plain outputs.
    by_hand: for answers worked out by hand, :class:`ByHand` labels and hints: a failure
        names the item, never the expected value.
    diagnose: optional (case, expected, got) -> str, both tuples of outputs: recognises a
        classic mistake from the plain outputs and says what it is ("" when it does not);
        when it speaks, a failed comparison shows it instead of the guess from the numbers
        alone (a constant factor read as "a sum where a mean was wanted?").
    compares_with: what the expected values come from, as the syllabus shows it: the reference
        kernels the reference (or the verify function) calls to compute them, as objects; or
        :data:`BEHAVIOUR` for a verify function that judges behaviour; or :data:`PLAIN_NUMPY`.
        ``register`` requires it; tests/unit/test_registry.py checks it against the calls made.
    """

    name: str
    cases: Callable[[np.random.Generator], list[Case]]
    reference: Callable[..., Any] | None
    doc: str = ""
    function: str = ""
    outputs: tuple[str, ...] = ()
    guarded: tuple = ()
    hint: str = ""
    numerical: Callable[[Case, tuple], dict] | None = None
    tolerances: dict = field(default_factory=dict)
    verify: Callable[[Case, tuple, str], None] | None = None
    by_hand: ByHand | None = None
    forbidden: tuple = ()
    compares_with: tuple | str = ()
    diagnose: Callable[[Case, tuple, tuple], str] | None = None

    def __post_init__(self):
        if not self.name.isidentifier():
            raise ValueError(f"check name {self.name!r} is not a Python identifier")
        if not self.function:
            object.__setattr__(self, "function", self.name)
        if not self.outputs:  # one output, called what the exercise calls it
            object.__setattr__(self, "outputs", (self.function,))
        if (self.reference is None) == (self.verify is None):
            raise ValueError(f"check {self.name!r}: give exactly one of reference and verify")
        for guard in self.guarded:
            if not callable(guard) or not isinstance(getattr(guard, "reference_name", None), str):
                raise TypeError(
                    f"check {self.name!r}: guard {guard!r} is not a reference kernel; pass the "
                    f"kernel object itself (e.g. helpers.losses.softmax), never its name"
                )
        if isinstance(self.compares_with, str):
            if self.compares_with not in (BEHAVIOUR, PLAIN_NUMPY):
                raise ValueError(
                    f"check {self.name!r}: compares_with is a tuple of kernels, {BEHAVIOUR!r} or "
                    f"{PLAIN_NUMPY!r}, not {self.compares_with!r}"
                )
            if self.compares_with == BEHAVIOUR and self.verify is None:
                raise ValueError(f"check {self.name!r}: only a verify function judges {BEHAVIOUR}")
        elif not all(isinstance(getattr(k, "reference_name", None), str) for k in self.compares_with):
            raise TypeError(f"check {self.name!r}: compares_with names kernel objects (e.g. helpers.conv.conv2d)")
        for item in self.forbidden:
            dotted = isinstance(item, str) and all(part.isidentifier() for part in item.split("."))
            if not (dotted and "." in item) and (isinstance(item, str) or not callable(item)):
                raise TypeError(
                    f"check {self.name!r}: forbidden entry {item!r} is neither a dotted name "
                    f'("scipy.special.softmax") nor a function'
                )


CHECKS: dict[str, Check] = {}
ALIASES: dict[str, str] = {}  # old check name -> current name, for notebooks written before a rename
REGISTERED_IN: dict[str, str] = {}  # check name -> the module that registered it (the syllabus shows it)
_PUBLIC: dict[str, Callable] = {}


def register(check: Check, aliases: tuple[str, ...] = ()) -> Check:
    """Add a check to :data:`CHECKS` and create its public ``check_<name>(fn, seed=...)``.

    ``aliases`` are former names that keep working (``check_<alias>`` is the same function).
    """
    if not check.doc:
        raise ValueError(f"check {check.name!r} needs a doc: one sentence on what it checks")
    for name in (check.name, *aliases):
        if name in CHECKS or name in ALIASES:
            raise ValueError(f"a check named {name!r} is already registered")
    if not check.compares_with:
        raise ValueError(
            f"check {check.name!r} needs compares_with: the kernels its expected values come from, "
            f"{BEHAVIOUR!r} or {PLAIN_NUMPY!r}"
        )
    CHECKS[check.name] = check
    REGISTERED_IN[check.name] = sys._getframe(1).f_globals.get("__name__", "")
    public = _public_function(check)
    _PUBLIC[public.__name__] = public
    for alias in aliases:
        ALIASES[alias] = check.name
        _PUBLIC[f"check_{alias}"] = public
    return check


def resolve(name: str) -> Check | None:
    """The check registered as ``name`` or under the former name ``name``; None if neither."""
    return CHECKS.get(ALIASES.get(name, name))


def public_functions() -> dict[str, Callable]:
    """{"check_<name>": function} for every registered check and alias."""
    return dict(_PUBLIC)


def _public_function(check: Check) -> Callable:
    def run(fn, seed: int = DEFAULT_SEED) -> None:
        __tracebackhide__ = True
        run_check(check, fn, seed)

    run.__name__ = run.__qualname__ = f"check_{check.name}"
    run.__module__ = "helpers.grading"
    guards = [g.reference_name for g in check.guarded]
    library = [_forbidden.describe(f) if not isinstance(f, str) else f for f in check.forbidden]
    run.__doc__ = (
        f"{check.doc}\n\nRuns ``{check.function}`` on every case drawn with ``seed``; raises "
        f"CheckFailed on the first wrong one, with the case, the shapes and a hint; returns None."
        + (f"\nThe function must not call {_alternatives(guards)}." if guards else "")
        + (
            f"\nNor {_alternatives(library)}, which {'does' if len(library) == 1 else 'do'} the exercise itself."
            if library
            else ""
        )
    )
    return run


def _alternatives(names: list[str]) -> str:
    """ "a", "a or b", "a, b or c": names any one of which is meant."""
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} or {names[-1]}"


@contextlib.contextmanager
def quietly():
    """Silence everything a student's code might send to stderr (nbgrader scores a cell 0
    on any stderr output): warnings, numpy floating-point warnings, prints to stderr."""
    with contextlib.redirect_stderr(io.StringIO()), warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        yield


# --------------------------------------------------------------------------- running


def _copy_args(args):
    return tuple(
        np.array(a, dtype=np.float64 if np.asarray(a).dtype.kind == "f" else None, copy=True)
        if isinstance(a, np.ndarray)
        else a
        for a in args
    )


def _describe(args) -> str:
    parts = []
    for a in args:
        if isinstance(a, np.ndarray):
            parts.append(f"array{a.shape}" if a.dtype.kind == "f" else f"{a.dtype.name} array{a.shape}")
        else:
            parts.append(repr(a))
    return ", ".join(parts)


@dataclass
class Call:
    """What happened when a student's function ran on one case.

    got: the return value (a tuple when the check has several outputs); args_after: the
    positional arguments as they were after the call (to detect mutation); error: None,
    or a message saying why there is no value.
    """

    got: Any = None
    args_after: tuple = ()
    error: str | None = None


def call_student(check: Check, fn, case: Case) -> Call:
    """Run the student's ``fn`` on a float64 copy of one case; never raises.

    Runs wherever the student's code lives (their kernel, or a sandboxed process).
    A non-callable ``fn`` with no arguments stands for a value the student computed.
    The call runs with the check's guarded kernels armed and its watchlist watched
    (helpers/grading/forbidden.py): reaching the reference, or a function that does the
    exercise itself, fails the case, even when the function caught the exception.
    """
    args = _copy_args(case.args)
    watch = _forbidden.watchlist(check, CHECKS)
    trips, error = None, None
    with quietly():
        try:
            with armed(*check.guarded, watch=watch) as trips:
                if callable(fn):
                    got = _plain(fn(*args, **case.kwargs))
                elif not case.args and not case.kwargs:
                    got = _plain(fn)
                else:
                    error = f"{check.function}: expected a function, got {type(fn).__name__}."
        except NotImplementedError:
            error = f"{check.function} is not implemented yet (it raises NotImplementedError)."
        except ReferenceCalled as err:  # raised where this block's trips cannot see (a forked process)
            error = _calls_message(check, err)
        except Exception as err:  # the student's bug, reported as a failed case
            error = f"raised {type(err).__name__}: {err}{raised_where(err)}"
    if trips is not None and trips.first is not None:
        return Call(error=_calls_message(check, trips.first))
    if error:
        return Call(error=error)
    return Call(got=got, args_after=args)


def _in_a_cell(filename: str) -> bool:
    """Whether code was compiled from a notebook cell (IPython names them ipykernel_<pid>/<hash>.py)."""
    return "ipykernel_" in filename or filename.startswith(("<ipython-input", "<cell"))


def raised_where(err: BaseException) -> str:
    """ " (in softmax, line 3 of its cell: `shifted = zz - np.max(z)`)": the deepest line of notebook code
    the exception went through, so that a student sees which of their lines raised; "" if none did."""
    frames = [frame for frame in traceback.extract_tb(err.__traceback__) if _in_a_cell(frame.filename)]
    if not frames:
        return ""
    frame = frames[-1]
    code = (frame.line or "").strip()
    quoted = f": `{code[:120]}`" if code else ""
    return f" (in {frame.name}, line {frame.lineno} of its cell{quoted})"


def _calls_message(check: Check, trip: ReferenceCalled) -> str:
    if isinstance(trip, ExerciseCalled):
        return f"{check.function} calls {trip.args[0]}, which does the exercise itself; write it yourself."
    return (
        f"{check.function} calls {trip.args[0]}, the reference it is graded against. Write it yourself (numpy is fine)."
    )


# Types whose values run no code of the student's when the grader reads them.
_PLAIN_TYPES = frozenset(
    {type(None), bool, int, float, complex, str, bytes, dict, set, np.ndarray} | set(np.sctypeDict.values())
)


def _plain(value):
    """``value`` as the grader will read it, read now, while the call is still armed and watched.

    The grader turns results into arrays after the call (course/sandbox/kernel/wire.py, :func:`judge`): an
    object whose ``__array__`` (or sequence protocol) called the reference then would escape
    both guards. Tuples and lists are walked; anything else that is not plain data becomes
    its array now, or, if it is not numeric, a stand-in of the same type name that runs
    nothing, so that messages still say what was returned.
    """
    kind = type(value)
    if kind is tuple:
        return tuple(_plain(item) for item in value)
    if kind is list:
        return [_plain(item) for item in value]
    if kind in _PLAIN_TYPES:
        return value
    try:
        array = np.asarray(value)
    except Exception:  # what it raised is no result either
        array = None
    if array is not None and array.dtype.kind in "biufc":
        return array
    return type(kind.__name__, (), {})()


def case_header(check: Check, case: Case, number: int, total: int) -> str:
    return f"{check.function}, case {number} of {total} ({case.label}; inputs {_describe(case.args)})"


def _raised(call: Call) -> bool:
    """Whether the call's error is an exception the student's function raised (not a missing
    function, a call of the reference, or a time-out)."""
    return bool(call.error) and call.error.startswith("raised ")


def judge(check: Check, case: Case, number: int, total: int, call: Call) -> None:
    """Decide one case from plain data; raise CheckFailed with the reason.

    Never calls student code when ``call.got`` holds plain arrays, so it can run in a
    process that never executed the submission.
    """
    __tracebackhide__ = True
    where = case_header(check, case, number, total)
    if call.error:
        if _raised(call):  # the student's function raised on this case: said like a wrong value
            hint = "" if check.by_hand is not None or not check.hint else f"\nHint: {check.hint}"
            raise CheckFailed(f"{where}: {call.error}{hint}")
        raise CheckFailed(call.error if call.error.startswith(check.function) else f"{where}: {call.error}")
    for original, used in zip(case.args, call.args_after):
        if isinstance(original, np.ndarray) and not np.array_equal(original, np.asarray(used), equal_nan=True):
            raise CheckFailed(
                f"{where}: your function changed its input array in place. "
                f"Work on a copy (e.g. `z = z - z.max(...)` instead of `z -= ...`)."
            )
    got = call.got
    if len(check.outputs) > 1:
        if not isinstance(got, tuple) or len(got) != len(check.outputs):
            kind = got.type_name if isinstance(got, Foreign) else type(got).__name__
            raise CheckFailed(
                f"{where}: expected a tuple ({', '.join(check.outputs)}), got {kind}"
                + (f" of length {len(got)}" if isinstance(got, tuple) else "")
                + "."
            )
    else:
        got = (got,)
    if check.verify is not None:
        check.verify(case, got, where)
        return
    expected = check.reference(*_copy_args(case.args), **case.kwargs)
    expected = expected if len(check.outputs) > 1 else (expected,)
    diagnosis = _own_diagnosis(check, case, expected, got)
    for name, e, g in zip(check.outputs, expected, got):
        compare(
            e,
            g,
            name,
            where,
            check.tolerances.get(name, FORWARD_RTOL),
            check.hint,
            by_hand=check.by_hand,
            diagnosis=diagnosis,
        )
    if check.numerical is not None:
        for name, estimate in check.numerical(case, expected).items():
            g = got[check.outputs.index(name)]
            compare(
                estimate, g, name, where + " vs numerical gradient", NUMERICAL_RTOL, check.hint, atol=NUMERICAL_ATOL
            )


def _own_diagnosis(check: Check, case: Case, expected: tuple, got: tuple) -> str:
    """What the check's ``diagnose`` recognises in these outputs, or "" (also when it cannot read them:
    the comparison then says what is wrong with their type or shape)."""
    if check.diagnose is None:
        return ""
    try:
        with np.errstate(all="ignore"):
            return check.diagnose(case, expected, got) or ""
    except Exception:
        return ""


def run_check(check: Check, fn, seed: int = DEFAULT_SEED, verbose: bool = True) -> None:
    """Run ``fn`` on every case of ``check``; raise CheckFailed on the first failure.

    Returns None on success (and prints a one-line summary if verbose). Checks must not
    return a value: nbgrader reads a number left as a test cell's result as partial credit.
    """
    __tracebackhide__ = True
    cases = check.cases(np.random.default_rng(seed))
    for number, case in enumerate(cases, start=1):
        call = call_student(check, fn, case)
        try:
            judge(check, case, number, len(cases), call)
        except CheckFailed as err:
            if (call.error and not _raised(call)) or not case.args or check.by_hand is not None:
                raise
            again = f"{check.name!r}, {number}" + ("" if seed == DEFAULT_SEED else f", seed={seed}")
            raise CheckFailed(f"{err}\nTo see this case's inputs: helpers.grading.show_case({again})") from None
    if verbose:
        print(f"{check.function}: all {len(cases)} checks passed.")


def show_case(check_name: str, number: int, seed: int = DEFAULT_SEED) -> Case:
    """Print case ``number`` (1-based, as failure messages count) of a check, with its inputs and,
    when the check compares with a reference, the expected output; return the Case.

    For self-learners debugging a failure. Answers worked out by hand have no inputs to show.
    """
    check = resolve(check_name)
    if check is None:
        raise ValueError(f"no check named {check_name!r}; see helpers.grading.CHECKS")
    cases = check.cases(np.random.default_rng(seed))
    if not 1 <= number <= len(cases):
        raise ValueError(f"{check.name} has cases 1 to {len(cases)}, not {number}")
    case = cases[number - 1]
    print(case_header(check, case, number, len(cases)))
    with np.printoptions(precision=6, suppress=True, threshold=200, linewidth=100):
        for i, arg in enumerate(case.args, start=1):
            print(f"argument {i}:\n{arg!r}" if isinstance(arg, np.ndarray) else f"argument {i}: {arg!r}")
        for key, value in case.kwargs.items():
            print(f"{key} = {value!r}")
        if check.reference is not None and check.by_hand is None:
            expected = check.reference(*_copy_args(case.args), **case.kwargs)
            expected = expected if len(check.outputs) > 1 else (expected,)
            for name, value in zip(check.outputs, expected):
                print(f"expected {name}:\n{np.asarray(value)!r}")
    return case


def count_python_lines(fn, *args, **kwargs) -> int:
    """How many lines of Python outside installed libraries ran during ``fn(*args, **kwargs)``:
    the work a loop does in the interpreter, which vectorized numpy moves into compiled code.
    A visible test uses it to ask for a vectorized solution without timing anything."""
    libraries = tuple({sys.prefix, sys.base_prefix, sys.exec_prefix})
    count = 0

    def tracer(frame, event, arg):
        nonlocal count
        if frame.f_code.co_filename.startswith(libraries):
            return None
        if event == "line":
            count += 1
        return tracer

    previous = sys.gettrace()
    sys.settrace(tracer)
    try:
        fn(*args, **kwargs)
    finally:
        sys.settrace(previous)
    return count


def assert_close(got, expected, *, name="result", inputs=None, rtol=1e-7):
    """Visible-test helper: compare, and on failure show input, expected and got."""
    __tracebackhide__ = True
    try:
        compare(expected, got, name, name, rtol)
    except CheckFailed as err:
        with np.printoptions(precision=6, suppress=True):
            shown = "" if inputs is None else f"input:\n{np.asarray(inputs)}\n"
            raise CheckFailed(f"{shown}expected:\n{np.asarray(expected)}\ngot:\n{got!r}\n{err}") from None
    print(f"{name}: OK")
