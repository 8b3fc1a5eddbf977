"""Week 9 checks: correct variants pass, and every classic mistake fails with the message a student needs.

The solutions here are plain numpy, written as students would (not helpers.norm), so that the checks'
comparisons with helpers.norm, with central differences and with the reference trainer are exercised for real.
"""

import numpy as np
import pytest

import helpers
from helpers import batchnorm_layer as BL
from helpers import layers as LY
from helpers import losses
from helpers.grading.core import Case
from helpers.grading.w09.race import RACE, digits_split, verify_race
from helpers.tuning import on_objective
from tests.unit.check_helpers import fails

KINDS = helpers.layers.KINDS


# --------------------------------------------------------------------------- batch norm forward


def forward_from(
    ddof=0,
    eps_inside=True,
    swap_momentum=False,
    raw_moments=False,
    batch_stats_at_test=False,
    validate=True,
    unbiased_running=False,
):
    def batchnorm_forward(x, gamma, beta, mode="train", running_mean=None, running_var=None, momentum=0.9, eps=1e-5):
        D = x.shape[1]
        if validate:
            for name, v in (("gamma", gamma), ("beta", beta)):
                if np.shape(v) != (D,):
                    raise ValueError(f"{name} has shape {np.shape(v)}, expected ({D},)")
        running_mean = np.zeros(D) if running_mean is None else running_mean
        running_var = np.ones(D) if running_var is None else running_var
        if mode == "train" or batch_stats_at_test:
            mean = x.mean(axis=0)
            var = (x * x).mean(axis=0) - mean**2 if raw_moments else x.var(axis=0, ddof=ddof)
            stored = x.var(axis=0, ddof=1) if unbiased_running and len(x) > 1 else var
            if mode == "train":
                m = 1 - momentum if swap_momentum else momentum
                running_mean = m * running_mean + (1 - m) * mean
                running_var = m * running_var + (1 - m) * stored
        else:
            mean, var = running_mean, running_var
        scale = np.sqrt(var + eps) if eps_inside else np.sqrt(var) + eps
        return gamma * (x - mean) / scale + beta, running_mean, running_var

    return batchnorm_forward


batchnorm_forward = forward_from()


def forward_in_steps(x, gamma, beta, mode="train", running_mean=None, running_var=None, momentum=0.9, eps=1e-5):
    """Another correct version: copies of the running averages, the variance by np.mean of squares."""
    if gamma.shape != (x.shape[1],) or beta.shape != (x.shape[1],):
        raise ValueError(f"gamma and beta must have shape ({x.shape[1]},), got {gamma.shape} and {beta.shape}")
    rm = np.zeros(x.shape[1]) if running_mean is None else running_mean.copy()
    rv = np.ones(x.shape[1]) if running_var is None else running_var.copy()
    if mode == "inference":
        return gamma * ((x - rm) / np.sqrt(rv + eps)) + beta, rm, rv
    mu = np.mean(x, axis=0, keepdims=True)
    centred = x - mu
    var = np.mean(centred**2, axis=0, keepdims=True)
    x_hat = centred * (1.0 / np.sqrt(var + eps))
    rm = momentum * rm + (1.0 - momentum) * mu[0]
    rv = momentum * rv + (1.0 - momentum) * var[0]
    return gamma * x_hat + beta, rm, rv


@pytest.mark.parametrize("fn", [batchnorm_forward, forward_in_steps])
def test_correct_forwards_pass(fn):
    helpers.grading.check_batchnorm_forward_train(fn)
    helpers.grading.check_batchnorm_forward_inference(fn)
    helpers.grading.check_batchnorm_rejects_bad_shapes(BL.bad_shape_outcome(fn))


