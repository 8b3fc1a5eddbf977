"""Week 10's bidirectional RNN over padded sequences, forward and backward, against ``helpers.seq2seq``
(built on helpers.rnn), the per-sequence loops of ``helpers.numpy_reference`` and central differences.

Padded cases are the point: the backward direction must start at each sequence's own last token, and
the states at padded positions are 0. The inputs at padded positions are random (as the embedding of
a padding id would be), so a run that reads them shows.
"""

from __future__ import annotations

import numpy as np

from ... import numpy_reference as ref
from ... import rnn, seq2seq
from ..core import Check, NetworkCase, register
from ..mistakes import GRADIENT, verify_with_mistakes

PARAMETERS = ("Wf_in", "Wf", "bf", "Wb_in", "Wb", "bb")
GRADIENTS = ("dx", "dWf_in", "dWf", "dbf", "dWb_in", "dWb", "dbb")

# (label, lengths, D, H)
_SHAPES = [
    ("one time step (T = 1)", [1, 1, 1], 2, 3),
    ("a single sequence (N = 1), no padding", [5], 3, 4),
    ("one hidden unit (H = 1), padded", [4, 2, 3], 2, 1),
    ("padded sequences of lengths 5, 2, 1, 4", [5, 2, 1, 4], 3, 3),
    ("N = T = D = H = 3, lengths 3, 1, 2", [3, 1, 2], 3, 3),
]


def _network(rng, lengths, d, h):
    n, t = len(lengths), max(lengths)
    mask = (np.arange(t)[None, :] < np.array(lengths)[:, None]).astype(np.float64)
    net = dict(x=rng.normal(size=(n, t, d)), mask=mask, dh=rng.normal(size=(n, t, 2 * h)))
    for prefix in ("f", "b"):
        net[f"W{prefix}_in"] = rng.normal(size=(d, h)) / np.sqrt(d)
        net[f"W{prefix}"] = rng.normal(size=(h, h)) * 0.9 / np.sqrt(h)
        net[f"b{prefix}"] = rng.normal(size=h) * 0.3
    return net


def networks(rng):
    result = [(label, _network(rng, lengths, d, h)) for label, lengths, d, h in _SHAPES]
    n, d, h = int(rng.integers(2, 6)), int(rng.integers(1, 5)), int(rng.integers(1, 6))
    lengths = [int(v) for v in rng.integers(1, 9, size=n)]
    result.append((f"random lengths {lengths}, D={d}, H={h}", _network(rng, lengths, d, h)))
    return result


def _args(net, names):
    return tuple(net[name] for name in names)


def _whole_reversal(net):
    """The mistake: the backward direction reads x[:, ::-1], so it starts in the padding."""
    n, _, _ = net["x"].shape
    h = net["Wf"].shape[0]
    zeros = np.zeros((n, h))
    keep = net["mask"][..., None]
    forward = rnn.rnn_forward.unguarded(net["x"], zeros, net["Wf_in"], net["Wf"], net["bf"]) * keep
    backward = rnn.rnn_forward.unguarded(net["x"][:, ::-1], zeros, net["Wb_in"], net["Wb"], net["bb"])[:, ::-1] * keep
    return np.concatenate([forward, backward], axis=2)


def _unmasked(net):
    """The mistake: states at padded positions kept (not set to 0)."""
    return (
        seq2seq.birnn_forward.unguarded(net["x"], np.ones_like(net["mask"]), *_args(net, PARAMETERS))
        + 0.0 * net["mask"][..., None]
    )


WHOLE_REVERSAL = (
    "the backward direction was reversed over the whole padded sequence (x[:, ::-1]), so it starts in the "
    "padding. Reverse each sequence within its own length L (positions L−1, …, 0), run the RNN, and put "
    "the states back at their positions."
)
UNMASKED = "the states at padded positions are not 0: multiply both directions' states by the mask."


def _forward_cases(rng):
    names = ("x", "mask") + PARAMETERS
    return [NetworkCase(label, _args(net, names), network=net) for label, net in networks(rng)]


