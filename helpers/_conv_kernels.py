"""numba machinery of :mod:`helpers.conv`: the compiled convolution kernels and their drivers.

Private: the public functions (argument checks, docstrings for students) live in
``helpers.conv``; this module assumes checked, C-contiguous arrays of one float dtype.
Every njit kernel is kept in this one file together with every njit helper it calls:
numba's on-disk cache does not notice an edit to a helper in another file.

Layout (NCHW): x (N, C, H, W), filters w (F, C, HH, WW), b (F,), out (N, F, H_out, W_out),
H_out = ⌊(H + 2·pad − HH) / stride⌋ + 1 (W_out likewise), and
out[n, f, i, j] = b[f] + Σ_{c, p, q} w[f, c, p, q] · x_pad[n, c, i·stride + p, j·stride + q].

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
work. ``benchmarks/kernels.py`` measures all of this.
"""

from __future__ import annotations

import contextlib

import numpy as np

from ._conv3x3_kernels import _conv3x3_chunk, _conv3x3_dw_chunk, _conv3x3_dw_parallel, _conv3x3_parallel
from ._numba import njit, parallel_slot, prange, thread_count

# --------------------------------------------------------------------------- im2col and col2im


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
                        if stride == 1:  # contiguous on both sides: a vectorized copy
                            col[row, base + lo : base + hi] = x[n, c, r, lo + q - pad : hi + q - pad]
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
                            dx[n, c, r, lo + q - pad : hi + q - pad] += col[row, base + lo : base + hi]
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
            col = col_buf[: K * m].reshape((K, m))  # contiguous views, also for the last tile
            prod = prod_buf[: F * m].reshape((F, m))
            _im2col_rows(x, n, hh, ww, stride, pad, wo, i0, i1, col)
            np.dot(w2, col, prod)
            start = i0 * wo
            for f in range(F):
                bias = b[f]
                for k in range(m):
                    out[n, f, start + k] = prod[f, k] + bias


@njit(cache=True, nogil=True)
def _conv2d_backward_chunk(d2, x, wt, lo, hi, hh, ww, stride, pad, ho, wo, dx, dw_parts, db_parts, dw_transposed):
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


# The parallel drivers split the batch into ``chunks`` contiguous runs of images, one per
# thread (the caller passes the thread count: numba.get_num_threads() must not be called
# inside a cached kernel). Small inputs call the chunk functions directly, serially: waking
# numba's threads costs more than such work (milliseconds on a busy machine).


@njit(parallel=True, cache=True)
def _conv2d_forward_parallel(x, w2, b, hh, ww, stride, pad, ho, wo, out, chunks, tile_rows):
    """_conv2d_forward_chunk over the whole batch, one run of images per thread:
    out (N, F, Ho·Wo) = w2 (F, C·HH·WW) @ im2col(x[n]) + b for every n."""
    N = x.shape[0]
    for ch in prange(chunks):
        _conv2d_forward_chunk(
            x, w2, b, ch * N // chunks, (ch + 1) * N // chunks, hh, ww, stride, pad, ho, wo, out, tile_rows
        )
    return out


@njit(parallel=True, cache=True)
def _conv2d_backward_parallel(d2, x, wt, hh, ww, stride, pad, ho, wo, dx, dw_parts, db_parts, dw_transposed, chunks):
    """_conv2d_backward_chunk over the whole batch, one run of images per thread: dx (N, C, H, W),
    dw_parts (N, F·C·HH·WW) and db_parts (N, F) from d2 = dout (N, F, Ho·Wo), wt = wᵀ (C·HH·WW, F)."""
    N = x.shape[0]
    for ch in prange(chunks):
        _conv2d_backward_chunk(
            d2,
            x,
            wt,
            ch * N // chunks,
            (ch + 1) * N // chunks,
            hh,
            ww,
            stride,
            pad,
            ho,
            wo,
            dx,
            dw_parts,
            db_parts,
            dw_transposed,
        )
    return dx


@njit(cache=True)
def _im2col_impl(x, hh, ww, stride, pad, ho, wo):
    """Every image's columns: returns cols (N, C·HH·WW, Ho·Wo), rows (c, p, q), columns (i, j):
    cols[n, (c·HH + p)·WW + q, i·Wo + j] = x_pad[n, c, i·stride + p, j·stride + q]."""
    N, C = x.shape[0], x.shape[1]
    cols = np.empty((N, C * hh * ww, ho * wo), dtype=x.dtype)
    for n in range(N):
        _im2col_image(x, n, hh, ww, stride, pad, ho, wo, cols[n])
    return cols


@njit(cache=True)
def _col2im_impl(cols, dx, hh, ww, stride, pad, ho, wo):
    """The adjoint of _im2col_impl: dx (N, C, H, W), overwritten and returned, gets for every n
    the sum over windows of cols (N, C·HH·WW, Ho·Wo); values that fall on the padding are dropped."""
    for n in range(dx.shape[0]):
        _col2im_image(cols[n], dx, n, hh, ww, stride, pad, ho, wo)
    return dx


# --------------------------------------------------------------------------- drivers

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
    """Output rows per column tile: a (k, rows·Wo) tile of itemsize-byte values in _TILE_BYTES (≥ 1)."""
    return max(1, _TILE_BYTES // (k * wo * itemsize))


def _direct_3x3(w, stride):
    """The shapes the direct kernels cover: 3×3 filters, stride 1."""
    return w.shape[2] == w.shape[3] == 3 and stride == 1


def _conv2d_forward(x, w, b, stride, pad, ho, wo, chunks):
    """conv2d on checked, C-contiguous x (N, C, H, W), w (F, C, HH, WW), b (F,) of one dtype:
    returns out (N, F, Ho, Wo),
    out[n, f, i, j] = b[f] + Σ_{c,p,q} w[f, c, p, q]·x_pad[n, c, i·stride + p, j·stride + q].
    The direct kernels for 3×3 stride 1, im2col + BLAS otherwise; split over ``chunks`` threads
    when chunks > 1 and no other Python thread is running a parallel kernel."""
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
    """conv2d_backward on checked, C-contiguous arrays: dout (N, F, Ho, Wo) → (dx, dw, db) with
    dx (N, C, H, W) = Σ over windows of dout[n, f, i, j]·w[f], dw (F, C, HH, WW) =
    Σ_{n,i,j} dout[n, f, i, j]·(window (i, j) of x_pad[n]), db (F,) = Σ_{n,i,j} dout[n, f, i, j].
    Per-image parts are summed at the end, so serial and parallel runs agree exactly."""
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
        _conv2d_backward_parallel(d2, x, wt, hh, ww, stride, pad, ho, wo, dx, dw_parts, db_parts, dw_transposed, chunks)
    else:
        _conv2d_backward_chunk(d2, x, wt, 0, N, hh, ww, stride, pad, ho, wo, dx, dw_parts, db_parts, dw_transposed)
    dw = dw_parts.sum(axis=0)
    dw = dw.reshape(wt.shape).T if dw_transposed else dw.reshape(F, -1)
    return np.ascontiguousarray(dw).reshape(w.shape)
