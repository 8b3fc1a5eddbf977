"""The two-layer network of week 2: one hidden layer, softmax output, gradients by hand.

Shapes: X (N, D) inputs, W (D, M), b (M,) the hidden layer, V (M, K), c (K,) the output
layer; Z (N, M) hidden activations, Y (N, K) class probabilities; targets T as integer
labels (N,) or one-hot rows (N, K).

    Z = f(X W + b)            f = sigmoid (default), tanh or relu
    Y = softmax(Z V + c)      row by row
    J = −Σ_n Σ_k T[n, k] log Y[n, k]

J is a SUM over the batch, not a mean (as in the week-2 notes), so the gradients below
carry no 1/N; ``helpers.losses.softmax_cross_entropy`` is the mean version.

These are matrix products, which BLAS already does at full speed: plain numpy, no numba.
"""

from __future__ import annotations

from ._validate import as_float_array, labels_to_one_hot, same_dtype
from .activations import relu, sigmoid, tanh
from .losses import softmax
from .tripwire import reference_kernel

__all__ = ["two_layer_forward", "two_layer_backward"]

_ACTIVATIONS = {"sigmoid": sigmoid.unguarded, "tanh": tanh.unguarded, "relu": relu.unguarded}


def _activation_grad_from_output(activation, Z):
    """f'(a) written with Z = f(a): the backward pass needs only the stored activations."""
    if activation == "sigmoid":
        return Z * (1.0 - Z)
    if activation == "tanh":
        return 1.0 - Z * Z
    return (Z > 0).astype(Z.dtype)


def _check_activation(name, activation):
    if activation not in _ACTIVATIONS:
        raise ValueError(f"{name}: activation must be one of {sorted(_ACTIVATIONS)}, got {activation!r}")


def _check_params(name, X, W, b, V, c):
    X = as_float_array(name, "X", X, ndim=2)
    W = as_float_array(name, "W", W, ndim=2)
    b = as_float_array(name, "b", b, ndim=1)
    V = as_float_array(name, "V", V, ndim=2)
    c = as_float_array(name, "c", c, ndim=1)
    same_dtype(name, X=X, W=W, b=b, V=V, c=c)
    if X.shape[1] != W.shape[0]:
        raise ValueError(f"{name}: X has {X.shape[1]} features, W expects {W.shape[0]} (X {X.shape}, W {W.shape})")
    if b.shape[0] != W.shape[1]:
        raise ValueError(
            f"{name}: b has {b.shape[0]} entries, W has {W.shape[1]} hidden units (b {b.shape}, W {W.shape})"
        )
    if V.shape[0] != W.shape[1]:
        raise ValueError(f"{name}: V has {V.shape[0]} rows, W has {W.shape[1]} hidden units (V {V.shape}, W {W.shape})")
    if c.shape[0] != V.shape[1]:
        raise ValueError(f"{name}: c has {c.shape[0]} entries, V has {V.shape[1]} classes (c {c.shape}, V {V.shape})")
    return X, W, b, V, c


@reference_kernel
def two_layer_forward(X, W, b, V, c, activation="sigmoid"):
    """Forward pass: returns (Z, Y).

    X: (N, D); W: (D, M); b: (M,); V: (M, K); c: (K,).
    Z = f(X W + b) of shape (N, M), f the hidden ``activation`` ("sigmoid", "tanh", "relu");
    Y = softmax(Z V + c) of shape (N, K), each row summing to 1.
    """
    name = "two_layer_forward"
    _check_activation(name, activation)
    X, W, b, V, c = _check_params(name, X, W, b, V, c)
    Z = _ACTIVATIONS[activation](X @ W + b)
    Y = softmax.unguarded(Z @ V + c, axis=1)
    return Z, Y


@reference_kernel
def two_layer_backward(X, T, Z, Y, W, b, V, c, activation="sigmoid"):
    """Gradients of J = −Σ_n Σ_k T[n,k] log Y[n,k] (a sum over the batch): (dW, db, dV, dc).

    X: (N, D); T: labels (N,) or one-hot (N, K); Z (N, M), Y (N, K): from two_layer_forward
    with the same activation; W (D, M), b (M,), V (M, K), c (K,).

        dV = Zᵀ (Y − T)                      (M, K)
        dc = Σ_n (Y − T)                     (K,)
        dA = ((Y − T) Vᵀ) ⊙ f'(Z)            (N, M); f' = Z(1 − Z), 1 − Z², or [Z > 0]
        dW = Xᵀ dA                           (D, M)
        db = Σ_n dA                          (M,)

    Only Z, Y (and X, V) enter the formulas; W, b and c are checked for shape and dtype.
    Rows of a one-hot T must sum to 1 for Y − T to be the gradient of the softmax output.
    """
    name = "two_layer_backward"
    _check_activation(name, activation)
    X, W, b, V, c = _check_params(name, X, W, b, V, c)
    n, m, k = X.shape[0], W.shape[1], V.shape[1]
    Z = as_float_array(name, "Z", Z, ndim=2)
    Y = as_float_array(name, "Y", Y, ndim=2)
    same_dtype(name, X=X, Z=Z, Y=Y)
    if Z.shape != (n, m):
        raise ValueError(f"{name}: Z has shape {Z.shape}, expected (N, M) = {(n, m)}")
    if Y.shape != (n, k):
        raise ValueError(f"{name}: Y has shape {Y.shape}, expected (N, K) = {(n, k)}")
    T = labels_to_one_hot(name, T, n, k, X.dtype)
    dY = Y - T
    dV = Z.T @ dY
    dc = dY.sum(axis=0)
    dA = (dY @ V.T) * _activation_grad_from_output(activation, Z)
    dW = X.T @ dA
    db = dA.sum(axis=0)
    return dW, db, dV, dc


def warm_up():
    """Nothing to compile (numpy only); present so that ``course warm`` lists the module."""
    return []
