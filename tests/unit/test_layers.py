"""helpers.layers, helpers.init and helpers.training (week 8) against plain numpy and numerical gradients.

The plain-numpy versions here follow the formulas literally and import nothing from helpers.
"""

import json

import numpy as np
import pytest

from helpers import init as I
from helpers import layers as L
from helpers import training as T
from helpers.gradcheck import numerical_gradient

# --------------------------------------------------------------------------- plain numpy


def close(got, numerical):
    """A gradient against central differences: their round-off is about 1e-10 absolute."""
    assert got.shape == numerical.shape
    np.testing.assert_allclose(got, numerical, rtol=1e-6, atol=1e-8)


def np_act(z, kind):
    return {"relu": lambda v: np.maximum(v, 0), "tanh": np.tanh, "sigmoid": lambda v: 1 / (1 + np.exp(-v))}[kind](z)


def np_layer(x, layer):
    kind = layer["kind"]
    if kind == "affine":
        return x @ layer["W"] + layer["b"]
    if kind == "dropout":
        return x if layer.get("mask") is None else x * layer["mask"] / layer["keep_prob"]
    return np_act(x, kind)


def np_model(x, layers):
    for layer in layers:
        x = np_layer(x, layer)
    return x


def random_network(rng, widths, acts=("relu",), keep=None, n=4, dtype=np.float64):
    """x (n, widths[0]), a layer list with the given widths, and dout; ReLU inputs off the kink."""
    for _ in range(100):
        layers = []
        for i, (a, b) in enumerate(zip(widths[:-1], widths[1:])):
            layers.append(
                {
                    "kind": "affine",
                    "W": (rng.normal(size=(a, b)) / np.sqrt(a)).astype(dtype),
                    "b": (rng.normal(size=b) * 0.3).astype(dtype),
                }
            )
            if i < len(widths) - 2:
                layers.append({"kind": acts[i % len(acts)]})
                if keep is not None:
                    layers.append({"kind": "dropout", "keep_prob": keep, "mask": rng.random((n, b)) < keep})
        x = rng.normal(size=(n, widths[0])).astype(dtype)
        value, ok = x, True
        for layer in layers:
            if layer["kind"] == "relu" and np.abs(value).min() < 1e-3:
                ok = False
            value = np_layer(value, layer)
        if ok:
            return x, layers, rng.normal(size=value.shape).astype(dtype)
    raise RuntimeError("no network off the kink")


NETWORKS = [
    ((3, 5), ()),
    ((3, 5, 1), ("relu",)),
    ((5, 7, 3, 3), ("tanh",)),
    ((1, 3, 5, 7, 3), ("sigmoid", "relu", "tanh")),
    ((4, 9, 9, 2), ("relu",)),
]


# --------------------------------------------------------------------------- affine and activations


@pytest.mark.parametrize("n,d,m", [(1, 3, 2), (4, 1, 3), (3, 4, 1), (5, 5, 5), (7, 3, 9)])
def test_affine_matches_numpy_and_numerical_gradients(n, d, m):
    rng = np.random.default_rng(n * 100 + d * 10 + m)
    x, W, b, dout = rng.normal(size=(n, d)), rng.normal(size=(d, m)), rng.normal(size=m), rng.normal(size=(n, m))
    copies = [a.copy() for a in (x, W, b, dout)]
    np.testing.assert_allclose(L.affine_forward(x, W, b), x @ W + b, rtol=1e-12)
    dx, dW, db = L.affine_backward(dout, x, W, b)
    energy = lambda _: np.sum(dout * (x @ W + b))
    for got, array in ((dx, x), (dW, W), (db, b)):
        assert got.shape == array.shape
        close(got, numerical_gradient(energy, array))
    for a, c in zip((x, W, b, dout), copies):
        np.testing.assert_array_equal(a, c)


