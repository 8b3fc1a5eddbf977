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


# ---------------------------------------------------------------- the student's error_gaps and diagnose


def error_gaps(human, train, train_dev, dev, test=None):
    last = np.nan if test is None else test - dev
    return np.array([train - human, train_dev - train, dev - train_dev, last], dtype=float)


def error_gaps_mismatch_reversed(human, train, train_dev, dev, test=None):
    """A typical slip: the mismatch gap subtracted the wrong way round (train-dev − dev)."""
    return np.array([train - human, train_dev - train, train_dev - dev, np.nan])


def diagnose(human, train, train_dev, dev, test=None):
    gaps = error_gaps(human, train, train_dev, dev, test)[:3]
    flags = np.zeros(4, dtype=int)
    flags[:3] = (gaps > 0) & (gaps >= gaps.max() / 2)
    return flags


def diagnose_largest_only(human, train, train_dev, dev, test=None):
    """A typical misreading of the rule: only the largest gap is flagged."""
    flags = np.zeros(4, dtype=int)
    flags[int(np.argmax(error_gaps(human, train, train_dev, dev)[:3]))] = 1
    return flags


def test_correct_functions_draw_with_no_difference():
    explorer = ErrorCurveExplorer(error_gaps=error_gaps, diagnose=diagnose)
    for k in (1, 9, 80):
        explorer.capacity.value = k
        assert explorer.marked is None
        levels = [explorer.bayes, *explorer.errors]
        for i, band in enumerate(explorer.your_bands):
            np.testing.assert_allclose(band.get_ydata(), levels[i : i + 2])
        assert explorer.captions["error_gaps"].get_text() == "your error_gaps agrees with the reference"
        assert explorer.captions["diagnose"].get_text().startswith("your diagnose agrees with the reference")
        assert all(c.get_color() == "#555" for c in explorer.captions.values())


def test_a_reversed_mismatch_gap_is_boxed_at_the_mismatch_band():
    explorer = ErrorCurveExplorer(k=9, error_gaps=error_gaps_mismatch_reversed)
    assert explorer.marked == 2 and explorer.outcomes["error_gaps"].index == (2,)
    assert explorer.band_labels[2].get_bbox_patch().get_edgecolor()[:3] == (214 / 255, 39 / 255, 40 / 255)
    assert explorer.band_labels[1].get_bbox_patch().get_edgecolor()[3] == 0  # only the first difference is boxed
    caption = explorer.captions["error_gaps"]
    assert "differs first at gap 2 (data mismatch)" in caption.get_text() and caption.get_color() == "#d62728"
    bottom, top = explorer.your_bands[2].get_ydata()
    assert top < bottom  # drawn as the student computed it: downwards
    assert "differs first at gap 2" in explorer.message.value


def test_flagging_only_the_largest_gap_is_marked_where_two_problems_are_close():
    explorer = ErrorCurveExplorer(k=9, train_size=1097, diagnose=diagnose_largest_only)
    assert explorer.marked is None  # one gap dominates here: the two rules agree
    explorer.capacity.value = 80  # avoidable bias 6.7 and data mismatch 9.5: both are flagged
    assert explorer.marked == 0 and explorer.outcomes["diagnose"].index == (0,)
    assert explorer.captions["diagnose"].get_text() == (
        "your diagnose does not flag avoidable bias; the reference does"
    )


def test_a_raising_function_shows_its_message_and_the_reference_keeps_drawing():
    def error_gaps(human, train, train_dev, dev, test=None):
        return np.array([train - human, train_dev - train, dev - train_dev, test - dev])

    explorer = ErrorCurveExplorer(error_gaps=error_gaps)
    text = explorer.captions["error_gaps"].get_text()
    assert text.startswith("your error_gaps raised TypeError: unsupported operand")
    assert all(len(band.get_xdata()) == 0 for band in explorer.your_bands)
    image = explorer.panel.image.value
    explorer.capacity.value = 3
    assert explorer.panel.image.value != image and explorer.errors is not None


def test_not_written_yet_and_a_wrong_shape():
    def diagnose(human, train, train_dev, dev, test=None):
        raise NotImplementedError()

    def error_gaps(human, train, train_dev, dev, test=None):
        return np.array([train - human, train_dev - train, dev - train_dev])

    explorer = ErrorCurveExplorer(error_gaps=error_gaps, diagnose=diagnose)
    assert explorer.captions["diagnose"].get_text() == "diagnose is not written yet: the reference draws"
    assert explorer.captions["diagnose"].get_color() == "#555"
    assert "returned shape (3,); the reference's is (4,)" in explorer.captions["error_gaps"].get_text()
    assert "not written yet" in explorer.message.value
