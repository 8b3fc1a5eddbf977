"""A corpus of honest submissions of every week, each reasoned to full marks.

Each entry starts from the week's ``reference`` sample as course/make_samples.py builds it
(the release with every solution cell filled from the source), so the corpus follows the
weeks when they change, and changes it the way real students do:

- another correct implementation of a week's main functions (loops, vectorised, einsum,
  ``np.where``, sliding windows, scipy.special / scikit-learn, another order of the
  floating-point operations): the checks compare with tolerances, so these are right;
- ordinary names that happen to be attack words (``signal``, ``submitted``, ``harness``,
  ``source``, ``path``, ``exit_code``, ``globals_seen``) in an extra cell;
- exploration cells: scipy, scikit-learn, ``%timeit`` and ``%%time``, plots saved into a
  subfolder, prints with "/" in strings, a warning, IPython.display;
- debug prints inside graded functions, and the student's own helper functions in a new
  cell between the given ones;
- a visible test cell typed into (a comment, a print), and one deleted by accident: the
  grader restores test cells from the answer key, as nbgrader does, so they cost nothing.

None of this changes what the graded functions return, so every problem earns full marks.
The alternative implementations are also run in-process through the public checks named
in the source notebook's hidden tests (``check_in_process``), so a wrong variant is caught
before a grading run.
"""
from __future__ import annotations

import ast
import contextlib
import copy
import io
import textwrap
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import nbformat

REPO = Path(__file__).resolve().parents[2]
WEEKS = ["w01_softmax", "w02_backprop", "w03_edges", "w04_conv", "w05_rnn", "w06_error_analysis"]


def meta(cell) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {})


def cell(nb, grade_id):
    return next(c for c in nb.cells if meta(c).get("grade_id") == grade_id)


def code(text: str) -> str:
    return textwrap.dedent(text).strip("\n") + "\n"


# --------------------------------------------------------------------------- edits

@dataclass
class Honest:
    """One honest submission: the week's reference with ``edits`` applied, and why it earns full marks."""
    week: str
    why: str
    edits: list[Callable] = field(default_factory=list)

    def build(self, reference):
        nb = copy.deepcopy(reference)
        for edit in self.edits:
            edit(nb)
        return nb


def replace(grade_id: str, source: str):
    """The student wrote this solution cell another way."""
    def edit(nb):
        cell(nb, grade_id).source = code(source)
    return edit


def insert_after(anchor: str | None, source: str):
    """A new cell of the student's own after the cell ``anchor`` (a grade_id; None: the first code cell)."""
    def edit(nb):
        if anchor is None:
            index = next(i for i, c in enumerate(nb.cells) if c.cell_type == "code")
        else:
            index = nb.cells.index(cell(nb, anchor))
        nb.cells.insert(index + 1, nbformat.v4.new_code_cell(code(source)))
    return edit


def append(source: str):
    """A new cell of the student's own at the end of the notebook."""
    def edit(nb):
        nb.cells.append(nbformat.v4.new_code_cell(code(source)))
    return edit


def debug_prints(grade_id: str, function: str):
    """A print as the first statement of ``function`` in the solution cell ``grade_id``."""
    def edit(nb):
        target = cell(nb, grade_id)
        lines = target.source.splitlines()
        tree = ast.parse(target.source)
        fn = next(n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == function)
        first = fn.body[1] if ast.get_docstring(fn) and len(fn.body) > 1 else fn.body[0]
        indent = lines[first.lineno - 1][:first.col_offset]
        args = ", ".join(f"np.shape({a.arg})" for a in fn.args.args[:2])
        lines.insert(first.lineno - 1, f'{indent}print("[debug] {function}: shapes", {args or "()"})')
        target.source = "\n".join(lines) + "\n"
    return edit


def edit_test(grade_id: str, change: Callable[[str], str]):
    """The student typed into a visible test cell."""
    def edit(nb):
        target = cell(nb, grade_id)
        target.source = change(target.source)
    return edit


def delete(grade_id: str):
    """A cell deleted by accident."""
    def edit(nb):
        nb.cells.remove(cell(nb, grade_id))
    return edit


# --------------------------------------------------------------------------- cells shared by every week

ATTACK_WORDS = """
    # bookkeeping while exploring: ordinary names that happen to be words the grader cares about
    signal = np.sin(np.linspace(0, 2 * np.pi, 50))
    submitted = ["train", "dev", "test"]
    harness = {"runs": 3, "seed": 0}
    source = "scikit-learn digits"
    path = "plots/curve.png"
    exit_code = 0
    globals_seen = {}
    print(f"{source}: {len(submitted)} splits, signal peak {signal.max():.2f}, exit_code {exit_code}")
"""


