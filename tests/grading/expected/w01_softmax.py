"""Expected autograded scores of week 1's samples, per problem, reasoned from each sample's code.

- reference: the solutions, full marks.
- blank: every function raises NotImplementedError, so every test cell errors: 0.
- partial: sigmoid and relu right (1 + 1); tanh_grad has the wrong sign (visible test
  fails at z = 1): 0; naive softmax gives nan at logits near 1000 (in the visible test): 0;
  cross_entropy right: 2; softmax_cross_entropy takes log of the naive softmax, nan for
  large logits (hidden cases): 0; binary_cross_entropy takes log(σ(z)) literally, so the
  visible example's logit −1000 gives 0 · log(0) = nan: test_output_layers 0 (its mse is
  right, but one test cell grades both); training not attempted: 0. Total 4.
- broken: the relu cell has a syntax error, so relu is undefined: test_relu 0; the
  other cells are the reference: 12.
"""

FULL = {
    "test_sigmoid": 1,
    "test_relu": 1,
    "test_tanh_grad": 1,
    "test_softmax": 2,
    "test_cross_entropy": 2,
    "test_softmax_cross_entropy": 2,
    "test_output_layers": 2,
    "test_train_softmax_regression": 2,
}

EXPECTED = {
    "reference": FULL,
    "blank": {k: 0 for k in FULL},
    "partial": {**{k: 0 for k in FULL}, "test_sigmoid": 1, "test_relu": 1, "test_cross_entropy": 2},
    "broken": {**FULL, "test_relu": 0},
}
