"""Week 7 checks: mini-batches, exponentially weighted averages, the update rules, learning-rate
schedules, the ravine and saddle questions, and training a deep network on the digits with Adam.

The update rules are graded one step at a time, from a state that ``helpers.optim`` built over 0 to 99
earlier steps of random gradients (so "several steps" without the grader having to chain calls), on
tensors of several shapes and gradients whose size varies from coordinate to coordinate by four orders of
magnitude. The grader moves only arrays and plain numbers, so the states are arrays too: momentum's
``v``, RMSprop's ``s`` and AdaGrad's ``G`` have the shape of the parameter, Adam's ``(m, v)`` arrives as
one array of shape ``(2,) + param.shape`` (``m, v = state`` unpacks either), and ``None`` stands for the
zeros before the first step. Each rule also has a check of one property, with a message that says what
the property means (Adam's first step moves every coordinate by about lr, whatever the gradient's size).

This module registers the checks and holds nothing else: the cases are drawn in ``_w07_cases``, the
references, verify functions and hints are in ``_w07_judge``.
"""
from __future__ import annotations

from .. import optim
from ._w07_cases import (adagrad_property_case, adam_property_case, ewa_cases, minibatch_cases, momentum_property_case,
                         property_cases, ravine_cases, rmsprop_property_case, rule_cases, schedule_cases,
                         training_cases)
from ._w07_judge import (ADAGRAD_HINT, ADAM_HINT, BATCH_HINT, MOMENTUM_HINT, RAVINE_HINTS, RAVINE_LABELS, RMSPROP_HINT,
                         RUNS, ewa_reference, ravine_reference, rule_reference, schedule_reference,
                         verify_adagrad_property, verify_adam_property, verify_minibatches, verify_momentum_property,
                         verify_rmsprop_property, verify_training)
from .core import ByHand, Check, register
# Public constants of the week, at their former address helpers.grading.w07.<name>:
from ._w07_cases import TRAINING_UPDATES
from ._w07_judge import (RAVINE_CURVATURES, RAVINE_FLAT_GOAL, RAVINE_FLAT_START, RAVINE_MOMENTUM_BETA,  # noqa: F401
                         SADDLE_EXIT, SADDLE_LR, SADDLE_Y0, TRAINING_MIN_ACCURACY)

UPDATE_RULES = (optim.sgd, optim.momentum, optim.rmsprop, optim.adagrad, optim.adam)


def _guards(own):
    """The rule's own kernel first (the syllabus names it), then every other update rule."""
    return (own,) + tuple(k for k in UPDATE_RULES if k is not own)


# --------------------------------------------------------------------------- mini-batches

register(Check("minibatches", minibatch_cases, reference=None, verify=verify_minibatches,
               function="minibatches", outputs=RUNS,
               hint=BATCH_HINT,
               doc="Check ``minibatches(X, y, batch_size, rng)`` through ``minibatch_layouts(X, y, batch_size, "
                   "seed)`` (three runs: seed, the same seed, another seed): every example once per epoch, X and "
                   "y shuffled together, full batches then the last partial one, the same batches for the same "
                   "seed; batch_size 1 (SGD) and N (batch gradient descent) included."))


# --------------------------------------------------------------------------- exponentially weighted averages

register(Check("ewa", ewa_cases(False), ewa_reference, function="ewa", outputs=("v",), guarded=(optim.ewa,),
               hint="start from v = 0 (zeros shaped like one value, values.shape[1:]) and for t = 0, 1, ... set "
                    "v = beta * v + (1 - beta) * values[t] and store it as out[t]; return all T averages.",
               doc="Check ``ewa(values, beta, bias_correction=False)``, v_t = β v_{t−1} + (1 − β) θ_t from v_0 = 0, "
                   "on series of shape (T,) and (T, ...), β = 0 and T = 1 included, against helpers.optim.ewa."))
register(Check("ewa_bias_corrected", ewa_cases(True), ewa_reference, function="ewa", outputs=("v",),
               guarded=(optim.ewa,),
               hint="divide each v_t by (1 − β^t) where t counts from 1 (the first value is t = 1, so the "
                    "first corrected average is the first value itself); keep the uncorrected v in the recursion.",
               doc="Check ``ewa(values, beta, bias_correction=True)``, v_t / (1 − β^t), on the same series, against "
                   "helpers.optim.ewa."))


