"""helpers.norm: batch norm (train and inference, 2-D and per-channel 4-D) and inverted dropout."""

import numpy as np
import pytest

from helpers import norm, numpy_reference, transformer
from helpers.gradcheck import rel_error
from tests.unit import plain_numpy as ref

RNG = np.random.default_rng(9)
SHAPES = [(1, 1), (5, 3), (4, 2, 3, 5), (1, 3, 2, 2), (2, 1, 1, 3)]


def params(shape, dtype=np.float64):
    x = RNG.normal(size=shape) * 2 + 0.5
    f = shape[1]
    return x.astype(dtype), (1 + 0.5 * RNG.normal(size=f)).astype(dtype), RNG.normal(size=f).astype(dtype)


def as_rows(x):
    """(N, C, H, W) → (N·H·W, C): per-channel batch norm is batch norm of these rows."""
    return x if x.ndim == 2 else x.transpose(0, 2, 3, 1).reshape(-1, x.shape[1])


@pytest.mark.parametrize("shape", SHAPES)
def test_train_forward_matches_reference_and_updates_running_averages(shape):
    x, gamma, beta = params(shape)
    rm, rv = RNG.normal(size=shape[1]), RNG.uniform(0.5, 2, size=shape[1])
    out, new_mean, new_var = norm.batchnorm_forward(x, gamma, beta, "train", rm, rv, momentum=0.8, eps=1e-5)
    want, mean, var = ref.batchnorm_train(as_rows(x), gamma, beta, 1e-5)
    got_rows = as_rows(out)
    ref.assert_close(got_rows, want)
    ref.assert_close(new_mean, 0.8 * rm + 0.2 * mean)
    ref.assert_close(new_var, 0.8 * rv + 0.2 * var)


def test_train_output_has_mean_beta_and_std_gamma():
    x, gamma, beta = params((64, 4))
    out, _, _ = norm.batchnorm_forward(x, gamma, beta)
    ref.assert_close(out.mean(axis=0), beta, rtol=1e-12)
    np.testing.assert_allclose(out.std(axis=0), np.abs(gamma), rtol=1e-4)


def test_running_averages_start_from_zero_and_one():
    x, gamma, beta = params((6, 3))
    _, m, v = norm.batchnorm_forward(x, gamma, beta, momentum=0.9)
    ref.assert_close(m, 0.1 * x.mean(axis=0))
    ref.assert_close(v, 0.9 + 0.1 * x.var(axis=0))


@pytest.mark.parametrize("shape", SHAPES)
def test_inference_uses_the_running_statistics(shape):
    x, gamma, beta = params(shape)
    rm, rv = RNG.normal(size=shape[1]), RNG.uniform(0.5, 2, size=shape[1])
    out, m, v = norm.batchnorm_forward(x, gamma, beta, "inference", rm, rv, eps=1e-3)
    want = gamma * (as_rows(x) - rm) / np.sqrt(rv + 1e-3) + beta
    ref.assert_close(as_rows(out), want)
    np.testing.assert_array_equal(m, rm)
    assert m is not rm and v is not rv


@pytest.mark.parametrize("mode", ["train", "inference"])
@pytest.mark.parametrize("shape", SHAPES)
def test_backward_matches_numerical_gradient(mode, shape):
    x, gamma, beta = params(shape)
    rm, rv = RNG.normal(size=shape[1]), RNG.uniform(0.5, 2, size=shape[1])
    dout = RNG.normal(size=shape)
    grads = norm.batchnorm_backward(dout, x, gamma, beta, mode, rm, rv, eps=1e-5)
    forward = lambda: norm.batchnorm_forward.unguarded(x, gamma, beta, mode, rm, rv, eps=1e-5)[0]
    num = ref.numeric_grads(forward, {"dx": x, "dgamma": gamma, "dbeta": beta}, dout)
    for name, got in zip(("dx", "dgamma", "dbeta"), grads):
        assert got.shape == num[name].shape
        assert rel_error(got, num[name]) <= 1e-7, name


