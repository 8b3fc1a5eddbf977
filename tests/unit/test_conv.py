"""helpers.conv: padding, output sizes, conv2d forward/backward, im2col/col2im.

Forward passes are compared with the loops of plain_numpy; backward passes with both
the numpy reference and central differences (rel_error ≤ 1e-7 in float64).
"""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from helpers import _conv_kernels as kernels
from helpers import conv
from helpers._numba import thread_count
from helpers.gradcheck import rel_error
from tests.unit import plain_numpy as ref

RNG = np.random.default_rng(4)

# label, x shape, w shape, stride, pad
CASES = [
    ("N=1, C=1, 5×5, 3×3", (1, 1, 5, 5), (1, 1, 3, 3), 1, 0),
    ("stride 2, pad 1, kernel > stride", (2, 3, 6, 6), (4, 3, 3, 3), 2, 1),
    ("stride 3, pad 0, 8×8 (floor drops a column)", (2, 2, 8, 8), (3, 2, 3, 3), 3, 0),
    ("odd non-square 5×7, pad 2", (1, 3, 5, 7), (2, 3, 3, 3), 1, 2),
    ("non-square filter 2×3, stride 2, pad 1", (2, 2, 7, 6), (3, 2, 2, 3), 2, 1),
    ("1×1 filters", (2, 4, 4, 4), (3, 4, 1, 1), 1, 0),
    ("filter as large as the padded input", (1, 2, 3, 3), (2, 2, 5, 5), 1, 1),
    ("stride 3, pad 2, 4×4 filter", (2, 2, 7, 9), (2, 2, 4, 4), 3, 2),
    ("C=1, F=1, 1×6 image, 1×3 filter, stride 2", (3, 1, 1, 6), (1, 1, 1, 3), 2, 0),
]
IDS = [c[0] for c in CASES]


def make(case, dtype=np.float64):
    _, xs, ws, stride, pad = case
    x, w, b = RNG.normal(size=xs), RNG.normal(size=ws), RNG.normal(size=ws[0])
    return x.astype(dtype), w.astype(dtype), b.astype(dtype), stride, pad


# --------------------------------------------------------------------------- pad2d and output_size


def test_pad2d_pads_only_the_spatial_axes():
    x = RNG.normal(size=(2, 3, 4, 5))
    np.testing.assert_array_equal(conv.pad2d(x, 2), np.pad(x, ((0, 0), (0, 0), (2, 2), (2, 2))))
    copy = conv.pad2d(x, 0)
    np.testing.assert_array_equal(copy, x)
    assert copy is not x and conv.pad2d(x.astype(np.float32), 1).dtype == np.float32


@pytest.mark.parametrize(
    "n, f, pad, stride, expected",
    [
        (6, 3, 0, 1, 4),
        (6, 3, 1, 1, 6),
        (7, 3, 0, 2, 3),
        (32, 5, 2, 1, 32),
        (227, 11, 0, 4, 55),
        (1, 1, 0, 1, 1),
        (10, 4, 0, 3, 3),
        (5, 5, 0, 1, 1),
    ],
)
def test_output_size(n, f, pad, stride, expected):
    assert conv.output_size(n, f, pad, stride) == expected


def test_output_size_rejects_a_stride_that_does_not_fit_unless_asked_for_the_floor():
    with pytest.raises(ValueError, match=r"stride 2 does not fit.*n \+ 2·pad − f = 5"):
        conv.output_size(8, 3, 0, 2)
    assert conv.output_size(8, 3, 0, 2, exact=False) == 3
    with pytest.raises(ValueError, match="larger than the padded input"):
        conv.output_size(3, 5, 0, 1)
    for bad in [dict(stride=0), dict(pad=-1), dict(stride=1.5)]:
        with pytest.raises(ValueError, match="output_size"):
            conv.output_size(6, 3, **bad)


# --------------------------------------------------------------------------- conv2d forward


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_conv2d_matches_reference(case):
    x, w, b, stride, pad = make(case)
    out = conv.conv2d(x, w, b, stride=stride, pad=pad)
    want = ref.conv2d(x, w, b, stride, pad)
    assert out.dtype == np.float64
    ref.assert_close(out, want)


