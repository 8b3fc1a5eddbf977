"""Week 7 explorer: an optimizer race on a 2-D loss surface.

Four optimizers start from the same point of a surface and take up to ``MAX_STEPS`` steps with the
update rules of ``helpers.optim`` (inlined, see :func:`race`): plain gradient descent, momentum (v = β₁v + (1 − β₁)g),
RMSprop (its own β for the average of g², 0.9 by default) and Adam (β₁ and β₂). ``lr`` scales the gradient of
gradient descent and
momentum; ``lr (adaptive)`` is roughly the step length of RMSprop and Adam, which divide by the size of
the gradient. The left panel shows the paths up to the chosen step on the contours, the right one
f(θ_t) − f* step by step. Moving a learning rate or a β recomputes the paths (four times 150 steps),
unless that surface and those settings were seen before: the last ``CACHE_SIZE`` races are kept, with
the student's paths; moving the step only shortens or lengthens the drawn lines. The contours are an
image computed once per surface, so a control change never redraws a contour set.

With the student's update rules (``OptimizerRaceExplorer(momentum_update=momentum_update,
rmsprop_update=rmsprop_update, adam_update=adam_update)``, named as in the exercises) each of those
optimizers also runs with the student's function: its path and loss are drawn dashed beside the
reference's. Every step of the student's path is compared with the reference rule applied to the
student's own previous point and state (so rounding cannot pile up into a false alarm); the first
step that differs beyond the grader's tolerance gets a red cross on the path, a red line on the loss
panel and a red caption. A function that is not written yet, raises, returns the wrong shape or
is too slow leaves the reference drawing and says so in the picture.
"""

from __future__ import annotations

import functools
import html
import math
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

import ipywidgets as widgets
import numpy as np
from matplotlib import colormaps
from matplotlib.ticker import LogLocator, NullLocator

from ..grading.core import FORWARD_RTOL
from ._figure import Explorer, FigurePanel
from ._yours import DIFFERENCE_COLOUR, YourFunction

__all__ = ["OptimizerRaceExplorer", "SURFACES", "OPTIMIZERS", "YOUR_RULES", "race", "your_path"]

MAX_STEPS = 150
CACHE_SIZE = 64  # races (with the student's paths) kept, so that going back to a setting costs nothing
ESCAPE = 1e3  # a path that gets this far from the picture has diverged
LOSS_RANGE = (1e-12, 1e3)
OPTIMIZERS = ("gradient descent", "momentum", "RMSprop", "Adam")
COLOURS = ("tab:blue", "tab:orange", "tab:green", "tab:red")
YOUR_RULES = {"momentum": "momentum_update", "RMSprop": "rmsprop_update", "Adam": "adam_update"}


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
    paths = {}
    for name in OPTIMIZERS:
        points = race_one(name, surface, lr, lr_adaptive, beta1, beta_rmsprop, beta2, steps, eps)
        with np.errstate(all="ignore"):
            paths[name] = (points, surface.f(points[:, 0], points[:, 1]) - surface.f_min)
    return paths


def race_one(name, surface, lr, lr_adaptive, beta1, beta_rmsprop, beta2, steps=MAX_STEPS, eps=1e-8):
    """One optimizer's points (k + 1, 2) of :func:`race`, on Python floats: a numpy call on two
    numbers costs about a microsecond, the same arithmetic on floats a few hundredths of that."""
    x0, x1, y0, y1 = surface.box
    reach = ESCAPE * max(x1 - x0, y1 - y0)
    x, y = (float(c) for c in surface.start)
    mx = my = vx = vy = 0.0
    points = [(x, y)]
    try:
        for t in range(1, steps + 1):
            gx, gy = surface.grad((x, y)).tolist()
            if name == "gradient descent":
                x, y = x - lr * gx, y - lr * gy
            elif name == "momentum":
                mx, my = beta1 * mx + (1.0 - beta1) * gx, beta1 * my + (1.0 - beta1) * gy
                x, y = x - lr * mx, y - lr * my
            elif name == "RMSprop":
                vx = beta_rmsprop * vx + (1.0 - beta_rmsprop) * gx * gx
                vy = beta_rmsprop * vy + (1.0 - beta_rmsprop) * gy * gy
                x, y = x - lr_adaptive * gx / (math.sqrt(vx) + eps), y - lr_adaptive * gy / (math.sqrt(vy) + eps)
            else:
                mx, my = beta1 * mx + (1.0 - beta1) * gx, beta1 * my + (1.0 - beta1) * gy
                vx, vy = beta2 * vx + (1.0 - beta2) * gx * gx, beta2 * vy + (1.0 - beta2) * gy * gy
                c1, c2 = 1.0 - beta1**t, 1.0 - beta2**t
                x = x - lr_adaptive * (mx / c1) / (math.sqrt(vx / c2) + eps)
                y = y - lr_adaptive * (my / c1) / (math.sqrt(vy / c2) + eps)
            if not (abs(x) <= reach and abs(y) <= reach):  # also false for NaN
                break
            points.append((x, y))
    except (OverflowError, ValueError, ZeroDivisionError):  # what numpy would have turned into inf or NaN
        pass
    return np.array(points, dtype=np.float64)


