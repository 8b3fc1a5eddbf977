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

Adding a kind of layer is one entry in :data:`KINDS`: a forward function ``(x, layer) -> out``,
a backward function ``(dout, x, layer) -> (dx, grads)`` and the names of its trainable
parameters. Batch norm (week 9) is such an entry: μ and σ² of the batch in mode "train", the
running averages in mode "inference" (the formulas of ``helpers.norm.batchnorm_forward``); its
parameters are gamma and beta. Statistics a layer keeps across steps (batch norm's running
averages) are updated by the training loop from ``inputs[i]``, so that forward passes stay pure
(``helpers.batchnorm_layer`` builds such networks and trains them).

Regularization: :func:`l2_cost` = λ/(2m) Σ_l ‖W_l‖²_F over the affine layers and
:func:`l2_grads` = λ/m · W_l (biases are not regularized), in the format of ``grads``.

The plain-array form
--------------------
The grader moves numpy arrays only (course/wire.py), so a graded function that takes a layer
list is called through :func:`on_arrays`, which rebuilds the list from
:func:`to_arrays`'s ``(spec, arrays)``: ``spec`` is JSON-ready (each layer without its arrays,
plus the names of the arrays it had), ``arrays`` the arrays in order.

Taught in source/w08_regularization (exercises 1–5); the batch-norm kind in source/w09_batchnorm_tuning.
"""
from __future__ import annotations

import copy
from typing import Callable, NamedTuple

import numpy as np

from . import activations
from ._validate import as_float_array, int_arg, real_arg, same_dtype, upstream_grad
from .tripwire import reference_kernel

__all__ = ["ACTIVATIONS", "KINDS", "Kind", "affine_forward", "affine_backward", "activation_forward",
           "activation_backward", "model_forward", "model_backward", "l2_cost", "l2_grads",
           "init_layers", "draw_dropout_masks", "parameter_names", "to_arrays", "from_arrays", "on_arrays"]

ACTIVATIONS = ("relu", "tanh", "sigmoid")


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

def _kind_arg(name, kind):
    if kind not in ACTIVATIONS:
        raise ValueError(f"{name}: kind must be one of {', '.join(ACTIVATIONS)}, got {kind!r}")
    return kind


_FORWARD = {"relu": activations.relu.unguarded, "tanh": activations.tanh.unguarded,
            "sigmoid": activations.sigmoid.unguarded}
_DERIVATIVE = {"relu": activations.relu_grad.unguarded, "tanh": activations.tanh_grad.unguarded,
               "sigmoid": activations.sigmoid_grad.unguarded}


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


# --------------------------------------------------------------------------- the layer kinds

class Kind(NamedTuple):
    """How one kind of layer computes: forward(x, layer) -> out, backward(dout, x, layer) ->
    (dx, grads dict), and the names of its trainable parameters (the keys of grads)."""
    forward: Callable
    backward: Callable
    params: tuple


def _affine_layer_backward(dout, x, layer):
    dx, dW, db = dout @ layer["W"].T, x.T @ dout, dout.sum(axis=0)
    return dx, {"W": dW, "b": db}


def _activation_kind(kind):
    return Kind(lambda x, layer: _FORWARD[kind](x),
                lambda dout, x, layer: (dout * _DERIVATIVE[kind](x), {}), ())


def _dropout_forward(x, layer):
    mask = layer.get("mask")
    return x.copy() if mask is None else x * mask / x.dtype.type(layer["keep_prob"])


def _dropout_backward(dout, x, layer):
    mask = layer.get("mask")
    return (dout.copy() if mask is None else dout * mask / dout.dtype.type(layer["keep_prob"])), {}


def _batchnorm_normalized(x, layer):
    """(x̂, 1/√(σ² + ε)) with the batch's statistics (mode "train") or the running ones."""
    if layer.get("mode", "train") == "train":
        centred = x - x.mean(axis=0)
        var = np.einsum("ij,ij->j", centred, centred) / x.shape[0]
    else:
        centred, var = x - layer["running_mean"], layer["running_var"]
    inv_std = 1.0 / np.sqrt(var + layer.get("eps", 1e-5))
    return centred * inv_std, inv_std


def _batchnorm_forward(x, layer):
    x_hat, _ = _batchnorm_normalized(x, layer)
    return layer["gamma"] * x_hat + layer["beta"]


def _batchnorm_backward(dout, x, layer):
    x_hat, inv_std = _batchnorm_normalized(x, layer)
    dbeta = dout.sum(axis=0)
    dgamma = (dout * x_hat).sum(axis=0)
    scale = layer["gamma"] * inv_std
    if layer.get("mode", "train") != "train":
        return scale * dout, {"gamma": dgamma, "beta": dbeta}
    m = x.shape[0]
    return scale / m * (m * dout - dbeta - x_hat * dgamma), {"gamma": dgamma, "beta": dbeta}


KINDS: dict[str, Kind] = {
    "affine": Kind(lambda x, layer: x @ layer["W"] + layer["b"], _affine_layer_backward, ("W", "b")),
    **{kind: _activation_kind(kind) for kind in ACTIVATIONS},
    "dropout": Kind(_dropout_forward, _dropout_backward, ()),
    "batchnorm": Kind(_batchnorm_forward, _batchnorm_backward, ("gamma", "beta")),
}


