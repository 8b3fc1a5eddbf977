"""How week 8's checks judge an answer: the references, numerical gradients and verify functions,
and the hints their messages share.

Gradients are compared with ``helpers.layers`` and with central differences of the plain-numpy model
of ``_w08_networks``. Everything here reads plain outputs only (a verify function is ``(case, outputs,
where) -> None``, raising ``CheckFailed``), so it can run in a process that never ran student code. The
cases are drawn by ``_w08_cases``; ``helpers.grading.w08`` registers the checks.
"""
from __future__ import annotations

import numpy as np

from .. import init as I
from .. import layers as LY
from .. import norm
from .. import training as TR
from ..gradcheck import numerical_gradient
from ._w08_networks import energy_gradient
from .core import CheckFailed, FORWARD_RTOL, GRADIENT_RTOL, NUMERICAL_ATOL, NUMERICAL_RTOL, as_output, compare

STUDY_MARGIN = 2.0       # percentage points the chosen λ must gain on dev over λ = 0


# --------------------------------------------------------------------------- reading a layer list and grads

def layers_of(case, skip=1):
    """The layer list of a model case: its arrays after the first ``skip`` args, and its spec."""
    return LY.from_arrays(case.kwargs["spec"], case.args[skip:])


def tuple_of(got, name, count, where):
    """``got`` when it is a tuple of ``count`` entries (one per layer), else a CheckFailed naming ``name``."""
    if not isinstance(got, tuple) or len(got) != count:
        kind = got.type_name if hasattr(got, "type_name") else type(got).__name__
        raise CheckFailed(f"{where}: `{name}` must hold {count} entries, one per layer; got {kind}"
                          + (f" of length {len(got)}" if isinstance(got, tuple) else "") + ".")
    return got


# --------------------------------------------------------------------------- affine layer

def affine_numerical(case, expected):
    dout, x, W, b = (np.array(a, dtype=np.float64) for a in case.args)
    energy = lambda _: float(np.sum(dout * (x @ W + b)))   # noqa: E731
    return {"dx": numerical_gradient(energy, x), "dW": numerical_gradient(energy, W),
            "db": numerical_gradient(energy, b)}


# --------------------------------------------------------------------------- activations

def activation_numerical(case, expected, h=1e-6):
    dout, z, kind = case.args
    f = {"relu": lambda v: np.maximum(v, 0.0), "tanh": np.tanh, "sigmoid": lambda v: 1.0 / (1.0 + np.exp(-v))}[kind]
    return {"dz": dout * (f(z + h) - f(z - h)) / (2 * h)}


# --------------------------------------------------------------------------- inverted dropout

def dropout_forward_reference(x, mask, keep_prob, train):
    return x * mask / keep_prob if train else x.copy()


def dropout_backward_reference(dout, mask, keep_prob):
    return norm.dropout_backward.unguarded(dout, mask, 1.0 - keep_prob)   # helpers.norm takes p = 1 − keep_prob


def dropout_numerical(case, expected, h=1e-6):
    dout, mask, keep = case.args
    forward = lambda v: v * mask / keep   # noqa: E731  (the layer is linear in x, so one step suffices)
    return {"dx": dout * (forward(h) - forward(-h)) / (2 * h)}


DROPOUT_HINT = ("inverted dropout: in training out = x * mask / keep_prob (the kept units are scaled UP, so the "
                "expected value of out is x); at test time (train=False) out = x, with no mask and no scaling. "
                "Multiplying by keep_prob at test time is the other, older convention; with inverted dropout "
                "it must not be done.")


# --------------------------------------------------------------------------- the model

FORWARD_HINT = ("loop over the layers in order: append the layer's input to `inputs`, then x = that layer's "
                "forward (affine_forward, activation_forward or dropout_forward with the layer's mask; a mask "
                "of None means test time). Return (x, inputs), with len(inputs) == len(layers).")


