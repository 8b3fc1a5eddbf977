"""Week 7 checks: mini-batches, exponentially weighted averages, the update rules, learning-rate
schedules, the ravine and saddle questions, and training a deep network on the digits with Adam.

The update rules are graded one step at a time, from a state that ``helpers.optim`` built over 0 to 99
earlier steps of random gradients (so "several steps" without the grader having to chain calls), on
tensors of several shapes and gradients whose size varies from coordinate to coordinate by four orders of
magnitude. The grader moves only arrays and plain numbers, so the states are arrays too: momentum's
``v``, RMSprop's ``s`` and AdaGrad's ``G`` have the shape of the parameter, Adam's ``(m, v)`` arrives as
one array of shape ``(2,) + param.shape`` (``m, v = state`` unpacks either), and ``None`` stands for the
zeros before the first step. Each rule also has a check of one property, with a message that says what
the property means (Adam's first step moves every coordinate by about lr, whatever the gradient's size).
"""
from __future__ import annotations

import math

import numpy as np

from .. import optim
from .core import ByHand, Case, Check, CheckFailed, NetworkCase, as_output, compare, register

UPDATE_RULES = (optim.sgd, optim.momentum, optim.rmsprop, optim.adagrad, optim.adam)


def _guards(own):
    """The rule's own kernel first (the syllabus names it), then every other update rule."""
    return (own,) + tuple(k for k in UPDATE_RULES if k is not own)


# --------------------------------------------------------------------------- mini-batches

# (label, N, trailing shape of X, batch_size)
_BATCH_CASES = [
    ("N = 10, batch_size 3: three full batches and a last one of 1", 10, (2,), 3),
    ("N = 12, batch_size 4: batches that fit exactly", 12, (3,), 4),
    ("batch_size 1: stochastic gradient descent", 9, (2,), 1),
    ("batch_size = N: batch gradient descent, one batch", 11, (2,), 11),
    ("batch_size larger than N: one batch of all N", 6, (3,), 8),
    ("a single example (N = 1)", 1, (4,), 5),
    ("images X (37, 1, 4, 4), batch_size 8", 37, (1, 4, 4), 8),
    ("N = 1000, batch_size 64: 15 full batches and one of 40", 1000, (3,), 64),
]


def _minibatch_cases(rng):
    cases = []
    for label, n, trailing, batch_size in _BATCH_CASES:
        X = rng.normal(size=(n,) + trailing)
        ids = np.arange(n, dtype=np.int64)      # the labels name the rows: y[i] = i
        cases.append(Case(label, (X, ids, batch_size, int(rng.integers(0, 2**31 - 1)))))
    return cases


_RUNS = ("the first run", "the second run with the same seed", "the run with another seed")
_BATCH_HINT = ("draw one permutation of range(N) from the generator you are given (rng.permutation(N)), "
               "index X and y with it, and cut the result into slices of batch_size; keep the last, "
               "smaller slice.")


def _read_run(run, name, where):
    if not isinstance(run, tuple) or len(run) != 3:
        raise CheckFailed(f"{where}: {name} could not be read (the adapter returns three arrays per run).")
    return tuple(as_output(part, f"{name} {what}", where) for part, what in zip(run, ("X", "y", "sizes")))


