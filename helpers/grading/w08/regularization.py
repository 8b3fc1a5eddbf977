"""Week 8's regularization: the L2 cost and its gradients, early stopping, and the study in which a
λ chosen on the dev set must beat no regularization."""

from __future__ import annotations

import numpy as np

from ... import training
from ...gradcheck import numerical_gradient
from ...layers import from_arrays, l2_cost, l2_grads, parameter_names, to_arrays
from ..core import (
    FORWARD_RTOL,
    GRADIENT_RTOL,
    NUMERICAL_ATOL,
    NUMERICAL_RTOL,
    Case,
    Check,
    CheckFailed,
    as_output,
    compare,
    register,
)
from .networks import networks, tuple_of

# --------------------------------------------------------------------------- L2 regularization


def l2_cases(rng):
    cases = []
    settings = [(0.7, 10), (0.0, 5), (2.5, 1), (0.1, 1000), (1.0, 64)]
    for (label, _x, layers, _), (lam, m) in zip(networks(rng), settings * 2):
        spec, arrays = to_arrays(layers)
        cases.append(Case(f"{label}, lam={lam:g}, m={m}", arrays, {"spec": spec, "lam": lam, "m": m}))
    return cases


def l2_cost_reference(*arrays, spec, lam, m):
    return l2_cost.unguarded(from_arrays(spec, arrays), lam, m)


def l2_grads_reference(*arrays, spec, lam, m):
    grads = l2_grads.unguarded(from_arrays(spec, arrays), lam, m)
    return tuple(tuple(g[p] for p in parameter_names(layer)) for g, layer in zip(grads, from_arrays(spec, arrays)))


L2_COST_HINT = (
    "cost = lam / (2 * m) * (sum over the AFFINE layers of np.sum(W ** 2)); biases are not "
    "regularized, and the 1/2 makes the gradient (lam / m) * W."
)


L2_GRADS_HINT = (
    "for every affine layer {'W': (lam / m) * W, 'b': np.zeros_like(b)} (biases are not regularized), "
    "{} for the other layers, in a list aligned with `layers`."
)


def verify_l2_grads(case, got, where):
    __tracebackhide__ = True
    spec = case.kwargs["spec"]
    expected = l2_grads_reference(*case.args, **case.kwargs)
    got = tuple_of(got[0], "grads", len(spec), where)
    layers = from_arrays(spec, [np.array(a, copy=True) for a in case.args])
    for i, (layer, e, mine) in enumerate(zip(layers, expected, got)):
        names = parameter_names(layer)
        if not isinstance(mine, tuple) or len(mine) != len(names):
            raise CheckFailed(
                f"{where}: grads[{i}] must hold the gradients of layers[{i}]'s parameters "
                f"({', '.join(names) or 'none'}).\nHint: {L2_GRADS_HINT}"
            )
        for name, exp, g in zip(names, e, mine):
            compare(exp, g, f"grads[{i}]['{name}']", where, GRADIENT_RTOL, L2_GRADS_HINT)
            if name == "W":
                estimate = numerical_gradient(
                    lambda _: l2_cost.unguarded(layers, case.kwargs["lam"], case.kwargs["m"]), layer["W"]
                )
                compare(
                    estimate,
                    g,
                    f"grads[{i}]['W']",
                    where + " vs numerical gradient",
                    NUMERICAL_RTOL,
                    L2_GRADS_HINT,
                    atol=NUMERICAL_ATOL,
                )


register(
    Check(
        "l2_cost",
        l2_cases,
        l2_cost_reference,
        outputs=("cost",),
        guarded=(l2_cost,),
        hint=L2_COST_HINT,
        compares_with=(l2_cost,),
        doc="Check ``l2_cost(layers, lam, m) -> float``, λ/(2m) Σ‖W‖² over the affine layers, against "
        "helpers.layers. Call it on ``helpers.layers.on_arrays(l2_cost, 'l2_cost')``.",
    )
)


register(
    Check(
        "l2_grads",
        l2_cases,
        reference=None,
        outputs=("grads",),
        guarded=(l2_grads, l2_cost),
        verify=verify_l2_grads,
        hint=L2_GRADS_HINT,
        compares_with=(l2_grads,),
        doc="Check ``l2_grads(layers, lam, m) -> grads`` ((λ/m) W for every affine layer, zeros for b) "
        "against helpers.layers and central differences of l2_cost. Call it on "
        "``helpers.layers.on_arrays(l2_grads, 'l2_grads')``.",
    )
)


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
    cases.append(
        Case(
            f"random curve of {length} epochs, patience 8",
            (curve(rng, length, int(rng.integers(5, length - 5))), snapshots(length, (2, 3, 2)), 8),
        )
    )
    return cases


EARLY_HINT = (
    "walk through the epochs keeping the best (strictly lowest) dev error so far and its epoch; count "
    "the epochs since it last improved and stop when that count reaches `patience`. Return that best "
    "epoch and snapshots[best_epoch], not the weights of the epoch where you stopped."
)


