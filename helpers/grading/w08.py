"""Week 8 checks: modular layers, an L-layer model, L2, inverted dropout, input normalization,
initialization, early stopping and the regularization study.

Layer lists travel to the student's functions in the plain-array form of ``helpers.layers``
(the grader moves arrays only): a case's args are ``to_arrays(layers)``'s arrays and its
kwargs hold the spec, and the hidden test wraps the student's function with
``helpers.layers.on_arrays(fn, "model_forward")`` (and so on), which rebuilds the list.

Gradients are compared with ``helpers.layers`` (the reference kernels) and with central
differences of E = Σ dout ⊙ out computed by the plain-numpy forward pass below
(:func:`_np_forward`), which shares no code with the kernels. Networks have depth 1 to 4
(counted in affine layers), odd widths and N = 1 among them; ReLU inputs are kept at least
1e-3 away from the kink so that the finite differences are meaningful.
"""
from __future__ import annotations

import numpy as np

from .. import init as I
from .. import layers as LY
from .. import norm
from .. import training as TR
from ..gradcheck import numerical_gradient
from .core import (Case, Check, CheckFailed, FORWARD_RTOL, GRADIENT_RTOL, NUMERICAL_ATOL, NUMERICAL_RTOL,
                   as_output, compare, register)

STUDY_MARGIN = 2.0       # percentage points the chosen λ must gain on dev over λ = 0
STUDY_LAMBDAS = (0.0, 0.3, 1.0, 10.0)


# --------------------------------------------------------------------------- plain numpy model

def _np_layer(x, layer):
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


def _np_forward(x, layers):
    for layer in layers:
        x = _np_layer(x, layer)
    return x


def _energy_gradient(x, layers, dout, target):
    """Central differences of E = Σ dout ⊙ model(x) with respect to ``target``: "x" or (i, name)."""
    x = np.array(x, dtype=np.float64, copy=True)
    layers = [{k: (np.array(v, copy=True) if isinstance(v, np.ndarray) else v) for k, v in layer.items()}
              for layer in layers]
    array = x if target == "x" else layers[target[0]][target[1]]
    return numerical_gradient(lambda _: float(np.sum(dout * _np_forward(x, layers))), array)


# --------------------------------------------------------------------------- random networks

_ACTS = ("relu", "tanh", "sigmoid")


def _draw_network(rng, n, widths, acts, keep=None, mask=True):
    """x (n, widths[0]) and a layer list: affine layers of the given widths, acts[i] after hidden
    layer i, a dropout layer after it when keep[i] is set. ReLU inputs stay off the kink."""
    for _ in range(200):
        x = rng.normal(size=(n, widths[0]))
        layers = []
        for i, (a, b) in enumerate(zip(widths[:-1], widths[1:])):
            layers.append({"kind": "affine", "W": rng.normal(size=(a, b)) / np.sqrt(a),
                           "b": rng.normal(size=b) * 0.5})
            if i < len(widths) - 2:
                layers.append({"kind": acts[i % len(acts)]})
                if keep is not None and keep[i % len(keep)] is not None:
                    p = keep[i % len(keep)]
                    layers.append({"kind": "dropout", "keep_prob": p,
                                   "mask": (rng.random((n, b)) < p) if mask else None})
        value, fine = x, True
        for layer in layers:
            if layer["kind"] == "relu" and np.abs(value).min() < 1e-3:
                fine = False
            value = _np_layer(value, layer)
        if fine:
            return x, layers, rng.normal(size=value.shape)
    raise RuntimeError("could not draw a network off the ReLU kink")


def _networks(rng):
    """(label, x, layers, dout): depths 1 to 4, odd widths, every activation, dropout."""
    nets = [
        ("depth 1: one affine layer, N=1", 1, (3, 5), ("relu",), None, True),
        ("depth 2: relu, widths 3-5-1", 4, (3, 5, 1), ("relu",), None, True),
        ("depth 3: tanh, widths 5-7-3-3", 3, (5, 7, 3, 3), ("tanh",), None, True),
        ("depth 4: sigmoid, relu, tanh, widths 1-3-5-7-3", 5, (1, 3, 5, 7, 3), ("sigmoid", "relu", "tanh"),
         None, True),
        ("depth 3: relu with dropout masks (keep 0.5, then 0.8)", 6, (3, 7, 5, 2), ("relu",), (0.5, 0.8), True),
        ("depth 2: a dropout layer at test time (mask None)", 3, (2, 5, 3), ("relu",), (0.6,), False),
        ("depth 3: every width 5 (a missing transpose keeps the shapes)", 5, (5, 5, 5, 5), ("tanh", "relu"),
         None, True),
    ]
    result = [(label, *_draw_network(rng, n, w, a, keep, mask)) for label, n, w, a, keep, mask in nets]
    depth = int(rng.integers(1, 5))
    widths = tuple(int(v) for v in rng.choice([1, 3, 5, 7, 9], size=depth + 1))
    acts = tuple(str(a) for a in rng.choice(_ACTS, size=3))
    result.append((f"random: depth {depth}, widths {'-'.join(map(str, widths))}, {', '.join(acts[:depth - 1]) or 'linear'}",
                   *_draw_network(rng, int(rng.integers(1, 7)), widths, acts, (0.7,) if depth > 1 else None)))
    return result


