"""Week 5's LSTM and GRU steps, forward and backward, against ``helpers.rnn`` and central differences of
the plain-numpy steps of ``helpers.numpy_reference``."""

from __future__ import annotations

import numpy as np

from ... import numpy_reference as ref
from ... import rnn
from ..core import GRADIENT_RTOL, Check, NetworkCase, register
from .networks import copy_network

# (label, N, D, H)
_CELL_SHAPES = [
    ("a single sample (N=1)", 1, 3, 2),
    ("N = D = H = 3: a missing transpose keeps the shape", 3, 3, 3),
    ("one hidden unit (H=1)", 4, 2, 1),
    ("one input feature (D=1)", 5, 1, 4),
    ("N = H = 4, D = 2", 4, 2, 4),
]


def _draw_cell(rng, n, d, h, gates, scale=1.0):
    return dict(
        x=rng.normal(size=(n, d)),
        h_prev=np.tanh(rng.normal(size=(n, h))),
        c_prev=rng.normal(size=(n, h)),
        Wx=rng.normal(size=(d, gates * h)) * scale / np.sqrt(d),
        Wh=rng.normal(size=(h, gates * h)) * scale / np.sqrt(h),
        b=rng.normal(size=gates * h) * 0.5 * scale,
        dh=rng.normal(size=(n, h)),
        dc=rng.normal(size=(n, h)),
    )


def _cells(rng, gates, saturated=False):
    result = [(label, _draw_cell(rng, n, d, h, gates)) for label, n, d, h in _CELL_SHAPES]
    n, d, h = int(rng.integers(2, 8)), int(rng.integers(1, 6)), int(rng.integers(1, 6))
    result.append((f"random sizes N={n}, D={d}, H={h}", _draw_cell(rng, n, d, h, gates)))
    if saturated:
        result.append(("large weights: saturated gates", _draw_cell(rng, 3, 2, 3, gates, scale=25.0)))
    return result


_LSTM_FORWARD_ARGS = ("x", "h_prev", "c_prev", "Wx", "Wh", "b")


_LSTM_BACKWARD_ARGS = ("dh", "dc") + _LSTM_FORWARD_ARGS


_GRU_FORWARD_ARGS = ("x", "h_prev", "Wx", "Wh", "b")


_GRU_BACKWARD_ARGS = ("dh",) + _GRU_FORWARD_ARGS


def _cell_cases(gates, names, saturated):
    def cases(rng):
        return [
            NetworkCase(label, tuple(net[name] for name in names), network=net)
            for label, net in _cells(rng, gates, saturated)
        ]

    return cases


def _cell_numerical(step, forward_names, outputs, upstream):
    """Central differences of E = Σ upstream ⊙ outputs of the plain-numpy step."""

    def estimate(case, expected):
        from ...gradcheck import numerical_gradient

        net = copy_network(case)

        def energy(_):
            result = step(*(net[name] for name in forward_names))
            result = result if isinstance(result, tuple) else (result,)
            return float(sum(np.sum(net[u] * r) for u, r in zip(upstream, result)))

        return {output: numerical_gradient(energy, net[name]) for output, name in outputs}

    return estimate


_LSTM_HINT = (
    "a = x @ Wx + h_prev @ Wh + b (N, 4H), split in the order [i, f, o, g]: i, f, o = sigmoid, "
    "g = tanh; c = f * c_prev + i * g; h = o * tanh(c)."
)


_LSTM_BACKWARD_HINT = (
    "the cell state gets the gradient from both outputs: dc_total = dc + dh * o * (1 − tanh(c)²); "
    "then da_i = dc_total * g * i(1 − i), da_f = dc_total * c_prev * f(1 − f), "
    "da_o = dh * tanh(c) * o(1 − o), da_g = dc_total * i * (1 − g²); dc_prev = dc_total * f; "
    "stack da = [da_i, da_f, da_o, da_g] (N, 4H): dx = da @ Wx.T, dh_prev = da @ Wh.T, "
    "dWx = x.T @ da, dWh = h_prev.T @ da, db = da.sum(axis=0)."
)