@pytest.mark.parametrize("ww, direct", [(3, True), (2, False)], ids=["3×3: direct", "3×2: im2col"])
def test_conv2d_large_enough_for_the_parallel_path_matches_reference(ww, direct):
    x, w, b = RNG.normal(size=(12, 8, 17, 16)), RNG.normal(size=(16, 8, 3, ww)), RNG.normal(size=16)
    assert kernels._direct_3x3(w, 1) == direct
    assert kernels._chunks(12, w.size * 17 * 16) > 1 or thread_count() == 1
    out = conv.conv2d(x, w, b, stride=1, pad=1)
    ref.assert_close(out, ref.conv2d(x, w, b, 1, 1))
    dout = RNG.normal(size=out.shape)
    for got, want in zip(
        conv.conv2d_backward(dout, x, w, b, stride=1, pad=1), ref.conv2d_backward(dout, x, w, b, 1, 1)
    ):
        ref.assert_close(got, want)


# 3×3 filters, stride 1: the direct kernel instead of im2col + product.
DIRECT_CASES = [
    ("N=1, C=1, 3×3 image, pad 0 (one output)", (1, 1, 3, 3), 4, 0),
    ("odd non-square 7×5, pad 1", (2, 3, 7, 5), 8, 1),
    ("4×9, pad 2", (3, 2, 4, 9), 4, 2),
    ("1×3 image, pad 1", (2, 1, 1, 3), 4, 1),
    ("9×1 image (one column), pad 1", (2, 3, 9, 1), 4, 1),
    ("2×2 image, pad 2", (1, 2, 2, 2), 12, 2),
    ("F=2, 6×5, pad 0", (2, 3, 6, 5), 2, 0),
    ("F=1 (odd: pairs with itself)", (2, 2, 5, 4), 1, 1),
    ("F=5, C=3, pad 1", (2, 3, 6, 7), 5, 1),
]


def make_3x3(case):
    """x, w, b, pad of a (label, x shape, F, pad) case with 3×3 filters."""
    _, xs, f, pad = case
    return RNG.normal(size=xs), RNG.normal(size=(f, xs[1], 3, 3)), RNG.normal(size=f), pad


@pytest.mark.parametrize("case", DIRECT_CASES, ids=[c[0] for c in DIRECT_CASES])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_conv2d_direct_3x3_kernel_matches_reference(case, dtype):
    x, w, b, pad = make_3x3(case)
    assert kernels._direct_3x3(w, 1)
    x_in, w_in, b_in = x.astype(dtype), w.astype(dtype), b.astype(dtype)
    kept = x_in.copy(), w_in.copy(), b_in.copy()
    out = conv.conv2d(x_in, w_in, b_in, stride=1, pad=pad)
    assert out.dtype == dtype and out.flags.c_contiguous
    want = ref.conv2d(x, w, b, 1, pad)
    if dtype == np.float64:
        ref.assert_close(out, want)
    else:
        np.testing.assert_allclose(out, want, rtol=1e-4, atol=1e-4)
    for before, after in zip(kept, (x_in, w_in, b_in)):
        np.testing.assert_array_equal(before, after)


def test_conv2d_direct_3x3_kernel_in_parallel_and_on_a_strided_view_matches_reference():
    x = RNG.normal(size=(8, 4, 24, 46))[:, :, :, ::2]  # non-contiguous (8, 4, 24, 23)
    w, b = RNG.normal(size=(16, 4, 3, 3)), RNG.normal(size=16)
    assert kernels._chunks(8, w.size * 24 * 23) > 1 or thread_count() == 1
    ref.assert_close(conv.conv2d(x, w, b, stride=1, pad=1), ref.conv2d(x, w, b, 1, 1))


# pad ≤ 2: dx, dw and db all come from the direct kernels (any F and C); pad 3 takes the columns.
DIRECT_BACKWARD_CASES = [
    ("N=1, C=4, F=1, 3×3 image, pad 0", (1, 4, 3, 3), 1, 0),
    ("C=4, F=4, 5×6, pad 1", (2, 4, 5, 6), 4, 1),
    ("C=8, F=3, 4×7, pad 2", (2, 8, 4, 7), 3, 2),
    ("C=4, F=2, pad 3 (the columns: dx would need padding 2 − pad < 0)", (1, 4, 3, 4), 2, 3),
    ("N=1, C=4, F=4, 4×5, pad 0 (scratch columns wrap into the next row)", (1, 4, 4, 5), 4, 0),
    ("C=4, F=8, 7×1 image, pad 1", (3, 4, 7, 1), 8, 1),
    ("C=8, F=4, 3×6, pad 2", (2, 8, 3, 6), 4, 2),
    ("C=2, F=2, 5×5, pad 1", (2, 2, 5, 5), 2, 1),
    ("C=6, F=10, 4×4, pad 1", (1, 6, 4, 4), 10, 1),
    ("C=1, F=8, 8×8, pad 1 (the week-4 digits CNN)", (3, 1, 8, 8), 8, 1),
    ("C=3, F=5, 5×6, pad 1", (2, 3, 5, 6), 5, 1),
]


