"""Batch normalisation and inverted dropout, forward and backward, with explicit state.

Batch norm normalises each feature over the batch: x (N, D) per column, or image batches
x (N, C, H, W) per channel (over N, H and W together, as after a convolution). With m the
number of values averaged per feature:

    μ = mean(x),  σ² = mean((x − μ)²)  (the biased variance, divided by m)
    x̂ = (x − μ) / √(σ² + ε),   out = γ x̂ + β

In "train" mode μ and σ² come from the batch, and the running averages are updated as
exponentially weighted averages: running ← momentum·running + (1 − momentum)·batch.
In "inference" mode the running averages are used instead (one example at a time has no
batch statistics). Nothing is stored between calls: the forward pass returns the new
running averages, and the backward pass takes the same arguments as the forward pass.

The same normalisation over other axes (week 12): ``normalize(x, gamma, beta, axes)`` on images
x (N, C, H, W) takes μ and σ² over ``axes`` and keeps γ, β per channel. Over (0, 2, 3) it is batch
norm in train mode; over (1, 2, 3) layer norm (each example over all of its values); over (2, 3)
instance norm (each channel of each example on its own). ``NORM_AXES`` names the three.

Dropout (inverted): during training each unit is kept with probability 1 − p and the kept
units are divided by 1 − p, so the expected activation is unchanged and nothing needs
rescaling at test time.
"""

from __future__ import annotations

import numbers

import numpy as np

from ._validate import as_float_array, real_arg, same_dtype, upstream_grad
from .tripwire import reference_kernel

__all__ = [
    "NORM_AXES",
    "batchnorm_forward",
    "batchnorm_backward",
    "normalize",
    "axes_as_tuple",
    "dropout_forward",
    "dropout_backward",
]


# --------------------------------------------------------------------------- batch norm


def _bn_axes(x):
    return (0,) if x.ndim == 2 else (0, 2, 3)


def _bn_shape(x):
    """How a per-feature vector broadcasts against x."""
    return (1, -1) if x.ndim == 2 else (1, -1, 1, 1)


def _bn_args(name, x, gamma, beta, mode, running_mean, running_var, eps):
    x = as_float_array(name, "x", x, ndim=(2, 4))
    gamma = as_float_array(name, "gamma", gamma, ndim=1)
    beta = as_float_array(name, "beta", beta, ndim=1)
    same_dtype(name, x=x, gamma=gamma, beta=beta)
    features = x.shape[1]
    what = "features" if x.ndim == 2 else "channels"
    for arg, v in (("gamma", gamma), ("beta", beta)):
        if v.shape[0] != features:
            raise ValueError(f"{name}: {arg} has {v.shape[0]} entries, x has {features} {what} (x {x.shape})")
    if mode not in ("train", "inference"):
        raise ValueError(f"{name}: mode must be 'train' or 'inference', got {mode!r}")
    # Checked only: eps and momentum are used as passed (a numpy scalar keeps its dtype).
    real_arg(name, "eps", eps, 0, low_open=True, what="a number > 0")
    stats = []
    for arg, v in (("running_mean", running_mean), ("running_var", running_var)):
        if v is None:
            if mode == "inference":
                raise ValueError(f"{name}: inference mode needs {arg} (from training)")
            stats.append(None)
            continue
        v = as_float_array(name, arg, v, ndim=1)
        if v.shape[0] != features:
            raise ValueError(f"{name}: {arg} has {v.shape[0]} entries, x has {features} {what} (x {x.shape})")
        stats.append(v.astype(x.dtype, copy=False))
    return x, gamma, beta, stats[0], stats[1]


