"""Exponentially weighted averages and the gradient-descent update rules, as pure functions.

Every optimizer has the same shape of call:

    new_param, new_state = rule(param, grad, state, lr=..., ...)

param and grad are arrays of the same shape; state is what the rule remembers between
steps, a small dict of arrays (``None`` on the first step, when it starts from zeros).
Nothing is modified in place: the caller keeps the returned state and passes it back next
step. To train several parameter arrays, keep one state per array:

    states = {name: None for name in params}
    for step in range(n_steps):
        grads = compute_grads(params)
        for name in params:
            params[name], states[name] = adam(params[name], grads[name], states[name], lr=1e-3)

Formulas (g the gradient, t = 1, 2, ... the step number, all operations element-wise):

    sgd       θ ← θ − lr·g
    momentum  v ← β v + (1 − β) g;                      θ ← θ − lr·v
    rmsprop   s ← β s + (1 − β) g²;                     θ ← θ − lr·g / (√s + ε)
    adam      m ← β₁ m + (1 − β₁) g;  v ← β₂ v + (1 − β₂) g²;
              m̂ = m / (1 − β₁ᵗ);  v̂ = v / (1 − β₂ᵗ);    θ ← θ − lr·m̂ / (√v̂ + ε)

    adagrad   G ← G + g²;                               θ ← θ − lr·g / (√G + ε)

Momentum uses the averaging form (1 − β) g; other texts write
v ← β v + g, which is the same rule with lr scaled by 1/(1 − β), or v ← β v − α g,
θ ← θ + v, the same rule again with α = lr·(1 − β) and v the negative of ours times lr.
AdaGrad adds up the *squared* gradients (some notes print the sum without the square).

Learning-rate schedules, for an epoch number e = 0, 1, 2, ... (scalars or arrays of epochs):

    inverse_time_decay   lr₀ / (1 + decay_rate·e)
    exponential_decay    lr₀ · rateᵉ
    staircase_decay      lr₀ · drop^⌊e / epochs_per_drop⌋

Taught in week 7 (source/w07_optimization), which grades students' versions against these;
:func:`recording_updates` lets the grader see the (t, lr) a student's training loop hands its
update rule.
"""

from __future__ import annotations

import numpy as np

from ._optim_record import recording_updates
from ._validate import as_float_array, int_arg, real_arg, same_dtype
from .tripwire import reference_kernel

__all__ = [
    "ewa",
    "sgd",
    "momentum",
    "rmsprop",
    "adam",
    "adagrad",
    "inverse_time_decay",
    "exponential_decay",
    "staircase_decay",
    "recording_updates",
]


@reference_kernel
def ewa(values, beta, bias_correction=True):
    """Exponentially weighted averages of a sequence: returns v_1..v_T, shaped like values.

    values: (T,) or (T, ...), the sequence along axis 0; 0 ≤ beta < 1.
    v_0 = 0, v_t = β v_{t−1} + (1 − β) θ_t; with bias_correction, v_t / (1 − βᵗ) is
    returned instead, which removes the pull towards 0 of the first steps (v_0 = 0).
    An average over roughly the last 1/(1 − β) values.
    """
    name = "ewa"
    values = as_float_array(name, "values", values)
    if values.ndim == 0:
        raise ValueError(f"{name}: values must be a sequence (T,) or (T, ...), got a scalar")
    beta = real_arg(name, "beta", beta, 0.0, 1.0, high_open=True, finite=True)
    out = np.empty_like(values)
    v = np.zeros(values.shape[1:], dtype=np.float64)
    for t in range(values.shape[0]):
        v = beta * v + (1.0 - beta) * values[t]
        out[t] = v / (1.0 - beta ** (t + 1)) if bias_correction else v
    return out


def _param_grad(name, param, grad):
    param = as_float_array(name, "param", param, allow_empty=True)
    grad = as_float_array(name, "grad", grad, allow_empty=True)
    if param.shape != grad.shape:
        raise ValueError(f"{name}: param has shape {param.shape} but grad has shape {grad.shape}")
    same_dtype(name, param=param, grad=grad)
    return param, grad


