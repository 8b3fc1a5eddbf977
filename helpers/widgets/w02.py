"""Week 2 explorer: train a two-layer network on 2-D points and watch the boundary move.

The network is X → Z = f(XW + b) → Y = softmax(ZV + c), trained by full-batch gradient
descent on the summed cross-entropy J = −Σₙ Σₖ T[n,k] log Y[n,k] with the reference kernels
``helpers.mlp.two_layer_forward`` / ``two_layer_backward``. Training runs in bounded
chunks: one click on "train" runs a fixed number of steps, redrawing every SLICE_S seconds of
training on the way, so that the notebook never freezes and answers a click at once. The
figure's artists (probability image, boundary overlay, loss line) are updated in place; before
any training the loss axes already span the steps of one click and J from its starting value.

Given the student's functions of the week (``forward``, ``grad_W``, ``grad_b``, ``grad_V``,
``grad_c``, any of them), a second network starts from the same weights and is trained with
them: each step calls the student's forward pass and gradients (the reference's for those not
given or not written yet) beside the reference's on the same weights. Its loss curve is drawn
dashed over the reference's, its decision boundary dotted over the reference's, and the first
step where one of its outputs differs beyond the grader's tolerance gets a red line, named at
the top of the figure. A student function that raises, returns the wrong shape or NaN, or is
too slow stops the second network only; the reference trains on.
"""

from __future__ import annotations

import re
import time

import ipywidgets as widgets
import numpy as np

from ..grading.core import GRADIENT_RTOL
from ._caption import YOURS_COLOUR, PictureCaption
from ._figure import Explorer, FigurePanel
from ._yours import DIFFERENCE_COLOUR, YourFunction

__all__ = ["BackpropExplorer"]

ACTIVATIONS = ("sigmoid", "tanh", "relu")
STEP_CHOICES = (10, 50, 200, 1000)
SLICE_S = 0.04  # training time between two redraws of a long run
STUDENT_FUNCTIONS = ("forward", "grad_W", "grad_b", "grad_V", "grad_c")
# What one training step returns, in the order it is computed: the first output that differs
# names the function to fix first (a wrong forward pass makes every gradient differ too).
STEP_OUTPUTS = ("forward (its Z)", "forward (its Y)", "grad_W", "grad_b", "grad_V", "grad_c")
YOURS_SLICE_S = 0.25  # training time between two later redraws while the student's network trains too
STEP_TIME_LIMIT = 0.2  # seconds for one step of the student's functions


def _mlp():
    from .. import mlp

    return mlp


def _descend(X, T, params, activation, lr, n_steps, losses, deadline=None):
    """Up to ``n_steps`` of full-batch gradient descent on J with the reference kernels, stopping
    early once ``time.perf_counter()`` passes ``deadline``; appends J before each step to
    ``losses``. Returns (params, diverged): the last finite (W, b, V, c), and whether it diverged.
    """
    mlp = _mlp()
    forward, backward = mlp.two_layer_forward.unguarded, mlp.two_layer_backward.unguarded
    W, b, V, c = params
    for step in range(n_steps):
        Z, Y = forward(X, W, b, V, c, activation=activation)
        loss = float(-np.sum(T * np.log(np.maximum(Y, 1e-300))))
        if not np.isfinite(loss) or loss > 1e6:
            return (W, b, V, c), True
        losses.append(loss)
        dW, db, dV, dc = backward(X, T, Z, Y, W, b, V, c, activation=activation)
        new = (W - lr * dW, b - lr * db, V - lr * dV, c - lr * dc)
        if not np.isfinite(sum(p.sum() for p in new)):
            return (W, b, V, c), True
        W, b, V, c = new
        if deadline is not None and step % 8 == 7 and time.perf_counter() > deadline:
            break
    return (W, b, V, c), False


def _reference_step(X, T, W, b, V, c, activation):
    """One step's forward pass and gradients with the reference kernels: (Z, Y, dW, db, dV, dc)."""
    mlp = _mlp()
    Z, Y = mlp.two_layer_forward.unguarded(X, W, b, V, c, activation=activation)
    dW, db, dV, dc = mlp.two_layer_backward.unguarded(X, T, Z, Y, W, b, V, c, activation=activation)
    return Z, Y, dW, db, dV, dc


class _Unwritten(Exception):
    """A student function raised NotImplementedError: the step is tried again without it."""


