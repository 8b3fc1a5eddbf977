"""Week 5 explorer: sequence length, weight scale and activation in, gradient norm per time step out.

A random RNN with H hidden units, W drawn N(0, scale² / H), reads T steps of random input;
a gradient enters at the last hidden state only, and BPTT (helpers.rnn.rnn_backward with
W_in = I, so that dx_t = δ_t) carries it back. The plot shows the mean ‖δ_t‖ at every
step t on a log scale: a straight line falling to the left is a vanishing gradient, rising
to the left an exploding one. The slope is the log of the average per-step factor.

``GradientFlowExplorer(rnn_backward=rnn_backward)`` also runs the student's BPTT on the same
inputs: its curve is drawn dashed over the reference's, and the first step where its dx differs
from the reference's beyond the grader's tolerance, counting back from T as BPTT computes them, is
marked with a red line and a red caption. A function that is not written yet, raises, returns the
wrong shape or NaN, or is too slow leaves the reference drawing and says so in the picture.
"""

from __future__ import annotations

import html

import ipywidgets as widgets
import numpy as np
from matplotlib.ticker import LogLocator, NullLocator

from ..grading.core import GRADIENT_RTOL
from ..rnn import rnn_backward as reference_rnn_backward
from ._figure import Explorer, FigurePanel
from ._yours import DIFFERENCE_COLOUR, YourFunction

__all__ = ["GradientFlowExplorer", "gradient_norms", "bptt_inputs", "first_step_back"]

ACTIVATIONS = ("tanh", "sigmoid", "relu")
MAX_T = 200


def bptt_inputs(T, scale, activation, hidden=32, batch=8, seed=0):
    """The arguments of rnn_backward the explorer uses: (dh, x, h0, W_in = I, W, b), the gradient
    dh (batch, T, hidden) entering at the last step only, x (batch, T, hidden), W ~ N(0, scale²/H)."""
    T = int(T)
    if not 1 <= T <= MAX_T:
        raise ValueError(f"the sequence length must be between 1 and {MAX_T}, got {T}")
    if activation not in ACTIVATIONS:
        raise ValueError(f"activation must be one of {', '.join(ACTIVATIONS)}, got {activation!r}")
    if not (np.isfinite(scale) and scale > 0):
        raise ValueError(f"the weight scale must be a positive number, got {scale}")
    rng = np.random.default_rng(seed)
    W = rng.normal(size=(hidden, hidden)) * (scale / np.sqrt(hidden))
    x = rng.normal(size=(batch, MAX_T, hidden))[:, :T] * 0.5
    dh = np.zeros((batch, T, hidden))
    dh[:, -1] = rng.normal(size=(batch, hidden))
    return dh, x, np.zeros((batch, hidden)), np.eye(hidden), W, np.zeros(hidden)


def norms_of(dx):
    """Mean over the batch of ‖dx_t‖ for every step: dx (N, T, H) -> (T,)."""
    with np.errstate(over="ignore", invalid="ignore"):
        return np.linalg.norm(dx, axis=2).mean(axis=0)


def gradient_norms(T, scale, activation, hidden=32, batch=8, seed=0):
    """Mean ‖∂E/∂u_t‖ for t = 1..T when the gradient enters at step T only; shape (T,)."""
    args = bptt_inputs(T, scale, activation, hidden, batch, seed)
    with np.errstate(over="ignore", invalid="ignore"):
        dx = reference_rnn_backward.unguarded(*args, activation=activation)[0]
    return norms_of(dx)


def first_step_back(got, expected, rtol=GRADIENT_RTOL, atol=1e-12):
    """The last time step t (1-based) at which dx differs beyond tolerance: the first one BPTT reaches
    going back from T. got, expected (N, T, H); None when they agree."""
    with np.errstate(invalid="ignore"):
        close = np.abs(got - expected) <= rtol * (np.abs(got) + np.abs(expected)) + atol
    wrong = ~(close | (got == expected) | (np.isnan(got) & np.isnan(expected)))
    steps = np.flatnonzero(wrong.any(axis=(0, 2)))
    return int(steps[-1]) + 1 if steps.size else None


