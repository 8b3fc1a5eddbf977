"""The grading contract (DESIGN.md section 6), shown on week 1's checks.

Every check passes the reference, and fails, with a message a student can act on,
on the mistakes students really make.
"""

import contextlib
import io
import warnings

import numpy as np
import pytest

import helpers
from helpers import activations as A
from helpers import losses as L
from helpers.grading import CHECKS, CheckFailed
from tests.unit.check_helpers import fails, twin_of

W01 = {
    "sigmoid": A.sigmoid,
    "sigmoid_grad": A.sigmoid_grad,
    "relu": A.relu,
    "relu_grad": A.relu_grad,
    "tanh_grad": A.tanh_grad,
    "softmax": L.softmax,
    "cross_entropy": L.cross_entropy,
    "softmax_cross_entropy": L.softmax_cross_entropy,
}


@pytest.mark.parametrize("name", sorted(W01))
def test_reference_passes_with_at_least_five_cases_and_returns_none(name, capsys):
    check = CHECKS[name]
    assert len(check.cases(np.random.default_rng(0))) >= 5
    assert getattr(helpers.grading, f"check_{name}")(twin_of(W01[name])) is None
    assert "passed" in capsys.readouterr().out


def naive_softmax(z):
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)


def test_messages_name_case_shape_index_expected_got_and_hint():
    message = fails(
        "softmax",
        naive_softmax,
        "case 3 of 7",
        "array(3, 5)",
        "index (0, 0)",
        "expected 0.06",
        "got nan",
        "overflowed",
        "Hint: subtract each row's maximum",
    )
    assert "1000." not in message  # never dumps the hidden inputs


@pytest.mark.parametrize(
    "name,wrong,fragment",
    [
        ("tanh_grad", lambda z: 1 + np.tanh(z) ** 2, "check the sign"),
        ("tanh_grad", lambda z: 1 - np.tanh(z), "is wrong"),
        ("sigmoid_grad", lambda z: A.sigmoid.unguarded(z), "is wrong"),
        ("sigmoid_grad", lambda z: z * (1 - z), "it takes z, not σ(z)"),
        ("relu_grad", lambda z: (z >= 0).astype(float), "at exactly z = 0"),
        ("relu", lambda z: np.abs(z), "is wrong"),
        ("softmax", lambda z: np.exp(z - z.max()) / np.exp(z - z.max()).sum(), "is wrong"),  # global max/sum
        ("softmax", lambda z: np.exp(z - z.max(axis=-1, keepdims=True)), "is wrong"),  # not normalised
        (
            "cross_entropy",  # a sum, not the mean over the batch
            lambda p, y: -np.sum(np.log(p[np.arange(len(p)), y if np.ndim(y) == 1 else y.argmax(1)])),
            "is wrong",
        ),
        (
            "cross_entropy",
            lambda p, y: -np.mean(np.log(p[np.arange(len(p)), y])) if np.ndim(y) == 1 else 0.0,
            "one-hot labels",
        ),
    ],
)
def test_typical_mistakes_fail(name, wrong, fragment):
    fails(name, wrong, fragment)


def sce_from(dz_scale=1.0, sign=1.0, stable=True):
    def sce(z, y):
        n, k = z.shape
        t = np.eye(k)[y] if np.ndim(y) == 1 else y
        if stable:
            s = z - z.max(axis=1, keepdims=True)
            logp = s - np.log(np.exp(s).sum(axis=1, keepdims=True))
        else:
            logp = np.log(naive_softmax(z))
        return -(t * logp).sum() / n, sign * dz_scale * (np.exp(logp) - t) / n

    return sce


@pytest.mark.parametrize(
    "kwargs,fragment",
    [
        ({"dz_scale": 2.0}, "`dz` is wrong"),
        ({"sign": -1.0}, "`dz` is wrong"),
        ({"stable": False}, "`loss` is wrong"),
    ],
)
def test_softmax_cross_entropy_catches_gradient_and_stability_mistakes(kwargs, fragment):
    fails("softmax_cross_entropy", sce_from(**kwargs), fragment)
    sce_from()(np.zeros((2, 3)), np.array([0, 1]))  # the correct variant is really correct:
    helpers.grading.check_softmax_cross_entropy(sce_from())


