"""helpers.rnn: vanilla RNN (forward, BPTT), LSTM and GRU steps, clipping by global norm."""

import numpy as np
import pytest

from helpers import rnn
from helpers.gradcheck import rel_error
from tests.unit import plain_numpy as ref

RNG = np.random.default_rng(7)
ACTIVATIONS = ["tanh", "sigmoid", "relu"]


def rnn_arrays(n=3, t=4, d=2, h=5, dtype=np.float64, rng=RNG):
    x = rng.normal(size=(n, t, d))
    h0 = rng.normal(size=(n, h))
    W_in = rng.normal(size=(d, h)) * 0.6
    W = rng.normal(size=(h, h)) * 0.4
    b = rng.normal(size=h) * 0.2
    return [a.astype(dtype) for a in (x, h0, W_in, W, b)]


def cell_arrays(gates, n=3, d=4, h=5, rng=RNG):
    x, h_prev, c_prev = rng.normal(size=(n, d)), rng.normal(size=(n, h)), rng.normal(size=(n, h))
    Wx, Wh = rng.normal(size=(d, gates * h)) * 0.5, rng.normal(size=(h, gates * h)) * 0.5
    b = rng.normal(size=gates * h) * 0.3
    return x, h_prev, c_prev, Wx, Wh, b


# --------------------------------------------------------------------------- vanilla RNN


@pytest.mark.parametrize("activation", ACTIVATIONS)
@pytest.mark.parametrize("shape", [(1, 1, 1, 1), (3, 4, 2, 5), (2, 7, 3, 4)])
def test_rnn_forward_matches_reference(activation, shape):
    x, h0, W_in, W, b = rnn_arrays(*shape)
    h = rnn.rnn_forward(x, h0, W_in, W, b, activation=activation)
    assert h.shape == (shape[0], shape[1], shape[3]) and h.dtype == np.float64
    ref.assert_close(h, ref.rnn_forward(x, h0, W_in, W, b, activation))


@pytest.mark.parametrize("activation", ACTIVATIONS)
@pytest.mark.parametrize("shape", [(1, 1, 1, 1), (3, 4, 2, 5), (2, 6, 3, 3)])
def test_rnn_backward_matches_numerical_gradient(activation, shape):
    x, h0, W_in, W, b = rnn_arrays(*shape)
    dh = RNG.normal(size=(shape[0], shape[1], shape[3]))
    grads = rnn.rnn_backward(dh, x, h0, W_in, W, b, activation=activation)
    num = ref.numeric_grads(
        lambda: ref.rnn_forward(x, h0, W_in, W, b, activation),
        {"dx": x, "dh0": h0, "dW_in": W_in, "dW": W, "db": b},
        dh,
    )
    for name, got in zip(("dx", "dh0", "dW_in", "dW", "db"), grads):
        assert got.shape == num[name].shape, name
        assert rel_error(got, num[name]) <= 1e-7, name