def test_affine_float32_keeps_the_dtype():
    rng = np.random.default_rng(0)
    x, W, b = (rng.normal(size=s).astype(np.float32) for s in ((3, 4), (4, 2), (2,)))
    assert L.affine_forward(x, W, b).dtype == np.float32
    assert all(g.dtype == np.float32 for g in L.affine_backward(np.ones((3, 2), np.float32), x, W, b))


@pytest.mark.parametrize(
    "call,fragment",
    [
        (lambda: L.affine_forward(np.ones((2, 3)), np.ones((4, 2)), np.ones(2)), "x has 3 features"),
        (lambda: L.affine_forward(np.ones((2, 3)), np.ones((3, 2)), np.ones(3)), "b has 3 entries"),
        (lambda: L.affine_forward(np.ones(3), np.ones((3, 2)), np.ones(2)), "x must be 2-D"),
        (lambda: L.affine_forward(np.ones((2, 3)), np.ones((3, 2), np.float32), np.ones(2)), "mixed dtypes"),
        (lambda: L.affine_backward(np.ones((2, 3)), np.ones((2, 3)), np.ones((3, 2)), np.ones(2)), "dout has shape"),
        (lambda: L.activation_forward(np.ones(3), "softplus"), "kind must be one of"),
        (lambda: L.activation_backward(np.ones(2), np.ones(3), "relu"), "dout has shape"),
    ],
)
def test_bad_input_raises_a_value_error_naming_it(call, fragment):
    with pytest.raises(ValueError, match=fragment):
        call()


@pytest.mark.parametrize("kind", L.ACTIVATIONS)
def test_activations_match_numpy_and_numerical_gradients(kind):
    rng = np.random.default_rng(1)
    z = rng.normal(size=(4, 5)) * 3
    z[np.abs(z) < 1e-3] = 0.5
    dout = rng.normal(size=z.shape)
    np.testing.assert_allclose(L.activation_forward(z, kind), np_act(z, kind), rtol=1e-12)
    numerical = numerical_gradient(lambda _: np.sum(dout * np_act(z, kind)), z)
    close(L.activation_backward(dout, z, kind), numerical)


def test_activations_are_stable_for_large_inputs_and_relu_grad_is_zero_at_zero():
    z = np.array([[-800.0, 0.0, 800.0]])
    with np.errstate(over="raise", invalid="raise"):
        np.testing.assert_allclose(L.activation_forward(z, "sigmoid"), [[0.0, 0.5, 1.0]])
        np.testing.assert_allclose(L.activation_backward(np.ones_like(z), z, "relu"), [[0.0, 0.0, 1.0]])


# --------------------------------------------------------------------------- the model


@pytest.mark.parametrize("widths,acts", NETWORKS)
@pytest.mark.parametrize("keep", [None, 0.6])
def test_model_matches_numpy_and_numerical_gradients(widths, acts, keep):
    rng = np.random.default_rng(len(widths) * 7 + (keep is not None))
    x, layers, dout = random_network(rng, widths, acts or ("relu",), keep if len(widths) > 2 else None)
    out, inputs = L.model_forward(x, layers)
    np.testing.assert_allclose(out, np_model(x, layers), rtol=1e-12)
    assert len(inputs) == len(layers) and inputs[0] is not None
    for i in range(len(layers)):
        np.testing.assert_allclose(inputs[i], np_model(x, layers[:i]), rtol=1e-12)
    dx, grads = L.model_backward(dout, inputs, layers)
    energy = lambda _: np.sum(dout * np_model(x, layers))
    close(dx, numerical_gradient(energy, x))
    assert len(grads) == len(layers)
    for layer, grad in zip(layers, grads):
        assert set(grad) == set(L.parameter_names(layer))
        for name, g in grad.items():
            assert g.shape == layer[name].shape
            close(g, numerical_gradient(energy, layer[name]))


