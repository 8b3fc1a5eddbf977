"""Efficient networks: depthwise and pointwise convolutions, the dilated causal 1-D convolution, a residual
block, and three ways to shrink a trained network (magnitude pruning, affine quantization, distillation).
Each forward sits beside its backward.

Shapes are batch-first. Images ``x (N, C, H, W)``; depthwise filters ``w (C, HH, WW)``, one per channel;
pointwise filters ``w (F, C)``; sequences ``x (N, C, T)`` with causal filters ``w (F, C, K)``; the residual
block's vectors ``x (N, D)``; logits ``z (N, K)``.

How it is fast. The depthwise convolution is a direct loop per (image, channel) in numba
(``helpers._efficient_kernels``): it does too little work per channel for im2col and BLAS to pay. The
pointwise convolution is one matrix product; the causal convolution is K matrix products, one per tap.
Taught in week 12 (w12_efficient_networks).
"""

from __future__ import annotations

import numpy as np

from ._efficient_kernels import _depthwise_backward, _depthwise_forward
from ._validate import as_float_array, int_arg, real_arg, same_dtype, upstream_grad, window_sizes
from .tripwire import reference_kernel

__all__ = [
    "depthwise_conv2d",
    "depthwise_conv2d_backward",
    "pointwise_conv2d",
    "pointwise_conv2d_backward",
    "conv_costs",
    "causal_conv1d",
    "causal_conv1d_backward",
    "receptive_field",
    "residual_block",
    "residual_block_backward",
    "dense_block_channels",
    "magnitude_prune",
    "magnitude_prune_global",
    "quantize",
    "dequantize",
    "softmax_t",
    "distillation_loss",
]


# --------------------------------------------------------------------------- depthwise and pointwise


def _depthwise_args(name, x, w, b, stride, pad):
    x = as_float_array(name, "x", x, ndim=4)
    w = as_float_array(name, "w", w, ndim=3)
    b = as_float_array(name, "b", b, ndim=1)
    same_dtype(name, x=x, w=w, b=b)
    if w.shape[0] != x.shape[1]:
        raise ValueError(f"{name}: x has {x.shape[1]} channels, w has {w.shape[0]} filters (one per channel)")
    if b.shape != (w.shape[0],):
        raise ValueError(f"{name}: b has shape {b.shape}, expected ({w.shape[0]},)")
    stride = int_arg(name, "stride", stride, 1)
    pad = int_arg(name, "pad", pad, 0)
    ho, wo = window_sizes(name, x.shape, w.shape[1], w.shape[2], stride, pad)
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    return xp, np.ascontiguousarray(w), np.ascontiguousarray(b), stride, pad, ho, wo


@reference_kernel
def depthwise_conv2d(x, w, b, stride=1, pad=0):
    """Depthwise convolution: each channel correlated with its own filter, channels never mixed.

    x: (N, C, H, W); w: (C, HH, WW), one filter per channel; b: (C,). Returns out (N, C, H_out, W_out),
    H_out = ⌊(H + 2·pad − HH)/stride⌋ + 1, with
        out[n, c, i, j] = b[c] + Σ_{p,q} w[c, p, q] · x_pad[n, c, i·stride + p, j·stride + q]
    (no sum over c: that is what a standard convolution adds).
    """
    xp, w, b, stride, _, ho, wo = _depthwise_args("depthwise_conv2d", x, w, b, stride, pad)
    return _depthwise_forward(xp, w, b, stride, ho, wo)


@reference_kernel
def depthwise_conv2d_backward(dout, x, w, b, stride=1, pad=0):
    """Gradients of :func:`depthwise_conv2d`: returns (dx (N, C, H, W), dw (C, HH, WW), db (C,)).

    dx[n, c] = Σ_{i,j} dout[n, c, i, j] · w[c] placed on its window (padding cut off);
    dw[c] = Σ_{n,i,j} dout[n, c, i, j] · (window of x_pad[n, c]); db[c] = Σ_{n,i,j} dout[n, c, i, j].
    """
    name = "depthwise_conv2d_backward"
    xp, w, b, stride, pad, ho, wo = _depthwise_args(name, x, w, b, stride, pad)
    dout = upstream_grad(name, "dout", dout, (xp.shape[0], xp.shape[1], ho, wo), xp.dtype)
    dxp, dw = _depthwise_backward(np.ascontiguousarray(dout), xp, w, stride)
    h, wd = xp.shape[2] - 2 * pad, xp.shape[3] - 2 * pad
    return np.ascontiguousarray(dxp[:, :, pad : pad + h, pad : pad + wd]), dw, dout.sum(axis=(0, 2, 3))


