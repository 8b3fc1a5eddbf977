"""Week 8's input normalization: every split normalized with the TRAINING set's statistics, judged on
cases where the dev and test sets' own statistics give other answers."""

from __future__ import annotations

import numpy as np

from ...init import input_statistics, normalize_inputs
from ..core import Case, Check, CheckFailed, as_output, compare, register
from ..forbidden import STANDARDIZATION


def normalize_cases(rng):
    def split(n_train, n_dev, n_test, d, shift=3.0, scale=4.0):
        centre, spread = rng.normal(size=d) * 5, rng.uniform(0.5, 3, size=d)
        train = centre + spread * rng.normal(size=(n_train, d))
        dev = centre + shift + scale * spread * rng.normal(size=(n_dev, d))
        test = centre - shift + spread / scale * rng.normal(size=(n_test, d))
        return train, dev, test

    cases = [
        Case("dev and test shifted and scaled: their own statistics differ", split(20, 15, 10, 3)),
        Case("a single dev and a single test example (their own spread is 0)", split(12, 1, 1, 4)),
    ]
    train, dev, test = split(10, 6, 5, 3)
    train[:, 1] = 3.0
    cases.append(Case("feature 1 is constant in the training set: σ = 1, centre only", (train, dev, test)))
    train, dev, test = split(30, 8, 8, 2)
    scales = np.array([1000.0, 0.01])
    cases.append(
        Case(
            "features on very different scales (thousands and hundredths)",
            (train * scales, dev * scales, test * scales),
        )
    )
    cases.append(Case("one feature (D=1)", split(25, 5, 7, 1)))
    cases.append(
        Case(
            "random sizes",
            split(
                int(rng.integers(5, 40)), int(rng.integers(2, 20)), int(rng.integers(2, 20)), int(rng.integers(2, 6))
            ),
        )
    )
    return cases


def normalize_reference(X_train, X_dev, X_test):
    mu, sigma = input_statistics.unguarded(X_train)
    return tuple(normalize_inputs.unguarded(X, mu, sigma) for X in (X_train, X_dev, X_test))


NORMALIZE_HINT = (
    "learn the shift and the scale of each feature from the TRAINING set alone (its mean and its standard "
    "deviation over the examples, dividing by m: ddof 0; a constant feature is divided by 1), then apply that same "
    "shift and scale to the training, dev and test sets: dev and test stand for data the model meets later, "
    "whose statistics it cannot know."
)


def verify_normalize(case, got, where):
    __tracebackhide__ = True
    expected = normalize_reference(*case.args)
    for name, X, e, g in zip(("train_norm", "dev_norm", "test_norm"), case.args, expected, got):
        g_array = as_output(g, name, where)
        if name != "train_norm" and g_array.shape == e.shape and X.shape[0] > 1:
            own_mu, own_sigma = input_statistics.unguarded(X)
            if np.allclose(g_array, (X - own_mu) / own_sigma, rtol=1e-6, atol=1e-9) and not np.allclose(
                e, g_array, rtol=1e-6, atol=1e-9
            ):
                raise CheckFailed(
                    f"{where}: `{name}` was normalized with its own mean and spread. Use the "
                    f"training set's μ and σ for every set: the network learned on inputs measured "
                    f"with the training set's ruler."
                )
        compare(e, g, name, where, 1e-6, NORMALIZE_HINT)


register(
    Check(
        "normalize_with_train_statistics",
        normalize_cases,
        reference=None,
        outputs=("train_norm", "dev_norm", "test_norm"),
        function="normalize_splits",
        guarded=(input_statistics, normalize_inputs),
        verify=verify_normalize,
        hint=NORMALIZE_HINT,
        forbidden=STANDARDIZATION,
        compares_with=(input_statistics, normalize_inputs),
        doc="Check ``normalize_splits(X_train, X_dev, X_test) -> (train_norm, dev_norm, test_norm)`` on "
        "cases where the dev and test sets' own statistics give different answers than the "
        "training set's.",
    )
)
