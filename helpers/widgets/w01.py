"""Week 1 explorer: logits and a temperature in, softmax probabilities out.

softmax(z / T)_k = exp(z_k / T) / Σ_j exp(z_j / T). A small T sharpens the
distribution towards the arg-max (one-hot in the limit T → 0); a large T flattens it
towards uniform (1/K each).

Given the student's ``softmax(z)``, the explorer calls it on the same row of logits (as a (1, K)
array) and draws its probabilities as orange bars' tops over the reference's blue bars; the first
class where the two differ beyond the grader's tolerance (or where yours gives NaN, as an
exponential without the maximum subtracted does for large logits over a small T) is boxed in red,
and a line at the top says what happened.
"""

from __future__ import annotations

import ipywidgets as widgets
import numpy as np
from matplotlib.patches import Rectangle

from ..losses import softmax
from ._caption import YOURS_COLOUR, PictureCaption
from ._figure import Explorer, FigurePanel
from ._yours import DIFFERENCE_COLOUR, YourFunction

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

    ``softmax``: the student's function (z (N, K) -> (N, K)), drawn over the reference;
    ``outcome`` holds the last redraw's comparison (see _yours.Outcome).
    """

    def __init__(self, logits=(2.0, 1.0, 0.1, -1.0), temperature=1.0, *, softmax=None):
        self.yours = YourFunction(softmax, _reference_softmax, name="softmax")
        self.outcome = None
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
        self.panel = FigurePanel(figsize=(6, 3.2) if softmax is None else (7, 3.5))
        self.axes = self.panel.figure.add_subplot()
        self.axes.set_ylim(0, 1.05)
        self.axes.set_ylabel("probability")
        self.bars = None
        self.value_labels = []
        self.probabilities = None
        self.caption = None
        if softmax is not None:
            (self.your_tops,) = self.axes.plot(
                [], [], linestyle="none", marker="_", markersize=34, markeredgewidth=3, color=YOURS_COLOUR
            )
            self.mark = self.axes.add_patch(
                Rectangle((0, 0), 0.96, 1.03, fill=False, edgecolor=DIFFERENCE_COLOUR, linewidth=2.5, visible=False)
            )
            self.axes.set_ylim(0, 1.22)
            self.axes.set_yticks(np.linspace(0, 1, 6))
            self.axes.legend(
                [Rectangle((0, 0), 1, 1, color="tab:blue"), self.your_tops],
                ["reference softmax", "your softmax"],
                loc="upper center",
                ncols=2,
                fontsize=8,
                frameon=False,
                markerscale=0.5,
            )
            self.caption = PictureCaption(self.panel.figure, limit=100)
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
        outcome = self.outcome = self.yours((z / t)[None, :])
        p = outcome.reference[0]
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
        if self.caption is not None:
            self._draw_yours(outcome, overflows=float(np.max(z / t)) > np.log(np.finfo(np.float64).max))
        self.panel.refresh()

    def _draw_yours(self, outcome, overflows: bool) -> None:
        """Your probabilities as orange tops over the bars, the first differing class boxed in red."""
        if outcome.yours:
            yours = outcome.value[0]
            self.your_tops.set_data(np.arange(len(yours)), np.clip(yours, -0.02, 1.05))
        else:
            self.your_tops.set_data([], [])
        index = outcome.index if outcome.index is not None else outcome.nonfinite_index
        where = None
        if index is not None:
            k = index[-1]
            where = f"class {k}"
            self.mark.set_xy((k - 0.48, 0.01))
            self.mark.set_visible(True)
        else:
            self.mark.set_visible(False)
        line = outcome.caption(where=where)
        if outcome.nonfinite_index is not None:
            line = f"your softmax gave NaN/inf for class {outcome.nonfinite_index[-1]}"
            if overflows:
                line += ": exp(z / T) overflows; subtract the row max first"
        self.caption.show(line, outcome.wrong)
        self.message.value += "<br>" + self.caption.html()

    def _make_bars(self, k: int) -> None:
        if self.bars is not None:
            self.bars.remove()
            for label in self.value_labels:
                label.remove()
        self.bars = self.axes.bar(range(k), np.zeros(k), color="tab:blue")
        self.value_labels = [self.axes.text(i, 0, "", ha="center", fontsize=8) for i in range(k)]
        self.axes.set_xticks(range(k), [f"class {i}" for i in range(k)], fontsize=8)
        self.axes.set_xlim(-0.6, k - 0.4)


def _reference_softmax(z: np.ndarray) -> np.ndarray:
    return softmax.unguarded(z)
