"""ML strategy by numbers: error gaps, diagnoses, splits, ceilings and metrics (week 6).

Error rates are in percent (``8.0`` means 8 %), as in the lecture notes; shares and
precision/recall/F1 are fractions in [0, 1].

The gaps between consecutive error rates name the problems to work on::

    avoidable bias     = train     - human      (human-level error stands in for Bayes error)
    variance           = train_dev - train
    data mismatch      = dev       - train_dev
    overfitting to dev = test      - dev        (only when a test error is given)

:func:`diagnose` reports every problem whose gap is positive and at least half of the
largest gap, as 0/1 flags in the order of :data:`PROBLEMS`. :func:`orthogonal_actions` then picks
the knobs that move one flagged gap and nothing else (orthogonalization).

When plain error stops ranking models the way users would, :func:`weighted_error` counts some
mistakes more. When end-to-end learning pays is a question of data: :func:`learning_curve` is a
power-law model of error against training-set size, and :func:`end_to_end_pays` finds the size
from which an end-to-end model stays ahead of a pipeline of hand-designed stages.

The data set for the week (:func:`make_digit_shift`) is scikit-learn's bundled 8×8
digits with labels flipped at a known rate (so the Bayes error is known), plus a
"deployment" part that is rotated, blurred and noisy (a shifted target distribution).
"""

from __future__ import annotations

import functools
from types import SimpleNamespace

import numpy as np

from .tripwire import reference_kernel

__all__ = [
    "PROBLEMS",
    "SPLITS",
    "TRAIN",
    "TRAIN_DEV",
    "DEV",
    "TEST",
    "TAGS",
    "LABEL_NOISE",
    "error_gaps",
    "diagnose",
    "problem_names",
    "human_level",
    "assign_splits",
    "error_by_split",
    "ceilings",
    "relabel_worth_it",
    "precision_recall_f1",
    "choose_model",
    "dev_test_sizes",
    "orthogonal_actions",
    "weighted_error",
    "learning_curve",
    "end_to_end_pays",
    "make_digit_shift",
    "misclassified_tags",
]

PROBLEMS = ("avoidable bias", "variance", "data mismatch", "overfitting to dev")
SPLITS = ("train", "train-dev", "dev", "test")
TRAIN, TRAIN_DEV, DEV, TEST = 0, 1, 2, 3
TAGS = ("rotated", "blurred", "noisy", "mislabeled")
LABEL_NOISE = 0.10


# --------------------------------------------------------------------------- bias, variance, mismatch


@reference_kernel
def error_gaps(human, train, train_dev, dev, test=None):
    """The four gaps between consecutive error rates (percent), as a (4,) float array.

    [train − human, train_dev − train, dev − train_dev, test − dev]; the last is NaN
    when ``test`` is None.
    """
    last = np.nan if test is None else float(test) - float(dev)
    return np.array([float(train) - float(human), float(train_dev) - float(train), float(dev) - float(train_dev), last])


@reference_kernel
def diagnose(human, train, train_dev, dev, test=None):
    """0/1 flags (int array, shape (4,)) over PROBLEMS.

    A problem is flagged when its gap is > 0 and ≥ half of the largest gap. A missing
    (NaN) gap is never flagged; when no gap is positive nothing is flagged.
    """
    gaps = error_gaps.unguarded(human, train, train_dev, dev, test)
    known = np.where(np.isnan(gaps), -np.inf, gaps)
    largest = known.max()
    return ((known > 0) & (known >= largest / 2)).astype(int)


def problem_names(flags):
    """[name for each flagged problem], e.g. [0, 1, 1, 0] -> ['variance', 'data mismatch']."""
    return [name for name, flag in zip(PROBLEMS, np.asarray(flags).ravel()) if flag]


@reference_kernel
def human_level(errors):
    """The proxy for Bayes error: the lowest error any human (or team) reaches. errors: (M,)."""
    return float(np.min(np.asarray(errors, dtype=float)))


# --------------------------------------------------------------------------- splits and measured errors


@reference_kernel
def assign_splits(is_target, n_dev, n_test, n_train_dev, seed=0):
    """Assign every example to a split; returns an int array (N,) of TRAIN/TRAIN_DEV/DEV/TEST.

    is_target: (N,) 0/1, 1 for examples from the deployment (target) distribution.
    dev and test: n_dev and n_test target examples drawn at random; train-dev:
    n_train_dev source examples drawn at random; train: everything else (the rest
    of the source and the target examples left over).
    """
    is_target = np.asarray(is_target).astype(bool)
    rng = np.random.default_rng(seed)
    target = rng.permutation(np.flatnonzero(is_target))
    source = rng.permutation(np.flatnonzero(~is_target))
    if n_dev + n_test > target.size or n_train_dev > source.size:
        raise ValueError(
            f"assign_splits: {target.size} target and {source.size} source examples cannot "
            f"fill dev {n_dev} + test {n_test} and train-dev {n_train_dev}"
        )
    split = np.full(is_target.shape, TRAIN, dtype=np.int64)
    split[target[:n_dev]] = DEV
    split[target[n_dev : n_dev + n_test]] = TEST
    split[source[:n_train_dev]] = TRAIN_DEV
    return split