def test_forward_mistakes_fail_with_useful_messages():
    fails("batchnorm_forward_train", forward_from(ddof=1), "N=1", "divided by N")
    fails("batchnorm_forward_train", forward_from(eps_inside=False), "`out` is wrong", "np.sqrt(σ² + ε)")
    fails("batchnorm_forward_train", forward_from(swap_momentum=True), "`running_mean`", "momentum * running_mean")
    fails("batchnorm_forward_train", forward_from(raw_moments=True), "mean 10 000", "E[x²] − μ² loses")
    fails("batchnorm_forward_train", forward_from(unbiased_running=True), "`running_var`")
    fails(
        "batchnorm_forward_inference",
        forward_from(batch_stats_at_test=True),
        "N=1: one example at test time",
        "never with the batch's own",
    )


def test_bad_shape_mistakes_fail_with_useful_messages():
    fails(
        "batchnorm_rejects_bad_shapes",
        BL.bad_shape_outcome(forward_from(validate=False)),
        "gamma has 4 entries",
        "raised a ValueError whose message does not contain the word 'gamma'",
    )

    def silent_broadcast(x, gamma, beta):
        if np.size(gamma) not in (1, x.shape[1]) or np.shape(beta) != (x.shape[1],):
            raise ValueError("gamma or beta has the wrong shape")
        return gamma * x + beta, None, None

    fails(
        "batchnorm_rejects_bad_shapes",
        BL.bad_shape_outcome(silent_broadcast),
        "gamma has 1 entry",
        "returned a result instead of raising",
    )

    def type_error(x, gamma, beta):
        raise TypeError("gamma and beta")

    fails("batchnorm_rejects_bad_shapes", BL.bad_shape_outcome(type_error), "not a ValueError")

    def too_strict(x, gamma, beta):
        raise ValueError("gamma and beta must be lists")

    fails("batchnorm_rejects_bad_shapes", BL.bad_shape_outcome(too_strict), "for correct shapes")


# --------------------------------------------------------------------------- batch norm backward


def backward_from(full=True, dgamma_from_x=False, mean_not_sum=False):
    def batchnorm_backward(dout, x, gamma, beta, eps=1e-5):
        n = x.shape[0]
        mu = x.mean(axis=0)
        sigma = np.sqrt(x.var(axis=0) + eps)
        x_hat = (x - mu) / sigma
        dbeta = dout.mean(axis=0) if mean_not_sum else dout.sum(axis=0)
        dgamma = (dout * (x if dgamma_from_x else x_hat)).sum(axis=0)
        if not full:
            return gamma * dout / sigma, dgamma, dbeta
        return gamma / (n * sigma) * (n * dout - dout.sum(axis=0) - x_hat * (dout * x_hat).sum(axis=0)), dgamma, dbeta

    return batchnorm_backward


def backward_through_the_graph(dout, x, gamma, beta, eps=1e-5):
    """Another correct version: the staged graph (x − μ, its square, the variance, 1/σ) walked back step by step."""
    n = x.shape[0]
    mu = x.mean(axis=0)
    xc = x - mu
    var = (xc**2).mean(axis=0)
    inv = 1.0 / np.sqrt(var + eps)
    x_hat = xc * inv
    dbeta, dgamma = dout.sum(axis=0), (dout * x_hat).sum(axis=0)
    dx_hat = dout * gamma
    dinv = (dx_hat * xc).sum(axis=0)
    dvar = dinv * -0.5 * (var + eps) ** -1.5
    dxc = dx_hat * inv + dvar * 2.0 * xc / n
    dx = dxc - dxc.mean(axis=0)
    return dx, dgamma, dbeta


@pytest.mark.parametrize("fn", [backward_from(), backward_through_the_graph])
def test_correct_backwards_pass(fn):
    helpers.grading.check_batchnorm_backward(fn)


def test_backward_mistakes_fail_with_useful_messages():
    fails("batchnorm_backward", backward_from(full=False), "`dx` is wrong", "what μ and σ² depending on every")
    fails("batchnorm_backward", backward_from(dgamma_from_x=True), "`dgamma` is wrong", "Σ dout * x̂")
    fails("batchnorm_backward", backward_from(mean_not_sum=True), "`dbeta` is wrong", "a mean where a sum was wanted")


# --------------------------------------------------------------------------- training with batch norm


