"""How week 7's checks judge an answer: the references, the verify functions of behaviour and
property checks, the worked numbers of the ravine and the saddle, and the hints their messages share.

Everything here reads plain outputs only (a verify function is ``(case, outputs, where) -> None``,
raising ``CheckFailed``), so it can run in a process that never ran student code. The cases are
drawn by ``_w07_cases``; ``helpers.grading.w07`` registers the checks.
"""
from __future__ import annotations

import math

import numpy as np

from .. import optim
from ._w07_cases import pack, unpack
from .core import CheckFailed, as_output, compare


# --------------------------------------------------------------------------- mini-batches

RUNS = ("the first run", "the second run with the same seed", "the run with another seed")
BATCH_HINT = ("draw one permutation of range(N) from the generator you are given (rng.permutation(N)), "
              "index X and y with it, and cut the result into slices of batch_size; keep the last, "
              "smaller slice.")


def read_run(run, name, where):
    if not isinstance(run, tuple) or len(run) != 3:
        raise CheckFailed(f"{where}: {name} could not be read (the adapter returns three arrays per run).")
    return tuple(as_output(part, f"{name} {what}", where) for part, what in zip(run, ("X", "y", "sizes")))


def verify_minibatches(case, outputs, where):
    __tracebackhide__ = True
    X, ids, batch_size, _ = case.args
    n = len(ids)
    expected_sizes = [batch_size] * (n // batch_size) + ([n % batch_size] if n % batch_size else [])
    runs = [read_run(run, name, where) for run, name in zip(outputs, RUNS)]
    for (rows, labels, sizes), name in zip(runs, RUNS):
        if sizes.astype(int).tolist() != expected_sizes:
            raise CheckFailed(f"{where}: in {name} the batches have {sizes.astype(int).tolist()} examples; "
                              f"with N = {n} and batch_size = {batch_size} expected {expected_sizes} (full "
                              f"batches first, and the last, smaller batch kept).\nHint: {BATCH_HINT}")
        if labels.shape != (n,) or rows.shape != X.shape:
            raise CheckFailed(f"{where}: in {name} the batches hold y of {labels.shape[0] if labels.ndim else 0} "
                              f"examples and X of shape {rows.shape}, expected {n} and {X.shape}.")
        counts = np.bincount(np.clip(labels.astype(np.int64), 0, n), minlength=n + 1)[:n]
        missing, twice = int(np.sum(counts == 0)), int(np.sum(counts > 1))
        if missing or twice:
            raise CheckFailed(f"{where}: one epoch must use every example exactly once; in {name} "
                              f"{missing} examples are missing and {twice} appear more than once."
                              f"\nHint: {BATCH_HINT}")
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


# --------------------------------------------------------------------------- exponentially weighted averages

def ewa_reference(values, beta, bias_correction=True):
    return optim.ewa.unguarded(values, beta, bias_correction=bias_correction)


# --------------------------------------------------------------------------- update rules

def rule_reference(rule):
    def reference(param, grad, state, *rest, **hyper):
        new_param, new_state = rule.unguarded(param, grad, unpack(rule, state, *rest), **hyper)
        return new_param, pack(rule, new_state)
    return reference


MOMENTUM_HINT = ("v = beta * v + (1 - beta) * grad (v is zeros when the state is None), then param - lr * v; "
                 "return (new_param, v). The form v = beta v − lr g, θ = θ + v is the same rule with another "
                 "learning rate, but the one graded here is the averaging form.")
RMSPROP_HINT = ("s = beta * s + (1 - beta) * grad**2 (element-wise), then param - lr * grad / (np.sqrt(s) + eps), "
                "with eps outside the root; return (new_param, s).")
ADAGRAD_HINT = ("G = G + grad**2: the SQUARED gradient, so that G only grows (the notes' formula drops the "
                "square), then param - lr * grad / (np.sqrt(G) + eps); return (new_param, G).")
ADAM_HINT = ("m = beta1 m + (1 − beta1) g and v = beta2 v + (1 − beta2) g²; m̂ = m / (1 − beta1**t), "
             "v̂ = v / (1 − beta2**t) with t the number of this step (1 on the first); param − lr m̂ / (√v̂ + eps). "
             "Return (new_param, (m, v)): the state keeps the averages WITHOUT the correction.")


# --------------------------------------------------------------------------- one property per rule

def step_taken(case, got, where):
    """(how far the student's step moved each coordinate, the step's inputs) from plain outputs."""
    param = case.args[0]
    new_param = as_output(got[0], "param", where)
    if new_param.shape != param.shape:
        raise CheckFailed(f"{where}: `param` has shape {new_param.shape}, expected {param.shape}.")
    return new_param - param


def verify_momentum_property(case, got, where):
    __tracebackhide__ = True
    grad, (lr, beta) = case.args[1], (case.kwargs["lr"], case.kwargs["beta"])
    moved = step_taken(case, got, where)
    if case.network["first"]:
        compare(-lr * (1 - beta) * grad, moved, "param − old param", where, 1e-9,
                "v starts at zero, so the first step moves only (1 − beta) · lr · g: the start-up bias of the "
                "average (section 2), which momentum usually leaves uncorrected.")
    else:
        compare(-lr * grad, moved, "param − old param", where, 1e-9,
                "when the gradient never changes, its average is the gradient itself: with v = g already, "
                "v stays g and the step is the plain lr · g.")
        compare(grad, got[1], "v", where, 1e-9, "the average of g, g, g, ... is g: v must stay equal to g.")


def verify_rmsprop_property(case, got, where):
    __tracebackhide__ = True
    moved = step_taken(case, got, where)
    compare(case.network["unscaled_step"], moved, "param − old param", where, 1e-5,
            f"RMSprop divides the gradient by the root of its mean SQUARE, so multiplying every gradient by "
            f"{case.network['scale']:g} must leave the step as it was: the size of the gradient cancels.")


def verify_adagrad_property(case, got, where):
    __tracebackhide__ = True
    t, grad, lr = case.network["t"], case.args[1], case.kwargs["lr"]
    moved = step_taken(case, got, where)
    compare(-lr * np.sign(grad) / math.sqrt(t), moved, "param − old param", where, 1e-5,
            f"after t gradients of the same size, G = t g², so step t moves by lr · |g| / √(t g²) = lr / √t "
            f"(here t = {t}): whatever the gradient's size, AdaGrad's steps shrink like 1/√t. Square the "
            f"gradient before adding it to G.")


def verify_adam_property(case, got, where):
    __tracebackhide__ = True
    grad, lr = case.args[1], case.kwargs["lr"]
    moved = step_taken(case, got, where)
    compare(-lr * np.sign(grad), moved, "param − old param", where, 1e-4,
            "on the first step m̂ = g and v̂ = g² once both are divided by their (1 − β^1), so the step is "
            "lr · g / |g|: every coordinate moves by about lr, whatever the size of its gradient. A step "
            "that depends on |g| means a missing bias correction (or t not starting at 1).")


# --------------------------------------------------------------------------- learning-rate schedules

def schedule_reference(kernel):
    """The reference of a schedule check: ``kernel`` (a helpers.optim schedule) without its tripwire."""
    def reference(lr0, epoch, **kwargs):
        return kernel.unguarded(lr0, epoch, **kwargs)
    return reference


# --------------------------------------------------------------------------- the ravine and the saddle

RAVINE_CURVATURES = (1.0, 20.0)       # f(w) = ½(λ₁ w₁² + λ₂ w₂²)
RAVINE_FLAT_START, RAVINE_FLAT_GOAL = 4.0, 0.04
RAVINE_MOMENTUM_BETA = 0.9
SADDLE_LR, SADDLE_Y0, SADDLE_EXIT = 0.1, 1e-3, 1.0     # f(x, y) = ½(x² − y²) near the saddle


def ravine_reference():
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


RAVINE_LABELS = (
    "item 1 (the largest learning rate for which gradient descent does not diverge on the ravine)",
    "item 2 (the learning rate that removes the steep coordinate in one step)",
    "item 3 (the factor by which each step multiplies the flat coordinate, at the learning rate of item 2)",
    "item 4 (the number of steps until the flat coordinate falls below 0.04, starting from 4)",
    "item 5 (the largest stable learning rate of momentum, β = 0.9, in the averaging form)",
    "item 6 (the number of gradient-descent steps to leave the saddle)",
)
RAVINE_HINTS = (
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


# --------------------------------------------------------------------------- training on the digits

TRAINING_MIN_ACCURACY = 0.95


def relu_net_forward(params, X):
    h = X
    for W, b in zip(params[0:-2:2], params[1:-2:2]):
        h = np.maximum(h @ W + b, 0.0)
    return h @ params[-2] + params[-1]


def verify_training(case, outputs, where):
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
        accuracy = float(np.mean(np.argmax(relu_net_forward(params, X_test), axis=1) == y_test))
    if not accuracy >= TRAINING_MIN_ACCURACY:
        raise CheckFailed(f"{where}: test accuracy {accuracy:.1%} after {n} updates is below "
                          f"{TRAINING_MIN_ACCURACY:.0%}. Check that every parameter array keeps its own Adam "
                          f"state, that t counts the updates from 1, and that the learning rate decays per epoch.")
