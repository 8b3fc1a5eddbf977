"""Week 8's case generators: the inputs each check of ``helpers.grading.w08`` draws.

Each ``*_cases`` is ``rng -> [Case]``, edge cases first, then seeded random ones. Layer lists reach
the student's functions in the plain-array form of ``helpers.layers``: a case's args are
``to_arrays(layers)``'s arrays and its kwargs hold the spec. The judge of each check is in ``_w08_judge``.
"""
from __future__ import annotations

import numpy as np

from .. import init as I
from .. import layers as LY
from .. import training as TR
from ._w08_networks import networks
from .core import Case

STUDY_LAMBDAS = (0.0, 0.3, 1.0, 10.0)


# --------------------------------------------------------------------------- affine layer

def affine_shapes(rng):
    cases = [("N=1", 1, 3, 2), ("one input feature (D=1)", 4, 1, 3), ("one output (M=1)", 3, 4, 1),
             ("N = D = M = 4: a missing transpose keeps the shape", 4, 4, 4), ("odd sizes 5x7 -> 3", 5, 7, 3)]
    result = []
    for label, n, d, m in cases:
        result.append((label, rng.normal(size=(n, d)), rng.normal(size=(d, m)), rng.normal(size=m),
                       rng.normal(size=(n, m))))
    n, d, m = (int(v) for v in rng.integers(2, 9, size=3))
    result.append((f"random N={n}, D={d}, M={m}, large values", rng.normal(size=(n, d)) * 100,
                   rng.normal(size=(d, m)), rng.normal(size=m) * 10, rng.normal(size=(n, m))))
    return result


def affine_forward_cases(rng):
    return [Case(label, (x, W, b)) for label, x, W, b, _ in affine_shapes(rng)]


def affine_backward_cases(rng):
    return [Case(label, (dout, x, W, b)) for label, x, W, b, dout in affine_shapes(rng)]


# --------------------------------------------------------------------------- activations

def activation_values(rng, with_zero):
    grid = rng.normal(size=(3, 4)) * 2
    if with_zero:
        grid[0, 0] = 0.0
    return [("small values" + (" with an exact zero" if with_zero else ""), grid),
            ("N=1, odd width 5", rng.normal(size=(1, 5))),
            ("large magnitudes", np.array([[-30.0, -8.0, 8.0, 30.0]]) if not with_zero
             else np.array([[-800.0, -50.0, 50.0, 800.0]])),
            ("(6, 3)", rng.normal(size=(6, 3)) * 3)]


def activation_forward_cases(rng):
    return [Case(f"{kind}, {label}", (z, kind)) for kind in LY.ACTIVATIONS
            for label, z in activation_values(rng, True)]


def activation_backward_cases(rng):
    cases = []
    for kind in LY.ACTIVATIONS:
        for label, z in activation_values(rng, False):
            if kind == "relu":
                z = np.where(np.abs(z) < 1e-3, 0.5, z)
            cases.append(Case(f"{kind}, {label}", (rng.normal(size=z.shape), z, kind)))
    return cases


# --------------------------------------------------------------------------- inverted dropout

def dropout_values(rng):
    result = []
    for label, shape, keep in [("keep 0.5, (4, 6)", (4, 6), 0.5), ("keep 0.8, N=1", (1, 7), 0.8),
                               ("keep 1.0: nothing dropped", (3, 3), 1.0), ("keep 0.3, (5, 2)", (5, 2), 0.3),
                               ("keep 0.9, (2, 9)", (2, 9), 0.9), ("a single unit, keep 0.5", (1, 1), 0.5)]:
        mask = rng.random(shape) < keep
        result.append((label, rng.normal(size=shape), mask, keep))
    return result


def dropout_forward_cases(rng):
    cases = [Case(f"training, {label}", (x, mask, keep, True)) for label, x, mask, keep in dropout_values(rng)]
    for label, x, mask, keep in dropout_values(rng)[:2]:
        cases.append(Case(f"test time (train=False), {label}: the mask must be ignored", (x, mask, keep, False)))
    return cases


def dropout_backward_cases(rng):
    return [Case(label, (rng.normal(size=x.shape), mask, keep)) for label, x, mask, keep in dropout_values(rng)]


# --------------------------------------------------------------------------- the model

def model_forward_cases(rng):
    cases = []
    for label, x, layers, _ in networks(rng):
        spec, arrays = LY.to_arrays(layers)
        cases.append(Case(label, (x, *arrays), {"spec": spec}))
    return cases


def model_backward_cases(rng):
    cases = []
    for label, x, layers, dout in networks(rng):
        _, inputs = LY.model_forward.unguarded(x, layers)
        spec, arrays = LY.to_arrays(layers)
        cases.append(Case(label, (dout, *inputs, *arrays), {"spec": spec}))
    return cases


# --------------------------------------------------------------------------- L2 regularization

