"""A numerical cross-check must never fail the reference's own gradient: central differences carry
round-off (ε·|f|/h) and truncation (h²·f''') that grow with the loss's size, and a draw where the
estimate's error reaches the tolerance zeroes an honest student (week 12's distillation loss did
that once, at T = 20). Here the reference's gradients stay well inside the tolerance, on every
check that has such a cross-check."""

from __future__ import annotations

import numpy as np
import pytest

import helpers.grading as grading
from helpers.grading.core import NUMERICAL_ATOL, NUMERICAL_RTOL, _copy_args

MARGIN = 0.5  # the worst error may use at most half of the tolerance


def _closure(fn) -> dict:
    return dict(zip(fn.__code__.co_freevars, (c.cell_contents for c in fn.__closure__ or ())))


def estimate_pairs(check):
    """case -> [(numerical estimate, reference gradient)], or None when the check has no numerical
    cross-check in one of the shapes the course uses (Check.numerical, or a verify= closure over a
    ``numerical`` and a ``reference``)."""
    if check.numerical is not None and check.reference is not None:

        def pairs(case):
            expected = check.reference(*_copy_args(case.args), **case.kwargs)
            expected = expected if len(check.outputs) > 1 else (expected,)
            return [(est, expected[check.outputs.index(n)]) for n, est in check.numerical(case, expected).items()]

        return pairs
    found = _closure(check.verify) if check.verify is not None else {}
    if callable(found.get("numerical")) and callable(found.get("reference")):

        def pairs(case):
            estimates, expected = found["numerical"](case), found["reference"](case)
            if isinstance(estimates, dict):  # verify_with_mistakes: {output name: estimate}
                return [(est, expected[found["outputs"].index(n)]) for n, est in estimates.items()]
            return [(estimates, expected)]  # one graded output (week 5's piece-by-piece checks)

        return pairs
    return None


def worst_share(check, seeds) -> tuple[float, str]:
    """The largest |estimate − reference| / (atol + rtol·|estimate|) over the cases drawn with ``seeds``."""
    pairs, worst = estimate_pairs(check), (0.0, "")
    for seed in seeds:
        for case in check.cases(np.random.default_rng(seed)):
            for estimate, reference in pairs(case):
                estimate, reference = np.asarray(estimate, float), np.asarray(reference, float)
                share = np.abs(estimate - reference) / (NUMERICAL_ATOL + NUMERICAL_RTOL * np.abs(estimate))
                if share.size and share.max() > worst[0]:
                    worst = (float(share.max()), f"seed {seed}, {case.label}")
    return worst


CROSS_CHECKED = sorted(name for name, check in grading.CHECKS.items() if estimate_pairs(check) is not None)


def test_most_gradient_checks_are_audited_here():
    assert len(CROSS_CHECKED) >= 40 and "distillation_loss" in CROSS_CHECKED


@pytest.mark.parametrize("name", CROSS_CHECKED)
def test_the_references_gradient_is_well_inside_the_numerical_tolerance(name):
    share, where = worst_share(grading.CHECKS[name], range(3))
    assert share < MARGIN, f"{name}: the reference uses {share:.2f} of the tolerance ({where})"


def test_distillation_at_high_temperature_over_many_draws():
    share, where = worst_share(grading.CHECKS["distillation_loss"], range(200))
    assert share < MARGIN, f"{share:.2f} of the tolerance ({where})"