# --------------------------------------------------------------------------- update rules

register(Check("momentum_update",
               rule_cases(optim.momentum, [dict(lr=0.1, beta=0.9), dict(lr=0.01, beta=0.5),
                                           dict(lr=0.5, beta=0.99), dict(lr=0.05, beta=0.0)]),
               rule_reference(optim.momentum), outputs=("param", "v"), guarded=_guards(optim.momentum),
               hint=MOMENTUM_HINT,
               doc="Check one step of ``momentum_update(param, grad, v, lr, beta) -> (param, v)``, v = βv + (1 − β)g, "
                   "from states built over 0 to 99 earlier steps, on tensors of several shapes, against "
                   "helpers.optim.momentum (β = 0 included)."))
register(Check("rmsprop_update",
               rule_cases(optim.rmsprop, [dict(lr=0.01, beta=0.9, eps=1e-8), dict(lr=0.001, beta=0.99, eps=1e-8),
                                          dict(lr=0.1, beta=0.5, eps=1e-6)]),
               rule_reference(optim.rmsprop), outputs=("param", "s"), guarded=_guards(optim.rmsprop),
               hint=RMSPROP_HINT,
               doc="Check one step of ``rmsprop_update(param, grad, s, lr, beta, eps) -> (param, s)`` from states built "
                   "over 0 to 99 earlier steps, on tensors of several shapes, against helpers.optim.rmsprop."))
register(Check("adagrad_update",
               rule_cases(optim.adagrad, [dict(lr=0.1, eps=1e-8), dict(lr=0.01, eps=1e-8), dict(lr=1.0, eps=1e-6)]),
               rule_reference(optim.adagrad), outputs=("param", "G"), guarded=_guards(optim.adagrad),
               hint=ADAGRAD_HINT,
               doc="Check one step of ``adagrad_update(param, grad, G, lr, eps) -> (param, G)``, G = G + g², from states "
                   "built over 0 to 99 earlier steps (negative gradients included), against helpers.optim.adagrad."))
register(Check("adam_update",
               rule_cases(optim.adam, [dict(lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8),
                                       dict(lr=0.01, beta1=0.8, beta2=0.99, eps=1e-8),
                                       dict(lr=0.1, beta1=0.5, beta2=0.9, eps=1e-6)], with_t=True),
               rule_reference(optim.adam), outputs=("param", "state"), guarded=_guards(optim.adam),
               hint=ADAM_HINT,
               doc="Check one step of ``adam_update(param, grad, state, t, lr, beta1, beta2, eps) -> (param, (m, v))`` "
                   "at steps t = 1 to 100 from states built by helpers.optim.adam, on tensors of several shapes."))


# --------------------------------------------------------------------------- one property per rule

register(Check("momentum_constant_gradient", property_cases(momentum_property_case), reference=None,
               verify=verify_momentum_property, function="momentum_update", outputs=("param", "v"),
               guarded=_guards(optim.momentum), hint=MOMENTUM_HINT,
               doc="Check two properties of ``momentum_update``: the first step is (1 − β) of a plain step, and a "
                   "gradient that never changes is its own average (v stays g, the step is lr · g)."))
register(Check("rmsprop_scale_invariance", property_cases(rmsprop_property_case), reference=None,
               verify=verify_rmsprop_property, function="rmsprop_update", outputs=("param", "s"),
               guarded=_guards(optim.rmsprop), hint=RMSPROP_HINT,
               doc="Check that ``rmsprop_update``'s step does not change when every gradient (and so s) is scaled "
                   "by factors from 1e-2 to 1e4."))
register(Check("adagrad_step_shrinks", property_cases(adagrad_property_case), reference=None,
               verify=verify_adagrad_property, function="adagrad_update", outputs=("param", "G"),
               guarded=_guards(optim.adagrad), hint=ADAGRAD_HINT,
               doc="Check that ``adagrad_update``'s t-th step for gradients of one size is lr/√t per coordinate, "
                   "for sizes from 1e-2 to 1e3."))
