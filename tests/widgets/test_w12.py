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
    assert yours.yours and calls[-1] == 0.3 and "reference functions" not in yours.message.value
    fallback = ShrinkExplorer(prune, broken, efficient.dequantize.unguarded)
    assert not fallback.yours and "reference functions" in fallback.message.value
    assert "reference functions" in ShrinkExplorer().message.value


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
    assert "reference backward" in explorer.message.value


def test_the_receptive_field_view_runs_the_students_backward():
    calls = []

    def backward(dout, x, w, b, dilation=1):
        calls.append(dilation)
        return efficient.causal_conv1d_backward.unguarded(dout, x, w, b, dilation)

    explorer = ReceptiveFieldExplorer(backward, layers=3)
    assert explorer.yours and calls[-3:] == [4, 2, 1] and "reference" not in explorer.message.value
