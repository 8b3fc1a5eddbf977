"""Week 4 explorer: every control changes the figure and the numbers it shows."""

import time

import numpy as np
import pytest

from helpers.widgets.w04 import INPUT, PAD, UNUSED, ConvArithmeticExplorer, arithmetic


def test_the_worked_drill_question_and_its_formula():
    explorer = ConvArithmeticExplorer(n=6, f=3, pad=1, stride=2)
    assert explorer.numbers == {"size": 8, "span": 5, "out": 3, "leftover": 1}
    assert r"\frac{6 + 2\cdot1 - 3}{2}" in explorer.formula.value and explorer.formula.value.endswith("= 3$")
    assert "stride does not fit" in explorer.message.value and "last 1 row and column" in explorer.message.value
    grid = explorer.input_image.get_array()
    assert grid.shape == (8, 8)
    assert grid[0, 0] == PAD and grid[1, 1] == INPUT and grid[7, 3] == UNUSED and grid[3, 7] == UNUSED
    assert explorer.output_image.get_array().shape == (3, 3)
    assert explorer.position.max == 8


@pytest.mark.parametrize("control,value", [("n", 9), ("f", 5), ("pad", 2), ("stride", 1), ("position", 4)])
def test_every_slider_redraws_and_changes_the_artists(control, value):
    explorer = ConvArithmeticExplorer(n=6, f=3, pad=1, stride=2)
    image, grid = explorer.panel.image.value, explorer.input_image.get_array().copy()
    window, cells = explorer.window.get_xy(), explorer.output_image.get_array().copy()
    getattr(explorer, control).value = value
    assert explorer.panel.image.value != image
    changed = (
        explorer.input_image.get_array().shape != grid.shape
        or not np.array_equal(explorer.input_image.get_array(), grid)
        or explorer.window.get_xy() != window
        or not np.array_equal(explorer.output_image.get_array(), cells)
    )
    assert changed
    n, f, p, s = (explorer.n.value, explorer.f.value, explorer.pad.value, explorer.stride.value)
    assert explorer.numbers["out"] == (n + 2 * p - f) // s + 1
    assert explorer.output_image.get_array().shape == (explorer.numbers["out"],) * 2


def test_the_window_moves_by_the_stride_and_marks_its_output_cell():
    explorer = ConvArithmeticExplorer(n=7, f=3, pad=0, stride=2)  # out = 3
    explorer.position.value = 5  # row 1, column 2
    assert explorer.window.get_xy() == (2 * 2 - 0.5, 1 * 2 - 0.5)
    assert explorer.window.get_width() == 3 and explorer.window.get_height() == 3
    cells = explorer.output_image.get_array()
    assert cells[1, 2] == 1 and cells.sum() == 1
    centres = explorer.centres.get_offsets()
    assert len(centres) == 9 and {tuple(c) for c in centres} >= {(1.0, 1.0), (5.0, 5.0), (5.0, 1.0)}
    assert "fits" in explorer.message.value and "valid" in explorer.message.value


def test_same_padding_is_named():
    explorer = ConvArithmeticExplorer(n=5, f=3, pad=1, stride=1)
    assert explorer.numbers["out"] == 5 and "'same'" in explorer.message.value


def test_shrinking_the_output_clamps_the_position():
    explorer = ConvArithmeticExplorer(n=8, f=3, pad=0, stride=1, position=35)  # out = 6
    assert explorer.position.value == 35
    explorer.stride.value = 3  # out = 2
    assert explorer.position.max == 3 and explorer.position.value == 3
    assert explorer.window.get_xy() == (3 - 0.5, 3 - 0.5)


def test_a_filter_larger_than_the_input_gives_a_message_not_an_exception():
    explorer = ConvArithmeticExplorer(n=4, f=3, pad=0, stride=1)
    explorer.f.value = 7
    assert "larger than the 4×4 padded input" in explorer.message.value
    assert explorer.numbers["out"] == 0 and explorer.position.disabled
    assert not explorer.window.get_visible()
    explorer.pad.value = 2  # 8×8 padded: fits again
    assert explorer.numbers["out"] == 2 and explorer.window.get_visible() and not explorer.position.disabled


def test_arithmetic_matches_the_formula_everywhere():
    for n in range(1, 13):
        for f in range(1, 8):
            for p in range(4):
                for s in range(1, 5):
                    got = arithmetic(n, f, p, s)
                    if n + 2 * p < f:
                        assert got["out"] == 0
                    else:
                        assert got["out"] == (n + 2 * p - f) // s + 1
                        assert got["leftover"] == (n + 2 * p - f) % s


def test_callback_cost():
    explorer = ConvArithmeticExplorer(n=12, f=3, pad=1, stride=1)
    start = time.perf_counter()
    for position in range(10):
        explorer.position.value = position
    per_update = (time.perf_counter() - start) / 10
    print(f"conv arithmetic explorer update: {per_update * 1000:.0f} ms")  # reported, not asserted


# ---------------------------------------------------------------- the student's conv_output_size over the grid


def output_size(n, f, pad=0, stride=1):
    return (n + 2 * pad - f) // stride + 1


def test_a_correct_output_size_agrees_on_every_slider():
    explorer = ConvArithmeticExplorer(n=8, f=3, pad=0, stride=2, conv_output_size=output_size)
    for control, value in (("stride", 3), ("pad", 2), ("f", 5), ("n", 11)):
        getattr(explorer, control).value = value
        assert not explorer.outcome.wrong
        assert explorer.your_square.get_width() == explorer.numbers["out"]
        assert explorer.caption.get_text() == "your conv_output_size agrees with the formula (dashed square: yours)"


def test_true_division_is_marked_where_the_stride_does_not_fit():
    def true_division(n, f, pad=0, stride=1):
        return (n + 2 * pad - f) / stride + 1

    explorer = ConvArithmeticExplorer(n=7, f=3, pad=0, stride=2, conv_output_size=true_division)
    assert not explorer.outcome.wrong  # (7 − 3) / 2 + 1 = 3 exactly
    explorer.n.value = 8
    assert explorer.outcome.differs and explorer.outcome.index == ()
    assert explorer.caption.get_text() == "your conv_output_size(8, 3, 0, 2) = 3.5; the formula gives 3 (dashed: yours)"
    assert explorer.your_square.get_width() == 3.5
    assert "= 3.5; the formula gives 3" in explorer.message.value
    assert explorer.your_square.get_edgecolor()[:3] == pytest.approx((0xD6 / 255, 0x27 / 255, 0x28 / 255))
    assert explorer.ax_out.get_xlim() == (-0.5, 3.5)  # the grid widened to show yours


def test_a_raising_output_size_is_reported_and_an_unwritten_one_falls_back():
    def broken(n, f, pad=0, stride=1):
        return n + 2 * padding - f  # noqa: F821

    explorer = ConvArithmeticExplorer(conv_output_size=broken)
    assert "raised NameError: name 'padding' is not defined" in explorer.caption.get_text()
    assert not explorer.your_square.get_visible()
    image = explorer.panel.image.value
    explorer.stride.value = 1
    assert explorer.panel.image.value != image

    def conv_output_size(n, f, pad=0, stride=1):
        raise NotImplementedError()

    explorer = ConvArithmeticExplorer(conv_output_size=conv_output_size)
    assert explorer.caption.get_text() == "conv_output_size is not written yet: the reference draws"
    assert explorer.numbers["out"] == 3