def _layers_of(case, skip=1):
    """The layer list of a model case: its arrays after the first ``skip`` args, and its spec."""
    return LY.from_arrays(case.kwargs["spec"], case.args[skip:])


def _tuple_of(got, name, count, where):
    if not isinstance(got, tuple) or len(got) != count:
        kind = got.type_name if hasattr(got, "type_name") else type(got).__name__
        raise CheckFailed(f"{where}: `{name}` must hold {count} entries, one per layer; got {kind}"
                          + (f" of length {len(got)}" if isinstance(got, tuple) else "") + ".")
    return got


# --------------------------------------------------------------------------- affine layer

def _affine_shapes(rng):
    cases = [("N=1", 1, 3, 2), ("one input feature (D=1)", 4, 1, 3), ("one output (M=1)", 3, 4, 1),
             ("N = D = M = 4: a missing transpose keeps the shape", 4, 4, 4), ("odd sizes 5x7 -> 3", 5, 7, 3)]
    result = []
    for label, n, d, m in cases:
        result.append((label, rng.normal(size=(n, d)), rng.normal(size=(d, m)), rng.normal(size=m),
                       rng.normal(size=(n, m))))
    n, d, m = (int(v) for v in rng.integers(2, 9, size=3))
    result.append((f"random N={n}, D={d}, M={m}, large values", rng.normal(size=(n, d)) * 100,
                   rng.normal(size=(d, m)), rng.normal(size=m) * 10, rng.normal(size=(n, m))))
    return result


def _affine_forward_cases(rng):
    return [Case(label, (x, W, b)) for label, x, W, b, _ in _affine_shapes(rng)]


def _affine_backward_cases(rng):
    return [Case(label, (dout, x, W, b)) for label, x, W, b, dout in _affine_shapes(rng)]


def _affine_numerical(case, expected):
    dout, x, W, b = (np.array(a, dtype=np.float64) for a in case.args)
    energy = lambda _: float(np.sum(dout * (x @ W + b)))   # noqa: E731
    return {"dx": numerical_gradient(energy, x), "dW": numerical_gradient(energy, W),
            "db": numerical_gradient(energy, b)}


register(Check("affine_forward", _affine_forward_cases, LY.affine_forward.unguarded, outputs=("out",),
               guarded=(LY.affine_forward,),
               hint="out = x @ W + b: x (N, D) times W (D, M) gives (N, M), and b (M,) is added to every row.",
               doc="Check ``affine_forward(x, W, b) -> out`` (N, M) against helpers.layers (N = 1, D = 1, M = 1 "
                   "and square shapes included)."))

register(Check("affine_backward", _affine_backward_cases, LY.affine_backward.unguarded, outputs=("dx", "dW", "db"),
               guarded=(LY.affine_backward, LY.affine_forward), numerical=_affine_numerical,
               tolerances={"dx": GRADIENT_RTOL, "dW": GRADIENT_RTOL, "db": GRADIENT_RTOL},
               hint="dx = dout @ W.T (N, D); dW = x.T @ dout (D, M), a sum over the batch, not a mean; "
                    "db = dout.sum(axis=0) (M,). Check each shape against its parameter's.",
               doc="Check ``affine_backward(dout, x, W, b) -> (dx, dW, db)`` against helpers.layers and "
                   "central differences."))


# --------------------------------------------------------------------------- activations

def _activation_values(rng, with_zero):
    grid = rng.normal(size=(3, 4)) * 2
    if with_zero:
        grid[0, 0] = 0.0
    return [("small values" + (" with an exact zero" if with_zero else ""), grid),
            ("N=1, odd width 5", rng.normal(size=(1, 5))),
            ("large magnitudes", np.array([[-30.0, -8.0, 8.0, 30.0]]) if not with_zero
             else np.array([[-800.0, -50.0, 50.0, 800.0]])),
            ("(6, 3)", rng.normal(size=(6, 3)) * 3)]


def _activation_forward_cases(rng):
    return [Case(f"{kind}, {label}", (z, kind)) for kind in LY.ACTIVATIONS
            for label, z in _activation_values(rng, True)]


