"""Week 4 checks: each passes a correct solution and fails, with a useful message, on typical mistakes.

The correct solutions here are plain numpy loops, written independently of ``helpers.conv``.
"""

import numpy as np
import pytest

import helpers
from helpers.grading import CHECKS
from tests.unit.check_helpers import fails

conv = pytest.importorskip("helpers.conv")


# --------------------------------------------------------------------------- correct solutions


def zero_pad(x, pad):
    return np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))


def output_size(n, f, pad=0, stride=1):
    return (n + 2 * pad - f) // stride + 1


def windows(shape_out, stride, hh, ww):
    for i in range(shape_out[0]):
        for j in range(shape_out[1]):
            yield i, j, slice(i * stride, i * stride + hh), slice(j * stride, j * stride + ww)


def conv_forward(x, w, b, stride=1, pad=0, crop=None):
    xp = zero_pad(x, pad)
    F, _, hh, ww = w.shape
    ho, wo = output_size(x.shape[2], hh, pad, stride), output_size(x.shape[3], ww, pad, stride)
    out = np.zeros((x.shape[0], F, ho, wo))
    for i, j, r, c in windows((ho, wo), stride, hh, ww):
        out[:, :, i, j] = np.einsum("nchw,fchw->nf", xp[:, :, r, c], w) + b
    return out


def conv_backward(dout, x, w, b, stride=1, pad=0, crop=True, db_axes=(0, 2, 3)):
    xp = zero_pad(x, pad)
    dxp, dw = np.zeros_like(xp), np.zeros_like(w)
    for i, j, r, c in windows(dout.shape[2:], stride, *w.shape[2:]):
        dw += np.einsum("nf,nchw->fchw", dout[:, :, i, j], xp[:, :, r, c])
        dxp[:, :, r, c] += np.einsum("nf,fchw->nchw", dout[:, :, i, j], w)
    dx = dxp[:, :, pad : pad + x.shape[2], pad : pad + x.shape[3]] if crop else dxp
    return dx, dw, dout.sum(axis=db_axes)


def pool_forward(op):
    def forward(x, size=2, stride=2):
        ho, wo = output_size(x.shape[2], size, 0, stride), output_size(x.shape[3], size, 0, stride)
        out = np.zeros(x.shape[:2] + (ho, wo))
        for i, j, r, c in windows((ho, wo), stride, size, size):
            out[:, :, i, j] = op(x[:, :, r, c], axis=(2, 3))
        return out

    return forward


def max_pool_backward(dout, x, size=2, stride=2, add=True, first_only=True):
    """The first maximum of each window (reading order) takes dout; first_only=False is the mask rule."""
    dx = np.zeros_like(x)
    for i, j, r, c in windows(dout.shape[2:], stride, size, size):
        win = x[:, :, r, c]
        mask = win == win.max(axis=(2, 3), keepdims=True)
        if first_only:
            flat = mask.reshape(*mask.shape[:2], -1)
            mask = (np.cumsum(flat, axis=2) == 1) & flat  # the first True of each window
            mask = mask.reshape(win.shape)
        contribution = mask * dout[:, :, i, j][:, :, None, None]
        if add:
            dx[:, :, r, c] += contribution
        else:
            dx[:, :, r, c] = contribution
    return dx


def avg_pool_backward(dout, x, size=2, stride=2, scale=None):
    dx = np.zeros_like(x)
    for i, j, r, c in windows(dout.shape[2:], stride, size, size):
        dx[:, :, r, c] += dout[:, :, i, j][:, :, None, None] / (scale or size**2)
    return dx


