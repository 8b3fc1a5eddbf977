"""ML strategy by numbers: error gaps, diagnoses, splits, ceilings and metrics (week 6).

Error rates are in percent (``8.0`` means 8 %), as in the lecture notes; shares and
precision/recall/F1 are fractions in [0, 1].

The gaps between consecutive error rates name the problems to work on::

    avoidable bias     = train     - human      (human-level error stands in for Bayes error)
    variance           = train_dev - train
    data mismatch      = dev       - train_dev
    overfitting to dev = test      - dev        (only when a test error is given)

:func:`diagnose` reports every problem whose gap is positive and at least half of the
largest gap, as 0/1 flags in the order of :data:`PROBLEMS`.

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


# --------------------------------------------------------------------------- data


@functools.lru_cache(maxsize=4)
def _digit_shift(seed, label_noise, n_target):
    from scipy import ndimage
    from sklearn.datasets import load_digits

    digits = load_digits()
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(digits.target))
    X = digits.data[order].astype(np.float64) / 16.0
    y_clean = digits.target[order].astype(np.int64)
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
