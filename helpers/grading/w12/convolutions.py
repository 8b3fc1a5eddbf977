"""Week 12's depthwise and pointwise convolutions, forward and backward, against ``helpers.efficient``, the
per-channel loops of ``helpers.numpy_reference`` and central differences; and the cost formulas of a standard
and a depthwise-separable layer."""

from __future__ import annotations

import numpy as np

from ... import efficient
from ... import numpy_reference as ref
from ..core import Case, Check, NetworkCase, register
from .diagnosis import GRADIENT, verify_with_mistakes

# (label, N, C, H, W, K, stride, pad): edge cases first
_SHAPES = [
    ("one channel (C = 1)", 2, 1, 5, 4, 3, 1, 0),
    ("1×1 images, 1×1 filters", 3, 4, 1, 1, 1, 1, 0),
    ("a batch of one (N = 1)", 1, 3, 4, 4, 2, 1, 0),
    ("1×1 images padded by 1, 3×3 filters", 2, 2, 1, 1, 3, 1, 1),
    ("stride 2, pad 1", 2, 3, 7, 6, 3, 2, 1),
]


def _cases_data(rng):
    shapes = list(_SHAPES)
    n, c, h = int(rng.integers(1, 4)), int(rng.integers(2, 6)), int(rng.integers(3, 9))
    k, s, p = int(rng.integers(1, 4)), int(rng.integers(1, 3)), int(rng.integers(0, 2))
    shapes.append((f"random N={n}, C={c}, H=W={h}, K={k}, stride {s}, pad {p}", n, c, h, h, k, s, p))
    result = []
    for label, n, c, h, w, k, s, p in shapes:
        ho, wo = (h + 2 * p - k) // s + 1, (w + 2 * p - k) // s + 1
        net = dict(
            x=rng.normal(size=(n, c, h, w)),
            w=rng.normal(size=(c, k, k)),
            b=rng.normal(size=c),
            dout=rng.normal(size=(n, c, ho, wo)),
            stride=s,
            pad=p,
        )
        result.append((label, net))
    return result


def _summed_weights(net):
    """The mistake's filters as a standard convolution's: filter c applied to every channel, summed."""
    c = net["w"].shape[0]
    return np.repeat(net["w"][:, None], c, axis=1)


def _summed_forward(case):
    net = case.network
    return (ref.conv2d(net["x"], _summed_weights(net), net["b"], net["stride"], net["pad"]),)


SUMS_CHANNELS = (
    "your output sums over the channels, as a standard convolution does: in a depthwise convolution output "
    "channel c reads input channel c only (out[n, c] uses x[n, c] and w[c], nothing else)."
)
DEPTHWISE_HINT = (
    "pad x; for each output position (i, j), out[:, :, i, j] = (window * w[None]).sum(axis=(2, 3)) + b, "
    "window = x_pad[:, :, i*stride : i*stride + HH, j*stride : j*stride + WW] (N, C, HH, WW): a sum over the "
    "window only, never over the channels."
)


def _forward_cases(rng):
    return [
        NetworkCase(label, (net["x"], net["w"], net["b"], net["stride"], net["pad"]), network=net)
        for label, net in _cases_data(rng)
    ]


register(
    Check(
        "depthwise_conv2d",
        _forward_cases,
        reference=None,
        verify=verify_with_mistakes(
            ("out",),
            lambda case: (efficient.depthwise_conv2d.unguarded(*case.args),),
            DEPTHWISE_HINT,
            mistakes=((SUMS_CHANNELS, _summed_forward),),
        ),
        outputs=("out",),
        guarded=(efficient.depthwise_conv2d,),
        hint=DEPTHWISE_HINT,
        compares_with=(efficient.depthwise_conv2d,),
        doc="Check ``depthwise_conv2d(x, w, b, stride, pad) -> out`` against helpers.efficient (one channel, 1×1 "
        "images, a batch of one, stride and padding included).",
    )
)


def _backward_cases(rng):
    return [
        NetworkCase(label, (net["dout"], net["x"], net["w"], net["b"], net["stride"], net["pad"]), network=net)
        for label, net in _cases_data(rng)
    ]


