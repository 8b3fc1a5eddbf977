"""Layers written once and composed: a network of any depth as a list of layers (week 8).

The layer list
--------------
A network is a Python list of layers, applied in order. Each layer is a dict: its ``"kind"``
says what it computes, its other entries are its parameters and settings::

    {"kind": "affine", "W": (D, M), "b": (M,)}          out = x W + b
    {"kind": "relu"}, {"kind": "tanh"}, {"kind": "sigmoid"}
                                                        out = f(x), element by element
    {"kind": "dropout", "keep_prob": p, "mask": None or a bool array (N, D)}
                                                        out = x ⊙ mask / p   (inverted dropout)
                                                        out = x              when mask is None
    {"kind": "batchnorm", "gamma": (D,), "beta": (D,), "running_mean": (D,), "running_var": (D,),
     "momentum": 0.9, "eps": 1e-5, "mode": "train" or "inference"}
                                                        out = γ (x − μ)/√(σ² + ε) + β   (week 9)

Arrays are batch-first: x (N, D), N examples of D features. The list usually ends with an
affine layer whose output (N, K) are the logits; the loss (``helpers.losses.softmax_cross_entropy``)
stays outside the list. An L-layer network of sizes [n_0, n_1, ..., n_L] is
``affine, relu, [dropout,] affine, relu, [dropout,] ..., affine`` (:func:`init_layers` builds one).

A dropout layer holds its mask: the caller draws fresh masks for each training step
(:func:`draw_dropout_masks`) and leaves ``mask`` None at test time, when inverted dropout
needs no rescaling. The keep probability ``p`` is the chance that a unit is KEPT
(``helpers.norm.dropout_forward`` takes the drop probability 1 − p instead).

Forward and backward with explicit inputs (no hidden caches)
------------------------------------------------------------
::

    out, inputs = model_forward(x, layers)          # inputs[i] is what layers[i] received
    dx, grads = model_backward(dout, inputs, layers)

``grads`` is aligned with ``layers``: ``grads[i]`` is a dict with the gradient of every
parameter of ``layers[i]`` under the same key (``{"W": dW, "b": db}`` for an affine layer,
``{}`` for the others), so an update step reads
``layer[name] = layer[name] - lr * grads[i][name]``. Every backward function takes the
forward function's inputs again (``affine_backward(dout, x, W, b)``) and recomputes what
it needs; nothing is stored between the two calls.

Adding a kind of layer is one entry in :data:`KINDS` (``helpers/_layers_kinds.py``): a forward
function ``(x, layer) -> out``, a backward function ``(dout, x, layer) -> (dx, grads)`` and the
names of its trainable parameters, plus its shape rules in ``_check_layers`` beside it. Batch norm
(week 9) is such an entry: μ and σ² of the batch in mode "train", the running averages in mode
"inference" (the formulas of ``helpers.norm.batchnorm_forward``); its parameters are gamma and beta.
Statistics a layer keeps across steps (batch norm's running averages) are updated by the training
loop from ``inputs[i]``, so that forward passes stay pure (``helpers.batchnorm_layer`` builds such
networks and trains them).

Regularization: :func:`l2_cost` = λ/(2m) Σ_l ‖W_l‖²_F over the affine layers and
:func:`l2_grads` = λ/m · W_l (biases are not regularized), in the format of ``grads``.

The plain-array form
--------------------
The grader moves numpy arrays only (course/sandbox/kernel/wire.py), so a graded function that takes a layer
list is called through :func:`on_arrays`, which rebuilds the list from
:func:`to_arrays`'s ``(spec, arrays)``: ``spec`` is JSON-ready (each layer without its arrays,
plus the names of the arrays it had), ``arrays`` the arrays in order (``helpers/_layers_arrays.py``).

This module holds the reference kernels (affine, activation, model forward and backward, L2)
and the network builders; the layer kinds and the plain-array form live in the two private
modules named above and are re-exported here, so ``helpers.layers.<name>`` is the one address.

Taught in source/w08_regularization (exercises 1–5); the batch-norm kind in source/w09_batchnorm_tuning.
"""

from __future__ import annotations

import numpy as np

from ._layers_arrays import from_arrays, on_arrays, to_arrays
from ._layers_kinds import (
    _DERIVATIVE,
    _FORWARD,
    ACTIVATIONS,
    KINDS,
    Kind,
    _check_layers,
    _kind_arg,
    parameter_names,
)
from ._validate import as_float_array, int_arg, real_arg, same_dtype, upstream_grad
from .tripwire import reference_kernel

__all__ = [
    "ACTIVATIONS",
    "KINDS",
    "Kind",
    "affine_forward",
    "affine_backward",
    "activation_forward",
    "activation_backward",
    "model_forward",
    "model_backward",
    "l2_cost",
    "l2_grads",
    "init_layers",
    "draw_dropout_masks",
    "parameter_names",
    "to_arrays",
    "from_arrays",
    "on_arrays",
]


# --------------------------------------------------------------------------- one layer: affine