def verify_model_forward(case, got, where):
    __tracebackhide__ = True
    out, inputs = LY.model_forward.unguarded(case.args[0], layers_of(case))
    compare(out, got[0], "out", where, FORWARD_RTOL, FORWARD_HINT)
    got_inputs = tuple_of(got[1], "inputs", len(inputs), where)
    for i, (e, g) in enumerate(zip(inputs, got_inputs)):
        compare(e, g, f"inputs[{i}]", where, FORWARD_RTOL,
                f"inputs[{i}] is what layers[{i}] received: x for i = 0, then each layer's output. " + FORWARD_HINT)


BACKWARD_HINT = ("go through the layers in REVERSE: dout, grads[i] = that layer's backward(dout, inputs[i], ...); "
                 "affine: dx = dout @ W.T, dW = inputs[i].T @ dout, db = dout.sum(axis=0); activation: "
                 "dout * f'(inputs[i]); dropout: dout * mask / keep_prob (or dout when the mask is None). "
                 "grads[i] is {'W': dW, 'b': db} for an affine layer and {} for the others.")


def verify_model_backward(case, got, where):
    __tracebackhide__ = True
    spec = case.kwargs["spec"]
    count = len(spec)
    dout, inputs = case.args[0], list(case.args[1:1 + count])
    layers = layers_of(case, 1 + count)
    dx, grads = LY.model_backward.unguarded(dout, inputs, layers)
    compare(dx, got[0], "dx", where, GRADIENT_RTOL, BACKWARD_HINT)
    got_grads = tuple_of(got[1], "grads", count, where)
    for i, (layer, grad, mine) in enumerate(zip(layers, grads, got_grads)):
        names = LY.parameter_names(layer)
        if not isinstance(mine, tuple) or len(mine) != len(names):
            raise CheckFailed(f"{where}: grads[{i}] does not have the gradients of layers[{i}]'s parameters "
                              f"({', '.join(names) or 'none'}).")
        for name, g in zip(names, mine):
            compare(grad[name], g, f"grads[{i}]['{name}']", where, GRADIENT_RTOL, BACKWARD_HINT)
    compare(energy_gradient(inputs[0], layers, dout, "x"), got[0], "dx", where + " vs numerical gradient",
            NUMERICAL_RTOL, BACKWARD_HINT, atol=NUMERICAL_ATOL)
    for i, (layer, mine) in enumerate(zip(layers, got_grads)):
        for name, g in zip(LY.parameter_names(layer), mine):
            compare(energy_gradient(inputs[0], layers, dout, (i, name)), g, f"grads[{i}]['{name}']",
                    where + " vs numerical gradient", NUMERICAL_RTOL, BACKWARD_HINT, atol=NUMERICAL_ATOL)


# --------------------------------------------------------------------------- L2 regularization

def l2_cost_reference(*arrays, spec, lam, m):
    return LY.l2_cost.unguarded(LY.from_arrays(spec, arrays), lam, m)


def l2_grads_reference(*arrays, spec, lam, m):
    grads = LY.l2_grads.unguarded(LY.from_arrays(spec, arrays), lam, m)
    return tuple(tuple(g[p] for p in LY.parameter_names(layer)) for g, layer in zip(grads, LY.from_arrays(spec, arrays)))


L2_COST_HINT = ("cost = lam / (2 * m) * (sum over the AFFINE layers of np.sum(W ** 2)); biases are not "
                "regularized, and the 1/2 makes the gradient (lam / m) * W.")
L2_GRADS_HINT = ("for every affine layer {'W': (lam / m) * W, 'b': np.zeros_like(b)} (biases are not regularized), "
                 "{} for the other layers, in a list aligned with `layers`.")


