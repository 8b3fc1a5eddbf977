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
"""

from __future__ import annotations

import time
from collections import OrderedDict

import ipywidgets as widgets
import matplotlib
import numpy as np

from ..init import METHODS
from ..layers import init_layers
from ..training import Trainer, error_rate, make_moons_data, predict_proba
from ._figure import Explorer, FigurePanel

__all__ = ["RegularizationExplorer", "LAMBDAS", "KEEP_PROBS"]

LAMBDAS = (0.0, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0)
KEEP_PROBS = (0.3, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0)
SLICE_S = 0.02  # seconds of training between two redraws (a redraw costs about as much)
CACHE_SIZE = 48  # trained networks kept, so that going back to a setting costs nothing


class RegularizationExplorer(Explorer):
    """Four controls and a player → the decision boundary and the error curves.

    Controls: ``lam`` (λ), ``keep_prob``, ``depth`` (hidden layers), ``init`` (a method of
    ``helpers.init``) and ``play`` (each tick trains one more chunk). ``trainer`` is the
    current :class:`helpers.training.Trainer`; ``errors`` its latest (train, dev) errors in
    percent; ``message`` the verdict shown under the figure.
    """

    def __init__(self, lam=0.0, keep_prob=1.0, depth=2, init="he", width=64, epochs=600, seed=0, resolution=80):
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
        deadline = time.perf_counter() + SLICE_S
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
        self.panel = FigurePanel(figsize=(9.2, 3.5))
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
        with np.errstate(all="ignore"):
            return predict_proba(self.trainer.layers, self.grid)[:, 1].reshape(self.grid_shape)

    def redraw(self) -> None:
        trainer = self.trainer
        p = self.probabilities()
        picture = self.palette[np.clip(np.nan_to_num(p, nan=0.5) * 255, 0, 255).astype(int)]
        label = p > 0.5
        edge = np.zeros(self.grid_shape, dtype=bool)  # one pixel on one side of each class change
        edge[:, 1:] |= label[:, 1:] != label[:, :-1]
        edge[1:, :] |= label[1:, :] != label[:-1, :]
        picture[edge] = 0.0
        self.map_image.set_data(picture)
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