def _activation_backward_cases(rng):
    cases = []
    for kind in LY.ACTIVATIONS:
        for label, z in _activation_values(rng, False):
            if kind == "relu":
                z = np.where(np.abs(z) < 1e-3, 0.5, z)
            cases.append(Case(f"{kind}, {label}", (rng.normal(size=z.shape), z, kind)))
    return cases


def _activation_numerical(case, expected, h=1e-6):
    dout, z, kind = case.args
    f = {"relu": lambda v: np.maximum(v, 0.0), "tanh": np.tanh, "sigmoid": lambda v: 1.0 / (1.0 + np.exp(-v))}[kind]
    return {"dz": dout * (f(z + h) - f(z - h)) / (2 * h)}


register(Check("activation_forward", _activation_forward_cases, LY.activation_forward.unguarded, outputs=("out",),
               guarded=(LY.activation_forward,),
               hint="relu: np.maximum(z, 0); tanh: np.tanh(z); sigmoid: 1 / (1 + np.exp(-z)). Pick the function "
                    "from `kind` and apply it element by element.",
               doc="Check ``activation_forward(z, kind) -> out`` for kind relu, tanh and sigmoid, large |z| "
                   "included."))

register(Check("activation_backward", _activation_backward_cases, LY.activation_backward.unguarded,
               outputs=("dz",), guarded=(LY.activation_backward,), numerical=_activation_numerical,
               tolerances={"dz": GRADIENT_RTOL},
               hint="dz = dout * f'(z) with z the layer's INPUT: relu (z > 0); tanh 1 - np.tanh(z)**2; "
                    "sigmoid s * (1 - s) with s = 1 / (1 + np.exp(-z)). Do not forget to multiply by dout.",
               doc="Check ``activation_backward(dout, z, kind) -> dz`` against helpers.layers and central "
                   "differences, for relu, tanh and sigmoid."))


# --------------------------------------------------------------------------- inverted dropout

def _dropout_values(rng):
    result = []
    for label, shape, keep in [("keep 0.5, (4, 6)", (4, 6), 0.5), ("keep 0.8, N=1", (1, 7), 0.8),
                               ("keep 1.0: nothing dropped", (3, 3), 1.0), ("keep 0.3, (5, 2)", (5, 2), 0.3),
                               ("keep 0.9, (2, 9)", (2, 9), 0.9), ("a single unit, keep 0.5", (1, 1), 0.5)]:
        mask = rng.random(shape) < keep
        result.append((label, rng.normal(size=shape), mask, keep))
    return result


def _dropout_forward_cases(rng):
    cases = [Case(f"training, {label}", (x, mask, keep, True)) for label, x, mask, keep in _dropout_values(rng)]
    for label, x, mask, keep in _dropout_values(rng)[:2]:
        cases.append(Case(f"test time (train=False), {label}: the mask must be ignored", (x, mask, keep, False)))
    return cases


def _dropout_forward_reference(x, mask, keep_prob, train):
    return x * mask / keep_prob if train else x.copy()


def _dropout_backward_cases(rng):
    return [Case(label, (rng.normal(size=x.shape), mask, keep)) for label, x, mask, keep in _dropout_values(rng)]


def _dropout_backward_reference(dout, mask, keep_prob):
    return norm.dropout_backward.unguarded(dout, mask, 1.0 - keep_prob)   # helpers.norm takes p = 1 − keep_prob


def _dropout_numerical(case, expected, h=1e-6):
    dout, mask, keep = case.args
    forward = lambda v: v * mask / keep   # noqa: E731  (the layer is linear in x, so one step suffices)
    return {"dx": dout * (forward(h) - forward(-h)) / (2 * h)}


_DROPOUT_HINT = ("inverted dropout: in training out = x * mask / keep_prob (the kept units are scaled UP, so the "
                 "expected value of out is x); at test time (train=False) out = x, with no mask and no scaling. "
                 "Multiplying by keep_prob at test time is the other, older convention; with inverted dropout "
                 "it must not be done.")
register(Check("inverted_dropout_forward", _dropout_forward_cases, _dropout_forward_reference, outputs=("out",),
               function="dropout_forward", guarded=(norm.dropout_forward, norm.dropout_backward),
               hint=_DROPOUT_HINT,
               doc="Check ``dropout_forward(x, mask, keep_prob, train) -> out`` with masks the check fixes, in "
                   "training (x ⊙ mask / keep_prob) and at test time (x unchanged)."))
register(Check("inverted_dropout_backward", _dropout_backward_cases, _dropout_backward_reference, outputs=("dx",),
               function="dropout_backward", guarded=(norm.dropout_backward, norm.dropout_forward),
               numerical=_dropout_numerical, tolerances={"dx": GRADIENT_RTOL},
               hint="dx = dout * mask / keep_prob: the same mask and the same scaling as the forward pass.",
               doc="Check ``dropout_backward(dout, mask, keep_prob) -> dx`` against helpers.norm (with "
                   "p = 1 − keep_prob) and finite differences."))


