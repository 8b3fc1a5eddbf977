"""Week 9's case generators: the inputs each check of ``helpers.grading.w09`` draws.

Each ``*_cases`` is ``rng -> [Case]``, edge cases first, then seeded random ones: batch norm on N = 1,
a near-zero and a zero variance, features far from 0 with a small spread, large N and every momentum
from 0 to 0.99; γ and β of wrong shapes; the race's networks (``helpers.batchnorm_layer``, in the
plain-array form of ``helpers.layers``); seeds for the sampling; toy objectives for the random search
(``helpers.tuning.toy_scores``). :data:`RACE` sets up the race. The judge of each check is in
``_w09_judge``.
"""
from __future__ import annotations

import functools

import numpy as np

from .. import batchnorm_layer as BL
from .. import layers as LY
from .core import Case

# The race of exercise 4: a 64-64-64-64-10 ReLU network on the digits, plain SGD (β = 0) with
# learning rate 1.0 and mini-batches of 64, 100 steps, dev accuracy every 10 steps.
RACE = {"sizes": (64, 64, 64, 64, 10), "lr": 1.0, "steps": 100, "beta": 0.0, "eval_every": 10,
        "batch_size": 64, "target": 0.90}


# --------------------------------------------------------------------------- batch norm forward

def bn_draw(rng, n, d, offset=0.0, spread=2.0):
    """x (n, d) with features of different means, γ around 1 and β, for a batch-norm case."""
    x = offset + spread * rng.normal(size=(n, d)) + rng.normal(size=d)
    gamma = 1.0 + 0.5 * rng.normal(size=d)
    beta = rng.normal(size=d)
    return x, gamma, beta


def running_stats(rng, d):
    """Running mean and variance (d,) as a layer would hold them after some training."""
    return rng.normal(size=d) * 0.5, rng.uniform(0.5, 2.0, size=d)


def forward_train_cases(rng):
    cases = []

    def add(label, x, gamma, beta, stats, momentum=0.9, eps=1e-5):
        mean, var = stats if stats is not None else (None, None)
        cases.append(Case(label, (x, gamma, beta, "train", mean, var, momentum, eps)))

    x, g, b = bn_draw(rng, 1, 4)
    add("N=1: one example (x̂ = 0, so out = β)", x, g, b, running_stats(rng, 4))
    x, g, b = bn_draw(rng, 2, 3)
    add("N=2, D=3, momentum 0.9", x, g, b, running_stats(rng, 3))
    x, g, b = bn_draw(rng, 8, 3)
    x[:, 1] = 2.0 + 1e-7 * rng.normal(size=8)
    add("feature 1 has a near-zero variance (about 1e-14): ε decides", x, g, b, running_stats(rng, 3))
    x, g, b = bn_draw(rng, 6, 3)
    x[:, 0] = -1.5
    add("feature 0 is constant (variance 0)", x, g, b, running_stats(rng, 3), eps=1e-3)
    x, g, b = bn_draw(rng, 7, 2, offset=1e4, spread=0.01)
    add("features far from 0 with a small spread (mean 10 000, std 0.01)", x, g, b, running_stats(rng, 2))
    x, g, b = bn_draw(rng, 5000, 3)
    add("large N = 5000", x, g, b, running_stats(rng, 3), momentum=0.99)
    x, g, b = bn_draw(rng, 4, 5)
    add("the first step: running_mean and running_var None (zeros and ones)", x, g, b, None)
    x, g, b = bn_draw(rng, 5, 2)
    add("momentum 0: the running averages become the batch's statistics", x, g, b, running_stats(rng, 2), momentum=0.0)
    n, d = int(rng.integers(3, 30)), int(rng.integers(1, 8))
    momentum = float(np.round(rng.uniform(0.5, 0.99), 3))
    x, g, b = bn_draw(rng, n, d)
    add(f"random N={n}, D={d}, momentum {momentum:g}, eps 1e-3", x, g, b, running_stats(rng, d), momentum, 1e-3)
    return cases


def forward_inference_cases(rng):
    cases = []

    def add(label, x, gamma, beta, stats, momentum=0.9, eps=1e-5):
        cases.append(Case(label, (x, gamma, beta, "inference", stats[0], stats[1], momentum, eps)))

    x, g, b = bn_draw(rng, 1, 4)
    add("N=1: one example at test time", x, g, b, running_stats(rng, 4))
    x, g, b = bn_draw(rng, 6, 3)
    mean, var = running_stats(rng, 3)
    var[2] = 1e-12
    add("running variance of feature 2 near zero (1e-12): ε decides", x, g, b, (mean, var))
    x, g, b = bn_draw(rng, 6, 4)
    add("(6, 4): the batch's own statistics must not be used", x, g, b, running_stats(rng, 4), eps=1e-3)
    x, g, b = bn_draw(rng, 3, 2, offset=50.0)
    add("inputs far from the running mean", x, g, b, running_stats(rng, 2))
    n, d = int(rng.integers(2, 30)), int(rng.integers(1, 8))
    x, g, b = bn_draw(rng, n, d)
    add(f"random N={n}, D={d}", x, g, b, running_stats(rng, d), momentum=0.5)
    return cases