def verify_l2_grads(case, got, where):
    __tracebackhide__ = True
    spec = case.kwargs["spec"]
    expected = l2_grads_reference(*case.args, **case.kwargs)
    got = tuple_of(got[0], "grads", len(spec), where)
    layers = LY.from_arrays(spec, [np.array(a, copy=True) for a in case.args])
    for i, (layer, e, mine) in enumerate(zip(layers, expected, got)):
        names = LY.parameter_names(layer)
        if not isinstance(mine, tuple) or len(mine) != len(names):
            raise CheckFailed(f"{where}: grads[{i}] must hold the gradients of layers[{i}]'s parameters "
                              f"({', '.join(names) or 'none'}).\nHint: {L2_GRADS_HINT}")
        for name, exp, g in zip(names, e, mine):
            compare(exp, g, f"grads[{i}]['{name}']", where, GRADIENT_RTOL, L2_GRADS_HINT)
            if name == "W":
                estimate = numerical_gradient(lambda _: LY.l2_cost.unguarded(layers, case.kwargs["lam"],
                                                                             case.kwargs["m"]), layer["W"])
                compare(estimate, g, f"grads[{i}]['W']", where + " vs numerical gradient", NUMERICAL_RTOL,
                        L2_GRADS_HINT, atol=NUMERICAL_ATOL)


# --------------------------------------------------------------------------- input normalization

def normalize_reference(X_train, X_dev, X_test):
    mu, sigma = I.input_statistics.unguarded(X_train)
    return tuple(I.normalize_inputs.unguarded(X, mu, sigma) for X in (X_train, X_dev, X_test))


NORMALIZE_HINT = ("mu = X_train.mean(axis=0) and sigma = X_train.std(axis=0) (ddof 0), with sigma = 1 where it is "
                  "0; then (X - mu) / sigma for the training, dev AND test sets, all with the TRAINING statistics.")


def verify_normalize(case, got, where):
    __tracebackhide__ = True
    expected = normalize_reference(*case.args)
    for name, X, e, g in zip(("train_norm", "dev_norm", "test_norm"), case.args, expected, got):
        g_array = as_output(g, name, where)
        if name != "train_norm" and g_array.shape == e.shape and X.shape[0] > 1:
            own_mu, own_sigma = I.input_statistics.unguarded(X)
            if np.allclose(g_array, (X - own_mu) / own_sigma, rtol=1e-6, atol=1e-9) and \
                    not np.allclose(e, g_array, rtol=1e-6, atol=1e-9):
                raise CheckFailed(f"{where}: `{name}` was normalized with its own mean and spread. Use the "
                                  f"training set's μ and σ for every set: the network learned on inputs measured "
                                  f"with the training set's ruler.")
        compare(e, g, name, where, 1e-6, NORMALIZE_HINT)


# --------------------------------------------------------------------------- initialization

VARIANCE_RTOL = 0.05       # 60 000 entries: the sample variance is within ~0.6 % (one standard error)


INIT_HINT = ("standard deviations: zeros 0, large 10, lecun 1/sqrt(n_in), xavier sqrt(2/(n_in + n_out)), "
             "he sqrt(2/n_in); draw rng.normal(0.0, s, size=(n_in, n_out)) with rng = np.random.default_rng(rng).")


def verify_init(case, got, where):
    __tracebackhide__ = True
    n_in, n_out, method, _ = case.args
    W = as_output(got[0], "W", where)
    if W.shape != (n_in, n_out):
        raise CheckFailed(f"{where}: W has shape {W.shape}, expected (n_in, n_out) = {(n_in, n_out)}.")
    if not np.all(np.isfinite(W)):
        raise CheckFailed(f"{where}: W holds NaN or inf.")
    if method == "zeros":
        if np.any(W != 0):
            raise CheckFailed(f"{where}: every weight must be exactly 0 for method 'zeros'.")
        return
    if W.size < 1000:
        return
    s = I.init_std.unguarded(method, n_in, n_out)
    mean, var = float(W.mean()), float(W.var())
    if abs(mean) > 6 * s / np.sqrt(W.size):
        raise CheckFailed(f"{where}: the weights' mean is {mean:.4g}; they must be centred on 0.\nHint: {INIT_HINT}")
    if abs(var / s ** 2 - 1) > VARIANCE_RTOL:
        names = [other for other in I.METHODS[1:] if other != method
                 and abs(var / I.init_std.unguarded(other, n_in, n_out) ** 2 - 1) <= VARIANCE_RTOL]
        also = f" (that is the variance of {names[0]!r})" if names else ""
        raise CheckFailed(f"{where}: the weights' variance is {var:.4g}{also}; method {method!r} needs "
                          f"{s ** 2:.4g} for this shape, within {VARIANCE_RTOL:.0%}.\nHint: {INIT_HINT}")


