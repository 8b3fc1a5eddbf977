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


# --------------------------------------------------------------------------- word vectors


def test_word_vectors_picking_a_group_projects_its_words():
    from helpers import word2vec
    from helpers.widgets.w11 import WordVectorExplorer

    corpus = word2vec.planted_corpus()
    explorer = WordVectorExplorer(query="paris", analogy="king - man + woman")
    image, coords = explorer.panel.image.value, explorer.coords.copy()
    assert "reference functions" in explorer.message.value
    assert corpus.vocab[explorer.answer] == "queen"
    assert [corpus.vocab[i] for i in explorer.shown[:4]] == ["king", "queen", "prince", "princess"]
    explorer.group.value = "countries"
    assert explorer.panel.image.value != image
    assert corpus.index["tokyo"] in explorer.shown and explorer.coords.shape != coords.shape
    assert explorer.labels[0].get_text() == "france"


def test_word_vectors_typing_a_word_and_an_analogy():
    from helpers import word2vec
    from helpers.widgets.w11 import WordVectorExplorer, reference_vectors

    corpus = word2vec.planted_corpus()
    explorer = WordVectorExplorer(reference_vectors(), query="paris")
    assert "reference functions" not in explorer.message.value  # vectors were given
    image = explorer.panel.image.value
    explorer.query.value = "crown"
    assert explorer.panel.image.value != image
    assert {corpus.vocab[i] for i in explorer.neighbours[:2]} <= {"throne", "reign", "king", "queen"}
    assert "nearest to <b>crown</b>" in explorer.message.value
    explorer.analogy.value = "tokyo - japan + france"
    assert corpus.vocab[explorer.answer] == "paris"
    b, a = explorer.sides[0].get_data()[0]  # the segment b -> a starts at japan
    assert np.isclose(b, explorer.coords[explorer.shown.index(corpus.index["japan"])][0])


def test_word_vectors_bad_input_gives_a_message():
    from helpers.widgets.w11 import WordVectorExplorer

    explorer = WordVectorExplorer(np.zeros((3, 2)))  # the wrong shape: reference vectors, and it says why
    assert "shape (3, 2)" in explorer.message.value
    explorer.query.value = "pari"
    assert "unknown word 'pari'" in explorer.message.value
    explorer.analogy.value = "king man woman"
    assert "a - b + c" in explorer.message.value
    assert not explorer.sides[0].get_visible()
    explorer.analogy.value = "king - man + wombat"
    assert "unknown word: wombat" in explorer.message.value


def _your_ops(**changed):
    functions = {name: getattr(reverser.REFERENCE_OPS, name) for name in vars(reverser.REFERENCE_OPS)}
    return reverser.ops(**(functions | changed))


def test_the_students_functions_draw_the_heads_and_agree(model):
    explorer = HeadViewExplorer(model, ops=_your_ops(), text="314159")
    assert explorer.outcome.yours and not explorer.outcome.differs and not explorer.difference.get_visible()
    assert "agree with the reference" in explorer.title.get_text()


def test_a_layer_norm_over_the_wrong_axis_is_framed_at_its_first_different_weight(model):
    def over_positions(x, gamma, beta, eps=1e-5):  # a typical mistake: the statistics over T, not D
        mu = x.mean(axis=1, keepdims=True)
        var = x.var(axis=1, keepdims=True)
        return (x - mu) / np.sqrt(var + eps) * gamma + beta

    explorer = HeadViewExplorer(model, ops=_your_ops(layer_norm=over_positions), text="314159")
    layer, head, q, k = explorer.outcome.index
    assert (layer, head) == (0, 0) and k <= q  # the first head reads the wrongly normalized input
    assert explorer.difference.get_visible()
    assert explorer.difference.get_xy() == (head * (T + 1) + k - 0.5, layer * (T + 1) + q - 0.5)
    assert "differs first at layer 1, head 1" in explorer.title.get_text()
    assert np.allclose(explorer.weights, explorer.outcome.value)  # the student's weights are drawn
