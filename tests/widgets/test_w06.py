"""Week 6 explorer: both sliders change the curves, the bands and the numbers shown."""

import time

import numpy as np

from helpers import strategy
from helpers.widgets.w06 import KS, SIZES, ErrorCurveExplorer, knn_error_table


def test_table_shape_and_known_values():
    table = knn_error_table()
    assert table.shape == (len(SIZES), len(KS), 3)
    assert np.all(table[:, 0, 0] == 0.0)  # 1-NN memorizes its training set
    assert np.isnan(table[0, KS.index(128)]).all()  # k > 100 training images
    full = table[-1]
    assert full[KS.index(9), 2] - full[KS.index(9), 1] > 8  # a clear mismatch at moderate k


def test_capacity_slider_moves_bands_and_message():
    explorer = ErrorCurveExplorer(k=9)
    image, renders = explorer.panel.image.value, explorer.panel.renders
    assert "data mismatch" in explorer.message.value
    explorer.capacity.value = 1
    assert explorer.panel.image.value != image and explorer.panel.renders == renders + 1
    table = knn_error_table()[-1, KS.index(1)]
    np.testing.assert_allclose(explorer.errors, table)
    np.testing.assert_allclose(explorer.gaps, np.diff([10.0, *table]))
    assert "variance" in explorer.message.value
    band = explorer.bands[1]  # the variance band spans train → train-dev
    np.testing.assert_allclose(band.get_ydata(), table[:2])
    np.testing.assert_allclose(band.get_xdata(), [1.0, 1.0])
    assert explorer.band_labels[1].get_text().startswith("variance +")
    flags = strategy.diagnose(10.0, *table)
    for name in strategy.problem_names(flags):
        assert name in explorer.message.value


def test_train_size_slider_updates_the_curves_not_the_artists():
    explorer = ErrorCurveExplorer()
    lines = dict(explorer.lines)
    before = explorer.lines["train-dev"].get_ydata().copy()
    explorer.train_size.value = 200
    assert explorer.lines == lines  # the same artists, updated in place
    after = explorer.lines["train-dev"].get_ydata()
    np.testing.assert_allclose(after, knn_error_table()[SIZES.index(200), :, 1])
    assert not np.allclose(before, after)
    assert "200 training images" in explorer.message.value


def test_k_larger_than_the_training_set_gives_a_message():
    explorer = ErrorCurveExplorer()
    explorer.train_size.value = 100
    explorer.capacity.value = 128
    assert "needs at least 128 training images" in explorer.message.value
    assert explorer.errors is None
    explorer.capacity.value = 9
    assert explorer.errors is not None and "k = 9" in explorer.message.value


def test_callback_cost():
    explorer = ErrorCurveExplorer()
    start = time.perf_counter()
    for k in KS[:8]:
        explorer.capacity.value = k
    per_update = (time.perf_counter() - start) / 8
    print(f"error-curve explorer update: {per_update * 1000:.0f} ms")  # reported, not asserted
    assert explorer.panel.renders >= 9
