"""Week 9's race: a 64-64-64-64-10 ReLU network with batch norm must reach 90% dev accuracy on the digits
in fewer steps than the same network without it (retrained here by ``helpers.batchnorm_layer``, which
at this learning rate never gets there)."""

from __future__ import annotations

import functools

import numpy as np

from ... import batchnorm_layer
from ...layers import from_arrays, to_arrays
from ..core import Case, Check, CheckFailed, as_output, register
from .batchnorm import BN_GUARDS

# The race of exercise 3: a 64-64-64-64-10 ReLU network on the digits, plain SGD (sgd_momentum 0) with
# learning rate 1.0 and mini-batches of 64, 100 steps, dev accuracy every 10 steps.
RACE = {
    "sizes": (64, 64, 64, 64, 10),
    "lr": 1.0,
    "steps": 100,
    "sgd_momentum": 0.0,
    "eval_every": 10,
    "batch_size": 64,
    "target": 0.90,
}


@functools.lru_cache(maxsize=1)
def digits_split():
    from ...data import load_digits_split

    return load_digits_split(seed=0)


def race_cases(rng):
    X_train, y_train, X_dev, y_dev = digits_split()
    cases = []
    for seed in rng.choice(100_000, size=3, replace=False):
        seed = int(seed)
        spec, arrays = to_arrays(batchnorm_layer.init_bn_layers(RACE["sizes"], True, rng=seed))
        cases.append(
            Case(
                f"digits, 64-64-64-64-10 with batch norm, lr {RACE['lr']:g}, {RACE['steps']} steps, seed {seed}",
                (X_train, y_train, X_dev, y_dev, *arrays),
                {
                    "spec": spec,
                    "lr": RACE["lr"],
                    "steps": RACE["steps"],
                    "sgd_momentum": RACE["sgd_momentum"],
                    "seed": seed,
                },
            )
        )
    return cases


def first_step(curve, target):
    hit = np.flatnonzero(np.asarray(curve) >= target)
    return int((hit[0] + 1) * RACE["eval_every"]) if hit.size else None


@functools.lru_cache(maxsize=8)
def plain_steps(seed):
    """Steps the plain network (same start, no batch norm) needs to reach the target, or None."""
    X_train, y_train, X_dev, y_dev = digits_split()
    start = batchnorm_layer.init_bn_layers(RACE["sizes"], False, rng=seed)
    run = batchnorm_layer.train_minibatch.unguarded(
        start,
        X_train,
        y_train,
        lr=RACE["lr"],
        steps=RACE["steps"],
        sgd_momentum=RACE["sgd_momentum"],
        batch_size=RACE["batch_size"],
        seed=seed,
        X_dev=X_dev,
        y_dev=y_dev,
        eval_every=RACE["eval_every"],
    )
    return first_step(run.dev_accuracy, RACE["target"]), float(run.dev_accuracy.max())


RACE_HINT = (
    "each step: a mini-batch of 64, forward in training mode, softmax cross-entropy, backward, "
    "p = p − lr·v for every parameter (not the b before a batch-norm layer), and each batch-norm layer's "
    "running averages moved towards the mean and variance of the input it received. Every "
    "eval_every steps: the dev accuracy (a fraction) in INFERENCE mode. Return (layers, dev_accuracy)."
)


def verify_race(case, got, where):
    __tracebackhide__ = True
    spec, target = case.kwargs["spec"], RACE["target"]
    start = case.args[4:]
    arrays, curve = got
    if not isinstance(arrays, tuple) or len(arrays) != len(start):
        raise CheckFailed(
            f"{where}: the trained network does not have the arrays of the starting one; call the check "
            f"on helpers.batchnorm_layer.on_arrays(train)."
        )
    params = [as_output(a, f"array {i} of the trained network", where) for i, a in enumerate(arrays)]
    for i, (p, s) in enumerate(zip(params, start)):
        if p.shape != s.shape:
            raise CheckFailed(
                f"{where}: array {i} of the trained network has shape {p.shape}, it started as "
                f"{s.shape}.\nHint: {RACE_HINT}"
            )
    curve = as_output(curve, "dev_accuracy", where).ravel()
    expected_length = case.kwargs["steps"] // RACE["eval_every"]
    if curve.size != expected_length:
        raise CheckFailed(
            f"{where}: dev_accuracy has {curve.size} values; expected one every {RACE['eval_every']} "
            f"steps ({expected_length} for {case.kwargs['steps']} steps)."
        )
    if curve.max(initial=0) > 1.0 + 1e-12 or curve.min(initial=0) < 0:
        raise CheckFailed(f"{where}: dev_accuracy must hold fractions between 0 and 1 (not percentages).")
    trained = from_arrays(spec, params)
    X_train, y_train, X_dev, y_dev = case.args[:4]
    untouched = [
        i
        for i, (layer, first) in enumerate(zip(trained, from_arrays(spec, start)))
        if layer["kind"] == "batchnorm" and np.array_equal(layer["running_mean"], first["running_mean"])
    ]
    if untouched:
        raise CheckFailed(
            f"{where}: the running mean of layers[{untouched[0]}] is still its starting value: update "
            f"the running averages of every batch-norm layer at every step.\nHint: {RACE_HINT}"
        )
    measured = batchnorm_layer.accuracy(trained, X_dev, y_dev)
    if abs(measured - curve[-1]) > 1.5 / len(y_dev):
        raise CheckFailed(
            f"{where}: your last dev accuracy is {curve[-1]:.3f}, but the network you returned scores "
            f"{measured:.3f} on the dev set in inference mode (with its running averages). Measure the "
            f"dev accuracy in inference mode, after the step, and return the trained layers."
        )
    steps_bn = first_step(curve, target)
    if steps_bn is None:
        raise CheckFailed(
            f"{where}: in {case.kwargs['steps']} steps the network with batch norm never reaches a dev "
            f"accuracy of {target:.0%} (best {curve.max(initial=0):.1%}).\nHint: {RACE_HINT}"
        )
    steps_plain, plain_best = plain_steps(int(case.kwargs["seed"]))
    if steps_plain is not None and steps_bn >= steps_plain:
        raise CheckFailed(
            f"{where}: with batch norm your network first reaches {target:.0%} after {steps_bn} steps; "
            f"the same network without batch norm needs only {steps_plain}.\nHint: {RACE_HINT}"
        )


register(
    Check(
        "batchnorm_reaches_target_in_fewer_steps",
        race_cases,
        reference=None,
        outputs=("layers", "dev_accuracy"),
        function="train",
        guarded=(batchnorm_layer.train_minibatch, batchnorm_layer.update_running_averages) + BN_GUARDS,
        verify=verify_race,
        hint=RACE_HINT,
        compares_with="behaviour",
        doc=f"Train a 64-64-64-64-10 ReLU network with batch norm on the digits with ``train(layers, "
        f"X_train, y_train, X_dev, y_dev, lr={RACE['lr']:g}, steps={RACE['steps']}, sgd_momentum=0, seed=s)`` for "
        f"three seeds: each run passes when its running averages moved, its last dev accuracy is what "
        f"the returned network scores in inference mode, and its dev accuracy reached "
        f"{RACE['target']:.0%} (at any evaluation: at this learning rate it wobbles) in fewer steps than "
        f"the same network without batch norm (trained by "
        f"helpers.batchnorm_layer, which at this learning rate never gets there). Call it on "
        f"``helpers.batchnorm_layer.on_arrays(train)``.",
    )
)
