"""Week 9's hyperparameters sampled on the right scale: learning rates log-uniform in [1e-4, 1] and
1 − ρ (momentum's weight) log-uniform in [0.001, 0.1], judged by range, per-decade shares and a Kolmogorov–Smirnov
distance on 20 000 samples."""

from __future__ import annotations

import numpy as np

from ... import tuning
from ..core import Case, Check, CheckFailed, as_output, register

# Sampling: the share of samples per decade may differ from its expected value by this much
# (20 000 samples: one standard error is 0.3 to 0.35 points).
SHARE_TOLERANCE = 0.02


def sampling_cases(rng):
    seeds = [int(s) for s in rng.choice(100_000, size=3, replace=False)]
    return [
        Case(f"n = 20000, seed {seeds[0]}", (20_000, seeds[0])),
        Case(f"n = 20000, seed {seeds[1]}", (20_000, seeds[1])),
        Case("n = 1", (1, seeds[2])),
        Case("n = 7", (7, seeds[2])),
    ]


def read_samples(got, index, name, n, where):
    values = (
        as_output(got[index], name, where).reshape(-1)
        if np.ndim(got[index]) == 0
        else as_output(got[index], name, where)
    )
    if values.shape != (n,):
        raise CheckFailed(f"{where}: `{name}` has shape {values.shape}; expected ({n},), one value per sample.")
    if not np.all(np.isfinite(values)):
        raise CheckFailed(f"{where}: `{name}` holds NaN or inf.")
    return values


def decade_shares(exponents, edges):
    counts = np.histogram(exponents, bins=edges)[0]
    return counts / max(len(exponents), 1)


def uniformity(where, name, exponents, low, high, hint):
    """Fail unless the exponents look uniform on [low, high] (Kolmogorov–Smirnov distance)."""
    __tracebackhide__ = True
    t = np.sort((exponents - low) / (high - low))
    n = t.size
    distance = float(np.max(np.maximum(np.arange(1, n + 1) / n - t, t - np.arange(n) / n)))
    if distance > 0.015:
        raise CheckFailed(
            f"{where}: the exponents of your {name} are not spread evenly over [{low:g}, {high:g}] "
            f"(the largest gap between their distribution and a uniform one is {distance:.3f}).\n"
            f"Hint: {hint}"
        )


# --------------------------------------------------------------------------- learning rates

LR_HINT = (
    "sample on a log scale: it is the exponent of 10 that must be uniform, over [-4, 0], so that each decade "
    "[1e-4, 1e-3), [1e-3, 1e-2), [1e-2, 0.1), [0.1, 1] gets a quarter of the learning rates."
)


def verify_learning_rates(case, got, where):
    __tracebackhide__ = True
    n = case.args[0]
    lr = read_samples(got, 0, "learning_rates", n, where)
    if lr.min() < 1e-4 * (1 - 1e-12) or lr.max() > 1.0:
        raise CheckFailed(
            f"{where}: learning rates must lie in [1e-4, 1]; yours range from {lr.min():.3g} to "
            f"{lr.max():.3g}.\nHint: {LR_HINT}"
        )
    if n < 1000:
        return
    shares = decade_shares(np.log10(lr), [-4, -3, -2, -1, 0])
    for share, (lo, hi) in zip(shares, [(1e-4, 1e-3), (1e-3, 1e-2), (1e-2, 0.1), (0.1, 1)]):
        if abs(share - 0.25) > SHARE_TOLERANCE:
            raise CheckFailed(
                f"{where}: {share:.1%} of your learning rates lie in [{lo:g}, {hi:g}); on a log scale "
                f"each of the four decades gets 25%. (Uniform in [1e-4, 1] would put 90% in the top "
                f"decade.)\nHint: {LR_HINT}"
            )
    uniformity(where, "learning rates", np.log10(lr), -4.0, 0.0, LR_HINT)


register(
    Check(
        "learning_rates_log_uniform",
        sampling_cases,
        reference=None,
        outputs=("learning_rates", "momenta"),
        function="sample_hyperparameters",
        guarded=(tuning.sample_hyperparameters, tuning.sample_log_uniform),
        verify=verify_learning_rates,
        hint=LR_HINT,
        compares_with="behaviour",
        doc="Check the learning rates of ``sample_hyperparameters(n, seed) -> (learning_rates, momenta)``: all "
        "in [1e-4, 1] and, for n = 20 000, 25% ± 2 points in each decade with exponents spread evenly.",
    )
)


# --------------------------------------------------------------------------- momentum ρ

MOMENTUM_HINT = (
    "what matters is 1 − ρ, the share of each new value in the average (ρ = 0.9 averages about 10 steps, "
    "0.999 about 1000): sample 1 − ρ on a log scale over [0.001, 0.1], so ρ lies in [0.9, 0.999]; draw the "
    "momenta after the learning rates, from the same generator."
)


