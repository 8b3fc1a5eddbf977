"""helpers.efficient against the plain-numpy references and central differences: depthwise and pointwise
convolutions, the dilated causal convolution, the residual block, pruning, quantization and distillation;
helpers.compress (the digits network the week shrinks)."""

import numpy as np
import pytest

from helpers import compress, efficient
from helpers.gradcheck import rel_error
from tests.unit import plain_numpy as ref

RNG = np.random.default_rng(12)

# --------------------------------------------------------------------------- depthwise and pointwise


@pytest.mark.parametrize(
    "shape, k, stride, pad",
    [
        ((1, 1, 1, 1), 1, 1, 0),
        ((2, 1, 5, 4), 3, 1, 0),
        ((1, 3, 1, 1), 3, 1, 1),
        ((2, 3, 7, 6), 3, 2, 1),
        ((3, 4, 8, 8), 2, 2, 0),
    ],
)
def test_depthwise_matches_the_per_channel_loop_and_central_differences(shape, k, stride, pad):
    x = RNG.normal(size=shape)
    w, b = RNG.normal(size=(shape[1], k, k)), RNG.normal(size=shape[1])
    before = ref.snapshot(x, w, b)
    out = efficient.depthwise_conv2d(x, w, b, stride, pad)
    ref.assert_close(out, ref.depthwise_conv2d(x, w, b, stride, pad))
    dout = RNG.normal(size=out.shape)
    grads = efficient.depthwise_conv2d_backward(dout, x, w, b, stride, pad)
    for got, want in zip(grads, ref.depthwise_conv2d_backward(dout, x, w, b, stride, pad)):
        ref.assert_close(got, want)
    numerical = ref.numeric_grads(lambda: ref.depthwise_conv2d(x, w, b, stride, pad), {"x": x, "w": w, "b": b}, dout)
    for got, name in zip(grads, ("x", "w", "b")):
        assert rel_error(got, numerical[name]) <= 1e-7, name
    ref.assert_unchanged(before, (x, w, b))


def test_depthwise_never_mixes_channels():
    x = np.zeros((1, 3, 4, 4))
    x[0, 1] = 1.0
    out = efficient.depthwise_conv2d(x, np.ones((3, 3, 3)), np.zeros(3), pad=1)
    assert np.all(out[0, 0] == 0) and np.all(out[0, 2] == 0) and out[0, 1, 1, 1] == 9.0


def test_depthwise_float32_and_views():
    x = RNG.normal(size=(2, 6, 6, 3)).transpose(0, 3, 1, 2)  # a non-contiguous view
    w, b = RNG.normal(size=(3, 3, 3)), RNG.normal(size=3)
    want = efficient.depthwise_conv2d(x, w, b, 1, 1)
    got = efficient.depthwise_conv2d(x.astype(np.float32), w.astype(np.float32), b.astype(np.float32), 1, 1)
    ref.close_float32(got, want)
    dx, dw, db = efficient.depthwise_conv2d_backward(
        np.ones(want.shape, np.float32), x.astype(np.float32), w.astype(np.float32), b.astype(np.float32), 1, 1
    )
    assert dx.dtype == dw.dtype == db.dtype == np.float32


def test_depthwise_rejects_bad_input():
    with pytest.raises(ValueError, match="depthwise_conv2d: x has 3 channels, w has 2 filters"):
        efficient.depthwise_conv2d(np.zeros((1, 3, 4, 4)), np.zeros((2, 3, 3)), np.zeros(2))
    with pytest.raises(ValueError, match="depthwise_conv2d: w must be 3-D"):
        efficient.depthwise_conv2d(np.zeros((1, 3, 4, 4)), np.zeros((3, 3, 3, 3)), np.zeros(3))
    with pytest.raises(ValueError, match="filter 5×5 is larger than the input 4×4"):
        efficient.depthwise_conv2d(np.zeros((1, 1, 4, 4)), np.zeros((1, 5, 5)), np.zeros(1))
    with pytest.raises(ValueError, match="depthwise_conv2d_backward: dout has shape"):
        efficient.depthwise_conv2d_backward(np.zeros((1, 1, 3, 3)), np.zeros((1, 1, 4, 4)), np.zeros((1, 3, 3)), [0.0])