def exploration(timeit_line: str, time_cell: str, extra: str = "") -> list[Callable]:
    """Cells a curious student adds at the end: timings, a saved plot, prints, a warning, a display."""
    return [
        append(timeit_line),
        append("%%time\n" + code(time_cell)),
        append("""
            import os
            import warnings
            from IPython.display import Markdown, display

            os.makedirs("plots", exist_ok=True)
            fig, ax = plt.subplots(figsize=(4, 3))
            ax.plot(np.linspace(0, 1, 20) ** 2, label="train/dev")
            ax.legend()
            fig.savefig("plots/exploration.png")
            plt.close(fig)
            print("/".join(["train", "dev", "test"]), "->", os.path.join("plots", "exploration.png"))
            warnings.warn("exploration only: this cell is not graded")
            display(Markdown("**splits:** train / dev / test"))
        """),
        *([append(extra)] if extra else []),
    ]


# --------------------------------------------------------------------------- week 1

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
            \"\"\"Row-wise softmax over the last axis, by scipy.\"\"\"
            return scipy.special.softmax(z, axis=-1)
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


def w01() -> dict[str, Honest]:
    w = "w01_softmax"
    return {
        "w01_scipy_special": Honest(w, "sigmoid by scipy.special.expit, softmax by scipy.special.softmax, the loss "
                                       "by logsumexp: the same values within rounding",
                                    [replace(k, v) for k, v in W01_SCIPY.items()]),
        "w01_np_where": Honest(w, "np.where forms of sigmoid (stable on both sides), relu and relu_grad; tanh_grad "
                                  "as sech²", [replace(k, v) for k, v in W01_WHERE.items()]),
        "w01_loops": Honest(w, "relu, relu_grad, softmax and cross_entropy with Python loops over elements/rows",
                            [replace(k, v) for k, v in W01_LOOPS.items()]),
        "w01_einsum": Honest(w, "take_along_axis and einsum for the losses; training with the gradient written out "
                                "and zero initial weights still reaches >90%",
                             [replace(k, v) for k, v in W01_EINSUM.items()]),
        "w01_other_order": Honest(w, "the same functions with the floating-point operations in another order "
                                     "(log-space sigmoid, (1 - t)(1 + t))",
                                  [replace(k, v) for k, v in W01_ORDER.items()]),
        "w01_own_helpers": Honest(w, "helper functions of the student's own in a new cell, used by softmax and the loss",
                                  [insert_after("tanh_grad", W01_HELPERS)]
                                  + [replace(k, v) for k, v in W01_WITH_HELPERS.items()]),
        "w01_attack_words_and_debug": Honest(w, "ordinary variable names in an extra cell; debug prints in softmax "
                                                "and cross_entropy change no returned value",
                                             [insert_after(None, ATTACK_WORDS), debug_prints("softmax", "softmax"),
                                              debug_prints("cross_entropy", "cross_entropy")]),
        "w01_exploration": Honest(w, "exploration cells only: timings, scipy and scikit-learn comparisons, plots",
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
                                      """)),
        "w01_edited_test_cell": Honest(w, "a question typed into a visible test cell as a comment; the grader "
                                          "restores the cell",
                                       [edit_test("test_softmax", lambda s: "# why does this fail for big z?\n" + s)]),
    }


# --------------------------------------------------------------------------- week 2

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


def w02() -> dict[str, Honest]:
    w = "w02_backprop"
    return {
        "w02_vectorised_einsum": Honest(w, "gradient descent in closed form; forward and gradients with einsum; "
                                           "sigmoid as (1 + tanh(a/2))/2", [replace(k, v) for k, v in W02_VECTOR.items()]),
        "w02_scipy_special": Honest(w, "expit, scipy's softmax and xlogy: the same values within rounding",
                                    [replace(k, v) for k, v in W02_SCIPY.items()]),
        "w02_loops": Honest(w, "per-example loops with outer products for the gradients; a loop for the cost",
                            [replace(k, v) for k, v in W02_LOOPS.items()]),
        "w02_own_helpers": Honest(w, "the student's own helper cell between the given ones, used by three gradients",
                                  [insert_after("grad_c", W02_HELPERS)]
                                  + [replace(k, v) for k, v in W02_WITH_HELPERS.items()]),
        "w02_other_order": Honest(w, "graph_answers with the sigmoid from tanh and products in another order",
                                  [replace(k, v) for k, v in W02_GRAPH.items()]),
        "w02_attack_words_and_debug": Honest(w, "ordinary names in an extra cell; a debug print in forward",
                                             [insert_after(None, ATTACK_WORDS), debug_prints("forward", "forward")]),
        "w02_exploration": Honest(w, "exploration: timings, scikit-learn's MLP on the moons, plots",
                                  exploration("%timeit -n 20 forward(Xs, Ws, bs, Vs, cs)",
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
                                              """)),
    }


# --------------------------------------------------------------------------- week 3

W03_SLIDING = {
    "correlate2d": """
        from numpy.lib.stride_tricks import sliding_window_view


        def correlate2d(x, k):
            \"\"\"All windows at once (a view, no copy), contracted with the kernel.\"\"\"
            windows = sliding_window_view(x, k.shape)          # (Ho, Wo, kh, kw)
            return np.einsum("ijpq,pq->ij", windows, k)
    """,
    "sobel_edges": """
        def sobel_edges(image):
            kx = np.array([[1.0, 0.0, -1.0], [2.0, 0.0, -2.0], [1.0, 0.0, -1.0]])
            gx, gy = correlate2d(image, kx), correlate2d(image, kx.T)
            return np.sqrt(gx ** 2 + gy ** 2), np.arctan2(gy, gx)
    """,
}

