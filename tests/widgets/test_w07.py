"""Week 7 explorer: the race follows helpers.optim, every control redraws, the step only moves the lines."""

import time

import numpy as np
import pytest

from helpers import optim
from helpers.widgets import w07
from helpers.widgets.w07 import (
    MAX_STEPS,
    OPTIMIZERS,
    SURFACES,
    OptimizerRaceExplorer,
    race,
    reference_step,
    reference_steps,
)


def kernel_path(surface, name, steps, lr, lr_adaptive, beta1, beta_rmsprop, beta2):
    rule, hyper = {
        "gradient descent": (optim.sgd, dict(lr=lr)),
        "momentum": (optim.momentum, dict(lr=lr, beta=beta1)),
        "RMSprop": (optim.rmsprop, dict(lr=lr_adaptive, beta=beta_rmsprop)),
        "Adam": (optim.adam, dict(lr=lr_adaptive, beta1=beta1, beta2=beta2)),
    }[name]
    point, state, points = np.array(surface.start), None, [np.array(surface.start)]
    for _ in range(steps):
        point, state = rule(point, surface.grad(point), state, **hyper)
        points.append(point)
    return np.array(points)


@pytest.mark.parametrize("surface", sorted(SURFACES))
def test_the_inlined_rules_are_helpers_optim(surface):
    settings = (0.02, 0.05, 0.8, 0.95, 0.99)
    paths = race(SURFACES[surface], *settings, steps=40)
    for name in OPTIMIZERS:
        np.testing.assert_allclose(
            paths[name][0], kernel_path(SURFACES[surface], name, 40, *settings), rtol=1e-10, atol=1e-12
        )


