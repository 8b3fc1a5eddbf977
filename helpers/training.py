"""Training layer-list networks, the week-8 data set, early stopping and the regularization study.

The data: noisy two moons (:func:`make_moons_data`). scikit-learn's ``make_moons`` with
Gaussian noise on the points, then a share ``flip`` of the labels flipped at random, in every
split alike (a careless annotator). No classifier can beat the flipped share, so the Bayes
error is known (:func:`moons_bayes_error`), and a large network trained on 100 points learns
the flipped labels by heart: the deliberately overfit case of the week.

The trainer (:class:`Trainer`, :func:`train_network`): full-batch Adam (week 7; the update of
``helpers.optim.adam``) on the softmax cross-entropy of the last layer's logits, plus the L2
term λ/(2m) Σ‖W‖², with fresh dropout masks every epoch. It runs in chunks of epochs (the
week's widget trains a little between two redraws) and never modifies the layers it was given.

:func:`early_stopping` and :func:`choose_lambda` are the reference kernels of exercises 6 and 9
of source/w08_regularization; :data:`STUDY` holds the settings of the study.

Gradient checking a layer list (exercise 11): :func:`regularized_cost` is the whole cost
J = (1/m) Σ L + λ/(2m) Σ‖W‖² with dropout off (every mask None), :func:`regularized_grads` its
gradients (back-propagation plus (λ/m) W), and :func:`gradient_check` the relative error
(``helpers.rel_error``) between given gradients and central differences of that cost.
"""

from __future__ import annotations

import functools
from types import SimpleNamespace

import numpy as np

from ._validate import as_float_array, int_arg, labels_to_one_hot, real_arg
from .gradcheck import numerical_gradient, rel_error
from .layers import (
    KINDS,
    _check_layers,
    draw_dropout_masks,
    init_layers,
    l2_cost,
    l2_grads,
    model_backward,
    model_forward,
    parameter_names,
)
from .tripwire import reference_kernel

__all__ = [
    "STUDY",
    "make_moons_data",
    "moons_bayes_error",
    "predict_proba",
    "error_rate",
    "Trainer",
    "train_network",
    "early_stopping",
    "study_errors",
    "choose_lambda",
    "dropout_off",
    "regularized_cost",
    "regularized_grads",
    "gradient_check",
]

# The regularization study: a 2-100-100-2 ReLU network (He initialization, seeded) trained for
# 200 epochs of full-batch Adam with learning rate 0.03 on 100 noisy-moons points.
STUDY = {
    "sizes": (2, 100, 100, 2),
    "epochs": 200,
    "lr": 0.03,
    "n_train": 100,
    "n_dev": 1000,
    "noise": 0.15,
    "flip": 0.15,
}


# --------------------------------------------------------------------------- data


def make_moons_data(seed=0, n_train=100, n_dev=1000, n_test=1000, noise=0.15, flip=0.15):
    """Noisy two moons, split three ways. Returns a SimpleNamespace with X_train (n_train, 2),
    y_train (n_train,) int64 in {0, 1}, X_dev, y_dev, X_test, y_test, and noise, flip,
    bayes_error (percent). Every split flips the same share of labels."""
    from .data import make_moons

    name = "make_moons_data"
    sizes = [int_arg(name, arg, v, 1) for arg, v in (("n_train", n_train), ("n_dev", n_dev), ("n_test", n_test))]
    noise = real_arg(name, "noise", noise, 0.0, finite=True)
    flip = real_arg(name, "flip", flip, 0.0, 0.5, high_open=True)
    total = sum(sizes)
    X, y = make_moons(total, noise=noise, seed=int(seed))
    flipped = np.random.default_rng([int(seed), 8]).random(total) < flip
    y = np.where(flipped, 1 - y, y).astype(np.int64)
    a, b = sizes[0], sizes[0] + sizes[1]
    return SimpleNamespace(
        X_train=X[:a],
        y_train=y[:a],
        X_dev=X[a:b],
        y_dev=y[a:b],
        X_test=X[b:],
        y_test=y[b:],
        noise=noise,
        flip=flip,
        bayes_error=moons_bayes_error(noise, flip),
    )


