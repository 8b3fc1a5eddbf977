"""Week 1 explorer: every control changes the figure and the numbers it shows."""

import time

import numpy as np

from helpers.widgets.w01 import SoftmaxExplorer, parse_logits


def test_temperature_changes_probabilities_and_redraws():
    explorer = SoftmaxExplorer(logits=(2.0, 1.0, 0.0))
    image, heights = explorer.panel.image.value, [b.get_height() for b in explorer.bars]
    np.testing.assert_allclose(heights, np.exp([2, 1, 0]) / np.exp([2, 1, 0]).sum())
    explorer.temperature.value = 0.1
    assert explorer.panel.image.value != image
    assert explorer.bars[0].get_height() > 0.99
    explorer.temperature.value = 100.0
    np.testing.assert_allclose([b.get_height() for b in explorer.bars], 1 / 3, atol=0.01)


def test_typing_logits_changes_the_number_of_bars():
    explorer = SoftmaxExplorer()
    explorer.logits.value = "1, 2, 3, 4, 5"
    assert len(explorer.bars) == 5
    np.testing.assert_allclose(sum(b.get_height() for b in explorer.bars), 1.0)
    assert "class 4" in explorer.message.value


def test_bad_text_gives_a_message_and_keeps_the_last_figure():
    explorer = SoftmaxExplorer()
    image = explorer.panel.image.value
    explorer.logits.value = "one, two"
    assert "could not read" in explorer.message.value
    assert explorer.panel.image.value == image
    explorer.logits.value = "1"
    assert "between 2 and 12" in explorer.message.value
    assert parse_logits("1; 2 3").tolist() == [1.0, 2.0, 3.0]


def test_callback_cost(capsys):
    explorer = SoftmaxExplorer()
    start = time.perf_counter()
    for t in np.geomspace(0.1, 10, 10):
        explorer.temperature.value = float(t)
    per_update = (time.perf_counter() - start) / 10
    print(f"softmax explorer update: {per_update * 1000:.0f} ms")  # reported, not asserted
    assert explorer.panel.renders >= 11
