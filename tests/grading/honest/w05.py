"""Honest variants of week 5 (w05_rnn); see the package docstring for the kinds."""

from __future__ import annotations

from .base import ATTACK_WORDS, Honest, debug_prints, delete, exploration, insert_after, replace

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


def variants() -> dict[str, Honest]:
    w = "w05_rnn"
    return {
        "w05_einsum_reshape": Honest(
            w,
            "the input projections of all steps by einsum; gradients by reshaping (N, T) into one batch",
            [replace(k, v) for k, v in W05_EINSUM.items()],
        ),
        "w05_loops": Honest(
            w,
            "gradients summed with a loop over time; the norm by np.linalg.norm",
            [replace(k, v) for k, v in W05_LOOPS.items()],
        ),
        "w05_scipy_expit": Honest(
            w,
            "LSTM and GRU steps with scipy.special.expit and np.split; (1 - z) n + z h written n + z (h - n)",
            [replace(k, v) for k, v in W05_SCIPY.items()],
        ),
        "w05_backward_einsum": Honest(
            w,
            "BPTT with einsum for dx and dh0, deltas indexed from the end",
            [replace(k, v) for k, v in W05_BACKWARD.items()],
        ),
        "w05_attack_words_and_debug": Honest(
            w,
            "ordinary names in an extra cell; a debug print in rnn_forward",
            [insert_after(None, ATTACK_WORDS), debug_prints("rnn_forward", "rnn_forward")],
        ),
        "w05_exploration": Honest(
            w,
            "exploration: timing, a gradient-norm plot saved to a subfolder",
            exploration(
                "%timeit rnn_forward(np.ones((4, 20, 3)), np.zeros((4, 8)), "
                "np.ones((3, 8)) / 3, np.eye(8) / 2, np.zeros(8))",
                "z = rnn_forward(np.ones((8, 50, 3)), np.zeros((8, 16)), "
                "np.ones((3, 16)) / 3, np.eye(16) / 2, np.zeros(16))",
            ),
        ),
        "w05_deleted_test_cell": Honest(
            w, "a visible test cell deleted by accident; the grader puts it back and grades it", [delete("test_dW")]
        ),
    }
