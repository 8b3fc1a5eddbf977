"""Week 7's update rules (momentum, RMSprop, AdaGrad, Adam): one step against ``helpers.optim``, then one
property per rule judged by its meaning.

Each step starts from a state that ``helpers.optim`` built over 0 to 99 earlier steps of random
gradients, on tensors of several shapes, with gradients whose size varies over four orders of
magnitude. The states travel in the notebook's form (:func:`pack`): momentum's ``v``, RMSprop's ``s``
and AdaGrad's ``G`` shaped like the parameter, Adam's ``(m, v)`` as one array of shape
``(2,) + param.shape``, None before the first step.
"""

from __future__ import annotations

import math

import numpy as np

from ... import optim
from ..core import Case, Check, CheckFailed, NetworkCase, as_output, compare, register

UPDATE_RULES = (optim.sgd, optim.momentum, optim.rmsprop, optim.adagrad, optim.adam)


def guards_of(own):
    """The rule's own kernel first, then every other update rule."""
    return (own,) + tuple(k for k in UPDATE_RULES if k is not own)


# --------------------------------------------------------------------------- one step against helpers.optim

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
                grad[0] = 0.0  # a coordinate with no gradient this step
            args = (param, grad, pack(rule, state)) + ((steps + 1,) if with_t else ())
            settings = ", ".join(f"{k}={v:g}" for k, v in hyper.items())
            result.append(Case(f"{label}; {settings}", args, dict(hyper)))
        return result

    return cases


def adam_cases(rng):
    """The shared cases, then a first step with gradients near 1e-4 = √eps, where eps's place shows: inside
    the root it shrinks a step by 10% to 40% (the shared cases' gradients are too large to notice)."""
    result = rule_cases(
        optim.adam,
        [
            dict(lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8),
            dict(lr=0.01, beta1=0.8, beta2=0.99, eps=1e-8),
            dict(lr=0.1, beta1=0.5, beta2=0.9, eps=1e-6),
        ],
        with_t=True,
    )(rng)
    shape = (8,)
    param = rng.choice([-1.0, 1.0], size=shape) * rng.uniform(0.5, 1.0, size=shape)
    grad = rng.choice([-1.0, 1.0], size=shape) * 10.0 ** rng.uniform(-4.3, -3.7, size=shape)
    hyper = dict(lr=5e-6, beta1=0.9, beta2=0.999, eps=1e-8)
    label = "first step, gradients near √eps (5e-5 to 2e-4), (8,); lr=5e-06, eps=1e-8"
    result.append(Case(label, (param, grad, None, 1), hyper))
    return result


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


def rule_reference(rule):
    def reference(param, grad, state, *rest, **hyper):
        new_param, new_state = rule.unguarded(param, grad, unpack(rule, state, *rest), **hyper)
        return new_param, pack(rule, new_state)

    return reference


MOMENTUM_HINT = (
    "v = beta * v + (1 - beta) * grad (v is zeros when the state is None), then param - lr * v; "
    "return (new_param, v). The form v = beta v − lr g, θ = θ + v is the same rule with another "
    "learning rate, but the one graded here is the averaging form."
)


OTHER_MOMENTUM_FORM = (
    "That is the step of the other form of momentum, v = beta v − lr g and param + v (or v = beta v + g "
    "and param − lr v), whose steps are 1/(1 − beta) times larger for the same lr. "
    "The exercise asks for the averaging form, v = beta v + (1 − beta) g, param − lr v."
)


RMSPROP_HINT = (
    "s = beta * s + (1 - beta) * grad**2 (element-wise), then param - lr * grad / (np.sqrt(s) + eps), "
    "with eps outside the root; return (new_param, s)."
)


ADAGRAD_HINT = (
    "G = G + grad**2: the SQUARED gradient, so that G only grows (a formula sometimes printed drops "
    "the square), then param - lr * grad / (np.sqrt(G) + eps); return (new_param, G)."
)


