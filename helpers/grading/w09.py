"""Week 9 checks: batch norm forward (training and inference) and backward, a network with batch
norm that trains where the plain one fails, hyperparameters sampled on the right scale, and a
random search.

Batch norm is compared with ``helpers.norm`` and, for the gradients, with central differences of
E = Σ dout ⊙ out computed by ``helpers.numpy_reference.batchnorm_train`` (no shared code). Cases
include N = 1 (x̂ = 0, out = β), a feature of near-zero and one of zero variance (ε decides),
features far from 0 with a small spread (a variance computed as E[x²] − E[x]² loses its digits
there), large N and every momentum from 0 to 0.99.

Functions that take a layer list or an objective reach the grader as plain arrays:
``helpers.batchnorm_layer.on_arrays(train)`` rebuilds the network (the spec travels in the case's
kwargs), ``helpers.tuning.on_objective(random_search)`` builds the objective from its
coefficients and records every configuration it is asked about, and
``helpers.batchnorm_layer.bad_shape_outcome(batchnorm_forward)`` turns what happened on bad γ
and β into a number.
"""
from __future__ import annotations

import functools

import numpy as np

from .. import batchnorm_layer as BL
from .. import layers as LY
from .. import norm
from .. import numpy_reference as ref
from .. import tuning as TU
from ..gradcheck import numerical_gradient
from .core import Case, Check, CheckFailed, GRADIENT_RTOL, as_output, register

BN_GUARDS = (norm.batchnorm_forward, norm.batchnorm_backward)

# The race of exercise 4: a 64-64-64-64-10 ReLU network on the digits, plain SGD (β = 0) with
# learning rate 1.0 and mini-batches of 64, 100 steps, dev accuracy every 10 steps.
RACE = {"sizes": (64, 64, 64, 64, 10), "lr": 1.0, "steps": 100, "beta": 0.0, "eval_every": 10,
        "batch_size": 64, "target": 0.90}

# Sampling: the share of samples per decade may differ from its expected value by this much
# (20 000 samples: one standard error is 0.3 to 0.35 points).
SHARE_TOLERANCE = 0.02


# --------------------------------------------------------------------------- batch norm forward

def _bn_draw(rng, n, d, offset=0.0, spread=2.0):
    x = offset + spread * rng.normal(size=(n, d)) + rng.normal(size=d)
    gamma = 1.0 + 0.5 * rng.normal(size=d)
    beta = rng.normal(size=d)
    return x, gamma, beta


def _stats(rng, d):
    return rng.normal(size=d) * 0.5, rng.uniform(0.5, 2.0, size=d)


def _forward_train_cases(rng):
    cases = []

    def add(label, x, gamma, beta, stats, momentum=0.9, eps=1e-5):
        mean, var = stats if stats is not None else (None, None)
        cases.append(Case(label, (x, gamma, beta, "train", mean, var, momentum, eps)))

    x, g, b = _bn_draw(rng, 1, 4)
    add("N=1: one example (x̂ = 0, so out = β)", x, g, b, _stats(rng, 4))
    x, g, b = _bn_draw(rng, 2, 3)
    add("N=2, D=3, momentum 0.9", x, g, b, _stats(rng, 3))
    x, g, b = _bn_draw(rng, 8, 3)
    x[:, 1] = 2.0 + 1e-7 * rng.normal(size=8)
    add("feature 1 has a near-zero variance (about 1e-14): ε decides", x, g, b, _stats(rng, 3))
    x, g, b = _bn_draw(rng, 6, 3)
    x[:, 0] = -1.5
    add("feature 0 is constant (variance 0)", x, g, b, _stats(rng, 3), eps=1e-3)
    x, g, b = _bn_draw(rng, 7, 2, offset=1e4, spread=0.01)
    add("features far from 0 with a small spread (mean 10 000, std 0.01)", x, g, b, _stats(rng, 2))
    x, g, b = _bn_draw(rng, 5000, 3)
    add("large N = 5000", x, g, b, _stats(rng, 3), momentum=0.99)
    x, g, b = _bn_draw(rng, 4, 5)
    add("the first step: running_mean and running_var None (zeros and ones)", x, g, b, None)
    x, g, b = _bn_draw(rng, 5, 2)
    add("momentum 0: the running averages become the batch's statistics", x, g, b, _stats(rng, 2), momentum=0.0)
    n, d = int(rng.integers(3, 30)), int(rng.integers(1, 8))
    momentum = float(np.round(rng.uniform(0.5, 0.99), 3))
    x, g, b = _bn_draw(rng, n, d)
    add(f"random N={n}, D={d}, momentum {momentum:g}, eps 1e-3", x, g, b, _stats(rng, d), momentum, 1e-3)
    return cases


