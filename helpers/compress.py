"""A small network on scikit-learn's digits, trained by helpers, to be shrunk in week 12: pruned, quantized,
and distilled into a smaller one.

The network is a two-layer perceptron, ``logits = relu(X W1 + b1) W2 + b2`` with X (N, 64), W1 (64, H),
W2 (H, 10), held as a dict of arrays (``W1 b1 W2 b2``). :func:`train` fits it by Adam on mini-batches, on the
hard labels, or on a teacher's softened probabilities as well (knowledge distillation); the shrinking
functions take the student's own functions as optional arguments and fall back on ``helpers.efficient``.
Taught in week 12 (w12_efficient_networks).
"""

from __future__ import annotations

import functools

import numpy as np

from . import data, efficient
from ._numba import single_threaded_blas

__all__ = [
    "digits",
    "train",
    "logits",
    "accuracy",
    "prune",
    "quantize_weights",
    "model_bytes",
    "teacher",
    "distillation_margins",
]

WEIGHTS = ("W1", "W2")


@functools.lru_cache(maxsize=1)
def digits():
    """(X_train, y_train, X_test, y_test): 1347 training and 450 test digits (``helpers.data``), read-only."""
    arrays = data.load_digits_split()
    for a in arrays:
        a.setflags(write=False)
    return arrays


def logits(params, X):
    """relu(X W1 + b1) W2 + b2: (N, 10)."""
    return np.maximum(X @ params["W1"] + params["b1"], 0.0) @ params["W2"] + params["b2"]


def accuracy(params, X, y):
    """The share of rows of X whose largest logit is the label y."""
    with single_threaded_blas():
        return float(np.mean(np.argmax(logits(params, X), axis=1) == y))


def _hard_loss(z, y):
    z = z - z.max(axis=1, keepdims=True)
    p = np.exp(z)
    p /= p.sum(axis=1, keepdims=True)
    p[np.arange(len(y)), y] -= 1.0
    return p / len(y)


def train(
    X, y, hidden, seed=0, epochs=60, lr=0.01, batch=64, teacher_logits=None, T=4.0, alpha=0.5, distillation_loss=None
):
    """Fit the two-layer network by Adam; returns its params dict.

    Without ``teacher_logits`` (N, 10) the loss is the cross-entropy with the labels y. With them it is
    alpha · cross-entropy + (1 − alpha) · distillation_loss(student, teacher, T), the latter from
    ``distillation_loss`` (the student's function; default ``helpers.efficient.distillation_loss``), so that
    its T² keeps both terms on the same scale. He-initialised from ``seed``, which also shuffles the batches.
    """
    with single_threaded_blas():  # small products: a second BLAS thread only waits (10× slower when busy)
        return _train(X, y, hidden, seed, epochs, lr, batch, teacher_logits, T, alpha, distillation_loss)


def _train(X, y, hidden, seed, epochs, lr, batch, teacher_logits, T, alpha, distillation_loss):
    rng = np.random.default_rng(seed)
    distill = distillation_loss or efficient.distillation_loss.unguarded
    d = X.shape[1]
    params = {
        "W1": rng.normal(size=(d, hidden)) * np.sqrt(2.0 / d),
        "b1": np.zeros(hidden),
        "W2": rng.normal(size=(hidden, 10)) * np.sqrt(2.0 / hidden),
        "b2": np.zeros(10),
    }
    m = {k: np.zeros_like(v) for k, v in params.items()}
    v = {k: np.zeros_like(v) for k, v in params.items()}
    step = 0
    for _ in range(epochs):
        order = rng.permutation(len(X))
        for start in range(0, len(X), batch):
            rows = order[start : start + batch]
            xb = X[rows]
            a = xb @ params["W1"] + params["b1"]
            h = np.maximum(a, 0.0)
            z = h @ params["W2"] + params["b2"]
            dz = _hard_loss(z, y[rows])
            if teacher_logits is not None:
                _, dsoft = distill(z, teacher_logits[rows], T)
                dz = alpha * dz + (1.0 - alpha) * np.asarray(dsoft)
            da = (dz @ params["W2"].T) * (a > 0)
            grads = {"W1": xb.T @ da, "b1": da.sum(axis=0), "W2": h.T @ dz, "b2": dz.sum(axis=0)}
            step += 1
            for k in params:
                m[k] = 0.9 * m[k] + 0.1 * grads[k]
                v[k] = 0.999 * v[k] + 0.001 * grads[k] ** 2
                params[k] = params[k] - lr * (m[k] / (1 - 0.9**step)) / (np.sqrt(v[k] / (1 - 0.999**step)) + 1e-8)
    return params


