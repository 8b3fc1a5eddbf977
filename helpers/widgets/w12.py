"""Week 12 explorers: prune and quantize the trained digits network with two sliders; and the receptive field of
a stack of dilated causal convolutions.

The teacher of ``helpers.compress`` is pruned globally to the sparsity, then its two weight matrices are quantized
to the bits (32: left in float32). The histogram shows the weights that remain, the title the held-out accuracy
and the bytes the network takes stored sparsely (``helpers.compress.model_bytes``). The student's pruning and
quantization functions are used when given and working; otherwise the reference ones, and the message says so.
"""

from __future__ import annotations

import ipywidgets as widgets
import numpy as np
from matplotlib.colors import ListedColormap
from matplotlib.patches import Rectangle

from .. import compress, efficient
from ..grading.core import GRADIENT_RTOL
from ._figure import Explorer, FigurePanel
from ._yours import DIFFERENCE_COLOUR, YourFunction, caption_html

__all__ = ["ShrinkExplorer", "ReceptiveFieldExplorer", "BITS"]

BITS = (2, 3, 4, 5, 6, 8, 16, 32)
_EDGES = np.linspace(-2.0, 2.0, 81)  # the teacher's weights lie within ±2


def _round_trip(quantize, dequantize):
    """w, bits -> dequantize(*quantize(w, bits)): what the network computes with after quantization."""

    def round_trip(w, bits):
        return dequantize(*quantize(w, bits))

    return round_trip