def verify_early(case, got, where):
    __tracebackhide__ = True
    errors, snaps, patience = case.args
    best, stop = training.early_stopping.unguarded(errors, patience)
    epoch = as_output(got[0], "best_epoch", where)
    if epoch.shape != () or not float(epoch).is_integer():
        raise CheckFailed(f"{where}: `best_epoch` must be one integer (an index into dev_errors), got {epoch!r:.60}.")
    epoch = int(epoch)
    if epoch != best:
        if epoch == stop and stop != best:
            why = "that is the epoch where training stopped, not the best one seen"
        elif 0 <= epoch < errors.size and epoch > stop:
            why = (
                f"epoch {epoch} comes after training stopped: with patience {patience} the run ends at "
                f"epoch {stop}, so later epochs were never trained"
            )
        elif 0 <= epoch < errors.size and errors[epoch] == errors[best]:
            why = "on ties keep the first epoch: an equal error is not an improvement"
        else:
            why = "it is not the epoch with the lowest dev error before the stop"
        raise CheckFailed(f"{where}: `best_epoch` is {epoch}, which is wrong: {why}.\nHint: {EARLY_HINT}")
    compare(
        snaps[best],
        got[1],
        "best_weights",
        where,
        FORWARD_RTOL,
        "best_weights must be snapshots[best_epoch], the weights saved after the best epoch.",
    )


register(
    Check(
        "early_stopping",
        early_cases,
        reference=None,
        outputs=("best_epoch", "best_weights"),
        guarded=(training.early_stopping,),
        verify=verify_early,
        hint=EARLY_HINT,
        compares_with=(training.early_stopping,),
        doc="Check ``early_stopping(dev_errors, snapshots, patience) -> (best_epoch, best_weights)``: the "
        "epoch (0-based) with the lowest dev error before patience runs out, and its snapshot.",
    )
)


# --------------------------------------------------------------------------- the regularization study

STUDY_LAMBDAS = (0.0, 0.3, 1.0, 10.0)


def study_cases(rng):
    cases = []
    for _ in range(3):
        seed = int(rng.integers(10_000))
        data = training.make_moons_data(
            seed,
            n_train=training.STUDY["n_train"],
            n_dev=training.STUDY["n_dev"],
            n_test=1,
            noise=training.STUDY["noise"],
            flip=training.STUDY["flip"],
        )
        cases.append(
            Case(
                f"noisy moons, seed {seed}",
                (data.X_train, data.y_train, data.X_dev, data.y_dev, np.array(STUDY_LAMBDAS), seed),
            )
        )
    return cases


STUDY_MARGIN = 2.0  # percentage points the chosen λ must gain on dev over λ = 0


STUDY_HINT = (
    "for each λ in lambdas: build the study network with the given seed, train it with λ, and record its "
    "train and dev errors (percent). Return the λ with the LOWEST DEV error, and both lists of errors."
)


# How far a returned error may be from the reference's training of the same network: the notebook's `train`
# and helpers.training run the same arithmetic in another order, and after 200 epochs of Adam a point or two
# near the boundary can fall the other way (1 point of train error is one of the 100 training points).
STUDY_TOLERANCE = {"train_errors": 3.0, "dev_errors": 1.5}


def check_study_errors(lambdas, reference, train_errors, dev_errors, where):
    """The returned error lists are those of the study network trained with each λ, in order, in percent."""
    __tracebackhide__ = True
    expected = {
        "train_errors": np.array([reference[float(lam)][0] for lam in lambdas]),
        "dev_errors": np.array([reference[float(lam)][1] for lam in lambdas]),
    }
    got = {"train_errors": train_errors, "dev_errors": dev_errors}

    def close(values, name):
        return np.all(np.abs(values - expected[name]) <= STUDY_TOLERANCE[name])

    for name in ("train_errors", "dev_errors"):
        if close(got[name], name):
            continue
        other = "dev_errors" if name == "train_errors" else "train_errors"
        if close(got[name], other) and close(got[other], name):
            raise CheckFailed(
                f"{where}: `train_errors` and `dev_errors` are swapped: return (best_lambda, train_errors, "
                f"dev_errors), the training set's errors first.\nHint: {STUDY_HINT}"
            )
        if close(100.0 * got[name], name):
            raise CheckFailed(
                f"{where}: `{name}` are fractions; give them in percent (error_rate already does: 5.0 means 5%)."
            )
        i = int(np.argmax(np.abs(got[name] - expected[name]) > STUDY_TOLERANCE[name]))
        raise CheckFailed(
            f"{where}: `{name}`[{i}] (λ = {float(lambdas[i]):g}) is {got[name][i]:.1f}%, but the study network "
            f"built with this seed and trained with λ = {float(lambdas[i]):g} has a "
            f"{name.split('_')[0]} error of {expected[name][i]:.1f}%. Record, for every λ in the order of "
            f"lambdas, the errors of the network trained with that λ (a fresh build_network(SIZES, seed=seed) "
            f"each time, trained with train(network, X_train, y_train, lam=lam, seed=seed)).\nHint: {STUDY_HINT}"
        )


