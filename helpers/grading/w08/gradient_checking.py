"""Week 8's gradient check of the regularized cost: the student's ``gradient_check`` must report small
relative errors for right gradients and large ones for wrong gradients (a dW without its (λ/m) W term,
gradients of the network with dropout on, a bias gradient with the wrong sign), with L2 in the cost and
dropout off. Judged against ``helpers.training.gradient_check``; the two classic slips (a cost without
the L2 term, dropout left on) are recognised by redoing the check their way, in plain numpy."""

from __future__ import annotations

import numpy as np

from ... import training
from ...gradcheck import numerical_gradient, rel_error
from ...layers import from_arrays, l2_grads, model_backward, model_forward, parameter_names, to_arrays
from ..core import Case, Check, CheckFailed, as_output, register
from .networks import np_forward, tuple_of

RIGHT, WRONG = 1e-7, 1e-2  # every case's reference errors are below RIGHT or above WRONG


def _layers_and_grads(case):
    """The case's layer list and the grads it hands to gradient_check, rebuilt from its arrays."""
    spec = case.kwargs["spec"]
    count = sum(len(entry["arrays"]) for entry in spec)
    layers = from_arrays(spec, case.args[2 : 2 + count])
    rest = list(case.args[2 + count :])
    grads = [{p: rest.pop(0) for p in parameter_names(layer)} for layer in layers]
    return layers, grads


def _draw(rng, n, widths, acts, keep, lam, mistake):
    """X, y, layers (dropout masks of a last training step) and grads with the given mistake, or None
    when a ReLU input lies near its kink or a reference error falls between RIGHT and WRONG."""
    X = rng.normal(size=(n, widths[0]))
    y = rng.integers(0, widths[-1], size=n)
    layers = []
    for i, (a, b) in enumerate(zip(widths[:-1], widths[1:])):
        layers.append({"kind": "affine", "W": rng.normal(size=(a, b)) / np.sqrt(a), "b": rng.normal(size=b) * 0.5})
        if i < len(widths) - 2:
            layers.append({"kind": acts[i % len(acts)]})
            if keep is not None:
                layers.append({"kind": "dropout", "keep_prob": keep, "mask": rng.random((n, b)) < keep})
    value = X
    for layer in training.dropout_off(layers):
        if layer["kind"] == "relu" and np.abs(value).min() < 1e-3:
            return None
        value = np_forward(value, [layer])
    grads = training.regularized_grads(X, y, layers, lam)
    if mistake == "no L2 term":
        grads = training.regularized_grads(X, y, layers, 0.0)
    elif mistake == "dropout on":
        grads = _grads_with_masks(X, y, layers, lam)
    elif mistake == "db sign":
        last = max(i for i, layer in enumerate(layers) if layer["kind"] == "affine")
        grads[last] = {**grads[last], "b": -grads[last]["b"]}
    errors = training.gradient_check.unguarded(X, y, layers, grads, lam)
    values = [e for entry in errors for e in entry.values()]
    if any(RIGHT <= e <= WRONG for e in values):
        return None
    return X, y, layers, grads


