"""Week 5 explorer: sequence length, weight scale and activation in, gradient norm per time step out.

A random RNN with H hidden units, W drawn N(0, scale² / H), reads T steps of random input;
a gradient enters at the last hidden state only, and BPTT (helpers.rnn.rnn_backward with
W_in = I, so that dx_t = δ_t) carries it back. The plot shows the mean ‖δ_t‖ at every
step t on a log scale: a straight line falling to the left is a vanishing gradient, rising
to the left an exploding one. The slope is the log of the average per-step factor.
"""

from __future__ import annotations

import ipywidgets as widgets
import numpy as np
from matplotlib.ticker import LogLocator, NullLocator

from ..rnn import rnn_backward
from ._figure import Explorer, FigurePanel

__all__ = ["GradientFlowExplorer", "gradient_norms"]

ACTIVATIONS = ("tanh", "sigmoid", "relu")
MAX_T = 200


def gradient_norms(T, scale, activation, hidden=32, batch=8, seed=0):
    """Mean ‖∂E/∂u_t‖ for t = 1..T when the gradient enters at step T only; shape (T,)."""
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
    with np.errstate(over="ignore", invalid="ignore"):
        dx = rnn_backward.unguarded(
            dh, x, np.zeros((batch, hidden)), np.eye(hidden), W, np.zeros(hidden), activation=activation
        )[0]
        return np.linalg.norm(dx, axis=2).mean(axis=0)


class GradientFlowExplorer(Explorer):
    """Move the sliders, watch the gradient flow back through time.

    Controls: ``length`` (IntSlider, T), ``scale`` (FloatSlider, the weight scale s of
    W ~ N(0, s²/H)), ``activation`` (Dropdown). ``norms`` holds the curve drawn last and
    ``factor`` the average per-step factor (‖δ_1‖ / ‖δ_T‖)^(1/(T−1)).
    """

    def __init__(self, length=50, scale=1.0, activation="tanh", hidden=32):
        self.hidden = hidden
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
        try:
            norms = gradient_norms(self.length.value, self.scale.value, self.activation.value, self.hidden)
        except ValueError as err:
            self.message.value = f"<span style='color:#b00'>{err}</span>"
            return
        T = len(norms)
        self.norms = norms
        shown = np.where(np.isfinite(norms) & (norms > 0), norms, np.nan)
        self.line.set_data(np.arange(1, T + 1), shown)
        self.reference.set_ydata([norms[-1], norms[-1]])
        finite = shown[np.isfinite(shown)]
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
        self.message.value = verdict
        self.panel.refresh()