@reference_kernel
def error_by_split(y, y_pred, split):
    """Error rate in percent on each split: (4,) array [train, train-dev, dev, test]; NaN if empty."""
    y, y_pred, split = np.asarray(y), np.asarray(y_pred), np.asarray(split)
    wrong = (y != y_pred).astype(float)
    out = np.full(4, np.nan)
    for s in range(4):
        chosen = split == s
        if chosen.any():
            out[s] = 100.0 * wrong[chosen].mean()
    return out


# --------------------------------------------------------------------------- error analysis


@reference_kernel
def ceilings(tags, dev_error):
    """Ceiling on the improvement from fixing each category, in percentage points.

    tags: (n, k) 0/1, one row per misclassified dev example of a random sample, one column
    per category (an example may carry several tags). dev_error: the dev error (percent).
    Returns (k,): dev_error × (fraction of the sampled errors that carry the tag).
    """
    tags = np.asarray(tags, dtype=float)
    return float(dev_error) * tags.mean(axis=0)


@reference_kernel
def relabel_worth_it(dev_error, mislabeled_share, model_gap):
    """1 when the dev error due to wrong labels (dev_error × mislabeled_share, in points)
    exceeds the gap between the models you must tell apart (points), else 0."""
    return int(float(dev_error) * float(mislabeled_share) > float(model_gap))


# --------------------------------------------------------------------------- metrics


@reference_kernel
def precision_recall_f1(y_true, y_pred):
    """(precision, recall, F1) of binary 0/1 predictions; each is 0.0 when its denominator is 0."""
    y_true = np.asarray(y_true).astype(bool)
    y_pred = np.asarray(y_pred).astype(bool)
    tp = float(np.sum(y_true & y_pred))
    predicted, actual = float(y_pred.sum()), float(y_true.sum())
    precision = tp / predicted if predicted else 0.0
    recall = tp / actual if actual else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


@reference_kernel
def choose_model(score, latency, max_latency):
    """Index of the highest score among models with latency ≤ max_latency (first on ties); −1 if none."""
    score, latency = np.asarray(score, dtype=float), np.asarray(latency, dtype=float)
    feasible = np.flatnonzero(latency <= max_latency)
    if feasible.size == 0:
        return -1
    return int(feasible[np.argmax(score[feasible])])


