"""Week 5 checks: each passes the reference, and fails on the mistakes students make in BPTT.

The reference implementations here are plain numpy (the notebook's solutions), not helpers.rnn,
so the checks' comparison with helpers.rnn and with central differences is exercised for real.
"""

import numpy as np
import pytest

import helpers
from helpers.grading import CHECKS
from tests.unit.check_helpers import fails

# --------------------------------------------------------------------------- plain numpy solutions


def act(u, activation):
    return {"tanh": np.tanh, "sigmoid": lambda v: 1 / (1 + np.exp(-v)), "relu": lambda v: np.maximum(v, 0)}[activation](
        u
    )


def act_grad(z, activation):
    return {"tanh": 1 - z * z, "sigmoid": z * (1 - z), "relu": (z > 0).astype(float)}[activation]


def rnn_forward(x, h0, W_in, W, b, activation="tanh"):
    z = np.empty((x.shape[0], x.shape[1], W.shape[0]))
    prev = h0
    for t in range(x.shape[1]):
        prev = act(x[:, t] @ W_in + prev @ W + b, activation)
        z[:, t] = prev
    return z


def deltas_from(recurrent=True, transpose=True):
    def rnn_deltas(dh, z, W, activation="tanh"):
        delta = np.empty_like(z)
        following = np.zeros_like(z[:, 0])
        for t in reversed(range(z.shape[1])):
            back = (following @ (W.T if transpose else W)) if recurrent else 0.0
            following = (dh[:, t] + back) * act_grad(z[:, t], activation)
            delta[:, t] = following
        return delta

    return rnn_deltas


rnn_deltas = deltas_from()


def output_grads(dv, z):
    return np.einsum("nth,ntk->hk", z, dv), dv.sum(axis=(0, 1))


def param_grads_from(previous=True, with_h0=True):
    def rnn_param_grads(delta, x, z, h0):
        start = h0 if with_h0 else np.zeros_like(h0)
        zp = np.concatenate([start[:, None], z[:, :-1]], axis=1) if previous else z
        return np.einsum("ntd,nth->dh", x, delta), np.einsum("nti,ntj->ij", zp, delta), delta.sum(axis=(0, 1))

    return rnn_param_grads


rnn_param_grads = param_grads_from()


def backward_from(deltas=rnn_deltas, param_grads=rnn_param_grads):
    def rnn_backward(dh, x, h0, W_in, W, b, activation="tanh"):
        z = rnn_forward(x, h0, W_in, W, b, activation)
        delta = deltas(dh, z, W, activation)
        dW_in, dW, db = param_grads(delta, x, z, h0)
        return delta @ W_in.T, delta[:, 0] @ W.T, dW_in, dW, db

    return rnn_backward


rnn_backward = backward_from()


def clip_by_norm(grads, max_norm):
    total = float(np.sqrt(sum(np.sum(g * g) for g in grads)))
    factor = max_norm / total if total > max_norm else 1.0
    return [g * factor for g in grads], total


def sig(a):
    return 1 / (1 + np.exp(-a))


def lstm_step(x, h_prev, c_prev, Wx, Wh, b):
    H = h_prev.shape[1]
    a = x @ Wx + h_prev @ Wh + b
    i, f, o, g = sig(a[:, :H]), sig(a[:, H : 2 * H]), sig(a[:, 2 * H : 3 * H]), np.tanh(a[:, 3 * H :])
    c = f * c_prev + i * g
    return o * np.tanh(c), c


def lstm_backward_from(carousel=True):
    def lstm_step_backward(dh, dc, x, h_prev, c_prev, Wx, Wh, b):
        H = h_prev.shape[1]
        a = x @ Wx + h_prev @ Wh + b
        i, f, o, g = sig(a[:, :H]), sig(a[:, H : 2 * H]), sig(a[:, 2 * H : 3 * H]), np.tanh(a[:, 3 * H :])
        c = f * c_prev + i * g
        tc = np.tanh(c)
        dct = (dc if carousel else 0.0) + dh * o * (1 - tc**2)
        da = np.concatenate(
            [dct * g * i * (1 - i), dct * c_prev * f * (1 - f), dh * tc * o * (1 - o), dct * i * (1 - g**2)], axis=1
        )
        return da @ Wx.T, da @ Wh.T, dct * f, x.T @ da, h_prev.T @ da, da.sum(axis=0)

    return lstm_step_backward


