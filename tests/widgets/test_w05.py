"""Week 5 explorer: every control changes the curve and the numbers it shows."""

import time

import numpy as np

from helpers.widgets.w05 import GradientFlowExplorer, gradient_norms


def curve(explorer):
    x, y = explorer.line.get_data()
    return np.asarray(x), np.asarray(y)


def test_length_changes_the_number_of_points_and_redraws():
    explorer = GradientFlowExplorer(length=30)
    image = explorer.panel.image.value
    assert len(curve(explorer)[0]) == 30
    explorer.length.value = 80
    x, y = curve(explorer)
    assert len(x) == 80 and x[0] == 1 and x[-1] == 80
    assert explorer.panel.image.value != image
    np.testing.assert_allclose(y, gradient_norms(80, 1.0, "tanh"))


def test_scale_moves_from_vanishing_to_exploding():
    explorer = GradientFlowExplorer(length=60, activation="relu", scale=0.5)
    assert explorer.factor < 0.95 and "vanishing" in explorer.message.value
    small = curve(explorer)[1][0]
    explorer.scale.value = 3.0
    assert explorer.factor > 1.05 and "exploding" in explorer.message.value
    assert curve(explorer)[1][0] > 1e10 * small
    lo, hi = explorer.axes.get_ylim()
    assert lo <= np.nanmin(explorer.norms) and hi >= np.nanmax(explorer.norms)


def test_activation_changes_the_curve_and_the_sigmoid_vanishes():
    explorer = GradientFlowExplorer(length=40, scale=1.0)
    tanh_curve = curve(explorer)[1].copy()
    explorer.activation.value = "sigmoid"
    assert not np.allclose(curve(explorer)[1], tanh_curve)
    assert "vanishing" in explorer.message.value
    expected = (explorer.norms[0] / explorer.norms[-1]) ** (1 / 39)
    assert abs(explorer.factor - expected) < 1e-12
    assert f"{expected:.3f}" in explorer.message.value


def test_one_step_and_overflow_give_messages_not_exceptions():
    explorer = GradientFlowExplorer(length=1)
    assert "one step" in explorer.message.value and explorer.factor == 1.0
    explorer.length.value = 200
    explorer.activation.value = "relu"
    explorer.scale.value = 4.0  # ~2.5 per step over 200 steps: overflows to inf
    assert "exploding" in explorer.message.value


def test_bad_input_gives_a_message():
    explorer = GradientFlowExplorer()
    image = explorer.panel.image.value
    explorer.length.max = 500
    explorer.length.value = 300
    assert "between 1 and 200" in explorer.message.value
    assert explorer.panel.image.value == image


def test_callback_cost(capsys):
    explorer = GradientFlowExplorer()
    start = time.perf_counter()
    for s in np.linspace(0.5, 2.5, 10):
        explorer.scale.value = float(s)
    per_update = (time.perf_counter() - start) / 10
    with capsys.disabled():
        print(f"\ngradient-flow explorer update: {per_update * 1000:.0f} ms")  # reported, not asserted
    assert explorer.panel.renders >= 11


# ---------------------------------------------------------------- the student's rnn_backward


def student_rnn_backward(transpose=True):
    """A plain-numpy rnn_backward as a student writes it; transpose=False carries δ back with W
    instead of Wᵀ (a typical slip: the shapes agree because W is square)."""
    from helpers import numpy_reference as npr

    def rnn_backward(dh, x, h0, W_in, W, b, activation="tanh"):
        z = npr.rnn_forward(x, h0, W_in, W, b, activation)
        delta, carried = np.empty_like(z), np.zeros_like(z[:, 0])
        back = W.T if transpose else W
        for t in range(z.shape[1] - 1, -1, -1):
            carried = (dh[:, t] + carried @ back) * npr.activation_grad_from_output(z[:, t], activation)
            delta[:, t] = carried
        previous = np.concatenate([h0[:, None], z[:, :-1]], axis=1)
        dW_in = np.einsum("ntd,nth->dh", x, delta)
        dW = np.einsum("ntk,nth->kh", previous, delta)
        return delta @ W_in.T, delta[:, 0] @ W.T, dW_in, dW, delta.sum(axis=(0, 1))

    return rnn_backward


def test_a_correct_rnn_backward_draws_its_curve_with_no_difference():
    explorer = GradientFlowExplorer(length=30, rnn_backward=student_rnn_backward())
    assert explorer.marked_step is None and not explorer.mark.get_visible()
    np.testing.assert_allclose(explorer.yours, explorer.norms, rtol=1e-9)
    assert "agrees with the reference" in explorer.caption.get_text()
    explorer.activation.value = "relu"
    assert explorer.marked_step is None and explorer.yours is not None


def test_w_instead_of_its_transpose_is_marked_one_step_before_the_last():
    explorer = GradientFlowExplorer(length=30, rnn_backward=student_rnn_backward(transpose=False))
    # δ_T needs no W, so the first step back that differs is T − 1
    assert explorer.marked_step == 29
    assert explorer.mark.get_visible() and list(explorer.mark.get_xdata()) == [29, 29]
    assert "differs first at step 29" in explorer.caption.get_text()
    assert explorer.caption.get_color() == "#d62728"
    image = explorer.panel.image.value
    explorer.length.value = 12
    assert explorer.marked_step == 11 and explorer.panel.image.value != image
    assert not np.allclose(explorer.yours, explorer.norms)


def test_a_raising_function_shows_its_message_and_the_reference_keeps_drawing():
    def rnn_backward(*args, **kwargs):
        raise IndexError("index 7 is out of bounds for axis 1 with size 7")

    explorer = GradientFlowExplorer(length=20, rnn_backward=rnn_backward)
    assert "raised IndexError: index 7 is out of bounds" in explorer.caption.get_text()
    assert explorer.yours is None and len(curve(explorer)[0]) == 20
    explorer.length.value = 40
    assert len(curve(explorer)[0]) == 40 and "raised IndexError" in explorer.message.value


def test_wrong_shape_and_nan_are_reported_in_the_picture():
    def only_four(dh, x, h0, W_in, W, b, activation="tanh"):
        return student_rnn_backward()(dh, x, h0, W_in, W, b, activation)[:4]

    def nan_dx(dh, x, h0, W_in, W, b, activation="tanh"):
        dx, *rest = student_rnn_backward()(dh, x, h0, W_in, W, b, activation)
        dx[0, 3, 1] = np.nan
        return (dx, *rest)

    assert "returned 4 value(s)" in GradientFlowExplorer(rnn_backward=only_four).caption.get_text()
    assert "returned nan at index (0, 3, 1)" in GradientFlowExplorer(rnn_backward=nan_dx).caption.get_text()


def test_not_written_yet_falls_back_to_the_reference():
    def rnn_backward(dh, x, h0, W_in, W, b, activation="tanh"):
        raise NotImplementedError()

    explorer = GradientFlowExplorer(length=25, rnn_backward=rnn_backward)
    assert explorer.caption.get_text() == "rnn_backward is not written yet: the reference draws"
    assert explorer.caption.get_color() == "#555" and explorer.yours is None
    np.testing.assert_allclose(curve(explorer)[1], gradient_norms(25, 1.0, "tanh"))
