"""Expected autograded scores of week 7's samples, per problem, reasoned from each sample's code.

- reference: the solutions, full marks (19); its train_mlp counts t over the whole run and decays the
  rate once per epoch, so check_train_mlp_schedule passes beside check_adam_trains_digits.
- blank: every function raises NotImplementedError (ravine_saddle_answers too), so every test cell errors: 0.
- partial:
  minibatches, rmsprop_update and adam_update are the reference (eps outside the root, so the
  adam_update case with gradients near √eps passes as well): 2 + 2 + 2 = 6.
  ewa keeps the recursion right and only counts t from 0 in the correction. test_ewa calls it with
  bias_correction=False only (visible [5, 12.5, 21.25], and check_ewa's cases), so it passes: 1.
  test_ewa_bias_corrected: the first corrected value is v_1 / (1 − 0.5⁰) = 5 / 0 = inf, expected 10: 0.
  momentum_update uses the other form (v = βv − lr·g, param + v) with the same lr: in the visible test
  (lr = 0.5, β = 0.9) its first v is −lr·g = [−0.25, 1.0], expected (1 − β)g = [0.05, −0.2]: 0.
  adagrad_update adds g instead of g²: after [0.5, −2] and [1.5, 2] its G is [2, 0], expected [2.5, 8]: 0.
  lr_schedules: inverse_time_decay and exponential_decay are the reference (1 + 1); staircase_decay rounds
  epoch / 10 instead of flooring it, so epoch 9 gives 0.2 · 0.5^round(0.9) = 0.1, expected 0.2: 0.
  ravine_saddle_answers gives 2 for item 1 (2/λ_min instead of 2/λ_max = 0.1); the test cell's visible
  part only counts six finite numbers, so the cell runs, and check_ravine_saddle_answers fails on item 1: 0.
  train_mlp is not attempted (NotImplementedError): 0.
  Total 6 + 1 + 2 = 9.
"""

FULL = {
    "test_minibatches": 2,
    "test_ewa": 1,
    "test_ewa_bias_corrected": 1,
    "test_momentum_update": 2,
    "test_rmsprop_update": 2,
    "test_adam_update": 2,
    "test_adagrad_update": 1,
    "test_inverse_time_decay": 1,
    "test_exponential_decay": 1,
    "test_staircase_decay": 1,
    "test_ravine_saddle_answers": 2,
    "test_train_mlp": 3,
}

EXPECTED = {
    "reference": FULL,
    "blank": {k: 0 for k in FULL},
    "partial": {
        **FULL,
        "test_ewa_bias_corrected": 0,
        "test_momentum_update": 0,
        "test_adagrad_update": 0,
        "test_staircase_decay": 0,
        "test_ravine_saddle_answers": 0,
        "test_train_mlp": 0,
    },
}
