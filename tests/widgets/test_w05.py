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
