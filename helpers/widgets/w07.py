"""Week 7 explorer: an optimizer race on a 2-D loss surface.

Four optimizers start from the same point of a surface and take up to ``MAX_STEPS`` steps with the
update rules of ``helpers.optim`` (inlined, see :func:`race`): plain gradient descent, momentum (v = β₁v + (1 − β₁)g),
RMSprop (its own β for the average of g², 0.9 by default) and Adam (β₁ and β₂). ``lr`` scales the gradient of
gradient descent and
momentum; ``lr (adaptive)`` is roughly the step length of RMSprop and Adam, which divide by the size of
the gradient. The left panel shows the paths up to the chosen step on the contours, the right one
f(θ_t) − f* step by step. Moving a learning rate or a β recomputes the paths (four times 150 steps);
moving the step only shortens or lengthens the drawn lines. The contours are an image computed once per
surface, so a control change never redraws a contour set.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import ipywidgets as widgets
import numpy as np
from matplotlib import colormaps
from matplotlib.ticker import LogLocator, NullLocator

from ._figure import Explorer, FigurePanel

__all__ = ["OptimizerRaceExplorer", "SURFACES", "OPTIMIZERS", "race"]

MAX_STEPS = 150
ESCAPE = 1e3  # a path that gets this far from the picture has diverged
LOSS_RANGE = (1e-12, 1e3)
OPTIMIZERS = ("gradient descent", "momentum", "RMSprop", "Adam")
COLOURS = ("tab:blue", "tab:orange", "tab:green", "tab:red")


@dataclass(frozen=True)
class Surface:
    """A loss f(θ) on the plane, its gradient, the start, the minimum value and the picture's box."""

    name: str
    f: Callable[[np.ndarray, np.ndarray], np.ndarray]  # f(x, y), element-wise on grids
    grad: Callable[[np.ndarray], np.ndarray]  # ∇f at one point (2,)
    start: tuple[float, float]
    f_min: float
    box: tuple[float, float, float, float]  # x_min, x_max, y_min, y_max
    about: str


def _ravine_f(x, y):
    return 0.5 * (x * x + 20.0 * y * y)


def _saddle_f(x, y):
    return 0.5 * x * x + 0.25 * y**4 - 0.5 * y * y


def _banana_f(x, y):
    return (1.0 - x) ** 2 + 5.0 * (y - x * x) ** 2


SURFACES = {
    "ravine": Surface(
        "ravine",
        _ravine_f,
        lambda p: np.array([p[0], 20.0 * p[1]]),
        (-4.0, 0.9),
        0.0,
        (-5.0, 1.5, -1.3, 1.3),
        "f = ½(x² + 20y²): 20 times steeper across the valley than along it.",
    ),
    "saddle": Surface(
        "saddle",
        _saddle_f,
        lambda p: np.array([p[0], p[1] ** 3 - p[1]]),
        (-2.0, 1e-3),
        -0.25,
        (-2.5, 1.5, -1.6, 1.6),
        "f = ½x² + ¼y⁴ − ½y²: a saddle at the origin, minima at y = ±1. The start sits 0.001 "
        "above the ridge, where the gradient across it is tiny: a plateau.",
    ),
    "banana": Surface(
        "banana",
        _banana_f,
        lambda p: np.array([-2.0 * (1.0 - p[0]) - 20.0 * p[0] * (p[1] - p[0] ** 2), 10.0 * (p[1] - p[0] ** 2)]),
        (-1.2, 1.0),
        0.0,
        (-2.0, 2.0, -1.0, 3.0),
        "f = (1 − x)² + 5(y − x²)²: a curved valley (Rosenbrock's) with its minimum at (1, 1).",
    ),
}