class GradientFlowExplorer(Explorer):
    """Move the sliders, watch the gradient flow back through time.

    Controls: ``length`` (IntSlider, T), ``scale`` (FloatSlider, the weight scale s of
    W ~ N(0, s²/H)), ``activation`` (Dropdown). ``norms`` holds the curve drawn last and
    ``factor`` the average per-step factor (‖δ_1‖ / ‖δ_T‖)^(1/(T−1)).

    ``rnn_backward``: the student's function of the exercise (optional). Then ``yours`` holds the
    norms of its dx (None when it could not be drawn), ``outcome`` the last
    :class:`~helpers.widgets._yours.Outcome` and ``marked_step`` the step marked red (or None).
    """

    def __init__(self, length=50, scale=1.0, activation="tanh", hidden=32, rnn_backward=None):
        self.hidden = hidden
        self.student = YourFunction(
            rnn_backward, reference_rnn_backward.unguarded, name="rnn_backward", rtol=GRADIENT_RTOL
        )
        self.yours = self.outcome = self.marked_step = None
        self.length = widgets.IntSlider(
            value=length, min=1, max=MAX_T, step=1, description="length T", continuous_update=False
        )
        self.scale = widgets.FloatSlider(
            value=scale,
            min=0.1,
            max=4.0,
            step=0.05,
            description="weight scale",
            readout_format=".2f",
            continuous_update=False,
            style={"description_width": "initial"},
        )
        self.activation = widgets.Dropdown(options=list(ACTIVATIONS), value=activation, description="activation")
        self.message = widgets.HTML()
        self.panel = FigurePanel(figsize=(7, 3.4))
        self.axes = self.panel.figure.add_subplot()
        self.axes.set_yscale("log")
        # Minor log ticks cost more to draw than the rest of the figure; decades are enough.
        self.axes.yaxis.set_minor_locator(NullLocator())
        self.axes.yaxis.set_major_locator(LogLocator(numticks=6))
        self.axes.set_xlabel("time step t (the gradient enters at the last step)")
        self.axes.set_ylabel("‖δ_t‖ (mean over 8 sequences)")
        (self.line,) = self.axes.plot([1], [1.0], lw=1.5, color="tab:blue")
        self.reference = self.axes.axhline(1.0, color="gray", lw=0.6, ls=":")
        (self.your_line,) = self.axes.plot([], [], lw=1.5, ls="--", color="black", label="your rnn_backward")
        self.mark = self.axes.axvline(1.0, color=DIFFERENCE_COLOUR, lw=1.2, visible=False)
        (self.mark_point,) = self.axes.plot([], [], "o", ms=6, mfc="none", mec=DIFFERENCE_COLOUR, mew=1.5)
        self.caption = self.axes.text(
            0.01,
            0.02,
            "",
            transform=self.axes.transAxes,
            fontsize=8,
            va="bottom",
            bbox=dict(facecolor="white", edgecolor="none", alpha=0.85, pad=1),
        )
        if rnn_backward is not None:
            self.line.set_label("reference")
            self.axes.legend(loc="upper right", fontsize=7)
        self.norms = None
        self.factor = None
        for control in (self.length, self.scale, self.activation):
            control.observe(self._on_change, names="value")
        self.widget = widgets.VBox(
            [widgets.HBox([self.length, self.scale, self.activation]), self.panel.image, self.message]
        )
        self.update()

    def _on_change(self, _change) -> None:
        self.update()

    def update(self) -> None:
        activation = self.activation.value
        try:
            args = bptt_inputs(self.length.value, self.scale.value, activation, self.hidden)
        except ValueError as err:
            self.message.value = f"<span style='color:#b00'>{err}</span>"
            return
        with np.errstate(over="ignore", invalid="ignore"):
            if self.student.fn is None:
                dx = reference_rnn_backward.unguarded(*args, activation=activation)[0]
            else:
                self.outcome = self.student(*args, activation=activation)
                dx = self.outcome.reference[0]
        norms = norms_of(dx)
        self._draw_yours(dx)
        T = len(norms)
        self.norms = norms
        shown = np.where(np.isfinite(norms) & (norms > 0), norms, np.nan)
        self.line.set_data(np.arange(1, T + 1), shown)
        self.reference.set_ydata([norms[-1], norms[-1]])
        finite = shown[np.isfinite(shown)]
        if self.yours is not None:  # a wrong curve far off the reference's stays in the picture
            finite = np.concatenate([finite, self.yours[np.isfinite(self.yours) & (self.yours > 0)]])
        low, high = (finite.min(), finite.max()) if finite.size else (1e-3, 1e3)
        # Whole decades: the axis keeps its ticks while the curve moves within them (easier to
        # compare two settings, and the tick labels need not be typeset again).
        low, high = max(low / 3, 1e-300), min(high * 3, 1e300)
        self.axes.set_ylim(10.0 ** np.floor(np.log10(low)), min(10.0 ** np.ceil(np.log10(high)), 1e300))
        self.axes.set_xlim(0.5, T + 0.5)
        with np.errstate(all="ignore"):
            ratio = norms[0] / norms[-1]
        if T == 1:
            self.factor = 1.0
        elif not np.isfinite(ratio):
            self.factor = float("inf")  # overflowed on the way back
        else:
            self.factor = float(ratio ** (1.0 / (T - 1)))
        self.axes.set_title(
            f"{self.activation.value}, scale {self.scale.value:.2f}, T = {T}: ‖δ_1‖ / ‖δ_T‖ = {ratio:.3g}", fontsize=9
        )
        if T == 1:
            verdict = "one step: nothing to propagate through time yet."
        elif self.factor < 0.95:
            verdict = f"vanishing: each step back multiplies the gradient by about {self.factor:.3f}."
        elif self.factor > 1.05:
            verdict = f"exploding: each step back multiplies the gradient by about {self.factor:.3f}."
        else:
            verdict = f"roughly preserved: about {self.factor:.3f} per step."
        if self.outcome is not None:
            verdict += (
                f"<br><span style='color:{self.caption.get_color()}'>{html.escape(self.caption.get_text())}</span>"
            )
        self.message.value = verdict
        self.panel.refresh()

    def _draw_yours(self, dx) -> None:
        """The student's curve (dashed), the first step back where it differs (red) and the caption."""
        outcome = self.outcome
        self.yours = self.marked_step = None
        if outcome is None:
            self.caption.set_text("")
            return
        where = None
        if outcome.yours:
            self.yours = norms_of(outcome.value[0])
            shown = np.where(np.isfinite(self.yours) & (self.yours > 0), self.yours, np.nan)
            self.your_line.set_data(np.arange(1, len(shown) + 1), shown)
            if outcome.output == 0:
                self.marked_step = first_step_back(outcome.value[0], dx, self.student.rtol, self.student.atol)
            elif outcome.differs:
                names = ("dx", "dh0", "dW_in", "dW", "db")
                where = f"{names[outcome.output]}{list(outcome.index)} (dx agrees)"
        else:
            self.your_line.set_data([], [])
        if self.marked_step is not None:
            t = self.marked_step
            self.mark.set_xdata([t, t])
            y = self.yours[t - 1]
            self.mark_point.set_data([t], [y if np.isfinite(y) and y > 0 else np.nan])
            index = (slice(None), t - 1)
            got, expected = outcome.value[0][index], dx[index]
            worst = np.unravel_index(np.nanargmax(np.abs(got - expected)), got.shape)
            text = (
                f"your rnn_backward differs first at step {t} (counting back from T): "
                f"dx {got[worst]:.4g}, reference {expected[worst]:.4g}"
            )
        else:
            self.mark_point.set_data([], [])
            text = outcome.caption(where)
        self.mark.set_visible(self.marked_step is not None)
        self.caption.set_text(text)
        self.caption.set_color(DIFFERENCE_COLOUR if outcome.wrong else "#555")
