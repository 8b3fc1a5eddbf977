"""Data augmentation for small images: shifts with zero fill and mirror images (week 8).

Images are batch-first, ``images (N, H, W)`` (one channel, as scikit-learn's 8×8 digits once
reshaped from (N, 64)). A shift moves the picture and fills the pixels it uncovers with 0 (the
background of the digits); nothing wraps around from the other edge:

    shift_images(images, dy, dx)[n, i, j] = images[n, i − dy, j − dx]   when that pixel exists, else 0

so dy = −1 moves the picture one row **up** and dx = +1 one column **right**.
:func:`augment_with_shifts` is the reference kernel of exercise 10 of source/w08_regularization:
the batch itself followed by its four one-pixel shifts (up, down, left, right), labels repeated.
:func:`flip_horizontal` mirrors left and right: a label-preserving change only for digits whose
mirror image is the same digit (the notebook measures which). :func:`random_shifts` moves each
image by its own random one-pixel shift (or none), which the notebook uses to build a dev set of
digits that are not perfectly centred. Plain numpy; inputs are never modified.
"""

from __future__ import annotations

import numpy as np

from ._validate import as_float_array, int_arg
from .tripwire import reference_kernel

__all__ = ["SHIFTS", "shift_images", "augment_with_shifts", "flip_horizontal", "random_shifts"]

# (dy, dx) of the four one-pixel shifts, in the order augment_with_shifts stacks them: up, down, left, right.
SHIFTS = ((-1, 0), (1, 0), (0, -1), (0, 1))


def _images_arg(name, images):
    return as_float_array(name, "images", images, ndim=3)


def _moved(images, dy, dx):
    """The shift itself, on a validated (N, H, W) array."""
    out = np.zeros_like(images)
    H, W = images.shape[1:]
    if abs(dy) >= H or abs(dx) >= W:
        return out
    rows_from, rows_to = slice(max(0, -dy), H - max(0, dy)), slice(max(0, dy), H - max(0, -dy))
    cols_from, cols_to = slice(max(0, -dx), W - max(0, dx)), slice(max(0, dx), W - max(0, -dx))
    out[:, rows_to, cols_to] = images[:, rows_from, cols_from]
    return out


@reference_kernel
def shift_images(images, dy, dx):
    """Every image moved dy rows down and dx columns right, uncovered pixels set to 0.

    images: (N, H, W); dy, dx: integers (negative: up, left). Returns (N, H, W), the dtype of images:
    out[n, i, j] = images[n, i − dy, j − dx] where 0 ≤ i − dy < H and 0 ≤ j − dx < W, else 0.
    """
    name = "shift_images"
    images = _images_arg(name, images)
    dy, dx = (int_arg(name, arg, v, -(2**31)) for arg, v in (("dy", dy), ("dx", dx)))
    return _moved(images, dy, dx)


@reference_kernel
def augment_with_shifts(images, labels):
    """The batch and its four one-pixel shifts (zero fill): returns (images (5N, H, W), labels (5N,)).

    images: (N, H, W); labels: (N,). The result stacks the original batch, then the batch moved one
    pixel up, down, left and right (:data:`SHIFTS`); labels[k·N + n] = labels[n] (a shift keeps the class).
    """
    name = "augment_with_shifts"
    images = _images_arg(name, images)
    labels = np.asarray(labels)
    if labels.shape != (images.shape[0],):
        raise ValueError(f"{name}: labels has shape {labels.shape}, expected ({images.shape[0]},), one per image")
    parts = [images] + [_moved(images, dy, dx) for dy, dx in SHIFTS]
    return np.concatenate(parts), np.tile(labels, len(parts))


@reference_kernel
def flip_horizontal(images):
    """Mirror images left to right: out[n, i, j] = images[n, i, W − 1 − j]. images: (N, H, W)."""
    return _images_arg("flip_horizontal", images)[:, :, ::-1].copy()


def random_shifts(images, rng, share=0.8):
    """Each image moved by a one-pixel shift drawn from :data:`SHIFTS` with probability ``share``
    (kept in place otherwise). images: (N, H, W); rng: a Generator or a seed. Returns (N, H, W)."""
    images = _images_arg("random_shifts", images)
    rng = np.random.default_rng(rng)
    out = images.copy()
    moved = rng.random(images.shape[0]) < share
    which = rng.integers(0, len(SHIFTS), images.shape[0])
    for k, (dy, dx) in enumerate(SHIFTS):
        chosen = moved & (which == k)
        out[chosen] = _moved(images[chosen], dy, dx)
    return out


def warm_up():
    """Nothing to compile (numpy only)."""
    return []
