"""Max and average pooling on image batches, forward and backward side by side.

Layout (NCHW): x (N, C, H, W) → out (N, C, H_out, W_out). Window (i, j) covers the size×size
block starting at row i·stride, column j·stride; there is no padding, and

    H_out = ⌊(H − size) / stride⌋ + 1        (W_out likewise with W),

so rows and columns that no whole window reaches are dropped (their gradient is 0).

``helpers.conv`` re-exports the four public functions (the same objects), so
``helpers.conv.max_pool2d`` and ``from helpers.conv import max_pool2d`` keep working.

How it is fast: one numba task per (n, c) plane, split over numba's threads for large inputs,
with a dedicated loop for the common 2×2, stride-2 max pooling. The kernels live below the
public functions, in this file (numba's cache does not notice an edit to a helper that a
cached kernel calls from another file, so they stay together).

Every public function validates its arguments (``ValueError`` naming the argument and the
shapes), never mutates its inputs, accepts non-contiguous views, and returns the input's
float dtype (float64 or float32).
"""

from __future__ import annotations

import contextlib

import numpy as np

from ._numba import njit, parallel_slot, prange
from ._validate import as_float_array, int_arg, upstream_grad, window_sizes
from .tripwire import reference_kernel

__all__ = ["max_pool2d", "max_pool2d_backward", "avg_pool2d", "avg_pool2d_backward"]


@reference_kernel
def max_pool2d(x, size=2, stride=2):
    """Max pooling: the largest value of each size×size window of x (N, C, H, W).

    Window (i, j) starts at row i·stride, column j·stride. Returns (N, C, H_out, W_out),
    H_out = ⌊(H − size)/stride⌋ + 1 (no padding; rows that do not fit are dropped).
    """
    return _forward(True, "max_pool2d", x, size, stride)


@reference_kernel
def max_pool2d_backward(dout, x, size=2, stride=2):
    """Gradient of max_pool2d: dout (N, C, H_out, W_out) → dx (N, C, H, W).

    Each dout[n, c, i, j] goes to the position of its window's maximum (on a tie, the
    first in row-major order, where the gradient is not defined anyway); where windows
    overlap (stride < size) the contributions add up.
    """
    return _backward(True, "max_pool2d_backward", dout, x, size, stride)


@reference_kernel
def avg_pool2d(x, size=2, stride=2):
    """Average pooling: the mean of each size×size window of x (N, C, H, W).

    Returns (N, C, H_out, W_out), H_out = ⌊(H − size)/stride⌋ + 1.
    """
    return _forward(False, "avg_pool2d", x, size, stride)


@reference_kernel
def avg_pool2d_backward(dout, x, size=2, stride=2):
    """Gradient of avg_pool2d: each of a window's size² inputs gets dout[n, c, i, j] / size².

    dout (N, C, H_out, W_out) → dx (N, C, H, W); overlapping windows add up; pixels that no
    window covers get 0.
    """
    return _backward(False, "avg_pool2d_backward", dout, x, size, stride)


# --------------------------------------------------------------------------- checks and dispatch


def _pool_args(name, x, size, stride):
    """x as a C-contiguous float array (N, C, H, W), size ≥ 1, stride ≥ 1 and (H_out, W_out)."""
    x = as_float_array(name, "x", x, ndim=4)
    size = int_arg(name, "size", size, 1)
    stride = int_arg(name, "stride", stride, 1)
    ho, wo = window_sizes(name, x.shape, size, size, stride, 0, what="window")
    return np.ascontiguousarray(x), size, stride, ho, wo


def _forward(is_max, name, x, size, stride):
    """Checked max (is_max) or average pooling of x (N, C, H, W) → (N, C, H_out, W_out)."""
    x, size, stride, ho, wo = _pool_args(name, x, size, stride)
    return _pool(is_max, False, x, x, np.empty(x.shape[:2] + (ho, wo), dtype=x.dtype), size, stride)