# --------------------------------------------------------------------------- the model

def _model_forward_cases(rng):
    cases = []
    for label, x, layers, _ in _networks(rng):
        spec, arrays = LY.to_arrays(layers)
        cases.append(Case(label, (x, *arrays), {"spec": spec}))
    return cases


_FORWARD_HINT = ("loop over the layers in order: append the layer's input to `inputs`, then x = that layer's "
                 "forward (affine_forward, activation_forward or dropout_forward with the layer's mask; a mask "
                 "of None means test time). Return (x, inputs), with len(inputs) == len(layers).")


def _verify_model_forward(case, got, where):
    __tracebackhide__ = True
    out, inputs = LY.model_forward.unguarded(case.args[0], _layers_of(case))
    compare(out, got[0], "out", where, FORWARD_RTOL, _FORWARD_HINT)
    got_inputs = _tuple_of(got[1], "inputs", len(inputs), where)
    for i, (e, g) in enumerate(zip(inputs, got_inputs)):
        compare(e, g, f"inputs[{i}]", where, FORWARD_RTOL,
                f"inputs[{i}] is what layers[{i}] received: x for i = 0, then each layer's output. " + _FORWARD_HINT)


register(Check("model_forward", _model_forward_cases, reference=None, outputs=("out", "inputs"),
               guarded=(LY.model_forward, LY.affine_forward, LY.activation_forward),
               verify=_verify_model_forward, hint=_FORWARD_HINT,
               doc="Check ``model_forward(x, layers) -> (out, inputs)`` on layer lists of depth 1 to 4 with odd "
                   "widths, every activation and dropout layers, against helpers.layers. Call it on "
                   "``helpers.layers.on_arrays(model_forward, 'model_forward')``: the grader moves arrays only."))


def _model_backward_cases(rng):
    cases = []
    for label, x, layers, dout in _networks(rng):
        _, inputs = LY.model_forward.unguarded(x, layers)
        spec, arrays = LY.to_arrays(layers)
        cases.append(Case(label, (dout, *inputs, *arrays), {"spec": spec}))
    return cases


_BACKWARD_HINT = ("go through the layers in REVERSE: dout, grads[i] = that layer's backward(dout, inputs[i], ...); "
                  "affine: dx = dout @ W.T, dW = inputs[i].T @ dout, db = dout.sum(axis=0); activation: "
                  "dout * f'(inputs[i]); dropout: dout * mask / keep_prob (or dout when the mask is None). "
                  "grads[i] is {'W': dW, 'b': db} for an affine layer and {} for the others.")


def _verify_model_backward(case, got, where):
    __tracebackhide__ = True
    spec = case.kwargs["spec"]
    count = len(spec)
    dout, inputs = case.args[0], list(case.args[1:1 + count])
    layers = _layers_of(case, 1 + count)
    dx, grads = LY.model_backward.unguarded(dout, inputs, layers)
    compare(dx, got[0], "dx", where, GRADIENT_RTOL, _BACKWARD_HINT)
    got_grads = _tuple_of(got[1], "grads", count, where)
    for i, (layer, grad, mine) in enumerate(zip(layers, grads, got_grads)):
        names = LY.parameter_names(layer)
        if not isinstance(mine, tuple) or len(mine) != len(names):
            raise CheckFailed(f"{where}: grads[{i}] does not have the gradients of layers[{i}]'s parameters "
                              f"({', '.join(names) or 'none'}).")
        for name, g in zip(names, mine):
            compare(grad[name], g, f"grads[{i}]['{name}']", where, GRADIENT_RTOL, _BACKWARD_HINT)
    compare(_energy_gradient(inputs[0], layers, dout, "x"), got[0], "dx", where + " vs numerical gradient",
            NUMERICAL_RTOL, _BACKWARD_HINT, atol=NUMERICAL_ATOL)
    for i, (layer, mine) in enumerate(zip(layers, got_grads)):
        for name, g in zip(LY.parameter_names(layer), mine):
            compare(_energy_gradient(inputs[0], layers, dout, (i, name)), g, f"grads[{i}]['{name}']",
                    where + " vs numerical gradient", NUMERICAL_RTOL, _BACKWARD_HINT, atol=NUMERICAL_ATOL)