def parameter_names(layer) -> tuple:
    """The trainable parameters of a layer: ("W", "b") for an affine layer, () for the others."""
    return KINDS[layer["kind"]].params


def _check_layers(name, layers, x):
    """Walk the feature count through the list; raise ValueError naming the first bad layer.
    Returns the output width."""
    if not isinstance(layers, (list, tuple)) or not layers:
        raise ValueError(f"{name}: layers must be a non-empty list of layer dicts, got {type(layers).__name__}"
                         + (" of length 0" if isinstance(layers, (list, tuple)) else ""))
    n, width = x.shape
    for i, layer in enumerate(layers):
        where = f"{name}: layers[{i}]"
        if not isinstance(layer, dict) or "kind" not in layer:
            raise ValueError(f"{where} must be a dict with a 'kind', got {layer!r:.60}")
        kind = layer["kind"]
        if kind not in KINDS:
            raise ValueError(f"{where} has kind {kind!r}; known kinds: {', '.join(KINDS)}")
        for param in KINDS[kind].params:
            if param not in layer:
                raise ValueError(f"{where} ({kind}) has no {param!r}")
            value = layer[param]
            if not isinstance(value, np.ndarray) or value.dtype != x.dtype:
                got = value.dtype if isinstance(value, np.ndarray) else type(value).__name__
                raise ValueError(f"{where}['{param}'] must be a {x.dtype} array like x, got {got}")
        if kind == "affine":
            W, b = layer["W"], layer["b"]
            if W.ndim != 2 or W.shape[0] != width:
                raise ValueError(f"{where}: W has shape {W.shape}, but its input has {width} features")
            if b.shape != (W.shape[1],):
                raise ValueError(f"{where}: b has shape {b.shape}, expected ({W.shape[1]},) for W {W.shape}")
            width = W.shape[1]
        elif kind == "dropout":
            keep = layer.get("keep_prob")
            real_arg(name, f"layers[{i}]['keep_prob']", keep, 0.0, 1.0, low_open=True)
            mask = layer.get("mask")
            if mask is not None:
                if not isinstance(mask, np.ndarray) or mask.dtype != bool:
                    raise ValueError(f"{where}['mask'] must be None or a bool array, got "
                                     f"{getattr(mask, 'dtype', type(mask).__name__)}")
                if mask.shape != (n, width):
                    raise ValueError(f"{where}['mask'] has shape {mask.shape}, its input has shape {(n, width)}")
        elif kind == "batchnorm":
            for key in ("gamma", "beta", "running_mean", "running_var"):
                value = layer.get(key)
                if not isinstance(value, np.ndarray) or value.shape != (width,):
                    got = value.shape if isinstance(value, np.ndarray) else type(value).__name__
                    raise ValueError(f"{where}['{key}'] has shape {got}, its input has {width} features "
                                     f"(expected ({width},))")
            if layer.get("mode", "train") not in ("train", "inference"):
                raise ValueError(f"{where}['mode'] must be 'train' or 'inference', got {layer.get('mode')!r}")
    return width


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
        raise ValueError(f"{name}: inputs must be model_forward's list, one array per layer "
                         f"({len(layers) if isinstance(layers, (list, tuple)) else '?'} layers), got "
                         f"{len(inputs) if isinstance(inputs, (list, tuple)) else type(inputs).__name__}")
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
    return lam / (2.0 * m) * float(sum(np.sum(np.square(layer["W"])) for layer in layers
                                       if layer["kind"] == "affine"))


@reference_kernel
def l2_grads(layers, lam, m):
    """Gradient of l2_cost, in the format of model_backward's grads: a list aligned with
    layers, {"W": (λ/m) W, "b": zeros like b} for affine layers and {} for the others.

    Added to the loss gradient, one step of gradient descent is weight decay:
    W ← W − lr (dW + (λ/m) W) = (1 − lr·λ/m) W − lr·dW.
    """
    lam, m = _l2_args("l2_grads", layers, lam, m)
    return [{"W": (lam / m) * layer["W"], "b": np.zeros_like(layer["b"])} if layer["kind"] == "affine" else {}
            for layer in layers]


# --------------------------------------------------------------------------- building networks

