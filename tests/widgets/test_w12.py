"""Week 12 explorer: the sparsity and bits sliders redraw the histogram, the accuracy and the size."""

import time

import numpy as np

from helpers import compress, efficient
from helpers.widgets.w12 import ReceptiveFieldExplorer, ShrinkExplorer


def test_sparsity_prunes_and_redraws():
    explorer = ShrinkExplorer(sparsity=0.0, bits=32)
    image, counts, size = explorer.panel.image.value, explorer.counts.copy(), explorer.size
    explorer.sparsity.value = 0.9
    assert explorer.panel.image.value != image
    assert explorer.counts.sum() == round(0.1 * counts.sum())  # the histogram shows the weights kept
    assert explorer.size < size / 5
    params = compress.prune(compress.teacher(), 0.9)
    _, _, X_test, y_test = compress.digits()
    assert explorer.accuracy == compress.accuracy(params, X_test, y_test)
    assert f"{explorer.accuracy:.1%}" in explorer.message.value


def test_bits_quantize_and_redraw():
    explorer = ShrinkExplorer(sparsity=0.0, bits=32)
    image = explorer.panel.image.value
    explorer.bits.value = 2
    assert explorer.panel.image.value != image
    assert np.count_nonzero(explorer.counts) <= 2 * 4  # each matrix holds at most 4 distinct values
    assert "quantized to 2 bits" in explorer.message.value
    assert explorer.size == compress.model_bytes(explorer.shrunk(), 2, sparse=True)


def test_students_functions_are_used_and_a_broken_one_falls_back():
    calls = []

    def prune(w1, w2, sparsity):
        calls.append(sparsity)
        return efficient.magnitude_prune_global.unguarded(w1, w2, sparsity)

    def broken(*args):
        raise NotImplementedError

    yours = ShrinkExplorer(prune, efficient.quantize.unguarded, efficient.dequantize.unguarded, sparsity=0.3)
    assert yours.yours and calls[-1] == 0.3 and "agrees with the reference" in yours.message.value
    assert "agree with the reference" in yours.title.get_text() and not yours.marker.get_visible()
    fallback = ShrinkExplorer(prune, broken, efficient.dequantize.unguarded)
    assert not fallback.yours and "quantize → dequantize is not written yet" in fallback.message.value
    assert "not given: the reference draws" in ShrinkExplorer().message.value


def test_a_wrong_pruning_is_marked_at_its_first_different_weight():
    def keeps_one_too_many(w1, w2, sparsity):  # the pruned weight W1[0, 0] put back
        p1, p2 = efficient.magnitude_prune_global.unguarded(w1, w2, sparsity)
        p1 = p1.copy()
        p1[0, 0] = w1[0, 0]
        return p1, p2

    explorer = ShrinkExplorer(keeps_one_too_many, sparsity=0.9, bits=32)
    first = explorer.outcomes[0]
    assert first.index == (0, 0) and first.output == 0 and first.expected == 0.0
    assert "differs first at W1[0, 0]" in explorer.title.get_text() and explorer.marker.get_visible()
    assert explorer.marker.get_xdata()[0] == explorer.params["W1"][0, 0]  # at the weight's value in the histogram


def test_a_raising_quantizer_says_so_and_the_reference_draws():
    def quantize(w, bits):
        raise ValueError("bits must be 8")

    explorer = ShrinkExplorer(None, quantize, efficient.dequantize.unguarded, sparsity=0.5, bits=4)
    assert "your quantize → dequantize raised ValueError: bits must be 8" in explorer.title.get_text()
    assert explorer.shrunk()["W1"].tolist() == explorer.shrunk("reference")["W1"].tolist()
    explorer.bits.value = 3  # the controls stay live
    assert "raised ValueError" in explorer.message.value


def test_callback_cost(capsys):
    explorer = ShrinkExplorer()
    moves = [(0.2, 4), (0.8, 3), (0.95, 6), (0.6, 32), (0.7, 2)]  # every move changes both
    start = time.perf_counter()
    for sparsity, bits in moves:
        explorer.sparsity.value = sparsity
        explorer.bits.value = bits
    per_update = (time.perf_counter() - start) / (2 * len(moves))
    with capsys.disabled():
        print(f"\nshrink explorer update: {per_update * 1000:.0f} ms")  # reported, not asserted
    assert explorer.panel.renders >= 2 * len(moves) + 1


def test_the_receptive_field_view_lights_what_the_formula_counts():
    explorer = ReceptiveFieldExplorer(kernel_size=2, layers=4)
    image = explorer.panel.image.value
    assert explorer.field == efficient.receptive_field(2, [1, 2, 4, 8]) == 16
    assert explorer.reached.shape == (5, 64) and explorer.reached[-1].sum() == 1
    explorer.kernel_size.value = 3
    assert explorer.panel.image.value != image
    assert explorer.field == efficient.receptive_field(3, [1, 2, 4, 8])
    explorer.dilated.value = False
    assert explorer.field == 1 + 2 * 4 and "dilations 1, 1, 1, 1" in explorer.message.value
    explorer.layers.value = 6
    assert explorer.reached.shape == (7, 64) and explorer.field == 13
    assert "reference backward" in explorer.title.get_text() and "not given" in explorer.message.value


def test_the_receptive_field_view_runs_the_students_backward():
    calls = []

    def backward(dout, x, w, b, dilation=1):
        calls.append(dilation)
        return efficient.causal_conv1d_backward.unguarded(dout, x, w, b, dilation)

    explorer = ReceptiveFieldExplorer(backward, layers=3)
    assert explorer.yours and calls[-3:] == [4, 2, 1] and "agrees with the reference" in explorer.message.value
    assert not explorer.frame.get_visible()


def test_a_backward_that_ignores_the_dilation_is_framed_where_it_first_differs():
    def ignores_dilation(dout, x, w, b, dilation=1):
        return efficient.causal_conv1d_backward.unguarded(dout, x, w, b, 1)

    explorer = ReceptiveFieldExplorer(ignores_dilation, kernel_size=2, layers=4)
    # the top layer (dilation 8) sends the impulse at step 63 to 63 - 8 = 55 in the reference, to 62 in theirs
    assert explorer.outcomes[0].index == (0, 0, 55) and explorer.frame.get_visible()
    assert explorer.frame.get_xy() == (54.5, 2.5)  # row 3: the input of layer 4
    assert "differs first at layer 3, step 55" in explorer.title.get_text()
    assert explorer.field == 5 and "red: steps reached by only one" in explorer.message.value


def test_a_backward_returning_nan_or_the_wrong_shape_leaves_the_reference_drawing():
    def nan(dout, x, w, b, dilation=1):
        return np.full_like(x, np.nan), np.zeros_like(w), np.zeros_like(b)

    def short(dout, x, w, b, dilation=1):
        return x[..., 1:], w, b

    for student, says in ((nan, "returned nan at"), (short, "returned shape (1, 1, 63)")):
        explorer = ReceptiveFieldExplorer(student, layers=3)
        assert says in explorer.title.get_text() and explorer.field == efficient.receptive_field(2, [1, 2, 4])
        explorer.layers.value = 2  # the controls stay live
        assert says in explorer.message.value