def _affine_args(name, x, W, b):
    x = as_float_array(name, "x", x, ndim=2)
    W = as_float_array(name, "W", W, ndim=2)
    b = as_float_array(name, "b", b, ndim=1)
    same_dtype(name, x=x, W=W, b=b)
    if W.shape[0] != x.shape[1]:
        raise ValueError(f"{name}: x has {x.shape[1]} features (x {x.shape}), W expects {W.shape[0]} (W {W.shape})")
    if b.shape[0] != W.shape[1]:
        raise ValueError(f"{name}: b has {b.shape[0]} entries, W has {W.shape[1]} columns (W {W.shape})")
    return x, W, b


@reference_kernel
def affine_forward(x, W, b):
    """A fully connected layer: out = x W + b.

    x: (N, D); W: (D, M); b: (M,). Returns out (N, M), the dtype of x.
    """
    x, W, b = _affine_args("affine_forward", x, W, b)
    return x @ W + b


@reference_kernel
def affine_backward(dout, x, W, b):
    """Gradients of out = x W + b for an upstream gradient dout (N, M): returns (dx, dW, db).

    dx = dout Wᵀ (N, D);  dW = xᵀ dout (D, M), summed over the batch;  db = Σ_n dout (M,).
    x, W, b: the forward call's inputs (b only fixes the shapes).
    """
    name = "affine_backward"
    x, W, b = _affine_args(name, x, W, b)
    dout = upstream_grad(name, "dout", dout, (x.shape[0], W.shape[1]), x.dtype)
    return dout @ W.T, x.T @ dout, dout.sum(axis=0)


# --------------------------------------------------------------------------- one layer: activation


@reference_kernel
def activation_forward(z, kind):
    """f(z) element by element for kind "relu" (max(0, z)), "tanh" or "sigmoid" (1/(1 + e^−z)).

    z: any shape. Returns an array of the shape and dtype of z.
    """
    kind = _kind_arg("activation_forward", kind)
    return _FORWARD[kind](as_float_array("activation_forward", "z", z, allow_empty=True))


@reference_kernel
def activation_backward(dout, z, kind):
    """dz = dout ⊙ f'(z), with z the forward call's input (the pre-activation).

    f'(z): [z > 0] for relu (0 at z = 0), 1 − tanh²(z) for tanh, σ(z)(1 − σ(z)) for sigmoid.
    dout, z: the same shape. Returns dz, shaped like z.
    """
    name = "activation_backward"
    kind = _kind_arg(name, kind)
    z = as_float_array(name, "z", z, allow_empty=True)
    dout = upstream_grad(name, "dout", dout, z.shape, z.dtype, expected="z has shape")
    return dout * _DERIVATIVE[kind](z)


# --------------------------------------------------------------------------- the whole model


@reference_kernel
def model_forward(x, layers):
    """Run x through every layer in order: returns (out, inputs).

    x: (N, D); layers: the layer list (module docstring). out: the last layer's output;
    inputs: a list with inputs[i] the array layers[i] received (inputs[0] is x), the
    explicit record model_backward needs. Neither x nor the layers are modified.
    """
    name = "model_forward"
    x = as_float_array(name, "x", x, ndim=2)
    _check_layers(name, layers, x)
    inputs = []
    for layer in layers:
        inputs.append(x)
        x = KINDS[layer["kind"]].forward(x, layer)
    return x, inputs


@reference_kernel
def model_backward(dout, inputs, layers):
    """Back-propagate dout through the layers in reverse: returns (dx, grads).

    dout: (N, K), the gradient of the loss with respect to model_forward's out;
    inputs: model_forward's list (inputs[i] the input of layers[i]); layers: the same list.
    dx: (N, D), the gradient with respect to x; grads: a list aligned with layers, grads[i]
    a dict {parameter name: gradient of the same shape} ({"W": dW, "b": db} for affine
    layers, {} for the others). For layer i with input x_i: dx_i = backward(dx_{i+1}, x_i).
    """
    name = "model_backward"
    if not isinstance(inputs, (list, tuple)) or not isinstance(layers, (list, tuple)) or len(inputs) != len(layers):
        raise ValueError(
            f"{name}: inputs must be model_forward's list, one array per layer "
            f"({len(layers) if isinstance(layers, (list, tuple)) else '?'} layers), got "
            f"{len(inputs) if isinstance(inputs, (list, tuple)) else type(inputs).__name__}"
        )
    x0 = as_float_array(name, "inputs[0]", inputs[0], ndim=2)
    width = _check_layers(name, layers, x0)
    widths = [x0.shape[1]]
    for layer in layers[:-1]:
        widths.append(layer["W"].shape[1] if layer["kind"] == "affine" else widths[-1])
    for i, (array, w) in enumerate(zip(inputs, widths)):
        array = as_float_array(name, f"inputs[{i}]", array, ndim=2)
        if array.shape != (x0.shape[0], w) or array.dtype != x0.dtype:
            raise ValueError(f"{name}: inputs[{i}] has shape {array.shape}, layers[{i}] takes {(x0.shape[0], w)}")
    dout = upstream_grad(name, "dout", dout, (x0.shape[0], width), x0.dtype)
    grads = [None] * len(layers)
    for i in reversed(range(len(layers))):
        dout, grads[i] = KINDS[layers[i]["kind"]].backward(dout, np.asarray(inputs[i]), layers[i])
    return dout, grads