def _pointwise_args(name, x, w, b):
    x = as_float_array(name, "x", x, ndim=4)
    w = as_float_array(name, "w", w, ndim=2)
    b = as_float_array(name, "b", b, ndim=1)
    same_dtype(name, x=x, w=w, b=b)
    if w.shape[1] != x.shape[1]:
        raise ValueError(f"{name}: x has {x.shape[1]} channels, w expects {w.shape[1]} (w is (F, C))")
    if b.shape != (w.shape[0],):
        raise ValueError(f"{name}: b has shape {b.shape}, expected ({w.shape[0]},)")
    return x, w, b


@reference_kernel
def pointwise_conv2d(x, w, b):
    """Pointwise (1×1) convolution: at every pixel, a linear map of the channels.

    x: (N, C, H, W); w: (F, C); b: (F,). Returns out (N, F, H, W),
        out[n, f, i, j] = b[f] + Σ_c w[f, c] · x[n, c, i, j].
    """
    x, w, b = _pointwise_args("pointwise_conv2d", x, w, b)
    return np.einsum("fc,nchw->nfhw", w, x, optimize=True) + b[None, :, None, None]


@reference_kernel
def pointwise_conv2d_backward(dout, x, w, b):
    """Gradients of :func:`pointwise_conv2d`: returns (dx (N, C, H, W), dw (F, C), db (F,)).

    dx[n, c, i, j] = Σ_f w[f, c] dout[n, f, i, j]; dw[f, c] = Σ_{n,i,j} dout[n, f, i, j] x[n, c, i, j];
    db[f] = Σ_{n,i,j} dout[n, f, i, j].
    """
    name = "pointwise_conv2d_backward"
    x, w, b = _pointwise_args(name, x, w, b)
    dout = upstream_grad(name, "dout", dout, (x.shape[0], w.shape[0]) + x.shape[2:], x.dtype)
    dx = np.einsum("fc,nfhw->nchw", w, dout, optimize=True)
    dw = np.einsum("nfhw,nchw->fc", dout, x, optimize=True)
    return dx, dw, dout.sum(axis=(0, 2, 3))


@reference_kernel
def conv_costs(C, F, K, H_out, W_out):
    """Parameters and multiply–adds of a K×K convolution from C to F channels, standard and depthwise-separable.

    Returns (params_standard, macs_standard, params_separable, macs_separable), biases included in the
    parameters, with P = H_out·W_out output positions:
        standard:   F·C·K² + F parameters,               P·F·C·K² multiply–adds;
        separable:  C·K² + C (depthwise) + F·C + F (pointwise),  P·C·K² + P·C·F multiply–adds.
    The ratio of multiply–adds is 1/F + 1/K².
    """
    name = "conv_costs"
    C, F, K = int_arg(name, "C", C, 1), int_arg(name, "F", F, 1), int_arg(name, "K", K, 1)
    P = int_arg(name, "H_out", H_out, 1) * int_arg(name, "W_out", W_out, 1)
    return F * C * K * K + F, P * F * C * K * K, C * K * K + C + F * C + F, P * C * K * K + P * C * F


# --------------------------------------------------------------------------- dilated causal convolution


def _causal_args(name, x, w, b, dilation):
    x = as_float_array(name, "x", x, ndim=3)
    w = as_float_array(name, "w", w, ndim=3)
    b = as_float_array(name, "b", b, ndim=1)
    same_dtype(name, x=x, w=w, b=b)
    if w.shape[1] != x.shape[1]:
        raise ValueError(f"{name}: x has {x.shape[1]} channels, w expects {w.shape[1]} (w is (F, C, K))")
    if b.shape != (w.shape[0],):
        raise ValueError(f"{name}: b has shape {b.shape}, expected ({w.shape[0]},)")
    dilation = int_arg(name, "dilation", dilation, 1)
    left = (w.shape[2] - 1) * dilation
    return np.pad(x, ((0, 0), (0, 0), (left, 0))), w, b, dilation


