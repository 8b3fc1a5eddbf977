"""Sample submissions for week 1 beyond `reference` and `blank` (see course/make_samples.py).

Each maps grade_id -> the whole cell as the "student" wrote it (None: left as released).
Expected scores, reasoned per problem, are in tests/grading/expected_scores.py.
"""

SAMPLES = {
    # Some functions right, some subtly wrong.
    "partial": {
        # wrong sign: 1 + tanh², right only at z = 0
        "tanh_grad": '''def tanh_grad(z):
    """Derivative of tanh at z, element-wise."""
    return 1.0 + np.tanh(z) ** 2
''',
        # the naive softmax: correct for small logits, nan for logits near 1000
        "softmax": '''def softmax(z):
    """Row-wise softmax of logits z, shape (N, K) or (K,); returns the same shape."""
    e = np.exp(z)
    return e / np.sum(e, axis=-1, keepdims=True)
''',
        # log of the (naive) softmax: right on the visible example, -inf/nan for large logits
        "softmax_cross_entropy": '''def softmax_cross_entropy(z, y):
    """Return (loss, dz) for logits z (N, K) and labels y ((N,) integers or (N, K) one-hot)."""
    n, k = z.shape
    y = np.asarray(y)
    one_hot = np.eye(k)[y] if y.ndim == 1 else y
    p = softmax(z)
    return -np.sum(one_hot * np.log(p)) / n, (p - one_hot) / n
''',
        # the textbook formula taken literally: log(σ(−1000)) = −inf, times y = 0 gives nan
        "output_layers": '''def binary_cross_entropy(z, y):
    """Sigmoid output + binary cross-entropy, mean over the batch. z (N,), y (N,) -> (loss, dz (N,))."""
    y_hat = 1 / (1 + np.exp(-z))
    loss = -np.mean(y * np.log(y_hat) + (1 - y) * np.log(1 - y_hat))
    return loss, (y_hat - y) / len(z)


def mse(y_hat, y):
    """Identity output + mean squared error. y_hat, y (N, D) -> (loss, dy_hat (N, D))."""
    return 0.5 * np.sum((y_hat - y) ** 2) / len(y), (y_hat - y) / len(y)
''',
        # not attempted
        "train_softmax_regression": None,
    },
    # A syntax error in one cell; everything else is the reference.
    "broken": {
        "relu": '''def relu(z):
    """Rectified linear unit max(0, z), element-wise."""
    return np.maximum(z, 0.0

def relu_grad(z):
    return (z > 0).astype(float)
''',
    },
}
