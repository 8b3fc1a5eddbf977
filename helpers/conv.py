"""Convolution and pooling on image batches, forward and backward side by side.

Layout (NCHW): images ``x (N, C, H, W)``, filters ``w (F, C, HH, WW)``, biases ``b (F,)``,
outputs ``(N, F, H_out, W_out)`` with

    H_out = ⌊(H + 2·pad − HH) / stride⌋ + 1        (W_out likewise with W and WW).

When ``stride`` does not divide ``H + 2·pad − HH``, the floor drops the last rows (columns):
the window would stick out of the padded image, as the week-4 notebook explains.
:func:`output_size` is strict by default and raises in that case, so that a shape which
does not fit never goes unnoticed when you ask for it.

"Convolution" here is cross-correlation, as in every deep-learning library:
``out[n, f, i, j] = b[f] + Σ_{c, p, q} w[f, c, p, q] · x_pad[n, c, i·stride + p, j·stride + q]``.

How the kernels are fast. The most common shape, 3×3 filters with stride 1, is computed
directly, without a column matrix: each image is laid out flat on its padded width, so that
every filter tap is a fixed offset and each inner loop runs over the whole image at once,
vectorized, whatever its width. The forward loop adds one filter row's three products for two
filters at a time; dx is the same loop run on dout with the filters turned by 180° (pad ≤ 2);
dw is nine long dot products per (filter, channel) pair, two filters at a time. Every other
shape unfolds each image (im2col), a few output rows at a time, into a column matrix of shape
(C·HH·WW, rows·W_out) that fits in the core's L2 cache, and one matrix product with the
filters (F, C·HH·WW) writes those rows of the output, already in NCHW order. numba splits the
batch into one run of images per thread (``prange``), each thread reusing its buffers and
calling a single-threaded BLAS (see ``helpers._numba``). A numpy im2col for the whole batch
instead writes and reads back a column matrix much larger than the cache, then transposes the
result. Small inputs take the same code serially: waking threads would cost more than the
work. Pooling runs one (n, c) plane per task, with a dedicated loop for the common 2×2,
stride-2 max pooling.
``benchmarks/kernels.py`` measures all of this.

Every public function validates its arguments (``ValueError`` naming the argument and
the shapes), never mutates its inputs, accepts non-contiguous views, and returns the
input's float dtype (float64 or float32).
"""
from __future__ import annotations

import contextlib
import numbers

import numpy as np

from ._numba import njit, parallel_slot, prange, thread_count
from ._validate import as_float_array, same_dtype
from .tripwire import reference_kernel

__all__ = ["pad2d", "output_size", "conv2d", "conv2d_backward", "im2col", "col2im",
           "max_pool2d", "max_pool2d_backward", "avg_pool2d", "avg_pool2d_backward"]


# --------------------------------------------------------------------------- argument checks

def _int_arg(name, arg, value, minimum):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise ValueError(f"{name}: {arg} must be an integer, got {value!r}")
    if value < minimum:
        raise ValueError(f"{name}: {arg} must be ≥ {minimum}, got {value}")
    return int(value)


def _sizes(name, x_shape, hh, ww, stride, pad, what="filter"):
    """H_out, W_out with the floor rule; ValueError when the window exceeds the padded input."""
    hp, wp = x_shape[2] + 2 * pad, x_shape[3] + 2 * pad
    if hh > hp or ww > wp:
        padded = f"padded input {hp}×{wp}" if pad else f"input {hp}×{wp}"
        raise ValueError(f"{name}: {what} {hh}×{ww} is larger than the {padded} "
                         f"(x {tuple(x_shape)}, pad {pad})")
    return (hp - hh) // stride + 1, (wp - ww) // stride + 1


def _conv_args(name, x, w, b, stride, pad):
    x = as_float_array(name, "x", x, ndim=4)
    w = as_float_array(name, "w", w, ndim=4)
    b = as_float_array(name, "b", b, ndim=1)
    same_dtype(name, x=x, w=w, b=b)
    stride = _int_arg(name, "stride", stride, 1)
    pad = _int_arg(name, "pad", pad, 0)
    if x.shape[1] != w.shape[1]:
        raise ValueError(f"{name}: x has {x.shape[1]} channels, w expects {w.shape[1]} "
                         f"(x {x.shape}, w {w.shape})")
    if b.shape[0] != w.shape[0]:
        raise ValueError(f"{name}: b has {b.shape[0]} entries, w has {w.shape[0]} filters "
                         f"(b {b.shape}, w {w.shape})")
    ho, wo = _sizes(name, x.shape, w.shape[2], w.shape[3], stride, pad)
    return np.ascontiguousarray(x), np.ascontiguousarray(w), np.ascontiguousarray(b), stride, pad, ho, wo


