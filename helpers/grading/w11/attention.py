"""Week 11's scaled dot-product attention under a mask (N, Tq, S), forward (out and weights) and backward,
against ``helpers.transformer``, the per-query loops of ``helpers.numpy_reference`` and central differences.
Masked pairs must get exactly zero weight, and keys no query may see exactly zero gradient."""

from __future__ import annotations

import numpy as np

from ... import numpy_reference as ref
from ... import transformer
from ..core import Check, CheckFailed, NetworkCase, as_output, register
from ..mistakes import GRADIENT, verify_with_mistakes


def _causal(n, t):
    return np.broadcast_to(np.tril(np.ones((t, t))), (n, t, t)).copy()


def _padding(lengths, tq):
    s = max(lengths)
    real = (np.arange(s)[None, :] < np.array(lengths)[:, None]).astype(np.float64)
    return np.broadcast_to(real[:, None, :], (len(lengths), tq, s)).copy()


def _shapes(rng):
    """(label, mask, d, dv, scale of Q): edge cases first."""
    shapes = [
        ("T = 1 (one query, one key), N = 2", _causal(2, 1), 3, 2, 1.0),
        ("a batch of one (N = 1), causal mask, T = 4", _causal(1, 4), 3, 3, 1.0),
        ("d = 1, padding mask, lengths 3, 5", _padding([3, 5], 5), 1, 2, 1.0),
        ("causal and padding together, lengths 4, 2, 3", _causal(3, 4) * _padding([4, 2, 3], 4), 2, 3, 1.0),
        ("cross-attention: Tq = 2 queries, S = 5 keys, padding 5, 3", _padding([5, 3], 2), 4, 2, 1.0),
        ("d = 16, causal, T = 6 (where the 1/√d matters)", _causal(2, 6), 16, 3, 1.0),
        ("large scores (peaked weights), causal, T = 5", _causal(2, 5), 4, 2, 4.0),
    ]
    n, t = int(rng.integers(2, 5)), int(rng.integers(2, 7))
    d, dv = int(rng.integers(1, 9)), int(rng.integers(1, 5))
    lengths = [int(v) for v in rng.integers(1, t + 1, size=n)]
    lengths[0] = t
    shapes.append(
        (f"random: N={n}, T={t}, d={d}, causal and padding", _causal(n, t) * _padding(lengths, t), d, dv, 1.0)
    )
    return shapes


def _cases_data(rng):
    result = []
    for label, mask, d, dv, scale in _shapes(rng):
        n, tq, s = mask.shape
        net = dict(
            Q=rng.normal(size=(n, tq, d)) * scale,
            K=rng.normal(size=(n, s, d)),
            V=rng.normal(size=(n, s, dv)),
            mask=mask,
            dout=rng.normal(size=(n, tq, dv)),
        )
        result.append((label, net))
    return result