def _forward_inference_cases(rng):
    cases = []

    def add(label, x, gamma, beta, stats, momentum=0.9, eps=1e-5):
        cases.append(Case(label, (x, gamma, beta, "inference", stats[0], stats[1], momentum, eps)))

    x, g, b = _bn_draw(rng, 1, 4)
    add("N=1: one example at test time", x, g, b, _stats(rng, 4))
    x, g, b = _bn_draw(rng, 6, 3)
    mean, var = _stats(rng, 3)
    var[2] = 1e-12
    add("running variance of feature 2 near zero (1e-12): ε decides", x, g, b, (mean, var))
    x, g, b = _bn_draw(rng, 6, 4)
    add("(6, 4): the batch's own statistics must not be used", x, g, b, _stats(rng, 4), eps=1e-3)
    x, g, b = _bn_draw(rng, 3, 2, offset=50.0)
    add("inputs far from the running mean", x, g, b, _stats(rng, 2))
    n, d = int(rng.integers(2, 30)), int(rng.integers(1, 8))
    x, g, b = _bn_draw(rng, n, d)
    add(f"random N={n}, D={d}", x, g, b, _stats(rng, d), momentum=0.5)
    return cases


def _forward_reference(x, gamma, beta, mode, running_mean, running_var, momentum, eps):
    return norm.batchnorm_forward.unguarded(x, gamma, beta, mode, running_mean, running_var, momentum, eps)


_TRAIN_HINT = ("training mode: μ = x.mean(axis=0), σ² = ((x − μ)**2).mean(axis=0) (divided by N, and computed from "
               "x − μ: E[x²] − μ² loses every digit when the mean is large), x̂ = (x − μ) / np.sqrt(σ² + ε), "
               "out = γ x̂ + β; running_mean = momentum * running_mean + (1 − momentum) * μ, the same for "
               "running_var with σ², starting from zeros and ones when they are None.")
_INFERENCE_HINT = ("inference mode: normalize with running_mean and running_var, never with the batch's own "
                   "statistics (one example has none): out = γ (x − running_mean) / np.sqrt(running_var + ε) + β, "
                   "and return the running averages unchanged.")

register(Check("batchnorm_forward_train", _forward_train_cases, _forward_reference,
               function="batchnorm_forward", outputs=("out", "running_mean", "running_var"), guarded=BN_GUARDS,
               hint=_TRAIN_HINT,
               doc="Check ``batchnorm_forward(x, gamma, beta, 'train', running_mean, running_var, momentum, eps) -> "
                   "(out, running_mean, running_var)`` against helpers.norm: N = 1, N = 5000, a near-zero and a "
                   "zero variance, a mean of 10 000 with a spread of 0.01, momentum 0 to 0.99."))

register(Check("batchnorm_forward_inference", _forward_inference_cases, _forward_reference,
               function="batchnorm_forward", outputs=("out", "running_mean", "running_var"), guarded=BN_GUARDS,
               hint=_INFERENCE_HINT,
               doc="Check ``batchnorm_forward(x, gamma, beta, 'inference', running_mean, running_var, momentum, "
                   "eps)``: normalized with the running averages (N = 1 included), which come back unchanged."))


# --------------------------------------------------------------------------- bad shapes

