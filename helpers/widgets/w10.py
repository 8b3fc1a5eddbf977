"""Week 10 explorer: type a date, see where the trained translator looks at every output step.

The attention weights of the model with attention (input characters across, the characters it
writes down the left, one row per decoding step); the framed cell of each row is the input
position that step weighted most. Down the right, in red, what the same model trained without
attention writes at each step. Decoding is greedy (``helpers.translator.greedy_decode``).
"""

from __future__ import annotations

import functools

import ipywidgets as widgets
import numpy as np
from matplotlib.patches import Rectangle

from .. import dates, translator
from ._figure import Explorer, FigurePanel

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

    def __init__(self, with_attention=None, without_attention=None, text="Friday, 25/12/2026"):
        """The two trained models as parameter dicts (``helpers.translator.train``); either None:
        both trained with the reference functions (``reference_models``), and the message says so."""
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
        written, chosen = [], []
        for params in self.models:
            out, weights, probs = translator.greedy_decode(params, ids, mask)
            written.append(dates.decode_outputs(out)[0])
            chosen.append(np.take_along_axis(probs[0], out[0][:, None], axis=1)[:, 0])
            if params is self.models[0]:
                matrix = weights[0]
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
        self.message.value = f"with attention: <b>{written[0]}</b> &nbsp; without attention: <b>{written[1]}</b>" + (
            "" if self.yours else "<br><i>models trained with the reference functions: yours are not trained yet</i>"
        )
        self.panel.refresh()
