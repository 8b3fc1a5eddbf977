"""Where training starts: the initial weights and the normalized inputs (week 8).

Weight initialization
---------------------
A weight matrix W (n_in, n_out) is drawn N(0, s²) with the standard deviation s of its
method (n_in: the layer's inputs, its fan-in; n_out: its outputs, its fan-out):

    method   s                       made for
    zeros    0                       nothing: every hidden unit stays the same (symmetry)
    large    10                      nothing: activations explode (ReLU) or saturate (tanh)
    lecun    1 / √n_in               tanh, sigmoid: Var(x W) ≈ Var(x)
    xavier   √(2 / (n_in + n_out))   tanh, sigmoid: keeps the forward AND backward variance
    he       √(2 / n_in)             ReLU: the 2 makes up for the half of the units that are 0

Names: Xavier (or Glorot) initialization is Glorot & Bengio's (2010) √(2/(n_in + n_out)).
The variant 1/√n_in is LeCun's (1998); some texts (and this course's week 5) call it Xavier
too. With n_in = n_out the two agree.

Input normalization
-------------------
Each feature j is centred and scaled with the TRAINING set's statistics:

    μ_j = mean of X_train[:, j],   σ_j = its standard deviation (divided by m, ddof = 0),
    X_norm = (X − μ) / σ           for the training, dev and test sets alike.

A feature that is constant in the training set (σ_j = 0) gets σ_j = 1: it is only centred.
Dev and test data are never normalized with their own statistics: the network learned on
inputs measured with the training set's ruler, and a single test example has no spread at all.

Taught in source/w08_regularization (exercises 7 and 8).
"""

from __future__ import annotations

import numpy as np

from ._validate import as_float_array, int_arg
from .tripwire import reference_kernel

__all__ = ["METHODS", "init_std", "init_weights", "input_statistics", "normalize_inputs"]

METHODS = ("zeros", "large", "lecun", "xavier", "he")
LARGE_STD = 10.0


def _method_arg(name, method):
    if method not in METHODS:
        raise ValueError(f"{name}: method must be one of {', '.join(METHODS)}, got {method!r}")
    return method


@reference_kernel
def init_std(method, n_in, n_out):
    """The standard deviation s of ``method`` for a weight matrix (n_in, n_out); see the
    module docstring: 0, 10, 1/√n_in, √(2/(n_in + n_out)) or √(2/n_in)."""
    name = "init_std"
    method = _method_arg(name, method)
    n_in, n_out = int_arg(name, "n_in", n_in, 1), int_arg(name, "n_out", n_out, 1)
    return {
        "zeros": 0.0,
        "large": LARGE_STD,
        "lecun": 1.0 / np.sqrt(n_in),
        "xavier": np.sqrt(2.0 / (n_in + n_out)),
        "he": np.sqrt(2.0 / n_in),
    }[method]


@reference_kernel
def init_weights(n_in, n_out, method="he", rng=None):
    """A weight matrix (n_in, n_out) of float64 drawn N(0, s²), s = init_std(method, n_in, n_out).

    rng: a numpy Generator, an integer seed, or None (fresh entropy);
    ``np.random.default_rng(rng)`` accepts all three.
    """
    s = init_std.unguarded(method, n_in, n_out)
    if s == 0.0:
        return np.zeros((n_in, n_out))
    return np.random.default_rng(rng).normal(0.0, s, size=(n_in, n_out))


@reference_kernel
def input_statistics(X):
    """(μ, σ) of the training inputs X (m, D): the mean and standard deviation (ddof = 0) of
    each feature, both (D,); σ is 1 where a feature is constant (σ = 0)."""
    X = as_float_array("input_statistics", "X", X, ndim=2)
    sigma = X.std(axis=0)
    return X.mean(axis=0), np.where(sigma > 0, sigma, X.dtype.type(1.0))


@reference_kernel
def normalize_inputs(X, mu, sigma):
    """(X − μ) / σ, feature by feature. X: (N, D); mu, sigma: (D,), from input_statistics of
    the TRAINING set, whichever set X belongs to."""
    name = "normalize_inputs"
    X = as_float_array(name, "X", X, ndim=2)
    mu = as_float_array(name, "mu", mu, ndim=1)
    sigma = as_float_array(name, "sigma", sigma, ndim=1)
    for arg, v in (("mu", mu), ("sigma", sigma)):
        if v.shape[0] != X.shape[1]:
            raise ValueError(f"{name}: {arg} has {v.shape[0]} entries, X has {X.shape[1]} features")
    if np.any(sigma <= 0):
        raise ValueError(f"{name}: sigma must be > 0 everywhere (input_statistics puts 1 for constant features)")
    return (X - mu) / sigma


def warm_up():
    """Nothing to compile (numpy only)."""
    return []
