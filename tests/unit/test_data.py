"""The course's data are scikit-learn's, read without importing scikit-learn (helpers/data.py): the
same digits, split, photos and moons, so every number a notebook quotes stays what it was."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from helpers import data, images

sklearn_datasets = pytest.importorskip("sklearn.datasets")
from sklearn.model_selection import train_test_split  # noqa: E402


def test_the_digits_are_load_digits():
    pixels, labels = data.digits_arrays()
    digits = sklearn_datasets.load_digits()
    assert np.array_equal(pixels, digits.data) and np.array_equal(labels, digits.target)
    pixels[0, 0] = -1.0  # a caller's change does not reach the next caller
    assert data.digits_arrays()[0][0, 0] == digits.data[0, 0]


@pytest.mark.parametrize("args", [(), (0.25, 0), (0.3, 5), (0.1, 0)])
def test_the_split_is_train_test_split_stratified(args):
    digits = sklearn_datasets.load_digits()
    X, y = digits.data / 16.0, digits.target
    test_fraction, seed = args or (0.25, 0)
    expected = train_test_split(X, y, test_size=test_fraction, random_state=seed, stratify=y)
    X_train, y_train, X_test, y_test = data.load_digits_split(*args)
    for got, want in zip((X_train, X_test, y_train, y_test), expected):
        assert np.array_equal(got, want)
    assert X_train.dtype == np.float64 and y_train.dtype == np.int64


def test_the_shipped_default_split_is_the_one_scikit_learn_makes():
    labels = sklearn_datasets.load_digits().target
    with np.load(data.DEFAULT_SPLIT) as shipped:
        train, test = shipped["train"], shipped["test"]
    want_train, want_test = train_test_split(np.arange(1797), test_size=0.25, random_state=0, stratify=labels)
    assert np.array_equal(train, want_train) and np.array_equal(test, want_test)
    assert sorted(np.concatenate([train, test]).tolist()) == list(range(1797))


@pytest.mark.parametrize("n, noise, seed", [(2100, 0.15, 0), (7, None, 3), (100, 0.3, 12345), (1, 0.1, 1)])
def test_make_moons_is_scikit_learns(n, noise, seed):
    X, y = data.make_moons(n, noise, seed)
    want_X, want_y = sklearn_datasets.make_moons(n, noise=noise, random_state=seed)
    assert np.array_equal(X, want_X) and np.array_equal(y, want_y) and y.dtype == want_y.dtype


@pytest.mark.parametrize("name", ["china", "flower"])
def test_the_photos_are_load_sample_image(name):
    assert np.array_equal(images._rgb.__wrapped__(name), sklearn_datasets.load_sample_image(f"{name}.jpg"))


def test_a_notebooks_data_cells_do_not_import_scikit_learn():
    code = (
        "import sys, helpers.data, helpers.training, helpers.images, helpers.strategy\n"
        "helpers.data.load_digits_split(); helpers.training.make_moons_data(seed=0)\n"
        "helpers.images.load_photo('china'); helpers.strategy.make_digit_shift()\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'sklearn'))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