def test_gradient_is_also_compared_with_finite_differences():
    """A dz matching a wrong reference would still disagree with the numerical gradient."""
    check = CHECKS["softmax_cross_entropy"]
    case = check.cases(np.random.default_rng(0))[2]
    estimate = check.numerical(case, check.reference(*case.args))["dz"]
    assert helpers.rel_error(estimate, check.reference(*case.args)[1]) < 1e-7


def test_mutating_the_input_fails():
    def softmax_in_place(z):
        z -= z.max(axis=-1, keepdims=True)
        np.exp(z, out=z)
        z /= z.sum(axis=-1, keepdims=True)
        return z

    fails("softmax", softmax_in_place, "changed its input array in place")


def test_calling_the_reference_trips_the_wire_however_imported():
    from helpers.losses import softmax as imported_early

    fails("softmax", lambda z: imported_early(z), "calls helpers.losses.softmax")
    fails("softmax_cross_entropy", lambda z, y: (0.0, L.softmax(z)), "calls helpers.losses.softmax")
    # outside a check, the reference works as usual
    assert L.softmax(np.zeros((1, 2)))[0, 0] == 0.5


@pytest.mark.parametrize(
    "fn,fragment",
    [
        (lambda z: None, "is a NoneType"),
        (lambda z: "0.5", "is a str"),
        (lambda z: [[0.5]], "has shape (1, 1), expected (1, 2)"),
        (lambda z: z[..., :1], "has shape"),
        (lambda z: 1 / 0, "raised ZeroDivisionError"),
    ],
)
def test_wrong_kinds_of_result_give_clear_failures(fn, fragment):
    fails("softmax", fn, fragment)


def test_always_equal_object_earns_nothing():
    class AlwaysEqual(np.ndarray):
        def __eq__(self, other):
            return True

    fails("softmax", lambda z: np.zeros_like(z).view(AlwaysEqual), "is wrong")

    class Pretender:
        def __eq__(self, other):
            return True

        __array_priority__ = 1000

    fails("softmax", lambda z: Pretender(), "is a Pretender")


def test_not_implemented_is_named():
    def stub(z):
        raise NotImplementedError()

    assert fails("softmax", stub) == "softmax is not implemented yet (it raises NotImplementedError)."


def test_nothing_reaches_stderr_even_when_student_code_warns():
    softmax = twin_of(L.softmax)

    def noisy(z):
        warnings.warn("student warning", stacklevel=2)
        import sys

        print("to stderr", file=sys.stderr)
        with np.errstate(all="warn"):
            np.exp(np.array([1e5]))
        return softmax(z)

    err = io.StringIO()
    with contextlib.redirect_stderr(err), warnings.catch_warnings():
        warnings.simplefilter("always")
        helpers.grading.check_softmax(noisy)
    assert err.getvalue() == ""


def test_softmax_regression_check():
    def train(X, y, n_classes, lr=0.5, epochs=15, batch_size=32, seed=0):
        rng = np.random.default_rng(seed)
        W, b, losses = np.zeros((X.shape[1], n_classes)), np.zeros(n_classes), []
        for _ in range(epochs):
            for batch in np.array_split(rng.permutation(len(X)), len(X) // batch_size):
                loss, dz = L.softmax_cross_entropy.unguarded(X[batch] @ W + b, y[batch])
                W, b = W - lr * X[batch].T @ dz, b - lr * dz.sum(0)
                losses.append(loss)
        return W, b, losses

    assert helpers.grading.check_softmax_regression(train) is None

    def untrained(X, y, n_classes, **kwargs):
        return np.zeros((64, 10)), np.zeros(10), [2.3, 2.2]

    fails("softmax_regression", untrained, "below 90%")

    def transposed(X, y, n_classes, **kwargs):
        W, b, losses = train(X, y, n_classes)
        return W.T, b, losses

    fails("softmax_regression", transposed, "expected (64, 10)")


def test_assert_close_shows_input_expected_and_got():
    with pytest.raises(CheckFailed) as info:
        helpers.grading.assert_close(np.array([1.0, 2.5]), [1.0, 2.0], name="f", inputs=[0, 1])
    text = str(info.value)
    assert "input:" in text and "expected:" in text and "got:" in text and "index (1,)" in text
