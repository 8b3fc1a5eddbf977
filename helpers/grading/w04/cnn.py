"""Week 4's small CNN, built from the student's own layers: its loss and gradients, then training it.

The network of the notebook's section 7, for any batch, image and layer size:

    x (N, C, H, W) → conv 3×3, F filters, pad 1 (w1 (F, C, 3, 3), b1 (F,)) → ReLU
      → max pool 2×2, stride 2 → flatten (N, F·H/2·W/2) → affine (W2 (F·H/2·W/2, K), b2 (K,))
      → softmax cross-entropy, the mean over the batch.

``cnn_loss_and_grads(x, y, w1, b1, W2, b2) -> (loss, dw1, db1, dW2, db2)`` is compared with
:func:`reference_loss_and_grads` (the kernels of ``helpers.conv``) and with central differences
of :func:`reference_loss`; ``train_cnn`` is judged by what it learned (:func:`verify_training`).
"""

from __future__ import annotations

import numpy as np

from ... import conv
from ...losses import softmax_cross_entropy
from ..core import GRADIENT_RTOL, Case, Check, CheckFailed, as_output, register
from ..forbidden import CORRELATION, MAX_POOLING
from .guards import CONV_KERNELS, POOL_KERNELS

GRADIENT_NAMES = ("dw1", "db1", "dW2", "db2")

# (label, N, C, H, W, F, K): the notebook's own shape first, then smaller and odd ones.
_NETWORK_SHAPES = [
    ("the notebook's network: 8×8 digits, 8 filters, 10 classes", 4, 1, 8, 8, 8, 10),
    ("one image, one filter, 4×4, 3 classes", 1, 1, 4, 4, 1, 3),
    ("non-square 6×4 images, 3 filters, 5 classes", 3, 1, 6, 4, 3, 5),
    ("2 input channels, 2 filters, 4×4, 4 classes", 5, 2, 4, 4, 2, 4),
    ("2×2 images: one pooled value per filter, 3 filters, 2 classes", 6, 1, 2, 2, 3, 2),
]


def reference_loss_and_grads(x, y, w1, b1, W2, b2):
    """The network above with the reference kernels: (loss, dw1, db1, dW2, db2)."""
    a = conv.conv2d.unguarded(x, w1, b1, stride=1, pad=1)
    h = np.maximum(a, 0.0)
    p = conv.max_pool2d.unguarded(h, size=2, stride=2)
    flat = p.reshape(len(x), -1)
    loss, dz = softmax_cross_entropy(flat @ W2 + b2, y)
    dp = (dz @ W2.T).reshape(p.shape)
    da = conv.max_pool2d_backward.unguarded(dp, h, size=2, stride=2) * (a > 0)
    _, dw1, db1 = conv.conv2d_backward.unguarded(da, x, w1, b1, stride=1, pad=1)
    return float(loss), dw1, db1, flat.T @ dz, dz.sum(axis=0)


def reference_loss(x, y, w1, b1, W2, b2) -> float:
    return reference_loss_and_grads(x, y, w1, b1, W2, b2)[0]


