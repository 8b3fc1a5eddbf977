"""Week 1 checks: activations, softmax, cross-entropy, the output layers, softmax regression.

Grouped by topic: each check's cases, reference or verify function, hint and ``register(Check(...))`` together.
"""

from __future__ import annotations

import numpy as np

from .. import activations, losses
from .core import GRADIENT_RTOL, Case, Check, CheckFailed, as_output, register
from .forbidden import CROSS_ENTROPY, LINEAR_CLASSIFIERS, MEAN_SQUARED_ERROR, SOFTMAX

# --------------------------------------------------------------------------- activations


def _elementwise_cases(rng, extremes=(50.0, 1000.0)) -> list[Case]:
    cases = [
        Case("small vector with a zero", (np.array([-2.0, -0.5, 0.0, 0.5, 2.0]),)),
        Case("one element", (np.array([0.3]),)),
        Case("large magnitudes", (np.array([-extremes[1], -extremes[0], extremes[0], extremes[1]]),)),
        Case("matrix (3, 4)", (rng.normal(size=(3, 4)) * 3,)),
        Case("odd 3-D shape (2, 3, 5)", (rng.normal(size=(2, 3, 5)) * 2,)),
    ]
    grid = rng.normal(size=(7, 2))
    grid[0, 0] = 0.0
    cases.append(Case("(7, 2) including an exact zero", (grid,)))
    return cases


def _elementwise_numerical(f):
    def estimate(case, expected, h=1e-6):
        z = case.args[0]
        return {"grad": (f(z + h) - f(z - h)) / (2 * h)}

    return estimate


def _smooth_cases(rng):
    # Derivatives are compared with finite differences, so keep away from overflow extremes.
    return [c for c in _elementwise_cases(rng, extremes=(8.0, 20.0))]


register(
    Check(
        "sigmoid",
        _elementwise_cases,
        activations.sigmoid.unguarded,
        guarded=(activations.sigmoid,),
        hint="σ(z) = 1 / (1 + exp(−z)); np.exp works element-wise on arrays.",
        compares_with=(activations.sigmoid,),
        doc="Check ``sigmoid(z)`` against the reference on arrays of several shapes.",
    )
)


register(
    Check(
        "sigmoid_grad",
        _smooth_cases,
        activations.sigmoid_grad.unguarded,
        outputs=("grad",),
        guarded=(activations.sigmoid_grad,),
        numerical=_elementwise_numerical(activations.sigmoid.unguarded),
        tolerances={"grad": GRADIENT_RTOL},
        hint="σ'(z) = σ(z) (1 − σ(z)); it takes z, not σ(z).",
        compares_with=(activations.sigmoid_grad,),
        doc="Check ``sigmoid_grad(z)`` against the reference and finite differences.",
    )
)


register(
    Check(
        "relu",
        _elementwise_cases,
        activations.relu.unguarded,
        guarded=(activations.relu,),
        hint="relu(z) = max(0, z) element-wise: np.maximum, not max.",
        compares_with=(activations.relu,),
        doc="Check ``relu(z)``.",
    )
)


register(
    Check(
        "relu_grad",
        _elementwise_cases,
        activations.relu_grad.unguarded,
        outputs=("grad",),
        guarded=(activations.relu_grad,),
        hint="1 where z > 0 and 0 elsewhere; at exactly z = 0 this course uses 0.",
        compares_with=(activations.relu_grad,),
        doc="Check ``relu_grad(z)`` (0 at z = 0).",
    )
)


register(
    Check(
        "tanh_grad",
        _smooth_cases,
        activations.tanh_grad.unguarded,
        outputs=("grad",),
        guarded=(activations.tanh_grad,),
        numerical=_elementwise_numerical(np.tanh),
        tolerances={"grad": GRADIENT_RTOL},
        hint="d tanh(z)/dz = 1 − tanh(z)²: check the sign.",
        compares_with=(activations.tanh_grad,),
        doc="Check ``tanh_grad(z)`` against the reference and finite differences.",
    )
)


# --------------------------------------------------------------------------- softmax and cross-entropy


def _logit_cases(rng) -> list[Case]:
    return [
        Case("one row, two classes", (np.array([[0.5, -0.5]]),)),
        Case("batch of 4, 3 classes", (rng.normal(size=(4, 3)),)),
        Case("large logits around 1000", (1000.0 + rng.normal(size=(3, 5)),)),
        Case("very negative logits around -1000", (-1000.0 + rng.normal(size=(2, 4)),)),
        Case("mixed extremes", (np.array([[1000.0, 0.0, -1000.0], [-5.0, 5.0, 0.0]]),)),
        Case("equal logits", (np.zeros((2, 6)),)),
        Case("batch of 9, 10 classes", (rng.normal(size=(9, 10)) * 4,)),
    ]