register(Check("adam_first_step", property_cases(adam_property_case), reference=None,
               verify=verify_adam_property, function="adam_update", outputs=("param", "state"),
               guarded=_guards(optim.adam), hint=ADAM_HINT,
               doc="Check that ``adam_update``'s first step (t = 1, state None) moves every coordinate by lr, for "
                   "gradients from 1e-3 to 1e3: the bias correction at work."))


# --------------------------------------------------------------------------- learning-rate schedules

register(Check("inverse_time_decay",
               schedule_cases([(0.2, dict(decay_rate=1.0)), (0.01, dict(decay_rate=0.2)),
                               (1.0, dict(decay_rate=0.05)), (0.5, dict(decay_rate=0.0))]),
               schedule_reference(optim.inverse_time_decay),
               outputs=("lr",), guarded=(optim.inverse_time_decay, optim.exponential_decay, optim.staircase_decay),
               hint="lr0 / (1 + decay_rate * epoch), element by element for an array of epochs (no loop needed).",
               doc="Check ``inverse_time_decay(lr0, epoch, decay_rate)`` = lr₀ / (1 + decay_rate·epoch) on vectors "
                   "of epochs (0, late, unsorted and fractional epochs included)."))
register(Check("exponential_decay",
               schedule_cases([(0.2, dict(rate=0.95)), (0.01, dict(rate=0.5)), (1.0, dict(rate=0.99)),
                               (0.3, dict(rate=1.0))]),
               schedule_reference(optim.exponential_decay),
               outputs=("lr",), guarded=(optim.exponential_decay, optim.inverse_time_decay, optim.staircase_decay),
               hint="lr0 * rate ** epoch: the learning rate is multiplied by rate once per epoch, so epoch 0 gives lr0.",
               doc="Check ``exponential_decay(lr0, epoch, rate)`` = lr₀ · rate^epoch on vectors of epochs."))
register(Check("staircase_decay",
               schedule_cases([(0.2, dict(drop=0.5, epochs_per_drop=10)), (0.1, dict(drop=0.1, epochs_per_drop=3)),
                               (1.0, dict(drop=0.5, epochs_per_drop=1)), (0.05, dict(drop=0.9, epochs_per_drop=25))]),
               schedule_reference(optim.staircase_decay),
               outputs=("lr",), guarded=(optim.staircase_decay, optim.inverse_time_decay, optim.exponential_decay),
               hint="lr0 * drop ** np.floor(epoch / epochs_per_drop): constant for epochs_per_drop epochs, "
                    "then one step down; round DOWN (floor), not to the nearest integer.",
               doc="Check ``staircase_decay(lr0, epoch, drop, epochs_per_drop)`` = lr₀ · drop^⌊epoch / epochs_per_drop⌋ "
                   "on vectors of epochs, on and around the stairs."))


# --------------------------------------------------------------------------- the ravine and the saddle

register(Check("ravine_saddle_answers", ravine_cases, ravine_reference,
               function="ravine_saddle_answers", outputs=("answers",),
               hint="each coordinate of a quadratic evolves on its own: one step multiplies it by (1 − lr·λ).",
               doc="Check the six numbers worked out by hand for the ravine f = ½(w₁² + 20 w₂²) and the saddle "
                   "½(x² − y²) (``ravine_saddle_answers``), computed here from the same constants.",
               by_hand=ByHand(labels=RAVINE_LABELS, hints=RAVINE_HINTS)))


# --------------------------------------------------------------------------- training on the digits

register(Check("adam_trains_digits", training_cases, reference=None, verify=verify_training,
               function="train_mlp", outputs=("params", "losses"), guarded=_guards(optim.adam),
               hint="train_mlp(X, y, optimizer, n_updates, seed) must return (params, losses): params a tuple "
                    "(W1, b1, ..., W4, b4), losses one value per update.",
               doc=f"Train with ``train_mlp(X_train, y_train, optimizer='adam', n_updates={TRAINING_UPDATES}, seed=s)`` "
                   f"for three seeds the grader draws; each run passes when params chain 64 → ... → 10 through at "
                   f"least three hidden ReLU layers, one loss per update went down, and the test accuracy is at "
                   f"least {TRAINING_MIN_ACCURACY:.0%}."))