def cases(rng) -> list[Case]:
    result = []
    for label, n, c, height, width, filters, classes in _NETWORK_SHAPES:
        x = rng.uniform(0.0, 1.0, size=(n, c, height, width))  # pixels, like the digits
        w1 = rng.normal(size=(filters, c, 3, 3)) * np.sqrt(2.0 / (9 * c))
        b1 = rng.normal(size=filters) * 0.1
        W2 = rng.normal(size=(filters * (height // 2) * (width // 2), classes)) * 0.5
        b2 = rng.normal(size=classes) * 0.1
        y = rng.integers(0, classes, size=n)
        result.append(Case(label, (x, y, w1, b1, W2, b2)))
    return result


KINK_MARGIN = 3e-5  # a step h = 1e-5 in w1 or b1 moves a pre-activation by at most h·max|x| = 1e-5


def _near_kink(x, w1, b1) -> bool:
    """Whether a pre-activation sits within a step's reach of the ReLU's kink, or a pooling window has
    two nearly equal maxima: there central differences straddle a corner and are not the derivative."""
    a = conv.conv2d.unguarded(x, w1, b1, stride=1, pad=1)
    if np.min(np.abs(a)) < KINK_MARGIN:
        return True
    h = np.maximum(a, 0.0)
    n, f, height, width = h.shape
    blocks = h[:, :, : height // 2 * 2, : width // 2 * 2].reshape(n, f, height // 2, 2, width // 2, 2)
    top = np.sort(blocks.transpose(0, 1, 2, 4, 3, 5).reshape(n, f, height // 2, width // 2, 4), axis=-1)
    positive = top[..., -1] > 0
    return bool(np.any(positive & (top[..., -1] - top[..., -2] < KINK_MARGIN)))


def numerical(case, expected, h=1e-5) -> dict:
    """Central differences of the reference loss for each parameter (only the output layer's when
    the case sits near a kink, where the first layer's estimate would be wrong)."""
    from ...gradcheck import numerical_gradient

    x, y, *params = (np.array(a, copy=True) for a in case.args)
    params = [p.astype(np.float64) for p in params]
    names = GRADIENT_NAMES[2:] if _near_kink(x, params[0], params[1]) else GRADIENT_NAMES
    estimates = {}
    for name in names:
        k = GRADIENT_NAMES.index(name)
        estimates[name] = numerical_gradient(lambda _: reference_loss(x, y, *params), params[k], h=h)
    return estimates


register(
    Check(
        "cnn_loss_and_grads",
        cases,
        reference_loss_and_grads,
        outputs=("loss",) + GRADIENT_NAMES,
        guarded=CONV_KERNELS + POOL_KERNELS,
        forbidden=CORRELATION + MAX_POOLING,
        numerical=numerical,
        tolerances={"loss": 1e-7, **{name: GRADIENT_RTOL for name in GRADIENT_NAMES}},
        hint="forward: a = conv(x, w1, b1, pad 1), h = relu(a), p = max pool 2×2 of h, z = p flattened @ W2 "
        "+ b2, (loss, dz) = softmax_cross_entropy(z, y). Backward in reverse: dW2 = flatᵀ dz, "
        "db2 = Σ_n dz, dp = dz W2ᵀ reshaped like p, dh = pool backward, da = dh · (a > 0), then "
        "conv backward gives dw1, db1. Use the sizes of the arrays you are given, not 8×8 and 8 filters.",
        compares_with=(
            conv.conv2d,
            conv.max_pool2d,
            softmax_cross_entropy,
            conv.max_pool2d_backward,
            conv.conv2d_backward,
        ),
        doc="Check ``cnn_loss_and_grads(x, y, w1, b1, W2, b2) -> (loss, dw1, db1, dW2, db2)``, the whole "
        "network (conv 3×3 pad 1, ReLU, max pool 2×2, affine, softmax cross-entropy), against the "
        "reference kernels and central differences of the loss, on networks of several sizes.",
    )
)


# --------------------------------------------------------------------------- training

TRAINING_EPOCHS = 8
TRAINING_MIN_ACCURACY = 0.90  # a correct network reaches 94.2-98.2% in 8 epochs (seeds 0-399); subtle
# gradient bugs train well too (no ReLU mask: 96%), so the gradient check catches those, this floor the gross ones
BATCH_SIZE = 32


def _digits():
    from ...data import load_digits_split

    X_train, y_train, X_test, y_test = load_digits_split()
    return X_train.reshape(-1, 1, 8, 8), y_train, X_test.reshape(-1, 1, 8, 8), y_test


def training_cases(rng) -> list[Case]:
    X_train, y_train, _, _ = _digits()
    seeds = [int(s) for s in rng.choice(100_000, size=2, replace=False)]
    return [
        Case(
            f"digits, {TRAINING_EPOCHS} epochs, seed {seed}",
            (X_train, y_train),
            {"epochs": TRAINING_EPOCHS, "seed": seed},
        )
        for seed in seeds
    ]


def predict(x, w1, b1, W2, b2):
    """Class predictions of the network with the reference kernels."""
    h = np.maximum(conv.conv2d.unguarded(x, w1, b1, stride=1, pad=1), 0.0)
    p = conv.max_pool2d.unguarded(h, size=2, stride=2)
    return np.argmax(p.reshape(len(x), -1) @ W2 + b2, axis=1)


def verify_training(case, outputs, where):
    """train_cnn's (params, losses): the right shapes, one finite loss per update going down, and a
    test accuracy of at least TRAINING_MIN_ACCURACY with the reference forward pass."""
    __tracebackhide__ = True
    raw, epochs = outputs[0], case.kwargs["epochs"]
    if not isinstance(raw, tuple) or len(raw) != 4:
        kind = getattr(raw, "type_name", type(raw).__name__)
        raise CheckFailed(
            f"{where}: `params` is a {kind}; train_cnn returns (params, losses) with params the tuple (w1, b1, W2, b2)."
        )
    params = [as_output(p, name, where) for p, name in zip(raw, ("w1", "b1", "W2", "b2"))]
    shapes = [p.shape for p in params]
    if shapes != [(8, 1, 3, 3), (8,), (128, 10), (10,)]:
        raise CheckFailed(
            f"{where}: `params` has shapes {shapes}; expected w1 (8, 1, 3, 3), b1 (8,), W2 (128, 10), b2 (10,)."
        )
    X_train, _, X_test, y_test = _digits()
    updates = epochs * -(-len(X_train) // BATCH_SIZE)
    losses = as_output(outputs[1], "losses", where).ravel()
    if losses.size != updates:
        raise CheckFailed(
            f"{where}: `losses` holds {losses.size} values; expected one per mini-batch "
            f"({epochs} epochs of {-(-len(X_train) // BATCH_SIZE)} batches = {updates})."
        )
    if not np.all(np.isfinite(losses)) or not losses[-20:].mean() < losses[:20].mean():
        raise CheckFailed(
            f"{where}: the losses must be finite and go down (mean of the last 20 mini-batches "
            f"below the mean of the first 20). A gradient with the wrong sign, or one that is "
            f"far too large, makes them grow."
        )
    with np.errstate(all="ignore"):
        accuracy = float(np.mean(predict(X_test, *params) == y_test))
    if not accuracy >= TRAINING_MIN_ACCURACY:
        raise CheckFailed(
            f"{where}: test accuracy {accuracy:.1%} after {epochs} epochs is below "
            f"{TRAINING_MIN_ACCURACY:.0%} (a correct network reaches at least 95%). If "
            f"check_cnn_loss_and_grads passes, look at how the parameters are updated."
        )


register(
    Check(
        "cnn_trains_digits",
        training_cases,
        reference=None,
        verify=verify_training,
        function="train_cnn",
        outputs=("params", "losses"),
        guarded=CONV_KERNELS + POOL_KERNELS,
        forbidden=CORRELATION + MAX_POOLING,
        hint="train_cnn(X, y, epochs, seed) returns (params, losses): params (w1, b1, W2, b2), one loss "
        "per mini-batch.",
        compares_with="behaviour",
        doc=f"Train with ``train_cnn(X_train, y_train, epochs={TRAINING_EPOCHS}, seed=s)`` for two "
        f"seeds the grader draws; each run passes when the losses go down and the test accuracy of "
        f"the trained network is at least {TRAINING_MIN_ACCURACY:.0%}.",
    )
)
