"""Week 9 explorer: one unit's pre-activations over training, without and with batch norm.

Two copies of a 64-64-64-64-10 ReLU network start from the same weights; one has a batch-norm
layer before every ReLU. Both are trained on the digits by ``helpers.batchnorm_layer.train_minibatch``
(plain mini-batch SGD, batches of 64) at a learning rate of 0.1 (both learn) or 1.0 (the plain one
fails). Every ``SNAPSHOT`` steps the explorer keeps a copy of each network; what a chosen unit of a
chosen hidden layer receives as its ReLU input, over the same 256 probe images, is then a
histogram per snapshot: z = a W + b without batch norm, z̃ = γ ẑ + β with it (the probe images
are the batch, as in training). A checkbox adds the batch-norm network's z = a W before
normalization, as an outline.

All training happens once, when the explorer is built (about 1 s of computation); a control
change only swaps histogram heights, or, for a new unit or layer, recomputes 21 histograms and the
axis limits. The lower panel follows the mean ± one standard deviation of the unit over the steps.

``PreactivationExplorer(batchnorm_forward=batchnorm_forward)`` (the exercise's function) also
normalizes the recorded batch-norm inputs of the chosen layer and step with the student's function
(training mode, the snapshot's γ and β): the unit's histogram of its output is drawn as a dashed
outline over the reference's. Where the output differs from the reference's beyond the grader's
tolerance, a red line marks the first differing image of the shown unit at the student's value and
a red caption gives both values. A function that is not written yet, raises, returns the wrong
shape or NaN, or is too slow leaves the reference drawing and says so in the picture.
"""

from __future__ import annotations

import functools
import html

import ipywidgets as widgets
import numpy as np
from matplotlib.ticker import MaxNLocator

from ..batchnorm_layer import init_bn_layers, one_blas_thread, set_mode, train_minibatch
from ..data import load_digits_split
from ..grading.core import FORWARD_RTOL
from ..layers import model_forward
from ..norm import batchnorm_forward as reference_batchnorm_forward
from ._figure import Explorer, FigurePanel
from ._yours import DIFFERENCE_COLOUR, YourFunction

__all__ = ["PreactivationExplorer", "LEARNING_RATES", "SIZES", "STEPS", "SNAPSHOT", "pre_activations"]

LEARNING_RATES = (0.1, 1.0)
SIZES = (64, 64, 64, 64, 10)
STEPS = 200
SNAPSHOT = 10
PROBE = 256
BINS = 40


def pre_activations(network, probe):
    """For each ReLU layer of the network (in order), (its input, the batch-norm layer's input or
    None): arrays (N, width) on the probe batch, batch norm in training mode."""
    out, inputs = model_forward.unguarded(probe, set_mode(network, "train"))
    result = []
    for i, layer in enumerate(network):
        if layer["kind"] == "relu":
            before = inputs[i - 1] if i > 0 and network[i - 1]["kind"] == "batchnorm" else None
            result.append((inputs[i], before))
    return result


def _record(lr, seed, X, y, probe):
    """{False/True: (steps, layers, N, width) float32 ReLU inputs, "before": the BN inputs,
    "gamma", "beta": (steps, layers, width) the BN layers' parameters, "eps": their ε}."""
    record = {}
    for batchnorm in (False, True):
        run = train_minibatch.unguarded(
            init_bn_layers(SIZES, batchnorm, rng=seed), X, y, lr=lr, steps=STEPS, seed=seed, snapshot_every=SNAPSHOT
        )
        relu, before = [], []
        with np.errstate(all="ignore"), one_blas_thread():
            for network in run.snapshots:
                pairs = pre_activations(network, probe)
                relu.append([p[0] for p in pairs])
                if batchnorm:
                    before.append([p[1] for p in pairs])
        record[batchnorm] = np.asarray(relu, dtype=np.float32)
        if batchnorm:
            record["before"] = np.asarray(before, dtype=np.float32)
            norms = [[layer for layer in network if layer["kind"] == "batchnorm"] for network in run.snapshots]
            record["gamma"] = np.array([[layer["gamma"] for layer in layers] for layers in norms])
            record["beta"] = np.array([[layer["beta"] for layer in layers] for layers in norms])
            record["eps"] = float(norms[0][0]["eps"])
    return record


