"""Week 6 explorer: model capacity and training-set size in, error curves and gaps out.

k-nearest neighbours on the week's digits (:func:`helpers.strategy.make_digit_shift`):
small k is high capacity (1-NN memorizes every label), large k is low capacity. For each
training-set size and k the explorer shows train, train-dev and dev error against capacity,
the 10 % Bayes error, and at the chosen k the three gaps as labelled bands:
avoidable bias (Bayes → train), variance (train → train-dev), data mismatch (train-dev → dev).

Every error is computed once, when the explorer is first built (about a second); a slider
move only updates artists and redraws.

With the student's functions (``ErrorCurveExplorer(error_gaps=error_gaps, diagnose=diagnose)``,
named as in the exercises) each point's errors also go through them: the student's three gaps are
stacked from the Bayes error as thin bars left of the reference's bands, and the student's
diagnosis is written under the figure. The first gap or flag that differs from the reference
beyond the grader's tolerance gets a red box around its band's label and a red caption. A function
that is not written yet, raises, returns the wrong shape or is too slow leaves the reference
drawing and says so.
"""

from __future__ import annotations

import functools
import html

import ipywidgets as widgets
import numpy as np

from .. import strategy
from ..grading.core import FORWARD_RTOL
from ._figure import Explorer, FigurePanel
from ._yours import DIFFERENCE_COLOUR, YourFunction

__all__ = ["ErrorCurveExplorer", "knn_error_table", "KS", "SIZES"]

KS = (1, 2, 3, 5, 7, 9, 13, 19, 27, 39, 55, 80, 128)
SIZES = (100, 200, 400, 700, 1097)
COLORS = {"train": "tab:blue", "train-dev": "tab:orange", "dev": "tab:red"}
BANDS = (("avoidable bias", "tab:purple"), ("variance", "tab:orange"), ("data mismatch", "tab:red"))


@functools.lru_cache(maxsize=1)
def knn_error_table(seed=0):
    """Errors (percent) of k-NN for every training size and k: array (len(SIZES), len(KS), 3).

    Columns: train (on the training subset itself), train-dev, dev. NaN where k > size.
    Training subsets are nested: the first ``size`` images of one fixed permutation of the
    training split (dev 250, test 250, train-dev 200 drawn with ``seed``).
    """
    data = strategy.make_digit_shift()
    split = strategy.assign_splits.unguarded(data.is_target, 250, 250, 200, seed=seed)
    pool = np.random.default_rng(seed).permutation(np.flatnonzero(split == strategy.TRAIN))
    train_dev = np.flatnonzero(split == strategy.TRAIN_DEV)
    dev = np.flatnonzero(split == strategy.DEV)
    X, y = data.X, data.y
    squares = (X**2).sum(axis=1)
    kmax = max(KS)
    table = np.full((len(SIZES), len(KS), 3), np.nan)
    for s, size in enumerate(SIZES):
        members = pool[:size]
        for column, queries in enumerate((members, train_dev, dev)):
            d = squares[queries, None] - 2 * X[queries] @ X[members].T + squares[None, members]
            depth = min(kmax, size)
            nearest = np.argsort(d, axis=1, kind="stable")[:, :depth]
            votes = np.cumsum(np.eye(10, dtype=np.int32)[y[members][nearest]], axis=1)  # (q, depth, 10)
            for j, k in enumerate(KS):
                if k <= size:
                    predicted = votes[:, k - 1, :].argmax(axis=1)
                    table[s, j, column] = 100.0 * np.mean(predicted != y[queries])
    return table


def _spread(ys, gap):
    """Label heights near ``ys`` (same order) with at least ``gap`` between neighbours."""
    order = np.argsort(ys, kind="stable")
    placed = np.array(ys, dtype=float)
    for previous, current in zip(order[:-1], order[1:]):
        placed[current] = max(placed[current], placed[previous] + gap)
    return placed