def cnn_loss_and_grads(x, y, w1, b1, W2, b2, relu_mask=True, mean=True):
    """The week's network from this file's layers; log-softmax written out."""
    a = conv_forward(x, w1, b1, 1, 1)
    h = np.maximum(a, 0)
    p = pool_forward(np.max)(h)
    flat = p.reshape(len(x), -1)
    z = flat @ W2 + b2
    z = z - z.max(axis=1, keepdims=True)
    log_p = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
    n = len(x) if mean else 1
    loss = -log_p[np.arange(len(x)), y].sum() / n
    dz = np.exp(log_p)
    dz[np.arange(len(x)), y] -= 1
    dz /= n
    dp = (dz @ W2.T).reshape(p.shape)
    da = max_pool_backward(dp, h) * ((a > 0) if relu_mask else 1)
    _, dw1, db1 = conv_backward(da, x, w1, b1, 1, 1)
    return loss, dw1, db1, flat.T @ dz, dz.sum(axis=0)


CORRECT = {
    "zero_pad": zero_pad,
    "conv_output_size": output_size,
    "output_size_drill": lambda: [3, 28, 2, 2, 55, 1216],
    "conv_single_step": lambda s, w, b: np.sum(s * w) + b,
    "conv_forward": conv_forward,
    "conv_backward": conv_backward,
    "max_pool_forward": pool_forward(np.max),
    "avg_pool_forward": pool_forward(np.mean),
    "max_pool_backward": max_pool_backward,
    "avg_pool_backward": avg_pool_backward,
    "conv_forward_fast": conv_forward,
    "conv_backward_fast": conv_backward,
    "cnn_loss_and_grads": lambda *args: cnn_loss_and_grads(*args),
}


@pytest.mark.parametrize("name", sorted(CORRECT))
def test_correct_solutions_pass(name, capsys):
    if name != "output_size_drill":
        assert len(CHECKS[name].cases(np.random.default_rng(0))) >= 5
    assert getattr(helpers.grading, f"check_{name}")(CORRECT[name]) is None
    assert "passed" in capsys.readouterr().out


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_correct_solutions_pass_with_other_seeds(seed):
    """The grader draws each student's cases from another seed: no seed may produce a tie or an overflow."""
    for name, fn in CORRECT.items():
        getattr(helpers.grading, f"check_{name}")(fn, seed=seed)


def test_the_hidden_cases_cover_the_edge_cases_of_the_issue():
    labels = " ".join(c.label for c in CHECKS["conv_forward"].cases(np.random.default_rng(0)))
    for fragment in ("N=1, C=1", "stride 2", "stride 3", "pad 1", "non-square image", "non-square filter"):
        assert fragment in labels
    strides = {c.kwargs["stride"] for c in CHECKS["conv_backward"].cases(np.random.default_rng(0))}
    pads = {c.kwargs["pad"] for c in CHECKS["conv_backward"].cases(np.random.default_rng(0))}
    assert {1, 2, 3} <= strides and {0, 1, 2} <= pads


def test_drill_answers_are_not_in_the_release():
    release = helpers.__path__[0] + "/../release/w04_conv/w04_conv.ipynb"
    import json
    import os

    if not os.path.exists(release):
        pytest.skip("release not built")
    text = "".join("".join(c["source"]) for c in json.load(open(release))["cells"])
    assert "1216" not in text and "55, 1216" not in text


# --------------------------------------------------------------------------- typical mistakes


