"""Convolution on image batches, forward and backward side by side, and im2col/col2im.

Layout (NCHW): images ``x (N, C, H, W)``, filters ``w (F, C, HH, WW)``, biases ``b (F,)``,
outputs ``(N, F, H_out, W_out)`` with

    H_out = ⌊(H + 2·pad − HH) / stride⌋ + 1        (W_out likewise with W and WW).

When ``stride`` does not divide ``H + 2·pad − HH``, the floor drops the last rows (columns):
the window would stick out of the padded image, as the week-4 notebook explains.
:func:`output_size` is strict by default and raises in that case, so that a shape which
does not fit never goes unnoticed when you ask for it.

"Convolution" here is cross-correlation, as in every deep-learning library:
``out[n, f, i, j] = b[f] + Σ_{c, p, q} w[f, c, p, q] · x_pad[n, c, i·stride + p, j·stride + q]``.

The pooling kernels (``max_pool2d``, ``avg_pool2d`` and their backward) live in
:mod:`helpers.pool` and are re-exported here: ``helpers.conv.max_pool2d`` is the same function.

The compiled numba kernels behind these functions, and how they are made fast, are in the
private modules ``helpers._conv_kernels`` (im2col + BLAS, the drivers) and
``helpers._conv3x3_kernels`` (the direct 3×3, stride-1 kernels); ``benchmarks/kernels.py``
measures them.

Every public function validates its arguments (``ValueError`` naming the argument and
the shapes), never mutates its inputs, accepts non-contiguous views, and returns the
input's float dtype (float64 or float32).
"""

from __future__ import annotations

import numpy as np

from ._conv_kernels import _chunks, _col2im_impl, _conv2d_backward, _conv2d_forward, _im2col_impl
from ._validate import as_float_array, int_arg, same_dtype, upstream_grad, window_sizes
from .pool import avg_pool2d, avg_pool2d_backward, max_pool2d, max_pool2d_backward
from .tripwire import reference_kernel

__all__ = [
    "pad2d",
    "output_size",
    "conv2d",
    "conv2d_backward",
    "im2col",
    "col2im",
    "max_pool2d",
    "max_pool2d_backward",
    "avg_pool2d",
    "avg_pool2d_backward",
]


# --------------------------------------------------------------------------- padding and sizes


@reference_kernel
def pad2d(x, pad):
    """Zero-pad the two spatial axes of ``x (N, C, H, W)`` by ``pad`` on every side.

    Returns a new array of shape (N, C, H + 2·pad, W + 2·pad); ``pad = 0`` returns a copy.
    """
    x = as_float_array("pad2d", "x", x, ndim=4)
    pad = int_arg("pad2d", "pad", pad, 0)
    out = np.zeros(x.shape[:2] + (x.shape[2] + 2 * pad, x.shape[3] + 2 * pad), dtype=x.dtype)
    out[:, :, pad : pad + x.shape[2], pad : pad + x.shape[3]] = x
    return out


@reference_kernel
def output_size(n, f, pad=0, stride=1, *, exact=True):
    """Output length along one axis: (n + 2·pad − f) / stride + 1.

    n: input length, f: filter (or pooling window) length, pad ≥ 0, stride ≥ 1.
    With ``exact=True`` (the default) a stride that does not divide n + 2·pad − f is an
    error, because the last rows would silently be dropped; ``exact=False`` applies the
    floor ⌊(n + 2·pad − f) / stride⌋ + 1 that conv2d and the pooling kernels use.
    """
    name = "output_size"
    n = int_arg(name, "n", n, 1)
    f = int_arg(name, "f", f, 1)
    pad = int_arg(name, "pad", pad, 0)
    stride = int_arg(name, "stride", stride, 1)
    span = n + 2 * pad - f
    if span < 0:
        raise ValueError(f"{name}: filter f={f} is larger than the padded input n + 2·pad = {n + 2 * pad}")
    if exact and span % stride:
        raise ValueError(
            f"{name}: stride {stride} does not fit: n + 2·pad − f = {span} is not a multiple "
            f"of {stride} (n={n}, f={f}, pad={pad}); the output size {span / stride + 1:g} "
            f"is not an integer (pass exact=False for the floor)"
        )
    return span // stride + 1


