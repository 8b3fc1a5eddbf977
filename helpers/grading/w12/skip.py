"""Week 12's skip connections: a residual block forward and backward against ``helpers.efficient`` and central
differences, and the channels of a dense block."""

from __future__ import annotations

import numpy as np

from ... import efficient
from ... import numpy_reference as ref
from ..core import Case, Check, NetworkCase, register
from .diagnosis import GRADIENT, verify_with_mistakes

# (label, N, D, H)
_SHAPES = [
    ("a batch of one (N = 1)", 1, 3, 4),
    ("one feature (D = 1)", 3, 1, 2),
    ("one hidden unit (H = 1)", 2, 4, 1),
    ("a wide branch, D = 2, H = 6", 4, 2, 6),
]


def _cases_data(rng):
    shapes = list(_SHAPES)
    n, d, h = (int(v) for v in rng.integers(1, 7, size=3))
    shapes.append((f"random N={n}, D={d}, H={h}", n, d, h))
    result = []
    for label, n, d, h in shapes:
        net = dict(
            x=rng.normal(size=(n, d)),
            W1=rng.normal(size=(d, h)),
            b1=rng.normal(size=h),
            W2=rng.normal(size=(h, d)),
            b2=rng.normal(size=d),
            dout=rng.normal(size=(n, d)),
        )
        result.append((label, net))
    return result


NAMES = ("x", "W1", "b1", "W2", "b2")
RESIDUAL_HINT = "out = x + relu(x @ W1 + b1) @ W2 + b2: the branch's output is ADDED to the block's input x."


def _forward_cases(rng):
    return [NetworkCase(label, tuple(net[k] for k in NAMES), network=net) for label, net in _cases_data(rng)]


def _plain(net):
    return np.maximum(net["x"] @ net["W1"] + net["b1"], 0.0) @ net["W2"] + net["b2"]


register(
    Check(
        "residual_block",
        _forward_cases,
        reference=None,
        verify=verify_with_mistakes(
            ("out",),
            lambda case: (efficient.residual_block.unguarded(*case.args),),
            RESIDUAL_HINT,
            mistakes=(
                (
                    "the skip connection is missing: add the input x to the branch's output.",
                    lambda c: (_plain(c.network),),
                ),
                (
                    "a ReLU is applied after the addition: this block is out = x + F(x), with nothing after the sum "
                    "(so that with F = 0 it is exactly the identity).",
                    lambda c: (np.maximum(c.network["x"] + _plain(c.network), 0.0),),
                ),
            ),
        ),
        outputs=("out",),
        guarded=(efficient.residual_block,),
        hint=RESIDUAL_HINT,
        compares_with=(efficient.residual_block,),
        doc="Check ``residual_block(x, W1, b1, W2, b2) -> out`` against helpers.efficient.",
    )
)


def _backward_cases(rng):
    return [
        NetworkCase(label, (net["dout"],) + tuple(net[k] for k in NAMES), network=net)
        for label, net in _cases_data(rng)
    ]


def _numerical(case):
    from ...gradcheck import numerical_gradient

    net = {k: np.array(v, dtype=np.float64) for k, v in case.network.items()}

    def energy(_):
        return float(np.sum(net["dout"] * ref.residual_block(*(net[k] for k in NAMES))))

    return {f"d{name}": numerical_gradient(energy, net[name]) for name in NAMES}


def _no_identity(case):
    grads = efficient.residual_block_backward.unguarded(*case.args)
    return (grads[0] - case.network["dout"],) + tuple(grads[1:])


BACKWARD_HINT = (
    "a = x @ W1 + b1, h = relu(a); dW2 = h.T @ dout; db2 = dout.sum(axis=0); da = (dout @ W2.T) * (a > 0); "
    "dW1 = x.T @ da; db1 = da.sum(axis=0); dx = dout + da @ W1.T (the identity path adds dout itself)."
)

register(
    Check(
        "residual_block_backward",
        _backward_cases,
        reference=None,
        verify=verify_with_mistakes(
            ("dx", "dW1", "db1", "dW2", "db2"),
            lambda case: efficient.residual_block_backward.unguarded(*case.args),
            BACKWARD_HINT,
            mistakes=(
                (
                    "dx is missing the identity path: x reaches the output twice, through the branch and directly, "
                    "so dx = dout + (the branch's gradient).",
                    _no_identity,
                ),
            ),
            numerical=_numerical,
            rtol={f"d{name}": GRADIENT for name in NAMES},
        ),
        outputs=("dx", "dW1", "db1", "dW2", "db2"),
        guarded=(efficient.residual_block, efficient.residual_block_backward),
        hint=BACKWARD_HINT,
        compares_with=(efficient.residual_block_backward,),
        doc="Check ``residual_block_backward(dout, x, W1, b1, W2, b2) -> (dx, dW1, db1, dW2, db2)`` against "
        "helpers.efficient and central differences.",
    )
)


# --------------------------------------------------------------------------- dense block

_DENSE = [(1, 1, 1), (3, 4, 1), (64, 32, 6), (16, 12, 4), (24, 12, 12), (2, 40, 3)]


def _dense_cases(rng):
    shapes = list(_DENSE) + [tuple(int(v) for v in rng.integers(1, 65, size=2)) + (int(rng.integers(1, 17)),)]
    return [Case(f"c0 = {c0}, k = {k}, L = {L}", (c0, k, L)) for c0, k, L in shapes]


def _dense_mistake(rule):
    def mistake(case):
        c0, k, L = case.args
        return (np.array([rule(c0, k, layer) for layer in range(L + 1)], dtype=np.float64),)

    return mistake


DENSE_HINT = (
    "layer l + 1 reads the block's input and the k maps of each of the l layers before it: c0 + l·k for "
    "l = 0 … L − 1; the block outputs everything concatenated, c0 + L·k: np.arange(L + 1) * k + c0."
)

register(
    Check(
        "dense_block_channels",
        _dense_cases,
        reference=None,
        verify=verify_with_mistakes(
            ("channels",),
            lambda case: (efficient.dense_block_channels.unguarded(*case.args),),
            DENSE_HINT,
            mistakes=(
                (
                    "the block's input c0 is not counted: each layer also reads the block's input (concatenated).",
                    _dense_mistake(lambda c0, k, layer: layer * k),
                ),
                (
                    "each layer reads only the layer before it (c0, then k, k, …): in a dense block it reads the "
                    "concatenation of the input and of EVERY earlier layer's maps.",
                    _dense_mistake(lambda c0, k, layer: c0 if layer == 0 else k),
                ),
            ),
        ),
        outputs=("channels",),
        guarded=(efficient.dense_block_channels,),
        hint=DENSE_HINT,
        compares_with=(efficient.dense_block_channels,),
        doc="Check ``dense_block_channels(c0, growth_rate, n_layers)``, the channels each layer of a dense block "
        "reads and the block outputs, on 7 blocks.",
    )
)
