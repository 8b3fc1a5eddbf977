"""helpers.mlp: the two-layer network against numpy and central differences of its summed cost."""

import numpy as np
import pytest

from helpers import mlp
from helpers.gradcheck import numerical_gradient, rel_error
from tests.unit import plain_numpy as ref

RNG = np.random.default_rng(6)
ACTIVATIONS = ["sigmoid", "tanh", "relu"]


def network(n=5, d=4, m=3, k=3, dtype=np.float64, rng=RNG):
    X = rng.normal(size=(n, d))
    W, b = rng.normal(size=(d, m)), rng.normal(size=m) * 0.5
    V, c = rng.normal(size=(m, k)), rng.normal(size=k) * 0.5
    labels = rng.integers(0, k, size=n)
    return [a.astype(dtype) for a in (X, W, b, V, c)] + [labels]


@pytest.mark.parametrize("activation", ACTIVATIONS)
@pytest.mark.parametrize("shape", [(1, 1, 1, 2), (5, 4, 3, 3), (7, 2, 6, 4)])
def test_forward_matches_reference(activation, shape):
    X, W, b, V, c, _ = network(*shape)
    Z, Y = mlp.two_layer_forward(X, W, b, V, c, activation=activation)
    Z_ref, Y_ref = ref.two_layer_forward(X, W, b, V, c, activation)
    ref.assert_close(Z, Z_ref)
    ref.assert_close(Y, Y_ref)
    np.testing.assert_allclose(Y.sum(axis=1), 1.0, rtol=1e-14)


def test_default_activation_is_sigmoid():
    X, W, b, V, c, _ = network()
    Z, _ = mlp.two_layer_forward(X, W, b, V, c)
    ref.assert_close(Z, 1 / (1 + np.exp(-(X @ W + b))))


@pytest.mark.parametrize("activation", ACTIVATIONS)
@pytest.mark.parametrize("shape", [(1, 1, 1, 2), (5, 4, 3, 3), (6, 3, 5, 4)])
def test_backward_matches_numerical_gradient_of_the_summed_cost(activation, shape):
    X, W, b, V, c, labels = network(*shape)
    T = np.eye(shape[3])[labels]
    Z, Y = mlp.two_layer_forward(X, W, b, V, c, activation=activation)
    grads = mlp.two_layer_backward(X, labels, Z, Y, W, b, V, c, activation=activation)
    for name, param, got in zip(("dW", "db", "dV", "dc"), (W, b, V, c), grads):
        num = numerical_gradient(lambda _: ref.two_layer_cost(X, T, W, b, V, c, activation), param)
        assert got.shape == param.shape
        assert rel_error(got, num) <= 1e-7, name


def test_backward_follows_the_seed_formulas_and_is_a_sum_not_a_mean():
    X, W, b, V, c, labels = network(n=8)
    T = np.eye(3)[labels]
    Z, Y = mlp.two_layer_forward(X, W, b, V, c)
    dW, db, dV, dc = mlp.two_layer_backward(X, T, Z, Y, W, b, V, c)
    ref.assert_close(dV, Z.T @ (Y - T))
    ref.assert_close(dc, (Y - T).sum(axis=0))
    ref.assert_close(dW, X.T @ (((Y - T) @ V.T) * Z * (1 - Z)))
    ref.assert_close(db, (((Y - T) @ V.T) * Z * (1 - Z)).sum(axis=0))
    # doubling the batch (the same samples twice) doubles every gradient
    X2, T2 = np.vstack([X, X]), np.vstack([T, T])
    Z2, Y2 = mlp.two_layer_forward(X2, W, b, V, c)
    for one, two in zip((dW, db, dV, dc), mlp.two_layer_backward(X2, T2, Z2, Y2, W, b, V, c)):
        ref.assert_close(two, 2 * one)


def test_labels_and_one_hot_give_the_same_gradients():
    X, W, b, V, c, labels = network()
    Z, Y = mlp.two_layer_forward(X, W, b, V, c, activation="tanh")
    by_label = mlp.two_layer_backward(X, labels, Z, Y, W, b, V, c, activation="tanh")
    by_one_hot = mlp.two_layer_backward(X, np.eye(3)[labels], Z, Y, W, b, V, c, activation="tanh")
    for a, e in zip(by_label, by_one_hot):
        np.testing.assert_array_equal(a, e)


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_float32_views_and_no_mutation(activation):
    X, W, b, V, c, labels = network(n=6, d=5, m=4, k=3)
    Xv = np.asfortranarray(X)[:, ::1]
    Wv = np.ascontiguousarray(W.T).T
    before = ref.snapshot(Xv, Wv, b, V, c, labels)
    Z, Y = mlp.two_layer_forward(Xv, Wv, b, V, c, activation=activation)
    grads = mlp.two_layer_backward(Xv, labels, Z, Y, Wv, b, V, c, activation=activation)
    ref.assert_unchanged(before, [Xv, Wv, b, V, c, labels])
    f32 = [a.astype(np.float32) for a in (X, W, b, V, c)]
    Z32, Y32 = mlp.two_layer_forward(*f32, activation=activation)
    ref.close_float32(Z32, Z)
    ref.close_float32(Y32, Y)
    g32 = mlp.two_layer_backward(f32[0], labels, Z32, Y32, *f32[1:], activation=activation)
    for a32, a64 in zip(g32, grads):
        ref.close_float32(a32, a64)


def test_bad_input():
    X, W, b, V, c, labels = network()
    Z, Y = mlp.two_layer_forward(X, W, b, V, c)
    cases = [
        ((X[0], W, b, V, c), r"two_layer_forward: X must be 2-D, got shape \(4,\)"),
        ((X[:, :3], W, b, V, c), r"X has 3 features, W expects 4"),
        ((X, W, b[:2], V, c), r"b has 2 entries, W has 3 hidden units"),
        ((X, W, b, V[:2], c), r"V has 2 rows, W has 3 hidden units"),
        ((X, W, b, V, c[:2]), r"c has 2 entries, V has 3 classes"),
        ((X, W.astype(np.float32), b, V, c), r"mixed dtypes \(X is float64, W is float32"),
        ((X[:0], W, b, V, c), r"X is empty \(shape \(0, 4\)\)"),
    ]
    for args, message in cases:
        with pytest.raises(ValueError, match=message):
            mlp.two_layer_forward(*args)
    with pytest.raises(ValueError, match="activation must be one of"):
        mlp.two_layer_forward(X, W, b, V, c, activation="softplus")
    with pytest.raises(ValueError, match=r"two_layer_backward: Z has shape \(5, 2\), expected \(N, M\) = \(5, 3\)"):
        mlp.two_layer_backward(X, labels, Z[:, :2], Y, W, b, V, c)
    with pytest.raises(ValueError, match=r"two_layer_backward: Y has shape \(4, 3\)"):
        mlp.two_layer_backward(X, labels, Z, Y[:4], W, b, V, c)
    with pytest.raises(ValueError, match=r"labels in y must lie in \[0, 2\]"):
        mlp.two_layer_backward(X, labels + 3, Z, Y, W, b, V, c)
    with pytest.raises(ValueError, match=r"one-hot y has shape \(5, 4\)"):
        mlp.two_layer_backward(X, np.zeros((5, 4)), Z, Y, W, b, V, c)
