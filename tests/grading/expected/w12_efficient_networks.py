"""Expected autograded scores of week 12's samples, per problem, reasoned from each sample's code.

- reference: the solutions, full marks (34).
- blank: every function raises NotImplementedError, so every test cell errors: 0. (test_distillation calls
  train_students, which calls the blank distillation_loss inside helpers.compress.train; test_norms_over_axes calls
  batch_norm, released as raise NotImplementedError like normalize; test_batch_of_one calls the released
  batch_of_one_answers, which raises too.)
- partial: the residual block's cell, the quantization cell and distillation_loss are left as released.
  residual_block and residual_block_backward raise NotImplementedError: test_residual_block 0,
  test_residual_block_backward 0. quantize and dequantize raise: test_quantize 0, test_dequantize 0.
  distillation_loss raises: test_distillation_loss 0, and test_distillation, whose train_students trains the
  distilled student with it: 0. Everything else is the reference: the convolutions 2 + 3 + 2 + 2, the causal
  convolution 2 + 3 + 1, the dense block 1, normalization 2 + 1 + 1, pruning 2 + 1. Total 23.
- peeks_future: causal_conv1d pads (K − 1)·dilation zeros on the RIGHT. In the visible test (x = 1…5, w = [10, 1],
  dilation 2) it returns 10·x_t + x_{t+2} = [13, 24, 35, 40, 50], not [1, 2, 13, 24, 35]: test_causal_conv1d 0.
  causal_conv1d_backward is the reference, but its visible test compares it with central differences of the
  sample's forward, whose gradient is that of the right-padded convolution: dx differs, test_causal_conv1d_backward
  0. test_receptive_field runs the reference backward only (an impulse through four layers): full. Everything
  else is the reference: 34 − 2 − 3 = 29.
- layer_over_batch: layer_norm normalizes over (0, 1, 2, 3) instead of (1, 2, 3); normalize, batch_norm and
  instance_norm are the reference. The visible test of test_norms_over_axes compares layer_norm (γ = 1, β = 0) on
  x (4, 3, 5, 5) with helpers.transformer.layer_norm of each example's 75 values: the sample subtracts the mean of
  all 300 values and divides by their spread, which differs from each example's own (random normal values, so the
  four examples' means and variances are not all equal): assert_close fails, test_norms_over_axes 0 (its batch_norm
  check never runs). test_normalize tests normalize alone: full. test_batch_of_one returns the reference answers:
  full. Everything else is the reference: 34 − 1 = 33.
"""

FULL = {
    "test_depthwise_conv2d": 2,
    "test_depthwise_conv2d_backward": 3,
    "test_pointwise_conv2d": 2,
    "test_conv_costs": 2,
    "test_causal_conv1d": 2,
    "test_causal_conv1d_backward": 3,
    "test_receptive_field": 1,
    "test_residual_block": 1,
    "test_residual_block_backward": 2,
    "test_dense_block_channels": 1,
    "test_normalize": 2,
    "test_norms_over_axes": 1,
    "test_batch_of_one": 1,
    "test_magnitude_prune": 2,
    "test_magnitude_prune_global": 1,
    "test_quantize": 2,
    "test_dequantize": 1,
    "test_distillation_loss": 3,
    "test_distillation": 2,
}

EXPECTED = {
    "reference": FULL,
    "blank": {k: 0 for k in FULL},
    "partial": {
        **FULL,
        "test_residual_block": 0,
        "test_residual_block_backward": 0,
        "test_quantize": 0,
        "test_dequantize": 0,
        "test_distillation_loss": 0,
        "test_distillation": 0,
    },
    "peeks_future": {**FULL, "test_causal_conv1d": 0, "test_causal_conv1d_backward": 0},
    "layer_over_batch": {**FULL, "test_norms_over_axes": 0},
}