def test_dropout_mask_none_is_the_identity_and_model_float32_works():
    rng = np.random.default_rng(3)
    x, layers, dout = random_network(rng, (3, 5, 2), keep=0.5)
    test_time = [{**layer, "mask": None} if layer["kind"] == "dropout" else layer for layer in layers]
    no_dropout = [layer for layer in layers if layer["kind"] != "dropout"]
    np.testing.assert_allclose(L.model_forward(x, test_time)[0], np_model(x, no_dropout), rtol=1e-12)
    x32, layers32, dout32 = random_network(np.random.default_rng(4), (3, 5, 2), keep=0.5, dtype=np.float32)
    out, inputs = L.model_forward(x32, layers32)
    dx, grads = L.model_backward(dout32, inputs, layers32)
    assert out.dtype == dx.dtype == grads[0]["W"].dtype == np.float32


def test_model_does_not_modify_its_inputs():
    x, layers, dout = random_network(np.random.default_rng(5), (3, 5, 4, 2), keep=0.7)
    before = [{k: (v.copy() if isinstance(v, np.ndarray) else v) for k, v in layer.items()} for layer in layers]
    x_before = x.copy()
    out, inputs = L.model_forward(x, layers)
    L.model_backward(dout, inputs, layers)
    np.testing.assert_array_equal(x, x_before)
    for layer, old in zip(layers, before):
        for key, value in old.items():
            np.testing.assert_array_equal(layer[key], value)


@pytest.mark.parametrize(
    "layers,fragment",
    [
        ([], "non-empty list"),
        ([{"kind": "softmax"}], "known kinds"),
        ([{"W": np.ones((3, 2)), "b": np.ones(2)}], "must be a dict with a 'kind'"),
        ([{"kind": "affine", "W": np.ones((4, 2)), "b": np.ones(2)}], "input has 3 features"),
        ([{"kind": "affine", "W": np.ones((3, 2)), "b": np.ones(3)}], "b has shape"),
        ([{"kind": "affine", "W": np.ones((3, 2))}], "has no 'b'"),
        ([{"kind": "dropout", "keep_prob": 0.0, "mask": None}], "keep_prob"),
        ([{"kind": "dropout", "keep_prob": 0.5, "mask": np.ones((2, 3))}], "bool array"),
        ([{"kind": "dropout", "keep_prob": 0.5, "mask": np.ones((2, 4), bool)}], "mask'] has shape"),
    ],
)
def test_bad_layer_lists_raise_value_errors_naming_the_layer(layers, fragment):
    with pytest.raises(ValueError, match=fragment):
        L.model_forward(np.ones((2, 3)), layers)


def test_model_backward_checks_inputs_and_dout():
    x, layers, dout = random_network(np.random.default_rng(6), (3, 5, 2))
    _, inputs = L.model_forward(x, layers)
    with pytest.raises(ValueError, match="one array per layer"):
        L.model_backward(dout, inputs[:-1], layers)
    with pytest.raises(ValueError, match="inputs\\[1\\] has shape"):
        L.model_backward(dout, [inputs[0], inputs[1][:, :2], inputs[2]], layers)
    with pytest.raises(ValueError, match="dout has shape"):
        L.model_backward(dout[:, :1], inputs, layers)


# --------------------------------------------------------------------------- L2


def test_l2_cost_and_grads_match_numpy_and_weight_decay():
    x, layers, _ = random_network(np.random.default_rng(7), (3, 5, 4, 2), keep=0.5)
    lam, m = 0.7, 13
    weights = [layer["W"] for layer in layers if layer["kind"] == "affine"]
    assert L.l2_cost(layers, lam, m) == pytest.approx(lam / (2 * m) * sum(np.sum(W * W) for W in weights), rel=1e-12)
    grads = L.l2_grads(layers, lam, m)
    for layer, grad in zip(layers, grads):
        if layer["kind"] == "affine":
            np.testing.assert_allclose(
                grad["W"], numerical_gradient(lambda _: L.l2_cost(layers, lam, m), layer["W"]), rtol=1e-6, atol=1e-10
            )
            np.testing.assert_array_equal(grad["b"], 0.0)
        else:
            assert grad == {}
    W, dW, lr = weights[0], np.random.default_rng(8).normal(size=weights[0].shape), 0.1
    np.testing.assert_allclose(W - lr * (dW + grads[0]["W"]), (1 - lr * lam / m) * W - lr * dW, rtol=1e-12)
    assert L.l2_cost(layers, 0.0, m) == 0.0