def test_gradients_of_the_surfaces_are_right():
    for surface in SURFACES.values():
        for point in ([0.3, -0.7], [-1.1, 0.4], [0.9, 1.2]):
            p, h = np.array(point), 1e-6
            numerical = [(surface.f(*(p + h * e)) - surface.f(*(p - h * e))) / (2 * h) for e in np.eye(2)]
            np.testing.assert_allclose(surface.grad(p), numerical, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize(
    "control, value",
    [
        ("surface", "saddle"),
        ("lr", 0.03),
        ("lr_adaptive", 0.02),
        ("beta1", 0.5),
        ("beta_rmsprop", 0.99),
        ("beta2", 0.9),
    ],
)
def test_every_setting_reruns_the_race_and_redraws(control, value):
    explorer = OptimizerRaceExplorer()
    image, paths = explorer.panel.image.value, explorer.paths
    lines = [line.get_xydata().copy() for line in explorer.lines]
    getattr(explorer, control).value = value
    assert explorer.paths is not paths and explorer.panel.image.value != image
    assert any(not np.array_equal(line.get_xydata(), old) for line, old in zip(explorer.lines, lines))


def test_the_step_only_moves_along_the_same_paths():
    explorer = OptimizerRaceExplorer(step=10)
    paths, image = explorer.paths, explorer.panel.image.value
    assert all(len(line.get_xdata()) == 11 for line in explorer.lines)
    explorer.step.value = 120
    assert explorer.paths is paths and explorer.panel.image.value != image
    for line, head, (points, _) in zip(explorer.lines, explorer.heads, paths.values()):
        np.testing.assert_array_equal(line.get_xydata(), points[:121])
        np.testing.assert_array_equal(head.get_xydata()[0], points[120])
    assert tuple(explorer.now.get_xdata()) == (120, 120)
    assert explorer.play.max == explorer.step.max == MAX_STEPS


def test_the_surface_changes_the_contours_limits_and_start():
    explorer = OptimizerRaceExplorer()
    ravine = explorer.background.get_array().copy()
    explorer.surface.value = "banana"
    assert not np.array_equal(explorer.background.get_array(), ravine)
    assert explorer.map.get_xlim() == SURFACES["banana"].box[:2]
    assert tuple(explorer.start_mark.get_xydata()[0]) == SURFACES["banana"].start
    assert "Rosenbrock" in explorer.message.value


def test_gradient_descent_diverges_above_two_over_the_steep_curvature():
    explorer = OptimizerRaceExplorer(lr=0.09, step=MAX_STEPS)
    assert "gradient descent</b>: f − f*" in explorer.message.value
    explorer.lr.value = 0.12  # 2 / 20 = 0.1 is the limit on the ravine
    assert "gradient descent</b>: diverged at step" in explorer.message.value
    assert len(explorer.paths["gradient descent"][0]) < MAX_STEPS + 1
    assert "momentum</b>: f − f*" in explorer.message.value  # momentum's limit is 1.9


def test_adaptive_methods_leave_the_saddle_first():
    explorer = OptimizerRaceExplorer(surface="saddle", step=30)
    y = {name: abs(points[30, 1]) for name, (points, _) in explorer.paths.items()}
    assert y["Adam"] > 0.5 and y["RMSprop"] > 0.5 and y["gradient descent"] < 0.05


def test_callback_cost(capsys):
    explorer = OptimizerRaceExplorer()
    changes = (
        [("lr", v) for v in (0.05, 0.07, 0.09)]
        + [("beta1", v) for v in (0.8, 0.9)]
        + [("step", v) for v in (20, 80, 140, 50)]
        + [("surface", s) for s in ("saddle", "banana", "ravine")]
    )
    wall, cpu = [], []
    for control, value in changes:
        start, start_cpu = time.perf_counter(), time.process_time()
        getattr(explorer, control).value = value
        wall.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    with capsys.disabled():  # reported, not asserted (docs/DESIGN.md: speed is measured, never asserted)
        print(
            f"\noptimizer race explorer, per control change: median {np.median(wall) * 1000:.0f} ms wall "
            f"(max {max(wall) * 1000:.0f}), median {np.median(cpu) * 1000:.0f} ms CPU (max {max(cpu) * 1000:.0f})"
        )
    assert explorer.panel.renders >= len(changes) + 1


# ---------------------------------------------------------------- the student's update rules


def momentum_update(param, grad, v, lr=0.01, beta=0.9):
    v = np.zeros_like(param) if v is None else v
    v = beta * v + (1.0 - beta) * grad
    return param - lr * v, v


def momentum_other_form(param, grad, v, lr=0.01, beta=0.9):
    """The other form, v = βv + g: a typical mistake when the exercise asks for the averaging form."""
    v = np.zeros_like(param) if v is None else v
    v = beta * v + grad
    return param - lr * v, v


def rmsprop_update(param, grad, s, lr=0.001, beta=0.9, eps=1e-8):
    s = np.zeros_like(param) if s is None else s
    s = beta * s + (1.0 - beta) * grad * grad
    return param - lr * grad / (np.sqrt(s) + eps), s


def adam_update(param, grad, state, t, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8):
    """Right, with the operations in another order than the reference's (rounding differs)."""
    m, v = (np.zeros_like(param), np.zeros_like(param)) if state is None else state
    m = beta1 * m + (1.0 - beta1) * grad
    v = beta2 * v + (1.0 - beta2) * grad * grad
    return param - (lr / (np.sqrt(v / (1.0 - beta2**t)) + eps)) * (m / (1.0 - beta1**t)), (m, v)


def adam_corrected_from_step_two(param, grad, state, t, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8):
    """The bias correction counted from 0: t - 1 in the powers. Step 1 divides by zero."""
    m, v = (np.zeros_like(param), np.zeros_like(param)) if state is None else state
    m = beta1 * m + (1.0 - beta1) * grad
    v = beta2 * v + (1.0 - beta2) * grad * grad
    tt = max(t - 1, 1)
    return param - lr * (m / (1.0 - beta1**tt)) / (np.sqrt(v / (1.0 - beta2**tt)) + eps), (m, v)


RIGHT = dict(momentum_update=momentum_update, rmsprop_update=rmsprop_update, adam_update=adam_update)


@pytest.mark.parametrize("surface", sorted(SURFACES))
def test_correct_rules_draw_their_paths_with_no_difference(surface):
    explorer = OptimizerRaceExplorer(surface=surface, step=MAX_STEPS, **RIGHT)
    for lr in (0.09, 0.3, 1.0):  # up to rates where the paths oscillate or diverge
        explorer.lr.value = lr
        explorer.lr_adaptive.value = min(lr, 1.0)
        assert explorer.first_wrong == {"momentum": None, "RMSprop": None, "Adam": None}
        for name, (points, _) in explorer.yours.items():
            np.testing.assert_allclose(points, explorer.paths[name][0], rtol=1e-9, atol=1e-9)
            assert not explorer.wrong_steps[name].get_visible() and len(explorer.crosses[name].get_xdata()) == 0
    assert all("takes every step as the reference does" in c.get_text() for c in explorer.captions.values())


def test_momentum_in_the_other_form_is_marked_at_step_one():
    explorer = OptimizerRaceExplorer(step=40, momentum_update=momentum_other_form)
    assert explorer.first_wrong == {"momentum": 1}
    points = explorer.yours["momentum"][0]
    np.testing.assert_allclose(explorer.crosses["momentum"].get_xydata()[0], points[1])
    np.testing.assert_allclose(points[1], np.array(SURFACES["ravine"].start) - 0.09 * np.array([-4.0, 18.0]))
    assert tuple(explorer.wrong_steps["momentum"].get_xdata()) == (1, 1)
    caption = explorer.captions["momentum"]
    assert "momentum_update differs first at step 1" in caption.get_text()
    assert caption.get_color() == "#d62728" and "differs first at step 1" in explorer.message.value
    image = explorer.panel.image.value
    explorer.step.value = 100  # the step slider redraws the dashed path without running it again
    assert len(explorer.your_lines["momentum"].get_xdata()) == 101 and explorer.panel.image.value != image


def test_an_adam_slip_that_only_shows_from_step_two_is_marked_there():
    explorer = OptimizerRaceExplorer(adam_update=adam_corrected_from_step_two)
    assert explorer.first_wrong == {"Adam": 2}
    assert tuple(explorer.wrong_steps["Adam"].get_xdata()) == (2, 2)
    assert "differs first at step 2" in explorer.captions["Adam"].get_text()


def test_a_raising_rule_shows_its_message_and_the_race_goes_on():
    def rmsprop_update(param, grad, s, lr=0.001, beta=0.9, eps=1e-8):
        return param - lr * grad / np.sqrt(s), s  # s is None on the first step

    explorer = OptimizerRaceExplorer(rmsprop_update=rmsprop_update)
    caption = explorer.captions["RMSprop"]
    assert caption.get_text().startswith("your rmsprop_update raised TypeError: loop of ufunc does not support")
    assert caption.get_color() == "#d62728" and explorer.yours["RMSprop"] is None
    assert len(explorer.your_lines["RMSprop"].get_xdata()) == 0
    image = explorer.panel.image.value
    explorer.beta_rmsprop.value = 0.99
    assert explorer.panel.image.value != image and "raised TypeError" in explorer.message.value


def test_a_wrong_shape_is_reported():
    def momentum_update(param, grad, v, lr=0.01, beta=0.9):
        return np.append(param, 0.0), v

    explorer = OptimizerRaceExplorer(momentum_update=momentum_update)
    assert "returned a param of shape (3,)" in explorer.captions["momentum"].get_text()


def test_rules_not_written_yet_leave_the_reference_racing():
    def adam_update(param, grad, state, t, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8):
        raise NotImplementedError()

    explorer = OptimizerRaceExplorer(adam_update=adam_update, momentum_update=momentum_update)
    assert explorer.captions["Adam"].get_text() == "adam_update is not written yet: the reference draws"
    assert explorer.captions["Adam"].get_color() == "#555" and explorer.yours["Adam"] is None
    assert explorer.first_wrong["momentum"] is None and explorer.yours["momentum"] is not None
    explorer.lr.value = 0.05
    assert "adam_update is not written yet" in explorer.message.value


def test_the_reference_rule_on_all_steps_at_once_is_the_rule_step_by_step():
    rng = np.random.default_rng(7)
    points, grads = rng.normal(size=(12, 2)), rng.normal(size=(12, 2))
    settings = (0.05, 0.02, 0.8, 0.95, 0.99)
    for name in ("momentum", "RMSprop", "Adam"):
        states = [None]
        for _ in range(11):
            pair = np.abs(rng.normal(size=(2, 2)))
            states.append((pair[0], pair[1]) if name == "Adam" else pair[0])
        expected = [
            reference_step(name, p, g, s, t, *settings)[0] for t, (p, g, s) in enumerate(zip(points, grads, states), 1)
        ]
        np.testing.assert_allclose(reference_steps(name, points, grads, states, *settings), expected, rtol=1e-14)


def adam_slipping_late(param, grad, state, t, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8):
    """Right up to step 59, then a step 1% too long: only the per-step comparison can place it."""
    new, state = adam_update(param, grad, state, t, lr=lr, beta1=beta1, beta2=beta2, eps=eps)
    return (param + 1.01 * (new - param) if t >= 60 else new), state


def momentum_in_place(param, grad, v, lr=0.01, beta=0.9):
    """Right, updating its state in place: the comparison must see each state as the rule received it."""
    if v is None:
        v = np.zeros_like(param)
    v *= beta
    v += (1.0 - beta) * grad
    return param - lr * v, v


def test_a_late_slip_is_marked_at_its_step_and_a_rule_updating_its_state_in_place_is_right():
    explorer = OptimizerRaceExplorer(adam_update=adam_slipping_late, momentum_update=momentum_in_place)
    assert explorer.first_wrong == {"momentum": None, "Adam": 60}
    assert "adam_update differs first at step 60" in explorer.captions["Adam"].get_text()
    np.testing.assert_allclose(explorer.crosses["Adam"].get_xydata()[0], explorer.yours["Adam"][0][60])


def test_a_setting_seen_before_draws_the_same_picture_without_calling_the_rules_again(monkeypatch):
    calls = []

    def counted(param, grad, v, lr=0.01, beta=0.9):
        calls.append(1)
        return momentum_other_form(param, grad, v, lr=lr, beta=beta)

    def there_and_back():
        explorer = OptimizerRaceExplorer(step=40, momentum_update=counted, adam_update=adam_slipping_late)
        explorer.lr.value, explorer.beta1.value = 0.05, 0.8
        explorer.lr.value, explorer.beta1.value = 0.09, 0.9  # back to the first setting
        return explorer

    cached = there_and_back()
    assert len(calls) == 4 * MAX_STEPS  # four settings, the first one revisited
    monkeypatch.setattr(w07, "CACHE_SIZE", 0)
    fresh = there_and_back()  # the same changes, every one run afresh
    assert len(calls) == 9 * MAX_STEPS
    assert cached.panel.image.value == fresh.panel.image.value
    assert cached.first_wrong == fresh.first_wrong == {"momentum": 1, "Adam": 60}
    for name in ("momentum", "Adam"):
        np.testing.assert_array_equal(cached.yours[name][0], fresh.yours[name][0])
        assert cached.captions[name].get_text() == fresh.captions[name].get_text()
    assert cached.message.value == fresh.message.value
    cached.lr.value = 0.05  # seen before too
    assert len(calls) == 9 * MAX_STEPS and cached.first_wrong["momentum"] == 1


def test_a_rule_too_slow_to_redraw_is_said_and_tried_again_later():
    def slow_rmsprop(param, grad, s, lr=0.001, beta=0.9, eps=1e-8):
        time.sleep(0.01)  # 150 steps: 1.5 s, over the half second a redraw may wait
        return rmsprop_update(param, grad, s, lr=lr, beta=beta, eps=eps)

    explorer = OptimizerRaceExplorer(rmsprop_update=slow_rmsprop)
    assert "too slow to redraw" in explorer.captions["RMSprop"].get_text() and explorer.yours["RMSprop"] is None
    assert not explorer._races  # an unfinished call is not kept: the next visit tries again
