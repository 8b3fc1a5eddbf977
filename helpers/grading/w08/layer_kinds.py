"""Week 8's layer kinds, one at a time: the affine layer, the activations and inverted dropout, forward
and backward, against ``helpers.layers`` and ``helpers.norm`` and (backward) central differences."""

from __future__ import annotations

import numpy as np

from ... import norm
from ...gradcheck import numerical_gradient
from ...layers import ACTIVATIONS, activation_backward, activation_forward, affine_backward, affine_forward
from ..core import GRADIENT_RTOL, Case, Check, register

# --------------------------------------------------------------------------- affine layer


def affine_shapes(rng):
    cases = [
        ("N=1", 1, 3, 2),
        ("one input feature (D=1)", 4, 1, 3),
        ("one output (M=1)", 3, 4, 1),
        ("N = D = M = 4: a missing transpose keeps the shape", 4, 4, 4),
        ("odd sizes 5x7 -> 3", 5, 7, 3),
    ]
    result = []
    for label, n, d, m in cases:
        result.append(
            (label, rng.normal(size=(n, d)), rng.normal(size=(d, m)), rng.normal(size=m), rng.normal(size=(n, m)))
        )
    n, d, m = (int(v) for v in rng.integers(2, 9, size=3))
    result.append(
        (
            f"random N={n}, D={d}, M={m}, large values",
            rng.normal(size=(n, d)) * 100,
            rng.normal(size=(d, m)),
            rng.normal(size=m) * 10,
            rng.normal(size=(n, m)),
        )
    )
    return result


def affine_forward_cases(rng):
    return [Case(label, (x, W, b)) for label, x, W, b, _ in affine_shapes(rng)]


def affine_backward_cases(rng):
    return [Case(label, (dout, x, W, b)) for label, x, W, b, dout in affine_shapes(rng)]


def affine_numerical(case, expected):
    dout, x, W, b = (np.array(a, dtype=np.float64) for a in case.args)
    energy = lambda _: float(np.sum(dout * (x @ W + b)))
    # The energy is linear in each of x, W and b, so a central difference has no truncation error at
    # any step, and with h = 1e-5 its round-off ε·|energy|/h (the "large values" case: x ~ 100) used
    # up to 0.91 of the comparison's tolerance over 300 draws. A unit step leaves only round-off of ε·|energy|.
    return {
        "dx": numerical_gradient(energy, x, h=1.0),
        "dW": numerical_gradient(energy, W, h=1.0),
        "db": numerical_gradient(energy, b, h=1.0),
    }


register(
    Check(
        "affine_forward",
        affine_forward_cases,
        affine_forward.unguarded,
        outputs=("out",),
        guarded=(affine_forward,),
        hint="out = x @ W + b: x (N, D) times W (D, M) gives (N, M), and b (M,) is added to every row.",
        compares_with=(affine_forward,),
        doc="Check ``affine_forward(x, W, b) -> out`` (N, M) against helpers.layers (N = 1, D = 1, M = 1 "
        "and square shapes included).",
    )
)


register(
    Check(
        "affine_backward",
        affine_backward_cases,
        affine_backward.unguarded,
        outputs=("dx", "dW", "db"),
        guarded=(affine_backward, affine_forward),
        numerical=affine_numerical,
        tolerances={"dx": GRADIENT_RTOL, "dW": GRADIENT_RTOL, "db": GRADIENT_RTOL},
        hint="dx = dout @ W.T (N, D); dW = x.T @ dout (D, M), a sum over the batch, not a mean; "
        "db = dout.sum(axis=0) (M,). Check each shape against its parameter's.",
        compares_with=(affine_backward,),
        doc="Check ``affine_backward(dout, x, W, b) -> (dx, dW, db)`` against helpers.layers and central differences.",
    )
)


# --------------------------------------------------------------------------- activations


def activation_values(rng, with_zero):
    grid = rng.normal(size=(3, 4)) * 2
    if with_zero:
        grid[0, 0] = 0.0
    return [
        ("small values" + (" with an exact zero" if with_zero else ""), grid),
        ("N=1, odd width 5", rng.normal(size=(1, 5))),
        (
            "large magnitudes",
            np.array([[-30.0, -8.0, 8.0, 30.0]]) if not with_zero else np.array([[-800.0, -50.0, 50.0, 800.0]]),
        ),
        ("(6, 3)", rng.normal(size=(6, 3)) * 3),
    ]


def activation_forward_cases(rng):
    return [Case(f"{kind}, {label}", (z, kind)) for kind in ACTIVATIONS for label, z in activation_values(rng, True)]


def activation_backward_cases(rng):
    cases = []
    for kind in ACTIVATIONS:
        for label, z in activation_values(rng, False):
            if kind == "relu":
                z = np.where(np.abs(z) < 1e-3, 0.5, z)
            cases.append(Case(f"{kind}, {label}", (rng.normal(size=z.shape), z, kind)))
    return cases


def activation_numerical(case, expected, h=1e-6):
    dout, z, kind = case.args
    f = {"relu": lambda v: np.maximum(v, 0.0), "tanh": np.tanh, "sigmoid": lambda v: 1.0 / (1.0 + np.exp(-v))}[kind]
    return {"dz": dout * (f(z + h) - f(z - h)) / (2 * h)}


register(
    Check(
        "activation_forward",
        activation_forward_cases,
        activation_forward.unguarded,
        outputs=("out",),
        guarded=(activation_forward,),
        hint="relu: np.maximum(z, 0); tanh: np.tanh(z); sigmoid: 1 / (1 + np.exp(-z)). Pick the function "
        "from `kind` and apply it element by element.",
        compares_with=(activation_forward,),
        doc="Check ``activation_forward(z, kind) -> out`` for kind relu, tanh and sigmoid, large |z| included.",
    )
)


