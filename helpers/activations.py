"""Element-wise activation functions and their derivatives.

Every function takes an array ``z`` of any shape and returns an array of the same
shape and float dtype (integer input is promoted to float64). The derivative
functions take the pre-activation ``z`` (not the activation's output).
"""

from __future__ import annotations

import numpy as np

from ._validate import as_float_array
from .tripwire import reference_kernel

__all__ = ["step", "step_grad", "sigmoid", "sigmoid_grad", "tanh", "tanh_grad", "relu", "relu_grad"]


@reference_kernel
def step(z):
    """Unit step: 1 where z > 0, else 0."""
    z = as_float_array("step", "z", z, allow_empty=True)
    return (z > 0).astype(z.dtype)


@reference_kernel
def step_grad(z):
    """Derivative of the step function: 0 everywhere it is defined (z != 0)."""
    z = as_float_array("step_grad", "z", z, allow_empty=True)
    return np.zeros_like(z)


@reference_kernel
def sigmoid(z):
    """Logistic sigmoid σ(z) = 1 / (1 + e^{-z}), computed without overflow.

    For z < 0 it uses the equivalent form e^{z} / (1 + e^{z}), so that e^{-z}
    never overflows for very negative z.
    """
    z = as_float_array("sigmoid", "z", z, allow_empty=True)
    out = np.empty_like(z)
    pos = z >= 0
    out[pos] = 1.0 / (1.0 + np.exp(-z[pos]))
    ez = np.exp(z[~pos])
    out[~pos] = ez / (1.0 + ez)
    return out


@reference_kernel
def sigmoid_grad(z):
    """dσ/dz = σ(z) (1 − σ(z))."""
    s = sigmoid(z)
    return s * (1.0 - s)


@reference_kernel
def tanh(z):
    """Hyperbolic tangent."""
    z = as_float_array("tanh", "z", z, allow_empty=True)
    return np.tanh(z)


@reference_kernel
def tanh_grad(z):
    """d tanh/dz = 1 − tanh(z)²."""
    t = tanh(z)
    return 1.0 - t * t


@reference_kernel
def relu(z):
    """Rectified linear unit max(0, z)."""
    z = as_float_array("relu", "z", z, allow_empty=True)
    return np.maximum(z, 0)


@reference_kernel
def relu_grad(z):
    """d relu/dz = step(z): 1 where z > 0, else 0 (the convention at z = 0 is 0)."""
    z = as_float_array("relu_grad", "z", z, allow_empty=True)
    return (z > 0).astype(z.dtype)
