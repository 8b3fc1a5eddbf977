"""Week 4's padding and sizes: ``zero_pad``, the output size ⌊(n + 2p − f)/s⌋ + 1, and the drill of six
answers worked out by hand."""

from __future__ import annotations

import numpy as np

from ... import conv
from ..core import ByHand, Case, Check, register
from .guards import CONV_KERNELS


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


register(
    Check(
        "zero_pad",
        _pad_cases,
        _pad_reference,
        guarded=CONV_KERNELS,
        hint="pad axes 2 and 3 only, by `pad` on both sides: np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad))).",
        compares_with=(conv.pad2d,),
        doc="Check ``zero_pad(x, pad)`` on (N, C, H, W) batches, pad 0 to 3.",
    )
)


# (n, f, pad, stride), plain ints: they travel as JSON to the grader's sandbox.
_SIZE_CASES = [
    (6, 3, 0, 1),
    (6, 3, 1, 1),
    (7, 3, 0, 2),
    (8, 3, 0, 2),
    (10, 4, 0, 3),
    (11, 5, 2, 3),
    (5, 5, 0, 1),
    (1, 1, 0, 1),
    (32, 5, 2, 1),
    (9, 2, 1, 4),
]


def _size_cases(rng) -> list[Case]:
    cases = [Case(f"n={n}, f={f}, pad={p}, stride={s}", (n, f, p, s)) for n, f, p, s in _SIZE_CASES]
    n = int(rng.integers(20, 60))
    f = int(rng.integers(1, 8))
    s = int(rng.integers(1, 5))
    p = int(rng.integers(0, 3))
    return cases + [Case(f"n={n}, f={f}, pad={p}, stride={s}", (n, f, p, s))]


def _size_reference(n, f, pad=0, stride=1):
    return (n + 2 * pad - f) // stride + 1


register(
    Check(
        "conv_output_size",
        _size_cases,
        _size_reference,
        guarded=(conv.output_size,),
        hint="floor((n + 2 pad − f) / stride) + 1: integer division `//`, then + 1.",
        compares_with="plain numpy",
        doc="Check ``conv_output_size(n, f, pad, stride)``, strides that do not fit included.",
    )
)


# The drill: (n, f, pad, stride) of the output-size questions, in the notebook's order; question 3
# asks for the "same" padding and question 6 for a parameter count. The answers are computed.
DRILL_SIZES = [(6, 3, 1, 2), (32, 5, 0, 1), None, (7, 3, 0, 3), (227, 11, 0, 4)]


DRILL_SAME = (28, 5)  # n, f with stride 1


DRILL_PARAMS = (16, 5, 3)  # filters, f, input channels


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
    size = (
        "⌊(n + 2p − f) / s⌋ + 1: add the padding on both sides, subtract the filter, divide by the stride "
        "and round DOWN (a window that does not fit is dropped), then add 1 for the first position."
    )
    same = (
        "'same' means the output is as large as the input: with stride 1 solve n + 2p − f + 1 = n for p, "
        "i.e. p = (f − 1) / 2."
    )
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


register(
    Check(
        "output_size_drill",
        lambda rng: [Case("your six answers", ())],
        _drill_reference,
        function="drill_answers",
        outputs=("answers",),
        hint="output size = floor((n + 2p − f)/s) + 1; 'same' with stride 1 needs p = (f − 1)/2; "
        "a filter has f·f·C weights plus one bias.",
        compares_with="plain numpy",
        doc="Check the six answers of the output-size drill (``drill_answers``) against the formula.",
        by_hand=ByHand(labels=_drill_labels(), hints=_drill_hints()),
    ),
    aliases=("drill",),
)
