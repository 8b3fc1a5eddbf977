"""Week 12 checks: correct implementations pass, and the mistakes students make fail with a message naming them.

The correct implementations here are plain numpy written independently of helpers.efficient (loops, einsum,
sliding windows, sorting), so the checks' comparisons with the reference and central differences are exercised
for real.
"""

import numpy as np
import pytest
from numpy.lib.stride_tricks import sliding_window_view

import helpers
from helpers import compress
from helpers.grading import CHECKS
from tests.unit.check_helpers import fails

# --------------------------------------------------------------------------- depthwise and pointwise


def depthwise_windows(x, w, b, stride=1, pad=0):
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    windows = sliding_window_view(xp, w.shape[1:], axis=(2, 3))[:, :, ::stride, ::stride]
    return np.einsum("nchwpq,cpq->nchw", windows, w) + b[None, :, None, None]


def depthwise_loops(x, w, b, stride=1, pad=0):
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    n, c, _, _ = x.shape
    hh, ww = w.shape[1:]
    ho, wo = (xp.shape[2] - hh) // stride + 1, (xp.shape[3] - ww) // stride + 1
    out = np.zeros((n, c, ho, wo))
    for i in range(n):
        for ch in range(c):
            for r in range(ho):
                for s in range(wo):
                    out[i, ch, r, s] = (
                        np.sum(xp[i, ch, r * stride : r * stride + hh, s * stride : s * stride + ww] * w[ch]) + b[ch]
                    )
    return out


def depthwise_sums_channels(x, w, b, stride=1, pad=0):
    """Every filter applied to the sum of all channels: a standard convolution's channel sum."""
    summed = np.repeat(x.sum(axis=1, keepdims=True), x.shape[1], axis=1)
    return depthwise_windows(summed, w, b, stride, pad)


def depthwise_backward_loops(dout, x, w, b, stride=1, pad=0):
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    dxp, dw = np.zeros_like(xp), np.zeros_like(w)
    hh, ww = w.shape[1:]
    n, c, ho, wo = dout.shape
    for i in range(n):
        for ch in range(c):
            for r in range(ho):
                for s in range(wo):
                    window = (slice(r * stride, r * stride + hh), slice(s * stride, s * stride + ww))
                    dw[ch] += dout[i, ch, r, s] * xp[i, ch][window]
                    dxp[i, ch][window] += dout[i, ch, r, s] * w[ch]
    return dxp[:, :, pad : pad + x.shape[2], pad : pad + x.shape[3]], dw, dout.sum(axis=(0, 2, 3))


def test_depthwise_correct_variants_pass():
    helpers.grading.check_depthwise_conv2d(depthwise_windows)
    helpers.grading.check_depthwise_conv2d(depthwise_loops)
    helpers.grading.check_depthwise_conv2d_backward(depthwise_backward_loops)


def test_depthwise_that_sums_over_channels_is_named():
    fails("depthwise_conv2d", depthwise_sums_channels, "sums over the channels", "case 2 of 6")


def test_depthwise_backward_mistakes():
    def sums_channels(dout, x, w, b, stride=1, pad=0):
        summed = np.repeat(x.sum(axis=1, keepdims=True), x.shape[1], axis=1)
        dx, dw, db = depthwise_backward_loops(dout, summed, w, b, stride, pad)
        return np.repeat(dx.sum(axis=1, keepdims=True), x.shape[1], axis=1), dw, db

    def db_twice(dout, x, w, b, stride=1, pad=0):
        dx, dw, db = depthwise_backward_loops(dout, x, w, b, stride, pad)
        return dx, dw, db * 2.0

    fails("depthwise_conv2d_backward", sums_channels, "sums over the channels", "case 2 of 6")
    fails("depthwise_conv2d_backward", db_twice, "`db` is wrong")


def pointwise_channels_last(x, w, b):
    return (x.transpose(0, 2, 3, 1) @ w.T + b).transpose(0, 3, 1, 2)