def race(surface, lr, lr_adaptive, beta1, beta_rmsprop, beta2, steps=MAX_STEPS, eps=1e-8):
    """The four paths from ``surface.start``: {optimizer: (points (k + 1, 2), f − f* (k + 1,))}, k ≤ steps.
    A path stops early where it leaves the picture by far (it diverged).

    The formulas of ``helpers.optim.sgd``, ``momentum``, ``rmsprop`` and ``adam``, inlined on two numbers
    at a time: the kernels' argument checks cost more than the arithmetic here (tests/widgets/test_w07.py
    compares the paths with the kernels').
    """
    x0, x1, y0, y1 = surface.box
    reach = ESCAPE * max(x1 - x0, y1 - y0)
    start = np.array(surface.start, dtype=np.float64)
    paths = {}
    with np.errstate(all="ignore"):
        for name in OPTIMIZERS:
            point, m, v = start, np.zeros(2), np.zeros(2)
            points = [point]
            for t in range(1, steps + 1):
                g = surface.grad(point)
                if name == "gradient descent":
                    point = point - lr * g
                elif name == "momentum":
                    m = beta1 * m + (1.0 - beta1) * g
                    point = point - lr * m
                elif name == "RMSprop":
                    v = beta_rmsprop * v + (1.0 - beta_rmsprop) * g * g
                    point = point - lr_adaptive * g / (np.sqrt(v) + eps)
                else:
                    m = beta1 * m + (1.0 - beta1) * g
                    v = beta2 * v + (1.0 - beta2) * g * g
                    point = point - lr_adaptive * (m / (1.0 - beta1**t)) / (np.sqrt(v / (1.0 - beta2**t)) + eps)
                if not (np.isfinite(point).all() and np.abs(point).max() <= reach):
                    break
                points.append(point)
            points = np.array(points)
            paths[name] = (points, surface.f(points[:, 0], points[:, 1]) - surface.f_min)
    return paths


def _contour_image(surface, size=400, bands=24):
    """An RGBA image of the surface: bands of log(1 + f − f*) from light to dark blue, and darker
    pixels where the band changes (the contour lines)."""
    x0, x1, y0, y1 = surface.box
    xs, ys = np.meshgrid(np.linspace(x0, x1, size), np.linspace(y0, y1, size))
    level = np.log1p(surface.f(xs, ys) - surface.f_min)
    level = (level - level.min()) / (np.ptp(level) or 1.0)
    band = np.minimum((np.sqrt(level) * bands).astype(int), bands - 1)
    rgba = colormaps["Blues"](0.05 + 0.5 * band / bands)
    edge = np.zeros(band.shape, dtype=bool)
    edge[:, 1:] |= band[:, 1:] != band[:, :-1]
    edge[1:, :] |= band[1:, :] != band[:-1, :]
    rgba[edge, :3] *= 0.72
    return (rgba * 255).round().astype(np.uint8)  # uint8: matplotlib then skips its float checks on every draw


