"""Week 1 explorer: logits and a temperature in, softmax probabilities out.

softmax(z / T)_k = exp(z_k / T) / Σ_j exp(z_j / T). A small T sharpens the
distribution towards the arg-max (one-hot in the limit T → 0); a large T flattens it
towards uniform (1/K each).
"""

from __future__ import annotations

import ipywidgets as widgets
import numpy as np

from ..losses import softmax
from ._figure import Explorer, FigurePanel

__all__ = ["SoftmaxExplorer", "parse_logits"]


def parse_logits(text: str) -> np.ndarray:
    """'2, 1, 0.1' -> array([2. , 1. , 0.1]); ValueError with a readable message otherwise."""
    parts = [p for p in text.replace(";", ",").replace(" ", ",").split(",") if p.strip()]
    if not 2 <= len(parts) <= 12:
        raise ValueError("type between 2 and 12 numbers separated by commas")
    try:
        values = np.array([float(p) for p in parts])
    except ValueError:
        raise ValueError(f"could not read {text!r} as numbers") from None
    if not np.all(np.isfinite(values)):
        raise ValueError("logits must be finite numbers")
    return values


class SoftmaxExplorer(Explorer):
    """Type logits, move the temperature, watch the probabilities.

    Controls: ``logits`` (Text), ``temperature`` (FloatLogSlider). ``probabilities``
    holds the last distribution drawn.
    """

    def __init__(self, logits=(2.0, 1.0, 0.1, -1.0), temperature=1.0):
        self.logits = widgets.Text(
            value=", ".join(f"{v:g}" for v in logits), description="logits", continuous_update=False
        )
        self.temperature = widgets.FloatLogSlider(
            value=temperature,
            base=10,
            min=-2,
            max=2,
            step=0.05,
            description="temperature T",
            readout_format=".2f",
            style={"description_width": "initial"},
        )
        self.message = widgets.HTML()
        self.panel = FigurePanel(figsize=(6, 3.2))
        self.axes = self.panel.figure.add_subplot()
        self.axes.set_ylim(0, 1.05)
        self.axes.set_ylabel("probability")
        self.bars = None
        self.value_labels = []
        self.probabilities = None
        self.logits.observe(self._on_change, names="value")
        self.temperature.observe(self._on_change, names="value")
        self.widget = widgets.VBox([widgets.HBox([self.logits, self.temperature]), self.panel.image, self.message])
        self.update()

    def _on_change(self, _change) -> None:
        self.update()

    def update(self) -> None:
        try:
            z = parse_logits(self.logits.value)
        except ValueError as err:
            self.message.value = f"<span style='color:#b00'>{err}</span>"
            return
        t = self.temperature.value
        p = softmax.unguarded(z / t)
        self.probabilities = p
        if self.bars is None or len(self.bars) != len(p):
            self._make_bars(len(p))
        for bar, label, value in zip(self.bars, self.value_labels, p):
            bar.set_height(value)
            label.set_y(value + 0.02)
            label.set_text(f"{value:.2f}")
        self.axes.set_title(
            f"softmax(z / T) with T = {t:.2f}: "
            f"entropy {-(p * np.log(np.maximum(p, 1e-300))).sum():.2f} nats "
            f"(uniform: {np.log(len(p)):.2f})",
            fontsize=9,
        )
        self.message.value = (
            f"largest probability {p.max():.3f} for class {int(p.argmax())}; "
            f"the arg-max never changes with T, only how sure the model sounds."
        )
        self.panel.refresh()

    def _make_bars(self, k: int) -> None:
        if self.bars is not None:
            self.bars.remove()
            for label in self.value_labels:
                label.remove()
        self.bars = self.axes.bar(range(k), np.zeros(k), color="tab:blue")
        self.value_labels = [self.axes.text(i, 0, "", ha="center", fontsize=8) for i in range(k)]
        self.axes.set_xticks(range(k), [f"class {i}" for i in range(k)], fontsize=8)
        self.axes.set_xlim(-0.6, k - 0.4)
