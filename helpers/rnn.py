"""Recurrent networks: a vanilla RNN over a whole sequence (forward and BPTT), LSTM and GRU
cells one step at a time (forward and backward), and clipping by global norm.

Shapes are batch-first: sequences x (N, T, D), hidden states h (N, T, H), one step's input
x (N, D) and state h (N, H).

Vanilla RNN, for t = 1..T:   h_t = f(x_t W_in + h_{t−1} W + b),   f = tanh, sigmoid or relu.

How it is fast. The input projections x_t W_in of all steps are one matrix product before
the loop, and the weight gradients are one matrix product each after it; only the
recurrence h_{t−1} W, which must go step by step, runs in a compiled numba loop (no Python
overhead per step). Sequences are independent of each other, so a large batch is split by
rows over numba's threads, each running the whole sequence for its rows; BLAS is pinned to
one thread for the whole call (see ``helpers._numba``). The compiled loops are in the
private module ``helpers._rnn_kernels``.
"""

from __future__ import annotations

import contextlib
import math

import numpy as np

from ._numba import parallel_slot, thread_count
from ._rnn_kernels import _rnn_backward_parallel, _rnn_deltas, _rnn_forward_parallel, _rnn_states
from ._validate import as_float_array, same_dtype, upstream_grad
from .tripwire import reference_kernel

__all__ = [
    "rnn_forward",
    "rnn_backward",
    "lstm_step",
    "lstm_step_backward",
    "gru_step",
    "gru_step_backward",
    "clip_by_norm",
]

_CODES = {"tanh": 0, "sigmoid": 1, "relu": 2}


# --------------------------------------------------------------------------- vanilla RNN


def _rnn_args(name, x, h0, W_in, W, b, activation):
    if activation not in _CODES:
        raise ValueError(f"{name}: activation must be one of {sorted(_CODES)}, got {activation!r}")
    x = as_float_array(name, "x", x, ndim=3)
    h0 = as_float_array(name, "h0", h0, ndim=2)
    W_in = as_float_array(name, "W_in", W_in, ndim=2)
    W = as_float_array(name, "W", W, ndim=2)
    b = as_float_array(name, "b", b, ndim=1)
    same_dtype(name, x=x, h0=h0, W_in=W_in, W=W, b=b)
    n, _, d = x.shape
    H = W.shape[0]
    if W.shape != (H, H):
        raise ValueError(f"{name}: W must be square (H, H), got shape {W.shape}")
    if W_in.shape != (d, H):
        raise ValueError(f"{name}: W_in has shape {W_in.shape}, expected (D, H) = {(d, H)} (x {x.shape}, W {W.shape})")
    if h0.shape != (n, H):
        raise ValueError(f"{name}: h0 has shape {h0.shape}, expected (N, H) = {(n, H)} (x {x.shape}, W {W.shape})")
    if b.shape != (H,):
        raise ValueError(f"{name}: b has shape {b.shape}, expected (H,) = {(H,)}")
    return x, h0, W_in, W, b


# Below this many multiply-adds per step (N·H·H) the products are too small to split
# between threads: waking them costs more.
_PARALLEL_MACS = 1 << 17


def _loop_threads(n, t, H):
    """(slot, chunks) for the step loops. Sequences worth it run with BLAS pinned to one thread
    (a step's products are too small for BLAS to share between threads, and a BLAS pool that
    spins between hundreds of small calls slows everything else down) and, when each step is
    big enough, split over numba's threads by rows of the batch."""
    if n * t * H * H < 1 << 18:
        return contextlib.nullcontext(False), 1
    chunks = 1 if n < 2 or n * H * H < _PARALLEL_MACS else min(n, thread_count())
    return parallel_slot(), chunks


@reference_kernel
def rnn_forward(x, h0, W_in, W, b, activation="tanh"):
    """Run a vanilla RNN over a whole sequence.

    x: (N, T, D); h0: (N, H) the state before the first step; W_in: (D, H); W: (H, H);
    b: (H,). Returns h (N, T, H) with h[:, t] = f(x[:, t] W_in + h[:, t−1] W + b),
    h[:, −1] meaning h0; activation f is "tanh" (default), "sigmoid" or "relu".
    """
    x, h0, W_in, W, b = _rnn_args("rnn_forward", x, h0, W_in, W, b, activation)
    slot, chunks = _loop_threads(x.shape[0], x.shape[1], W.shape[0])
    with slot as parallel:  # every product inside, so that no BLAS pool is left spinning
        hs = _rnn_states(x, h0, W_in, W, b, _CODES[activation], chunks if parallel else 1)
    return np.ascontiguousarray(hs.transpose(1, 0, 2))