def make_train(update_running=True, inference_eval=True, percent=False, train_bias=False, copy=True, keep_last=False):
    def layer_forward(x, layer):
        if layer["kind"] == "batchnorm":
            return batchnorm_forward(
                x,
                layer["gamma"],
                layer["beta"],
                layer["mode"],
                layer["running_mean"],
                layer["running_var"],
                layer["momentum"],
                layer["eps"],
            )[0]
        return KINDS[layer["kind"]].forward(x, layer)

    def layer_backward(dout, x, layer):
        if layer["kind"] == "batchnorm":
            dx, dgamma, dbeta = backward_from()(dout, x, layer["gamma"], layer["beta"], layer["eps"])
            return dx, {"gamma": dgamma, "beta": dbeta}
        return KINDS[layer["kind"]].backward(dout, x, layer)

    def accuracy(layers, X, y):
        if inference_eval:
            layers = BL.set_mode(layers, "inference")
        for layer in layers:
            X = layer_forward(X, layer)
        return float(np.mean(X.argmax(axis=1) == y)) * (100 if percent else 1)

    def train(
        layers, X_train, y_train, X_dev, y_dev, lr, steps, sgd_momentum=0.0, batch_size=64, seed=0, eval_every=10
    ):
        rng = np.random.default_rng(seed)
        layers = [dict(layer) for layer in layers] if copy else layers
        curve = []
        order, start = rng.permutation(len(X_train)), 0
        for step in range(steps):
            if start + (1 if keep_last else batch_size) > len(X_train):
                order, start = rng.permutation(len(X_train)), 0
            batch = order[start : start + batch_size]
            start += batch_size
            x, inputs = X_train[batch], []
            for layer in layers:
                inputs.append(x)
                x = layer_forward(x, layer)
            _, dout = losses.softmax_cross_entropy(x, y_train[batch])
            grads = [None] * len(layers)
            for i in reversed(range(len(layers))):
                dout, grads[i] = layer_backward(dout, inputs[i], layers[i])
            for i, (layer, x_in, grad) in enumerate(zip(layers, inputs, grads)):
                if layer["kind"] == "batchnorm" and update_running:
                    m = layer["momentum"]
                    layer["running_mean"] = m * layer["running_mean"] + (1 - m) * x_in.mean(axis=0)
                    layer["running_var"] = m * layer["running_var"] + (1 - m) * x_in.var(axis=0)
                for name, g in grad.items():
                    if name == "b" and not train_bias and i + 1 < len(layers) and layers[i + 1]["kind"] == "batchnorm":
                        continue
                    if copy:
                        layer[name] = layer[name] - lr * g
                    else:
                        layer[name] -= lr * g
            if (step + 1) % eval_every == 0:
                curve.append(accuracy(layers, X_dev, y_dev))
        return layers, np.array(curve)

    return train


def test_a_correct_training_loop_passes():
    helpers.grading.check_batchnorm_reaches_target_in_fewer_steps(BL.on_arrays(make_train()))


def test_a_trained_bias_before_batch_norm_is_harmless():
    """Its gradient is zero up to round-off, so training it changes nothing a check can see."""
    helpers.grading.check_batchnorm_reaches_target_in_fewer_steps(BL.on_arrays(make_train(train_bias=True)))


def race_case(seed):
    X_train, y_train, X_dev, y_dev = digits_split()
    spec, arrays = LY.to_arrays(BL.init_bn_layers(RACE["sizes"], True, rng=seed))
    return Case(
        f"seed {seed}",
        (X_train, y_train, X_dev, y_dev, *arrays),
        {"spec": spec, "lr": RACE["lr"], "steps": RACE["steps"], "sgd_momentum": RACE["sgd_momentum"], "seed": seed},
    )