@reference_kernel
def dev_test_sizes(n):
    """(n_train, n_dev, n_test) for n examples: dev = test = min(n // 5, 10 000), train the rest."""
    n = int(n)
    held_out = min(n // 5, 10_000)
    return n - 2 * held_out, held_out, held_out


# --------------------------------------------------------------------------- orthogonalization


@reference_kernel
def orthogonal_actions(flags, deltas, tol=1.0):
    """The actions that are a knob for one flagged problem alone: an int array (A,) of 0/1.

    flags: (4,) 0/1 over PROBLEMS (what diagnose returns); deltas: (A, 4), how many points each
    action changed each gap (negative: the gap shrank); tol: the smallest change that counts.
    An action moves gap p when |deltas[a, p]| ≥ tol. It is chosen when it moves exactly one gap,
    and that gap is flagged and shrinks:
        moved = |deltas| ≥ tol
        chosen[a] = (Σ_p moved[a, p] = 1) and some p has moved[a, p], deltas[a, p] < 0, flags[p] = 1
    """
    flags = np.asarray(flags).astype(bool)
    deltas = np.asarray(deltas, dtype=float)
    if flags.shape != (len(PROBLEMS),) or deltas.ndim != 2 or deltas.shape[1] != len(PROBLEMS):
        raise ValueError(
            f"orthogonal_actions: flags must have shape (4,) and deltas (A, 4), got {flags.shape} and {deltas.shape}"
        )
    moved = np.abs(deltas) >= tol
    helps = (moved & (deltas < 0) & flags[None, :]).any(axis=1)
    return (helps & (moved.sum(axis=1) == 1)).astype(int)


# --------------------------------------------------------------------------- changing the metric


@reference_kernel
def weighted_error(y, y_pred, weights):
    """Weighted error in percent: 100 · Σ_i w_i [y_pred_i ≠ y_i] / Σ_i w_i.

    y, y_pred: (N,) labels; weights: (N,) ≥ 0, one per example, not all 0 (class_weight[y] gives
    one weight per true class). With every weight 1 it is the plain error rate.
    """
    y, y_pred, weights = np.asarray(y), np.asarray(y_pred), np.asarray(weights, dtype=float)
    if not y.shape == y_pred.shape == weights.shape or y.ndim != 1:
        raise ValueError(
            f"weighted_error: y, y_pred and weights must be (N,) alike, got {y.shape}, {y_pred.shape}, {weights.shape}"
        )
    if np.any(weights < 0) or weights.sum() <= 0:
        raise ValueError("weighted_error: weights must be ≥ 0 and not all 0")
    return 100.0 * float(np.sum(weights * (y != y_pred)) / weights.sum())


# --------------------------------------------------------------------------- end-to-end or a pipeline


def learning_curve(n, floor, scale):
    """A power-law learning curve: error (percent) = floor + scale / √n after n training examples.

    floor: the error left with unlimited data; scale: how much data the model needs (a model with
    more to learn from scratch has a larger scale).
    """
    return floor + scale / np.sqrt(np.asarray(n, dtype=float))


@reference_kernel
def end_to_end_pays(sizes, pipeline_error, end_to_end_error):
    """The smallest training-set size from which end-to-end learning has the lower error, there and at
    every larger size; −1 when it is not ahead at the largest size.

    sizes: (S,) increasing; pipeline_error, end_to_end_error: (S,) errors (percent) at those sizes.
    A tie is not ahead. Returns an int, one of sizes or −1.
    """
    sizes = np.asarray(sizes)
    ahead = np.asarray(end_to_end_error, dtype=float) < np.asarray(pipeline_error, dtype=float)
    behind = np.flatnonzero(~ahead)
    start = 0 if behind.size == 0 else int(behind[-1]) + 1
    return int(sizes[start]) if start < sizes.size else -1


# --------------------------------------------------------------------------- data


@functools.lru_cache(maxsize=4)
def _digit_shift(seed, label_noise, n_target):
    from scipy import ndimage

    from .data import digits_arrays

    pixels, labels = digits_arrays()
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(labels))
    X = pixels[order] / 16.0
    y_clean = labels[order]
    n = len(y_clean)
    is_target = np.zeros(n, dtype=np.int64)
    is_target[n - n_target :] = 1
    tags = np.zeros((n, len(TAGS)), dtype=np.int64)
    for i in range(n - n_target, n):
        image = X[i].reshape(8, 8)
        if rng.random() < 0.6:
            angle = rng.uniform(8.0, 15.0) * rng.choice([-1.0, 1.0])
            image = ndimage.rotate(image, angle, reshape=False, order=1, mode="constant")
            tags[i, 0] = 1
        if rng.random() < 0.5:
            image = ndimage.gaussian_filter(image, 0.6)
            tags[i, 1] = 1
        if rng.random() < 0.4:
            image = image + rng.normal(0.0, 0.1, image.shape)
            tags[i, 2] = 1
        X[i] = np.clip(image, 0.0, 1.0).ravel()
    flipped = rng.random(n) < label_noise
    y = y_clean.copy()
    y[flipped] = (y_clean[flipped] + rng.integers(1, 10, size=int(flipped.sum()))) % 10
    tags[:, 3] = flipped
    return X, y, y_clean, is_target, tags


def make_digit_shift(seed=6, label_noise=LABEL_NOISE, n_target=700):
    """The week's data: 8×8 digits from two distributions, with labels flipped at a known rate.

    Returns a namespace with
      X (N, 64) pixels in [0, 1]; y (N,) the labels as recorded (a fraction ``label_noise``
      flipped to a random other digit); y_clean (N,) the true digits; is_target (N,) 1 for the
      ``n_target`` deployment images (rotated 8–15° with probability 0.6, blurred with
      probability 0.5, pixel noise with probability 0.4), 0 for the clean source images;
      tags (N, 4) 0/1 columns TAGS = (rotated, blurred, noisy, mislabeled).
    A reader who knows the true digit is wrong exactly on the flipped labels, so the Bayes
    error is ``label_noise`` (10 %) on both distributions.
    """
    X, y, y_clean, is_target, tags = _digit_shift(int(seed), float(label_noise), int(n_target))
    return SimpleNamespace(
        X=X.copy(),
        y=y.copy(),
        y_clean=y_clean.copy(),
        is_target=is_target.copy(),
        tags=tags.copy(),
        label_noise=float(label_noise),
        tag_names=TAGS,
    )


def misclassified_tags(data, y_pred, split, size=100, seed=0):
    """Tags (size, 4) of a random sample of misclassified dev examples, and the dev error (%).

    Mimics error analysis by hand: draw ``size`` dev examples the model got wrong (all of
    them if fewer) and look up what was special about each (TAGS columns).
    """
    wrong = np.flatnonzero((np.asarray(split) == DEV) & (np.asarray(y_pred) != data.y))
    rng = np.random.default_rng(seed)
    chosen = rng.choice(wrong, size=min(size, wrong.size), replace=False)
    dev = np.asarray(split) == DEV
    dev_error = 100.0 * np.mean(np.asarray(y_pred)[dev] != data.y[dev])
    return data.tags[chosen].copy(), float(dev_error)
