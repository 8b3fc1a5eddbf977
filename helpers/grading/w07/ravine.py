"""Week 7's ravine and saddle: six numbers worked out by hand, computed here from the same constants;
a wrong one is named with a hint, never with its value."""

from __future__ import annotations

import numpy as np

from ..core import ByHand, Case, Check, register


def ravine_cases(rng):
    """The six hand-worked answers have no input: one case."""
    return [Case("your six answers", ())]


RAVINE_CURVATURES = (1.0, 20.0)  # f(w) = ½(λ₁ w₁² + λ₂ w₂²)


RAVINE_FLAT_START, RAVINE_FLAT_GOAL = 4.0, 0.04


RAVINE_MOMENTUM_BETA = 0.9


SADDLE_LR, SADDLE_Y0, SADDLE_EXIT = 0.1, 1e-3, 1.0  # f(x, y) = ½(x² − y²) near the saddle


def ravine_reference():
    flat, steep = RAVINE_CURVATURES
    largest = 2.0 / steep
    one_step = 1.0 / steep
    factor = 1.0 - one_step * flat
    steps, w = 0, RAVINE_FLAT_START
    while abs(w) >= RAVINE_FLAT_GOAL:
        w, steps = w * factor, steps + 1
    beta = RAVINE_MOMENTUM_BETA
    momentum_largest = 2.0 * (1.0 + beta) / ((1.0 - beta) * steep)
    escape, y = 0, SADDLE_Y0
    while abs(y) < SADDLE_EXIT:
        y, escape = y * (1.0 + SADDLE_LR), escape + 1
    return np.array([largest, one_step, factor, steps, momentum_largest, escape], dtype=np.float64)


RAVINE_LABELS = (
    "item 1 (the largest learning rate for which gradient descent does not diverge on the ravine)",
    "item 2 (the learning rate that removes the steep coordinate in one step)",
    "item 3 (the factor by which each step multiplies the flat coordinate, at the learning rate of item 2)",
    "item 4 (the number of steps until the flat coordinate falls below 0.04, starting from 4)",
    "item 5 (the largest stable learning rate of momentum, β = 0.9, in the averaging form)",
    "item 6 (the number of gradient-descent steps to leave the saddle)",
)


RAVINE_HINTS = (
    "one step multiplies each coordinate by (1 − lr·λ); the step is stable while |1 − lr·λ| < 1 for BOTH "
    "curvatures, so the steeper one sets the limit. Give the boundary value.",
    "which learning rate makes the steep coordinate's factor 1 − lr·λ exactly zero?",
    "the flat coordinate has its own curvature: its factor is 1 − lr·λ with the small λ and the lr of item 2.",
    "after k steps the flat coordinate is 4·factorᵏ; find the first whole k with 4·factorᵏ < 0.04 "
    "(k = ⌈ln(0.01) / ln(factor)⌉, or count in a loop).",
    "the other form v ← βv − αg, θ ← θ + v is stable while α·λ < 2(1 + β); our averaging form is the same rule "
    "with α = lr·(1 − β). Solve for lr with the steep λ.",
    "near the saddle the gradient of −½y² is −y, so each step multiplies y by (1 + lr); count the whole steps "
    "until |y| first reaches 1 from 0.001.",
)


register(
    Check(
        "ravine_saddle_answers",
        ravine_cases,
        ravine_reference,
        function="ravine_saddle_answers",
        outputs=("answers",),
        hint="each coordinate of a quadratic evolves on its own: one step multiplies it by (1 − lr·λ).",
        compares_with="plain numpy",
        doc="Check the six numbers worked out by hand for the ravine f = ½(w₁² + 20 w₂²) and the saddle "
        "½(x² − y²) (``ravine_saddle_answers``), computed here from the same constants.",
        by_hand=ByHand(labels=RAVINE_LABELS, hints=RAVINE_HINTS),
    )
)
