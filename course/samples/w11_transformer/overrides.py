"""Sample submissions for week 11 beyond `reference` and `blank` (see course/authoring/make_samples.py).

Each maps grade_id -> the whole cell as the "student" wrote it (None: left as released).
Expected scores, reasoned per problem, are in tests/grading/expected/w11_transformer.py.
"""

SAMPLES = {
    # Repeated words overwritten in the skip-gram gradients, the parameter count multiplied by the number of
    # heads, and the multi-head backward not attempted.
    "partial": {
        "negative_sampling_loss": '''def negative_sampling_loss(V, U, centers, contexts, negatives):
    """(loss, dV, dU)."""
    B = len(centers)
    v = V[centers]
    pos = np.sum(U[contexts] * v, axis=1)
    neg = np.einsum("bkd,bd->bk", U[negatives], v)
    loss = (np.sum(np.logaddexp(0, -pos)) + np.sum(np.logaddexp(0, neg))) / B
    g_pos = (1 / (1 + np.exp(-pos)) - 1) / B
    g_neg = 1 / (1 + np.exp(-neg)) / B
    dV, dU = np.zeros_like(V), np.zeros_like(U)
    dV[centers] += g_pos[:, None] * U[contexts] + np.einsum("bk,bkd->bd", g_neg, U[negatives])
    dU[contexts] += g_pos[:, None] * v
    dU[negatives] += g_neg[:, :, None] * v[:, None, :]
    return loss, dV, dU
''',
        "block_parameter_count": '''def block_parameter_count(d_model, heads, d_ff):
    """Learned numbers in one pre-norm Transformer block (an int)."""
    D, F = d_model, d_ff
    per_head = 4 * D * D                     # Wq, Wk, Wv, Wo for every head
    return heads * per_head + (D * F + F + F * D + D) + 4 * D
''',
        "multi_head_attention_backward": None,
    },
    # The typical mistake of the week: layer norm over the batch axis (week 9's batch norm), forward and backward;
    # and the subsampling formula inverted.
    "norm_over_batch": {
        "keep_probability": '''def keep_probability(counts, t):
    """keep (W,)."""
    f = counts / counts.sum()
    return np.minimum(1.0, np.sqrt(f / t))
''',
        "layer_norm": '''def layer_norm(x, gamma, beta, eps=1e-5):
    """out like x (…, D)."""
    mu = x.mean(axis=0, keepdims=True)
    var = x.var(axis=0, keepdims=True)
    return gamma * (x - mu) / np.sqrt(var + eps) + beta
''',
        "layer_norm_backward": '''def layer_norm_backward(dout, x, gamma, beta, eps=1e-5):
    """(dx, dgamma, dbeta)."""
    mu = x.mean(axis=0, keepdims=True)
    s = np.sqrt(x.var(axis=0, keepdims=True) + eps)
    x_hat = (x - mu) / s
    g = dout * gamma
    dx = (g - g.mean(axis=0, keepdims=True) - x_hat * np.mean(g * x_hat, axis=0, keepdims=True)) / s
    D = x.shape[-1]
    return dx, (dout * x_hat).reshape(-1, D).sum(axis=0), dout.reshape(-1, D).sum(axis=0)
''',
    },
}