def test_a_run_that_wobbles_after_reaching_the_target_passes():
    """At a learning rate of 1 the dev accuracy wobbles. Kept, the last batch of each epoch holds 3
    examples; with seed 1673 such a run reaches 90% at step 20 and then dips below it. What is
    judged is reaching the target (a dip at the last evaluation once gave honest work a zero)."""
    case = race_case(1673)
    got = BL.on_arrays(make_train(keep_last=True))(*case.args, **case.kwargs)
    assert got[1][-1] < RACE["target"] <= got[1].max()  # the wobble this test is about
    verify_race(case, got, "seed 1673")


def test_training_mistakes_fail_with_useful_messages():
    fails(
        "batchnorm_reaches_target_in_fewer_steps",
        BL.on_arrays(make_train(update_running=False)),
        "running mean of layers[1] is still its starting value",
    )
    fails(
        "batchnorm_reaches_target_in_fewer_steps", BL.on_arrays(make_train(inference_eval=False)), "in inference mode"
    )
    fails("batchnorm_reaches_target_in_fewer_steps", BL.on_arrays(make_train(percent=True)), "not percentages")
    fails(
        "batchnorm_reaches_target_in_fewer_steps",
        BL.on_arrays(make_train(copy=False)),
        "changed its input array in place",
    )
    fails(
        "batchnorm_reaches_target_in_fewer_steps",
        BL.on_arrays(lambda *a, **k: ([], np.zeros(10))),
        "the trained layer list",
    )


# --------------------------------------------------------------------------- sampling


def sampler(lr_draw="log", momentum_draw="log", reseed=False):
    def sample_hyperparameters(n, seed):
        rng = np.random.default_rng(seed)
        lrs = {
            "log": lambda: 10 ** rng.uniform(-4, 0, n),
            "linear": lambda: rng.uniform(1e-4, 1, n),
            "natural": lambda: np.exp(rng.uniform(-4, 0, n)),
        }[lr_draw]()
        if reseed:
            rng = np.random.default_rng(seed)
        momenta = {
            "log": lambda: 1 - 10 ** rng.uniform(-3, -1, n),
            "linear": lambda: rng.uniform(0.9, 0.999, n),
            "forgot_one_minus": lambda: 10 ** rng.uniform(-3, -1, n),
        }[momentum_draw]()
        return lrs, momenta

    return sample_hyperparameters


def sampler_other_order(n, seed):
    """Correct too: the ρ values first, drawn through rng.random, and lists."""
    rng = np.random.default_rng(seed)
    momenta = [1 - 10 ** (-3 + 2 * u) for u in rng.random(n)]
    lrs = [10 ** (-4 + 4 * u) for u in rng.random(n)]
    return np.array(lrs), np.array(momenta)


def sampler_seeding_the_global_generator(n, seed):
    """Repeatable too, though it resets np.random's global state: the check asks for repeatability."""
    np.random.seed(seed)
    return 10 ** np.random.uniform(-4, 0, n), 1 - 10 ** np.random.uniform(-3, -1, n)


@pytest.mark.parametrize("fn", [sampler(), sampler_other_order])
def test_correct_samplers_pass(fn):
    helpers.grading.check_learning_rates_log_uniform(fn)
    helpers.grading.check_momenta_log_scale(fn)
    helpers.grading.check_samples_reproducible(helpers.tuning.drawn_twice(fn))


def test_a_sampler_seeding_the_global_generator_is_repeatable():
    helpers.grading.check_samples_reproducible(helpers.tuning.drawn_twice(sampler_seeding_the_global_generator))


def global_generator(n, seed):
    return 10 ** np.random.uniform(-4, 0, n), 1 - 10 ** np.random.uniform(-3, -1, n)


def unseeded(n, seed):
    rng = np.random.default_rng()
    return 10 ** rng.uniform(-4, 0, n), 1 - 10 ** rng.uniform(-3, -1, n)


def fixed_seed(n, seed):
    rng = np.random.default_rng(42)
    return 10 ** rng.uniform(-4, 0, n), 1 - 10 ** rng.uniform(-3, -1, n)