@pytest.mark.parametrize("case", DIRECT_BACKWARD_CASES, ids=[c[0] for c in DIRECT_BACKWARD_CASES])
def test_conv2d_backward_through_the_direct_kernels_matches_numerical_gradient(case):
    x, w, b, pad = make_3x3(case)
    assert kernels._direct_3x3(w, 1)
    dout = RNG.normal(size=conv.conv2d(x, w, b, stride=1, pad=pad).shape)
    grads = conv.conv2d_backward(dout, x, w, b, stride=1, pad=pad)
    num = ref.numeric_grads(
        lambda: conv.conv2d.unguarded(x, w, b, stride=1, pad=pad), {"dx": x, "dw": w, "db": b}, dout, h=1e-2
    )
    for name, got, want in zip(("dx", "dw", "db"), grads, ref.conv2d_backward(dout, x, w, b, 1, pad)):
        assert rel_error(got, num[name]) <= 1e-7, name
        ref.assert_close(got, want)
    grads32 = conv.conv2d_backward(*(a.astype(np.float32) for a in (dout, x, w, b)), stride=1, pad=pad)
    for got32, got in zip(grads32, grads):
        assert got32.dtype == np.float32
        np.testing.assert_allclose(got32, got, rtol=1e-4, atol=1e-4)


def test_conv2d_backward_direct_kernels_in_parallel_and_on_strided_views_match_reference():
    x = RNG.normal(size=(8, 8, 20, 34))[:, :, :, ::2]  # non-contiguous (8, 8, 20, 17)
    w, b = RNG.normal(size=(16, 8, 3, 3)), RNG.normal(size=16)
    dout = RNG.normal(size=(8, 16, 40, 17))[:, :, ::2]  # non-contiguous (8, 16, 20, 17)
    assert kernels._direct_3x3(w, 1)
    assert kernels._chunks(8, w.size * 20 * 17) > 1 or thread_count() == 1
    for got, want in zip(
        conv.conv2d_backward(dout, x, w, b, stride=1, pad=1), ref.conv2d_backward(dout, x, w, b, 1, 1)
    ):
        ref.assert_close(got, want)


@pytest.mark.parametrize("stride, pad", [(1, 1), (2, 0), (3, 2)])
def test_conv2d_forward_in_row_tiles_with_a_short_last_tile_matches_reference(stride, pad, monkeypatch):
    # A tile budget of 4 output rows: several tiles per image, and a shorter last one. 3×2
    # filters: the im2col path also at stride 1 (3×3 would take the direct kernel).
    x, w, b = RNG.normal(size=(3, 2, 19, 18)), RNG.normal(size=(4, 2, 3, 2)), RNG.normal(size=4)
    assert not kernels._direct_3x3(w, stride)
    ho = conv.output_size(19, 3, pad, stride, exact=False)
    wo = conv.output_size(18, 2, pad, stride, exact=False)
    monkeypatch.setattr(kernels, "_TILE_BYTES", 4 * (2 * 3 * 2) * wo * 8)
    assert kernels._tile_rows(2 * 3 * 2, wo, 8) == 4 and ho % 4 != 0
    ref.assert_close(conv.conv2d(x, w, b, stride=stride, pad=pad), ref.conv2d(x, w, b, stride, pad))


