"""Week 12's normalization over other axes: ``normalize(x, gamma, beta, axes, eps)`` on images (N, C, H, W)
against ``helpers.norm.normalize``; batch, layer and instance norm as that function over three sets of axes; and
the question of which of them still work on a batch of one.

Edge cases first: a batch of one, one channel, 1×1 images (a fully connected layer's output), a constant input
(only ε keeps it finite) and a tiny variance (where ε inside or outside the square root shows). A wrong answer is
compared with what each typical mistake gives on the same case: a variance divided by m − 1, ε added outside
the square root or left out, and the wrong axes (layer norm over the batch too, instance norm over the batch).
"""

from __future__ import annotations

import numpy as np

from ... import norm, transformer
from ..core import ByHand, Case, Check, register
from .diagnosis import verify_with_mistakes

AXES = norm.NORM_AXES


def _plain(x, gamma, beta, axes, eps=1e-5, ddof=0, eps_outside=False, no_eps=False):
    """What a normalization gives, right (the defaults) or with one of the typical mistakes."""
    axes = tuple(axes)
    mu = x.mean(axis=axes, keepdims=True)
    m = np.prod([x.shape[a] for a in axes])
    var = ((x - mu) ** 2).sum(axis=axes, keepdims=True) / (m - ddof)
    if no_eps:
        scale = np.sqrt(var)
    elif eps_outside:
        scale = np.sqrt(var) + eps
    else:
        scale = np.sqrt(var + eps)
    return gamma[None, :, None, None] * (x - mu) / scale + beta[None, :, None, None]


DDOF = (
    "the variance is divided by m − 1 (ddof=1, as np.var(..., ddof=1) or a 'sample' variance): normalization "
    "uses the biased variance, the mean of (x − μ)², divided by the m values averaged (np.var's default)."
)
EPS_OUTSIDE = (
    "ε is added outside the square root, (x − μ) / (√σ² + ε): it belongs inside, (x − μ) / √(σ² + ε), "
    "as in week 9's batch norm."
)
NO_EPS = (
    "ε is missing: divide by √(σ² + ε), not √σ². It matters when the variance is tiny, and a constant input "
    "(σ² = 0) would give 0/0 without it."
)


def _generic_mistakes(axes_of):
    """The mistakes of the arithmetic, for a check whose case gives its axes through ``axes_of(case)``."""

    def mistake(**how):
        def give(case):
            x, gamma, beta = case.args[:3]
            eps = case.args[4] if len(case.args) > 4 else 1e-5
            return (_plain(x, gamma, beta, axes_of(case), eps, **how),)

        return give

    return (
        (DDOF, mistake(ddof=1)),
        (EPS_OUTSIDE, mistake(eps_outside=True)),
        (NO_EPS, mistake(no_eps=True)),
    )


# --------------------------------------------------------------------------- normalize over given axes

# (label, shape, axes, eps, how the input is made)
_NORMALIZE = [
    ("a batch of one, N = 1, over the batch axes (0, 2, 3)", (1, 3, 2, 2), AXES["batch"], 1e-5, "normal"),
    ("one channel, C = 1, over (1, 2, 3)", (4, 1, 3, 3), AXES["layer"], 1e-5, "normal"),
    ("1×1 images (a fully connected layer's output), over (1, 2, 3)", (5, 4, 1, 1), AXES["layer"], 1e-5, "normal"),
    ("a tiny variance (values ~1e-3, ε = 1e-5 matters), over (2, 3)", (2, 3, 3, 2), AXES["instance"], 1e-5, "tiny"),
    ("a constant input: x − μ = 0, only ε keeps it finite; over (2, 3)", (2, 3, 2, 2), AXES["instance"], 1e-3, "flat"),
    (
        "a batch of one 1×1 image over (0, 2, 3): every value is its own mean",
        (1, 4, 1, 1),
        AXES["batch"],
        1e-5,
        "normal",
    ),
    ("large offset and scale: x = 100 + 30 z, over (0, 2, 3), ε = 0.1", (3, 2, 4, 5), AXES["batch"], 0.1, "offset"),
    ("over the channels only, axes (1,)", (2, 5, 2, 3), (1,), 1e-5, "normal"),
]


def _make(rng, shape, how):
    if how == "flat":
        return np.full(shape, float(rng.normal()))
    x = rng.normal(size=shape)
    return {"tiny": 1e-3 * x, "offset": 100.0 + 30.0 * x}.get(how, x)