# --------------------------------------------------------------------------- convolution


@reference_kernel
def conv2d(x, w, b, stride=1, pad=0):
    """Convolution (cross-correlation) of a batch of images with a bank of filters.

    x: (N, C, H, W) images; w: (F, C, HH, WW) filters; b: (F,) biases;
    stride ≥ 1, pad ≥ 0 (zeros on every side of H and W).
    Returns out (N, F, H_out, W_out), H_out = ⌊(H + 2·pad − HH)/stride⌋ + 1, with
    out[n, f, i, j] = b[f] + Σ_{c,p,q} w[f, c, p, q] · x_pad[n, c, i·stride + p, j·stride + q].
    """
    x, w, b, stride, pad, ho, wo = _conv_args("conv2d", x, w, b, stride, pad)
    return _conv2d_forward(x, w, b, stride, pad, ho, wo, _chunks(x.shape[0], w.size * ho * wo))


@reference_kernel
def conv2d_backward(dout, x, w, b, stride=1, pad=0):
    """Gradients of conv2d: given dout = ∂L/∂out (N, F, H_out, W_out), return (dx, dw, db).

    dx (N, C, H, W) = Σ over windows of dout[n, f, i, j] · w[f] (overlaps add up, the
    padding is cut off); dw (F, C, HH, WW) = Σ_{n,i,j} dout[n, f, i, j] · (window of x_pad);
    db (F,) = Σ_{n,i,j} dout[n, f, i, j]. Same x, w, b, stride, pad as the forward call.
    """
    name = "conv2d_backward"
    x, w, b, stride, pad, ho, wo = _conv_args(name, x, w, b, stride, pad)
    dout = upstream_grad(name, "dout", dout, (x.shape[0], w.shape[0], ho, wo), x.dtype)
    chunks = _chunks(x.shape[0], w.size * ho * wo)
    return _conv2d_backward(np.ascontiguousarray(dout), x, w, stride, pad, chunks)


@reference_kernel
def im2col(x, hh, ww, stride=1, pad=0):
    """Unfold every window of x (N, C, H, W) into a column: returns (C·HH·WW, N·H_out·W_out).

    Row r = (c·HH + p)·WW + q holds x_pad[n, c, i·stride + p, j·stride + q] in column
    (n·H_out + i)·W_out + j. Then conv2d(x, w, b) equals
    ``(w.reshape(F, -1) @ im2col(x, HH, WW, stride, pad) + b[:, None])``
    reshaped to (F, N, H_out, W_out) and transposed to (N, F, H_out, W_out).
    """
    name = "im2col"
    x = as_float_array(name, "x", x, ndim=4)
    hh = int_arg(name, "hh", hh, 1)
    ww = int_arg(name, "ww", ww, 1)
    stride = int_arg(name, "stride", stride, 1)
    pad = int_arg(name, "pad", pad, 0)
    ho, wo = window_sizes(name, x.shape, hh, ww, stride, pad, what="window")
    cols = _im2col_impl(np.ascontiguousarray(x), hh, ww, stride, pad, ho, wo)
    k = cols.shape[1]
    return np.ascontiguousarray(cols.transpose(1, 0, 2)).reshape(k, -1)