def _dout_arg(name, dout, expected_shape, dtype):
    dout = as_float_array(name, "dout", dout, ndim=4)
    if dout.shape != tuple(expected_shape):
        raise ValueError(f"{name}: dout has shape {dout.shape}, the forward output has shape "
                         f"{tuple(expected_shape)}")
    if dout.dtype != dtype:
        raise ValueError(f"{name}: mixed dtypes (dout is {dout.dtype}, x is {dtype}); cast them to one dtype")
    return np.ascontiguousarray(dout)


# --------------------------------------------------------------------------- padding and sizes

@reference_kernel
def pad2d(x, pad):
    """Zero-pad the two spatial axes of ``x (N, C, H, W)`` by ``pad`` on every side.

    Returns a new array of shape (N, C, H + 2·pad, W + 2·pad); ``pad = 0`` returns a copy.
    """
    x = as_float_array("pad2d", "x", x, ndim=4)
    pad = _int_arg("pad2d", "pad", pad, 0)
    out = np.zeros(x.shape[:2] + (x.shape[2] + 2 * pad, x.shape[3] + 2 * pad), dtype=x.dtype)
    out[:, :, pad:pad + x.shape[2], pad:pad + x.shape[3]] = x
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
    n = _int_arg(name, "n", n, 1)
    f = _int_arg(name, "f", f, 1)
    pad = _int_arg(name, "pad", pad, 0)
    stride = _int_arg(name, "stride", stride, 1)
    span = n + 2 * pad - f
    if span < 0:
        raise ValueError(f"{name}: filter f={f} is larger than the padded input n + 2·pad = {n + 2 * pad}")
    if exact and span % stride:
        raise ValueError(f"{name}: stride {stride} does not fit: n + 2·pad − f = {span} is not a multiple "
                         f"of {stride} (n={n}, f={f}, pad={pad}); the output size {span / stride + 1:g} "
                         f"is not an integer (pass exact=False for the floor)")
    return span // stride + 1


# --------------------------------------------------------------------------- numba internals

@njit(cache=True, nogil=True)
def _valid_cols(kw, stride, pad, width, wo):
    """[lo, hi): the output columns j whose input column j·stride + kw − pad lies inside the image."""
    lo = 0
    if pad > kw:
        lo = (pad - kw + stride - 1) // stride
    hi = (width - 1 + pad - kw) // stride + 1
    if hi > wo:
        hi = wo
    if hi < lo:
        hi = lo
    if lo > wo:
        lo = wo
        hi = wo
    return lo, hi


@njit(cache=True, nogil=True)
def _im2col_rows(x, n, hh, ww, stride, pad, wo, i0, i1, col):
    """Unfold output rows i0..i1−1 of image n of x into col (C·HH·WW, (i1−i0)·Wo);
    rows ordered (c, p, q), columns (i − i0, j)."""
    C, H, W = x.shape[1], x.shape[2], x.shape[3]
    for c in range(C):
        for p in range(hh):
            for q in range(ww):
                row = (c * hh + p) * ww + q
                lo, hi = _valid_cols(q, stride, pad, W, wo)
                for i in range(i0, i1):
                    r = i * stride + p - pad
                    base = (i - i0) * wo
                    if r < 0 or r >= H:
                        for j in range(wo):
                            col[row, base + j] = 0.0
                    else:
                        for j in range(lo):
                            col[row, base + j] = 0.0
                        if stride == 1:     # contiguous on both sides: a vectorized copy
                            col[row, base + lo:base + hi] = x[n, c, r, lo + q - pad:hi + q - pad]
                        else:
                            for j in range(lo, hi):
                                col[row, base + j] = x[n, c, r, j * stride + q - pad]
                        for j in range(hi, wo):
                            col[row, base + j] = 0.0


