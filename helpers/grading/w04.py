"""Week 4 checks: padding, output size, the drill, convolution and pooling forward and backward
(with loops, then with one loop over the output positions), and the small CNN built from them.

Forward passes are compared with the reference kernels of ``helpers.conv``; backward passes
with the reference and with central differences of the reference forward pass (DESIGN.md
section 6). ``helpers.conv`` is imported on first use.
"""
from __future__ import annotations

import numpy as np

from .. import conv
from . import _w04_network as network
from .core import ByHand, Case, Check, GRADIENT_RTOL, register
from .forbidden import AVG_POOLING, CORRELATION, MAX_POOLING

# Every kernel a student might call instead of writing the exercise.
CONV_KERNELS = (conv.pad2d, conv.conv2d, conv.conv2d_backward, conv.im2col, conv.col2im)
POOL_KERNELS = (conv.max_pool2d, conv.max_pool2d_backward, conv.avg_pool2d, conv.avg_pool2d_backward)


POOLING = {"max": MAX_POOLING, "avg": AVG_POOLING}   # library functions that pool by themselves


def _pool_guards(name):
    """Every pooling kernel, the one a check compares with (``name``) first."""
    return tuple(sorted(POOL_KERNELS, key=lambda k: k.reference_name.split(".")[-1] != name))


# --------------------------------------------------------------------------- padding and sizes

def _pad_cases(rng) -> list[Case]:
    return [
        Case("N=1, C=1, 2×2, pad 1", (rng.normal(size=(1, 1, 2, 2)), 1)),
        Case("pad 0", (rng.normal(size=(2, 3, 4, 4)), 0)),
        Case("non-square 3×5, pad 2", (rng.normal(size=(2, 2, 3, 5)), 2)),
        Case("N=3, C=4, 5×5, pad 1", (rng.normal(size=(3, 4, 5, 5)), 1)),
        Case("1×1 image, pad 3", (rng.normal(size=(1, 2, 1, 1)), 3)),
    ]


def _pad_reference(x, pad):
    return conv.pad2d.unguarded(x, pad)


register(Check("zero_pad", _pad_cases, _pad_reference, guarded=CONV_KERNELS,
               hint="pad axes 2 and 3 only, by `pad` on both sides: "
                    "np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad))).",
               doc='Check ``zero_pad(x, pad)`` on (N, C, H, W) batches, pad 0 to 3.'))

# (n, f, pad, stride), plain ints: they travel as JSON to the grader's sandbox.
_SIZE_CASES = [(6, 3, 0, 1), (6, 3, 1, 1), (7, 3, 0, 2), (8, 3, 0, 2), (10, 4, 0, 3), (11, 5, 2, 3),
               (5, 5, 0, 1), (1, 1, 0, 1), (32, 5, 2, 1), (9, 2, 1, 4)]


def _size_cases(rng) -> list[Case]:
    cases = [Case(f"n={n}, f={f}, pad={p}, stride={s}", (n, f, p, s)) for n, f, p, s in _SIZE_CASES]
    n = int(rng.integers(20, 60))
    f = int(rng.integers(1, 8))
    s = int(rng.integers(1, 5))
    p = int(rng.integers(0, 3))
    return cases + [Case(f"n={n}, f={f}, pad={p}, stride={s}", (n, f, p, s))]


def _size_reference(n, f, pad=0, stride=1):
    return (n + 2 * pad - f) // stride + 1


register(Check("conv_output_size", _size_cases, _size_reference, guarded=(conv.output_size,),
               hint="floor((n + 2 pad − f) / stride) + 1: integer division `//`, then + 1.",
               doc='Check ``conv_output_size(n, f, pad, stride)``, strides that do not fit included.'))


# The drill: (n, f, pad, stride) of the output-size questions, in the notebook's order; question 3
# asks for the "same" padding and question 6 for a parameter count. The answers are computed.
DRILL_SIZES = [(6, 3, 1, 2), (32, 5, 0, 1), None, (7, 3, 0, 3), (227, 11, 0, 4)]
DRILL_SAME = (28, 5)           # n, f with stride 1
DRILL_PARAMS = (16, 5, 3)      # filters, f, input channels


def _drill_labels():
    labels = []
    for number, question in enumerate(DRILL_SIZES, start=1):
        if question is None:
            labels.append(f"question {number} ('same' padding for n = {DRILL_SAME[0]}, f = {DRILL_SAME[1]}, stride 1)")
        else:
            n, f, pad, stride = question
            labels.append(f"question {number} (output size for n = {n}, f = {f}, pad {pad}, stride {stride})")
    filters, f, channels = DRILL_PARAMS
    labels.append(f"question {len(labels) + 1} (parameters of {filters} filters of {f}×{f}×{channels})")
    return tuple(labels)