W03_LOOPS = {
    "correlate2d_loops": """
        def correlate2d_loops(x, k):
            \"\"\"Four loops: every output position, every kernel entry.\"\"\"
            H, W = x.shape
            kh, kw = k.shape
            out = np.zeros((H - kh + 1, W - kw + 1))
            for i in range(out.shape[0]):
                for j in range(out.shape[1]):
                    total = 0.0
                    for p in range(kh):
                        for q in range(kw):
                            total += x[i + p, j + q] * k[p, q]
                    out[i, j] = total
            return out
    """,
    "correlate2d": """
        def correlate2d(x, k):
            \"\"\"One shifted block of x per kernel entry, summed by a generator (still vectorized).\"\"\"
            kh, kw = k.shape
            Ho, Wo = x.shape[0] - kh + 1, x.shape[1] - kw + 1
            return sum((k[p, q] * x[p:p + Ho, q:q + Wo] for p in range(kh) for q in range(kw)),
                       np.zeros((Ho, Wo)))
    """,
}

W03_TENSORDOT = {
    "correlate2d": """
        def correlate2d(x, k):
            kh, kw = k.shape
            Ho, Wo = x.shape[0] - kh + 1, x.shape[1] - kw + 1
            stack = np.stack([x[p:p + Ho, q:q + Wo] for p in range(kh) for q in range(kw)])
            return np.tensordot(k.ravel(), stack, axes=1)
    """,
    "edge_predictions": """
        def predicted_bands():
            band = np.zeros((4, 4))
            band[:, 1:3] = 30.0
            return band, -band
    """,
    "sobel_edges": """
        def sobel_edges(image):
            smooth, diff = np.array([1.0, 2.0, 1.0]), np.array([1.0, 0.0, -1.0])
            gx = correlate2d_loops(image, np.outer(smooth, diff))
            gy = correlate2d_loops(image, np.outer(diff, smooth))
            return np.hypot(gx, gy), np.arctan2(gy, gx)
    """,
}

W03_SCIPY_CHECK = """
    # my own check against scipy (scipy's 'valid' correlate2d is what we implement)
    from scipy import signal

    x_check = np.random.default_rng(0).normal(size=(9, 7))
    k_check = np.array([[1.0, 2.0, 0.0], [0.0, -1.0, 3.0]])
    ours = correlate2d(x_check, k_check)
    theirs = signal.correlate2d(x_check, k_check, mode="valid")
    print("matches scipy.signal.correlate2d:", np.allclose(ours, theirs))
"""


def w03() -> dict[str, Honest]:
    w = "w03_edges"
    return {
        "w03_sliding_window": Honest(w, "sliding_window_view + einsum for correlate2d; Sobel magnitude by sqrt",
                                     [replace(k, v) for k, v in W03_SLIDING.items()]),
        "w03_loops": Honest(w, "four nested loops; correlate2d as a sum over a generator of shifted blocks",
                            [replace(k, v) for k, v in W03_LOOPS.items()]),
        "w03_tensordot": Honest(w, "a stack of shifted views contracted with tensordot; separable Sobel kernels; "
                                   "the predicted bands built by slicing", [replace(k, v) for k, v in W03_TENSORDOT.items()]),
        "w03_scipy_signal": Honest(w, "`from scipy import signal` to compare with signal.correlate2d (the week invites "
                                      "it), in a new cell after the exercise", [insert_after("correlate2d", W03_SCIPY_CHECK)]),
        "w03_attack_words_and_debug": Honest(w, "ordinary names (signal is an array here); a debug print in sobel_edges",
                                             [insert_after(None, ATTACK_WORDS), debug_prints("sobel_edges", "sobel_edges")]),
        "w03_exploration": Honest(w, "exploration: timings of the two correlations, scipy.ndimage, plots",
                                  exploration("%timeit correlate2d(np.ones((64, 64)), np.ones((3, 3)))",
                                              "slow = correlate2d_loops(np.ones((40, 40)), np.ones((3, 3)))",
                                              """
                                              from scipy import ndimage
                                              blurred = ndimage.gaussian_filter(np.eye(8), 1.0)
                                              print("blurred/max:", blurred.max().round(3))
                                              """)),
        "w03_test_cell_print": Honest(w, "a print typed into a visible test cell; the grader restores the cell",
                                      [edit_test("test_correlate2d", lambda s: s + '\nprint("my result:", '
                                                 'correlate2d(x, k))\n')]),
    }


# --------------------------------------------------------------------------- week 4

