"""The random networks of week 8's model and L2 checks, a plain-numpy forward pass to judge them by, and
the reading of a layer list from a case and of the per-layer tuples a student returns.

:func:`networks` draws layer lists (the dicts of ``helpers.layers``) of depth 1 to 4 (counted in
affine layers), odd widths, N = 1 among them, every activation and dropout layers, with ReLU inputs
kept at least 1e-3 from the kink so that finite differences are meaningful. :func:`np_forward`
runs x (N, D) through such a list with plain numpy, sharing no code with ``helpers.layers``, and
:func:`energy_gradient` takes central differences of E = Σ dout ⊙ np_forward(x) with respect to x
or one layer's parameter. :func:`layers_of` rebuilds a case's layer list; :func:`tuple_of` reads
a tuple with one entry per layer.
"""

from __future__ import annotations

import numpy as np

from ...gradcheck import numerical_gradient
from ...layers import from_arrays
from ..core import CheckFailed

# --------------------------------------------------------------------------- plain numpy model


def np_layer(x, layer):
    """One layer of the list applied to x, in plain numpy."""
    kind = layer["kind"]
    if kind == "affine":
        return x @ layer["W"] + layer["b"]
    if kind == "relu":
        return np.maximum(x, 0.0)
    if kind == "tanh":
        return np.tanh(x)
    if kind == "sigmoid":
        return 1.0 / (1.0 + np.exp(-x))
    if kind == "dropout":
        return x if layer.get("mask") is None else x * layer["mask"] / layer["keep_prob"]
    raise ValueError(kind)


def np_forward(x, layers):
    """x through every layer of the list in order; returns the last output."""
    for layer in layers:
        x = np_layer(x, layer)
    return x


def energy_gradient(x, layers, dout, target):
    """Central differences of E = Σ dout ⊙ model(x) with respect to ``target``: "x" or (i, name)."""
    x = np.array(x, dtype=np.float64, copy=True)
    layers = [
        {k: (np.array(v, copy=True) if isinstance(v, np.ndarray) else v) for k, v in layer.items()} for layer in layers
    ]
    array = x if target == "x" else layers[target[0]][target[1]]
    return numerical_gradient(lambda _: float(np.sum(dout * np_forward(x, layers))), array)


# --------------------------------------------------------------------------- random networks

ACTS = ("relu", "tanh", "sigmoid")


def draw_network(rng, n, widths, acts, keep=None, mask=True):
    """x (n, widths[0]) and a layer list: affine layers of the given widths, acts[i] after hidden
    layer i, a dropout layer after it when keep[i] is set. ReLU inputs stay off the kink."""
    for _ in range(200):
        x = rng.normal(size=(n, widths[0]))
        layers = []
        for i, (a, b) in enumerate(zip(widths[:-1], widths[1:])):
            layers.append({"kind": "affine", "W": rng.normal(size=(a, b)) / np.sqrt(a), "b": rng.normal(size=b) * 0.5})
            if i < len(widths) - 2:
                layers.append({"kind": acts[i % len(acts)]})
                if keep is not None and keep[i % len(keep)] is not None:
                    p = keep[i % len(keep)]
                    layers.append(
                        {"kind": "dropout", "keep_prob": p, "mask": (rng.random((n, b)) < p) if mask else None}
                    )
        value, fine = x, True
        for layer in layers:
            if layer["kind"] == "relu" and np.abs(value).min() < 1e-3:
                fine = False
            value = np_layer(value, layer)
        if fine:
            return x, layers, rng.normal(size=value.shape)
    raise RuntimeError("could not draw a network off the ReLU kink")


def networks(rng):
    """(label, x, layers, dout): depths 1 to 4, odd widths, every activation, dropout."""
    nets = [
        ("depth 1: one affine layer, N=1", 1, (3, 5), ("relu",), None, True),
        ("depth 2: relu, widths 3-5-1", 4, (3, 5, 1), ("relu",), None, True),
        ("depth 3: tanh, widths 5-7-3-3", 3, (5, 7, 3, 3), ("tanh",), None, True),
        ("depth 4: sigmoid, relu, tanh, widths 1-3-5-7-3", 5, (1, 3, 5, 7, 3), ("sigmoid", "relu", "tanh"), None, True),
        ("depth 3: relu with dropout masks (keep 0.5, then 0.8)", 6, (3, 7, 5, 2), ("relu",), (0.5, 0.8), True),
        ("depth 2: a dropout layer at test time (mask None)", 3, (2, 5, 3), ("relu",), (0.6,), False),
        (
            "depth 3: every width 5 (a missing transpose keeps the shapes)",
            5,
            (5, 5, 5, 5),
            ("tanh", "relu"),
            None,
            True,
        ),
    ]
    result = [(label, *draw_network(rng, n, w, a, keep, mask)) for label, n, w, a, keep, mask in nets]
    depth = int(rng.integers(1, 5))
    widths = tuple(int(v) for v in rng.choice([1, 3, 5, 7, 9], size=depth + 1))
    acts = tuple(str(a) for a in rng.choice(ACTS, size=3))
    result.append(
        (
            f"random: depth {depth}, widths {'-'.join(map(str, widths))}, {', '.join(acts[: depth - 1]) or 'linear'}",
            *draw_network(rng, int(rng.integers(1, 7)), widths, acts, (0.7,) if depth > 1 else None),
        )
    )
    return result


# --------------------------------------------------------------------------- a layer list in a case, per-layer tuples


def layers_of(case, skip=1):
    """The layer list of a model case: its arrays after the first ``skip`` args, and its spec."""
    return from_arrays(case.kwargs["spec"], case.args[skip:])


def tuple_of(got, name, count, where):
    """``got`` when it is a tuple of ``count`` entries (one per layer), else a CheckFailed naming ``name``."""
    if not isinstance(got, tuple) or len(got) != count:
        kind = got.type_name if hasattr(got, "type_name") else type(got).__name__
        raise CheckFailed(
            f"{where}: `{name}` must hold {count} entries, one per layer; got {kind}"
            + (f" of length {len(got)}" if isinstance(got, tuple) else "")
            + "."
        )
    return got