def _bad_shape_cases(rng):
    x = rng.normal(size=(5, 3))
    g, b = 1.0 + 0.5 * rng.normal(size=3), rng.normal(size=3)
    return [
        Case("gamma has 4 entries, x has 3 features", (x, np.ones(4), b, "gamma")),
        Case("beta has 2 entries, x has 3 features", (x, g, np.zeros(2), "beta")),
        Case("gamma has 1 entry (numpy would broadcast it silently)", (x, np.ones(1), b, "gamma")),
        Case("beta has shape (3, 1) (numpy would broadcast it to (5, 3) or fail)", (x, g, np.zeros((3, 1)), "beta")),
        Case("gamma and beta of the right shape (3,): no error", (x, g, b, "")),
    ]


_SHAPE_HINT = ("at the top of batchnorm_forward: D = x.shape[1]; if gamma.shape != (D,): raise ValueError(f\"gamma has "
               "shape {gamma.shape}, expected ({D},) for x of shape {x.shape}\"), and the same for beta. Name the "
               "argument in the message.")


def _verify_bad_shapes(case, got, where):
    __tracebackhide__ = True
    code = as_output(got[0], "outcome", where)
    if code.shape != () or float(code) not in BL.BAD_SHAPE_OUTCOMES:
        raise CheckFailed(f"{where}: the outcome could not be read; call the check on "
                          f"helpers.batchnorm_layer.bad_shape_outcome(batchnorm_forward).")
    code, bad = int(code), case.args[3]
    if not bad:
        if code != 0:
            raise CheckFailed(f"{where}: your function {BL.BAD_SHAPE_OUTCOMES[code]} for correct shapes; it must "
                              f"only raise when gamma or beta does not have shape (D,).")
        return
    if code == 1:
        return
    what = {0: f"returned a result instead of raising: a wrong {bad} must not be broadcast",
            2: f"raised a ValueError whose message does not contain the word {bad!r} (numpy's own "
               f"broadcasting error?): say which argument is wrong",
            3: "raised an exception that is not a ValueError"}[code]
    raise CheckFailed(f"{where}: your function {what}.\nHint: {_SHAPE_HINT}")


register(Check("batchnorm_rejects_bad_shapes", _bad_shape_cases, reference=None, outputs=("outcome",),
               function="batchnorm_forward", guarded=BN_GUARDS, verify=_verify_bad_shapes, hint=_SHAPE_HINT,
               doc="Call ``batchnorm_forward(x, gamma, beta)`` with gamma or beta of a wrong shape (too many or "
                   "too few entries, one entry, (D, 1)): each must raise a ValueError whose message names the "
                   "argument; correct shapes must not raise. Call it on "
                   "``helpers.batchnorm_layer.bad_shape_outcome(batchnorm_forward)``."))


# --------------------------------------------------------------------------- batch norm backward

def _backward_cases(rng):
    cases = []

    def add(label, x, gamma, beta, eps=1e-5):
        cases.append(Case(label, (rng.normal(size=x.shape), x, gamma, beta, eps)))

    add("N=1: out = β whatever x is, so dx = 0", *_bn_draw(rng, 1, 3))
    add("N=2, D=3", *_bn_draw(rng, 2, 3))
    x, g, b = _bn_draw(rng, 8, 3)
    x[:, 1] = 2.0 + 1e-7 * rng.normal(size=8)
    add("feature 1 has a near-zero variance (about 1e-14)", x, g, b)
    x, g, b = _bn_draw(rng, 6, 2)
    x[:, 0] = 0.25
    add("feature 0 is constant (variance 0), eps 1e-3", x, g, b, 1e-3)
    add("large N = 1000, D = 3", *_bn_draw(rng, 1000, 3))
    add("N = D = 4: a sum over the wrong axis keeps the shape", *_bn_draw(rng, 4, 4))
    n, d = int(rng.integers(3, 20)), int(rng.integers(1, 7))
    add(f"random N={n}, D={d}, eps 1e-3", *_bn_draw(rng, n, d), 1e-3)
    return cases


