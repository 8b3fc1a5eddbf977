"""Week 6's decisions after the diagnosis: the knobs that act on one flagged problem alone (orthogonalization), a
weighted error when the plain one stops ranking models the way it should, and the training-set size from which
end-to-end learning beats a pipeline. Each against ``helpers.strategy``; a wrong answer is compared with what the
typical mistakes give on the same case, and the one that matches is named."""

from __future__ import annotations

import numpy as np

from ... import strategy
from ..core import Case, Check, register
from ..mistakes import verify_with_mistakes

# --------------------------------------------------------------------------- orthogonalization

# Columns: avoidable bias, variance, data mismatch, overfitting to dev. Rows: the notebook's seven knobs.
KNOBS = np.array(
    [
        [-4.0, 0.5, 0.0, 0.0],  # a bigger network
        [0.0, -3.0, 0.0, 0.0],  # more training data
        [2.0, -3.0, 0.0, 0.0],  # stronger L2 regularization
        [-2.5, 2.5, 0.0, 0.0],  # training longer (later early stopping)
        [-3.0, -1.5, 0.0, 0.0],  # a better architecture
        [0.0, 0.0, -5.0, 0.0],  # synthesized deployment-like data
        [0.0, 0.0, 0.0, -2.0],  # a bigger dev set
    ]
)


def _orthogonal_cases(rng):
    cases = [
        Case("bias and variance flagged, the seven knobs", (np.array([1, 1, 0, 0]), KNOBS, 1.0)),
        Case("data mismatch flagged, the seven knobs", (np.array([0, 0, 1, 0]), KNOBS, 1.0)),
        Case("nothing flagged: no knob", (np.zeros(4, dtype=int), KNOBS, 1.0)),
        Case(
            "a change of exactly tol counts as a move",
            (
                np.array([0, 1, 0, 0]),
                np.array([[0.0, -2.0, 0.0, 0.0], [1.0, -2.0, 0.0, 0.0], [1.5, -3.0, 0.0, 0.0]]),
                1.0,
            ),
        ),
        Case(
            "a knob that widens the flagged gap, and one that shrinks two flagged gaps",
            (
                np.array([1, 1, 0, 0]),
                np.array([[3.0, 0.0, 0.0, 0.0], [-2.0, -2.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0]]),
                1.0,
            ),
        ),
        Case(
            "a knob whose side effect widens another gap",
            (np.array([0, 0, 1, 0]), np.array([[0.0, 4.0, -6.0, 0.0], [0.0, 0.2, -6.0, 0.0]]), 0.5),
        ),
    ]
    for i in range(6):
        a = int(rng.integers(1, 9))
        deltas = np.round(rng.normal(0.0, 2.0, size=(a, 4)) * (rng.random((a, 4)) < 0.5), 1)
        flags = (rng.random(4) < 0.5).astype(int)
        tol = float(rng.choice([0.5, 1.0, 2.0]))
        cases.append(Case(f"random {i + 1}: {a} knobs, tol {tol}", (flags, deltas, tol)))
    return cases


def _orthogonal_mistake(how):
    def give(case):
        flags, deltas, tol = case.args
        flags = np.asarray(flags).astype(bool)
        moved = np.abs(deltas) > tol if how == "strict" else np.abs(deltas) >= tol
        shrinks = moved & (deltas < 0) & flags[None, :]
        if how == "side effects":
            return (shrinks.any(axis=1).astype(int),)
        if how == "decreases only":
            down = (deltas <= -tol).sum(axis=1) == 1
            return ((shrinks.any(axis=1) & down).astype(int),)
        if how == "sign":
            return (((moved & flags[None, :]).any(axis=1) & (moved.sum(axis=1) == 1)).astype(int),)
        return ((shrinks.any(axis=1) & (moved.sum(axis=1) == 1)).astype(int),)

    return give


ORTHOGONAL_HINT = (
    "moved = np.abs(deltas) >= tol; a knob is chosen when moved[a].sum() == 1 and the gap it moves is flagged "
    "and shrinks (deltas[a, p] < 0): one knob, one problem."
)

