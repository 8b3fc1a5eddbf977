"""Sample submissions for week 12 beyond `reference` and `blank` (see course/authoring/make_samples.py).

Each maps grade_id -> the whole cell as the "student" wrote it (None: left as released).
Expected scores, reasoned per problem, are in tests/grading/expected/w12_efficient_networks.py.
"""

SAMPLES = {
    # The convolutions and skip connections' dense block done; the residual block, quantization and distillation
    # not attempted.
    "partial": {
        "residual_block": None,
        "quantization": None,
        "distillation_loss": None,
    },
    # The typical mistake of the week: the causal convolution padded on the right, so it reads later inputs.
    "peeks_future": {
        "causal_conv1d": '''def causal_conv1d(x, w, b, dilation=1):
    """out (N, F, T), padded like a 'valid' convolution extended to length T."""
    K, T = w.shape[2], x.shape[2]
    xp = np.pad(x, ((0, 0), (0, 0), (0, (K - 1) * dilation)))
    out = np.zeros((x.shape[0], w.shape[0], T)) + b[None, :, None]
    for k in range(K):
        out += np.einsum("fc,nct->nft", w[:, :, k], xp[:, :, k * dilation : k * dilation + T])
    return out
''',
    },
    # The typical mistake of normalization: layer norm taken over the batch axis too, so an example's output depends
    # on the other examples (and a batch of one is fine only by accident).
    "layer_over_batch": {
        "norms_over_axes": '''def batch_norm(x, gamma, beta, eps=1e-5):
    """Each channel over the batch and the pixels."""
    return normalize(x, gamma, beta, (0, 2, 3), eps)


def layer_norm(x, gamma, beta, eps=1e-5):
    """Every value of the layer together."""
    return normalize(x, gamma, beta, (0, 1, 2, 3), eps)


def instance_norm(x, gamma, beta, eps=1e-5):
    """Each channel of each example over its pixels."""
    return normalize(x, gamma, beta, (2, 3), eps)
''',
    },
}