def _drill_hints():
    size = ("⌊(n + 2p − f) / s⌋ + 1: add the padding on both sides, subtract the filter, divide by the stride "
            "and round DOWN (a window that does not fit is dropped), then add 1 for the first position.")
    same = ("'same' means the output is as large as the input: with stride 1 solve n + 2p − f + 1 = n for p, "
            "i.e. p = (f − 1) / 2.")
    params = "each filter has f·f·C weights plus ONE bias; multiply by the number of filters."
    return tuple(same if q is None else size for q in DRILL_SIZES) + (params,)


def _drill_reference():
    answers = []
    for question in DRILL_SIZES:
        if question is None:
            n, f = DRILL_SAME
            answers.append(next(p for p in range(f) if _size_reference(n, f, p, 1) == n))
        else:
            answers.append(_size_reference(*question))
    filters, f, channels = DRILL_PARAMS
    answers.append(filters * (f * f * channels + 1))
    return np.array(answers, dtype=np.float64)


register(Check("output_size_drill", lambda rng: [Case("your six answers", ())], _drill_reference,
               function="drill_answers", outputs=("answers",),
               hint="output size = floor((n + 2p − f)/s) + 1; 'same' with stride 1 needs p = (f − 1)/2; "
                    "a filter has f·f·C weights plus one bias.",
               doc='Check the six answers of the output-size drill (``drill_answers``) against the formula.',
               by_hand=ByHand(labels=_drill_labels(), hints=_drill_hints())),
         aliases=("drill",))


# --------------------------------------------------------------------------- convolution

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


register(Check("conv_single_step", lambda rng: [
    Case("C=1, 1×1", (rng.normal(size=(1, 1, 1)), rng.normal(size=(1, 1, 1)), 0.5)),
    Case("C=3, 3×3", (rng.normal(size=(3, 3, 3)), rng.normal(size=(3, 3, 3)), -1.25)),
    Case("C=2, 2×4 (non-square)", (rng.normal(size=(2, 2, 4)), rng.normal(size=(2, 2, 4)), 0.0)),
    Case("C=5, 5×5", (rng.normal(size=(5, 5, 5)), rng.normal(size=(5, 5, 5)), 2.0)),
    Case("bias only (zero window)", (np.zeros((2, 3, 3)), rng.normal(size=(2, 3, 3)), 3.0)),
], lambda x_slice, w, b: float(np.sum(x_slice * w) + b), guarded=CONV_KERNELS,
    hint="multiply element-wise, sum over every axis (channels too), then add the bias once.",
               doc='Check ``conv_single_step(x_slice, w, b)``.'))

_CONV_HINT = ("pad x first; H_out = (H + 2 pad − HH) // stride + 1 (W_out with WW); the window of output "
              "(i, j) starts at row i·stride, column j·stride of the PADDED input and spans all channels.")
register(Check("conv_forward", _conv_cases, _conv_reference, guarded=CONV_KERNELS, hint=_CONV_HINT,
               forbidden=CORRELATION,
               doc='Check ``conv_forward(x, w, b, stride, pad)`` against ``helpers.conv.conv2d``.'))


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
    from ..gradcheck import numerical_gradient
    dout, x, w, b = (np.array(a, dtype=np.float64, copy=True) for a in case.args)
    loss = lambda: np.sum(_conv_reference(x, w, b, **case.kwargs) * dout)
    return {name: numerical_gradient(lambda _: loss(), array, h=h)
            for name, array in (("dx", x), ("dw", w), ("db", b))}


register(Check("conv_backward", _conv_backward_cases, _conv_backward_reference, outputs=("dx", "dw", "db"),
               guarded=CONV_KERNELS, numerical=_conv_numerical, forbidden=CORRELATION,
               tolerances={"dx": GRADIENT_RTOL, "dw": GRADIENT_RTOL, "db": GRADIENT_RTOL},
               hint="db sums dout over n, i, j; dw[k] adds dout[n, k, i, j] · (the padded window); dx_pad adds "
                    "dout[n, k, i, j] · w[k] into the window (+=, windows overlap), then dx = dx_pad without "
                    "its padding: dx_pad[:, :, pad:pad + H, pad:pad + W].",
               doc='Check ``conv_backward(dout, x, w, b, stride, pad) -> (dx, dw, db)``: reference and numerical gradients.'))