def _backward_reference(dout, x, gamma, beta, eps):
    return norm.batchnorm_backward.unguarded(dout, x, gamma, beta, "train", None, None, eps)


def _backward_numerical(case, expected):
    dout, x, gamma, beta, eps = (np.array(a, dtype=np.float64, copy=True) if isinstance(a, np.ndarray) else a
                                 for a in case.args)

    def out(_):
        return ref.batchnorm_train(x, gamma, beta, eps)[0]

    return {"dx": numerical_gradient(out, x, df=dout), "dgamma": numerical_gradient(out, gamma, df=dout),
            "dbeta": numerical_gradient(out, beta, df=dout)}


register(Check("batchnorm_backward", _backward_cases, _backward_reference, outputs=("dx", "dgamma", "dbeta"),
               guarded=(norm.batchnorm_backward, norm.batchnorm_forward), numerical=_backward_numerical,
               tolerances={"dx": GRADIENT_RTOL, "dgamma": GRADIENT_RTOL, "dbeta": GRADIENT_RTOL},
               hint="with x̂ and σ = np.sqrt(σ² + ε) from the forward pass (training mode), sums over the batch "
                    "(axis 0): dbeta = Σ dout, dgamma = Σ dout * x̂, dx = γ / (N σ) * (N dout − Σ dout − x̂ Σ(dout "
                    "* x̂)). The last two terms are what μ and σ² depending on every example adds.",
               doc="Check ``batchnorm_backward(dout, x, gamma, beta, eps) -> (dx, dgamma, dbeta)`` (training mode) "
                   "against helpers.norm and central differences: N = 1, N = 1000, a near-zero and a zero variance."))


# --------------------------------------------------------------------------- the race

@functools.lru_cache(maxsize=1)
def _digits():
    from ..data import load_digits_split
    return load_digits_split(seed=0)


def _race_cases(rng):
    X_train, y_train, X_dev, y_dev = _digits()
    cases = []
    for seed in rng.choice(100_000, size=3, replace=False):
        seed = int(seed)
        spec, arrays = LY.to_arrays(BL.init_bn_layers(RACE["sizes"], True, rng=seed))
        cases.append(Case(f"digits, 64-64-64-64-10 with batch norm, lr {RACE['lr']:g}, {RACE['steps']} steps, "
                          f"seed {seed}", (X_train, y_train, X_dev, y_dev, *arrays),
                          {"spec": spec, "lr": RACE["lr"], "steps": RACE["steps"], "beta": RACE["beta"],
                           "seed": seed}))
    return cases


def _first_step(curve, target):
    hit = np.flatnonzero(np.asarray(curve) >= target)
    return int((hit[0] + 1) * RACE["eval_every"]) if hit.size else None


@functools.lru_cache(maxsize=8)
def _plain_steps(seed):
    """Steps the plain network (same start, no batch norm) needs to reach the target, or None."""
    X_train, y_train, X_dev, y_dev = _digits()
    run = BL.train_minibatch.unguarded(BL.init_bn_layers(RACE["sizes"], False, rng=seed), X_train, y_train,
                                       lr=RACE["lr"], steps=RACE["steps"], beta=RACE["beta"],
                                       batch_size=RACE["batch_size"], seed=seed, X_dev=X_dev, y_dev=y_dev,
                                       eval_every=RACE["eval_every"])
    return _first_step(run.dev_accuracy, RACE["target"]), float(run.dev_accuracy.max())


_RACE_HINT = ("each step: a mini-batch of 64, forward in training mode, softmax cross-entropy, backward, "
              "p = p − lr·v for every parameter (not the b before a batch-norm layer), and each batch-norm layer's "
              "running averages moved towards the mean and variance of the input it received. Every "
              "eval_every steps: the dev accuracy (a fraction) in INFERENCE mode. Return (layers, dev_accuracy).")


