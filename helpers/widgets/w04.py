"""Week 4 explorer: convolution arithmetic, n_out = floor((n + 2p − f) / s) + 1.

Sliders for the input size n, the filter size f, the padding p, the stride s and the window
position. The left panel is the padded input (padding grey, input blue, cells that no window
ever covers red), with the filter's window at the chosen position; the right panel is the output
grid with the cell that window writes to. Artists are updated in place.

Given the student's ``conv_output_size(n, f, pad, stride)``, the output panel gets a dashed square
of the size it returns over the grid of the formula's size: orange where they agree, red (with
the extra or missing cells shown) where they differ, and a line at the top says what happened.
"""

from __future__ import annotations

import ipywidgets as widgets
import numpy as np
from matplotlib.colors import ListedColormap
from matplotlib.patches import Rectangle

from ..grading.w04.sizes import _size_reference
from ._caption import YOURS_COLOUR, PictureCaption
from ._figure import Explorer, FigurePanel
from ._yours import DIFFERENCE_COLOUR, YourFunction

__all__ = ["ConvArithmeticExplorer", "arithmetic"]

PAD, INPUT, UNUSED = 0, 1, 2
_INPUT_COLOURS = ListedColormap(["#d9d9d9", "#9ecae1", "#fb6a4a"])
_OUTPUT_COLOURS = ListedColormap(["#c7e9c0", "#fd8d3c"])
MAX_N, MAX_F, MAX_PAD, MAX_STRIDE = 12, 7, 3, 4


