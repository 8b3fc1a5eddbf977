"""Week 5 checks: a recurrent network forward, BPTT piece by piece, clipping, LSTM and GRU steps.

The network (batch-first, row vectors) is

    u_t = x_t W_in + z_{t-1} W + b,   z_t = f(u_t),   v_t = z_t W_out + c,

with x (N, T, D), z (N, T, H), W_in (D, H), W (H, H), b (H,), W_out (H, K), c (K,), z_0 = h0.
Every backward check uses the scalar E = Σ dh ⊙ z (or Σ dv ⊙ v for the output layer), so a
case's upstream gradient ``dh`` (N, T, H) is the gradient arriving at every hidden state.

Each gradient is compared with ``helpers.rnn`` (the reference kernels) *and* with central
differences of E computed here by an independent plain-numpy forward pass (helpers/numpy_reference.py),
so a bug shared by a student and a reference cannot pass both. Cases cover T = 1, N = 1,
H = 1, D = 1, all sizes equal (a missing transpose keeps the shape), long sequences (T = 60)
and every activation.
"""
from __future__ import annotations


import numpy as np

from .. import numpy_reference as ref
from .. import rnn
from .core import NetworkCase, Case, Check, GRADIENT_RTOL, NUMERICAL_ATOL, NUMERICAL_RTOL, compare, register

RNN_FORWARD = rnn.rnn_forward
RNN_BACKWARD = rnn.rnn_backward
ACTIVATIONS = ("tanh", "sigmoid", "relu")


# --------------------------------------------------------------------------- cases

# (label, N, T, D, H)
_SHAPES = [
    ("one time step (T=1)", 3, 1, 2, 4),
    ("a single sequence (N=1)", 1, 5, 3, 4),
    ("N = T = D = H = 3: a missing transpose keeps the shape", 3, 3, 3, 3),
    ("a long sequence (T=60)", 2, 60, 2, 3),
    ("one hidden unit (H=1)", 4, 6, 2, 1),
    ("one input feature (D=1), N = H = 5", 5, 4, 1, 5),
]


def _draw(rng, n, t_len, d, h, activation, identity_input=False, k=2):
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
    return dict(x=x, h0=h0, W_in=W_in, W=W, b=b, z=z, u=u, W_out=W_out, c=c, dv=dv, dh=dh,
                activation=activation)


def _networks(rng, identity_input=False):
    """One network per shape (activations in turn), then every activation on a random size."""
    result = []
    for i, (label, n, t_len, d, h) in enumerate(_SHAPES):
        activation = ACTIVATIONS[i % len(ACTIVATIONS)]
        result.append((f"{label}, {activation}", _draw(rng, n, t_len, d, h, activation, identity_input)))
    n, t_len, d, h = (int(rng.integers(2, 7)), int(rng.integers(2, 12)), int(rng.integers(1, 5)),
                      int(rng.integers(2, 7)))
    for activation in ACTIVATIONS:
        result.append((f"random sizes N={n}, T={t_len}, D={d}, H={h}, {activation}",
                       _draw(rng, n, t_len, d, h, activation, identity_input)))
    return result


def _case(label, net, names, with_activation=True):
    kwargs = {"activation": net["activation"]} if with_activation else {}
    return NetworkCase(label, tuple(net[name] for name in names), kwargs, network=net)


def _copy_network(case):
    return {key: (np.array(v, dtype=np.float64, copy=True) if isinstance(v, np.ndarray) else v)
            for key, v in case.network.items()}


def _numerical_gradient(net, parameter, h=1e-5):
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


def _numerical_hidden(parameter):
    def estimate(case):
        return _numerical_gradient(case.network, parameter)
    return estimate


# --------------------------------------------------------------------------- forward

def _forward_cases(rng):
    cases = [_case(label, net, ("x", "h0", "W_in", "W", "b")) for label, net in _networks(rng)]
    big = _draw(rng, 2, 7, 3, 4, "tanh")
    big["W"] = big["W"] * 40.0
    big["x"] = big["x"] * 30.0
    cases.append(_case("tanh with huge weights: saturated units", big, ("x", "h0", "W_in", "W", "b")))
    return cases


