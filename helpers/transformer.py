"""The Transformer's pieces: scaled dot-product attention under a mask, multi-head self-attention,
sinusoidal positional encoding, layer normalization and the (pre-norm) Transformer block; each forward
beside its backward.

Shapes are batch-first: sequences ``x (N, T, D)`` with D = d_model, queries ``Q (N, Tq, d)``, keys
``K (N, S, d)``, values ``V (N, S, dv)``, and a mask ``mask (N, Tq, S)`` of 0 and 1 saying which key
each query may look at (1: allowed). A padding mask is ``pad[:, None, :]`` repeated over the
queries; a causal mask is the lower triangle ``np.tril(np.ones((T, T)))``; both together are their
product. Every query must be allowed at least one key (a row of zeros raises ValueError): with
right-padding and keys-only masking that always holds, and a padded query's output is simply ignored.

How it is fast: every step is one batched numpy product; the heads ride on the batch axis
((N, T, D) -> (N·h, T, D/h)), so nothing here needs numba. Taught in week 11 (w11_transformer).
"""

from __future__ import annotations

import math

import numpy as np

from ._validate import as_float_array, attention_arrays, binary_mask, int_arg, real_arg, same_dtype, upstream_grad
from .tripwire import reference_kernel

__all__ = [
    "causal_mask",
    "padding_mask",
    "masked_attention",
    "masked_attention_backward",
    "split_heads",
    "merge_heads",
    "multi_head_attention",
    "multi_head_attention_backward",
    "positional_encoding",
    "layer_norm",
    "layer_norm_backward",
    "feed_forward",
    "feed_forward_backward",
    "transformer_block",
    "block_parameter_count",
]


# --------------------------------------------------------------------------- masks


def causal_mask(T, N=1):
    """(N, T, T) of 0/1: query i may look at keys j <= i (a decoder must not read the future)."""
    T = int_arg("causal_mask", "T", T, 1)
    return np.broadcast_to(np.tril(np.ones((T, T))), (int(N), T, T)).copy()


def padding_mask(real, Tq=None):
    """(N, Tq, S) of 0/1 from real (N, S) (1 for a real token): every query may look at the real keys only."""
    real = np.asarray(real, dtype=np.float64)
    if real.ndim != 2:
        raise ValueError(f"padding_mask: real must be 2-D (N, S), got shape {real.shape}")
    Tq = real.shape[1] if Tq is None else int(Tq)
    return np.broadcast_to(real[:, None, :], (real.shape[0], Tq, real.shape[1])).copy()


def _mask(name, mask, shape):
    return binary_mask(
        name, mask, shape, "(N, Tq, S) = ", "a query may look at no key (a row of mask is all 0); allow at least one"
    )


# --------------------------------------------------------------------------- scaled dot-product attention


def _attention_args(name, Q, K, V, mask):
    Q, K, V = attention_arrays(name, Q, K, V, query="Q")
    return Q, K, V, _mask(name, mask, (Q.shape[0], Q.shape[1], K.shape[1]))


def _weights(Q, K, mask):
    scores = (Q @ K.transpose(0, 2, 1)) / math.sqrt(Q.shape[2])  # a Python float keeps float32
    scores = np.where(mask, scores, -np.inf)  # before the softmax: masked keys get exactly zero weight
    e = np.exp(scores - scores.max(axis=2, keepdims=True))
    return e / e.sum(axis=2, keepdims=True)


@reference_kernel
def masked_attention(Q, K, V, mask):
    """Scaled dot-product attention under a mask: returns (out, weights).

    Q: (N, Tq, d); K: (N, S, d); V: (N, S, dv); mask: (N, Tq, S), 1 where query i may look at key j.
        scores = Q Kᵀ / √d, set to −∞ where mask = 0          (N, Tq, S)
        weights = softmax of the scores over the keys (axis 2)
        out = weights V                                        (N, Tq, dv)
    """
    Q, K, V, mask = _attention_args("masked_attention", Q, K, V, mask)
    a = _weights(Q, K, mask)
    return a @ V, a