def reference_step(name, point, grad, state, t, lr, lr_adaptive, beta1, beta_rmsprop, beta2, eps=1e-8):
    """One step of the reference rule in the exercises' form: (new point (2,), new state). state is
    v (momentum), s (RMSprop) or (m, v) (Adam), None on the first step."""
    if name == "momentum":
        v = beta1 * (0.0 if state is None else np.asarray(state, dtype=float)) + (1.0 - beta1) * grad
        return point - lr * v, v
    if name == "RMSprop":
        s = beta_rmsprop * (0.0 if state is None else np.asarray(state, dtype=float)) + (1.0 - beta_rmsprop) * grad**2
        return point - lr_adaptive * grad / (np.sqrt(s) + eps), s
    m, v = (0.0, 0.0) if state is None else (np.asarray(state[0], dtype=float), np.asarray(state[1], dtype=float))
    m = beta1 * m + (1.0 - beta1) * grad
    v = beta2 * v + (1.0 - beta2) * grad**2
    return point - lr_adaptive * (m / (1.0 - beta1**t)) / (np.sqrt(v / (1.0 - beta2**t)) + eps), (m, v)


def _call_rule(name, update, point, grad, state, t, lr, lr_adaptive, beta1, beta_rmsprop, beta2, eps):
    if name == "momentum":
        return update(point, grad, state, lr=lr, beta=beta1)
    if name == "RMSprop":
        return update(point, grad, state, lr=lr_adaptive, beta=beta_rmsprop, eps=eps)
    return update(point, grad, state, t, lr=lr_adaptive, beta1=beta1, beta2=beta2, eps=eps)


def your_path(name, update, surface, lr, lr_adaptive, beta1, beta_rmsprop, beta2, steps=MAX_STEPS, eps=1e-8):
    """The path of the student's rule ``update`` (``momentum_update``, ``rmsprop_update`` or
    ``adam_update``) from ``surface.start``: (points (steps + 1, 2), [length, first wrong step, x, y]).

    Points after the path leaves the picture by far repeat its last point; ``length`` counts the
    points before that. Every step of the student's path is compared with :func:`reference_step`
    from the same point, gradient and state; the first step where they differ beyond FORWARD_RTOL
    (of the step's scale) is ``first wrong step`` and (x, y) the reference's point there; -1 and
    NaN when none does. The student's rule has to run step by step (each step starts where its
    last one ended); the reference rule then runs on all the recorded steps at once
    (:func:`reference_steps`), which costs a few numpy calls instead of a few per step.
    """
    x0, x1, y0, y1 = surface.box
    reach = ESCAPE * max(x1 - x0, y1 - y0)
    settings = (lr, lr_adaptive, beta1, beta_rmsprop, beta2)
    points = np.empty((steps + 1, 2))
    grads, news = np.empty((steps, 2)), np.empty((steps, 2))
    states = []  # the state each call received (a copy: a rule may update it in place), None first
    points[0] = point = np.array(surface.start, dtype=np.float64)
    state, length, calls = None, steps + 1, steps
    with np.errstate(all="ignore"):
        for t in range(1, steps + 1):
            g = surface.grad(point)
            states.append(_state_copy(name, state))
            result = _call_rule(name, update, point.copy(), g.copy(), state, t, *settings, eps)
            if not (isinstance(result, tuple) and len(result) == 2):
                raise ValueError(f"returned {type(result).__name__}, not the pair (new param, new state)")
            new, state = np.asarray(result[0], dtype=np.float64), result[1]
            if new.shape != (2,):
                raise ValueError(f"returned a param of shape {new.shape} for a param of shape (2,)")
            grads[t - 1], news[t - 1] = g, new
            x, y = new
            if not (abs(x) <= reach and abs(y) <= reach):  # also false for NaN
                length = calls = t
                break
            points[t] = point = new
        first_wrong, wanted = _first_wrong_step(
            name, points[:calls], grads[:calls], states, news[:calls], settings, eps
        )
    points[length:] = points[length - 1]
    return points, np.array([length, first_wrong, *wanted], dtype=np.float64)