def verify_study(case, got, where):
    __tracebackhide__ = True
    X_train, y_train, X_dev, y_dev, lambdas, seed = case.args
    best = as_output(got[0], "best_lambda", where)
    if best.shape != ():
        raise CheckFailed(f"{where}: `best_lambda` must be one number, got an array of shape {best.shape}.")
    best = float(best)
    train_errors = as_output(got[1], "train_errors", where).ravel()
    dev_errors = as_output(got[2], "dev_errors", where).ravel()
    for name, values in (("train_errors", train_errors), ("dev_errors", dev_errors)):
        if values.size != lambdas.size:
            raise CheckFailed(f"{where}: `{name}` has {values.size} values; expected one per λ ({lambdas.size}).")
        if not np.all((values >= 0) & (values <= 100)):
            raise CheckFailed(f"{where}: `{name}` must be error rates in percent, between 0 and 100.")
    reference = {
        float(lam): training.study_errors.unguarded(X_train, y_train, X_dev, y_dev, float(lam), int(seed))
        for lam in lambdas
    }
    check_study_errors(lambdas, reference, train_errors, dev_errors, where)
    matches = np.flatnonzero(np.isclose(lambdas, best, rtol=1e-9, atol=0))
    if matches.size == 0:
        raise CheckFailed(f"{where}: `best_lambda` = {best:g} is not one of the λ you were given.")
    best = float(lambdas[matches[0]])
    if dev_errors[matches[0]] > dev_errors.min() + 1e-9:
        raise CheckFailed(
            f"{where}: your own dev errors say another λ is better than {best:g}. Choose the λ with "
            f"the lowest DEV error (the training error always prefers λ = 0).\nHint: {STUDY_HINT}"
        )
    dev = {lam: errors[1] for lam, errors in reference.items()}
    lowest = min(dev.values())
    best_gain = dev[0.0] - lowest
    if best_gain < STUDY_MARGIN:
        # The case's data set (its seed is drawn at random) rewards regularization by less than the
        # margin, or not at all (seed 4986: 21.3% dev error at λ = 0, 21.9% at 0.3). The lists were
        # verified and `best` is their lowest dev error, which may then rightly be λ = 0.
        if dev[best] <= lowest + STUDY_TOLERANCE["dev_errors"]:
            return
        raise CheckFailed(
            f"{where}: trained by the reference with λ = {best:g}, the study network's dev error is "
            f"{dev[best]:.1f}%, {dev[best] - lowest:.1f} points above the best λ's {lowest:.1f}%.\nHint: {STUDY_HINT}"
        )
    if best == 0.0:
        raise CheckFailed(
            f"{where}: you chose λ = 0, no regularization, yet this network overfits its 100 noisy "
            f"points. If your dev error really is lowest at λ = 0, check that your training adds "
            f"l2_grads to the gradients.\nHint: {STUDY_HINT}"
        )
    gain = dev[0.0] - dev[best]
    if gain >= STUDY_MARGIN:
        return
    # the best λ gains at least the margin; one that gains half of it is a close second
    if gain > 0 and gain >= best_gain / 2:
        return
    raise CheckFailed(
        f"{where}: trained by the reference with λ = {best:g}, the study network's dev error is "
        f"{dev[best]:.1f}%, against {dev[0.0]:.1f}% with λ = 0: it must be at least {STUDY_MARGIN:g} "
        f"points lower (the best λ here gains {best_gain:.1f}).\nHint: {STUDY_HINT}"
    )


register(
    Check(
        "lambda_beats_no_regularization",
        study_cases,
        reference=None,
        outputs=("best_lambda", "train_errors", "dev_errors"),
        function="choose_lambda",
        guarded=(training.choose_lambda, training.study_errors, training.train_network),
        verify=verify_study,
        hint=STUDY_HINT,
        compares_with="behaviour",
        doc=f"Run ``choose_lambda(X_train, y_train, X_dev, y_dev, lambdas, seed) -> (best_lambda, "
        f"train_errors, dev_errors)`` on noisy moons for three seeds. Passes when both error lists are "
        f"those of the study network trained by helpers.training with each λ (within "
        f"{STUDY_TOLERANCE['train_errors']:g} and {STUDY_TOLERANCE['dev_errors']:g} points), best_lambda is the "
        f"λ with the lowest of the returned dev errors and, retrained by helpers.training, beats λ = 0 "
        f"on the dev set by at least {STUDY_MARGIN:g} percentage points (on the rare data set where "
        f"no λ of the grid gains {2 * STUDY_MARGIN:g}, by half of what the best one gains).",
    )
)