@reference_kernel
def batchnorm_forward(x, gamma, beta, mode="train", running_mean=None, running_var=None, momentum=0.9, eps=1e-5):
    """Batch normalisation: returns (out, new_running_mean, new_running_var).

    x: (N, D) or (N, C, H, W); gamma, beta, running_mean, running_var: (D,) or (C,).
    mode "train": normalise with the batch mean and (biased) variance; the running
    averages (zeros and ones when None) are updated with ``momentum``.
    mode "inference": normalise with running_mean and running_var (both required),
    which are returned unchanged (as copies). out has the shape and dtype of x.
    """
    name = "batchnorm_forward"
    x, gamma, beta, running_mean, running_var = _bn_args(name, x, gamma, beta, mode, running_mean, running_var, eps)
    real_arg(name, "momentum", momentum, 0, 1, what="a number in [0, 1]")
    axes, shape = _bn_axes(x), _bn_shape(x)
    if mode == "train":
        mean = x.mean(axis=axes)
        var = x.var(axis=axes)
        old_mean = np.zeros_like(mean) if running_mean is None else running_mean
        old_var = np.ones_like(var) if running_var is None else running_var
        new_mean = momentum * old_mean + (1.0 - momentum) * mean
        new_var = momentum * old_var + (1.0 - momentum) * var
    else:
        mean, var = running_mean, running_var
        new_mean, new_var = running_mean.copy(), running_var.copy()
    x_hat = (x - mean.reshape(shape)) / np.sqrt(var.reshape(shape) + eps)
    return gamma.reshape(shape) * x_hat + beta.reshape(shape), new_mean, new_var


@reference_kernel
def batchnorm_backward(dout, x, gamma, beta, mode="train", running_mean=None, running_var=None, eps=1e-5):
    """Gradients of batchnorm_forward: returns (dx, dgamma, dbeta).

    dout: shaped like x; the other arguments are those of the forward call (momentum does
    not matter). With m values per feature, σ = √(σ² + ε) and sums over the batch axes:
        dbeta = Σ dout,   dgamma = Σ dout ⊙ x̂
        train:      dx = γ / (m σ) · (m·dout − Σ dout − x̂ ⊙ Σ(dout ⊙ x̂))
        inference:  dx = γ / σ · dout   (the running statistics are constants)
    """
    name = "batchnorm_backward"
    x, gamma, beta, running_mean, running_var = _bn_args(name, x, gamma, beta, mode, running_mean, running_var, eps)
    dout = upstream_grad(name, "dout", dout, x.shape, x.dtype, expected="x has shape")
    axes, shape = _bn_axes(x), _bn_shape(x)
    if mode == "train":
        mean, var = x.mean(axis=axes), x.var(axis=axes)
    else:
        mean, var = running_mean, running_var
    inv_std = 1.0 / np.sqrt(var + eps)
    x_hat = (x - mean.reshape(shape)) * inv_std.reshape(shape)
    dbeta = dout.sum(axis=axes)
    dgamma = (dout * x_hat).sum(axis=axes)
    scale = (gamma * inv_std).reshape(shape)
    if mode == "inference":
        return scale * dout, dgamma, dbeta
    m = x.size // x.shape[1]
    dx = scale / m * (m * dout - dbeta.reshape(shape) - x_hat * dgamma.reshape(shape))
    return dx, dgamma, dbeta


# --------------------------------------------------------------------------- other axes (week 12)

NORM_AXES = {"batch": (0, 2, 3), "layer": (1, 2, 3), "instance": (2, 3)}


def _axes_arg(name, axes):
    try:
        axes = tuple(axes)
    except TypeError:
        raise ValueError(f"{name}: axes must be a tuple of axes of x (N, C, H, W), got {axes!r}") from None
    if not axes or any(isinstance(a, bool) or not isinstance(a, numbers.Integral) or not 0 <= a <= 3 for a in axes):
        raise ValueError(f"{name}: axes must be a non-empty tuple of integers in 0 … 3, got {axes!r}")
    if len(set(axes)) != len(axes):
        raise ValueError(f"{name}: axes {axes!r} names an axis twice")
    return tuple(int(a) for a in axes)