W04_VECTOR = {
    "zero_pad": """
        def zero_pad(x, pad):
            N, C, H, W = x.shape
            out = np.zeros((N, C, H + 2 * pad, W + 2 * pad), dtype=x.dtype)
            out[:, :, pad:pad + H, pad:pad + W] = x
            return out
    """,
    "conv_forward": """
        from numpy.lib.stride_tricks import sliding_window_view


        def conv_forward(x, w, b, stride=1, pad=0):
            \"\"\"Every window at once, strided, contracted with the filters.\"\"\"
            F, C, HH, WW = w.shape
            windows = sliding_window_view(zero_pad(x, pad), (HH, WW), axis=(2, 3))[:, :, ::stride, ::stride]
            return np.einsum("ncijhw,fchw->nfij", windows, w) + b[None, :, None, None]
    """,
    "conv_backward": """
        from numpy.lib.stride_tricks import sliding_window_view


        def conv_backward(dout, x, w, b, stride=1, pad=0):
            N, C, H, W = x.shape
            F, _, HH, WW = w.shape
            _, _, Ho, Wo = dout.shape
            x_pad = zero_pad(x, pad)
            windows = sliding_window_view(x_pad, (HH, WW), axis=(2, 3))[:, :, ::stride, ::stride][:, :, :Ho, :Wo]
            dw = np.einsum("nfij,ncijhw->fchw", dout, windows)
            dx_pad = np.zeros_like(x_pad)
            for p in range(HH):
                for q in range(WW):
                    dx_pad[:, :, p:p + stride * Ho:stride, q:q + stride * Wo:stride] += np.einsum(
                        "nfij,fc->ncij", dout, w[:, :, p, q])
            return dx_pad[:, :, pad:pad + H, pad:pad + W], dw, dout.sum(axis=(0, 2, 3))
    """,
}

W04_POOL = {
    "pool_forward": """
        from numpy.lib.stride_tricks import sliding_window_view


        def max_pool_forward(x, size=2, stride=2):
            return sliding_window_view(x, (size, size), axis=(2, 3))[:, :, ::stride, ::stride].max(axis=(4, 5))


        def avg_pool_forward(x, size=2, stride=2):
            return sliding_window_view(x, (size, size), axis=(2, 3))[:, :, ::stride, ::stride].mean(axis=(4, 5))
    """,
    "pool_backward": """
        def max_pool_backward(dout, x, size=2, stride=2):
            dx = np.zeros(x.shape)
            N, C, Ho, Wo = dout.shape
            for n in range(N):
                for c in range(C):
                    for i in range(Ho):
                        for j in range(Wo):
                            window = x[n, c, i * stride:i * stride + size, j * stride:j * stride + size]
                            dx[n, c, i * stride:i * stride + size, j * stride:j * stride + size] += \\
                                (window == window.max()) * dout[n, c, i, j]
            return dx


        def avg_pool_backward(dout, x, size=2, stride=2):
            dx = np.zeros(x.shape)
            share = dout / (size * size)
            for i in range(dout.shape[2]):
                for j in range(dout.shape[3]):
                    dx[:, :, i * stride:i * stride + size, j * stride:j * stride + size] += share[:, :, i:i + 1, j:j + 1]
            return dx
    """,
}

W04_ORDER = {
    "conv_output_size": """
        def conv_output_size(n, f, pad=0, stride=1):
            return int(np.floor((n + 2 * pad - f) / stride)) + 1
    """,
    "conv_single_step": """
        def conv_single_step(x_slice, w, b):
            return float(np.dot(x_slice.ravel(), w.ravel()) + b)
    """,
    "conv_forward": """
        def conv_forward(x, w, b, stride=1, pad=0):
            \"\"\"Loops over output positions; every image and filter at once with tensordot.\"\"\"
            N, C, H, W = x.shape
            F, _, HH, WW = w.shape
            Ho, Wo = conv_output_size(H, HH, pad, stride), conv_output_size(W, WW, pad, stride)
            x_pad = zero_pad(x, pad)
            out = np.empty((N, F, Ho, Wo))
            for i in range(Ho):
                for j in range(Wo):
                    window = x_pad[:, :, i * stride:i * stride + HH, j * stride:j * stride + WW]
                    out[:, :, i, j] = np.tensordot(window, w, axes=([1, 2, 3], [1, 2, 3])) + b
            return out
    """,
}

W04_HELPERS = """
    # my helper: the slice of one output position
    def window_slices(i, j, size_h, size_w, stride):
        return slice(i * stride, i * stride + size_h), slice(j * stride, j * stride + size_w)
"""

W04_WITH_HELPERS = {
    "conv_backward": """
        def conv_backward(dout, x, w, b, stride=1, pad=0):
            N, C, H, W = x.shape
            F, _, HH, WW = w.shape
            x_pad = zero_pad(x, pad)
            dx_pad, dw = np.zeros_like(x_pad), np.zeros_like(w)
            for i in range(dout.shape[2]):
                for j in range(dout.shape[3]):
                    rows, cols = window_slices(i, j, HH, WW, stride)
                    window = x_pad[:, :, rows, cols]                          # (N, C, HH, WW)
                    dw += np.tensordot(dout[:, :, i, j], window, axes=([0], [0]))
                    dx_pad[:, :, rows, cols] += np.tensordot(dout[:, :, i, j], w, axes=([1], [0]))
            return dx_pad[:, :, pad:pad + H, pad:pad + W], dw, dout.sum(axis=(0, 2, 3))
    """,
}


