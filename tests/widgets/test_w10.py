"""Week 10 explorer: typing a date redraws the attention matrix, the framed choices and both models' outputs."""

import time

import numpy as np
import pytest

from helpers import dates, translator
from helpers.widgets.w10 import AttentionExplorer, reference_models


@pytest.fixture(scope="module")
def models():
    return reference_models()


def test_a_new_date_redraws_the_matrix_and_the_outputs(models):
    explorer = AttentionExplorer(*models, text="25th of December 2026")
    image, matrix = explorer.panel.image.value, explorer.matrix.copy()
    assert explorer.outputs[0] == "2026-12-25"
    explorer.text.value = "dec 3 99"
    assert explorer.panel.image.value != image
    assert explorer.matrix.shape == (dates.OUTPUT_LENGTH, len("dec 3 99"))
    assert not np.array_equal(explorer.matrix, matrix[:, :8])
    assert np.allclose(explorer.matrix.sum(axis=1), 1.0)
    ids, mask = dates.encode_inputs(["dec 3 99"])
    expected = dates.decode_outputs(translator.greedy_decode(models[0], ids, mask)[0])[0]
    assert explorer.outputs[0] == expected
    assert [label.get_text() for label in explorer.axes.get_xticklabels()] == list("dec␣3␣99")


def test_the_frames_mark_each_steps_largest_weight(models):
    explorer = AttentionExplorer(*models, text="Friday, 25/12/2026")
    for t, frame in enumerate(explorer.frames):
        assert frame.get_x() + 0.5 == int(np.argmax(explorer.matrix[t]))


def test_the_model_without_attention_is_shown_beside(models):
    explorer = AttentionExplorer(*models, text="March 3, 1987")
    right = [label.get_text() for label in explorer.plain.get_yticklabels()]
    assert "".join(right) == explorer.outputs[1]
    assert explorer.confidence.shape == (dates.OUTPUT_LENGTH, 2)
    assert explorer.outputs[1] in explorer.message.value


def test_bad_input_gives_a_message_and_keeps_the_picture(models):
    explorer = AttentionExplorer(*models)
    image = explorer.panel.image.value
    explorer.text.value = "25 décembre 2026"
    assert "not in the input alphabet" in explorer.message.value
    explorer.text.value = "x" * 40
    assert "at most 32 characters" in explorer.message.value
    explorer.text.value = ""
    assert explorer.panel.image.value == image


def test_callback_cost(models, capsys):
    explorer = AttentionExplorer(*models)
    texts = ["1 jan 99", "2049/01/31", "Mon 2 Feb 1970", "12.5.2011", "the 4th of july, 2001"]
    start = time.perf_counter()
    for text in texts:
        explorer.text.value = text
    per_update = (time.perf_counter() - start) / len(texts)
    with capsys.disabled():
        print(f"\nattention explorer update: {per_update * 1000:.0f} ms")  # reported, not asserted
    assert explorer.panel.renders >= len(texts) + 1