def test_float32_views_and_no_mutation():
    x, gamma, beta = params((4, 3, 5, 2))
    xv = np.ascontiguousarray(x.transpose(0, 2, 3, 1)).transpose(0, 3, 1, 2)
    rm, rv = np.zeros(3), np.ones(3)
    dout = RNG.normal(size=x.shape)
    before = ref.snapshot(xv, gamma, beta, rm, rv, dout)
    out, m, v = norm.batchnorm_forward(xv, gamma, beta, "train", rm, rv)
    grads = norm.batchnorm_backward(dout, xv, gamma, beta, "train", rm, rv)
    ref.assert_unchanged(before, [xv, gamma, beta, rm, rv, dout])
    ref.assert_close(out, norm.batchnorm_forward(x, gamma, beta, "train", rm, rv)[0])
    f32 = [a.astype(np.float32) for a in (x, gamma, beta)]
    out32, m32, v32 = norm.batchnorm_forward(*f32, "train", rm, rv)
    for a32, a64 in zip((out32, m32, v32), (out, m, v)):
        ref.close_float32(a32, a64)
    for g32, g64 in zip(norm.batchnorm_backward(dout.astype(np.float32), *f32, "train", rm, rv), grads):
        ref.close_float32(g32, g64)


def edge_cases():
    """(label, x, eps): the week-9 edge cases: one example, near-zero and zero variance, a large
    mean with a small spread, a large batch."""
    near_zero = RNG.normal(size=(8, 3))
    near_zero[:, 1] = 2.0 + 1e-7 * RNG.normal(size=8)
    constant = RNG.normal(size=(6, 3))
    constant[:, 0] = -1.5
    return [
        ("N=1", RNG.normal(size=(1, 4)), 1e-5),
        ("near-zero variance", near_zero, 1e-5),
        ("zero variance", constant, 1e-3),
        ("mean 1e4, std 0.01", 1e4 + 0.01 * RNG.normal(size=(7, 2)), 1e-5),
        ("N=5000", RNG.normal(size=(5000, 3)) * 3 + 1, 1e-5),
    ]


@pytest.mark.parametrize("label, x, eps", edge_cases(), ids=[c[0] for c in edge_cases()])
def test_train_edge_cases_match_reference(label, x, eps):
    d = x.shape[1]
    gamma, beta = 1 + 0.5 * RNG.normal(size=d), RNG.normal(size=d)
    out, new_mean, new_var = norm.batchnorm_forward(
        x, gamma, beta, "train", np.zeros(d), np.ones(d), momentum=0.9, eps=eps
    )
    want, mean, var = ref.batchnorm_train(x, gamma, beta, eps)
    ref.assert_close(out, want, rtol=1e-10)
    ref.assert_close(new_mean, 0.1 * mean, rtol=1e-12)
    ref.assert_close(new_var, 0.9 + 0.1 * var, rtol=1e-12)
    if x.shape[0] == 1:
        np.testing.assert_array_equal(out[0], beta)  # x̂ = 0 for a batch of one
        ref.assert_close(new_var, np.full(d, 0.9))  # its variance is 0


@pytest.mark.parametrize("label, x, eps", edge_cases()[:3], ids=[c[0] for c in edge_cases()[:3]])
def test_backward_edge_cases_match_numerical_gradient(label, x, eps):
    d = x.shape[1]
    gamma, beta = 1 + 0.5 * RNG.normal(size=d), RNG.normal(size=d)
    dout = RNG.normal(size=x.shape)
    dx, dgamma, dbeta = norm.batchnorm_backward(dout, x, gamma, beta, "train", eps=eps)
    num = ref.numeric_grads(
        lambda: ref.batchnorm_train(x, gamma, beta, eps)[0], {"dx": x, "dgamma": gamma, "dbeta": beta}, dout
    )
    for name, got in zip(("dx", "dgamma", "dbeta"), (dx, dgamma, dbeta)):
        assert rel_error(got, num[name]) <= 1e-6 or np.max(np.abs(got - num[name])) <= 1e-8, name
    if x.shape[0] == 1:
        np.testing.assert_array_equal(dx, np.zeros_like(x))  # out = β whatever x is


def test_backward_columns_of_dx_sum_to_zero():
    """A constant added before batch norm is removed with the mean: it gets no gradient."""
    x, gamma, beta = params((16, 5))
    dx, _, _ = norm.batchnorm_backward(RNG.normal(size=x.shape), x, gamma, beta)
    np.testing.assert_allclose(dx.sum(axis=0), 0.0, atol=1e-12)