def w04() -> dict[str, Honest]:
    w = "w04_conv"
    return {
        "w04_sliding_einsum": Honest(w, "zero_pad by assignment; convolution forward and backward with sliding "
                                        "windows and einsum", [replace(k, v) for k, v in W04_VECTOR.items()]),
        "w04_pool_vectorised": Honest(w, "pooling forward by sliding windows; backward with loops over images, "
                                         "channels and positions (ties share the gradient, as in the reference)",
                                      [replace(k, v) for k, v in W04_POOL.items()]),
        "w04_other_order": Honest(w, "floor division as np.floor; the single step as one dot product; the forward "
                                     "pass with tensordot per output position", [replace(k, v) for k, v in W04_ORDER.items()]),
        "w04_own_helpers": Honest(w, "the student's own slice helper in a new cell, used by conv_backward",
                                  [insert_after("conv_forward", W04_HELPERS)]
                                  + [replace(k, v) for k, v in W04_WITH_HELPERS.items()]),
        "w04_attack_words_and_debug": Honest(w, "ordinary names in an extra cell; a debug print in conv_forward",
                                             [insert_after(None, ATTACK_WORDS),
                                              debug_prints("conv_forward", "conv_forward")]),
        "w04_exploration": Honest(w, "exploration: timing, scipy.signal on one channel, plots",
                                  exploration("%timeit -n 3 -r 1 conv_forward(np.ones((2, 3, 8, 8)), "
                                              "np.ones((4, 3, 3, 3)), np.zeros(4), 1, 1)",
                                              "out = conv_forward(np.ones((4, 3, 12, 12)), np.ones((2, 3, 3, 3)), "
                                              "np.zeros(2))",
                                              """
                                              from scipy import signal
                                              img, kern = np.arange(25.0).reshape(5, 5), np.ones((3, 3))
                                              ours = conv_forward(img[None, None], kern[None, None], np.zeros(1))[0, 0]
                                              print("same as scipy:", np.allclose(ours, signal.correlate2d(img, kern, "valid")))
                                              """)),
        "w04_edited_test_cell": Honest(w, "a visible test cell with a student's comment and print; restored by the grader",
                                       [edit_test("test_conv_single_step",
                                                  lambda s: "# is b added once or per channel?\n" + s
                                                  + '\nprint("checked")\n')]),
    }


# --------------------------------------------------------------------------- week 5

W05_EINSUM = {
    "rnn_forward": """
        def activate(u, activation):
            return {"tanh": np.tanh, "sigmoid": lambda v: 0.5 * (1.0 + np.tanh(0.5 * v)),
                    "relu": lambda v: np.where(v > 0, v, 0.0)}[activation](u)


        def rnn_forward(x, h0, W_in, W, b, activation="tanh"):
            inputs = np.einsum("ntd,dh->nth", x, W_in) + b          # every x_t W_in + b at once
            states = []
            z = h0
            for t in range(x.shape[1]):
                z = activate(inputs[:, t] + z @ W, activation)
                states.append(z)
            return np.stack(states, axis=1)
    """,
    "output_grads": """
        def output_grads(dv, z):
            H, K = z.shape[-1], dv.shape[-1]
            return z.reshape(-1, H).T @ dv.reshape(-1, K), dv.reshape(-1, K).sum(axis=0)
    """,
    "rnn_param_grads": """
        def rnn_param_grads(delta, x, z, h0):
            N, T, H = delta.shape
            z_prev = np.concatenate([h0[:, None], z[:, :-1]], axis=1).reshape(N * T, H)
            flat = delta.reshape(N * T, H)
            return x.reshape(N * T, -1).T @ flat, z_prev.T @ flat, flat.sum(axis=0)
    """,
}

W05_LOOPS = {
    "output_grads": """
        def output_grads(dv, z):
            dW_out = np.zeros((z.shape[2], dv.shape[2]))
            dc = np.zeros(dv.shape[2])
            for t in range(z.shape[1]):
                dW_out += z[:, t].T @ dv[:, t]
                dc += dv[:, t].sum(axis=0)
            return dW_out, dc
    """,
    "rnn_param_grads": """
        def rnn_param_grads(delta, x, z, h0):
            dW_in = np.zeros((x.shape[2], delta.shape[2]))
            dW = np.zeros((delta.shape[2], delta.shape[2]))
            db = np.zeros(delta.shape[2])
            previous = h0
            for t in range(delta.shape[1]):
                dW_in += x[:, t].T @ delta[:, t]
                dW += previous.T @ delta[:, t]
                db += delta[:, t].sum(axis=0)
                previous = z[:, t]
            return dW_in, dW, db
    """,
    "clip_by_norm": """
        def clip_by_norm(grads, max_norm):
            total_norm = float(np.linalg.norm(np.concatenate([np.ravel(g) for g in grads])))
            if total_norm <= max_norm:
                return [np.array(g, dtype=float) for g in grads], total_norm
            return [g * (max_norm / total_norm) for g in grads], total_norm
    """,
}