register(
    Check(
        "softmax",
        _logit_cases,
        losses.softmax.unguarded,
        guarded=(losses.softmax,),
        forbidden=SOFTMAX + (losses.log_softmax, losses.softmax_cross_entropy),
        hint="subtract each row's maximum before np.exp (keepdims=True keeps the shapes "
        "broadcastable) and normalise over the last axis.",
        compares_with=(losses.softmax,),
        doc="Check ``softmax(z)`` on (N, K) logits, including logits near ±1000.",
    )
)


def _probability_cases(rng) -> list[Case]:
    def probs(n, k, scale=2.0):
        return losses.softmax.unguarded(rng.normal(size=(n, k)) * scale)

    cases = []
    for label, n, k in [("N=1, K=2", 1, 2), ("N=5, K=3", 5, 3), ("N=8, K=10", 8, 10)]:
        p = probs(n, k)
        y = rng.integers(0, k, size=n)
        cases.append(Case(f"{label}, integer labels", (p, y)))
        cases.append(Case(f"{label}, one-hot labels", (p, np.eye(k)[y])))
    confident = np.array([[1 - 2e-9, 1e-9, 1e-9], [0.2, 0.3, 0.5]])
    cases.append(Case("a near-certain right answer", (confident, np.array([0, 2]))))
    return cases


register(
    Check(
        "cross_entropy",
        _probability_cases,
        losses.cross_entropy.unguarded,
        outputs=("loss",),
        guarded=(losses.cross_entropy,),
        forbidden=CROSS_ENTROPY + (losses.softmax_cross_entropy,),
        hint="the mean over the batch of −log(probability of the true class); accept both "
        "integer labels (y.ndim == 1) and one-hot rows.",
        compares_with=(losses.cross_entropy,),
        doc="Check ``cross_entropy(y_hat, y)`` with integer and one-hot labels.",
    )
)


def _labelled_logit_cases(rng) -> list[Case]:
    cases = []
    for case in _logit_cases(rng):
        z = case.args[0]
        n, k = z.shape
        y = rng.integers(0, k, size=n)
        cases.append(Case(case.label + ", integer labels", (z, y)))
        cases.append(Case(case.label + ", one-hot labels", (z, np.eye(k)[y])))
    return cases


def _loss_gradient_estimate(case, expected, h=1e-5):
    z, y = case.args
    if np.abs(z).max() > 100:  # finite differences lose every digit next to 1000
        return {}
    from ..gradcheck import numerical_gradient

    zz = np.array(z, dtype=np.float64, copy=True)
    return {"dz": numerical_gradient(lambda v: losses.softmax_cross_entropy.unguarded(v, y)[0], zz, h=h)}


register(
    Check(
        "softmax_cross_entropy",
        _labelled_logit_cases,
        losses.softmax_cross_entropy.unguarded,
        outputs=("loss", "dz"),
        guarded=(losses.softmax_cross_entropy, losses.softmax, losses.log_softmax, losses.cross_entropy),
        forbidden=SOFTMAX + CROSS_ENTROPY,
        numerical=_loss_gradient_estimate,
        tolerances={"dz": GRADIENT_RTOL},
        hint="use log-softmax, z − max − log Σ exp(z − max), so that large logits stay finite; "
        "dz = (softmax(z) − one_hot(y)) / N.",
        compares_with=(losses.softmax_cross_entropy,),
        doc="Check ``softmax_cross_entropy(z, y) -> (loss, dz)``: reference, stability and finite differences.",
    )
)


# --------------------------------------------------------------------------- output layers


def _binary_cases(rng) -> list[Case]:
    cases = [
        Case("one example, y = 1", (np.array([0.7]), np.array([1.0]))),
        Case("logit 0 for both targets", (np.zeros(2), np.array([0.0, 1.0]))),
        Case("large logits near ±1000", (np.array([1000.0, -1000.0, 800.0, -30.0]), np.array([0.0, 1.0, 1.0, 0.0]))),
    ]
    for n, scale in [(5, 1.0), (40, 4.0)]:
        cases.append(
            Case(
                f"batch of {n}, logits of spread {scale:g}",
                (rng.normal(size=n) * scale, rng.integers(0, 2, size=n).astype(float)),
            )
        )
    return cases


