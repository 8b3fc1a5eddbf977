"""Honest variants of week 1 (w01_softmax); see the package docstring for the kinds."""

from __future__ import annotations

from .base import ATTACK_WORDS, Honest, debug_prints, edit_test, exploration, insert_after, replace

W01_SCIPY = {
    "sigmoid": """
        from scipy.special import expit


        def sigmoid(z):
            \"\"\"Logistic sigmoid, with scipy's numerically careful expit.\"\"\"
            return expit(z)


        def sigmoid_grad(z):
            s = expit(z)
            return s - s * s
    """,
    "softmax": """
        import scipy.special


        def softmax(z):
            \"\"\"Row-wise softmax over the last axis, through scipy's log-sum-exp.\"\"\"
            return np.exp(z - scipy.special.logsumexp(z, axis=-1, keepdims=True))
    """,
    "softmax_cross_entropy": """
        from scipy.special import logsumexp


        def softmax_cross_entropy(z, y):
            n, k = z.shape
            y = np.asarray(y)
            one_hot = np.eye(k)[y] if y.ndim == 1 else y.astype(float)
            log_p = z - logsumexp(z, axis=1, keepdims=True)
            return -np.sum(one_hot * log_p) / n, (np.exp(log_p) - one_hot) / n
    """,
}

W01_WHERE = {
    "sigmoid": """
        def sigmoid(z):
            \"\"\"Stable on both sides: exp of a non-positive number only.\"\"\"
            z = np.asarray(z, dtype=float)
            e = np.exp(-np.abs(z))
            return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


        def sigmoid_grad(z):
            e = np.exp(-np.abs(np.asarray(z, dtype=float)))
            return e / (1.0 + e) ** 2
    """,
    "relu": """
        def relu(z):
            return np.where(z > 0, z, 0.0)


        def relu_grad(z):
            return np.where(z > 0, 1.0, 0.0)
    """,
    "tanh_grad": """
        def tanh_grad(z):
            \"\"\"sech(z)² = 4 e^(-2|z|) / (1 + e^(-2|z|))², which never overflows.\"\"\"
            e = np.exp(-2.0 * np.abs(z))
            return 4.0 * e / (1.0 + e) ** 2
    """,
}

W01_LOOPS = {
    "relu": """
        def relu(z):
            out = np.array(z, dtype=float)          # a copy: the input stays as it was
            flat = out.reshape(-1)
            for i in range(flat.size):
                if flat[i] < 0:
                    flat[i] = 0.0
            return out


        def relu_grad(z):
            z = np.asarray(z, dtype=float)
            out = np.zeros(z.shape)
            flat, values = out.reshape(-1), z.reshape(-1)
            for i in range(values.size):
                flat[i] = 1.0 if values[i] > 0 else 0.0
            return out
    """,
    "softmax": """
        def softmax(z):
            z = np.asarray(z, dtype=float)
            rows = z.reshape(-1, z.shape[-1])
            out = np.empty_like(rows)
            for i, row in enumerate(rows):
                e = np.exp(row - row.max())
                out[i] = e / e.sum()
            return out.reshape(z.shape)
    """,
    "cross_entropy": """
        def cross_entropy(y_hat, y):
            y_hat, y = np.asarray(y_hat, dtype=float), np.asarray(y)
            total = 0.0
            for n in range(y_hat.shape[0]):
                label = int(y[n]) if y.ndim == 1 else int(np.argmax(y[n]))
                total -= np.log(y_hat[n, label])
            return total / y_hat.shape[0]
    """,
}

W01_EINSUM = {
    "cross_entropy": """
        def cross_entropy(y_hat, y):
            y_hat, y = np.asarray(y_hat, dtype=float), np.asarray(y)
            if y.ndim == 1:
                picked = np.take_along_axis(y_hat, y.astype(int)[:, None], axis=1)
                return float(-np.log(picked).mean())
            return float(-np.einsum("nk,nk->", y, np.log(y_hat)) / y_hat.shape[0])
    """,
    "softmax_cross_entropy": """
        def softmax_cross_entropy(z, y):
            n, k = z.shape
            y = np.asarray(y)
            one_hot = (y[:, None] == np.arange(k)).astype(float) if y.ndim == 1 else y.astype(float)
            m = z.max(axis=1, keepdims=True)
            log_p = (z - m) - np.log(np.exp(z - m).sum(axis=1, keepdims=True))
            loss = -np.einsum("nk,nk->", one_hot, log_p) / n
            return loss, (np.exp(log_p) - one_hot) / n
    """,
    "train_softmax_regression": """
        def train_softmax_regression(X, y, n_classes, lr=0.5, epochs=30, batch_size=32, seed=0):
            \"\"\"Mini-batch SGD with the gradient written out, zero initial weights.\"\"\"
            rng = np.random.default_rng(seed)
            n, d = X.shape
            W, b = np.zeros((d, n_classes)), np.zeros(n_classes)
            T = np.eye(n_classes)[y]
            losses = []
            for epoch in range(epochs):
                total = 0.0
                for batch in np.array_split(rng.permutation(n), int(np.ceil(n / batch_size))):
                    logits = X[batch] @ W + b
                    logits -= logits.max(axis=1, keepdims=True)
                    p = np.exp(logits)
                    p /= p.sum(axis=1, keepdims=True)
                    total -= np.sum(T[batch] * np.log(p + 1e-300))
                    g = (p - T[batch]) / len(batch)
                    W -= lr * np.einsum("nd,nk->dk", X[batch], g)
                    b -= lr * g.sum(axis=0)
                losses.append(total / n)
            return W, b, losses
    """,
}

