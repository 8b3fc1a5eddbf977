"""Week 8's L-layer model: ``model_forward`` and ``model_backward`` on random layer lists of depth 1 to 4
(``networks``), against ``helpers.layers`` and central differences of E = Σ dout ⊙ out computed by the
plain-numpy model of ``networks``, which shares no code with the kernels."""

from __future__ import annotations

from ...layers import (
    activation_backward,
    activation_forward,
    affine_backward,
    affine_forward,
    model_backward,
    model_forward,
    parameter_names,
    to_arrays,
)
from ..core import (
    FORWARD_RTOL,
    GRADIENT_RTOL,
    NUMERICAL_ATOL,
    NUMERICAL_RTOL,
    Case,
    Check,
    CheckFailed,
    compare,
    register,
)
from .networks import energy_gradient, layers_of, networks, tuple_of

# --------------------------------------------------------------------------- forward


def model_forward_cases(rng):
    cases = []
    for label, x, layers, _ in networks(rng):
        spec, arrays = to_arrays(layers)
        cases.append(Case(label, (x, *arrays), {"spec": spec}))
    return cases


FORWARD_HINT = (
    "loop over the layers in order: append the layer's input to `inputs`, then x = that layer's "
    "forward (affine_forward, activation_forward or dropout_forward with the layer's mask; a mask "
    "of None means test time). Return (x, inputs), with len(inputs) == len(layers)."
)


def verify_model_forward(case, got, where):
    __tracebackhide__ = True
    out, inputs = model_forward.unguarded(case.args[0], layers_of(case))
    compare(out, got[0], "out", where, FORWARD_RTOL, FORWARD_HINT)
    got_inputs = tuple_of(got[1], "inputs", len(inputs), where)
    for i, (e, g) in enumerate(zip(inputs, got_inputs)):
        compare(
            e,
            g,
            f"inputs[{i}]",
            where,
            FORWARD_RTOL,
            f"inputs[{i}] is what layers[{i}] received: x for i = 0, then each layer's output. " + FORWARD_HINT,
        )


register(
    Check(
        "model_forward",
        model_forward_cases,
        reference=None,
        outputs=("out", "inputs"),
        guarded=(model_forward, affine_forward, activation_forward),
        verify=verify_model_forward,
        hint=FORWARD_HINT,
        compares_with=(model_forward,),
        doc="Check ``model_forward(x, layers) -> (out, inputs)`` on layer lists of depth 1 to 4 with odd "
        "widths, every activation and dropout layers, against helpers.layers. Call it on "
        "``helpers.layers.on_arrays(model_forward, 'model_forward')``: the grader moves arrays only.",
    )
)


# --------------------------------------------------------------------------- backward


def model_backward_cases(rng):
    cases = []
    for label, x, layers, dout in networks(rng):
        _, inputs = model_forward.unguarded(x, layers)
        spec, arrays = to_arrays(layers)
        cases.append(Case(label, (dout, *inputs, *arrays), {"spec": spec}))
    return cases


BACKWARD_HINT = (
    "go through the layers in REVERSE: dout, grads[i] = that layer's backward(dout, inputs[i], ...); "
    "affine: dx = dout @ W.T, dW = inputs[i].T @ dout, db = dout.sum(axis=0); activation: "
    "dout * f'(inputs[i]); dropout: dout * mask / keep_prob (or dout when the mask is None). "
    "grads[i] is {'W': dW, 'b': db} for an affine layer and {} for the others."
)


def verify_model_backward(case, got, where):
    __tracebackhide__ = True
    spec = case.kwargs["spec"]
    count = len(spec)
    dout, inputs = case.args[0], list(case.args[1 : 1 + count])
    layers = layers_of(case, 1 + count)
    dx, grads = model_backward.unguarded(dout, inputs, layers)
    compare(dx, got[0], "dx", where, GRADIENT_RTOL, BACKWARD_HINT)
    got_grads = tuple_of(got[1], "grads", count, where)
    for i, (layer, grad, mine) in enumerate(zip(layers, grads, got_grads)):
        names = parameter_names(layer)
        if not isinstance(mine, tuple) or len(mine) != len(names):
            raise CheckFailed(
                f"{where}: grads[{i}] does not have the gradients of layers[{i}]'s parameters "
                f"({', '.join(names) or 'none'})."
            )
        for name, g in zip(names, mine):
            compare(grad[name], g, f"grads[{i}]['{name}']", where, GRADIENT_RTOL, BACKWARD_HINT)
    compare(
        energy_gradient(inputs[0], layers, dout, "x"),
        got[0],
        "dx",
        where + " vs numerical gradient",
        NUMERICAL_RTOL,
        BACKWARD_HINT,
        atol=NUMERICAL_ATOL,
    )
    for i, (layer, mine) in enumerate(zip(layers, got_grads)):
        for name, g in zip(parameter_names(layer), mine):
            compare(
                energy_gradient(inputs[0], layers, dout, (i, name)),
                g,
                f"grads[{i}]['{name}']",
                where + " vs numerical gradient",
                NUMERICAL_RTOL,
                BACKWARD_HINT,
                atol=NUMERICAL_ATOL,
            )


register(
    Check(
        "model_backward",
        model_backward_cases,
        reference=None,
        outputs=("dx", "grads"),
        guarded=(model_backward, model_forward, affine_backward, activation_backward),
        verify=verify_model_backward,
        hint=BACKWARD_HINT,
        compares_with=(model_backward,),
        doc="Check ``model_backward(dout, inputs, layers) -> (dx, grads)`` on depths 1 to 4 against "
        "helpers.layers and central differences of Σ dout ⊙ out. Call it on "
        "``helpers.layers.on_arrays(model_backward, 'model_backward')``.",
    )
)