def prune(params, sparsity, scope="global", magnitude_prune=None, magnitude_prune_global=None):
    """A copy of params with the weight matrices pruned (biases kept): scope "layer" prunes each matrix to the
    sparsity, "global" ranks both together. The pruning functions default to ``helpers.efficient``'s."""
    per_layer = magnitude_prune or efficient.magnitude_prune.unguarded
    both = magnitude_prune_global or efficient.magnitude_prune_global.unguarded
    out = dict(params)
    if scope == "layer":
        for k in WEIGHTS:
            out[k] = np.asarray(per_layer(params[k], sparsity))
    elif scope == "global":
        out["W1"], out["W2"] = (np.asarray(a) for a in both(params["W1"], params["W2"], sparsity))
    else:
        raise ValueError(f"prune: scope must be 'layer' or 'global', got {scope!r}")
    return out


def quantize_weights(params, bits, quantize=None, dequantize=None):
    """A copy of params whose weight matrices went through quantize then dequantize (each matrix its own scale
    and zero point; biases kept in float). Defaults: ``helpers.efficient``'s functions."""
    to_codes = quantize or efficient.quantize.unguarded
    back = dequantize or efficient.dequantize.unguarded
    out = dict(params)
    for k in WEIGHTS:
        q, scale, zero_point = to_codes(params[k], bits)
        out[k] = np.asarray(back(q, scale, zero_point))
    return out


def model_bytes(params, bits=32, sparse=False):
    """Bytes to store the network: every weight at ``bits`` bits (float32 when 32), the biases as float32, and
    for quantized weights a float32 scale and a one-byte zero point per matrix. ``sparse=True`` stores only the
    nonzero weights, plus one bit per weight saying which are kept (a mask)."""
    total = sum(params[k].size for k in ("b1", "b2")) * 4
    for k in WEIGHTS:
        w = params[k]
        stored = np.count_nonzero(w) if sparse else w.size
        total += int(np.ceil(stored * bits / 8)) + (int(np.ceil(w.size / 8)) if sparse else 0)
        total += 5 if bits < 32 else 0
    return int(total)


@functools.lru_cache(maxsize=4)
def teacher(seed=0, hidden=128):
    """The trained network the week shrinks: hidden units 128, 60 epochs on the 1347 training digits."""
    X, y, _, _ = digits()
    return train(X, y, hidden, seed=seed)


def distillation_margins(seeds, hidden=8, n_transfer=300, T=4.0, alpha=0.3, epochs=60, distillation_loss=None):
    """Test accuracy of a small student (``hidden`` units) trained on the first ``n_transfer`` training digits,
    with hard labels only and with the teacher's soft targets too, for each seed: returns (hard, soft), arrays
    of len(seeds). The teacher is :func:`teacher` (seed 0)."""
    X, y, X_test, y_test = digits()
    big = teacher()
    soft_targets = logits(big, X[:n_transfer])
    hard, soft = [], []
    for seed in seeds:
        plain = train(X[:n_transfer], y[:n_transfer], hidden, seed=seed, epochs=epochs)
        taught = train(
            X[:n_transfer],
            y[:n_transfer],
            hidden,
            seed=seed,
            epochs=epochs,
            teacher_logits=soft_targets,
            T=T,
            alpha=alpha,
            distillation_loss=distillation_loss,
        )
        hard.append(accuracy(plain, X_test, y_test))
        soft.append(accuracy(taught, X_test, y_test))
    return np.array(hard), np.array(soft)
