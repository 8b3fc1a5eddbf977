"""A matplotlib figure shown as an ipywidgets.Image, redrawn in place.

The figure is drawn with the Agg renderer into PNG bytes, so it works in any
front end (JupyterLab, VS Code, a static export) and headless in tests. Explorers
update artists (bar heights, image data) and call :meth:`FigurePanel.refresh`;
they never rebuild the figure on a slider move.

Most of a redraw used to go into text (tick labels, axis labels, titles, legends: rendered
glyph by glyph) although a control change seldom changes most of it. After the first render,
each axis, legend and text that is drawn twice alike is therefore drawn once into a transparent
layer, and that layer is pasted in its place, in the same drawing order and with the same
pixels, for as long as what it shows is the same (for an axis: its view limits, tick positions
and label texts, its label; for a text: string, place and style). Anything else is drawn as
usual on every refresh. Images drawn nearest-neighbour are coloured before they are resampled,
and the PNG is encoded with one fixed row filter (see encode_png): each about twice as fast.
``FigurePanel(cache_decorations=False)`` draws everything the plain way.
"""

from __future__ import annotations

import struct
import zlib
from collections import OrderedDict

import ipywidgets as widgets
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg, RendererAgg
from matplotlib.colors import to_rgba
from matplotlib.figure import Figure

from helpers.widgets import pictures_wanted


class FigurePanel:
    def __init__(self, figsize=(6, 3.5), dpi=90, cache_decorations=True, **subplot_kw):
        self.figure = Figure(figsize=figsize, dpi=dpi, layout="constrained")
        FigureCanvasAgg(self.figure)
        # Shown at its own size (a page as wide as Voilà's would otherwise blow it up, blurred),
        # never wider than the output area.
        width = round(figsize[0] * dpi)
        self.image = widgets.Image(
            format="png", layout=widgets.Layout(width=f"{width}px", max_width="100%", height="auto")
        )
        self.renders = 0
        self.cache_decorations = cache_decorations
        self._layers: dict[int, _Layer] = {}
        self._scratch: list[RendererAgg] = []  # one transparent renderer per nesting depth
        self._depth = 0

    def refresh(self) -> None:
        """Draw once and encode a fast PNG. The first call runs the constrained layout; later
        calls keep those positions (re-solving the layout costs as much as the drawing) and
        paste unchanged decorations and texts from their cached layers. Nothing is drawn where
        nobody looks (helpers.widgets.NO_PICTURES)."""
        if not pictures_wanted():
            return
        if self.renders > 0 and self.cache_decorations:
            self._wrap_decorations()
        self.figure.canvas.draw()
        if self.renders == 0:
            self.figure.set_layout_engine("none")
            self._fix_titles()
        self.image.value = encode_png(np.asarray(self.figure.canvas.buffer_rgba()))
        self.renders += 1

    def _fix_titles(self) -> None:
        """Keep the titles where the first render put them. matplotlib otherwise measures every
        y tick label again on each draw, in case an offset text or top labels push a title up;
        a title that did not need moving then keeps its place (a private switch, left alone when
        this matplotlib has no such attribute or a title was moved)."""
        for ax in self.figure.axes:
            titles = (ax.title, ax._left_title, ax._right_title) if hasattr(ax, "_left_title") else ()
            if getattr(ax, "_autotitlepos", None) and titles and all(t.get_position()[1] == 1.0 for t in titles):
                ax._autotitlepos = False

    def _wrap_decorations(self) -> None:
        wanted = [(t, _text_signature) for t in self.figure.texts]
        for ax in self.figure.axes:
            wanted += [
                (ax.xaxis, _axis_signature),
                (ax.yaxis, _axis_signature),
                (ax.get_legend(), _legend_signature),
                (ax.xaxis.label, _text_signature),
                (ax.yaxis.label, _text_signature),
            ]
            wanted += [
                (t, _text_signature)
                for t in (ax.title, getattr(ax, "_left_title", None), getattr(ax, "_right_title", None), *ax.texts)
            ]
        for artist, signature in wanted:
            if artist is not None and id(artist) not in self._layers:
                self._layers[id(artist)] = _Layer(self, artist, signature)
        for image in (im for ax in self.figure.axes for im in ax.images):
            if id(image) not in self._layers:
                self._layers[id(image)] = _ColouredFirst(self, image)

    def _scratch_renderer(self, like: RendererAgg) -> RendererAgg:
        """A transparent renderer of the figure's size for the current nesting depth. They are
        kept: a renderer keeps the tick labels it typeset (mathtext) in its cache."""
        while len(self._scratch) <= self._depth:
            self._scratch.append(None)
        layer = self._scratch[self._depth]
        if layer is None or (layer.width, layer.height, layer.dpi) != (like.width, like.height, like.dpi):
            layer = self._scratch[self._depth] = RendererAgg(like.width, like.height, like.dpi)
        layer.clear()
        return layer