def test_pointwise_is_a_1x1_convolution_with_its_gradients():
    x, w, b = RNG.normal(size=(2, 3, 4, 5)), RNG.normal(size=(6, 3)), RNG.normal(size=6)
    out = efficient.pointwise_conv2d(x, w, b)
    ref.assert_close(out, ref.pointwise_conv2d(x, w, b))
    dout = RNG.normal(size=out.shape)
    numerical = ref.numeric_grads(lambda: ref.pointwise_conv2d(x, w, b), {"x": x, "w": w, "b": b}, dout)
    for got, name in zip(efficient.pointwise_conv2d_backward(dout, x, w, b), ("x", "w", "b")):
        assert rel_error(got, numerical[name]) <= 1e-7, name
    with pytest.raises(ValueError, match="pointwise_conv2d: x has 3 channels, w expects 4"):
        efficient.pointwise_conv2d(x, np.zeros((6, 4)), b)


def test_conv_costs_count_what_the_kernels_do():
    # parameters: the arrays' sizes; multiply–adds: one per term of the formulas the kernels sum
    C, F, K, H = 5, 7, 3, 6
    ps, ms, pd, md = efficient.conv_costs(C, F, K, H, H)
    assert ps == F * C * K * K + F and pd == C * K * K + C + F * C + F
    assert ms == H * H * F * C * K * K and md == H * H * C * (K * K + F)
    assert md / ms == pytest.approx(1 / F + 1 / K**2)
    with pytest.raises(ValueError, match="conv_costs: K must be ≥ 1"):
        efficient.conv_costs(1, 1, 0, 1, 1)


# --------------------------------------------------------------------------- causal convolution


@pytest.mark.parametrize(
    "shape, f, k, d", [((1, 1, 1), 1, 2, 1), ((2, 3, 9), 4, 3, 2), ((1, 2, 5), 2, 1, 3), ((2, 1, 6), 3, 3, 4)]
)
def test_causal_matches_the_loop_and_central_differences(shape, f, k, d):
    x, w, b = RNG.normal(size=shape), RNG.normal(size=(f, shape[1], k)), RNG.normal(size=f)
    out = efficient.causal_conv1d(x, w, b, d)
    ref.assert_close(out, ref.causal_conv1d(x, w, b, d))
    dout = RNG.normal(size=out.shape)
    numerical = ref.numeric_grads(lambda: ref.causal_conv1d(x, w, b, d), {"x": x, "w": w, "b": b}, dout)
    for got, name in zip(efficient.causal_conv1d_backward(dout, x, w, b, d), ("x", "w", "b")):
        assert rel_error(got, numerical[name]) <= 1e-7, name


def test_causal_never_reads_a_later_input():
    x, w, b = RNG.normal(size=(2, 3, 12)), RNG.normal(size=(2, 3, 3)), RNG.normal(size=2)
    for t in range(12):
        later = x.copy()
        later[:, :, t:] += 1.0
        changed = np.any(efficient.causal_conv1d(later, w, b, 2) != efficient.causal_conv1d(x, w, b, 2), axis=(0, 1))
        assert not changed[:t].any() and changed[t]


def test_receptive_field_is_what_an_impulse_reaches():
    for k, dilations in ((2, [1, 2, 4, 8]), (3, [1, 2, 4]), (4, [1, 1, 3])):
        grad = np.zeros((1, 1, 64))
        grad[0, 0, -1] = 1.0
        for d in dilations:
            grad = efficient.causal_conv1d_backward(grad, np.zeros((1, 1, 64)), np.ones((1, 1, k)), np.zeros(1), d)[0]
        assert np.count_nonzero(grad) == efficient.receptive_field(k, dilations)
    with pytest.raises(ValueError, match="receptive_field: dilations must be ≥ 1"):
        efficient.receptive_field(2, [1, 0])


def test_causal_rejects_bad_input():
    with pytest.raises(ValueError, match="causal_conv1d: x has 2 channels, w expects 3"):
        efficient.causal_conv1d(np.zeros((1, 2, 5)), np.zeros((1, 3, 2)), np.zeros(1))
    with pytest.raises(ValueError, match="causal_conv1d: dilation must be ≥ 1"):
        efficient.causal_conv1d(np.zeros((1, 2, 5)), np.zeros((1, 2, 2)), np.zeros(1), 0)


# --------------------------------------------------------------------------- skip connections