def _verify_race(case, got, where):
    __tracebackhide__ = True
    spec, target = case.kwargs["spec"], RACE["target"]
    start = case.args[4:]
    arrays, curve = got
    if not isinstance(arrays, tuple) or len(arrays) != len(start):
        raise CheckFailed(f"{where}: the trained network does not have the arrays of the starting one; call the check "
                          f"on helpers.batchnorm_layer.on_arrays(train).")
    params = [as_output(a, f"array {i} of the trained network", where) for i, a in enumerate(arrays)]
    for i, (p, s) in enumerate(zip(params, start)):
        if p.shape != s.shape:
            raise CheckFailed(f"{where}: array {i} of the trained network has shape {p.shape}, it started as "
                              f"{s.shape}.\nHint: {_RACE_HINT}")
    curve = as_output(curve, "dev_accuracy", where).ravel()
    expected_length = case.kwargs["steps"] // RACE["eval_every"]
    if curve.size != expected_length:
        raise CheckFailed(f"{where}: dev_accuracy has {curve.size} values; expected one every {RACE['eval_every']} "
                          f"steps ({expected_length} for {case.kwargs['steps']} steps).")
    if curve.max(initial=0) > 1.0 + 1e-12 or curve.min(initial=0) < 0:
        raise CheckFailed(f"{where}: dev_accuracy must hold fractions between 0 and 1 (not percentages).")
    trained = LY.from_arrays(spec, params)
    X_train, y_train, X_dev, y_dev = case.args[:4]
    untouched = [i for i, (layer, first) in enumerate(zip(trained, LY.from_arrays(spec, start)))
                 if layer["kind"] == "batchnorm" and np.array_equal(layer["running_mean"], first["running_mean"])]
    if untouched:
        raise CheckFailed(f"{where}: the running mean of layers[{untouched[0]}] is still its starting value: update "
                          f"the running averages of every batch-norm layer at every step.\nHint: {_RACE_HINT}")
    measured = BL.accuracy(trained, X_dev, y_dev)
    if abs(measured - curve[-1]) > 1.5 / len(y_dev):
        raise CheckFailed(f"{where}: your last dev accuracy is {curve[-1]:.3f}, but the network you returned scores "
                          f"{measured:.3f} on the dev set in inference mode (with its running averages). Measure the "
                          f"dev accuracy in inference mode, after the step, and return the trained layers.")
    if measured < target:
        raise CheckFailed(f"{where}: after {case.kwargs['steps']} steps the network with batch norm reaches a dev "
                          f"accuracy of {measured:.1%}, below {target:.0%}.\nHint: {_RACE_HINT}")
    steps_bn = _first_step(curve, target)
    steps_plain, plain_best = _plain_steps(int(case.kwargs["seed"]))
    if steps_plain is not None and steps_bn >= steps_plain:
        raise CheckFailed(f"{where}: with batch norm your network first reaches {target:.0%} after {steps_bn} steps; "
                          f"the same network without batch norm needs only {steps_plain}.\nHint: {_RACE_HINT}")


register(Check("batchnorm_reaches_target_in_fewer_steps", _race_cases, reference=None,
               outputs=("layers", "dev_accuracy"), function="train",
               guarded=(BL.train_minibatch, BL.update_running_averages) + BN_GUARDS, verify=_verify_race,
               hint=_RACE_HINT,
               doc=f"Train a 64-64-64-64-10 ReLU network with batch norm on the digits with ``train(layers, "
                   f"X_train, y_train, X_dev, y_dev, lr={RACE['lr']:g}, steps={RACE['steps']}, beta=0, seed=s)`` for "
                   f"three seeds: each run passes when its running averages moved, its last dev accuracy is what "
                   f"the returned network scores in inference mode, that is at least {RACE['target']:.0%}, and it "
                   f"got there in fewer steps than the same network without batch norm (trained by "
                   f"helpers.batchnorm_layer, which at this learning rate never gets there). Call it on "
                   f"``helpers.batchnorm_layer.on_arrays(train)``."))


# --------------------------------------------------------------------------- sampling on the right scale

