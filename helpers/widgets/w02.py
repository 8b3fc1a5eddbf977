"""Week 2 explorer: train a two-layer network on 2-D points and watch the boundary move.

The network is X → Z = f(XW + b) → Y = softmax(ZV + c), trained by full-batch gradient
descent on the summed cross-entropy J = −Σₙ Σₖ T[n,k] log Y[n,k] with the reference kernels
``helpers.mlp.two_layer_forward`` / ``two_layer_backward``. Training runs in bounded
chunks: one click on "train" runs a fixed number of steps, redrawing every SLICE_S seconds of
training on the way, so that the notebook never freezes and answers a click at once. The
figure's artists (probability image, boundary overlay, loss line) are updated in place; before
any training the loss axes already span the steps of one click and J from its starting value.
"""

from __future__ import annotations

import time

import ipywidgets as widgets
import numpy as np

from ._figure import Explorer, FigurePanel

__all__ = ["BackpropExplorer"]

ACTIVATIONS = ("sigmoid", "tanh", "relu")
STEP_CHOICES = (10, 50, 200, 1000)
SLICE_S = 0.04  # training time between two redraws of a long run


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
    """

    def __init__(self, X, y, hidden=8, lr=0.003, activation="tanh", steps=200, seed=0, resolution=90):
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
        note = note or ""
        self.message.value = f"<span style='color:#b00'>{note}</span>" if error else note
        self.panel.refresh()