@settings(max_examples=25, deadline=None)
@given(
    n=st.integers(1, 3),
    c=st.integers(1, 3),
    f=st.integers(1, 3),
    h=st.integers(1, 9),
    wd=st.integers(1, 9),
    hh=st.integers(1, 4),
    ww=st.integers(1, 4),
    stride=st.integers(1, 3),
    pad=st.integers(0, 2),
    seed=st.integers(0, 2**31),
)
def test_conv2d_random_shapes_forward_and_backward_match_reference(n, c, f, h, wd, hh, ww, stride, pad, seed):
    if hh > h + 2 * pad or ww > wd + 2 * pad:
        with pytest.raises(ValueError, match="larger than the"):
            conv.conv2d(np.ones((n, c, h, wd)), np.ones((f, c, hh, ww)), np.ones(f), stride=stride, pad=pad)
        return
    rng = np.random.default_rng(seed)
    x, w, b = rng.normal(size=(n, c, h, wd)), rng.normal(size=(f, c, hh, ww)), rng.normal(size=f)
    out = conv.conv2d(x, w, b, stride=stride, pad=pad)
    ref.assert_close(out, ref.conv2d(x, w, b, stride, pad))
    dout = rng.normal(size=out.shape)
    for got, want in zip(
        conv.conv2d_backward(dout, x, w, b, stride=stride, pad=pad), ref.conv2d_backward(dout, x, w, b, stride, pad)
    ):
        ref.assert_close(got, want)


# --------------------------------------------------------------------------- conv2d backward


@settings(max_examples=12, deadline=None)
@given(
    n=st.integers(1, 2),
    c=st.integers(1, 2),
    f=st.integers(1, 2),
    h=st.integers(2, 7),
    wd=st.integers(2, 7),
    hh=st.integers(1, 4),
    ww=st.integers(1, 4),
    stride=st.integers(1, 3),
    pad=st.integers(0, 2),
    seed=st.integers(0, 2**31),
)
def test_conv2d_backward_random_shapes_match_numerical_gradient(n, c, f, h, wd, hh, ww, stride, pad, seed):
    if hh > h + 2 * pad or ww > wd + 2 * pad:
        return
    rng = np.random.default_rng(seed)
    x, w, b = rng.normal(size=(n, c, h, wd)), rng.normal(size=(f, c, hh, ww)), rng.normal(size=f)
    dout = rng.normal(size=conv.conv2d(x, w, b, stride=stride, pad=pad).shape)
    grads = conv.conv2d_backward(dout, x, w, b, stride=stride, pad=pad)
    num = ref.numeric_grads(
        lambda: conv.conv2d.unguarded(x, w, b, stride=stride, pad=pad), {"dx": x, "dw": w, "db": b}, dout, h=1e-2
    )
    for name, got in zip(("dx", "dw", "db"), grads):
        assert rel_error(got, num[name]) <= 1e-7, name


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_conv2d_backward_matches_numerical_gradient(case):
    x, w, b, stride, pad = make(case)
    dout = RNG.normal(size=conv.conv2d(x, w, b, stride=stride, pad=pad).shape)
    dx, dw, db = conv.conv2d_backward(dout, x, w, b, stride=stride, pad=pad)
    # conv2d is linear in each argument, so central differences are exact up to round-off
    # for any step; a larger step makes that round-off smaller.
    num = ref.numeric_grads(
        lambda: conv.conv2d.unguarded(x, w, b, stride=stride, pad=pad), {"dx": x, "dw": w, "db": b}, dout, h=1e-2
    )
    for name, got in (("dx", dx), ("dw", dw), ("db", db)):
        assert got.shape == num[name].shape
        assert rel_error(got, num[name]) <= 1e-7, name
    for got, want in zip((dx, dw, db), ref.conv2d_backward(dout, x, w, b, stride, pad)):
        ref.assert_close(got, want)


def test_conv2d_backward_catches_a_wrong_sign_on_one_term():
    """The tolerance is tight enough that one flipped contribution fails."""
    x, w, b, stride, pad = make(CASES[1])
    dout = RNG.normal(size=conv.conv2d(x, w, b, stride=stride, pad=pad).shape)
    dx, dw, db = conv.conv2d_backward(dout, x, w, b, stride=stride, pad=pad)
    wrong = dw.copy()
    wrong[0, 0, 0, 0] *= -1
    assert rel_error(wrong, dw) > 1e-7


# --------------------------------------------------------------------------- dtypes, views, mutation


@pytest.mark.parametrize("case", CASES[:5], ids=IDS[:5])
def test_float32_follows_input_and_agrees_with_float64(case):
    x, w, b, stride, pad = make(case)
    out64 = conv.conv2d(x, w, b, stride=stride, pad=pad)
    x32, w32, b32 = (a.astype(np.float32) for a in (x, w, b))
    ref.close_float32(conv.conv2d(x32, w32, b32, stride=stride, pad=pad), out64)
    dout = RNG.normal(size=out64.shape)
    grads64 = conv.conv2d_backward(dout, x, w, b, stride=stride, pad=pad)
    grads32 = conv.conv2d_backward(dout.astype(np.float32), x32, w32, b32, stride=stride, pad=pad)
    for g32, g64 in zip(grads32, grads64):
        ref.close_float32(g32, g64)


