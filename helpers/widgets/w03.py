"""Week 3 explorer: a 3×3 kernel (presets, sliders or typed) applied to a photo.

out[i, j] = Σ_pq photo[i+p, j+q] k[p, q] (cross-correlation, no flip). The figure shows
the kernel with its numbers, the filtered photo (red positive, blue negative) and the edge
map |out| > threshold · max |out|. Moving a control updates the artists in place.

Given the student's ``correlate2d(x, k)``, the figure gets a fourth panel: the photo filtered by
the student's function, beside the reference's, with a red square around the first pixel where
the two differ beyond the grader's tolerance and a line at the top saying what happened.
"""

from __future__ import annotations

import ipywidgets as widgets
import numpy as np
from matplotlib.patches import Rectangle

from .. import images
from ._caption import REFERENCE_GREY, PictureCaption
from ._figure import Explorer, FigurePanel
from ._yours import DIFFERENCE_COLOUR, YourFunction

__all__ = ["KernelExplorer", "PRESETS", "parse_kernel", "correlate3x3"]

_SOBEL = [[1.0, 0.0, -1.0], [2.0, 0.0, -2.0], [1.0, 0.0, -1.0]]
_SCHARR = [[3.0, 0.0, -3.0], [10.0, 0.0, -10.0], [3.0, 0.0, -3.0]]
PRESETS = {
    "identity": [[0, 0, 0], [0, 1, 0], [0, 0, 0]],
    "vertical edge": [[1, 0, -1]] * 3,
    "horizontal edge": [[1, 1, 1], [0, 0, 0], [-1, -1, -1]],
    "Sobel x": _SOBEL,
    "Sobel y": np.array(_SOBEL).T.tolist(),
    "Scharr x": _SCHARR,
    "Scharr y": np.array(_SCHARR).T.tolist(),
    "Laplacian": [[0, 1, 0], [1, -4, 1], [0, 1, 0]],
    "sharpen": [[0, -1, 0], [-1, 5, -1], [0, -1, 0]],
    "box blur": [[1 / 9] * 3] * 3,
}
PRESETS = {name: np.array(k, dtype=np.float64) for name, k in PRESETS.items()}
CUSTOM = "custom"
LIMIT = 10.0


def parse_kernel(text: str) -> np.ndarray:
    """'1 0 -1; 2 0 -2; 1 0 -1' (or 9 numbers separated by commas/spaces) -> a (3, 3) array."""
    parts = [p for p in text.replace(";", " ").replace(",", " ").split() if p]
    if len(parts) != 9:
        raise ValueError(f"type exactly 9 numbers (3 rows of 3), got {len(parts)}")
    try:
        values = np.array([float(p) for p in parts])
    except ValueError:
        raise ValueError(f"could not read {text!r} as numbers") from None
    if not np.all(np.isfinite(values)) or np.abs(values).max() > LIMIT:
        raise ValueError(f"every weight must be a number between {-LIMIT:g} and {LIMIT:g}")
    return values.reshape(3, 3)


def format_kernel(k: np.ndarray) -> str:
    return "; ".join(" ".join(f"{v:.3g}" for v in row) for row in k)


def correlate3x3(x: np.ndarray, k: np.ndarray) -> np.ndarray:
    """Valid cross-correlation of x (H, W) with k (3, 3): nine shifted slices, (H − 2, W − 2)."""
    ho, wo = x.shape[0] - 2, x.shape[1] - 2
    out = np.zeros((ho, wo))
    for p in range(3):
        for q in range(3):
            if k[p, q] != 0.0:
                out += k[p, q] * x[p : p + ho, q : q + wo]
    return out