def _backward(is_max, name, dout, x, size, stride):
    """Checked gradient of max (is_max) or average pooling: dout (N, C, H_out, W_out) → dx (N, C, H, W)."""
    x, size, stride, ho, wo = _pool_args(name, x, size, stride)
    dout = np.ascontiguousarray(upstream_grad(name, "dout", dout, x.shape[:2] + (ho, wo), x.dtype))
    return _pool(is_max, True, dout, x, np.empty_like(x), size, stride)


# --------------------------------------------------------------------------- numba kernels


@njit(cache=True, nogil=True)
def _max_plane(x, out, n, c, size, stride, ho, wo):
    """out[n, c, i, j] = max_{p, q < size} x[n, c, i·stride + p, j·stride + q] for i < Ho, j < Wo."""
    for i in range(ho):
        for j in range(wo):
            r0, c0 = i * stride, j * stride
            m = x[n, c, r0, c0]
            for p in range(size):
                for q in range(size):
                    v = x[n, c, r0 + p, c0 + q]
                    if v > m:
                        m = v
            out[n, c, i, j] = m


@njit(cache=True, nogil=True)
def _max_back_plane(dout, x, dx, n, c, size, stride):
    """dx[n, c] (H, W) = Σ_{i,j} dout[n, c, i, j] at the first maximum (row-major) of window (i, j)
    of x[n, c]; 0 elsewhere. Overlapping windows add up."""
    dx[n, c] = 0.0
    for i in range(dout.shape[2]):
        for j in range(dout.shape[3]):
            r0, c0 = i * stride, j * stride
            m = x[n, c, r0, c0]
            bp, bq = 0, 0
            for p in range(size):
                for q in range(size):
                    v = x[n, c, r0 + p, c0 + q]
                    if v > m:
                        m = v
                        bp, bq = p, q
            dx[n, c, r0 + bp, c0 + bq] += dout[n, c, i, j]


@njit(cache=True, nogil=True)
def _avg_plane(x, out, n, c, size, stride, ho, wo):
    """out[n, c, i, j] = (1/size²) Σ_{p, q < size} x[n, c, i·stride + p, j·stride + q], i < Ho, j < Wo."""
    scale = 1.0 / (size * size)
    for i in range(ho):
        for j in range(wo):
            r0, c0 = i * stride, j * stride
            s = 0.0
            for p in range(size):
                for q in range(size):
                    s += x[n, c, r0 + p, c0 + q]
            out[n, c, i, j] = s * scale


@njit(cache=True, nogil=True)
def _avg_back_plane(dout, dx, n, c, size, stride):
    """dx[n, c] (H, W) = Σ over the windows (i, j) covering a pixel of dout[n, c, i, j] / size²;
    0 where no window reaches."""
    dx[n, c] = 0.0
    scale = 1.0 / (size * size)
    for i in range(dout.shape[2]):
        for j in range(dout.shape[3]):
            g = dout[n, c, i, j] * scale
            r0, c0 = i * stride, j * stride
            for p in range(size):
                for q in range(size):
                    dx[n, c, r0 + p, c0 + q] += g


@njit(cache=True, nogil=True)
def _max_plane_2x2(x, out, n, c):
    """_max_plane for size 2, stride 2: out[n, c, i, j] = max of x[n, c, 2i:2i+2, 2j:2j+2]."""
    for i in range(out.shape[2]):
        for j in range(out.shape[3]):
            r, q = 2 * i, 2 * j
            out[n, c, i, j] = max(max(x[n, c, r, q], x[n, c, r, q + 1]), max(x[n, c, r + 1, q], x[n, c, r + 1, q + 1]))


