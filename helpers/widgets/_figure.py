"""A matplotlib figure shown as an ipywidgets.Image, redrawn in place.

The figure is drawn with the Agg renderer into PNG bytes, so it works in any
front end (JupyterLab, VS Code, a static export) and headless in tests. Explorers
update artists (bar heights, image data) and call :meth:`FigurePanel.refresh`;
they never rebuild the figure on a slider move.
"""
from __future__ import annotations

import io

import ipywidgets as widgets
import numpy as np
from PIL import Image
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure


class FigurePanel:
    def __init__(self, figsize=(6, 3.5), dpi=90, **subplot_kw):
        self.figure = Figure(figsize=figsize, dpi=dpi, layout="constrained")
        FigureCanvasAgg(self.figure)
        self.image = widgets.Image(format="png")
        self.renders = 0

    def refresh(self) -> None:
        """Draw once and encode a fast PNG. The first call runs the constrained layout; later
        calls keep those positions (re-solving the layout costs as much as the drawing)."""
        self.figure.canvas.draw()
        if self.renders == 0:
            self.figure.set_layout_engine("none")
        pixels = np.asarray(self.figure.canvas.buffer_rgba())[..., :3]
        buffer = io.BytesIO()
        Image.fromarray(pixels).save(buffer, format="png", compress_level=1)
        self.image.value = buffer.getvalue()
        self.renders += 1


class Explorer:
    """Base class: subclasses set ``self.widget``; the explorer displays as that widget."""

    widget: widgets.Widget

    def _repr_mimebundle_(self, **kwargs):
        return self.widget._repr_mimebundle_(**kwargs)