class KernelExplorer(Explorer):
    """Choose a photo and a 3×3 kernel; see the kernel, the filtered photo and the edge map.

    Controls: ``photo`` and ``preset`` (Dropdown), ``weights`` (nine FloatSliders, row by row),
    ``kernel_text`` (Text: type nine numbers), ``threshold`` (FloatSlider, a fraction of the
    largest |response|). ``response`` and ``edges`` hold the arrays drawn last.

    ``correlate2d``: the student's function (x (H, W), k (3, 3)) -> (H − 2, W − 2), drawn beside
    the reference; ``outcome`` holds the last redraw's comparison (see _yours.Outcome).
    """

    def __init__(self, photo="grace_hopper", preset="Sobel x", size=200, threshold=0.25, *, correlate2d=None):
        self.size = size
        self.yours = YourFunction(correlate2d, correlate3x3, name="correlate2d")
        self.outcome = None
        self.photo = widgets.Dropdown(options=list(images.PHOTOS), value=photo, description="photo")
        self.preset = widgets.Dropdown(options=[*PRESETS, CUSTOM], value=preset, description="preset")
        self.weights = [
            widgets.FloatSlider(
                value=0.0,
                min=-LIMIT,
                max=LIMIT,
                step=0.1,
                readout_format=".2f",
                description=f"k[{r},{c}]",
                continuous_update=False,
                layout=widgets.Layout(width="230px"),
                style={"description_width": "40px"},
            )
            for r in range(3)
            for c in range(3)
        ]
        self.kernel_text = widgets.Text(
            description="type k", continuous_update=False, placeholder="1 0 -1; 2 0 -2; 1 0 -1"
        )
        self.threshold = widgets.FloatSlider(
            value=threshold,
            min=0.0,
            max=1.0,
            step=0.01,
            description="edge threshold",
            readout_format=".2f",
            style={"description_width": "initial"},
        )
        self.message = widgets.HTML()
        self._syncing = False
        self._image = None
        self.response = None
        self.edges = None

        given = correlate2d is not None
        self.panel = FigurePanel(figsize=(12.4, 3.6) if given else (10, 3.4))
        if given:
            ax_k, ax_r, ax_y, ax_e = self.panel.figure.subplots(1, 4, width_ratios=[0.6, 1, 1, 1])
            self.axes = (ax_k, ax_r, ax_e, ax_y)
        else:
            ax_k, ax_r, ax_e = self.panel.figure.subplots(1, 3, width_ratios=[0.6, 1, 1])
            self.axes = (ax_k, ax_r, ax_e)
        self.kernel_image = ax_k.imshow(np.zeros((3, 3)), cmap="RdBu_r", vmin=-1, vmax=1)
        self.kernel_labels = [
            ax_k.text(c, r, "", ha="center", va="center", fontsize=10) for r in range(3) for c in range(3)
        ]
        ax_k.set_title("kernel", fontsize=10)
        self.response_image = ax_r.imshow(np.zeros((2, 2)), cmap="RdBu_r", vmin=-1, vmax=1)
        self.edge_image = ax_e.imshow(np.zeros((2, 2), dtype=bool), cmap="gray_r", vmin=0, vmax=1)
        self.caption = None
        if given:
            self._make_yours(ax_r, ax_y)
        for ax in self.axes:
            ax.set_xticks([])
            ax.set_yticks([])

        self.photo.observe(self._on_photo, names="value")
        self.preset.observe(self._on_preset, names="value")
        for slider in self.weights:
            slider.observe(self._on_slider, names="value")
        self.kernel_text.observe(self._on_text, names="value")
        self.threshold.observe(lambda _change: self.update(), names="value")

        grid = widgets.GridBox(self.weights, layout=widgets.Layout(grid_template_columns="repeat(3, 240px)"))
        self.widget = widgets.VBox(
            [
                widgets.HBox([self.photo, self.preset, self.threshold]),
                grid,
                self.kernel_text,
                self.panel.image,
                self.message,
            ]
        )
        self._load_photo()
        self._set_kernel(PRESETS[preset] if preset in PRESETS else np.zeros((3, 3)))
        self.update()

    # ------------------------------------------------------------------ state
    @property
    def kernel(self) -> np.ndarray:
        return np.array([s.value for s in self.weights]).reshape(3, 3)

    def _set_kernel(self, k: np.ndarray) -> None:
        self._syncing = True
        try:
            for slider, value in zip(self.weights, k.ravel()):
                slider.value = float(value)
            self.kernel_text.value = format_kernel(k)
        finally:
            self._syncing = False

    def _load_photo(self) -> None:
        self._image = images.load_photo(self.photo.value, size=self.size)
        h, w = self._image.shape[0] - 2, self._image.shape[1] - 2
        drawn = [(self.response_image, self.axes[1]), (self.edge_image, self.axes[2])]
        if self.caption is not None:
            drawn.append((self.yours_image, self.axes[3]))
        for artist, ax in drawn:
            artist.set_extent((-0.5, w - 0.5, h - 0.5, -0.5))
            ax.set_xlim(-0.5, w - 0.5)
            ax.set_ylim(h - 0.5, -0.5)

    def _make_yours(self, ax_reference, ax_yours) -> None:
        self.yours_image = ax_yours.imshow(np.zeros((2, 2)), cmap="RdBu_r", vmin=-1, vmax=1)
        ax_yours.set_title("your correlate2d", fontsize=10)
        self.not_drawn = ax_yours.text(
            0.5, 0.5, "", transform=ax_yours.transAxes, ha="center", va="center", color=REFERENCE_GREY, fontsize=10
        )
        # The first difference: a red square around that pixel in both filtered photos.
        self.marks = [
            ax.add_patch(
                Rectangle(
                    (0, 0), 1, 1, fill=False, edgecolor=DIFFERENCE_COLOUR, linewidth=2.5, clip_on=False, visible=False
                )
            )
            for ax in (ax_reference, ax_yours)
        ]
        self.caption = PictureCaption(self.panel.figure, limit=150)

    # ------------------------------------------------------------------ callbacks
    def _on_photo(self, _change) -> None:
        self._load_photo()
        self.update()

    def _on_preset(self, change) -> None:
        if self._syncing or change["new"] == CUSTOM:
            return
        self._set_kernel(PRESETS[change["new"]])
        self.update()

    def _mark_custom(self) -> None:
        match = next((name for name, k in PRESETS.items() if np.allclose(k, self.kernel, atol=1e-9)), CUSTOM)
        self._syncing = True
        try:
            self.preset.value = match
        finally:
            self._syncing = False

    def _on_slider(self, _change) -> None:
        if self._syncing:
            return
        self._syncing = True
        try:
            self.kernel_text.value = format_kernel(self.kernel)
        finally:
            self._syncing = False
        self._mark_custom()
        self.update()

    def _on_text(self, change) -> None:
        if self._syncing:
            return
        try:
            k = parse_kernel(change["new"])
        except ValueError as err:
            self.message.value = f"<span style='color:#b00'>{err}</span>"
            return
        self._set_kernel(k)
        self._mark_custom()
        self.update()

    # ------------------------------------------------------------------ drawing
    def update(self) -> None:
        k = self.kernel
        outcome = self.outcome = self.yours(self._image, k)
        response = outcome.reference
        limit = float(np.abs(response).max())
        edges = np.abs(response) > self.threshold.value * limit if limit > 0 else np.zeros(response.shape, bool)
        self.response, self.edges = response, edges

        k_limit = max(float(np.abs(k).max()), 1e-12)
        self.kernel_image.set_data(k)
        self.kernel_image.set_clim(-k_limit, k_limit)
        for label, value in zip(self.kernel_labels, k.ravel()):
            label.set_text(f"{value:.3g}")
            label.set_color("white" if abs(value) > 0.6 * k_limit else "black")
        self.response_image.set_data(response)
        self.response_image.set_clim(-max(limit, 1e-12), max(limit, 1e-12))
        self.edge_image.set_data(edges)
        self.axes[1].set_title(f"filtered: min {response.min():.2f}, max {response.max():.2f}", fontsize=10)
        self.axes[2].set_title(
            f"edge map |out| > {self.threshold.value:.2f} · max: {edges.mean():.1%} of pixels", fontsize=10
        )
        total = k.sum()
        if abs(total) < 1e-9:
            note = "the weights sum to 0: flat regions give 0, only changes in brightness respond."
        else:
            note = f"the weights sum to {total:.3g}: a flat region of brightness v gives {total:.3g} · v."
        self.message.value = f"kernel sum {total:.3g}; {note}"
        if self.caption is not None:
            self._draw_yours(outcome, limit)
        self.panel.refresh()

    def _draw_yours(self, outcome, limit: float) -> None:
        """The student's filtered photo (blank when it cannot be drawn), the first differing pixel
        marked, and the line at the top."""
        if outcome.yours:
            self.yours_image.set_data(outcome.value)
            self.not_drawn.set_text("")
        else:
            self.yours_image.set_data(np.zeros_like(outcome.reference))
            self.not_drawn.set_text("nothing to draw:\nsee the line above")
        self.yours_image.set_clim(-max(limit, 1e-12), max(limit, 1e-12))
        where = None
        if outcome.index is not None:
            i, j = outcome.index
            where = f"pixel (row {i}, column {j})"
            side = max(9.0, self.size / 12)
            for mark in self.marks:
                mark.set_bounds(j - side / 2, i - side / 2, side, side)
                mark.set_visible(True)
        else:
            for mark in self.marks:
                mark.set_visible(False)
        self.caption.show(outcome.caption(where=where), outcome.wrong)
        self.message.value += "<br>" + self.caption.html()
