"""Week 5's random recurrent networks and the central differences their gradients are checked with.

Each gradient is compared with ``helpers.rnn`` (the reference kernels) *and* with central
differences of E computed here by an independent plain-numpy forward pass (helpers/numpy_reference.py),
so a bug shared by a student and a reference cannot pass both. The networks cover T = 1, N = 1,
H = 1, D = 1, all sizes equal (a missing transpose keeps the shape), long sequences (T = 60) and
every activation.
"""

from __future__ import annotations

import numpy as np

from ... import numpy_reference as ref
from ..core import NetworkCase

ACTIVATIONS = ("tanh", "sigmoid", "relu")


# (label, N, T, D, H)
SHAPES = [
    ("one time step (T=1)", 3, 1, 2, 4),
    ("a single sequence (N=1)", 1, 5, 3, 4),
    ("N = T = D = H = 3: a missing transpose keeps the shape", 3, 3, 3, 3),
    ("a long sequence (T=60)", 2, 60, 2, 3),
    ("one hidden unit (H=1)", 4, 6, 2, 1),
    ("one input feature (D=1), N = H = 5", 5, 4, 1, 5),
]


def draw_network(rng, n, t_len, d, h, activation, identity_input=False, k=2):
    """A random network and upstream gradients; relu cases stay off the kink at 0."""
    for _ in range(200):
        if identity_input:
            d = h
        x = rng.normal(size=(n, t_len, d))
        h0 = rng.normal(size=(n, h)) * 0.5
        W_in = np.eye(h) if identity_input else rng.normal(size=(d, h)) / np.sqrt(d)
        W = rng.normal(size=(h, h)) * 0.9 / np.sqrt(h)
        b = rng.normal(size=h) * 0.3
        z, u = ref.rnn_states(x, h0, W_in, W, b, activation)
        if activation != "relu" or np.abs(u).min() > 1e-3:
            break
    W_out = rng.normal(size=(h, k)) / np.sqrt(h)
    c = rng.normal(size=k) * 0.3
    dv = rng.normal(size=(n, t_len, k))
    dh = dv @ W_out.T
    return dict(x=x, h0=h0, W_in=W_in, W=W, b=b, z=z, u=u, W_out=W_out, c=c, dv=dv, dh=dh, activation=activation)


def networks(rng, identity_input=False):
    """One network per shape (activations in turn), then every activation on a random size."""
    result = []
    for i, (label, n, t_len, d, h) in enumerate(SHAPES):
        activation = ACTIVATIONS[i % len(ACTIVATIONS)]
        result.append((f"{label}, {activation}", draw_network(rng, n, t_len, d, h, activation, identity_input)))
    n, t_len, d, h = (
        int(rng.integers(2, 7)),
        int(rng.integers(2, 12)),
        int(rng.integers(1, 5)),
        int(rng.integers(2, 7)),
    )
    for activation in ACTIVATIONS:
        result.append(
            (
                f"random sizes N={n}, T={t_len}, D={d}, H={h}, {activation}",
                draw_network(rng, n, t_len, d, h, activation, identity_input),
            )
        )
    return result


def network_case(label, net, names, with_activation=True):
    kwargs = {"activation": net["activation"]} if with_activation else {}
    return NetworkCase(label, tuple(net[name] for name in names), kwargs, network=net)


def copy_network(case):
    return {
        key: (np.array(v, dtype=np.float64, copy=True) if isinstance(v, np.ndarray) else v)
        for key, v in case.network.items()
    }


def energy_gradient(net, parameter, h=1e-5):
    """Central differences of E = Σ dh ⊙ z with respect to ``parameter`` ("x", "h0", "W_in", "W",
    "b" or "offsets", the last meaning an offset added to every u_t, i.e. ∂E/∂u), all entries at
    once: one batched forward pass over 2 × size perturbed copies of the network."""
    names = ("x", "h0", "W_in", "W", "b")
    arrays = {name: np.asarray(net[name], dtype=np.float64)[None] for name in names}
    base = np.zeros_like(net["z"]) if parameter == "offsets" else arrays[parameter][0]
    size = base.size
    steps = np.eye(size).reshape((size,) + base.shape) * h
    perturbed = np.concatenate([base + steps, base - steps])
    if parameter == "offsets":
        z = ref.rnn_states(*(arrays[name] for name in names), net["activation"], offsets=perturbed)[0]
    else:
        arrays[parameter] = perturbed
        z = ref.rnn_states(*(arrays[name] for name in names), net["activation"])[0]
    energy = np.sum(z * net["dh"], axis=(1, 2, 3))
    return ((energy[:size] - energy[size:]) / (2 * h)).reshape(base.shape)


def energy_gradient_of(parameter):
    def estimate(case):
        return energy_gradient(case.network, parameter)

    return estimate