@pytest.mark.parametrize("lam,m,fragment", [(-1.0, 5, "lam"), (0.1, 0, "m \\(the number"), (0.1, 2.5, "integer")])
def test_l2_bad_arguments(lam, m, fragment):
    with pytest.raises(ValueError, match=fragment):
        L.l2_cost([{"kind": "affine", "W": np.ones((2, 2)), "b": np.ones(2)}], lam, m)


# --------------------------------------------------------------------------- building, masks, plain arrays


def test_init_layers_builds_the_l_layer_network():
    layers = L.init_layers([2, 7, 5, 3], activation="tanh", init="xavier", keep_prob=0.8, rng=0)
    assert [layer["kind"] for layer in layers] == ["affine", "tanh", "dropout", "affine", "tanh", "dropout", "affine"]
    assert [layer["W"].shape for layer in layers if layer["kind"] == "affine"] == [(2, 7), (7, 5), (5, 3)]
    again = L.init_layers([2, 7, 5, 3], activation="tanh", init="xavier", keep_prob=0.8, rng=0)
    np.testing.assert_array_equal(layers[0]["W"], again[0]["W"])
    assert [layer["kind"] for layer in L.init_layers([4, 3])] == ["affine"]
    with pytest.raises(ValueError, match="sizes"):
        L.init_layers([4])


def test_draw_dropout_masks_keeps_the_right_share_and_shares_parameters():
    layers = L.init_layers([2, 200, 100, 2], keep_prob=0.7, rng=1)
    step = L.draw_dropout_masks(layers, 50, np.random.default_rng(2))
    masks = [layer["mask"] for layer in step if layer["kind"] == "dropout"]
    assert [mk.shape for mk in masks] == [(50, 200), (50, 100)]
    assert abs(np.mean(np.concatenate([mk.ravel() for mk in masks])) - 0.7) < 0.01
    assert all(layer["mask"] is None for layer in layers if layer["kind"] == "dropout")
    assert step[0] is layers[0]  # the same parameters, not copies


def test_inverted_dropout_agrees_in_expectation_with_scaling_at_test_time():
    rng = np.random.default_rng(9)
    x, keep = rng.normal(size=(1, 6)), 0.6
    masks = rng.random((200_000, 6)) < keep
    inverted = (x * masks / keep).mean(axis=0)  # training: scale up, test: nothing
    original = (x * masks).mean(axis=0)  # training: drop only, test: multiply by keep
    np.testing.assert_allclose(inverted, x[0], atol=0.01)
    np.testing.assert_allclose(original, keep * x[0], atol=0.01)


def test_to_arrays_round_trip_and_on_arrays():
    x, layers, dout = random_network(np.random.default_rng(10), (3, 5, 4, 2), acts=("relu", "tanh"), keep=0.5)
    spec, arrays = L.to_arrays(layers)
    json.dumps(spec)
    rebuilt = L.from_arrays(json.loads(json.dumps(spec)), arrays)
    np.testing.assert_allclose(L.model_forward(x, rebuilt)[0], L.model_forward(x, layers)[0])
    forward = L.on_arrays(L.model_forward, "model_forward")
    out, inputs = forward(x, *arrays, spec=spec)
    assert isinstance(inputs, tuple) and len(inputs) == len(layers)
    backward = L.on_arrays(L.model_backward, "model_backward")
    dx, grads = backward(dout, *inputs, *arrays, spec=spec)
    reference = L.model_backward(dout, list(inputs), layers)[1]
    assert len(grads) == len(layers)
    for layer, flat, ref in zip(layers, grads, reference):
        assert len(flat) == len(L.parameter_names(layer))
        for g, name in zip(flat, L.parameter_names(layer)):
            np.testing.assert_array_equal(g, ref[name])
    assert L.on_arrays(L.l2_cost, "l2_cost")(*arrays, spec=spec, lam=1.0, m=4) == L.l2_cost(layers, 1.0, 4)
    assert len(L.on_arrays(L.l2_grads, "l2_grads")(*arrays, spec=spec, lam=1.0, m=4)) == len(layers)