@functools.lru_cache(maxsize=2)
def recorded_runs(seed=0):
    """{learning rate: :func:`_record`} for both rates, computed once per seed (about a second; the
    arrays are only read, so explorers built again share them)."""
    X_train, y_train, X_dev, _ = load_digits_split(seed=0)
    probe = X_dev[:PROBE]
    return {rate: _record(rate, seed, X_train, y_train, probe) for rate in LEARNING_RATES}


def _out_only(fn):
    """The student's batchnorm_forward reduced to its ``out`` (what the histogram shows)."""

    def out(x, gamma, beta, eps):
        result = fn(x, gamma, beta, "train", None, None, 0.9, eps)
        if not (isinstance(result, (tuple, list)) and len(result) == 3):
            raise ValueError(f"returned a {type(result).__name__}, not (out, running_mean, running_var)")
        return result[0]

    return out


def _reference_out(x, gamma, beta, eps):
    return reference_batchnorm_forward.unguarded(x, gamma, beta, "train", None, None, 0.9, eps)[0]


def _nice_limits(lo, hi):
    """Limits just outside [lo, hi] on a coarse grid (halves, whole numbers, fives...), so that most units
    share their axis and its tick labels need no new typesetting."""
    lo, hi = float(lo), float(hi)
    if not hi > lo:
        lo, hi = lo - 1.0, hi + 1.0
    span = hi - lo
    step = next((s for s in (0.5, 1.0, 2.0, 5.0, 10.0, 20.0, 50.0) if span <= 6 * s), 10 ** np.ceil(np.log10(span)))
    return float(np.floor(lo / step) * step), float(np.ceil(hi / step) * step)


