"""Week 3 explorer: every control changes the figure and the numbers it shows."""

import time

import numpy as np
import pytest

from helpers import images
from helpers.grading.w03 import correlate_valid
from helpers.widgets.w03 import PRESETS, KernelExplorer, parse_kernel


@pytest.fixture(scope="module")
def explorer():
    return KernelExplorer(photo="grace_hopper", preset="Sobel x", size=96)


def test_the_filtered_photo_is_the_cross_correlation(explorer):
    photo = images.load_photo("grace_hopper", size=96)
    np.testing.assert_allclose(explorer.response, correlate_valid(photo, PRESETS["Sobel x"]), atol=1e-12)
    np.testing.assert_allclose(explorer.response_image.get_array(), explorer.response)
    assert explorer.kernel_labels[2].get_text() == "-1"


def test_preset_sets_the_sliders_the_text_and_redraws(explorer):
    image, renders = explorer.panel.image.value, explorer.panel.renders
    explorer.preset.value = "Laplacian"
    assert explorer.panel.renders == renders + 1  # one redraw, not one per slider
    assert explorer.panel.image.value != image
    np.testing.assert_array_equal(explorer.kernel, PRESETS["Laplacian"])
    assert explorer.kernel_text.value == "0 1 0; 1 -4 1; 0 1 0"
    np.testing.assert_array_equal(explorer.kernel_image.get_array(), PRESETS["Laplacian"])
    assert "sum to 0" in explorer.message.value


def test_every_slider_changes_the_kernel_and_the_figure(explorer):
    explorer.preset.value = "identity"
    for index, slider in enumerate(explorer.weights):
        image, before = explorer.panel.image.value, explorer.response.copy()
        slider.value = slider.value + 2.0
        assert explorer.kernel.ravel()[index] == slider.value
        assert explorer.panel.image.value != image
        assert not np.allclose(explorer.response, before)
        assert explorer.preset.value == "custom"
    assert explorer.kernel_labels[0].get_text() == "2"
    assert "sum to 19" in explorer.message.value  # identity 1 + 9 × 2


def test_typing_a_kernel_and_a_bad_kernel(explorer):
    explorer.kernel_text.value = "1 0 -1, 1 0 -1, 1 0 -1"
    assert explorer.preset.value == "vertical edge"
    np.testing.assert_array_equal(explorer.kernel, PRESETS["vertical edge"])
    image = explorer.panel.image.value
    explorer.kernel_text.value = "1 2 3"
    assert "exactly 9 numbers" in explorer.message.value
    assert explorer.panel.image.value == image
    explorer.kernel_text.value = "a b c d e f g h i"
    assert "could not read" in explorer.message.value
    explorer.kernel_text.value = "100 0 0 0 0 0 0 0 0"
    assert "between -10 and 10" in explorer.message.value
    np.testing.assert_array_equal(explorer.kernel, PRESETS["vertical edge"])
    assert parse_kernel("1;2;3;4;5;6;7;8;9").tolist() == [[1, 2, 3], [4, 5, 6], [7, 8, 9]]


def test_threshold_changes_the_edge_map(explorer):
    explorer.preset.value = "Sobel y"
    explorer.threshold.value = 0.05
    many = explorer.edges.sum()
    image = explorer.panel.image.value
    explorer.threshold.value = 0.6
    assert explorer.edges.sum() < many
    assert explorer.panel.image.value != image
    np.testing.assert_array_equal(explorer.edge_image.get_array(), explorer.edges)
    assert f"{explorer.edges.mean():.1%}" in explorer.axes[2].get_title()


def test_photo_changes_the_image_and_its_shape(explorer):
    explorer.photo.value = "china"
    assert explorer.response.shape == tuple(s - 2 for s in images.load_photo("china", size=96).shape)
    assert explorer.response_image.get_array().shape == explorer.response.shape
    explorer.photo.value = "grace_hopper"


def test_callback_cost(explorer):
    start = time.perf_counter()
    for value in np.linspace(0.1, 0.9, 8):
        explorer.threshold.value = float(value)
    per_update = (time.perf_counter() - start) / 8
    print(f"kernel explorer update: {per_update * 1000:.0f} ms")  # reported, not asserted