def test_on_arrays_says_what_is_wrong_with_a_result():
    x, layers, dout = random_network(np.random.default_rng(11), (3, 4, 2))
    spec, arrays = L.to_arrays(layers)
    _, inputs = L.model_forward(x, layers)
    no_b = L.on_arrays(
        lambda d, i, ls: (d, [{"W": d} if layer["kind"] == "affine" else {} for layer in ls]), "model_backward"
    )
    with pytest.raises(ValueError, match="grads\\[0\\] \\(affine layer\\) has no 'b'"):
        no_b(dout, *inputs, *arrays, spec=spec)
    with pytest.raises(ValueError, match="one dict per layer"):
        L.on_arrays(lambda d, i, ls: (d, []), "model_backward")(dout, *inputs, *arrays, spec=spec)
    with pytest.raises(ValueError, match="on_arrays"):
        L.on_arrays(L.model_forward, "model_sideways")


# --------------------------------------------------------------------------- initialization


@pytest.mark.parametrize("n_in,n_out", [(400, 150), (60, 1000), (300, 300)])
def test_init_std_and_sample_variances(n_in, n_out):
    expected = {
        "zeros": 0.0,
        "large": 10.0,
        "lecun": 1 / np.sqrt(n_in),
        "xavier": np.sqrt(2 / (n_in + n_out)),
        "he": np.sqrt(2 / n_in),
    }
    for method, s in expected.items():
        assert I.init_std(method, n_in, n_out) == pytest.approx(s, rel=1e-12)
        W = I.init_weights(n_in, n_out, method, rng=1)
        assert W.shape == (n_in, n_out) and W.dtype == np.float64
        if s == 0:
            assert not W.any()
        else:
            assert abs(W.var() / s**2 - 1) < 0.03 and abs(W.mean()) < 5 * s / np.sqrt(W.size)
    np.testing.assert_array_equal(I.init_weights(5, 3, "he", 7), I.init_weights(5, 3, "he", np.random.default_rng(7)))
    if n_in == n_out:
        assert I.init_std("lecun", n_in, n_out) == pytest.approx(I.init_std("xavier", n_in, n_out))


def test_init_bad_arguments():
    with pytest.raises(ValueError, match="method must be one of"):
        I.init_weights(3, 2, "glorot")
    with pytest.raises(ValueError, match="n_in"):
        I.init_weights(0, 2, "he")


# --------------------------------------------------------------------------- input normalization


def test_normalization_uses_the_training_statistics():
    rng = np.random.default_rng(12)
    X = rng.normal(size=(20, 3)) * [1.0, 5.0, 0.1] + [3.0, -2.0, 7.0]
    X[:, 1] = 4.0  # constant in training: only centred
    mu, sigma = I.input_statistics(X)
    np.testing.assert_allclose(mu, X.mean(axis=0))
    np.testing.assert_allclose(sigma, [X[:, 0].std(), 1.0, X[:, 2].std()])
    normalized = I.normalize_inputs(X, mu, sigma)
    np.testing.assert_allclose(normalized.mean(axis=0), 0.0, atol=1e-12)
    np.testing.assert_allclose(normalized.std(axis=0), [1.0, 0.0, 1.0], atol=1e-12)
    dev = rng.normal(size=(1, 3))
    np.testing.assert_allclose(I.normalize_inputs(dev, mu, sigma), (dev - mu) / sigma)
    with pytest.raises(ValueError, match="mu has 2 entries"):
        I.normalize_inputs(X, mu[:2], sigma)
    with pytest.raises(ValueError, match="sigma must be > 0"):
        I.normalize_inputs(X, mu, np.zeros(3))