@reference_kernel
def causal_conv1d(x, w, b, dilation=1):
    """Dilated causal 1-D convolution: an output never reads a later input.

    x: (N, C, T); w: (F, C, K); b: (F,); dilation d ≥ 1. Returns out (N, F, T), the same length, with
        out[n, f, t] = b[f] + Σ_{c,k} w[f, c, k] · x[n, c, t − (K − 1 − k)·d]
    and x = 0 before time 0: the input is padded with (K − 1)·d zeros on the LEFT only. Tap k = K − 1
    reads x_t itself, tap 0 the oldest input, (K − 1)·d steps back.
    """
    xp, w, b, d = _causal_args("causal_conv1d", x, w, b, dilation)
    T = xp.shape[2] - (w.shape[2] - 1) * d
    out = np.zeros((xp.shape[0], w.shape[0], T), dtype=xp.dtype) + b[None, :, None]
    for k in range(w.shape[2]):
        out += np.einsum("fc,nct->nft", w[:, :, k], xp[:, :, k * d : k * d + T], optimize=True)
    return out


@reference_kernel
def causal_conv1d_backward(dout, x, w, b, dilation=1):
    """Gradients of :func:`causal_conv1d`: returns (dx (N, C, T), dw (F, C, K), db (F,)).

    With x_pad the left-padded input: dw[f, c, k] = Σ_{n,t} dout[n, f, t] · x_pad[n, c, t + k·d];
    dx_pad[n, c, t + k·d] += Σ_f w[f, c, k] dout[n, f, t] for every k, then the padding is cut off;
    db[f] = Σ_{n,t} dout[n, f, t].
    """
    name = "causal_conv1d_backward"
    xp, w, b, d = _causal_args(name, x, w, b, dilation)
    left = (w.shape[2] - 1) * d
    T = xp.shape[2] - left
    dout = upstream_grad(name, "dout", dout, (xp.shape[0], w.shape[0], T), xp.dtype)
    dxp, dw = np.zeros_like(xp), np.zeros_like(w)
    for k in range(w.shape[2]):
        dw[:, :, k] = np.einsum("nft,nct->fc", dout, xp[:, :, k * d : k * d + T], optimize=True)
        dxp[:, :, k * d : k * d + T] += np.einsum("fc,nft->nct", w[:, :, k], dout, optimize=True)
    return dxp[:, :, left:], dw, dout.sum(axis=(0, 2))


@reference_kernel
def receptive_field(kernel_size, dilations):
    """How many input steps one output of a stack of causal convolutions can see.

    kernel_size K ≥ 1, dilations: one d_l ≥ 1 per layer. Each layer reaches (K − 1)·d_l steps further
    back, so the field is 1 + (K − 1)·Σ_l d_l; with d_l = 1, 2, 4, …, 2^(L−1): 1 + (K − 1)(2^L − 1).
    """
    name = "receptive_field"
    K = int_arg(name, "kernel_size", kernel_size, 1)
    dilations = [int_arg(name, "dilations", int(d) if isinstance(d, np.integer) else d, 1) for d in dilations]
    return 1 + (K - 1) * sum(dilations)


# --------------------------------------------------------------------------- skip connections


def _residual_args(name, x, W1, b1, W2, b2):
    x = as_float_array(name, "x", x, ndim=2)
    W1, W2 = as_float_array(name, "W1", W1, ndim=2), as_float_array(name, "W2", W2, ndim=2)
    b1, b2 = as_float_array(name, "b1", b1, ndim=1), as_float_array(name, "b2", b2, ndim=1)
    same_dtype(name, x=x, W1=W1, b1=b1, W2=W2, b2=b2)
    D, H = x.shape[1], W1.shape[1]
    for arg, value, shape in (("W1", W1, (D, H)), ("b1", b1, (H,)), ("W2", W2, (H, D)), ("b2", b2, (D,))):
        if value.shape != shape:
            raise ValueError(f"{name}: {arg} has shape {value.shape}, expected {shape} (x {x.shape}, H = {H})")
    return x, W1, b1, W2, b2