def _forward_reference(x, h0, W_in, W, b, activation="tanh"):
    return rnn.rnn_forward.unguarded(x, h0, W_in, W, b, activation=activation)


register(Check("rnn_forward", _forward_cases, _forward_reference, outputs=("z",), guarded=(RNN_FORWARD,),
               hint="loop over t: u_t = x[:, t] @ W_in + z_prev @ W + b, z_t = f(u_t), starting from "
                    "z_prev = h0; store z_t in z[:, t] and carry it to the next step. Return (N, T, H).",
               doc='Check ``rnn_forward(x, h0, W_in, W, b, activation) -> z`` (N, T, H) against helpers.rnn.'))


# --------------------------------------------------------------------------- one-output gradient checks

def _single_output_verify(check_name, outputs, which, reference, numerical, hint):
    """verify= for a function returning several gradients, of which this check grades one."""
    index = outputs.index(which)

    def verify(case, got, where):
        __tracebackhide__ = True
        expected = reference(case)
        compare(expected, got[index], which, where, GRADIENT_RTOL, hint)
        compare(numerical(case), got[index], which, where + " vs numerical gradient", NUMERICAL_RTOL, hint,
                atol=NUMERICAL_ATOL)
    return verify


# --------------------------------------------------------------------------- output layer

def _output_cases(rng):
    return [_case(label, net, ("dv", "z"), with_activation=False) for label, net in _networks(rng)]


def _output_reference(which):
    def reference(case):
        dv, z = case.network["dv"], case.network["z"]
        if which == "dW_out":
            return np.einsum("nth,ntk->hk", z, dv)
        return dv.sum(axis=(0, 1))
    return reference


def _output_numerical(which):
    from ..gradcheck import numerical_gradient
    parameter = "W_out" if which == "dW_out" else "c"

    def estimate(case):
        net = _copy_network(case)
        return numerical_gradient(lambda _: float(np.sum(net["dv"] * (net["z"] @ net["W_out"] + net["c"]))),
                                  net[parameter])
    return estimate


_OUTPUT_HINTS = {
    "dW_out": "dW_out = Σ_t z_tᵀ δout_t, shape (H, K): sum over the batch AND over time, e.g. "
              "np.einsum('nth,ntk->hk', z, dv).",
    "dc": "dc = δout summed over the batch and over time (axes 0 and 1), shape (K,).",
}
for _which in ("dW_out", "dc"):
    register(Check(f"rnn_{_which}", _output_cases, reference=None, outputs=("dW_out", "dc"),
                   verify=_single_output_verify(f"rnn_{_which}", ("dW_out", "dc"), _which,
                                                _output_reference(_which), _output_numerical(_which),
                                                _OUTPUT_HINTS[_which]),
                   hint="output_grads(dv, z) must return the tuple (dW_out, dc).",
                   doc=f"Check {_which} of ``output_grads(dv, z) -> (dW_out, dc)`` against plain numpy and "
                       f"central differences."))


# --------------------------------------------------------------------------- the delta recursion

def _delta_cases(rng):
    return [_case(label, net, ("dh", "z", "W")) for label, net in _networks(rng, identity_input=True)]


_DELTA_HINT = ("go backwards from t = T−1 to 0 carrying δ_next (zeros after the last step): "
               "δ_t = (dh[:, t] + δ_next @ W.T) * f'(u_t), with f'(u_t) from z_t: 1 − z² (tanh), "
               "z (1 − z) (sigmoid), (z > 0) (relu). Forgetting the term δ_next @ W.T is the classic bug: "
               "then the gradient never flows back through time.")


def _delta_verify(case, got, where):
    __tracebackhide__ = True
    net = case.network
    # With W_in = I the reference's dx is exactly δ (dx_t = δ_t W_inᵀ).
    expected = rnn.rnn_backward.unguarded(net["dh"], net["x"], net["h0"], net["W_in"], net["W"], net["b"],
                                             activation=net["activation"])[0]
    compare(expected, got[0], "delta", where, GRADIENT_RTOL, _DELTA_HINT)
    compare(_numerical_gradient(net, "offsets"), got[0], "delta", where + " vs numerical gradient ∂E/∂u",
            NUMERICAL_RTOL, _DELTA_HINT, atol=NUMERICAL_ATOL)