register(
    Check(
        "orthogonal_actions",
        _orthogonal_cases,
        reference=None,
        verify=verify_with_mistakes(
            ("chosen",),
            lambda case: (strategy.orthogonal_actions.unguarded(*case.args),),
            ORTHOGONAL_HINT,
            mistakes=(
                (
                    "a knob is chosen because it shrinks a flagged gap, whatever else it moves: a knob that also "
                    "moves another gap by tol or more (in either direction) is not orthogonal.",
                    _orthogonal_mistake("side effects"),
                ),
                (
                    "only the gaps a knob shrinks are counted as moved: a gap it WIDENS by tol or more is a side "
                    "effect too (stronger L2 cuts variance but adds bias).",
                    _orthogonal_mistake("decreases only"),
                ),
                (
                    "a change of exactly tol is not counted: a gap moves when |Δ| ≥ tol.",
                    _orthogonal_mistake("strict"),
                ),
                (
                    "a knob that widens the flagged gap is chosen: it must shrink it (Δ < 0).",
                    _orthogonal_mistake("sign"),
                ),
            ),
        ),
        outputs=("chosen",),
        guarded=(strategy.orthogonal_actions, strategy.diagnose),
        hint=ORTHOGONAL_HINT,
        compares_with=(strategy.orthogonal_actions,),
        doc="Check ``orthogonal_actions(flags, deltas, tol) -> chosen (A,)`` against helpers.strategy: the seven "
        "knobs of the notebook, moves of exactly tol, side effects, then random tables.",
    )
)


# --------------------------------------------------------------------------- a weighted error


def _weighted_cases(rng):
    cases = [
        Case("one example, wrong", (np.array([3]), np.array([1]), np.array([2.0]))),
        Case("every weight 1: the plain error", (np.array([0, 1, 2, 3]), np.array([0, 1, 0, 0]), np.ones(4))),
        Case(
            "a heavy mistake among light ones",
            (np.array([0, 0, 1, 1, 1]), np.array([0, 1, 1, 0, 1]), np.array([1.0, 10.0, 1.0, 1.0, 1.0])),
        ),
        Case("a zero weight hides a mistake", (np.array([1, 2, 3]), np.array([1, 0, 0]), np.array([1.0, 0.0, 3.0]))),
        Case("no mistakes", (np.array([4, 5]), np.array([4, 5]), np.array([0.5, 2.0]))),
    ]
    for i, n in enumerate((20, 200)):
        y = rng.integers(0, 4, size=n)
        y_pred = np.where(rng.random(n) < 0.3, rng.integers(0, 4, size=n), y)
        class_weight = np.round(rng.uniform(0.5, 10.0, size=4), 1)
        cases.append(Case(f"random {i + 1}: N = {n}, class weights {class_weight}", (y, y_pred, class_weight[y])))
    return cases


def _weighted_mistake(how):
    def give(case):
        y, y_pred, w = case.args
        wrong = (y != y_pred).astype(float)
        if how == "over N":
            return (100.0 * np.sum(w * wrong) / len(y),)
        if how == "fraction":
            return (np.sum(w * wrong) / w.sum(),)
        if how == "plain":
            return (100.0 * wrong.mean(),)
        return (100.0 * np.sum(w * (1.0 - wrong)) / w.sum(),)

    return give


WEIGHTED_HINT = "100 * np.sum(weights * (y != y_pred)) / np.sum(weights): divide by the total weight, not by N."

register(
    Check(
        "weighted_error",
        _weighted_cases,
        reference=None,
        verify=verify_with_mistakes(
            ("error",),
            lambda case: (strategy.weighted_error.unguarded(*case.args),),
            WEIGHTED_HINT,
            mistakes=(
                (
                    "the weighted mistakes are divided by N: divide by the sum of the weights, so that the error "
                    "stays between 0 and 100 and equals the plain error when every weight is 1.",
                    _weighted_mistake("over N"),
                ),
                ("a fraction between 0 and 1: this week's error rates are percentages.", _weighted_mistake("fraction")),
                ("the weights are not used: this is the plain error rate.", _weighted_mistake("plain")),
                (
                    "the weights multiply the CORRECT predictions: that is the weighted accuracy; the error "
                    "counts the mistakes, y != y_pred.",
                    _weighted_mistake("accuracy"),
                ),
            ),
        ),
        outputs=("error",),
        guarded=(strategy.weighted_error,),
        hint=WEIGHTED_HINT,
        compares_with=(strategy.weighted_error,),
        doc="Check ``weighted_error(y, y_pred, weights) -> percent`` against helpers.strategy: one example, "
        "weights of 1, a heavy mistake, a zero weight, then class weights.",
    )
)