def _numerical(case):
    from ...gradcheck import numerical_gradient

    net = {k: (np.array(v, dtype=np.float64) if isinstance(v, np.ndarray) else v) for k, v in case.network.items()}

    def energy(_):
        return float(
            np.sum(net["dout"] * ref.depthwise_conv2d(net["x"], net["w"], net["b"], net["stride"], net["pad"]))
        )

    return {f"d{name}": numerical_gradient(energy, net[name]) for name in ("x", "w", "b")}


def _summed_backward(case):
    net = case.network
    dx, dw, db = ref.conv2d_backward(net["dout"], net["x"], _summed_weights(net), net["b"], net["stride"], net["pad"])
    return dx, dw.sum(axis=1), db


DEPTHWISE_BACKWARD_HINT = (
    "loop over output positions as in the forward: dw += (dout[:, :, i, j, None, None] * window).sum(axis=0); "
    "dx_pad[:, :, window] += dout[:, :, i, j, None, None] * w[None]; then cut the padding off dx_pad; "
    "db = dout.sum(axis=(0, 2, 3)). Channel c's gradients come from channel c's outputs only."
)

register(
    Check(
        "depthwise_conv2d_backward",
        _backward_cases,
        reference=None,
        verify=verify_with_mistakes(
            ("dx", "dw", "db"),
            lambda case: efficient.depthwise_conv2d_backward.unguarded(*case.args),
            DEPTHWISE_BACKWARD_HINT,
            mistakes=(
                (
                    "your gradients are those of a convolution that sums over the channels: in a depthwise "
                    "convolution dx[n, c] gets only dout[n, c] · w[c], and dw[c] only windows of x[n, c].",
                    _summed_backward,
                ),
            ),
            numerical=_numerical,
            rtol={name: GRADIENT for name in ("dx", "dw", "db")},
        ),
        outputs=("dx", "dw", "db"),
        guarded=(efficient.depthwise_conv2d, efficient.depthwise_conv2d_backward),
        hint=DEPTHWISE_BACKWARD_HINT,
        compares_with=(efficient.depthwise_conv2d_backward,),
        doc="Check ``depthwise_conv2d_backward(dout, x, w, b, stride, pad) -> (dx, dw, db)`` against "
        "helpers.efficient and central differences (one channel, 1×1 images, a batch of one included).",
    )
)


# --------------------------------------------------------------------------- pointwise

_POINTWISE = [
    ("one input channel (C = 1)", 2, 1, 3, 3, 4),
    ("one output channel (F = 1)", 2, 3, 2, 4, 1),
    ("1×1 images, a batch of one", 1, 5, 1, 1, 3),
    ("C = F = 4 (a transpose goes unnoticed by the shapes)", 2, 4, 3, 2, 4),
]


def _pointwise_cases(rng, backward=False):
    shapes = list(_POINTWISE)
    n, c, h, f = int(rng.integers(1, 4)), int(rng.integers(2, 7)), int(rng.integers(1, 6)), int(rng.integers(2, 7))
    shapes.append((f"random N={n}, C={c}, H=W={h}, F={f}", n, c, h, h, f))
    result = []
    for label, n, c, h, w, f in shapes:
        net = dict(
            x=rng.normal(size=(n, c, h, w)),
            w=rng.normal(size=(f, c)),
            b=rng.normal(size=f),
            dout=rng.normal(size=(n, f, h, w)),
        )
        args = (net["x"], net["w"], net["b"])
        result.append(NetworkCase(label, ((net["dout"],) if backward else ()) + args, network=net))
    return result


POINTWISE_HINT = (
    "out[n, f, i, j] = b[f] + Σ_c w[f, c] x[n, c, i, j]: np.einsum('fc,nchw->nfhw', w, x) + b[None, :, None, None] "
    "(or move the channels last and multiply by w.T)."
)

register(
    Check(
        "pointwise_conv2d",
        _pointwise_cases,
        reference=lambda x, w, b: efficient.pointwise_conv2d.unguarded(x, w, b),
        outputs=("out",),
        guarded=(efficient.pointwise_conv2d,),
        hint=POINTWISE_HINT,
        compares_with=(efficient.pointwise_conv2d,),
        doc="Check ``pointwise_conv2d(x, w, b) -> out``, a 1×1 convolution, against helpers.efficient.",
    )
)


