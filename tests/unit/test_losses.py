"""Softmax and losses against plain numpy references and numerical gradients."""

import numpy as np
import pytest

from helpers import losses as L
from helpers.gradcheck import numerical_gradient, rel_error

RNG = np.random.default_rng(1)


def softmax_reference(z):
    """Plain formula in extended precision: obviously right for moderate logits."""
    e = np.exp(z.astype(np.longdouble))
    return (e / e.sum(axis=-1, keepdims=True)).astype(np.float64)


@pytest.mark.parametrize("shape", [(1, 2), (5, 3), (9, 10), (4,), (2, 3, 4)])
def test_softmax_matches_formula(shape):
    z = RNG.normal(size=shape) * 3
    p = L.softmax(z)
    assert rel_error(p, softmax_reference(z)) < 1e-12
    np.testing.assert_allclose(p.sum(axis=-1), 1.0, rtol=1e-14)


def test_softmax_is_shift_invariant_and_stable_for_huge_logits():
    z = RNG.normal(size=(3, 5))
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        shifted = L.softmax(z + 1000.0)
        very_negative = L.softmax(z - 1000.0)
    assert rel_error(shifted, L.softmax(z)) < 1e-12
    assert rel_error(very_negative, L.softmax(z)) < 1e-12
    extreme = L.softmax(np.array([[1000.0, 0.0, -1000.0]]))
    np.testing.assert_array_equal(extreme, [[1.0, 0.0, 0.0]])


def test_softmax_axis():
    z = RNG.normal(size=(3, 4))
    assert rel_error(L.softmax(z, axis=0), softmax_reference(z.T).T) < 1e-12


def test_log_softmax_finite_where_log_of_softmax_is_not():
    z = np.array([[1000.0, 0.0]])
    out = L.log_softmax(z)
    assert np.all(np.isfinite(out)) and out[0, 1] == -1000.0


@pytest.mark.parametrize("labels", ["int", "onehot"])
def test_cross_entropy_matches_definition(labels):
    p = L.softmax(RNG.normal(size=(6, 4)))
    y = RNG.integers(0, 4, size=6)
    target = y if labels == "int" else np.eye(4)[y]
    expected = -np.mean(np.log(p[np.arange(6), y]))
    assert abs(L.cross_entropy(p, target) - expected) < 1e-14


@pytest.mark.parametrize("n,k", [(1, 2), (4, 3), (7, 10)])
def test_softmax_cross_entropy_gradient(n, k):
    rng = np.random.default_rng(n * 100 + k)
    z = rng.normal(size=(n, k)) * 2
    y = rng.integers(0, k, size=n)
    loss, dz = L.softmax_cross_entropy(z, y)
    assert abs(loss - L.cross_entropy(softmax_reference(z), y)) < 1e-12
    numeric = numerical_gradient(lambda v: L.softmax_cross_entropy(v, y)[0], z.copy())
    # central differences carry ~1e-10 absolute round-off, large beside the tiniest entries
    assert rel_error(dz, numeric) < 1e-6
    assert rel_error(dz, (softmax_reference(z) - np.eye(k)[y]) / n) < 1e-12


def test_softmax_cross_entropy_wrong_sign_is_caught_by_the_numerical_gradient():
    z = RNG.normal(size=(3, 4))
    y = np.array([0, 1, 3])
    _, dz = L.softmax_cross_entropy(z, y)
    numeric = numerical_gradient(lambda v: L.softmax_cross_entropy(v, y)[0], z.copy())
    assert rel_error(-dz, numeric) > 0.5


def test_softmax_cross_entropy_large_logits_finite():
    loss, dz = L.softmax_cross_entropy(np.array([[1000.0, -1000.0]]), np.array([1]))
    assert loss == 2000.0 and np.all(np.isfinite(dz))


def test_binary_cross_entropy_matches_its_definition_and_gradient():
    rng = np.random.default_rng(3)
    z, y = rng.normal(size=7) * 3, rng.integers(0, 2, size=7)
    p = 1 / (1 + np.exp(-z))
    loss, dz = L.binary_cross_entropy(z, y)
    assert abs(loss + np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))) < 1e-12
    assert rel_error(dz, numerical_gradient(lambda v: L.binary_cross_entropy(v, y)[0], z.copy())) < 1e-7
    assert rel_error(dz, (p - y) / 7) < 1e-12


def test_binary_cross_entropy_is_finite_for_huge_logits():
    loss, dz = L.binary_cross_entropy(np.array([1000.0, -1000.0, 800.0]), np.array([0, 1, 1]))
    assert np.isfinite(loss) and abs(loss - 2000 / 3) < 1e-9 and np.all(np.isfinite(dz))
    with pytest.raises(ValueError, match="y has shape"):
        L.binary_cross_entropy(np.zeros(3), np.zeros(2))


def test_mse_and_its_gradient():
    y_hat, y = RNG.normal(size=(5, 2)), RNG.normal(size=(5, 2))
    loss, grad = L.mse(y_hat, y)
    assert abs(loss - 0.5 * np.sum((y_hat - y) ** 2) / 5) < 1e-14
    assert rel_error(grad, numerical_gradient(lambda v: L.mse(v, y)[0], y_hat.copy())) < 1e-7


@pytest.mark.parametrize(
    "call,message",
    [
        (lambda: L.softmax_cross_entropy(np.zeros((2, 3)), np.array([0, 3])), r"labels in y must lie in \[0, 2\]"),
        (lambda: L.softmax_cross_entropy(np.zeros((2, 3)), np.array([0])), "y has 1 labels but there are 2"),
        (lambda: L.softmax_cross_entropy(np.zeros((2, 3)), np.zeros((2, 4))), r"one-hot y has shape \(2, 4\)"),
        (lambda: L.softmax_cross_entropy(np.zeros(3), np.array([0])), "z must be 2-D"),
        (lambda: L.softmax(np.zeros((0, 3))), "z is empty"),
        (lambda: L.mse(np.zeros((2, 1)), np.zeros((2, 2))), "y_hat has shape"),
        (lambda: L.cross_entropy(np.full((1, 2), 0.5), np.array([0.5])), "integer labels"),
    ],
)
def test_bad_input_names_the_problem(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_dtype_follows_input():
    z = RNG.normal(size=(3, 4)).astype(np.float32)
    loss, dz = L.softmax_cross_entropy(z, np.array([0, 1, 2]))
    assert L.softmax(z).dtype == np.float32 and dz.dtype == np.float32 and loss.dtype == np.float32
