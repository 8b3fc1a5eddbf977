"""Week 12 explorer: prune and quantize the trained digits network with two sliders.

The teacher of ``helpers.compress`` is pruned globally to the sparsity, then its two weight matrices are quantized
to the bits (32: left in float32). The histogram shows the weights that remain, the title the held-out accuracy
and the bytes the network takes stored sparsely (``helpers.compress.model_bytes``). The student's pruning and
quantization functions are used when given and working; otherwise the reference ones, and the message says so.
"""

from __future__ import annotations

import ipywidgets as widgets
import numpy as np

from .. import compress, efficient
from ._figure import Explorer, FigurePanel

__all__ = ["ShrinkExplorer", "BITS"]

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