def _softmax(scores, axis=2):
    e = np.exp(scores - scores.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def mistaken_weights(Q, K, mask, how=""):
    """The weights as a typical mistake computes them: "unscaled", "after" (mask applied after the softmax),
    "zero" (masked scores set to 0, not −∞), "unmasked", "queries" (softmax over the queries)."""
    scores = Q @ K.transpose(0, 2, 1) / (1.0 if how == "unscaled" else np.sqrt(Q.shape[2]))
    allowed = mask > 0
    if how == "after":
        return _softmax(scores) * allowed
    if how == "zero":
        return _softmax(scores * allowed)
    if how == "unmasked":
        return _softmax(scores)
    if how == "queries":
        return _softmax(np.where(allowed, scores, -1e300), axis=1) * allowed
    return _softmax(np.where(allowed, scores, -np.inf))


NOT_SCALED = (
    "the scores are not divided by √d: scaled dot-product attention uses Q Kᵀ / √d (d = Q.shape[2]). Without "
    "it, a dot product of d unit-variance terms has variance d, and the softmax saturates as d grows."
)
MASK_AFTER_SOFTMAX = (
    "the mask is applied after the softmax: the masked weights are 0 but the allowed ones no longer sum to 1. "
    "Set the masked scores to -inf BEFORE the softmax (np.where(mask > 0, scores, -np.inf))."
)
MASK_AS_ZERO = (
    "masked scores are set to 0, not to -inf: a score of 0 still gets weight e⁰ in the softmax. Use "
    "np.where(mask > 0, scores, -np.inf)."
)
NOT_MASKED = "the mask is not used: masked keys get weight. Set their scores to -inf before the softmax."
WRONG_AXIS = (
    "the softmax runs over the wrong axis: each query's weights must sum to 1 over the KEYS (the last axis, S), "
    "not over the queries."
)
ATTENTION_HINT = (
    "scores = Q @ K.transpose(0, 2, 1) / np.sqrt(d) (N, Tq, S); scores = np.where(mask > 0, scores, -np.inf); "
    "weights = softmax over axis 2 (subtract the row max first); out = weights @ V (N, Tq, dv)."
)
MISTAKES = (
    ("unscaled", NOT_SCALED),
    ("after", MASK_AFTER_SOFTMAX),
    ("zero", MASK_AS_ZERO),
    ("unmasked", NOT_MASKED),
    ("queries", WRONG_AXIS),
)


def _forward_mistake(how):
    def outputs(case):
        net = case.network
        a = mistaken_weights(net["Q"], net["K"], net["mask"], how)
        return a @ net["V"], a

    return outputs


def _exactly_zero(name, value, where_zero, where):
    if np.any(value[where_zero] != 0):
        index = tuple(int(i) for i in np.argwhere(where_zero & (value != 0))[0])
        raise CheckFailed(
            f"{where}: {name}{list(index)} is {value[index]!r}, but that position is masked: it must be exactly 0. "
            f"Masked scores must be -inf (a large negative number such as -1e4 still leaves a tiny weight)."
        )


_compare_forward = verify_with_mistakes(
    ("out", "weights"),
    lambda case: transformer.masked_attention.unguarded(*case.args),
    ATTENTION_HINT,
    mistakes=[(message, _forward_mistake(how)) for how, message in MISTAKES],
)


def verify_forward(case, got, where):
    __tracebackhide__ = True
    _compare_forward(case, got, where)
    _exactly_zero("weights", as_output(got[1], "weights", where), case.network["mask"] == 0, where)


def _forward_cases(rng):
    return [
        NetworkCase(label, (net["Q"], net["K"], net["V"], net["mask"]), network=net) for label, net in _cases_data(rng)
    ]


register(
    Check(
        "masked_attention",
        _forward_cases,
        reference=None,
        verify=verify_forward,
        outputs=("out", "weights"),
        guarded=(transformer.masked_attention, transformer.multi_head_attention),
        forbidden=("scipy.special.softmax", "scipy.special.log_softmax"),
        hint=ATTENTION_HINT,
        compares_with=(transformer.masked_attention,),
        doc="Check ``masked_attention(Q, K, V, mask) -> (out, weights)``, scaled dot-product attention under a "
        "(N, Tq, S) mask, against helpers.transformer (T = 1, N = 1, d = 1, causal, padding, both, cross-attention, "
        "d = 16 and peaked weights); masked weights must be exactly 0.",
    )
)


def _backward_mistake(how):
    def gradients(case):
        net = case.network
        a = mistaken_weights(net["Q"], net["K"], net["mask"], how)
        dout = net["dout"]
        da = dout @ net["V"].transpose(0, 2, 1)
        ds = a * (da - (a * da).sum(axis=2, keepdims=True))
        scale = 1.0 if how == "unscaled" else 1.0 / np.sqrt(net["Q"].shape[2])
        return (ds @ net["K"]) * scale, (ds.transpose(0, 2, 1) @ net["Q"]) * scale, a.transpose(0, 2, 1) @ dout

    return gradients


def _no_second_term(case):
    net = case.network
    a = mistaken_weights(net["Q"], net["K"], net["mask"])
    ds = a * (net["dout"] @ net["V"].transpose(0, 2, 1))
    scale = 1.0 / np.sqrt(net["Q"].shape[2])
    return (ds @ net["K"]) * scale, (ds.transpose(0, 2, 1) @ net["Q"]) * scale, a.transpose(0, 2, 1) @ net["dout"]


def _numerical(case):
    from ...gradcheck import numerical_gradient

    net = {k: np.array(v, dtype=np.float64) for k, v in case.network.items()}

    def energy(_):
        return float(np.sum(net["dout"] * ref.masked_attention(net["Q"], net["K"], net["V"], net["mask"])[0]))

    return {f"d{name}": numerical_gradient(energy, net[name]) for name in ("Q", "K", "V")}


BACKWARD_HINT = (
    "recompute the weights a; dV = a.transpose(0, 2, 1) @ dout; da = dout @ V.transpose(0, 2, 1); "
    "ds = a * (da − (a * da).sum(axis=2, keepdims=True)); dQ = ds @ K / √d; dK = ds.transpose(0, 2, 1) @ Q / √d."
)

_compare_backward = verify_with_mistakes(
    ("dQ", "dK", "dV"),
    lambda case: transformer.masked_attention_backward.unguarded(*case.args),
    BACKWARD_HINT,
    mistakes=[(message, _backward_mistake(how)) for how, message in MISTAKES[:4]]
    + [
        (
            "the softmax's backward is missing its second term: ds = a * (da − Σ_j a_j da_j), not a * da.",
            _no_second_term,
        )
    ],
    numerical=_numerical,
    rtol={name: GRADIENT for name in ("dQ", "dK", "dV")},
)


def verify_backward(case, got, where):
    __tracebackhide__ = True
    _compare_backward(case, got, where)
    unseen = ~np.any(case.network["mask"] > 0, axis=1)  # (N, S): keys that no query may look at
    for k, name in ((1, "dK"), (2, "dV")):
        value = as_output(got[k], name, where)
        _exactly_zero(name, value, np.broadcast_to(unseen[..., None], value.shape), where)


def _backward_cases(rng):
    return [
        NetworkCase(label, (net["dout"], net["Q"], net["K"], net["V"], net["mask"]), network=net)
        for label, net in _cases_data(rng)
    ]


register(
    Check(
        "masked_attention_backward",
        _backward_cases,
        reference=None,
        verify=verify_backward,
        outputs=("dQ", "dK", "dV"),
        guarded=(transformer.masked_attention, transformer.masked_attention_backward),
        forbidden=("scipy.special.softmax", "scipy.special.log_softmax"),
        hint=BACKWARD_HINT,
        compares_with=(transformer.masked_attention_backward,),
        doc="Check ``masked_attention_backward(dout, Q, K, V, mask) -> (dQ, dK, dV)`` against helpers.transformer "
        "and central differences under causal and padding masks; keys no query may see get exactly 0.",
    )
)