def _verify_minibatches(case, outputs, where):
    __tracebackhide__ = True
    X, ids, batch_size, _ = case.args
    n = len(ids)
    expected_sizes = [batch_size] * (n // batch_size) + ([n % batch_size] if n % batch_size else [])
    runs = [_read_run(run, name, where) for run, name in zip(outputs, _RUNS)]
    for (rows, labels, sizes), name in zip(runs, _RUNS):
        if sizes.astype(int).tolist() != expected_sizes:
            raise CheckFailed(f"{where}: in {name} the batches have {sizes.astype(int).tolist()} examples; "
                              f"with N = {n} and batch_size = {batch_size} expected {expected_sizes} (full "
                              f"batches first, and the last, smaller batch kept).\nHint: {_BATCH_HINT}")
        if labels.shape != (n,) or rows.shape != X.shape:
            raise CheckFailed(f"{where}: in {name} the batches hold y of {labels.shape[0] if labels.ndim else 0} "
                              f"examples and X of shape {rows.shape}, expected {n} and {X.shape}.")
        counts = np.bincount(np.clip(labels.astype(np.int64), 0, n), minlength=n + 1)[:n]
        missing, twice = int(np.sum(counts == 0)), int(np.sum(counts > 1))
        if missing or twice:
            raise CheckFailed(f"{where}: one epoch must use every example exactly once; in {name} "
                              f"{missing} examples are missing and {twice} appear more than once."
                              f"\nHint: {_BATCH_HINT}")
        if not np.array_equal(rows, X[labels.astype(np.int64)]):
            raise CheckFailed(f"{where}: in {name} the rows of X and the entries of y no longer belong together: "
                              f"shuffle both with the SAME permutation.")
    if not all(np.array_equal(a, b) for a, b in zip(runs[0], runs[1])):
        raise CheckFailed(f"{where}: two calls with generators made from the same seed gave different batches. "
                          f"Draw the order only from the generator `rng` you are given (not np.random).")
    if batch_size < n and n >= 8:
        if np.array_equal(runs[0][1], np.arange(n)):
            raise CheckFailed(f"{where}: the examples come out in their original order: shuffle them first.")
        if np.array_equal(runs[0][1], runs[2][1]):
            raise CheckFailed(f"{where}: a generator made from another seed gave the same order; draw the "
                              f"permutation from `rng`, the generator you are given.")


register(Check("minibatches", _minibatch_cases, reference=None, verify=_verify_minibatches,
               function="minibatches", outputs=_RUNS,
               hint=_BATCH_HINT,
               doc="Check ``minibatches(X, y, batch_size, rng)`` through ``minibatch_layouts(X, y, batch_size, "
                   "seed)`` (three runs: seed, the same seed, another seed): every example once per epoch, X and "
                   "y shuffled together, full batches then the last partial one, the same batches for the same "
                   "seed; batch_size 1 (SGD) and N (batch gradient descent) included."))


# --------------------------------------------------------------------------- exponentially weighted averages

def _temperature_year(seed, days=365):
    """A made-up year of daily temperatures in °C (a season and day-to-day noise), shape (days,)."""
    rng = np.random.default_rng(seed)
    day = np.arange(days)
    return 12.0 - 9.0 * np.cos(2 * np.pi * (day - 20) / 365) + rng.normal(scale=3.0, size=days)


def _ewa_cases(bias_correction):
    def cases(rng):
        kw = {"bias_correction": bias_correction}
        return [
            Case("T = 1: one value", (np.array([17.0]), 0.9), kw),
            Case("β = 0: the average is the latest value", (rng.normal(size=6) * 5, 0.0), kw),
            Case("a constant series (20 °C every day), β = 0.98", (np.full(40, 20.0), 0.98), kw),
            Case("a year of daily temperatures (365,), β = 0.9", (_temperature_year(int(rng.integers(1000))), 0.9), kw),
            Case("100 days, β = 0.98", (_temperature_year(int(rng.integers(1000)))[:100], 0.98), kw),
            Case("10 values, β = 0.5", (rng.normal(size=10) * 3 + 10, 0.5), kw),
            Case("three series at once, values (50, 3)", (rng.normal(size=(50, 3)) * [1.0, 10.0, 100.0], 0.9), kw),
            Case("values (20, 2, 2), β = 0.7", (rng.normal(size=(20, 2, 2)), 0.7), kw),
        ]
    return cases


def _ewa_reference(values, beta, bias_correction=True):
    return optim.ewa.unguarded(values, beta, bias_correction=bias_correction)


register(Check("ewa", _ewa_cases(False), _ewa_reference, function="ewa", outputs=("v",), guarded=(optim.ewa,),
               hint="start from v = 0 (zeros shaped like one value, values.shape[1:]) and for t = 0, 1, ... set "
                    "v = beta * v + (1 - beta) * values[t] and store it as out[t]; return all T averages.",
               doc="Check ``ewa(values, beta, bias_correction=False)``, v_t = β v_{t−1} + (1 − β) θ_t from v_0 = 0, "
                   "on series of shape (T,) and (T, ...), β = 0 and T = 1 included, against helpers.optim.ewa."))
register(Check("ewa_bias_corrected", _ewa_cases(True), _ewa_reference, function="ewa", outputs=("v",),
               guarded=(optim.ewa,),
               hint="divide each v_t by (1 − β^t) where t counts from 1 (the first value is t = 1, so the "
                    "first corrected average is the first value itself); keep the uncorrected v in the recursion.",
               doc="Check ``ewa(values, beta, bias_correction=True)``, v_t / (1 − β^t), on the same series, against "
                   "helpers.optim.ewa."))


# --------------------------------------------------------------------------- update rules

# (label, shape, steps before the graded one, hyperparameters)
_RULE_SHAPES = [
    ("first step (state None), a vector (5,)", (5,), 0),
    ("second step, one parameter (1,)", (1,), 1),
    ("step 5, a matrix (3, 4)", (3, 4), 4),
    ("step 10, a tensor (2, 3, 4)", (2, 3, 4), 9),
    ("step 100, a weight matrix (64, 10)", (64, 10), 99),
    ("step 3, a matrix (4, 1)", (4, 1), 2),
]


def _gradient(rng, shape):
    """Random gradients whose size varies over four orders of magnitude from coordinate to coordinate."""
    return rng.normal(size=shape) * 10.0 ** rng.uniform(-2, 2, size=shape)


def _rule_cases(rule, hyper_choices, with_t=False):
    """Cases (param, grad, state[, t]) with the state that ``rule`` (a helpers.optim kernel) reached
    after k earlier steps of random gradients; ``pack`` turns its state dict into the notebook's form."""
    def cases(rng):
        result = []
        for i, (label, shape, steps) in enumerate(_RULE_SHAPES):
            hyper = hyper_choices[i % len(hyper_choices)]
            param, state = rng.normal(size=shape), None
            for _ in range(steps):
                param, state = rule.unguarded(param, _gradient(rng, shape), state, **hyper)
            grad = _gradient(rng, shape)
            if i == len(_RULE_SHAPES) - 1:
                grad[0] = 0.0                         # a coordinate with no gradient this step
            args = (param, grad, _pack(rule, state)) + ((steps + 1,) if with_t else ())
            settings = ", ".join(f"{k}={v:g}" for k, v in hyper.items())
            result.append(Case(f"{label}; {settings}", args, dict(hyper)))
        return result
    return cases


def _pack(rule, state):
    if state is None:
        return None
    if rule is optim.adam:
        return np.stack([state["m"], state["v"]])
    return next(iter(state.values()))


def _unpack(rule, state, t=None):
    if state is None:
        return None
    if rule is optim.adam:
        m, v = np.asarray(state)
        return {"m": m, "v": v, "t": int(t) - 1}
    return {{optim.momentum: "v", optim.rmsprop: "s", optim.adagrad: "G"}[rule]: np.asarray(state)}


def _rule_reference(rule):
    def reference(param, grad, state, *rest, **hyper):
        new_param, new_state = rule.unguarded(param, grad, _unpack(rule, state, *rest), **hyper)
        return new_param, _pack(rule, new_state)
    return reference


_MOMENTUM_HINT = ("v = beta * v + (1 - beta) * grad (v is zeros when the state is None), then param - lr * v; "
                  "return (new_param, v). The form v = beta v − lr g, θ = θ + v is the same rule with another "
                  "learning rate, but the one graded here is the averaging form.")
_RMSPROP_HINT = ("s = beta * s + (1 - beta) * grad**2 (element-wise), then param - lr * grad / (np.sqrt(s) + eps), "
                 "with eps outside the root; return (new_param, s).")
_ADAGRAD_HINT = ("G = G + grad**2: the SQUARED gradient, so that G only grows (the notes' formula drops the "
                 "square), then param - lr * grad / (np.sqrt(G) + eps); return (new_param, G).")
_ADAM_HINT = ("m = beta1 m + (1 − beta1) g and v = beta2 v + (1 − beta2) g²; m̂ = m / (1 − beta1**t), "
              "v̂ = v / (1 − beta2**t) with t the number of this step (1 on the first); param − lr m̂ / (√v̂ + eps). "
              "Return (new_param, (m, v)): the state keeps the averages WITHOUT the correction.")

register(Check("momentum_update",
               _rule_cases(optim.momentum, [dict(lr=0.1, beta=0.9), dict(lr=0.01, beta=0.5),
                                            dict(lr=0.5, beta=0.99), dict(lr=0.05, beta=0.0)]),
               _rule_reference(optim.momentum), outputs=("param", "v"), guarded=_guards(optim.momentum),
               hint=_MOMENTUM_HINT,
               doc="Check one step of ``momentum_update(param, grad, v, lr, beta) -> (param, v)``, v = βv + (1 − β)g, "
                   "from states built over 0 to 99 earlier steps, on tensors of several shapes, against "
                   "helpers.optim.momentum (β = 0 included)."))
register(Check("rmsprop_update",
               _rule_cases(optim.rmsprop, [dict(lr=0.01, beta=0.9, eps=1e-8), dict(lr=0.001, beta=0.99, eps=1e-8),
                                           dict(lr=0.1, beta=0.5, eps=1e-6)]),
               _rule_reference(optim.rmsprop), outputs=("param", "s"), guarded=_guards(optim.rmsprop),
               hint=_RMSPROP_HINT,
               doc="Check one step of ``rmsprop_update(param, grad, s, lr, beta, eps) -> (param, s)`` from states built "
                   "over 0 to 99 earlier steps, on tensors of several shapes, against helpers.optim.rmsprop."))
register(Check("adagrad_update",
               _rule_cases(optim.adagrad, [dict(lr=0.1, eps=1e-8), dict(lr=0.01, eps=1e-8), dict(lr=1.0, eps=1e-6)]),
               _rule_reference(optim.adagrad), outputs=("param", "G"), guarded=_guards(optim.adagrad),
               hint=_ADAGRAD_HINT,
               doc="Check one step of ``adagrad_update(param, grad, G, lr, eps) -> (param, G)``, G = G + g², from states "
                   "built over 0 to 99 earlier steps (negative gradients included), against helpers.optim.adagrad."))
register(Check("adam_update",
               _rule_cases(optim.adam, [dict(lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8),
                                        dict(lr=0.01, beta1=0.8, beta2=0.99, eps=1e-8),
                                        dict(lr=0.1, beta1=0.5, beta2=0.9, eps=1e-6)], with_t=True),
               _rule_reference(optim.adam), outputs=("param", "state"), guarded=_guards(optim.adam),
               hint=_ADAM_HINT,
               doc="Check one step of ``adam_update(param, grad, state, t, lr, beta1, beta2, eps) -> (param, (m, v))`` "
                   "at steps t = 1 to 100 from states built by helpers.optim.adam, on tensors of several shapes."))


# --------------------------------------------------------------------------- one property per rule

def _moved(case, got, where):
    """(how far the student's step moved each coordinate, the step's inputs) from plain outputs."""
    param = case.args[0]
    new_param = as_output(got[0], "param", where)
    if new_param.shape != param.shape:
        raise CheckFailed(f"{where}: `param` has shape {new_param.shape}, expected {param.shape}.")
    return new_param - param


def _property_cases(build):
    def cases(rng):
        return [build(rng, i, shape) for i, shape in enumerate([(6,), (2, 3), (1,), (4, 5), (3, 2, 2)])]
    return cases


def _momentum_property_case(rng, i, shape):
    g = _gradient(rng, shape)
    lr, beta = [(0.1, 0.9), (0.01, 0.5), (0.5, 0.99), (0.2, 0.8), (1.0, 0.9)][i]
    if i % 2 == 0:
        return NetworkCase(f"first step (v = None), {shape}, lr={lr:g}, beta={beta:g}",
                           (rng.normal(size=shape), g, None), dict(lr=lr, beta=beta), network={"first": True})
    return NetworkCase(f"a gradient that never changes (v = g already), {shape}, lr={lr:g}, beta={beta:g}",
                       (rng.normal(size=shape), g, g.copy()), dict(lr=lr, beta=beta), network={"first": False})


def _verify_momentum_property(case, got, where):
    __tracebackhide__ = True
    grad, (lr, beta) = case.args[1], (case.kwargs["lr"], case.kwargs["beta"])
    moved = _moved(case, got, where)
    if case.network["first"]:
        compare(-lr * (1 - beta) * grad, moved, "param − old param", where, 1e-9,
                "v starts at zero, so the first step moves only (1 − beta) · lr · g: the start-up bias of the "
                "average (section 2), which momentum usually leaves uncorrected.")
    else:
        compare(-lr * grad, moved, "param − old param", where, 1e-9,
                "when the gradient never changes, its average is the gradient itself: with v = g already, "
                "v stays g and the step is the plain lr · g.")
        compare(grad, got[1], "v", where, 1e-9, "the average of g, g, g, ... is g: v must stay equal to g.")


def _rmsprop_property_case(rng, i, shape):
    lr, beta = [(0.01, 0.9), (0.001, 0.99), (0.1, 0.5), (0.05, 0.9), (0.02, 0.8)][i]
    scale = [1e3, 1e-2, 1e2, 1e-1, 1e4][i]
    param, s = rng.normal(size=shape), rng.uniform(0.5, 2.0, size=shape)
    g = rng.normal(size=shape)
    return NetworkCase(f"every gradient × {scale:g} (so s × {scale ** 2:g}), {shape}, lr={lr:g}",
                       (param, g * scale, s * scale ** 2), dict(lr=lr, beta=beta, eps=1e-8),
                       network={"unscaled_step": -lr * g / np.sqrt(beta * s + (1 - beta) * g * g), "scale": scale})


def _verify_rmsprop_property(case, got, where):
    __tracebackhide__ = True
    moved = _moved(case, got, where)
    compare(case.network["unscaled_step"], moved, "param − old param", where, 1e-5,
            f"RMSprop divides the gradient by the root of its mean SQUARE, so multiplying every gradient by "
            f"{case.network['scale']:g} must leave the step as it was: the size of the gradient cancels.")


def _adagrad_property_case(rng, i, shape):
    t = [1, 4, 25, 100, 9][i]
    size = [1e-2, 1.0, 1e3, 10.0, 1e-1][i]
    g = size * rng.choice([-1.0, 1.0], size=shape)
    lr = [0.1, 0.5, 1.0, 0.01, 0.2][i]
    G = None if t == 1 else (t - 1) * g * g
    return NetworkCase(f"the {t}th gradient of size {size:g} in a row, {shape}, lr={lr:g}",
                       (rng.normal(size=shape), g, G), dict(lr=lr, eps=1e-8), network={"t": t})


def _verify_adagrad_property(case, got, where):
    __tracebackhide__ = True
    t, grad, lr = case.network["t"], case.args[1], case.kwargs["lr"]
    moved = _moved(case, got, where)
    compare(-lr * np.sign(grad) / math.sqrt(t), moved, "param − old param", where, 1e-5,
            f"after t gradients of the same size, G = t g², so step t moves by lr · |g| / √(t g²) = lr / √t "
            f"(here t = {t}): whatever the gradient's size, AdaGrad's steps shrink like 1/√t. Square the "
            f"gradient before adding it to G.")


def _adam_property_case(rng, i, shape):
    lr = [0.001, 0.01, 0.1, 0.003, 0.05][i]
    g = rng.choice([-1.0, 1.0], size=shape) * 10.0 ** rng.uniform(-3, 3, size=shape)
    return Case(f"first step, gradients from 1e-3 to 1e3, {shape}, lr={lr:g}", (rng.normal(size=shape), g, None, 1),
                dict(lr=lr, beta1=0.9, beta2=0.999, eps=1e-8))


def _verify_adam_property(case, got, where):
    __tracebackhide__ = True
    grad, lr = case.args[1], case.kwargs["lr"]
    moved = _moved(case, got, where)
    compare(-lr * np.sign(grad), moved, "param − old param", where, 1e-4,
            "on the first step m̂ = g and v̂ = g² once both are divided by their (1 − β^1), so the step is "
            "lr · g / |g|: every coordinate moves by about lr, whatever the size of its gradient. A step "
            "that depends on |g| means a missing bias correction (or t not starting at 1).")


register(Check("momentum_constant_gradient", _property_cases(_momentum_property_case), reference=None,
               verify=_verify_momentum_property, function="momentum_update", outputs=("param", "v"),
               guarded=_guards(optim.momentum), hint=_MOMENTUM_HINT,
               doc="Check two properties of ``momentum_update``: the first step is (1 − β) of a plain step, and a "
                   "gradient that never changes is its own average (v stays g, the step is lr · g)."))
register(Check("rmsprop_scale_invariance", _property_cases(_rmsprop_property_case), reference=None,
               verify=_verify_rmsprop_property, function="rmsprop_update", outputs=("param", "s"),
               guarded=_guards(optim.rmsprop), hint=_RMSPROP_HINT,
               doc="Check that ``rmsprop_update``'s step does not change when every gradient (and so s) is scaled "
                   "by factors from 1e-2 to 1e4."))
register(Check("adagrad_step_shrinks", _property_cases(_adagrad_property_case), reference=None,
               verify=_verify_adagrad_property, function="adagrad_update", outputs=("param", "G"),
               guarded=_guards(optim.adagrad), hint=_ADAGRAD_HINT,
               doc="Check that ``adagrad_update``'s t-th step for gradients of one size is lr/√t per coordinate, "
                   "for sizes from 1e-2 to 1e3."))
register(Check("adam_first_step", _property_cases(_adam_property_case), reference=None,
               verify=_verify_adam_property, function="adam_update", outputs=("param", "state"),
               guarded=_guards(optim.adam), hint=_ADAM_HINT,
               doc="Check that ``adam_update``'s first step (t = 1, state None) moves every coordinate by lr, for "
                   "gradients from 1e-3 to 1e3: the bias correction at work."))


# --------------------------------------------------------------------------- learning-rate schedules

def _epoch_vectors(rng):
    return [
        ("the first epochs 0..5", np.arange(6)),
        ("epoch 0 alone", np.array([0])),
        ("epochs 0, 9, 10, 11, 19, 20, 21 (around the stairs)", np.array([0, 9, 10, 11, 19, 20, 21])),
        ("late epochs up to 1000", np.array([50, 100, 500, 1000])),
        ("random epochs, unsorted", rng.integers(0, 200, size=12)),
        ("fractional epochs (a schedule per update)", np.round(rng.uniform(0, 40, size=8), 2)),
    ]


def _schedule_cases(settings):
    def cases(rng):
        result = []
        for i, (label, epochs) in enumerate(_epoch_vectors(rng)):
            lr0, kwargs = settings[i % len(settings)]
            shown = ", ".join(f"{k}={v:g}" for k, v in kwargs.items())
            result.append(Case(f"{label}; lr0={lr0:g}, {shown}", (lr0, epochs), dict(kwargs)))
        return result
    return cases


register(Check("inverse_time_decay",
               _schedule_cases([(0.2, dict(decay_rate=1.0)), (0.01, dict(decay_rate=0.2)),
                                (1.0, dict(decay_rate=0.05)), (0.5, dict(decay_rate=0.0))]),
               lambda lr0, epoch, **kw: optim.inverse_time_decay.unguarded(lr0, epoch, **kw),
               outputs=("lr",), guarded=(optim.inverse_time_decay, optim.exponential_decay, optim.staircase_decay),
               hint="lr0 / (1 + decay_rate * epoch), element by element for an array of epochs (no loop needed).",
               doc="Check ``inverse_time_decay(lr0, epoch, decay_rate)`` = lr₀ / (1 + decay_rate·epoch) on vectors "
                   "of epochs (0, late, unsorted and fractional epochs included)."))
register(Check("exponential_decay",
               _schedule_cases([(0.2, dict(rate=0.95)), (0.01, dict(rate=0.5)), (1.0, dict(rate=0.99)),
                                (0.3, dict(rate=1.0))]),
               lambda lr0, epoch, **kw: optim.exponential_decay.unguarded(lr0, epoch, **kw),
               outputs=("lr",), guarded=(optim.exponential_decay, optim.inverse_time_decay, optim.staircase_decay),
               hint="lr0 * rate ** epoch: the learning rate is multiplied by rate once per epoch, so epoch 0 gives lr0.",
               doc="Check ``exponential_decay(lr0, epoch, rate)`` = lr₀ · rate^epoch on vectors of epochs."))
register(Check("staircase_decay",
               _schedule_cases([(0.2, dict(drop=0.5, epochs_per_drop=10)), (0.1, dict(drop=0.1, epochs_per_drop=3)),
                                (1.0, dict(drop=0.5, epochs_per_drop=1)), (0.05, dict(drop=0.9, epochs_per_drop=25))]),
               lambda lr0, epoch, **kw: optim.staircase_decay.unguarded(lr0, epoch, **kw),
               outputs=("lr",), guarded=(optim.staircase_decay, optim.inverse_time_decay, optim.exponential_decay),
               hint="lr0 * drop ** np.floor(epoch / epochs_per_drop): constant for epochs_per_drop epochs, "
                    "then one step down; round DOWN (floor), not to the nearest integer.",
               doc="Check ``staircase_decay(lr0, epoch, drop, epochs_per_drop)`` = lr₀ · drop^⌊epoch / epochs_per_drop⌋ "
                   "on vectors of epochs, on and around the stairs."))


# --------------------------------------------------------------------------- the ravine and the saddle

RAVINE_CURVATURES = (1.0, 20.0)       # f(w) = ½(λ₁ w₁² + λ₂ w₂²)
RAVINE_FLAT_START, RAVINE_FLAT_GOAL = 4.0, 0.04
RAVINE_MOMENTUM_BETA = 0.9
SADDLE_LR, SADDLE_Y0, SADDLE_EXIT = 0.1, 1e-3, 1.0     # f(x, y) = ½(x² − y²) near the saddle


def _ravine_reference():
    flat, steep = RAVINE_CURVATURES
    largest = 2.0 / steep
    one_step = 1.0 / steep
    factor = 1.0 - one_step * flat
    steps, w = 0, RAVINE_FLAT_START
    while abs(w) >= RAVINE_FLAT_GOAL:
        w, steps = w * factor, steps + 1
    beta = RAVINE_MOMENTUM_BETA
    momentum_largest = 2.0 * (1.0 + beta) / ((1.0 - beta) * steep)
    escape, y = 0, SADDLE_Y0
    while abs(y) < SADDLE_EXIT:
        y, escape = y * (1.0 + SADDLE_LR), escape + 1
    return np.array([largest, one_step, factor, steps, momentum_largest, escape], dtype=np.float64)


_RAVINE_LABELS = (
    "item 1 (the largest learning rate for which gradient descent does not diverge on the ravine)",
    "item 2 (the learning rate that removes the steep coordinate in one step)",
    "item 3 (the factor by which each step multiplies the flat coordinate, at the learning rate of item 2)",
    "item 4 (the number of steps until the flat coordinate falls below 0.04, starting from 4)",
    "item 5 (the largest stable learning rate of momentum, β = 0.9, in the averaging form)",
    "item 6 (the number of gradient-descent steps to leave the saddle)",
)
_RAVINE_HINTS = (
    "one step multiplies each coordinate by (1 − lr·λ); the step is stable while |1 − lr·λ| < 1 for BOTH "
    "curvatures, so the steeper one sets the limit. Give the boundary value.",
    "which learning rate makes the steep coordinate's factor 1 − lr·λ exactly zero?",
    "the flat coordinate has its own curvature: its factor is 1 − lr·λ with the small λ and the lr of item 2.",
    "after k steps the flat coordinate is 4·factorᵏ; find the first whole k with 4·factorᵏ < 0.04 "
    "(k = ⌈ln(0.01) / ln(factor)⌉, or count in a loop).",
    "the other form v ← βv − αg, θ ← θ + v is stable while α·λ < 2(1 + β); our averaging form is the same rule "
    "with α = lr·(1 − β). Solve for lr with the steep λ.",
    "near the saddle the gradient of −½y² is −y, so each step multiplies y by (1 + lr); count the whole steps "
    "until |y| first reaches 1 from 0.001.",
)

register(Check("ravine_saddle_answers", lambda rng: [Case("your six answers", ())], _ravine_reference,
               function="ravine_saddle_answers", outputs=("answers",),
               hint="each coordinate of a quadratic evolves on its own: one step multiplies it by (1 − lr·λ).",
               doc="Check the six numbers worked out by hand for the ravine f = ½(w₁² + 20 w₂²) and the saddle "
                   "½(x² − y²) (``ravine_saddle_answers``), computed here from the same constants.",
               by_hand=ByHand(labels=_RAVINE_LABELS, hints=_RAVINE_HINTS)))


# --------------------------------------------------------------------------- training on the digits

TRAINING_UPDATES = 500
TRAINING_MIN_ACCURACY = 0.95


def _training_cases(rng):
    from ..data import load_digits_split
    X_train, y_train, _, _ = load_digits_split(seed=0)
    seeds = [int(s) for s in rng.choice(100_000, size=3, replace=False)]
    return [Case(f"digits, Adam, {TRAINING_UPDATES} updates, seed {seed}", (X_train, y_train),
                 dict(optimizer="adam", n_updates=TRAINING_UPDATES, seed=seed)) for seed in seeds]


def _forward(params, X):
    h = X
    for W, b in zip(params[0:-2:2], params[1:-2:2]):
        h = np.maximum(h @ W + b, 0.0)
    return h @ params[-2] + params[-1]


def _verify_training(case, outputs, where):
    __tracebackhide__ = True
    from ..data import load_digits_split

    raw, n = outputs[0], case.kwargs["n_updates"]
    if not isinstance(raw, tuple):
        kind = getattr(raw, "type_name", type(raw).__name__)
        raise CheckFailed(f"{where}: `params` is a {kind}; return the parameters as a tuple of arrays "
                          f"(W1, b1, W2, b2, ...), e.g. tuple(params).")
    params = [as_output(p, f"params[{i}]", where) for i, p in enumerate(raw)]
    shapes = [p.shape for p in params]
    chain_ok = len(params) >= 8 and len(params) % 2 == 0 and shapes[0][:1] == (64,) and shapes[-1] == (10,)
    for W, b in zip(params[0::2], params[1::2]):
        chain_ok = chain_ok and W.ndim == 2 and b.shape == (W.shape[1],)
    for W, W_next in zip(params[0:-2:2], params[2::2]):
        chain_ok = chain_ok and W.shape[1] == W_next.shape[0]
    if not chain_ok:
        raise CheckFailed(f"{where}: `params` has shapes {shapes}; expected (W1, b1, ..., Wk, bk) with W1 (64, ·), "
                          f"at least three hidden layers (k ≥ 4) and a last layer with 10 outputs.")
    losses = as_output(outputs[1], "losses", where).ravel()
    if losses.size != n:
        raise CheckFailed(f"{where}: `losses` holds {losses.size} values; record exactly one loss per update "
                          f"({n} updates: the budget).")
    if not np.all(np.isfinite(losses)) or not losses[-50:].mean() < losses[:10].mean():
        raise CheckFailed(f"{where}: the losses must be finite and go down (mean of the last 50 below the mean "
                          f"of the first 10).")
    _, _, X_test, y_test = load_digits_split(seed=0)
    with np.errstate(all="ignore"):
        accuracy = float(np.mean(np.argmax(_forward(params, X_test), axis=1) == y_test))
    if not accuracy >= TRAINING_MIN_ACCURACY:
        raise CheckFailed(f"{where}: test accuracy {accuracy:.1%} after {n} updates is below "
                          f"{TRAINING_MIN_ACCURACY:.0%}. Check that every parameter array keeps its own Adam "
                          f"state, that t counts the updates from 1, and that the learning rate decays per epoch.")


register(Check("adam_trains_digits", _training_cases, reference=None, verify=_verify_training,
               function="train_mlp", outputs=("params", "losses"), guarded=_guards(optim.adam),
               hint="train_mlp(X, y, optimizer, n_updates, seed) must return (params, losses): params a tuple "
                    "(W1, b1, ..., W4, b4), losses one value per update.",
               doc=f"Train with ``train_mlp(X_train, y_train, optimizer='adam', n_updates={TRAINING_UPDATES}, seed=s)`` "
                   f"for three seeds the grader draws; each run passes when params chain 64 → ... → 10 through at "
                   f"least three hidden ReLU layers, one loss per update went down, and the test accuracy is at "
                   f"least {TRAINING_MIN_ACCURACY:.0%}."))