# --------------------------------------------------------------------------- end-to-end or a pipeline


def _pays_cases(rng):
    sizes = np.array([100, 300, 1000, 3000, 10000, 30000])
    cases = [
        Case(
            "the notebook's curves",
            (sizes, strategy.learning_curve(sizes, 6.0, 40.0), strategy.learning_curve(sizes, 2.0, 300.0)),
        ),
        Case("never ahead", (sizes, np.full(6, 5.0), np.full(6, 7.0))),
        Case("ahead from the smallest size", (sizes, np.full(6, 9.0), np.linspace(8.0, 3.0, 6))),
        Case(
            "ahead in the middle, behind again at the end",
            (sizes, np.array([8.0, 7.0, 6.0, 5.0, 4.0, 3.0]), np.array([9.0, 6.5, 5.5, 4.5, 4.2, 3.1])),
        ),
        Case("a tie is not ahead", (sizes, np.array([9.0, 8, 7, 6, 5, 4]), np.array([12.0, 9, 7, 5, 3, 2]))),
        Case("one size only", (np.array([500]), np.array([4.0]), np.array([3.0]))),
    ]
    for i in range(3):
        s = np.cumsum(rng.integers(50, 500, size=8))
        pipe = strategy.learning_curve(s, float(rng.uniform(3, 8)), float(rng.uniform(20, 60)))
        e2e = strategy.learning_curve(s, float(rng.uniform(0, 3)), float(rng.uniform(60, 150)))
        noisy = e2e + rng.normal(0, 0.4, size=s.size)
        cases.append(Case(f"random {i + 1}: two noisy learning curves", (s, pipe, noisy)))
    return cases


def _pays_mistake(how):
    def give(case):
        sizes, pipe, e2e = case.args
        ahead = e2e <= pipe if how == "tie" else e2e < pipe
        if how == "first":
            return (float(sizes[np.argmax(ahead)]) if ahead.any() else -1.0,)
        behind = np.flatnonzero(~ahead)
        start = 0 if behind.size == 0 else int(behind[-1]) + 1
        if how == "index":
            return (float(start) if start < sizes.size else -1.0,)
        return (float(sizes[start]) if start < sizes.size else -1.0,)

    return give


PAYS_HINT = (
    "ahead = end_to_end_error < pipeline_error; find the last size where it is NOT ahead; the answer is the next "
    "size (sizes[0] if it is ahead everywhere, −1 if it is behind at the largest size)."
)

register(
    Check(
        "end_to_end_pays",
        _pays_cases,
        reference=None,
        verify=verify_with_mistakes(
            ("size",),
            lambda case: (strategy.end_to_end_pays.unguarded(*case.args),),
            PAYS_HINT,
            mistakes=(
                (
                    "this is the first size where end-to-end is ahead, but it falls behind again at a larger size: "
                    "the answer is the size from which it STAYS ahead.",
                    _pays_mistake("first"),
                ),
                ("an index into sizes: return the training-set size itself, sizes[k].", _pays_mistake("index")),
                ("a tie counts as ahead: end-to-end must have the LOWER error (<, not <=).", _pays_mistake("tie")),
            ),
        ),
        outputs=("size",),
        guarded=(strategy.end_to_end_pays,),
        hint=PAYS_HINT,
        compares_with=(strategy.end_to_end_pays,),
        doc="Check ``end_to_end_pays(sizes, pipeline_error, end_to_end_error) -> size`` against helpers.strategy: "
        "never ahead, ahead everywhere, ahead then behind, a tie, one size, then noisy learning curves.",
    )
)
