"""Plain-numpy versions of the helpers kernels: slow, short, and obviously right.

Each one follows its formula literally (loops over output positions or time steps, no
tricks), so that the fast numba kernels in ``helpers`` are checked against something a
reader can verify by eye. Nothing here imports ``helpers``.
"""
from __future__ import annotations

import numpy as np


# --------------------------------------------------------------------------- convolution and pooling

def out_len(n, f, pad, stride):
    return (n + 2 * pad - f) // stride + 1


def conv2d(x, w, b, stride=1, pad=0):
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    n, _, h, wd = x.shape
    f, _, hh, ww = w.shape
    ho, wo = out_len(h, hh, pad, stride), out_len(wd, ww, pad, stride)
    out = np.zeros((n, f, ho, wo), dtype=x.dtype)
    for i in range(ho):
        for j in range(wo):
            window = xp[:, :, i * stride:i * stride + hh, j * stride:j * stride + ww]
            out[:, :, i, j] = np.einsum("nchw,fchw->nf", window, w) + b
    return out


def conv2d_backward(dout, x, w, b, stride=1, pad=0):
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    dxp, dw = np.zeros_like(xp), np.zeros_like(w)
    hh, ww = w.shape[2:]
    for i in range(dout.shape[2]):
        for j in range(dout.shape[3]):
            rows, cols = slice(i * stride, i * stride + hh), slice(j * stride, j * stride + ww)
            dw += np.einsum("nf,nchw->fchw", dout[:, :, i, j], xp[:, :, rows, cols])
            dxp[:, :, rows, cols] += np.einsum("nf,fchw->nchw", dout[:, :, i, j], w)
    dx = dxp[:, :, pad:pad + x.shape[2], pad:pad + x.shape[3]]
    return dx, dw, dout.sum(axis=(0, 2, 3))


def im2col(x, hh, ww, stride=1, pad=0):
    """Columns ordered (n, i, j), rows ordered (c, p, q)."""
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    n, c, h, wd = x.shape
    ho, wo = out_len(h, hh, pad, stride), out_len(wd, ww, pad, stride)
    cols = np.zeros((c * hh * ww, n * ho * wo), dtype=x.dtype)
    for k in range(n):
        for i in range(ho):
            for j in range(wo):
                window = xp[k, :, i * stride:i * stride + hh, j * stride:j * stride + ww]
                cols[:, (k * ho + i) * wo + j] = window.reshape(-1)
    return cols


def pool2d(x, size, stride, op):
    ho, wo = out_len(x.shape[2], size, 0, stride), out_len(x.shape[3], size, 0, stride)
    out = np.zeros(x.shape[:2] + (ho, wo), dtype=x.dtype)
    for i in range(ho):
        for j in range(wo):
            out[:, :, i, j] = op(x[:, :, i * stride:i * stride + size, j * stride:j * stride + size], axis=(2, 3))
    return out


def max_pool2d(x, size=2, stride=2):
    return pool2d(x, size, stride, np.max)


def avg_pool2d(x, size=2, stride=2):
    return pool2d(x, size, stride, np.mean)


def max_pool2d_backward(dout, x, size=2, stride=2):
    dx = np.zeros_like(x)
    for n in range(x.shape[0]):
        for c in range(x.shape[1]):
            for i in range(dout.shape[2]):
                for j in range(dout.shape[3]):
                    window = x[n, c, i * stride:i * stride + size, j * stride:j * stride + size]
                    p, q = np.unravel_index(np.argmax(window), window.shape)  # first maximum
                    dx[n, c, i * stride + p, j * stride + q] += dout[n, c, i, j]
    return dx


def avg_pool2d_backward(dout, x, size=2, stride=2):
    dx = np.zeros_like(x)
    for i in range(dout.shape[2]):
        for j in range(dout.shape[3]):
            dx[:, :, i * stride:i * stride + size, j * stride:j * stride + size] += \
                dout[:, :, i:i + 1, j:j + 1] / (size * size)
    return dx


# --------------------------------------------------------------------------- activations

def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


ACTIVATIONS = {
    "sigmoid": sigmoid,
    "tanh": np.tanh,
    "relu": lambda z: np.maximum(z, 0),
}


def softmax(z):
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