def _binary_numerical(case, expected, h=1e-5):
    z, y = case.args
    if np.abs(z).max() > 100:
        return {}
    from ..gradcheck import numerical_gradient

    return {
        "dz": numerical_gradient(
            lambda v: losses.binary_cross_entropy.unguarded(v, y)[0], np.array(z, dtype=np.float64, copy=True), h=h
        )
    }


register(
    Check(
        "binary_cross_entropy",
        _binary_cases,
        losses.binary_cross_entropy.unguarded,
        outputs=("loss", "dz"),
        guarded=(losses.binary_cross_entropy, activations.sigmoid),
        numerical=_binary_numerical,
        forbidden=CROSS_ENTROPY,
        tolerances={"dz": GRADIENT_RTOL},
        hint="with ŷ = σ(z): loss = mean of −[y log ŷ + (1 − y) log(1 − ŷ)]; for large |z| write it as "
        "max(z, 0) − z·y + log(1 + exp(−|z|)) (np.logaddexp or np.log1p); dz = (ŷ − y) / N.",
        compares_with=(losses.binary_cross_entropy,),
        doc="Check ``binary_cross_entropy(z, y) -> (loss, dz)`` for a sigmoid output: reference, logits "
        "near ±1000 and central differences.",
    )
)


def _regression_cases(rng) -> list[Case]:
    return [
        Case("one example, one output", (np.array([[2.5]]), np.array([[1.0]]))),
        Case("perfect predictions", (np.ones((3, 2)), np.ones((3, 2)))),
        Case("batch of 6, one output", (rng.normal(size=(6, 1)), rng.normal(size=(6, 1)))),
        Case("batch of 4, three outputs", (rng.normal(size=(4, 3)) * 5, rng.normal(size=(4, 3)))),
        Case("batch of 25, two outputs", (rng.normal(size=(25, 2)), rng.normal(size=(25, 2)) * 3)),
    ]


register(
    Check(
        "regression_mse",
        _regression_cases,
        losses.mse.unguarded,
        function="mse",
        outputs=("loss", "dy_hat"),
        guarded=(losses.mse,),
        tolerances={"dy_hat": GRADIENT_RTOL},
        forbidden=MEAN_SQUARED_ERROR,
        hint="loss = (1/N) Σ_n ½‖ŷ_n − y_n‖² (a sum over the outputs, a mean over the batch); dy_hat = (ŷ − y) / N.",
        compares_with=(losses.mse,),
        doc="Check ``mse(y_hat, y) -> (loss, dy_hat)``, the identity output with mean squared error.",
    )
)


# --------------------------------------------------------------------------- softmax regression on the digits


def _digits_training_cases(rng):
    from ..data import load_digits_split

    X_train, y_train, _, _ = load_digits_split(seed=0)
    return [Case("scikit-learn digits, 1347 training images", (X_train, y_train, 10))]


def _verify_softmax_regression(case, outputs, where, min_accuracy=0.90):
    __tracebackhide__ = True
    from ..data import load_digits_split

    W = as_output(outputs[0], "W", where)
    b = as_output(outputs[1], "b", where)
    curve = as_output(outputs[2], "losses", where).ravel()
    if W.shape != (64, 10) or b.shape != (10,):
        raise CheckFailed(f"{where}: W has shape {W.shape} and b {b.shape}; expected (64, 10) and (10,).")
    if curve.size < 2 or not np.all(np.isfinite(curve)) or not curve[-1] < curve[0]:
        raise CheckFailed(
            f"{where}: the recorded losses must be finite and end lower than they "
            f"started (record one loss per epoch or per step)."
        )
    _, _, X_test, y_test = load_digits_split(seed=0)
    accuracy = float(np.mean(np.argmax(X_test @ W + b, axis=1) == y_test))
    if accuracy < min_accuracy:
        raise CheckFailed(
            f"{where}: test accuracy {accuracy:.1%} is below {min_accuracy:.0%}. Check the "
            f"gradient step W -= lr * dW and the mini-batch shuffling."
        )


register(
    Check(
        "softmax_regression",
        _digits_training_cases,
        reference=None,
        outputs=("W", "b", "losses"),
        verify=_verify_softmax_regression,
        forbidden=LINEAR_CLASSIFIERS,
        hint="train(X, y, n_classes) must return (W, b, losses).",
        compares_with="behaviour",
        doc="Train with the student's ``train(X, y, n_classes) -> (W, b, losses)`` on the digits. Passes "
        "when W is (64, 10), b is (10,), the loss went down, and argmax(X_test W + b) is right on at least "
        "90% of the held-out digits.",
    )
)
