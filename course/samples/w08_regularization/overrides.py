"""Sample submissions for week 8 beyond `reference` and `blank` (see course/make_samples.py).

Each maps grade_id -> the whole cell as the "student" wrote it (None: left as released).
Expected scores, reasoned per problem, are in tests/grading/expected/w08_regularization.py.
"""

SAMPLES = {
    # Five classic mistakes, each in a cell that nothing graded downstream depends on; the study and the gradient
    # check not attempted.
    "partial": {
        # the L2 cost forgets the 1/2 (its gradient is right)
        "l2": '''def l2_cost(layers, lam, m):
    """lam / (2 m) * sum over the affine layers of sum(W ** 2)."""
    return lam / m * sum(np.sum(layer["W"] ** 2) for layer in layers if layer["kind"] == "affine")


def l2_grads(layers, lam, m):
    """Gradient of l2_cost in the format of model_backward's grads."""
    return [{"W": lam / m * layer["W"], "b": np.zeros_like(layer["b"])} if layer["kind"] == "affine" else {}
            for layer in layers]
''',
        # every set normalized with its own mean and spread
        "normalize": '''def normalize_splits(X_train, X_dev, X_test):
    """(X_train, X_dev, X_test), each normalized."""
    result = []
    for X in (X_train, X_dev, X_test):
        sigma = X.std(axis=0)
        result.append((X - X.mean(axis=0)) / np.where(sigma > 0, sigma, 1.0))
    return tuple(result)
''',
        # "xavier" as LeCun's 1/sqrt(n_in), the name week 5's code uses
        "init_weights": '''def init_weights(n_in, n_out, method, rng=None):
    """W (n_in, n_out) drawn N(0, s^2)."""
    rng = np.random.default_rng(rng)
    std = {"zeros": 0.0, "large": 10.0, "lecun": 1 / np.sqrt(n_in), "xavier": 1 / np.sqrt(n_in),
           "he": np.sqrt(2.0 / n_in)}[method]
    return rng.normal(0.0, std, size=(n_in, n_out))
''',
        # the lowest dev error of the whole run, patience ignored
        "early_stopping": '''def early_stopping(dev_errors, snapshots, patience):
    """(best_epoch, its snapshot)."""
    best = int(np.argmin(dev_errors))
    return best, snapshots[best]
''',
        # not attempted
        "choose_lambda": None,
        # shifts by np.roll: what leaves one edge comes back at the other instead of a zero fill
        "augment": '''def augment_with_shifts(images, labels):
    """The batch and its one-pixel shifts up, down, left, right."""
    moves = [(-1, 0), (1, 0), (0, -1), (0, 1)]
    shifted = [np.roll(images, move, axis=(1, 2)) for move in moves]
    return np.concatenate([images] + shifted), np.tile(labels, 5)
''',
        # not attempted
        "gradient_check": None,
    },
}
