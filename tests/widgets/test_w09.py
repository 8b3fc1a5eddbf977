"""Week 9 explorer: every control changes the histograms, and batch norm pins the unit's statistics."""

import time

import numpy as np
import pytest

from helpers.widgets.w09 import LEARNING_RATES, SNAPSHOT, STEPS, PreactivationExplorer


@pytest.fixture(scope="module")
def explorer():
    return PreactivationExplorer(lr=0.1, layer=2, unit=0, step=100)


def heights(explorer, side):
    return np.asarray(explorer.hists[side].get_data().values).copy()


def test_builds_with_both_learning_rates_recorded(explorer):
    for rate in LEARNING_RATES:
        record = explorer.records[rate]
        assert record[False].shape[:2] == record[True].shape[:2] == (STEPS // SNAPSHOT + 1, 3)
        assert record["before"].shape == record[True].shape
    assert explorer.panel.renders >= 1 and explorer.panel.image.value


def test_the_step_slider_moves_the_histograms_and_the_marker(explorer):
    explorer.step.value = 0
    image, left, right = explorer.panel.image.value, heights(explorer, 0), heights(explorer, 1)
    explorer.step.value = 150
    assert explorer.panel.image.value != image
    assert not np.array_equal(heights(explorer, 0), left) and not np.array_equal(heights(explorer, 1), right)
    assert explorer.marker.get_xdata()[0] == 150
    assert heights(explorer, 0).sum() == 256 and heights(explorer, 1).sum() == 256  # every probe image counted


def test_unit_and_layer_change_the_curves_and_limits(explorer):
    explorer.step.value = 100
    before = explorer.lines[False][0].get_ydata().copy()
    explorer.unit.value = 5
    after = explorer.lines[False][0].get_ydata().copy()
    assert not np.allclose(before, after)
    explorer.layer.value = 3
    assert not np.allclose(explorer.lines[False][0].get_ydata(), after)
    lo, hi = explorer.axes[0].get_xlim()
    values = explorer.records[explorer.lr.value][False][10, 2, :, 5]
    assert lo <= np.percentile(values, 5) and hi >= np.percentile(values, 95)


def test_batch_norm_keeps_the_spread_while_the_plain_network_dies_at_lr_1(explorer):
    explorer.lr.value = 1.0
    explorer.layer.value = 3
    explorer.step.value = STEPS
    record = explorer.records[1.0]
    plain, normed = record[False][-1, 2], record[True][-1, 2]
    assert np.mean(np.all(plain <= 0, axis=0)) > 0.5  # most units of layer 3 are dead
    assert np.mean(np.all(normed <= 0, axis=0)) < 0.2
    (m0, s0), (m1, s1) = explorer.stats
    assert s1 > 0.3 and "β and |γ|" in explorer.message.value


def test_the_before_checkbox_shows_the_outline(explorer):
    explorer.before.value = True
    assert explorer.before_hist.get_visible()
    assert len(explorer.axes[1].get_legend().get_texts()) == 2
    explorer.before.value = False
    assert not explorer.before_hist.get_visible()


def test_callback_cost(explorer, capsys):
    timings = {}
    for name, control, values in (
        ("step", explorer.step, [0, 50, 100, 150, 200, 10, 60]),
        ("unit", explorer.unit, [1, 2, 3, 4]),
        ("layer", explorer.layer, [1, 2, 3, 1]),
    ):
        start = time.perf_counter()
        for v in values:
            control.value = v
        timings[name] = (time.perf_counter() - start) / len(values)
    with capsys.disabled():
        print("\npre-activation explorer update: " + ", ".join(f"{k} {v * 1000:.0f} ms" for k, v in timings.items()))
