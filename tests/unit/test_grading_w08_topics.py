"""Week 8's checks of section 5: data augmentation by shifts and the gradient check of the regularized
cost. Correct variants pass; each classic mistake fails with a message that names it."""

import numpy as np
import pytest

import helpers
from helpers.grading import CHECKS
from helpers.layers import on_arrays
from tests.unit.check_helpers import fails, through_the_grader_wire
from tests.unit.test_grading_w08 import l2_cost, model_forward

# --------------------------------------------------------------------------- augmentation


def moved(images, dy, dx):
    out = np.zeros_like(images)
    h, w = images.shape[1:]
    out[:, max(dy, 0) : h + min(dy, 0), max(dx, 0) : w + min(dx, 0)] = images[
        :, max(-dy, 0) : h + min(-dy, 0), max(-dx, 0) : w + min(-dx, 0)
    ]
    return out


def augment_by_slices(images, labels):
    parts = [images] + [moved(images, dy, dx) for dy, dx in ((-1, 0), (1, 0), (0, -1), (0, 1))]
    return np.concatenate(parts), np.tile(labels, 5)


def augment_by_padding(images, labels):
    """Pad with a frame of zeros, then cut the window that the shift looks through."""
    padded = np.pad(images, ((0, 0), (1, 1), (1, 1)))
    h, w = images.shape[1:]
    windows = [(1, 1), (2, 1), (0, 1), (1, 2), (1, 0)]
    return np.concatenate([padded[:, i : i + h, j : j + w] for i, j in windows]), np.concatenate([labels] * 5)


@pytest.mark.parametrize("fn", [augment_by_slices, augment_by_padding])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_correct_augmentations_pass(fn, seed):
    assert len(CHECKS["augment_with_shifts"].cases(np.random.default_rng(seed))) >= 5
    helpers.grading.check_augment_with_shifts(fn, seed=seed)


def rolled(images, labels):
    parts = [images] + [np.roll(images, s, axis=(1, 2)) for s in ((-1, 0), (1, 0), (0, -1), (0, 1))]
    return np.concatenate(parts), np.tile(labels, 5)


def up_down_swapped(images, labels):
    parts = [images] + [moved(images, dy, dx) for dy, dx in ((1, 0), (-1, 0), (0, -1), (0, 1))]
    return np.concatenate(parts), np.tile(labels, 5)


def left_right_swapped(images, labels):
    parts = [images] + [moved(images, dy, dx) for dy, dx in ((-1, 0), (1, 0), (0, 1), (0, -1))]
    return np.concatenate(parts), np.tile(labels, 5)


def in_place(images, labels):
    result = augment_by_slices(images, labels)
    images[:, 0] = 0.0
    return result


@pytest.mark.parametrize(
    "wrong, fragments",
    [
        (rolled, ("wrap around", "np.roll", "fill the uncovered pixels with 0")),
        (up_down_swapped, ("moved up", "is the batch moved down", "out[i] = images[i + 1]")),
        (left_right_swapped, ("moved left", "moved right", "images[:, :, j + 1]")),
        (lambda images, labels: (augment_by_slices(images, labels)[0], np.repeat(labels, 5)), ("np.repeat", "np.tile")),
        (lambda images, labels: (augment_by_slices(images, labels)[0], labels), ("`labels` has shape",)),
        (lambda images, labels: augment_by_slices(images, labels)[0], ("expected a tuple (images, labels)",)),
        (
            lambda images, labels: (augment_by_slices(images, labels)[0][: 4 * len(images)], np.tile(labels, 4)),
            ("`images`", "shape"),
        ),
        (in_place, ("changed",)),
        (lambda images, labels: helpers.augment.augment_with_shifts(images, labels), ("augment_with_shifts",)),
    ],
)
def test_augmentation_mistakes_are_named(wrong, fragments):
    fails("augment_with_shifts", wrong, *fragments)


# --------------------------------------------------------------------------- gradient check


def copy_layers(layers, masks_off=True):
    layers = [{k: (v.copy() if isinstance(v, np.ndarray) else v) for k, v in layer.items()} for layer in layers]
    for layer in layers:
        if masks_off and layer["kind"] == "dropout":
            layer["mask"] = None
    return layers