class PreactivationExplorer(Explorer):
    """Histograms of one unit's ReLU input at one training step, without (left) and with (right)
    batch norm; below, its mean ± std over the steps.

    Controls: ``lr`` (ToggleButtons, 0.1 or 1.0), ``layer`` (hidden layer 1 to 3), ``unit``
    (0 to 63), ``step`` (0 to 200 in steps of 10), ``before`` (Checkbox: outline of z = aW before
    normalization). ``records`` holds the recorded inputs per learning rate; ``stats`` the
    (mean, std) drawn last for each panel.
    """

    def __init__(self, lr=0.1, layer=2, unit=0, step=100, seed=0, batchnorm_forward=None):
        self.student = YourFunction(
            None if batchnorm_forward is None else _out_only(batchnorm_forward),
            _reference_out,
            name="batchnorm_forward",
            rtol=FORWARD_RTOL,
        )
        if batchnorm_forward is not None and not callable(batchnorm_forward):
            raise TypeError(f"batchnorm_forward should be a function, not a {type(batchnorm_forward).__name__}")
        self.outcome = self.yours = self.marked = None
        self.records = recorded_runs(seed)
        style = {"description_width": "initial"}
        self.lr = widgets.ToggleButtons(
            options=list(LEARNING_RATES), value=lr, description="learning rate", style=style
        )
        self.layer = widgets.IntSlider(
            value=layer, min=1, max=len(SIZES) - 2, description="hidden layer", continuous_update=False, style=style
        )
        self.unit = widgets.IntSlider(
            value=unit, min=0, max=SIZES[1] - 1, description="unit", continuous_update=False, style=style
        )
        self.step = widgets.IntSlider(
            value=step,
            min=0,
            max=STEPS,
            step=SNAPSHOT,
            description="training step",
            continuous_update=True,
            style=style,
        )
        self.before = widgets.Checkbox(value=False, description="show xW before normalization", indent=False)
        self.message = widgets.HTML()
        strip = 0.25 if batchnorm_forward is not None else 0.0  # inches under the panels for the caption
        self.panel = FigurePanel(figsize=(9, 5.4 + strip))
        if strip:
            self.panel.figure.get_layout_engine().set(rect=(0, strip / (5.4 + strip), 1, 5.4 / (5.4 + strip)))
        grid = self.panel.figure.add_gridspec(2, 2, height_ratios=(1.35, 1))
        self.axes = [self.panel.figure.add_subplot(grid[0, 0]), self.panel.figure.add_subplot(grid[0, 1])]
        self.track = self.panel.figure.add_subplot(grid[1, :])
        colors = ("tab:red", "tab:blue")
        self.hists = [
            ax.stairs(np.zeros(BINS), np.linspace(0, 1, BINS + 1), fill=True, color=c, alpha=0.6)
            for ax, c in zip(self.axes, colors)
        ]
        self.start_hists = [
            ax.stairs(np.zeros(BINS), np.linspace(0, 1, BINS + 1), color="0.35", lw=0.8, ls="--", label="step 0")
            for ax in self.axes
        ]
        self.before_hist = self.axes[1].stairs(
            np.zeros(BINS),
            np.linspace(0, 1, BINS + 1),
            color="k",
            lw=1.0,
            label="xW before normalization",
            visible=False,
        )
        self.your_hist = self.axes[1].stairs(
            np.zeros(BINS), np.linspace(0, 1, BINS + 1), color="black", lw=1.2, ls="--", label="your batchnorm_forward"
        )
        self.your_hist.set_visible(False)
        self.mark = self.axes[1].axvline(0.0, color=DIFFERENCE_COLOUR, lw=1.5, visible=False)
        self.caption = self.panel.figure.text(0.01, 0.06 * strip / (5.4 + strip), "", fontsize=8, va="bottom")
        for ax in self.axes:
            ax.axvline(0.0, color="0.6", lw=0.6)
            ax.set_xlabel("ReLU input")
            ax.set_yticks([])  # the shape matters, not the counts (and unchanging axes draw fast)
            ax.xaxis.set_major_locator(MaxNLocator(6))
        self.axes[0].legend(loc="upper right", fontsize=7)
        self.axes[0].set_title("without batch norm", fontsize=9)
        self.axes[1].set_title("with batch norm", fontsize=9)
        self.axes[0].set_ylabel("share of the 256 images")
        self.lines = {}
        for key, c in zip((False, True), colors):
            label = "with batch norm" if key else "without batch norm"
            self.lines[key] = (
                self.track.plot([], [], color=c, lw=1.5, label=f"{label}: mean")[0],
                self.track.plot([], [], color=c, lw=0.8, ls=":", label="± std")[0],
                self.track.plot([], [], color=c, lw=0.8, ls=":")[0],
            )
        self.marker = self.track.axvline(step, color="k", lw=0.8)
        self.track.set_xlim(0, STEPS)
        self.track.set_xlabel("training step")
        self.track.set_ylabel("ReLU input")
        self.track.legend(loc="upper left", fontsize=7, ncol=2)
        self.stats = None
        self._shown = None  # (lr, layer, unit, before): what the limits and bins were made for
        for control in (self.lr, self.layer, self.unit, self.step, self.before):
            control.observe(self._on_change, names="value")
        self.widget = widgets.VBox(
            [
                widgets.HBox([self.lr, self.before]),
                widgets.HBox([self.layer, self.unit]),
                self.step,
                self.panel.image,
                self.message,
            ]
        )
        self.update()

    def _on_change(self, _change) -> None:
        self.update()

    def _series(self):
        record = self.records[self.lr.value]
        layer, unit = self.layer.value - 1, self.unit.value
        return record[False][:, layer, :, unit], record[True][:, layer, :, unit], record["before"][:, layer, :, unit]

    def _prepare(self, plain, bn, before):
        """Bins, counts for every step and axis limits for the current lr, layer and unit."""
        self.counts, self.edges = [], []
        show_before = self.before.value
        yours = self.student.fn is not None
        if self.axes[1].get_legend() is None or len(self.axes[1].get_legend().get_texts()) != 1 + show_before + yours:
            handles = [self.start_hists[1]] + ([self.before_hist] if show_before else [])
            handles += [self.your_hist] if yours else []
            self.axes[1].legend(handles=handles, loc="upper right", fontsize=7)
        for ax, values, extra in ((self.axes[0], plain, None), (self.axes[1], bn, before if show_before else None)):
            pool = values if extra is None else np.concatenate([values, extra])
            finite = pool[np.isfinite(pool)]
            lo, hi = np.percentile(finite, [0.5, 99.5]) if finite.size else (-1.0, 1.0)
            lo, hi = _nice_limits(lo, hi)
            edges = np.linspace(lo, hi, BINS + 1)
            counts = np.array([np.histogram(np.clip(v, edges[0], edges[-1]), bins=edges)[0] for v in values])
            extra_counts = (
                None
                if extra is None
                else np.array([np.histogram(np.clip(v, edges[0], edges[-1]), bins=edges)[0] for v in extra])
            )
            top = max(counts.max(initial=1), 0 if extra_counts is None else extra_counts.max(initial=0))
            ax.set_xlim(edges[0], edges[-1])
            ax.set_ylim(0, 1.08 * top)
            self.counts.append((counts, extra_counts))
            self.edges.append(edges)
        with np.errstate(all="ignore"):
            for key, values in ((False, plain), (True, bn)):
                mean, std = np.nanmean(values, axis=1), np.nanstd(values, axis=1)
                steps = np.arange(len(mean)) * SNAPSHOT
                mean_line, upper, lower = self.lines[key]
                mean_line.set_data(steps, mean)
                upper.set_data(steps, mean + std)
                lower.set_data(steps, mean - std)
            bands = np.concatenate(
                [
                    np.nanmean(v, axis=1)[:, None] + np.array([-1, 1]) * np.nanstd(v, axis=1)[:, None]
                    for v in (plain, bn)
                ]
            ).ravel()
        bands = bands[np.isfinite(bands)]
        self.track.set_ylim(*_nice_limits(*((bands.min(), bands.max()) if bands.size else (-1.0, 1.0))))

    def update(self) -> None:
        plain, bn, before = self._series()
        key = (self.lr.value, self.layer.value, self.unit.value, self.before.value)
        if key != self._shown:
            self._prepare(plain, bn, before)
            self._shown = key
        k = self.step.value // SNAPSHOT
        self.stats = []
        for i, (values, hist, start) in enumerate(
            ((plain, self.hists[0], self.start_hists[0]), (bn, self.hists[1], self.start_hists[1]))
        ):
            counts, _ = self.counts[i]
            hist.set_data(counts[k], self.edges[i])
            start.set_data(counts[0], self.edges[i])
            with np.errstate(all="ignore"):
                self.stats.append((float(np.mean(values[k])), float(np.std(values[k]))))
        extra = self.counts[1][1]
        self.before_hist.set_visible(extra is not None)
        if extra is not None:
            self.before_hist.set_data(extra[k], self.edges[1])
        self.marker.set_xdata([self.step.value, self.step.value])
        self._draw_yours(k)
        (m0, s0), (m1, s1) = self.stats
        dead = float(np.mean(plain[k] <= 0)) if np.all(np.isfinite(plain[k])) else float("nan")
        self.message.value = (
            f"lr {self.lr.value:g}, hidden layer {self.layer.value}, unit {self.unit.value}, step "
            f"{self.step.value}: <b>without batch norm</b> the unit's input has mean {m0:.2f} and "
            f"spread {s0:.2f} (ReLU passes {1 - dead:.0%} of the images); <b>with batch norm</b> mean "
            f"{m1:.2f} and spread {s1:.2f}: the β and |γ| of that unit, whatever the layers below "
            f"do."
        )
        if self.outcome is not None:
            text, colour = html.escape(self.caption.get_text()), self.caption.get_color()
            self.message.value += f"<br><span style='color:{colour}'>{text}</span>"
        self.panel.refresh()

    def _draw_yours(self, k) -> None:
        """The student's batch norm of snapshot k's inputs: its histogram of the shown unit (dashed),
        the first differing image of that unit (red line at the student's value) and the caption."""
        if self.student.fn is None:
            return
        record, layer, unit = self.records[self.lr.value], self.layer.value - 1, self.unit.value
        x = record["before"][k, layer].astype(np.float64)
        outcome = self.outcome = self.student(x, record["gamma"][k, layer], record["beta"][k, layer], record["eps"])
        self.yours = self.marked = None
        text = outcome.caption()
        if outcome.yours:
            self.yours = outcome.value[:, unit]
            edges = self.edges[1]
            self.your_hist.set_data(np.histogram(np.clip(self.yours, edges[0], edges[-1]), bins=edges)[0], edges)
            if outcome.differs:
                got, expected = outcome.value[:, unit], outcome.reference[:, unit]
                tol = self.student.rtol * (np.abs(got) + np.abs(expected)) + self.student.atol
                rows = np.flatnonzero(~(np.abs(got - expected) <= tol))
                if rows.size:
                    n = self.marked = int(rows[0])
                    self.mark.set_xdata([got[n], got[n]])
                    text = (
                        f"your batchnorm_forward differs first at image {n} of unit {unit}: "
                        f"yours {got[n]:.4g}, reference {expected[n]:.4g} (red line: yours)"
                    )
                else:
                    n, j = outcome.index
                    text = f"unit {unit} agrees; your batchnorm_forward differs first at image {n} of unit {j}"
        self.your_hist.set_visible(outcome.yours)
        self.mark.set_visible(self.marked is not None)
        self.caption.set_text(text)
        self.caption.set_color(DIFFERENCE_COLOUR if outcome.wrong else "#555")