W05_SCIPY = {
    "lstm_step": """
        from scipy.special import expit


        def lstm_step(x, h_prev, c_prev, Wx, Wh, b):
            a = x @ Wx + h_prev @ Wh + b
            i, f, o, g = np.split(a, 4, axis=1)
            c = expit(f) * c_prev + expit(i) * np.tanh(g)
            return expit(o) * np.tanh(c), c
    """,
    "gru_step": """
        from scipy.special import expit


        def gru_step(x, h_prev, Wx, Wh, b):
            xz, xr, xn = np.split(x @ Wx + b, 3, axis=1)
            hz, hr, hn = np.split(h_prev @ Wh, 3, axis=1)
            z, r = expit(xz + hz), expit(xr + hr)
            n = np.tanh(xn + r * hn)
            return n + z * (h_prev - n)
    """,
}

W05_BACKWARD = {
    "rnn_backward": """
        def rnn_backward(dh, x, h0, W_in, W, b, activation="tanh"):
            z = rnn_forward(x, h0, W_in, W, b, activation)
            delta = rnn_deltas(dh, z, W, activation)
            dW_in, dW, db = rnn_param_grads(delta, x, z, h0)
            return np.einsum("nth,dh->ntd", delta, W_in), np.einsum("nh,kh->nk", delta[:, 0], W), dW_in, dW, db
    """,
    "rnn_deltas": """
        def activation_grad(z, activation):
            if activation not in ("tanh", "sigmoid", "relu"):
                raise ValueError(f"unknown activation {activation!r}")
            return {"tanh": lambda: 1.0 - z ** 2, "sigmoid": lambda: z - z ** 2,
                    "relu": lambda: np.where(z > 0, 1.0, 0.0)}[activation]()


        def rnn_deltas(dh, z, W, activation="tanh"):
            T = z.shape[1]
            delta = np.zeros_like(z)
            for t in range(T - 1, -1, -1):
                upstream = dh[:, t] + (delta[:, t + 1] @ W.T if t + 1 < T else 0.0)
                delta[:, t] = upstream * activation_grad(z[:, t], activation)
            return delta
    """,
}


def w05() -> dict[str, Honest]:
    w = "w05_rnn"
    return {
        "w05_einsum_reshape": Honest(w, "the input projections of all steps by einsum; gradients by reshaping "
                                        "(N, T) into one batch", [replace(k, v) for k, v in W05_EINSUM.items()]),
        "w05_loops": Honest(w, "gradients summed with a loop over time; the norm by np.linalg.norm",
                            [replace(k, v) for k, v in W05_LOOPS.items()]),
        "w05_scipy_expit": Honest(w, "LSTM and GRU steps with scipy.special.expit and np.split; "
                                     "(1 - z) n + z h written n + z (h - n)", [replace(k, v) for k, v in W05_SCIPY.items()]),
        "w05_backward_einsum": Honest(w, "BPTT with einsum for dx and dh0, deltas indexed from the end",
                                      [replace(k, v) for k, v in W05_BACKWARD.items()]),
        "w05_attack_words_and_debug": Honest(w, "ordinary names in an extra cell; a debug print in rnn_forward",
                                             [insert_after(None, ATTACK_WORDS),
                                              debug_prints("rnn_forward", "rnn_forward")]),
        "w05_exploration": Honest(w, "exploration: timing, a gradient-norm plot saved to a subfolder",
                                  exploration("%timeit rnn_forward(np.ones((4, 20, 3)), np.zeros((4, 8)), "
                                              "np.ones((3, 8)) / 3, np.eye(8) / 2, np.zeros(8))",
                                              "z = rnn_forward(np.ones((8, 50, 3)), np.zeros((8, 16)), "
                                              "np.ones((3, 16)) / 3, np.eye(16) / 2, np.zeros(16))")),
        "w05_deleted_test_cell": Honest(w, "a visible test cell deleted by accident; the grader puts it back and "
                                           "grades it", [delete("test_dW")]),
    }


# --------------------------------------------------------------------------- week 6

