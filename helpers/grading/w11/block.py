"""Week 11's pre-norm Transformer block, forward, against ``helpers.transformer`` and the plain-numpy
block of ``helpers.numpy_reference``."""

from __future__ import annotations

import numpy as np

from ... import transformer
from ..core import Check, NetworkCase, register
from ..mistakes import verify_with_mistakes
from .attention import _causal, _padding

_ARGS = ("x", "mask", "Wq", "Wk", "Wv", "Wo", "gamma1", "beta1", "W1", "b1", "W2", "b2", "gamma2", "beta2", "heads")


def _cases(rng):
    shapes = [
        ("T = 1, N = 1, D = 4, 2 heads, F = 8", _causal(1, 1), 4, 2, 8),
        ("causal, T = 4, D = 6, 3 heads, F = 12", _causal(2, 4), 6, 3, 12),
        ("padding, lengths 5, 3, D = 8, 2 heads, F = 16", _padding([5, 3], 5), 8, 2, 16),
    ]
    n, t, h = int(rng.integers(1, 4)), int(rng.integers(2, 6)), int(rng.integers(1, 4))
    d = 2 * h
    shapes.append((f"random: N={n}, T={t}, D={d}, {h} heads, causal", _causal(n, t), d, h, 3 * d))
    cases = []
    for label, mask, d, h, f in shapes:
        n, t, _ = mask.shape
        net = dict(
            x=rng.normal(size=(n, t, d)),
            mask=mask,
            **{k: rng.normal(size=(d, d)) / np.sqrt(d) for k in ("Wq", "Wk", "Wv", "Wo")},
            gamma1=1.0 + 0.3 * rng.normal(size=d),
            beta1=0.3 * rng.normal(size=d),
            W1=rng.normal(size=(d, f)) / np.sqrt(d),
            b1=0.3 * rng.normal(size=f),
            W2=rng.normal(size=(f, d)) / np.sqrt(f),
            b2=0.3 * rng.normal(size=d),
            gamma2=1.0 + 0.3 * rng.normal(size=d),
            beta2=0.3 * rng.normal(size=d),
            heads=h,
        )
        cases.append(NetworkCase(label, tuple(net[k] for k in _ARGS), network=net))
    return cases


def _mistake(how):
    def block(case):
        p = case.network
        ln, mha, ffn = (
            transformer.layer_norm.unguarded,
            transformer.multi_head_attention.unguarded,
            transformer.feed_forward.unguarded,
        )
        weights = (p["Wq"], p["Wk"], p["Wv"], p["Wo"])
        if how == "post_norm":
            a = ln(p["x"] + mha(p["x"], p["mask"], *weights, p["heads"])[0], p["gamma1"], p["beta1"])
            return (ln(a + ffn(a, p["W1"], p["b1"], p["W2"], p["b2"]), p["gamma2"], p["beta2"]),)
        a = mha(ln(p["x"], p["gamma1"], p["beta1"]), p["mask"], *weights, p["heads"])[0]
        if how == "no_residual":
            return (ffn(ln(a, p["gamma2"], p["beta2"]), p["W1"], p["b1"], p["W2"], p["b2"]),)
        return None

    return block


BLOCK_HINT = (
    "a = x + multi_head_attention(layer_norm(x, gamma1, beta1), mask, Wq, Wk, Wv, Wo, heads)[0]; "
    "out = a + relu(layer_norm(a, gamma2, beta2) @ W1 + b1) @ W2 + b2."
)

register(
    Check(
        "transformer_block",
        _cases,
        reference=None,
        verify=verify_with_mistakes(
            ("out",),
            lambda case: (transformer.transformer_block.unguarded(*case.args),),
            BLOCK_HINT,
            mistakes=(
                (
                    "layer norm comes after each residual sum (the original paper's post-norm block); this block is "
                    "pre-norm: normalize the INPUT of each sub-layer and add its output to the unnormalized x.",
                    _mistake("post_norm"),
                ),
                (
                    "the residual connections are missing: each sub-layer's output is ADDED to its input "
                    "(a = x + attention(…), out = a + feed_forward(…)).",
                    _mistake("no_residual"),
                ),
            ),
        ),
        outputs=("out",),
        guarded=(transformer.transformer_block, transformer.multi_head_attention, transformer.layer_norm),
        hint=BLOCK_HINT,
        compares_with=(transformer.transformer_block,),
        doc="Check ``transformer_block(x, mask, Wq, Wk, Wv, Wo, gamma1, beta1, W1, b1, W2, b2, gamma2, beta2, heads)`` "
        "against helpers.transformer (T = 1, causal, padding).",
    )
)
