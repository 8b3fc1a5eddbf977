"""Week 1 explorer: every control changes the figure and the numbers it shows."""

import time

import numpy as np
import pytest

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


# ---------------------------------------------------------------- the student's softmax beside the reference


def stable_softmax(z):
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def test_a_correct_softmax_draws_over_the_bars_with_no_difference():
    explorer = SoftmaxExplorer(logits=(8.0, 4.0, 1.0, -2.0), softmax=stable_softmax)
    explorer.temperature.value = 0.01
    assert not explorer.outcome.wrong and explorer.outcome.index is None
    assert not explorer.mark.get_visible()
    np.testing.assert_allclose(explorer.your_tops.get_ydata(), [b.get_height() for b in explorer.bars])
    assert explorer.caption.get_text() == "your softmax agrees with the reference"


def test_softmax_without_the_maximum_subtracted_overflows_and_its_class_is_boxed():
    def naive(z):
        e = np.exp(z)
        return e / e.sum(axis=-1, keepdims=True)

    explorer = SoftmaxExplorer(logits=(1.0, 8.0, 4.0, -2.0), softmax=naive)
    assert not explorer.outcome.wrong  # exp(8) is fine at T = 1
    image = explorer.panel.image.value
    explorer.temperature.value = 0.01  # exp(800) overflows: inf / inf at the largest logit
    assert explorer.outcome.nonfinite_index == (0, 1)
    assert explorer.mark.get_visible() and explorer.mark.get_x() == pytest.approx(1 - 0.48)
    assert "class 1" in explorer.caption.get_text() and "subtract the row max" in explorer.caption.get_text()
    assert explorer.caption.text.get_color() == "#d62728"
    assert explorer.panel.image.value != image
    assert explorer.bars[1].get_height() == pytest.approx(1.0)  # the reference keeps drawing


def test_softmax_summed_over_the_wrong_axis_is_marked_at_its_first_class():
    def wrong_axis(z):
        e = np.exp(z - z.max(axis=-1, keepdims=True))
        return e / e.sum(axis=0, keepdims=True)  # over the samples: every entry of one row becomes 1

    explorer = SoftmaxExplorer(logits=(2.0, 1.0, 0.1), softmax=wrong_axis)
    assert explorer.outcome.index == (0, 0)
    assert explorer.caption.get_text().startswith("your softmax differs first at class 0: yours 1")
    assert explorer.mark.get_visible()


def test_a_raising_softmax_shows_its_message_and_the_controls_stay_live():
    def broken(z):
        raise ValueError("operands could not be broadcast together")

    explorer = SoftmaxExplorer(softmax=broken)
    assert "raised ValueError: operands could not be broadcast together" in explorer.caption.get_text()
    renders = explorer.panel.renders
    explorer.temperature.value = 2.0
    assert explorer.panel.renders == renders + 1
    assert len(explorer.your_tops.get_xdata()) == 0
    np.testing.assert_allclose(sum(b.get_height() for b in explorer.bars), 1.0)


def test_an_unwritten_softmax_falls_back_to_the_reference():
    def softmax(z):
        raise NotImplementedError()

    explorer = SoftmaxExplorer(logits=(2.0, 1.0, 0.0), softmax=softmax)
    assert explorer.caption.get_text() == "softmax is not written yet: the reference draws"
    assert explorer.caption.text.get_color() == "#666666"
    np.testing.assert_allclose([b.get_height() for b in explorer.bars], stable_softmax(np.array([2.0, 1.0, 0.0])))
