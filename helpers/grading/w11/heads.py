"""Week 11's multi-head self-attention, forward (out, weights per head) and backward, against
``helpers.transformer``, the head-by-head column slices of ``helpers.numpy_reference`` and central
differences; and the parameter count of a Transformer block."""

from __future__ import annotations

import numpy as np

from ... import numpy_reference as ref
from ... import transformer
from ..core import Case, Check, NetworkCase, register
from ..mistakes import GRADIENT, verify_with_mistakes
from .attention import _causal, _padding, mistaken_weights


def _shapes(rng):
    """(label, mask, D, heads)."""
    shapes = [
        ("T = 1, N = 2, D = 4, 2 heads", _causal(2, 1), 4, 2),
        ("one head (h = 1: attention with projections), N = 1, causal, T = 3", _causal(1, 3), 3, 1),
        ("dk = 1 (heads = D = 4), causal, T = 4", _causal(2, 4), 4, 4),
        ("padding mask, lengths 5, 2, 3 heads of dk = 2", _padding([5, 2], 5), 6, 3),
        ("causal and padding, lengths 4, 3, 2 heads of dk = 4", _causal(2, 4) * _padding([4, 3], 4), 8, 2),
    ]
    n, t, h = int(rng.integers(1, 4)), int(rng.integers(2, 7)), int(rng.integers(1, 4))
    d = h * int(rng.integers(1, 4))
    shapes.append((f"random: N={n}, T={t}, D={d}, {h} heads, causal", _causal(n, t), d, h))
    return shapes


def _cases_data(rng):
    result = []
    for label, mask, d, h in _shapes(rng):
        n, t, _ = mask.shape
        net = dict(
            x=rng.normal(size=(n, t, d)),
            mask=mask,
            **{name: rng.normal(size=(d, d)) / np.sqrt(d) for name in ("Wq", "Wk", "Wv", "Wo")},
            heads=h,
            dout=rng.normal(size=(n, t, d)),
        )
        result.append((label, net))
    return result


_ARGS = ("x", "mask", "Wq", "Wk", "Wv", "Wo", "heads")


def _mistaken(net, how):
    """out, weights (N, h, T, T) of a typical mistake: "reshape" (heads split by reshaping (N, T, D) straight to
    (N, h, T, dk)), "sqrt_D" (scaled by √D, not √dk)."""
    x, h = net["x"], net["heads"]
    n, t, d = x.shape
    dk = d // h

    def split(y):
        if how == "reshape":
            return y.reshape(n, h, t, dk).reshape(n * h, t, dk)
        return transformer.split_heads(y, h)

    Q, K, V = split(x @ net["Wq"]), split(x @ net["Wk"]), split(x @ net["Wv"])
    if how == "sqrt_D":
        Q = Q * np.sqrt(dk) / np.sqrt(d)
    a = mistaken_weights(Q, K, np.repeat(net["mask"], h, axis=0))
    heads = a @ V
    if how == "reshape":
        concat = heads.reshape(n, h, t, dk).reshape(n, t, d)
    else:
        concat = transformer.merge_heads(heads, h)
    return concat @ net["Wo"], a.reshape(n, h, t, t)


SPLIT_BY_RESHAPE = (
    "the heads are split by reshaping (N, T, D) straight into (N, h, T, dk): that cuts the sequence into pieces "
    "and mixes positions. Reshape to (N, T, h, dk), then move the head axis: .transpose(0, 2, 1, 3) (and back "
    "the same way before concatenating)."
)
SCALED_BY_D = (
    "the scores are divided by √D (d_model), not by √dk = √(D/h): each head is attention over dk-dimensional "
    "queries and keys."
)
MHA_HINT = (
    "Q, K, V = x @ Wq, x @ Wk, x @ Wv; split each (N, T, D) -> (N, T, h, dk) -> (N, h, T, dk); attend per head "
    "under the same mask (scores / √dk); concatenate the heads back to (N, T, D); out = concat @ Wo; weights "
    "(N, h, T, T)."
)


def _forward_mistake(how):
    return lambda case: _mistaken(case.network, how)


register(
    Check(
        "multi_head_attention",
        lambda rng: [NetworkCase(label, tuple(net[k] for k in _ARGS), network=net) for label, net in _cases_data(rng)],
        reference=None,
        verify=verify_with_mistakes(
            ("out", "weights"),
            lambda case: transformer.multi_head_attention.unguarded(*case.args),
            MHA_HINT,
            mistakes=((SPLIT_BY_RESHAPE, _forward_mistake("reshape")), (SCALED_BY_D, _forward_mistake("sqrt_D"))),
        ),
        outputs=("out", "weights"),
        guarded=(transformer.multi_head_attention, transformer.masked_attention),
        hint=MHA_HINT,
        compares_with=(transformer.multi_head_attention,),
        doc="Check ``multi_head_attention(x, mask, Wq, Wk, Wv, Wo, heads) -> (out, weights)`` against "
        "helpers.transformer (T = 1, one head, dk = 1, padding, causal and padding together).",
    )
)