def l2_cases(rng):
    cases = []
    settings = [(0.7, 10), (0.0, 5), (2.5, 1), (0.1, 1000), (1.0, 64)]
    for (label, x, layers, _), (lam, m) in zip(networks(rng), settings * 2):
        spec, arrays = LY.to_arrays(layers)
        cases.append(Case(f"{label}, lam={lam:g}, m={m}", arrays, {"spec": spec, "lam": lam, "m": m}))
    return cases


# --------------------------------------------------------------------------- input normalization

def normalize_cases(rng):
    def split(n_train, n_dev, n_test, d, shift=3.0, scale=4.0):
        centre, spread = rng.normal(size=d) * 5, rng.uniform(0.5, 3, size=d)
        train = centre + spread * rng.normal(size=(n_train, d))
        dev = centre + shift + scale * spread * rng.normal(size=(n_dev, d))
        test = centre - shift + spread / scale * rng.normal(size=(n_test, d))
        return train, dev, test

    cases = [Case("dev and test shifted and scaled: their own statistics differ", split(20, 15, 10, 3)),
             Case("a single dev and a single test example (their own spread is 0)", split(12, 1, 1, 4))]
    train, dev, test = split(10, 6, 5, 3)
    train[:, 1] = 3.0
    cases.append(Case("feature 1 is constant in the training set: σ = 1, centre only", (train, dev, test)))
    train, dev, test = split(30, 8, 8, 2)
    scales = np.array([1000.0, 0.01])
    cases.append(Case("features on very different scales (thousands and hundredths)",
                      (train * scales, dev * scales, test * scales)))
    cases.append(Case("one feature (D=1)", split(25, 5, 7, 1)))
    cases.append(Case("random sizes", split(int(rng.integers(5, 40)), int(rng.integers(2, 20)),
                                        int(rng.integers(2, 20)), int(rng.integers(2, 6)))))
    return cases


# --------------------------------------------------------------------------- initialization

INIT_SHAPES = ((400, 150), (60, 1000))


def init_cases(rng):
    cases = []
    for method in I.METHODS:
        for n_in, n_out in INIT_SHAPES:
            cases.append(Case(f"{method}, n_in={n_in}, n_out={n_out}", (n_in, n_out, method,
                                                                      int(rng.integers(2 ** 31)))))
    cases.append(Case("he, one input (n_in=1): shape only", (1, 7, "he", int(rng.integers(2 ** 31)))))
    cases.append(Case("xavier, one output (n_out=1): shape only", (9, 1, "xavier", int(rng.integers(2 ** 31)))))
    return cases


# --------------------------------------------------------------------------- early stopping

def curve(rng, length, best_at, noise=0.4):
    epochs = np.arange(length)
    base = 30.0 * np.exp(-epochs / max(best_at / 2.5, 1)) + 0.02 * np.maximum(epochs - best_at, 0) ** 1.5 + 10.0
    return np.round(base + rng.normal(size=length) * noise, 2)


def early_cases(rng):
    def snapshots(length, shape=(3, 2)):
        return rng.normal(size=(length, *shape))

    cases = []
    u = curve(rng, 40, 15)
    cases.append(Case("a U-shaped dev curve, patience 5", (u, snapshots(40), 5)))
    falling = np.round(np.linspace(30.0, 10.0, 12), 3)
    cases.append(Case("still improving at the last epoch (no stop)", (falling, snapshots(12), 3)))
    late = np.array([20.0, 15.0, 12.0, 12.5, 13.0, 12.8, 13.5, 11.0, 10.0, 9.0])
    cases.append(Case("a lower error after patience ran out (epoch 7) must not count", (late, snapshots(10), 3)))
    ties = np.array([9.0, 7.0, 7.0, 7.0, 8.0, 7.0, 6.5])
    cases.append(Case("equal errors are not an improvement (patience 4)", (ties, snapshots(7, (2, 2)), 4)))
    cases.append(Case("patience 1", (np.array([5.0, 4.0, 4.5, 3.0]), snapshots(4), 1)))
    cases.append(Case("one epoch only", (np.array([12.0]), snapshots(1, (4,)), 3)))
    length = int(rng.integers(20, 60))
    cases.append(Case(f"random curve of {length} epochs, patience 8",
                      (curve(rng, length, int(rng.integers(5, length - 5))), snapshots(length, (2, 3, 2)), 8)))
    return cases


# --------------------------------------------------------------------------- the regularization study

def study_cases(rng):
    cases = []
    for _ in range(3):
        seed = int(rng.integers(10_000))
        data = TR.make_moons_data(seed, n_train=TR.STUDY["n_train"], n_dev=TR.STUDY["n_dev"], n_test=1,
                                  noise=TR.STUDY["noise"], flip=TR.STUDY["flip"])
        cases.append(Case(f"noisy moons, seed {seed}", (data.X_train, data.y_train, data.X_dev, data.y_dev,
                                                        np.array(STUDY_LAMBDAS), seed)))
    return cases
