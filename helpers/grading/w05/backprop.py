"""Week 5's backpropagation through time, piece by piece: the output layer's gradients, the delta
recursion, dW_in, dW and db, then the whole backward pass; each against ``helpers.rnn`` (or plain
numpy) and central differences."""

from __future__ import annotations

import numpy as np

from ... import numpy_reference as ref
from ... import rnn
from ..core import GRADIENT_RTOL, NUMERICAL_ATOL, NUMERICAL_RTOL, Check, compare, register
from .networks import copy_network, energy_gradient, energy_gradient_of, network_case, networks


def _single_output_verify(check_name, outputs, which, reference, numerical, hint):
    """verify= for a function returning several gradients, of which this check grades one."""
    index = outputs.index(which)

    def verify(case, got, where):
        __tracebackhide__ = True
        expected = reference(case)
        compare(expected, got[index], which, where, GRADIENT_RTOL, hint)
        compare(
            numerical(case),
            got[index],
            which,
            where + " vs numerical gradient",
            NUMERICAL_RTOL,
            hint,
            atol=NUMERICAL_ATOL,
        )

    return verify


# --------------------------------------------------------------------------- output layer


def _output_cases(rng):
    return [network_case(label, net, ("dv", "z"), with_activation=False) for label, net in networks(rng)]


def _output_reference(which):
    def reference(case):
        dv, z = case.network["dv"], case.network["z"]
        if which == "dW_out":
            return np.einsum("nth,ntk->hk", z, dv)
        return dv.sum(axis=(0, 1))

    return reference


def _output_numerical(which):
    from ...gradcheck import numerical_gradient

    parameter = "W_out" if which == "dW_out" else "c"

    def estimate(case):
        net = copy_network(case)
        return numerical_gradient(
            lambda _: float(np.sum(net["dv"] * (net["z"] @ net["W_out"] + net["c"]))), net[parameter]
        )

    return estimate


_OUTPUT_HINTS = {
    "dW_out": "dW_out = Σ_t z_tᵀ δout_t, shape (H, K): sum over the batch AND over time, e.g. "
    "np.einsum('nth,ntk->hk', z, dv).",
    "dc": "dc = δout summed over the batch and over time (axes 0 and 1), shape (K,).",
}


for _which in ("dW_out", "dc"):
    register(
        Check(
            f"rnn_{_which}",
            _output_cases,
            reference=None,
            outputs=("dW_out", "dc"),
            verify=_single_output_verify(
                f"rnn_{_which}",
                ("dW_out", "dc"),
                _which,
                _output_reference(_which),
                _output_numerical(_which),
                _OUTPUT_HINTS[_which],
            ),
            hint="output_grads(dv, z) must return the tuple (dW_out, dc).",
            compares_with="plain numpy",
            doc=f"Check {_which} of ``output_grads(dv, z) -> (dW_out, dc)`` against plain numpy and "
            f"central differences.",
        )
    )


# --------------------------------------------------------------------------- the delta recursion


def _delta_cases(rng):
    return [network_case(label, net, ("dh", "z", "W")) for label, net in networks(rng, identity_input=True)]


_DELTA_HINT = (
    "go backwards from t = T−1 to 0 carrying δ_next (zeros after the last step): "
    "δ_t = (dh[:, t] + δ_next @ W.T) * f'(u_t), with f'(u_t) from z_t: 1 − z² (tanh), "
    "z (1 − z) (sigmoid), (z > 0) (relu). Forgetting the term δ_next @ W.T is the classic bug: "
    "then the gradient never flows back through time."
)


def _delta_verify(case, got, where):
    __tracebackhide__ = True
    net = case.network
    # With W_in = I the reference's dx is exactly δ (dx_t = δ_t W_inᵀ).
    expected = rnn.rnn_backward.unguarded(
        net["dh"], net["x"], net["h0"], net["W_in"], net["W"], net["b"], activation=net["activation"]
    )[0]
    compare(expected, got[0], "delta", where, GRADIENT_RTOL, _DELTA_HINT)
    compare(
        energy_gradient(net, "offsets"),
        got[0],
        "delta",
        where + " vs numerical gradient ∂E/∂u",
        NUMERICAL_RTOL,
        _DELTA_HINT,
        atol=NUMERICAL_ATOL,
    )


