"""Expected autograded scores of week 5's samples, per problem, reasoned from each sample's code.

- reference: the solutions, full marks (20).
- blank: every function raises NotImplementedError, so every test cell errors: 0.
- partial:
  rnn_forward, output_grads (dW_out, dc), clip_by_norm, lstm_step, gru_step and gru_step_backward are
  the reference: 2 + 1 + 1 + 1 + 2 + 2 + 2 = 11.
  rnn_deltas forgets δ_{t+1} Wᵀ: its visible test (T = 3, outputs at steps 1 and 3) expects
  δ_1 = [3.75, 3.0] and gets dh_1 ⊙ f' = [0.75, 0.0]: test_rnn_deltas 0.
  rnn_param_grads is graded per output: dW_in and db do not involve the previous state (1 + 1);
  dW uses z_t instead of z_{t−1} (the visible test expects [[1.05, −0.1], [−0.9, −0.2]], built from h0
  at t = 1): test_dW 0.
  rnn_backward is the reference, but it calls the sample's rnn_deltas, so dx, dh0, dW_in, dW, db differ
  from the numerical gradients in the visible test (T = 4): test_rnn_backward 0.
  lstm_step_backward is not attempted (NotImplementedError): 0.
  Total 11 + 2 = 13.
"""

FULL = {
    "test_rnn_forward": 2,
    "test_dW_out": 1,
    "test_dc": 1,
    "test_rnn_deltas": 2,
    "test_dW_in": 1,
    "test_dW": 1,
    "test_db": 1,
    "test_rnn_backward": 2,
    "test_clip_by_norm": 1,
    "test_lstm_step": 2,
    "test_lstm_step_backward": 2,
    "test_gru_step": 2,
    "test_gru_step_backward": 2,
}

EXPECTED = {
    "reference": FULL,
    "blank": {k: 0 for k in FULL},
    "partial": {**FULL, "test_rnn_deltas": 0, "test_dW": 0, "test_rnn_backward": 0, "test_lstm_step_backward": 0},
}
