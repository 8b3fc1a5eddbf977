"""Expected autograded scores of week 8's samples, per problem, reasoned from each sample's code.

- reference: the solutions, full marks (25).
- blank: every function raises NotImplementedError, so every test cell errors: 0.
- partial (course/samples/w08_regularization/overrides.py):
  affine_forward/backward, activation_forward/backward, dropout_forward/backward, model_forward/backward
  are the reference: 1 + 2 + 1 + 1 + 1 + 1 + 2 + 2 = 11.
  The "l2" cell: l2_cost forgets the 1/2, so the visible test (λ = 0.5, m = 10, Σ W² = 32) expects
  0.5 / 20 · 32 = 0.8 and gets 0.5 / 10 · 32 = 1.6: test_l2_cost 0. Its l2_grads is the reference
  ((λ/m) W, zeros for b, {} for the relu layer): test_l2_grads 1.
  normalize_splits normalizes each set with its own statistics: the visible dev set is one example
  [2, 400], whose own spread is 0 (so σ = 1) and own mean is itself, giving [0, 0] instead of [0, 2]:
  test_normalize 0.
  init_weights draws "xavier" with LeCun's 1/√n_in: for (800, 200) the visible test expects a standard
  deviation near √(2/1000) = 0.0447 and gets about 1/√800 = 0.0354 (ratio 0.79, outside 3 %):
  test_init_weights 0 (its shape, zeros and "he" lines pass first).
  early_stopping returns the arg-min of the whole curve: the visible curve's lowest error, 13.0, is at
  epoch 8, after training stopped at epoch 7 (patience 3 after the best, 14.0 at epoch 4): it returns 8,
  not 4: test_early_stopping 0.
  choose_lambda is not attempted (NotImplementedError): test_choose_lambda 0.
  augment_with_shifts shifts with np.roll: the visible test moves the 3×3 image 1..9 up and expects
  [[4, 5, 6], [7, 8, 9], [0, 0, 0]]; np.roll brings the top row back at the bottom, [[4, 5, 6], [7, 8, 9],
  [1, 2, 3]]: test_augment 0.
  gradient_check is not attempted (NotImplementedError): test_gradient_check 0. Its test cell calls only
  the student's gradient_check on gradients built with model_forward, model_backward and l2_grads (all
  reference here), so nothing else decides it.
  None of the broken functions is used by a graded cell of another problem (train uses l2_cost only for
  the recorded cost, never for a gradient; the augmentation demonstration and the check after training
  are ungraded cells). Total 11 + 1 = 12.
"""

FULL = {
    "test_affine_forward": 1,
    "test_affine_backward": 2,
    "test_activation_forward": 1,
    "test_activation_backward": 1,
    "test_dropout_forward": 1,
    "test_dropout_backward": 1,
    "test_model_forward": 2,
    "test_model_backward": 2,
    "test_l2_cost": 1,
    "test_l2_grads": 1,
    "test_early_stopping": 2,
    "test_normalize": 2,
    "test_init_weights": 2,
    "test_choose_lambda": 2,
    "test_augment": 2,
    "test_gradient_check": 2,
}

EXPECTED = {
    "reference": FULL,
    "blank": {k: 0 for k in FULL},
    "partial": {
        **FULL,
        "test_l2_cost": 0,
        "test_normalize": 0,
        "test_init_weights": 0,
        "test_early_stopping": 0,
        "test_choose_lambda": 0,
        "test_augment": 0,
        "test_gradient_check": 0,
    },
}