# --------------------------------------------------------------------------- early stopping

EARLY_HINT = ("walk through the epochs keeping the best (strictly lowest) dev error so far and its epoch; count "
              "the epochs since it last improved and stop when that count reaches `patience`. Return that best "
              "epoch and snapshots[best_epoch], not the weights of the epoch where you stopped.")


def verify_early(case, got, where):
    __tracebackhide__ = True
    errors, snaps, patience = case.args
    best, stop = TR.early_stopping.unguarded(errors, patience)
    epoch = as_output(got[0], "best_epoch", where)
    if epoch.shape != () or not float(epoch).is_integer():
        raise CheckFailed(f"{where}: `best_epoch` must be one integer (an index into dev_errors), got {epoch!r:.60}.")
    epoch = int(epoch)
    if epoch != best:
        if epoch == stop and stop != best:
            why = "that is the epoch where training stopped, not the best one seen"
        elif 0 <= epoch < errors.size and epoch > stop:
            why = (f"epoch {epoch} comes after training stopped: with patience {patience} the run ends at "
                   f"epoch {stop}, so later epochs were never trained")
        elif 0 <= epoch < errors.size and errors[epoch] == errors[best]:
            why = "on ties keep the first epoch: an equal error is not an improvement"
        else:
            why = "it is not the epoch with the lowest dev error before the stop"
        raise CheckFailed(f"{where}: `best_epoch` is {epoch}, which is wrong: {why}.\nHint: {EARLY_HINT}")
    compare(snaps[best], got[1], "best_weights", where, FORWARD_RTOL,
            "best_weights must be snapshots[best_epoch], the weights saved after the best epoch.")


# --------------------------------------------------------------------------- the regularization study

STUDY_HINT = ("for each λ in lambdas: build the study network with the given seed, train it with λ, and record its "
              "train and dev errors (percent). Return the λ with the LOWEST DEV error, and both lists of errors.")


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
    matches = np.flatnonzero(np.isclose(lambdas, best, rtol=1e-9, atol=0))
    if matches.size == 0:
        raise CheckFailed(f"{where}: `best_lambda` = {best:g} is not one of the λ you were given.")
    best = float(lambdas[matches[0]])
    if dev_errors[matches[0]] > dev_errors.min() + 1e-9:
        raise CheckFailed(f"{where}: your own dev errors say another λ is better than {best:g}. Choose the λ with "
                          f"the lowest DEV error (the training error always prefers λ = 0).\nHint: {STUDY_HINT}")
    if best == 0.0:
        raise CheckFailed(f"{where}: you chose λ = 0, no regularization, yet this network overfits its 100 noisy "
                          f"points. If your dev error really is lowest at λ = 0, check that your training adds "
                          f"l2_grads to the gradients.\nHint: {STUDY_HINT}")
    dev = {lam: TR.study_errors.unguarded(X_train, y_train, X_dev, y_dev, lam, int(seed))[1] for lam in (0.0, best)}
    gain = dev[0.0] - dev[best]
    if gain >= STUDY_MARGIN:
        return
    # A rare data set where no λ of the grid gains 2 * STUDY_MARGIN: half of the best gain is enough.
    for lam in lambdas:
        dev.setdefault(float(lam), TR.study_errors.unguarded(X_train, y_train, X_dev, y_dev, float(lam), int(seed))[1])
    best_gain = dev[0.0] - min(dev.values())
    if gain > 0 and gain >= best_gain / 2:
        return
    raise CheckFailed(f"{where}: trained by the reference with λ = {best:g}, the study network's dev error is "
                      f"{dev[best]:.1f}%, against {dev[0.0]:.1f}% with λ = 0: it must be at least {STUDY_MARGIN:g} "
                      f"points lower (the best λ here gains {best_gain:.1f}).\nHint: {STUDY_HINT}")