register(
    Check(
        "rnn_deltas",
        _delta_cases,
        reference=None,
        outputs=("delta",),
        guarded=(rnn.rnn_backward,),
        verify=_delta_verify,
        hint=_DELTA_HINT,
        compares_with=(rnn.rnn_backward,),
        doc="Check ``rnn_deltas(dh, z, W, activation) -> delta`` (N, T, H), the recursion back through time, "
        "against helpers.rnn and the numerical gradient ∂E/∂u_t.",
    )
)


# --------------------------------------------------------------------------- dW_in, dW, db


def _param_cases(rng):
    cases = []
    for label, net in networks(rng):
        net["delta"] = ref.rnn_deltas(net["dh"], net["z"], net["W"], net["activation"])
        cases.append(network_case(label, net, ("delta", "x", "z", "h0"), with_activation=False))
    return cases


def _param_reference(which):
    index = {"dW_in": 2, "dW": 3, "db": 4}[which]

    def reference(case):
        net = case.network
        return rnn.rnn_backward.unguarded(
            net["dh"], net["x"], net["h0"], net["W_in"], net["W"], net["b"], activation=net["activation"]
        )[index]

    return reference


_PARAM_HINTS = {
    "dW_in": "dW_in = Σ_t x_tᵀ δ_t, shape (D, H): sum over the batch and over time, e.g. "
    "np.einsum('ntd,nth->dh', x, delta).",
    "dW": "dW = Σ_t z_{t−1}ᵀ δ_t, shape (H, H), where z_{t−1} is the PREVIOUS hidden state: h0 at t = 0, "
    "then z[:, t−1]. Using z_t instead of z_{t−1}, or forgetting h0, are the usual bugs.",
    "db": "db = δ summed over the batch and over time (axes 0 and 1), shape (H,).",
}


for _which in ("dW_in", "dW", "db"):
    register(
        Check(
            f"rnn_{_which}",
            _param_cases,
            reference=None,
            outputs=("dW_in", "dW", "db"),
            guarded=(rnn.rnn_backward,),
            verify=_single_output_verify(
                f"rnn_{_which}",
                ("dW_in", "dW", "db"),
                _which,
                _param_reference(_which),
                energy_gradient_of({"dW_in": "W_in", "dW": "W", "db": "b"}[_which]),
                _PARAM_HINTS[_which],
            ),
            hint="rnn_param_grads(delta, x, z, h0) must return the tuple (dW_in, dW, db).",
            compares_with=(rnn.rnn_backward,),
            doc=f"Check {_which} of ``rnn_param_grads(delta, x, z, h0) -> (dW_in, dW, db)`` against "
            f"helpers.rnn and central differences.",
        )
    )


# --------------------------------------------------------------------------- the whole backward pass


def _backward_cases(rng):
    return [network_case(label, net, ("dh", "x", "h0", "W_in", "W", "b")) for label, net in networks(rng)]


def _backward_reference(dh, x, h0, W_in, W, b, activation="tanh"):
    return rnn.rnn_backward.unguarded(dh, x, h0, W_in, W, b, activation=activation)


def _backward_numerical(case, expected):
    return {
        name: energy_gradient_of(parameter)(case)
        for name, parameter in (("dx", "x"), ("dh0", "h0"), ("dW_in", "W_in"), ("dW", "W"), ("db", "b"))
    }


_BACKWARD_OUTPUTS = ("dx", "dh0", "dW_in", "dW", "db")


register(
    Check(
        "rnn_backward",
        _backward_cases,
        _backward_reference,
        outputs=_BACKWARD_OUTPUTS,
        guarded=(rnn.rnn_forward, rnn.rnn_backward),
        numerical=_backward_numerical,
        tolerances={name: GRADIENT_RTOL for name in _BACKWARD_OUTPUTS},
        hint="z = rnn_forward(...); delta = rnn_deltas(dh, z, W, activation); "
        "(dW_in, dW, db) = rnn_param_grads(delta, x, z, h0); dx = delta @ W_in.T (N, T, D); "
        "dh0 = delta[:, 0] @ W.T (N, H).",
        compares_with=(rnn.rnn_backward,),
        doc="Check ``rnn_backward(dh, x, h0, W_in, W, b, activation) -> (dx, dh0, dW_in, dW, db)`` against "
        "helpers.rnn and central differences (T = 1, N = 1, T = 60 included).",
    )
)
