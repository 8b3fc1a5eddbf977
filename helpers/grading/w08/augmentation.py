"""Week 8's data augmentation: a batch of images and its four one-pixel shifts with zero fill, judged
against ``helpers.augment``; the classic slips (wrapping around with ``np.roll``, up and down or left and
right swapped, labels not repeated, another order) are named."""

from __future__ import annotations

import numpy as np

from ...augment import SHIFTS, augment_with_shifts, shift_images
from ..core import Case, Check, CheckFailed, as_output, compare, register


def augment_cases(rng):
    def batch(n, h, w):
        return rng.uniform(0.0, 1.0, size=(n, h, w)).round(3) + 0.01, rng.integers(0, 10, size=n)

    cases = []
    images = np.arange(1.0, 10.0).reshape(1, 3, 3)
    cases.append(Case("one 3x3 image 1..9 (N=1)", (images, np.array([4]))))
    cases.append(Case("H != W: 2 images of 4x6", batch(2, 4, 6)))
    cases.append(Case("a single row and a single column: 1x5 and 5x1", batch(3, 1, 5)))
    cases.append(Case("5x1 images", batch(2, 5, 1)))
    cases.append(Case("one 1x1 image: every shift leaves zeros", (np.array([[[0.7]]]), np.array([9]))))
    digits = np.zeros((3, 8, 8))
    digits[:, 1:7, 2:6] = rng.uniform(0.2, 1.0, size=(3, 6, 4))
    digits[0, 0, :] = 1.0  # ink on the border: a wrap-around shows
    digits[1, :, 7] = 1.0
    cases.append(Case("three 8x8 'digits' with ink on the border", (digits, np.array([3, 7, 1]))))
    n, h, w = (int(v) for v in rng.integers(2, 9, size=3))
    cases.append(Case(f"random: {n} images of {h}x{w}", batch(n, h, w)))
    return cases


def augment_reference(images, labels):
    return augment_with_shifts.unguarded(images, labels)


AUGMENT_HINT = (
    "stack 5 blocks of N images: the batch itself, then moved one pixel up (out[:, :-1] = images[:, 1:]), "
    "down, left and right, each into np.zeros_like(images) so the uncovered row or column stays 0; "
    "labels = np.tile(labels, 5)."
)


def _wrapped(images):
    return np.concatenate([images] + [np.roll(images, (dy, dx), axis=(1, 2)) for dy, dx in SHIFTS])


def diagnose_augment(case, expected, got):
    """Name the slip: np.roll, a direction swapped, the blocks in another order, labels not repeated."""
    images, labels = case.args
    try:
        got_images = np.asarray(got[0], dtype=np.float64)
    except (TypeError, ValueError):
        return ""
    n = images.shape[0]
    if got_images.shape != expected[0].shape:
        return ""
    if np.allclose(got_images, _wrapped(images)):
        return (
            "your shifts wrap around (np.roll): the row or column pushed out on one side comes back on the "
            "other. A shifted digit has background there: fill the uncovered pixels with 0."
        )
    blocks = [got_images[k * n : (k + 1) * n] for k in range(5)]
    names = ("the original batch", "up", "down", "left", "right")
    moves = [(0, 0), *SHIFTS]
    for k, block in enumerate(blocks):
        if np.allclose(block, expected[0][k * n : (k + 1) * n]):
            continue
        for j, (dy, dx) in enumerate(moves):
            if j != k and np.allclose(block, shift_images.unguarded(images, dy, dx)):
                return (
                    f"block {k} (rows {k * n} to {(k + 1) * n - 1}) should be the batch moved {names[k]}, but it "
                    f"is the batch moved {names[j]}"
                    + (
                        ": moving up means out[i] = images[i + 1] (the top row drops out, the bottom one becomes 0)"
                        if {k, j} == {1, 2}
                        else ": moving left means out[:, :, j] = images[:, :, j + 1]"
                        if {k, j} == {3, 4}
                        else ": keep the order original, up, down, left, right"
                    )
                    + "."
                )
    return ""


def verify_augment(case, got, where):
    __tracebackhide__ = True
    images, labels = case.args
    expected = augment_reference(images, labels)
    diagnosis = diagnose_augment(case, expected, got)
    got_labels = as_output(got[1], "labels", where)
    compare(expected[0], got[0], "images", where, 1e-12, AUGMENT_HINT, diagnosis=diagnosis)
    if got_labels.shape != expected[1].shape:
        raise CheckFailed(
            f"{where}: `labels` has shape {got_labels.shape}; expected {expected[1].shape}, one label per "
            f"augmented image (a shifted digit keeps its class: np.tile(labels, 5)).\nHint: {AUGMENT_HINT}"
        )
    if not np.array_equal(got_labels, expected[1]):
        if np.array_equal(got_labels, np.repeat(labels, 5)):
            raise CheckFailed(
                f"{where}: `labels` repeats each label 5 times in a row (np.repeat), but the images come in "
                f"5 blocks of the whole batch: label k·N + n belongs to image n, so use np.tile(labels, 5)."
            )
        compare(expected[1], got_labels, "labels", where, 0.0, AUGMENT_HINT)


register(
    Check(
        "augment_with_shifts",
        augment_cases,
        reference=None,
        outputs=("images", "labels"),
        guarded=(augment_with_shifts, shift_images),
        verify=verify_augment,
        hint=AUGMENT_HINT,
        compares_with=(augment_with_shifts,),
        doc="Check ``augment_with_shifts(images, labels) -> (images (5N, H, W), labels (5N,))``: the batch and its "
        "one-pixel shifts up, down, left and right with zero fill, against helpers.augment (N = 1, 1x1, "
        "H != W and ink on the border included).",
    )
)