def gru_step(x, h_prev, Wx, Wh, b, reset_after=True):
    H = h_prev.shape[1]
    ax, ah = x @ Wx + b, h_prev @ Wh
    z, r = sig(ax[:, :H] + ah[:, :H]), sig(ax[:, H : 2 * H] + ah[:, H : 2 * H])
    if reset_after:
        n = np.tanh(ax[:, 2 * H :] + r * ah[:, 2 * H :])
    else:
        n = np.tanh(ax[:, 2 * H :] + (r * h_prev) @ Wh[:, 2 * H :])
    return (1 - z) * n + z * h_prev


def gru_backward_from(direct=True):
    def gru_step_backward(dh, x, h_prev, Wx, Wh, b):
        H = h_prev.shape[1]
        ax, ah = x @ Wx + b, h_prev @ Wh
        z, r = sig(ax[:, :H] + ah[:, :H]), sig(ax[:, H : 2 * H] + ah[:, H : 2 * H])
        s = ah[:, 2 * H :]
        n = np.tanh(ax[:, 2 * H :] + r * s)
        da_n = dh * (1 - z) * (1 - n**2)
        da_z = dh * (h_prev - n) * z * (1 - z)
        da_r = da_n * s * r * (1 - r)
        dax = np.concatenate([da_z, da_r, da_n], axis=1)
        dah = np.concatenate([da_z, da_r, da_n * r], axis=1)
        return dax @ Wx.T, (dh * z if direct else 0.0) + dah @ Wh.T, x.T @ dax, h_prev.T @ dah, dax.sum(axis=0)

    return gru_step_backward


REFERENCE = {
    "rnn_forward": rnn_forward,
    "rnn_dW_out": output_grads,
    "rnn_dc": output_grads,
    "rnn_deltas": rnn_deltas,
    "rnn_dW_in": rnn_param_grads,
    "rnn_dW": rnn_param_grads,
    "rnn_db": rnn_param_grads,
    "rnn_backward": rnn_backward,
    "clip_by_norm": clip_by_norm,
    "lstm_step": lstm_step,
    "lstm_step_backward": lstm_backward_from(),
    "gru_step": gru_step,
    "gru_step_backward": gru_backward_from(),
}


@pytest.mark.parametrize("name", sorted(REFERENCE))
def test_reference_passes_with_at_least_five_cases_and_returns_none(name, capsys):
    assert len(CHECKS[name].cases(np.random.default_rng(0))) >= 5
    assert getattr(helpers.grading, f"check_{name}")(REFERENCE[name]) is None
    assert "passed" in capsys.readouterr().out


@pytest.mark.parametrize("name", ["rnn_forward", "rnn_deltas", "rnn_dW", "rnn_backward"])
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_reference_passes_for_other_seeds(name, seed):
    # the grader draws its cases from a seed per student
    getattr(helpers.grading, f"check_{name}")(REFERENCE[name], seed=seed)


def test_cases_cover_one_step_one_sequence_long_sequences_and_every_activation():
    labels = [c.label for c in CHECKS["rnn_backward"].cases(np.random.default_rng(0))]
    for fragment in ["T=1", "N=1", "T=60", "tanh", "sigmoid", "relu"]:
        assert any(fragment in label for label in labels), fragment


# --------------------------------------------------------------------------- the recurrent term


def test_forgetting_the_recurrent_term_fails_the_delta_check():
    message = fails("rnn_deltas", deltas_from(recurrent=False), "delta", "δ_next @ W.T")
    assert "T=1" not in message.split(":")[0]  # a one-step case cannot tell; a longer one must


def test_forgetting_the_recurrent_term_fails_rnn_backward():
    fails("rnn_backward", backward_from(deltas=deltas_from(recurrent=False)), "is wrong")


def test_recurrent_term_without_transpose_fails():
    fails("rnn_deltas", deltas_from(transpose=False), "is wrong")


