"""Honest variants of week 2 (w02_backprop); see the package docstring for the kinds."""

from __future__ import annotations

from .base import ATTACK_WORDS, Honest, debug_prints, exploration, insert_after, replace

W02_VECTOR = {
    "gradient_descent": """
        def gradient_descent(x0, lr, n_steps):
            \"\"\"Closed form: x_t + 1/2 = (x0 + 1/2) (1 - 2 lr)^t.\"\"\"
            t = np.arange(n_steps + 1)
            return -0.5 + (float(x0) + 0.5) * (1.0 - 2.0 * lr) ** t
    """,
    "forward": """
        def forward(X, W, b, V, c, activation="sigmoid"):
            a = np.einsum("nd,dm->nm", X, W) + b
            Z = {"sigmoid": lambda u: 0.5 * (1.0 + np.tanh(0.5 * u)),
                 "tanh": np.tanh,
                 "relu": lambda u: np.where(u > 0, u, 0.0)}[activation](a)
            logits = np.einsum("nm,mk->nk", Z, V) + c
            Y = np.exp(logits - logits.max(axis=1, keepdims=True))
            return Z, Y / Y.sum(axis=1, keepdims=True)
    """,
    "grad_V": """
        def grad_V(Z, Y, T):
            return np.einsum("nm,nk->mk", Z, Y - T)
    """,
    "grad_c": """
        def grad_c(Y, T):
            return np.einsum("nk->k", Y - T)
    """,
}

W02_SCIPY = {
    "forward": """
        from scipy.special import expit, softmax as scipy_softmax


        def forward(X, W, b, V, c, activation="sigmoid"):
            a = X @ W + b
            if activation == "sigmoid":
                Z = expit(a)
            elif activation == "tanh":
                Z = np.tanh(a)
            elif activation == "relu":
                Z = np.maximum(a, 0)
            else:
                raise ValueError(activation)
            return Z, scipy_softmax(Z @ V + c, axis=1)
    """,
    "cost": """
        from scipy.special import xlogy


        def cost(T, Y):
            return float(-xlogy(T, Y).sum())
    """,
}

W02_LOOPS = {
    "gradient_descent": """
        def gradient_descent(x0, lr, n_steps):
            xs = np.empty(n_steps + 1)
            xs[0] = x0
            for t in range(n_steps):
                grad = 2.0 * xs[t] + 1.0
                xs[t + 1] = xs[t] - lr * grad
            return xs
    """,
    "cost": """
        def cost(T, Y):
            total = 0.0
            for n in range(T.shape[0]):
                for k in range(T.shape[1]):
                    if T[n, k] != 0:
                        total -= T[n, k] * np.log(Y[n, k])
            return total
    """,
    "grad_V": """
        def grad_V(Z, Y, T):
            out = np.zeros((Z.shape[1], Y.shape[1]))
            for n in range(Z.shape[0]):
                out += np.outer(Z[n], Y[n] - T[n])
            return out
    """,
    "grad_W": """
        def grad_W(X, Z, Y, T, V, activation="sigmoid"):
            out = np.zeros((X.shape[1], Z.shape[1]))
            for n in range(X.shape[0]):
                back = (Y[n] - T[n]) @ V.T
                if activation == "sigmoid":
                    back = back * Z[n] * (1 - Z[n])
                elif activation == "tanh":
                    back = back * (1 - Z[n] ** 2)
                else:
                    back = back * (Z[n] > 0)
                out += np.outer(X[n], back)
            return out
    """,
}

W02_HELPERS = """
    # my helper: f'(a) written with Z = f(a), for the three activations
    DERIVATIVES = {"sigmoid": lambda Z: Z * (1.0 - Z), "tanh": lambda Z: 1.0 - Z ** 2,
                   "relu": lambda Z: (Z > 0).astype(float)}


    def backprop_to_hidden(Z, Y, T, V, activation):
        if activation not in DERIVATIVES:
            raise ValueError(f"unknown activation {activation!r}")
        return ((Y - T) @ V.T) * DERIVATIVES[activation](Z)
"""

W02_WITH_HELPERS = {
    "hidden_delta": """
        def hidden_delta(Z, Y, T, V, activation="sigmoid"):
            return backprop_to_hidden(Z, Y, T, V, activation)
    """,
    "grad_W": """
        def grad_W(X, Z, Y, T, V, activation="sigmoid"):
            return X.T @ backprop_to_hidden(Z, Y, T, V, activation)
    """,
    "grad_b": """
        def grad_b(Z, Y, T, V, activation="sigmoid"):
            return backprop_to_hidden(Z, Y, T, V, activation).sum(axis=0)
    """,
}

W02_GRAPH = {
    "graph_answers": """
        def graph_answers():
            \"\"\"The same graph, the sigmoid taken from np.tanh and each step named.\"\"\"
            x, y, z = -1.0, 3.0, -0.5
            q = x + y
            r = q * z
            f = 0.5 * (1.0 + np.tanh(0.5 * r))
            local = f - f * f
            return [q, r, f, local, local * q, local * z, local * z * 1.0, 1.0 * local * z]
    """,
}


def variants() -> dict[str, Honest]:
    w = "w02_backprop"
    return {
        "w02_vectorised_einsum": Honest(
            w,
            "gradient descent in closed form; forward and gradients with einsum; sigmoid as (1 + tanh(a/2))/2",
            [replace(k, v) for k, v in W02_VECTOR.items()],
        ),
        "w02_scipy_special": Honest(
            w,
            "expit, scipy's softmax and xlogy: the same values within rounding",
            [replace(k, v) for k, v in W02_SCIPY.items()],
        ),
        "w02_loops": Honest(
            w,
            "per-example loops with outer products for the gradients; a loop for the cost",
            [replace(k, v) for k, v in W02_LOOPS.items()],
        ),
        "w02_own_helpers": Honest(
            w,
            "the student's own helper cell between the given ones, used by three gradients",
            [insert_after("grad_c", W02_HELPERS)] + [replace(k, v) for k, v in W02_WITH_HELPERS.items()],
        ),
        "w02_other_order": Honest(
            w,
            "graph_answers with the sigmoid from tanh and products in another order",
            [replace(k, v) for k, v in W02_GRAPH.items()],
        ),
        "w02_attack_words_and_debug": Honest(
            w,
            "ordinary names in an extra cell; a debug print in forward",
            [insert_after(None, ATTACK_WORDS), debug_prints("forward", "forward")],
        ),
        "w02_exploration": Honest(
            w,
            "exploration: timings, scikit-learn's MLP on the moons, plots",
            exploration(
                "%timeit -n 20 forward(Xs, Ws, bs, Vs, cs)",
                "xs = gradient_descent(2.0, 0.3, 1000)\nprint(xs[-1])",
                """
                                              from sklearn.datasets import make_moons as moons
                                              from sklearn.neural_network import MLPClassifier
                                              import warnings
                                              X_m, y_m = moons(200, noise=0.2, random_state=0)
                                              with warnings.catch_warnings():
                                                  warnings.simplefilter("ignore")
                                                  mlp = MLPClassifier(hidden_layer_sizes=(10,), max_iter=300,
                                                                      random_state=0).fit(X_m, y_m)
                                              print(f"scikit-learn train accuracy: {mlp.score(X_m, y_m):.2f}")
                                              """,
            ),
        ),
    }