def _state_copy(name, state):
    """The state as the reference rule reads it (float arrays; (m, v) for Adam), copied."""
    if state is None:
        return None
    if name == "Adam":
        return np.array(state[0], dtype=np.float64), np.array(state[1], dtype=np.float64)
    return np.array(state, dtype=np.float64)


def reference_steps(name, points, grads, states, lr, lr_adaptive, beta1, beta_rmsprop, beta2, eps=1e-8):
    """:func:`reference_step` for n recorded steps at once: the new points (n, 2).

    Row t - 1 is step t from points[t - 1], grads[t - 1] and states[t - 1] (the state that step
    received: None on the first step, then v, s or (m, v), each broadcasting to (2,)).
    """
    n = len(points)
    if name == "Adam":
        m, v = np.zeros((n, 2)), np.zeros((n, 2))
        for i, state in enumerate(states[1:n], 1):
            m[i], v[i] = state
        m = beta1 * m + (1.0 - beta1) * grads
        v = beta2 * v + (1.0 - beta2) * grads**2
        t = np.arange(1, n + 1, dtype=np.float64)[:, None]
        return points - lr_adaptive * (m / (1.0 - beta1**t)) / (np.sqrt(v / (1.0 - beta2**t)) + eps)
    s = np.zeros((n, 2))
    for i, state in enumerate(states[1:n], 1):
        s[i] = state
    if name == "momentum":
        return points - lr * (beta1 * s + (1.0 - beta1) * grads)
    s = beta_rmsprop * s + (1.0 - beta_rmsprop) * grads**2
    return points - lr_adaptive * grads / (np.sqrt(s) + eps)


def _first_wrong_step(name, points, grads, states, news, settings, eps):
    """(first step where the student's new points differ from the reference rule's, the reference's
    point there), or (-1, (NaN, NaN)). Tolerance: FORWARD_RTOL of the values and of the step."""
    expected = reference_steps(name, points, grads, states, *settings, eps=eps)
    scale = np.abs(points) + np.abs(points - expected)
    close = np.abs(news - expected) <= FORWARD_RTOL * (np.abs(news) + np.abs(expected) + scale) + 1e-12
    wrong = np.flatnonzero(~np.all(close | (news == expected), axis=1))
    if wrong.size == 0:
        return -1, (np.nan, np.nan)
    return int(wrong[0]) + 1, tuple(expected[wrong[0]])