def test_rnn_backward_with_loss_on_the_last_state_only():
    """The usual BPTT set-up: dh is zero except at the last step; gradients still reach x_0."""
    # Five steps: over many more the gradient reaching x_0 vanishes below what central
    # differences resolve to 1e-7 relative (their round-off is ~1e-11 absolute).
    x, h0, W_in, W, b = rnn_arrays(2, 5, 3, 4)
    W *= 2.0
    dh = np.zeros((2, 5, 4))
    dh[:, -1] = RNG.normal(size=(2, 4))
    grads = rnn.rnn_backward(dh, x, h0, W_in, W, b)
    num = ref.numeric_grads(lambda: ref.rnn_forward(x, h0, W_in, W, b), {"dx": x, "dW": W}, dh)
    assert rel_error(grads[0], num["dx"]) <= 1e-7 and np.abs(grads[0][:, 0]).max() > 0
    assert rel_error(grads[3], num["dW"]) <= 1e-7


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_rnn_split_over_threads_by_batch_rows_matches_the_serial_loop(activation, monkeypatch):
    # N·H·H ≥ 2^17 runs on numba's threads, each with its own rows of the batch (9 is odd).
    x, h0, W_in, W, b = rnn_arrays(9, 3, 2, 128)
    W *= 0.3
    assert rnn._loop_threads(9, 3, 128)[1] == min(9, rnn.thread_count())
    dh = RNG.normal(size=(9, 3, 128))
    split = rnn.rnn_forward(x, h0, W_in, W, b, activation), rnn.rnn_backward(dh, x, h0, W_in, W, b, activation)
    ref.assert_close(split[0], ref.rnn_forward(x, h0, W_in, W, b, activation))
    monkeypatch.setattr(rnn, "_PARALLEL_MACS", 1 << 40)
    assert rnn._loop_threads(9, 3, 128)[1] == 1
    serial = rnn.rnn_backward(dh, x, h0, W_in, W, b, activation)
    for got, want in zip(split[1], serial):
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_rnn_float32_views_and_no_mutation(activation):
    x, h0, W_in, W, b = rnn_arrays(3, 5, 4, 6)
    xv = np.ascontiguousarray(x.transpose(1, 0, 2)).transpose(1, 0, 2)  # same values, not C-contiguous
    Wv = np.ascontiguousarray(W.T).T
    assert not xv.flags.c_contiguous and not Wv.flags.c_contiguous
    dh = RNG.normal(size=(3, 5, 6))
    before = ref.snapshot(xv, h0, W_in, Wv, b, dh)
    h = rnn.rnn_forward(xv, h0, W_in, Wv, b, activation=activation)
    grads = rnn.rnn_backward(dh, xv, h0, W_in, Wv, b, activation=activation)
    ref.assert_unchanged(before, [xv, h0, W_in, Wv, b, dh])
    ref.assert_close(h, ref.rnn_forward(x, h0, W_in, W, b, activation))
    f32 = [a.astype(np.float32) for a in (x, h0, W_in, W, b)]
    ref.close_float32(rnn.rnn_forward(*f32, activation=activation), h)
    for g32, g64 in zip(rnn.rnn_backward(dh.astype(np.float32), *f32, activation=activation), grads):
        ref.close_float32(g32, g64)


def test_rnn_bad_input():
    x, h0, W_in, W, b = rnn_arrays()
    cases = [
        ((x[0], h0, W_in, W, b), r"rnn_forward: x must be 3-D, got shape \(4, 2\)"),
        ((x, h0[:2], W_in, W, b), r"rnn_forward: h0 has shape \(2, 5\), expected \(N, H\) = \(3, 5\)"),
        ((x, h0, W_in[:1], W, b), r"rnn_forward: W_in has shape \(1, 5\), expected \(D, H\) = \(2, 5\)"),
        ((x, h0, W_in, W[:4], b), r"rnn_forward: W must be square \(H, H\), got shape \(4, 5\)"),
        ((x, h0, W_in, W, b[:4]), r"rnn_forward: b has shape \(4,\), expected \(H,\) = \(5,\)"),
        ((x, h0.astype(np.float32), W_in, W, b), r"rnn_forward: mixed dtypes \(x is float64, h0 is float32"),
        ((x[:, :0], h0, W_in, W, b), r"rnn_forward: x is empty \(shape \(3, 0, 2\)\)"),
    ]
    for args, message in cases:
        with pytest.raises(ValueError, match=message):
            rnn.rnn_forward(*args)
    with pytest.raises(ValueError, match="activation must be one of"):
        rnn.rnn_forward(x, h0, W_in, W, b, activation="gelu")
    with pytest.raises(ValueError, match=r"rnn_backward: dh has shape \(3, 4, 4\), expected \(N, T, H\) = \(3, 4, 5\)"):
        rnn.rnn_backward(np.ones((3, 4, 4)), x, h0, W_in, W, b)


# --------------------------------------------------------------------------- LSTM


@pytest.mark.parametrize("shape", [(1, 1, 1), (3, 4, 5), (2, 3, 2)])
def test_lstm_step_matches_reference_and_numerical_gradient(shape):
    x, h_prev, c_prev, Wx, Wh, b = cell_arrays(4, *shape)
    h, c = rnn.lstm_step(x, h_prev, c_prev, Wx, Wh, b)
    h_ref, c_ref = ref.lstm_step(x, h_prev, c_prev, Wx, Wh, b)
    ref.assert_close(h, h_ref)
    ref.assert_close(c, c_ref)
    dh, dc = RNG.normal(size=h.shape), RNG.normal(size=c.shape)
    grads = rnn.lstm_step_backward(dh, dc, x, h_prev, c_prev, Wx, Wh, b)
    arrays = {"dx": x, "dh_prev": h_prev, "dc_prev": c_prev, "dWx": Wx, "dWh": Wh, "db": b}
    # a scalar loss with both upstream gradients: L = Σ dh ⊙ h + Σ dc ⊙ c
    loss = lambda: (
        np.sum(dh * ref.lstm_step(x, h_prev, c_prev, Wx, Wh, b)[0])
        + np.sum(dc * ref.lstm_step(x, h_prev, c_prev, Wx, Wh, b)[1])
    )
    num = ref.numeric_grads(loss, arrays, None)
    for name, got in zip(arrays, grads):
        assert got.shape == arrays[name].shape, name
        assert rel_error(got, num[name]) <= 1e-7, name


