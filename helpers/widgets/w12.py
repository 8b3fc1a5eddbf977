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

from .. import compress, efficient
from ._figure import Explorer, FigurePanel

__all__ = ["ShrinkExplorer", "ReceptiveFieldExplorer", "BITS"]

BITS = (2, 3, 4, 5, 6, 8, 16, 32)
_EDGES = np.linspace(-2.0, 2.0, 81)  # the teacher's weights lie within ±2


def _works(prune, quantize, dequantize, params) -> bool:
    """Whether the student's three functions run on the teacher and return arrays of the right shapes."""
    try:
        with np.errstate(all="ignore"):
            w1, w2 = prune(params["W1"], params["W2"], 0.5)
            q, scale, zero_point = quantize(params["W1"], 8)
            back = dequantize(q, scale, zero_point)
        return (
            np.shape(w1) == params["W1"].shape
            and np.shape(w2) == params["W2"].shape
            and np.shape(back) == params["W1"].shape
        )
    except Exception:  # NotImplementedError in the release, or any bug: the reference takes over
        return False


class ShrinkExplorer(Explorer):
    """``sparsity`` (a FloatSlider) and ``bits`` (a SelectionSlider); ``accuracy`` and ``size`` hold what is shown,
    ``counts`` the histogram's bar heights."""

    def __init__(self, prune=None, quantize=None, dequantize=None, sparsity=0.5, bits=8):
        """prune(w1, w2, sparsity) -> (w1, w2), quantize(w, bits) -> (q, scale, zero_point) and
        dequantize(q, scale, zero_point) -> w: the student's functions; any of them None or failing: the
        reference ones from helpers.efficient, and the message says so."""
        self.params = compress.teacher()
        self.yours = None not in (prune, quantize, dequantize) and _works(prune, quantize, dequantize, self.params)
        if not self.yours:
            prune = efficient.magnitude_prune_global.unguarded
            quantize, dequantize = efficient.quantize.unguarded, efficient.dequantize.unguarded
        self.functions = (prune, quantize, dequantize)
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
        self.axes.set_yscale("log")
        self.axes.set_ylim(0.8, 1e4)
        # plain tick labels: the default 10^k labels are mathtext, parsed again on every redraw
        self.axes.set_yticks([1, 10, 100, 1000, 10000], ["1", "10", "100", "1000", "10000"])
        self.axes.minorticks_off()
        self.axes.set_xlim(_EDGES[0], _EDGES[-1])
        self.axes.set_xlabel("weight value (both layers; pruned weights not shown)")
        self.axes.set_ylabel("weights")
        self.axes.set_title("the weights that remain (held-out accuracy and size below)", fontsize=10)
        for control in (self.sparsity, self.bits):
            control.observe(self._on_change, names="value")
        self.widget = widgets.VBox([widgets.HBox([self.sparsity, self.bits]), self.panel.image, self.message])
        self.update()

    def _on_change(self, _change) -> None:
        self.update()

    def shrunk(self):
        """The teacher pruned to the sparsity and quantized to the bits, as a params dict."""
        prune, quantize, dequantize = self.functions
        params = dict(self.params)
        params["W1"], params["W2"] = (
            np.asarray(w, dtype=np.float64) for w in prune(params["W1"], params["W2"], self.sparsity.value)
        )
        if self.bits.value < 32:
            for k in compress.WEIGHTS:
                params[k] = np.asarray(dequantize(*quantize(params[k], self.bits.value)), dtype=np.float64)
        return params

    def update(self) -> None:
        with np.errstate(all="ignore"):
            params = self.shrunk()
        weights = np.concatenate([params[k].ravel() for k in compress.WEIGHTS])
        kept = weights[weights != 0]
        counts, _ = np.histogram(np.clip(kept, _EDGES[0], _EDGES[-1]), bins=_EDGES)
        self.bars.set_data(np.maximum(counts, 1e-3))  # log axis: an empty bin drawn below the axis
        self.counts = counts
        self.accuracy = compress.accuracy(params, self.X_test, self.y_test)
        self.size = compress.model_bytes(params, self.bits.value, sparse=True)
        full = compress.model_bytes(self.params)
        # the numbers go into the HTML under the picture: text drawn in the figure costs most of a redraw
        self.message.value = (
            f"held-out accuracy <b>{self.accuracy:.1%}</b> &nbsp;·&nbsp; <b>{self.size:,} bytes</b> "
            f"({self.size / full:.0%} of the {full:,} in float32) &nbsp;·&nbsp; {kept.size:,} of {weights.size:,} "
            f"weights kept<br>pruned globally to {self.sparsity.value:.0%}, "
            + ("weights in float32" if self.bits.value == 32 else f"weights quantized to {self.bits.value} bits")
            + (
                ""
                if self.yours
                else "<br><i>with the reference functions: yours are not written (or not working) yet</i>"
            )
        )
        self.panel.refresh()


