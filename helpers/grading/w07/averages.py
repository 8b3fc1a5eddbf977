"""Week 7's exponentially weighted averages, v_t = β v_{t−1} + (1 − β) θ_t, with and without the
bias correction, against ``helpers.optim.ewa``."""

from __future__ import annotations

import numpy as np

from ... import optim
from ..core import Case, Check, register


def temperature_year(seed, days=365):
    """A made-up year of daily temperatures in °C (a season and day-to-day noise), shape (days,)."""
    rng = np.random.default_rng(seed)
    day = np.arange(days)
    return 12.0 - 9.0 * np.cos(2 * np.pi * (day - 20) / 365) + rng.normal(scale=3.0, size=days)


def ewa_cases(bias_correction):
    def cases(rng):
        kw = {"bias_correction": bias_correction}
        return [
            Case("T = 1: one value", (np.array([17.0]), 0.9), kw),
            Case("β = 0: the average is the latest value", (rng.normal(size=6) * 5, 0.0), kw),
            Case("a constant series (20 °C every day), β = 0.98", (np.full(40, 20.0), 0.98), kw),
            Case("a year of daily temperatures (365,), β = 0.9", (temperature_year(int(rng.integers(1000))), 0.9), kw),
            Case("100 days, β = 0.98", (temperature_year(int(rng.integers(1000)))[:100], 0.98), kw),
            Case("10 values, β = 0.5", (rng.normal(size=10) * 3 + 10, 0.5), kw),
            Case("three series at once, values (50, 3)", (rng.normal(size=(50, 3)) * [1.0, 10.0, 100.0], 0.9), kw),
            Case("values (20, 2, 2), β = 0.7", (rng.normal(size=(20, 2, 2)), 0.7), kw),
        ]

    return cases


def ewa_reference(values, beta, bias_correction=True):
    return optim.ewa.unguarded(values, beta, bias_correction=bias_correction)


register(
    Check(
        "ewa",
        ewa_cases(False),
        ewa_reference,
        function="ewa",
        outputs=("v",),
        guarded=(optim.ewa,),
        hint="start from v = 0 (zeros shaped like one value, values.shape[1:]) and for t = 0, 1, ... set "
        "v = beta * v + (1 - beta) * values[t] and store it as out[t]; return all T averages.",
        compares_with=(optim.ewa,),
        doc="Check ``ewa(values, beta, bias_correction=False)``, v_t = β v_{t−1} + (1 − β) θ_t from v_0 = 0, "
        "on series of shape (T,) and (T, ...), β = 0 and T = 1 included, against helpers.optim.ewa.",
    )
)


register(
    Check(
        "ewa_bias_corrected",
        ewa_cases(True),
        ewa_reference,
        function="ewa",
        outputs=("v",),
        guarded=(optim.ewa,),
        hint="divide each v_t by (1 − β^t) where t counts from 1 (the first value is t = 1, so the "
        "first corrected average is the first value itself); keep the uncorrected v in the recursion.",
        compares_with=(optim.ewa,),
        doc="Check ``ewa(values, beta, bias_correction=True)``, v_t / (1 − β^t), on the same series, against "
        "helpers.optim.ewa.",
    )
)