def _sampling_cases(rng):
    seeds = [int(s) for s in rng.choice(100_000, size=3, replace=False)]
    return [Case(f"n = 20000, seed {seeds[0]}", (20_000, seeds[0])),
            Case(f"n = 20000, seed {seeds[1]}", (20_000, seeds[1])),
            Case("n = 1", (1, seeds[2])),
            Case("n = 7", (7, seeds[2]))]


def _samples(got, index, name, n, where):
    values = as_output(got[index], name, where).reshape(-1) if np.ndim(got[index]) == 0 else \
        as_output(got[index], name, where)
    if values.shape != (n,):
        raise CheckFailed(f"{where}: `{name}` has shape {values.shape}; expected ({n},), one value per sample.")
    if not np.all(np.isfinite(values)):
        raise CheckFailed(f"{where}: `{name}` holds NaN or inf.")
    return values


def _decade_shares(exponents, edges):
    counts = np.histogram(exponents, bins=edges)[0]
    return counts / max(len(exponents), 1)


def _uniformity(where, name, exponents, low, high, hint):
    """Fail unless the exponents look uniform on [low, high] (Kolmogorov–Smirnov distance)."""
    __tracebackhide__ = True
    t = np.sort((exponents - low) / (high - low))
    n = t.size
    distance = float(np.max(np.maximum(np.arange(1, n + 1) / n - t, t - np.arange(n) / n)))
    if distance > 0.015:
        raise CheckFailed(f"{where}: the exponents of your {name} are not spread evenly over [{low:g}, {high:g}] "
                          f"(the largest gap between their distribution and a uniform one is {distance:.3f}).\n"
                          f"Hint: {hint}")


_LR_HINT = "learning_rates = 10 ** rng.uniform(-4, 0, size=n): the exponent is uniform, so every decade gets a quarter."


def _verify_learning_rates(case, got, where):
    __tracebackhide__ = True
    n = case.args[0]
    lr = _samples(got, 0, "learning_rates", n, where)
    if lr.min() < 1e-4 * (1 - 1e-12) or lr.max() > 1.0:
        raise CheckFailed(f"{where}: learning rates must lie in [1e-4, 1]; yours range from {lr.min():.3g} to "
                          f"{lr.max():.3g}.\nHint: {_LR_HINT}")
    if n < 1000:
        return
    shares = _decade_shares(np.log10(lr), [-4, -3, -2, -1, 0])
    for share, (lo, hi) in zip(shares, [(1e-4, 1e-3), (1e-3, 1e-2), (1e-2, 0.1), (0.1, 1)]):
        if abs(share - 0.25) > SHARE_TOLERANCE:
            raise CheckFailed(f"{where}: {share:.1%} of your learning rates lie in [{lo:g}, {hi:g}); on a log scale "
                              f"each of the four decades gets 25%. (Uniform in [1e-4, 1] would put 90% in the top "
                              f"decade.)\nHint: {_LR_HINT}")
    _uniformity(where, "learning rates", np.log10(lr), -4.0, 0.0, _LR_HINT)


_BETA_HINT = ("betas = 1 - 10 ** rng.uniform(-3, -1, size=n), drawn after the learning rates from the same generator: "
              "1 − β is log-uniform in [0.001, 0.1], so β lies in [0.9, 0.999].")


