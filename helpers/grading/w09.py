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

This module registers the checks and holds nothing else: the cases are drawn in ``_w09_cases``, the
references, verify functions and hints are in ``_w09_judge``.
"""
from __future__ import annotations

from .. import batchnorm_layer as BL
from .. import norm
from .. import tuning as TU
from ._w09_cases import (RACE, backward_cases, bad_shape_cases, forward_inference_cases, forward_train_cases,
                         race_cases, sampling_cases, search_cases)
from ._w09_judge import (BETA_HINT, INFERENCE_HINT, LR_HINT, RACE_HINT, SEARCH_HINT, SHAPE_HINT, TRAIN_HINT,
                         backward_numerical, backward_reference, forward_reference, verify_bad_shapes, verify_betas,
                         verify_learning_rates, verify_race, verify_search)
from .core import Check, GRADIENT_RTOL, register
# A public constant of the week, at its former address helpers.grading.w09.SHARE_TOLERANCE:
from ._w09_judge import SHARE_TOLERANCE  # noqa: F401

BN_GUARDS = (norm.batchnorm_forward, norm.batchnorm_backward)


# --------------------------------------------------------------------------- batch norm forward

register(Check("batchnorm_forward_train", forward_train_cases, forward_reference,
               function="batchnorm_forward", outputs=("out", "running_mean", "running_var"), guarded=BN_GUARDS,
               hint=TRAIN_HINT,
               doc="Check ``batchnorm_forward(x, gamma, beta, 'train', running_mean, running_var, momentum, eps) -> "
                   "(out, running_mean, running_var)`` against helpers.norm: N = 1, N = 5000, a near-zero and a "
                   "zero variance, a mean of 10 000 with a spread of 0.01, momentum 0 to 0.99."))

register(Check("batchnorm_forward_inference", forward_inference_cases, forward_reference,
               function="batchnorm_forward", outputs=("out", "running_mean", "running_var"), guarded=BN_GUARDS,
               hint=INFERENCE_HINT,
               doc="Check ``batchnorm_forward(x, gamma, beta, 'inference', running_mean, running_var, momentum, "
                   "eps)``: normalized with the running averages (N = 1 included), which come back unchanged."))


# --------------------------------------------------------------------------- bad shapes

register(Check("batchnorm_rejects_bad_shapes", bad_shape_cases, reference=None, outputs=("outcome",),
               function="batchnorm_forward", guarded=BN_GUARDS, verify=verify_bad_shapes, hint=SHAPE_HINT,
               doc="Call ``batchnorm_forward(x, gamma, beta)`` with gamma or beta of a wrong shape (too many or "
                   "too few entries, one entry, (D, 1)): each must raise a ValueError whose message names the "
                   "argument; correct shapes must not raise. Call it on "
                   "``helpers.batchnorm_layer.bad_shape_outcome(batchnorm_forward)``."))


# --------------------------------------------------------------------------- batch norm backward

register(Check("batchnorm_backward", backward_cases, backward_reference, outputs=("dx", "dgamma", "dbeta"),
               guarded=(norm.batchnorm_backward, norm.batchnorm_forward), numerical=backward_numerical,
               tolerances={"dx": GRADIENT_RTOL, "dgamma": GRADIENT_RTOL, "dbeta": GRADIENT_RTOL},
               hint="with x̂ and σ = np.sqrt(σ² + ε) from the forward pass (training mode), sums over the batch "
                    "(axis 0): dbeta = Σ dout, dgamma = Σ dout * x̂, dx = γ / (N σ) * (N dout − Σ dout − x̂ Σ(dout "
                    "* x̂)). The last two terms are what μ and σ² depending on every example adds.",
               doc="Check ``batchnorm_backward(dout, x, gamma, beta, eps) -> (dx, dgamma, dbeta)`` (training mode) "
                   "against helpers.norm and central differences: N = 1, N = 1000, a near-zero and a zero variance."))


# --------------------------------------------------------------------------- the race

register(Check("batchnorm_reaches_target_in_fewer_steps", race_cases, reference=None,
               outputs=("layers", "dev_accuracy"), function="train",
               guarded=(BL.train_minibatch, BL.update_running_averages) + BN_GUARDS, verify=verify_race,
               hint=RACE_HINT,
               doc=f"Train a 64-64-64-64-10 ReLU network with batch norm on the digits with ``train(layers, "
                   f"X_train, y_train, X_dev, y_dev, lr={RACE['lr']:g}, steps={RACE['steps']}, beta=0, seed=s)`` for "
                   f"three seeds: each run passes when its running averages moved, its last dev accuracy is what "
                   f"the returned network scores in inference mode, and its dev accuracy reached "
                   f"{RACE['target']:.0%} (at any evaluation: at this learning rate it wobbles) in fewer steps than the same network without batch norm (trained by "
                   f"helpers.batchnorm_layer, which at this learning rate never gets there). Call it on "
                   f"``helpers.batchnorm_layer.on_arrays(train)``."))


# --------------------------------------------------------------------------- sampling on the right scale

register(Check("learning_rates_log_uniform", sampling_cases, reference=None, outputs=("learning_rates", "betas"),
               function="sample_hyperparameters", guarded=(TU.sample_hyperparameters, TU.sample_log_uniform),
               verify=verify_learning_rates, hint=LR_HINT,
               doc="Check the learning rates of ``sample_hyperparameters(n, seed) -> (learning_rates, betas)``: all "
                   "in [1e-4, 1] and, for n = 20 000, 25% ± 2 points in each decade with exponents spread evenly."))

register(Check("betas_log_scale", sampling_cases, reference=None, outputs=("learning_rates", "betas"),
               function="sample_hyperparameters", guarded=(TU.sample_hyperparameters, TU.sample_log_uniform),
               verify=verify_betas, hint=BETA_HINT,
               doc="Check the β of ``sample_hyperparameters(n, seed) -> (learning_rates, betas)``: all in [0.9, "
                   "0.999] and, for n = 20 000, 1 − β log-uniform (50% ± 2 points on each side of 0.99), drawn "
                   "independently of the learning rates."))


# --------------------------------------------------------------------------- random search

register(Check("random_search_finds_best", search_cases, reference=None,
               outputs=("tried", "scores", "best_config", "best_score"), function="random_search",
               guarded=(TU.random_search, TU.sample_log_uniform), verify=verify_search, hint=SEARCH_HINT,
               doc="Run ``random_search(objective, space, budget, seed) -> (best_config, best_score)`` on objectives "
                   "the check defines (one or two hyperparameters matter, one does not; log and linear scales; "
                   "budgets 1 to 200): it must evaluate exactly `budget` configurations inside the space and return "
                   "the best of them with its score; with a budget of 100 or more, every hyperparameter takes a new "
                   "value in every trial, half of them below the middle of its range on its scale. Call it on "
                   "``helpers.tuning.on_objective(random_search)``."))
