"""Week 4 checks: each passes a correct solution and fails, with a useful message, on typical mistakes.

The correct solutions here are plain numpy loops, written independently of ``helpers.conv``.
"""
import numpy as np
import pytest

import helpers
from helpers.grading import CHECKS
from check_helpers import fails

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
    dx = dxp[:, :, pad:pad + x.shape[2], pad:pad + x.shape[3]] if crop else dxp
    return dx, dw, dout.sum(axis=db_axes)


def pool_forward(op):
    def forward(x, size=2, stride=2):
        ho, wo = output_size(x.shape[2], size, 0, stride), output_size(x.shape[3], size, 0, stride)
        out = np.zeros(x.shape[:2] + (ho, wo))
        for i, j, r, c in windows((ho, wo), stride, size, size):
            out[:, :, i, j] = op(x[:, :, r, c], axis=(2, 3))
        return out
    return forward


def max_pool_backward(dout, x, size=2, stride=2, add=True):
    dx = np.zeros_like(x)
    for i, j, r, c in windows(dout.shape[2:], stride, size, size):
        win = x[:, :, r, c]
        contribution = (win == win.max(axis=(2, 3), keepdims=True)) * dout[:, :, i, j][:, :, None, None]
        if add:
            dx[:, :, r, c] += contribution
        else:
            dx[:, :, r, c] = contribution
    return dx


def avg_pool_backward(dout, x, size=2, stride=2, scale=None):
    dx = np.zeros_like(x)
    for i, j, r, c in windows(dout.shape[2:], stride, size, size):
        dx[:, :, r, c] += dout[:, :, i, j][:, :, None, None] / (scale or size ** 2)
    return dx


