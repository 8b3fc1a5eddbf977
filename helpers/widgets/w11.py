"""Week 11 explorer: a head view of the trained digit reverser.

Type 6 digits; the model writes their reversal greedily (``helpers.reverser.generate``), and each panel
shows the attention weights of one head of one layer over the whole sequence it read (query positions
down, key positions across; the causal mask leaves the upper triangle empty). The slider picks a query
position: its row is framed in every panel, and the text under the picture says where each head of that
row looks most.
"""

from __future__ import annotations

import functools

import ipywidgets as widgets
import numpy as np
from matplotlib.patches import Rectangle

from .. import reverser
from ._figure import Explorer, FigurePanel

__all__ = ["HeadViewExplorer", "reference_model", "LAYERS", "HEADS"]

LAYERS, HEADS = 2, 4
T = 2 * reverser.LENGTH  # the positions the model reads: 6 digits, "|", 5 digits it wrote


@functools.lru_cache(maxsize=1)
def reference_model(seed=0):
    """The reverser trained with the reference functions (the notebook's settings), a few seconds."""
    return reverser.train(seed=seed)[0]


class HeadViewExplorer(Explorer):
    """``text`` (a Text box) takes 6 digits, ``query`` (a slider) picks the framed row. ``weights`` holds the
    (LAYERS, HEADS, T, T) weights drawn last, ``written`` the digits the model wrote."""

    def __init__(self, params=None, ops=None, text="314159"):
        """params: the trained model's dict (``helpers.reverser.train``); ops: the functions it runs with
        (``helpers.reverser.ops``, e.g. yours). None, or functions that fail: the reference model and
        functions, and the message says so."""
        self.notes = []
        if params is None:
            params = reference_model()
            self.notes.append("a model trained with the reference functions: yours is not trained yet")
        self.params = dict(params)
        self.ops = reverser.REFERENCE_OPS
        if ops is not None:
            try:
                reverser.forward(self.params, np.zeros((1, T), dtype=np.int64), HEADS, ops, keep=True)
                self.ops = ops
            except Exception as err:  # the student's functions are not written yet, or raise
                self.notes.append(f"weights from the reference functions: yours raised {type(err).__name__}")
        self.text = widgets.Text(value=text, description="6 digits", continuous_update=False)
        self.query = widgets.IntSlider(value=T - 1, min=0, max=T - 1, description="query position")
        self.message = widgets.HTML()
        self.panel = FigurePanel(figsize=(10, 5.0))
        # one image holds every panel (a gap of one blank cell between them): one axes to draw, not eight
        self.axes = self.panel.figure.add_subplot()
        self.grid = np.full((LAYERS * (T + 1) - 1, HEADS * (T + 1) - 1), np.nan)
        self.image = self.axes.imshow(
            np.ma.masked_invalid(self.grid), cmap="Blues", vmin=0.0, vmax=1.0, interpolation="nearest"
        )
        self.frames = []
        for layer in range(LAYERS):
            for head in range(HEADS):
                left, top = head * (T + 1), layer * (T + 1)
                self.axes.text(
                    left + T / 2 - 0.5, top - 0.7, f"layer {layer + 1}, head {head + 1}", ha="center", fontsize=9
                )
                self.frames.append(
                    self.axes.add_patch(
                        Rectangle((left - 0.5, top + T - 1.5), T, 1, fill=False, ec="tab:orange", lw=1.6)
                    )
                )
        self.axes.set_xticks([h * (T + 1) + i for h in range(HEADS) for i in range(T)])
        self.axes.set_yticks([k * (T + 1) + i for k in range(LAYERS) for i in range(T)])
        # the position numbers never change (their labels are drawn once); the tokens are in the text below
        self.axes.set_xticklabels([str(i) for i in range(T)] * HEADS)
        self.axes.set_yticklabels([str(i) for i in range(T)] * LAYERS)
        self.axes.tick_params(length=0, labelsize=7)
        self.axes.set_xlabel("key position", fontsize=9)
        self.axes.set_ylabel("query position", fontsize=9)
        for side in self.axes.spines.values():
            side.set_visible(False)
        self.weights = None
        self.written = None
        self.tokens = []
        self.text.observe(self._on_text, names="value")
        self.query.observe(self._on_query, names="value")
        self.widget = widgets.VBox([widgets.HBox([self.text, self.query]), self.panel.image, self.message])
        self.update()

    def _on_text(self, _change) -> None:
        self.update()

    def _on_query(self, _change) -> None:
        self._frame()
        self.panel.refresh()

    def update(self) -> None:
        digits = self.text.value.strip()
        if len(digits) != reverser.LENGTH or not digits.isdigit():
            self.message.value = (
                f"<span style='color:#b00'>type exactly {reverser.LENGTH} digits (got {digits!r})</span>"
            )
            return
        prompt = np.array([[int(c) for c in digits] + [reverser.SEPARATOR]])
        out = reverser.generate(self.params, prompt, HEADS, self.ops)
        read = out[:, :-1]  # the last digit written is never read
        _, weights, _ = reverser.forward(self.params, read, HEADS, self.ops, keep=True)
        self.weights = np.stack([w[0] for w in weights])  # (LAYERS, HEADS, T, T)
        self.written = "".join(str(int(d)) for d in out[0, reverser.LENGTH + 1 :])
        self.tokens = [reverser.VOCAB[int(i)] for i in read[0]]
        for layer in range(LAYERS):
            for head in range(HEADS):
                top, left = layer * (T + 1), head * (T + 1)
                self.grid[top : top + T, left : left + T] = self.weights[layer, head]
        self.image.set_data(np.ma.masked_invalid(self.grid))
        self._frame()
        self.panel.refresh()

    def _frame(self) -> None:
        if self.weights is None:
            return
        i = self.query.value
        for k, frame in enumerate(self.frames):
            frame.set_y((k // HEADS) * (T + 1) + i - 0.5)
        tokens = self.tokens
        cells = "".join(
            f"<td style='padding:0 5px;{'background:#fdd9b5' if k == i else ''}'>{k}<br><b>{t}</b></td>"
            for k, t in enumerate(tokens)
        )
        looks = [
            f"L{k // HEADS + 1}H{k % HEADS + 1} → {int(np.argmax(self.weights[k // HEADS, k % HEADS, i]))}"
            for k in range(LAYERS * HEADS)
        ]
        right = self.written == self.text.value.strip()[::-1]
        self.message.value = (
            f"<table style='text-align:center'><tr><td>position<br>token</td>{cells}</tr></table>"
            f"the model writes <b>{self.written}</b> ({'right' if right else 'wrong'}); query {i} "
            f"(reading '{tokens[i]}') looks most at key: {', '.join(looks)}"
            + "".join(f"<br><i>{note}</i>" for note in self.notes)
        )