@functools.lru_cache(maxsize=16)
def moons_bayes_error(noise=0.15, flip=0.15, samples=8000):
    """The lowest error (percent) any classifier can reach on :func:`make_moons_data`.

    Without flips it is e₀ = E[min(p(0|x), p(1|x))], estimated here by Monte Carlo with the
    exact class densities (points spread evenly along each half circle, plus N(0, noise²)).
    Flipping a share f of the labels at random turns it into f + (1 − 2f)·e₀.
    """
    t = np.linspace(0.0, np.pi, 150)
    curves = (np.stack([np.cos(t), np.sin(t)], 1), np.stack([1.0 - np.cos(t), 0.5 - np.sin(t)], 1))
    e0 = 0.0
    if noise > 0:
        rng = np.random.default_rng(0)
        label = rng.integers(0, 2, samples)
        anchor = rng.integers(0, t.size, samples)
        x = np.where(label[:, None] == 0, curves[0][anchor], curves[1][anchor]) + rng.normal(0, noise, (samples, 2))
        for chunk in np.array_split(x, max(1, samples // 2000)):
            density = [np.exp(-((chunk[:, None, :] - c[None]) ** 2).sum(-1) / (2 * noise**2)).mean(1) for c in curves]
            total = density[0] + density[1]
            e0 += float(np.sum(np.minimum(density[0], density[1]) / np.where(total > 0, total, 1.0))) / samples
    return 100.0 * (flip + (1.0 - 2.0 * flip) * e0)


# --------------------------------------------------------------------------- predictions


def predict_proba(layers, X):
    """softmax of the network's logits at test time (dropout masks None): (N, K)."""
    out, _ = model_forward.unguarded(X, layers)
    out = out - out.max(axis=1, keepdims=True)
    e = np.exp(out)
    return e / e.sum(axis=1, keepdims=True)


def error_rate(layers, X, y):
    """Percentage of the rows of X whose arg-max logit is not the label y."""
    out, _ = model_forward.unguarded(X, layers)
    return 100.0 * float(np.mean(out.argmax(axis=1) != np.asarray(y)))


# --------------------------------------------------------------------------- training


class Trainer:
    """Full-batch Adam on softmax cross-entropy + (λ/2m) Σ‖W‖², trained in chunks.

    layers: the starting network (copied; never modified); X (m, D), y (m,) labels.
    lam: λ ≥ 0; lr: Adam's learning rate (β₁ = 0.9, β₂ = 0.999, ε = 1e-8);
    rng: draws the dropout masks (fresh every epoch). After :meth:`run`: ``layers`` (the
    trained network), ``epoch`` (epochs so far), ``losses`` (the cost of every epoch, L2 term
    included), ``dev_errors`` (one per epoch when X_dev and y_dev were given).
    """

    def __init__(self, layers, X, y, *, lam=0.0, lr=0.01, rng=None, X_dev=None, y_dev=None):
        name = "Trainer"
        self.X = as_float_array(name, "X", X, ndim=2)
        _check_layers(name, layers, self.X)
        self.Y = labels_to_one_hot(name, y, self.X.shape[0], self._classes(layers), self.X.dtype)
        self.lam = real_arg(name, "lam", lam, 0.0, finite=True)
        self.lr = real_arg(name, "lr", lr, 0.0, low_open=True, finite=True)
        self.rng = np.random.default_rng(rng)
        self.layers = [
            {k: (v.copy() if isinstance(v, np.ndarray) else v) for k, v in layer.items()} for layer in layers
        ]
        self.moments = [
            {p: [np.zeros_like(layer[p]), np.zeros_like(layer[p])] for p in parameter_names(layer)}
            for layer in self.layers
        ]
        self.dropout = any(layer["kind"] == "dropout" for layer in self.layers)
        self.epoch = 0
        self.losses: list[float] = []
        self.X_dev = None if X_dev is None else as_float_array(name, "X_dev", X_dev, ndim=2)
        self.y_dev = None if y_dev is None else np.asarray(y_dev)
        self.dev_errors: list[float] = []

    @staticmethod
    def _classes(layers):
        last = [layer for layer in layers if layer["kind"] == "affine"]
        return last[-1]["W"].shape[1] if last else 0

    def run(self, epochs=1):
        """Train ``epochs`` more epochs; returns self."""
        m = self.X.shape[0]
        for _ in range(int(epochs)):
            step = draw_dropout_masks(self.layers, m, self.rng) if self.dropout else self.layers
            x = self.X
            inputs = []
            for layer in step:
                inputs.append(x)
                x = KINDS[layer["kind"]].forward(x, layer)
            z = x - x.max(axis=1, keepdims=True)
            log_p = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
            loss = -float(np.sum(self.Y * log_p)) / m
            dout = (np.exp(log_p) - self.Y) / m
            if self.lam:
                loss += (
                    self.lam
                    / (2 * m)
                    * sum(float(np.sum(layer["W"] ** 2)) for layer in self.layers if layer["kind"] == "affine")
                )
            self.epoch += 1
            t = self.epoch
            for i in reversed(range(len(step))):
                layer = step[i]
                dout, grads = KINDS[layer["kind"]].backward(dout, inputs[i], layer)
                for p, g in grads.items():
                    if p == "W" and self.lam:
                        g = g + (self.lam / m) * layer["W"]
                    moment = self.moments[i][p]
                    moment[0] = 0.9 * moment[0] + 0.1 * g
                    moment[1] = 0.999 * moment[1] + 0.001 * g * g
                    m_hat = moment[0] / (1.0 - 0.9**t)
                    v_hat = moment[1] / (1.0 - 0.999**t)
                    self.layers[i][p] = self.layers[i][p] - self.lr * m_hat / (np.sqrt(v_hat) + 1e-8)
            self.losses.append(loss)
            if self.X_dev is not None:
                self.dev_errors.append(error_rate(self.layers, self.X_dev, self.y_dev))
        return self


@reference_kernel
def train_network(layers, X, y, *, lam=0.0, epochs=500, lr=0.01, rng=None, X_dev=None, y_dev=None):
    """Train a copy of ``layers`` for ``epochs`` epochs (see :class:`Trainer`); returns the Trainer,
    whose ``layers`` is the trained network and ``losses`` the cost of every epoch."""
    return Trainer(layers, X, y, lam=lam, lr=lr, rng=rng, X_dev=X_dev, y_dev=y_dev).run(epochs)


# --------------------------------------------------------------------------- early stopping


@reference_kernel
def early_stopping(dev_errors, patience):
    """Where early stopping stops: returns (best_epoch, stop_epoch), both 0-based indices.

    dev_errors: (E,) the dev error after each epoch; patience ≥ 1. Training stops at the
    first epoch that ends ``patience`` epochs in a row without a new best (strictly lower)
    dev error, or at the last epoch. best_epoch: the epoch with the lowest dev error seen
    up to the stop (the first one on ties); its weights are the ones to keep.
    """
    name = "early_stopping"
    errors = as_float_array(name, "dev_errors", dev_errors, ndim=1)
    patience = int_arg(name, "patience", patience, 1)
    best, waited = 0, 0
    for epoch in range(1, errors.shape[0]):
        if errors[epoch] < errors[best]:
            best, waited = epoch, 0
        else:
            waited += 1
            if waited == patience:
                return best, epoch
    return best, errors.shape[0] - 1


# --------------------------------------------------------------------------- the regularization study


@reference_kernel
def study_errors(X_train, y_train, X_dev, y_dev, lam, seed, keep_prob=1.0):
    """(train error, dev error) in percent of the STUDY network trained with λ = lam and the
    given keep probability, its weights initialized with ``seed``."""
    start = init_layers(STUDY["sizes"], "relu", "he", keep_prob, np.random.default_rng(int(seed)))
    trained = train_network.unguarded(
        start,
        X_train,
        y_train,
        lam=lam,
        epochs=STUDY["epochs"],
        lr=STUDY["lr"],
        rng=np.random.default_rng([int(seed), 1]),
    ).layers
    return error_rate(trained, X_train, y_train), error_rate(trained, X_dev, y_dev)


@reference_kernel
def choose_lambda(X_train, y_train, X_dev, y_dev, lambdas, seed):
    """Train the STUDY network once per λ in ``lambdas`` (same seed each time) and keep the λ
    with the lowest dev error (the first one on ties): returns (best_lambda, train_errors,
    dev_errors), the errors in percent, one per λ."""
    lambdas = as_float_array("choose_lambda", "lambdas", lambdas, ndim=1)
    errors = np.array([study_errors.unguarded(X_train, y_train, X_dev, y_dev, float(lam), seed) for lam in lambdas])
    return float(lambdas[int(np.argmin(errors[:, 1]))]), errors[:, 0], errors[:, 1]


# --------------------------------------------------------------------------- gradient checking


def dropout_off(layers):
    """A copy of the list with every dropout mask None (test time) and every array copied."""
    return [
        {k: (v.copy() if isinstance(v, np.ndarray) else v) for k, v in layer.items()}
        | ({"mask": None} if layer["kind"] == "dropout" else {})
        for layer in layers
    ]


def regularized_cost(X, y, layers, lam):
    """J = softmax cross-entropy of the logits (mean over the m rows of X) + λ/(2m) Σ‖W‖², with
    dropout off. X (m, D); y (m,) labels; layers: a layer list; lam: λ ≥ 0. Returns a float."""
    off = dropout_off(layers)
    out, _ = model_forward.unguarded(X, off)
    z = out - out.max(axis=1, keepdims=True)
    log_p = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
    m = X.shape[0]
    return -float(np.mean(log_p[np.arange(m), np.asarray(y)])) + l2_cost.unguarded(off, lam, m)


def regularized_grads(X, y, layers, lam):
    """The gradients of :func:`regularized_cost`: a list aligned with layers, {"W": dW + (λ/m) W,
    "b": db} for affine layers and {} for the others (dropout off)."""
    off = dropout_off(layers)
    out, inputs = model_forward.unguarded(X, off)
    z = out - out.max(axis=1, keepdims=True)
    p = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
    m = X.shape[0]
    p[np.arange(m), np.asarray(y)] -= 1.0
    _, grads = model_backward.unguarded(p / m, inputs, off)
    return [{k: g[k] + r[k] for k in g} for g, r in zip(grads, l2_grads.unguarded(off, lam, m))]


@reference_kernel
def gradient_check(X, y, layers, grads, lam):
    """How far ``grads`` are from central differences of the regularized cost, dropout off.

    X (m, D); y (m,) labels; layers: a layer list (its dropout masks are ignored: the check
    runs with dropout off); grads: a list aligned with layers, {"W": (D, M), "b": (M,)} for
    affine layers and {} for the others; lam: λ ≥ 0. Returns a list aligned with layers:
    {"W": rel_error(grads W, numerical), "b": ...} for affine layers, {} for the others, where
    numerical = (J(θ + h e_i) − J(θ − h e_i)) / (2h), h = 1e-5, J = :func:`regularized_cost`,
    and rel_error = max_i |g_i − ĝ_i| / max(1e-8, |g_i| + |ĝ_i|). Nothing given is modified.
    """
    off = dropout_off(layers)
    errors = []
    for layer, grad in zip(off, grads):
        errors.append(
            {
                p: rel_error(grad[p], numerical_gradient(lambda _: regularized_cost(X, y, off, lam), layer[p]))
                for p in parameter_names(layer)
            }
        )
    return errors


def warm_up():
    """Nothing to compile (numpy only)."""
    return []
