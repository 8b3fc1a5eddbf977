"""Week 10's scaled dot-product attention with a padding mask, forward (context and weights) and backward,
against ``helpers.seq2seq``, the per-query loops of ``helpers.numpy_reference`` and central differences."""

from __future__ import annotations

import numpy as np

from ... import numpy_reference as ref
from ... import seq2seq
from ..core import Check, NetworkCase, register
from ..mistakes import GRADIENT, verify_with_mistakes

# (label, lengths, Tq, d, dv, scale of q)
_SHAPES = [
    ("one input position (S = 1)", [1, 1], 2, 3, 2, 1.0),
    ("one query (Tq = 1), a single sequence (N = 1)", [4], 1, 3, 3, 1.0),
    ("padded inputs of lengths 4, 2, 1", [4, 2, 1], 3, 2, 3, 1.0),
    ("d = 1, lengths 3, 5", [3, 5], 2, 1, 2, 1.0),
    ("N = Tq = S = d = 3, lengths 3, 2, 3", [3, 2, 3], 3, 3, 3, 1.0),
    ("large scores (peaked weights), lengths 5, 3", [5, 3], 2, 4, 2, 6.0),
]


def _cases_data(rng):
    shapes = list(_SHAPES)
    n = int(rng.integers(2, 6))
    tq, d, dv = int(rng.integers(1, 6)), int(rng.integers(1, 6)), int(rng.integers(1, 5))
    shapes.append(
        (
            f"random lengths, N={n}, Tq={tq}, d={d}, dv={dv}",
            [int(v) for v in rng.integers(1, 8, size=n)],
            tq,
            d,
            dv,
            1.0,
        )
    )
    result = []
    for label, lengths, tq, d, dv, scale in shapes:
        n, s = len(lengths), max(lengths)
        mask = (np.arange(s)[None, :] < np.array(lengths)[:, None]).astype(np.float64)
        net = dict(
            q=rng.normal(size=(n, tq, d)) * scale,
            K=rng.normal(size=(n, s, d)),
            V=rng.normal(size=(n, s, dv)),
            mask=mask,
            dcontext=rng.normal(size=(n, tq, dv)),
        )
        result.append((label, net))
    return result


