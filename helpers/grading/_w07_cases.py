"""Week 7's case generators: the inputs each check of ``helpers.grading.w07`` draws.

Each ``*_cases`` is ``rng -> [Case]``, edge cases first, then seeded random ones. The update rules
start from a state that ``helpers.optim`` built over 0 to 99 earlier steps of random gradients,
and travel in the notebook's form (:func:`pack`: momentum's ``v``, RMSprop's ``s`` and AdaGrad's
``G`` shaped like the parameter, Adam's ``(m, v)`` as one array of shape ``(2,) + param.shape``,
None before the first step). The judge of each check is in ``_w07_judge``.
"""
from __future__ import annotations

import numpy as np

from .. import optim
from .core import Case, NetworkCase


# --------------------------------------------------------------------------- mini-batches

BATCH_CASES = [
    ("N = 10, batch_size 3: three full batches and a last one of 1", 10, (2,), 3),
    ("N = 12, batch_size 4: batches that fit exactly", 12, (3,), 4),
    ("batch_size 1: stochastic gradient descent", 9, (2,), 1),
    ("batch_size = N: batch gradient descent, one batch", 11, (2,), 11),
    ("batch_size larger than N: one batch of all N", 6, (3,), 8),
    ("a single example (N = 1)", 1, (4,), 5),
    ("images X (37, 1, 4, 4), batch_size 8", 37, (1, 4, 4), 8),
    ("N = 1000, batch_size 64: 15 full batches and one of 40", 1000, (3,), 64),
]


def minibatch_cases(rng):
    cases = []
    for label, n, trailing, batch_size in BATCH_CASES:
        X = rng.normal(size=(n,) + trailing)
        ids = np.arange(n, dtype=np.int64)      # the labels name the rows: y[i] = i
        cases.append(Case(label, (X, ids, batch_size, int(rng.integers(0, 2**31 - 1)))))
    return cases


# --------------------------------------------------------------------------- exponentially weighted averages

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


# --------------------------------------------------------------------------- update rules

RULE_SHAPES = [
    ("first step (state None), a vector (5,)", (5,), 0),
    ("second step, one parameter (1,)", (1,), 1),
    ("step 5, a matrix (3, 4)", (3, 4), 4),
    ("step 10, a tensor (2, 3, 4)", (2, 3, 4), 9),
    ("step 100, a weight matrix (64, 10)", (64, 10), 99),
    ("step 3, a matrix (4, 1)", (4, 1), 2),
]


def random_gradient(rng, shape):
    """Random gradients whose size varies over four orders of magnitude from coordinate to coordinate."""
    return rng.normal(size=shape) * 10.0 ** rng.uniform(-2, 2, size=shape)


def rule_cases(rule, hyper_choices, with_t=False):
    """Cases (param, grad, state[, t]) with the state that ``rule`` (a helpers.optim kernel) reached
    after k earlier steps of random gradients; ``pack`` turns its state dict into the notebook's form."""
    def cases(rng):
        result = []
        for i, (label, shape, steps) in enumerate(RULE_SHAPES):
            hyper = hyper_choices[i % len(hyper_choices)]
            param, state = rng.normal(size=shape), None
            for _ in range(steps):
                param, state = rule.unguarded(param, random_gradient(rng, shape), state, **hyper)
            grad = random_gradient(rng, shape)
            if i == len(RULE_SHAPES) - 1:
                grad[0] = 0.0                         # a coordinate with no gradient this step
            args = (param, grad, pack(rule, state)) + ((steps + 1,) if with_t else ())
            settings = ", ".join(f"{k}={v:g}" for k, v in hyper.items())
            result.append(Case(f"{label}; {settings}", args, dict(hyper)))
        return result
    return cases


def pack(rule, state):
    """A helpers.optim state dict in the notebook's form: one array (Adam's m and v stacked), None
    before the first step."""
    if state is None:
        return None
    if rule is optim.adam:
        return np.stack([state["m"], state["v"]])
    return next(iter(state.values()))


def unpack(rule, state, t=None):
    """The notebook's form of a state back as ``rule``'s state dict (Adam's needs the step number t)."""
    if state is None:
        return None
    if rule is optim.adam:
        m, v = np.asarray(state)
        return {"m": m, "v": v, "t": int(t) - 1}
    return {{optim.momentum: "v", optim.rmsprop: "s", optim.adagrad: "G"}[rule]: np.asarray(state)}


# --------------------------------------------------------------------------- one property per rule