@njit(cache=True, nogil=True)
def _im2col_image(x, n, hh, ww, stride, pad, ho, wo, col):
    """Unfold image n of x into col (C·HH·WW, Ho·Wo); rows ordered (c, p, q), columns (i, j)."""
    _im2col_rows(x, n, hh, ww, stride, pad, wo, 0, ho, col)


@njit(cache=True, nogil=True)
def _col2im_image(col, dx, n, hh, ww, stride, pad, ho, wo):
    """Adjoint of _im2col_image: dx[n] = Σ over windows of col (dx[n] is overwritten)."""
    C, H, W = dx.shape[1], dx.shape[2], dx.shape[3]
    dx[n] = 0.0
    for c in range(C):
        for p in range(hh):
            for q in range(ww):
                row = (c * hh + p) * ww + q
                lo, hi = _valid_cols(q, stride, pad, W, wo)
                for i in range(ho):
                    r = i * stride + p - pad
                    if r >= 0 and r < H:
                        base = i * wo
                        if stride == 1:
                            dx[n, c, r, lo + q - pad:hi + q - pad] += col[row, base + lo:base + hi]
                        else:
                            for j in range(lo, hi):
                                dx[n, c, r, j * stride + q - pad] += col[row, base + j]


@njit(cache=True, nogil=True)
def _conv2d_forward_chunk(x, w2, b, lo, hi, hh, ww, stride, pad, ho, wo, out, tile_rows):
    """Images lo..hi−1: out[n] (F, Ho·Wo) = w2 (F, K) @ im2col(x[n]) (K, Ho·Wo) + b,
    tile_rows output rows at a time so that the column tile stays in the core's L2 cache
    (measured: 8 rows of a 32-wide output, 288 KB, are ~15% faster than a whole image)."""
    F, K = w2.shape
    col_buf = np.empty(K * tile_rows * wo, dtype=x.dtype)
    prod_buf = np.empty(F * tile_rows * wo, dtype=x.dtype)
    for n in range(lo, hi):
        for i0 in range(0, ho, tile_rows):
            i1 = min(i0 + tile_rows, ho)
            m = (i1 - i0) * wo
            col = col_buf[:K * m].reshape((K, m))    # contiguous views, also for the last tile
            prod = prod_buf[:F * m].reshape((F, m))
            _im2col_rows(x, n, hh, ww, stride, pad, wo, i0, i1, col)
            np.dot(w2, col, prod)
            start = i0 * wo
            for f in range(F):
                bias = b[f]
                for k in range(m):
                    out[n, f, start + k] = prod[f, k] + bias


@njit(cache=True, nogil=True)
def _conv2d_backward_chunk(d2, x, wt, lo, hi, hh, ww, stride, pad, ho, wo, dx, dw_parts, db_parts,
                           dw_transposed):
    """Images lo..hi−1: dw_parts[n] = dout[n] @ col[n]ᵀ (F·K values; stored as its transpose,
    K×F, if dw_transposed), db_parts[n], and dx[n] = col2im(wᵀ @ dout[n])."""
    K, F = wt.shape
    col = np.empty((K, ho * wo), dtype=x.dtype)
    dcol = np.empty((K, ho * wo), dtype=x.dtype)
    for n in range(lo, hi):
        _im2col_image(x, n, hh, ww, stride, pad, ho, wo, col)
        if dw_transposed:
            np.dot(col, d2[n].T, dw_parts[n].reshape((K, F)))
        else:
            np.dot(d2[n], col.T, dw_parts[n].reshape((F, K)))
        np.dot(wt, d2[n], dcol)
        _col2im_image(dcol, dx, n, hh, ww, stride, pad, ho, wo)
        for f in range(d2.shape[1]):
            db_parts[n, f] = d2[n, f].sum()


# The direct 3×3, stride-1 kernels work on images laid out flat on the padded width Wp:
# x_pad[c, r, s] sits at r·Wp + s of row c of a (C, Hp·Wp + 2) buffer (zero border, 2 spare
# zeros at the end), and an output (or dout) element (i, j) at k = i·Wp + j of a (F, H_out·Wp)
# buffer, whose columns j ≥ W_out are scratch. Then x_pad[c, i + p, j + q] sits at k + p·Wp + q
# for every output k: each inner loop runs over all H_out·Wp positions at once (one long,
# vectorized loop instead of H_out loops as short as the image is narrow), for 2/Wp extra work.