@pytest.mark.parametrize(
    "name,wrong,fragment",
    [
        ("zero_pad", lambda x, p: np.pad(x, p), "has shape"),  # pads N and C too
        ("zero_pad", lambda x, p: np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)), constant_values=1), "is wrong"),
        ("zero_pad", lambda x, p: np.pad(x, ((0, 0), (0, 0), (0, 2 * p), (0, 2 * p))), "is wrong"),  # one side
        ("conv_output_size", lambda n, f, pad=0, stride=1: (n + 2 * pad - f) // stride, "is wrong"),  # no + 1
        ("conv_output_size", lambda n, f, pad=0, stride=1: (n + pad - f) // stride + 1, "pad=1"),  # p, not 2p
        ("conv_output_size", lambda n, f, pad=0, stride=1: -(-(n + 2 * pad - f) // stride) + 1, "stride=2"),  # ceil
        ("conv_single_step", lambda s, w, b: np.sum(s * w), "is wrong"),
        ("conv_single_step", lambda s, w, b: np.sum(s * w + b), "is wrong"),  # bias per element
    ],
)
def test_typical_mistakes_in_sizes_fail(name, wrong, fragment):
    fails(name, wrong, fragment)


@pytest.mark.parametrize(
    "answers,fragment",
    [
        ([3, 28, 2, 2, 55], "has shape (5,), expected (6,)"),
        ([4, 28, 2, 2, 55, 1216], "the first is question 1 (output size for n = 6"),  # forgot the floor
        ([3, 28, 1, 2, 55, 1216], "question 3 ('same' padding for n = 28, f = 5"),  # p = 1 for a 5×5 filter
        ([3, 28, 2, 2, 55, 1200], "question 6 (parameters of 16 filters"),  # forgot the biases
        ("3 28 2 2 55 1216", "is a str"),
    ],
)
def test_wrong_drill_answers_fail(answers, fragment):
    message = fails("output_size_drill", lambda: answers, fragment)
    for right in ("expected 3", "expected 2", "expected 1216"):  # never the answer itself
        assert right not in message


def no_pad_forward(x, w, b, stride=1, pad=0):
    return conv_forward(x, w, b, stride, 0)


def flipped_forward(x, w, b, stride=1, pad=0):
    return conv_forward(x, w[:, :, ::-1, ::-1], b, stride, pad)


def stride_ignored(x, w, b, stride=1, pad=0):
    return conv_forward(x, w, b, 1, pad)


def no_bias(x, w, b, stride=1, pad=0):
    return conv_forward(x, w, b * 0, stride, pad)


def one_channel(x, w, b, stride=1, pad=0):
    return conv_forward(x[:, :1], w[:, :1], b, stride, pad)


def square_filters(x, w, b, stride=1, pad=0):
    F, C, hh, _ = w.shape
    return conv_forward(
        x, w[:, :, :, :hh] if w.shape[3] >= hh else np.pad(w, ((0, 0),) * 3 + ((0, hh - w.shape[3]),)), b, stride, pad
    )


def ceil_sizes(x, w, b, stride=1, pad=0):
    out = conv_forward(x, w, b, stride, pad)
    span = x.shape[2] + 2 * pad - w.shape[2]
    return np.pad(out, ((0, 0), (0, 0), (0, 1), (0, 1))) if span % stride else out


@pytest.mark.parametrize(
    "wrong,fragment",
    [
        (no_pad_forward, "stride 2, pad 1"),
        (flipped_forward, "is wrong"),
        (stride_ignored, "stride 2, pad 1"),
        (no_bias, "is wrong"),
        (one_channel, "is wrong"),
        (square_filters, "non-square filter"),
        (ceil_sizes, "`conv_forward` has shape (2, 4, 4, 4), expected (2, 4, 3, 3)"),
    ],
)
def test_typical_forward_mistakes_fail(wrong, fragment):
    fails("conv_forward", wrong, fragment, "Hint: pad x first")


def test_calling_the_reference_is_caught():
    fails(
        "conv_forward",
        lambda x, w, b, stride=1, pad=0: conv.conv2d(x, w, b, stride=stride, pad=pad),
        "calls helpers.conv.conv2d, the reference it is graded against",
    )
    fails("zero_pad", lambda x, pad: conv.pad2d(x, pad), "the reference it is graded against")
    fails(
        "max_pool_forward",
        lambda x, size=2, stride=2: conv.max_pool2d(x, size=size, stride=stride),
        "the reference it is graded against",
    )
    fails("conv_backward", lambda *a, **k: conv.conv2d_backward(*a, **k), "the reference it is graded against")


def in_place_forward(x, w, b, stride=1, pad=0):
    out = conv_forward(x, w, b, stride, pad)
    w *= 2
    return out


def test_mutating_an_input_is_caught():
    fails("conv_forward", in_place_forward, "changed its input array in place")


@pytest.mark.parametrize(
    "wrong,fragment",
    [
        (lambda *a, **k: conv_backward(*a, **k, crop=False), "without its padding"),  # padding left in dx
        (lambda d, x, w, b, stride=1, pad=0: conv_backward(d, x, w, b, stride, 0), "stride 2, pad 1"),  # pad ignored
        (lambda *a, **k: conv_backward(*a, **k, db_axes=(0,)), "`db` has shape"),
        (
            lambda d, x, w, b, stride=1, pad=0: (
                conv_backward(d, x, w, b, stride, pad)[0],
                conv_backward(d, x, w, b, stride, pad)[1] / x.shape[0],
                conv_backward(d, x, w, b, stride, pad)[2],
            ),
            "`dw` is wrong",
        ),
        (
            lambda d, x, w, b, stride=1, pad=0: tuple(-g for g in conv_backward(d, x, w, b, stride, pad)),
            "`dx` is wrong",
        ),
        (lambda d, x, w, b, stride=1, pad=0: conv_backward(d, x, w[:, :, ::-1, ::-1], b, stride, pad), "is wrong"),
    ],
)
def test_typical_backward_mistakes_fail(wrong, fragment):
    fails("conv_backward", wrong, fragment)


def test_backward_is_also_judged_against_numerical_gradients(monkeypatch):
    """Even if the reference kernel were wrong, the finite differences would catch a wrong gradient."""
    check = CHECKS["conv_backward"]
    case = check.cases(np.random.default_rng(0))[1]
    estimate = check.numerical(case, None)
    expected = conv_backward(*case.args, **case.kwargs)
    for name, value in zip(("dx", "dw", "db"), expected):
        np.testing.assert_allclose(estimate[name], value, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize(
    "name,wrong,fragment",
    [
        ("max_pool_forward", pool_forward(np.mean), "is wrong"),
        ("max_pool_forward", lambda x, size=2, stride=2: pool_forward(np.max)(x, size, size), "overlapping windows"),
        ("avg_pool_forward", pool_forward(np.max), "is wrong"),
        ("avg_pool_forward", lambda x, size=2, stride=2: pool_forward(np.sum)(x, size, stride), "is wrong"),
        (
            "max_pool_backward",
            lambda d, x, size=2, stride=2: max_pool_backward(d, x, size, stride, add=False),
            "overlapping windows",
        ),
        ("max_pool_backward", lambda d, x, size=2, stride=2: avg_pool_backward(d, x, size, stride), "is wrong"),
        (
            "avg_pool_backward",
            lambda d, x, size=2, stride=2: avg_pool_backward(d, x, size, stride, scale=size),
            "is wrong",
        ),
        (
            "avg_pool_backward",
            lambda d, x, size=2, stride=2: np.repeat(np.repeat(d, size, 2), size, 3) / size**2,
            "has shape",
        ),
    ],
)
def test_typical_pooling_mistakes_fail(name, wrong, fragment):
    fails(name, wrong, fragment)


def test_the_mask_rule_fails_on_a_tie_and_says_so():
    """A window with its maximum twice: the first maximum takes dout, as the notebook says."""
    message = fails(
        "max_pool_backward",
        lambda d, x, size=2, stride=2: max_pool_backward(d, x, size, stride, first_only=False),
        "ties",
        "FIRST maximum",
    )
    assert "case 7 of 8" in message


def test_tie_cases_have_no_numerical_estimate_and_the_others_do():
    check = CHECKS["max_pool_backward"]
    cases = check.cases(np.random.default_rng(0))
    for case in cases:
        estimate = check.numerical(case, None)
        assert ("ties" in case.label) == (estimate == {}), case.label
    average = CHECKS["avg_pool_backward"]
    assert all(average.numerical(case, None) for case in average.cases(np.random.default_rng(0)))


# --------------------------------------------------------------------------- the one-loop convolution


def test_the_fast_versions_are_graded_on_the_cases_of_the_loop_versions():
    rng = lambda: np.random.default_rng(0)
    for fast, loops in (("conv_forward_fast", "conv_forward"), ("conv_backward_fast", "conv_backward")):
        assert [c.label for c in CHECKS[fast].cases(rng())] == [c.label for c in CHECKS[loops].cases(rng())]
    fails("conv_backward_fast", lambda *a, **k: conv_backward(*a, **k, crop=False), "`dx` has shape")
    fails("conv_forward_fast", flipped_forward, "conv_forward_fast", "is wrong", "one loop over the output positions")
    fails(
        "conv_forward_fast",
        lambda x, w, b, stride=1, pad=0: conv.conv2d(x, w, b, stride=stride, pad=pad),
        "the reference it is graded against",
    )


# --------------------------------------------------------------------------- the small CNN


def test_the_network_check_tries_other_sizes_than_the_notebook():
    shapes = {
        (c.args[0].shape, c.args[2].shape[0], c.args[4].shape[1])
        for c in CHECKS["cnn_loss_and_grads"].cases(np.random.default_rng(0))
    }
    assert ((4, 1, 8, 8), 8, 10) in shapes and len(shapes) == 5
    assert any(x[1] > 1 for x, _, _ in shapes) and any(x[2] != x[3] for x, _, _ in shapes)


def test_the_network_numerical_gradients_agree_with_an_independent_backward_pass():
    """Near a kink the first layer's estimate is left out; that is rare, and never the output layer's."""
    check = CHECKS["cnn_loss_and_grads"]
    complete = 0
    for seed in range(4):
        for case in check.cases(np.random.default_rng(seed)):
            estimates = check.numerical(case, None)
            assert {"dW2", "db2"} <= set(estimates) <= {"dw1", "db1", "dW2", "db2"}
            complete += len(estimates) == 4
            analytic = dict(zip(("dw1", "db1", "dW2", "db2"), cnn_loss_and_grads(*case.args)[1:]))
            for name, value in estimates.items():
                np.testing.assert_allclose(value, analytic[name], rtol=1e-5, atol=1e-8)
    assert complete >= 18


@pytest.mark.parametrize(
    "wrong,fragments",
    [
        (lambda *a: cnn_loss_and_grads(*a, relu_mask=False), ("`dw1` is wrong",)),
        (lambda *a: cnn_loss_and_grads(*a, mean=False), ("`loss` is wrong",)),
        (lambda x, y, w1, b1, W2, b2: cnn_loss_and_grads(x, y, w1, b1, W2, b2)[:4], ("expected a tuple",)),
        (
            lambda x, y, w1, b1, W2, b2: cnn_loss_and_grads(x.reshape(-1, 1, 8, 8), y, w1, b1, W2, b2),
            ("one image, one filter, 4×4", "cannot reshape"),
        ),
        (
            lambda x, y, w1, b1, W2, b2: tuple(
                g if k != 3 else -g for k, g in enumerate(cnn_loss_and_grads(x, y, w1, b1, W2, b2))
            ),
            ("`dW2` is wrong",),
        ),
    ],
)
def test_typical_network_mistakes_fail(wrong, fragments):
    fails("cnn_loss_and_grads", wrong, *fragments)


def test_a_network_built_on_the_reference_kernels_is_caught():
    def borrowed(x, y, w1, b1, W2, b2):
        conv.conv2d(x, w1, b1, stride=1, pad=1)
        return cnn_loss_and_grads(x, y, w1, b1, W2, b2)

    fails("cnn_loss_and_grads", borrowed, "calls helpers.conv.conv2d")


def train_cnn(X, y, epochs=15, seed=0, lr=0.5, beta=0.9, batch_size=32, sign=1.0, loss_and_grads=None):
    """The notebook's training loop around this file's network, with the reference-free layers."""
    loss_and_grads = loss_and_grads or cnn_loss_and_grads
    rng = np.random.default_rng(seed)
    params = [
        rng.normal(size=(8, 1, 3, 3)) * np.sqrt(2 / 9),
        np.zeros(8),
        rng.normal(size=(128, 10)) * np.sqrt(1 / 128),
        np.zeros(10),
    ]
    velocity = [np.zeros_like(p) for p in params]
    losses = []
    for _ in range(epochs):
        order = rng.permutation(len(X))
        for first in range(0, len(X), batch_size):
            batch = order[first : first + batch_size]
            loss, *grads = loss_and_grads(X[batch], y[batch], *params)
            for k, grad in enumerate(grads):
                velocity[k] = beta * velocity[k] + (1 - beta) * grad
                params[k] = params[k] - sign * lr * velocity[k]
            losses.append(loss)
        lr *= 0.8
    return tuple(params), np.array(losses)


def fast_network(x, y, w1, b1, W2, b2):
    """The same network vectorized (the training checks' test needs speed): the 3×3 convolution (pad 1)
    as one einsum over sliding windows, the 2×2 pooling as a reshape. A graded function may not
    borrow the reference network, so this is numpy too."""
    from numpy.lib.stride_tricks import sliding_window_view

    n = len(x)
    windows_ = sliding_window_view(np.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1))), (3, 3), axis=(2, 3))
    rows = windows_.transpose(0, 2, 3, 1, 4, 5).reshape(n * x.shape[2] * x.shape[3], -1)  # (N·H·W, C·9)
    a = (rows @ w1.reshape(len(w1), -1).T).reshape(n, x.shape[2], x.shape[3], -1).transpose(0, 3, 1, 2) + b1[
        None, :, None, None
    ]
    h = np.maximum(a, 0)
    _, f, height, width = h.shape
    blocks = h.reshape(n, f, height // 2, 2, width // 2, 2)
    p = blocks.max(axis=(3, 5))
    flat = p.reshape(n, -1)
    z = flat @ W2 + b2
    z = z - z.max(axis=1, keepdims=True)
    log_p = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
    dz = np.exp(log_p)
    dz[np.arange(n), y] -= 1
    dz /= n
    dp = (dz @ W2.T).reshape(p.shape)[:, :, :, None, :, None]
    # ties in a window are zeros of the ReLU, whose gradient the mask below drops anyway
    da = ((blocks == p[:, :, :, None, :, None]) * dp).reshape(h.shape) * (a > 0)
    dw1 = (da.transpose(1, 0, 2, 3).reshape(len(w1), -1) @ rows).reshape(w1.shape)
    return float(-log_p[np.arange(n), y].mean()), dw1, da.sum(axis=(0, 2, 3)), flat.T @ dz, dz.sum(axis=0)


def test_training_reaches_the_floor_and_a_broken_training_does_not():
    helpers.grading.check_cnn_trains_digits(
        lambda X, y, epochs, seed: train_cnn(X, y, epochs, seed, loss_and_grads=fast_network)
    )
    fails(
        "cnn_trains_digits",
        lambda X, y, epochs, seed: train_cnn(X, y, epochs, seed, sign=-1.0, loss_and_grads=fast_network),
        "the losses must be finite and go down",
    )
    fails(
        "cnn_trains_digits",
        lambda X, y, epochs, seed: train_cnn(X, y, epochs, seed, lr=1e-4, loss_and_grads=fast_network),
        "is below 90%",
    )
    fails(
        "cnn_trains_digits",
        lambda X, y, epochs, seed: (train_cnn(X, y, 1, seed, loss_and_grads=fast_network)[0], np.zeros(3)),
        "`losses` holds 3 values",
    )
