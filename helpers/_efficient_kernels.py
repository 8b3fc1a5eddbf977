"""The numba kernels behind :func:`helpers.efficient.depthwise_conv2d` and its backward.

A depthwise convolution does C small 2-D correlations, one per channel: far too little work per
call for im2col and a matrix product to pay, so each (image, channel) pair runs a direct loop
over its output positions, and the pairs are spread over threads with ``prange``. Every jitted
function lives in this file (numba's cache does not notice edits in another file).
"""

from __future__ import annotations

import numpy as np

from ._numba import njit, prange


@njit(parallel=True, cache=True)
def _depthwise_forward(xp, w, b, stride, ho, wo):
    n, c = xp.shape[0], xp.shape[1]
    hh, ww = w.shape[1], w.shape[2]
    out = np.empty((n, c, ho, wo), dtype=xp.dtype)
    for job in prange(n * c):
        k, ch = job // c, job % c
        for i in range(ho):
            for j in range(wo):
                total = b[ch]
                for p in range(hh):
                    for q in range(ww):
                        total += w[ch, p, q] * xp[k, ch, i * stride + p, j * stride + q]
                out[k, ch, i, j] = total
    return out


@njit(parallel=True, cache=True)
def _depthwise_backward(dout, xp, w, stride):
    n, c = xp.shape[0], xp.shape[1]
    hh, ww = w.shape[1], w.shape[2]
    ho, wo = dout.shape[2], dout.shape[3]
    dxp = np.zeros_like(xp)
    dw_parts = np.zeros((n, c, hh, ww), dtype=xp.dtype)  # one slice per image: no two threads add to one
    for job in prange(n * c):
        k, ch = job // c, job % c
        for i in range(ho):
            for j in range(wo):
                g = dout[k, ch, i, j]
                for p in range(hh):
                    for q in range(ww):
                        dw_parts[k, ch, p, q] += g * xp[k, ch, i * stride + p, j * stride + q]
                        dxp[k, ch, i * stride + p, j * stride + q] += g * w[ch, p, q]
    return dxp, dw_parts.sum(axis=0)