def test_residual_block_and_its_backward():
    x, dout = RNG.normal(size=(4, 3)), RNG.normal(size=(4, 3))
    params = [RNG.normal(size=(3, 5)), RNG.normal(size=5), RNG.normal(size=(5, 3)), RNG.normal(size=3)]
    ref.assert_close(efficient.residual_block(x, *params), ref.residual_block(x, *params))
    arrays = dict(zip(("x", "W1", "b1", "W2", "b2"), [x] + params))
    numerical = ref.numeric_grads(lambda: ref.residual_block(*arrays.values()), arrays, dout)
    for got, name in zip(efficient.residual_block_backward(dout, x, *params), arrays):
        assert rel_error(got, numerical[name]) <= 1e-7, name
    zero = [np.zeros((3, 5)), np.zeros(5), np.zeros((5, 3)), np.zeros(3)]
    ref.assert_close(efficient.residual_block_backward(dout, x, *zero)[0], dout)  # F = 0: the identity's gradient
    with pytest.raises(ValueError, match=r"residual_block: W2 has shape \(5, 4\), expected \(5, 3\)"):
        efficient.residual_block(x, params[0], params[1], np.zeros((5, 4)), params[3])


def test_dense_block_channels():
    assert list(efficient.dense_block_channels(64, 32, 6)) == [64, 96, 128, 160, 192, 224, 256]
    with pytest.raises(ValueError, match="dense_block_channels: growth_rate must be ≥ 1"):
        efficient.dense_block_channels(3, 0, 2)


# --------------------------------------------------------------------------- shrinking


@pytest.mark.parametrize("sparsity", [0.0, 0.29, 0.5, 0.57, 1.0])
def test_pruning_zeroes_exactly_the_smallest_magnitudes(sparsity):
    w = RNG.normal(size=(10, 10))
    pruned = efficient.magnitude_prune(w, sparsity)
    ref.assert_close(pruned, ref.magnitude_prune(w, sparsity))
    assert np.count_nonzero(pruned == 0) == round(sparsity * 100)
    kept = pruned != 0
    assert np.array_equal(pruned[kept], w[kept])
    if kept.any() and (~kept).any():
        assert np.abs(w[~kept]).max() < np.abs(w[kept]).min()


def test_global_pruning_ranks_both_layers_together():
    small, large = RNG.normal(size=(8, 8)) * 0.01, RNG.normal(size=(8, 2))
    p1, p2 = efficient.magnitude_prune_global(small, large, 0.5)
    both = ref.magnitude_prune(np.concatenate([small.ravel(), large.ravel()]), 0.5)
    ref.assert_close(np.concatenate([p1.ravel(), p2.ravel()]), both)
    assert np.count_nonzero(p1 == 0) == 40 and np.array_equal(p2, large)  # the small layer pays for both


@pytest.mark.parametrize("bits", [2, 4, 8])
def test_quantization_round_trip_within_half_a_step_and_zero_exact(bits):
    w = np.concatenate([RNG.normal(size=200), [0.0]])
    q, scale, zero_point = efficient.quantize(w, bits)
    assert q.min() >= 0 and q.max() <= 2**bits - 1 and np.array_equal(q, np.round(q))
    back = efficient.dequantize(q, scale, zero_point)
    assert np.abs(back - w).max() <= scale / 2 * (1 + 1e-12)
    assert back[-1] == 0.0
    assert efficient.quantize(np.zeros(3), 8)[1] == 1.0
    with pytest.raises(ValueError, match="dequantize: scale must lie in"):
        efficient.dequantize(q, 0.0, 0.0)


def test_distillation_loss_and_its_gradient():
    zs, zt = RNG.normal(size=(4, 6)) * 3, RNG.normal(size=(4, 6)) * 3
    for T in (0.5, 1.0, 5.0):
        loss, dz = efficient.distillation_loss(zs, zt, T)
        assert loss == pytest.approx(ref.distillation_loss(zs, zt, T), rel=1e-12)
        numerical = ref.numeric_grads(lambda T=T: ref.distillation_loss(zs, zt, T), {"zs": zs}, 1.0)["zs"]
        ref.assert_close(dz, numerical, rtol=1e-7)
    ref.assert_close(efficient.softmax_t(np.array([[0.0, np.log(4.0)]]), 2.0), [[1 / 3, 2 / 3]])
    with pytest.raises(ValueError, match="distillation_loss: T must lie in"):
        efficient.distillation_loss(zs, zt, 0.0)


def test_the_teacher_shrinks_gracefully():
    _, _, X_test, y_test = compress.digits()
    teacher = compress.teacher()
    full = compress.accuracy(teacher, X_test, y_test)
    assert full >= 0.95
    assert compress.accuracy(compress.prune(teacher, 0.5), X_test, y_test) >= full - 0.02
    assert compress.accuracy(compress.quantize_weights(teacher, 8), X_test, y_test) >= full - 0.01
    assert compress.accuracy(compress.prune(teacher, 0.98), X_test, y_test) < 0.5
    assert compress.model_bytes(teacher, 8) < compress.model_bytes(teacher) / 3