def encode_png(rgba: np.ndarray) -> bytes:
    """An RGB PNG of an (H, W, 4) uint8 image, fast: every row "Up"-filtered (its difference from
    the row above), then deflate at level 1 with run-length matching. About half the time of
    PIL's encoder at compress_level=1 (which tries every filter on every row), and no larger."""
    h, w = rgba.shape[:2]
    raw = np.empty((h, 1 + 3 * w), np.uint8)
    raw[:, 1:].reshape(h, w, 3)[...] = rgba[..., :3]
    raw[1:, 1:] = np.subtract(raw[1:, 1:], raw[:-1, 1:], dtype=np.uint8)
    raw[0, 0], raw[1:, 0] = 0, 2
    deflate = zlib.compressobj(1, zlib.DEFLATED, 15, 9, zlib.Z_RLE)
    data = deflate.compress(raw.data) + deflate.flush()
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
        + _chunk(b"IDAT", data)
        + _chunk(b"IEND", b"")
    )


def _chunk(tag: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data))


class _Layer:
    """Caches how one artist (an axis, a legend, a text) looks, and pastes it while it is unchanged.

    Its signature says what it shows (for an axis: limits, ticks, labels; for a text: string,
    place, style). The first draw with a new signature draws the artist as usual; if a later
    draw finds a signature seen before, the artist is drawn once into a transparent layer, which is
    then pasted in its place (same drawing order, same pixels) whenever that signature comes back.
    Whatever changes on every draw is thus never drawn twice. The last ``KEPT`` looks are kept, so
    that an explorer going back and forth between a few states (week 7's surfaces, each with its own
    axis limits) pastes each of them instead of typesetting its tick labels again.
    """

    _EMPTY = object()
    KEPT = 4

    def __init__(self, panel: FigurePanel, artist, signature):
        self.panel, self.artist, self.signature = panel, artist, signature
        self.seen: OrderedDict = OrderedDict()  # signatures drawn as usual once: rendered when seen again
        self.patches: OrderedDict = OrderedDict()  # signature -> (x, y, pixels) or _EMPTY
        self.draw_directly = artist.draw
        artist.draw = self.draw  # the instance attribute wins over the class's method

    def draw(self, renderer) -> None:
        panel = self.panel
        ours = renderer is getattr(panel.figure.canvas, "renderer", None) or any(r is renderer for r in panel._scratch)
        if not ours or not isinstance(renderer, RendererAgg):
            return self.draw_directly(renderer)  # savefig to another format: draw as usual
        try:
            key = self.signature(self.artist, renderer)
        except Exception:  # a matplotlib without one of the attributes read
            key = None
        if key is None:
            return self.draw_directly(renderer)
        if key in self.patches:
            self.patches.move_to_end(key)
            patch = self.patches[key]
        elif key in self.seen:
            del self.seen[key]
            patch = self.patches[key] = self._render(renderer)
            _keep_last(self.patches, self.KEPT)
        else:
            self.seen[key] = None
            _keep_last(self.seen, self.KEPT)
            return self.draw_directly(renderer)
        if patch is not self._EMPTY:
            x, y, pixels = patch
            gc = renderer.new_gc()
            renderer.draw_image(gc, x, y, pixels)
            gc.restore()
        self.artist.stale = False

    def _render(self, renderer):
        panel = self.panel
        layer = panel._scratch_renderer(renderer)
        panel._depth += 1  # a text inside an axis renders on a renderer of its own
        try:
            self.draw_directly(layer)
        finally:
            panel._depth -= 1
        rgba = np.asarray(layer.buffer_rgba())
        alpha = rgba[..., 3]
        rows = np.flatnonzero(alpha.any(axis=1))
        if rows.size == 0:
            return self._EMPTY
        cols = np.flatnonzero(alpha[rows[0] : rows[-1] + 1].any(axis=0))
        top, bottom, left, right = rows[0], rows[-1] + 1, cols[0], cols[-1] + 1
        # draw_image takes the rows bottom up
        return int(left), int(renderer.height - bottom), np.ascontiguousarray(rgba[top:bottom, left:right][::-1])


