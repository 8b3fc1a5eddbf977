"""Week 3 checks: single-channel cross-correlation, the 6×6 edge example, Sobel edges.

The references here are plain numpy (a sliding-window view and one einsum), obviously
right; the unit tests also compare them with ``helpers.conv.conv2d`` on one channel.
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from .. import conv
from .core import ByHand, Case, Check, CheckFailed, as_output, compare, register
from .forbidden import CORRELATION, SOBEL

# Bright on the left, dark on the right gives a positive response with these signs.
VERTICAL = np.array([[1.0, 0.0, -1.0]] * 3)
SOBEL_X = np.array([[1.0, 0.0, -1.0], [2.0, 0.0, -2.0], [1.0, 0.0, -1.0]])
SOBEL_Y = SOBEL_X.T.copy()

# Students write these themselves; the course's own kernels must not do it for them.
GUARDED = (conv.conv2d, conv.im2col)


def correlate_valid(x, k):
    """'Valid' 2-D cross-correlation: out[i, j] = Σ_pq x[i+p, j+q] k[p, q].

    x (H, W), k (kh, kw) -> (H − kh + 1, W − kw + 1). No kernel flip.
    """
    x = np.asarray(x, dtype=np.float64)
    k = np.asarray(k, dtype=np.float64)
    return np.einsum("ijpq,pq->ij", sliding_window_view(x, k.shape), k)


def _step(bright_left=True):
    image = np.zeros((6, 6))
    if bright_left:
        image[:, :3] = 10.0
    else:
        image[:, 3:] = 10.0
    return image


def _correlate_cases(rng, large=False) -> list[Case]:
    cases = [
        Case("6×6 step image, 3×3 vertical-edge kernel", (_step(), VERTICAL.copy())),
        Case("1×1 kernel", (rng.normal(size=(3, 4)), np.array([[2.5]]))),
        Case("non-square kernel 2×3 on a 5×7 image", (rng.normal(size=(5, 7)), rng.normal(size=(2, 3)))),
        Case("kernel as large as the image (one output)", (rng.normal(size=(4, 4)), rng.normal(size=(4, 4)))),
        Case("asymmetric 3×3 kernel on an odd 9×6 image", (rng.normal(size=(9, 6)), rng.normal(size=(3, 3)))),
        Case("one-row image, 1×3 kernel", (rng.normal(size=(1, 8)), np.array([[1.0, -2.0, 0.5]]))),
        Case("5×5 kernel on a 17×23 image", (rng.normal(size=(17, 23)), rng.normal(size=(5, 5)))),
    ]
    if large:
        cases.append(Case("3×3 kernel on a 120×160 image", (rng.random(size=(120, 160)), rng.normal(size=(3, 3)))))
    return cases


_CORRELATE_HINT = (
    "out[i, j] = Σ_p Σ_q x[i+p, j+q] · k[p, q], with output shape (H − kh + 1, W − kw + 1); "
    "do not flip the kernel, and let kh and kw differ."
)

register(
    Check(
        "correlate2d_loops",
        _correlate_cases,
        correlate_valid,
        guarded=GUARDED,
        hint=_CORRELATE_HINT,
        forbidden=CORRELATION,
        compares_with="plain numpy",
        doc="Check ``correlate2d_loops(x, k)`` (valid cross-correlation of one channel).",
    )
)
register(
    Check(
        "correlate2d",
        lambda rng: _correlate_cases(rng, large=True),
        correlate_valid,
        guarded=GUARDED,
        hint=_CORRELATE_HINT,
        forbidden=CORRELATION,
        compares_with="plain numpy",
        doc="Check the vectorized ``correlate2d(x, k)``, also on a 120×160 image.",
    )
)


# --------------------------------------------------------------------------- predictions


def _no_args(rng) -> list[Case]:
    return [Case("your two predicted 4×4 outputs", ())]


register(
    Check(
        "edge_bands",
        _no_args,
        lambda: (correlate_valid(_step(True), VERTICAL), correlate_valid(_step(False), VERTICAL)),
        outputs=("band", "band_flipped"),
        hint="slide the 3×3 window over the 6×6 image: a window that sees one colour only gives 0; a "
        "window across the edge has one bright column under a +1 column or a −1 column of the kernel.",
        compares_with="plain numpy",
        doc="Check ``predicted_bands() -> (band, band_flipped)``, the 4×4 outputs predicted by hand.",
        by_hand=ByHand(),
    )
)


# --------------------------------------------------------------------------- Sobel


def sobel_reference(image):
    """(magnitude, orientation) of the Sobel gradient; both (H − 2, W − 2)."""
    gx = correlate_valid(image, SOBEL_X)
    gy = correlate_valid(image, SOBEL_Y)
    return np.hypot(gx, gy), np.arctan2(gy, gx)


def _sobel_cases(rng) -> list[Case]:
    diagonal = np.triu(np.ones((7, 7))) * 3.0
    return [
        Case("6×6 step image, bright left", (_step(True),)),
        Case("6×6 step image, bright right", (_step(False),)),
        Case("diagonal edge 7×7", (diagonal,)),
        Case("random 5×9 image", (rng.random(size=(5, 9)),)),
        Case("random 3×3 image (one output)", (rng.normal(size=(3, 3)),)),
        Case("random 16×11 image", (rng.random(size=(16, 11)),)),
    ]


def _verify_sobel(case, outputs, where):
    __tracebackhide__ = True
    hint = (
        "gx uses SOBEL_X = [[1, 0, −1], [2, 0, −2], [1, 0, −1]] and gy uses its transpose; "
        "magnitude = sqrt(gx² + gy²) (np.hypot) and orientation = np.arctan2(gy, gx) (not arctan(gy / gx))."
    )
    magnitude, orientation = sobel_reference(case.args[0])
    compare(magnitude, outputs[0], "magnitude", where, 1e-7, hint)
    got = as_output(outputs[1], "orientation", where)
    if got.shape != orientation.shape:
        raise CheckFailed(f"{where}: `orientation` has shape {got.shape}, expected {orientation.shape}.\nHint: {hint}")
    # Where there is no edge the angle means nothing; an angle of π equals one of −π.
    edge = magnitude > 1e-9 * max(1.0, float(magnitude.max()))
    gap = np.angle(np.exp(1j * (got - orientation)))
    compare(
        np.where(edge, orientation, 0.0),
        np.where(edge, orientation + gap, 0.0),
        "orientation",
        where,
        1e-7,
        hint,
        atol=1e-9,
    )


register(
    Check(
        "sobel_edges",
        _sobel_cases,
        reference=None,
        outputs=("magnitude", "orientation"),
        verify=_verify_sobel,
        forbidden=SOBEL,
        compares_with="plain numpy",
        doc="Check ``sobel_edges(image) -> (magnitude, orientation)``; angles are compared where there is an edge.",
    )
)
