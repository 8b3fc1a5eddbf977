"""Week 8's initialization: the shape of every method's weights, and the mean and variance (within 5 %)
of 60 000 of them for 'large', 'lecun', 'xavier' and 'he'."""

from __future__ import annotations

import numpy as np

from ...init import METHODS, init_std, init_weights
from ..core import Case, Check, CheckFailed, as_output, register

INIT_SHAPES = ((400, 150), (60, 1000))


def init_cases(rng):
    cases = []
    for method in METHODS:
        for n_in, n_out in INIT_SHAPES:
            cases.append(Case(f"{method}, n_in={n_in}, n_out={n_out}", (n_in, n_out, method, int(rng.integers(2**31)))))
    cases.append(Case("he, one input (n_in=1): shape only", (1, 7, "he", int(rng.integers(2**31)))))
    cases.append(Case("xavier, one output (n_out=1): shape only", (9, 1, "xavier", int(rng.integers(2**31)))))
    return cases


VARIANCE_RTOL = 0.05  # 60 000 entries: the sample variance is within ~0.6 % (one standard error)


INIT_HINT = (
    "each method is the standard deviation of a zero-mean normal draw: zeros 0, large 10, lecun 1/sqrt(n_in) "
    "(a unit's output keeps the variance of its inputs), xavier sqrt(2/(n_in + n_out)) (fan-in and fan-out "
    "averaged, so the backward pass keeps its variance too), he sqrt(2/n_in) (twice LeCun's variance, because "
    "ReLU zeroes half of what it receives). Draw from the generator you are given (an int seeds a new one)."
)


def verify_init(case, got, where):
    __tracebackhide__ = True
    n_in, n_out, method, _ = case.args
    W = as_output(got[0], "W", where)
    if W.shape != (n_in, n_out):
        raise CheckFailed(f"{where}: W has shape {W.shape}, expected (n_in, n_out) = {(n_in, n_out)}.")
    if not np.all(np.isfinite(W)):
        raise CheckFailed(f"{where}: W holds NaN or inf.")
    if method == "zeros":
        if np.any(W != 0):
            raise CheckFailed(f"{where}: every weight must be exactly 0 for method 'zeros'.")
        return
    if W.size < 1000:
        return
    s = init_std.unguarded(method, n_in, n_out)
    mean, var = float(W.mean()), float(W.var())
    if abs(mean) > 6 * s / np.sqrt(W.size):
        raise CheckFailed(f"{where}: the weights' mean is {mean:.4g}; they must be centred on 0.\nHint: {INIT_HINT}")
    if abs(var / s**2 - 1) > VARIANCE_RTOL:
        names = [
            other
            for other in METHODS[1:]
            if other != method and abs(var / init_std.unguarded(other, n_in, n_out) ** 2 - 1) <= VARIANCE_RTOL
        ]
        also = f" (that is the variance of {names[0]!r})" if names else ""
        raise CheckFailed(
            f"{where}: the weights' variance is {var:.4g}{also}; method {method!r} needs "
            f"{s**2:.4g} for this shape, within {VARIANCE_RTOL:.0%}.\nHint: {INIT_HINT}"
        )


register(
    Check(
        "init_variances",
        init_cases,
        reference=None,
        outputs=("W",),
        function="init_weights",
        guarded=(init_weights, init_std),
        verify=verify_init,
        hint=INIT_HINT,
        compares_with="behaviour",
        doc="Check ``init_weights(n_in, n_out, method, rng) -> W``: the shape (n_in, n_out) for every "
        "method, all zeros for 'zeros', and mean 0 and the method's variance (within 5 %) on "
        "60 000 weights for 'large', 'lecun', 'xavier' and 'he'.",
    )
)
