"""Activations against plain numpy formulas and finite differences."""

import numpy as np
import pytest

from helpers import activations as A
from helpers.gradcheck import rel_error

RNG = np.random.default_rng(0)
SHAPES = [(1,), (7,), (3, 4), (2, 3, 5)]


def numpy_reference(name, z):
    return {
        "step": (z > 0).astype(float),
        "sigmoid": 1 / (1 + np.exp(-z)),
        "tanh": np.tanh(z),
        "relu": np.where(z > 0, z, 0.0),
    }[name]


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("name", ["step", "sigmoid", "tanh", "relu"])
def test_forward_matches_numpy(name, shape):
    z = RNG.normal(size=shape) * 3
    out = getattr(A, name)(z)
    assert out.shape == z.shape
    assert rel_error(out, numpy_reference(name, z)) < 1e-12


@pytest.mark.parametrize("name", ["sigmoid", "tanh", "relu"])
def test_derivative_matches_central_difference(name):
    z = RNG.normal(size=(4, 5)) * 2
    z = z[np.abs(z) > 1e-3]  # relu has a kink at 0
    f, df = getattr(A, name), getattr(A, name + "_grad")
    h = 1e-6
    assert rel_error(df(z), (f(z + h) - f(z - h)) / (2 * h)) < 1e-6


def test_sigmoid_is_exact_and_quiet_at_extremes():
    with np.errstate(over="raise", invalid="raise", divide="raise"):  # underflow to 0 is fine
        out = A.sigmoid(np.array([-1000.0, -40.0, 0.0, 40.0, 1000.0]))
    assert out[0] == 0.0 and out[2] == 0.5 and out[-1] == 1.0
    assert 0 < out[1] < 1e-17


def test_relu_grad_is_zero_at_zero():
    assert A.relu_grad(np.array([0.0]))[0] == 0.0
    assert A.step(np.array([0.0]))[0] == 0.0


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_dtype_follows_input_and_input_unchanged(dtype):
    z = RNG.normal(size=(3, 3)).astype(dtype)
    before = z.copy()
    for name in ["step", "sigmoid", "tanh", "relu", "sigmoid_grad", "tanh_grad", "relu_grad"]:
        assert getattr(A, name)(z).dtype == dtype
    np.testing.assert_array_equal(z, before)


def test_integer_input_is_promoted_and_strings_are_refused():
    assert A.relu(np.array([-1, 2])).dtype == np.float64
    with pytest.raises(ValueError, match="sigmoid: z has dtype"):
        A.sigmoid(np.array(["a"]))


def test_non_contiguous_view():
    z = RNG.normal(size=(6, 6))[::2, ::3]
    assert rel_error(A.sigmoid(z), numpy_reference("sigmoid", z)) < 1e-12
