"""FigurePanel's shortcuts (cached layers, images coloured first, its PNG encoder) change no pixel."""

import io

import ipywidgets as widgets
import numpy as np
import pytest
from PIL import Image

from course.gallery import figure_panel, gallery_notebooks, load_explorer
from helpers.widgets._figure import encode_png
from tests.support import REPO

NOTEBOOKS = gallery_notebooks(REPO / "gallery")


def _controls(widget):
    found = (
        [widget]
        if isinstance(
            widget,
            (
                widgets.IntSlider,
                widgets.FloatSlider,
                widgets.FloatLogSlider,
                widgets.Dropdown,
                widgets.SelectionSlider,
            ),
        )
        else []
    )
    for child in getattr(widget, "children", ()):
        found += _controls(child)
    return found


TYPED = ("12 march 2021", "3 june 1999", "Friday, 25/12/2026")  # what a text box is given (week 10: dates)


def _text_boxes(widget):
    """An explorer with no slider or dropdown (week 10's) is driven by what is typed into it."""
    own = [widget] if type(widget) is widgets.Text else []
    return own + [box for child in getattr(widget, "children", ()) for box in _text_boxes(child)]


def _move(control):
    if isinstance(control, widgets.Text):
        control.value = TYPED[(TYPED.index(control.value) + 1) % len(TYPED)] if control.value in TYPED else TYPED[0]
    elif isinstance(control, (widgets.Dropdown, widgets.SelectionSlider)):
        values = [o[1] if isinstance(o, tuple) else o for o in control.options]
        control.value = values[(values.index(control.value) + 1) % len(values)]
    elif isinstance(control, widgets.FloatLogSlider):
        exponent = np.log(control.value) / np.log(control.base) + 4 * control.step
        control.value = float(control.base ** (exponent if exponent <= control.max else control.min))
    elif control.value + control.step <= control.max:
        control.value = control.value + control.step
    else:
        control.value = control.min


def _plain_pixels(panel):
    """The figure drawn with every shortcut taken off."""
    shortcuts = list(panel._layers.values())
    for shortcut in shortcuts:
        del shortcut.artist.draw
    try:
        panel.figure.canvas.draw()
        return np.asarray(panel.figure.canvas.buffer_rgba())[..., :3].astype(int)
    finally:
        for shortcut in shortcuts:
            shortcut.artist.draw = shortcut.draw


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_shortcuts_draw_the_same_pixels_as_plain_matplotlib(path):
    explorer = load_explorer(path)
    panel = figure_panel(explorer)
    controls = [c for c in _controls(explorer.widget) if not c.disabled] or _text_boxes(explorer.widget)
    worst = 0
    for i in range(2 * len(controls) + 4):
        _move(controls[i % len(controls)])
        shown = np.asarray(Image.open(io.BytesIO(panel.image.value)).convert("RGB")).astype(int)
        worst = max(worst, int(np.abs(shown - _plain_pixels(panel)).max()))
    assert panel._layers, "no shortcut was taken"
    assert worst <= 2, f"a cached draw differs from a plain one by {worst} levels"


def test_png_encoder_round_trips():
    rng = np.random.default_rng(0)
    for shape in [(1, 1, 4), (2, 3, 4), (37, 61, 4)]:
        rgba = rng.integers(0, 256, size=shape, dtype=np.uint8)
        decoded = np.asarray(Image.open(io.BytesIO(encode_png(rgba))))
        np.testing.assert_array_equal(decoded, rgba[..., :3])


def test_an_axis_going_back_to_earlier_limits_is_pasted_not_typeset_again():
    from helpers.widgets._figure import FigurePanel

    panel = FigurePanel(figsize=(4, 3))
    ax = panel.figure.subplots()
    ax.plot([0, 1], [0, 1])
    ax.set_xlim(0, 1)
    panel.refresh()
    panel.refresh()  # the layers exist from the second refresh on: count the x axis's plain draws
    direct, layer = [], panel._layers[id(ax.xaxis)]
    plain = layer.draw_directly
    layer.draw_directly = lambda renderer: (direct.append(ax.get_xlim()), plain(renderer))
    for limits in [(0, 1), (0, 5), (0, 5), (0, 1), (0, 5), (0, 1)]:
        ax.set_xlim(*limits)
        panel.refresh()
        shown = np.asarray(Image.open(io.BytesIO(panel.image.value)).convert("RGB")).astype(int)
        assert int(np.abs(shown - _plain_pixels(panel)).max()) <= 2
    # (0, 1) rendered into its layer; (0, 5) drawn as usual once, then rendered; later visits are pasted
    assert [tuple(map(float, limits)) for limits in direct] == [(0.0, 1.0), (0.0, 5.0), (0.0, 5.0)]