@reference_kernel
def rnn_backward(dh, x, h0, W_in, W, b, activation="tanh"):
    """Backpropagation through time for rnn_forward: returns (dx, dh0, dW_in, dW, db).

    dh: (N, T, H), the upstream gradient on every hidden state (zeros where a state feeds
    no loss); the other arguments are those of the forward call, whose states are
    recomputed here. With a_t the pre-activation and g_t = dh_t + (gradient from step t+1):
    da_t = g_t ⊙ f'(a_t), the step t+1 gradient of h_t is da_{t+1} Wᵀ, and
    dW_in = Σ_t x_tᵀ da_t, dW = Σ_t h_{t−1}ᵀ da_t, db = Σ_t Σ_n da_t, dx_t = da_t W_inᵀ,
    dh0 = da_1 Wᵀ. Shapes: dx (N, T, D), dh0 (N, H), dW_in (D, H), dW (H, H), db (H,).
    """
    name = "rnn_backward"
    x, h0, W_in, W, b = _rnn_args(name, x, h0, W_in, W, b, activation)
    n, t, d = x.shape
    H = W.shape[0]
    dh = upstream_grad(name, "dh", dh, (n, t, H), x.dtype, expected="expected (N, T, H) =")
    code = _CODES[activation]
    slot, chunks = _loop_threads(n, t, H)
    with slot as parallel:
        chunks = chunks if parallel else 1
        hs = _rnn_states(x, h0, W_in, W, b, code, chunks)
        da, dh0 = _rnn_deltas(np.ascontiguousarray(dh.transpose(1, 0, 2)), hs, W, code, chunks)
        # The weight gradients are sums over every step: one matrix product each.
        da2 = da.reshape(t * n, H)
        x_tm = np.ascontiguousarray(x.transpose(1, 0, 2)).reshape(t * n, d)
        prev = np.concatenate([h0[None], hs[:-1]]).reshape(t * n, H)
        dW_in = x_tm.T @ da2
        dW = prev.T @ da2
        db = da2.sum(axis=0)
        dx = np.ascontiguousarray((da2 @ W_in.T).reshape(t, n, d).transpose(1, 0, 2))
    return dx, dh0, dW_in, dW, db


# --------------------------------------------------------------------------- LSTM and GRU steps


def _sigmoid(z):
    # 0.5 (1 + tanh(z/2)) equals 1/(1 + e^{−z}) and never overflows.
    return 0.5 * (1.0 + np.tanh(0.5 * z))


def _cell_args(name, gates, x, h_prev, Wx, Wh, b, c_prev=None):
    x = as_float_array(name, "x", x, ndim=2)
    h_prev = as_float_array(name, "h_prev", h_prev, ndim=2)
    Wx = as_float_array(name, "Wx", Wx, ndim=2)
    Wh = as_float_array(name, "Wh", Wh, ndim=2)
    b = as_float_array(name, "b", b, ndim=1)
    arrays = dict(x=x, h_prev=h_prev, Wx=Wx, Wh=Wh, b=b)
    n, d = x.shape
    H = h_prev.shape[1]
    if h_prev.shape[0] != n:
        raise ValueError(f"{name}: h_prev has {h_prev.shape[0]} rows, x has {n} (x {x.shape}, h_prev {h_prev.shape})")
    if Wx.shape != (d, gates * H):
        raise ValueError(
            f"{name}: Wx has shape {Wx.shape}, expected (D, {gates}H) = {(d, gates * H)} "
            f"(x {x.shape}, h_prev {h_prev.shape})"
        )
    if Wh.shape != (H, gates * H):
        raise ValueError(
            f"{name}: Wh has shape {Wh.shape}, expected (H, {gates}H) = {(H, gates * H)} (h_prev {h_prev.shape})"
        )
    if b.shape != (gates * H,):
        raise ValueError(f"{name}: b has shape {b.shape}, expected ({gates}H,) = {(gates * H,)}")
    if c_prev is not None:
        c_prev = as_float_array(name, "c_prev", c_prev, ndim=2)
        if c_prev.shape != h_prev.shape:
            raise ValueError(f"{name}: c_prev has shape {c_prev.shape}, h_prev has shape {h_prev.shape}")
        arrays["c_prev"] = c_prev
    same_dtype(name, **arrays)
    return x, h_prev, Wx, Wh, b, c_prev


# How the cells name the shape of an upstream gradient on h or c in their messages.
_NH = "expected (N, H) ="


