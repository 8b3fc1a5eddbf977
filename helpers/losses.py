"""Softmax and the losses used for classification and regression.

Shapes: logits ``z`` (N, K) — N samples, K classes; labels ``y`` either integer
class indices (N,) or a one-hot / probability matrix (N, K). Losses are the mean
over the batch.
"""

from __future__ import annotations

import numpy as np

from ._validate import as_float_array, labels_to_one_hot
from .tripwire import reference_kernel

__all__ = ["softmax", "log_softmax", "cross_entropy", "softmax_cross_entropy", "binary_cross_entropy", "mse"]


@reference_kernel
def softmax(z, axis=-1):
    """Numerically stable softmax along ``axis``.

    softmax(z)_k = exp(z_k − m) / Σ_j exp(z_j − m), with m = max_j z_j.
    Subtracting the maximum leaves the result unchanged and keeps every
    exponent ≤ 0, so logits such as 1000 do not overflow.
    """
    z = as_float_array("softmax", "z", z)
    shifted = z - z.max(axis=axis, keepdims=True)
    e = np.exp(shifted)
    return e / e.sum(axis=axis, keepdims=True)


@reference_kernel
def log_softmax(z, axis=-1):
    """log softmax(z) = (z − m) − log Σ_j exp(z_j − m), finite for any finite z."""
    z = as_float_array("log_softmax", "z", z)
    shifted = z - z.max(axis=axis, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))


@reference_kernel
def cross_entropy(y_hat, y, eps=0.0):
    """Mean cross-entropy of predicted probabilities.

    J = −(1/N) Σ_n Σ_k y[n, k] log ŷ[n, k]

    y_hat: (N, K) probabilities (rows sum to 1); y: labels (N,) or one-hot (N, K).
    ``eps`` (default 0) is added inside the log for callers who prefer a finite
    loss when a probability underflows to 0.
    """
    y_hat = as_float_array("cross_entropy", "y_hat", y_hat, ndim=2)
    n, k = y_hat.shape
    t = labels_to_one_hot("cross_entropy", y, n, k, y_hat.dtype)
    with np.errstate(divide="ignore", invalid="ignore"):
        logs = np.log(y_hat + eps)
    # 0 · log 0 counts as 0: classes with no target mass never contribute.
    terms = np.where(t != 0, t * logs, 0.0)
    return -terms.sum() / n


@reference_kernel
def softmax_cross_entropy(z, y):
    """Softmax followed by cross-entropy, fused so that it is stable for any logits.

    z: (N, K) logits; y: labels (N,) or one-hot (N, K).
    Returns (loss, dz): loss = −(1/N) Σ_n Σ_k y[n,k] log softmax(z)[n,k],
    dz = (softmax(z) − y) / N, of shape (N, K).
    """
    z = as_float_array("softmax_cross_entropy", "z", z, ndim=2)
    n, k = z.shape
    t = labels_to_one_hot("softmax_cross_entropy", y, n, k, z.dtype)
    log_p = log_softmax.unguarded(z)
    loss = -(t * log_p).sum() / n
    dz = (np.exp(log_p) - t) / n
    return z.dtype.type(loss), dz


@reference_kernel
def binary_cross_entropy(z, y):
    """A sigmoid output with binary cross-entropy, fused so that it is stable for any logit.

    z: (N,) logits, one per example; y: (N,) targets in {0, 1} (any value in [0, 1] works).
    With ŷ = σ(z): loss = −(1/N) Σ_n [y_n log ŷ_n + (1 − y_n) log(1 − ŷ_n)]
    = (1/N) Σ_n [max(z_n, 0) − z_n y_n + log(1 + exp(−|z_n|))], and dz = (ŷ − y) / N.
    Returns (loss, dz).
    """
    z = as_float_array("binary_cross_entropy", "z", z, ndim=1)
    y = np.asarray(y)
    if y.shape != z.shape:
        raise ValueError(f"binary_cross_entropy: y has shape {y.shape} but z has shape {z.shape}")
    y = y.astype(z.dtype)
    n = z.shape[0]
    loss = (np.maximum(z, 0) - z * y + np.log1p(np.exp(-np.abs(z)))).sum() / n
    y_hat = np.exp(-np.logaddexp(0, -z))  # σ(z) without overflow for large |z|
    return z.dtype.type(loss), ((y_hat - y) / n).astype(z.dtype)


@reference_kernel
def mse(y_hat, y):
    """Mean squared error (1/N) Σ_n ½‖ŷ_n − y_n‖² and its gradient.

    y_hat, y: arrays of the same shape, first axis the batch.
    Returns (loss, dy_hat) with dy_hat = (ŷ − y) / N.
    """
    y_hat = as_float_array("mse", "y_hat", y_hat)
    y = as_float_array("mse", "y", y)
    if y_hat.shape != y.shape:
        raise ValueError(f"mse: y_hat has shape {y_hat.shape} but y has shape {y.shape}")
    n = y_hat.shape[0]
    diff = y_hat - y
    return y_hat.dtype.type(0.5 * (diff * diff).sum() / n), diff / n
