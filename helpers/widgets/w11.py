"""Week 11 explorers: word vectors (a 2-D projection, nearest neighbours, analogies) and a head view of the
trained digit reverser.

WordVectorExplorer: pick a group of words; their vectors are projected on their first two principal
components (PCA), with the nearest neighbours of a typed word and an analogy a − b + c drawn in the same
projection and listed with their cosine similarities below.

HeadViewExplorer:
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
from matplotlib.lines import Line2D
from matplotlib.patches import Rectangle

from .. import reverser, word2vec
from ._figure import Explorer, FigurePanel
from ._yours import DIFFERENCE_COLOUR, YourFunction, caption_html

__all__ = ["WordVectorExplorer", "reference_vectors", "HeadViewExplorer", "reference_model", "LAYERS", "HEADS"]

# --------------------------------------------------------------------------- word vectors

GROUPS = {
    "people": lambda corpus: list(corpus.grids[0].ravel()),
    "countries": lambda corpus: list(corpus.grids[1].ravel()),
    "people and their topic words": lambda corpus: list(corpus.grids[0][:6].ravel()) + list(corpus.topics[:6].ravel()),
}
MAX_POINTS = 60


@functools.lru_cache(maxsize=1)
def reference_vectors(seed=0):
    """V trained on the planted corpus with the reference functions (the notebook's settings), under a second."""
    return word2vec.train(word2vec.planted_corpus(), seed=seed)[0]


@functools.lru_cache(maxsize=8)
def _cached_axes(key, X_bytes, shape):
    X = np.frombuffer(X_bytes).reshape(shape)
    _, _, vt = np.linalg.svd(X, full_matrices=False)
    return vt[:2].T if vt.shape[0] >= 2 else np.column_stack([vt[0], np.zeros(shape[1])])


def _principal_axes(X):
    """The first two principal directions (d, 2) of the centred rows of X (computed once per group)."""
    X = np.ascontiguousarray(X, dtype=np.float64)
    return _cached_axes(X.shape, X.tobytes(), X.shape)


class WordVectorExplorer(Explorer):
    """``group`` (a Dropdown) picks the words projected; ``query`` (a Text) a word whose nearest neighbours are
    marked; ``analogy`` (a Text, "a - b + c") an analogy whose answer is drawn as the fourth corner of a
    parallelogram. ``coords`` holds the 2-D points drawn last, ``shown`` their word ids, ``neighbours`` and
    ``answer`` the ids found."""

    def __init__(self, V=None, corpus=None, group="people", query="paris", analogy="king - man + woman", n=5):
        """V: word vectors (W, d), e.g. yours; None, or the wrong shape: the reference-trained vectors, and the
        message says so. corpus: the planted corpus (``helpers.word2vec.planted_corpus()``)."""
        self.corpus = corpus or word2vec.planted_corpus()
        self.notes = []
        W = len(self.corpus.vocab)
        if V is None or np.shape(V)[:1] != (W,) or np.ndim(V) != 2 or not np.all(np.isfinite(V)):
            self.notes.append(
                "vectors trained with the reference functions: yours are not trained yet"
                if V is None
                else f"vectors trained with the reference functions: yours have shape {np.shape(V)}, not ({W}, d)"
            )
            V = reference_vectors()
        self.V = np.asarray(V, dtype=np.float64)
        self.E = word2vec.unit_rows(self.V)
        self.n = n
        self.group = widgets.Dropdown(options=list(GROUPS), value=group, description="words")
        self.query = widgets.Text(value=query, description="neighbours of", continuous_update=False)
        self.analogy = widgets.Text(value=analogy, description="analogy", continuous_update=False)
        self.message = widgets.HTML()
        self.panel = FigurePanel(figsize=(7.0, 5.2))
        ax = self.axes = self.panel.figure.add_subplot()
        self.points = ax.scatter(np.zeros(MAX_POINTS), np.zeros(MAX_POINTS), s=22)
        self.labels = [ax.text(0, 0, "", fontsize=8, visible=False) for _ in range(MAX_POINTS)]
        self.sides = [
            ax.add_line(Line2D([], [], color=color, lw=1.5, ls=ls, marker="o", ms=4))
            for color, ls in (("tab:red", "-"), ("tab:red", "--"))
        ]
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_xlabel("first principal component of the words shown", fontsize=9)
        ax.set_ylabel("second", fontsize=9)
        self.coords = np.zeros((0, 2))
        self.shown = []
        self.neighbours = []
        self.answer = None
        for control in (self.group, self.query, self.analogy):
            control.observe(self._on_change, names="value")
        self.widget = widgets.VBox(
            [widgets.HBox([self.group, self.query, self.analogy]), self.panel.image, self.message]
        )
        self.update()

    def _on_change(self, _change) -> None:
        self.update()

    def _word(self, text):
        return self.corpus.index.get(text.strip().lower())

    def _parse_analogy(self):
        """(a, b, c) ids from "a - b + c", or an error message."""
        parts = self.analogy.value.replace("+", " + ").replace("-", " - ").split()
        if len(parts) != 5 or parts[1] != "-" or parts[3] != "+":
            return None, "write the analogy as <i>a - b + c</i>, e.g. king - man + woman"
        ids = [self._word(parts[k]) for k in (0, 2, 4)]
        unknown = [parts[k] for k, i in zip((0, 2, 4), ids) if i is None]
        return (ids, "") if not unknown else (None, f"unknown word: {', '.join(unknown)}")

    def update(self) -> None:
        vocab, problems, lines = self.corpus.vocab, [], []
        shown = list(GROUPS[self.group.value](self.corpus))  # the group first: its labels keep their slots
        q = self._word(self.query.value)
        self.neighbours = []
        if q is None:
            problems.append(f"unknown word {self.query.value.strip()!r}")
        else:
            ids, sims = word2vec.nearest(self.V, q, n=self.n)
            self.neighbours = [int(i) for i in ids]
            lines.append(
                f"nearest to <b>{vocab[q]}</b>: " + ", ".join(f"{vocab[i]} ({s:.2f})" for i, s in zip(ids, sims))
            )
            shown += [q] + self.neighbours
        abc, problem = self._parse_analogy()
        self.answer = None
        if abc is None:
            problems.append(problem)
        else:
            ids, sims = word2vec.analogy(self.V, *abc, n=3)
            self.answer = int(ids[0])
            a, b, c = (vocab[i] for i in abc)
            lines.append(
                f"{a} − {b} + {c} = <b>{vocab[self.answer]}</b> (then "
                + ", ".join(f"{vocab[i]} {s:.2f}" for i, s in zip(ids[1:], sims[1:]))
                + f"; cosine {sims[0]:.2f})"
            )
            shown += list(abc) + [self.answer]
        group = GROUPS[self.group.value](self.corpus)
        self.shown = list(dict.fromkeys(int(i) for i in shown))[:MAX_POINTS]
        # the axes are the group's principal components (a typed word moves only its own points and labels)
        X = self.E[group]
        mean = X.mean(axis=0)
        axes = _principal_axes(X - mean)
        self.coords = (self.E[self.shown] - mean) @ axes
        where = {w: k for k, w in enumerate(self.shown)}
        colors = np.tile(np.array([0.55, 0.55, 0.55, 1.0]), (MAX_POINTS, 1))
        colors[len(self.shown) :, 3] = 0.0
        for i in self.neighbours:
            colors[where[i]] = (0.12, 0.47, 0.71, 1.0)
        if q is not None:
            colors[where[q]] = (1.0, 0.5, 0.05, 1.0)
        offsets = np.zeros((MAX_POINTS, 2))
        offsets[: len(self.shown)] = self.coords
        self.points.set_offsets(offsets)
        self.points.set_facecolors(colors)
        for k, label in enumerate(self.labels):
            if k < len(self.shown):
                label.set_text(vocab[self.shown[k]])
                label.set_position(self.coords[k] + 0.01)
                label.set_visible(True)
            else:
                label.set_visible(False)
        if abc is not None:
            a, b, c = (self.coords[where[i]] for i in abc)
            d = self.coords[where[self.answer]]
            self.sides[0].set_data([b[0], a[0]], [b[1], a[1]])  # b -> a
            self.sides[1].set_data([c[0], d[0]], [c[1], d[1]])  # c -> answer: parallel when the analogy holds
        for side in self.sides:
            side.set_visible(abc is not None)
        low, high = self.coords.min(axis=0), self.coords.max(axis=0)
        pad = 0.08 * np.maximum(high - low, 1e-3)
        self.axes.set_xlim(low[0] - pad[0], high[0] + 3 * pad[0])
        self.axes.set_ylim(low[1] - pad[1], high[1] + pad[1])
        self.message.value = (
            "<br>".join(lines)
            + "".join(f"<br><span style='color:#b00'>{p}</span>" for p in problems)
            + "".join(f"<br><i>{note}</i>" for note in self.notes)
        )
        self.panel.refresh()


# --------------------------------------------------------------------------- the head view

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
        # the weights of every head computed with the student's functions, beside the reference's (same model,
        # same tokens); tolerance: two layers of the grader's per-function tolerance, compounded
        self.your_functions = YourFunction(
            None if ops is None else self._head_weights(ops),
            self._head_weights(reverser.REFERENCE_OPS),
            name="forward pass",
            rtol=1e-6,
        )
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
        self.difference = self.axes.add_patch(
            Rectangle((-0.5, -0.5), 1, 1, fill=False, ec=DIFFERENCE_COLOUR, lw=2.5, visible=False)
        )
        self.title = self.axes.set_title("", fontsize=9, pad=14)  # above the panels' own labels
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
        self.outcome = self.your_functions(read)
        self.weights = self.outcome.value if self.outcome.yours else self.outcome.reference  # (LAYERS, HEADS, T, T)
        self._mark()
        self.written = "".join(str(int(d)) for d in out[0, reverser.LENGTH + 1 :])
        self.tokens = [reverser.VOCAB[int(i)] for i in read[0]]
        for layer in range(LAYERS):
            for head in range(HEADS):
                top, left = layer * (T + 1), head * (T + 1)
                self.grid[top : top + T, left : left + T] = self.weights[layer, head]
        self.image.set_data(np.ma.masked_invalid(self.grid))
        self._frame()
        self.panel.refresh()

    def _head_weights(self, ops):
        """tokens (1, T) -> (LAYERS, HEADS, T, T): every head's weights as the model computes them with ``ops``."""

        def head_weights(read):
            _, weights, _ = reverser.forward(self.params, read, HEADS, ops, keep=True)
            return np.stack([w[0] for w in weights])

        return head_weights

    def _mark(self) -> None:
        """Frame the first weight where the student's functions and the reference's differ; say it above."""
        outcome = self.outcome
        if outcome.differs:
            layer, head, q, k = outcome.index
            self.difference.set_xy((head * (T + 1) + k - 0.5, layer * (T + 1) + q - 0.5))
            where = f"layer {layer + 1}, head {head + 1}, query {q}, key {k}"
            self.title.set_text(outcome.caption(where))
        elif outcome.wrong:
            self.title.set_text(outcome.caption())
        elif outcome.yours:
            self.title.set_text("the weights your functions compute agree with the reference's")
        else:
            self.title.set_text("")
        self.title.set_color(DIFFERENCE_COLOUR if outcome.wrong else "#333")
        self.difference.set_visible(outcome.differs)

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
            + "<br>"
            + caption_html([self.outcome])
        )
