import numpy as np
import pytest

from helpers.gradcheck import numerical_gradient, rel_error


def test_numerical_gradient_of_known_function_and_x_restored():
    x = np.array([[1.0, -2.0], [0.5, 3.0]])
    before = x.copy()
    grad = numerical_gradient(lambda v: np.sum(v**3), x)
    assert rel_error(grad, 3 * before**2) < 1e-9
    np.testing.assert_array_equal(x, before)


def test_vector_jacobian_product_with_upstream_gradient():
    x = np.array([0.3, -1.2, 2.0])
    df = np.array([1.0, 2.0, -1.0])
    assert rel_error(numerical_gradient(np.sin, x.copy(), df=df), np.cos(x) * df) < 1e-9


def test_numerical_gradient_refuses_float32():
    with pytest.raises(ValueError, match="float64"):
        numerical_gradient(np.sum, np.zeros(2, dtype=np.float32))


def test_rel_error():
    assert rel_error(np.ones(3), np.ones(3)) == 0.0
    assert abs(rel_error(np.array([1.0]), np.array([1.1])) - 0.1 / 2.1) < 1e-15
    with pytest.raises(ValueError, match="shapes differ"):
        rel_error(np.ones(2), np.ones(3))
