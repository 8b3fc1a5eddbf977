"""numba machinery of :mod:`helpers.conv`, part 2: the direct 3×3, stride-1 convolution kernels.

Private; called by the drivers in ``helpers._conv_kernels`` on checked, C-contiguous arrays of
one float dtype. x (N, C, H, W), w (F, C, 3, 3), b (F,), out (N, F, H_out, W_out) with
H_out = H + 2·pad − 2, W_out = W + 2·pad − 2, and
out[n, f, i, j] = b[f] + Σ_{c, p, q} w[f, c, p, q] · x_pad[n, c, i + p, j + q].
These kernels compute it directly, without a column matrix; the same forward kernel gives dx
(dout padded by 2 − pad, correlated with the filters turned by 180°, F and C swapped).
Every njit kernel is kept in this one file together with every njit helper it calls:
numba's on-disk cache does not notice an edit to a helper in another file.
"""

from __future__ import annotations

import numpy as np

from ._numba import njit, prange

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
    acc = np.empty((F + F % 2, m), dtype=x.dtype)  # an odd F gets a scratch row acc[F]
    for n in range(lo, hi):
        _to_flat(x, n, pad, wp, x_flat)
        for f in range(F):
            acc[f] = b[f]
        for f in range(0, F, 2):
            g = f + 1 if f + 1 < F else f  # the last of an odd F pairs with itself
            for c in range(C):
                for p in range(3):
                    _conv3x3_two_filters_row(
                        x_flat[c, p * wp :],
                        w[f, c, p, 0],
                        w[f, c, p, 1],
                        w[f, c, p, 2],
                        w[g, c, p, 0],
                        w[g, c, p, 1],
                        w[g, c, p, 2],
                        acc[f],
                        acc[f + 1],
                        m,
                    )
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
            g = f + 1 if f + 1 < F else f  # the last of an odd F pairs with itself
            for c in range(C):
                for p in range(3):
                    s0, s1, s2, t0, t1, t2 = _conv3x3_dw_row(x_flat[c, p * wp :], d_flat[f], d_flat[g], m, zero)
                    dw_parts[n, f, c, p, 0] = s0
                    dw_parts[n, f, c, p, 1] = s1
                    dw_parts[n, f, c, p, 2] = s2
                    dw_parts[n, g, c, p, 0] = t0
                    dw_parts[n, g, c, p, 1] = t1
                    dw_parts[n, g, c, p, 2] = t2


# Parallel drivers: ``chunks`` contiguous runs of images, one per thread, the thread count
# passed in by the caller (see the drivers in helpers._conv_kernels).


@njit(parallel=True, cache=True)
def _conv3x3_parallel(x, w, b, pad, out, chunks):
    """_conv3x3_chunk over the whole batch, one run of images per thread:
    out (N, F, Ho, Wo) = b + Σ_c x_pad[n, c] ⋆ w[:, c] for x (N, C, H, W), w (F, C, 3, 3), b (F,)."""
    N = x.shape[0]
    for ch in prange(chunks):
        _conv3x3_chunk(x, w, b, ch * N // chunks, (ch + 1) * N // chunks, pad, out)
    return out


@njit(parallel=True, cache=True)
def _conv3x3_dw_parallel(dout, x, pad, dw_parts, db_parts, chunks):
    """_conv3x3_dw_chunk over the whole batch, one run of images per thread: dw_parts (N, F, C, 3, 3)
    and db_parts (N, F) from dout (N, F, Ho, Wo) and x (N, C, H, W)."""
    N = x.shape[0]
    for ch in prange(chunks):
        _conv3x3_dw_chunk(dout, x, ch * N // chunks, (ch + 1) * N // chunks, pad, dw_parts, db_parts)
    return dw_parts