def test_each_weight_gradient_is_graded_on_its_own():
    wrong_dW = param_grads_from(previous=False)  # z_t instead of z_{t-1}
    fails("rnn_dW", wrong_dW, "PREVIOUS hidden state")
    helpers.grading.check_rnn_dW_in(wrong_dW)  # dW_in and db are right, so they pass
    helpers.grading.check_rnn_db(wrong_dW)
    fails("rnn_dW", param_grads_from(with_h0=False), "is wrong")


@pytest.mark.parametrize(
    "name,wrong,fragment",
    [
        (
            "rnn_forward",
            lambda x, h0, W_in, W, b, activation="tanh": rnn_forward(x, np.zeros_like(h0), W_in, W, b, activation),
            "is wrong",
        ),  # ignores h0
        (
            "rnn_forward",
            lambda x, h0, W_in, W, b, activation="tanh": rnn_forward(x, h0, W_in, W.T, b, activation),
            "is wrong",
        ),  # W transposed
        (
            "rnn_forward",
            lambda x, h0, W_in, W, b, activation="tanh": rnn_forward(x, h0, W_in, W, b, "tanh"),
            "is wrong",
        ),  # one activation only
        (
            "rnn_dW_out",
            lambda dv, z: (np.einsum("nth,ntk->hk", z, dv) / dv.shape[0], dv.sum(axis=(0, 1))),
            "is wrong",
        ),  # a mean, not a sum
        ("rnn_dc", lambda dv, z: (None, dv.sum(axis=0)), "shape"),  # only over the batch
        ("rnn_dc", lambda dv, z: (None, dv[:, -1].sum(axis=0)), "is wrong"),  # last step only
        (
            "rnn_dW_in",
            lambda delta, x, z, h0: (np.einsum("ntd,nth->dh", x[:, :1], delta[:, :1]), None, None),
            "is wrong",
        ),  # first step only
        ("rnn_db", lambda delta, x, z, h0: (None, None, delta.sum(axis=1)[0]), "is wrong"),
        (
            "rnn_backward",
            lambda dh, x, h0, W_in, W, b, activation="tanh": (
                rnn_backward(dh, x, h0, W_in, W, b, activation)[:1]
                + (np.zeros_like(h0),)
                + rnn_backward(dh, x, h0, W_in, W, b, activation)[2:]
            ),
            "dh0",
        ),  # dh0 forgotten
        (
            "clip_by_norm",
            lambda grads, m: ([np.clip(g, -m, m) for g in grads], float(np.sqrt(sum(np.sum(g * g) for g in grads)))),
            "is wrong",
        ),
        (
            "clip_by_norm",
            lambda grads, m: (
                [g * min(1.0, m / max(np.linalg.norm(g), 1e-300)) for g in grads],
                float(np.sqrt(sum(np.sum(g * g) for g in grads))),
            ),
            "is wrong",
        ),
        ("lstm_step", lambda x, h, c, Wx, Wh, b: lstm_step(x, h, c, Wx[:, ::-1], Wh[:, ::-1], b[::-1]), "is wrong"),
        ("lstm_step_backward", lstm_backward_from(carousel=False), "is wrong"),
        ("gru_step", lambda x, h, Wx, Wh, b: gru_step(x, h, Wx, Wh, b, reset_after=False), "is wrong"),
        ("gru_step_backward", gru_backward_from(direct=False), "dh_prev"),
    ],
)
def test_typical_mistakes_fail(name, wrong, fragment):
    fails(name, wrong, fragment)


def test_clipping_in_place_is_caught():
    def in_place(grads, max_norm):
        total = float(np.sqrt(sum(np.sum(g * g) for g in grads)))
        if total > max_norm:
            for g in grads:
                g *= max_norm / total
        return list(grads), total

    fails("clip_by_norm", in_place, "changed its input")


def test_calling_the_reference_kernel_is_caught():
    fails("rnn_backward", lambda *args, **kw: helpers.rnn.rnn_backward(*args, **kw), "helpers.rnn.rnn_backward")
    fails("lstm_step", lambda *args: helpers.rnn.lstm_step(*args), "helpers.rnn.lstm_step")


def test_messages_name_case_shapes_and_never_dump_inputs():
    message = fails("rnn_deltas", deltas_from(recurrent=False), "case", "array(", "expected", "got", "Hint:")
    assert len(message) < 2000