@njit(cache=True, nogil=True)
def _max_back_plane_2x2(dout, x, dx, n, c):
    """The common 2×2, stride-2 case: windows tile the plane, so every position is written
    once (the gradient or 0) and no zeroing pass is needed except for an odd last row/column."""
    ho, wo = dout.shape[2], dout.shape[3]
    for i in range(ho):
        for j in range(wo):
            r, q = 2 * i, 2 * j
            a, b = x[n, c, r, q], x[n, c, r, q + 1]
            d, e = x[n, c, r + 1, q], x[n, c, r + 1, q + 1]
            g = dout[n, c, i, j]
            # first maximum in row-major order, as in the general case
            k = 0
            m = a
            if b > m:
                k, m = 1, b
            if d > m:
                k, m = 2, d
            if e > m:
                k = 3
            dx[n, c, r, q] = g if k == 0 else 0.0
            dx[n, c, r, q + 1] = g if k == 1 else 0.0
            dx[n, c, r + 1, q] = g if k == 2 else 0.0
            dx[n, c, r + 1, q + 1] = g if k == 3 else 0.0
    if x.shape[2] > 2 * ho:
        dx[n, c, 2 * ho :, :] = 0.0
    if x.shape[3] > 2 * wo:
        dx[n, c, : 2 * ho, 2 * wo :] = 0.0


@njit(cache=True, nogil=True)
def _pool_plane(is_max, backward, dout, x, out, nc, size, stride):
    """Pool plane (n, c) = divmod(nc, C) of x (N, C, H, W): forward into out (N, C, Ho, Wo), or
    (backward) the gradient of dout (N, C, Ho, Wo) into out = dx (N, C, H, W)."""
    n, c = nc // x.shape[1], nc % x.shape[1]
    if is_max and size == 2 and stride == 2:
        if backward:
            _max_back_plane_2x2(dout, x, out, n, c)
        else:
            _max_plane_2x2(x, out, n, c)
        return
    if backward:
        if is_max:
            _max_back_plane(dout, x, out, n, c, size, stride)
        else:
            _avg_back_plane(dout, out, n, c, size, stride)
    elif is_max:
        _max_plane(x, out, n, c, size, stride, out.shape[2], out.shape[3])
    else:
        _avg_plane(x, out, n, c, size, stride, out.shape[2], out.shape[3])


# out: the pooled output (forward) or dx (backward), allocated by the caller; dout is
# ignored by the forward passes.


@njit(parallel=True, cache=True)
def _pool_parallel(is_max, backward, dout, x, out, size, stride):
    """_pool_plane for all N·C planes, split over numba's threads; returns out."""
    for nc in prange(x.shape[0] * x.shape[1]):
        _pool_plane(is_max, backward, dout, x, out, nc, size, stride)
    return out


@njit(cache=True)
def _pool_serial(is_max, backward, dout, x, out, size, stride):
    """_pool_plane for all N·C planes, one after the other; returns out."""
    for nc in range(x.shape[0] * x.shape[1]):
        _pool_plane(is_max, backward, dout, x, out, nc, size, stride)
    return out


# Below this many input values (x.size) the serial loop wins.
_PARALLEL_POOL = 1 << 16


def _pool(is_max, backward, dout, x, out, size, stride):
    """Run the pooling kernel: in parallel for large inputs (when no other Python thread is
    running a parallel kernel), serially otherwise. Returns out."""
    big = x.size >= _PARALLEL_POOL and x.shape[0] * x.shape[1] > 1
    with parallel_slot() if big else contextlib.nullcontext(False) as parallel:
        run = _pool_parallel if parallel else _pool_serial
        return run(is_max, backward, dout, x, out, size, stride)


# --------------------------------------------------------------------------- warm-up


def warm_up():
    """Compile every pooling kernel, serial and parallel, for float64 and float32.

    ``course warm`` calls this; with a warm cache it only loads the compiled code.
    """
    for dtype in (np.float64, np.float32):
        x = np.ones((2, 2, 5, 5), dtype=dtype)
        for forward, backward in ((max_pool2d, max_pool2d_backward), (avg_pool2d, avg_pool2d_backward)):
            pooled = forward.unguarded(x)
            backward.unguarded(pooled, x)
            is_max = forward is max_pool2d
            _pool_parallel(is_max, False, x, x, np.empty_like(pooled), 2, 2)
            _pool_parallel(is_max, True, pooled, x, np.empty_like(x), 2, 2)
    return ["max_pool2d, avg_pool2d and their backward: float64, float32"]
