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


def _no_sqrt_d(q, K, V, mask):  # a typical mistake: the scores are not divided by √d
    scores = np.where(mask[:, None, :] > 0, q @ K.transpose(0, 2, 1), -np.inf)
    e = np.exp(scores - scores.max(axis=2, keepdims=True))
    a = e / e.sum(axis=2, keepdims=True)
    return a @ V, a


def test_the_students_attention_draws_beside_the_reference(models):
    from helpers import seq2seq

    explorer = AttentionExplorer(*models, text="dec 3 99", attention=seq2seq.attention.unguarded)
    assert explorer.outcome.yours and not explorer.outcome.differs
    assert explorer.reference_dots.get_visible() and not explorer.difference.get_visible()
    assert "agrees with the reference" in explorer.message.value


def test_a_wrong_attention_is_framed_at_its_first_different_weight(models):
    explorer = AttentionExplorer(*models, text="dec 3 99", attention=_no_sqrt_d)
    assert explorer.outcome.output == 1 and explorer.outcome.index == (0, 0, 0)  # weights first: what is drawn
    assert explorer.difference.get_visible() and explorer.difference.get_xy() == (-0.5, -0.5)
    assert "differs first at step 0, input 0" in explorer.axes.get_title()
    _, yours = _no_sqrt_d(*_states(explorer, models))
    assert np.allclose(explorer.matrix, yours[0])  # the student's weights are what is drawn


def _states(explorer, models):
    """The decoder's states of every step (as the explorer passed them) and the encoder's keys."""
    ids, mask = dates.encode_inputs([explorer.text.value])
    queries = []
    translator.greedy_decode(models[0], ids, mask, explorer._recording(queries))
    return np.concatenate([q[0] for q in queries], axis=1), queries[0][1], queries[0][2], mask


def test_a_raising_or_unwritten_attention_leaves_the_reference_drawing(models):
    def raises(q, K, V, mask):
        raise IndexError("tuple index out of range")

    def unwritten(q, K, V, mask):
        raise NotImplementedError

    explorer = AttentionExplorer(*models, attention=raises)
    assert "your attention raised IndexError: tuple index out of range" in explorer.axes.get_title()
    explorer.text.value = "1 jan 99"  # the controls stay live, the reference draws
    assert explorer.outputs[0] == "1999-01-01" and np.allclose(explorer.matrix.sum(axis=1), 1.0)
    quiet = AttentionExplorer(*models, attention=unwritten)
    assert "attention is not written yet: the reference draws" in quiet.message.value
    assert not quiet.difference.get_visible()