def _verify_betas(case, got, where):
    __tracebackhide__ = True
    n = case.args[0]
    beta = _samples(got, 1, "betas", n, where)
    if beta.min() < 0.9 - 1e-12 or beta.max() > 0.999 + 1e-12:
        raise CheckFailed(f"{where}: β must lie in [0.9, 0.999]; yours range from {beta.min():.4g} to "
                          f"{beta.max():.4g}.\nHint: {_BETA_HINT}")
    if n < 1000:
        return
    shares = _decade_shares(np.log10(1.0 - beta), [-3, -2, -1 + 1e-12])
    for share, (lo, hi, span) in zip(shares, [(0.99, 0.999, "100 to 1000"), (0.9, 0.99, "10 to 100")]):
        if abs(share - 0.5) > SHARE_TOLERANCE:
            raise CheckFailed(f"{where}: {share:.1%} of your β lie between {lo:g} and {hi:g} (averages over {span} "
                              f"steps); with 1 − β on a log scale each half gets 50%. (Uniform β would put 91% "
                              f"between 0.9 and 0.99.)\nHint: {_BETA_HINT}")
    _uniformity(where, "1 − β", np.log10(1.0 - beta), -3.0, -1.0, _BETA_HINT)
    lr = _samples(got, 0, "learning_rates", n, where)
    if np.all(lr > 0) and abs(np.corrcoef(np.log10(lr), np.log10(1.0 - beta))[0, 1]) > 0.05:
        raise CheckFailed(f"{where}: your β and your learning rates move together (their exponents are correlated): "
                          f"draw them independently, from one generator, one after the other.\nHint: {_BETA_HINT}")


register(Check("learning_rates_log_uniform", _sampling_cases, reference=None, outputs=("learning_rates", "betas"),
               function="sample_hyperparameters", guarded=(TU.sample_hyperparameters, TU.sample_log_uniform),
               verify=_verify_learning_rates, hint=_LR_HINT,
               doc="Check the learning rates of ``sample_hyperparameters(n, seed) -> (learning_rates, betas)``: all "
                   "in [1e-4, 1] and, for n = 20 000, 25% ± 2 points in each decade with exponents spread evenly."))

register(Check("betas_log_scale", _sampling_cases, reference=None, outputs=("learning_rates", "betas"),
               function="sample_hyperparameters", guarded=(TU.sample_hyperparameters, TU.sample_log_uniform),
               verify=_verify_betas, hint=_BETA_HINT,
               doc="Check the β of ``sample_hyperparameters(n, seed) -> (learning_rates, betas)``: all in [0.9, "
                   "0.999] and, for n = 20 000, 1 − β log-uniform (50% ± 2 points on each side of 0.99), drawn "
                   "independently of the learning rates."))


# --------------------------------------------------------------------------- random search

_SPACE_2 = {"lr": [1e-4, 1.0, "log"], "units": [16.0, 256.0, "linear"]}
_SPACE_3 = {"lr": [1e-5, 0.1, "log"], "momentum": [0.8, 0.99, "linear"], "decay": [1e-3, 1.0, "log"]}


def _search_cases(rng):
    def bump(weight, width=0.12):
        return [weight, float(rng.uniform(0.15, 0.85)), width]

    seeds = [int(s) for s in rng.choice(100_000, size=5, replace=False)]
    return [
        Case("budget 200: lr matters, units does not (log and linear scales)",
             (np.array([bump(0.85), bump(0.0)]), 200, seeds[0]), {"space": _SPACE_2}),
        Case("budget 25, the seed's example: a grid would try only 5 learning rates",
             (np.array([bump(0.85, 0.08), bump(0.0)]), 25, seeds[1]), {"space": _SPACE_2}),
        Case("budget 1", (np.array([bump(0.85), bump(0.0)]), 1, seeds[2]), {"space": _SPACE_2}),
        Case("three hyperparameters, two matter, budget 150",
             (np.array([bump(0.5), bump(0.3, 0.3), bump(0.0)]), 150, seeds[3]), {"space": _SPACE_3}),
        Case("the best learning rate at the edge of the range, budget 60",
             (np.array([[0.85, 0.98, 0.1], bump(0.0)]), 60, seeds[4]), {"space": _SPACE_2}),
    ]


_SEARCH_HINT = ("rng = np.random.default_rng(seed); repeat budget times: draw each hyperparameter on its scale "
                "(log: 10 ** rng.uniform(np.log10(low), np.log10(high)); linear: rng.uniform(low, high)), call "
                "objective(config) once, and keep the config with the HIGHEST score. Return (best_config, best_score).")