@reference_kernel
def residual_block(x, W1, b1, W2, b2):
    """A residual block on vectors: out = x + relu(x W1 + b1) W2 + b2.

    x: (N, D); W1: (D, H); b1: (H,); W2: (H, D); b2: (D,). Returns out (N, D). The branch F(x) learns
    what to ADD to x; with F = 0 the block is the identity.
    """
    x, W1, b1, W2, b2 = _residual_args("residual_block", x, W1, b1, W2, b2)
    return x + np.maximum(x @ W1 + b1, 0.0) @ W2 + b2


@reference_kernel
def residual_block_backward(dout, x, W1, b1, W2, b2):
    """Gradients of :func:`residual_block`: returns (dx, dW1, db1, dW2, db2).

    With a = x W1 + b1, h = relu(a): dW2 = hᵀ dout; db2 = Σ_n dout; da = (dout W2ᵀ) ⊙ [a > 0];
    dW1 = xᵀ da; db1 = Σ_n da; dx = dout + da W1ᵀ: the identity path hands dout down unchanged.
    """
    name = "residual_block_backward"
    x, W1, b1, W2, b2 = _residual_args(name, x, W1, b1, W2, b2)
    dout = upstream_grad(name, "dout", dout, x.shape, x.dtype)
    a = x @ W1 + b1
    h = np.maximum(a, 0.0)
    da = (dout @ W2.T) * (a > 0)
    return dout + da @ W1.T, x.T @ da, da.sum(axis=0), h.T @ dout, dout.sum(axis=0)


@reference_kernel
def dense_block_channels(c0, growth_rate, n_layers):
    """Channels in a dense block: returns an int array (n_layers + 1,).

    Entry l (0 ≤ l < n_layers) is how many channels layer l + 1 reads: the block's input c0 and the k
    feature maps of every layer before it, c0 + l·k; the last entry, c0 + L·k, is what the block outputs
    (every layer's maps concatenated to its input).
    """
    name = "dense_block_channels"
    c0 = int_arg(name, "c0", c0, 1)
    k = int_arg(name, "growth_rate", growth_rate, 1)
    L = int_arg(name, "n_layers", n_layers, 1)
    return c0 + k * np.arange(L + 1, dtype=np.int64)


# --------------------------------------------------------------------------- pruning


def _prune_count(name, size, sparsity):
    sparsity = real_arg(name, "sparsity", sparsity, 0.0, 1.0)
    return int(round(sparsity * size))


def _zero_smallest(flat, count):
    order = np.argsort(np.abs(flat), kind="stable")
    pruned = flat.copy()
    pruned[order[:count]] = 0.0
    return pruned


@reference_kernel
def magnitude_prune(w, sparsity):
    """Zero the round(sparsity · w.size) weights of smallest magnitude |w|; returns a pruned copy of w.

    w: any shape; sparsity in [0, 1]. The other weights keep their values. Magnitude, not value: a
    large negative weight matters as much as a large positive one.
    """
    w = as_float_array("magnitude_prune", "w", w)
    count = _prune_count("magnitude_prune", w.size, sparsity)
    return _zero_smallest(w.ravel(), count).reshape(w.shape)


@reference_kernel
def magnitude_prune_global(w1, w2, sparsity):
    """Global magnitude pruning of two layers: returns (w1_pruned, w2_pruned).

    All weights of both layers are ranked together by |w|, and the round(sparsity · (w1.size + w2.size))
    smallest are zeroed: a layer of small weights loses more than the sparsity, a layer of large ones less.
    """
    name = "magnitude_prune_global"
    w1, w2 = as_float_array(name, "w1", w1), as_float_array(name, "w2", w2)
    same_dtype(name, w1=w1, w2=w2)
    count = _prune_count(name, w1.size + w2.size, sparsity)
    flat = _zero_smallest(np.concatenate([w1.ravel(), w2.ravel()]), count)
    return flat[: w1.size].reshape(w1.shape), flat[w1.size :].reshape(w2.shape)


# --------------------------------------------------------------------------- quantization