W01_ORDER = {
    "sigmoid": """
        def sigmoid(z):
            \"\"\"1 / (1 + e^-z) written as exp(-log(1 + e^-z)).\"\"\"
            return np.exp(-np.logaddexp(0.0, -z))


        def sigmoid_grad(z):
            return np.exp(-np.logaddexp(0.0, -z) - np.logaddexp(0.0, z))
    """,
    "softmax": """
        def softmax(z):
            shifted = z - z.max(axis=-1, keepdims=True)
            return np.exp(shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True)))
    """,
    "tanh_grad": """
        def tanh_grad(z):
            t = np.tanh(z)
            return (1.0 - t) * (1.0 + t)
    """,
}

W01_HELPERS = """
    # my own helpers, used by the cells below
    def stable_shift(z):
        \"\"\"Subtract each row's maximum (keeps the shape broadcastable).\"\"\"
        return z - np.max(z, axis=-1, keepdims=True)


    def one_hot_of(y, k):
        y = np.asarray(y)
        return np.eye(k)[y] if y.ndim == 1 else y.astype(float)
"""

W01_WITH_HELPERS = {
    "softmax": """
        def softmax(z):
            e = np.exp(stable_shift(z))
            return e / e.sum(axis=-1, keepdims=True)
    """,
    "softmax_cross_entropy": """
        def softmax_cross_entropy(z, y):
            n, k = z.shape
            s = stable_shift(z)
            log_p = s - np.log(np.exp(s).sum(axis=1, keepdims=True))
            t = one_hot_of(y, k)
            return -(t * log_p).sum() / n, (np.exp(log_p) - t) / n
    """,
}


def variants() -> dict[str, Honest]:
    w = "w01_softmax"
    return {
        "w01_scipy_special": Honest(
            w,
            "sigmoid by scipy.special.expit, softmax and the loss by scipy.special."
            "logsumexp: the same values within rounding",
            [replace(k, v) for k, v in W01_SCIPY.items()],
        ),
        "w01_np_where": Honest(
            w,
            "np.where forms of sigmoid (stable on both sides), relu and relu_grad; tanh_grad as sech²",
            [replace(k, v) for k, v in W01_WHERE.items()],
        ),
        "w01_loops": Honest(
            w,
            "relu, relu_grad, softmax and cross_entropy with Python loops over elements/rows",
            [replace(k, v) for k, v in W01_LOOPS.items()],
        ),
        "w01_einsum": Honest(
            w,
            "take_along_axis and einsum for the losses; training with the gradient written out "
            "and zero initial weights still reaches >90%",
            [replace(k, v) for k, v in W01_EINSUM.items()],
        ),
        "w01_other_order": Honest(
            w,
            "the same functions with the floating-point operations in another order "
            "(log-space sigmoid, (1 - t)(1 + t))",
            [replace(k, v) for k, v in W01_ORDER.items()],
        ),
        "w01_own_helpers": Honest(
            w,
            "helper functions of the student's own in a new cell, used by softmax and the loss",
            [insert_after("tanh_grad", W01_HELPERS)] + [replace(k, v) for k, v in W01_WITH_HELPERS.items()],
        ),
        "w01_attack_words_and_debug": Honest(
            w,
            "ordinary variable names in an extra cell; debug prints in softmax "
            "and cross_entropy change no returned value",
            [
                insert_after(None, ATTACK_WORDS),
                debug_prints("softmax", "softmax"),
                debug_prints("cross_entropy", "cross_entropy"),
            ],
        ),
        "w01_exploration": Honest(
            w,
            "exploration cells only: timings, scipy and scikit-learn comparisons, plots",
            exploration(
                "%timeit softmax(np.random.default_rng(0).normal(size=(100, 10)))",
                "W, b, losses = train_softmax_regression(X_train, y_train, 10, epochs=5)",
                """
                                      from scipy.special import softmax as scipy_softmax
                                      from sklearn.linear_model import LogisticRegression

                                      z = np.random.default_rng(1).normal(size=(4, 3))
                                      print("same as scipy:", np.allclose(softmax(z), scipy_softmax(z, axis=1)))
                                      clf = LogisticRegression(max_iter=500).fit(X_train, y_train)
                                      print(f"scikit-learn test accuracy/ours: {clf.score(X_test, y_test):.3f}")
                                      """,
            ),
        ),
        "w01_edited_test_cell": Honest(
            w,
            "a question typed into a visible test cell as a comment; the grader restores the cell",
            [edit_test("test_softmax", lambda s: "# why does this fail for big z?\n" + s)],
        ),
    }
