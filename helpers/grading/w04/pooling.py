"""Week 4's max and average pooling, forward and backward, against ``helpers.conv`` and (backward, where
no window has a tie) central differences; ties send the gradient to the first maximum."""

from __future__ import annotations

import numpy as np

from ... import conv
from ..core import GRADIENT_RTOL, Case, Check, register
from ..forbidden import AVG_POOLING, MAX_POOLING
from .guards import POOL_KERNELS

POOLING = {"max": MAX_POOLING, "avg": AVG_POOLING}  # library functions that pool by themselves


def _pool_guards(name):
    """Every pooling kernel, the one a check compares with (``name``) first."""
    return tuple(sorted(POOL_KERNELS, key=lambda k: k.reference_name.split(".")[-1] != name))


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
    return [
        Case(label, (_distinct(rng, shape),), {"size": size, "stride": stride}) for label, shape, size, stride in specs
    ]


def _pool_backward_cases(rng) -> list[Case]:
    """The forward cases, then two with ties: the first maximum of a window takes its gradient."""
    ties = [
        Case(
            "ties after a ReLU: windows of zeros",
            (np.maximum(_distinct(rng, (2, 2, 4, 6)), 0.0),),
            {"size": 2, "stride": 2},
        ),
        Case(
            "ties: small whole numbers, overlapping windows (size 3, stride 2)",
            (rng.integers(0, 3, size=(2, 2, 7, 7)).astype(np.float64),),
            {"size": 3, "stride": 2},
        ),
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
            window = np.sort(
                x[:, :, i * stride : i * stride + size, j * stride : j * stride + size].reshape(
                    x.shape[0], x.shape[1], -1
                ),
                axis=2,
            )
            if np.any(window[:, :, -1] - window[:, :, -2] < 1e-4):
                return True
    return False


def _pool_numerical(kind):
    def estimate(case, expected, h=1e-5):
        from ...gradcheck import numerical_gradient

        dout, x = (np.array(a, dtype=np.float64, copy=True) for a in case.args)
        if kind == "max" and _has_tie(x, **case.kwargs):
            return {}  # a tie is a kink: finite differences see half of each side; the rule decides
        forward = getattr(conv, f"{kind}_pool2d").unguarded
        return {"dx": numerical_gradient(lambda v: np.sum(forward(v, **case.kwargs) * dout), x, h=h)}

    return estimate


for _kind, _forward_hint, _backward_hint in [
    (
        "max",
        "the largest value of each size×size window, window (i, j) starting at (i·stride, j·stride); "
        "H_out = (H − size) // stride + 1.",
        "dout[n, c, i, j] goes only to the FIRST maximum of its window in reading order (np.argmax of the "
        "flattened window, as helpers.pool does; a mask window == window.max() sends it to every tied maximum); "
        "add (+=) where windows overlap.",
    ),
    (
        "avg",
        "the mean of each size×size window, window (i, j) starting at (i·stride, j·stride); "
        "H_out = (H − size) // stride + 1.",
        "each of the size² positions of a window gets dout[n, c, i, j] / size²; add (+=) where windows overlap.",
    ),
]:
    register(
        Check(
            f"{_kind}_pool_forward",
            _pool_cases,
            (
                lambda kind: (
                    lambda x, size=2, stride=2: getattr(conv, f"{kind}_pool2d").unguarded(x, size=size, stride=stride)
                )
            )(_kind),
            guarded=_pool_guards(f"{_kind}_pool2d"),
            hint=_forward_hint,
            forbidden=POOLING[_kind],
            compares_with=(getattr(conv, f"{_kind}_pool2d"),),
            doc=f"Check ``{_kind}_pool_forward(x, size, stride)`` against ``helpers.conv.{_kind}_pool2d``, "
            f"overlapping and non-square windows included.",
        )
    )
    register(
        Check(
            f"{_kind}_pool_backward",
            _pool_backward_cases,
            (
                lambda kind: (
                    lambda dout, x, size=2, stride=2: getattr(conv, f"{kind}_pool2d_backward").unguarded(
                        dout, x, size=size, stride=stride
                    )
                )
            )(_kind),
            outputs=("dx",),
            guarded=_pool_guards(f"{_kind}_pool2d_backward"),
            numerical=_pool_numerical(_kind),
            tolerances={"dx": GRADIENT_RTOL},
            hint=_backward_hint,
            compares_with=(getattr(conv, f"{_kind}_pool2d_backward"),),
            doc=f"Check ``{_kind}_pool_backward(dout, x, size, stride) -> dx`` against "
            f"``helpers.conv.{_kind}_pool2d_backward`` and central differences (not where a window "
            f"has a tie), overlapping windows and ties included.",
        )
    )
