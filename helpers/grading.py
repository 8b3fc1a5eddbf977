"""Public checks that the hidden tests call, and that self-learners can run themselves.

A check is data: a case generator, a reference, the outputs to compare and a hint
(:class:`Check`). :func:`run_check` runs a student's function on every case, on
float64 copies, with the reference kernel armed as a tripwire, stderr captured and
warnings silenced, and raises :class:`CheckFailed` with a message a student can act
on: which case, the shapes, the first wrong index, expected vs got, and a hint.

Usage in a notebook test cell::

    helpers.grading.check_softmax(softmax)

The same :data:`CHECKS` registry can be driven from outside the student's kernel
(see DESIGN.md section 6): it needs only ``cases``, ``reference`` and ``compare``.
"""
from __future__ import annotations

import contextlib
import io
import warnings
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

from . import activations, losses
from .tripwire import ReferenceCalled, armed

__all__ = ["CheckFailed", "Case", "Check", "CHECKS", "run_check", "assert_close",
           "check_sigmoid", "check_sigmoid_grad", "check_relu", "check_relu_grad",
           "check_tanh_grad", "check_softmax", "check_cross_entropy",
           "check_softmax_cross_entropy", "check_softmax_regression"]

FORWARD_RTOL = 1e-7
GRADIENT_RTOL = 1e-6
NUMERICAL_ATOL = 1e-8
DEFAULT_SEED = 20261123


class CheckFailed(AssertionError):
    """A student's function disagreed with the reference; the message says where and why."""


@dataclass(frozen=True)
class Case:
    """One input to a checked function: positional args and a short human label."""
    label: str
    args: tuple
    kwargs: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Check:
    """What it takes to grade one function.

    name: the function's name in the notebook.
    cases: rng -> list[Case]; edge cases first, then random ones.
    reference: computes the expected output(s) from a case's args.
    outputs: names of the outputs; several names mean the function returns a tuple.
    guarded: reference kernels the student's function must not call.
    hint: what usually goes wrong.
    numerical: optional (case, expected) -> {output name: numerical gradient}; the
        named outputs are gradients and are also compared with these estimates.
    tolerances: output name -> rtol (defaults to FORWARD_RTOL).
    """
    name: str
    cases: Callable[[np.random.Generator], list[Case]]
    reference: Callable[..., Any]
    outputs: tuple[str, ...] = ("out",)
    guarded: tuple = ()
    hint: str = ""
    numerical: Callable[[Case, tuple], dict] | None = None
    tolerances: dict = field(default_factory=dict)


CHECKS: dict[str, Check] = {}


def _register(check: Check) -> Check:
    CHECKS[check.name] = check
    return check


# --------------------------------------------------------------------------- running

def _copy_args(args):
    return tuple(np.array(a, dtype=np.float64 if np.asarray(a).dtype.kind == "f" else None, copy=True)
                 if isinstance(a, np.ndarray) else a for a in args)


def _describe(args) -> str:
    parts = []
    for a in args:
        if isinstance(a, np.ndarray):
            parts.append(f"array{a.shape}" if a.dtype.kind == "f" else f"{a.dtype.name} array{a.shape}")
        else:
            parts.append(repr(a))
    return ", ".join(parts)


def _fmt(v) -> str:
    return f"{float(v):.10g}"


def _as_output(value, name: str, where: str) -> np.ndarray:
    """Turn what the student returned into a float64 array, or fail saying what it was."""
    __tracebackhide__ = True
    if isinstance(value, (bool, np.bool_)):
        raise CheckFailed(f"{where}: `{name}` is a bool ({value!r}); expected a number or an array.")
    if not isinstance(value, (np.ndarray, np.number, int, float, list, tuple)):
        raise CheckFailed(f"{where}: `{name}` is a {type(value).__name__}; expected a numpy array "
                          f"or a number. Did you forget a `return`?")
    try:
        out = np.asarray(value)
    except ValueError:  # ragged lists
        raise CheckFailed(f"{where}: `{name}` could not be read as an array of numbers.") from None
    if out.dtype.kind not in "biuf":
        raise CheckFailed(f"{where}: `{name}` has dtype {out.dtype}; expected floating-point numbers.")
    return out.astype(np.float64)


