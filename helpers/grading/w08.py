"""Week 8 checks: modular layers, an L-layer model, L2, inverted dropout, input normalization,
initialization, early stopping and the regularization study.

Layer lists travel to the student's functions in the plain-array form of ``helpers.layers``
(the grader moves arrays only): a case's args are ``to_arrays(layers)``'s arrays and its
kwargs hold the spec, and the hidden test wraps the student's function with
``helpers.layers.on_arrays(fn, "model_forward")`` (and so on), which rebuilds the list.

Gradients are compared with ``helpers.layers`` (the reference kernels) and with central
differences of E = Σ dout ⊙ out computed by a plain-numpy forward pass
(``_w08_networks.np_forward``), which shares no code with the kernels. Networks have depth 1 to 4
(counted in affine layers), odd widths and N = 1 among them; ReLU inputs are kept at least
1e-3 away from the kink so that the finite differences are meaningful.

This module registers the checks and holds nothing else: the networks and the plain-numpy model are
in ``_w08_networks``, the cases in ``_w08_cases``, the references, verify functions and hints in
``_w08_judge``.
"""
from __future__ import annotations

from .. import init as I
from .. import layers as LY
from .. import norm
from .. import training as TR
from ._w08_cases import (activation_backward_cases, activation_forward_cases, affine_backward_cases,
                         affine_forward_cases, dropout_backward_cases, dropout_forward_cases, early_cases, init_cases,
                         l2_cases, model_backward_cases, model_forward_cases, normalize_cases, study_cases)
from ._w08_judge import (BACKWARD_HINT, DROPOUT_HINT, EARLY_HINT, FORWARD_HINT, INIT_HINT, L2_COST_HINT, L2_GRADS_HINT,
                         NORMALIZE_HINT, STUDY_HINT, STUDY_MARGIN, activation_numerical, affine_numerical,
                         dropout_backward_reference, dropout_forward_reference, dropout_numerical, l2_cost_reference,
                         verify_early, verify_init, verify_l2_grads, verify_model_backward, verify_model_forward,
                         verify_normalize, verify_study)
from .core import Check, GRADIENT_RTOL, register
from .forbidden import STANDARDIZATION
# A public constant of the week, at its former address helpers.grading.w08.STUDY_LAMBDAS:
from ._w08_cases import STUDY_LAMBDAS  # noqa: F401


# --------------------------------------------------------------------------- affine layer

register(Check("affine_forward", affine_forward_cases, LY.affine_forward.unguarded, outputs=("out",),
               guarded=(LY.affine_forward,),
               hint="out = x @ W + b: x (N, D) times W (D, M) gives (N, M), and b (M,) is added to every row.",
               doc="Check ``affine_forward(x, W, b) -> out`` (N, M) against helpers.layers (N = 1, D = 1, M = 1 "
                   "and square shapes included)."))

register(Check("affine_backward", affine_backward_cases, LY.affine_backward.unguarded, outputs=("dx", "dW", "db"),
               guarded=(LY.affine_backward, LY.affine_forward), numerical=affine_numerical,
               tolerances={"dx": GRADIENT_RTOL, "dW": GRADIENT_RTOL, "db": GRADIENT_RTOL},
               hint="dx = dout @ W.T (N, D); dW = x.T @ dout (D, M), a sum over the batch, not a mean; "
                    "db = dout.sum(axis=0) (M,). Check each shape against its parameter's.",
               doc="Check ``affine_backward(dout, x, W, b) -> (dx, dW, db)`` against helpers.layers and "
                   "central differences."))


# --------------------------------------------------------------------------- activations

register(Check("activation_forward", activation_forward_cases, LY.activation_forward.unguarded, outputs=("out",),
               guarded=(LY.activation_forward,),
               hint="relu: np.maximum(z, 0); tanh: np.tanh(z); sigmoid: 1 / (1 + np.exp(-z)). Pick the function "
                    "from `kind` and apply it element by element.",
               doc="Check ``activation_forward(z, kind) -> out`` for kind relu, tanh and sigmoid, large |z| "
                   "included."))

register(Check("activation_backward", activation_backward_cases, LY.activation_backward.unguarded,
               outputs=("dz",), guarded=(LY.activation_backward,), numerical=activation_numerical,
               tolerances={"dz": GRADIENT_RTOL},
               hint="dz = dout * f'(z) with z the layer's INPUT: relu (z > 0); tanh 1 - np.tanh(z)**2; "
                    "sigmoid s * (1 - s) with s = 1 / (1 + np.exp(-z)). Do not forget to multiply by dout.",
               doc="Check ``activation_backward(dout, z, kind) -> dz`` against helpers.layers and central "
                   "differences, for relu, tanh and sigmoid."))


# --------------------------------------------------------------------------- inverted dropout

register(Check("inverted_dropout_forward", dropout_forward_cases, dropout_forward_reference, outputs=("out",),
               function="dropout_forward", guarded=(norm.dropout_forward, norm.dropout_backward),
               hint=DROPOUT_HINT,
               doc="Check ``dropout_forward(x, mask, keep_prob, train) -> out`` with masks the check fixes, in "
                   "training (x ⊙ mask / keep_prob) and at test time (x unchanged)."))
