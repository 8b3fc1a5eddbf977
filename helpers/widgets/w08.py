"""Week 8 explorer: λ, keep probability, depth and initialization in; the decision boundary on
noisy two moons and the train/dev error curves out.

The network is an L-layer ReLU network of ``helpers.layers`` (``depth`` hidden layers of
``width`` units, then two logits), trained by ``helpers.training.Trainer`` (full-batch Adam,
L2 term λ/(2m)Σ‖W‖², fresh dropout masks every epoch) on the week's 100 noisy training
points (15% of the labels flipped, so the Bayes error is known).

Training runs in bounded chunks: a control change builds the network of the new settings
(or takes it from a cache of earlier settings), trains it for at most ``SLICE_S`` seconds and
redraws; every tick of the ``train`` player (or a call of :meth:`train_more`) trains one more
chunk, up to ``epochs``. Nothing waits longer than one chunk and one redraw, so the notebook
never freezes. Artists (probability image, boundary overlay, error curves) are updated in place.
A network that has not trained since its map was drawn (a setting one comes back to, a tick after
the last epoch) shows that map again without computing it.

``RegularizationExplorer(model_forward=model_forward)`` (the exercise's function) also runs the
student's forward pass of the trained network over every point of the drawing grid whenever the
map is computed: where the student's decision boundary leaves the reference's, it is drawn in gold
over the map, and the first grid point whose logits differ from the reference's beyond the grader's
tolerance gets a red square and a red caption. A function that is not written yet, raises, returns
the wrong shape or NaN, or is too slow leaves the reference drawing and says so in the picture.

Speed: both forward passes over the grid go ``GRID_VALUES`` values at a time (see :func:`_by_rows`),
and BLAS runs one thread while the explorer works; with the week's solution as the student's, a
control change took about 140 ms (p95) before, under 100 now (benchmarks/widgets.py --yours).
"""

from __future__ import annotations

import html
import time
from collections import OrderedDict

import ipywidgets as widgets
import matplotlib
import numpy as np

from .._numba import single_threaded_blas
from ..grading.core import FORWARD_RTOL
from ..init import METHODS
from ..layers import init_layers
from ..layers import model_forward as reference_model_forward
from ..training import Trainer, error_rate, make_moons_data
from ._figure import Explorer, FigurePanel
from ._yours import DIFFERENCE_COLOUR, YourFunction

__all__ = ["RegularizationExplorer", "LAMBDAS", "KEEP_PROBS"]

LAMBDAS = (0.0, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0)
KEEP_PROBS = (0.3, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0)
YOUR_BOUNDARY = (0.95, 0.7, 0.0)  # gold: where the student's boundary is not the reference's
SLICE_S = 0.02  # seconds of training between two redraws (a redraw costs about as much)
CACHE_SIZE = 48  # trained networks kept, so that going back to a setting costs nothing
GRID_VALUES = 8192  # a forward over the drawing grid goes this many values of the widest layer at a time


def _reference_logits(x, layers):
    with np.errstate(all="ignore"):
        return reference_model_forward.unguarded(x, layers)[0]


def _logits_of(fn):
    """The student's model_forward reduced to its ``out``, the logits the map is drawn from."""

    def out(x, layers):
        result = fn(x, layers)
        if not (isinstance(result, (tuple, list)) and len(result) == 2):
            raise ValueError(f"returned a {type(result).__name__}, not (out, inputs)")
        return result[0]

    return out


def _by_rows(forward, rows):
    """``forward(x, layers) -> out (N, K)`` run on ``rows`` rows of x at a time, the outs stacked.

    Why: on the whole 80 × 80 grid every layer's output is a few megabytes, which the C allocator
    hands back to the system when it is freed and must fault in again on the next redraw; on the
    course's machines that made a six-layer forward 3-4 times slower than its arithmetic (about
    45 ms instead of 12). A few dozen kilobytes per array stay in the process's heap. Every layer
    acts on each row alone, so the stacked result is the one of a single call.
    """

    def run(x, layers):
        outs = [np.asarray(forward(x[i : i + rows], layers)) for i in range(0, len(x), rows)]
        if len(outs) == 1:
            return outs[0]
        for i, out in zip(range(0, len(x), rows), outs):
            if out.ndim == 0 or out.shape[0] != len(x[i : i + rows]) or out.shape[1:] != outs[0].shape[1:]:
                raise ValueError(f"returned out of shape {out.shape} for x of shape {x[i : i + rows].shape}")
        return np.concatenate(outs)

    return run