@reference_kernel
def masked_attention_backward(dout, Q, K, V, mask):
    """Backward of :func:`masked_attention` through ``out``: returns (dQ, dK, dV).

    dout: (N, Tq, dv). With a the weights: dV = aᵀ dout; da = dout Vᵀ;
    ds = a ⊙ (da − Σ_j a_j da_j) (the softmax backward, per query); dQ = ds K / √d; dK = dsᵀ Q / √d.
    Masked pairs have a = 0, so ds = 0 there: a masked key receives nothing from that query.
    """
    name = "masked_attention_backward"
    Q, K, V, mask = _attention_args(name, Q, K, V, mask)
    dout = upstream_grad(name, "dout", dout, (Q.shape[0], Q.shape[1], V.shape[2]), Q.dtype, expected="expected =")
    a = _weights(Q, K, mask)
    dV = a.transpose(0, 2, 1) @ dout
    da = dout @ V.transpose(0, 2, 1)
    ds = a * (da - (a * da).sum(axis=2, keepdims=True))
    scale = 1.0 / math.sqrt(Q.shape[2])
    return (ds @ K) * scale, (ds.transpose(0, 2, 1) @ Q) * scale, dV


# --------------------------------------------------------------------------- multi-head self-attention


def split_heads(x, heads):
    """(N, T, D) -> (N·h, T, D/h): head k of sequence n is row n·h + k, its columns k·D/h … (k+1)·D/h − 1."""
    n, t, d = x.shape
    return x.reshape(n, t, heads, d // heads).transpose(0, 2, 1, 3).reshape(n * heads, t, d // heads)


def merge_heads(x, heads):
    """(N·h, T, dk) -> (N, T, h·dk): the inverse of :func:`split_heads` (the heads concatenated)."""
    nh, t, dk = x.shape
    return x.reshape(nh // heads, heads, t, dk).transpose(0, 2, 1, 3).reshape(nh // heads, t, heads * dk)


def _mha_args(name, x, mask, Wq, Wk, Wv, Wo, heads):
    x = as_float_array(name, "x", x, ndim=3)
    n, t, d = x.shape
    heads = int_arg(name, "heads", heads, 1)
    if d % heads:
        raise ValueError(f"{name}: d_model = {d} (x {x.shape}) is not a multiple of heads = {heads}")
    weights = {}
    for arg, value in (("Wq", Wq), ("Wk", Wk), ("Wv", Wv), ("Wo", Wo)):
        weights[arg] = as_float_array(name, arg, value, ndim=2)
        if weights[arg].shape != (d, d):
            raise ValueError(f"{name}: {arg} has shape {weights[arg].shape}, expected (D, D) = {(d, d)}")
    same_dtype(name, x=x, **weights)
    mask = _mask(name, mask, (n, t, t))
    return x, mask, weights, heads


@reference_kernel
def multi_head_attention(x, mask, Wq, Wk, Wv, Wo, heads):
    """Multi-head self-attention: returns (out (N, T, D), weights (N, h, T, T)).

    x: (N, T, D); mask: (N, T, T); Wq, Wk, Wv, Wo: (D, D); heads h divides D (dk = D/h).
        Q = x Wq, K = x Wk, V = x Wv, each split into h heads of dk columns (N·h, T, dk)
        head_k = masked_attention(Q_k, K_k, V_k, mask)        every head under the same mask
        out = concat(head_1, …, head_h) Wo                    (N, T, D)
    """
    x, mask, w, h = _mha_args("multi_head_attention", x, mask, Wq, Wk, Wv, Wo, heads)
    n, t, _ = x.shape
    Q, K, V = (split_heads(x @ w[k], h) for k in ("Wq", "Wk", "Wv"))
    a = _weights(Q, K, np.repeat(mask, h, axis=0))
    return merge_heads(a @ V, h) @ w["Wo"], a.reshape(n, h, t, t)


@reference_kernel
def multi_head_attention_backward(dout, x, mask, Wq, Wk, Wv, Wo, heads):
    """Backward of :func:`multi_head_attention` through ``out``: returns (dx, dWq, dWk, dWv, dWo).

    dout: (N, T, D). dWo = concatᵀ dout; dconcat = dout Woᵀ, split into heads; each head's
    (dQ_k, dK_k, dV_k) by :func:`masked_attention_backward`; merged back to dQ, dK, dV (N, T, D);
    dWq = xᵀ dQ (summed over N and T), likewise dWk, dWv; dx = dQ Wqᵀ + dK Wkᵀ + dV Wvᵀ (x feeds all three).
    """
    name = "multi_head_attention_backward"
    x, mask, w, h = _mha_args(name, x, mask, Wq, Wk, Wv, Wo, heads)
    n, t, d = x.shape
    dout = upstream_grad(name, "dout", dout, (n, t, d), x.dtype, expected="expected (N, T, D) =")
    Q, K, V = (split_heads(x @ w[k], h) for k in ("Wq", "Wk", "Wv"))
    a = _weights(Q, K, np.repeat(mask, h, axis=0))
    concat = merge_heads(a @ V, h)
    flat_x = x.reshape(-1, d)
    dWo = concat.reshape(-1, d).T @ dout.reshape(-1, d)
    dheads = split_heads(dout @ w["Wo"].T, h)
    dV = a.transpose(0, 2, 1) @ dheads
    da = dheads @ V.transpose(0, 2, 1)
    ds = a * (da - (a * da).sum(axis=2, keepdims=True)) / math.sqrt(Q.shape[2])
    dQ, dK, dV = merge_heads(ds @ K, h), merge_heads(ds.transpose(0, 2, 1) @ Q, h), merge_heads(dV, h)
    dx = dQ @ w["Wq"].T + dK @ w["Wk"].T + dV @ w["Wv"].T
    return dx, flat_x.T @ dQ.reshape(-1, d), flat_x.T @ dK.reshape(-1, d), flat_x.T @ dV.reshape(-1, d), dWo


# --------------------------------------------------------------------------- positional encoding


@reference_kernel
def positional_encoding(T, D):
    """Sinusoidal positions: returns PE (T, D), float64.

    PE[t, 2i] = sin(t / 10000^(2i/D)),  PE[t, 2i+1] = cos(t / 10000^(2i/D)),  t = 0..T−1.
    Column pairs share a frequency; with D odd the last column is a sine alone.
    """
    T = int_arg("positional_encoding", "T", T, 1)
    D = int_arg("positional_encoding", "D", D, 1)
    angles = np.arange(T)[:, None] / 10000.0 ** ((np.arange(D) // 2 * 2) / D)[None, :]
    return np.where(np.arange(D) % 2 == 0, np.sin(angles), np.cos(angles))


# --------------------------------------------------------------------------- layer normalization


def _ln_args(name, x, gamma, beta, eps):
    x = as_float_array(name, "x", x)
    if x.ndim < 2:
        raise ValueError(f"{name}: x must be at least 2-D (N, …, D), got shape {x.shape}")
    d = x.shape[-1]
    gamma = as_float_array(name, "gamma", gamma, ndim=1)
    beta = as_float_array(name, "beta", beta, ndim=1)
    for arg, value in (("gamma", gamma), ("beta", beta)):
        if value.shape != (d,):
            raise ValueError(f"{name}: {arg} has shape {value.shape}, expected (D,) = ({d},) (x {x.shape})")
    same_dtype(name, x=x, gamma=gamma, beta=beta)
    eps = real_arg(name, "eps", eps, 0.0, finite=True)
    return x, gamma, beta, eps


@reference_kernel
def layer_norm(x, gamma, beta, eps=1e-5):
    """Layer normalization over the last axis: returns out, shaped like x (N, …, D).

    Each example (each position of each sequence) on its own, never across the batch:
        μ = mean of x over its D features,  σ² = their variance (1/D),  x̂ = (x − μ) / √(σ² + ε)
        out = γ x̂ + β,  γ, β: (D,)
    """
    x, gamma, beta, eps = _ln_args("layer_norm", x, gamma, beta, eps)
    mu = x.mean(axis=-1, keepdims=True)
    var = x.var(axis=-1, keepdims=True)
    return gamma * (x - mu) / np.sqrt(var + eps) + beta


@reference_kernel
def layer_norm_backward(dout, x, gamma, beta, eps=1e-5):
    """Backward of :func:`layer_norm`: returns (dx like x, dgamma (D,), dbeta (D,)).

    With x̂ and s = √(σ² + ε) per example and g = dout γ:
        dx = (g − mean(g) − x̂ mean(g x̂)) / s      (means over the D features of the same example)
        dgamma = Σ dout x̂,  dbeta = Σ dout       (sums over every axis but the last)
    """
    name = "layer_norm_backward"
    x, gamma, beta, eps = _ln_args(name, x, gamma, beta, eps)
    dout = upstream_grad(name, "dout", dout, x.shape, x.dtype, expected="expected x.shape =")
    mu = x.mean(axis=-1, keepdims=True)
    s = np.sqrt(x.var(axis=-1, keepdims=True) + eps)
    xhat = (x - mu) / s
    g = dout * gamma
    dx = (g - g.mean(axis=-1, keepdims=True) - xhat * (g * xhat).mean(axis=-1, keepdims=True)) / s
    flat = (-1, x.shape[-1])
    return dx, (dout * xhat).reshape(flat).sum(axis=0), dout.reshape(flat).sum(axis=0)


# --------------------------------------------------------------------------- the block


def _ffn_args(name, x, W1, b1, W2, b2):
    x = as_float_array(name, "x", x, ndim=3)
    d = x.shape[2]
    W1 = as_float_array(name, "W1", W1, ndim=2)
    f = W1.shape[1]
    arrays = {"W1": W1, "b1": as_float_array(name, "b1", b1, ndim=1), "W2": as_float_array(name, "W2", W2, ndim=2)}
    arrays["b2"] = as_float_array(name, "b2", b2, ndim=1)
    for arg, shape in (("W1", (d, f)), ("b1", (f,)), ("W2", (f, d)), ("b2", (d,))):
        if arrays[arg].shape != shape:
            raise ValueError(f"{name}: {arg} has shape {arrays[arg].shape}, expected {shape} (x {x.shape}, F = {f})")
    same_dtype(name, x=x, **arrays)
    return x, arrays["W1"], arrays["b1"], arrays["W2"], arrays["b2"]


@reference_kernel
def feed_forward(x, W1, b1, W2, b2):
    """Position-wise feed-forward: relu(x W1 + b1) W2 + b2, the same two layers at every position.
    x: (N, T, D); W1: (D, F); b1: (F,); W2: (F, D); b2: (D,). Returns (N, T, D)."""
    x, W1, b1, W2, b2 = _ffn_args("feed_forward", x, W1, b1, W2, b2)
    return np.maximum(x @ W1 + b1, 0.0) @ W2 + b2


@reference_kernel
def feed_forward_backward(dout, x, W1, b1, W2, b2):
    """Backward of :func:`feed_forward`: returns (dx (N, T, D), dW1 (D, F), db1 (F,), dW2 (F, D), db2 (D,)).
    With h = x W1 + b1: dr = (dout W2ᵀ) ⊙ [h > 0]; dW2 = relu(h)ᵀ dout; dW1 = xᵀ dr; dx = dr W1ᵀ (sums over N, T)."""
    x, W1, b1, W2, b2 = _ffn_args("feed_forward_backward", x, W1, b1, W2, b2)
    dout = upstream_grad("feed_forward_backward", "dout", dout, x.shape, x.dtype, expected="expected x.shape =")
    hidden = x @ W1 + b1
    r = np.maximum(hidden, 0.0)
    D, F = W1.shape
    dr = (dout @ W2.T) * (hidden > 0)
    flat_x, flat_dr = x.reshape(-1, D), dr.reshape(-1, F)
    return (
        dr @ W1.T,
        flat_x.T @ flat_dr,
        flat_dr.sum(axis=0),
        r.reshape(-1, F).T @ dout.reshape(-1, D),
        dout.reshape(-1, D).sum(axis=0),
    )


@reference_kernel
def transformer_block(x, mask, Wq, Wk, Wv, Wo, gamma1, beta1, W1, b1, W2, b2, gamma2, beta2, heads):
    """One pre-norm Transformer block: returns out (N, T, D).

        a = x + multi_head_attention(layer_norm(x, γ1, β1), mask, Wq, Wk, Wv, Wo, heads)
        out = a + feed_forward(layer_norm(a, γ2, β2), W1, b1, W2, b2)
    x: (N, T, D); mask: (N, T, T); Wq…Wo: (D, D); γ, β: (D,); W1: (D, F); b1: (F,); W2: (F, D); b2: (D,).
    """
    n1 = layer_norm.unguarded(x, gamma1, beta1)
    a = x + multi_head_attention.unguarded(n1, mask, Wq, Wk, Wv, Wo, heads)[0]
    return a + feed_forward.unguarded(layer_norm.unguarded(a, gamma2, beta2), W1, b1, W2, b2)


@reference_kernel
def block_parameter_count(d_model, heads, d_ff):
    """Learned numbers in one :func:`transformer_block`: 4D² (Wq, Wk, Wv, Wo) + 2DF + F + D (the
    feed-forward) + 4D (two layer norms' γ and β). The heads split D; they add nothing."""
    D = int_arg("block_parameter_count", "d_model", d_model, 1)
    int_arg("block_parameter_count", "heads", heads, 1)
    F = int_arg("block_parameter_count", "d_ff", d_ff, 1)
    return 4 * D * D + 2 * D * F + F + D + 4 * D
