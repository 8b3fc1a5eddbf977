"""Expected autograded scores of week 9's samples, per problem, reasoned from each sample's code.

- reference: the solutions, full marks (13).
- blank: every function raises NotImplementedError, so every test cell errors: 0.
- partial:
  batchnorm_forward updates the running averages with the weights swapped,
  (1 − m)·running + m·batch. Its visible training test (momentum 0.9, starting from zeros and ones)
  expects running_mean [0.4, 0.2] and gets 0.9·[4, 2] = [3.6, 1.8]: test_batchnorm_forward_train 0.
  Inference mode uses the running averages it is given and returns them unchanged, as the reference
  does: test_batchnorm_forward_inference 1. It checks gamma.shape and beta.shape against (D,) and
  names both in its ValueError, so every bad shape of the check raises a message containing the
  argument's name, and correct shapes pass: test_batchnorm_bad_shapes 1.
  batchnorm_backward is the reference: test_batchnorm_backward 2.
  train is not attempted (NotImplementedError in its visible test): test_train 0.
  sample_hyperparameters draws the learning rates uniformly in [1e-4, 1]: about 0.1%, 0.9%, 9% and 90%
  of 4000 samples per decade, against the visible test's 25% ± 4: test_learning_rates 0. Its
  momentum weights are right (1 − 10^U(−3, −1), drawn after the learning rates from the same generator, independent of
  them), and that generator is default_rng(seed), so the same seed gives the same samples and
  check_samples_reproducible passes: test_momenta 1.
  random_search keeps the configuration with the lowest score, so its visible test's best_score is the
  minimum of the 50 scores, not the maximum: test_random_search 0.
  Total 1 + 1 + 2 + 1 = 5.
"""

FULL = {
    "test_batchnorm_forward_train": 2,
    "test_batchnorm_forward_inference": 1,
    "test_batchnorm_bad_shapes": 1,
    "test_batchnorm_backward": 2,
    "test_train": 3,
    "test_learning_rates": 1,
    "test_momenta": 1,
    "test_random_search": 2,
}

EXPECTED = {
    "reference": FULL,
    "blank": {k: 0 for k in FULL},
    "partial": {
        **FULL,
        "test_batchnorm_forward_train": 0,
        "test_train": 0,
        "test_learning_rates": 0,
        "test_random_search": 0,
    },
}
