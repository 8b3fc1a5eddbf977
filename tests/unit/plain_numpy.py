"""The plain-numpy references (helpers/numpy_reference.py) and the comparisons the unit tests share."""

from __future__ import annotations

import numpy as np

from helpers.numpy_reference import *  # noqa: F403

# --------------------------------------------------------------------------- comparison helpers


def numeric_grads(f, arrays, dout, h=1e-5):
    """Central-difference vector–Jacobian products Σ dout · ∂f/∂a for every array in ``arrays``.

    f() reads the arrays from its closure; each array is perturbed in place and restored.
    """
    from helpers.gradcheck import numerical_gradient

    return {name: numerical_gradient(lambda _: f(), a, h=h, df=dout) for name, a in arrays.items()}


def close_float32(got32, want64, tol=1e-4):
    """float32 result within ``tol`` of the float64 one, relative to the result's scale."""
    assert got32.dtype == np.float32, got32.dtype
    scale = max(1.0, float(np.max(np.abs(want64)))) if want64.size else 1.0
    err = float(np.max(np.abs(got32.astype(np.float64) - want64))) if want64.size else 0.0
    assert err <= tol * scale, f"float32 differs from float64 by {err:.2e} (scale {scale:.2e})"


def snapshot(*arrays):
    return [np.array(a, copy=True) for a in arrays]


def assert_unchanged(before, after):
    for i, (a, b) in enumerate(zip(before, after)):
        assert np.array_equal(a, b), f"argument {i} was mutated"


def assert_close(got, want, rtol=1e-12):
    """Same shape and max |got − want| ≤ rtol · max |want|: round-off relative to the result's scale
    (an element-wise relative error is meaningless for entries that cancel to nearly 0)."""
    got, want = np.asarray(got), np.asarray(want)
    assert got.shape == want.shape, f"shape {got.shape} != {want.shape}"
    if want.size == 0:
        return
    scale = max(float(np.max(np.abs(want))), 1e-300)
    err = float(np.max(np.abs(got.astype(np.float64) - want)))
    assert err <= rtol * scale, f"max abs error {err:.3e} > {rtol:g} × scale {scale:.3e}"
