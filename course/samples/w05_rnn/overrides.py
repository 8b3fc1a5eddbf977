"""Sample submissions for week 5 beyond `reference` and `blank` (see course/make_samples.py).

Each maps grade_id -> the whole cell as the "student" wrote it (None: left as released).
Expected scores, reasoned per problem, are in tests/grading/expected/w05_rnn.py.
"""

SAMPLES = {
    # BPTT with the two classic bugs, and the LSTM backward not attempted.
    "partial": {
        # forgets the recurrent term delta_{t+1} W^T: every step only sees its own output
        "rnn_deltas": '''def activation_grad(z, activation):
    """f'(u) written with z = f(u): 1 - z² (tanh), z (1 - z) (sigmoid), [z > 0] (relu)."""
    if activation == "tanh":
        return 1.0 - z * z
    if activation == "sigmoid":
        return z * (1.0 - z)
    return (z > 0).astype(float)


def rnn_deltas(dh, z, W, activation="tanh"):
    """delta_t = dE/du_t (N, T, H)."""
    return dh * activation_grad(z, activation)
''',
        # dW pairs delta_t with z_t instead of the previous state z_{t-1} (and never uses h0)
        "rnn_param_grads": '''def rnn_param_grads(delta, x, z, h0):
    """(dW_in (D, H), dW (H, H), db (H,))."""
    dW_in = np.einsum("ntd,nth->dh", x, delta)
    dW = np.einsum("nti,ntj->ij", z, delta)
    db = delta.sum(axis=(0, 1))
    return dW_in, dW, db
''',
        # not attempted
        "lstm_step_backward": None,
    },
}