@njit(cache=True, nogil=True)
def _to_flat(src, n, pad, wp, flat):
    """Copy image n of src (N, C, H, W) into flat (C, ·): src[n, c, i, j] → flat[c, (i + pad)·Wp + pad + j].
    Positions not written (border, scratch columns) keep their value."""
    H, W = src.shape[2], src.shape[3]
    for c in range(src.shape[1]):
        for i in range(H):
            start = (i + pad) * wp + pad
            for j in range(W):
                flat[c, start + j] = src[n, c, i, j]


@njit(cache=True, nogil=True)
def _from_flat(flat, wp, out, n):
    """out[n, f, i, j] = flat[f, i·Wp + j]: drop the scratch columns."""
    Ho, Wo = out.shape[2], out.shape[3]
    for f in range(out.shape[1]):
        for i in range(Ho):
            for j in range(Wo):
                out[n, f, i, j] = flat[f, i * wp + j]


@njit(cache=True, nogil=True, fastmath={"contract"})
def _conv3x3_two_filters_row(xrow, a0, a1, a2, b0, b1, b2, oa, ob, m):
    """oa[k] += a0·xrow[k] + a1·xrow[k + 1] + a2·xrow[k + 2], and ob[k] likewise with b0, b1, b2,
    for k < m: one row p of two 3×3 filters on one channel of a flat padded image (xrow starts
    at row p). The loop over k is vectorized; the six weights stay in registers, and each input
    loaded serves both filters. (Nine taps of four filters in one loop need 36 weights, more
    than the 16 vector registers: every multiply then reloads its weight, ~10% slower.)"""
    for k in range(m):
        x0, x1, x2 = xrow[k], xrow[k + 1], xrow[k + 2]
        oa[k] += a0 * x0 + a1 * x1 + a2 * x2
        ob[k] += b0 * x0 + b1 * x1 + b2 * x2


@njit(cache=True, nogil=True)
def _conv3x3_chunk(x, w, b, lo, hi, pad, out):
    """Images lo..hi−1 of a 3×3, stride-1 convolution, computed directly (no column matrix):
    out (N, F, Ho, Wo) = b + Σ_c x_pad[n, c] ⋆ w[:, c]."""
    C, H, W = x.shape[1], x.shape[2], x.shape[3]
    F = w.shape[0]
    hp, wp = H + 2 * pad, W + 2 * pad
    m = (hp - 2) * wp
    x_flat = np.zeros((C, hp * wp + 2), dtype=x.dtype)
    acc = np.empty((F + F % 2, m), dtype=x.dtype)    # an odd F gets a scratch row acc[F]
    for n in range(lo, hi):
        _to_flat(x, n, pad, wp, x_flat)
        for f in range(F):
            acc[f] = b[f]
        for f in range(0, F, 2):
            g = f + 1 if f + 1 < F else f               # the last of an odd F pairs with itself
            for c in range(C):
                for p in range(3):
                    _conv3x3_two_filters_row(x_flat[c, p * wp:], w[f, c, p, 0], w[f, c, p, 1], w[f, c, p, 2],
                                             w[g, c, p, 0], w[g, c, p, 1], w[g, c, p, 2],
                                             acc[f], acc[f + 1], m)
        _from_flat(acc, wp, out, n)


@njit(cache=True, nogil=True, fastmath={"reassoc", "contract"})
def _conv3x3_dw_row(xrow, d0, d1, m, zero):
    """The six sums Σ_{k<m} d[k] · xrow[k + q] for q = 0, 1, 2 and the two rows d = d0, d1 of
    flat dout: one row p of the 3×3 filter gradients of two filters (see _conv3x3_dw_chunk).
    ``reassoc`` lets LLVM keep each sum in vector lanes; each input loaded serves two filters."""
    s0 = s1 = s2 = t0 = t1 = t2 = zero
    for k in range(m):
        g, h = d0[k], d1[k]
        x0, x1, x2 = xrow[k], xrow[k + 1], xrow[k + 2]
        s0 += g * x0
        s1 += g * x1
        s2 += g * x2
        t0 += h * x0
        t1 += h * x1
        t2 += h * x2
    return s0, s1, s2, t0, t1, t2