register(Check("model_backward", _model_backward_cases, reference=None, outputs=("dx", "grads"),
               guarded=(LY.model_backward, LY.model_forward, LY.affine_backward, LY.activation_backward),
               verify=_verify_model_backward, hint=_BACKWARD_HINT,
               doc="Check ``model_backward(dout, inputs, layers) -> (dx, grads)`` on depths 1 to 4 against "
                   "helpers.layers and central differences of Σ dout ⊙ out. Call it on "
                   "``helpers.layers.on_arrays(model_backward, 'model_backward')``."))


# --------------------------------------------------------------------------- L2 regularization

def _l2_cases(rng):
    cases = []
    settings = [(0.7, 10), (0.0, 5), (2.5, 1), (0.1, 1000), (1.0, 64)]
    for (label, x, layers, _), (lam, m) in zip(_networks(rng), settings * 2):
        spec, arrays = LY.to_arrays(layers)
        cases.append(Case(f"{label}, lam={lam:g}, m={m}", arrays, {"spec": spec, "lam": lam, "m": m}))
    return cases


def _l2_cost_reference(*arrays, spec, lam, m):
    return LY.l2_cost.unguarded(LY.from_arrays(spec, arrays), lam, m)


def _l2_grads_reference(*arrays, spec, lam, m):
    grads = LY.l2_grads.unguarded(LY.from_arrays(spec, arrays), lam, m)
    return tuple(tuple(g[p] for p in LY.parameter_names(layer)) for g, layer in zip(grads, LY.from_arrays(spec, arrays)))


_L2_COST_HINT = ("cost = lam / (2 * m) * (sum over the AFFINE layers of np.sum(W ** 2)); biases are not "
                 "regularized, and the 1/2 makes the gradient (lam / m) * W.")
_L2_GRADS_HINT = ("for every affine layer {'W': (lam / m) * W, 'b': np.zeros_like(b)} (biases are not regularized), "
                  "{} for the other layers, in a list aligned with `layers`.")


def _verify_l2_grads(case, got, where):
    __tracebackhide__ = True
    spec = case.kwargs["spec"]
    expected = _l2_grads_reference(*case.args, **case.kwargs)
    got = _tuple_of(got[0], "grads", len(spec), where)
    layers = LY.from_arrays(spec, [np.array(a, copy=True) for a in case.args])
    for i, (layer, e, mine) in enumerate(zip(layers, expected, got)):
        names = LY.parameter_names(layer)
        if not isinstance(mine, tuple) or len(mine) != len(names):
            raise CheckFailed(f"{where}: grads[{i}] must hold the gradients of layers[{i}]'s parameters "
                              f"({', '.join(names) or 'none'}).\nHint: {_L2_GRADS_HINT}")
        for name, exp, g in zip(names, e, mine):
            compare(exp, g, f"grads[{i}]['{name}']", where, GRADIENT_RTOL, _L2_GRADS_HINT)
            if name == "W":
                estimate = numerical_gradient(lambda _: LY.l2_cost.unguarded(layers, case.kwargs["lam"],
                                                                             case.kwargs["m"]), layer["W"])
                compare(estimate, g, f"grads[{i}]['W']", where + " vs numerical gradient", NUMERICAL_RTOL,
                        _L2_GRADS_HINT, atol=NUMERICAL_ATOL)


register(Check("l2_cost", _l2_cases, _l2_cost_reference, outputs=("cost",), guarded=(LY.l2_cost,),
               hint=_L2_COST_HINT,
               doc="Check ``l2_cost(layers, lam, m) -> float``, λ/(2m) Σ‖W‖² over the affine layers, against "
                   "helpers.layers. Call it on ``helpers.layers.on_arrays(l2_cost, 'l2_cost')``."))
register(Check("l2_grads", _l2_cases, reference=None, outputs=("grads",), guarded=(LY.l2_grads, LY.l2_cost),
               verify=_verify_l2_grads, hint=_L2_GRADS_HINT,
               doc="Check ``l2_grads(layers, lam, m) -> grads`` ((λ/m) W for every affine layer, zeros for b) "
                   "against helpers.layers and central differences of l2_cost. Call it on "
                   "``helpers.layers.on_arrays(l2_grads, 'l2_grads')``."))


# --------------------------------------------------------------------------- input normalization

