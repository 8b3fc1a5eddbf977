"""The kinds of layer a layer list may hold, and the check of a whole list (behind ``helpers.layers``).

:data:`KINDS` maps a layer's ``"kind"`` to a :class:`Kind`: ``forward(x, layer) -> out``,
``backward(dout, x, layer) -> (dx, grads dict)`` and the names of its trainable parameters.
x is batch-first, (N, D); grads has one entry per parameter, shaped like it. The kinds:

    affine       out = x W + b                  W (D, M), b (M,); grads {"W": xᵀ dout, "b": Σ_n dout}
    relu, tanh, sigmoid   out = f(x)            dx = dout ⊙ f'(x); no parameters
    dropout      out = x ⊙ mask / keep_prob     (x itself when mask is None); no parameters
    batchnorm    out = γ (x − μ)/√(σ² + ε) + β  μ, σ² of the batch in mode "train", the running
                                                averages in mode "inference"; grads {"gamma", "beta"}

:func:`_check_layers` walks the feature count through a list and raises a ValueError naming the
first bad layer; ``helpers.layers.model_forward`` and ``model_backward``, ``helpers.training`` and
``helpers.batchnorm_layer`` call it. Everything here is re-exported by ``helpers.layers``; plain
numpy, nothing to compile.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import numpy as np

from . import activations
from ._validate import real_arg

ACTIVATIONS = ("relu", "tanh", "sigmoid")


def _kind_arg(name, kind):
    if kind not in ACTIVATIONS:
        raise ValueError(f"{name}: kind must be one of {', '.join(ACTIVATIONS)}, got {kind!r}")
    return kind


_FORWARD = {
    "relu": activations.relu.unguarded,
    "tanh": activations.tanh.unguarded,
    "sigmoid": activations.sigmoid.unguarded,
}
_DERIVATIVE = {
    "relu": activations.relu_grad.unguarded,
    "tanh": activations.tanh_grad.unguarded,
    "sigmoid": activations.sigmoid_grad.unguarded,
}


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
    return Kind(lambda x, layer: _FORWARD[kind](x), lambda dout, x, layer: (dout * _DERIVATIVE[kind](x), {}), ())


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
        raise ValueError(
            f"{name}: layers must be a non-empty list of layer dicts, got {type(layers).__name__}"
            + (" of length 0" if isinstance(layers, (list, tuple)) else "")
        )
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
                    raise ValueError(
                        f"{where}['mask'] must be None or a bool array, got "
                        f"{getattr(mask, 'dtype', type(mask).__name__)}"
                    )
                if mask.shape != (n, width):
                    raise ValueError(f"{where}['mask'] has shape {mask.shape}, its input has shape {(n, width)}")
        elif kind == "batchnorm":
            for key in ("gamma", "beta", "running_mean", "running_var"):
                value = layer.get(key)
                if not isinstance(value, np.ndarray) or value.shape != (width,):
                    got = value.shape if isinstance(value, np.ndarray) else type(value).__name__
                    raise ValueError(
                        f"{where}['{key}'] has shape {got}, its input has {width} features (expected ({width},))"
                    )
            if layer.get("mode", "train") not in ("train", "inference"):
                raise ValueError(f"{where}['mode'] must be 'train' or 'inference', got {layer.get('mode')!r}")
    return width