@njit(cache=True, nogil=True, fastmath={"reassoc"})
def _row_sums(flat, out, n, zero):
    """out[n, f] = Σ_k flat[f, k] (vectorized: ``reassoc`` lets the sum use vector lanes)."""
    for f in range(flat.shape[0]):
        row = flat[f]
        total = zero
        for k in range(row.shape[0]):
            total += row[k]
        out[n, f] = total


@njit(cache=True, nogil=True)
def _conv3x3_dw_chunk(dout, x, lo, hi, pad, dw_parts, db_parts):
    """Images lo..hi−1 of a 3×3, stride-1 convolution: dw_parts[n] (F, C, 3, 3) with
    dw[f, c, p, q] = Σ_{i,j} dout[n, f, i, j] · x_pad[n, c, i + p, j + q], and db_parts[n] (F,).
    On the flat layouts (x padded, dout with zero scratch columns) each of the nine sums is one
    long dot product over k; the zero columns add nothing."""
    C, H, W = x.shape[1], x.shape[2], x.shape[3]
    F = dout.shape[1]
    hp, wp = H + 2 * pad, W + 2 * pad
    m = (hp - 2) * wp
    zero = np.zeros(1, dtype=x.dtype)[0]
    x_flat = np.zeros((C, hp * wp + 2), dtype=x.dtype)
    d_flat = np.zeros((F, m), dtype=x.dtype)
    for n in range(lo, hi):
        _to_flat(x, n, pad, wp, x_flat)
        _to_flat(dout, n, 0, wp, d_flat)
        _row_sums(d_flat, db_parts, n, zero)
        for f in range(0, F, 2):
            g = f + 1 if f + 1 < F else f               # the last of an odd F pairs with itself
            for c in range(C):
                for p in range(3):
                    s0, s1, s2, t0, t1, t2 = _conv3x3_dw_row(x_flat[c, p * wp:], d_flat[f], d_flat[g], m, zero)
                    dw_parts[n, f, c, p, 0] = s0
                    dw_parts[n, f, c, p, 1] = s1
                    dw_parts[n, f, c, p, 2] = s2
                    dw_parts[n, g, c, p, 0] = t0
                    dw_parts[n, g, c, p, 1] = t1
                    dw_parts[n, g, c, p, 2] = t2


# The parallel drivers split the batch into ``chunks`` contiguous runs of images, one per
# thread (the caller passes the thread count: numba.get_num_threads() must not be called
# inside a cached kernel). Small inputs call the chunk functions directly, serially: waking
# numba's threads costs more than such work (milliseconds on a busy machine).

@njit(parallel=True, cache=True)
def _conv2d_forward_parallel(x, w2, b, hh, ww, stride, pad, ho, wo, out, chunks, tile_rows):
    N = x.shape[0]
    for ch in prange(chunks):
        _conv2d_forward_chunk(x, w2, b, ch * N // chunks, (ch + 1) * N // chunks, hh, ww, stride, pad,
                              ho, wo, out, tile_rows)
    return out


