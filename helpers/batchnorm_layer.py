"""Batch norm as a layer of helpers.layers' layer lists, and mini-batch training that keeps its
running averages (week 9).

The layer
---------
::

    {"kind": "batchnorm", "gamma": (D,), "beta": (D,), "running_mean": (D,), "running_var": (D,),
     "momentum": 0.9, "eps": 1e-5, "mode": "train"}

computes ``helpers.norm.batchnorm_forward`` on its input (N, D): in mode "train" with the batch's
mean and variance, in mode "inference" with the running averages. Its trainable parameters
are gamma and beta (the keys of its grads); the running averages are state, not parameters.
The kind itself is an entry of :data:`helpers.layers.KINDS` (``model_forward`` and
``model_backward`` run networks that contain it); this module builds and trains such networks.

Forward passes stay pure: the training loop updates the running averages from the input each
batch-norm layer received (``inputs[i]`` of ``model_forward``), with
running ← momentum · running + (1 − momentum) · batch statistic (:func:`update_running_averages`).

A network with batch norm (:func:`init_bn_layers`) is ``affine, batchnorm, relu, ..., affine``.
The affine layer before a batch-norm layer keeps its ``b`` at 0 and never trains it: batch norm
subtracts the batch mean, which removes any constant added before it (its gradient is 0),
and the layer's β takes over the role of a bias.

Training (:func:`train_minibatch`): mini-batch gradient descent with momentum,
v ← ρ v + (1 − ρ) g, p ← p − lr · v (ρ = ``sgd_momentum``; 0 is plain SGD), softmax cross-entropy on the last
layer's logits; each epoch shuffles the training set and the last incomplete batch is skipped.
The dev accuracy is measured in inference mode.

Taught in source/w09_batchnorm_tuning (section 2 and exercise 3).
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np

from ._validate import as_float_array, int_arg, real_arg
from .layers import KINDS, _check_layers, from_arrays, parameter_names, to_arrays
from .tripwire import reference_kernel

__all__ = [
    "BATCHNORM",
    "MODES",
    "batchnorm_layer",
    "init_bn_layers",
    "set_mode",
    "update_running_averages",
    "accuracy",
    "train_minibatch",
    "one_blas_thread",
    "on_arrays",
    "network_arrays",
    "bad_shape_outcome",
    "BAD_SHAPE_OUTCOMES",
]

MODES = ("train", "inference")


# --------------------------------------------------------------------------- the layer kind

BATCHNORM = KINDS["batchnorm"]  # defined in helpers._layers_kinds, beside the other kinds


def batchnorm_layer(width, momentum=0.9, eps=1e-5, mode="train"):
    """A fresh batch-norm layer for ``width`` features: γ = 1, β = 0, running mean 0, variance 1."""
    width = int_arg("batchnorm_layer", "width", width, 1)
    return {
        "kind": "batchnorm",
        "gamma": np.ones(width),
        "beta": np.zeros(width),
        "running_mean": np.zeros(width),
        "running_var": np.ones(width),
        "momentum": float(momentum),
        "eps": float(eps),
        "mode": mode,
    }


# --------------------------------------------------------------------------- networks


def init_bn_layers(sizes, batchnorm=True, init="he", rng=None, momentum=0.9):
    """An L-layer ReLU network for sizes [n_0, ..., n_L]: ``affine, batchnorm, relu`` for every
    hidden layer (``affine, relu`` when batchnorm is False), then a last affine layer.

    The weights are drawn by :func:`helpers.init.init_weights` in layer order from ``rng`` (a
    Generator or a seed), so the same seed gives the same W with and without batch norm.
    Every b starts at 0 (and stays there before a batch-norm layer).
    """
    from .init import init_weights

    name = "init_bn_layers"
    sizes = [int_arg(name, f"sizes[{i}]", s, 1) for i, s in enumerate(sizes)]
    if len(sizes) < 2:
        raise ValueError(f"{name}: sizes needs at least an input and an output size, got {sizes}")
    rng = np.random.default_rng(rng)
    layers = []
    for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers.append({"kind": "affine", "W": init_weights.unguarded(n_in, n_out, init, rng), "b": np.zeros(n_out)})
        if i < len(sizes) - 2:
            if batchnorm:
                layers.append(batchnorm_layer(n_out, momentum))
            layers.append({"kind": "relu"})
    return layers


def set_mode(layers, mode):
    """A copy of the list with every batch-norm layer in ``mode`` ("train" or "inference");
    the other layers are the same dicts."""
    if mode not in MODES:
        raise ValueError(f"set_mode: mode must be 'train' or 'inference', got {mode!r}")
    return [{**layer, "mode": mode} if layer["kind"] == "batchnorm" else layer for layer in layers]


@reference_kernel
def update_running_averages(layers, inputs):
    """A copy of the list whose batch-norm layers have their running averages moved towards the
    statistics of the batch they received: running ← momentum · running + (1 − momentum) · stat,
    stat the mean and the (biased) variance of inputs[i] over the batch. Other layers are shared."""
    result = []
    for layer, x in zip(layers, inputs):
        if layer["kind"] == "batchnorm":
            m = layer.get("momentum", 0.9)
            layer = {
                **layer,
                "running_mean": m * layer["running_mean"] + (1.0 - m) * x.mean(axis=0),
                "running_var": m * layer["running_var"] + (1.0 - m) * x.var(axis=0),
            }
        result.append(layer)
    return result


def accuracy(layers, X, y):
    """Fraction of the rows of X whose largest logit is the label, batch norm in inference mode."""
    with np.errstate(all="ignore"):
        out, _ = _forward_pass(np.asarray(X, dtype=np.float64), set_mode(layers, "inference"))
    return float(np.mean(out.argmax(axis=1) == np.asarray(y)))


def _softmax_grad(out, y):
    z = out - out.max(axis=1, keepdims=True)
    log_p = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
    n = out.shape[0]
    loss = -float(log_p[np.arange(n), y].mean())
    dout = np.exp(log_p)
    dout[np.arange(n), y] -= 1.0
    return loss, dout / n


def _forward_pass(x, layers):
    """model_forward without its checks (train_minibatch checks the list once)."""
    inputs = []
    for layer in layers:
        inputs.append(x)
        x = KINDS[layer["kind"]].forward(x, layer)
    return x, inputs


def _backward_pass(dout, inputs, layers):
    grads = [None] * len(layers)
    for i in reversed(range(len(layers))):
        dout, grads[i] = KINDS[layers[i]["kind"]].backward(dout, inputs[i], layers[i])
    return grads


_BLAS = None


def one_blas_thread():
    """A context manager that limits BLAS to one thread: the products here are small, and a
    second BLAS thread only waits for the first (on a busy machine, ten times slower)."""
    global _BLAS
    if _BLAS is None:
        from threadpoolctl import ThreadpoolController

        _BLAS = ThreadpoolController()
    return _BLAS.limit(limits=1, user_api="blas")


def _trained(layers, i, name):
    """Whether parameter ``name`` of layers[i] is trained: not the b before a batch-norm layer."""
    return not (name == "b" and i + 1 < len(layers) and layers[i + 1]["kind"] == "batchnorm")


@reference_kernel
def train_minibatch(
    layers,
    X,
    y,
    *,
    lr,
    steps,
    sgd_momentum=0.0,
    batch_size=64,
    seed=0,
    X_dev=None,
    y_dev=None,
    eval_every=10,
    snapshot_every=None,
):
    """Mini-batch gradient descent with momentum on a copy of ``layers`` (see the module docstring).

    X (m, D), y (m,) integer labels; lr > 0; steps: the number of updates; sgd_momentum in [0, 1):
    momentum's weight ρ (week 7's β; 0: plain SGD; not the layers' ``momentum``); seed: the
    shuffling generator's seed. Returns a SimpleNamespace
    with ``layers`` (trained, mode "train"), ``losses`` (one per step), ``dev_accuracy`` (after
    every ``eval_every`` steps, in inference mode, when X_dev and y_dev are given) and, with
    ``snapshot_every``, ``snapshots``: copies of the network at steps 0, k, 2k, ...
    """
    name = "train_minibatch"
    X = as_float_array(name, "X", X, ndim=2)
    y = np.asarray(y)
    lr = real_arg(name, "lr", lr, 0.0, low_open=True, finite=True)
    rho = real_arg(name, "sgd_momentum", sgd_momentum, 0.0, 1.0, high_open=True)
    steps = int_arg(name, "steps", steps, 0)
    batch_size = int_arg(name, "batch_size", batch_size, 1)
    eval_every = int_arg(name, "eval_every", eval_every, 1)
    _check_layers(name, layers, X[:1])
    rng = np.random.default_rng(seed)
    layers = set_mode(
        [{k: (v.copy() if isinstance(v, np.ndarray) else v) for k, v in layer.items()} for layer in layers], "train"
    )
    velocity = [
        {p: np.zeros_like(layer[p]) for p in parameter_names(layer) if _trained(layers, i, p)}
        for i, layer in enumerate(layers)
    ]
    m = X.shape[0]
    batch_size = min(batch_size, m)
    result = SimpleNamespace(losses=[], dev_accuracy=[], snapshots=[])
    order, start = rng.permutation(m), 0
    with np.errstate(all="ignore"), one_blas_thread():
        for step in range(steps):
            if snapshot_every and step % snapshot_every == 0:
                result.snapshots.append([dict(layer) for layer in layers])
            if start + batch_size > m:
                order, start = rng.permutation(m), 0
            batch = order[start : start + batch_size]
            start += batch_size
            out, inputs = _forward_pass(X[batch], layers)
            loss, dout = _softmax_grad(out, y[batch])
            grads = _backward_pass(dout, inputs, layers)
            layers = update_running_averages.unguarded(layers, inputs)
            for i, (layer, grad) in enumerate(zip(layers, grads)):
                if not velocity[i]:
                    continue
                layer = layers[i] = dict(layer)
                for p, v in velocity[i].items():
                    v = velocity[i][p] = rho * v + (1.0 - rho) * grad[p]
                    layer[p] = layer[p] - lr * v
            result.losses.append(loss)
            if X_dev is not None and (step + 1) % eval_every == 0:
                result.dev_accuracy.append(accuracy(layers, X_dev, y_dev))
        if snapshot_every and steps % snapshot_every == 0:
            result.snapshots.append([dict(layer) for layer in layers])
    result.layers = layers
    result.losses = np.array(result.losses)
    result.dev_accuracy = np.array(result.dev_accuracy)
    return result


# --------------------------------------------------------------------------- the plain-array form


def network_arrays(layers):
    """The arrays of a layer list in :func:`helpers.layers.to_arrays` order, as a tuple."""
    return to_arrays(layers)[1]


def on_arrays(fn, function="train"):
    """The notebook's ``train(layers, X_train, y_train, X_dev, y_dev, lr, steps, sgd_momentum, seed)`` as a
    function of plain arrays, for the grader:
    ``(X_train, y_train, X_dev, y_dev, *arrays, spec, lr, steps, sgd_momentum, seed) -> (arrays, dev_accuracy)``
    where spec and arrays are :func:`helpers.layers.to_arrays` of the starting network, and the
    trained network goes back as its arrays in the same order (a tuple)."""
    if function != "train":
        raise ValueError(f"on_arrays: function must be 'train', got {function!r}")

    def call(X_train, y_train, X_dev, y_dev, *arrays, spec, lr, steps, sgd_momentum, seed):
        result = fn(
            from_arrays(spec, arrays), X_train, y_train, X_dev, y_dev, lr, steps, sgd_momentum=sgd_momentum, seed=seed
        )
        if not isinstance(result, tuple) or len(result) != 2:
            raise ValueError(f"train must return (layers, dev_accuracy), got {type(result).__name__}")
        trained, dev_accuracy = result
        if not isinstance(trained, (list, tuple)) or len(trained) != len(spec):
            raise ValueError(
                f"train must return the trained layer list ({len(spec)} layers) first, got {type(trained).__name__}"
            )
        out = []
        for i, (layer, entry) in enumerate(zip(trained, spec)):
            if not isinstance(layer, dict):
                raise ValueError(f"train: layers[{i}] of the trained network is a {type(layer).__name__}, not a dict")
            for key in entry.get("arrays", []):
                if key not in layer:
                    raise ValueError(f"train: layers[{i}] of the trained network has no {key!r}")
                out.append(layer[key])
        return tuple(out), dev_accuracy

    call.__name__ = f"{function}_on_arrays"
    return call


# --------------------------------------------------------------------------- bad input, as a number

BAD_SHAPE_OUTCOMES = {
    0: "returned a result",
    1: "raised a ValueError that names the bad argument",
    2: "raised a ValueError whose message does not name gamma or beta",
    3: "raised another kind of exception",
}


def bad_shape_outcome(fn):
    """``fn`` (a batch-norm forward) as a function returning what happened, for the grader:
    ``(x, gamma, beta, bad) -> code`` with the codes of :data:`BAD_SHAPE_OUTCOMES`; 1 means a
    ValueError whose message names ``bad`` ("gamma" or "beta")."""

    def call(x, gamma, beta, bad):
        try:
            fn(x, gamma, beta)
        except ValueError as err:
            return np.array(1.0 if bad in str(err) else 2.0)
        except Exception:  # any other failure is an outcome to report
            return np.array(3.0)
        return np.array(0.0)

    call.__name__ = "batchnorm_forward_on_bad_shapes"
    return call


def warm_up():
    """Nothing to compile (numpy only)."""
    return []