ADAM_HINT = (
    "m = beta1 m + (1 − beta1) g and v = beta2 v + (1 − beta2) g²; m̂ = m / (1 − beta1**t), "
    "v̂ = v / (1 − beta2**t) with t the number of this step (1 on the first); param − lr m̂ / (√v̂ + eps), "
    "eps outside the root. Return (new_param, (m, v)): the state keeps the averages WITHOUT the correction."
)

EPS_INSIDE = (
    "Your step is lr · m̂ / √(v̂ + eps): eps went INSIDE the square root. It belongs outside, "
    "lr · m̂ / (√v̂ + eps); inside, it shrinks the steps of coordinates whose gradients are small "
    "(for |g| near √eps, by a large factor)."
)


def adam_with_eps_inside(param, grad, state, t, lr, beta1, beta2, eps):
    """Adam's step with eps under the root: the mistake :func:`diagnose_adam` recognises."""
    m, v = (np.zeros_like(param), np.zeros_like(param)) if state is None else np.asarray(state)
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad * grad
    return param - lr * (m / (1 - beta1**t)) / np.sqrt(v / (1 - beta2**t) + eps)


def _matches(got, value):
    got = np.asarray(got, dtype=float)
    return got.shape == np.shape(value) and np.allclose(got, value, rtol=1e-10, atol=1e-15)


def diagnose_adam(case, expected, got):
    param, grad, state, t = case.args
    inside = adam_with_eps_inside(param, grad, state, t, **case.kwargs)
    if not _matches(inside, expected[0]) and _matches(got[0], inside):
        return EPS_INSIDE
    return ""


register(
    Check(
        "momentum_update",
        rule_cases(
            optim.momentum,
            [dict(lr=0.1, beta=0.9), dict(lr=0.01, beta=0.5), dict(lr=0.5, beta=0.99), dict(lr=0.05, beta=0.0)],
        ),
        rule_reference(optim.momentum),
        outputs=("param", "v"),
        guarded=guards_of(optim.momentum),
        hint=MOMENTUM_HINT,
        compares_with=(optim.momentum,),
        doc="Check one step of ``momentum_update(param, grad, v, lr, beta) -> (param, v)``, v = βv + (1 − β)g, "
        "from states built over 0 to 99 earlier steps, on tensors of several shapes, against "
        "helpers.optim.momentum (β = 0 included).",
    )
)


register(
    Check(
        "rmsprop_update",
        rule_cases(
            optim.rmsprop,
            [dict(lr=0.01, beta=0.9, eps=1e-8), dict(lr=0.001, beta=0.99, eps=1e-8), dict(lr=0.1, beta=0.5, eps=1e-6)],
        ),
        rule_reference(optim.rmsprop),
        outputs=("param", "s"),
        guarded=guards_of(optim.rmsprop),
        hint=RMSPROP_HINT,
        compares_with=(optim.rmsprop,),
        doc="Check one step of ``rmsprop_update(param, grad, s, lr, beta, eps) -> (param, s)`` from states "
        "built "
        "over 0 to 99 earlier steps, on tensors of several shapes, against helpers.optim.rmsprop.",
    )
)


register(
    Check(
        "adagrad_update",
        rule_cases(optim.adagrad, [dict(lr=0.1, eps=1e-8), dict(lr=0.01, eps=1e-8), dict(lr=1.0, eps=1e-6)]),
        rule_reference(optim.adagrad),
        outputs=("param", "G"),
        guarded=guards_of(optim.adagrad),
        hint=ADAGRAD_HINT,
        compares_with=(optim.adagrad,),
        doc="Check one step of ``adagrad_update(param, grad, G, lr, eps) -> (param, G)``, G = G + g², from "
        "states "
        "built over 0 to 99 earlier steps (negative gradients included), against helpers.optim.adagrad.",
    )
)


register(
    Check(
        "adam_update",
        adam_cases,
        rule_reference(optim.adam),
        outputs=("param", "state"),
        guarded=guards_of(optim.adam),
        hint=ADAM_HINT,
        diagnose=diagnose_adam,
        compares_with=(optim.adam,),
        doc="Check one step of ``adam_update(param, grad, state, t, lr, beta1, beta2, eps) -> (param, (m, v))`` "
        "at steps t = 1 to 100 from states built by helpers.optim.adam, on tensors of several shapes.",
    )
)