class ErrorCurveExplorer(Explorer):
    """Two sliders (capacity k, training-set size) → error curves and the three gaps.

    Controls: ``capacity`` (SelectionSlider over k, low capacity on the left) and
    ``train_size`` (SelectionSlider). ``errors`` holds the (train, train-dev, dev) errors at
    the chosen point, ``gaps`` the three gaps; ``message`` the text shown under the figure.

    ``error_gaps``, ``diagnose``: the student's functions of the exercises (each optional), called
    with (Bayes error, train, train-dev, dev). ``outcomes`` then holds the last
    :class:`~helpers.widgets._yours.Outcome` of each, ``marked`` the index of the gap or problem
    boxed in red (or None) and ``captions`` their lines under the figure.
    """

    def __init__(self, k=9, train_size=1097, error_gaps=None, diagnose=None):
        given = {"error_gaps": error_gaps, "diagnose": diagnose}
        references = {"error_gaps": strategy.error_gaps.unguarded, "diagnose": strategy.diagnose.unguarded}
        self.students = {
            name: YourFunction(fn, references[name], name=name, rtol=FORWARD_RTOL)
            for name, fn in given.items()
            if fn is not None
        }
        self.outcomes, self.marked = {}, None
        self.table = knn_error_table()
        self.bayes = 100.0 * strategy.LABEL_NOISE
        self.capacity = widgets.SelectionSlider(
            options=[(f"k = {k_}", k_) for k_ in reversed(KS)],
            value=k if k in KS else 9,
            description="capacity",
            continuous_update=False,
        )
        self.train_size = widgets.SelectionSlider(
            options=[(f"{n}", n) for n in SIZES],
            value=train_size if train_size in SIZES else SIZES[-1],
            description="train size",
            continuous_update=False,
        )
        self.message = widgets.HTML()
        self.errors = None
        self.gaps = None

        strip = 0.2 * len(self.students)  # inches under the axes, one caption line per student function
        self.panel = FigurePanel(figsize=(7.2, 4.0 + strip))
        if strip:
            self.panel.figure.get_layout_engine().set(rect=(0, strip / (4.0 + strip), 1, 4.0 / (4.0 + strip)))
        self.captions = {
            name: self.panel.figure.text(0.01, (strip - 0.2 * i - 0.16) / (4.0 + strip), "", fontsize=8)
            for i, name in enumerate(self.students)
        }
        ax = self.axes = self.panel.figure.add_subplot()
        capacity = 1.0 / np.array(KS, dtype=float)
        ax.set_xscale("log")
        ax.set_xlim(capacity.min() / 1.4, capacity.max() * 1.6)
        ax.set_xticks(capacity, [f"1/{k}" if k > 1 else "1" for k in KS], fontsize=7)
        ax.minorticks_off()
        ax.set_ylim(-2, 50)
        ax.set_xlabel("capacity 1/k  (k neighbours; right = more capacity)")
        ax.set_ylabel("error (%)")
        ax.axhline(self.bayes, color="k", ls="--", lw=1, label="Bayes error")
        self.lines = {
            name: ax.plot(capacity, np.zeros(len(KS)), marker="o", ms=3, color=color, label=name)[0]
            for name, color in COLORS.items()
        }
        self.marker = ax.axvline(1.0, color="gray", lw=0.8)
        self.bands = [
            ax.plot([1, 1], [0, 0], lw=9, solid_capstyle="butt", color=color, alpha=0.45)[0] for _, color in BANDS
        ]
        self.band_labels = [
            ax.text(
                1,
                0,
                "",
                fontsize=8,
                color=color,
                va="center",
                bbox=dict(facecolor="white", edgecolor="none", alpha=0.8, pad=1),
            )
            for _, color in BANDS
        ]
        self.your_bands = [
            ax.plot([1, 1], [0, 0], lw=3, solid_capstyle="butt", color=colour, marker="_", mec="black", ms=7)[0]
            for _, colour in BANDS
        ]
        if "error_gaps" in self.students:
            self.your_bands[0].set_label("your gaps (left)")
        ax.legend(
            loc="lower center",
            bbox_to_anchor=(0.5, 1.0),
            ncol=4 + ("error_gaps" in self.students),
            fontsize=8,
            frameon=False,
        )

        self.capacity.observe(self._on_change, names="value")
        self.train_size.observe(self._on_change, names="value")
        self.widget = widgets.VBox([widgets.HBox([self.capacity, self.train_size]), self.panel.image, self.message])
        self.update()

    def _on_change(self, _change) -> None:
        self.update()

    def update(self) -> None:
        s = SIZES.index(self.train_size.value)
        k = self.capacity.value
        j = KS.index(k)
        curves = self.table[s]
        capacity = 1.0 / np.array(KS, dtype=float)
        for column, line in enumerate(self.lines.values()):
            line.set_data(capacity, curves[:, column])
        self.axes.set_ylim(-2, max(50.0, float(np.nanmax(curves)) + 5.0))
        errors = curves[j]
        if np.isnan(errors).any():
            self.errors = self.gaps = None
            for band, label in zip(self.bands, self.band_labels):
                band.set_data([], [])
                label.set_text("")
            self.marker.set_xdata([1.0 / k, 1.0 / k])
            self.message.value = (
                f"<span style='color:#b00'>k = {k} needs at least {k} training images; "
                f"choose a larger training set or a smaller k.</span>"
            )
            self._draw_yours(None, 1.0 / k)
            self.panel.refresh()
            return
        self.errors = errors
        levels = [self.bayes, *errors]
        self.gaps = np.diff(levels)
        x = 1.0 / k
        self.marker.set_xdata([x, x])
        label_y = _spread(
            [(levels[i] + levels[i + 1]) / 2 for i in range(3)], gap=0.045 * np.diff(self.axes.get_ylim())[0]
        )
        for i, (band, label) in enumerate(zip(self.bands, self.band_labels)):
            low, high = levels[i], levels[i + 1]
            band.set_data([x, x], [low, high])
            label.set_position((x * 1.12, label_y[i]) if k > 3 else (x / 1.12, label_y[i]))
            label.set_horizontalalignment("left" if k > 3 else "right")
            label.set_text(f"{BANDS[i][0]} {high - low:+.1f}")
        flags = strategy.diagnose.unguarded(self.bayes, *errors)
        names = ", ".join(strategy.problem_names(flags)) or "nothing above the floor"
        self.message.value = (
            f"k = {k}, {self.train_size.value} training images: train {errors[0]:.1f}%, "
            f"train-dev {errors[1]:.1f}%, dev {errors[2]:.1f}% (Bayes {self.bayes:.0f}%) "
            f"→ <b>{names}</b>"
        )
        self._draw_yours(levels, x)
        self.message.value += "".join(
            f"<br><span style='color:{c.get_color()}'>{html.escape(c.get_text())}</span>"
            for c in self.captions.values()
        )
        self.panel.refresh()

    def _draw_yours(self, levels, x) -> None:
        """Call the student's functions on (Bayes, train, train-dev, dev): the student's gaps as black
        bars left of the bands, the first differing gap or flag boxed in red, one caption line each."""
        self.outcomes, self.marked = {}, None
        for band in self.your_bands:
            band.set_data([], [])
        for label in self.band_labels:
            label.get_bbox_patch().set_edgecolor("none")
        for name, student in self.students.items():
            caption = self.captions[name]
            if levels is None:
                caption.set_text("")
                continue
            outcome = self.outcomes[name] = student(*levels)
            text = outcome.caption()
            if outcome.yours and name == "error_gaps":
                tops = levels[0] + np.cumsum(outcome.value[:3])  # the student's gaps stacked from the Bayes error
                for i, band in enumerate(self.your_bands):
                    band.set_data([x / 1.09, x / 1.09], [tops[i] - outcome.value[i], tops[i]])
            if outcome.differs:
                i = outcome.index[0]
                problem = strategy.PROBLEMS[i]
                if name == "error_gaps":
                    text = (
                        f"your error_gaps differs first at gap {i} ({problem}): "
                        f"yours {outcome.got:+.4g}, reference {outcome.expected:+.4g}"
                    )
                else:
                    said = "flags" if outcome.got else "does not flag"
                    text = f"your diagnose {said} {problem}; the reference {'does' if outcome.expected else 'does not'}"
                if i < len(self.band_labels) and self.marked is None:
                    self.marked = i
                    self.band_labels[i].get_bbox_patch().set_edgecolor(DIFFERENCE_COLOUR)
            elif outcome.yours and name == "diagnose":
                names = ", ".join(strategy.problem_names(outcome.value)) or "nothing"
                text = f"your diagnose agrees with the reference: {names}"
            caption.set_text(text)
            caption.set_color(DIFFERENCE_COLOUR if outcome.wrong else "#555")
