"""Honest variants of week 7 (w07_optimization); see the package docstring for the kinds."""

from __future__ import annotations

from .base import ATTACK_WORDS, Honest, debug_prints, delete, edit_test, exploration, insert_after, replace

W07_VECTOR = {
    "minibatches": """
        def minibatches(X, y, batch_size, rng):
            \"\"\"One permutation, cut with np.split at multiples of batch_size (the last piece may be shorter).\"\"\"
            order = rng.permutation(len(X))
            return [(X[part], y[part]) for part in np.split(order, np.arange(batch_size, len(X), batch_size))]
    """,
    "ewa": """
        def ewa(values, beta, bias_correction=True):
            \"\"\"v_t = (1 - β) Σ_{k ≤ t} β^(t - k) θ_k for every t at once: a lower-triangular matrix of weights.\"\"\"
            values = np.asarray(values, dtype=float)
            T = values.shape[0]
            t = np.arange(1, T + 1)
            lag = t[:, None] - t[None, :]
            weights = np.where(lag >= 0, (1.0 - beta) * beta ** np.maximum(lag, 0), 0.0)
            out = np.tensordot(weights, values, axes=(1, 0))
            if bias_correction:
                out = out / (1.0 - beta ** t).reshape((T,) + (1,) * (values.ndim - 1))
            return out
    """,
    "lr_schedules": """
        def inverse_time_decay(lr0, epoch, decay_rate=1.0):
            return np.divide(lr0, np.add(1.0, np.multiply(decay_rate, epoch)))


        def exponential_decay(lr0, epoch, rate=0.95):
            return lr0 * np.power(float(rate), epoch)


        def staircase_decay(lr0, epoch, drop=0.5, epochs_per_drop=10):
            \"\"\"Floor division does the rounding down.\"\"\"
            return lr0 * np.power(float(drop), np.floor_divide(np.asarray(epoch, dtype=float), epochs_per_drop))
    """,
}

W07_LOOPS = {
    "minibatches": """
        def minibatches(X, y, batch_size, rng):
            order = rng.permutation(len(X))
            batches, start = [], 0
            while start < len(X):
                chosen = order[start:start + batch_size]
                batches.append((X[chosen], y[chosen]))
                start += batch_size
            return batches
    """,
    "lr_schedules": """
        import math


        def inverse_time_decay(lr0, epoch, decay_rate=1.0):
            epochs = np.asarray(epoch, dtype=float)
            return np.array([lr0 / (1.0 + decay_rate * e) for e in epochs.ravel()]).reshape(epochs.shape)


        def exponential_decay(lr0, epoch, rate=0.95):
            epochs = np.asarray(epoch, dtype=float)
            return np.array([lr0 * rate ** e for e in epochs.ravel()]).reshape(epochs.shape)


        def staircase_decay(lr0, epoch, drop=0.5, epochs_per_drop=10):
            epochs = np.asarray(epoch, dtype=float)
            return np.array([lr0 * drop ** math.floor(e / epochs_per_drop) for e in epochs.ravel()]).reshape(epochs.shape)
    """,
    "ravine_saddle_answers": """
        def ravine_saddle_answers():
            \"\"\"Worked out with small loops instead of by hand.\"\"\"
            flat, steep = 1.0, 20.0
            largest = 2.0 / steep                      # |1 - lr·20| < 1
            one_step = 1.0 / steep                     # 1 - lr·20 = 0
            factor = 1.0 - one_step * flat
            steps, w = 0, 4.0
            while abs(w) >= 0.04:
                w, steps = w * factor, steps + 1
            beta = 0.9
            momentum_largest = 2.0 * (1.0 + beta) / ((1.0 - beta) * steep)
            escape, y = 0, 1e-3
            while abs(y) < 1.0:
                y, escape = y * 1.1, escape + 1
            return [largest, one_step, factor, steps, momentum_largest, escape]
    """,
}

