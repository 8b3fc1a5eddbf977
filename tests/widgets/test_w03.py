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


# ---------------------------------------------------------------- the student's correlate2d beside the reference


def sliding_correlate(x, k):
    kh, kw = k.shape
    ho, wo = x.shape[0] - kh + 1, x.shape[1] - kw + 1
    out = np.zeros((ho, wo))
    for p in range(kh):
        for q in range(kw):
            out += k[p, q] * x[p : p + ho, q : q + wo]
    return out


def test_a_correct_correlate2d_is_drawn_beside_the_reference_with_no_difference():
    explorer = KernelExplorer(size=96, correlate2d=sliding_correlate)
    assert len(explorer.axes) == 4 and explorer.axes[3].get_title() == "your correlate2d"
    assert not explorer.outcome.wrong
    np.testing.assert_allclose(explorer.yours_image.get_array(), explorer.response, atol=1e-12)
    assert not any(mark.get_visible() for mark in explorer.marks)
    assert explorer.caption.get_text() == "your correlate2d agrees with the reference"
    explorer.preset.value = "Laplacian"
    assert not explorer.outcome.wrong


def test_a_flipped_kernel_convolves_and_its_first_wrong_pixel_is_squared():
    def convolve(x, k):
        return sliding_correlate(x, k[::-1, ::-1])

    explorer = KernelExplorer(size=96, preset="Laplacian", correlate2d=convolve)
    assert not explorer.outcome.wrong  # a symmetric kernel cannot tell them apart
    explorer.preset.value = "Sobel x"
    photo = images.load_photo("grace_hopper", size=96)
    reference = correlate_valid(photo, PRESETS["Sobel x"])
    first = tuple(np.argwhere(~np.isclose(convolve(photo, PRESETS["Sobel x"]), reference, rtol=1e-7, atol=1e-12))[0])
    assert explorer.outcome.index == first
    i, j = first
    for mark in explorer.marks:
        x, y = mark.get_xy()
        assert mark.get_visible()
        assert x < j < x + mark.get_width() and y < i < y + mark.get_height()
    assert explorer.caption.get_text().startswith(f"your correlate2d differs first at pixel (row {i}, column {j})")
    np.testing.assert_allclose(explorer.response, reference, atol=1e-12)  # the reference keeps drawing
    assert f"differs first at pixel (row {i}, column {j})" in explorer.message.value  # and in words below


def test_a_raising_or_wrongly_shaped_correlate2d_is_reported_and_the_controls_stay_live():
    def same_size(x, k):
        return np.zeros_like(x)

    explorer = KernelExplorer(size=96, correlate2d=same_size)
    assert "returned shape (96, 82); the reference's is (94, 80)" in explorer.caption.get_text()
    assert explorer.not_drawn.get_text()

    def broken(x, k):
        return x[0, 0, 0]

    explorer = KernelExplorer(size=96, correlate2d=broken)
    assert "your correlate2d raised IndexError: too many indices" in explorer.caption.get_text()
    image = explorer.panel.image.value
    explorer.threshold.value = 0.5
    assert explorer.panel.image.value != image


def test_a_slow_correlate2d_is_abandoned_and_the_reference_draws():
    def slow(x, k):
        time.sleep(2.0)
        return sliding_correlate(x, k)

    explorer = KernelExplorer(size=96, correlate2d=slow)
    assert "too slow to redraw" in explorer.caption.get_text()
    np.testing.assert_allclose(
        explorer.response, correlate_valid(images.load_photo("grace_hopper", size=96), PRESETS["Sobel x"]), atol=1e-12
    )


def test_an_unwritten_correlate2d_falls_back_to_the_reference():
    def correlate2d(x, k):
        raise NotImplementedError()

    explorer = KernelExplorer(size=96, correlate2d=correlate2d)
    assert explorer.caption.get_text() == "correlate2d is not written yet: the reference draws"
    assert not explorer.outcome.wrong
    explorer.preset.value = "sharpen"
    assert "not written yet" in explorer.caption.get_text()