def _normalize_cases(rng):
    def split(n_train, n_dev, n_test, d, shift=3.0, scale=4.0):
        centre, spread = rng.normal(size=d) * 5, rng.uniform(0.5, 3, size=d)
        train = centre + spread * rng.normal(size=(n_train, d))
        dev = centre + shift + scale * spread * rng.normal(size=(n_dev, d))
        test = centre - shift + spread / scale * rng.normal(size=(n_test, d))
        return train, dev, test

    cases = [Case("dev and test shifted and scaled: their own statistics differ", split(20, 15, 10, 3)),
             Case("a single dev and a single test example (their own spread is 0)", split(12, 1, 1, 4))]
    train, dev, test = split(10, 6, 5, 3)
    train[:, 1] = 3.0
    cases.append(Case("feature 1 is constant in the training set: σ = 1, centre only", (train, dev, test)))
    train, dev, test = split(30, 8, 8, 2)
    scales = np.array([1000.0, 0.01])
    cases.append(Case("features on very different scales (thousands and hundredths)",
                      (train * scales, dev * scales, test * scales)))
    cases.append(Case("one feature (D=1)", split(25, 5, 7, 1)))
    cases.append(Case("random sizes", split(int(rng.integers(5, 40)), int(rng.integers(2, 20)),
                                        int(rng.integers(2, 20)), int(rng.integers(2, 6)))))
    return cases


def _normalize_reference(X_train, X_dev, X_test):
    mu, sigma = I.input_statistics.unguarded(X_train)
    return tuple(I.normalize_inputs.unguarded(X, mu, sigma) for X in (X_train, X_dev, X_test))


_NORMALIZE_HINT = ("mu = X_train.mean(axis=0) and sigma = X_train.std(axis=0) (ddof 0), with sigma = 1 where it is "
                   "0; then (X - mu) / sigma for the training, dev AND test sets, all with the TRAINING statistics.")


def _verify_normalize(case, got, where):
    __tracebackhide__ = True
    expected = _normalize_reference(*case.args)
    for name, X, e, g in zip(("train_norm", "dev_norm", "test_norm"), case.args, expected, got):
        g_array = as_output(g, name, where)
        if name != "train_norm" and g_array.shape == e.shape and X.shape[0] > 1:
            own_mu, own_sigma = I.input_statistics.unguarded(X)
            if np.allclose(g_array, (X - own_mu) / own_sigma, rtol=1e-6, atol=1e-9) and \
                    not np.allclose(e, g_array, rtol=1e-6, atol=1e-9):
                raise CheckFailed(f"{where}: `{name}` was normalized with its own mean and spread. Use the "
                                  f"training set's μ and σ for every set: the network learned on inputs measured "
                                  f"with the training set's ruler.")
        compare(e, g, name, where, 1e-6, _NORMALIZE_HINT)


register(Check("normalize_with_train_statistics", _normalize_cases, reference=None,
               outputs=("train_norm", "dev_norm", "test_norm"), function="normalize_splits",
               guarded=(I.input_statistics, I.normalize_inputs), verify=_verify_normalize, hint=_NORMALIZE_HINT,
               doc="Check ``normalize_splits(X_train, X_dev, X_test) -> (train_norm, dev_norm, test_norm)`` on "
                   "cases where the dev and test sets' own statistics give different answers than the "
                   "training set's."))


# --------------------------------------------------------------------------- initialization

_INIT_SHAPES = ((400, 150), (60, 1000))
_VARIANCE_RTOL = 0.05       # 60 000 entries: the sample variance is within ~0.6 % (one standard error)


def _init_cases(rng):
    cases = []
    for method in I.METHODS:
        for n_in, n_out in _INIT_SHAPES:
            cases.append(Case(f"{method}, n_in={n_in}, n_out={n_out}", (n_in, n_out, method,
                                                                      int(rng.integers(2 ** 31)))))
    cases.append(Case("he, one input (n_in=1): shape only", (1, 7, "he", int(rng.integers(2 ** 31)))))
    cases.append(Case("xavier, one output (n_out=1): shape only", (9, 1, "xavier", int(rng.integers(2 ** 31)))))
    return cases


_INIT_HINT = ("standard deviations: zeros 0, large 10, lecun 1/sqrt(n_in), xavier sqrt(2/(n_in + n_out)), "
              "he sqrt(2/n_in); draw rng.normal(0.0, s, size=(n_in, n_out)) with rng = np.random.default_rng(rng).")


def _verify_init(case, got, where):
    __tracebackhide__ = True
    n_in, n_out, method, _ = case.args
    W = as_output(got[0], "W", where)
    if W.shape != (n_in, n_out):
        raise CheckFailed(f"{where}: W has shape {W.shape}, expected (n_in, n_out) = {(n_in, n_out)}.")
    if not np.all(np.isfinite(W)):
        raise CheckFailed(f"{where}: W holds NaN or inf.")
    if method == "zeros":
        if np.any(W != 0):
            raise CheckFailed(f"{where}: every weight must be exactly 0 for method 'zeros'.")
        return
    if W.size < 1000:
        return
    s = I.init_std.unguarded(method, n_in, n_out)
    mean, var = float(W.mean()), float(W.var())
    if abs(mean) > 6 * s / np.sqrt(W.size):
        raise CheckFailed(f"{where}: the weights' mean is {mean:.4g}; they must be centred on 0.\nHint: {_INIT_HINT}")
    if abs(var / s ** 2 - 1) > _VARIANCE_RTOL:
        names = [other for other in I.METHODS[1:] if other != method
                 and abs(var / I.init_std.unguarded(other, n_in, n_out) ** 2 - 1) <= _VARIANCE_RTOL]
        also = f" (that is the variance of {names[0]!r})" if names else ""
        raise CheckFailed(f"{where}: the weights' variance is {var:.4g}{also}; method {method!r} needs "
                          f"{s ** 2:.4g} for this shape, within {_VARIANCE_RTOL:.0%}.\nHint: {_INIT_HINT}")