def compare(expected, got, name: str, where: str, rtol: float, hint: str = "",
            atol: float = 1e-12) -> None:
    """Raise CheckFailed unless ``got`` matches ``expected`` element by element.

    Passes where |got − expected| ≤ rtol · (|got| + |expected|) + atol.
    """
    __tracebackhide__ = True
    expected = np.asarray(expected, dtype=np.float64)
    got = _as_output(got, name, where)
    if got.shape != expected.shape:
        raise CheckFailed(f"{where}: `{name}` has shape {got.shape}, expected {expected.shape}."
                          + (f"\nHint: {hint}" if hint else ""))
    with np.errstate(all="ignore"):
        bad = ~(np.abs(got - expected) <= rtol * (np.abs(got) + np.abs(expected)) + atol)
        bad &= ~(np.isnan(expected) & np.isnan(got))
        bad |= np.isfinite(expected) != np.isfinite(got)
    if bad.any():
        idx = tuple(int(i) for i in np.argwhere(bad)[0]) if expected.ndim else ()
        e, g = expected[idx], got[idx]
        at = f" at index {idx}" if idx else ""
        msg = (f"{where}: `{name}` is wrong{at} ({int(bad.sum())} of {bad.size} values differ): "
               f"expected {_fmt(e)}, got {_fmt(g)}.")
        if not np.isfinite(g) and np.isfinite(e):
            msg += " Your result overflowed or divided by zero here."
        raise CheckFailed(msg + (f"\nHint: {hint}" if hint else ""))


def run_check(check: Check, fn, seed: int = DEFAULT_SEED, verbose: bool = True) -> None:
    """Run ``fn`` on every case of ``check``; raise CheckFailed on the first failure.

    Returns None on success (and prints a one-line summary if verbose). Checks must not
    return a value: nbgrader reads a number left as a test cell's result as partial credit.
    """
    __tracebackhide__ = True
    if not callable(fn):
        raise CheckFailed(f"{check.name}: expected a function, got {type(fn).__name__}.")
    cases = check.cases(np.random.default_rng(seed))
    for number, case in enumerate(cases, start=1):
        where = f"{check.name}, case {number} of {len(cases)} ({case.label}; inputs {_describe(case.args)})"
        args = _copy_args(case.args)
        expected = check.reference(*_copy_args(case.args), **case.kwargs)
        expected = expected if len(check.outputs) > 1 else (expected,)
        failure = None
        with contextlib.redirect_stderr(io.StringIO()), warnings.catch_warnings(), \
                np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            try:
                with armed(*check.guarded):
                    got = fn(*args, **case.kwargs)
            except NotImplementedError:
                failure = f"{check.name} is not implemented yet (it raises NotImplementedError)."
            except ReferenceCalled as err:
                failure = (f"{check.name} calls {err.args[0]}, the reference it is graded against. "
                           f"Write it yourself (numpy is fine).")
            except Exception as err:  # the student's bug, reported as a failed case
                failure = f"{where}: raised {type(err).__name__}: {err}"
        if failure:
            raise CheckFailed(failure)
        for original, used in zip(case.args, args):
            if isinstance(original, np.ndarray) and not np.array_equal(original, used, equal_nan=True):
                raise CheckFailed(f"{where}: your function changed its input array in place. "
                                  f"Work on a copy (e.g. `z = z - z.max(...)` instead of `z -= ...`).")
        if len(check.outputs) > 1:
            if not isinstance(got, tuple) or len(got) != len(check.outputs):
                raise CheckFailed(f"{where}: expected a tuple ({', '.join(check.outputs)}), "
                                  f"got {type(got).__name__}"
                                  + (f" of length {len(got)}" if isinstance(got, tuple) else "") + ".")
        else:
            got = (got,)
        for name, e, g in zip(check.outputs, expected, got):
            compare(e, g, name, where, check.tolerances.get(name, FORWARD_RTOL), check.hint)
        if check.numerical is not None:
            for name, estimate in check.numerical(case, expected).items():
                g = got[check.outputs.index(name)]
                # A central difference carries round-off of about eps/h, so allow that much absolutely.
                compare(estimate, g, name, where + " vs numerical gradient", GRADIENT_RTOL, check.hint,
                        atol=NUMERICAL_ATOL)
    if verbose:
        print(f"{check.name}: all {len(cases)} checks passed.")


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


# --------------------------------------------------------------------------- cases

def _elementwise_cases(rng, extremes=(50.0, 1000.0)) -> list[Case]:
    cases = [
        Case("small vector with a zero", (np.array([-2.0, -0.5, 0.0, 0.5, 2.0]),)),
        Case("one element", (np.array([0.3]),)),
        Case("large magnitudes", (np.array([-extremes[1], -extremes[0], extremes[0], extremes[1]]),)),
        Case("matrix (3, 4)", (rng.normal(size=(3, 4)) * 3,)),
        Case("odd 3-D shape (2, 3, 5)", (rng.normal(size=(2, 3, 5)) * 2,)),
    ]
    grid = rng.normal(size=(7, 2))
    grid[0, 0] = 0.0
    cases.append(Case("(7, 2) including an exact zero", (grid,)))
    return cases


def _elementwise_numerical(f):
    def estimate(case, expected, h=1e-6):
        z = case.args[0]
        return {"grad": (f(z + h) - f(z - h)) / (2 * h)}
    return estimate