CORRECT = {
    "zero_pad": zero_pad, "conv_output_size": output_size, "output_size_drill": lambda: [3, 28, 2, 2, 55, 1216],
    "conv_single_step": lambda s, w, b: np.sum(s * w) + b, "conv_forward": conv_forward,
    "conv_backward": conv_backward, "max_pool_forward": pool_forward(np.max),
    "avg_pool_forward": pool_forward(np.mean), "max_pool_backward": max_pool_backward,
    "avg_pool_backward": avg_pool_backward,
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
    release = (helpers.__path__[0] + "/../release/w04_conv/w04_conv.ipynb")
    import json, os
    if not os.path.exists(release):
        pytest.skip("release not built")
    text = "".join("".join(c["source"]) for c in json.load(open(release))["cells"])
    assert "1216" not in text and "55, 1216" not in text


# --------------------------------------------------------------------------- typical mistakes

@pytest.mark.parametrize("name,wrong,fragment", [
    ("zero_pad", lambda x, p: np.pad(x, p), "has shape"),                                   # pads N and C too
    ("zero_pad", lambda x, p: np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)), constant_values=1), "is wrong"),
    ("zero_pad", lambda x, p: np.pad(x, ((0, 0), (0, 0), (0, 2 * p), (0, 2 * p))), "is wrong"),  # one side
    ("conv_output_size", lambda n, f, pad=0, stride=1: (n + 2 * pad - f) // stride, "is wrong"),  # no + 1
    ("conv_output_size", lambda n, f, pad=0, stride=1: (n + pad - f) // stride + 1, "pad=1"),     # p, not 2p
    ("conv_output_size", lambda n, f, pad=0, stride=1: -(-(n + 2 * pad - f) // stride) + 1, "stride=2"),  # ceil
    ("conv_single_step", lambda s, w, b: np.sum(s * w), "is wrong"),
    ("conv_single_step", lambda s, w, b: np.sum(s * w + b), "is wrong"),                       # bias per element
])
def test_typical_mistakes_in_sizes_fail(name, wrong, fragment):
    fails(name, wrong, fragment)


@pytest.mark.parametrize("answers,fragment", [
    ([3, 28, 2, 2, 55], "has shape (5,), expected (6,)"),
    ([4, 28, 2, 2, 55, 1216], "the first is question 1 (output size for n = 6"),   # forgot the floor
    ([3, 28, 1, 2, 55, 1216], "question 3 ('same' padding for n = 28, f = 5"),     # p = 1 for a 5×5 filter
    ([3, 28, 2, 2, 55, 1200], "question 6 (parameters of 16 filters"),            # forgot the biases
    ("3 28 2 2 55 1216", "is a str"),
])
def test_wrong_drill_answers_fail(answers, fragment):
    message = fails("output_size_drill", lambda: answers, fragment)
    for right in ("expected 3", "expected 2", "expected 1216"):   # never the answer itself
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
    return conv_forward(x, w[:, :, :, :hh] if w.shape[3] >= hh else np.pad(w, ((0, 0),) * 3 + ((0, hh - w.shape[3]),)),
                        b, stride, pad)


def ceil_sizes(x, w, b, stride=1, pad=0):
    out = conv_forward(x, w, b, stride, pad)
    span = x.shape[2] + 2 * pad - w.shape[2]
    return np.pad(out, ((0, 0), (0, 0), (0, 1), (0, 1))) if span % stride else out


@pytest.mark.parametrize("wrong,fragment", [
    (no_pad_forward, "stride 2, pad 1"),
    (flipped_forward, "is wrong"),
    (stride_ignored, "stride 2, pad 1"),
    (no_bias, "is wrong"),
    (one_channel, "is wrong"),
    (square_filters, "non-square filter"),
    (ceil_sizes, "`conv_forward` has shape (2, 4, 4, 4), expected (2, 4, 3, 3)"),
])
def test_typical_forward_mistakes_fail(wrong, fragment):
    fails("conv_forward", wrong, fragment, "Hint: pad x first")


def test_calling_the_reference_is_caught():
    fails("conv_forward", lambda x, w, b, stride=1, pad=0: conv.conv2d(x, w, b, stride=stride, pad=pad),
          "calls helpers.conv.conv2d, the reference it is graded against")
    fails("zero_pad", lambda x, pad: conv.pad2d(x, pad), "the reference it is graded against")
    fails("max_pool_forward", lambda x, size=2, stride=2: conv.max_pool2d(x, size=size, stride=stride),
          "the reference it is graded against")
    fails("conv_backward", lambda *a, **k: conv.conv2d_backward(*a, **k), "the reference it is graded against")


def in_place_forward(x, w, b, stride=1, pad=0):
    out = conv_forward(x, w, b, stride, pad)
    w *= 2
    return out


def test_mutating_an_input_is_caught():
    fails("conv_forward", in_place_forward, "changed its input array in place")


@pytest.mark.parametrize("wrong,fragment", [
    (lambda *a, **k: conv_backward(*a, **k, crop=False), "without its padding"),        # padding left in dx
    (lambda d, x, w, b, stride=1, pad=0: conv_backward(d, x, w, b, stride, 0), "stride 2, pad 1"),  # pad ignored
    (lambda *a, **k: conv_backward(*a, **k, db_axes=(0,)), "`db` has shape"),
    (lambda d, x, w, b, stride=1, pad=0: (conv_backward(d, x, w, b, stride, pad)[0],
                                          conv_backward(d, x, w, b, stride, pad)[1] / x.shape[0],
                                          conv_backward(d, x, w, b, stride, pad)[2]), "`dw` is wrong"),
    (lambda d, x, w, b, stride=1, pad=0: tuple(-g for g in conv_backward(d, x, w, b, stride, pad)), "`dx` is wrong"),
    (lambda d, x, w, b, stride=1, pad=0: conv_backward(d, x, w[:, :, ::-1, ::-1], b, stride, pad), "is wrong"),
])
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


@pytest.mark.parametrize("name,wrong,fragment", [
    ("max_pool_forward", pool_forward(np.mean), "is wrong"),
    ("max_pool_forward", lambda x, size=2, stride=2: pool_forward(np.max)(x, size, size), "overlapping windows"),
    ("avg_pool_forward", pool_forward(np.max), "is wrong"),
    ("avg_pool_forward", lambda x, size=2, stride=2: pool_forward(np.sum)(x, size, stride), "is wrong"),
    ("max_pool_backward", lambda d, x, size=2, stride=2: max_pool_backward(d, x, size, stride, add=False),
     "overlapping windows"),
    ("max_pool_backward", lambda d, x, size=2, stride=2: avg_pool_backward(d, x, size, stride), "is wrong"),
    ("avg_pool_backward", lambda d, x, size=2, stride=2: avg_pool_backward(d, x, size, stride, scale=size),
     "is wrong"),
    ("avg_pool_backward", lambda d, x, size=2, stride=2: np.repeat(np.repeat(d, size, 2), size, 3) / size ** 2,
     "has shape"),
])
def test_typical_pooling_mistakes_fail(name, wrong, fragment):
    fails(name, wrong, fragment)