@reference_kernel
def col2im(cols, x_shape, hh, ww, stride=1, pad=0):
    """Fold columns back into an image batch: the adjoint (transpose) of :func:`im2col`.

    cols: (C·HH·WW, N·H_out·W_out) in the layout im2col returns; x_shape: (N, C, H, W).
    Values that im2col copied from the same pixel are summed, values that came from the
    padding are dropped, so col2im(dcols, ...) is the gradient of im2col.
    Returns an array of shape x_shape with the dtype of cols.
    """
    name = "col2im"
    cols = as_float_array(name, "cols", cols, ndim=2)
    if len(tuple(x_shape)) != 4:
        raise ValueError(f"{name}: x_shape must be (N, C, H, W), got {tuple(x_shape)}")
    N, C, H, W = (int_arg(name, "x_shape", int(v) if isinstance(v, np.integer) else v, 1) for v in x_shape)
    hh = int_arg(name, "hh", hh, 1)
    ww = int_arg(name, "ww", ww, 1)
    stride = int_arg(name, "stride", stride, 1)
    pad = int_arg(name, "pad", pad, 0)
    ho, wo = window_sizes(name, (N, C, H, W), hh, ww, stride, pad, what="window")
    expected = (C * hh * ww, N * ho * wo)
    if cols.shape != expected:
        raise ValueError(
            f"{name}: cols has shape {cols.shape}, x_shape {(N, C, H, W)} with a {hh}×{ww} "
            f"window, stride {stride}, pad {pad} needs {expected}"
        )
    per_image = np.ascontiguousarray(cols.reshape(expected[0], N, ho * wo).transpose(1, 0, 2))
    dx = np.empty((N, C, H, W), dtype=cols.dtype)
    return _col2im_impl(per_image, dx, hh, ww, stride, pad, ho, wo)


# --------------------------------------------------------------------------- argument checks


def _conv_args(name, x, w, b, stride, pad):
    """Checked, C-contiguous x (N, C, H, W), w (F, C, HH, WW), b (F,) of one dtype, stride ≥ 1,
    pad ≥ 0, and the output size (H_out, W_out)."""
    x = as_float_array(name, "x", x, ndim=4)
    w = as_float_array(name, "w", w, ndim=4)
    b = as_float_array(name, "b", b, ndim=1)
    same_dtype(name, x=x, w=w, b=b)
    stride = int_arg(name, "stride", stride, 1)
    pad = int_arg(name, "pad", pad, 0)
    if x.shape[1] != w.shape[1]:
        raise ValueError(f"{name}: x has {x.shape[1]} channels, w expects {w.shape[1]} (x {x.shape}, w {w.shape})")
    if b.shape[0] != w.shape[0]:
        raise ValueError(f"{name}: b has {b.shape[0]} entries, w has {w.shape[0]} filters (b {b.shape}, w {w.shape})")
    ho, wo = window_sizes(name, x.shape, w.shape[2], w.shape[3], stride, pad)
    return np.ascontiguousarray(x), np.ascontiguousarray(w), np.ascontiguousarray(b), stride, pad, ho, wo


# --------------------------------------------------------------------------- warm-up


def warm_up():
    """Compile every convolution kernel, serial and parallel, for float64 and float32.

    ``course warm`` calls this; with a warm cache it only loads the compiled code. The pooling
    kernels are warmed by ``helpers.pool.warm_up``.
    """
    for dtype in (np.float64, np.float32):
        x = np.ones((2, 2, 5, 5), dtype=dtype)
        w = np.ones((3, 2, 3, 3), dtype=dtype)
        b = np.ones(3, dtype=dtype)
        out = conv2d.unguarded(x, w, b, stride=2, pad=1)
        dout = np.ones_like(out)
        conv2d_backward.unguarded(dout, x, w, b, stride=2, pad=1)
        _conv2d_forward(x, w, b, 2, 1, out.shape[2], out.shape[3], chunks=2)
        _conv2d_backward(dout, x, w, 2, 1, chunks=2)
        dout_3x3 = np.ones((2, 3, 5, 5), dtype=dtype)  # stride 1: the direct kernels
        for chunks in (1, 2):
            _conv2d_forward(x, w, b, 1, 1, 5, 5, chunks=chunks)
            _conv2d_backward(dout_3x3, x, w, 1, 1, chunks=chunks)
        cols = im2col.unguarded(x, 3, 3, 1, 1)
        col2im.unguarded(cols, x.shape, 3, 3, 1, 1)
    return ["conv2d, conv2d_backward, im2col, col2im: float64, float32"]