class ShrinkExplorer(Explorer):
    """``sparsity`` (a FloatSlider) and ``bits`` (a SelectionSlider); ``accuracy`` and ``size`` hold what is shown,
    ``counts`` the histogram's bar heights, ``outcomes`` the last calls of the student's functions beside the
    reference (helpers/widgets/_yours.py)."""

    def __init__(self, magnitude_prune_global=None, quantize=None, dequantize=None, sparsity=0.5, bits=8):
        """magnitude_prune_global(w1, w2, sparsity) -> (w1, w2), quantize(w, bits) -> (q, scale, zero_point) and
        dequantize(q, scale, zero_point) -> w: the student's functions. Each redraw calls them beside the
        reference ones (helpers.efficient): the histogram is of the student's weights, the reference's drawn over
        it as an outline, and the first weight where they differ is marked. Not given, not written yet or
        failing: the reference draws, and the picture says why."""
        self.params = compress.teacher()
        reference_trip = _round_trip(efficient.quantize.unguarded, efficient.dequantize.unguarded)
        self.prune = YourFunction(
            magnitude_prune_global, efficient.magnitude_prune_global.unguarded, name="magnitude_prune_global"
        )
        self.round_trip = YourFunction(
            None if quantize is None or dequantize is None else _round_trip(quantize, dequantize),
            reference_trip,
            name="quantize → dequantize",
        )
        _, _, self.X_test, self.y_test = compress.digits()
        self.sparsity = widgets.FloatSlider(
            value=sparsity,
            min=0.0,
            max=0.99,
            step=0.01,
            description="sparsity",
            continuous_update=False,
            readout_format=".0%",
        )
        self.bits = widgets.SelectionSlider(options=BITS, value=bits, description="bits", continuous_update=False)
        self.message = widgets.HTML()
        self.panel = FigurePanel(figsize=(7.5, 3.4))
        self.axes = self.panel.figure.add_subplot()
        centers = _EDGES[1:]
        # one artist for the whole histogram: 80 bars cost ~60 ms a redraw, one step patch ~1 ms
        self.bars = self.axes.stairs(np.ones(len(centers)), _EDGES, fill=True, color="tab:blue", baseline=1e-3)
        self.outline = self.axes.stairs(np.ones(len(centers)), _EDGES, color="black", lw=1.0, ls="--", visible=False)
        self.marker = self.axes.axvline(0.0, color=DIFFERENCE_COLOUR, lw=2, visible=False)
        self.axes.set_yscale("log")
        self.axes.set_ylim(0.8, 1e4)
        # plain tick labels: the default 10^k labels are mathtext, parsed again on every redraw
        self.axes.set_yticks([1, 10, 100, 1000, 10000], ["1", "10", "100", "1000", "10000"])
        self.axes.minorticks_off()
        self.axes.set_xlim(_EDGES[0], _EDGES[-1])
        self.axes.set_xlabel("weight value (both layers; pruned weights not shown)")
        self.axes.set_ylabel("weights")
        self.title = self.axes.set_title("", fontsize=9)
        for control in (self.sparsity, self.bits):
            control.observe(self._on_change, names="value")
        self.widget = widgets.VBox([widgets.HBox([self.sparsity, self.bits]), self.panel.image, self.message])
        self.update()

    @property
    def yours(self) -> bool:
        """Whether the weights drawn are the student's (both functions given and usable on the last redraw)."""
        return all(o.yours for o in self.outcomes)

    def _on_change(self, _change) -> None:
        self.update()

    def shrunk(self, which: str = "drawn"):
        """The teacher pruned to the sparsity and quantized to the bits, as a params dict: what the picture
        shows (the student's functions where usable), or with ``which="reference"`` the reference's."""
        drawn, reference = self._shrink()
        return reference if which == "reference" else drawn

    def _shrink(self):
        """(drawn, reference) params; self.outcomes: the pruning's outcome, then one per quantized matrix."""
        params = dict(self.params)
        with np.errstate(all="ignore"):
            outcome = self.prune(params["W1"], params["W2"], self.sparsity.value)
            self.outcomes = [outcome]
            reference = params | dict(zip(("W1", "W2"), outcome.reference))
            drawn = params | dict(zip(("W1", "W2"), outcome.value)) if outcome.yours else dict(reference)
            if self.bits.value < 32:
                for k in compress.WEIGHTS:
                    trip = self.round_trip(drawn[k], self.bits.value)  # the reference's on the same weights beside
                    trip.label = k
                    self.outcomes.append(trip)
                    drawn[k] = trip.value if trip.yours else trip.reference
                    same_input = not outcome.yours  # drawn[k] was the reference's: its round trip is at hand
                    reference[k] = (
                        trip.reference if same_input else self.round_trip.reference(reference[k], self.bits.value)
                    )
        return drawn, reference

    def update(self) -> None:
        params, reference = self._shrink()
        weights = np.concatenate([params[k].ravel() for k in compress.WEIGHTS])
        kept = weights[weights != 0]
        counts, _ = np.histogram(np.clip(kept, _EDGES[0], _EDGES[-1]), bins=_EDGES)
        self.bars.set_data(np.maximum(counts, 1e-3))  # log axis: an empty bin drawn below the axis
        self.counts = counts
        self._mark(reference)
        self.accuracy = compress.accuracy(params, self.X_test, self.y_test)
        self.size = compress.model_bytes(params, self.bits.value, sparse=True)
        full = compress.model_bytes(self.params)
        # the numbers go into the HTML under the picture: text drawn in the figure costs most of a redraw
        self.message.value = (
            f"held-out accuracy <b>{self.accuracy:.1%}</b> &nbsp;·&nbsp; <b>{self.size:,} bytes</b> "
            f"({self.size / full:.0%} of the {full:,} in float32) &nbsp;·&nbsp; {kept.size:,} of {weights.size:,} "
            f"weights kept<br>pruned globally to {self.sparsity.value:.0%}, "
            + ("weights in float32" if self.bits.value == 32 else f"weights quantized to {self.bits.value} bits")
            + "<br>"
            + caption_html(self._shown_outcomes())
        )
        self.panel.refresh()

    def _shown_outcomes(self):
        """The outcomes worth a line: the first of the round trips stands for the others."""
        trips = [o for o in self.outcomes[1:] if o.wrong] or self.outcomes[1:2]
        return [self.outcomes[0], *trips[:1]]

    def _mark(self, reference) -> None:
        """Outline the reference's histogram when the student's weights are drawn; mark the first weight where
        they differ (a red line at the student's value) and say it in the title."""
        in_use = any(o.yours for o in self.outcomes)
        if in_use:
            ref_weights = np.concatenate([reference[k].ravel() for k in compress.WEIGHTS])
            ref_counts, _ = np.histogram(np.clip(ref_weights[ref_weights != 0], _EDGES[0], _EDGES[-1]), bins=_EDGES)
            self.outline.set_data(np.maximum(ref_counts, 1e-3))
        self.outline.set_visible(in_use)
        first = next((o for o in self.outcomes if o.wrong), None)
        if first is not None and first.differs:
            self.marker.set_xdata([np.clip(first.got, _EDGES[0], _EDGES[-1])] * 2)  # where yours is in the histogram
            matrix = getattr(first, "label", None) or ("W1", "W2")[first.output]
            where = f"{matrix}[{', '.join(map(str, first.index))}]"
            title, colour = first.caption(where), DIFFERENCE_COLOUR
        elif first is not None:
            title, colour = first.caption(), DIFFERENCE_COLOUR
        elif in_use:
            title, colour = "your functions agree with the reference (dashed: the reference's histogram)", "#333"
        else:
            title, colour = "the weights that remain, with the reference functions (yours are not in use)", "#555"
        self.marker.set_visible(first is not None and first.differs)
        self.title.set_text(title)
        self.title.set_color(colour)