# --------------------------------------------------------------------------- L2 regularization


def _l2_args(name, layers, lam, m):
    if not isinstance(layers, (list, tuple)):
        raise ValueError(f"{name}: layers must be a list of layer dicts, got {type(layers).__name__}")
    for i, layer in enumerate(layers):
        if not isinstance(layer, dict) or layer.get("kind") not in KINDS:
            raise ValueError(f"{name}: layers[{i}] is not a layer dict with a known kind")
        if layer["kind"] == "affine":
            as_float_array(name, f"layers[{i}]['W']", layer.get("W"), ndim=2)
    lam = real_arg(name, "lam", lam, 0.0, finite=True)
    m = int_arg(name, "m (the number of training examples)", m, 1)
    return lam, m


@reference_kernel
def l2_cost(layers, lam, m):
    """The L2 term of the cost: λ/(2m) Σ_l ‖W_l‖²_F, summed over the affine layers' W.

    lam: λ ≥ 0; m: the number of training examples (the cost is a mean over them).
    Biases are not regularized. Returns a float.
    """
    lam, m = _l2_args("l2_cost", layers, lam, m)
    return lam / (2.0 * m) * float(sum(np.sum(np.square(layer["W"])) for layer in layers if layer["kind"] == "affine"))


@reference_kernel
def l2_grads(layers, lam, m):
    """Gradient of l2_cost, in the format of model_backward's grads: a list aligned with
    layers, {"W": (λ/m) W, "b": zeros like b} for affine layers and {} for the others.

    Added to the loss gradient, one step of gradient descent is weight decay:
    W ← W − lr (dW + (λ/m) W) = (1 − lr·λ/m) W − lr·dW.
    """
    lam, m = _l2_args("l2_grads", layers, lam, m)
    return [
        {"W": (lam / m) * layer["W"], "b": np.zeros_like(layer["b"])} if layer["kind"] == "affine" else {}
        for layer in layers
    ]


# --------------------------------------------------------------------------- building networks


def init_layers(sizes, activation="relu", init="he", keep_prob=1.0, rng=None):
    """An L-layer network for sizes [n_0, n_1, ..., n_L] (n_0 inputs, n_L outputs):
    ``affine, activation, [dropout,]`` for each hidden layer, then a last affine layer.

    init: a method of :func:`helpers.init.init_weights` ("he", "xavier", "lecun", "large",
    "zeros"); biases start at 0. keep_prob: one keep probability p in (0, 1] for every hidden
    layer, or a sequence with one per hidden layer (L − 1 of them; a lower p where a layer has
    many units, 1.0 where it has few). Each hidden layer whose p < 1 gets a dropout layer (mask
    None) after its activation; p = 1 adds none. rng: a numpy Generator or a seed.
    """
    from .init import init_weights

    name = "init_layers"
    sizes = [int_arg(name, f"sizes[{i}]", s, 1) for i, s in enumerate(sizes)]
    if len(sizes) < 2:
        raise ValueError(f"{name}: sizes needs at least an input and an output size, got {sizes}")
    _kind_arg(name, activation)
    keeps = _keep_probs(name, keep_prob, len(sizes) - 2)
    rng = np.random.default_rng(rng)
    layers = []
    for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers.append({"kind": "affine", "W": init_weights.unguarded(n_in, n_out, init, rng), "b": np.zeros(n_out)})
        if i < len(sizes) - 2:
            layers.append({"kind": activation})
            if keeps[i] < 1.0:
                layers.append({"kind": "dropout", "keep_prob": keeps[i], "mask": None})
    return layers


def _keep_probs(name, keep_prob, hidden):
    """One keep probability per hidden layer, from a number (the same for all) or a sequence of ``hidden``."""
    if np.ndim(keep_prob) == 0:
        return [real_arg(name, "keep_prob", keep_prob, 0.0, 1.0, low_open=True)] * hidden
    keeps = list(keep_prob)
    if len(keeps) != hidden:
        raise ValueError(
            f"{name}: keep_prob has {len(keeps)} entries, expected one per hidden layer ({hidden}), or one number"
        )
    return [real_arg(name, f"keep_prob[{i}]", p, 0.0, 1.0, low_open=True) for i, p in enumerate(keeps)]


def draw_dropout_masks(layers, n, rng):
    """A copy of the list for one training step on n examples: every dropout layer gets a
    fresh mask (True with probability keep_prob), shaped (n, width of its input). The other
    layers are the same dict objects (their parameters are shared, not copied)."""
    rng = np.random.default_rng(rng)
    result, width = [], None
    for layer in layers:
        if layer["kind"] == "affine":
            width = layer["W"].shape[1]
        elif layer["kind"] == "dropout":
            if width is None:
                raise ValueError(
                    "draw_dropout_masks: a dropout layer before the first affine layer does not know its width"
                )
            layer = {**layer, "mask": rng.random((n, width)) < layer["keep_prob"]}
        result.append(layer)
    return result


def warm_up():
    """Nothing to compile (numpy only)."""
    return []