W06_LOOPS = {
    "human_level": """
        def human_level(errors):
            best = float("inf")
            for e in errors:
                best = min(best, float(e))
            return best
    """,
    "diagnose": """
        def diagnose(human, train, train_dev, dev, test=None):
            gaps = [train - human, train_dev - train, dev - train_dev]
            if test is not None:
                gaps.append(test - dev)
            largest = max(gaps)
            flags = [0, 0, 0, 0]
            for i, gap in enumerate(gaps):
                if gap > 0 and gap >= largest / 2:
                    flags[i] = 1
            return np.array(flags)
    """,
    "error_by_split": """
        def error_by_split(y, y_pred, split):
            wrong = np.bincount(split, weights=(np.asarray(y) != np.asarray(y_pred)), minlength=4)
            count = np.bincount(split, minlength=4).astype(float)
            with np.errstate(invalid="ignore", divide="ignore"):
                return np.where(count > 0, 100.0 * wrong[:4] / count[:4], np.nan)
    """,
    "precision_recall_f1": """
        def precision_recall_f1(y_true, y_pred):
            tp = fp = fn = 0
            for t, p in zip(y_true, y_pred):
                tp += int(t == 1 and p == 1)
                fp += int(t != 1 and p == 1)
                fn += int(t == 1 and p != 1)
            precision = tp / (tp + fp) if tp + fp else 0.0
            recall = tp / (tp + fn) if tp + fn else 0.0
            f1 = 2 * tp / (2 * tp + fp + fn) if tp else 0.0
            return precision, recall, f1
    """,
}

W06_SKLEARN = {
    "precision_recall_f1": """
        from sklearn.metrics import f1_score, precision_score, recall_score


        def precision_recall_f1(y_true, y_pred):
            y_true, y_pred = np.asarray(y_true) == 1, np.asarray(y_pred) == 1
            return (float(precision_score(y_true, y_pred, zero_division=0)),
                    float(recall_score(y_true, y_pred, zero_division=0)),
                    float(f1_score(y_true, y_pred, zero_division=0)))
    """,
    "ceilings": """
        def ceilings(tags, dev_error):
            tags = np.asarray(tags, dtype=float)
            return tags.sum(axis=0) / tags.shape[0] * dev_error
    """,
}

W06_OTHER = {
    "assign_splits": """
        def assign_splits(is_target, n_dev, n_test, n_train_dev, seed=0):
            \"\"\"Shuffle the target ids once and cut them; the same for the source ids.\"\"\"
            rng = np.random.default_rng(seed)
            is_target = np.asarray(is_target) == 1
            split = np.zeros(len(is_target), dtype=int)
            target = np.flatnonzero(is_target)
            rng.shuffle(target)
            source = np.flatnonzero(~is_target)
            rng.shuffle(source)
            split[target[:n_dev]] = 2
            split[target[n_dev:n_dev + n_test]] = 3
            split[source[:n_train_dev]] = 1
            return split
    """,
    "choose_model": """
        def choose_model(score, latency, max_latency):
            score, latency = np.asarray(score, dtype=float), np.asarray(latency, dtype=float)
            if not np.any(latency <= max_latency):
                return -1
            return int(np.argmax(np.where(latency <= max_latency, score, -np.inf)))
    """,
    "dev_test_sizes": """
        def dev_test_sizes(n):
            held_out = n // 5 if n // 5 < 10_000 else 10_000
            return n - held_out - held_out, held_out, held_out
    """,
    "error_gaps": """
        def error_gaps(human, train, train_dev, dev, test=None):
            rates = np.array([human, train, train_dev, dev, np.nan if test is None else test], dtype=float)
            return np.diff(rates)
    """,
    "relabel_worth_it": """
        def relabel_worth_it(dev_error, mislabeled_share, model_gap):
            return 1 if mislabeled_share * dev_error > model_gap else 0
    """,
}


def w06() -> dict[str, Honest]:
    w = "w06_error_analysis"
    return {
        "w06_loops": Honest(w, "loops for the minimum, the flags and the counts; error rates by np.bincount",
                            [replace(k, v) for k, v in W06_LOOPS.items()]),
        "w06_sklearn_metrics": Honest(w, "precision, recall and F1 from scikit-learn (zero_division=0); the ceilings "
                                         "as sum / count * error", [replace(k, v) for k, v in W06_SKLEARN.items()]),
        "w06_other_impls": Honest(w, "another valid shuffle for the splits, np.where/argmax for the model choice, "
                                     "np.diff for the gaps", [replace(k, v) for k, v in W06_OTHER.items()]),
        "w06_attack_words_and_debug": Honest(w, "ordinary names in an extra cell; a debug print in diagnose",
                                             [insert_after(None, ATTACK_WORDS), debug_prints("diagnose", "diagnose")]),
        "w06_exploration": Honest(w, "exploration: timing, a shell escape (only flagged), a scikit-learn confusion "
                                     "matrix, plots",
                                  exploration("%timeit error_by_split(data.y, data.y, np.zeros(len(data.y), dtype=int))",
                                              "split = assign_splits(data.is_target, 250, 250, 200, seed=1)",
                                              """
                                              !pip --version
                                              from sklearn.metrics import confusion_matrix
                                              print(confusion_matrix([1, 0, 1, 1], [1, 0, 0, 1]))
                                              print(f"train/dev/test sizes for 50 000: {dev_test_sizes(50_000)}")
                                              """)),
        "w06_own_helpers": Honest(w, "the student's own helper cell between the given ones, used by error_by_split",
                                  [insert_after("assign_splits", """
                                      # my helper
                                      def percent_wrong(y, y_pred):
                                          return 100.0 * np.mean(np.asarray(y) != np.asarray(y_pred))
                                  """), replace("error_by_split", """
                                      def error_by_split(y, y_pred, split):
                                          y, y_pred, split = np.asarray(y), np.asarray(y_pred), np.asarray(split)
                                          return np.array([percent_wrong(y[split == s], y_pred[split == s])
                                                           if np.any(split == s) else np.nan for s in range(4)])
                                  """)]),
    }