def test_lstm_gate_order_is_i_f_o_g():
    """Only the forget-gate block has a huge bias: c keeps c_prev, the input gate is open."""
    H = 2
    x, h_prev, c_prev = np.zeros((1, 1)), np.zeros((1, H)), np.array([[0.5, -0.25]])
    Wx, Wh = np.zeros((1, 4 * H)), np.zeros((H, 4 * H))
    b = np.zeros(4 * H)
    b[H : 2 * H] = 50.0  # f ≈ 1
    b[3 * H :] = 50.0  # g ≈ 1
    b[:H] = -50.0  # i ≈ 0
    _, c = rnn.lstm_step(x, h_prev, c_prev, Wx, Wh, b)
    np.testing.assert_allclose(c, c_prev, atol=1e-12)


# --------------------------------------------------------------------------- GRU


@pytest.mark.parametrize("shape", [(1, 1, 1), (3, 4, 5), (2, 3, 2)])
def test_gru_step_matches_reference_and_numerical_gradient(shape):
    x, h_prev, _, Wx, Wh, b = cell_arrays(3, *shape)
    h = rnn.gru_step(x, h_prev, Wx, Wh, b)
    ref.assert_close(h, ref.gru_step(x, h_prev, Wx, Wh, b))
    dh = RNG.normal(size=h.shape)
    grads = rnn.gru_step_backward(dh, x, h_prev, Wx, Wh, b)
    arrays = {"dx": x, "dh_prev": h_prev, "dWx": Wx, "dWh": Wh, "db": b}
    num = ref.numeric_grads(lambda: ref.gru_step(x, h_prev, Wx, Wh, b), arrays, dh)
    for name, got in zip(arrays, grads):
        assert got.shape == arrays[name].shape, name
        assert rel_error(got, num[name]) <= 1e-7, name


def test_gru_update_gate_keeps_the_state():
    H = 3
    x, h_prev = np.ones((2, 2)), RNG.normal(size=(2, H))
    b = np.zeros(3 * H)
    b[:H] = 50.0  # z ≈ 1: h = h_prev
    h = rnn.gru_step(x, h_prev, np.ones((2, 3 * H)), np.ones((H, 3 * H)), b)
    np.testing.assert_allclose(h, h_prev, atol=1e-12)


@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_cells_float32_views_and_no_mutation(cell):
    gates = 4 if cell == "lstm" else 3
    x, h_prev, c_prev, Wx, Wh, b = cell_arrays(gates, 3, 4, 5)
    Whv = np.ascontiguousarray(Wh.T).T
    dh = RNG.normal(size=(3, 5))
    if cell == "lstm":
        args = (x, h_prev, c_prev, Wx, Whv, b)
        forward = lambda *a: rnn.lstm_step(*a)
        backward = lambda d, *a: rnn.lstm_step_backward(d, d * 0.5, *a)
    else:
        args = (x, h_prev, Wx, Whv, b)
        forward, backward = rnn.gru_step, rnn.gru_step_backward
    before = ref.snapshot(*args, dh)
    out64 = forward(*args)
    grads64 = backward(dh, *args)
    ref.assert_unchanged(before, list(args) + [dh])
    args32 = [a.astype(np.float32) for a in args]
    out32 = forward(*args32)
    for a32, a64 in zip(out32 if cell == "lstm" else [out32], out64 if cell == "lstm" else [out64]):
        ref.close_float32(a32, a64)
    for g32, g64 in zip(backward(dh.astype(np.float32), *args32), grads64):
        ref.close_float32(g32, g64)