_GRU_HINT = (
    "split the 3H columns as [z, r, n]: z = σ(x Wx_z + h_prev Wh_z + b_z), r = σ(... r block ...), "
    "n = tanh(x Wx_n + b_n + r * (h_prev @ Wh_n)), h = (1 − z) * n + z * h_prev."
)


_GRU_BACKWARD_HINT = (
    "with s = h_prev @ Wh_n: da_n = dh * (1 − z) * (1 − n²), da_z = dh * (h_prev − n) * z(1 − z), "
    "da_r = da_n * s * r(1 − r). The input side uses [da_z, da_r, da_n], the recurrent side "
    "[da_z, da_r, da_n * r]; and h_prev also reaches h directly: dh_prev = dh * z + [..] @ Wh.T."
)


register(
    Check(
        "lstm_step",
        _cell_cases(4, _LSTM_FORWARD_ARGS, True),
        lambda *args: rnn.lstm_step.unguarded(*args),
        outputs=("h", "c"),
        guarded=(rnn.lstm_step,),
        hint=_LSTM_HINT,
        compares_with=(rnn.lstm_step,),
        doc="Check ``lstm_step(x, h_prev, c_prev, Wx, Wh, b) -> (h, c)`` (gates [i, f, o, g]).",
    )
)


register(
    Check(
        "lstm_step_backward",
        _cell_cases(4, _LSTM_BACKWARD_ARGS, False),
        lambda *args: rnn.lstm_step_backward.unguarded(*args),
        outputs=("dx", "dh_prev", "dc_prev", "dWx", "dWh", "db"),
        guarded=(rnn.lstm_step, rnn.lstm_step_backward),
        numerical=_cell_numerical(
            ref.lstm_step,
            _LSTM_FORWARD_ARGS,
            [("dx", "x"), ("dh_prev", "h_prev"), ("dc_prev", "c_prev"), ("dWx", "Wx"), ("dWh", "Wh"), ("db", "b")],
            ("dh", "dc"),
        ),
        tolerances={name: GRADIENT_RTOL for name in ("dx", "dh_prev", "dc_prev", "dWx", "dWh", "db")},
        hint=_LSTM_BACKWARD_HINT,
        compares_with=(rnn.lstm_step_backward,),
        doc="Check ``lstm_step_backward(dh, dc, x, h_prev, c_prev, Wx, Wh, b) -> (dx, dh_prev, dc_prev, dWx, "
        "dWh, db)`` against helpers.rnn and central differences.",
    )
)


register(
    Check(
        "gru_step",
        _cell_cases(3, _GRU_FORWARD_ARGS, True),
        lambda *args: rnn.gru_step.unguarded(*args),
        outputs=("h",),
        guarded=(rnn.gru_step,),
        hint=_GRU_HINT,
        compares_with=(rnn.gru_step,),
        doc="Check ``gru_step(x, h_prev, Wx, Wh, b) -> h`` (gates [z, r, n]).",
    )
)


register(
    Check(
        "gru_step_backward",
        _cell_cases(3, _GRU_BACKWARD_ARGS, False),
        lambda *args: rnn.gru_step_backward.unguarded(*args),
        outputs=("dx", "dh_prev", "dWx", "dWh", "db"),
        guarded=(rnn.gru_step, rnn.gru_step_backward),
        numerical=_cell_numerical(
            ref.gru_step,
            _GRU_FORWARD_ARGS,
            [("dx", "x"), ("dh_prev", "h_prev"), ("dWx", "Wx"), ("dWh", "Wh"), ("db", "b")],
            ("dh",),
        ),
        tolerances={name: GRADIENT_RTOL for name in ("dx", "dh_prev", "dWx", "dWh", "db")},
        hint=_GRU_BACKWARD_HINT,
        compares_with=(rnn.gru_step_backward,),
        doc="Check ``gru_step_backward(dh, x, h_prev, Wx, Wh, b) -> (dx, dh_prev, dWx, dWh, db)`` against "
        "helpers.rnn and central differences.",
    )
)
