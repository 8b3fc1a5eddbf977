"""Numerical gradients by central differences, and the relative error used to compare them."""

from __future__ import annotations

import numpy as np

__all__ = ["numerical_gradient", "rel_error"]


def numerical_gradient(f, x, h=1e-5, df=None):
    """Central-difference gradient of ``f`` at ``x``.

    ∂f/∂x_i ≈ (f(x + h e_i) − f(x − h e_i)) / (2h)

    f: callable of x alone. If ``df`` is None, f must return a scalar and the result
    is ∇f (same shape as x). If ``df`` (the upstream gradient, shaped like f(x)) is
    given, f may return an array and the result is Σ df · ∂f/∂x, i.e. the
    vector–Jacobian product that a backward pass computes.
    x is perturbed in place and restored, so pass a float64 array you own.
    The error of the estimate is O(h²) plus round-off O(ε/h); h ≈ 1e-5 balances them.
    """
    x = np.asarray(x)
    if x.dtype != np.float64:
        raise ValueError(f"numerical_gradient: x must be float64 for an accurate estimate, got {x.dtype}")
    grad = np.zeros_like(x)
    it = np.nditer(x, flags=["multi_index"], op_flags=[["readwrite"]])
    for _ in it:
        i = it.multi_index
        old = x[i]
        x[i] = old + h
        f_plus = np.array(f(x), dtype=np.float64, copy=True)
        x[i] = old - h
        f_minus = np.array(f(x), dtype=np.float64, copy=True)
        x[i] = old
        diff = f_plus - f_minus
        grad[i] = (diff.sum() if df is None else (diff * df).sum()) / (2 * h)
    return grad


def rel_error(a, b):
    """Largest element-wise relative error max |a − b| / max(1e-8, |a| + |b|)."""
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError(f"rel_error: shapes differ, {a.shape} vs {b.shape}")
    if a.size == 0:
        return 0.0
    return float(np.max(np.abs(a - b) / np.maximum(1e-8, np.abs(a) + np.abs(b))))