def _verify_search(case, got, where):
    __tracebackhide__ = True
    coefs, budget, _ = case.args
    space = case.kwargs["space"]
    names = list(space)
    tried = as_output(got[0], "tried configurations", where).reshape(-1, len(names))
    scores = as_output(got[1], "scores", where).ravel()
    best = as_output(got[2], "best_config", where).ravel()
    best_score = as_output(got[3], "best_score", where)
    k = tried.shape[0]
    if k != budget:
        raise CheckFailed(f"{where}: your search called the objective {k} times; the budget is {budget}: evaluate "
                          f"exactly `budget` configurations.\nHint: {_SEARCH_HINT}")
    for p, (name, (low, high, scale)) in enumerate(space.items()):
        outside = (tried[:, p] < low * (1 - 1e-12)) | (tried[:, p] > high * (1 + 1e-12))
        if outside.any():
            raise CheckFailed(f"{where}: the objective was asked about {name} = {tried[outside, p][0]:.6g}, outside "
                              f"[{low:g}, {high:g}].\nHint: {_SEARCH_HINT}")
    recomputed = TU.toy_scores(tried, coefs, space)
    if not np.allclose(recomputed, scores, rtol=1e-12, atol=0):
        raise CheckFailed(f"{where}: the scores recorded do not match the configurations; call the check on "
                          f"helpers.tuning.on_objective(random_search).")
    matches = np.flatnonzero(np.all(np.isclose(tried, best, rtol=1e-12, atol=0), axis=1))
    if matches.size == 0:
        raise CheckFailed(f"{where}: best_config is not one of the configurations you evaluated.\nHint: {_SEARCH_HINT}")
    top = int(np.argmax(scores))
    if scores[matches].max() < scores[top]:
        lower = " (the LOWEST score: the objective is a dev accuracy, higher is better)" \
            if np.isclose(scores[matches].max(), scores.min()) else ""
        raise CheckFailed(f"{where}: best_config scored {scores[matches].max():.6g}{lower}, but configuration "
                          f"{top + 1} of the {k} you tried scored {scores[top]:.6g}.\nHint: {_SEARCH_HINT}")
    if not np.isclose(float(best_score), scores[top], rtol=1e-12, atol=0):
        raise CheckFailed(f"{where}: best_score is {float(best_score):.6g}, but best_config scored {scores[top]:.6g}: "
                          f"return the score of the configuration you return.\nHint: {_SEARCH_HINT}")
    if budget < 100:
        return
    for p, (name, (low, high, scale)) in enumerate(space.items()):
        distinct = np.unique(tried[:, p]).size
        if distinct < 0.95 * k:
            raise CheckFailed(f"{where}: {name} takes only {distinct} different values in {k} trials: that is a grid. "
                              f"Random search draws a new value for every trial.\nHint: {_SEARCH_HINT}")
        t = TU.unit_position(tried[:, p], low, high, scale)
        share = float(np.mean(t < 0.5))
        if not 0.35 <= share <= 0.65:
            middle = 10 ** ((np.log10(low) + np.log10(high)) / 2) if scale == "log" else (low + high) / 2
            raise CheckFailed(f"{where}: {share:.0%} of your values of {name} lie below {middle:.3g}, the middle of "
                              f"[{low:g}, {high:g}] on its {scale} scale; expected about half."
                              + (" Sample its exponent uniformly." if scale == "log" else "")
                              + f"\nHint: {_SEARCH_HINT}")


register(Check("random_search_finds_best", _search_cases, reference=None,
               outputs=("tried", "scores", "best_config", "best_score"), function="random_search",
               guarded=(TU.random_search, TU.sample_log_uniform), verify=_verify_search, hint=_SEARCH_HINT,
               doc="Run ``random_search(objective, space, budget, seed) -> (best_config, best_score)`` on objectives "
                   "the check defines (one or two hyperparameters matter, one does not; log and linear scales; "
                   "budgets 1 to 200): it must evaluate exactly `budget` configurations inside the space and return "
                   "the best of them with its score; with a budget of 100 or more, every hyperparameter takes a new "
                   "value in every trial, half of them below the middle of its range on its scale. Call it on "
                   "``helpers.tuning.on_objective(random_search)``."))