def corpus() -> dict[str, Honest]:
    """name -> Honest, every week; build each with ``entry.build(reference notebook of entry.week)``."""
    return {**w01(), **w02(), **w03(), **w04(), **w05(), **w06()}


# --------------------------------------------------------------------------- in-process check

DEFINITIONS = (ast.FunctionDef, ast.ClassDef, ast.Import, ast.ImportFrom)


def cheap_definition(statement) -> bool:
    if isinstance(statement, DEFINITIONS):
        return True
    if isinstance(statement, (ast.Assign, ast.AnnAssign)) and statement.value is not None:
        return not calls_now(statement.value)
    return False


def calls_now(node) -> bool:
    """Does evaluating ``node`` call anything but numpy or helpers (a lambda's body runs later)?"""
    if isinstance(node, ast.Call):
        root = node.func
        while isinstance(root, ast.Attribute):
            root = root.value
        if not (isinstance(root, ast.Name) and root.id in ("np", "helpers") and root is not node.func):
            return True
    return any(calls_now(child) for child in ast.iter_child_nodes(node) if not isinstance(child, ast.Lambda))


def namespace(notebook) -> dict:
    """The graded functions as the notebook defines them: solution cells, and the definitions of
    every other non-test cell (imports, functions, constants and small numpy arrays; no
    training, no plots)."""
    from IPython.core.inputtransformer2 import TransformerManager

    ns: dict = {"__name__": "__honest__"}
    for c in notebook.cells:
        if c.cell_type != "code" or (meta(c).get("grade") and not meta(c).get("solution")):
            continue
        tree = ast.parse(TransformerManager().transform_cell(c.source))
        name = f"<cell {meta(c).get('grade_id', 'extra')}>"
        if meta(c).get("solution"):
            exec(compile(tree, name, "exec"), ns)
            continue
        for statement in filter(cheap_definition, tree.body):
            try:   # a constant built from a skipped result is not needed by any graded function
                exec(compile(ast.Module([statement], []), name, "exec"), ns)
            except NameError:
                pass
    return ns


def hidden_checks(week: str, root: Path = REPO) -> dict[str, list[tuple[str, str]]]:
    """grade_id -> [(check name, function name)] from the source notebook's hidden tests."""
    from course.answer_key import checks_called

    source = nbformat.read(next((root / "source" / week).glob("*.ipynb")), as_version=4)
    return {meta(c)["grade_id"]: checks_called(c.source) for c in source.cells
            if meta(c).get("grade") and not meta(c).get("solution")}


def check_in_process(week: str, notebook, root: Path = REPO) -> list[str]:
    """Run the week's test cells on this notebook's functions: the visible tests (those that
    need only the functions; data made by the given cells is not made here) and every public
    check the hidden tests call. Returns the failures."""
    import helpers.grading

    ns = namespace(notebook)
    failures = []
    tests = dict(ns)   # test cells run in order, in one namespace, as in the notebook
    for grade_id, visible in visible_tests(week, root).items():
        try:
            with contextlib.redirect_stdout(io.StringIO()):
                exec(compile(visible, f"<{grade_id}>", "exec"), tests)
        except NameError:
            pass   # needs the given cells' data (X_train, Xs ...): left to the grading run
        except Exception as err:
            failures.append(f"{grade_id}: visible test: {type(err).__name__}: {str(err).splitlines()[0][:200]}")
    for grade_id, calls in hidden_checks(week, root).items():
        for check, function in calls:
            try:
                with contextlib.redirect_stdout(io.StringIO()):
                    getattr(helpers.grading, f"check_{check}")(ns[function])
            except Exception as err:  # a failed check, or the function is missing
                failures.append(f"{grade_id}: check_{check}({function}): {type(err).__name__}: "
                                f"{str(err).splitlines()[0] if str(err) else ''}")
    return failures


def visible_tests(week: str, root: Path = REPO) -> dict[str, str]:
    """grade_id -> the test cell's visible code, as Python."""
    from IPython.core.inputtransformer2 import TransformerManager
    from course.verify import strip_blocks

    source = nbformat.read(next((root / "source" / week).glob("*.ipynb")), as_version=4)
    return {meta(c)["grade_id"]: TransformerManager().transform_cell(strip_blocks(c.source)) for c in source.cells
            if c.cell_type == "code" and meta(c).get("grade") and not meta(c).get("solution")}


def source_reference(week: str, root: Path = REPO):
    """The source notebook with solution markers removed: the reference's code, for in-process checks."""
    from course.make_samples import solution_text

    nb = nbformat.read(next((root / "source" / week).glob("*.ipynb")), as_version=4)
    for c in nb.cells:
        if meta(c).get("solution"):
            c.source = solution_text(c.source)
    return nb