# --------------------------------------------------------------------------- pooling

def _distinct(rng, shape):
    """Values at least 0.01 apart, so that no window has a tie and finite differences are exact."""
    size = int(np.prod(shape))
    return (rng.permutation(size) * 0.01 - size * 0.005 + rng.uniform(0, 0.001, size)).reshape(shape)


def _pool_cases(rng) -> list[Case]:
    specs = [  # label, x shape, size, stride
        ("N=1, C=1, 4×4, 2×2 windows", (1, 1, 4, 4), 2, 2),
        ("odd 5×5: the last row and column are dropped", (2, 3, 5, 5), 2, 2),
        ("overlapping windows: size 3, stride 2", (2, 2, 7, 7), 3, 2),
        ("non-square 6×9, size 3, stride 3", (1, 2, 6, 9), 3, 3),
        ("stride 1", (2, 1, 4, 5), 2, 1),
        ("N=3, C=4, 8×8", (3, 4, 8, 8), 2, 2),
    ]
    return [Case(label, (_distinct(rng, shape),), {"size": size, "stride": stride})
            for label, shape, size, stride in specs]


def _pool_backward_cases(rng) -> list[Case]:
    """The forward cases, then two with ties: the first maximum of a window takes its gradient."""
    ties = [
        Case("ties after a ReLU: windows of zeros", (np.maximum(_distinct(rng, (2, 2, 4, 6)), 0.0),),
             {"size": 2, "stride": 2}),
        Case("ties: small whole numbers, overlapping windows (size 3, stride 2)",
             (rng.integers(0, 3, size=(2, 2, 7, 7)).astype(np.float64),), {"size": 3, "stride": 2}),
    ]
    cases = []
    for case in _pool_cases(rng) + ties:
        x = case.args[0]
        out_shape = conv.max_pool2d.unguarded(x, **case.kwargs).shape
        cases.append(Case(case.label, (rng.normal(size=out_shape), x), case.kwargs))
    return cases


