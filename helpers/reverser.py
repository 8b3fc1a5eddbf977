"""A tiny decoder-only Transformer that learns to reverse a string of digits, for week 11.

The task, as next-token prediction: a sequence is ``x_1 … x_L | x_L … x_1`` (L digits, the separator
"|", the same digits reversed). The model reads tokens 0..2L−1 and predicts tokens 1..2L under a causal
mask; the loss counts only the L predictions after the separator (the first half is random, nothing can
predict it). To write y_k, the query at position L + k must find the key at position L − 1 − k: a
different distance at every step, so attention must look across positions, and it needs the positional
encoding to know where it is.

    x = E[tokens] + PE                                    (N, T, D),  T = 2L
    for each block:  a = x + MHA(LN1(x), causal mask);  x = a + FFN(LN2(a))      (pre-norm)
    logits = LN_f(x) W_out + b_out                        (N, T, V),  V = 11

The student's multi_head_attention, multi_head_attention_backward, positional_encoding, layer_norm and
layer_norm_backward come in as ``ops``; the embedding, feed-forward, loss and Adam are written here.
Taught in week 11 (w11_transformer).
"""

from __future__ import annotations

import types

import numpy as np

from . import transformer, translator
from ._numba import single_threaded_blas

__all__ = [
    "REFERENCE_OPS",
    "SEPARATOR",
    "VOCAB",
    "ops",
    "make_sequences",
    "init_params",
    "parameter_names",
    "loss_and_grads",
    "forward",
    "generate",
    "accuracy",
    "train",
]

SEPARATOR = 10
VOCAB = "0123456789|"
LENGTH = 6  # digits to reverse

REFERENCE_OPS = types.SimpleNamespace(
    multi_head_attention=transformer.multi_head_attention.unguarded,
    multi_head_attention_backward=transformer.multi_head_attention_backward.unguarded,
    positional_encoding=transformer.positional_encoding.unguarded,
    layer_norm=transformer.layer_norm.unguarded,
    layer_norm_backward=transformer.layer_norm_backward.unguarded,
)
BLOCK = ("Wq", "Wk", "Wv", "Wo", "g1", "be1", "W1", "c1", "W2", "c2", "g2", "be2")


def ops(multi_head_attention, multi_head_attention_backward, positional_encoding, layer_norm, layer_norm_backward):
    """The five functions the model takes from a student, as the ``ops`` argument below."""
    return types.SimpleNamespace(
        multi_head_attention=multi_head_attention,
        multi_head_attention_backward=multi_head_attention_backward,
        positional_encoding=positional_encoding,
        layer_norm=layer_norm,
        layer_norm_backward=layer_norm_backward,
    )


def make_sequences(n, rng, length=LENGTH):
    """(n, 2·length + 1) int64: random digits, the separator, the digits reversed."""
    digits = rng.integers(0, 10, size=(n, length))
    return np.concatenate([digits, np.full((n, 1), SEPARATOR), digits[:, ::-1]], axis=1)


def parameter_names(layers):
    """The parameters' names in a fixed order: E, then each block's, then the final norm and output layer."""
    return ["E"] + [f"{name}{k}" for k in range(layers) for name in BLOCK] + ["gf", "bf", "W_out", "b_out"]


def init_params(seed=0, d_model=32, heads=4, d_ff=64, layers=2):
    """Random parameters (a dict): weights N(0, 1/fan_in), E N(0, 1), layer-norm γ = 1, β = 0, biases 0.
    ``heads`` is stored as nothing: it only splits D; pass it to the functions that need it."""
    rng = np.random.default_rng(seed)
    D, F, V = d_model, d_ff, len(VOCAB)

    def dense(rows, cols):
        return rng.normal(size=(rows, cols)) / np.sqrt(rows)

    params = {"E": rng.normal(size=(V, D))}
    for k in range(layers):
        params.update(
            {
                f"Wq{k}": dense(D, D),
                f"Wk{k}": dense(D, D),
                f"Wv{k}": dense(D, D),
                f"Wo{k}": dense(D, D) / np.sqrt(2 * layers),
                f"g1{k}": np.ones(D),
                f"be1{k}": np.zeros(D),
                f"W1{k}": dense(D, F),
                f"c1{k}": np.zeros(F),
                f"W2{k}": dense(F, D) / np.sqrt(2 * layers),
                f"c2{k}": np.zeros(D),
                f"g2{k}": np.ones(D),
                f"be2{k}": np.zeros(D),
            }
        )
    params.update({"gf": np.ones(D), "bf": np.zeros(D), "W_out": dense(D, V), "b_out": np.zeros(V)})
    return params


def _layers(params):
    return sum(1 for name in params if name.startswith("Wq"))


def forward(params, tokens, heads=4, ops=REFERENCE_OPS, keep=False):
    """logits (N, T, V) for tokens (N, T), and with keep=True the list of attention weights of every block
    (each (N, h, T, T)) and the intermediate values the backward pass needs."""
    n, t = tokens.shape
    mask = transformer.causal_mask(t, n)
    x = params["E"][tokens] + ops.positional_encoding(t, params["E"].shape[1])
    saved, weights = [], []
    for k in range(_layers(params)):
        p = {name: params[f"{name}{k}"] for name in BLOCK}
        n1 = ops.layer_norm(x, p["g1"], p["be1"])
        attended, a = ops.multi_head_attention(n1, mask, p["Wq"], p["Wk"], p["Wv"], p["Wo"], heads)
        mid = x + attended
        n2 = ops.layer_norm(mid, p["g2"], p["be2"])
        out = mid + transformer.feed_forward.unguarded(n2, p["W1"], p["c1"], p["W2"], p["c2"])
        saved.append((x, n1, mid, n2))
        weights.append(a)
        x = out
    final = ops.layer_norm(x, params["gf"], params["bf"])
    logits = final @ params["W_out"] + params["b_out"]
    if keep:
        return logits, weights, (mask, saved, x, final)
    return logits