def _pointwise_numerical(case, _expected):
    from ...gradcheck import numerical_gradient

    net = {k: np.array(v, dtype=np.float64) for k, v in case.network.items()}

    def energy(_):
        return float(np.sum(net["dout"] * ref.pointwise_conv2d(net["x"], net["w"], net["b"])))

    return {f"d{name}": numerical_gradient(energy, net[name]) for name in ("x", "w", "b")}


register(
    Check(
        "pointwise_conv2d_backward",
        lambda rng: _pointwise_cases(rng, backward=True),
        reference=lambda dout, x, w, b: efficient.pointwise_conv2d_backward.unguarded(dout, x, w, b),
        outputs=("dx", "dw", "db"),
        guarded=(efficient.pointwise_conv2d, efficient.pointwise_conv2d_backward),
        hint="dx = einsum('fc,nfhw->nchw', w, dout); dw = einsum('nfhw,nchw->fc', dout, x); "
        "db = dout.sum(axis=(0, 2, 3)).",
        numerical=_pointwise_numerical,
        tolerances={"dx": GRADIENT, "dw": GRADIENT, "db": GRADIENT},
        compares_with=(efficient.pointwise_conv2d_backward,),
        doc="Check ``pointwise_conv2d_backward(dout, x, w, b) -> (dx, dw, db)`` against helpers.efficient and "
        "central differences.",
    )
)


# --------------------------------------------------------------------------- costs

COST_OUTPUTS = ("params_standard", "macs_standard", "params_separable", "macs_separable")
# (C, F, K, H_out, W_out)
_COSTS = [
    (1, 1, 1, 1, 1),
    (3, 1, 3, 5, 5),
    (1, 8, 3, 4, 4),
    (32, 64, 3, 56, 56),
    (512, 512, 3, 14, 14),
    (16, 16, 5, 7, 9),
    (64, 128, 1, 28, 28),
]


def _cost_cases(rng):
    shapes = list(_COSTS)
    for _ in range(5):
        shapes.append(
            tuple(int(v) for v in (*rng.integers(1, 300, size=2), rng.integers(1, 8), *rng.integers(1, 60, size=2)))
        )
    return [Case(f"C={c}, F={f}, K={k}, H_out={h}, W_out={w}", (c, f, k, h, w)) for c, f, k, h, w in shapes]


def _no_biases(case):
    C, F, K, H, W = case.args
    P = H * W
    return F * C * K * K, P * F * C * K * K, C * K * K + F * C, P * C * K * K + P * C * F


def _depthwise_only(case):
    C, F, K, H, W = case.args
    P = H * W
    return F * C * K * K + F, P * F * C * K * K, C * K * K + C, P * C * K * K


def _macs_per_position(case):
    C, F, K, _, _ = case.args
    return F * C * K * K + F, F * C * K * K, C * K * K + C + F * C + F, C * K * K + C * F


COSTS_HINT = (
    "standard: F·C·K² weights + F biases; every one of the P = H_out·W_out positions does F·C·K² multiply–adds. "
    "Separable: the depthwise layer has C·K² weights + C biases and does C·K² per position, the pointwise layer "
    "F·C weights + F biases and F·C per position."
)

register(
    Check(
        "conv_costs",
        _cost_cases,
        reference=None,
        verify=verify_with_mistakes(
            COST_OUTPUTS,
            lambda case: efficient.conv_costs.unguarded(*case.args),
            COSTS_HINT,
            mistakes=(
                ("the biases are not counted: each layer has one bias per output channel.", _no_biases),
                (
                    "the separable layer is counted without its pointwise (1×1) part, which mixes the channels.",
                    _depthwise_only,
                ),
                (
                    "the multiply–adds are those of one output position: multiply by H_out·W_out.",
                    _macs_per_position,
                ),
            ),
        ),
        outputs=COST_OUTPUTS,
        hint=COSTS_HINT,
        compares_with=(efficient.conv_costs,),
        guarded=(efficient.conv_costs,),
        doc="Check ``conv_costs(C, F, K, H_out, W_out)``, the parameters and multiply–adds of a standard and a "
        "depthwise-separable layer, on 12 shapes.",
    )
)