def _softmax(scores, axis):
    e = np.exp(scores - scores.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def _mistaken(net, axis=2, masked=True, scaled=True):
    scores = net["q"] @ net["K"].transpose(0, 2, 1) / (np.sqrt(net["q"].shape[2]) if scaled else 1.0)
    if masked:
        scores = np.where(net["mask"][:, None, :] > 0, scores, -np.inf if axis == 2 else -1e300)
    a = _softmax(scores, axis)
    if masked and axis != 2:
        a = a * (net["mask"][:, None, :] > 0)
    return a @ net["V"], a


ATTENTION_HINT = (
    "scores = q @ K.transpose(0, 2, 1) / sqrt(d) (N, Tq, S); set the scores of padded positions to -inf "
    "(np.where(mask[:, None, :] > 0, scores, -np.inf)); weights = softmax over axis 2, the input positions; "
    "context = weights @ V (N, Tq, dv)."
)
WRONG_AXIS = (
    "the softmax is taken over the wrong axis: each query's weights must sum to 1 over the INPUT positions "
    "(the last axis, S), not over the queries or the batch."
)
NOT_MASKED = (
    "padding is not masked: padded input positions get attention weight. Set their scores to -inf before "
    "the softmax, so that their weights are exactly 0."
)
NOT_SCALED = "the scores are not divided by sqrt(d): scaled dot-product attention uses q·k / √d."

ATTENTION_MISTAKES = (
    (WRONG_AXIS, lambda case: _mistaken(case.network, axis=1)),
    (WRONG_AXIS, lambda case: _mistaken(case.network, axis=0)),
    (NOT_MASKED, lambda case: _mistaken(case.network, masked=False)),
    (NOT_SCALED, lambda case: _mistaken(case.network, scaled=False)),
)


def _forward_cases(rng):
    return [
        NetworkCase(label, (net["q"], net["K"], net["V"], net["mask"]), network=net) for label, net in _cases_data(rng)
    ]


register(
    Check(
        "attention",
        _forward_cases,
        reference=None,
        verify=verify_with_mistakes(
            ("context", "weights"),
            lambda case: seq2seq.attention.unguarded(*case.args),
            ATTENTION_HINT,
            # the weights first: they show the mistake most clearly
            mistakes=ATTENTION_MISTAKES,
        ),
        outputs=("context", "weights"),
        guarded=(seq2seq.attention,),
        forbidden=("scipy.special.softmax", "scipy.special.log_softmax"),
        hint=ATTENTION_HINT,
        compares_with=(seq2seq.attention,),
        doc="Check ``attention(q, K, V, mask) -> (context, weights)``, scaled dot-product attention with a "
        "padding mask, against helpers.seq2seq (S = 1, Tq = 1, N = 1, d = 1, padding and peaked weights included).",
    )
)


def _backward_cases(rng):
    return [
        NetworkCase(label, (net["dcontext"], net["q"], net["K"], net["V"], net["mask"]), network=net)
        for label, net in _cases_data(rng)
    ]


def _numerical(case):
    from ...gradcheck import numerical_gradient

    net = {k: np.array(v, dtype=np.float64) for k, v in case.network.items()}

    def energy(_):
        return float(np.sum(net["dcontext"] * ref.attention(net["q"], net["K"], net["V"], net["mask"])[0]))

    return {f"d{name}": numerical_gradient(energy, net[name]) for name in ("q", "K", "V")}


def _backward_mistake(**how):
    def gradients(case):
        net = case.network
        _, a = _mistaken(net, **how)
        dc = net["dcontext"]
        dV = a.transpose(0, 2, 1) @ dc
        da = dc @ net["V"].transpose(0, 2, 1)
        ds = a * (da - (a * da).sum(axis=2, keepdims=True))
        scale = 1.0 / np.sqrt(net["q"].shape[2]) if how.get("scaled", True) else 1.0
        return (ds @ net["K"]) * scale, (ds.transpose(0, 2, 1) @ net["q"]) * scale, dV

    return gradients


BACKWARD_HINT = (
    "recompute the weights a; dV = aᵀ dcontext (a.transpose(0, 2, 1) @ dcontext); "
    "da = dcontext @ V.transpose(0, 2, 1); "
    "the softmax backward per query: ds = a * (da − (a * da).sum(axis=2, keepdims=True)); "
    "dq = ds @ K / √d; dK = ds.transpose(0, 2, 1) @ q / √d."
)

register(
    Check(
        "attention_backward",
        _backward_cases,
        reference=None,
        verify=verify_with_mistakes(
            ("dq", "dK", "dV"),
            lambda case: seq2seq.attention_backward.unguarded(*case.args),
            BACKWARD_HINT,
            mistakes=(
                (NOT_MASKED, _backward_mistake(masked=False)),
                (
                    "the softmax's backward is missing its second term: ds = a * (da − Σ_j a_j da_j), not a * da.",
                    lambda case: _no_second_term(case.network),
                ),
            ),
            numerical=_numerical,
            rtol={name: GRADIENT for name in ("dq", "dK", "dV")},
        ),
        outputs=("dq", "dK", "dV"),
        guarded=(seq2seq.attention, seq2seq.attention_backward),
        forbidden=("scipy.special.softmax", "scipy.special.log_softmax"),
        hint=BACKWARD_HINT,
        compares_with=(seq2seq.attention_backward,),
        doc="Check ``attention_backward(dcontext, q, K, V, mask) -> (dq, dK, dV)`` against helpers.seq2seq and "
        "central differences, padding included.",
    )
)


def _no_second_term(net):
    _, a = _mistaken(net)
    dc = net["dcontext"]
    ds = a * (dc @ net["V"].transpose(0, 2, 1))
    scale = 1.0 / np.sqrt(net["q"].shape[2])
    return (ds @ net["K"]) * scale, (ds.transpose(0, 2, 1) @ net["q"]) * scale, a.transpose(0, 2, 1) @ dc