# --------------------------------------------------------------------------- one property per rule


def property_cases(build):
    def cases(rng):
        return [build(rng, i, shape) for i, shape in enumerate([(6,), (2, 3), (1,), (4, 5), (3, 2, 2)])]

    return cases


def momentum_property_case(rng, i, shape):
    g = random_gradient(rng, shape)
    lr, beta = [(0.1, 0.9), (0.01, 0.5), (0.5, 0.99), (0.2, 0.8), (1.0, 0.9)][i]
    if i % 2 == 0:
        return NetworkCase(
            f"first step (v = None), {shape}, lr={lr:g}, beta={beta:g}",
            (rng.normal(size=shape), g, None),
            dict(lr=lr, beta=beta),
            network={"first": True},
        )
    return NetworkCase(
        f"a gradient that never changes (v = g already), {shape}, lr={lr:g}, beta={beta:g}",
        (rng.normal(size=shape), g, g.copy()),
        dict(lr=lr, beta=beta),
        network={"first": False},
    )


def rmsprop_property_case(rng, i, shape):
    lr, beta = [(0.01, 0.9), (0.001, 0.99), (0.1, 0.5), (0.05, 0.9), (0.02, 0.8)][i]
    scale = [1e3, 1e-2, 1e2, 1e-1, 1e4][i]
    param, s = rng.normal(size=shape), rng.uniform(0.5, 2.0, size=shape)
    g = rng.normal(size=shape)
    return NetworkCase(
        f"every gradient × {scale:g} (so s × {scale**2:g}), {shape}, lr={lr:g}",
        (param, g * scale, s * scale**2),
        dict(lr=lr, beta=beta, eps=1e-8),
        network={"unscaled_step": -lr * g / np.sqrt(beta * s + (1 - beta) * g * g), "scale": scale},
    )


def adagrad_property_case(rng, i, shape):
    t = [1, 4, 25, 100, 9][i]
    size = [1e-2, 1.0, 1e3, 10.0, 1e-1][i]
    g = size * rng.choice([-1.0, 1.0], size=shape)
    lr = [0.1, 0.5, 1.0, 0.01, 0.2][i]
    G = None if t == 1 else (t - 1) * g * g
    return NetworkCase(
        f"the {t}th gradient of size {size:g} in a row, {shape}, lr={lr:g}",
        (rng.normal(size=shape), g, G),
        dict(lr=lr, eps=1e-8),
        network={"t": t},
    )


def adam_property_case(rng, i, shape):
    lr = [0.001, 0.01, 0.1, 0.003, 0.05][i]
    g = rng.choice([-1.0, 1.0], size=shape) * 10.0 ** rng.uniform(-3, 3, size=shape)
    return Case(
        f"first step, gradients from 1e-3 to 1e3, {shape}, lr={lr:g}",
        (rng.normal(size=shape), g, None, 1),
        dict(lr=lr, beta1=0.9, beta2=0.999, eps=1e-8),
    )


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
        other_form = beta < 1 and _matches(moved, -lr * grad)
        compare(
            -lr * (1 - beta) * grad,
            moved,
            "param − old param",
            where,
            1e-9,
            "v starts at zero, so the first step moves only (1 − beta) · lr · g: the start-up bias of the "
            "average (section 2), which momentum usually leaves uncorrected.",
            diagnosis=OTHER_MOMENTUM_FORM if other_form else "",
        )
    else:
        other_form = _matches(moved, -lr * (1 + beta) * grad) or _matches(moved, -lr * (beta - lr) * grad)
        compare(
            -lr * grad,
            moved,
            "param − old param",
            where,
            1e-9,
            "when the gradient never changes, its average is the gradient itself: with v = g already, "
            "v stays g and the step is the plain lr · g.",
            diagnosis=OTHER_MOMENTUM_FORM if other_form else "",
        )
        compare(grad, got[1], "v", where, 1e-9, "the average of g, g, g, ... is g: v must stay equal to g.")