register(Check("rnn_deltas", _delta_cases, reference=None, outputs=("delta",), guarded=(RNN_BACKWARD,),
               verify=_delta_verify, hint=_DELTA_HINT,
               doc='Check ``rnn_deltas(dh, z, W, activation) -> delta`` (N, T, H), the recursion back through time, against helpers.rnn and the numerical gradient ∂E/∂u_t.'))


# --------------------------------------------------------------------------- dW_in, dW, db

def _param_cases(rng):
    cases = []
    for label, net in _networks(rng):
        net["delta"] = ref.rnn_deltas(net["dh"], net["z"], net["W"], net["activation"])
        cases.append(_case(label, net, ("delta", "x", "z", "h0"), with_activation=False))
    return cases


def _param_reference(which):
    index = {"dW_in": 2, "dW": 3, "db": 4}[which]

    def reference(case):
        net = case.network
        return rnn.rnn_backward.unguarded(net["dh"], net["x"], net["h0"], net["W_in"], net["W"], net["b"],
                                             activation=net["activation"])[index]
    return reference


_PARAM_HINTS = {
    "dW_in": "dW_in = Σ_t x_tᵀ δ_t, shape (D, H): sum over the batch and over time, e.g. "
             "np.einsum('ntd,nth->dh', x, delta).",
    "dW": "dW = Σ_t z_{t−1}ᵀ δ_t, shape (H, H), where z_{t−1} is the PREVIOUS hidden state: h0 at t = 0, "
          "then z[:, t−1]. Using z_t instead of z_{t−1}, or forgetting h0, are the usual bugs.",
    "db": "db = δ summed over the batch and over time (axes 0 and 1), shape (H,).",
}
for _which in ("dW_in", "dW", "db"):
    register(Check(f"rnn_{_which}", _param_cases, reference=None, outputs=("dW_in", "dW", "db"),
                   guarded=(RNN_BACKWARD,),
                   verify=_single_output_verify(f"rnn_{_which}", ("dW_in", "dW", "db"), _which,
                                                _param_reference(_which),
                                                _numerical_hidden({"dW_in": "W_in", "dW": "W", "db": "b"}[_which]),
                                                _PARAM_HINTS[_which]),
                   hint="rnn_param_grads(delta, x, z, h0) must return the tuple (dW_in, dW, db).",
                   doc=f"Check {_which} of ``rnn_param_grads(delta, x, z, h0) -> (dW_in, dW, db)`` against "
                       f"helpers.rnn and central differences."))


# --------------------------------------------------------------------------- the whole backward pass

def _backward_cases(rng):
    return [_case(label, net, ("dh", "x", "h0", "W_in", "W", "b")) for label, net in _networks(rng)]


def _backward_reference(dh, x, h0, W_in, W, b, activation="tanh"):
    return rnn.rnn_backward.unguarded(dh, x, h0, W_in, W, b, activation=activation)


def _backward_numerical(case, expected):
    return {name: _numerical_hidden(parameter)(case)
            for name, parameter in (("dx", "x"), ("dh0", "h0"), ("dW_in", "W_in"), ("dW", "W"), ("db", "b"))}


_BACKWARD_OUTPUTS = ("dx", "dh0", "dW_in", "dW", "db")
register(Check("rnn_backward", _backward_cases, _backward_reference, outputs=_BACKWARD_OUTPUTS,
               guarded=(RNN_FORWARD, RNN_BACKWARD), numerical=_backward_numerical,
               tolerances={name: GRADIENT_RTOL for name in _BACKWARD_OUTPUTS},
               hint="z = rnn_forward(...); delta = rnn_deltas(dh, z, W, activation); "
                    "(dW_in, dW, db) = rnn_param_grads(delta, x, z, h0); dx = delta @ W_in.T (N, T, D); "
                    "dh0 = delta[:, 0] @ W.T (N, H).",
               doc='Check ``rnn_backward(dh, x, h0, W_in, W, b, activation) -> (dx, dh0, dW_in, dW, db)`` against helpers.rnn and central differences (T = 1, N = 1, T = 60 included).'))


