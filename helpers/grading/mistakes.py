"""Comparing with the reference, and naming the typical mistake when an answer is wrong.

``verify_with_mistakes`` compares every output with the reference (and gradients with central
differences); when an output is wrong, it computes what each known mistake would have returned on
the same case and, if the answer matches one, says which mistake it is before the numbers. Weeks 10
to 12 use it. By default a mistake is named when it matches the first wrong output; with
``whole_answer=True``, only when it matches every output (week 12's answers are small tuples of counts,
``conv_costs``, where two mistakes can agree on one output).
"""

from __future__ import annotations

import numpy as np

from .core import GRADIENT_RTOL, NUMERICAL_ATOL, NUMERICAL_RTOL, CheckFailed, as_output, compare


def _matches(candidate, got) -> bool:
    candidate, got = np.asarray(candidate, dtype=np.float64), np.asarray(got, dtype=np.float64)
    return candidate.shape == got.shape and np.allclose(candidate, got, rtol=1e-6, atol=1e-9)


def verify_with_mistakes(outputs, reference, hint, mistakes=(), numerical=None, rtol=None, whole_answer=False):
    """A ``verify=`` function.

    outputs: the names of the outputs; reference(case) -> tuple of expected outputs;
    mistakes: (message, case -> tuple of outputs as that mistake gives them) pairs;
    numerical: optional case -> {output name: central-difference estimate};
    rtol: output name -> tolerance against the reference (default 1e-7, gradients 1e-6);
    whole_answer: name a mistake only when it matches every output, not just the first wrong one.
    """
    rtol = rtol or {}

    def verify(case, got, where):
        __tracebackhide__ = True
        expected = reference(case)
        values = [as_output(got[k], name, where) for k, name in enumerate(outputs)]
        for k, name in enumerate(outputs):
            value = values[k]
            try:
                compare(expected[k], value, name, where, rtol.get(name, 1e-7), hint)
            except CheckFailed as err:
                for message, mistake in mistakes:
                    with np.errstate(all="ignore"):
                        wrong = mistake(case)
                    if wrong is None:
                        continue
                    if all(map(_matches, wrong, values)) if whole_answer else _matches(wrong[k], value):
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


GRADIENT = GRADIENT_RTOL