def verify_rmsprop_property(case, got, where):
    __tracebackhide__ = True
    moved = step_taken(case, got, where)
    compare(
        case.network["unscaled_step"],
        moved,
        "param − old param",
        where,
        1e-5,
        f"RMSprop divides the gradient by the root of its mean SQUARE, so multiplying every gradient by "
        f"{case.network['scale']:g} must leave the step as it was: the size of the gradient cancels.",
    )


def verify_adagrad_property(case, got, where):
    __tracebackhide__ = True
    t, grad, lr = case.network["t"], case.args[1], case.kwargs["lr"]
    moved = step_taken(case, got, where)
    compare(
        -lr * np.sign(grad) / math.sqrt(t),
        moved,
        "param − old param",
        where,
        1e-5,
        f"after t gradients of the same size, G = t g², so step t moves by lr · |g| / √(t g²) = lr / √t "
        f"(here t = {t}): whatever the gradient's size, AdaGrad's steps shrink like 1/√t. Square the "
        f"gradient before adding it to G.",
    )


FIRST_STEP_HINT = (
    "on the first step m̂ = g and v̂ = g² once both are divided by their (1 − β^1), so the step is "
    "lr · g / |g|: every coordinate moves by about lr, whatever the size of its gradient. A step "
    "that depends on |g| means a missing bias correction (or t not starting at 1)."
)


def verify_adam_property(case, got, where):
    __tracebackhide__ = True
    grad, lr = case.args[1], case.kwargs["lr"]
    moved = step_taken(case, got, where)
    eps_inside = _matches(moved, adam_with_eps_inside(*case.args, **case.kwargs) - case.args[0])
    compare(
        -lr * np.sign(grad),
        moved,
        "param − old param",
        where,
        1e-4,
        ADAM_HINT if eps_inside else FIRST_STEP_HINT,
        diagnosis=EPS_INSIDE if eps_inside else "",
    )


register(
    Check(
        "momentum_constant_gradient",
        property_cases(momentum_property_case),
        reference=None,
        verify=verify_momentum_property,
        function="momentum_update",
        outputs=("param", "v"),
        guarded=guards_of(optim.momentum),
        hint=MOMENTUM_HINT,
        compares_with="behaviour",
        doc="Check two properties of ``momentum_update``: the first step is (1 − β) of a plain step, and a "
        "gradient that never changes is its own average (v stays g, the step is lr · g).",
    )
)


register(
    Check(
        "rmsprop_scale_invariance",
        property_cases(rmsprop_property_case),
        reference=None,
        verify=verify_rmsprop_property,
        function="rmsprop_update",
        outputs=("param", "s"),
        guarded=guards_of(optim.rmsprop),
        hint=RMSPROP_HINT,
        compares_with="behaviour",
        doc="Check that ``rmsprop_update``'s step does not change when every gradient (and so s) is scaled "
        "by factors from 1e-2 to 1e4.",
    )
)


register(
    Check(
        "adagrad_step_shrinks",
        property_cases(adagrad_property_case),
        reference=None,
        verify=verify_adagrad_property,
        function="adagrad_update",
        outputs=("param", "G"),
        guarded=guards_of(optim.adagrad),
        hint=ADAGRAD_HINT,
        compares_with="behaviour",
        doc="Check that ``adagrad_update``'s t-th step for gradients of one size is lr/√t per coordinate, "
        "for sizes from 1e-2 to 1e3.",
    )
)


register(
    Check(
        "adam_first_step",
        property_cases(adam_property_case),
        reference=None,
        verify=verify_adam_property,
        function="adam_update",
        outputs=("param", "state"),
        guarded=guards_of(optim.adam),
        hint=ADAM_HINT,
        compares_with="behaviour",
        doc="Check that ``adam_update``'s first step (t = 1, state None) moves every coordinate by lr, for "
        "gradients from 1e-3 to 1e3: the bias correction at work.",
    )
)
