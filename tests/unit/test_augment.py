"""helpers.augment against a pixel-by-pixel loop, init_layers' keep probability per layer, and the
regularized cost, gradients and gradient check of helpers.training."""

import numpy as np
import pytest

import helpers
from helpers import augment, training
from helpers.layers import draw_dropout_masks, init_layers


def shift_by_loops(images, dy, dx):
    """out[n, i, j] = images[n, i - dy, j - dx] where that pixel exists, else 0: one pixel at a time."""
    n, h, w = images.shape
    out = np.zeros_like(images)
    for k in range(n):
        for i in range(h):
            for j in range(w):
                if 0 <= i - dy < h and 0 <= j - dx < w:
                    out[k, i, j] = images[k, i - dy, j - dx]
    return out


@pytest.mark.parametrize("shape", [(1, 1, 1), (2, 3, 3), (3, 1, 5), (2, 5, 1), (4, 8, 8), (2, 4, 7)])
@pytest.mark.parametrize("dy, dx", [(0, 0), (-1, 0), (1, 0), (0, -1), (0, 1), (2, -3), (9, 0)])
def test_shift_images_matches_loops(shape, dy, dx):
    images = np.random.default_rng(0).uniform(size=shape)
    before = images.copy()
    np.testing.assert_array_equal(augment.shift_images(images, dy, dx), shift_by_loops(images, dy, dx))
    np.testing.assert_array_equal(images, before)


def test_augment_with_shifts_stacks_original_up_down_left_right_and_tiles_labels():
    images = np.random.default_rng(1).uniform(size=(3, 4, 5)).astype(np.float32)
    labels = np.array([2, 0, 7])
    out, out_labels = augment.augment_with_shifts(images, labels)
    assert out.shape == (15, 4, 5) and out.dtype == np.float32
    expected = [images] + [shift_by_loops(images, dy, dx) for dy, dx in ((-1, 0), (1, 0), (0, -1), (0, 1))]
    np.testing.assert_array_equal(out, np.concatenate(expected))
    np.testing.assert_array_equal(out_labels, [2, 0, 7] * 5)


def test_flip_and_random_shifts():
    images = np.arange(12.0).reshape(1, 3, 4)
    np.testing.assert_array_equal(augment.flip_horizontal(images)[0, 0], [3.0, 2.0, 1.0, 0.0])
    many = np.random.default_rng(2).uniform(size=(200, 5, 5))
    moved = augment.random_shifts(many, rng=0, share=0.8)
    unchanged = np.mean([np.array_equal(a, b) for a, b in zip(many, moved)])
    assert 0.1 < unchanged < 0.3  # about one in five is left in place


def test_bad_inputs_name_the_kernel():
    with pytest.raises(ValueError, match="augment_with_shifts: labels"):
        augment.augment_with_shifts(np.zeros((2, 3, 3)), np.zeros(3))
    with pytest.raises(ValueError, match="shift_images"):
        augment.shift_images(np.zeros((3, 3)), 1, 0)
    with pytest.raises(ValueError, match="dy"):
        augment.shift_images(np.zeros((1, 3, 3)), 0.5, 0)


def test_init_layers_takes_one_keep_probability_per_hidden_layer():
    kinds = [layer["kind"] for layer in init_layers((2, 8, 4, 3, 2), keep_prob=(0.5, 1.0, 0.8), rng=0)]
    assert kinds == ["affine", "relu", "dropout", "affine", "relu", "affine", "relu", "dropout", "affine"]
    one = init_layers((2, 8, 4, 2), keep_prob=0.7, rng=0)  # the old call: one number for every hidden layer
    assert [layer.get("keep_prob") for layer in one if layer["kind"] == "dropout"] == [0.7, 0.7]
    same = init_layers((2, 8, 4, 2), keep_prob=[0.7, 0.7], rng=0)
    for a, b in zip(one, same):
        assert a.keys() == b.keys() and all(np.array_equal(a[k], b[k]) for k in a if k != "kind")
    with pytest.raises(ValueError, match="one per hidden layer"):
        init_layers((2, 8, 4, 2), keep_prob=(0.5,))
    with pytest.raises(ValueError, match=r"keep_prob\[1\]"):
        init_layers((2, 8, 4, 2), keep_prob=(0.5, 0.0))


def network_with_masks(seed=0, lam=0.7):
    rng = np.random.default_rng(seed)
    layers = init_layers((3, 6, 5, 2), "tanh", "xavier", (0.6, 1.0), rng)
    for layer in layers:
        if layer["kind"] == "affine":
            layer["b"] = rng.normal(size=layer["b"].shape)
    X, y = rng.normal(size=(7, 3)), rng.integers(0, 2, size=7)
    return X, y, draw_dropout_masks(layers, 7, rng), lam


def test_regularized_grads_match_central_differences_with_dropout_off():
    X, y, layers, lam = network_with_masks()
    grads = training.regularized_grads(X, y, layers, lam)
    off = training.dropout_off(layers)
    for layer, grad in zip(off, grads):
        for name in grad:
            numerical = helpers.numerical_gradient(lambda _: training.regularized_cost(X, y, off, lam), layer[name])
            assert helpers.rel_error(grad[name], numerical) < 1e-7


def test_gradient_check_finds_the_missing_l2_term_and_leaves_nothing_changed():
    X, y, layers, lam = network_with_masks(1)
    before = [{k: (v.copy() if isinstance(v, np.ndarray) else v) for k, v in layer.items()} for layer in layers]
    right = training.gradient_check(X, y, layers, training.regularized_grads(X, y, layers, lam), lam)
    no_l2 = training.gradient_check(X, y, layers, training.regularized_grads(X, y, layers, 0.0), lam)
    assert max(e for entry in right for e in entry.values()) < 1e-7
    assert [sorted(entry) for entry in right] == [["W", "b"], [], [], ["W", "b"], [], ["W", "b"]]
    assert all(entry["W"] > 1e-2 for entry in no_l2 if entry)
    assert all(entry["b"] < 1e-7 for entry in no_l2 if entry)  # biases are not regularized
    for a, b in zip(layers, before):
        assert all(np.array_equal(a[k], b[k]) if isinstance(b[k], np.ndarray) else a[k] == b[k] for k in b)
