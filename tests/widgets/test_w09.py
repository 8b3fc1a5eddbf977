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


# ---------------------------------------------------------------- the student's batchnorm_forward


def batchnorm_forward(x, gamma, beta, mode="train", running_mean=None, running_var=None, momentum=0.9, eps=1e-5):
    D = x.shape[1]
    running_mean = np.zeros(D) if running_mean is None else running_mean
    running_var = np.ones(D) if running_var is None else running_var
    mean, var = x.mean(axis=0), x.var(axis=0)
    out = gamma * (x - mean) / np.sqrt(var + eps) + beta
    return out, momentum * running_mean + (1 - momentum) * mean, momentum * running_var + (1 - momentum) * var


def batchnorm_over_features(x, gamma, beta, mode="train", running_mean=None, running_var=None, momentum=0.9, eps=1e-5):
    """The typical mistake: the statistics of each image (axis 1) instead of each feature over the batch."""
    mean, var = x.mean(axis=1, keepdims=True), x.var(axis=1, keepdims=True)
    return gamma * (x - mean) / np.sqrt(var + eps) + beta, np.zeros(x.shape[1]), np.ones(x.shape[1])


def test_a_correct_batchnorm_forward_draws_its_histogram_with_no_difference():
    explorer = PreactivationExplorer(lr=1.0, layer=3, unit=5, step=50, batchnorm_forward=batchnorm_forward)
    assert explorer.marked is None and not explorer.mark.get_visible() and explorer.your_hist.get_visible()
    np.testing.assert_allclose(explorer.yours, explorer.records[1.0][True][5, 2, :, 5], rtol=1e-4, atol=1e-4)
    np.testing.assert_array_equal(explorer.your_hist.get_data().values, heights(explorer, 1))
    assert "agrees with the reference" in explorer.caption.get_text()
    explorer.step.value = 150
    assert explorer.marked is None and explorer.outcome.index is None


def test_batch_norm_over_the_wrong_axis_is_marked_at_the_first_image():
    explorer = PreactivationExplorer(lr=0.1, layer=2, unit=3, step=100, batchnorm_forward=batchnorm_over_features)
    got = explorer.outcome.value[:, 3]
    assert explorer.marked == 0 and explorer.outcome.index == (0, 0)
    assert explorer.mark.get_visible() and tuple(explorer.mark.get_xdata()) == (got[0], got[0])
    assert "differs first at image 0 of unit 3" in explorer.caption.get_text()
    assert explorer.caption.get_color() == "#d62728" and "differs first" in explorer.message.value
    image = explorer.panel.image.value
    explorer.unit.value = 7
    assert "of unit 7" in explorer.caption.get_text() and explorer.panel.image.value != image


def test_a_raising_function_shows_its_message_and_the_reference_keeps_drawing():
    def batchnorm_forward(x, gamma, beta, mode="train", running_mean=None, running_var=None, momentum=0.9, eps=1e-5):
        mean = x.mean(axis=1)  # (N,) against x (N, D): numpy cannot broadcast
        return (x - mean) * gamma + beta, running_mean, running_var

    explorer = PreactivationExplorer(step=20, batchnorm_forward=batchnorm_forward)
    assert "raised ValueError: operands could not be broadcast" in explorer.caption.get_text()
    assert not explorer.your_hist.get_visible() and explorer.yours is None
    left = heights(explorer, 1)
    explorer.step.value = 180
    assert not np.array_equal(heights(explorer, 1), left)


def test_a_single_array_and_nan_are_reported():
    def out_only(x, gamma, beta, *args, **kwargs):
        return batchnorm_forward(x, gamma, beta)[0]

    def no_eps(x, gamma, beta, *args, **kwargs):
        return batchnorm_forward(x, gamma, beta, eps=0.0 * np.nan)

    assert (
        "not (out, running_mean, running_var)" in PreactivationExplorer(batchnorm_forward=out_only).caption.get_text()
    )
    assert "returned nan at index (0, 0)" in PreactivationExplorer(batchnorm_forward=no_eps).caption.get_text()


def test_not_written_yet_falls_back_to_the_reference():
    def batchnorm_forward(x, gamma, beta, mode="train", running_mean=None, running_var=None, momentum=0.9, eps=1e-5):
        raise NotImplementedError()

    explorer = PreactivationExplorer(batchnorm_forward=batchnorm_forward)
    assert explorer.caption.get_text() == "batchnorm_forward is not written yet: the reference draws"
    assert explorer.caption.get_color() == "#555" and not explorer.your_hist.get_visible()
    explorer.step.value = 40
    assert "not written yet" in explorer.message.value