def _smooth_cases(rng):
    # Derivatives are compared with finite differences, so keep away from overflow extremes.
    return [c for c in _elementwise_cases(rng, extremes=(8.0, 20.0))]


def _logit_cases(rng) -> list[Case]:
    return [
        Case("one row, two classes", (np.array([[0.5, -0.5]]),)),
        Case("batch of 4, 3 classes", (rng.normal(size=(4, 3)),)),
        Case("large logits around 1000", (1000.0 + rng.normal(size=(3, 5)),)),
        Case("very negative logits around -1000", (-1000.0 + rng.normal(size=(2, 4)),)),
        Case("mixed extremes", (np.array([[1000.0, 0.0, -1000.0], [-5.0, 5.0, 0.0]]),)),
        Case("equal logits", (np.zeros((2, 6)),)),
        Case("batch of 9, 10 classes", (rng.normal(size=(9, 10)) * 4,)),
    ]


def _probability_cases(rng) -> list[Case]:
    def probs(n, k, scale=2.0):
        return losses.softmax.unguarded(rng.normal(size=(n, k)) * scale)
    cases = []
    for label, n, k in [("N=1, K=2", 1, 2), ("N=5, K=3", 5, 3), ("N=8, K=10", 8, 10)]:
        p = probs(n, k)
        y = rng.integers(0, k, size=n)
        cases.append(Case(f"{label}, integer labels", (p, y)))
        cases.append(Case(f"{label}, one-hot labels", (p, np.eye(k)[y])))
    confident = np.array([[1 - 2e-9, 1e-9, 1e-9], [0.2, 0.3, 0.5]])
    cases.append(Case("a near-certain right answer", (confident, np.array([0, 2]))))
    return cases


def _labelled_logit_cases(rng) -> list[Case]:
    cases = []
    for case in _logit_cases(rng):
        z = case.args[0]
        n, k = z.shape
        y = rng.integers(0, k, size=n)
        cases.append(Case(case.label + ", integer labels", (z, y)))
        cases.append(Case(case.label + ", one-hot labels", (z, np.eye(k)[y])))
    return cases


def _loss_gradient_estimate(case, expected, h=1e-5):
    z, y = case.args
    if np.abs(z).max() > 100:  # finite differences lose every digit next to 1000
        return {}
    from .gradcheck import numerical_gradient
    zz = np.array(z, dtype=np.float64, copy=True)
    return {"dz": numerical_gradient(lambda v: losses.softmax_cross_entropy.unguarded(v, y)[0], zz, h=h)}


# --------------------------------------------------------------------------- week 1

_register(Check("sigmoid", _elementwise_cases, activations.sigmoid.unguarded,
                guarded=(activations.sigmoid,),
                hint="σ(z) = 1 / (1 + exp(−z)); np.exp works element-wise on arrays."))
_register(Check("sigmoid_grad", _smooth_cases, activations.sigmoid_grad.unguarded, outputs=("grad",),
                guarded=(activations.sigmoid_grad,), numerical=_elementwise_numerical(activations.sigmoid.unguarded),
                tolerances={"grad": GRADIENT_RTOL},
                hint="σ'(z) = σ(z) (1 − σ(z)); it takes z, not σ(z)."))
_register(Check("relu", _elementwise_cases, activations.relu.unguarded, guarded=(activations.relu,),
                hint="relu(z) = max(0, z) element-wise: np.maximum, not max."))
_register(Check("relu_grad", _elementwise_cases, activations.relu_grad.unguarded, outputs=("grad",),
                guarded=(activations.relu_grad,),
                hint="1 where z > 0 and 0 elsewhere; at exactly z = 0 this course uses 0."))
_register(Check("tanh_grad", _smooth_cases, activations.tanh_grad.unguarded, outputs=("grad",),
                guarded=(activations.tanh_grad,), numerical=_elementwise_numerical(np.tanh),
                tolerances={"grad": GRADIENT_RTOL},
                hint="d tanh(z)/dz = 1 − tanh(z)²: check the sign."))
_register(Check("softmax", _logit_cases, losses.softmax.unguarded, guarded=(losses.softmax,),
                hint="subtract each row's maximum before np.exp (keepdims=True keeps the shapes "
                     "broadcastable) and normalise over the last axis."))
_register(Check("cross_entropy", _probability_cases, losses.cross_entropy.unguarded,
                outputs=("loss",), guarded=(losses.cross_entropy,),
                hint="the mean over the batch of −log(probability of the true class); accept both "
                     "integer labels (y.ndim == 1) and one-hot rows."))