W07_ORDER = {
    "ewa": """
        def ewa(values, beta, bias_correction=True):
            \"\"\"v moves a fraction (1 - β) of the way towards each new value.\"\"\"
            values = np.asarray(values, dtype=float)
            out = np.zeros_like(values)
            v = np.zeros_like(values[0])
            for t, value in enumerate(values, start=1):
                v = v + (1.0 - beta) * (value - v)
                out[t - 1] = v
            if bias_correction:
                steps = np.arange(1, len(values) + 1).reshape((-1,) + (1,) * (values.ndim - 1))
                out = out / (1.0 - beta ** steps)
            return out
    """,
    "momentum_update": """
        def momentum_update(param, grad, v, lr=0.01, beta=0.9):
            \"\"\"βv + (1 − β)g written g + β(v − g).\"\"\"
            if v is None:
                v = np.zeros(np.shape(param))
            v = grad + beta * (v - grad)
            return param - lr * v, v
    """,
    "rmsprop_update": """
        def rmsprop_update(param, grad, s, lr=0.001, beta=0.9, eps=1e-8):
            s = np.zeros(np.shape(param)) if s is None else s
            s = s + (1.0 - beta) * (np.square(grad) - s)
            return param - lr * (grad / (np.sqrt(s) + eps)), s
    """,
    "adam_update": """
        def adam_update(param, grad, state, t, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8):
            \"\"\"The paper's cheaper form: both corrections folded into the step size (and into ε).\"\"\"
            if state is None:
                m, v = np.zeros(np.shape(param)), np.zeros(np.shape(param))
            else:
                m, v = state
            m = beta1 * m + (1.0 - beta1) * grad
            v = beta2 * v + (1.0 - beta2) * np.square(grad)
            root = np.sqrt(1.0 - beta2 ** t)
            step = lr * root / (1.0 - beta1 ** t)
            return param - step * m / (np.sqrt(v) + eps * root), (m, v)
    """,
    "adagrad_update": """
        def adagrad_update(param, grad, G, lr=0.01, eps=1e-8):
            G = np.square(grad) if G is None else G + np.square(grad)
            return param - lr / (np.sqrt(G) + eps) * grad, G
    """,
}

W07_HELPERS = """
    # my helpers: every rule keeps running averages that start at zero
    def zeros_if_none(state, like):
        return np.zeros(np.shape(like)) if state is None else np.asarray(state, dtype=float)


    def averaged(old, new, beta):
        \"\"\"One step of an exponentially weighted average.\"\"\"
        return beta * old + (1.0 - beta) * new
"""

W07_WITH_HELPERS = {
    "ewa": """
        def ewa(values, beta, bias_correction=True):
            values = np.asarray(values, dtype=float)
            v, out = zeros_if_none(None, values[0]), []
            for t in range(1, len(values) + 1):
                v = averaged(v, values[t - 1], beta)
                out.append(v / (1.0 - beta ** t) if bias_correction else v)
            return np.array(out)
    """,
    "momentum_update": """
        def momentum_update(param, grad, v, lr=0.01, beta=0.9):
            v = averaged(zeros_if_none(v, param), grad, beta)
            return param - lr * v, v
    """,
    "rmsprop_update": """
        def rmsprop_update(param, grad, s, lr=0.001, beta=0.9, eps=1e-8):
            s = averaged(zeros_if_none(s, param), grad ** 2, beta)
            return param - lr * grad / (np.sqrt(s) + eps), s
    """,
    "adam_update": """
        def adam_update(param, grad, state, t, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8):
            m, v = (None, None) if state is None else state
            m = averaged(zeros_if_none(m, param), grad, beta1)
            v = averaged(zeros_if_none(v, param), grad ** 2, beta2)
            return param - lr * (m / (1.0 - beta1 ** t)) / (np.sqrt(v / (1.0 - beta2 ** t)) + eps), (m, v)
    """,
}