def _numerical(case):
    from ...gradcheck import numerical_gradient

    net = {k: (np.array(v, dtype=np.float64) if k != "heads" else v) for k, v in case.network.items()}

    def energy(_):
        out = ref.multi_head_attention(*(net[k] for k in _ARGS))[0]
        return float(np.sum(net["dout"] * out))

    return {f"d{name}": numerical_gradient(energy, net[name]) for name in ("x", "Wq", "Wk", "Wv", "Wo")}


def _dx_through_q_only(case):
    grads = transformer.multi_head_attention_backward.unguarded(*case.args)
    net = case.network
    x, h = net["x"], net["heads"]
    Q, K, V = (transformer.split_heads(x @ net[k], h) for k in ("Wq", "Wk", "Wv"))
    a = mistaken_weights(Q, K, np.repeat(net["mask"], h, axis=0))
    dheads = transformer.split_heads(net["dout"] @ net["Wo"].T, h)
    da = dheads @ V.transpose(0, 2, 1)
    ds = a * (da - (a * da).sum(axis=2, keepdims=True)) / np.sqrt(Q.shape[2])
    return (transformer.merge_heads(ds @ K, h) @ net["Wq"].T, *grads[1:])


MHA_BACKWARD_HINT = (
    "dWo = concatᵀ dout (summed over N and T); dconcat = dout @ Wo.T split into heads; each head's (dQ, dK, dV) "
    "from your masked_attention_backward; merge them back to (N, T, D); dWq = xᵀ dQ, dWk = xᵀ dK, dWv = xᵀ dV; "
    "dx = dQ @ Wq.T + dK @ Wk.T + dV @ Wv.T."
)

register(
    Check(
        "multi_head_attention_backward",
        lambda rng: [
            NetworkCase(label, (net["dout"], *(net[k] for k in _ARGS)), network=net) for label, net in _cases_data(rng)
        ],
        reference=None,
        verify=verify_with_mistakes(
            ("dx", "dWq", "dWk", "dWv", "dWo"),
            lambda case: transformer.multi_head_attention_backward.unguarded(*case.args),
            MHA_BACKWARD_HINT,
            mistakes=(
                (
                    "dx only goes back through Q: x also made K and V, so dx = dQ Wqᵀ + dK Wkᵀ + dV Wvᵀ.",
                    _dx_through_q_only,
                ),
            ),
            numerical=_numerical,
            rtol={name: GRADIENT for name in ("dx", "dWq", "dWk", "dWv", "dWo")},
        ),
        outputs=("dx", "dWq", "dWk", "dWv", "dWo"),
        guarded=(
            transformer.multi_head_attention,
            transformer.multi_head_attention_backward,
            transformer.masked_attention_backward,
        ),
        hint=MHA_BACKWARD_HINT,
        compares_with=(transformer.multi_head_attention_backward,),
        doc="Check ``multi_head_attention_backward(dout, x, mask, Wq, Wk, Wv, Wo, heads) -> (dx, dWq, dWk, dWv, "
        "dWo)`` against helpers.transformer and central differences.",
    )
)


# --------------------------------------------------------------------------- the parameter count


def _count_cases(rng):
    cases = [
        ("D = 4, one head, F = 8", 4, 1, 8),
        ("D = 8, 2 heads, F = 32", 8, 2, 32),
        ("D = 32, 4 heads, F = 64 (this week's model)", 32, 4, 64),
        ("D = 512, 8 heads, F = 2048 (the original paper's sizes)", 512, 8, 2048),
    ]
    h = int(rng.integers(1, 9))
    d = h * int(rng.integers(1, 17))
    cases.append((f"D = {d}, {h} heads, F = {4 * d}", d, h, 4 * d))
    return [Case(label, (d, h, f)) for label, d, h, f in cases]


def _count_mistake(how):
    def count(case):
        d, h, f = case.args
        attention = {"per_head": 4 * h * d * d, "no_output": 3 * d * d}.get(how, 4 * d * d)
        ffn = 2 * d * f if how == "no_bias" else 2 * d * f + f + d
        norms = 0 if how == "no_norm" else 4 * d
        return (attention + ffn + norms,)

    return count


COUNT_HINT = (
    "Wq, Wk, Wv, Wo: D×D each; the feed-forward: W1 (D×F) + b1 (F) + W2 (F×D) + b2 (D); two layer norms: γ, β (D) each."
)

register(
    Check(
        "block_parameter_count",
        _count_cases,
        reference=None,
        verify=verify_with_mistakes(
            ("count",),
            _count_mistake("none"),
            COUNT_HINT,
            mistakes=(
                (
                    "the count grows with the number of heads: the heads SPLIT the D columns of Wq, Wk, Wv "
                    "(h heads of D/h), so multi-head attention has 4D² weights whatever h is.",
                    _count_mistake("per_head"),
                ),
                ("the output projection Wo (D×D) is missing.", _count_mistake("no_output")),
                ("the feed-forward's biases b1 (F) and b2 (D) are missing.", _count_mistake("no_bias")),
                ("the two layer norms' γ and β (4D numbers) are missing.", _count_mistake("no_norm")),
            ),
        ),
        outputs=("count",),
        guarded=(transformer.block_parameter_count,),
        hint=COUNT_HINT,
        compares_with="plain numpy",
        doc="Check ``block_parameter_count(d_model, heads, d_ff)``, the learned numbers of one pre-norm block "
        "(attention without biases), from D = 4 to the original paper's D = 512, F = 2048.",
    )
)
