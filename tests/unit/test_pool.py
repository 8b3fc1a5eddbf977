"""helpers.pool (re-exported by helpers.conv): max and average pooling, forward and backward,
against numpy and central differences."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from helpers import conv
from helpers.gradcheck import rel_error
from tests.unit import plain_numpy as ref

RNG = np.random.default_rng(5)

# label, x shape, size, stride
CASES = [
    ("N=1, C=1, 4×4, 2×2", (1, 1, 4, 4), 2, 2),
    ("odd 5×5 drops the last row and column", (2, 3, 5, 5), 2, 2),
    ("overlapping: size 3, stride 2", (2, 2, 7, 7), 3, 2),
    ("non-square 6×9, size 3, stride 3", (1, 2, 6, 9), 3, 3),
    ("stride 1", (2, 1, 4, 5), 2, 1),
    ("size 1", (1, 2, 3, 4), 1, 1),
    ("window as large as the image", (2, 2, 3, 3), 3, 1),
    ("stride larger than the window", (2, 2, 8, 7), 2, 3),
]
IDS = [c[0] for c in CASES]
KINDS = {
    "max": (conv.max_pool2d, conv.max_pool2d_backward, ref.max_pool2d, ref.max_pool2d_backward),
    "avg": (conv.avg_pool2d, conv.avg_pool2d_backward, ref.avg_pool2d, ref.avg_pool2d_backward),
}


def distinct(rng, shape):
    """Values at least 0.01 apart: no ties, so the max-pool gradient is defined everywhere."""
    size = int(np.prod(shape))
    return (rng.permutation(size) * 0.01 - size * 0.005 + rng.uniform(0, 1e-3, size)).reshape(shape)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_pool_forward_and_backward_match_reference(kind, case):
    forward, backward, ref_forward, ref_backward = KINDS[kind]
    _, shape, size, stride = case
    x = distinct(RNG, shape)
    out = forward(x, size=size, stride=stride)
    ref.assert_close(out, ref_forward(x, size, stride))
    dout = RNG.normal(size=out.shape)
    dx = backward(dout, x, size=size, stride=stride)
    ref.assert_close(dx, ref_backward(dout, x, size, stride))
    # Pooling is piecewise linear; with no ties within 0.01 a step of 1e-4 never crosses a kink.
    num = ref.numeric_grads(lambda: forward.unguarded(x, size=size, stride=stride), {"dx": x}, dout, h=1e-4)
    assert rel_error(dx, num["dx"]) <= 1e-7


@pytest.mark.parametrize("size, stride", [(3, 2), (2, 2)])
@pytest.mark.parametrize("kind", KINDS)
def test_pool_parallel_path_matches_reference(kind, size, stride):
    forward, backward, ref_forward, ref_backward = KINDS[kind]
    x = RNG.normal(size=(4, 8, 48, 47))
    out = forward(x, size=size, stride=stride)
    ref.assert_close(out, ref_forward(x, size, stride))
    dout = RNG.normal(size=out.shape)
    ref.assert_close(backward(dout, x, size=size, stride=stride), ref_backward(dout, x, size, stride))


@settings(max_examples=25, deadline=None)
@given(
    n=st.integers(1, 3),
    c=st.integers(1, 3),
    h=st.integers(1, 9),
    w=st.integers(1, 9),
    size=st.integers(1, 4),
    stride=st.integers(1, 3),
    seed=st.integers(0, 2**31),
)
def test_pool_random_shapes(n, c, h, w, size, stride, seed):
    rng = np.random.default_rng(seed)
    x = distinct(rng, (n, c, h, w))
    for _kind, (forward, backward, ref_forward, ref_backward) in KINDS.items():
        if size > min(h, w):
            with pytest.raises(ValueError, match="larger than the input"):
                forward(x, size=size, stride=stride)
            continue
        out = forward(x, size=size, stride=stride)
        ref.assert_close(out, ref_forward(x, size, stride))
        dout = rng.normal(size=out.shape)
        ref.assert_close(backward(dout, x, size=size, stride=stride), ref_backward(dout, x, size, stride))


@settings(max_examples=12, deadline=None)
@given(
    n=st.integers(1, 2),
    c=st.integers(1, 2),
    h=st.integers(2, 7),
    w=st.integers(2, 7),
    size=st.integers(1, 3),
    stride=st.integers(1, 3),
    seed=st.integers(0, 2**31),
)
def test_pool_backward_random_shapes_match_numerical_gradient(n, c, h, w, size, stride, seed):
    if size > min(h, w):
        return
    rng = np.random.default_rng(seed)
    x = distinct(rng, (n, c, h, w))
    for forward, backward, _, _ in KINDS.values():
        dout = rng.normal(size=forward(x, size=size, stride=stride).shape)
        num = ref.numeric_grads(
            lambda forward=forward: forward.unguarded(x, size=size, stride=stride), {"dx": x}, dout, h=1e-4
        )
        assert rel_error(backward(dout, x, size=size, stride=stride), num["dx"]) <= 1e-7


def test_max_pool_gradient_goes_to_one_position_per_window():
    x = np.array([[[[1.0, 5.0], [3.0, 2.0]]]])
    dx = conv.max_pool2d_backward(np.array([[[[7.0]]]]), x)
    np.testing.assert_array_equal(dx, [[[[0.0, 7.0], [0.0, 0.0]]]])
    ties = conv.max_pool2d_backward(np.array([[[[1.0]]]]), np.zeros((1, 1, 2, 2)))
    assert ties.sum() == 1.0 and ties[0, 0, 0, 0] == 1.0  # first maximum in row-major order


@pytest.mark.parametrize("kind", KINDS)
def test_float32_views_and_no_mutation(kind):
    forward, backward, _, _ = KINDS[kind]
    base = distinct(RNG, (3, 4, 10, 12))
    x = base[::2, ::2, 1:, ::2]  # (2, 2, 9, 6), not contiguous
    before = ref.snapshot(x)
    out = forward(x, size=3, stride=2)
    ref.assert_close(out, forward(np.ascontiguousarray(x), size=3, stride=2), rtol=0)
    dout = RNG.normal(size=out.shape[:3] + (2 * out.shape[3],))[..., ::2]
    d_before = ref.snapshot(dout)
    dx = backward(dout, x, size=3, stride=2)
    ref.assert_close(dx, backward(np.ascontiguousarray(dout), np.ascontiguousarray(x), size=3, stride=2), rtol=0)
    ref.assert_unchanged(before + d_before, [x, dout])
    x32, dout32 = x.astype(np.float32), dout.astype(np.float32)
    ref.close_float32(forward(x32, size=3, stride=2), out)
    ref.close_float32(backward(dout32, x32, size=3, stride=2), dx)


@pytest.mark.parametrize("kind", KINDS)
def test_pool_bad_input(kind):
    forward, backward, _, _ = KINDS[kind]
    name = f"{kind}_pool2d"
    x = RNG.normal(size=(2, 3, 4, 4))
    with pytest.raises(ValueError, match=rf"{name}: x must be 4-D, got shape \(3, 4, 4\)"):
        forward(x[0])
    with pytest.raises(ValueError, match=rf"{name}: window 5×5 is larger than the input 4×4"):
        forward(x, size=5)
    with pytest.raises(ValueError, match=rf"{name}: size must be ≥ 1, got 0"):
        forward(x, size=0)
    with pytest.raises(ValueError, match=rf"{name}: stride must be an integer"):
        forward(x, stride=2.0)
    with pytest.raises(ValueError, match=rf"{name}: x is empty \(shape \(2, 0, 4, 4\)\)"):
        forward(x[:, :0])
    with pytest.raises(
        ValueError,
        match=rf"{name}_backward: dout has shape \(2, 3, 2, 1\), the forward "
        r"output has shape \(2, 3, 2, 2\)",
    ):
        backward(np.ones((2, 3, 2, 1)), x)
    with pytest.raises(ValueError, match=rf"{name}_backward: mixed dtypes \(dout is float32, x is float64\)"):
        backward(np.ones((2, 3, 2, 2), dtype=np.float32), x)


def test_helpers_conv_re_exports_the_pooling_kernels_themselves():
    """Pooling lives in helpers.pool; helpers.conv hands out the very same (tripwire-wrapped)
    objects, so arming either one arms both."""
    import helpers.conv
    import helpers.pool

    for name in helpers.pool.__all__:
        kernel = getattr(helpers.pool, name)
        assert getattr(helpers.conv, name) is kernel and name in helpers.conv.__all__
        assert kernel.reference_name == f"helpers.pool.{name}"