def _lstm_gates(x, h_prev, c_prev, Wx, Wh, b):
    H = h_prev.shape[1]
    a = x @ Wx + h_prev @ Wh + b
    i = _sigmoid(a[:, :H])
    f = _sigmoid(a[:, H : 2 * H])
    o = _sigmoid(a[:, 2 * H : 3 * H])
    g = np.tanh(a[:, 3 * H :])
    c = f * c_prev + i * g
    return i, f, o, g, c


@reference_kernel
def lstm_step(x, h_prev, c_prev, Wx, Wh, b):
    """One LSTM step: returns (h, c), each (N, H).

    x: (N, D); h_prev, c_prev: (N, H); Wx: (D, 4H); Wh: (H, 4H); b: (4H,), the four gate
    blocks stacked in the order [i, f, o, g]:
        a = x Wx + h_prev Wh + b, split into a_i, a_f, a_o, a_g (N, H each)
        i = σ(a_i), f = σ(a_f), o = σ(a_o), g = tanh(a_g)
        c = f ⊙ c_prev + i ⊙ g,   h = o ⊙ tanh(c)
    """
    x, h_prev, Wx, Wh, b, c_prev = _cell_args("lstm_step", 4, x, h_prev, Wx, Wh, b, c_prev)
    _, _, o, _, c = _lstm_gates(x, h_prev, c_prev, Wx, Wh, b)
    return o * np.tanh(c), c


@reference_kernel
def lstm_step_backward(dh, dc, x, h_prev, c_prev, Wx, Wh, b):
    """Backward of lstm_step: returns (dx, dh_prev, dc_prev, dWx, dWh, db).

    dh, dc: (N, H) upstream gradients on h and c (pass zeros for dc when only h feeds the
    loss); the other arguments are those of the forward call (the gates are recomputed).
    With t = tanh(c):  dc_total = dc + dh ⊙ o ⊙ (1 − t²);
    da_o = dh ⊙ t ⊙ o(1 − o), da_i = dc_total ⊙ g ⊙ i(1 − i), da_f = dc_total ⊙ c_prev ⊙ f(1 − f),
    da_g = dc_total ⊙ i ⊙ (1 − g²); dc_prev = dc_total ⊙ f; da = [da_i, da_f, da_o, da_g];
    dx = da Wxᵀ, dh_prev = da Whᵀ, dWx = xᵀ da, dWh = h_prevᵀ da, db = Σ_n da.
    """
    name = "lstm_step_backward"
    x, h_prev, Wx, Wh, b, c_prev = _cell_args(name, 4, x, h_prev, Wx, Wh, b, c_prev)
    dh = upstream_grad(name, "dh", dh, h_prev.shape, x.dtype, expected=_NH)
    dc = upstream_grad(name, "dc", dc, h_prev.shape, x.dtype, expected=_NH)
    i, f, o, g, c = _lstm_gates(x, h_prev, c_prev, Wx, Wh, b)
    t = np.tanh(c)
    dc_total = dc + dh * o * (1.0 - t * t)
    da = np.concatenate(
        [
            dc_total * g * i * (1.0 - i),
            dc_total * c_prev * f * (1.0 - f),
            dh * t * o * (1.0 - o),
            dc_total * i * (1.0 - g * g),
        ],
        axis=1,
    )
    return da @ Wx.T, da @ Wh.T, dc_total * f, x.T @ da, h_prev.T @ da, da.sum(axis=0)


def _gru_gates(x, h_prev, Wx, Wh, b):
    H = h_prev.shape[1]
    ax = x @ Wx + b
    ah = h_prev @ Wh
    z = _sigmoid(ax[:, :H] + ah[:, :H])
    r = _sigmoid(ax[:, H : 2 * H] + ah[:, H : 2 * H])
    hn = ah[:, 2 * H :]
    n = np.tanh(ax[:, 2 * H :] + r * hn)
    return z, r, n, hn


@reference_kernel
def gru_step(x, h_prev, Wx, Wh, b):
    """One GRU step: returns h (N, H).

    x: (N, D); h_prev: (N, H); Wx: (D, 3H); Wh: (H, 3H); b: (3H,), the gate blocks stacked
    in the order [z, r, n] (update gate, reset gate, candidate):
        z = σ(x Wx_z + h_prev Wh_z + b_z)
        r = σ(x Wx_r + h_prev Wh_r + b_r)
        n = tanh(x Wx_n + b_n + r ⊙ (h_prev Wh_n))
        h = (1 − z) ⊙ n + z ⊙ h_prev
    The reset gate scales the recurrent part of the candidate after the product, as in
    cuDNN and PyTorch (which add a second bias inside it; one bias b suffices here).
    """
    x, h_prev, Wx, Wh, b, _ = _cell_args("gru_step", 3, x, h_prev, Wx, Wh, b)
    z, _, n, _ = _gru_gates(x, h_prev, Wx, Wh, b)
    return (1.0 - z) * n + z * h_prev


