"""helpers.batchnorm_layer: the "batchnorm" kind of helpers.layers, networks with it, the mini-batch
trainer, and the plain-array forms the week-9 checks use."""

import numpy as np
import pytest

from helpers import batchnorm_layer as BL
from helpers import layers as L
from helpers import norm
from helpers.data import load_digits_split
from helpers.gradcheck import numerical_gradient, rel_error
from tests.unit import plain_numpy as ref

RNG = np.random.default_rng(19)


def small_network(mode="train"):
    layers = BL.init_bn_layers((4, 5, 3), True, rng=1)
    bn = layers[1]
    bn.update(
        gamma=1 + 0.3 * RNG.normal(size=5),
        beta=RNG.normal(size=5),
        running_mean=RNG.normal(size=5),
        running_var=RNG.uniform(0.5, 2, size=5),
        mode=mode,
    )
    layers[0]["b"] = RNG.normal(size=5)  # a bias, to see that it gets no gradient
    return layers


def test_the_kind_is_registered_and_its_parameters_are_gamma_and_beta():
    assert L.KINDS["batchnorm"] is BL.BATCHNORM
    assert L.parameter_names(BL.batchnorm_layer(3)) == ("gamma", "beta")


@pytest.mark.parametrize("mode", ["train", "inference"])
def test_the_layer_matches_helpers_norm(mode):
    layer = {
        **BL.batchnorm_layer(4),
        "gamma": RNG.normal(size=4),
        "beta": RNG.normal(size=4),
        "running_mean": RNG.normal(size=4),
        "running_var": RNG.uniform(0.5, 2, size=4),
        "mode": mode,
    }
    x, dout = RNG.normal(size=(7, 4)) * 3 + 1, RNG.normal(size=(7, 4))
    args = (layer["gamma"], layer["beta"], mode, layer["running_mean"], layer["running_var"])
    ref.assert_close(BL.BATCHNORM.forward(x, layer), norm.batchnorm_forward(x, *args)[0])
    dx, grads = BL.BATCHNORM.backward(dout, x, layer)
    want = norm.batchnorm_backward(dout, x, *args)
    ref.assert_close(dx, want[0])
    ref.assert_close(grads["gamma"], want[1])
    ref.assert_close(grads["beta"], want[2])


@pytest.mark.parametrize("mode", ["train", "inference"])
def test_model_backward_through_batch_norm_matches_numerical_gradients(mode):
    layers = small_network(mode)
    x, dout = RNG.normal(size=(6, 4)), RNG.normal(size=(6, 3))
    out, inputs = L.model_forward(x, layers)
    dx, grads = L.model_backward(dout, inputs, layers)

    def energy(_):
        return float(np.sum(dout * L.model_forward(x, layers)[0]))

    assert rel_error(dx, numerical_gradient(energy, x)) <= 1e-7
    for i, name in [(0, "W"), (1, "gamma"), (1, "beta"), (3, "W"), (3, "b")]:
        assert rel_error(grads[i][name], numerical_gradient(energy, layers[i][name])) <= 1e-6, (i, name)
    if mode == "train":  # the bias before batch norm is removed with the mean
        np.testing.assert_allclose(grads[0]["b"], 0.0, atol=1e-12)


def test_bad_gamma_or_mode_is_a_clear_error():
    layers = small_network()
    layers[1]["gamma"] = np.ones(4)
    with pytest.raises(ValueError, match=r"layers\[1\]\['gamma'\] has shape \(4,\), its input has 5 features"):
        L.model_forward(np.ones((2, 4)), layers)
    layers = small_network()
    layers[1]["mode"] = "test"
    with pytest.raises(ValueError, match=r"\['mode'\] must be 'train' or 'inference'"):
        L.model_forward(np.ones((2, 4)), layers)


def test_init_set_mode_and_running_averages():
    plain, normed = BL.init_bn_layers((6, 5, 5, 2), False, rng=3), BL.init_bn_layers((6, 5, 5, 2), True, rng=3)
    assert [layer["kind"] for layer in plain] == ["affine", "relu", "affine", "relu", "affine"]
    kinds = ["affine", "batchnorm", "relu", "affine", "batchnorm", "relu", "affine"]
    assert [layer["kind"] for layer in normed] == kinds
    affine = [[layer for layer in net if layer["kind"] == "affine"] for net in (plain, normed)]
    for a, b in zip(*affine):
        np.testing.assert_array_equal(a["W"], b["W"])  # the same start with and without batch norm
        assert not b["b"].any()
    inference = BL.set_mode(normed, "inference")
    assert inference[1]["mode"] == "inference" and normed[1]["mode"] == "train" and inference[0] is normed[0]
    x = RNG.normal(size=(8, 6))
    _, inputs = L.model_forward(x, normed)
    moved = BL.update_running_averages(normed, inputs)
    ref.assert_close(moved[1]["running_mean"], 0.1 * inputs[1].mean(axis=0))
    ref.assert_close(moved[4]["running_var"], 0.9 + 0.1 * inputs[4].var(axis=0))
    assert not normed[1]["running_mean"].any()  # the input list is not modified
    with pytest.raises(ValueError, match="mode must be"):
        BL.set_mode(normed, "eval")


