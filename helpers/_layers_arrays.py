"""The plain-array form of a layer list, for the grader (behind ``helpers.layers``).

The grader moves numpy arrays only (course/sandbox/kernel/wire.py). :func:`to_arrays` splits a layer list
into a JSON-ready ``spec`` (each layer without its arrays, plus the names of the arrays it had)
and a tuple of its arrays in order; :func:`from_arrays` rebuilds the list; :func:`on_arrays`
turns a function of a layer list (a student's ``model_forward``, ``model_backward``,
``l2_cost``, ``l2_grads`` or ``gradient_check``) into a function of plain arrays whose result is plain arrays too.
Re-exported by ``helpers.layers``.
"""

from __future__ import annotations

import copy

import numpy as np

from ._layers_kinds import KINDS


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


def _grads_as_tuples(grads, spec, function, what="grads"):
    """((grads[0][p] for p in layer 0's parameters), ...) or a ValueError a student can act on;
    ``what`` is the name the messages give the list (gradient_check returns "errors")."""
    if not isinstance(grads, (list, tuple)) or len(grads) != len(spec):
        raise ValueError(
            f"{function}: {what} must be a list with one dict per layer ({len(spec)} layers), "
            f"got {type(grads).__name__}" + (f" of length {len(grads)}" if isinstance(grads, (list, tuple)) else "")
        )
    result = []
    for i, (grad, entry) in enumerate(zip(grads, spec)):
        names = KINDS[entry["kind"]].params
        if not isinstance(grad, dict):
            raise ValueError(
                f"{function}: {what}[{i}] must be a dict (e.g. {{'W': ..., 'b': ...}} for an affine "
                f"layer, {{}} for the others), got {type(grad).__name__}"
            )
        missing = [p for p in names if p not in grad]
        if missing:
            raise ValueError(f"{function}: {what}[{i}] ({entry['kind']} layer) has no {missing[0]!r}")
        result.append(tuple(grad[p] for p in names))
    return tuple(result)


def on_arrays(fn, function):
    """``fn`` (a function taking a layer list) as a function of plain arrays, for the grader.

    function: which one fn is, and so how its arguments arrive and its result leaves:
      "model_forward":  (x, *arrays, spec)              -> (out, tuple(inputs))
      "model_backward": (dout, *inputs_and_arrays, spec) -> (dx, ((dW, db), (), ...))
      "l2_cost":        (*arrays, spec, lam, m)          -> cost
      "l2_grads":       (*arrays, spec, lam, m)          -> ((dW, db), (), ...)
      "gradient_check": (X, y, *arrays, *grads, spec, lam) -> ((error W, error b), (), ...)
    where spec and arrays are :func:`to_arrays` of the layers (for model_backward the
    len(spec) inputs come first; for gradient_check the layers' arrays are followed by
    the gradients, one per parameter in the order of the layers).
    """
    if function == "model_forward":

        def call(x, *arrays, spec):
            out, inputs = fn(x, from_arrays(spec, arrays))
            if not isinstance(inputs, (list, tuple)):
                raise ValueError(
                    f"model_forward must return (out, inputs) with inputs a list, "
                    f"got {type(inputs).__name__} for inputs"
                )
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
    elif function == "gradient_check":

        def call(X, y, *arrays, spec, lam):
            count = sum(len(entry.get("arrays", [])) for entry in spec)
            layers = from_arrays(spec, arrays[:count])
            rest = list(arrays[count:])
            grads = [{p: rest.pop(0) for p in KINDS[entry["kind"]].params} for entry in spec]
            return _grads_as_tuples(fn(X, y, layers, grads, lam), spec, "gradient_check", "errors")
    else:
        raise ValueError(
            "on_arrays: function must be model_forward, model_backward, l2_cost, l2_grads or gradient_check, "
            f"got {function!r}"
        )
    call.__name__ = f"{function}_on_arrays"
    return call
