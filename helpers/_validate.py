"""Argument checks shared by every kernel.

Each function raises ``ValueError`` with a message that starts with the kernel's
name and names the argument and its shape, e.g.
``conv2d: x has 3 channels, w expects 4``.
"""

from __future__ import annotations

import math
import numbers

import numpy as np

FLOAT_TYPES = (np.float32, np.float64)


def as_float_array(
    name: str, arg: str, a, *, ndim: int | tuple[int, ...] | None = None, allow_empty: bool = False
) -> np.ndarray:
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


def upstream_grad(
    name: str, arg: str, value, shape: tuple[int, ...], dtype, *, expected: str = "the forward output has shape"
) -> np.ndarray:
    """Check an upstream gradient (``dout``, ``dh``, ``dc``) against what the forward pass made.

    value must be a float array of exactly ``shape`` (so ``len(shape)``-D) with the dtype of x;
    no copy when it already is one. ``expected`` names the shape in the message, e.g.
    ``conv2d_backward: dout has shape (2, 4, 4, 3), the forward output has shape (2, 4, 4, 4)``
    or, with ``expected="expected (N, H) ="``, ``dc has shape (3, 4), expected (N, H) = (3, 5)``.
    """
    shape = tuple(shape)
    value = as_float_array(name, arg, value, ndim=len(shape))
    if value.shape != shape:
        raise ValueError(f"{name}: {arg} has shape {value.shape}, {expected} {shape}")
    if value.dtype != dtype:
        raise ValueError(
            f"{name}: mixed dtypes ({arg} is {value.dtype}, x is {np.dtype(dtype)}); cast them to one dtype"
        )
    return value


def window_sizes(
    name: str, x_shape: tuple[int, ...], hh: int, ww: int, stride: int, pad: int, what: str = "filter"
) -> tuple[int, int]:
    """(H_out, W_out) of an hh×ww window (filter or pooling window) sliding over the two last axes
    of x_shape (N, C, H, W) padded by ``pad``: ⌊(H + 2·pad − hh) / stride⌋ + 1 (floor rule).

    ValueError when the window is larger than the padded input, e.g.
    ``conv2d: filter 9×9 is larger than the padded input 8×8 (x (2, 3, 6, 6), pad 1)``.
    """
    hp, wp = x_shape[2] + 2 * pad, x_shape[3] + 2 * pad
    if hh > hp or ww > wp:
        padded = f"padded input {hp}×{wp}" if pad else f"input {hp}×{wp}"
        raise ValueError(f"{name}: {what} {hh}×{ww} is larger than the {padded} (x {tuple(x_shape)}, pad {pad})")
    return (hp - hh) // stride + 1, (wp - ww) // stride + 1


# --------------------------------------------------------------------------- scalar arguments
# ``what`` replaces the default wording with one message for every failure, for arguments
# that read better described whole ("momentum must be a number in [0, 1], got 1.5").


def int_arg(name: str, arg: str, value, minimum: int, *, what: str | None = None) -> int:
    """``value`` as an int ≥ ``minimum``; bools and non-integers (1.0 too) are errors.

    Messages: ``conv2d: stride must be an integer, got 1.5``, ``conv2d: stride must be ≥ 1, got 0``.
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise ValueError(f"{name}: {arg} must be {what or 'an integer'}, got {value!r}")
    if value < minimum:
        raise ValueError(
            f"{name}: {arg} must be {what}, got {value!r}"
            if what
            else f"{name}: {arg} must be ≥ {minimum}, got {value}"
        )
    return int(value)


def real_arg(
    name: str,
    arg: str,
    value,
    low: float = -math.inf,
    high: float = math.inf,
    *,
    low_open: bool = False,
    high_open: bool = False,
    finite: bool = False,
    what: str | None = None,
) -> float:
    """``value`` as a float in the interval from ``low`` to ``high`` (closed ends unless
    ``low_open``/``high_open``); bools, non-numbers and NaN are errors, ±inf too if ``finite``.

    Messages: ``sgd: lr must be a finite number, got '0.1'`` (``a number`` when not finite),
    ``momentum: beta must lie in [0, 1), got 1.0``.
    """
    if (
        isinstance(value, bool)
        or not isinstance(value, numbers.Real)
        or math.isnan(value)
        or (finite and math.isinf(value))
    ):
        kind = "a finite number" if finite else "a number"
        raise ValueError(f"{name}: {arg} must be {what or kind}, got {value!r}")
    too_low = value <= low if low_open else value < low
    too_high = value >= high if high_open else value > high
    if too_low or too_high:
        if what:
            raise ValueError(f"{name}: {arg} must be {what}, got {value!r}")
        interval = f"{'(' if low_open else '['}{low:g}, {high:g}{')' if high_open else ']'}"
        raise ValueError(f"{name}: {arg} must lie in {interval}, got {value}")
    return float(value)


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
            raise ValueError(
                f"{name}: labels in y must lie in [0, {n_classes - 1}], got min {y.min()} and max {y.max()}"
            )
        one_hot = np.zeros((n_samples, n_classes), dtype=dtype)
        one_hot[np.arange(n_samples), y] = 1
        return one_hot
    if y.ndim == 2:
        if y.shape != (n_samples, n_classes):
            raise ValueError(f"{name}: one-hot y has shape {y.shape}, expected {(n_samples, n_classes)}")
        return y.astype(dtype, copy=False)
    raise ValueError(f"{name}: y must be integer labels (N,) or one-hot (N, K), got shape {y.shape}")


def attention_arrays(name: str, q, K, V, query: str = "q") -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The queries, keys and values of an attention as float arrays of one dtype, their shapes checked:
    ``query`` (N, Tq, d), K (N, S, d), V (N, S, dv). ``query`` is the queries' name in the messages."""
    q = as_float_array(name, query, q, ndim=3)
    K = as_float_array(name, "K", K, ndim=3)
    V = as_float_array(name, "V", V, ndim=3)
    same_dtype(name, **{query: q, "K": K, "V": V})
    n, _, d = q.shape
    if K.shape[0] != n or K.shape[2] != d:
        raise ValueError(f"{name}: K has shape {K.shape}, expected (N, S, d) with N = {n}, d = {d} ({query} {q.shape})")
    if V.shape[:2] != K.shape[:2]:
        raise ValueError(f"{name}: V has shape {V.shape}, expected (N, S, dv) with (N, S) = {K.shape[:2]}")
    return q, K, V


def binary_mask(name: str, mask, shape: tuple, shape_name: str, empty_row: str) -> np.ndarray:
    """A mask of 0s and 1s of exactly ``shape`` (named ``shape_name`` in the message), as booleans; every
    row (last axis) must allow something, else ``empty_row`` says why that is wrong."""
    mask = np.asarray(mask)
    if mask.shape != tuple(shape):
        raise ValueError(f"{name}: mask has shape {mask.shape}, expected {shape_name}{tuple(shape)}")
    if not np.all((mask == 0) | (mask == 1)):
        raise ValueError(f"{name}: mask must hold only 0 and 1")
    mask = mask.astype(bool)
    if not np.all(mask.any(axis=-1)):
        raise ValueError(f"{name}: {empty_row}")
    return mask