def pointwise_backward_channels_last(dout, x, w, b):
    d = dout.transpose(0, 2, 3, 1).reshape(-1, w.shape[0])
    xs = x.transpose(0, 2, 3, 1).reshape(-1, w.shape[1])
    dx = (d @ w).reshape(x.shape[0], x.shape[2], x.shape[3], -1).transpose(0, 3, 1, 2)
    return dx, d.T @ xs, d.sum(axis=0)


def test_pointwise_variants_and_a_transposed_weight():
    helpers.grading.check_pointwise_conv2d(pointwise_channels_last)
    helpers.grading.check_pointwise_conv2d_backward(pointwise_backward_channels_last)
    fails(
        "pointwise_conv2d_backward",
        lambda dout, x, w, b: (
            pointwise_backward_channels_last(dout, x, w, b)[:1] + (w.T * 0 + 1,) + (dout.sum((0, 2, 3)),)
        ),
        "`dw`",
    )


def conv_costs_plain(C, F, K, H_out, W_out):
    per_position_std, per_position_sep = F * C * K**2, C * K**2 + C * F
    return (
        F * C * K**2 + F,
        per_position_std * H_out * W_out,
        (C * K**2 + C) + (F * C + F),
        per_position_sep * H_out * W_out,
    )


def test_conv_costs_and_its_mistakes():
    helpers.grading.check_conv_costs(conv_costs_plain)

    def no_biases(C, F, K, H_out, W_out):
        r = conv_costs_plain(C, F, K, H_out, W_out)
        return r[0] - F, r[1], r[2] - C - F, r[3]

    def depthwise_only(C, F, K, H_out, W_out):
        r = conv_costs_plain(C, F, K, H_out, W_out)
        return r[0], r[1], C * K * K + C, C * K * K * H_out * W_out

    def per_position(C, F, K, H_out, W_out):
        r = conv_costs_plain(C, F, K, H_out, W_out)
        return r[0], r[1] // (H_out * W_out), r[2], r[3] // (H_out * W_out)

    fails("conv_costs", no_biases, "biases are not counted", "params_standard")
    fails("conv_costs", depthwise_only, "without its pointwise")
    fails("conv_costs", per_position, "one output position")


# --------------------------------------------------------------------------- causal


def causal_loops(x, w, b, dilation=1):
    n, _, t = x.shape
    f, _, k = w.shape
    out = np.tile(b[None, :, None], (n, 1, t)).astype(np.float64)
    for s in range(t):
        for tap in range(k):
            src = s - (k - 1 - tap) * dilation
            if src >= 0:
                out[:, :, s] += np.einsum("nc,fc->nf", x[:, :, src], w[:, :, tap])
    return out


def causal_backward_loops(dout, x, w, b, dilation=1):
    n, _, t = x.shape
    f, _, k = w.shape
    dx, dw = np.zeros_like(x), np.zeros_like(w)
    for s in range(t):
        for tap in range(k):
            src = s - (k - 1 - tap) * dilation
            if src >= 0:
                dx[:, :, src] += dout[:, :, s] @ w[:, :, tap]
                dw[:, :, tap] += dout[:, :, s].T @ x[:, :, src]
    return dx, dw, dout.sum(axis=(0, 2))


