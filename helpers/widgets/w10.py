"""Week 10 explorer: type a date, see where the trained translator looks at every output step.

The attention weights of the model with attention (input characters across, the characters it
writes down the left, one row per decoding step); the framed cell of each row is the input
position that step weighted most. Down the right, in red, what the same model trained without
attention writes at each step. Decoding is greedy (``helpers.translator.greedy_decode``).
"""

from __future__ import annotations

import functools
import types

import ipywidgets as widgets
import numpy as np
from matplotlib.patches import Rectangle

from .. import dates, translator
from ..grading.core import FORWARD_RTOL
from ._figure import Explorer, FigurePanel
from ._yours import DIFFERENCE_COLOUR, YourFunction, caption_html

__all__ = ["AttentionExplorer", "reference_models", "MAX_CHARACTERS"]

MAX_CHARACTERS = 32


@functools.lru_cache(maxsize=1)
def reference_models(seed=0):
    """(with_attention, without_attention): the translator trained with the reference functions on the
    notebook's data (helpers.dates.date_dataset(4000, 1000, seed=0)), a few seconds each."""
    data = dates.date_dataset(n_train=4000, n_test=1000, seed=0)
    return translator.train(data, True, seed=seed)[0], translator.train(data, False, seed=seed)[0]


class AttentionExplorer(Explorer):
    """Type a date into ``text`` (a Text box); ``matrix`` holds the weights drawn last (10, S),
    ``outputs`` the two strings written (with attention first) and ``confidence`` (10, 2) the
    probability each model gave the character it chose at each step."""

    def __init__(self, with_attention=None, without_attention=None, text="Friday, 25/12/2026", attention=None):
        """The two trained models as parameter dicts (``helpers.translator.train``); either None:
        both trained with the reference functions (``reference_models``), and the message says so.
        ``attention(q, K, V, mask) -> (context, weights)``: the student's; the matrix then shows the weights
        it computes from the decoder's states at every step, beside the reference's (a dot on each row's
        largest reference weight), and the first weight that differs is framed in red."""
        self.attention = YourFunction(
            attention, translator.REFERENCE_OPS.attention, name="attention", rtol=FORWARD_RTOL, order=(1, 0)
        )
        self.yours = with_attention is not None and without_attention is not None
        if not self.yours:  # the student's functions have not trained both models yet
            with_attention, without_attention = reference_models()
        self.models = (dict(with_attention), dict(without_attention))
        self.text = widgets.Text(
            value=text, description="a date", continuous_update=False, layout=widgets.Layout(width="420px")
        )
        self.message = widgets.HTML()
        self.panel = FigurePanel(figsize=(9, 3.8))
        self.axes = self.panel.figure.add_subplot()
        steps = dates.OUTPUT_LENGTH
        self.image = self.axes.imshow(
            np.zeros((steps, MAX_CHARACTERS)), cmap="Blues", vmin=0.0, vmax=1.0, aspect="auto", interpolation="nearest"
        )
        self.axes.set_yticks(np.arange(steps))
        self.axes.tick_params(length=0, labelsize=10)
        self.axes.set_xlabel("input characters")
        self.axes.set_ylabel("with attention: step by step")
        self.axes.set_title("attention weights of every decoding step (framed: the largest)", fontsize=9)
        self.frames = [
            self.axes.add_patch(Rectangle((-0.5, t - 0.5), 1, 1, fill=False, ec="tab:orange", lw=1.8))
            for t in range(steps)
        ]
        self.reference_dots = self.axes.scatter(np.zeros(steps), np.arange(steps), s=9, c="black", visible=False)
        self.difference = self.axes.add_patch(
            Rectangle((-0.5, -0.5), 1, 1, fill=False, ec=DIFFERENCE_COLOUR, lw=2.5, visible=False)
        )
        # the model without attention, beside: what it writes at each step, on the right-hand axis
        self.plain = self.axes.twinx()
        self.plain.set_ylim(self.axes.get_ylim())
        self.plain.set_yticks(np.arange(steps))
        self.plain.tick_params(length=0, labelsize=10, labelcolor="tab:red")
        self.plain.set_ylabel("without attention", color="tab:red")
        self.matrix = None
        self.outputs = None
        self.text.observe(self._on_change, names="value")
        self.widget = widgets.VBox([self.text, self.panel.image, self.message])
        self.update()

    def _on_change(self, _change) -> None:
        self.update()

    def update(self) -> None:
        text = self.text.value.strip()
        try:
            if len(text) > MAX_CHARACTERS:
                raise ValueError(f"at most {MAX_CHARACTERS} characters, please ({len(text)} typed)")
            ids, mask = dates.encode_inputs([text])
        except ValueError as err:
            self.message.value = f"<span style='color:#b00'>{err}</span>"
            return
        written, chosen, queries = [], [], []
        for params in self.models:
            ops = self._recording(queries) if params is self.models[0] else translator.REFERENCE_OPS
            out, weights, probs = translator.greedy_decode(params, ids, mask, ops)
            written.append(dates.decode_outputs(out)[0])
            chosen.append(np.take_along_axis(probs[0], out[0][:, None], axis=1)[:, 0])
            if params is self.models[0]:
                matrix = weights[0]
        matrix = self._yours_beside(matrix, queries, mask)
        S = len(text)
        shown = np.full((dates.OUTPUT_LENGTH, MAX_CHARACTERS), np.nan)
        shown[:, :S] = matrix
        self.image.set_data(np.ma.masked_invalid(shown))
        self.axes.set_xticks(np.arange(S), [c if c != " " else "␣" for c in text])
        self.axes.set_xlim(-0.5, MAX_CHARACTERS - 0.5)
        self.axes.set_yticklabels(list(written[0]))
        self.plain.set_yticklabels(list(written[1]))
        for t, frame in enumerate(self.frames):
            frame.set_x(int(np.argmax(matrix[t])) - 0.5)
        self.matrix, self.outputs = matrix, tuple(written)
        self.confidence = np.stack(chosen, axis=1)
        self.message.value = (
            f"with attention: <b>{written[0]}</b> &nbsp; without attention: <b>{written[1]}</b>"
            + (
                ""
                if self.yours
                else "<br><i>models trained with the reference functions: yours are not trained yet</i>"
            )
            + "<br>"
            + caption_html([self.outcome])
        )
        self.panel.refresh()

    def _recording(self, queries: list) -> types.SimpleNamespace:
        """The reference ops, with attention keeping each step's (query, keys, values, mask)."""

        def attention(q, K, V, mask):
            queries.append((q, K, V, mask))
            return translator.REFERENCE_OPS.attention(q, K, V, mask)

        return types.SimpleNamespace(**{**vars(translator.REFERENCE_OPS), "attention": attention})

    def _yours_beside(self, matrix: np.ndarray, queries: list, mask: np.ndarray) -> np.ndarray:
        """Every step's query at once through the student's attention (the steps do not depend on each other's
        weights once the decoder's states are known): the matrix to draw, the reference's marked beside."""
        q = np.concatenate([step[0] for step in queries], axis=1)  # (1, steps, H): the decoder's states
        self.outcome = self.attention(q, queries[0][1], queries[0][2], mask)
        drawn = self.outcome.value[1][0] if self.outcome.yours else matrix
        self.reference_dots.set_offsets(np.column_stack([np.argmax(matrix, axis=1), np.arange(len(matrix))]))
        self.reference_dots.set_visible(self.outcome.yours)
        differs = self.outcome.differs and self.outcome.output == 1
        if differs:
            t, j = self.outcome.index[1:]
            self.difference.set_xy((j - 0.5, t - 0.5))
        self.difference.set_visible(differs)
        if self.outcome.wrong:
            where = f"step {self.outcome.index[1]}, input {self.outcome.index[2]}" if differs else None
            self.axes.set_title(self.outcome.caption(where), fontsize=9, color=DIFFERENCE_COLOUR)
        else:
            title = "attention weights of every decoding step (framed: the largest)"
            if self.outcome.yours:
                title = "your attention's weights, as the reference's (dots: the reference's largest)"
            self.axes.set_title(title, fontsize=9, color="black")
        return drawn