def loss_and_grads(params, tokens, heads=4, ops=REFERENCE_OPS):
    """(loss, grads): cross-entropy of the predictions after the separator, and every parameter's gradient.
    tokens: (N, 2L + 1), as :func:`make_sequences` writes them."""
    inputs, targets = tokens[:, :-1], tokens[:, 1:]
    n, t = inputs.shape
    length = (t) // 2
    logits, _, (mask, saved, last, final) = forward(params, inputs, heads, ops, keep=True)
    scored = np.zeros((n, t))
    scored[:, length:] = 1.0  # predictions of the reversed digits only
    count = scored.sum()
    shifted = logits - logits.max(axis=2, keepdims=True)
    log_p = shifted - np.log(np.exp(shifted).sum(axis=2, keepdims=True))
    picked = np.take_along_axis(log_p, targets[..., None], axis=2)[..., 0]
    loss = -(picked * scored).sum() / count
    dlogits = np.exp(log_p)
    np.put_along_axis(dlogits, targets[..., None], np.take_along_axis(dlogits, targets[..., None], 2) - 1.0, 2)
    dlogits *= (scored / count)[..., None]
    D = params["E"].shape[1]
    g = {"W_out": final.reshape(-1, D).T @ dlogits.reshape(-1, dlogits.shape[2]), "b_out": dlogits.sum(axis=(0, 1))}
    dx, g["gf"], g["bf"] = ops.layer_norm_backward(dlogits @ params["W_out"].T, last, params["gf"], params["bf"])
    for k in reversed(range(_layers(params))):
        p = {name: params[f"{name}{k}"] for name in BLOCK}
        x, n1, mid, n2 = saved[k]
        dn2, g[f"W1{k}"], g[f"c1{k}"], g[f"W2{k}"], g[f"c2{k}"] = transformer.feed_forward_backward.unguarded(
            dx, n2, p["W1"], p["c1"], p["W2"], p["c2"]
        )
        dmid_norm, g[f"g2{k}"], g[f"be2{k}"] = ops.layer_norm_backward(dn2, mid, p["g2"], p["be2"])
        dmid = dx + dmid_norm
        dn1, g[f"Wq{k}"], g[f"Wk{k}"], g[f"Wv{k}"], g[f"Wo{k}"] = ops.multi_head_attention_backward(
            dmid, n1, mask, p["Wq"], p["Wk"], p["Wv"], p["Wo"], heads
        )
        dx_norm, g[f"g1{k}"], g[f"be1{k}"] = ops.layer_norm_backward(dn1, x, p["g1"], p["be1"])
        dx = dmid + dx_norm
    dE = np.zeros_like(params["E"])
    np.add.at(dE, inputs.ravel(), dx.reshape(-1, D))
    g["E"] = dE
    return float(loss), g


def generate(params, prefix, heads=4, ops=REFERENCE_OPS, steps=None):
    """Greedy decoding: tokens (N, len + steps) after feeding ``prefix`` (N, len) and choosing each next token
    as the most likely one, read back at the next step. steps defaults to the number of digits."""
    tokens = np.asarray(prefix, dtype=np.int64)
    steps = (tokens.shape[1] - 1) if steps is None else int(steps)
    for _ in range(steps):
        logits = forward(params, tokens, heads, ops)
        tokens = np.concatenate([tokens, np.argmax(logits[:, -1, :10], axis=1)[:, None]], axis=1)
    return tokens


def accuracy(params, sequences, heads=4, ops=REFERENCE_OPS):
    """Exact-match accuracy of greedy reversal: the share of sequences whose L digits all come out right."""
    length = (sequences.shape[1] - 1) // 2
    out = generate(params, sequences[:, : length + 1], heads, ops)
    return float(np.mean(np.all(out[:, length + 1 :] == sequences[:, length + 1 :], axis=1)))


def test_sequences(n=1000, seed=12345, length=LENGTH):
    """The held-out strings the notebook and the grader score."""
    return make_sequences(n, np.random.default_rng(seed), length)


def train(seed=0, steps=200, batch_size=32, lr=5e-3, warmup=30, heads=4, ops=REFERENCE_OPS, **sizes):
    """Adam with a linear warm-up on fresh random strings every step; returns (params, losses)."""
    rng = np.random.default_rng(seed)
    params = init_params(seed, heads=heads, **sizes)
    state, losses = {}, []
    with single_threaded_blas():
        for step in range(steps):
            loss, grads = loss_and_grads(params, make_sequences(batch_size, rng), heads, ops)
            norm = np.sqrt(sum(float(np.sum(g * g)) for g in grads.values()))
            if norm > 1.0:
                grads = {name: g / norm for name, g in grads.items()}
            # β2 = 0.98 and ε = 1e-9, as Transformers are usually trained
            translator.adam_step(params, grads, state, lr * min(1.0, (step + 1) / warmup), beta2=0.98, eps=1e-9)
            losses.append(loss)
    return params, np.array(losses)
