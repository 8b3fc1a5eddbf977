"""Argument checks shared by every kernel.

Each function raises ``ValueError`` with a message that starts with the kernel's
name and names the argument and its shape, e.g.
``conv2d: x has 3 channels, w expects 4``.
"""
from __future__ import annotations

import numpy as np

FLOAT_TYPES = (np.float32, np.float64)


def as_float_array(name: str, arg: str, a, *, ndim: int | tuple[int, ...] | None = None,
                   allow_empty: bool = False) -> np.ndarray:
    """Return ``a`` as a float32/float64 ndarray (no copy when it already is one).

    Integer and boolean input is promoted to float64; any other dtype is an error.
    """
    arr = np.asarray(a)
    if arr.dtype.kind in "biu":
        arr = arr.astype(np.float64)
    elif arr.dtype.type not in FLOAT_TYPES:
        raise ValueError(f"{name}: {arg} has dtype {arr.dtype}; expected float32 or float64")
    if ndim is not None:
        allowed = (ndim,) if isinstance(ndim, int) else ndim
        if arr.ndim not in allowed:
            want = " or ".join(str(d) for d in allowed)
            raise ValueError(f"{name}: {arg} must be {want}-D, got shape {arr.shape}")
    if not allow_empty and arr.size == 0:
        raise ValueError(f"{name}: {arg} is empty (shape {arr.shape})")
    return arr


def same_dtype(name: str, **arrays: np.ndarray) -> np.dtype:
    """Require every float array to share one dtype; return it."""
    dtypes = {k: v.dtype for k, v in arrays.items()}
    if len(set(dtypes.values())) > 1:
        listed = ", ".join(f"{k} is {d}" for k, d in dtypes.items())
        raise ValueError(f"{name}: mixed dtypes ({listed}); cast them to one dtype")
    return next(iter(dtypes.values()))


def labels_to_one_hot(name: str, y, n_samples: int, n_classes: int, dtype) -> np.ndarray:
    """Accept integer labels (N,) or a one-hot / probability matrix (N, K); return (N, K)."""
    y = np.asarray(y)
    if y.ndim == 1:
        if y.dtype.kind not in "iu":
            if y.dtype.kind == "f" and np.all(np.mod(y, 1) == 0):
                y = y.astype(np.int64)
            else:
                raise ValueError(f"{name}: integer labels y must have an integer dtype, got {y.dtype}")
        if y.shape[0] != n_samples:
            raise ValueError(f"{name}: y has {y.shape[0]} labels but there are {n_samples} samples")
        if y.size and (y.min() < 0 or y.max() >= n_classes):
            raise ValueError(f"{name}: labels in y must lie in [0, {n_classes - 1}], "
                             f"got min {y.min()} and max {y.max()}")
        one_hot = np.zeros((n_samples, n_classes), dtype=dtype)
        one_hot[np.arange(n_samples), y] = 1
        return one_hot
    if y.ndim == 2:
        if y.shape != (n_samples, n_classes):
            raise ValueError(f"{name}: one-hot y has shape {y.shape}, expected {(n_samples, n_classes)}")
        return y.astype(dtype, copy=False)
    raise ValueError(f"{name}: y must be integer labels (N,) or one-hot (N, K), got shape {y.shape}")