BIRNN_HINT = (
    "forward: f_t = tanh(x_t Wf_in + f_{t−1} Wf + bf) from t = 0; backward: g_t = tanh(x_t Wb_in + g_{t+1} Wb + bb) "
    "from each sequence's LAST REAL token down to 0; both start from zeros; h = concatenate([f, g], axis=2) "
    "(N, T, 2H), times the mask."
)

register(
    Check(
        "birnn_forward",
        _forward_cases,
        reference=None,
        verify=verify_with_mistakes(
            ("h",),
            lambda case: (seq2seq.birnn_forward.unguarded(*case.args),),
            BIRNN_HINT,
            mistakes=(
                (WHOLE_REVERSAL, lambda case: (_whole_reversal(case.network),)),
                (UNMASKED, lambda case: (_unmasked(case.network),)),
            ),
        ),
        outputs=("h",),
        guarded=(seq2seq.birnn_forward,),
        hint=BIRNN_HINT,
        compares_with=(seq2seq.birnn_forward,),
        doc="Check ``birnn_forward(x, mask, Wf_in, Wf, bf, Wb_in, Wb, bb) -> h`` (N, T, 2H) against "
        "helpers.seq2seq on padded sequences (T = 1, N = 1, H = 1 included).",
    )
)


def _backward_cases(rng):
    names = ("dh", "x", "mask") + PARAMETERS
    return [NetworkCase(label, _args(net, names), network=net) for label, net in networks(rng)]


def _numerical(case):
    from ...gradcheck import numerical_gradient

    net = {k: np.array(v, dtype=np.float64) for k, v in case.network.items()}
    names = ("x", "mask") + PARAMETERS

    def energy(_):
        return float(np.sum(net["dh"] * ref.birnn_forward(*_args(net, names))))

    return {grad: numerical_gradient(energy, net[grad[1:]]) for grad in GRADIENTS}


def _whole_reversal_backward(case):
    """What BPTT through the whole-reversal mistake gives (dx only; the weights follow from it)."""
    net = case.network
    h = net["Wf"].shape[0]
    n = net["x"].shape[0]
    zeros = np.zeros((n, h))
    keep = net["mask"][..., None]
    dx_f, _, *grads_f = rnn.rnn_backward.unguarded(
        net["dh"][..., :h] * keep, net["x"], zeros, net["Wf_in"], net["Wf"], net["bf"]
    )
    dhb = (net["dh"][..., h:] * keep)[:, ::-1]
    dx_b, _, *grads_b = rnn.rnn_backward.unguarded(dhb, net["x"][:, ::-1], zeros, net["Wb_in"], net["Wb"], net["bb"])
    return (dx_f + dx_b[:, ::-1], *grads_f, *grads_b)


BIRNN_BACKWARD_HINT = (
    "split dh into the forward half dh[..., :H] and the backward half dh[..., H:], zero both at padded "
    "positions, run BPTT of each direction (the backward one on the sequences reversed within their "
    "lengths, then put dx back in place), and add the two directions' dx."
)

register(
    Check(
        "birnn_backward",
        _backward_cases,
        reference=None,
        verify=verify_with_mistakes(
            GRADIENTS,
            lambda case: seq2seq.birnn_backward.unguarded(*case.args),
            BIRNN_BACKWARD_HINT,
            mistakes=((WHOLE_REVERSAL, _whole_reversal_backward),),
            numerical=_numerical,
            rtol={name: GRADIENT for name in GRADIENTS},
        ),
        outputs=GRADIENTS,
        guarded=(seq2seq.birnn_forward, seq2seq.birnn_backward),
        hint=BIRNN_BACKWARD_HINT,
        compares_with=(seq2seq.birnn_backward,),
        doc="Check ``birnn_backward(dh, x, mask, Wf_in, Wf, bf, Wb_in, Wb, bb) -> (dx, dWf_in, dWf, dbf, dWb_in, "
        "dWb, dbb)`` against helpers.seq2seq and central differences, on padded sequences.",
    )
)
