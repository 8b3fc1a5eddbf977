"""Week 12's dilated causal 1-D convolution, forward and backward, against ``helpers.efficient``, the
one-step-at-a-time loop of ``helpers.numpy_reference`` and central differences; and the receptive field of a
stack of them."""

from __future__ import annotations

import numpy as np

from ... import efficient
from ... import numpy_reference as ref
from ..core import Case, Check, NetworkCase, register
from .diagnosis import GRADIENT, verify_with_mistakes

# (label, N, C, T, F, K, dilation): edge cases first
# (T = 1 comes second: there a right-padded convolution and reversed taps give the same numbers, and the first
# case's message should tell them apart)
_SHAPES = [
    ("one channel in and out, a batch of one", 1, 1, 6, 1, 3, 1),
    ("one time step (T = 1)", 2, 2, 1, 3, 2, 1),
    ("kernel size 1 (K = 1)", 2, 3, 5, 2, 1, 4),
    ("dilation 2", 2, 2, 8, 3, 2, 2),
    ("dilation 4, the filter reaching past the start", 1, 2, 6, 2, 3, 4),
]


def _cases_data(rng):
    shapes = list(_SHAPES)
    n, c, t, f = int(rng.integers(1, 4)), int(rng.integers(1, 5)), int(rng.integers(4, 16)), int(rng.integers(1, 5))
    k, d = int(rng.integers(2, 5)), int(rng.integers(1, 4))
    shapes.append((f"random N={n}, C={c}, T={t}, F={f}, K={k}, dilation {d}", n, c, t, f, k, d))
    result = []
    for label, n, c, t, f, k, d in shapes:
        net = dict(
            x=rng.normal(size=(n, c, t)),
            w=rng.normal(size=(f, c, k)),
            b=rng.normal(size=f),
            dout=rng.normal(size=(n, f, t)),
            dilation=d,
        )
        result.append((label, net))
    return result


def _padded(net, left, right, dilation=None):
    """out[t] = b + Σ_k w[k] · x_pad[t + k·d] with x padded by ``left`` and ``right`` zeros, cut to T."""
    x, w, b = net["x"], net["w"], net["b"]
    d = net["dilation"] if dilation is None else dilation
    t, k = x.shape[2], w.shape[2]
    xp = np.pad(x, ((0, 0), (0, 0), (left, right)))
    out = np.zeros((x.shape[0], w.shape[0], t)) + b[None, :, None]
    for tap in range(k):
        out += np.einsum("fc,nct->nft", w[:, :, tap], xp[:, :, tap * d : tap * d + t])
    return out


def _reach(net):
    return (net["w"].shape[2] - 1) * net["dilation"]


PEEKS = (
    "your output depends on LATER inputs: the zeros are padded on the wrong side. A causal convolution pads "
    "(K − 1)·dilation zeros on the LEFT only, so out[t] reads x[t], x[t − d], …, never x[t + 1]."
)
CENTERED = (
    "your output depends on later inputs: this is a 'same' convolution padded on both sides. A causal one pads "
    "(K − 1)·dilation zeros on the LEFT only."
)
NO_DILATION = "the dilation is ignored: tap k must read x[t − (K − 1 − k)·dilation], dilation steps apart."
REVERSED = (
    "the taps are reversed: the last tap, w[:, :, K − 1], multiplies x[t] itself, and w[:, :, 0] the oldest input "
    "x[t − (K − 1)·d] (cross-correlation over the left-padded input, as conv2d does)."
)


def _reversed(net):
    return _padded({**net, "w": net["w"][:, :, ::-1]}, _reach(net), 0)


