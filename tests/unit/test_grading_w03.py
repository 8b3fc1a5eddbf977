"""Week 3 checks: each passes the reference and fails, with a useful message, on typical mistakes."""

import numpy as np
import pytest

import helpers
from helpers.grading import CHECKS
from helpers.grading.w03 import SOBEL_X, VERTICAL, correlate_valid
from tests.unit.check_helpers import fails


def loops(x, k):
    kh, kw = k.shape
    out = np.zeros((x.shape[0] - kh + 1, x.shape[1] - kw + 1))
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            out[i, j] = np.sum(x[i : i + kh, j : j + kw] * k)
    return out


def test_reference_is_a_plain_loop_correlation():
    rng = np.random.default_rng(1)
    for shape, kshape in [((6, 6), (3, 3)), ((5, 9), (2, 4)), ((1, 7), (1, 1)), ((4, 4), (4, 4))]:
        x, k = rng.normal(size=shape), rng.normal(size=kshape)
        np.testing.assert_allclose(correlate_valid(x, k), loops(x, k), rtol=1e-12, atol=1e-12)


def test_reference_matches_helpers_conv2d_on_one_channel():
    conv = pytest.importorskip("helpers.conv")
    rng = np.random.default_rng(2)
    x, k = rng.normal(size=(7, 10)), rng.normal(size=(3, 2))
    out = conv.conv2d(x[None, None], k[None, None], np.zeros(1))[0, 0]
    np.testing.assert_allclose(correlate_valid(x, k), out, rtol=1e-10, atol=1e-12)


def test_the_worked_example_is_the_bright_band():
    image = np.zeros((6, 6))
    image[:, :3] = 10
    np.testing.assert_array_equal(correlate_valid(image, VERTICAL), [[0, 30, 30, 0]] * 4)
    np.testing.assert_array_equal(correlate_valid(image[:, ::-1], VERTICAL), [[0, -30, -30, 0]] * 4)


def windows(x, k):
    """The vectorized way a student writes it (the reference itself may not be called by a graded function)."""
    from numpy.lib.stride_tricks import sliding_window_view

    return np.einsum("ijpq,pq->ij", sliding_window_view(x, k.shape), k)


def student_sobel(image):
    gx, gy = loops(image, SOBEL_X), loops(image, SOBEL_X.T)
    return np.hypot(gx, gy), np.arctan2(gy, gx)


@pytest.mark.parametrize(
    "name,fn", [("correlate2d_loops", loops), ("correlate2d", windows), ("sobel_edges", student_sobel)]
)
def test_reference_passes_with_at_least_five_cases(name, fn, capsys):
    assert len(CHECKS[name].cases(np.random.default_rng(0))) >= 5
    assert getattr(helpers.grading, f"check_{name}")(fn) is None
    assert "passed" in capsys.readouterr().out


RIGHT = np.array([[0.0, 30, 30, 0]] * 4)


def test_predictions_pass_when_right():
    assert helpers.grading.check_edge_bands(lambda: (RIGHT, -RIGHT)) is None
    assert helpers.grading.check_edge_bands(lambda: (RIGHT.tolist(), [[0, -30, -30, 0]] * 4)) is None  # lists


def test_messages_name_the_case_the_index_and_give_a_hint():
    flipped = lambda x, k: loops(x, k[::-1, ::-1])
    message = fails(
        "correlate2d_loops",
        flipped,
        "case 1 of 7",
        "6×6 step image",
        "index (0, 1)",
        "expected 30, got -30",
        "Hint: out[i, j]",
    )
    assert "do not flip the kernel" in message


def square_kernel(x, k):
    kh = kw = k.shape[0]
    ho, wo = x.shape[0] - kh + 1, x.shape[1] - kw + 1
    return sum(k[p, q] * x[p : p + ho, q : q + wo] for p in range(kh) for q in range(kw))


def in_place(x, k):
    out = loops(x, k)
    x *= 0
    return out


@pytest.mark.parametrize(
    "wrong,fragment",
    [
        (lambda x, k: loops(x, k[::-1, ::-1]), "is wrong"),  # true convolution
        (lambda x, k: loops(x, k.T), "is wrong"),  # k[q, p] for k[p, q]
        (square_kernel, "non-square kernel"),  # kw = kh
        (lambda x, k: loops(np.pad(x, 1), k), "has shape"),  # 'same' instead of 'valid'
        (lambda x, k: loops(x, k)[:-1] if x.shape[0] > k.shape[0] else loops(x, k), "has shape"),  # off by one
        (in_place, "changed its input array in place"),
    ],
)
def test_typical_correlation_mistakes_fail(wrong, fragment):
    fails("correlate2d_loops", wrong, fragment)
    fails("correlate2d", wrong, fragment)


def test_calling_the_course_kernel_is_caught():
    conv = pytest.importorskip("helpers.conv")
    cheat = lambda x, k: conv.conv2d(x[None, None], k[None, None], np.zeros(1))[0, 0]
    fails("correlate2d", cheat, "the reference it is graded against")


@pytest.mark.parametrize(
    "bands,fragment",
    [
        ((RIGHT.T, -RIGHT), "the first is `band` at row"),  # a horizontal band
        ((RIGHT / 3, -RIGHT), "(you have 10)"),
        ((np.zeros((6, 6)), -RIGHT), "has shape (6, 6), expected (4, 4)"),
        (
            (RIGHT, RIGHT),
            "8 of 16 answers are not right yet; the first is `band_flipped` at row 0, column 1 (you have 30)",
        ),
        ((RIGHT, "0 -30 -30 0"), "is a str"),
        (RIGHT, "expected a tuple (band, band_flipped)"),
    ],
)
def test_wrong_predictions_fail(bands, fragment):
    message = fails("edge_bands", lambda: bands, fragment)
    assert "expected 30" not in message and "expected -30" not in message and "expected 0" not in message


def sobel_with(orientation=np.arctan2, kernel=SOBEL_X, magnitude=np.hypot):
    def sobel(image):
        gx, gy = windows(image, kernel), windows(image, kernel.T)
        with np.errstate(all="ignore"):
            return magnitude(gx, gy), orientation(gy, gx)

    return sobel


@pytest.mark.parametrize(
    "fn,fragment",
    [
        (sobel_with(orientation=lambda gy, gx: np.arctan(gy / gx)), "`orientation` is wrong"),
        (sobel_with(orientation=lambda gy, gx: np.arctan2(gx, gy)), "`orientation` is wrong"),
        (sobel_with(kernel=-SOBEL_X), "`orientation` is wrong"),  # sign convention
        (sobel_with(kernel=VERTICAL), "`magnitude` is wrong"),  # Prewitt, not Sobel
        (sobel_with(magnitude=lambda gx, gy: np.abs(gx) + np.abs(gy)), "`magnitude` is wrong"),
        (lambda image: student_sobel(image)[0], "expected a tuple"),
    ],
)
def test_typical_sobel_mistakes_fail(fn, fragment):
    fails("sobel_edges", fn, fragment)


def test_orientation_is_not_judged_where_there_is_no_edge():
    def noisy_zero_angles(image):
        magnitude, orientation = student_sobel(image)
        return magnitude, np.where(magnitude == 0, 1.234, orientation)

    assert helpers.grading.check_sobel_edges(noisy_zero_angles) is None

    def minus_pi(image):  # −π and π are the same direction
        magnitude, orientation = student_sobel(image)
        return magnitude, np.where(np.isclose(orientation, np.pi), -np.pi, orientation)

    assert helpers.grading.check_sobel_edges(minus_pi) is None
