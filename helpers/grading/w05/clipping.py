"""Week 5's gradient clipping by the global norm of all gradients together."""

from __future__ import annotations

import numpy as np

from ... import rnn
from ..core import Case, Check, register


def _clip_cases(rng):
    # The grader moves arrays only, so "a list of gradients" arrives as one array whose first
    # axis indexes the gradients: `for g in grads` sees each one, exactly as with a list.
    cases = [
        Case("norm 5 above max_norm 1: scaled down", (np.array([[3.0, 0.0], [0.0, 4.0]]), 1.0)),
        Case("norm below max_norm: unchanged", (np.array([[0.3, -0.4]]), 1.0)),
        Case("exactly at max_norm: unchanged", (np.array([[0.6], [0.8]]), 1.0)),
        Case("all zeros", (np.zeros((3, 2, 2)), 0.5)),
        Case("four (3, 4) gradients, norm in the hundreds", (rng.normal(size=(4, 3, 4)) * 50.0, 5.0)),
        Case("two (5,) gradients, small", (rng.normal(size=(2, 5)) * 0.01, 2.0)),
        Case("one huge gradient (1, 2, 3)", (rng.normal(size=(1, 2, 3)) * 1e6, 10.0)),
    ]
    return cases


def _clip_reference(grads, max_norm):
    clipped, total = rnn.clip_by_norm.unguarded(list(grads), max_norm)
    return np.stack([np.asarray(g) for g in clipped]).reshape(np.shape(grads)), float(total)


register(
    Check(
        "clip_by_norm",
        _clip_cases,
        _clip_reference,
        outputs=("clipped", "total_norm"),
        guarded=(rnn.clip_by_norm,),
        hint="total_norm = sqrt(Σ over every gradient of Σ g²) (ONE norm for all gradients together); "
        "when total_norm > max_norm multiply every gradient by max_norm / total_norm, otherwise "
        "return them unchanged. Return new arrays; do not scale the inputs in place.",
        compares_with=(rnn.clip_by_norm,),
        doc="Check ``clip_by_norm(grads, max_norm) -> (clipped, total_norm)`` (global norm).",
    )
)