def test_inputs_are_not_mutated_and_views_are_accepted():
    base = RNG.normal(size=(3, 6, 9, 14))
    x = base[::2, 1::2, :, ::2]  # (2, 3, 9, 7), not contiguous
    w = RNG.normal(size=(3, 3, 3, 2)).transpose(0, 1, 3, 2)  # (3, 3, 2, 3), not contiguous
    b = RNG.normal(size=6)[::2]
    assert not x.flags.c_contiguous and not w.flags.c_contiguous and not b.flags.c_contiguous
    before = ref.snapshot(x, w, b)
    out = conv.conv2d(x, w, b, stride=2, pad=1)
    ref.assert_close(out, ref.conv2d(np.ascontiguousarray(x), np.ascontiguousarray(w), b.copy(), 2, 1))
    dout = RNG.normal(size=out.shape * np.array([1, 1, 1, 2]))[:, :, :, ::2]
    d_before = ref.snapshot(dout)
    got = conv.conv2d_backward(dout, x, w, b, stride=2, pad=1)
    want = ref.conv2d_backward(np.ascontiguousarray(dout), np.ascontiguousarray(x), np.ascontiguousarray(w), b, 2, 1)
    for g, e in zip(got, want):
        ref.assert_close(g, e)
    ref.assert_unchanged(before + d_before, [x, w, b, dout])


def test_integer_input_is_promoted_to_float64():
    x = np.arange(16).reshape(1, 1, 4, 4)
    out = conv.conv2d(x, np.ones((1, 1, 2, 2), dtype=np.int64), np.zeros(1, dtype=np.int64))
    assert out.dtype == np.float64 and out[0, 0, 0, 0] == 0 + 1 + 4 + 5


# --------------------------------------------------------------------------- im2col / col2im


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_im2col_matches_reference_and_gives_conv2d(case):
    x, w, b, stride, pad = make(case)
    hh, ww = w.shape[2:]
    cols = conv.im2col(x, hh, ww, stride=stride, pad=pad)
    np.testing.assert_array_equal(cols, ref.im2col(x, hh, ww, stride, pad))
    out = w.reshape(w.shape[0], -1) @ cols + b[:, None]
    want = ref.conv2d(x, w, b, stride, pad)
    got = out.reshape(w.shape[0], x.shape[0], *want.shape[2:]).transpose(1, 0, 2, 3)
    ref.assert_close(got, want)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_col2im_is_the_adjoint_of_im2col(case):
    """<im2col(x), y> = <x, col2im(y)> for every x, y: col2im is the gradient of im2col."""
    x, w, _, stride, pad = make(case)
    hh, ww = w.shape[2:]
    y = RNG.normal(size=conv.im2col(x, hh, ww, stride=stride, pad=pad).shape)
    back = conv.col2im(y, x.shape, hh, ww, stride=stride, pad=pad)
    assert back.shape == x.shape
    lhs = np.sum(conv.im2col(x, hh, ww, stride=stride, pad=pad) * y)
    assert abs(lhs - np.sum(x * back)) <= 1e-11 * max(1.0, abs(lhs))
    grad = ref.numeric_grads(lambda: conv.im2col.unguarded(x, hh, ww, stride=stride, pad=pad), {"x": x}, y, h=1e-2)
    assert rel_error(back, grad["x"]) <= 1e-7
    assert conv.col2im(y.astype(np.float32), x.shape, hh, ww, stride=stride, pad=pad).dtype == np.float32


# --------------------------------------------------------------------------- bad input


def ok():
    return RNG.normal(size=(2, 3, 6, 6)), RNG.normal(size=(4, 3, 3, 3)), RNG.normal(size=4)


