"""Week 4's convolution: one step, forward and backward with loops, then the same with one loop over the
output positions (a matrix product each), against ``helpers.conv`` and central differences."""

from __future__ import annotations

import numpy as np

from ... import conv
from ..core import GRADIENT_RTOL, Case, Check, register
from ..forbidden import CORRELATION
from .guards import CONV_KERNELS

# --------------------------------------------------------------------------- with loops


def _conv_cases(rng, small=False) -> list[Case]:
    """(x, w, b) with stride and pad as keyword arguments; edge cases first."""
    shapes = [  # label, x shape, w shape, stride, pad
        ("N=1, C=1, 5×5, 3×3 filter", (1, 1, 5, 5), (1, 1, 3, 3), 1, 0),
        ("stride 2, pad 1", (2, 3, 6, 6), (4, 3, 3, 3), 2, 1),
        ("stride 3 that does not fit (floor)", (2, 2, 8, 8), (3, 2, 3, 3), 3, 0),
        ("non-square image 5×7, pad 2", (1, 3, 5, 7), (2, 3, 3, 3), 1, 2),
        ("non-square filter 2×3, stride 2", (2, 2, 7, 6), (3, 2, 2, 3), 2, 1),
        ("1×1 filters", (2, 4, 4, 4), (3, 4, 1, 1), 1, 0),
        ("filter as large as the padded input", (1, 2, 3, 3), (2, 2, 5, 5), 1, 1),
        ("N=3, C=3, 9×9, F=5, stride 2, pad 2", (3, 3, 9, 9), (5, 3, 3, 3), 2, 2),
    ]
    if small:  # the backward check also takes numerical gradients
        shapes = shapes[:5] + shapes[6:7] + [("N=2, C=2, 6×5, F=2, stride 3, pad 1", (2, 2, 6, 5), (2, 2, 3, 3), 3, 1)]
    cases = []
    for label, xs, ws, stride, pad in shapes:
        x, w, b = rng.normal(size=xs), rng.normal(size=ws), rng.normal(size=ws[0])
        cases.append(Case(label, (x, w, b), {"stride": stride, "pad": pad}))
    return cases


def _conv_reference(x, w, b, stride=1, pad=0):
    return conv.conv2d.unguarded(x, w, b, stride=stride, pad=pad)


register(
    Check(
        "conv_single_step",
        lambda rng: [
            Case("C=1, 1×1", (rng.normal(size=(1, 1, 1)), rng.normal(size=(1, 1, 1)), 0.5)),
            Case("C=3, 3×3", (rng.normal(size=(3, 3, 3)), rng.normal(size=(3, 3, 3)), -1.25)),
            Case("C=2, 2×4 (non-square)", (rng.normal(size=(2, 2, 4)), rng.normal(size=(2, 2, 4)), 0.0)),
            Case("C=5, 5×5", (rng.normal(size=(5, 5, 5)), rng.normal(size=(5, 5, 5)), 2.0)),
            Case("bias only (zero window)", (np.zeros((2, 3, 3)), rng.normal(size=(2, 3, 3)), 3.0)),
        ],
        lambda x_slice, w, b: float(np.sum(x_slice * w) + b),
        guarded=CONV_KERNELS,
        hint="multiply element-wise, sum over every axis (channels too), then add the bias once.",
        compares_with="plain numpy",
        doc="Check ``conv_single_step(x_slice, w, b)``.",
    )
)


_CONV_HINT = (
    "pad x first; H_out = (H + 2 pad − HH) // stride + 1 (W_out with WW); the window of output "
    "(i, j) starts at row i·stride, column j·stride of the PADDED input and spans all channels."
)


register(
    Check(
        "conv_forward",
        _conv_cases,
        _conv_reference,
        guarded=CONV_KERNELS,
        hint=_CONV_HINT,
        forbidden=CORRELATION,
        compares_with=(conv.conv2d,),
        doc="Check ``conv_forward(x, w, b, stride, pad)`` against ``helpers.conv.conv2d``.",
    )
)


def _conv_backward_reference(dout, x, w, b, stride=1, pad=0):
    return conv.conv2d_backward.unguarded(dout, x, w, b, stride=stride, pad=pad)


def _conv_backward_cases(rng) -> list[Case]:
    cases = []
    for case in _conv_cases(rng, small=True):
        x, w, b = case.args
        out_shape = _conv_reference(x, w, b, **case.kwargs).shape
        cases.append(Case(case.label, (rng.normal(size=out_shape), x, w, b), case.kwargs))
    return cases


def _conv_numerical(case, expected, h=1e-5):
    from ...gradcheck import numerical_gradient

    dout, x, w, b = (np.array(a, dtype=np.float64, copy=True) for a in case.args)
    loss = lambda: np.sum(_conv_reference(x, w, b, **case.kwargs) * dout)
    return {name: numerical_gradient(lambda _: loss(), array, h=h) for name, array in (("dx", x), ("dw", w), ("db", b))}


register(
    Check(
        "conv_backward",
        _conv_backward_cases,
        _conv_backward_reference,
        outputs=("dx", "dw", "db"),
        guarded=CONV_KERNELS,
        numerical=_conv_numerical,
        forbidden=CORRELATION,
        tolerances={"dx": GRADIENT_RTOL, "dw": GRADIENT_RTOL, "db": GRADIENT_RTOL},
        hint="db sums dout over n, i, j; dw[k] adds dout[n, k, i, j] · (the padded window); dx_pad adds "
        "dout[n, k, i, j] · w[k] into the window (+=, windows overlap), then dx = dx_pad without "
        "its padding: dx_pad[:, :, pad:pad + H, pad:pad + W].",
        compares_with=(conv.conv2d_backward,),
        doc="Check ``conv_backward(dout, x, w, b, stride, pad) -> (dx, dw, db)``: reference and numerical gradients.",
    )
)


# --------------------------------------------------------------------------- one loop over positions

_FAST_HINT = (
    "one loop over the output positions (i, j): the windows of all N images at (i, j), reshaped to "
    "(N, C·HH·WW), times the filters reshaped to (F, C·HH·WW) and transposed, give out[:, :, i, j] "
    "(N, F) in one matrix product; add b."
)


register(
    Check(
        "conv_forward_fast",
        _conv_cases,
        _conv_reference,
        guarded=CONV_KERNELS,
        hint=_FAST_HINT,
        forbidden=CORRELATION,
        compares_with=(conv.conv2d,),
        doc="Check ``conv_forward_fast(x, w, b, stride, pad)`` on the cases of ``conv_forward`` "
        "against ``helpers.conv.conv2d``.",
    )
)


register(
    Check(
        "conv_backward_fast",
        _conv_backward_cases,
        _conv_backward_reference,
        outputs=("dx", "dw", "db"),
        guarded=CONV_KERNELS,
        numerical=_conv_numerical,
        forbidden=CORRELATION,
        tolerances={"dx": GRADIENT_RTOL, "dw": GRADIENT_RTOL, "db": GRADIENT_RTOL},
        hint="at each output position (i, j), with d = dout[:, :, i, j] (N, F) and the windows as rows "
        "(N, C·HH·WW): dw (as (F, C·HH·WW)) += dᵀ @ windows; the padded dx's window += "
        "(d @ w as (F, C·HH·WW)) reshaped to (N, C, HH, WW); db = dout summed over n, i, j; "
        "then drop the padding from dx.",
        compares_with=(conv.conv2d_backward,),
        doc="Check ``conv_backward_fast(dout, x, w, b, stride, pad) -> (dx, dw, db)`` on the cases of "
        "``conv_backward``: reference and numerical gradients.",
    )
)