def _has_tie(x, size, stride):
    """Whether some size×size window of x has its maximum twice (max pooling has no derivative there)."""
    for i in range((x.shape[2] - size) // stride + 1):
        for j in range((x.shape[3] - size) // stride + 1):
            window = np.sort(x[:, :, i * stride:i * stride + size, j * stride:j * stride + size]
                             .reshape(x.shape[0], x.shape[1], -1), axis=2)
            if np.any(window[:, :, -1] - window[:, :, -2] < 1e-4):
                return True
    return False


def _pool_numerical(kind):
    def estimate(case, expected, h=1e-5):
        from ..gradcheck import numerical_gradient
        dout, x = (np.array(a, dtype=np.float64, copy=True) for a in case.args)
        if kind == "max" and _has_tie(x, **case.kwargs):
            return {}   # a tie is a kink: finite differences see half of each side; the rule decides
        forward = getattr(conv, f"{kind}_pool2d").unguarded
        return {"dx": numerical_gradient(lambda v: np.sum(forward(v, **case.kwargs) * dout), x, h=h)}
    return estimate


for _kind, _forward_hint, _backward_hint in [
    ("max", "the largest value of each size×size window, window (i, j) starting at (i·stride, j·stride); "
            "H_out = (H − size) // stride + 1.",
     "dout[n, c, i, j] goes only to the FIRST maximum of its window in reading order (np.argmax of the "
     "flattened window, as helpers.pool does; a mask window == window.max() sends it to every tied maximum); "
     "add (+=) where windows overlap."),
    ("avg", "the mean of each size×size window, window (i, j) starting at (i·stride, j·stride); "
            "H_out = (H − size) // stride + 1.",
     "each of the size² positions of a window gets dout[n, c, i, j] / size²; add (+=) where windows overlap."),
]:
    register(Check(f"{_kind}_pool_forward", _pool_cases,
                   (lambda kind: lambda x, size=2, stride=2: getattr(conv, f"{kind}_pool2d").unguarded(
                       x, size=size, stride=stride))(_kind),
                   guarded=_pool_guards(f"{_kind}_pool2d"), hint=_forward_hint, forbidden=POOLING[_kind],
                   doc=f"Check ``{_kind}_pool_forward(x, size, stride)`` against ``helpers.conv.{_kind}_pool2d``, "
                       f"overlapping and non-square windows included."))
    register(Check(f"{_kind}_pool_backward", _pool_backward_cases,
                   (lambda kind: lambda dout, x, size=2, stride=2: getattr(
                       conv, f"{kind}_pool2d_backward").unguarded(dout, x, size=size, stride=stride))(_kind),
                   outputs=("dx",), guarded=_pool_guards(f"{_kind}_pool2d_backward"), numerical=_pool_numerical(_kind),
                   tolerances={"dx": GRADIENT_RTOL}, hint=_backward_hint,
                   doc=f"Check ``{_kind}_pool_backward(dout, x, size, stride) -> dx`` against "
                       f"``helpers.conv.{_kind}_pool2d_backward`` and central differences (not where a window "
                       f"has a tie), overlapping windows and ties included."))


# --------------------------------------------------------------------------- one loop over positions

_FAST_HINT = ("one loop over the output positions (i, j): the windows of all N images at (i, j), reshaped to "
              "(N, C·HH·WW), times the filters reshaped to (F, C·HH·WW) and transposed, give out[:, :, i, j] "
              "(N, F) in one matrix product; add b.")
register(Check("conv_forward_fast", _conv_cases, _conv_reference, guarded=CONV_KERNELS, hint=_FAST_HINT,
               forbidden=CORRELATION,
               doc="Check ``conv_forward_fast(x, w, b, stride, pad)`` on the cases of ``conv_forward`` "
                   "against ``helpers.conv.conv2d``."))
register(Check("conv_backward_fast", _conv_backward_cases, _conv_backward_reference, outputs=("dx", "dw", "db"),
               guarded=CONV_KERNELS, numerical=_conv_numerical, forbidden=CORRELATION,
               tolerances={"dx": GRADIENT_RTOL, "dw": GRADIENT_RTOL, "db": GRADIENT_RTOL},
               hint="at each output position (i, j), with d = dout[:, :, i, j] (N, F) and the windows as rows "
                    "(N, C·HH·WW): dw (as (F, C·HH·WW)) += dᵀ @ windows; the padded dx's window += "
                    "(d @ w as (F, C·HH·WW)) reshaped to (N, C, HH, WW); db = dout summed over n, i, j; "
                    "then drop the padding from dx.",
               doc="Check ``conv_backward_fast(dout, x, w, b, stride, pad) -> (dx, dw, db)`` on the cases of "
                   "``conv_backward``: reference and numerical gradients."))


# --------------------------------------------------------------------------- the small CNN

register(Check("cnn_loss_and_grads", network.cases, network.reference_loss_and_grads,
               outputs=("loss",) + network.GRADIENT_NAMES, guarded=CONV_KERNELS + POOL_KERNELS,
               forbidden=CORRELATION + MAX_POOLING,
               numerical=network.numerical,
               tolerances={"loss": 1e-7, **{name: GRADIENT_RTOL for name in network.GRADIENT_NAMES}},
               hint="forward: a = conv(x, w1, b1, pad 1), h = relu(a), p = max pool 2×2 of h, z = p flattened @ W2 "
                    "+ b2, (loss, dz) = softmax_cross_entropy(z, y). Backward in reverse: dW2 = flatᵀ dz, "
                    "db2 = Σ_n dz, dp = dz W2ᵀ reshaped like p, dh = pool backward, da = dh · (a > 0), then "
                    "conv backward gives dw1, db1. Use the sizes of the arrays you are given, not 8×8 and 8 filters.",
               doc="Check ``cnn_loss_and_grads(x, y, w1, b1, W2, b2) -> (loss, dw1, db1, dW2, db2)``, the whole "
                   "network (conv 3×3 pad 1, ReLU, max pool 2×2, affine, softmax cross-entropy), against the "
                   "reference kernels and central differences of the loss, on networks of several sizes."))

register(Check("cnn_trains_digits", network.training_cases, reference=None, verify=network.verify_training,
               function="train_cnn", outputs=("params", "losses"), guarded=CONV_KERNELS + POOL_KERNELS,
               forbidden=CORRELATION + MAX_POOLING,
               hint="train_cnn(X, y, epochs, seed) returns (params, losses): params (w1, b1, W2, b2), one loss "
                    "per mini-batch.",
               doc=f"Train with ``train_cnn(X_train, y_train, epochs={network.TRAINING_EPOCHS}, seed=s)`` for two "
                   f"seeds the grader draws; each run passes when the losses go down and the test accuracy of "
                   f"the trained network is at least {network.TRAINING_MIN_ACCURACY:.0%}."))
