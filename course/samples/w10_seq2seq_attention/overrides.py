"""Sample submissions for week 10 beyond `reference` and `blank` (see course/make_samples.py).

Each maps grade_id -> the whole cell as the "student" wrote it (None: left as released).
Expected scores, reasoned per problem, are in tests/grading/expected/w10_seq2seq_attention.py.
"""

SAMPLES = {
    # The backward direction reversed over the whole padded array, and the sequence loss not attempted.
    "partial": {
        "birnn_forward": '''def reverse_index(mask):
    """rev (N, T): rev[n, t] = L_n − 1 − t for t < L_n, t otherwise."""
    lengths = mask.sum(axis=1).astype(int)[:, None]
    steps = np.arange(mask.shape[1])[None, :]
    return np.where(steps < lengths, lengths - 1 - steps, steps)


def birnn_forward(x, mask, Wf_in, Wf, bf, Wb_in, Wb, bb):
    """h (N, T, 2H) = [f, g]."""
    n, H = x.shape[0], Wf.shape[0]
    zeros, keep = np.zeros((n, H)), mask[..., None]
    f = helpers.rnn.rnn_forward(x, zeros, Wf_in, Wf, bf)
    g = helpers.rnn.rnn_forward(x[:, ::-1], zeros, Wb_in, Wb, bb)[:, ::-1]
    return np.concatenate([f * keep, g * keep], axis=2)
''',
        "sequence_loss": None,
    },
    # The typical mistake of the week: the attention softmax over the queries (axis 1), not the inputs.
    "wrong_axis": {
        "attention": '''def attention(q, K, V, mask):
    """(context, weights)."""
    scores = q @ K.transpose(0, 2, 1) / np.sqrt(q.shape[2])
    scores = np.where(mask[:, None, :] > 0, scores, -np.inf)
    e = np.exp(scores - scores.max(axis=1, keepdims=True))
    weights = e / e.sum(axis=1, keepdims=True)
    return weights @ V, weights
''',
    },
}