def _grads_with_masks(X, y, layers, lam):
    """The gradients of the network with its dropout masks on (what a training step back-propagates)."""
    out, inputs = model_forward.unguarded(X, layers)
    p = np.exp(out - out.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    p[np.arange(len(y)), y] -= 1.0
    _, grads = model_backward.unguarded(p / len(y), inputs, layers)
    return [{k: g[k] + r[k] for k in g} for g, r in zip(grads, l2_grads.unguarded(layers, lam, len(y)))]


def gradcheck_cases(rng):
    settings = [
        ("right gradients, λ = 0.5, no dropout", 5, (3, 4, 2), ("tanh",), None, 0.5, None),
        ("dW without its (λ/m) W term, λ = 2", 6, (3, 5, 3), ("tanh",), None, 2.0, "no L2 term"),
        ("right gradients, λ = 0 (nothing to add)", 4, (2, 5, 2), ("sigmoid",), None, 0.0, None),
        (
            "right gradients (dropout off), the layers hold a training step's masks",
            6,
            (3, 6, 2),
            ("relu",),
            0.5,
            1.0,
            None,
        ),
        ("gradients of a step with dropout on, λ = 1", 6, (3, 6, 2), ("relu",), 0.5, 1.0, "dropout on"),
        ("db of the last layer with the wrong sign", 5, (2, 4, 3), ("tanh",), None, 0.3, "db sign"),
        ("one example (m = 1), λ = 0.8", 1, (4, 3, 2), ("sigmoid",), None, 0.8, None),
        ("depth 3, dW without (λ/m) W, λ = 5", 7, (3, 5, 4, 3), ("tanh", "relu"), 0.8, 5.0, "no L2 term"),
    ]
    cases = []
    for label, n, widths, acts, keep, lam, mistake in settings:
        for _ in range(200):
            drawn = _draw(rng, n, widths, acts, keep, lam, mistake)
            if drawn is not None:
                break
        else:
            raise RuntimeError(f"could not draw the case {label!r}")
        X, y, layers, grads = drawn
        spec, arrays = to_arrays(layers)
        flat = tuple(grad[p] for layer, grad in zip(layers, grads) for p in parameter_names(layer))
        cases.append(Case(label, (X, y, *arrays, *flat), {"spec": spec, "lam": lam}))
    return cases


def _plain_errors(X, y, layers, grads, lam, keep_masks, with_l2):
    """The relative errors a check gets that keeps the masks on or leaves L2 out of its cost (plain numpy)."""
    layers = [{k: (v.copy() if isinstance(v, np.ndarray) else v) for k, v in layer.items()} for layer in layers]
    if not keep_masks:
        layers = training.dropout_off(layers)
    m = len(X)

    def cost():
        out = np_forward(X, layers)
        z = out - out.max(axis=1, keepdims=True)
        log_p = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
        penalty = sum(np.sum(layer["W"] ** 2) for layer in layers if layer["kind"] == "affine")
        return -np.mean(log_p[np.arange(m), y]) + (lam / (2 * m) * penalty if with_l2 else 0.0)

    return [
        {p: rel_error(grad[p], numerical_gradient(lambda _: cost(), layer[p])) for p in parameter_names(layer)}
        for layer, grad in zip(layers, grads)
    ]


GRADCHECK_HINT = (
    "copy the layers and set every dropout mask to None (J must be a function of the parameters); let "
    "J = softmax cross-entropy of model_forward's logits + l2_cost(layers, lam, m); for every parameter "
    "array p of every affine layer, rel_error(grads[i][p], numerical_gradient(lambda _: J(), layer[p]))."
)


def _agrees(reference, got):
    if reference < RIGHT:
        return got < 1e-5
    return abs(got - reference) <= 0.01 + 0.01 * reference


def verify_gradcheck(case, got, where):
    __tracebackhide__ = True
    X, y = case.args[:2]
    lam = case.kwargs["lam"]
    layers, grads = _layers_and_grads(case)
    reference = training.gradient_check.unguarded(X, y, layers, grads, lam)
    got = tuple_of(got[0], "errors", len(layers), where)
    values = {}
    for i, (layer, mine) in enumerate(zip(layers, got)):
        names = parameter_names(layer)
        if not isinstance(mine, tuple) or len(mine) != len(names):
            raise CheckFailed(
                f"{where}: errors[{i}] must hold one relative error per parameter of layers[{i}] "
                f"({', '.join(names) or 'none: an empty dict'}).\nHint: {GRADCHECK_HINT}"
            )
        for name, value in zip(names, mine):
            value = as_output(value, f"errors[{i}]['{name}']", where)
            if value.shape != () or not np.isfinite(value) or value < 0:
                raise CheckFailed(f"{where}: errors[{i}]['{name}'] must be one relative error ≥ 0, got {value!r:.60}.")
            values[i, name] = float(value)
    wrong = [(i, name) for (i, name), value in values.items() if not _agrees(reference[i][name], value)]
    if not wrong:
        return
    i, name = wrong[0]
    ref, mine = reference[i][name], values[i, name]
    verdict = "right" if ref < RIGHT else "wrong"
    why = ""
    for keep_masks, with_l2, reason in (
        (False, False, "your cost leaves out the L2 term λ/(2m) Σ‖W‖²: check the cost that is trained"),
        (True, True, "your check runs with the dropout masks on: set every mask to None first (dropout off)"),
        (True, False, "your check keeps the dropout masks on and leaves out the L2 term"),
    ):
        if (keep_masks and not any(layer["kind"] == "dropout" for layer in layers)) or (not with_l2 and lam == 0):
            continue
        theirs = _plain_errors(X, y, layers, grads, lam, keep_masks, with_l2)
        if all(_agrees(theirs[j][p], values[j, p]) for (j, p) in values):
            why = f" It looks like {reason}."
            break
    raise CheckFailed(
        f"{where}: errors[{i}]['{name}'] is {mine:.2g}, but these gradients[{i}]['{name}'] are {verdict} (a check "
        f"of the regularized cost with dropout off finds {ref:.2g}).{why}\nHint: {GRADCHECK_HINT}"
    )


register(
    Check(
        "gradient_check_regularized",
        gradcheck_cases,
        reference=None,
        outputs=("errors",),
        function="gradient_check",
        guarded=(training.gradient_check,),
        verify=verify_gradcheck,
        hint=GRADCHECK_HINT,
        compares_with=(training.gradient_check,),
        doc="Check ``gradient_check(X, y, layers, grads, lam) -> errors`` (one relative error per parameter, "
        "aligned with layers): small for right gradients, large for a dW without (λ/m) W, for gradients "
        "of a step with dropout on and for a wrong sign, as helpers.training.gradient_check finds them. Call "
        "it on ``helpers.layers.on_arrays(gradient_check, 'gradient_check')``.",
    )
)