register(
    Check(
        "activation_backward",
        activation_backward_cases,
        activation_backward.unguarded,
        outputs=("dz",),
        guarded=(activation_backward,),
        numerical=activation_numerical,
        tolerances={"dz": GRADIENT_RTOL},
        hint="dz = dout * f'(z) with z the layer's INPUT: relu (z > 0); tanh 1 - np.tanh(z)**2; "
        "sigmoid s * (1 - s) with s = 1 / (1 + np.exp(-z)). Do not forget to multiply by dout.",
        compares_with=(activation_backward,),
        doc="Check ``activation_backward(dout, z, kind) -> dz`` against helpers.layers and central "
        "differences, for relu, tanh and sigmoid.",
    )
)


# --------------------------------------------------------------------------- inverted dropout


def dropout_values(rng):
    result = []
    for label, shape, keep in [
        ("keep 0.5, (4, 6)", (4, 6), 0.5),
        ("keep 0.8, N=1", (1, 7), 0.8),
        ("keep 1.0: nothing dropped", (3, 3), 1.0),
        ("keep 0.3, (5, 2)", (5, 2), 0.3),
        ("keep 0.9, (2, 9)", (2, 9), 0.9),
        ("a single unit, keep 0.5", (1, 1), 0.5),
    ]:
        mask = rng.random(shape) < keep
        result.append((label, rng.normal(size=shape), mask, keep))
    return result


def dropout_forward_cases(rng):
    cases = [Case(f"training, {label}", (x, mask, keep, True)) for label, x, mask, keep in dropout_values(rng)]
    for label, x, mask, keep in dropout_values(rng)[:2]:
        cases.append(Case(f"test time (train=False), {label}: the mask must be ignored", (x, mask, keep, False)))
    return cases


def dropout_backward_cases(rng):
    return [Case(label, (rng.normal(size=x.shape), mask, keep)) for label, x, mask, keep in dropout_values(rng)]


def dropout_forward_reference(x, mask, keep_prob, train):
    return x * mask / keep_prob if train else x.copy()


def dropout_backward_reference(dout, mask, keep_prob):
    return norm.dropout_backward.unguarded(dout, mask, 1.0 - keep_prob)  # helpers.norm takes p = 1 − keep_prob


def dropout_numerical(case, expected, h=1e-6):
    dout, mask, keep = case.args
    forward = lambda v: v * mask / keep
    return {"dx": dout * (forward(h) - forward(-h)) / (2 * h)}


DROPOUT_HINT = (
    "inverted dropout: in training out = x * mask / keep_prob (the kept units are scaled UP, so the "
    "expected value of out is x); at test time (train=False) out = x, with no mask and no scaling. "
    "Multiplying by keep_prob at test time is the other, older convention; with inverted dropout "
    "it must not be done."
)


def _same(got, value):
    got = np.asarray(got, dtype=float)
    return got.shape == np.shape(value) and np.allclose(got, value, rtol=1e-9, atol=1e-12)


def diagnose_dropout_forward(case, expected, got):
    """The classic dropout mistakes, named: no 1/keep_prob in training, keep_prob at test time, the mask
    applied at test time."""
    x, mask, keep, train = case.args
    if keep == 1.0:
        return ""
    if train and _same(got[0], x * mask):
        return (
            "Your out is x * mask: the kept units were not divided by keep_prob. Inverted dropout scales "
            "them UP in training (x * mask / keep_prob), so that the expected value of out stays x."
        )
    if not train and _same(got[0], keep * x):
        return (
            "Your test-time out is keep_prob * x: that is the original convention, which scales at test "
            "time. Inverted dropout did its scaling in training, so at test time out = x."
        )
    if not train and (_same(got[0], x * mask / keep) or _same(got[0], x * mask)):
        return "Your test-time out still applies the mask: with train=False, ignore the mask and return x."
    return ""


def diagnose_dropout_backward(case, expected, got):
    dout, mask, keep = case.args
    if keep != 1.0 and _same(got[0], dout * mask):
        return (
            "Your dx is dout * mask: divide by keep_prob too, as the forward pass does (out = x * mask / "
            "keep_prob, so dx = dout * mask / keep_prob)."
        )
    return ""


register(
    Check(
        "inverted_dropout_forward",
        dropout_forward_cases,
        dropout_forward_reference,
        outputs=("out",),
        function="dropout_forward",
        guarded=(norm.dropout_forward, norm.dropout_backward),
        hint=DROPOUT_HINT,
        diagnose=diagnose_dropout_forward,
        compares_with="plain numpy",
        doc="Check ``dropout_forward(x, mask, keep_prob, train) -> out`` with masks the check fixes, in "
        "training (x ⊙ mask / keep_prob) and at test time (x unchanged).",
    )
)


register(
    Check(
        "inverted_dropout_backward",
        dropout_backward_cases,
        dropout_backward_reference,
        outputs=("dx",),
        function="dropout_backward",
        guarded=(norm.dropout_backward, norm.dropout_forward),
        numerical=dropout_numerical,
        tolerances={"dx": GRADIENT_RTOL},
        hint="dx = dout * mask / keep_prob: the same mask and the same scaling as the forward pass.",
        diagnose=diagnose_dropout_backward,
        compares_with=(norm.dropout_backward,),
        doc="Check ``dropout_backward(dout, mask, keep_prob) -> dx`` against helpers.norm (with "
        "p = 1 − keep_prob) and finite differences.",
    )
)