def _keep_last(kept: OrderedDict, count: int) -> None:
    while len(kept) > count:
        kept.popitem(last=False)


class _ColouredFirst:
    """Draws an image from its colours in bytes (the colormap applied at the data's own size).

    matplotlib resamples a float image to the screen's size before colouring it, or resamples
    float RGBA: several times slower than resampling RGBA bytes, for nearest-neighbour images the
    same pixels. Only images drawn nearest-neighbour go this way; the artist keeps its data
    (``get_array``) outside the draw.
    """

    def __init__(self, panel: FigurePanel, image):
        self.panel, self.image, self.artist = panel, image, image
        self.draw_directly = image.draw
        image.draw = self.draw

    def draw(self, renderer) -> None:
        image, data = self.image, self.image.get_array()
        if (
            data is None
            or not isinstance(renderer, RendererAgg)
            or (data.ndim == 3 and data.dtype == np.uint8)
            or not self._nearest(data, renderer)
        ):
            return self.draw_directly(renderer)
        try:
            rgba = image.to_rgba(data, bytes=True, norm=data.ndim == 2)
        except Exception:
            return self.draw_directly(renderer)
        image.set_data(rgba)
        try:
            self.draw_directly(renderer)
        finally:
            image.set_data(data)
            image.stale = False

    def _nearest(self, data, renderer) -> bool:
        """Is the image drawn nearest-neighbour: asked for, or 'auto' magnified more than 3 times
        (matplotlib's own rule)?"""
        interpolation = self.image.get_interpolation()
        if interpolation == "nearest":
            return True
        if interpolation not in ("auto", "antialiased"):
            return False
        box = self.image.get_window_extent(renderer)
        return box.width > 3 * data.shape[1] and box.height > 3 * data.shape[0]


def _text_state(text):
    return (text.get_text(), text.get_visible(), text.get_position(), text.get_color(), text.get_fontsize())


def _axis_signature(axis, renderer):
    if not axis.get_visible():
        return None
    ticks = axis._update_ticks()  # what Axis.draw itself computes first
    return (
        tuple(axis.axes.bbox.bounds),
        tuple(axis.get_view_interval()),
        axis.get_scale(),
        tuple(
            (
                t.get_loc(),
                t.label1.get_text(),
                t.label2.get_text(),
                t.label1.get_visible(),
                t.label2.get_visible(),
                t.gridline.get_visible(),
                t.tick1line.get_visible(),
                t.tick2line.get_visible(),
            )
            for t in ticks
        ),
        _text_state(axis.label),
        axis.get_label_position(),
        _text_state(axis.offsetText),
    )


def _text_signature(text, renderer):
    if not text.get_visible() or not text.get_text() or text.get_path_effects() or text.get_usetex():
        return None
    x, y = text.get_transform().transform(text.get_unitless_position())
    box = text.get_bbox_patch()
    clip = text.get_clip_box() if text.get_clip_on() else None
    return (
        text.get_text(),
        round(float(x), 2),
        round(float(y), 2),
        to_rgba(text.get_color(), text.get_alpha()),
        hash(text.get_fontproperties()),
        text.get_rotation(),
        text.get_rotation_mode(),
        text.get_horizontalalignment(),
        text.get_verticalalignment(),
        getattr(text, "_multialignment", None),
        getattr(text, "_linespacing", None),
        text.get_wrap(),
        text.get_antialiased(),
        None if clip is None else tuple(clip.bounds),
        None
        if box is None
        else (
            to_rgba(box.get_facecolor()),
            to_rgba(box.get_edgecolor()),
            box.get_linewidth(),
            str(box.get_boxstyle()),
            box.get_visible(),
        ),
    )


def _legend_signature(legend, renderer):
    if not legend.get_visible() or legend._loc in (0, "best"):  # "best" moves with the data
        return None
    handles = tuple((h.get_visible(), str(h.get_label())) for h in legend.legend_handles if h is not None)
    return (
        tuple(legend.axes.bbox.bounds),
        tuple(t.get_text() for t in legend.texts),
        handles,
        str(legend._loc),
        tuple(legend.get_bbox_to_anchor().bounds),
    )


class Explorer:
    """Base class: subclasses set ``self.widget``; the explorer displays as that widget."""

    widget: widgets.Widget

    def _repr_mimebundle_(self, **kwargs):
        return self.widget._repr_mimebundle_(**kwargs)