W07_TRAIN = {
    "train_mlp": """
        def train_mlp(X, y, optimizer="adam", n_updates=500, seed=0, lr=None, batch_size=64, decay_rate=0.2):
            \"\"\"One generator for the initial weights and another for the shuffling; the update counter
            t runs over the whole run, the learning rate changes at the start of each epoch.\"\"\"
            init_rng = np.random.default_rng(seed)
            shuffle_rng = np.random.default_rng([seed, 7])
            params = init_mlp(LAYER_SIZES, init_rng)
            states = {i: None for i in range(len(params))}
            base = LEARNING_RATES[optimizer] if lr is None else lr
            losses = []
            epoch = 0
            while len(losses) < n_updates:
                rate = float(inverse_time_decay(base, epoch, decay_rate))
                for X_batch, y_batch in minibatches(X, y, batch_size, shuffle_rng):
                    loss, grads = mlp_loss_and_grads(params, X_batch, y_batch)
                    t = len(losses) + 1
                    for i, grad in enumerate(grads):
                        params[i], states[i] = update(optimizer, params[i], grad, states[i], t, rate)
                    losses.append(float(loss))
                    if len(losses) == n_updates:
                        break
                epoch += 1
            return tuple(params), np.array(losses)
    """,
}


def variants() -> dict[str, Honest]:
    w = "w07_optimization"
    return {
        "w07_vectorised": Honest(
            w,
            "mini-batches cut by np.split; ewa as one lower-triangular matrix of weights "
            "(tensordot); the schedules with np.divide/np.power/np.floor_divide",
            [replace(k, v) for k, v in W07_VECTOR.items()],
        ),
        "w07_loops": Honest(
            w,
            "mini-batches in a while loop; the schedules as list comprehensions with math.floor; "
            "the ravine and saddle answers counted in loops",
            [replace(k, v) for k, v in W07_LOOPS.items()],
        ),
        "w07_other_order": Honest(
            w,
            "the same rules with the operations in another order: v + (1 − β)(θ − v), "
            "g + β(v − g), Adam's corrections folded into the step size and ε",
            [replace(k, v) for k, v in W07_ORDER.items()],
        ),
        "w07_own_helpers": Honest(
            w,
            "the student's own helper cell (zeros_if_none, averaged) between the given ones, "
            "used by ewa and three update rules",
            [insert_after("ewa", W07_HELPERS)] + [replace(k, v) for k, v in W07_WITH_HELPERS.items()],
        ),
        "w07_train_own_loop": Honest(
            w,
            "train_mlp with separate generators for the weights and the shuffling and a "
            "dict of states: another random stream, still above 95%",
            [replace(k, v) for k, v in W07_TRAIN.items()],
        ),
        "w07_attack_words_debug_and_test_cells": Honest(
            w,
            "ordinary names in an extra cell; debug prints in minibatches and ewa; a comment and a print typed "
            "into the ewa test cell and the AdaGrad test cell deleted by accident (the grader restores both and "
            "grades them)",
            [
                insert_after(None, ATTACK_WORDS),
                debug_prints("minibatches", "minibatches"),
                debug_prints("ewa", "ewa"),
                edit_test("test_ewa", lambda s: "# β = 0.5 by hand: 5, 12.5, 21.25\n" + s + '\nprint("ewa ok")\n'),
                delete("test_adagrad_update"),
            ],
        ),
        "w07_exploration": Honest(
            w,
            "exploration: timing an Adam step, a short training timed, helpers.optim.adam "
            "compared outside any check, plots saved to a subfolder",
            exploration(
                "%timeit adam_update(np.ones((64, 10)), np.ones((64, 10)), None, 1)",
                "params, losses = train_mlp(X_train, y_train, n_updates=50, seed=3)\nprint(losses[-1])",
                """
                                              p, g = np.array([1.0, -2.0]), np.array([0.3, -0.1])
                                              theirs, _ = helpers.optim.adam(p, g, None, lr=0.01)
                                              ours, _ = adam_update(p, g, None, 1, lr=0.01)
                                              print("same as helpers.optim.adam:", np.allclose(ours, theirs))
                                              """,
            ),
        ),
    }