def property_cases(build):
    def cases(rng):
        return [build(rng, i, shape) for i, shape in enumerate([(6,), (2, 3), (1,), (4, 5), (3, 2, 2)])]
    return cases


def momentum_property_case(rng, i, shape):
    g = random_gradient(rng, shape)
    lr, beta = [(0.1, 0.9), (0.01, 0.5), (0.5, 0.99), (0.2, 0.8), (1.0, 0.9)][i]
    if i % 2 == 0:
        return NetworkCase(f"first step (v = None), {shape}, lr={lr:g}, beta={beta:g}",
                           (rng.normal(size=shape), g, None), dict(lr=lr, beta=beta), network={"first": True})
    return NetworkCase(f"a gradient that never changes (v = g already), {shape}, lr={lr:g}, beta={beta:g}",
                       (rng.normal(size=shape), g, g.copy()), dict(lr=lr, beta=beta), network={"first": False})


def rmsprop_property_case(rng, i, shape):
    lr, beta = [(0.01, 0.9), (0.001, 0.99), (0.1, 0.5), (0.05, 0.9), (0.02, 0.8)][i]
    scale = [1e3, 1e-2, 1e2, 1e-1, 1e4][i]
    param, s = rng.normal(size=shape), rng.uniform(0.5, 2.0, size=shape)
    g = rng.normal(size=shape)
    return NetworkCase(f"every gradient × {scale:g} (so s × {scale ** 2:g}), {shape}, lr={lr:g}",
                       (param, g * scale, s * scale ** 2), dict(lr=lr, beta=beta, eps=1e-8),
                       network={"unscaled_step": -lr * g / np.sqrt(beta * s + (1 - beta) * g * g), "scale": scale})


def adagrad_property_case(rng, i, shape):
    t = [1, 4, 25, 100, 9][i]
    size = [1e-2, 1.0, 1e3, 10.0, 1e-1][i]
    g = size * rng.choice([-1.0, 1.0], size=shape)
    lr = [0.1, 0.5, 1.0, 0.01, 0.2][i]
    G = None if t == 1 else (t - 1) * g * g
    return NetworkCase(f"the {t}th gradient of size {size:g} in a row, {shape}, lr={lr:g}",
                       (rng.normal(size=shape), g, G), dict(lr=lr, eps=1e-8), network={"t": t})


def adam_property_case(rng, i, shape):
    lr = [0.001, 0.01, 0.1, 0.003, 0.05][i]
    g = rng.choice([-1.0, 1.0], size=shape) * 10.0 ** rng.uniform(-3, 3, size=shape)
    return Case(f"first step, gradients from 1e-3 to 1e3, {shape}, lr={lr:g}", (rng.normal(size=shape), g, None, 1),
                dict(lr=lr, beta1=0.9, beta2=0.999, eps=1e-8))


# --------------------------------------------------------------------------- learning-rate schedules

def epoch_vectors(rng):
    return [
        ("the first epochs 0..5", np.arange(6)),
        ("epoch 0 alone", np.array([0])),
        ("epochs 0, 9, 10, 11, 19, 20, 21 (around the stairs)", np.array([0, 9, 10, 11, 19, 20, 21])),
        ("late epochs up to 1000", np.array([50, 100, 500, 1000])),
        ("random epochs, unsorted", rng.integers(0, 200, size=12)),
        ("fractional epochs (a schedule per update)", np.round(rng.uniform(0, 40, size=8), 2)),
    ]


def schedule_cases(settings):
    def cases(rng):
        result = []
        for i, (label, epochs) in enumerate(epoch_vectors(rng)):
            lr0, kwargs = settings[i % len(settings)]
            shown = ", ".join(f"{k}={v:g}" for k, v in kwargs.items())
            result.append(Case(f"{label}; lr0={lr0:g}, {shown}", (lr0, epochs), dict(kwargs)))
        return result
    return cases


# --------------------------------------------------------------------------- the ravine and the saddle

def ravine_cases(rng):
    """The six hand-worked answers have no input: one case."""
    return [Case("your six answers", ())]


# --------------------------------------------------------------------------- training on the digits

TRAINING_UPDATES = 500


def training_cases(rng):
    from ..data import load_digits_split
    X_train, y_train, _, _ = load_digits_split(seed=0)
    seeds = [int(s) for s in rng.choice(100_000, size=3, replace=False)]
    return [Case(f"digits, Adam, {TRAINING_UPDATES} updates, seed {seed}", (X_train, y_train),
                 dict(optimizer="adam", n_updates=TRAINING_UPDATES, seed=seed)) for seed in seeds]
