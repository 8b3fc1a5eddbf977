"""Week 11 explorer: typing digits redraws every head of both layers; the slider frames one query row."""

import time

import numpy as np
import pytest

from helpers import reverser
from helpers.widgets.w11 import HEADS, LAYERS, HeadViewExplorer, T, reference_model


@pytest.fixture(scope="module")
def model():
    return reference_model()


def test_new_digits_redraw_every_head_and_the_reversal(model):
    explorer = HeadViewExplorer(model, text="314159")
    image, weights = explorer.panel.image.value, explorer.weights.copy()
    assert explorer.weights.shape == (LAYERS, HEADS, T, T)
    assert explorer.written == "951413"  # the reference model reverses it
    explorer.text.value = "270418"
    assert explorer.panel.image.value != image
    assert not np.array_equal(explorer.weights, weights)
    assert np.allclose(explorer.weights.sum(axis=-1), 1.0)
    assert np.all(np.triu(explorer.weights, k=1) == 0)  # the causal mask: nothing above the diagonal
    expected = reverser.generate(model, np.array([[2, 7, 0, 4, 1, 8, reverser.SEPARATOR]]))[0, 7:]
    assert explorer.written == "".join(map(str, expected))
    assert explorer.tokens == list("270418|") + list(explorer.written[:5])
    assert "<b>|</b>" in explorer.message.value


def test_the_slider_frames_the_query_row_in_every_panel(model):
    explorer = HeadViewExplorer(model)
    image = explorer.panel.image.value
    explorer.query.value = 3
    assert explorer.panel.image.value != image
    assert all(frame.get_y() % (T + 1) == 3 - 0.5 for frame in explorer.frames)
    looked = int(np.argmax(explorer.weights[0, 0, 3]))
    assert f"L1H1 → {looked}" in explorer.message.value


def test_without_a_model_it_says_it_uses_the_reference_one():
    explorer = HeadViewExplorer()
    assert "reference functions" in explorer.message.value


def test_functions_that_raise_fall_back_to_the_reference_ones_and_say_so(model):
    def not_written(*args):
        raise NotImplementedError()

    ops = reverser.ops(not_written, not_written, not_written, not_written, not_written)
    explorer = HeadViewExplorer(model, ops=ops)
    assert "yours raised NotImplementedError" in explorer.message.value
    assert explorer.written == "951413"


def test_bad_input_gives_a_message_and_keeps_the_picture(model):
    explorer = HeadViewExplorer(model)
    image = explorer.panel.image.value
    explorer.text.value = "12a456"
    assert "exactly 6 digits" in explorer.message.value
    explorer.text.value = "1234567"
    assert explorer.panel.image.value == image


def test_callback_cost(model, capsys):
    explorer = HeadViewExplorer(model)
    start = time.perf_counter()
    for text in ("000000", "123456", "999111", "504030", "887766"):
        explorer.text.value = text
    per_update = (time.perf_counter() - start) / 5
    with capsys.disabled():
        print(f"\nhead view update: {per_update * 1000:.0f} ms")  # reported, not asserted
    assert explorer.panel.renders >= 6