def _normalize_cases(rng):
    rows = list(_NORMALIZE)
    kind = ("batch", "layer", "instance")[int(rng.integers(3))]
    shape = tuple(int(v) for v in rng.integers(1, 6, size=4))
    rows.append((f"random: x {shape}, {kind} norm's axes {AXES[kind]}", shape, AXES[kind], 1e-5, "normal"))
    cases = []
    for label, shape, axes, eps, how in rows:
        c = shape[1]
        gamma, beta = 1.0 + 0.5 * rng.normal(size=c), rng.normal(size=c)
        cases.append(Case(label, (_make(rng, shape, how), gamma, beta, axes, eps)))
    return cases


NORMALIZE_HINT = (
    "mu = x.mean(axis=axes, keepdims=True); var = x.var(axis=axes, keepdims=True); "
    "out = gamma[None, :, None, None] * (x − mu) / np.sqrt(var + eps) + beta[None, :, None, None] "
    "(axes a tuple; keepdims so that mu and var broadcast back against x; γ and β per channel, axis 1)."
)

register(
    Check(
        "normalize",
        _normalize_cases,
        reference=None,
        verify=verify_with_mistakes(
            ("out",),
            lambda case: (norm.normalize.unguarded(*case.args),),
            NORMALIZE_HINT,
            mistakes=_generic_mistakes(lambda case: case.args[3])
            + (
                (
                    "the axes argument is ignored: the statistics are always taken over (0, 2, 3), as in batch "
                    "norm. Average over the axes you are given.",
                    lambda case: (_plain(*case.args[:3], AXES["batch"], case.args[4]),),
                ),
            ),
        ),
        outputs=("out",),
        guarded=(norm.normalize, norm.batchnorm_forward, transformer.layer_norm),
        hint=NORMALIZE_HINT,
        compares_with=(norm.normalize,),
        doc="Check ``normalize(x, gamma, beta, axes, eps) -> out (N, C, H, W)`` against helpers.norm: a batch of "
        "one, one channel, 1×1 images, a tiny variance and a constant input first, then batch, layer and "
        "instance norm's axes.",
    )
)


# --------------------------------------------------------------------------- batch, layer and instance norm

# A general shape first: on the edge cases two sets of axes agree (with N = 1 batch norm's and instance norm's,
# with C = 1 layer norm's and instance norm's), so a wrong answer is named on a case where only one mistake fits.
_SHAPES = [
    ("x (3, 2, 4, 5)", (3, 2, 4, 5)),
    ("a batch of one image, x (1, 3, 2, 2)", (1, 3, 2, 2)),
    ("one channel, x (4, 1, 3, 3)", (4, 1, 3, 3)),
    ("1×1 images, x (5, 4, 1, 1)", (5, 4, 1, 1)),
]


def _named_cases(rng):
    shapes = list(_SHAPES)
    shape = tuple(int(v) for v in rng.integers(2, 6, size=4))
    shapes.append((f"random: x {shape}", shape))
    cases = []
    for label, shape in shapes:
        c = shape[1]
        cases.append(Case(label, (rng.normal(size=shape), 1.0 + 0.5 * rng.normal(size=c), rng.normal(size=c))))
    return cases


_WRONG_AXES = {
    "batch": (
        (AXES["instance"], "these are instance norm's axes (2, 3): batch norm also averages over the batch, axis 0."),
        (AXES["layer"], "these are layer norm's axes (1, 2, 3): batch norm averages over N, H and W, per channel."),
        ((0,), "only the batch axis: batch norm of images averages each channel over N, H AND W, (0, 2, 3)."),
    ),
    "layer": (
        (
            (0, 1, 2, 3),
            "normalizing over N too: the statistics are taken across the batch. Layer norm averages each example "
            "over its own values only, axes (1, 2, 3), never axis 0.",
        ),
        (AXES["batch"], "these are batch norm's axes (0, 2, 3): layer norm averages each example over (1, 2, 3)."),
        (AXES["instance"], "these are instance norm's axes (2, 3): layer norm also averages over the channels."),
        ((1,), "over the channels only (each pixel on its own): layer norm of an image averages over C, H and W."),
    ),
    "instance": (
        (
            AXES["batch"],
            "these are batch norm's axes (0, 2, 3): instance norm never looks at the other examples; it averages "
            "each channel of each example over H and W, axes (2, 3).",
        ),
        (AXES["layer"], "these are layer norm's axes (1, 2, 3): instance norm keeps the channels apart, (2, 3)."),
    ),
}