class _StudentStep:
    """One step's forward pass and gradients with the student's functions where given and written,
    the reference's elsewhere: (Z, Y, dW, db, dV, dc), in the shapes of _reference_step.

    A function that raises NotImplementedError is not written yet: the reference stands in for it
    from then on (``unwritten``). Any other exception is raised again with the function's name."""

    def __init__(self, functions: dict):
        self.functions = functions
        self.unwritten: set[str] = set()

    @property
    def in_use(self) -> list[str]:
        return [name for name, fn in self.functions.items() if fn is not None and name not in self.unwritten]

    def _call(self, name, reference, *args, **kwargs):
        fn = self.functions.get(name)
        if fn is None or name in self.unwritten:
            return reference(*args, **kwargs)
        try:
            return fn(*args, **kwargs)
        except NotImplementedError:
            self.unwritten.add(name)
            raise _Unwritten(name) from None
        except Exception as err:
            try:
                named = type(err)(f"{name}: {err}")
            except Exception:
                named = RuntimeError(f"{name}: {type(err).__name__}: {err}")
            raise named from err

    def __call__(self, X, T, W, b, V, c, activation):
        mlp = _mlp()
        out = self._call("forward", mlp.two_layer_forward.unguarded, X, W, b, V, c, activation=activation)
        if not isinstance(out, tuple) or len(out) != 2:
            raise TypeError(f"forward: returned {type(out).__name__}, not the pair (Z, Y)")
        Z, Y = out
        cache = []

        def reference(k):
            """The reference's gradient k (dW, db, dV, dc) on the student's Z and Y (on the
            reference's own when those have the wrong shape: that is reported as forward's)."""
            if not cache:
                n, m, classes = X.shape[0], W.shape[1], V.shape[1]
                ok = np.shape(Z) == (n, m) and np.shape(Y) == (n, classes)
                Zr, Yr = (Z, Y) if ok else mlp.two_layer_forward.unguarded(X, W, b, V, c, activation=activation)
                cache.extend(mlp.two_layer_backward.unguarded(X, T, Zr, Yr, W, b, V, c, activation=activation))
            return lambda *args: cache[k]

        dW = self._call("grad_W", reference(0) if "grad_W" not in self.in_use else None, X, Z, Y, T, V, activation)
        db = self._call("grad_b", reference(1) if "grad_b" not in self.in_use else None, Z, Y, T, V, activation)
        dV = self._call("grad_V", reference(2) if "grad_V" not in self.in_use else None, Z, Y, T)
        dc = self._call("grad_c", reference(3) if "grad_c" not in self.in_use else None, Y, T)
        return Z, Y, dW, db, dV, dc

    def step(self, X, T, W, b, V, c, activation):
        """__call__, tried again while it finds functions not written yet (at most five times)."""
        for _ in range(len(self.functions) + 1):
            try:
                return self(X, T, W, b, V, c, activation)
            except _Unwritten:
                continue
        return _reference_step(X, T, W, b, V, c, activation)


def _nice_ceiling(n: float) -> float:
    """The smallest of 1, 2, 5, 10, 20, 50, ... that is at least n."""
    decade = 10.0 ** np.floor(np.log10(max(n, 1.0)))
    return next(m * decade for m in (1, 2, 5, 10) if m * decade >= n)


def _decades(low: float, high: float) -> tuple[float, float]:
    """Whole decades around [low, high], so that the log axis keeps its ticks across clicks."""
    return 10.0 ** np.floor(np.log10(low)), 10.0 ** np.ceil(np.log10(high))