# --------------------------------------------------------------------------- the receptive field of a dilated stack

STEPS = 64
MAX_LAYERS = 6
_GREY, _ORANGE, _HIDDEN = (0.8, 0.8, 0.8, 1.0), (1.0, 0.5, 0.05, 1.0), (1.0, 1.0, 1.0, 0.0)


def _causal_works(backward) -> bool:
    try:
        with np.errstate(all="ignore"):
            dx = backward(np.ones((1, 1, 4)), np.zeros((1, 1, 4)), np.ones((1, 1, 2)), np.zeros(1), 1)[0]
        return np.shape(dx) == (1, 1, 4)
    except Exception:  # NotImplementedError in the release, or any bug: the reference takes over
        return False


class ReceptiveFieldExplorer(Explorer):
    """A stack of causal convolutions (``layers``, ``kernel_size`` sliders; ``dilated``: dilations 1, 2, 4, … or all
    1): the time steps the last output depends on, layer by layer, found by sending an impulse back through the
    stack with ``causal_conv1d_backward``. ``reached`` (layers + 1, 64) holds them (row 0: the input), ``field``
    their count."""

    def __init__(self, causal_conv1d_backward=None, kernel_size=2, layers=4, dilated=True):
        """causal_conv1d_backward(dout, x, w, b, dilation) -> (dx, dw, db): the student's; None or failing: the
        reference one from helpers.efficient, and the message says so."""
        self.yours = causal_conv1d_backward is not None and _causal_works(causal_conv1d_backward)
        self.backward = causal_conv1d_backward if self.yours else efficient.causal_conv1d_backward.unguarded
        self.kernel_size = widgets.IntSlider(value=kernel_size, min=2, max=4, description="kernel K")
        self.layers = widgets.IntSlider(value=layers, min=1, max=MAX_LAYERS, description="layers")
        self.dilated = widgets.Checkbox(value=dilated, description="dilations 1, 2, 4, …")
        self.message = widgets.HTML()
        self.panel = FigurePanel(figsize=(9, 3.0))
        self.axes = self.panel.figure.add_subplot()
        # one image, a cell per (layer, time step): 0 unused, 1 not seen, 2 seen (a scatter of 448 dots cost ~5× more)
        self.cells = self.axes.imshow(
            np.zeros((MAX_LAYERS + 1, STEPS)),
            cmap=ListedColormap([_HIDDEN, _GREY, _ORANGE]),
            vmin=0,
            vmax=2,
            origin="lower",
            aspect="auto",
            interpolation="nearest",
        )
        self.axes.set_yticks(range(MAX_LAYERS + 1), ["input"] + [f"layer {i}" for i in range(1, MAX_LAYERS + 1)])
        self.axes.set_xlabel("time step (the output at the far right looks back)")
        self.axes.set_title("what the last output of the top layer depends on", fontsize=10)
        for control in (self.kernel_size, self.layers, self.dilated):
            control.observe(self._on_change, names="value")
        self.widget = widgets.VBox(
            [widgets.HBox([self.kernel_size, self.layers, self.dilated]), self.panel.image, self.message]
        )
        self.update()

    def _on_change(self, _change) -> None:
        self.update()

    def dilations(self) -> list[int]:
        return [2**i if self.dilated.value else 1 for i in range(self.layers.value)]

    def update(self) -> None:
        K, dilations = self.kernel_size.value, self.dilations()
        grad = np.zeros((1, 1, STEPS))
        grad[0, 0, -1] = 1.0
        rows = [grad[0, 0] != 0]
        for d in dilations[::-1]:
            with np.errstate(all="ignore"):
                grad = np.asarray(self.backward(grad, np.zeros((1, 1, STEPS)), np.ones((1, 1, K)), np.zeros(1), d)[0])
            rows.append(grad[0, 0] != 0)
        self.reached = np.array(rows[::-1])  # row 0: the input
        self.field = int(self.reached[0].sum())
        cells = np.zeros((MAX_LAYERS + 1, STEPS))
        cells[: len(dilations) + 1] = 1.0 + self.reached
        self.cells.set_data(cells)
        formula = 1 + (K - 1) * sum(dilations)
        self.message.value = (
            f"dilations {', '.join(map(str, dilations))}: the last output sees <b>{self.field}</b> input steps; "
            f"1 + (K − 1)·Σd = 1 + {K - 1}·{sum(dilations)} = {formula}"
            + (
                ""
                if self.yours
                else "<br><i>with the reference backward: yours is not written (or not working) yet</i>"
            )
        )
        self.panel.refresh()