FORWARD_MISTAKES = (
    (PEEKS, lambda case: (_padded(case.network, 0, _reach(case.network)),)),
    (CENTERED, lambda case: (_padded(case.network, _reach(case.network) // 2, _reach(case.network)),)),
    (NO_DILATION, lambda case: (_padded(case.network, _reach(case.network) // case.network["dilation"], 0, 1),)),
    (REVERSED, lambda case: (_reversed(case.network),)),
)
CAUSAL_HINT = (
    "left = (K − 1)·dilation; x_pad = np.pad(x, ((0, 0), (0, 0), (left, 0))); out = b[None, :, None] + "
    "Σ_k np.einsum('fc,nct->nft', w[:, :, k], x_pad[:, :, k·d : k·d + T])."
)


def _forward_cases(rng):
    return [
        NetworkCase(label, (net["x"], net["w"], net["b"], net["dilation"]), network=net)
        for label, net in _cases_data(rng)
    ]


register(
    Check(
        "causal_conv1d",
        _forward_cases,
        reference=None,
        verify=verify_with_mistakes(
            ("out",),
            lambda case: (efficient.causal_conv1d.unguarded(*case.args),),
            CAUSAL_HINT,
            mistakes=FORWARD_MISTAKES,
        ),
        outputs=("out",),
        guarded=(efficient.causal_conv1d,),
        hint=CAUSAL_HINT,
        compares_with=(efficient.causal_conv1d,),
        doc="Check ``causal_conv1d(x, w, b, dilation) -> out`` against helpers.efficient (T = 1, one channel, "
        "K = 1 and a filter reaching past the start included).",
    )
)


def _backward_cases(rng):
    return [
        NetworkCase(label, (net["dout"], net["x"], net["w"], net["b"], net["dilation"]), network=net)
        for label, net in _cases_data(rng)
    ]


def _numerical(case):
    from ...gradcheck import numerical_gradient

    net = {k: (np.array(v, dtype=np.float64) if isinstance(v, np.ndarray) else v) for k, v in case.network.items()}

    def energy(_):
        return float(np.sum(net["dout"] * ref.causal_conv1d(net["x"], net["w"], net["b"], net["dilation"])))

    return {f"d{name}": numerical_gradient(energy, net[name]) for name in ("x", "w", "b")}


def _right_padded_backward(case):
    net = case.network
    d, k = net["dilation"], net["w"].shape[2]
    t = net["x"].shape[2]
    right = (k - 1) * d
    xp = np.pad(net["x"], ((0, 0), (0, 0), (0, right)))
    dxp, dw = np.zeros_like(xp), np.zeros_like(net["w"])
    for tap in range(k):
        dw[:, :, tap] = np.einsum("nft,nct->fc", net["dout"], xp[:, :, tap * d : tap * d + t])
        dxp[:, :, tap * d : tap * d + t] += np.einsum("fc,nft->nct", net["w"][:, :, tap], net["dout"])
    return dxp[:, :, :t], dw, net["dout"].sum(axis=(0, 2))


CAUSAL_BACKWARD_HINT = (
    "with the same left-padded x_pad: dw[:, :, k] = einsum('nft,nct->fc', dout, x_pad[:, :, k·d : k·d + T]); "
    "dx_pad[:, :, k·d : k·d + T] += einsum('fc,nft->nct', w[:, :, k], dout); dx = dx_pad[:, :, left:]; "
    "db = dout.sum(axis=(0, 2))."
)

register(
    Check(
        "causal_conv1d_backward",
        _backward_cases,
        reference=None,
        verify=verify_with_mistakes(
            ("dx", "dw", "db"),
            lambda case: efficient.causal_conv1d_backward.unguarded(*case.args),
            CAUSAL_BACKWARD_HINT,
            mistakes=(
                (
                    "these are the gradients of a convolution padded on the RIGHT, which reads later inputs: "
                    "pad (K − 1)·dilation zeros on the left, and cut them off dx_pad from the left.",
                    _right_padded_backward,
                ),
            ),
            numerical=_numerical,
            rtol={name: GRADIENT for name in ("dx", "dw", "db")},
        ),
        outputs=("dx", "dw", "db"),
        guarded=(efficient.causal_conv1d, efficient.causal_conv1d_backward),
        hint=CAUSAL_BACKWARD_HINT,
        compares_with=(efficient.causal_conv1d_backward,),
        doc="Check ``causal_conv1d_backward(dout, x, w, b, dilation) -> (dx, dw, db)`` against helpers.efficient "
        "and central differences.",
    )
)


# --------------------------------------------------------------------------- receptive field

_FIELDS = [
    ("one layer, K = 1", 1, [1]),
    ("one layer, K = 2", 2, [1]),
    ("K = 2, dilations 1, 2, 4, 8 (WaveNet)", 2, [1, 2, 4, 8]),
    ("K = 3, dilations 1, 2, 4", 3, [1, 2, 4]),
    ("K = 2, dilations 1, 2, …, 512", 2, [2**i for i in range(10)]),
    ("K = 3, no dilation, 5 layers", 3, [1, 1, 1, 1, 1]),
    ("K = 2, two stacks of 1, 2, 4, 8", 2, [1, 2, 4, 8, 1, 2, 4, 8]),
]


def _field_cases(rng):
    cases = [Case(label, (k, list(d))) for label, k, d in _FIELDS]
    for _ in range(4):
        k, layers = int(rng.integers(2, 6)), int(rng.integers(1, 9))
        dilations = [int(v) for v in 2 ** rng.integers(0, 6, size=layers)]
        cases.append(Case(f"K = {k}, dilations {dilations}", (k, dilations)))
    return cases


def _field_mistake(rule):
    def mistake(case):
        k, dilations = case.args
        return (rule(k, dilations),)

    return mistake


FIELD_HINT = "one output sees 1 input step; each layer with dilation d reaches (K − 1)·d further back: 1 + (K − 1)·Σ d."

register(
    Check(
        "receptive_field",
        _field_cases,
        reference=None,
        verify=verify_with_mistakes(
            ("receptive_field",),
            lambda case: (efficient.receptive_field.unguarded(*case.args),),
            FIELD_HINT,
            mistakes=(
                (
                    "the output's own step is not counted: add 1 to (K − 1)·Σ d.",
                    _field_mistake(lambda k, ds: (k - 1) * sum(ds)),
                ),
                (
                    "each layer is counted as reaching K·d steps: a filter of K taps spans only (K − 1)·d steps "
                    "beyond the current one.",
                    _field_mistake(lambda k, ds: 1 + k * sum(ds)),
                ),
                (
                    "the layers' fields are multiplied: they add up, each layer reaching (K − 1)·d further back.",
                    _field_mistake(lambda k, ds: int(np.prod([1 + (k - 1) * d for d in ds]))),
                ),
            ),
        ),
        outputs=("receptive_field",),
        guarded=(efficient.receptive_field,),
        hint=FIELD_HINT,
        compares_with=(efficient.receptive_field,),
        doc="Check ``receptive_field(kernel_size, dilations)`` of a stack of dilated causal convolutions on 11 stacks.",
    )
)