def checker(masks_off=True, with_l2=True, estimate=None):
    def gradient_check(X, y, layers, grads, lam):
        layers = copy_layers(layers, masks_off)
        m = len(X)

        def cost():
            out, _ = model_forward(X, layers)
            loss, _ = helpers.losses.softmax_cross_entropy(out, y)
            return loss + (l2_cost(layers, lam, m) if with_l2 else 0.0)

        numerical = estimate or (lambda array: helpers.numerical_gradient(lambda _: cost(), array))
        return [
            {name: helpers.rel_error(grad[name], numerical(layer[name])) for name in grad}
            for layer, grad in zip(layers, grads)
        ]

    return on_arrays(gradient_check, "gradient_check")


def own_central_differences(X, y, layers, grads, lam):
    """The student's own loop over the entries, h = 1e-6, and the entry-wise relative error by hand."""
    layers = copy_layers(layers)

    def cost():
        out, _ = model_forward(X, layers)
        z = out - out.max(axis=1, keepdims=True)
        log_p = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
        return -log_p[np.arange(len(y)), y].mean() + l2_cost(layers, lam, len(X))

    errors = []
    for layer, grad in zip(layers, grads):
        entry = {}
        for name in grad:
            array, estimate = layer[name], np.zeros_like(layer[name])
            for index in np.ndindex(array.shape):
                keep = array[index]
                array[index] = keep + 1e-6
                plus = cost()
                array[index] = keep - 1e-6
                minus = cost()
                array[index] = keep
                estimate[index] = (plus - minus) / 2e-6
            entry[name] = float(
                np.max(np.abs(grad[name] - estimate) / np.maximum(1e-8, np.abs(grad[name]) + np.abs(estimate)))
            )
        errors.append(entry)
    return errors


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_correct_gradient_checks_pass(seed):
    assert len(CHECKS["gradient_check_regularized"].cases(np.random.default_rng(seed))) >= 5
    helpers.grading.check_gradient_check_regularized(checker(), seed=seed)
    helpers.grading.check_gradient_check_regularized(on_arrays(own_central_differences, "gradient_check"), seed=seed)


def test_case_labels_cover_the_classic_wrong_gradients():
    labels = " / ".join(c.label for c in CHECKS["gradient_check_regularized"].cases(np.random.default_rng(0)))
    for fragment in ("(λ/m) W", "dropout on", "wrong sign", "m = 1", "λ = 0", "masks"):
        assert fragment in labels, fragment


@pytest.mark.parametrize(
    "wrong, fragments",
    [
        (checker(with_l2=False), ("leaves out the L2 term", "errors[")),
        (checker(masks_off=False), ("dropout masks on", "set every mask to None")),
        # the first case has no dropout layer: the L2 term is what its errors point at
        (checker(masks_off=False, with_l2=False), ("case 1 of", "leaves out the L2 term")),
        # a one-sided difference with a large step calls right gradients wrong
        (
            checker(estimate=lambda array: helpers.numerical_gradient(lambda _: 0.0, array) + 1e-3 * np.sign(array)),
            ("are right",),
        ),
        (on_arrays(lambda X, y, layers, grads, lam: [{}] * len(layers), "gradient_check"), ("errors[0]", "no 'W'")),
        (on_arrays(lambda X, y, layers, grads, lam: [{}], "gradient_check"), ("one dict per layer",)),
        (
            on_arrays(
                lambda X, y, layers, grads, lam: [{name: -1.0 for name in grad} for grad in grads], "gradient_check"
            ),
            ("≥ 0",),
        ),
    ],
)
def test_gradient_check_mistakes_are_named(wrong, fragments):
    fails("gradient_check_regularized", wrong, *fragments)


def test_calling_the_reference_is_caught():
    fails(
        "gradient_check_regularized",
        on_arrays(helpers.training.gradient_check, "gradient_check"),
        "helpers.training.gradient_check",
    )


@pytest.mark.parametrize(
    "name, fn", [("augment_with_shifts", augment_by_slices), ("gradient_check_regularized", checker())]
)
def test_every_case_survives_the_grader_wire(name, fn, tmp_path):
    """Cases written as the grader writes them, answered by the student's function, sent back as arrays and
    JSON and judged: only plain arrays cross (course/sandbox/kernel/wire.py)."""
    through_the_grader_wire(name, fn, CHECKS[name].cases(np.random.default_rng(7)), tmp_path)