def arithmetic(n: int, f: int, pad: int, stride: int) -> dict:
    """Everything the explorer states, as numbers.

    size: n + 2p; out: the output size (0 when the filter does not fit); leftover:
    (n + 2p − f) mod s, the rows (and columns) at the end that no window covers.
    """
    size = n + 2 * pad
    span = size - f
    if span < 0:
        return {"size": size, "span": span, "out": 0, "leftover": 0}
    return {"size": size, "span": span, "out": span // stride + 1, "leftover": span % stride}


class ConvArithmeticExplorer(Explorer):
    """Input size, filter size, padding, stride and window position in; padded input and output grid out.

    Controls: ``n``, ``f``, ``pad``, ``stride``, ``position`` (IntSliders; position counts the
    output cells row by row). ``formula`` (HTML) holds the formula with the numbers filled in,
    ``message`` the remarks (stride that does not fit, filter larger than the input).

    ``conv_output_size``: the student's function (n, f, pad, stride) -> int, drawn over the output
    grid; ``outcome`` holds the last redraw's comparison (see _yours.Outcome).
    """

    def __init__(self, n=6, f=3, pad=1, stride=2, position=0, *, conv_output_size=None):
        self.yours = YourFunction(conv_output_size, _size_reference, name="conv_output_size")
        self.outcome = None

        def slider(value, low, high, description):
            return widgets.IntSlider(
                value=value,
                min=low,
                max=high,
                description=description,
                style={"description_width": "initial"},
                layout=widgets.Layout(width="260px"),
            )

        self.n = slider(n, 1, MAX_N, "input n")
        self.f = slider(f, 1, MAX_F, "filter f")
        self.pad = slider(pad, 0, MAX_PAD, "padding p")
        self.stride = slider(stride, 1, MAX_STRIDE, "stride s")
        out = arithmetic(n, f, pad, stride)["out"]
        self.position = slider(min(position, max(out * out - 1, 0)), 0, max(out * out - 1, 0), "window position")
        self.formula = widgets.HTMLMath()
        self.message = widgets.HTML()
        self.numbers = arithmetic(n, f, pad, stride)
        self._syncing = False

        self.panel = FigurePanel(figsize=(8.5, 4.2))
        self.ax_in, self.ax_out = self.panel.figure.subplots(1, 2, width_ratios=[1.3, 1])
        self.input_image = self.ax_in.imshow(np.zeros((1, 1)), cmap=_INPUT_COLOURS, vmin=0, vmax=2)
        self.window = Rectangle((-0.5, -0.5), 1, 1, fill=False, edgecolor="#e6550d", linewidth=3, clip_on=False)
        self.ax_in.add_patch(self.window)
        self.centres = self.ax_in.scatter([], [], s=14, color="#e6550d", zorder=3)  # every window position
        self.output_image = self.ax_out.imshow(np.zeros((1, 1)), cmap=_OUTPUT_COLOURS, vmin=0, vmax=1)
        self.no_output = self.ax_out.text(
            0.5, 0.5, "", transform=self.ax_out.transAxes, ha="center", va="center", color="#b00", fontsize=11
        )
        self.caption = None
        if conv_output_size is not None:
            self.your_square = Rectangle(
                (-0.5, -0.5), 1, 1, fill=False, edgecolor=YOURS_COLOUR, linewidth=2.5, linestyle="--", clip_on=False
            )
            self.ax_out.add_patch(self.your_square)
            self.caption = PictureCaption(self.panel.figure, limit=100)
        for ax in (self.ax_in, self.ax_out):
            ax.tick_params(which="both", length=0, labelbottom=False, labelleft=False)
            ax.grid(which="minor", color="white", linewidth=1)

        for control in (self.n, self.f, self.pad, self.stride, self.position):
            control.observe(self._on_change, names="value")
        self.widget = widgets.VBox(
            [
                widgets.HBox([self.n, self.f]),
                widgets.HBox([self.pad, self.stride]),
                self.position,
                self.panel.image,
                self.formula,
                self.message,
            ]
        )
        self.update()

    def _on_change(self, _change) -> None:
        if not self._syncing:
            self.update()

    def _sync_position(self, out: int) -> None:
        self._syncing = True
        try:
            last = max(out * out - 1, 0)
            if self.position.value > last:
                self.position.value = last
            self.position.max = last
            self.position.disabled = out == 0
        finally:
            self._syncing = False

    @staticmethod
    def _grid(ax, size: int) -> None:
        ax.set_xlim(-0.5, size - 0.5)
        ax.set_ylim(size - 0.5, -0.5)
        ticks = np.arange(-0.5, size, 1.0)
        ax.set_xticks(ticks, minor=True)
        ax.set_yticks(ticks, minor=True)
        ax.set_xticks([])
        ax.set_yticks([])

    def update(self) -> None:
        n, f, p, s = self.n.value, self.f.value, self.pad.value, self.stride.value
        numbers = arithmetic(n, f, p, s)
        self.numbers = numbers
        size, out = numbers["size"], numbers["out"]
        self._sync_position(out)

        grid = np.full((size, size), PAD)
        grid[p : p + n, p : p + n] = INPUT
        if out > 0 and numbers["leftover"]:
            covered = (out - 1) * s + f
            grid[covered:, :] = UNUSED
            grid[:, covered:] = UNUSED
        self.input_image.set_data(grid)
        self.input_image.set_extent((-0.5, size - 0.5, size - 0.5, -0.5))
        self._grid(self.ax_in, size)
        self.ax_in.set_title(f"padded input {size}×{size} (input {n}×{n}, padding {p})", fontsize=10)

        starts = np.arange(out) * s + (f - 1) / 2
        self.centres.set_offsets(
            np.column_stack([np.tile(starts, out), np.repeat(starts, out)]) if out > 0 else np.empty((0, 2))
        )
        if out > 0:
            i, j = divmod(self.position.value, out)
            self.window.set_xy((j * s - 0.5, i * s - 0.5))
            self.window.set_width(f)
            self.window.set_height(f)
            self.window.set_visible(True)
            cells = np.zeros((out, out))
            cells[i, j] = 1
            self.output_image.set_data(cells)
            self.output_image.set_extent((-0.5, out - 0.5, out - 0.5, -0.5))
            self.output_image.set_visible(True)
            self._grid(self.ax_out, out)
            self.no_output.set_text("")
            self.ax_out.set_title(f"output {out}×{out}: cell ({i}, {j})", fontsize=10)
        else:
            self.window.set_visible(False)
            self.output_image.set_visible(False)
            self.no_output.set_text("no output:\nthe filter is larger\nthan the padded input")
            self.ax_out.set_title("output: none", fontsize=10)

        if numbers["span"] < 0:
            self.formula.value = (
                rf"$n + 2p - f = {n} + 2\cdot{p} - {f} = {numbers['span']} < 0$: "
                "the filter does not fit anywhere."
            )
            self.message.value = (
                f"<span style='color:#b00'>The {f}×{f} filter is larger than the "
                f"{size}×{size} padded input: there is no output. Add padding or use a "
                f"smaller filter.</span>"
            )
        else:
            self.formula.value = (
                rf"$n_\text{{out}} = \left\lfloor \frac{{n + 2p - f}}{{s}} \right\rfloor + 1"
                rf" = \left\lfloor \frac{{{n} + 2\cdot{p} - {f}}}{{{s}}} \right\rfloor + 1"
                rf" = \left\lfloor \frac{{{numbers['span']}}}{{{s}}} \right\rfloor + 1 = {out}$"
            )
            if numbers["leftover"]:
                k = numbers["leftover"]
                self.message.value = (
                    f"<span style='color:#b00'>The stride does not fit: {numbers['span']} is "
                    f"not a multiple of {s}, so the last {k} row{'s' if k > 1 else ''} and "
                    f"column{'s' if k > 1 else ''} of the padded input (red) are never "
                    f"covered by a window; the floor drops them.</span>"
                )
            else:
                same = " ('same': the output is as large as the input)" if out == n else ""
                valid = " ('valid': no padding)" if p == 0 else ""
                self.message.value = f"The stride fits: the windows cover the padded input exactly{same}{valid}."
        if self.caption is not None:
            self._draw_yours(n, f, p, s, out)
        self.panel.refresh()

    def _draw_yours(self, n: int, f: int, p: int, s: int, out: int) -> None:
        """Your output size as a dashed square over the output grid (the grid widened to show the
        cells yours has too many), red where it differs from the formula."""
        outcome = self.outcome = self.yours(n, f, p, s)
        call = f"conv_output_size({n}, {f}, {p}, {s})"
        if outcome.yours:
            yours = float(outcome.value)
            side = min(max(yours, 0.0), out + 3)
            if out > 0 and side > out:  # widen the grid to show the cells yours has too many
                self._grid(self.ax_out, int(np.ceil(side)))
            self.your_square.set_width(side)
            self.your_square.set_height(side)
            self.your_square.set_edgecolor(DIFFERENCE_COLOUR if outcome.differs else YOURS_COLOUR)
            self.your_square.set_visible(out > 0 and side > 0)
            if outcome.differs:
                line = f"your {call} = {yours:g}; the formula gives {outcome.expected:g} (dashed: yours)"
            else:
                # the same words on every agreeing redraw: the line is then pasted, not typeset again
                line = "your conv_output_size agrees with the formula (dashed square: yours)"
        else:
            self.your_square.set_visible(False)
            line = outcome.caption()
        self.caption.show(line, outcome.wrong)
        self.message.value += "<br>" + self.caption.html()