def _state(name, state, keys, like):
    """Copy of the arrays ``keys`` of state (zeros when state is None), checked against param."""
    if state is None:
        return {k: np.zeros_like(like) for k in keys}
    if not isinstance(state, dict) or any(k not in state for k in keys):
        raise ValueError(
            f"{name}: state must be None or the dict returned by the previous step "
            f"(keys {', '.join(keys)}), got {state!r:.80}"
        )
    out = {}
    for k in keys:
        a = as_float_array(name, f"state['{k}']", state[k], allow_empty=True)
        if a.shape != like.shape:
            raise ValueError(f"{name}: state['{k}'] has shape {a.shape} but param has shape {like.shape}")
        out[k] = a.astype(like.dtype, copy=False)
    return out


@reference_kernel
def sgd(param, grad, state=None, *, lr=0.01):
    """Plain gradient descent θ ← θ − lr·g. Returns (new_param, {}) (sgd keeps no state)."""
    param, grad = _param_grad("sgd", param, grad)
    lr = real_arg("sgd", "lr", lr, 0.0, np.inf, finite=True)
    return param - lr * grad, {}


@reference_kernel
def momentum(param, grad, state=None, *, lr=0.01, beta=0.9):
    """Gradient descent with momentum: v ← β v + (1 − β) g, θ ← θ − lr·v.

    state: None or {"v": array like param}. Returns (new_param, {"v": new_v}).
    """
    name = "momentum"
    param, grad = _param_grad(name, param, grad)
    lr = real_arg(name, "lr", lr, 0.0, np.inf, finite=True)
    beta = real_arg(name, "beta", beta, 0.0, 1.0, high_open=True, finite=True)
    v = beta * _state(name, state, ("v",), param)["v"] + (1.0 - beta) * grad
    return param - lr * v, {"v": v}


@reference_kernel
def rmsprop(param, grad, state=None, *, lr=0.001, beta=0.9, eps=1e-8):
    """RMSprop: s ← β s + (1 − β) g², θ ← θ − lr·g / (√s + ε).

    state: None or {"s": array like param}. Returns (new_param, {"s": new_s}).
    """
    name = "rmsprop"
    param, grad = _param_grad(name, param, grad)
    lr = real_arg(name, "lr", lr, 0.0, np.inf, finite=True)
    beta = real_arg(name, "beta", beta, 0.0, 1.0, high_open=True, finite=True)
    eps = real_arg(name, "eps", eps, 0.0, np.inf, low_open=True, finite=True)
    s = beta * _state(name, state, ("s",), param)["s"] + (1.0 - beta) * grad * grad
    return param - lr * grad / (np.sqrt(s) + eps), {"s": s}


@reference_kernel
def adam(param, grad, state=None, *, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8):
    """Adam: momentum and RMSprop together, each average bias-corrected.

    m ← β₁ m + (1 − β₁) g; v ← β₂ v + (1 − β₂) g²; m̂ = m/(1 − β₁ᵗ); v̂ = v/(1 − β₂ᵗ);
    θ ← θ − lr·m̂/(√v̂ + ε), t the number of this step (1 on the first).
    state: None or {"m": array, "v": array, "t": int}. Returns (new_param, new_state).
    """
    name = "adam"
    param, grad = _param_grad(name, param, grad)
    lr = real_arg(name, "lr", lr, 0.0, np.inf, finite=True)
    beta1 = real_arg(name, "beta1", beta1, 0.0, 1.0, high_open=True, finite=True)
    beta2 = real_arg(name, "beta2", beta2, 0.0, 1.0, high_open=True, finite=True)
    eps = real_arg(name, "eps", eps, 0.0, np.inf, low_open=True, finite=True)
    previous = _state(name, state, ("m", "v"), param)
    t = 0 if state is None else state.get("t")
    t = int_arg(name, "state['t']", t, 0, what="the step count (an integer ≥ 0)") + 1
    m = beta1 * previous["m"] + (1.0 - beta1) * grad
    v = beta2 * previous["v"] + (1.0 - beta2) * grad * grad
    m_hat = m / (1.0 - beta1**t)
    v_hat = v / (1.0 - beta2**t)
    return param - lr * m_hat / (np.sqrt(v_hat) + eps), {"m": m, "v": v, "t": t}