@reference_kernel
def normalize(x, gamma, beta, axes, eps=1e-5):
    """Normalise images over ``axes``, then scale and shift per channel: returns out (N, C, H, W).

    x: (N, C, H, W); gamma, beta: (C,); axes: a tuple of axes of x, e.g. NORM_AXES["layer"].
    With m the number of values averaged together (the product of x's sizes along axes):
        μ = mean of x over axes,  σ² = mean of (x − μ)² over axes  (biased: divided by m)
        out[n, c, i, j] = γ_c (x[n, c, i, j] − μ) / √(σ² + ε) + β_c
    μ and σ² keep a size-1 axis where they were averaged, so they broadcast back against x.
    Over (0, 2, 3) this is batchnorm_forward in train mode.
    """
    name = "normalize"
    x = as_float_array(name, "x", x, ndim=4)
    gamma = as_float_array(name, "gamma", gamma, ndim=1)
    beta = as_float_array(name, "beta", beta, ndim=1)
    same_dtype(name, x=x, gamma=gamma, beta=beta)
    for arg, v in (("gamma", gamma), ("beta", beta)):
        if v.shape[0] != x.shape[1]:
            raise ValueError(f"{name}: {arg} has {v.shape[0]} entries, x has {x.shape[1]} channels (x {x.shape})")
    axes = _axes_arg(name, axes)
    real_arg(name, "eps", eps, 0, low_open=True, what="a number > 0")
    mu = x.mean(axis=axes, keepdims=True)
    var = x.var(axis=axes, keepdims=True)
    shape = (1, -1, 1, 1)
    return gamma.reshape(shape) * (x - mu) / np.sqrt(var + eps) + beta.reshape(shape)


def axes_as_tuple(fn):
    """``fn(x, gamma, beta, axes, eps)`` called with ``axes`` as a tuple, for the grader: its arguments
    reach a student's kernel as JSON, where a tuple arrives as a list (and numpy takes a tuple of axes only)."""

    def call(x, gamma, beta, axes, eps=1e-5):
        return fn(x, gamma, beta, tuple(int(a) for a in axes), eps)

    return call


# --------------------------------------------------------------------------- dropout


def _drop_probability(name, p):
    return real_arg(name, "p (the probability of dropping a unit)", p, 0, 1, high_open=True)


@reference_kernel
def dropout_forward(x, p, rng=None, train=True):
    """Inverted dropout: returns (out, mask).

    x: any shape; p: the probability of DROPPING each unit, 0 ≤ p < 1 (keep_prob = 1 − p);
    rng: a numpy Generator, an integer seed, or None (fresh entropy).
    train: mask is a boolean array shaped like x (True where the unit is kept) and
    out = x ⊙ mask / (1 − p). Not train: out is a copy of x and mask is all True (the
    gradient is then dout itself, i.e. dropout_backward with p = 0).
    """
    name = "dropout_forward"
    x = as_float_array(name, "x", x)
    p = _drop_probability(name, p)
    if not train:
        return x.copy(), np.ones(x.shape, dtype=bool)
    if not isinstance(rng, np.random.Generator):
        if rng is not None and (isinstance(rng, bool) or not isinstance(rng, numbers.Integral)):
            raise ValueError(f"{name}: rng must be a numpy Generator, an integer seed or None, got {rng!r}")
        rng = np.random.default_rng(rng)
    mask = rng.random(x.shape) >= p
    return x * mask / x.dtype.type(1.0 - p), mask


@reference_kernel
def dropout_backward(dout, mask, p):
    """Gradient of dropout_forward in training: dx = dout ⊙ mask / (1 − p).

    dout: shaped like x; mask: the boolean mask dropout_forward returned; p: the same p.
    """
    name = "dropout_backward"
    dout = as_float_array(name, "dout", dout)
    mask = np.asarray(mask)
    if mask.dtype != bool:
        raise ValueError(f"{name}: mask must be the boolean mask from dropout_forward, got dtype {mask.dtype}")
    if mask.shape != dout.shape:
        raise ValueError(f"{name}: mask has shape {mask.shape}, dout has shape {dout.shape}")
    p = _drop_probability(name, p)
    return dout * mask / dout.dtype.type(1.0 - p)


def warm_up():
    """Nothing to compile (numpy only); present so that ``course warm`` lists the module."""
    return []
