"""Comparing what a student's function returned with what was expected, and saying what is wrong.

Plain data in, a :class:`CheckFailed` with a message a student can act on out: which output, the
first wrong index, expected and got, and what the numbers suggest (a wrong sign, a constant
factor such as N, a transpose); for answers worked out by hand (:class:`ByHand`), the item and
how to think about it, never the expected value. Nothing here runs student code, so the grader
uses it in its own process (course/grading/verdict.py).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


class CheckFailed(AssertionError):
    """A student's function disagreed with the reference; the message says where and why."""


class Foreign:
    """Stands for a returned object that is not numeric data (a str, None, a custom class)."""

    def __init__(self, type_name: str):
        self.type_name = type_name


def _fmt(v) -> str:
    return f"{float(v):.10g}"


def as_output(value, name: str, where: str) -> np.ndarray:
    """Turn what the student returned into a float64 array, or fail saying what it was."""
    __tracebackhide__ = True
    if isinstance(value, Foreign):
        raise CheckFailed(f"{where}: `{name}` is a {value.type_name}; expected a numpy array or a number.")
    if isinstance(value, (bool, np.bool_)):
        raise CheckFailed(f"{where}: `{name}` is a bool ({value!r}); expected a number or an array.")
    if not isinstance(value, (np.ndarray, np.number, int, float, list, tuple)):
        raise CheckFailed(
            f"{where}: `{name}` is a {type(value).__name__}; expected a numpy array "
            f"or a number. Did you forget a `return`?"
        )
    try:
        out = np.asarray(value)
    except ValueError:  # ragged lists
        raise CheckFailed(f"{where}: `{name}` could not be read as an array of numbers.") from None
    if out.dtype.kind not in "biuf":
        raise CheckFailed(f"{where}: `{name}` has dtype {out.dtype}; expected floating-point numbers.")
    return out.astype(np.float64)


@dataclass(frozen=True)
class ByHand:
    """Answers worked out by hand (a drill, a graph, a prediction). A check on them must not hand
    out the answers one try at a time: a failure names the item and how to think about it, never
    the expected value. ``labels`` and ``hints`` have one entry per answer (in the order of the
    flattened outputs); without labels the position in the output is named."""

    labels: tuple[str, ...] = ()
    hints: tuple[str, ...] = ()


def _diagnosis(expected: np.ndarray, got: np.ndarray) -> str:
    """What the numbers say about a wrong result of the right shape, or ''."""
    with np.errstate(all="ignore"):
        if not (np.all(np.isfinite(expected)) and np.all(np.isfinite(got))) or not np.any(expected):
            return ""
        if np.allclose(got, -expected, rtol=1e-6, atol=1e-12):
            return "Your result is the expected one with the opposite sign: check a minus sign (y − t, not t − y?)."
        mask = np.abs(expected) > 1e-12 * np.abs(expected).max()
        ratio = got[mask] / expected[mask]
        r = float(np.median(ratio)) if ratio.size else 0.0
        if r and ratio.size > 1 and np.allclose(ratio, r, rtol=1e-6) and np.allclose(got[~mask], 0, atol=1e-12):
            for factor, says in ((r, "a sum where a mean was wanted?"), (1 / r, "a mean where a sum was wanted?")):
                if factor > 1.5 and abs(factor - round(factor)) < 1e-6:
                    return f"Your result is exactly {r:.6g} × the expected one: {says}"
        if (
            expected.ndim == 2
            and expected.shape[0] == expected.shape[1] > 1
            and np.allclose(got, expected.T, rtol=1e-6, atol=1e-12)
        ):
            return "Your result is the transpose of the expected one: check the order of a product or a .T."
    return ""


def compare(
    expected,
    got,
    name: str,
    where: str,
    rtol: float,
    hint: str = "",
    atol: float = 1e-12,
    by_hand: ByHand | None = None,
    diagnosis: str = "",
) -> None:
    """Raise CheckFailed unless ``got`` matches ``expected`` element by element.

    Passes where |got − expected| ≤ rtol · (|got| + |expected|) + atol. The message says where
    the first difference is, expected and got, and what the numbers suggest (a wrong sign, a
    constant factor, a transpose); for answers worked out by hand (``by_hand``) it names the
    item and how to think about it instead, never the expected value. A ``diagnosis`` from the
    check itself (it recognised the mistake) takes the place of that guess from the numbers.
    """
    __tracebackhide__ = True
    expected = np.asarray(expected, dtype=np.float64)
    got = as_output(got, name, where)
    if got.shape != expected.shape:
        transposed = (
            got.ndim == 2
            and got.shape == expected.shape[::-1]
            and by_hand is None
            and np.allclose(got.T, expected, rtol=max(rtol, 1e-9), atol=atol)
        )
        raise CheckFailed(
            f"{where}: `{name}` has shape {got.shape}, expected {expected.shape}."
            + (" It is the transpose of the expected result." if transposed else "")
            + (f"\nHint: {hint}" if hint else "")
        )
    with np.errstate(all="ignore"):
        bad = ~(np.abs(got - expected) <= rtol * (np.abs(got) + np.abs(expected)) + atol)
        bad &= ~(np.isnan(expected) & np.isnan(got))
        bad |= np.isfinite(expected) != np.isfinite(got)
    if not bad.any():
        return
    idx = tuple(int(i) for i in np.argwhere(bad)[0]) if expected.ndim else ()
    e, g = expected[idx], got[idx]
    if by_hand is not None:
        flat = int(np.ravel_multi_index(idx, expected.shape)) if idx else 0
        label = (
            by_hand.labels[flat]
            if flat < len(by_hand.labels)
            else (f"`{name}` at row {idx[0]}, column {idx[1]}" if len(idx) == 2 else f"`{name}` at index {idx}")
        )
        how = by_hand.hints[flat] if flat < len(by_hand.hints) else hint
        wrong = int(bad.sum())
        raise CheckFailed(
            f"{where}: {wrong} of {bad.size} answers {'is' if wrong == 1 else 'are'} not right yet; "
            f"the first is {label} (you have {_fmt(g)})." + (f"\nHint: {how}" if how else "")
        )
    at = f" at index {idx}" if idx else ""
    msg = (
        f"{where}: `{name}` is wrong{at} ({int(bad.sum())} of {bad.size} values differ): "
        f"expected {_fmt(e)}, got {_fmt(g)}."
    )
    if not np.isfinite(g) and np.isfinite(e):
        msg += " Your result overflowed or divided by zero here."
    elif diagnosis:
        msg += f" {diagnosis}"
    elif expected.ndim:
        guess = _diagnosis(expected, got)
        msg += f" {guess}" if guess else ""
    raise CheckFailed(msg + (f"\nHint: {hint}" if hint else ""))