@pytest.mark.parametrize(
    "wrong, fragments",
    [
        (global_generator, ["called twice gave different `learning_rates`", "np.random's global generator"]),
        (unseeded, ["called twice gave different", "default_rng(seed)"]),
        (fixed_seed, ["gave exactly the same samples", "default_rng(seed)"]),
    ],
)
def test_samplers_that_ignore_the_seed_fail(wrong, fragments):
    # the distributions are right: only the reproducibility check sees the mistake
    helpers.grading.check_learning_rates_log_uniform(wrong)
    helpers.grading.check_momenta_log_scale(wrong)
    fails("samples_reproducible", helpers.tuning.drawn_twice(wrong), *fragments)


def test_sampling_mistakes_fail_with_useful_messages():
    fails(
        "learning_rates_log_uniform",
        sampler(lr_draw="linear"),
        "0.1% of your learning rates lie in [0.0001, 0.001)",
        "90% in the top decade",
        "the exponent of 10 that must be uniform, over [-4, 0]",
    )
    fails(
        "learning_rates_log_uniform", sampler(lr_draw="natural"), "0.0% of your learning rates lie in [0.0001, 0.001)"
    )
    fails("momenta_log_scale", sampler(momentum_draw="linear"), "between 0.9 and 0.99", "91%")
    fails("momenta_log_scale", sampler(momentum_draw="forgot_one_minus"), "momentum's ρ must lie in [0.9, 0.999]")
    fails("momenta_log_scale", sampler(reseed=True), "move together")
    fails("learning_rates_log_uniform", lambda n, seed: (np.full(3, 0.01), np.full(3, 0.9)), "shape (3,)")


# --------------------------------------------------------------------------- random search


def searcher(pick=max, lr_scale=None, grid=False, evaluate_twice=False, wrong_score=False):
    def random_search(objective, space, budget, seed):
        rng = np.random.default_rng(seed)
        tried = []
        k = int(np.sqrt(budget))
        for i in range(budget):
            config = {}
            for j, (name, (low, high, scale)) in enumerate(space.items()):
                t = ((i // k**j) % k) / max(k - 1, 1) if grid else rng.uniform()
                scale = lr_scale or scale
                config[name] = (
                    10 ** (np.log10(low) + t * (np.log10(high) - np.log10(low)))
                    if scale == "log"
                    else low + t * (high - low)
                )
            score = objective(config)
            if evaluate_twice:
                score = objective(config)
            tried.append((score, config))
        score, config = pick(tried, key=lambda pair: pair[0])
        return config, (score - 1 if wrong_score else score)

    return random_search


def search_all_at_once(objective, space, budget, seed):
    """Correct too: every configuration drawn first, column by column, then evaluated."""
    rng = np.random.default_rng(seed)
    columns = {}
    for name, (low, high, scale) in space.items():
        if scale == "log":
            columns[name] = np.exp(rng.uniform(np.log(low), np.log(high), budget))
        else:
            columns[name] = rng.uniform(low, high, budget)
    configs = [{name: float(columns[name][i]) for name in space} for i in range(budget)]
    scores = [objective(c) for c in configs]
    best = int(np.argmax(scores))
    return configs[best], scores[best]


@pytest.mark.parametrize("fn", [searcher(), search_all_at_once])
def test_correct_searches_pass(fn):
    helpers.grading.check_random_search_finds_best(on_objective(fn))


def test_search_mistakes_fail_with_useful_messages():
    fails("random_search_finds_best", on_objective(searcher(pick=min)), "the LOWEST score")
    fails("random_search_finds_best", on_objective(searcher(grid=True)), "that is a grid")
    fails(
        "random_search_finds_best",
        on_objective(searcher(lr_scale="linear")),
        "values of lr lie below",
        "Sample its exponent uniformly",
    )
    fails("random_search_finds_best", on_objective(searcher(evaluate_twice=True)), "the budget is 200")
    fails("random_search_finds_best", on_objective(searcher(wrong_score=True)), "best_score is")
    fails(
        "random_search_finds_best",
        on_objective(lambda objective, space, budget, seed: (0.1, 1.0)),
        "best_config as a dict",
    )