register(Check("init_variances", _init_cases, reference=None, outputs=("W",), function="init_weights",
               guarded=(I.init_weights, I.init_std), verify=_verify_init, hint=_INIT_HINT,
               doc="Check ``init_weights(n_in, n_out, method, rng) -> W``: the shape (n_in, n_out) for every "
                   "method, all zeros for 'zeros', and mean 0 and the method's variance (within 5 %) on "
                   "60 000 weights for 'large', 'lecun', 'xavier' and 'he'."))


# --------------------------------------------------------------------------- early stopping

def _curve(rng, length, best_at, noise=0.4):
    epochs = np.arange(length)
    base = 30.0 * np.exp(-epochs / max(best_at / 2.5, 1)) + 0.02 * np.maximum(epochs - best_at, 0) ** 1.5 + 10.0
    return np.round(base + rng.normal(size=length) * noise, 2)


def _early_cases(rng):
    def snapshots(length, shape=(3, 2)):
        return rng.normal(size=(length, *shape))

    cases = []
    u = _curve(rng, 40, 15)
    cases.append(Case("a U-shaped dev curve, patience 5", (u, snapshots(40), 5)))
    falling = np.round(np.linspace(30.0, 10.0, 12), 3)
    cases.append(Case("still improving at the last epoch (no stop)", (falling, snapshots(12), 3)))
    late = np.array([20.0, 15.0, 12.0, 12.5, 13.0, 12.8, 13.5, 11.0, 10.0, 9.0])
    cases.append(Case("a lower error after patience ran out (epoch 7) must not count", (late, snapshots(10), 3)))
    ties = np.array([9.0, 7.0, 7.0, 7.0, 8.0, 7.0, 6.5])
    cases.append(Case("equal errors are not an improvement (patience 4)", (ties, snapshots(7, (2, 2)), 4)))
    cases.append(Case("patience 1", (np.array([5.0, 4.0, 4.5, 3.0]), snapshots(4), 1)))
    cases.append(Case("one epoch only", (np.array([12.0]), snapshots(1, (4,)), 3)))
    length = int(rng.integers(20, 60))
    cases.append(Case(f"random curve of {length} epochs, patience 8",
                      (_curve(rng, length, int(rng.integers(5, length - 5))), snapshots(length, (2, 3, 2)), 8)))
    return cases


_EARLY_HINT = ("walk through the epochs keeping the best (strictly lowest) dev error so far and its epoch; count "
               "the epochs since it last improved and stop when that count reaches `patience`. Return that best "
               "epoch and snapshots[best_epoch], not the weights of the epoch where you stopped.")


def _verify_early(case, got, where):
    __tracebackhide__ = True
    errors, snaps, patience = case.args
    best, stop = TR.early_stopping.unguarded(errors, patience)
    epoch = as_output(got[0], "best_epoch", where)
    if epoch.shape != () or not float(epoch).is_integer():
        raise CheckFailed(f"{where}: `best_epoch` must be one integer (an index into dev_errors), got {epoch!r:.60}.")
    epoch = int(epoch)
    if epoch != best:
        if epoch == stop and stop != best:
            why = "that is the epoch where training stopped, not the best one seen"
        elif 0 <= epoch < errors.size and epoch > stop:
            why = (f"epoch {epoch} comes after training stopped: with patience {patience} the run ends at "
                   f"epoch {stop}, so later epochs were never trained")
        elif 0 <= epoch < errors.size and errors[epoch] == errors[best]:
            why = "on ties keep the first epoch: an equal error is not an improvement"
        else:
            why = "it is not the epoch with the lowest dev error before the stop"
        raise CheckFailed(f"{where}: `best_epoch` is {epoch}, which is wrong: {why}.\nHint: {_EARLY_HINT}")
    compare(snaps[best], got[1], "best_weights", where, FORWARD_RTOL,
            "best_weights must be snapshots[best_epoch], the weights saved after the best epoch.")