# --------------------------------------------------------------------------- the receptive field of a dilated stack

STEPS = 64
MAX_LAYERS = 6
_GREY, _ORANGE, _HIDDEN = (0.8, 0.8, 0.8, 1.0), (1.0, 0.5, 0.05, 1.0), (1.0, 1.0, 1.0, 0.0)
_RED = (0.84, 0.15, 0.16, 1.0)


class ReceptiveFieldExplorer(Explorer):
    """A stack of causal convolutions (``layers``, ``kernel_size`` sliders; ``dilated``: dilations 1, 2, 4, … or all
    1): the time steps the last output depends on, layer by layer, found by sending an impulse back through the
    stack with ``causal_conv1d_backward``. ``reached`` (layers + 1, 64) holds them (row 0: the input), ``field``
    their count; ``outcomes`` the student's backward beside the reference at each layer (top layer first)."""

    def __init__(self, causal_conv1d_backward=None, kernel_size=2, layers=4, dilated=True):
        """causal_conv1d_backward(dout, x, w, b, dilation) -> (dx, dw, db): the student's. Each layer calls it
        beside the reference (helpers.efficient) on the same gradient; the picture shows the steps the
        student's backward reaches, in red where the reference's reach differs, and the first value that
        differs beyond the grader's tolerance is framed. Not given, not written yet or failing: the reference
        draws, and the picture says why."""
        self.backward = YourFunction(
            causal_conv1d_backward,
            efficient.causal_conv1d_backward.unguarded,
            name="causal_conv1d_backward",
            rtol=GRADIENT_RTOL,
        )
        self.kernel_size = widgets.IntSlider(value=kernel_size, min=2, max=4, description="kernel K")
        self.layers = widgets.IntSlider(value=layers, min=1, max=MAX_LAYERS, description="layers")
        self.dilated = widgets.Checkbox(value=dilated, description="dilations 1, 2, 4, …")
        self.message = widgets.HTML()
        self.panel = FigurePanel(figsize=(9, 3.0))
        self.axes = self.panel.figure.add_subplot()
        # one image, a cell per (layer, time step): 0 unused, 1 not seen, 2 seen, 3 reached by one of the student's
        # backward and the reference only (a scatter of 448 dots cost ~5× more)
        self.cells = self.axes.imshow(
            np.zeros((MAX_LAYERS + 1, STEPS)),
            cmap=ListedColormap([_HIDDEN, _GREY, _ORANGE, _RED]),
            vmin=0,
            vmax=3,
            origin="lower",
            aspect="auto",
            interpolation="nearest",
        )
        self.frame = self.axes.add_patch(
            Rectangle((0, 0), 1, 1, fill=False, ec="black", lw=2.5, visible=False)  # black: it frames a red cell
        )
        self.axes.set_yticks(range(MAX_LAYERS + 1), ["input"] + [f"layer {i}" for i in range(1, MAX_LAYERS + 1)])
        self.axes.set_xlabel("time step (the output at the far right looks back)")
        self.title = self.axes.set_title("", fontsize=9)
        for control in (self.kernel_size, self.layers, self.dilated):
            control.observe(self._on_change, names="value")
        self.widget = widgets.VBox(
            [widgets.HBox([self.kernel_size, self.layers, self.dilated]), self.panel.image, self.message]
        )
        self.update()

    @property
    def yours(self) -> bool:
        """Whether the steps drawn come from the student's backward (usable at every layer of the last redraw)."""
        return all(o.yours for o in self.outcomes)

    def _on_change(self, _change) -> None:
        self.update()

    def dilations(self) -> list[int]:
        return [2**i if self.dilated.value else 1 for i in range(self.layers.value)]

    def update(self) -> None:
        K, dilations = self.kernel_size.value, self.dilations()
        x, w, b = np.zeros((1, 1, STEPS)), np.ones((1, 1, K)), np.zeros(1)
        impulse = np.zeros((1, 1, STEPS))
        impulse[0, 0, -1] = 1.0
        grad = reference = impulse
        drawn_rows, reference_rows, self.outcomes = [impulse[0, 0] != 0], [impulse[0, 0] != 0], []
        for d in dilations[::-1]:  # from the top layer down to the input
            outcome = self.backward(grad, x, w, b, d)  # the reference beside, on the same gradient
            self.outcomes.append(outcome)
            grad = outcome.value[0] if outcome.yours else outcome.reference[0]
            with np.errstate(all="ignore"):
                reference = efficient.causal_conv1d_backward.unguarded(reference, x, w, b, d)[0]
            drawn_rows.append(grad[0, 0] != 0)
            reference_rows.append(reference[0, 0] != 0)
        self.reached = np.array(drawn_rows[::-1])  # row 0: the input
        reference_reached = np.array(reference_rows[::-1])
        self.field = int(self.reached[0].sum())
        cells = np.zeros((MAX_LAYERS + 1, STEPS))
        cells[: len(dilations) + 1] = np.where(self.reached != reference_reached, 3.0, 1.0 + self.reached)
        self.cells.set_data(cells)
        self._mark(len(dilations))
        formula = 1 + (K - 1) * sum(dilations)
        self.message.value = (
            f"dilations {', '.join(map(str, dilations))}: the last output sees <b>{self.field}</b> input steps; "
            f"1 + (K − 1)·Σd = 1 + {K - 1}·{sum(dilations)} = {formula}<br>"
            + caption_html(self._shown())
            + (
                "<br><span style='color:#d62728'>red: steps reached by only one of yours and the reference</span>"
                if (cells == 3).any()
                else ""
            )
        )
        self.panel.refresh()

    def _shown(self):
        """The outcome worth a line: the first that went wrong, else the first."""
        return [next((o for o in self.outcomes if o.wrong), self.outcomes[0])]

    def _mark(self, layers: int) -> None:
        first = next(((i, o) for i, o in enumerate(self.outcomes) if o.wrong), None)
        if first is None:
            title = "what the last output of the top layer depends on" + (
                ": your backward agrees with the reference" if self.yours else " (reference backward)"
            )
            self.title.set_text(title)
            self.title.set_color("#333")
            self.frame.set_visible(False)
            return
        i, outcome = first
        row = layers - 1 - i  # the outcome of layer (layers - i) is the gradient of that layer's input
        where = None
        if outcome.differs and outcome.output == 0:
            t = outcome.index[-1]
            where = f"layer {row}, step {t}" if row else f"input step {t}"
            self.frame.set_xy((t - 0.5, row - 0.5))
        self.frame.set_visible(where is not None)
        self.title.set_text(outcome.caption(where))
        self.title.set_color(DIFFERENCE_COLOUR)
