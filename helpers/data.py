"""Offline data sets: generated with a fixed seed or shipped inside installed packages.

Nothing here downloads anything.
"""

from __future__ import annotations

import numpy as np

__all__ = ["load_digits_split"]


def load_digits_split(test_fraction=0.25, seed=0):
    """scikit-learn's bundled 8×8 digits, scaled to [0, 1] and split, stratified by class.

    Returns (X_train, y_train, X_test, y_test): X (N, 64) float64, y (N,) int64 in 0..9.
    With the defaults: 1347 training and 450 test images.
    """
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    digits = load_digits()
    X = digits.data.astype(np.float64) / 16.0
    y = digits.target.astype(np.int64)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=test_fraction, random_state=seed, stratify=y)
    return X_train, y_train, X_test, y_test
