"""Expected autograded scores of week 4's samples, per problem, reasoned from each sample's code.

- reference: the solutions, full marks (24).
- blank: every function raises NotImplementedError (drill_answers too), so every test cell
  errors (the training cell too, so `test_accuracy` is never defined): 0.
- partial (the reference except three cells):
  - conv_output_size returns (n + 2p − f) // s without the + 1: the first visible case,
    (6, 3) → 3 instead of 4, fails: 0 of 1.
  - drill_answers says 4 for question 1 (6×6, 3×3, p=1, s=2: floor(5/2) + 1 = 3): the visible
    test only checks six whole numbers (passes), the hidden check_drill fails at index 0: 0 of 2.
  - conv_backward returns the padded dx_pad: the visible test (pad 1) compares a (2, 3, 7, 7)
    dx with the (2, 3, 5, 5) numerical gradient and fails on the shape: 0 of 3.
  - zero_pad 1, conv_single_step 1, conv_forward 3 (it computes its sizes itself, not with
    conv_output_size), pooling forward 2, pooling backward 2, the one-loop convolution 2 + 2
    (its own sizes and padding, not conv_backward), the network 3 and its training 2 (built on
    the one-loop layers): all the reference: 18.
  Total 18.
"""

FULL = {
    "test_zero_pad": 1,
    "test_conv_output_size": 1,
    "test_drill": 2,
    "test_conv_single_step": 1,
    "test_conv_forward": 3,
    "test_pool_forward": 2,
    "test_conv_backward": 3,
    "test_pool_backward": 2,
    "test_conv_forward_fast": 2,
    "test_conv_backward_fast": 2,
    "test_cnn_loss_and_grads": 3,
    "test_cnn_training": 2,
}

EXPECTED = {
    "reference": FULL,
    "blank": {k: 0 for k in FULL},
    "partial": {**FULL, "test_conv_output_size": 0, "test_drill": 0, "test_conv_backward": 0},
}