def verify_momenta(case, got, where):
    __tracebackhide__ = True
    n = case.args[0]
    rho = read_samples(got, 1, "momenta", n, where)
    if rho.min() < 0.9 - 1e-12 or rho.max() > 0.999 + 1e-12:
        raise CheckFailed(
            f"{where}: momentum's ρ must lie in [0.9, 0.999]; yours range from {rho.min():.4g} to "
            f"{rho.max():.4g}.\nHint: {MOMENTUM_HINT}"
        )
    if n < 1000:
        return
    shares = decade_shares(np.log10(1.0 - rho), [-3, -2, -1 + 1e-12])
    for share, (lo, hi, span) in zip(shares, [(0.99, 0.999, "100 to 1000"), (0.9, 0.99, "10 to 100")]):
        if abs(share - 0.5) > SHARE_TOLERANCE:
            raise CheckFailed(
                f"{where}: {share:.1%} of your ρ lie between {lo:g} and {hi:g} (averages over {span} "
                f"steps); with 1 − ρ on a log scale each half gets 50%. (Uniform ρ would put 91% "
                f"between 0.9 and 0.99.)\nHint: {MOMENTUM_HINT}"
            )
    uniformity(where, "1 − ρ", np.log10(1.0 - rho), -3.0, -1.0, MOMENTUM_HINT)
    lr = read_samples(got, 0, "learning_rates", n, where)
    if np.all(lr > 0) and abs(np.corrcoef(np.log10(lr), np.log10(1.0 - rho))[0, 1]) > 0.05:
        raise CheckFailed(
            f"{where}: your ρ and your learning rates move together (their exponents are correlated): "
            f"draw them independently, from one generator, one after the other.\nHint: {MOMENTUM_HINT}"
        )


register(
    Check(
        "momenta_log_scale",
        sampling_cases,
        reference=None,
        outputs=("learning_rates", "momenta"),
        function="sample_hyperparameters",
        guarded=(tuning.sample_hyperparameters, tuning.sample_log_uniform),
        verify=verify_momenta,
        hint=MOMENTUM_HINT,
        compares_with="behaviour",
        doc="Check the ρ of ``sample_hyperparameters(n, seed) -> (learning_rates, momenta)``: all in [0.9, "
        "0.999] and, for n = 20 000, 1 − ρ log-uniform (50% ± 2 points on each side of 0.99), drawn "
        "independently of the learning rates.",
    )
)


# --------------------------------------------------------------------------- the same seed, the same samples

REPRODUCIBLE_HINT = (
    "rng = np.random.default_rng(seed) at the start of the function, and every value drawn from that rng "
    "(rng.uniform), never from np.random's global generator (np.random.uniform, np.random.rand) or an "
    "unseeded default_rng()."
)


def reproducible_cases(rng):
    seeds = [int(s) for s in rng.choice(100_000, size=4, replace=False)]
    return [
        Case(f"n = 1000, seed {seeds[0]} twice, then seed {seeds[1]}", (1000, seeds[0], seeds[1])),
        Case(f"n = 1, seed {seeds[2]} twice, then seed {seeds[3]}", (1, seeds[2], seeds[3])),
        Case("n = 50, seed 0 twice, then seed 1", (50, 0, 1)),
    ]


def verify_reproducible(case, got, where):
    __tracebackhide__ = True
    n, seed, other = case.args
    names = ("learning_rates", "momenta")
    first, again, next_seed = ([read_samples(got, i + j, names[j], n, where) for j in (0, 1)] for i in (0, 2, 4))
    for name, a, b in zip(names, first, again):
        if not np.array_equal(a, b):
            raise CheckFailed(
                f"{where}: sample_hyperparameters({n}, seed={seed}) called twice gave different `{name}`: the "
                f"same seed must give the same samples, or no search can be repeated.\nHint: {REPRODUCIBLE_HINT}"
            )
    if n > 1 and all(np.array_equal(a, b) for a, b in zip(first, next_seed)):
        raise CheckFailed(
            f"{where}: seeds {seed} and {other} gave exactly the same samples: the generator must be seeded "
            f"with the `seed` argument, np.random.default_rng(seed).\nHint: {REPRODUCIBLE_HINT}"
        )


register(
    Check(
        "samples_reproducible",
        reproducible_cases,
        reference=None,
        outputs=(
            "learning_rates",
            "momenta",
            "learning_rates again",
            "momenta again",
            "learning_rates other",
            "momenta other",
        ),
        function="sample_hyperparameters",
        guarded=(tuning.sample_hyperparameters, tuning.sample_log_uniform),
        verify=verify_reproducible,
        hint=REPRODUCIBLE_HINT,
        compares_with="behaviour",
        doc="Call ``sample_hyperparameters(n, seed)`` (through ``helpers.tuning.drawn_twice``) twice with one "
        "seed and once with another: the same seed must give exactly the same learning rates and ρ, "
        "another seed other ones.",
    )
)