@pytest.mark.parametrize(
    "mutate, message",
    [
        (lambda x, w, b: (x[0], w, b), r"conv2d: x must be 4-D, got shape \(3, 6, 6\)"),
        (lambda x, w, b: (x, w[0], b), r"conv2d: w must be 4-D, got shape \(3, 3, 3\)"),
        (lambda x, w, b: (x, w, b[:, None]), r"conv2d: b must be 1-D, got shape \(4, 1\)"),
        (lambda x, w, b: (x[:, :2], w, b), r"conv2d: x has 2 channels, w expects 3"),
        (lambda x, w, b: (x, w, b[:3]), r"conv2d: b has 3 entries, w has 4 filters"),
        (lambda x, w, b: (x, np.ones((4, 3, 9, 3)), b), r"conv2d: filter 9×3 is larger than the input 6×6"),
        (lambda x, w, b: (x, w.astype(np.float32), b), r"conv2d: mixed dtypes \(x is float64, w is float32"),
        (lambda x, w, b: (x[:0], w, b), r"conv2d: x is empty \(shape \(0, 3, 6, 6\)\)"),
        (lambda x, w, b: (x, w[:, :, :0], b), r"conv2d: w is empty"),
        (lambda x, w, b: (x.astype(complex), w, b), r"conv2d: x has dtype complex128"),
    ],
)
def test_conv2d_bad_input(mutate, message):
    with pytest.raises(ValueError, match=message):
        conv.conv2d(*mutate(*ok()))


def test_conv2d_bad_stride_pad_and_padded_size():
    x, w, b = ok()
    with pytest.raises(ValueError, match="conv2d: stride must be ≥ 1, got 0"):
        conv.conv2d(x, w, b, stride=0)
    with pytest.raises(ValueError, match="conv2d: stride must be an integer, got 1.5"):
        conv.conv2d(x, w, b, stride=1.5)
    with pytest.raises(ValueError, match="conv2d: pad must be ≥ 0, got -1"):
        conv.conv2d(x, w, b, pad=-1)
    with pytest.raises(ValueError, match=r"filter 9×9 is larger than the padded input 8×8 \(x \(2, 3, 6, 6\), pad 1\)"):
        conv.conv2d(x, np.ones((4, 3, 9, 9)), b, pad=1)


def test_conv2d_backward_bad_input():
    x, w, b = ok()
    with pytest.raises(
        ValueError,
        match=r"conv2d_backward: dout has shape \(2, 4, 4, 3\), the forward "
        r"output has shape \(2, 4, 4, 4\)",
    ):
        conv.conv2d_backward(np.ones((2, 4, 4, 3)), x, w, b)
    with pytest.raises(ValueError, match="conv2d_backward: mixed dtypes"):
        conv.conv2d_backward(np.ones((2, 4, 4, 4), dtype=np.float32), x, w, b)
    with pytest.raises(ValueError, match="conv2d_backward: x has 2 channels, w expects 3"):
        conv.conv2d_backward(np.ones((2, 4, 4, 4)), x[:, :2], w, b)


def test_im2col_col2im_bad_input():
    with pytest.raises(ValueError, match="im2col: x must be 4-D"):
        conv.im2col(np.ones((3, 4, 4)), 2, 2)
    with pytest.raises(ValueError, match="im2col: window 5×5 is larger than the input 4×4"):
        conv.im2col(np.ones((1, 1, 4, 4)), 5, 5)
    with pytest.raises(ValueError, match=r"col2im: cols has shape \(4, 8\), .* needs \(4, 9\)"):
        conv.col2im(np.ones((4, 8)), (1, 1, 4, 4), 2, 2)
    with pytest.raises(ValueError, match=r"col2im: x_shape must be \(N, C, H, W\)"):
        conv.col2im(np.ones((4, 9)), (1, 4, 4), 2, 2)


def test_concurrent_calls_from_python_threads():
    """numba's workqueue thread pool is not thread-safe: one Python thread at a time runs the
    parallel kernels, the others the serial ones; every result must be right."""
    from concurrent.futures import ThreadPoolExecutor

    x, w, b = RNG.normal(size=(8, 8, 17, 16)), RNG.normal(size=(16, 8, 3, 3)), RNG.normal(size=16)
    want = ref.conv2d(x, w, b, 1, 1)
    pooled = ref.max_pool2d(want, 2, 2)

    def work(_):
        out = conv.conv2d(x, w, b, stride=1, pad=1)
        return out, conv.max_pool2d(out)

    with ThreadPoolExecutor(4) as pool:
        for out, p in pool.map(work, range(8)):
            ref.assert_close(out, want)
            ref.assert_close(p, pooled)