@reference_kernel
def adagrad(param, grad, state=None, *, lr=0.01, eps=1e-8):
    """AdaGrad: G ← G + g², θ ← θ − lr·g / (√G + ε).

    G adds up every squared gradient seen so far, so each coordinate's step shrinks with the
    size of its own history (≈ lr/√t for a gradient of constant size): coordinates that were
    rarely updated keep larger steps. state: None or {"G": array like param}.
    Returns (new_param, {"G": new_G}).
    """
    name = "adagrad"
    param, grad = _param_grad(name, param, grad)
    lr = real_arg(name, "lr", lr, 0.0, np.inf, finite=True)
    eps = real_arg(name, "eps", eps, 0.0, np.inf, low_open=True, finite=True)
    G = _state(name, state, ("G",), param)["G"] + grad * grad
    return param - lr * grad / (np.sqrt(G) + eps), {"G": G}


# --------------------------------------------------------------------------- learning-rate schedules


def _epochs(name, epoch):
    """epoch as a float array (integers promoted to float64), every entry finite and ≥ 0."""
    epoch = as_float_array(name, "epoch", epoch, allow_empty=True)
    with np.errstate(invalid="ignore"):
        bad = ~np.isfinite(epoch) | (epoch < 0)
    if bad.any():
        raise ValueError(f"{name}: epoch must be ≥ 0 and finite, got {float(epoch[bad].flat[0])!r}")
    return epoch


def _schedule_result(lr, epoch):
    """The schedule's values shaped and typed like epoch; a scalar for a scalar epoch."""
    lr = lr.astype(epoch.dtype, copy=False)
    return lr if lr.ndim else lr[()]


@reference_kernel
def inverse_time_decay(lr0, epoch, decay_rate=1.0):
    """lr₀ / (1 + decay_rate·epoch): 1/t decay, lr₀/2 once decay_rate·epoch = 1.

    lr0 > 0; epoch: an epoch number or an array of them (any shape, ≥ 0; fractions allowed);
    decay_rate ≥ 0. Returns the learning rate for each epoch, shaped like epoch.
    """
    name = "inverse_time_decay"
    lr0 = real_arg(name, "lr0", lr0, 0.0, np.inf, low_open=True, finite=True)
    decay_rate = real_arg(name, "decay_rate", decay_rate, 0.0, np.inf, finite=True)
    epoch = _epochs(name, epoch)
    return _schedule_result(lr0 / (1.0 + decay_rate * epoch), epoch)


@reference_kernel
def exponential_decay(lr0, epoch, rate=0.95):
    """lr₀ · rate^epoch: the learning rate shrinks by the same factor every epoch.

    lr0 > 0; epoch: an epoch number or an array of them (≥ 0); 0 < rate ≤ 1.
    Returns the learning rate for each epoch, shaped like epoch.
    """
    name = "exponential_decay"
    lr0 = real_arg(name, "lr0", lr0, 0.0, np.inf, low_open=True, finite=True)
    rate = real_arg(name, "rate", rate, 0.0, 1.0, low_open=True, finite=True)
    epoch = _epochs(name, epoch)
    return _schedule_result(lr0 * rate**epoch, epoch)


@reference_kernel
def staircase_decay(lr0, epoch, drop=0.5, epochs_per_drop=10):
    """lr₀ · drop^⌊epoch / epochs_per_drop⌋: constant for epochs_per_drop epochs, then one step down.

    lr0 > 0; epoch: an epoch number or an array of them (≥ 0); 0 < drop ≤ 1;
    epochs_per_drop an integer ≥ 1. Returns the learning rate for each epoch, shaped like epoch.
    """
    name = "staircase_decay"
    lr0 = real_arg(name, "lr0", lr0, 0.0, np.inf, low_open=True, finite=True)
    drop = real_arg(name, "drop", drop, 0.0, 1.0, low_open=True, finite=True)
    epochs_per_drop = int_arg(name, "epochs_per_drop", epochs_per_drop, 1)
    epoch = _epochs(name, epoch)
    return _schedule_result(lr0 * drop ** np.floor(epoch / epochs_per_drop), epoch)


def warm_up():
    """Nothing to compile (numpy only); present so that ``course warm`` lists the module."""
    return []