# --------------------------------------------------------------------------- data, training, early stopping


def test_moons_data_flips_the_stated_share_and_the_bayes_error_follows():
    data = T.make_moons_data(3, n_train=100, n_dev=3000, n_test=10)
    assert data.X_train.shape == (100, 2) and data.X_dev.shape == (3000, 2) and data.y_test.shape == (10,)
    assert set(np.unique(data.y_train)) == {0, 1}
    again = T.make_moons_data(3, n_train=100, n_dev=3000, n_test=10)
    np.testing.assert_array_equal(data.y_dev, again.y_dev)
    clean = T.moons_bayes_error(0.15, 0.0)
    assert 0 <= clean < 1.0
    assert T.moons_bayes_error(0.15, 0.15) == pytest.approx(15 + 0.7 * clean)
    assert T.moons_bayes_error(0.0, 0.2) == pytest.approx(20.0)


def test_trainer_learns_does_not_modify_its_network_and_l2_shrinks_weights():
    data = T.make_moons_data(0)
    start = L.init_layers([2, 32, 32, 2], rng=0)
    before = start[0]["W"].copy()
    plain = T.train_network(start, data.X_train, data.y_train, epochs=200, lr=0.02, rng=0)
    np.testing.assert_array_equal(start[0]["W"], before)
    assert plain.losses[-1] < plain.losses[0] / 3
    assert T.error_rate(plain.layers, data.X_train, data.y_train) < 15
    decayed = T.train_network(start, data.X_train, data.y_train, lam=3.0, epochs=200, lr=0.02, rng=0)
    norm = lambda net: sum(np.sum(layer["W"] ** 2) for layer in net if layer["kind"] == "affine")
    assert norm(decayed.layers) < 0.5 * norm(plain.layers)
    again = T.train_network(start, data.X_train, data.y_train, epochs=200, lr=0.02, rng=0)
    np.testing.assert_array_equal(again.layers[0]["W"], plain.layers[0]["W"])
    dropped = T.train_network(
        L.init_layers([2, 32, 2], keep_prob=0.5, rng=0),
        data.X_train,
        data.y_train,
        epochs=20,
        rng=0,
        X_dev=data.X_dev,
        y_dev=data.y_dev,
    )
    assert len(dropped.dev_errors) == 20 and np.isfinite(dropped.losses).all()


@pytest.mark.parametrize(
    "errors,patience,expected",
    [
        ([5.0, 4.0, 4.5, 3.0], 1, (1, 2)),
        ([20, 15, 12, 12.5, 13, 12.8, 13.5, 11, 10, 9], 3, (2, 5)),
        ([9.0, 7.0, 7.0, 7.0, 8.0, 7.0, 6.5], 4, (1, 5)),
        ([30.0, 20.0, 10.0], 2, (2, 2)),
        ([12.0], 3, (0, 0)),
    ],
)
def test_early_stopping(errors, patience, expected):
    assert T.early_stopping(np.array(errors, dtype=float), patience) == expected


def test_early_stopping_bad_arguments():
    with pytest.raises(ValueError, match="patience"):
        T.early_stopping(np.ones(3), 0)
    with pytest.raises(ValueError, match="dev_errors must be 1-D"):
        T.early_stopping(np.ones((3, 2)), 2)


def test_choose_lambda_prefers_regularization_on_the_overfit_case():
    data = T.make_moons_data(1)
    best, train_errors, dev_errors = T.choose_lambda(
        data.X_train, data.y_train, data.X_dev, data.y_dev, np.array([0.0, 1.0]), 1
    )
    assert best == 1.0 and train_errors[0] < train_errors[1] and dev_errors[1] < dev_errors[0] - 2