_register(Check("softmax_cross_entropy", _labelled_logit_cases,
                losses.softmax_cross_entropy.unguarded, outputs=("loss", "dz"),
                guarded=(losses.softmax_cross_entropy, losses.softmax, losses.log_softmax,
                         losses.cross_entropy),
                numerical=_loss_gradient_estimate, tolerances={"dz": GRADIENT_RTOL},
                hint="use log-softmax, z − max − log Σ exp(z − max), so that large logits stay finite; "
                     "dz = (softmax(z) − one_hot(y)) / N."))


def check_sigmoid(fn, seed=DEFAULT_SEED):
    """Check ``sigmoid(z)`` against the reference on arrays of several shapes."""
    __tracebackhide__ = True
    run_check(CHECKS["sigmoid"], fn, seed)


def check_sigmoid_grad(fn, seed=DEFAULT_SEED):
    """Check ``sigmoid_grad(z)`` against the reference and finite differences."""
    __tracebackhide__ = True
    run_check(CHECKS["sigmoid_grad"], fn, seed)


def check_relu(fn, seed=DEFAULT_SEED):
    """Check ``relu(z)``."""
    __tracebackhide__ = True
    run_check(CHECKS["relu"], fn, seed)


def check_relu_grad(fn, seed=DEFAULT_SEED):
    """Check ``relu_grad(z)`` (0 at z = 0)."""
    __tracebackhide__ = True
    run_check(CHECKS["relu_grad"], fn, seed)


def check_tanh_grad(fn, seed=DEFAULT_SEED):
    """Check ``tanh_grad(z)`` against the reference and finite differences."""
    __tracebackhide__ = True
    run_check(CHECKS["tanh_grad"], fn, seed)


def check_softmax(fn, seed=DEFAULT_SEED):
    """Check ``softmax(z)`` on (N, K) logits, including logits near ±1000."""
    __tracebackhide__ = True
    run_check(CHECKS["softmax"], fn, seed)


def check_cross_entropy(fn, seed=DEFAULT_SEED):
    """Check ``cross_entropy(y_hat, y)`` with integer and one-hot labels."""
    __tracebackhide__ = True
    run_check(CHECKS["cross_entropy"], fn, seed)


def check_softmax_cross_entropy(fn, seed=DEFAULT_SEED):
    """Check ``softmax_cross_entropy(z, y) -> (loss, dz)``: reference, stability and finite differences."""
    __tracebackhide__ = True
    run_check(CHECKS["softmax_cross_entropy"], fn, seed)


def check_softmax_regression(train, min_accuracy=0.90, seed=0, **train_kwargs):
    """Train with the student's ``train(X, y, n_classes, **kwargs) -> (W, b, losses)`` on digits.

    Passes when W is (64, 10), b is (10,), the loss went down, and argmax(X_test W + b)
    is right on at least ``min_accuracy`` of the held-out digits.
    """
    __tracebackhide__ = True
    from .data import load_digits_split

    X_train, y_train, X_test, y_test = load_digits_split(seed=seed)
    X_copy, y_copy = X_train.copy(), y_train.copy()
    failure = None
    with contextlib.redirect_stderr(io.StringIO()), warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        try:
            result = train(X_copy, y_copy, 10, **train_kwargs)
        except NotImplementedError:
            failure = "train_softmax_regression is not implemented yet (it raises NotImplementedError)."
        except Exception as err:
            failure = f"train_softmax_regression raised {type(err).__name__}: {err}"
    if failure:
        raise CheckFailed(failure)
    if not isinstance(result, tuple) or len(result) != 3:
        raise CheckFailed("train_softmax_regression must return a tuple (W, b, losses).")
    W = _as_output(result[0], "W", "train_softmax_regression")
    b = _as_output(result[1], "b", "train_softmax_regression")
    curve = _as_output(result[2], "losses", "train_softmax_regression").ravel()
    if W.shape != (64, 10) or b.shape != (10,):
        raise CheckFailed(f"train_softmax_regression: W has shape {W.shape} and b {b.shape}; "
                          f"expected (64, 10) and (10,).")
    if not (np.array_equal(X_copy, X_train) and np.array_equal(y_copy, y_train)):
        raise CheckFailed("train_softmax_regression changed the training data in place.")
    if curve.size < 2 or not np.all(np.isfinite(curve)) or not curve[-1] < curve[0]:
        raise CheckFailed("train_softmax_regression: the recorded losses must be finite and end lower "
                          "than they started (record one loss per epoch or per step).")
    accuracy = float(np.mean(np.argmax(X_test @ W + b, axis=1) == y_test))
    if accuracy < min_accuracy:
        raise CheckFailed(f"train_softmax_regression: test accuracy {accuracy:.1%} is below "
                          f"{min_accuracy:.0%}. Check the gradient step W -= lr * dW and the "
                          f"mini-batch shuffling.")
    print(f"train_softmax_regression: test accuracy {accuracy:.1%} (needed {min_accuracy:.0%}).")