register(Check("early_stopping", _early_cases, reference=None, outputs=("best_epoch", "best_weights"),
               guarded=(TR.early_stopping,), verify=_verify_early, hint=_EARLY_HINT,
               doc="Check ``early_stopping(dev_errors, snapshots, patience) -> (best_epoch, best_weights)``: the "
                   "epoch (0-based) with the lowest dev error before patience runs out, and its snapshot."))


# --------------------------------------------------------------------------- the regularization study

def _study_cases(rng):
    cases = []
    for _ in range(3):
        seed = int(rng.integers(10_000))
        data = TR.make_moons_data(seed, n_train=TR.STUDY["n_train"], n_dev=TR.STUDY["n_dev"], n_test=1,
                                  noise=TR.STUDY["noise"], flip=TR.STUDY["flip"])
        cases.append(Case(f"noisy moons, seed {seed}", (data.X_train, data.y_train, data.X_dev, data.y_dev,
                                                        np.array(STUDY_LAMBDAS), seed)))
    return cases


_STUDY_HINT = ("for each λ in lambdas: build the study network with the given seed, train it with λ, and record its "
               "train and dev errors (percent). Return the λ with the LOWEST DEV error, and both lists of errors.")


def _verify_study(case, got, where):
    __tracebackhide__ = True
    X_train, y_train, X_dev, y_dev, lambdas, seed = case.args
    best = as_output(got[0], "best_lambda", where)
    if best.shape != ():
        raise CheckFailed(f"{where}: `best_lambda` must be one number, got an array of shape {best.shape}.")
    best = float(best)
    train_errors = as_output(got[1], "train_errors", where).ravel()
    dev_errors = as_output(got[2], "dev_errors", where).ravel()
    for name, values in (("train_errors", train_errors), ("dev_errors", dev_errors)):
        if values.size != lambdas.size:
            raise CheckFailed(f"{where}: `{name}` has {values.size} values; expected one per λ ({lambdas.size}).")
        if not np.all((values >= 0) & (values <= 100)):
            raise CheckFailed(f"{where}: `{name}` must be error rates in percent, between 0 and 100.")
    matches = np.flatnonzero(np.isclose(lambdas, best, rtol=1e-9, atol=0))
    if matches.size == 0:
        raise CheckFailed(f"{where}: `best_lambda` = {best:g} is not one of the λ you were given.")
    best = float(lambdas[matches[0]])
    if dev_errors[matches[0]] > dev_errors.min() + 1e-9:
        raise CheckFailed(f"{where}: your own dev errors say another λ is better than {best:g}. Choose the λ with "
                          f"the lowest DEV error (the training error always prefers λ = 0).\nHint: {_STUDY_HINT}")
    if best == 0.0:
        raise CheckFailed(f"{where}: you chose λ = 0, no regularization, yet this network overfits its 100 noisy "
                          f"points. If your dev error really is lowest at λ = 0, check that your training adds "
                          f"l2_grads to the gradients.\nHint: {_STUDY_HINT}")
    dev = {lam: TR.study_errors.unguarded(X_train, y_train, X_dev, y_dev, lam, int(seed))[1] for lam in (0.0, best)}
    gain = dev[0.0] - dev[best]
    if gain >= STUDY_MARGIN:
        return
    # A rare data set where no λ of the grid gains 2 * STUDY_MARGIN: half of the best gain is enough.
    for lam in lambdas:
        dev.setdefault(float(lam), TR.study_errors.unguarded(X_train, y_train, X_dev, y_dev, float(lam), int(seed))[1])
    best_gain = dev[0.0] - min(dev.values())
    if gain > 0 and gain >= best_gain / 2:
        return
    raise CheckFailed(f"{where}: trained by the reference with λ = {best:g}, the study network's dev error is "
                      f"{dev[best]:.1f}%, against {dev[0.0]:.1f}% with λ = 0: it must be at least {STUDY_MARGIN:g} "
                      f"points lower (the best λ here gains {best_gain:.1f}).\nHint: {_STUDY_HINT}")


register(Check("lambda_beats_no_regularization", _study_cases, reference=None,
               outputs=("best_lambda", "train_errors", "dev_errors"), function="choose_lambda",
               guarded=(TR.choose_lambda, TR.study_errors, TR.train_network), verify=_verify_study,
               hint=_STUDY_HINT,
               doc=f"Run ``choose_lambda(X_train, y_train, X_dev, y_dev, lambdas, seed) -> (best_lambda, "
                   f"train_errors, dev_errors)`` on noisy moons for three seeds. Passes when best_lambda is the "
                   f"λ with the lowest of the returned dev errors and, retrained by helpers.training, beats λ = 0 "
                   f"on the dev set by at least {STUDY_MARGIN:g} percentage points (on the rare data set where "
                   f"no λ of the grid gains {2 * STUDY_MARGIN:g}, by half of what the best one gains)."))