def _axes_mistakes(kind):
    return tuple((message, lambda case, axes=axes: (_plain(*case.args, axes),)) for axes, message in _WRONG_AXES[kind])


def _register_named(kind, guarded, compares_with, reference):
    axes = AXES[kind]
    hint = f"{kind}_norm(x, gamma, beta, eps) is normalize(x, gamma, beta, {axes}, eps)."
    register(
        Check(
            f"{kind}_norm_images",
            _named_cases,
            reference=None,
            verify=verify_with_mistakes(
                ("out",),
                reference,
                hint,
                mistakes=_axes_mistakes(kind) + _generic_mistakes(lambda case: axes),
            ),
            function=f"{kind}_norm",
            outputs=("out",),
            guarded=guarded,
            hint=hint,
            compares_with=compares_with,
            doc=f"Check ``{kind}_norm(x, gamma, beta) -> out (N, C, H, W)`` (eps = 1e-5), normalized over "
            f"the axes {axes}, against {', '.join(k.reference_name for k in compares_with)}.",
        )
    )


_GUARDED = (norm.normalize, norm.batchnorm_forward, transformer.layer_norm)
_register_named(
    "batch",
    _GUARDED,
    (norm.batchnorm_forward,),
    lambda case: (norm.batchnorm_forward.unguarded(*case.args)[0],),
)
_register_named(
    "layer",
    _GUARDED,
    (norm.normalize,),
    lambda case: (norm.normalize.unguarded(*case.args, AXES["layer"]),),
)
_register_named(
    "instance",
    _GUARDED,
    (norm.normalize,),
    lambda case: (norm.normalize.unguarded(*case.args, AXES["instance"]),),
)


# --------------------------------------------------------------------------- a batch of one

# The question's two parts, each answered for batch, layer and instance norm, in that order.
BATCH_OF_ONE_LABELS = tuple(
    f"{part}, {kind} norm"
    for part in ("(a) a batch of one x (1, 4, 1, 1): not all β", "(b) the same output alone or in a batch")
    for kind in ("batch", "layer", "instance")
)
_PART_A = (
    "with x (1, 4, 1, 1), look at which values this norm averages together: if each value is averaged only with "
    "itself, x − μ = 0 and the output is β. Run your function on such an x."
)
_PART_B = (
    "does this norm's μ depend on axis 0? If the statistics mix examples, an example's output changes with the "
    "batch around it. Compare your function on one example alone and on the same example inside a batch."
)
BATCH_OF_ONE_HINTS = (_PART_A,) * 3 + (_PART_B,) * 3


def _batch_of_one_reference():
    """Computed, not typed: (a) does the output on one 1×1 example differ from β; (b) is an example's output
    the same alone as inside a batch."""
    rng = np.random.default_rng(0)
    gamma, beta = np.ones(4), np.zeros(4)
    single = rng.normal(size=(1, 4, 1, 1))
    part_a = [float(np.abs(norm.normalize.unguarded(single, gamma, beta, AXES[k])).max() > 1e-6) for k in AXES]
    batch = rng.normal(size=(8, 4, 3, 3))
    part_b = [
        float(
            np.allclose(
                norm.normalize.unguarded(batch[:1], gamma, beta, AXES[k]),
                norm.normalize.unguarded(batch, gamma, beta, AXES[k])[:1],
            )
        )
        for k in AXES
    ]
    return np.array(part_a + part_b)


register(
    Check(
        "batch_of_one_answers",
        lambda rng: [Case("your six answers", ())],
        _batch_of_one_reference,
        function="batch_of_one_answers",
        outputs=("answers",),
        guarded=(norm.normalize,),
        hint="batch norm averages over (0, 2, 3), layer norm over (1, 2, 3), instance norm over (2, 3); a norm "
        "that averages over axis 0 depends on the batch.",
        compares_with=(norm.normalize,),
        doc="Check the six yes/no answers (1 or 0) on normalizing a batch of one (``batch_of_one_answers``), "
        "computed here with helpers.norm.normalize.",
        by_hand=ByHand(labels=BATCH_OF_ONE_LABELS, hints=BATCH_OF_ONE_HINTS),
    )
)
