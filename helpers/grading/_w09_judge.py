"""How week 9's checks judge an answer: the references, numerical gradients and verify functions,
and the hints their messages share.

Batch norm is compared with ``helpers.norm`` and its gradients with central differences of
``helpers.numpy_reference.batchnorm_train``; the race retrains the same network without batch norm
with ``helpers.batchnorm_layer``; the samples are judged by range, per-decade shares and a
Kolmogorov–Smirnov distance; the search by what ``helpers.tuning.on_objective`` recorded.
Everything here reads plain outputs only (a verify function is ``(case, outputs, where) -> None``,
raising ``CheckFailed``), so it can run in a process that never ran student code. The cases are
drawn by ``_w09_cases``; ``helpers.grading.w09`` registers the checks.
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
from ._w09_cases import RACE, digits_split
from .core import CheckFailed, as_output

# Sampling: the share of samples per decade may differ from its expected value by this much
# (20 000 samples: one standard error is 0.3 to 0.35 points).
SHARE_TOLERANCE = 0.02


# --------------------------------------------------------------------------- batch norm forward

def forward_reference(x, gamma, beta, mode, running_mean, running_var, momentum, eps):
    return norm.batchnorm_forward.unguarded(x, gamma, beta, mode, running_mean, running_var, momentum, eps)


TRAIN_HINT = ("training mode: μ = x.mean(axis=0), σ² = ((x − μ)**2).mean(axis=0) (divided by N, and computed from "
              "x − μ: E[x²] − μ² loses every digit when the mean is large), x̂ = (x − μ) / np.sqrt(σ² + ε), "
              "out = γ x̂ + β; running_mean = momentum * running_mean + (1 − momentum) * μ, the same for "
              "running_var with σ², starting from zeros and ones when they are None.")
INFERENCE_HINT = ("inference mode: normalize with running_mean and running_var, never with the batch's own "
                  "statistics (one example has none): out = γ (x − running_mean) / np.sqrt(running_var + ε) + β, "
                  "and return the running averages unchanged.")


# --------------------------------------------------------------------------- bad shapes

SHAPE_HINT = ("at the top of batchnorm_forward: D = x.shape[1]; if gamma.shape != (D,): raise ValueError(f\"gamma has "
              "shape {gamma.shape}, expected ({D},) for x of shape {x.shape}\"), and the same for beta. Name the "
              "argument in the message.")


def verify_bad_shapes(case, got, where):
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
    raise CheckFailed(f"{where}: your function {what}.\nHint: {SHAPE_HINT}")


# --------------------------------------------------------------------------- batch norm backward

def backward_reference(dout, x, gamma, beta, eps):
    return norm.batchnorm_backward.unguarded(dout, x, gamma, beta, "train", None, None, eps)


def backward_numerical(case, expected):
    dout, x, gamma, beta, eps = (np.array(a, dtype=np.float64, copy=True) if isinstance(a, np.ndarray) else a
                                 for a in case.args)

    def out(_):
        return ref.batchnorm_train(x, gamma, beta, eps)[0]

    return {"dx": numerical_gradient(out, x, df=dout), "dgamma": numerical_gradient(out, gamma, df=dout),
            "dbeta": numerical_gradient(out, beta, df=dout)}


# --------------------------------------------------------------------------- the race

def first_step(curve, target):
    hit = np.flatnonzero(np.asarray(curve) >= target)
    return int((hit[0] + 1) * RACE["eval_every"]) if hit.size else None


@functools.lru_cache(maxsize=8)
def plain_steps(seed):
    """Steps the plain network (same start, no batch norm) needs to reach the target, or None."""
    X_train, y_train, X_dev, y_dev = digits_split()
    run = BL.train_minibatch.unguarded(BL.init_bn_layers(RACE["sizes"], False, rng=seed), X_train, y_train,
                                       lr=RACE["lr"], steps=RACE["steps"], beta=RACE["beta"],
                                       batch_size=RACE["batch_size"], seed=seed, X_dev=X_dev, y_dev=y_dev,
                                       eval_every=RACE["eval_every"])
    return first_step(run.dev_accuracy, RACE["target"]), float(run.dev_accuracy.max())


RACE_HINT = ("each step: a mini-batch of 64, forward in training mode, softmax cross-entropy, backward, "
             "p = p − lr·v for every parameter (not the b before a batch-norm layer), and each batch-norm layer's "
             "running averages moved towards the mean and variance of the input it received. Every "
             "eval_every steps: the dev accuracy (a fraction) in INFERENCE mode. Return (layers, dev_accuracy).")


def verify_race(case, got, where):
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
                              f"{s.shape}.\nHint: {RACE_HINT}")
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
                          f"the running averages of every batch-norm layer at every step.\nHint: {RACE_HINT}")
    measured = BL.accuracy(trained, X_dev, y_dev)
    if abs(measured - curve[-1]) > 1.5 / len(y_dev):
        raise CheckFailed(f"{where}: your last dev accuracy is {curve[-1]:.3f}, but the network you returned scores "
                          f"{measured:.3f} on the dev set in inference mode (with its running averages). Measure the "
                          f"dev accuracy in inference mode, after the step, and return the trained layers.")
    steps_bn = first_step(curve, target)
    if steps_bn is None:
        raise CheckFailed(f"{where}: in {case.kwargs['steps']} steps the network with batch norm never reaches a dev "
                          f"accuracy of {target:.0%} (best {curve.max(initial=0):.1%}).\nHint: {RACE_HINT}")
    steps_plain, plain_best = plain_steps(int(case.kwargs["seed"]))
    if steps_plain is not None and steps_bn >= steps_plain:
        raise CheckFailed(f"{where}: with batch norm your network first reaches {target:.0%} after {steps_bn} steps; "
                          f"the same network without batch norm needs only {steps_plain}.\nHint: {RACE_HINT}")


# --------------------------------------------------------------------------- sampling on the right scale

def read_samples(got, index, name, n, where):
    values = as_output(got[index], name, where).reshape(-1) if np.ndim(got[index]) == 0 else \
        as_output(got[index], name, where)
    if values.shape != (n,):
        raise CheckFailed(f"{where}: `{name}` has shape {values.shape}; expected ({n},), one value per sample.")
    if not np.all(np.isfinite(values)):
        raise CheckFailed(f"{where}: `{name}` holds NaN or inf.")
    return values


def decade_shares(exponents, edges):
    counts = np.histogram(exponents, bins=edges)[0]
    return counts / max(len(exponents), 1)


def uniformity(where, name, exponents, low, high, hint):
    """Fail unless the exponents look uniform on [low, high] (Kolmogorov–Smirnov distance)."""
    __tracebackhide__ = True
    t = np.sort((exponents - low) / (high - low))
    n = t.size
    distance = float(np.max(np.maximum(np.arange(1, n + 1) / n - t, t - np.arange(n) / n)))
    if distance > 0.015:
        raise CheckFailed(f"{where}: the exponents of your {name} are not spread evenly over [{low:g}, {high:g}] "
                          f"(the largest gap between their distribution and a uniform one is {distance:.3f}).\n"
                          f"Hint: {hint}")


LR_HINT = "learning_rates = 10 ** rng.uniform(-4, 0, size=n): the exponent is uniform, so every decade gets a quarter."


def verify_learning_rates(case, got, where):
    __tracebackhide__ = True
    n = case.args[0]
    lr = read_samples(got, 0, "learning_rates", n, where)
    if lr.min() < 1e-4 * (1 - 1e-12) or lr.max() > 1.0:
        raise CheckFailed(f"{where}: learning rates must lie in [1e-4, 1]; yours range from {lr.min():.3g} to "
                          f"{lr.max():.3g}.\nHint: {LR_HINT}")
    if n < 1000:
        return
    shares = decade_shares(np.log10(lr), [-4, -3, -2, -1, 0])
    for share, (lo, hi) in zip(shares, [(1e-4, 1e-3), (1e-3, 1e-2), (1e-2, 0.1), (0.1, 1)]):
        if abs(share - 0.25) > SHARE_TOLERANCE:
            raise CheckFailed(f"{where}: {share:.1%} of your learning rates lie in [{lo:g}, {hi:g}); on a log scale "
                              f"each of the four decades gets 25%. (Uniform in [1e-4, 1] would put 90% in the top "
                              f"decade.)\nHint: {LR_HINT}")
    uniformity(where, "learning rates", np.log10(lr), -4.0, 0.0, LR_HINT)


BETA_HINT = ("betas = 1 - 10 ** rng.uniform(-3, -1, size=n), drawn after the learning rates from the same generator: "
             "1 − β is log-uniform in [0.001, 0.1], so β lies in [0.9, 0.999].")


def verify_betas(case, got, where):
    __tracebackhide__ = True
    n = case.args[0]
    beta = read_samples(got, 1, "betas", n, where)
    if beta.min() < 0.9 - 1e-12 or beta.max() > 0.999 + 1e-12:
        raise CheckFailed(f"{where}: β must lie in [0.9, 0.999]; yours range from {beta.min():.4g} to "
                          f"{beta.max():.4g}.\nHint: {BETA_HINT}")
    if n < 1000:
        return
    shares = decade_shares(np.log10(1.0 - beta), [-3, -2, -1 + 1e-12])
    for share, (lo, hi, span) in zip(shares, [(0.99, 0.999, "100 to 1000"), (0.9, 0.99, "10 to 100")]):
        if abs(share - 0.5) > SHARE_TOLERANCE:
            raise CheckFailed(f"{where}: {share:.1%} of your β lie between {lo:g} and {hi:g} (averages over {span} "
                              f"steps); with 1 − β on a log scale each half gets 50%. (Uniform β would put 91% "
                              f"between 0.9 and 0.99.)\nHint: {BETA_HINT}")
    uniformity(where, "1 − β", np.log10(1.0 - beta), -3.0, -1.0, BETA_HINT)
    lr = read_samples(got, 0, "learning_rates", n, where)
    if np.all(lr > 0) and abs(np.corrcoef(np.log10(lr), np.log10(1.0 - beta))[0, 1]) > 0.05:
        raise CheckFailed(f"{where}: your β and your learning rates move together (their exponents are correlated): "
                          f"draw them independently, from one generator, one after the other.\nHint: {BETA_HINT}")


# --------------------------------------------------------------------------- random search

SEARCH_HINT = ("rng = np.random.default_rng(seed); repeat budget times: draw each hyperparameter on its scale "
               "(log: 10 ** rng.uniform(np.log10(low), np.log10(high)); linear: rng.uniform(low, high)), call "
               "objective(config) once, and keep the config with the HIGHEST score. Return (best_config, best_score).")


def verify_search(case, got, where):
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
                          f"exactly `budget` configurations.\nHint: {SEARCH_HINT}")
    for p, (name, (low, high, scale)) in enumerate(space.items()):
        outside = (tried[:, p] < low * (1 - 1e-12)) | (tried[:, p] > high * (1 + 1e-12))
        if outside.any():
            raise CheckFailed(f"{where}: the objective was asked about {name} = {tried[outside, p][0]:.6g}, outside "
                              f"[{low:g}, {high:g}].\nHint: {SEARCH_HINT}")
    recomputed = TU.toy_scores(tried, coefs, space)
    if not np.allclose(recomputed, scores, rtol=1e-12, atol=0):
        raise CheckFailed(f"{where}: the scores recorded do not match the configurations; call the check on "
                          f"helpers.tuning.on_objective(random_search).")
    matches = np.flatnonzero(np.all(np.isclose(tried, best, rtol=1e-12, atol=0), axis=1))
    if matches.size == 0:
        raise CheckFailed(f"{where}: best_config is not one of the configurations you evaluated.\nHint: {SEARCH_HINT}")
    top = int(np.argmax(scores))
    if scores[matches].max() < scores[top]:
        lower = " (the LOWEST score: the objective is a dev accuracy, higher is better)" \
            if np.isclose(scores[matches].max(), scores.min()) else ""
        raise CheckFailed(f"{where}: best_config scored {scores[matches].max():.6g}{lower}, but configuration "
                          f"{top + 1} of the {k} you tried scored {scores[top]:.6g}.\nHint: {SEARCH_HINT}")
    if not np.isclose(float(best_score), scores[top], rtol=1e-12, atol=0):
        raise CheckFailed(f"{where}: best_score is {float(best_score):.6g}, but best_config scored {scores[top]:.6g}: "
                          f"return the score of the configuration you return.\nHint: {SEARCH_HINT}")
    if budget < 100:
        return
    for p, (name, (low, high, scale)) in enumerate(space.items()):
        distinct = np.unique(tried[:, p]).size
        if distinct < 0.95 * k:
            raise CheckFailed(f"{where}: {name} takes only {distinct} different values in {k} trials: that is a grid. "
                              f"Random search draws a new value for every trial.\nHint: {SEARCH_HINT}")
        t = TU.unit_position(tried[:, p], low, high, scale)
        share = float(np.mean(t < 0.5))
        if not 0.35 <= share <= 0.65:
            middle = 10 ** ((np.log10(low) + np.log10(high)) / 2) if scale == "log" else (low + high) / 2
            raise CheckFailed(f"{where}: {share:.0%} of your values of {name} lie below {middle:.3g}, the middle of "
                              f"[{low:g}, {high:g}] on its {scale} scale; expected about half."
                              + (" Sample its exponent uniformly." if scale == "log" else "")
                              + f"\nHint: {SEARCH_HINT}")