register(Check("inverted_dropout_backward", dropout_backward_cases, dropout_backward_reference, outputs=("dx",),
               function="dropout_backward", guarded=(norm.dropout_backward, norm.dropout_forward),
               numerical=dropout_numerical, tolerances={"dx": GRADIENT_RTOL},
               hint="dx = dout * mask / keep_prob: the same mask and the same scaling as the forward pass.",
               doc="Check ``dropout_backward(dout, mask, keep_prob) -> dx`` against helpers.norm (with "
                   "p = 1 − keep_prob) and finite differences."))


# --------------------------------------------------------------------------- the model

register(Check("model_forward", model_forward_cases, reference=None, outputs=("out", "inputs"),
               guarded=(LY.model_forward, LY.affine_forward, LY.activation_forward),
               verify=verify_model_forward, hint=FORWARD_HINT,
               doc="Check ``model_forward(x, layers) -> (out, inputs)`` on layer lists of depth 1 to 4 with odd "
                   "widths, every activation and dropout layers, against helpers.layers. Call it on "
                   "``helpers.layers.on_arrays(model_forward, 'model_forward')``: the grader moves arrays only."))

register(Check("model_backward", model_backward_cases, reference=None, outputs=("dx", "grads"),
               guarded=(LY.model_backward, LY.model_forward, LY.affine_backward, LY.activation_backward),
               verify=verify_model_backward, hint=BACKWARD_HINT,
               doc="Check ``model_backward(dout, inputs, layers) -> (dx, grads)`` on depths 1 to 4 against "
                   "helpers.layers and central differences of Σ dout ⊙ out. Call it on "
                   "``helpers.layers.on_arrays(model_backward, 'model_backward')``."))


# --------------------------------------------------------------------------- L2 regularization

register(Check("l2_cost", l2_cases, l2_cost_reference, outputs=("cost",), guarded=(LY.l2_cost,),
               hint=L2_COST_HINT,
               doc="Check ``l2_cost(layers, lam, m) -> float``, λ/(2m) Σ‖W‖² over the affine layers, against "
                   "helpers.layers. Call it on ``helpers.layers.on_arrays(l2_cost, 'l2_cost')``."))
register(Check("l2_grads", l2_cases, reference=None, outputs=("grads",), guarded=(LY.l2_grads, LY.l2_cost),
               verify=verify_l2_grads, hint=L2_GRADS_HINT,
               doc="Check ``l2_grads(layers, lam, m) -> grads`` ((λ/m) W for every affine layer, zeros for b) "
                   "against helpers.layers and central differences of l2_cost. Call it on "
                   "``helpers.layers.on_arrays(l2_grads, 'l2_grads')``."))


# --------------------------------------------------------------------------- input normalization

register(Check("normalize_with_train_statistics", normalize_cases, reference=None,
               outputs=("train_norm", "dev_norm", "test_norm"), function="normalize_splits",
               guarded=(I.input_statistics, I.normalize_inputs), verify=verify_normalize, hint=NORMALIZE_HINT,
               forbidden=STANDARDIZATION,
               doc="Check ``normalize_splits(X_train, X_dev, X_test) -> (train_norm, dev_norm, test_norm)`` on "
                   "cases where the dev and test sets' own statistics give different answers than the "
                   "training set's."))


# --------------------------------------------------------------------------- initialization

register(Check("init_variances", init_cases, reference=None, outputs=("W",), function="init_weights",
               guarded=(I.init_weights, I.init_std), verify=verify_init, hint=INIT_HINT,
               doc="Check ``init_weights(n_in, n_out, method, rng) -> W``: the shape (n_in, n_out) for every "
                   "method, all zeros for 'zeros', and mean 0 and the method's variance (within 5 %) on "
                   "60 000 weights for 'large', 'lecun', 'xavier' and 'he'."))


# --------------------------------------------------------------------------- early stopping

register(Check("early_stopping", early_cases, reference=None, outputs=("best_epoch", "best_weights"),
               guarded=(TR.early_stopping,), verify=verify_early, hint=EARLY_HINT,
               doc="Check ``early_stopping(dev_errors, snapshots, patience) -> (best_epoch, best_weights)``: the "
                   "epoch (0-based) with the lowest dev error before patience runs out, and its snapshot."))


# --------------------------------------------------------------------------- the regularization study

register(Check("lambda_beats_no_regularization", study_cases, reference=None,
               outputs=("best_lambda", "train_errors", "dev_errors"), function="choose_lambda",
               guarded=(TR.choose_lambda, TR.study_errors, TR.train_network), verify=verify_study,
               hint=STUDY_HINT,
               doc=f"Run ``choose_lambda(X_train, y_train, X_dev, y_dev, lambdas, seed) -> (best_lambda, "
                   f"train_errors, dev_errors)`` on noisy moons for three seeds. Passes when best_lambda is the "
                   f"λ with the lowest of the returned dev errors and, retrained by helpers.training, beats λ = 0 "
                   f"on the dev set by at least {STUDY_MARGIN:g} percentage points (on the rare data set where "
                   f"no λ of the grid gains {2 * STUDY_MARGIN:g}, by half of what the best one gains)."))