@pytest.fixture(scope="module")
def digits():
    return load_digits_split(seed=0)


def test_batch_norm_trains_where_the_plain_network_fails(digits):
    X, y, X_dev, y_dev = digits
    sizes = (64, 64, 64, 64, 10)
    start = BL.init_bn_layers(sizes, True, rng=0)
    before = [layer.get("W", layer.get("gamma")).copy() for layer in start if layer["kind"] != "relu"]
    normed = BL.train_minibatch(start, X, y, lr=1.0, steps=100, seed=0, X_dev=X_dev, y_dev=y_dev)
    plain = BL.train_minibatch(
        BL.init_bn_layers(sizes, False, rng=0), X, y, lr=1.0, steps=100, seed=0, X_dev=X_dev, y_dev=y_dev
    )
    assert normed.dev_accuracy.shape == (10,) and normed.losses.shape == (100,)
    assert np.flatnonzero(normed.dev_accuracy >= 0.9)[0] <= 3 and normed.dev_accuracy[-1] >= 0.9
    assert plain.dev_accuracy.max() < 0.6
    assert BL.accuracy(normed.layers, X_dev, y_dev) == normed.dev_accuracy[-1]
    assert not normed.layers[0]["b"].any()  # b before batch norm is never trained
    assert normed.layers[1]["running_mean"].any()
    after = [layer.get("W", layer.get("gamma")) for layer in start if layer["kind"] != "relu"]
    for a, b in zip(before, after):  # the starting network is untouched
        np.testing.assert_array_equal(a, b)


def test_snapshots_and_momentum(digits):
    X, y, _, _ = digits
    run = BL.train_minibatch(
        BL.init_bn_layers((64, 16, 10), True, rng=0),
        X,
        y,
        lr=0.1,
        steps=30,
        sgd_momentum=0.9,
        seed=0,
        snapshot_every=10,
    )
    assert len(run.snapshots) == 4 and run.snapshots[0][0]["W"] is not run.layers[0]["W"]
    assert np.isfinite(run.losses).all() and run.losses[-5:].mean() < run.losses[:5].mean()
    plain = BL.train_minibatch(BL.init_bn_layers((64, 16, 10), True, rng=0), X, y, lr=0.1, steps=30, seed=0)
    assert not np.allclose(plain.losses[1:], run.losses[1:])  # the same first step, then the velocity differs
    assert plain.losses[0] == run.losses[0]
    with pytest.raises(ValueError, match="sgd_momentum"):  # the optimizer's weight, not the layers' momentum
        BL.train_minibatch(BL.init_bn_layers((64, 16, 10), True, rng=0), X, y, lr=0.1, steps=1, sgd_momentum=1.0)


def test_on_arrays_round_trip_and_errors(digits):
    X, y, X_dev, y_dev = digits
    start = BL.init_bn_layers((64, 8, 10), True, rng=0)
    spec, arrays = L.to_arrays(start)

    def train(layers, X_train, y_train, X_d, y_d, lr, steps, sgd_momentum=0.0, seed=0):
        run = BL.train_minibatch(
            layers, X_train, y_train, lr=lr, steps=steps, sgd_momentum=sgd_momentum, seed=seed, X_dev=X_d, y_dev=y_d
        )
        return run.layers, run.dev_accuracy

    out, curve = BL.on_arrays(train)(X, y, X_dev, y_dev, *arrays, spec=spec, lr=0.5, steps=20, sgd_momentum=0.0, seed=0)
    assert len(out) == len(arrays) and all(a.shape == b.shape for a, b in zip(out, arrays)) and curve.shape == (2,)
    with pytest.raises(ValueError, match=r"must return \(layers, dev_accuracy\)"):
        BL.on_arrays(lambda *a, **k: [1, 2, 3])(
            X, y, X_dev, y_dev, *arrays, spec=spec, lr=0.5, steps=1, sgd_momentum=0.0, seed=0
        )
    with pytest.raises(ValueError, match="has no 'running_mean'"):
        BL.on_arrays(
            lambda layers, *a, **k: (
                [{k_: v for k_, v in layer.items() if k_ != "running_mean"} for layer in layers],
                np.zeros(1),
            )
        )(X, y, X_dev, y_dev, *arrays, spec=spec, lr=0.5, steps=1, sgd_momentum=0.0, seed=0)


def test_bad_shape_outcome_codes():
    x, g, b = np.ones((4, 2)), np.ones(2), np.zeros(2)

    def strict(x, gamma, beta):
        if gamma.shape != (x.shape[1],):
            raise ValueError("gamma is wrong")
        return gamma * x + beta

    def nameless(x, gamma, beta):
        raise ValueError("shapes differ")

    def typed(x, gamma, beta):
        raise TypeError("gamma")

    assert BL.bad_shape_outcome(strict)(x, np.ones(3), b, "gamma") == 1
    assert BL.bad_shape_outcome(strict)(x, g, b, "") == 0
    assert BL.bad_shape_outcome(lambda x, gamma, beta: gamma * x + beta)(x, np.ones(1), b, "gamma") == 0
    assert BL.bad_shape_outcome(nameless)(x, np.ones(3), b, "gamma") == 2
    assert BL.bad_shape_outcome(typed)(x, np.ones(3), b, "gamma") == 3