class BackpropExplorer(Explorer):
    """Choose the hidden width, learning rate and activation; press "train" to run steps.

    X: (N, 2) points, y: (N,) integer labels. Controls: ``hidden`` (IntSlider), ``lr``
    (FloatLogSlider), ``activation`` (Dropdown), ``steps`` (Dropdown: steps per click),
    ``train_button`` and ``reset_button``. ``losses`` holds J before every step taken so
    far; ``params`` is (W, b, V, c).

    ``forward``, ``grad_W``, ``grad_b``, ``grad_V``, ``grad_c``: the student's functions (any of
    them) training a second network beside the reference's; ``your_params`` and ``your_losses``
    are its state, ``first_difference`` the first (step, output name, index, got, expected) where
    a step's outputs differed, ``your_problem`` the line that stopped it ('' while it trains).
    """

    def __init__(
        self,
        X,
        y,
        hidden=8,
        lr=0.003,
        activation="tanh",
        steps=200,
        seed=0,
        resolution=90,
        *,
        forward=None,
        grad_W=None,
        grad_b=None,
        grad_V=None,
        grad_c=None,
    ):
        X = np.asarray(X, dtype=np.float64)
        y = np.asarray(y)
        if X.ndim != 2 or X.shape[1] != 2:
            raise ValueError(f"BackpropExplorer: X must have shape (N, 2), got {X.shape}")
        if y.shape != (X.shape[0],) or y.dtype.kind not in "iu" or y.min() < 0:
            raise ValueError(f"BackpropExplorer: y must hold {X.shape[0]} non-negative integer labels")
        self.X, self.y = X, y
        self.n_classes = max(2, int(y.max()) + 1)
        self.T = np.eye(self.n_classes)[y]
        self.seed = seed
        given = {"forward": forward, "grad_W": grad_W, "grad_b": grad_b, "grad_V": grad_V, "grad_c": grad_c}
        for name, fn in given.items():
            if fn is not None and not callable(fn):
                raise TypeError(f"{name} should be a function (the one you wrote), not a {type(fn).__name__}")
        self.student = _StudentStep(given) if any(fn is not None for fn in given.values()) else None
        if self.student is not None:
            self.yours = YourFunction(
                self.student.step, _reference_step, name="functions", rtol=GRADIENT_RTOL, time_limit=STEP_TIME_LIMIT
            )

        self.hidden = widgets.IntSlider(
            value=hidden,
            min=1,
            max=40,
            description="hidden units",
            continuous_update=False,
            style={"description_width": "initial"},
        )
        self.lr = widgets.FloatLogSlider(
            value=lr,
            base=10,
            min=-4,
            max=-0.5,
            step=0.1,
            description="learning rate",
            readout_format=".4f",
            continuous_update=False,
            style={"description_width": "initial"},
        )
        self.activation = widgets.Dropdown(options=ACTIVATIONS, value=activation, description="activation")
        self.steps = widgets.Dropdown(
            options=STEP_CHOICES, value=steps, description="steps per click", style={"description_width": "initial"}
        )
        self.train_button = widgets.Button(description="train", button_style="primary", icon="play")
        self.reset_button = widgets.Button(description="new network", icon="refresh")
        self.message = widgets.HTML()

        self._make_grid(resolution)
        self._make_figure()
        self.hidden.observe(self._on_architecture, names="value")
        self.activation.observe(self._on_architecture, names="value")
        self.lr.observe(self._on_lr, names="value")
        self.train_button.on_click(lambda _button: self.train())
        self.reset_button.on_click(lambda _button: self.reset())
        self.widget = widgets.VBox(
            [
                widgets.HBox([self.hidden, self.lr, self.activation]),
                widgets.HBox([self.steps, self.train_button, self.reset_button]),
                self.panel.image,
                self.message,
            ]
        )
        self.reset()
        # The layout is fixed after the first render: redrawing it on every click doubles the cost.
        self.panel.figure.set_layout_engine("none")

    # ------------------------------------------------------------------ state

    def reset(self) -> None:
        """A new network of the chosen width, drawn with the explorer's seed; the loss curve restarts."""
        rng = np.random.default_rng(self.seed)
        m, k = self.hidden.value, self.n_classes
        self.params = (rng.normal(size=(2, m)), np.zeros(m), rng.normal(size=(m, k)) / np.sqrt(m), np.zeros(k))
        self.losses = []
        self.diverged = False
        self.your_params, self.your_losses = self.params, []
        self.first_difference, self.your_problem = None, ""
        if self.student is not None:
            self._your_step(probe=True)  # compared at once, before any training
        self.redraw(f"new network: {m} {self.activation.value} hidden units. Press <b>train</b>.")

    def train(self, n_steps: int | None = None) -> None:
        """Run ``n_steps`` (default: the "steps per click" control) steps of gradient descent, then redraw.

        A long run is shown as it goes: the figure is redrawn after every SLICE_S seconds of
        training, so that the first picture comes within about 0.1 s whatever the number of steps.
        """
        if self.diverged:
            self.redraw("the last run diverged: lower the learning rate and press <b>new network</b>.", error=True)
            return
        n_steps = self.steps.value if n_steps is None else int(n_steps)
        lr, target = self.lr.value, len(self.losses) + n_steps
        while len(self.losses) < target and not self.diverged:
            if self.student is not None:
                # Two networks and the comparison make a step and a redraw dearer: the first picture
                # comes after a shorter slice, and longer slices then keep the redraws from taking
                # most of the time.
                first = len(self.losses) + n_steps == target
                slice_s = SLICE_S / 2 if first else YOURS_SLICE_S
                self._descend_both(lr, target, deadline=time.perf_counter() + slice_s)
                if len(self.losses) < target and not self.diverged:
                    self.redraw(f"training: step {len(self.losses)} of {target}…")
                continue
            self.params, self.diverged = _descend(
                self.X,
                self.T,
                self.params,
                self.activation.value,
                lr,
                target - len(self.losses),
                self.losses,
                deadline=time.perf_counter() + SLICE_S,
            )
            if len(self.losses) < target and not self.diverged:
                self.redraw(f"training: step {len(self.losses)} of {target}…")
        if self.diverged:
            self.redraw(
                f"diverged after {len(self.losses)} steps: the learning rate {lr:.4f} is too large "
                f"for this network. Lower it and press <b>new network</b>.",
                error=True,
            )
            return
        self.redraw()

    @property
    def your_training(self) -> bool:
        """Whether the second network trains with the student's functions."""
        return self.student is not None and not self.your_problem and bool(self.student.in_use)

    def _descend_both(self, lr: float, target: int, deadline: float) -> None:
        """Steps of both networks until ``target`` steps, the reference diverging or ``deadline``."""
        while len(self.losses) < target:
            self.params, self.diverged = _descend(
                self.X, self.T, self.params, self.activation.value, lr, 1, self.losses
            )
            if self.diverged:
                return
            if self.your_training:
                self._your_step(lr=lr)
            if time.perf_counter() > deadline:
                return

    def _your_step(self, lr: float = 0.0, probe: bool = False) -> None:
        """One step of the student's network: its functions called beside the reference's on its
        weights; the first difference is noted, a problem stops it. ``probe``: compare only."""
        step = len(self.your_losses)
        outcome = self.yours(self.X, self.T, *self.your_params, self.activation.value)
        if outcome.problem:
            if outcome.written:
                self.your_problem = _name_output(outcome.problem, outcome) + f" (step {step})"
            return
        if outcome.index is not None and self.first_difference is None:
            name = STEP_OUTPUTS[outcome.output]
            self.first_difference = (step, name, outcome.index, outcome.got, outcome.expected)
        if probe:
            return
        Z, Y, dW, db, dV, dc = outcome.value
        loss = float(-np.sum(self.T * np.log(np.maximum(Y, 1e-300))))
        W, b, V, c = self.your_params
        new = (W - lr * dW, b - lr * db, V - lr * dV, c - lr * dc)
        if not np.isfinite(loss) or loss > 1e6 or not np.isfinite(sum(p.sum() for p in new)):
            self.your_problem = f"your network diverged at step {step} (the reference's goes on)"
            return
        self.your_losses.append(loss)
        self.your_params = new

    def accuracy(self) -> float:
        Y = _mlp().two_layer_forward.unguarded(self.X, *self.params, activation=self.activation.value)[1]
        return float(np.mean(Y.argmax(axis=1) == self.y))

    def cost(self) -> float:
        """J of the current network on the training points (what the loss curve plots)."""
        Y = _mlp().two_layer_forward.unguarded(self.X, *self.params, activation=self.activation.value)[1]
        return float(-np.sum(self.T * np.log(np.maximum(Y, 1e-300))))

    # ------------------------------------------------------------------ callbacks

    def _on_architecture(self, _change) -> None:
        self.reset()

    def _on_lr(self, _change) -> None:
        self.message.value = f"learning rate {self.lr.value:.4f} applies from the next click (the network is kept)."

    # ------------------------------------------------------------------ drawing

    def _make_grid(self, resolution: int) -> None:
        lo, hi = self.X.min(axis=0), self.X.max(axis=0)
        pad = 0.15 * (hi - lo) + 0.1
        self.extent = (lo[0] - pad[0], hi[0] + pad[0], lo[1] - pad[1], hi[1] + pad[1])
        g0, g1 = np.meshgrid(
            np.linspace(self.extent[0], self.extent[1], resolution),
            np.linspace(self.extent[2], self.extent[3], resolution),
        )
        self.grid = np.column_stack([g0.ravel(), g1.ravel()])
        self.grid_shape = g0.shape

    def _make_figure(self) -> None:
        self.panel = FigurePanel(figsize=(9.5, 3.6))
        self.ax_boundary, self.ax_loss = self.panel.figure.subplots(1, 2, width_ratios=(1.1, 1))
        blank = np.full(self.grid_shape, 0.5)
        self.probability_image = self.ax_boundary.imshow(
            blank,
            origin="lower",
            extent=self.extent,
            cmap="RdBu_r",
            vmin=0,
            vmax=1,
            alpha=0.55,
            aspect="auto",
            interpolation="nearest",
        )
        self.boundary_image = self.ax_boundary.imshow(
            np.zeros(self.grid_shape + (4,)), origin="lower", extent=self.extent, aspect="auto", interpolation="nearest"
        )
        self.ax_boundary.scatter(
            self.X[:, 0],
            self.X[:, 1],
            c=self.y,
            cmap="RdBu_r",
            edgecolors="k",
            s=14,
            linewidths=0.4,
            vmin=-0.6,
            vmax=self.n_classes - 0.4,
        )
        self.ax_boundary.set_xlim(self.extent[:2])
        self.ax_boundary.set_ylim(self.extent[2:])
        (self.loss_line,) = self.ax_loss.plot([], [], color="tab:blue")
        self.ax_loss.set_xlabel("step")
        self.ax_loss.set_ylabel("cost J (sum over the batch)")
        self.ax_loss.set_yscale("log")
        self.caption = None
        if self.student is not None:
            self._make_yours()

    def _make_yours(self) -> None:
        self.your_boundary_image = self.ax_boundary.imshow(
            np.zeros(self.grid_shape + (4,)), origin="lower", extent=self.extent, aspect="auto", interpolation="nearest"
        )
        (self.your_loss_line,) = self.ax_loss.plot([], [], color=YOURS_COLOUR, linestyle="--", linewidth=2)
        self.difference_line = self.ax_loss.axvline(0, color=DIFFERENCE_COLOUR, linewidth=2, visible=False)
        (self.difference_point,) = self.ax_loss.plot(
            [], [], linestyle="none", marker="o", markersize=9, markerfacecolor="none", markeredgewidth=2.5
        )
        self.difference_point.set_color(DIFFERENCE_COLOUR)
        self.loss_line.set_label("reference")
        self.your_loss_line.set_label("yours")
        self.ax_loss.legend(loc="upper right", fontsize=8)
        self.caption = PictureCaption(self.panel.figure, limit=120)
        ii, jj = np.indices(self.grid_shape)
        self._dots = (ii + jj) % 2 == 0  # your boundary is drawn dotted over the reference's line

    def _draw_yours(self, reference_label) -> None:
        """Your network's boundary (dotted orange), loss curve (dashed) and first difference (red)."""
        overlay = np.zeros(self.grid_shape + (4,))
        if self.student.in_use and self.your_losses:
            Y = _mlp().two_layer_forward.unguarded(self.grid, *self.your_params, activation=self.activation.value)[1]
            label = Y.argmax(axis=1).reshape(self.grid_shape)
            edge = np.zeros(self.grid_shape, dtype=bool)
            edge[:, 1:] |= label[:, 1:] != label[:, :-1]
            edge[1:, :] |= label[1:, :] != label[:-1, :]
            overlay[edge & self._dots] = (1.0, 0.5, 0.05, 1.0)
        self.your_boundary_image.set_data(overlay)
        self.your_loss_line.set_data(np.arange(len(self.your_losses)), self.your_losses)
        if self.first_difference is not None:
            step = self.first_difference[0]
            self.difference_line.set_xdata([step] * 2)
            self.difference_line.set_visible(True)
            curve = self.your_losses if step < len(self.your_losses) else self.losses
            self.difference_point.set_data([step], [curve[step]] if step < len(curve) else [])
        else:
            self.difference_line.set_visible(False)
            self.difference_point.set_data([], [])
        line, wrong = self.your_line()
        self.caption.show(line, wrong)

    def your_line(self) -> tuple[str, bool]:
        """The line at the top of the figure and whether it reports a problem."""
        if self.first_difference is not None:
            step, name, index, got, expected = self.first_difference
            at = str(index[0]) if len(index) == 1 else str(tuple(int(i) for i in index))
            line = f"your {name} differs first at step {step} (red line), element {at}: "
            return line + f"yours {got:.4g}, reference {expected:.4g}", True
        if self.your_problem:
            return self.your_problem + ": the reference trains alone", True
        in_use = self.student.in_use
        if not in_use:
            return "your functions are not written yet: the reference trains alone", False
        verb = "agrees" if len(in_use) == 1 else "agree"  # the same words on every redraw: pasted, not typeset
        return f"your {', '.join(in_use)} {verb} with the reference at every step (dashed: yours)", False

    def probabilities(self) -> np.ndarray:
        """P(class 1) on the drawing grid, shape grid_shape (for K > 2: the probability of the top class)."""
        Y = _mlp().two_layer_forward(self.grid, *self.params, activation=self.activation.value)[1]
        return (Y[:, 1] if self.n_classes == 2 else Y.max(axis=1)).reshape(self.grid_shape)

    def redraw(self, note: str | None = None, error: bool = False) -> None:
        Y = _mlp().two_layer_forward.unguarded(self.grid, *self.params, activation=self.activation.value)[1]
        label = Y.argmax(axis=1).reshape(self.grid_shape)
        self.probability_image.set_data((Y[:, 1] if self.n_classes == 2 else Y.max(axis=1)).reshape(self.grid_shape))
        edge = np.zeros(self.grid_shape, dtype=bool)
        edge[:, 1:] |= label[:, 1:] != label[:, :-1]
        edge[1:, :] |= label[1:, :] != label[:-1, :]
        overlay = np.zeros(self.grid_shape + (4,))
        overlay[edge, 3] = 1.0  # black, opaque where the predicted class changes
        self.boundary_image.set_data(overlay)
        steps = np.arange(len(self.losses))
        self.loss_line.set_data(steps, self.losses)
        # The loss axes span, in whole decades, J from where the network started down to a
        # thirtieth of it (further if training goes lower), and the steps of one click (in 1-2-5
        # steps as training goes on): sensible before the first click, and steady between clicks,
        # which is easier to read and cheaper to redraw.
        start = self.losses[0] if self.losses else self.cost()
        low = min(start / 30, min(self.losses, default=start) / 1.3)
        high = max(start, max(self.losses, default=start)) * 1.3
        self.ax_loss.set_ylim(*_decades(low, high))
        self.ax_loss.set_xlim(0, _nice_ceiling(max(10, len(self.losses)) if self.losses else self.steps.value))
        accuracy = self.accuracy()
        self.ax_boundary.set_title(
            f"{self.hidden.value} {self.activation.value} units, step {len(self.losses)}: "
            f"training accuracy {accuracy:.1%}",
            fontsize=9,
        )
        self.ax_loss.set_title(
            f"J = {self.losses[-1]:.3g}" if self.losses else f"J = {self.cost():.3g} before training (press train)",
            fontsize=9,
        )
        if note is None and self.losses:
            note = (
                f"{len(self.losses)} steps so far; J = {self.losses[-1]:.4g}, training accuracy "
                f"{accuracy:.1%}. Press <b>train</b> again to continue."
            )
            if len(self.losses) > 1 and self.losses[-1] > self.losses[0]:
                note += " The cost went <b>up</b>: the learning rate is too large."
                error = True
        if self.caption is not None:
            self._draw_yours(label)
        note = note or ""
        self.message.value = f"<span style='color:#b00'>{note}</span>" if error else note
        if self.caption is not None:
            self.message.value += "<br>" + self.caption.html()
        self.panel.refresh()


def _name_output(problem: str, outcome) -> str:
    """A problem line of the whole step, said of the function that caused it."""
    raised = re.match(r"your functions raised (\w+): (\w+): (.*)", problem)
    if raised and raised.group(2) in STUDENT_FUNCTIONS:
        return f"your {raised.group(2)} raised {raised.group(1)}: {raised.group(3)}"
    for k, name in enumerate(STEP_OUTPUTS):
        problem = problem.replace(f"your functions (output {k + 1})", f"your {name}")
    if outcome.nonfinite_output is not None:
        problem = problem.replace("your functions", f"your {STEP_OUTPUTS[outcome.nonfinite_output]}")
    return problem