@njit(parallel=True, cache=True)
def _conv3x3_parallel(x, w, b, pad, out, chunks):
    N = x.shape[0]
    for ch in prange(chunks):
        _conv3x3_chunk(x, w, b, ch * N // chunks, (ch + 1) * N // chunks, pad, out)
    return out


@njit(parallel=True, cache=True)
def _conv3x3_dw_parallel(dout, x, pad, dw_parts, db_parts, chunks):
    N = x.shape[0]
    for ch in prange(chunks):
        _conv3x3_dw_chunk(dout, x, ch * N // chunks, (ch + 1) * N // chunks, pad, dw_parts, db_parts)
    return dw_parts


@njit(parallel=True, cache=True)
def _conv2d_backward_parallel(d2, x, wt, hh, ww, stride, pad, ho, wo, dx, dw_parts, db_parts,
                              dw_transposed, chunks):
    N = x.shape[0]
    for ch in prange(chunks):
        _conv2d_backward_chunk(d2, x, wt, ch * N // chunks, (ch + 1) * N // chunks, hh, ww, stride, pad,
                               ho, wo, dx, dw_parts, db_parts, dw_transposed)
    return dx


@njit(cache=True)
def _im2col_impl(x, hh, ww, stride, pad, ho, wo):
    N, C = x.shape[0], x.shape[1]
    cols = np.empty((N, C * hh * ww, ho * wo), dtype=x.dtype)
    for n in range(N):
        _im2col_image(x, n, hh, ww, stride, pad, ho, wo, cols[n])
    return cols


@njit(cache=True)
def _col2im_impl(cols, dx, hh, ww, stride, pad, ho, wo):
    for n in range(dx.shape[0]):
        _col2im_image(cols[n], dx, n, hh, ww, stride, pad, ho, wo)
    return dx


# Below this many multiply-adds the serial path wins.
_PARALLEL_MACS = 1 << 21


def _chunks(n_images, macs_per_image):
    """How many threads to split the batch over: 1 (serial) for small work."""
    if n_images < 2 or n_images * macs_per_image < _PARALLEL_MACS:
        return 1
    return min(n_images, thread_count())


# Bytes of one column tile in the forward pass: half of this machine's 512 KB L2 per core,
# leaving room for the padded-input rows being read and the product tile.
_TILE_BYTES = 256 * 1024


def _tile_rows(k, wo, itemsize):
    return max(1, _TILE_BYTES // (k * wo * itemsize))


def _direct_3x3(w, stride):
    """The shapes the direct kernels cover: 3×3 filters, stride 1."""
    return w.shape[2] == w.shape[3] == 3 and stride == 1


def _conv2d_forward(x, w, b, stride, pad, ho, wo, chunks):
    F, hh, ww = w.shape[0], w.shape[2], w.shape[3]
    if _direct_3x3(w, stride):
        # Faster than im2col + matrix product per core at every image width measured (8 to 64;
        # 32×32 in benchmarks/kernels.py): the product of such thin matrices is BLAS's weak spot.
        out = np.empty((x.shape[0], F, ho, wo), dtype=x.dtype)
        with parallel_slot() if chunks > 1 else contextlib.nullcontext(False) as parallel:
            if parallel:
                _conv3x3_parallel(x, w, b, pad, out, chunks)
            else:
                _conv3x3_chunk(x, w, b, 0, x.shape[0], pad, out)
        return out
    w2 = w.reshape(F, -1)
    tile_rows = min(ho, _tile_rows(w2.shape[1], wo, x.itemsize))
    out = np.empty((x.shape[0], F, ho * wo), dtype=x.dtype)
    with parallel_slot() if chunks > 1 else contextlib.nullcontext(False) as parallel:
        if parallel:
            _conv2d_forward_parallel(x, w2, b, hh, ww, stride, pad, ho, wo, out, chunks, tile_rows)
        else:
            _conv2d_forward_chunk(x, w2, b, 0, x.shape[0], hh, ww, stride, pad, ho, wo, out, tile_rows)
    return out.reshape(x.shape[0], F, ho, wo)


def _conv2d_backward(dout, x, w, stride, pad, chunks):
    N, F = dout.shape[0], dout.shape[1]
    db_parts = np.empty((N, F), dtype=x.dtype)
    dx = np.empty_like(x)
    # pad ≤ 2: dx is then itself a 3×3 stride-1 convolution with padding 2 − pad (see below).
    direct = _direct_3x3(w, stride) and pad <= 2
    with parallel_slot() if chunks > 1 else contextlib.nullcontext(False) as parallel:
        if not direct:
            dw = _conv2d_backward_im2col(dout, x, w, stride, pad, chunks, parallel, dx, db_parts)
            return dx, dw, db_parts.sum(axis=0)
        # dw as nine long dot products per (filter, channel) pair: per core 1.5× (float64) to
        # 2× (float32) faster than im2col + BLAS on the benchmark's case; BLAS packs the column
        # matrix for a product only 32 filters wide, which costs more in float32.
        dw_parts = np.empty((N,) + w.shape, dtype=x.dtype)
        # dx: dout, padded by 2 − pad, correlated with the filters turned by 180° and with their
        # F and C axes swapped.
        flipped = np.ascontiguousarray(w[:, :, ::-1, ::-1].transpose(1, 0, 2, 3))
        zeros = np.zeros(x.shape[1], dtype=x.dtype)
        if parallel:
            _conv3x3_dw_parallel(dout, x, pad, dw_parts, db_parts, chunks)
            _conv3x3_parallel(dout, flipped, zeros, 2 - pad, dx, chunks)
        else:
            _conv3x3_dw_chunk(dout, x, 0, N, pad, dw_parts, db_parts)
            _conv3x3_chunk(dout, flipped, zeros, 0, N, 2 - pad, dx)
    return dx, dw_parts.sum(axis=0), db_parts.sum(axis=0)


def _conv2d_backward_im2col(dout, x, w, stride, pad, chunks, parallel, dx, db_parts):
    """dx, db_parts (filled in) and dw (returned) through im2col + BLAS, for every shape."""
    N, F, ho, wo = dout.shape
    hh, ww = w.shape[2], w.shape[3]
    wt = np.ascontiguousarray(w.reshape(F, -1).T)
    d2 = dout.reshape(N, F, ho * wo)
    dw_parts = np.empty((N, F * wt.shape[0]), dtype=x.dtype)
    # Which way round BLAS computes dw matters: dout[n] @ colᵀ runs no faster in float32 than
    # in float64 here, col @ dout[n]ᵀ runs ~1.4× faster in float32 (and ~5% slower in float64).
    dw_transposed = x.dtype == np.float32
    if parallel:
        _conv2d_backward_parallel(d2, x, wt, hh, ww, stride, pad, ho, wo, dx, dw_parts, db_parts,
                                  dw_transposed, chunks)
    else:
        _conv2d_backward_chunk(d2, x, wt, 0, N, hh, ww, stride, pad, ho, wo, dx, dw_parts, db_parts,
                               dw_transposed)
    dw = dw_parts.sum(axis=0)
    dw = dw.reshape(wt.shape).T if dw_transposed else dw.reshape(F, -1)
    return np.ascontiguousarray(dw).reshape(w.shape)


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
    dout = _dout_arg(name, dout, (x.shape[0], w.shape[0], ho, wo), x.dtype)
    return _conv2d_backward(dout, x, w, stride, pad, _chunks(x.shape[0], w.size * ho * wo))


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
    hh = _int_arg(name, "hh", hh, 1)
    ww = _int_arg(name, "ww", ww, 1)
    stride = _int_arg(name, "stride", stride, 1)
    pad = _int_arg(name, "pad", pad, 0)
    ho, wo = _sizes(name, x.shape, hh, ww, stride, pad, what="window")
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
    N, C, H, W = (_int_arg(name, "x_shape", int(v) if isinstance(v, np.integer) else v, 1) for v in x_shape)
    hh = _int_arg(name, "hh", hh, 1)
    ww = _int_arg(name, "ww", ww, 1)
    stride = _int_arg(name, "stride", stride, 1)
    pad = _int_arg(name, "pad", pad, 0)
    ho, wo = _sizes(name, (N, C, H, W), hh, ww, stride, pad, what="window")
    expected = (C * hh * ww, N * ho * wo)
    if cols.shape != expected:
        raise ValueError(f"{name}: cols has shape {cols.shape}, x_shape {(N, C, H, W)} with a {hh}×{ww} "
                         f"window, stride {stride}, pad {pad} needs {expected}")
    per_image = np.ascontiguousarray(cols.reshape(expected[0], N, ho * wo).transpose(1, 0, 2))
    dx = np.empty((N, C, H, W), dtype=cols.dtype)
    return _col2im_impl(per_image, dx, hh, ww, stride, pad, ho, wo)


# --------------------------------------------------------------------------- pooling

@njit(cache=True, nogil=True)
def _max_plane(x, out, n, c, size, stride, ho, wo):
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
        dx[n, c, 2 * ho:, :] = 0.0
    if x.shape[3] > 2 * wo:
        dx[n, c, :2 * ho, 2 * wo:] = 0.0


@njit(cache=True, nogil=True)
def _pool_plane(is_max, backward, dout, x, out, nc, size, stride):
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
    for nc in prange(x.shape[0] * x.shape[1]):
        _pool_plane(is_max, backward, dout, x, out, nc, size, stride)
    return out


@njit(cache=True)
def _pool_serial(is_max, backward, dout, x, out, size, stride):
    for nc in range(x.shape[0] * x.shape[1]):
        _pool_plane(is_max, backward, dout, x, out, nc, size, stride)
    return out


_PARALLEL_POOL = 1 << 16


def _pool(is_max, backward, dout, x, out, size, stride):
    big = x.size >= _PARALLEL_POOL and x.shape[0] * x.shape[1] > 1
    with parallel_slot() if big else contextlib.nullcontext(False) as parallel:
        run = _pool_parallel if parallel else _pool_serial
        return run(is_max, backward, dout, x, out, size, stride)


def _pool_args(name, x, size, stride):
    x = as_float_array(name, "x", x, ndim=4)
    size = _int_arg(name, "size", size, 1)
    stride = _int_arg(name, "stride", stride, 1)
    ho, wo = _sizes(name, x.shape, size, size, stride, 0, what="window")
    return np.ascontiguousarray(x), size, stride, ho, wo


@reference_kernel
def max_pool2d(x, size=2, stride=2):
    """Max pooling: the largest value of each size×size window of x (N, C, H, W).

    Window (i, j) starts at row i·stride, column j·stride. Returns (N, C, H_out, W_out),
    H_out = ⌊(H − size)/stride⌋ + 1 (no padding; rows that do not fit are dropped).
    """
    x, size, stride, ho, wo = _pool_args("max_pool2d", x, size, stride)
    return _pool(True, False, x, x, np.empty(x.shape[:2] + (ho, wo), dtype=x.dtype), size, stride)


@reference_kernel
def max_pool2d_backward(dout, x, size=2, stride=2):
    """Gradient of max_pool2d: dout (N, C, H_out, W_out) → dx (N, C, H, W).

    Each dout[n, c, i, j] goes to the position of its window's maximum (on a tie, the
    first in row-major order, where the gradient is not defined anyway); where windows
    overlap (stride < size) the contributions add up.
    """
    name = "max_pool2d_backward"
    x, size, stride, ho, wo = _pool_args(name, x, size, stride)
    dout = _dout_arg(name, dout, x.shape[:2] + (ho, wo), x.dtype)
    return _pool(True, True, dout, x, np.empty_like(x), size, stride)


@reference_kernel
def avg_pool2d(x, size=2, stride=2):
    """Average pooling: the mean of each size×size window of x (N, C, H, W).

    Returns (N, C, H_out, W_out), H_out = ⌊(H − size)/stride⌋ + 1.
    """
    x, size, stride, ho, wo = _pool_args("avg_pool2d", x, size, stride)
    return _pool(False, False, x, x, np.empty(x.shape[:2] + (ho, wo), dtype=x.dtype), size, stride)


@reference_kernel
def avg_pool2d_backward(dout, x, size=2, stride=2):
    """Gradient of avg_pool2d: each of a window's size² inputs gets dout[n, c, i, j] / size².

    dout (N, C, H_out, W_out) → dx (N, C, H, W); overlapping windows add up; pixels that no
    window covers get 0.
    """
    name = "avg_pool2d_backward"
    x, size, stride, ho, wo = _pool_args(name, x, size, stride)
    dout = _dout_arg(name, dout, x.shape[:2] + (ho, wo), x.dtype)
    return _pool(False, True, dout, x, np.empty_like(x), size, stride)


# --------------------------------------------------------------------------- warm-up

def warm_up():
    """Compile every kernel of this module, serial and parallel, for float64 and float32.

    ``course warm`` calls this; with a warm cache it only loads the compiled code.
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
        dout_3x3 = np.ones((2, 3, 5, 5), dtype=dtype)                  # stride 1: the direct kernels
        for chunks in (1, 2):
            _conv2d_forward(x, w, b, 1, 1, 5, 5, chunks=chunks)
            _conv2d_backward(dout_3x3, x, w, 1, 1, chunks=chunks)
        cols = im2col.unguarded(x, 3, 3, 1, 1)
        col2im.unguarded(cols, x.shape, 3, 3, 1, 1)
        for forward, backward in ((max_pool2d, max_pool2d_backward), (avg_pool2d, avg_pool2d_backward)):
            pooled = forward.unguarded(x)
            backward.unguarded(pooled, x)
            is_max = forward is max_pool2d
            _pool_parallel(is_max, False, x, x, np.empty_like(pooled), 2, 2)
            _pool_parallel(is_max, True, pooled, x, np.empty_like(x), 2, 2)
    return ["conv2d, conv2d_backward, im2col, col2im, max_pool2d, avg_pool2d and their backward: "
            "float64, float32"]