@reference_kernel
def quantize(w, bits=8):
    """Affine (asymmetric) quantization to unsigned ``bits``-bit integers: returns (q, scale, zero_point).

    The range is widened to hold 0, lo = min(w.min(), 0), hi = max(w.max(), 0), and cut into 2^bits − 1 steps:
        scale = (hi − lo) / (2^bits − 1)          (1.0 when hi = lo, i.e. w is all zeros)
        zero_point = round(−lo / scale)           an integer in [0, 2^bits − 1]: the code of 0.0
        q = clip(round(w / scale) + zero_point, 0, 2^bits − 1)     same shape as w, integer values (float dtype)
    :func:`dequantize` maps back; 0.0 comes back exactly and every weight within scale / 2.
    """
    name = "quantize"
    w = as_float_array(name, "w", w)
    bits = int_arg(name, "bits", bits, 1)
    if bits > 16:
        raise ValueError(f"{name}: bits must be ≤ 16, got {bits}")
    levels = 2**bits - 1
    lo, hi = min(float(w.min()), 0.0), max(float(w.max()), 0.0)
    scale = (hi - lo) / levels if hi > lo else 1.0
    zero_point = float(np.clip(np.round(-lo / scale), 0, levels))
    q = np.clip(np.round(w / scale) + zero_point, 0, levels).astype(w.dtype)
    return q, scale, zero_point


@reference_kernel
def dequantize(q, scale, zero_point):
    """Back from integer codes to real numbers: w_hat = scale · (q − zero_point), same shape as q."""
    name = "dequantize"
    q = as_float_array(name, "q", q)
    scale = real_arg(name, "scale", scale, 0.0, low_open=True, finite=True)
    zero_point = real_arg(name, "zero_point", zero_point, finite=True)
    return scale * (q - zero_point)


# --------------------------------------------------------------------------- distillation


@reference_kernel
def softmax_t(z, T=1.0):
    """Softmax at temperature T along the last axis: exp(z_k / T) / Σ_j exp(z_j / T); z (N, K) -> (N, K).

    T > 1 softens the distribution (the small probabilities grow), T → ∞ makes it uniform.
    """
    z = as_float_array("softmax_t", "z", z)
    T = real_arg("softmax_t", "T", T, 0.0, low_open=True, finite=True)
    s = z / T
    e = np.exp(s - s.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


@reference_kernel
def distillation_loss(student_logits, teacher_logits, T):
    """The distillation loss and its gradient with respect to the student's logits: returns (loss, dz).

    student_logits z_s, teacher_logits z_t: (N, K); T > 0. With p_s = softmax_t(z_s, T), p_t = softmax_t(z_t, T):
        loss = −(T² / N) Σ_{n,k} p_t[n, k] · log p_s[n, k]      (cross-entropy with soft targets, × T²)
        dz   = (T / N) · (p_s − p_t)                             (N, K)
    The 1/T comes from the chain rule through z_s / T; the T² keeps the gradient's size comparable across
    temperatures (and with the hard-label loss it is added to).
    """
    name = "distillation_loss"
    zs = as_float_array(name, "student_logits", student_logits, ndim=2)
    zt = as_float_array(name, "teacher_logits", teacher_logits, ndim=2)
    if zs.shape != zt.shape:
        raise ValueError(f"{name}: student_logits {zs.shape} and teacher_logits {zt.shape} differ in shape")
    T = real_arg(name, "T", T, 0.0, low_open=True, finite=True)
    n = zs.shape[0]
    s = zs / T
    s = s - s.max(axis=1, keepdims=True)
    log_ps = s - np.log(np.exp(s).sum(axis=1, keepdims=True))
    pt = softmax_t.unguarded(zt, T)
    loss = -(T * T / n) * float(np.sum(pt * log_ps))
    return loss, (T / n) * (np.exp(log_ps) - pt)


def warm_up():
    """Compile the depthwise kernels for float64 and float32 (``course warm`` calls this)."""
    for dtype in (np.float64, np.float32):
        x = np.ones((2, 3, 5, 5), dtype=dtype)
        w = np.ones((3, 3, 3), dtype=dtype)
        b = np.ones(3, dtype=dtype)
        out = depthwise_conv2d.unguarded(x, w, b, stride=2, pad=1)
        depthwise_conv2d_backward.unguarded(np.ones_like(out), x, w, b, stride=2, pad=1)
    return ["depthwise_conv2d, depthwise_conv2d_backward: float64, float32"]
