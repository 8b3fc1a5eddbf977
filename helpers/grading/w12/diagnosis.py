"""Comparing with the reference, and naming the typical mistake when an answer is wrong.

Like week 10's ``verify_with_mistakes`` (helpers/grading/w10/diagnosis.py), with one difference: a mistake is
named only when what it would have returned matches EVERY output the student returned, not just the first wrong
one. Week 12's answers are often small tuples of counts (``conv_costs``) where two mistakes agree on one output;
matching the whole answer keeps the message from naming the wrong one.
"""

from __future__ import annotations

import numpy as np

from ..core import GRADIENT_RTOL, NUMERICAL_ATOL, NUMERICAL_RTOL, CheckFailed, as_output, compare

GRADIENT = GRADIENT_RTOL


def _matches(candidate, got) -> bool:
    candidate, got = np.asarray(candidate, dtype=np.float64), np.asarray(got, dtype=np.float64)
    return candidate.shape == got.shape and np.allclose(candidate, got, rtol=1e-6, atol=1e-9)


def verify_with_mistakes(outputs, reference, hint, mistakes=(), numerical=None, rtol=None):
    """A ``verify=`` function.

    outputs: the names of the outputs; reference(case) -> tuple of expected outputs;
    mistakes: (message, case -> tuple of every output as that mistake gives them) pairs;
    numerical: optional case -> {output name: central-difference estimate};
    rtol: output name -> tolerance against the reference (default 1e-7).
    """
    rtol = rtol or {}

    def verify(case, got, where):
        __tracebackhide__ = True
        expected = reference(case)
        values = [as_output(got[k], name, where) for k, name in enumerate(outputs)]
        for k, name in enumerate(outputs):
            try:
                compare(expected[k], values[k], name, where, rtol.get(name, 1e-7), hint)
            except CheckFailed as err:
                for message, mistake in mistakes:
                    with np.errstate(all="ignore"):
                        wrong = mistake(case)
                    if wrong is not None and all(_matches(w, v) for w, v in zip(wrong, values)):
                        numbers = str(err).removeprefix(f"{where}: ")
                        raise CheckFailed(f"{where}: {message}\n{numbers}") from None
                raise
        if numerical is not None:
            for name, estimate in numerical(case).items():
                compare(
                    estimate,
                    values[outputs.index(name)],
                    name,
                    where + " vs numerical gradient",
                    NUMERICAL_RTOL,
                    hint,
                    atol=NUMERICAL_ATOL,
                )

    return verify