def _probability(logits):
    """P(class 1) of each row of (N, 2) logits: the softmax's second column."""
    with np.errstate(all="ignore"):
        z = logits - logits.max(axis=1, keepdims=True)
        e = np.exp(z)
        return e[:, 1] / e.sum(axis=1)


def _edges(label):
    """One pixel on one side of each class change of a boolean image."""
    edge = np.zeros(label.shape, dtype=bool)
    edge[:, 1:] |= label[:, 1:] != label[:, :-1]
    edge[1:, :] |= label[1:, :] != label[:-1, :]
    return edge


class RegularizationExplorer(Explorer):
    """Four controls and a player → the decision boundary and the error curves.

    Controls: ``lam`` (λ), ``keep_prob``, ``depth`` (hidden layers), ``init`` (a method of
    ``helpers.init``) and ``play`` (each tick trains one more chunk). ``trainer`` is the
    current :class:`helpers.training.Trainer`; ``errors`` its latest (train, dev) errors in
    percent; ``message`` the verdict shown under the figure.

    ``model_forward``: the student's function of the exercise (optional). Then ``outcome`` holds the
    last :class:`~helpers.widgets._yours.Outcome` (the student's logits on the grid) and ``marked``
    the (row, column) of the grid point boxed in red, or None.
    """

    def __init__(
        self,
        lam=0.0,
        keep_prob=1.0,
        depth=2,
        init="he",
        width=64,
        epochs=600,
        seed=0,
        resolution=80,
        model_forward=None,
    ):
        rows = max(8, GRID_VALUES // max(int(width), 2))
        self._reference_logits = _by_rows(_reference_logits, rows)
        self.student = YourFunction(
            None if model_forward is None else _by_rows(_logits_of(model_forward), rows),
            self._reference_logits,
            name="model_forward",
            rtol=FORWARD_RTOL,
        )
        self.outcome = self.marked = None
        self.data = make_moons_data(seed)
        self.seed, self.width, self.epochs = seed, int(width), int(epochs)
        style = {"description_width": "initial"}
        self.lam = widgets.SelectionSlider(
            options=LAMBDAS, value=lam, description="λ (L2)", continuous_update=False, style=style
        )
        self.keep_prob = widgets.SelectionSlider(
            options=KEEP_PROBS, value=keep_prob, description="keep prob", continuous_update=False, style=style
        )
        self.depth = widgets.IntSlider(
            value=depth, min=1, max=6, description="hidden layers", continuous_update=False, style=style
        )
        self.init = widgets.Dropdown(options=list(METHODS), value=init, description="init")
        self.play = widgets.Play(value=0, min=0, max=10_000, step=1, interval=250, description="train")
        self.message = widgets.HTML()
        self.cache: OrderedDict = OrderedDict()
        self.cache_size = CACHE_SIZE
        self.trainer = None
        self.errors = (np.nan, np.nan)
        self._make_figure(resolution)
        for control in (self.lam, self.keep_prob, self.depth, self.init):
            control.observe(self._on_setting, names="value")
        self.play.observe(lambda _change: self.train_more(), names="value")
        self.widget = widgets.VBox(
            [
                widgets.HBox([self.lam, self.keep_prob]),
                widgets.HBox([self.depth, self.init, widgets.Label("train:"), self.play]),
                self.panel.image,
                self.message,
            ]
        )
        self._on_setting(None)

    # ------------------------------------------------------------------ state

    def setting(self) -> tuple:
        return (self.lam.value, self.keep_prob.value, self.depth.value, self.init.value)

    def _on_setting(self, _change) -> None:
        key = self.setting()
        if key in self.cache:
            self.cache.move_to_end(key)
            self.trainer = self.cache[key]
            with single_threaded_blas():
                self.redraw()
            return
        lam, keep, depth, init = key
        sizes = [2] + [self.width] * depth + [2]
        start = init_layers(sizes, "relu", init, keep, np.random.default_rng(self.seed))
        self.trainer = Trainer(
            start, self.data.X_train, self.data.y_train, lam=lam, lr=0.01, rng=np.random.default_rng([self.seed, 1])
        )
        self.trainer.history = []
        self.cache[key] = self.trainer
        while len(self.cache) > self.cache_size:
            self.cache.popitem(last=False)
        self.train_more()

    def train_more(self) -> None:
        """Train the current network for one chunk (at most SLICE_S seconds) and redraw."""
        trainer = self.trainer
        # One BLAS thread: the products here are small, and a second thread mostly waits for the
        # first (on a busy machine it made a change several times slower).
        with single_threaded_blas():
            deadline = time.perf_counter() + SLICE_S  # after the first call's set-up of the pinning
            with np.errstate(all="ignore"):
                while trainer.epoch < self.epochs and time.perf_counter() < deadline:
                    trainer.run(min(5, self.epochs - trainer.epoch))
                errors = self._errors(trainer.layers)
            if not trainer.history or trainer.history[-1][0] != trainer.epoch:
                trainer.history.append((trainer.epoch, *errors))
            self.redraw()

    def _errors(self, network):
        with np.errstate(all="ignore"):
            return (
                error_rate(network, self.data.X_train, self.data.y_train),
                error_rate(network, self.data.X_dev, self.data.y_dev),
            )

    # ------------------------------------------------------------------ drawing

    def _make_figure(self, resolution) -> None:
        X = self.data.X_train
        lo, hi = X.min(axis=0) - 0.4, X.max(axis=0) + 0.4
        self.extent = (lo[0], hi[0], lo[1], hi[1])
        g0, g1 = np.meshgrid(np.linspace(lo[0], hi[0], resolution), np.linspace(lo[1], hi[1], resolution))
        self.grid = np.column_stack([g0.ravel(), g1.ravel()])
        self.grid_shape = g0.shape
        strip = 0.25 if self.student.fn is not None else 0.0  # inches under the panels for the caption
        self.panel = FigurePanel(figsize=(9.2, 3.5 + strip))
        if strip:
            self.panel.figure.get_layout_engine().set(rect=(0, strip / (3.5 + strip), 1, 3.5 / (3.5 + strip)))
        self.caption = self.panel.figure.text(0.01, 0.06 * strip / (3.5 + strip), "", fontsize=8, va="bottom")
        self.ax_map, self.ax_curve = self.panel.figure.subplots(1, 2, width_ratios=(1.15, 1))
        # One RGB image: the probability of class 1 in pale red/blue, the boundary in black.
        self.palette = 0.62 + 0.38 * matplotlib.colormaps["RdBu_r"](np.linspace(0, 1, 256))[:, :3]
        self.map_image = self.ax_map.imshow(
            np.ones(self.grid_shape + (3,)), origin="lower", extent=self.extent, aspect="auto", interpolation="nearest"
        )
        self.ax_map.scatter(
            X[:, 0],
            X[:, 1],
            c=self.data.y_train,
            cmap="RdBu_r",
            vmin=-0.25,
            vmax=1.25,
            edgecolors="k",
            linewidths=0.4,
            s=16,
        )
        (self.mark,) = self.ax_map.plot([], [], "s", ms=11, mfc="none", mec=DIFFERENCE_COLOUR, mew=2, clip_on=False)
        self.ax_map.set_xlim(self.extent[:2])
        self.ax_map.set_ylim(self.extent[2:])
        self.ax_map.set_xticks([])
        self.ax_map.set_yticks([])
        (self.train_line,) = self.ax_curve.plot([], [], color="tab:blue", label="train")
        (self.dev_line,) = self.ax_curve.plot([], [], color="tab:red", label="dev")
        self.ax_curve.axhline(self.data.bayes_error, color="gray", ls=":", lw=1)
        self.ax_curve.text(
            0.01 * self.epochs,
            self.data.bayes_error - 0.6,
            f"Bayes error {self.data.bayes_error:.1f}%",
            ha="left",
            va="top",
            fontsize=8,
            color="gray",
        )
        self.ax_curve.set_xlim(0, self.epochs)
        self.ax_curve.set_ylim(0, 55)
        self.ax_curve.set_xlabel("epoch")
        self.ax_curve.set_ylabel("error (%)")
        self.ax_curve.legend(loc="upper right", fontsize=8)

    def probabilities(self) -> np.ndarray:
        """P(class 1) on the drawing grid (NaN where the network's outputs overflowed)."""
        return _probability(self._reference_logits(self.grid, self.trainer.layers)).reshape(self.grid_shape)

    def redraw(self) -> None:
        trainer = self.trainer
        drawn = getattr(trainer, "drawn", None)
        if drawn is not None and drawn[0] == trainer.epoch:  # not trained since: the same map, nothing to call
            _epoch, self.outcome, picture = drawn
        else:
            self.outcome, picture = self._map(trainer.layers)
            if self.outcome is None or not self.outcome.unfinished:  # a late call is tried again
                trainer.drawn = (trainer.epoch, self.outcome, picture)
        self.map_image.set_data(picture)
        self._mark_yours()
        history = np.array(trainer.history, dtype=float).reshape(-1, 3)
        self.train_line.set_data(history[:, 0], history[:, 1])
        self.dev_line.set_data(history[:, 0], history[:, 2])
        self.errors = tuple(history[-1, 1:]) if len(history) else (np.nan, np.nan)
        lam, keep, depth, init = self.setting()
        self.ax_map.set_title(
            f"{depth} hidden layer{'s' * (depth > 1)} of {self.width}, {init} init, λ = {lam:g}, "
            f"keep {keep:g}: epoch {trainer.epoch}",
            fontsize=9,
        )
        self.ax_curve.set_title(f"train {self.errors[0]:.1f}%, dev {self.errors[1]:.1f}%", fontsize=9)
        self.message.value = self.verdict()
        self.panel.refresh()

    def _map(self, layers):
        """(the student's outcome or None, the map (rows, columns, 3)): P(class 1) in pale red and
        blue, the reference's boundary in black, the student's in gold where it is not the same."""
        if self.student.fn is None:
            outcome, p = None, self.probabilities()
        else:
            outcome = self.student(self.grid, layers)
            p = _probability(outcome.reference).reshape(self.grid_shape)
        picture = self.palette[np.clip(np.nan_to_num(p, nan=0.5) * 255, 0, 255).astype(int)]
        edge = _edges(p > 0.5)
        if outcome is not None and outcome.yours:
            yours = _edges(_probability(outcome.value).reshape(self.grid_shape) > 0.5)
            picture[yours & ~edge] = YOUR_BOUNDARY
        picture[edge] = 0.0
        return outcome, picture

    def _mark_yours(self) -> None:
        """The red square at the first grid point whose logits differ, and the caption line."""
        outcome, self.marked = self.outcome, None
        if outcome is None:
            return
        text = outcome.caption()
        if outcome.differs:
            point = outcome.index[0]
            row, column = self.marked = divmod(point, self.grid_shape[1])
            self.mark.set_data([self.grid[point, 0]], [self.grid[point, 1]])
            text = (
                f"your model_forward differs first at grid point (row {row}, column {column}), logit "
                f"{outcome.index[1]}: yours {outcome.got:.4g}, reference {outcome.expected:.4g}"
            )
        else:
            self.mark.set_data([], [])
        if outcome.yours:
            text += "; gold: your boundary where it is not the reference's (black)"
        self.caption.set_text(text)
        self.caption.set_color(DIFFERENCE_COLOUR if outcome.wrong else "#555")

    def verdict(self) -> str:
        """One sentence on what limits the current network, from its train and dev errors."""
        train, dev = self.errors
        bayes = self.data.bayes_error
        done = self.trainer.epoch >= self.epochs
        where = "" if done else f" (epoch {self.trainer.epoch} of {self.epochs}: press ▶ to train on)"
        if self.trainer.losses and not np.isfinite(self.trainer.losses[-1]):
            return (
                "<span style='color:#b00'>the outputs overflowed: this initialization is far too large "
                "for a network this deep.</span>"
            )
        bias, variance = train - bayes, dev - train
        numbers = f"train {train:.1f}%, dev {dev:.1f}%, Bayes {bayes:.1f}%"
        if self.outcome is not None:
            where += f"<br><span style='color:{self.caption.get_color()}'>{html.escape(self.caption.get_text())}</span>"
        if dev <= bayes + 2:
            advice = "the dev error is within 2 points of the Bayes error: nothing much left to fix."
        elif variance >= bias:
            advice = (
                f"high <b>variance</b>: dev − train = {variance:.1f} points. Raise λ, lower the keep "
                f"probability, or get more data."
            )
        else:
            advice = (
                f"high <b>avoidable bias</b>: train − Bayes = {bias:.1f} points. Lower λ, raise the keep "
                f"probability, train longer or use a bigger network."
            )
        return f"{numbers}: {advice}{where}"
