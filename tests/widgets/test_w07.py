"""Week 7 explorer: the race follows helpers.optim, every control redraws, the step only moves the lines."""

import time

import numpy as np
import pytest

from helpers import optim
from helpers.widgets.w07 import MAX_STEPS, OPTIMIZERS, SURFACES, OptimizerRaceExplorer, race


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