def causal_padded(x, w, b, dilation=1, left=True, same=False, taps=None):
    k, t = w.shape[2], x.shape[2]
    reach = (k - 1) * dilation
    pads = (reach // 2, reach - reach // 2) if same else ((reach, 0) if left else (0, reach))
    xp = np.pad(x, ((0, 0), (0, 0), pads))
    w = w if taps is None else taps(w)
    return (
        sum(np.einsum("fc,nct->nft", w[:, :, i], xp[:, :, i * dilation : i * dilation + t]) for i in range(k))
        + b[None, :, None]
    )


def test_causal_correct_variants_pass():
    helpers.grading.check_causal_conv1d(causal_loops)
    helpers.grading.check_causal_conv1d(causal_padded)
    helpers.grading.check_causal_conv1d_backward(causal_backward_loops)


def test_causal_mistakes_are_named():
    fails(
        "causal_conv1d",
        lambda x, w, b, d=1: causal_padded(x, w, b, d, left=False),
        "depends on LATER inputs",
        "LEFT only",
    )
    fails("causal_conv1d", lambda x, w, b, d=1: causal_padded(x, w, b, d, same=True), "LEFT only")
    fails("causal_conv1d", lambda x, w, b, d=1: causal_padded(x, w, b, 1), "dilation is ignored")
    fails(
        "causal_conv1d",
        lambda x, w, b, d=1: causal_padded(x, w, b, d, taps=lambda v: v[:, :, ::-1]),
        "taps are reversed",
    )


def test_causal_backward_of_a_right_padded_convolution_is_named():
    def right_padded(dout, x, w, b, dilation=1):
        reversed_time = causal_backward_loops(dout[:, :, ::-1], x[:, :, ::-1], w[:, :, ::-1], b, dilation)
        return reversed_time[0][:, :, ::-1], reversed_time[1][:, :, ::-1], reversed_time[2]

    fails("causal_conv1d_backward", right_padded, "padded on the RIGHT")


def test_receptive_field_and_its_mistakes():
    helpers.grading.check_receptive_field(lambda k, dilations: 1 + (k - 1) * int(np.sum(dilations)))
    fails("receptive_field", lambda k, d: (k - 1) * sum(d), "own step is not counted")
    fails("receptive_field", lambda k, d: 1 + k * sum(d), "K·d steps")
    fails("receptive_field", lambda k, d: int(np.prod([1 + (k - 1) * v for v in d])), "multiplied")


# --------------------------------------------------------------------------- skip connections


def residual_einsum(x, W1, b1, W2, b2):
    hidden = np.einsum("nd,dh->nh", x, W1) + b1
    return np.einsum("nh,hd->nd", np.where(hidden > 0, hidden, 0.0), W2) + b2 + x


def residual_backward_written_out(dout, x, W1, b1, W2, b2):
    a = x @ W1 + b1
    relu_grad = (a > 0).astype(float)
    da = dout @ W2.T * relu_grad
    dx_branch = da @ W1.T
    return dx_branch + dout, x.T @ da, da.sum(0), (a * relu_grad).T @ dout, dout.sum(0)


def test_residual_variants_pass_and_mistakes_are_named():
    helpers.grading.check_residual_block(residual_einsum)
    helpers.grading.check_residual_block_backward(residual_backward_written_out)
    fails("residual_block", lambda x, *p: residual_einsum(x, *p) - x, "skip connection is missing")
    fails("residual_block", lambda x, *p: np.maximum(residual_einsum(x, *p), 0), "ReLU is applied after")
    fails(
        "residual_block_backward",
        lambda dout, *a: (
            (residual_backward_written_out(dout, *a)[0] - dout,) + residual_backward_written_out(dout, *a)[1:]
        ),
        "missing the identity path",
    )


def test_dense_block_channels_and_its_mistakes():
    helpers.grading.check_dense_block_channels(lambda c0, k, L: [c0 + k * i for i in range(L + 1)])
    fails("dense_block_channels", lambda c0, k, L: np.arange(L + 1) * k, "input c0 is not counted")
    fails("dense_block_channels", lambda c0, k, L: np.array([c0] + [k] * L), "layer before it")


# --------------------------------------------------------------------------- shrinking


def prune_sorted(w, sparsity):
    count = int(round(sparsity * w.size))
    if count == 0:
        return w.copy()
    threshold = np.sort(np.abs(w), axis=None)[count - 1]
    return np.where(np.abs(w) <= threshold, 0.0, w)


def prune_global_sorted(w1, w2, sparsity):
    flat = prune_sorted(np.concatenate([w1.ravel(), w2.ravel()]), sparsity)
    return flat[: w1.size].reshape(w1.shape), np.split(flat, [w1.size])[1].reshape(w2.shape)


def test_pruning_variants_pass_and_mistakes_are_named():
    helpers.grading.check_magnitude_prune(prune_sorted)
    helpers.grading.check_magnitude_prune_global(prune_global_sorted)

    def by_value(w, sparsity):
        out = w.ravel().copy()
        out[np.argsort(out)[: int(round(sparsity * w.size))]] = 0
        return out.reshape(w.shape)

    def truncates(w, sparsity):
        out = w.ravel().copy()
        out[np.argsort(np.abs(out))[: int(sparsity * w.size)]] = 0
        return out.reshape(w.shape)

    fails("magnitude_prune", by_value, "ranked by their VALUE")
    fails("magnitude_prune", truncates, "round(sparsity * w.size)", "29 of 100")
    fails("magnitude_prune", lambda w, s: prune_sorted(w, 1 - s), "fraction of weights ZEROED")
    fails("magnitude_prune_global", lambda w1, w2, s: (prune_sorted(w1, s), prune_sorted(w2, s)), "on its own")


def quantize_written_out(w, bits=8):
    top = 2**bits - 1
    lo, hi = np.minimum(w.min(), 0), np.maximum(w.max(), 0)
    scale = float(hi - lo) / top if hi != lo else 1.0
    zero_point = float(round(-lo / scale))
    return np.clip(np.rint(w / scale + zero_point), 0, top), scale, zero_point


def test_quantization_variants_pass_and_mistakes_are_named():
    helpers.grading.check_quantize(quantize_written_out)
    helpers.grading.check_dequantize(lambda q, scale, zero_point: (q - zero_point) * scale)

    def steps_of_2_to_the_bits(w, bits=8):
        lo, hi = min(w.min(), 0), max(w.max(), 0)
        scale = (hi - lo) / 2**bits if hi > lo else 1.0
        zp = np.clip(np.round(-lo / scale), 0, 2**bits - 1)
        return np.clip(np.round(w / scale) + zp, 0, 2**bits - 1), scale, zp

    def not_widened(w, bits=8):
        lo, hi = w.min(), w.max()
        scale = (hi - lo) / (2**bits - 1) if hi > lo else 1.0
        zp = np.clip(np.round(-lo / scale), 0, 2**bits - 1)
        return np.clip(np.round(w / scale) + zp, 0, 2**bits - 1), scale, zp

    fails("quantize", steps_of_2_to_the_bits, "2**bits steps")
    fails("quantize", not_widened, "not widened to hold 0")
    fails("dequantize", lambda q, scale, zp: q * scale - zp, "`w_hat` is wrong")


def distillation_log_sum_exp(zs, zt, T):
    def log_softmax(z):
        z = z / T
        return z - (
            np.max(z, axis=1, keepdims=True)
            + np.log(np.sum(np.exp(z - np.max(z, axis=1, keepdims=True)), axis=1, keepdims=True))
        )

    log_ps, pt = log_softmax(zs), np.exp(log_softmax(zt))
    n = len(zs)
    return float(-(T**2) * (pt * log_ps).sum() / n), T * (np.exp(log_ps) - pt) / n


def test_distillation_variants_pass_and_mistakes_are_named():
    helpers.grading.check_distillation_loss(distillation_log_sum_exp)

    def no_t_squared(zs, zt, T):
        loss, dz = distillation_log_sum_exp(zs, zt, T)
        return loss / T**2, dz / T**2

    def no_chain_rule(zs, zt, T):
        loss, dz = distillation_log_sum_exp(zs, zt, T)
        return loss, dz * T

    def teacher_not_softened(zs, zt, T):
        return distillation_log_sum_exp(zs, zt * T, T)

    fails("distillation_loss", no_t_squared, "T² factor is missing")
    fails("distillation_loss", no_chain_rule, "missing the 1/T of the chain rule")
    fails("distillation_loss", teacher_not_softened, "teacher's probabilities are not softened")


def _train_students(distillation_loss, trained=True):
    X, y, _, _ = compress.digits()
    common = dict(hidden=16, epochs=100 if trained else 1)

    def train_students(seed=0):
        hard = compress.train(X[:200], y[:200], seed=seed, **common)
        soft = compress.train(
            X[:200],
            y[:200],
            seed=seed,
            **common,
            teacher_logits=compress.logits(compress.teacher(), X[:200]),
            T=5.0,
            alpha=0.2,
            distillation_loss=distillation_loss,
        )
        return tuple(hard[k] for k in ("W1", "b1", "W2", "b2")) + tuple(soft[k] for k in ("W1", "b1", "W2", "b2"))

    return train_students


def test_the_distilled_student_check_judges_the_trained_networks():
    helpers.grading.check_distilled_student_wins(_train_students(distillation_log_sum_exp))

    def pushes_away(zs, zt, T):  # the gradient's sign flipped: the student learns the opposite of the teacher
        loss, dz = distillation_log_sum_exp(zs, zt, T)
        return loss, -dz

    fails("distilled_student_wins", _train_students(pushes_away), "the distilled student gets")
    fails("distilled_student_wins", lambda seed=0: (np.zeros(3),), "returns the 8 arrays")


def test_every_week12_check_has_a_hint_and_edge_cases_first():
    week = [c for c in CHECKS.values() if c.cases.__module__.startswith("helpers.grading.w12")]
    assert len(week) == 22
    for check in week:
        assert check.hint, check.name
        cases = check.cases(np.random.default_rng(0))
        assert len(cases) >= 1, check.name
        if len(cases) > 1:
            assert "random" in cases[-1].label or check.name in (
                "conv_costs",
                "receptive_field",
                "dense_block_channels",
                "dequantize",
                "magnitude_prune",
                "magnitude_prune_global",
            ), check.name


@pytest.mark.parametrize("check", ["causal_conv1d", "depthwise_conv2d", "distillation_loss"])
def test_a_function_that_calls_the_reference_fails(check):
    kernel = getattr(helpers.efficient, check)
    fails(check, lambda *args: kernel(*args), "the reference it is graded against")


# --------------------------------------------------------------------------- normalization over other axes


def normalize_loops(x, gamma, beta, axes, eps=1e-5):
    """One group of values at a time: every index of the axes not averaged picks a group."""
    out = np.empty_like(x)
    kept = [a for a in range(4) if a not in axes]
    for index in np.ndindex(*(x.shape[a] for a in kept)):
        where = [slice(None)] * 4
        for a, i in zip(kept, index):
            where[a] = i
        group = x[tuple(where)]
        mean = group.sum() / group.size
        std = np.sqrt(((group - mean) ** 2).sum() / group.size + eps)
        out[tuple(where)] = (group - mean) / std
    return out * gamma.reshape(1, -1, 1, 1) + beta.reshape(1, -1, 1, 1)


def normalize_moved_axes(x, gamma, beta, axes, eps=1e-5):
    """The averaged axes moved to the end and flattened into one: statistics over the last axis."""
    kept = [a for a in range(4) if a not in axes]
    moved = np.transpose(x, kept + list(axes))
    rows = moved.reshape(moved.shape[: len(kept)] + (-1,))
    mean = rows.mean(axis=-1, keepdims=True)
    var = ((rows - mean) ** 2).mean(axis=-1, keepdims=True)
    normed = ((rows - mean) / np.sqrt(var + eps)).reshape(moved.shape)
    out = np.transpose(normed, np.argsort(kept + list(axes)))
    return gamma[:, None, None] * out + beta[:, None, None]


def normalize_with(ddof=0, where_eps="inside", axes_override=None):
    def normalize(x, gamma, beta, axes, eps=1e-5):
        axes = axes_override or axes
        mu = x.mean(axis=axes, keepdims=True)
        var = x.var(axis=axes, keepdims=True, ddof=ddof)
        scale = {"inside": np.sqrt(var + eps), "outside": np.sqrt(var) + eps, "none": np.sqrt(var)}[where_eps]
        return gamma[None, :, None, None] * (x - mu) / scale + beta[None, :, None, None]

    return normalize


@pytest.mark.parametrize("fn", [normalize_loops, normalize_moved_axes, normalize_with()])
def test_normalize_correct_variants_pass(fn):
    helpers.grading.check_normalize(fn)
    helpers.grading.check_normalize(helpers.norm.axes_as_tuple(fn))


def test_axes_as_tuple_turns_the_lists_of_the_wire_into_tuples():
    x, g, b = np.random.default_rng(0).normal(size=(2, 3, 2, 2)), np.ones(3), np.zeros(3)
    with pytest.raises(TypeError):
        normalize_with()(x, g, b, [1, 2, 3])  # numpy takes a tuple of axes only, as the grader's kernel would see
    graded = helpers.norm.axes_as_tuple(normalize_with())
    np.testing.assert_allclose(graded(x, g, b, [1, 2, 3]), helpers.norm.normalize(x, g, b, (1, 2, 3)))


@pytest.mark.parametrize(
    "fn, fragments",
    [
        (normalize_with(ddof=1), ("divided by m − 1", "ddof=1")),
        (normalize_with(where_eps="outside"), ("ε is added outside the square root",)),
        (normalize_with(where_eps="none"), ("ε is missing",)),
        (normalize_with(axes_override=(0, 2, 3)), ("the axes argument is ignored",)),
    ],
)
def test_normalize_mistakes_are_named(fn, fragments):
    fails("normalize", fn, *fragments)


def named(axes, **how):
    def norm_fn(x, gamma, beta, eps=1e-5):
        return normalize_with(**how)(x, gamma, beta, axes, eps)

    return norm_fn


def test_batch_layer_instance_norm_pass():
    helpers.grading.check_batch_norm_images(named((0, 2, 3)))
    helpers.grading.check_layer_norm_images(named((1, 2, 3)))
    helpers.grading.check_instance_norm_images(named((2, 3)))
    helpers.grading.check_layer_norm_images(lambda x, g, b, eps=1e-5: normalize_moved_axes(x, g, b, (1, 2, 3), eps))


@pytest.mark.parametrize(
    "kind, fn, fragments",
    [
        ("layer", named((0, 1, 2, 3)), ("normalizing over N too", "never axis 0")),
        ("layer", named((0, 2, 3)), ("batch norm's axes (0, 2, 3)",)),
        ("layer", named((2, 3)), ("instance norm's axes (2, 3)",)),
        ("layer", named((1,)), ("over the channels only",)),
        ("instance", named((0, 2, 3)), ("batch norm's axes", "never looks at the other examples")),
        ("batch", named((2, 3)), ("instance norm's axes (2, 3)", "axis 0")),
        ("batch", named((0,)), ("only the batch axis",)),
        ("layer", named((1, 2, 3), ddof=1), ("divided by m − 1",)),
        ("instance", named((2, 3), where_eps="outside"), ("ε is added outside the square root",)),
    ],
)
def test_wrong_axes_and_arithmetic_are_named(kind, fn, fragments):
    fails(f"{kind}_norm_images", fn, *fragments)


def test_batch_of_one_answers():
    helpers.grading.check_batch_of_one_answers(lambda: [0, 1, 0, 0, 1, 1])
    helpers.grading.check_batch_of_one_answers(lambda: np.array([0.0, 1.0, 0.0, 0.0, 1.0, 1.0]))
    message = fails("batch_of_one_answers", lambda: [1, 1, 1, 0, 1, 1], "(a) a batch of one", "batch norm")
    assert "x − μ = 0" in message
    fails("batch_of_one_answers", lambda: [0, 1, 0, 0, 1, 0], "(b) the same output alone or in a batch, instance")


def test_calling_week_9_or_11_kernels_fails():
    fails("normalize", lambda *args: helpers.norm.normalize(*args), "the reference it is graded against")
    fails(
        "batch_norm_images",
        lambda x, g, b, eps=1e-5: helpers.norm.batchnorm_forward(x, g, b, eps=eps)[0],
        "the reference it is graded against",
    )