# --------------------------------------------------------------------------- the two-layer network

def two_layer_forward(X, W, b, V, c, activation="sigmoid"):
    Z = ACTIVATIONS[activation](X @ W + b)
    return Z, softmax(Z @ V + c)


def two_layer_cost(X, T, W, b, V, c, activation="sigmoid"):
    """J = −Σ_n Σ_k T[n, k] log Y[n, k] (a sum over the batch); T one-hot (N, K)."""
    _, Y = two_layer_forward(X, W, b, V, c, activation)
    return -np.sum(T * np.log(Y))


# --------------------------------------------------------------------------- recurrent cells

def rnn_forward(x, h0, W_in, W, b, activation="tanh"):
    f = ACTIVATIONS[activation]
    n, t, _ = x.shape
    h = np.zeros((n, t, h0.shape[1]), dtype=x.dtype)
    prev = h0
    for step in range(t):
        prev = f(x[:, step] @ W_in + prev @ W + b)
        h[:, step] = prev
    return h


def lstm_step(x, h_prev, c_prev, Wx, Wh, b):
    """Gates stacked [i, f, o, g]: i, f, o sigmoid, g tanh."""
    H = h_prev.shape[1]
    a = x @ Wx + h_prev @ Wh + b
    i, f, o = sigmoid(a[:, :H]), sigmoid(a[:, H:2 * H]), sigmoid(a[:, 2 * H:3 * H])
    g = np.tanh(a[:, 3 * H:])
    c = f * c_prev + i * g
    return o * np.tanh(c), c


def gru_step(x, h_prev, Wx, Wh, b):
    """Gates stacked [z, r, n]; see helpers.rnn.gru_step for the equations."""
    H = h_prev.shape[1]
    ax, ah = x @ Wx + b, h_prev @ Wh
    z = sigmoid(ax[:, :H] + ah[:, :H])
    r = sigmoid(ax[:, H:2 * H] + ah[:, H:2 * H])
    n = np.tanh(ax[:, 2 * H:] + r * ah[:, 2 * H:])
    return (1 - z) * n + z * h_prev


# --------------------------------------------------------------------------- normalisation

def batchnorm_train(x, gamma, beta, eps):
    mean = x.mean(axis=0)
    var = x.var(axis=0)
    return gamma * (x - mean) / np.sqrt(var + eps) + beta, mean, var


# --------------------------------------------------------------------------- comparison helpers

def numeric_grads(f, arrays, dout, h=1e-5):
    """Central-difference vector–Jacobian products Σ dout · ∂f/∂a for every array in ``arrays``.

    f() reads the arrays from its closure; each array is perturbed in place and restored.
    """
    from helpers.gradcheck import numerical_gradient
    return {name: numerical_gradient(lambda _: f(), a, h=h, df=dout) for name, a in arrays.items()}


def close_float32(got32, want64, tol=1e-4):
    """float32 result within ``tol`` of the float64 one, relative to the result's scale."""
    assert got32.dtype == np.float32, got32.dtype
    scale = max(1.0, float(np.max(np.abs(want64)))) if want64.size else 1.0
    err = float(np.max(np.abs(got32.astype(np.float64) - want64))) if want64.size else 0.0
    assert err <= tol * scale, f"float32 differs from float64 by {err:.2e} (scale {scale:.2e})"


def snapshot(*arrays):
    return [np.array(a, copy=True) for a in arrays]


def assert_unchanged(before, after):
    for i, (a, b) in enumerate(zip(before, after)):
        assert np.array_equal(a, b), f"argument {i} was mutated"


def assert_close(got, want, rtol=1e-12):
    """Same shape and max |got − want| ≤ rtol · max |want|: round-off relative to the result's scale
    (an element-wise relative error is meaningless for entries that cancel to nearly 0)."""
    got, want = np.asarray(got), np.asarray(want)
    assert got.shape == want.shape, f"shape {got.shape} != {want.shape}"
    if want.size == 0:
        return
    scale = max(float(np.max(np.abs(want))), 1e-300)
    err = float(np.max(np.abs(got.astype(np.float64) - want)))
    assert err <= rtol * scale, f"max abs error {err:.3e} > {rtol:g} × scale {scale:.3e}"