def test_batchnorm_bad_input():
    x, gamma, beta = params((5, 3))
    cases = [
        ((x[0], gamma, beta), r"batchnorm_forward: x must be 2 or 4-D, got shape \(3,\)"),
        ((x, gamma[:2], beta), r"batchnorm_forward: gamma has 2 entries, x has 3 features"),
        ((np.ones((2, 4, 3, 3)), np.ones(3), np.ones(3)), r"gamma has 3 entries, x has 4 channels"),
        ((x, gamma, beta.astype(np.float32)), r"mixed dtypes"),
        ((x[:0], gamma, beta), r"x is empty"),
    ]
    for args, message in cases:
        with pytest.raises(ValueError, match=message):
            norm.batchnorm_forward(*args)
    with pytest.raises(ValueError, match="inference mode needs running_mean"):
        norm.batchnorm_forward(x, gamma, beta, "inference")
    with pytest.raises(ValueError, match="mode must be 'train' or 'inference'"):
        norm.batchnorm_forward(x, gamma, beta, "test")
    with pytest.raises(ValueError, match=r"running_var has 4 entries, x has 3 features"):
        norm.batchnorm_forward(x, gamma, beta, "train", np.zeros(3), np.ones(4))
    with pytest.raises(ValueError, match=r"batchnorm_backward: dout has shape \(4, 3\), x has shape \(5, 3\)"):
        norm.batchnorm_backward(np.ones((4, 3)), x, gamma, beta)
    with pytest.raises(ValueError, match="momentum must be a number in"):
        norm.batchnorm_forward(x, gamma, beta, momentum=1.5)


# --------------------------------------------------------------------------- dropout


def test_dropout_is_inverted_and_reproducible():
    x = RNG.normal(size=(200, 50))
    out, mask = norm.dropout_forward(x, 0.3, rng=0)
    assert mask.dtype == bool and mask.shape == x.shape
    np.testing.assert_array_equal(out, np.where(mask, x / 0.7, 0.0))
    assert abs(mask.mean() - 0.7) < 0.02
    out2, mask2 = norm.dropout_forward(x, 0.3, rng=np.random.default_rng(0))
    np.testing.assert_array_equal(mask, mask2)
    ones, _ = norm.dropout_forward(np.ones((400, 400)), 0.5, rng=1)
    assert abs(ones.mean() - 1.0) < 0.01  # the expected activation is unchanged


def test_dropout_test_mode_and_p_zero():
    x = RNG.normal(size=(3, 4))
    out, mask = norm.dropout_forward(x, 0.9, train=False)
    np.testing.assert_array_equal(out, x)
    assert out is not x and mask.all()
    out, mask = norm.dropout_forward(x, 0.0, rng=3)
    np.testing.assert_array_equal(out, x)


def test_dropout_backward_matches_numerical_gradient_dtype_and_no_mutation():
    x = RNG.normal(size=(4, 6))
    _, mask = norm.dropout_forward(x, 0.4, rng=5)
    dout = RNG.normal(size=x.shape)
    before = ref.snapshot(x, mask, dout)
    dx = norm.dropout_backward(dout, mask, 0.4)
    num = ref.numeric_grads(lambda: np.where(mask, x / 0.6, 0.0), {"dx": x}, dout)
    assert rel_error(dx, num["dx"]) <= 1e-7
    ref.assert_unchanged(before, [x, mask, dout])
    out32, mask32 = norm.dropout_forward(x.astype(np.float32), 0.4, rng=5)
    assert out32.dtype == np.float32 and np.array_equal(mask32, mask)
    ref.close_float32(norm.dropout_backward(dout.astype(np.float32)[:, ::1], mask, 0.4), dx)
    ref.assert_close(norm.dropout_backward(np.asfortranarray(dout), mask, 0.4), dx, rtol=0)


def test_dropout_bad_input():
    x = np.ones((2, 3))
    with pytest.raises(
        ValueError, match=r"dropout_forward: p \(the probability of dropping a unit\) must lie in \[0, 1\), got 1"
    ):
        norm.dropout_forward(x, 1)
    with pytest.raises(ValueError, match="rng must be a numpy Generator"):
        norm.dropout_forward(x, 0.5, rng="seed")
    with pytest.raises(ValueError, match=r"dropout_backward: mask has shape \(3, 2\), dout has shape \(2, 3\)"):
        norm.dropout_backward(x, np.ones((3, 2), dtype=bool), 0.5)
    with pytest.raises(ValueError, match="mask must be the boolean mask"):
        norm.dropout_backward(x, np.ones((2, 3)), 0.5)
    with pytest.raises(ValueError, match=r"dropout_forward: x is empty"):
        norm.dropout_forward(np.ones((0, 3)), 0.5)