# --------------------------------------------------------------------------- bad shapes

def bad_shape_cases(rng):
    x = rng.normal(size=(5, 3))
    g, b = 1.0 + 0.5 * rng.normal(size=3), rng.normal(size=3)
    return [
        Case("gamma has 4 entries, x has 3 features", (x, np.ones(4), b, "gamma")),
        Case("beta has 2 entries, x has 3 features", (x, g, np.zeros(2), "beta")),
        Case("gamma has 1 entry (numpy would broadcast it silently)", (x, np.ones(1), b, "gamma")),
        Case("beta has shape (3, 1) (numpy would broadcast it to (5, 3) or fail)", (x, g, np.zeros((3, 1)), "beta")),
        Case("gamma and beta of the right shape (3,): no error", (x, g, b, "")),
    ]


# --------------------------------------------------------------------------- batch norm backward

def backward_cases(rng):
    cases = []

    def add(label, x, gamma, beta, eps=1e-5):
        cases.append(Case(label, (rng.normal(size=x.shape), x, gamma, beta, eps)))

    add("N=1: out = β whatever x is, so dx = 0", *bn_draw(rng, 1, 3))
    add("N=2, D=3", *bn_draw(rng, 2, 3))
    x, g, b = bn_draw(rng, 8, 3)
    x[:, 1] = 2.0 + 1e-7 * rng.normal(size=8)
    add("feature 1 has a near-zero variance (about 1e-14)", x, g, b)
    x, g, b = bn_draw(rng, 6, 2)
    x[:, 0] = 0.25
    add("feature 0 is constant (variance 0), eps 1e-3", x, g, b, 1e-3)
    add("large N = 1000, D = 3", *bn_draw(rng, 1000, 3))
    add("N = D = 4: a sum over the wrong axis keeps the shape", *bn_draw(rng, 4, 4))
    n, d = int(rng.integers(3, 20)), int(rng.integers(1, 7))
    add(f"random N={n}, D={d}, eps 1e-3", *bn_draw(rng, n, d), 1e-3)
    return cases


# --------------------------------------------------------------------------- the race

@functools.lru_cache(maxsize=1)
def digits_split():
    from ..data import load_digits_split
    return load_digits_split(seed=0)


def race_cases(rng):
    X_train, y_train, X_dev, y_dev = digits_split()
    cases = []
    for seed in rng.choice(100_000, size=3, replace=False):
        seed = int(seed)
        spec, arrays = LY.to_arrays(BL.init_bn_layers(RACE["sizes"], True, rng=seed))
        cases.append(Case(f"digits, 64-64-64-64-10 with batch norm, lr {RACE['lr']:g}, {RACE['steps']} steps, "
                          f"seed {seed}", (X_train, y_train, X_dev, y_dev, *arrays),
                          {"spec": spec, "lr": RACE["lr"], "steps": RACE["steps"], "beta": RACE["beta"],
                           "seed": seed}))
    return cases


# --------------------------------------------------------------------------- sampling on the right scale

def sampling_cases(rng):
    seeds = [int(s) for s in rng.choice(100_000, size=3, replace=False)]
    return [Case(f"n = 20000, seed {seeds[0]}", (20_000, seeds[0])),
            Case(f"n = 20000, seed {seeds[1]}", (20_000, seeds[1])),
            Case("n = 1", (1, seeds[2])),
            Case("n = 7", (7, seeds[2]))]


# --------------------------------------------------------------------------- random search

SPACE_2 = {"lr": [1e-4, 1.0, "log"], "units": [16.0, 256.0, "linear"]}
SPACE_3 = {"lr": [1e-5, 0.1, "log"], "momentum": [0.8, 0.99, "linear"], "decay": [1e-3, 1.0, "log"]}


def search_cases(rng):
    def bump(weight, width=0.12):
        return [weight, float(rng.uniform(0.15, 0.85)), width]

    seeds = [int(s) for s in rng.choice(100_000, size=5, replace=False)]
    return [
        Case("budget 200: lr matters, units does not (log and linear scales)",
             (np.array([bump(0.85), bump(0.0)]), 200, seeds[0]), {"space": SPACE_2}),
        Case("budget 25, the seed's example: a grid would try only 5 learning rates",
             (np.array([bump(0.85, 0.08), bump(0.0)]), 25, seeds[1]), {"space": SPACE_2}),
        Case("budget 1", (np.array([bump(0.85), bump(0.0)]), 1, seeds[2]), {"space": SPACE_2}),
        Case("three hyperparameters, two matter, budget 150",
             (np.array([bump(0.5), bump(0.3, 0.3), bump(0.0)]), 150, seeds[3]), {"space": SPACE_3}),
        Case("the best learning rate at the edge of the range, budget 60",
             (np.array([[0.85, 0.98, 0.1], bump(0.0)]), 60, seeds[4]), {"space": SPACE_2}),
    ]