def test_cell_bad_input():
    x, h_prev, c_prev, Wx, Wh, b = cell_arrays(4)
    with pytest.raises(ValueError, match=r"lstm_step: Wx has shape \(4, 15\), expected \(D, 4H\) = \(4, 20\)"):
        rnn.lstm_step(x, h_prev, c_prev, Wx[:, :15], Wh, b)
    with pytest.raises(ValueError, match=r"lstm_step: Wh has shape \(4, 20\), expected \(H, 4H\) = \(5, 20\)"):
        rnn.lstm_step(x, h_prev, c_prev, Wx, Wh[:4], b)
    with pytest.raises(ValueError, match=r"lstm_step: b has shape \(19,\), expected \(4H,\) = \(20,\)"):
        rnn.lstm_step(x, h_prev, c_prev, Wx, Wh, b[:19])
    with pytest.raises(ValueError, match=r"lstm_step: c_prev has shape \(3, 4\), h_prev has shape \(3, 5\)"):
        rnn.lstm_step(x, h_prev, c_prev[:, :4], Wx, Wh, b)
    with pytest.raises(ValueError, match=r"lstm_step: h_prev has 2 rows, x has 3"):
        rnn.lstm_step(x, h_prev[:2], c_prev[:2], Wx, Wh, b)
    with pytest.raises(ValueError, match=r"lstm_step: x must be 2-D"):
        rnn.lstm_step(x[0], h_prev, c_prev, Wx, Wh, b)
    with pytest.raises(ValueError, match=r"lstm_step_backward: dc has shape \(3, 4\), expected \(N, H\) = \(3, 5\)"):
        rnn.lstm_step_backward(np.ones((3, 5)), np.ones((3, 4)), x, h_prev, c_prev, Wx, Wh, b)
    with pytest.raises(ValueError, match=r"lstm_step: mixed dtypes"):
        rnn.lstm_step(x.astype(np.float32), h_prev, c_prev, Wx, Wh, b)
    gx, gh, _, gWx, gWh, gb = cell_arrays(3)
    with pytest.raises(ValueError, match=r"gru_step: Wx has shape \(4, 20\), expected \(D, 3H\) = \(4, 15\)"):
        rnn.gru_step(gx, gh, Wx, gWh, gb)
    with pytest.raises(ValueError, match=r"gru_step_backward: mixed dtypes \(dh is float32, x is float64\)"):
        rnn.gru_step_backward(np.ones((3, 5), dtype=np.float32), gx, gh, gWx, gWh, gb)
    with pytest.raises(ValueError, match=r"gru_step: h_prev is empty"):
        rnn.gru_step(gx, gh[:, :0], gWx[:, :0], gWh[:0, :0], gb[:0])


# --------------------------------------------------------------------------- clipping


def test_clip_by_norm_scales_to_the_global_norm_and_keeps_direction():
    grads = [np.array([3.0, 0.0]), np.array([[4.0]]), np.zeros((2, 2), dtype=np.float32)]
    before = ref.snapshot(*grads)
    clipped, total = rnn.clip_by_norm(grads, 1.0)
    assert total == pytest.approx(5.0, rel=1e-15)
    np.testing.assert_allclose(clipped[0], [0.6, 0.0], rtol=1e-15)
    np.testing.assert_allclose(clipped[1], [[0.8]], rtol=1e-15)
    assert clipped[2].dtype == np.float32
    new_total = np.sqrt(sum(np.sum(c.astype(np.float64) ** 2) for c in clipped))
    assert new_total == pytest.approx(1.0, rel=1e-12)
    ref.assert_unchanged(before, grads)


def test_clip_by_norm_leaves_small_gradients_alone_but_copies_them():
    grads = [RNG.normal(size=(3, 2)) * 0.01]
    clipped, total = rnn.clip_by_norm(grads, 5.0)
    np.testing.assert_array_equal(clipped[0], grads[0])
    assert clipped[0] is not grads[0] and total == pytest.approx(np.linalg.norm(grads[0]))


def test_clip_by_norm_bad_input():
    with pytest.raises(ValueError, match="clip_by_norm: max_norm must be > 0, got 0.0"):
        rnn.clip_by_norm([np.ones(2)], 0)
    with pytest.raises(ValueError, match="clip_by_norm: grads is an empty list"):
        rnn.clip_by_norm([], 1.0)
    with pytest.raises(ValueError, match="clip_by_norm: grads must be a list of arrays"):
        rnn.clip_by_norm(np.ones(3), 1.0)
    with pytest.raises(ValueError, match=r"clip_by_norm: grads\[1\] has dtype <U1"):
        rnn.clip_by_norm([np.ones(2), np.array(["a"])], 1.0)
    with pytest.raises(ValueError, match="contain inf or NaN"):
        rnn.clip_by_norm([np.array([np.inf])], 1.0)
