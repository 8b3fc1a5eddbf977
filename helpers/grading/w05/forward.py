"""Week 5's RNN forward pass, against ``helpers.rnn`` (saturated tanh units included)."""

from __future__ import annotations

from ... import rnn
from ..core import Check, register
from .networks import draw_network, network_case, networks


def _forward_cases(rng):
    cases = [network_case(label, net, ("x", "h0", "W_in", "W", "b")) for label, net in networks(rng)]
    big = draw_network(rng, 2, 7, 3, 4, "tanh")
    big["W"] = big["W"] * 40.0
    big["x"] = big["x"] * 30.0
    cases.append(network_case("tanh with huge weights: saturated units", big, ("x", "h0", "W_in", "W", "b")))
    return cases


def _forward_reference(x, h0, W_in, W, b, activation="tanh"):
    return rnn.rnn_forward.unguarded(x, h0, W_in, W, b, activation=activation)


register(
    Check(
        "rnn_forward",
        _forward_cases,
        _forward_reference,
        outputs=("z",),
        guarded=(rnn.rnn_forward,),
        hint="loop over t: u_t = x[:, t] @ W_in + z_prev @ W + b, z_t = f(u_t), starting from "
        "z_prev = h0; store z_t in z[:, t] and carry it to the next step. Return (N, T, H).",
        compares_with=(rnn.rnn_forward,),
        doc="Check ``rnn_forward(x, h0, W_in, W, b, activation) -> z`` (N, T, H) against helpers.rnn.",
    )
)
