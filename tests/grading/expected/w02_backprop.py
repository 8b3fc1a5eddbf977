"""Expected autograded scores of week 2's samples, per problem, reasoned from each sample's code.

- reference: the solutions, full marks (16).
- blank: every function raises NotImplementedError, so every test cell errors: 0. (The
  activation cells call `forward`, `grad_W` and `grad_b`, which raise too.)
- partial (the reference except four cells):
  - graph_answers swaps the multiply node's gradients (df_dz = df_dr·z = −0.0983 instead of
    df_dr·q = 0.3932): the visible test checks only q and r (passes), the hidden check fails at
    index 4: 0 of 2.
  - cost returns the mean over the batch: the visible case (N = 3) gives 0.8817 instead of
    2.6452: 0 of 1.
  - grad_V returns (Y − T).T @ Z, shape (2, 3) instead of (3, 2) on the visible case: 0 of 1.
  - grad_c sums over axis 1, shape (3,) instead of (2,) on the visible case: 0 of 1.
  - gradient_descent 1, forward 2, hidden_delta 2, grad_W 2, grad_b 1, the tanh/relu forward 1
    and the tanh/relu gradients 2 are the reference: 11. The wrong dJ/dV and dJ/dc do not touch
    the δ, dJ/dW and dJ/db cells. Total 11.
- wrong_sign: grad_W uses T − Y: the visible sigmoid case fails (−0.1728 expected at (0, 0),
  0.1728 got): test_grad_W 0 of 2; the activation cell asserts grad_W with tanh before
  anything else and fails too: test_grad_activations 0 of 2. Its own grad_W does not use
  hidden_delta, which is the reference (2 of 2). Everything else is the reference: 16 − 4 = 12.
"""

FULL = {
    "test_gradient_descent": 1,
    "test_graph_answers": 2,
    "test_forward": 2,
    "test_cost": 1,
    "test_grad_V": 1,
    "test_grad_c": 1,
    "test_hidden_delta": 2,
    "test_grad_W": 2,
    "test_grad_b": 1,
    "test_forward_activations": 1,
    "test_grad_activations": 2,
}

EXPECTED = {
    "reference": FULL,
    "blank": {k: 0 for k in FULL},
    "partial": {**FULL, "test_graph_answers": 0, "test_cost": 0, "test_grad_V": 0, "test_grad_c": 0},
    "wrong_sign": {**FULL, "test_grad_W": 0, "test_grad_activations": 0},
}