def init_layers(sizes, activation="relu", init="he", keep_prob=1.0, rng=None):
    """An L-layer network for sizes [n_0, n_1, ..., n_L] (n_0 inputs, n_L outputs):
    ``affine, activation, [dropout,]`` for each hidden layer, then a last affine layer.

    init: a method of :func:`helpers.init.init_weights` ("he", "xavier", "lecun", "large",
    "zeros"); biases start at 0. keep_prob < 1 adds a dropout layer (mask None) after every
    hidden activation. rng: a numpy Generator or a seed.
    """
    from .init import init_weights

    name = "init_layers"
    sizes = [int_arg(name, f"sizes[{i}]", s, 1) for i, s in enumerate(sizes)]
    if len(sizes) < 2:
        raise ValueError(f"{name}: sizes needs at least an input and an output size, got {sizes}")
    _kind_arg(name, activation)
    keep_prob = real_arg(name, "keep_prob", keep_prob, 0.0, 1.0, low_open=True)
    rng = np.random.default_rng(rng)
    layers = []
    for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers.append({"kind": "affine", "W": init_weights.unguarded(n_in, n_out, init, rng), "b": np.zeros(n_out)})
        if i < len(sizes) - 2:
            layers.append({"kind": activation})
            if keep_prob < 1.0:
                layers.append({"kind": "dropout", "keep_prob": keep_prob, "mask": None})
    return layers


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
                raise ValueError("draw_dropout_masks: a dropout layer before the first affine layer "
                                 "does not know its width")
            layer = {**layer, "mask": rng.random((n, width)) < layer["keep_prob"]}
        result.append(layer)
    return result


# --------------------------------------------------------------------------- the plain-array form

def to_arrays(layers):
    """(spec, arrays): the layer list as a JSON-ready spec and a tuple of its arrays in order.
    Each spec entry is the layer without its arrays, plus "arrays": the names they had."""
    spec, arrays = [], []
    for layer in layers:
        entry = {"arrays": []}
        for key, value in layer.items():
            if isinstance(value, np.ndarray):
                entry["arrays"].append(key)
                arrays.append(value)
            else:
                entry[key] = value.item() if isinstance(value, np.generic) else value
        spec.append(entry)
    return spec, tuple(arrays)


def from_arrays(spec, arrays):
    """The layer list back from :func:`to_arrays`'s (spec, arrays); the arrays are not copied."""
    arrays = list(arrays)
    needed = sum(len(entry.get("arrays", [])) for entry in spec)
    if needed != len(arrays):
        raise ValueError(f"from_arrays: the spec names {needed} arrays, {len(arrays)} were given")
    layers = []
    for entry in spec:
        layer = {key: copy.deepcopy(value) for key, value in entry.items() if key != "arrays"}
        for key in entry.get("arrays", []):
            layer[key] = arrays.pop(0)
        layers.append(layer)
    return layers


def _grads_as_tuples(grads, spec, function):
    """((grads[0][p] for p in layer 0's parameters), ...) or a ValueError a student can act on."""
    if not isinstance(grads, (list, tuple)) or len(grads) != len(spec):
        raise ValueError(f"{function}: grads must be a list with one dict per layer ({len(spec)} layers), "
                         f"got {type(grads).__name__}" + (f" of length {len(grads)}"
                                                          if isinstance(grads, (list, tuple)) else ""))
    result = []
    for i, (grad, entry) in enumerate(zip(grads, spec)):
        names = KINDS[entry["kind"]].params
        if not isinstance(grad, dict):
            raise ValueError(f"{function}: grads[{i}] must be a dict (e.g. {{'W': dW, 'b': db}} for an affine "
                             f"layer, {{}} for the others), got {type(grad).__name__}")
        missing = [p for p in names if p not in grad]
        if missing:
            raise ValueError(f"{function}: grads[{i}] ({entry['kind']} layer) has no {missing[0]!r}")
        result.append(tuple(grad[p] for p in names))
    return tuple(result)


def on_arrays(fn, function):
    """``fn`` (a function taking a layer list) as a function of plain arrays, for the grader.

    function: which one fn is, and so how its arguments arrive and its result leaves:
      "model_forward":  (x, *arrays, spec)              -> (out, tuple(inputs))
      "model_backward": (dout, *inputs_and_arrays, spec) -> (dx, ((dW, db), (), ...))
      "l2_cost":        (*arrays, spec, lam, m)          -> cost
      "l2_grads":       (*arrays, spec, lam, m)          -> ((dW, db), (), ...)
    where spec and arrays are :func:`to_arrays` of the layers (for model_backward the
    len(spec) inputs come first).
    """
    if function == "model_forward":
        def call(x, *arrays, spec):
            out, inputs = fn(x, from_arrays(spec, arrays))
            if not isinstance(inputs, (list, tuple)):
                raise ValueError(f"model_forward must return (out, inputs) with inputs a list, "
                                 f"got {type(inputs).__name__} for inputs")
            return out, tuple(inputs)
    elif function == "model_backward":
        def call(dout, *arrays, spec):
            count = len(spec)
            dx, grads = fn(dout, list(arrays[:count]), from_arrays(spec, arrays[count:]))
            return dx, _grads_as_tuples(grads, spec, "model_backward")
    elif function == "l2_cost":
        def call(*arrays, spec, lam, m):
            return fn(from_arrays(spec, arrays), lam, m)
    elif function == "l2_grads":
        def call(*arrays, spec, lam, m):
            return _grads_as_tuples(fn(from_arrays(spec, arrays), lam, m), spec, "l2_grads")
    else:
        raise ValueError(f"on_arrays: function must be model_forward, model_backward, l2_cost or l2_grads, "
                         f"got {function!r}")
    call.__name__ = f"{function}_on_arrays"
    return call


def warm_up():
    """Nothing to compile (numpy only)."""
    return []