@reference_kernel
def gru_step_backward(dh, x, h_prev, Wx, Wh, b):
    """Backward of gru_step: returns (dx, dh_prev, dWx, dWh, db).

    dh: (N, H) upstream gradient on h; the other arguments are those of the forward call.
    With s = h_prev Wh_n:  da_n = dh ⊙ (1 − z) ⊙ (1 − n²), da_z = dh ⊙ (h_prev − n) ⊙ z(1 − z),
    da_r = da_n ⊙ s ⊙ r(1 − r); the input side gets [da_z, da_r, da_n], the recurrent side
    [da_z, da_r, da_n ⊙ r]: dx = [..] Wxᵀ, dWx = xᵀ [..], db = Σ_n [..], dWh = h_prevᵀ [..],
    dh_prev = dh ⊙ z + [..] Whᵀ.
    """
    name = "gru_step_backward"
    x, h_prev, Wx, Wh, b, _ = _cell_args(name, 3, x, h_prev, Wx, Wh, b)
    dh = upstream_grad(name, "dh", dh, h_prev.shape, x.dtype, expected=_NH)
    z, r, n, hn = _gru_gates(x, h_prev, Wx, Wh, b)
    da_n = dh * (1.0 - z) * (1.0 - n * n)
    da_z = dh * (h_prev - n) * z * (1.0 - z)
    da_r = da_n * hn * r * (1.0 - r)
    dax = np.concatenate([da_z, da_r, da_n], axis=1)
    dah = np.concatenate([da_z, da_r, da_n * r], axis=1)
    return dax @ Wx.T, dh * z + dah @ Wh.T, x.T @ dax, h_prev.T @ dah, dax.sum(axis=0)


# --------------------------------------------------------------------------- clipping


@reference_kernel
def clip_by_norm(grads, max_norm):
    """Clip a list of gradient arrays by their global norm: returns (clipped, total_norm).

    total_norm = sqrt(Σ_i ‖g_i‖²) over every element of every array. If it exceeds
    max_norm, every array is scaled by max_norm / total_norm (the direction is kept, the
    global norm becomes max_norm); otherwise copies are returned unchanged. The inputs are
    never modified; each result keeps its array's dtype. total_norm is a Python float.
    """
    name = "clip_by_norm"
    if isinstance(grads, np.ndarray) or not hasattr(grads, "__len__"):
        raise ValueError(f"{name}: grads must be a list of arrays, got {type(grads).__name__}")
    if len(grads) == 0:
        raise ValueError(f"{name}: grads is an empty list")
    arrays = [as_float_array(name, f"grads[{k}]", g, allow_empty=True) for k, g in enumerate(grads)]
    try:
        max_norm = float(max_norm)
    except (TypeError, ValueError):
        raise ValueError(f"{name}: max_norm must be a number, got {max_norm!r}") from None
    if not max_norm > 0:
        raise ValueError(f"{name}: max_norm must be > 0, got {max_norm}")
    total = math.sqrt(sum(float(np.sum(np.square(a, dtype=np.float64))) for a in arrays))
    if not math.isfinite(total):
        raise ValueError(f"{name}: the gradients contain inf or NaN (total norm {total})")
    if total <= max_norm:
        return [a.copy() for a in arrays], total
    scale = max_norm / total
    return [(a * scale).astype(a.dtype, copy=False) for a in arrays], total


# --------------------------------------------------------------------------- warm-up


def warm_up():
    """Compile the RNN loops for float64 and float32 and every activation (``course warm``)."""
    done = []
    for dtype in (np.float64, np.float32):
        x = np.ones((2, 3, 2), dtype=dtype)
        h0 = np.zeros((2, 4), dtype=dtype)
        W_in, W, b = np.ones((2, 4), dtype=dtype), np.eye(4, dtype=dtype), np.zeros(4, dtype=dtype)
        for activation, code in _CODES.items():
            h = rnn_forward.unguarded(x, h0, W_in, W, b, activation=activation)
            rnn_backward.unguarded(h, x, h0, W_in, W, b, activation=activation)
            hs, da, carry = np.zeros((3, 2, 4), dtype=dtype), np.zeros((3, 2, 4), dtype=dtype), h0.copy()
            _rnn_forward_parallel(hs, h0, W, code, hs, 2)
            _rnn_backward_parallel(hs, hs, W, code, da, carry, 2)
        done.append(np.dtype(dtype).name)
    return [f"rnn_forward, rnn_backward: {', '.join(done)}"]