# --------------------------------------------------------------------------- normalize over other axes (week 12)

NCHW = [(1, 3, 2, 2), (4, 1, 3, 3), (5, 4, 1, 1), (1, 4, 1, 1), (3, 2, 4, 5)]


@pytest.mark.parametrize("kind", list(norm.NORM_AXES))
@pytest.mark.parametrize("shape", NCHW)
def test_normalize_matches_the_loop_over_groups(kind, shape):
    x, gamma, beta = params(shape)
    axes = norm.NORM_AXES[kind]
    ref.assert_close(norm.normalize(x, gamma, beta, axes), numpy_reference.normalize(x, gamma, beta, axes))
    ref.assert_close(
        norm.normalize(x, gamma, beta, axes, eps=0.3), numpy_reference.normalize(x, gamma, beta, axes, 0.3)
    )


@pytest.mark.parametrize("shape", NCHW)
def test_normalize_over_batch_axes_is_batch_norm_and_over_the_rest_is_layer_norm(shape):
    x, gamma, beta = params(shape)
    ref.assert_close(norm.normalize(x, gamma, beta, (0, 2, 3)), norm.batchnorm_forward(x, gamma, beta)[0])
    ones, zeros = np.ones(x[0].size), np.zeros(x[0].size)
    flat = transformer.layer_norm(x.reshape(len(x), -1), ones, zeros).reshape(x.shape)
    ref.assert_close(norm.normalize(x, np.ones(shape[1]), np.zeros(shape[1]), (1, 2, 3)), flat)


def test_a_batch_of_one_vector_leaves_only_beta_for_batch_and_instance_norm():
    x, gamma, beta = params((1, 4, 1, 1))
    for kind in ("batch", "instance"):
        ref.assert_close(
            norm.normalize(x, gamma, beta, norm.NORM_AXES[kind]), np.broadcast_to(beta[:, None, None], x.shape)
        )
    out = norm.normalize(x, gamma, beta, norm.NORM_AXES["layer"])
    assert np.abs(out - beta[:, None, None]).max() > 0.1


def test_a_constant_input_gives_beta_thanks_to_eps():
    x = np.full((2, 3, 2, 2), 7.0)
    gamma, beta = np.array([2.0, -1.0, 0.5]), np.array([0.1, 0.2, 0.3])
    for axes in norm.NORM_AXES.values():
        np.testing.assert_array_equal(
            norm.normalize(x, gamma, beta, axes), np.broadcast_to(beta[:, None, None], x.shape)
        )


def test_normalize_float32_views_and_no_mutation():
    x, gamma, beta = params((3, 2, 4, 6), np.float32)
    view = x[:, :, :, ::2]
    before = view.copy()
    out = norm.normalize(view, gamma, beta, [1, 2, 3])
    assert out.dtype == np.float32
    np.testing.assert_array_equal(view, before)
    np.testing.assert_allclose(
        out, numpy_reference.normalize(before.astype(np.float64), gamma, beta, (1, 2, 3)), rtol=1e-5, atol=1e-5
    )


def test_normalize_bad_input():
    x, gamma, beta = params((2, 3, 2, 2))
    for args, message in [
        ((x[0], gamma, beta, (1, 2)), r"normalize: x must be 4-D"),
        ((x, gamma[:2], beta, (2, 3)), r"normalize: gamma has 2 entries, x has 3 channels"),
        ((x, gamma, beta, ()), r"normalize: axes must be a non-empty tuple"),
        ((x, gamma, beta, (1, 4)), r"normalize: axes must be a non-empty tuple of integers in 0 … 3"),
        ((x, gamma, beta, (2, 2)), r"normalize: axes \(2, 2\) names an axis twice"),
        ((x, gamma, beta, 2), r"normalize: axes must be a tuple"),
    ]:
        with pytest.raises(ValueError, match=message):
            norm.normalize(*args)
    with pytest.raises(ValueError, match="eps must be a number > 0"):
        norm.normalize(x, gamma, beta, (2, 3), eps=0.0)