# --------------------------------------------------------------------------- clipping

def _clip_cases(rng):
    # The grader moves arrays only, so "a list of gradients" arrives as one array whose first
    # axis indexes the gradients: `for g in grads` sees each one, exactly as with a list.
    cases = [
        Case("norm 5 above max_norm 1: scaled down", (np.array([[3.0, 0.0], [0.0, 4.0]]), 1.0)),
        Case("norm below max_norm: unchanged", (np.array([[0.3, -0.4]]), 1.0)),
        Case("exactly at max_norm: unchanged", (np.array([[0.6], [0.8]]), 1.0)),
        Case("all zeros", (np.zeros((3, 2, 2)), 0.5)),
        Case("four (3, 4) gradients, norm in the hundreds", (rng.normal(size=(4, 3, 4)) * 50.0, 5.0)),
        Case("two (5,) gradients, small", (rng.normal(size=(2, 5)) * 0.01, 2.0)),
        Case("one huge gradient (1, 2, 3)", (rng.normal(size=(1, 2, 3)) * 1e6, 10.0)),
    ]
    return cases


def _clip_reference(grads, max_norm):
    clipped, total = rnn.clip_by_norm.unguarded(list(grads), max_norm)
    return np.stack([np.asarray(g) for g in clipped]).reshape(np.shape(grads)), float(total)


register(Check("clip_by_norm", _clip_cases, _clip_reference, outputs=("clipped", "total_norm"),
               guarded=(rnn.clip_by_norm,),
               hint="total_norm = sqrt(Σ over every gradient of Σ g²) (ONE norm for all gradients together); "
                    "when total_norm > max_norm multiply every gradient by max_norm / total_norm, otherwise "
                    "return them unchanged. Return new arrays; do not scale the inputs in place.",
               doc='Check ``clip_by_norm(grads, max_norm) -> (clipped, total_norm)`` (global norm).'))


# --------------------------------------------------------------------------- LSTM and GRU steps

# (label, N, D, H)
_CELL_SHAPES = [
    ("a single sample (N=1)", 1, 3, 2),
    ("N = D = H = 3: a missing transpose keeps the shape", 3, 3, 3),
    ("one hidden unit (H=1)", 4, 2, 1),
    ("one input feature (D=1)", 5, 1, 4),
    ("N = H = 4, D = 2", 4, 2, 4),
]


def _draw_cell(rng, n, d, h, gates, scale=1.0):
    return dict(x=rng.normal(size=(n, d)), h_prev=np.tanh(rng.normal(size=(n, h))),
                c_prev=rng.normal(size=(n, h)),
                Wx=rng.normal(size=(d, gates * h)) * scale / np.sqrt(d),
                Wh=rng.normal(size=(h, gates * h)) * scale / np.sqrt(h),
                b=rng.normal(size=gates * h) * 0.5 * scale,
                dh=rng.normal(size=(n, h)), dc=rng.normal(size=(n, h)))


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
        return [NetworkCase(label, tuple(net[name] for name in names), network=net)
                for label, net in _cells(rng, gates, saturated)]
    return cases


def _cell_numerical(step, forward_names, outputs, upstream):
    """Central differences of E = Σ upstream ⊙ outputs of the plain-numpy step."""
    def estimate(case, expected):
        from ..gradcheck import numerical_gradient
        net = _copy_network(case)

        def energy(_):
            result = step(*(net[name] for name in forward_names))
            result = result if isinstance(result, tuple) else (result,)
            return float(sum(np.sum(net[u] * r) for u, r in zip(upstream, result)))
        return {output: numerical_gradient(energy, net[name]) for output, name in outputs}
    return estimate


_LSTM_HINT = ("a = x @ Wx + h_prev @ Wh + b (N, 4H), split in the order [i, f, o, g]: i, f, o = sigmoid, "
              "g = tanh; c = f * c_prev + i * g; h = o * tanh(c).")
