"""numba machinery of :mod:`helpers.rnn`: the compiled step loops of the vanilla RNN.

Private; ``helpers.rnn`` checks the arguments and calls :func:`_rnn_states` and
:func:`_rnn_deltas`. Time-major layout here: xw, hs, da (T, N, H); h0 (N, H); W (H, H).
With code 0, 1, 2 for f = tanh, sigmoid, relu:

    forward   a_t = x_t W_in + b + h_{t−1} W,   h_t = f(a_t)
    backward  da_t = (dh_t + da_{t+1} Wᵀ) ⊙ f'(a_t),   dh0 = da_1 Wᵀ

The input projections of all steps are one matrix product before the loop; only the
recurrence runs here, step by step, compiled. Every njit kernel is kept in this one file
together with every njit helper it calls: numba's on-disk cache does not notice an edit to
a helper in another file.
"""

from __future__ import annotations

import math

import numpy as np

from ._numba import njit, prange


@njit(cache=True, nogil=True)
def _activate(a, code):
    """a (n, H) ← f(a) in place: code 0 tanh, 1 sigmoid 1/(1 + e^{−a}), 2 relu max(a, 0)."""
    n, h = a.shape
    for i in range(n):
        for j in range(h):
            v = a[i, j]
            if code == 0:
                # tanh through expm1: as accurate as math.tanh, about 3× faster here.
                e = math.expm1(-2.0 * abs(v))
                r = -e / (2.0 + e)
                a[i, j] = r if v >= 0 else -r
            elif code == 1:
                if v >= 0:
                    a[i, j] = 1.0 / (1.0 + math.exp(-v))
                else:
                    e = math.exp(v)
                    a[i, j] = e / (1.0 + e)
            elif v < 0:
                a[i, j] = 0.0


@njit(cache=True, nogil=True)
def _rnn_forward_rows(xw, h0, W, code, lo, hi, hs):
    """Sequences lo..hi−1 of the batch: hs[t, lo:hi] = f(xw[t, lo:hi] + hs[t−1, lo:hi] W), the
    state before step 0 being h0[lo:hi]. xw (T, N, H) = x_t W_in + b for every t."""
    prev = h0[lo:hi]
    for t in range(xw.shape[0]):
        out = hs[t, lo:hi]
        np.dot(prev, W, out)
        out += xw[t, lo:hi]
        _activate(out, code)
        prev = out


@njit(cache=True, nogil=True)
def _rnn_backward_rows(dh, hs, Wt, code, lo, hi, da, carry):
    """Sequences lo..hi−1: da[t] = (dh[t] + da[t+1] Wᵀ) ⊙ f'(a_t) from the last step back; carry
    ends as dh0 = da[0] Wᵀ. dh, hs, da (T, N, H); Wt = Wᵀ (H, H); carry (N, H), zeros on entry."""
    H = hs.shape[2]
    for t in range(hs.shape[0] - 1, -1, -1):
        for i in range(lo, hi):
            for j in range(H):
                h = hs[t, i, j]
                g = dh[t, i, j] + carry[i, j]
                if code == 0:
                    g *= 1.0 - h * h
                elif code == 1:
                    g *= h * (1.0 - h)
                elif h <= 0:
                    g = 0.0
                da[t, i, j] = g
        np.dot(da[t, lo:hi], Wt, carry[lo:hi])


# The sequences of a batch are independent until the weight gradients are summed, so the
# parallel drivers give each thread its own rows of the batch for the whole sequence.


@njit(parallel=True, cache=True)
def _rnn_forward_parallel(xw, h0, W, code, hs, chunks):
    """_rnn_forward_rows for all N sequences, ``chunks`` runs of rows, one per thread: hs (T, N, H)."""
    N = xw.shape[1]
    for ch in prange(chunks):
        _rnn_forward_rows(xw, h0, W, code, ch * N // chunks, (ch + 1) * N // chunks, hs)


@njit(parallel=True, cache=True)
def _rnn_backward_parallel(dh, hs, Wt, code, da, carry, chunks):
    """_rnn_backward_rows for all N sequences, ``chunks`` runs of rows, one per thread:
    da (T, N, H) and carry (N, H) = dh0."""
    N = hs.shape[1]
    for ch in prange(chunks):
        _rnn_backward_rows(dh, hs, Wt, code, ch * N // chunks, (ch + 1) * N // chunks, da, carry)


# --------------------------------------------------------------------------- drivers


def _rnn_states(x, h0, W_in, W, b, code, chunks):
    """Hidden states in time-major order (T, N, H); the step loop split over `chunks` threads."""
    n, t, d = x.shape
    xw = (np.ascontiguousarray(x.transpose(1, 0, 2)).reshape(t * n, d) @ W_in + b).reshape(t, n, -1)
    h0, W = np.ascontiguousarray(h0), np.ascontiguousarray(W)
    hs = np.empty_like(xw)
    if chunks > 1:
        _rnn_forward_parallel(xw, h0, W, code, hs, chunks)
    else:
        _rnn_forward_rows(xw, h0, W, code, 0, n, hs)
    return hs


def _rnn_deltas(dh, hs, W, code, chunks):
    """da (T, N, H), the gradients of the pre-activations, and dh0 (N, H)."""
    n, H = hs.shape[1], hs.shape[2]
    da = np.empty_like(hs)
    carry = np.zeros((n, H), dtype=hs.dtype)
    Wt = np.ascontiguousarray(W.T)
    if chunks > 1:
        _rnn_backward_parallel(dh, hs, Wt, code, da, carry, chunks)
    else:
        _rnn_backward_rows(dh, hs, Wt, code, 0, n, da, carry)
    return da, carry