class OptimizerRaceExplorer(Explorer):
    """Choose a surface, learning rates and β's; step the four optimizers along their paths.

    Controls: ``surface`` (Dropdown), ``lr`` (FloatLogSlider: gradient descent and momentum),
    ``lr_adaptive`` (FloatLogSlider: RMSprop and Adam), ``beta1`` (momentum and Adam's first moment),
    ``beta_rmsprop`` (RMSprop's average of g²), ``beta2`` (Adam's second moment), ``step`` (IntSlider,
    with a ``play`` button).
    ``paths`` holds the last race: {optimizer: (points, f − f*)}.
    """

    def __init__(self, surface="ravine", lr=0.09, lr_adaptive=0.1, beta1=0.9, beta_rmsprop=0.9, beta2=0.999, step=50):
        style = {"description_width": "initial"}
        self.surface = widgets.Dropdown(options=list(SURFACES), value=surface, description="surface")
        self.lr = widgets.FloatLogSlider(
            value=lr,
            base=10,
            min=-3,
            max=0.5,
            step=0.05,
            readout_format=".3f",
            description="lr (GD, momentum)",
            continuous_update=False,
            style=style,
        )
        self.lr_adaptive = widgets.FloatLogSlider(
            value=lr_adaptive,
            base=10,
            min=-3,
            max=0,
            step=0.05,
            readout_format=".3f",
            description="lr (RMSprop, Adam)",
            continuous_update=False,
            style=style,
        )
        self.beta1 = widgets.FloatSlider(
            value=beta1,
            min=0.0,
            max=0.99,
            step=0.01,
            description="β₁ (momentum, Adam)",
            continuous_update=False,
            style=style,
        )
        self.beta_rmsprop = widgets.FloatSlider(
            value=beta_rmsprop,
            min=0.5,
            max=0.999,
            step=0.001,
            readout_format=".3f",
            description="β (RMSprop)",
            continuous_update=False,
            style=style,
        )
        self.beta2 = widgets.FloatSlider(
            value=beta2,
            min=0.5,
            max=0.999,
            step=0.001,
            readout_format=".3f",
            description="β₂ (Adam)",
            continuous_update=False,
            style=style,
        )
        self.step = widgets.IntSlider(value=step, min=0, max=MAX_STEPS, description="step", continuous_update=True)
        self.play = widgets.Play(value=step, min=0, max=MAX_STEPS, interval=120, description="play")
        widgets.jslink((self.play, "value"), (self.step, "value"))
        self.message = widgets.HTML()
        self.paths = None

        self.panel = FigurePanel(figsize=(9.6, 4.0))
        self.map, self.curves = self.panel.figure.subplots(1, 2, width_ratios=[1.25, 1])
        self.background = self.map.imshow(
            np.zeros((2, 2, 4), np.uint8), origin="lower", interpolation="nearest", aspect="auto"
        )
        self.lines, self.heads, self.loss_lines = [], [], []
        for name, colour in zip(OPTIMIZERS, COLOURS):
            (line,) = self.map.plot([], [], "-", lw=1.3, color=colour, label=name)
            (head,) = self.map.plot([], [], "o", ms=5, color=colour, mec="black", mew=0.5)
            (loss,) = self.curves.plot([], [], "-", lw=1.3, color=colour, label=name)
            self.lines.append(line)
            self.heads.append(head)
            self.loss_lines.append(loss)
        (self.start_mark,) = self.map.plot([], [], "s", color="black", ms=5, label="start")
        self.map.legend(loc="upper right", fontsize=7, framealpha=0.85)
        self.map.set_xlabel("x")
        self.map.set_ylabel("y")
        self.now = self.curves.axvline(step, color="grey", lw=0.8, ls=":")
        self.curves.set_yscale("log")
        self.curves.set_ylim(*LOSS_RANGE)  # fixed, so that its ticks never need redrawing
        self.curves.yaxis.set_minor_locator(NullLocator())
        self.curves.yaxis.set_major_locator(LogLocator(numticks=6))
        self.curves.set_xlim(0, MAX_STEPS)
        self.curves.set_xlabel("step")
        self.curves.set_ylabel("f(θ) − f*")
        self._images = {name: _contour_image(s) for name, s in SURFACES.items()}
        self._shown_surface = None

        for control in (self.surface, self.lr, self.lr_adaptive, self.beta1, self.beta_rmsprop, self.beta2):
            control.observe(self._on_setting, names="value")
        self.step.observe(self._on_step, names="value")
        self.widget = widgets.VBox(
            [
                widgets.HBox([self.surface, self.lr, self.lr_adaptive]),
                widgets.HBox([self.beta1, self.beta_rmsprop, self.beta2]),
                widgets.HBox([self.play, self.step]),
                self.panel.image,
                self.message,
            ]
        )
        self.update()

    def _on_setting(self, _change) -> None:
        self.update()

    def _on_step(self, _change) -> None:
        self.draw()

    def update(self) -> None:
        """Run the race again for the current surface and settings, then draw."""
        surface = SURFACES[self.surface.value]
        if self._shown_surface != surface.name:
            self.background.set_data(self._images[surface.name])
            self.background.set_extent(surface.box)
            self.map.set_xlim(surface.box[:2])
            self.map.set_ylim(surface.box[2:])
            self.start_mark.set_data([surface.start[0]], [surface.start[1]])
            self._shown_surface = surface.name
        self.paths = race(
            surface, self.lr.value, self.lr_adaptive.value, self.beta1.value, self.beta_rmsprop.value, self.beta2.value
        )
        for (_points, losses), curve in zip(self.paths.values(), self.loss_lines):
            curve.set_data(np.arange(len(losses)), np.clip(losses, LOSS_RANGE[0], LOSS_RANGE[1] * 10))
        self.draw()

    def draw(self) -> None:
        """Show every path up to the chosen step and say where each optimizer is."""
        k = self.step.value
        surface = SURFACES[self.surface.value]
        notes = []
        for name, line, head in zip(OPTIMIZERS, self.lines, self.heads):
            points, losses = self.paths[name]
            shown = points[: k + 1]
            line.set_data(shown[:, 0], shown[:, 1])
            head.set_data([shown[-1, 0]], [shown[-1, 1]])
            if len(points) <= k:
                notes.append(f"<b>{name}</b>: diverged at step {len(points)}")
            else:
                x, y = shown[-1]
                notes.append(f"<b>{name}</b>: f − f* = {losses[len(shown) - 1]:.2g} at ({x:.2f}, {y:.2f})")
        self.now.set_xdata([k, k])
        self.map.set_title(f"{surface.name}, step {k}", fontsize=9)
        self.message.value = f"{surface.about}<br>" + "; ".join(notes)
        self.panel.refresh()