_LSTM_BACKWARD_HINT = ("the cell state gets the gradient from both outputs: dc_total = dc + dh * o * (1 − tanh(c)²); "
                       "then da_i = dc_total * g * i(1 − i), da_f = dc_total * c_prev * f(1 − f), "
                       "da_o = dh * tanh(c) * o(1 − o), da_g = dc_total * i * (1 − g²); dc_prev = dc_total * f; "
                       "stack da = [da_i, da_f, da_o, da_g] (N, 4H): dx = da @ Wx.T, dh_prev = da @ Wh.T, "
                       "dWx = x.T @ da, dWh = h_prev.T @ da, db = da.sum(axis=0).")
_GRU_HINT = ("split the 3H columns as [z, r, n]: z = σ(x Wx_z + h_prev Wh_z + b_z), r = σ(... r block ...), "
             "n = tanh(x Wx_n + b_n + r * (h_prev @ Wh_n)), h = (1 − z) * n + z * h_prev.")
_GRU_BACKWARD_HINT = ("with s = h_prev @ Wh_n: da_n = dh * (1 − z) * (1 − n²), da_z = dh * (h_prev − n) * z(1 − z), "
                      "da_r = da_n * s * r(1 − r). The input side uses [da_z, da_r, da_n], the recurrent side "
                      "[da_z, da_r, da_n * r]; and h_prev also reaches h directly: dh_prev = dh * z + [..] @ Wh.T.")

register(Check("lstm_step", _cell_cases(4, _LSTM_FORWARD_ARGS, True),
               lambda *args: rnn.lstm_step.unguarded(*args), outputs=("h", "c"),
               guarded=(rnn.lstm_step,), hint=_LSTM_HINT,
               doc='Check ``lstm_step(x, h_prev, c_prev, Wx, Wh, b) -> (h, c)`` (gates [i, f, o, g]).'))
register(Check("lstm_step_backward", _cell_cases(4, _LSTM_BACKWARD_ARGS, False),
               lambda *args: rnn.lstm_step_backward.unguarded(*args),
               outputs=("dx", "dh_prev", "dc_prev", "dWx", "dWh", "db"),
               guarded=(rnn.lstm_step, rnn.lstm_step_backward),
               numerical=_cell_numerical(ref.lstm_step, _LSTM_FORWARD_ARGS,
                                         [("dx", "x"), ("dh_prev", "h_prev"), ("dc_prev", "c_prev"),
                                          ("dWx", "Wx"), ("dWh", "Wh"), ("db", "b")], ("dh", "dc")),
               tolerances={name: GRADIENT_RTOL for name in ("dx", "dh_prev", "dc_prev", "dWx", "dWh", "db")},
               hint=_LSTM_BACKWARD_HINT,
               doc='Check ``lstm_step_backward(dh, dc, x, h_prev, c_prev, Wx, Wh, b) -> (dx, dh_prev, dc_prev, dWx, dWh, db)`` against helpers.rnn and central differences.'))
register(Check("gru_step", _cell_cases(3, _GRU_FORWARD_ARGS, True),
               lambda *args: rnn.gru_step.unguarded(*args), outputs=("h",),
               guarded=(rnn.gru_step,), hint=_GRU_HINT,
               doc='Check ``gru_step(x, h_prev, Wx, Wh, b) -> h`` (gates [z, r, n]).'))
register(Check("gru_step_backward", _cell_cases(3, _GRU_BACKWARD_ARGS, False),
               lambda *args: rnn.gru_step_backward.unguarded(*args),
               outputs=("dx", "dh_prev", "dWx", "dWh", "db"),
               guarded=(rnn.gru_step, rnn.gru_step_backward),
               numerical=_cell_numerical(ref.gru_step, _GRU_FORWARD_ARGS,
                                         [("dx", "x"), ("dh_prev", "h_prev"), ("dWx", "Wx"), ("dWh", "Wh"),
                                          ("db", "b")], ("dh",)),
               tolerances={name: GRADIENT_RTOL for name in ("dx", "dh_prev", "dWx", "dWh", "db")},
               hint=_GRU_BACKWARD_HINT,
               doc='Check ``gru_step_backward(dh, x, h_prev, Wx, Wh, b) -> (dx, dh_prev, dWx, dWh, db)`` against helpers.rnn and central differences.'))


# --------------------------------------------------------------------------- public checks