def _padded(points, steps=MAX_STEPS):
    """A path of :func:`race` in the form of :func:`your_path`, for the explorer's comparison."""
    padded = np.empty((steps + 1, 2))
    padded[: len(points)] = points
    padded[len(points) :] = points[-1]
    return padded, np.array([len(points), -1, np.nan, np.nan], dtype=np.float64)


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

    ``momentum_update``, ``rmsprop_update``, ``adam_update``: the student's functions of the
    exercises (each optional). ``yours`` then holds, per optimizer with a student function, its
    path (points, f − f*) or None when it could not be drawn; ``first_wrong`` the first step that
    differs from the reference rule (None when none does); ``outcomes`` the last
    :class:`~helpers.widgets._yours.Outcome` of each.
    """

    def __init__(
        self,
        surface="ravine",
        lr=0.09,
        lr_adaptive=0.1,
        beta1=0.9,
        beta_rmsprop=0.9,
        beta2=0.999,
        step=50,
        momentum_update=None,
        rmsprop_update=None,
        adam_update=None,
    ):
        given = {"momentum": momentum_update, "RMSprop": rmsprop_update, "Adam": adam_update}
        self.students = {
            name: YourFunction(
                functools.partial(your_path, name, fn),
                functools.partial(self._reference_path, name),
                name=YOUR_RULES[name],
            )
            for name, fn in given.items()
            if fn is not None
        }
        for name, fn in given.items():
            if fn is not None and not callable(fn):
                raise TypeError(
                    f"{YOUR_RULES[name]} should be a function (the one you wrote), not a {type(fn).__name__}"
                )
        self.yours, self.first_wrong, self.outcomes = {}, {}, {}
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

        captions = 0.2 * len(self.students)  # inches below the panels for one line per student function
        self.panel = FigurePanel(figsize=(9.6, 4.0 + captions))
        if captions:
            self.panel.figure.get_layout_engine().set(rect=(0, captions / (4.0 + captions), 1, 1 - captions / 4.0))
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
        self.your_lines, self.your_losses, self.crosses, self.wrong_steps, self.captions = {}, {}, {}, {}, {}
        for i, name in enumerate(self.students):
            colour = COLOURS[OPTIMIZERS.index(name)]
            self.your_lines[name] = self.map.plot([], [], "--", lw=1.3, color=colour, dashes=(3, 2))[0]
            self.your_losses[name] = self.curves.plot([], [], "--", lw=1.3, color=colour, dashes=(3, 2))[0]
            self.crosses[name] = self.map.plot([], [], "X", ms=9, color=DIFFERENCE_COLOUR, mec="white", mew=0.6)[0]
            self.wrong_steps[name] = self.curves.axvline(0, color=DIFFERENCE_COLOUR, lw=1.0, visible=False)
            self.captions[name] = self.panel.figure.text(
                0.01, (captions - 0.2 * i - 0.15) / (4.0 + captions), "", fontsize=8
            )
        if self.students:
            self.map.plot([], [], "--", color="black", lw=1.0, label="yours (dashed)")
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
        self._races: OrderedDict = OrderedDict()  # (surface, settings) -> (paths, the students' outcomes)

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
        settings = (self.lr.value, self.lr_adaptive.value, self.beta1.value, self.beta_rmsprop.value, self.beta2.value)
        key = (surface.name, *settings)
        if key in self._races:  # a setting seen before: its race and the student's paths are kept
            self._races.move_to_end(key)
            self.paths, outcomes = self._races[key]
        else:
            self.paths = race(surface, *settings)
            outcomes = {name: student(surface, *settings) for name, student in self.students.items()}
            if not any(outcome.unfinished for outcome in outcomes.values()):  # a late call is tried again
                self._races[key] = (self.paths, outcomes)
                while len(self._races) > CACHE_SIZE:
                    self._races.popitem(last=False)
        for (_points, losses), curve in zip(self.paths.values(), self.loss_lines):
            curve.set_data(np.arange(len(losses)), np.clip(losses, LOSS_RANGE[0], LOSS_RANGE[1] * 10))
        self._show_yours(surface, outcomes)
        self.draw()

    def _reference_path(self, name, surface, *settings):
        """The reference's path for the student's comparison: the one the race just computed."""
        return _padded(self.paths[name][0])

    def _show_yours(self, surface, outcomes) -> None:
        """Show each student rule's outcome beside the reference: the dashed loss curves, the red
        marks and the captions (the paths themselves follow the step in :meth:`draw`)."""
        for name, student in self.students.items():
            outcome = self.outcomes[name] = outcomes[name]
            self.yours[name] = self.first_wrong[name] = None
            text, wrong = outcome.caption(), outcome.wrong
            if outcome.yours:
                points, (length, first, wanted_x, wanted_y) = outcome.value
                points = points[: int(length)]
                with np.errstate(all="ignore"):
                    losses = surface.f(points[:, 0], points[:, 1]) - surface.f_min
                self.yours[name] = (points, losses)
                self.your_losses[name].set_data(np.arange(len(losses)), np.clip(losses, *LOSS_RANGE))
                wrong = first >= 0
                if wrong:
                    t = self.first_wrong[name] = int(first)
                    at = points[min(t, len(points) - 1)]
                    self.crosses[name].set_data([at[0]], [at[1]])
                    self.wrong_steps[name].set_xdata([t, t])
                    text = (
                        f"your {student.name} differs first at step {t}: yours moved to ({at[0]:.4g}, {at[1]:.4g}), "
                        f"the reference rule from the same point and state to ({wanted_x:.4g}, {wanted_y:.4g})"
                    )
                else:
                    text = f"your {student.name} takes every step as the reference does"
            else:
                self.your_losses[name].set_data([], [])
            if self.first_wrong[name] is None:
                self.crosses[name].set_data([], [])
            self.wrong_steps[name].set_visible(self.first_wrong[name] is not None)
            self.captions[name].set_text(text)
            self.captions[name].set_color(DIFFERENCE_COLOUR if wrong else "#555")

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
        for name, path in self.yours.items():
            shown = path[0][: k + 1] if path is not None else np.empty((0, 2))
            self.your_lines[name].set_data(shown[:, 0], shown[:, 1])
        self.now.set_xdata([k, k])
        self.map.set_title(f"{surface.name}, step {k}", fontsize=9)
        yours = "".join(
            f"<br><span style='color:{t.get_color()}'>{html.escape(t.get_text())}</span>"
            for t in self.captions.values()
        )
        self.message.value = f"{surface.about}<br>" + "; ".join(notes) + yours
        self.panel.refresh()
