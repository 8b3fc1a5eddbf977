"""Honest variants of week 9 (w09_batchnorm_tuning); see the package docstring for the kinds."""

from __future__ import annotations

from .base import ATTACK_WORDS, Honest, debug_prints, edit_test, exploration, insert_after, replace

W09_STAGED = {
    "batchnorm_forward": """
        def batchnorm_forward(x, gamma, beta, mode="train", running_mean=None, running_var=None, momentum=0.9,
                              eps=1e-5):
            N, D = x.shape
            if np.ndim(gamma) != 1 or np.size(gamma) != D:
                raise ValueError(f"gamma must hold one scale per feature, shape ({D},); got {np.shape(gamma)}")
            if np.ndim(beta) != 1 or np.size(beta) != D:
                raise ValueError(f"beta must hold one shift per feature, shape ({D},); got {np.shape(beta)}")
            running_mean = np.zeros(D) if running_mean is None else running_mean
            running_var = np.ones(D) if running_var is None else running_var
            if mode == "inference":
                mean, var = running_mean, running_var
            elif mode == "train":
                mean, var = np.mean(x, axis=0), np.var(x, axis=0)
                running_mean = momentum * running_mean + (1.0 - momentum) * mean
                running_var = momentum * running_var + (1.0 - momentum) * var
            else:
                raise ValueError(f"mode must be 'train' or 'inference', got {mode!r}")
            scale = gamma / np.sqrt(var + eps)          # γ/σ once per feature, then one multiply-add
            return (x - mean) * scale + beta, running_mean, running_var
    """,
    "batchnorm_backward": """
        def batchnorm_backward(dout, x, gamma, beta, eps=1e-5):
            \"\"\"Back through the forward pass one node at a time: x̂, then σ², then μ.\"\"\"
            N = x.shape[0]
            mu = x.mean(axis=0)
            centred = x - mu
            var = (centred ** 2).mean(axis=0)
            std = np.sqrt(var + eps)
            x_hat = centred / std
            dbeta = dout.sum(axis=0)
            dgamma = np.sum(dout * x_hat, axis=0)
            dx_hat = dout * gamma
            dvar = np.sum(dx_hat * centred, axis=0) * -0.5 * (var + eps) ** -1.5
            dmu = -np.sum(dx_hat, axis=0) / std + dvar * -2.0 * centred.mean(axis=0)
            dx = dx_hat / std + dvar * 2.0 * centred / N + dmu / N
            return dx, dgamma, dbeta
    """,
}

W09_HELPERS = """
    # my helpers for batch norm
    def must_be_per_feature(name, value, D):
        if np.shape(value) != (D,):
            raise ValueError(f"{name}: expected shape ({D},), one entry per feature, got {np.shape(value)}")


    def column_statistics(x, eps):
        \"\"\"(mean, σ = sqrt(var + eps), x̂) of each column.\"\"\"
        mean = np.einsum("nd->d", x) / x.shape[0]
        sigma = np.sqrt(np.einsum("nd,nd->d", x - mean, x - mean) / x.shape[0] + eps)
        return mean, sigma, (x - mean) / sigma
"""

W09_WITH_HELPERS = {
    "batchnorm_forward": """
        def batchnorm_forward(x, gamma, beta, mode="train", running_mean=None, running_var=None, momentum=0.9,
                              eps=1e-5):
            D = x.shape[1]
            must_be_per_feature("gamma", gamma, D)
            must_be_per_feature("beta", beta, D)
            running_mean = np.zeros(D) if running_mean is None else running_mean
            running_var = np.ones(D) if running_var is None else running_var
            if mode != "train":
                return gamma * (x - running_mean) / np.sqrt(running_var + eps) + beta, running_mean, running_var
            mean, sigma, x_hat = column_statistics(x, eps)
            var = np.einsum("nd,nd->d", x - mean, x - mean) / x.shape[0]     # not sigma² − eps: keep the digits
            return (gamma * x_hat + beta, momentum * running_mean + (1 - momentum) * mean,
                    momentum * running_var + (1 - momentum) * var)
    """,
    "batchnorm_backward": """
        def batchnorm_backward(dout, x, gamma, beta, eps=1e-5):
            N = x.shape[0]
            _, sigma, x_hat = column_statistics(x, eps)
            dbeta = np.einsum("nd->d", dout)
            dgamma = np.einsum("nd,nd->d", dout, x_hat)
            return gamma / sigma * (dout - dbeta / N - x_hat * dgamma / N), dgamma, dbeta
    """,
}

W09_TRAIN = {
    "train": """
        def train(layers, X_train, y_train, X_dev, y_dev, lr, steps, sgd_momentum=0.0, batch_size=64, seed=0,
                  eval_every=10):
            \"\"\"Epochs of shuffled batches (the last, smaller batch kept); the running averages are the ones
            batchnorm_forward returns; velocities in a dict keyed by (layer, parameter).\"\"\"
            rng = np.random.default_rng(seed)
            net = [dict(layer) for layer in layers]
            before_bn = {i for i in range(len(net) - 1)
                         if net[i]["kind"] == "affine" and net[i + 1]["kind"] == "batchnorm"}
            velocity, curve, step = {}, [], 0
            while step < steps:
                order = rng.permutation(len(X_train))
                for start in range(0, len(order), batch_size):
                    batch = order[start:start + batch_size]
                    x, inputs = X_train[batch], []
                    for layer in net:
                        inputs.append(x)
                        if layer["kind"] == "batchnorm":
                            x, layer["running_mean"], layer["running_var"] = batchnorm_forward(
                                x, layer["gamma"], layer["beta"], "train", layer["running_mean"],
                                layer["running_var"], layer["momentum"], layer["eps"])
                        else:
                            x = KINDS[layer["kind"]].forward(x, layer)
                    _, dout = helpers.losses.softmax_cross_entropy(x, y_train[batch])
                    _, grads = model_backward(dout, inputs, net)
                    for i, grad in enumerate(grads):
                        for name, g in grad.items():
                            if name == "b" and i in before_bn:
                                continue              # batch norm removes whatever this bias adds
                            v = sgd_momentum * velocity.get((i, name), 0.0) + (1.0 - sgd_momentum) * g
                            velocity[i, name] = v
                            net[i][name] = net[i][name] - lr * v
                    step += 1
                    if step % eval_every == 0:
                        curve.append(accuracy(net, X_dev, y_dev))
                    if step == steps:
                        break
            return net, np.array(curve)
    """,
}

W09_SEARCH = {
    "sample_hyperparameters": """
        def sample_hyperparameters(n, seed):
            \"\"\"Both exponents from one draw of shape (2, n), each mapped onto its range.\"\"\"
            u = np.random.default_rng(seed).random((2, n))
            return np.power(10.0, -4.0 + 4.0 * u[0]), 1.0 - np.power(10.0, -3.0 + 2.0 * u[1])
    """,
    "random_search": """
        def random_search(objective, space, budget, seed):
            \"\"\"Every configuration drawn first (a column per hyperparameter), then evaluated, then the best.\"\"\"
            rng = np.random.default_rng(seed)
            columns = {}
            for name, (low, high, scale) in space.items():
                if scale == "log":
                    columns[name] = np.exp(rng.uniform(np.log(low), np.log(high), size=budget))
                else:
                    columns[name] = low + (high - low) * rng.random(budget)
            configs = [{name: float(values[k]) for name, values in columns.items()} for k in range(budget)]
            scores = [objective(config) for config in configs]
            best = int(np.argmax(scores))
            return configs[best], scores[best]
    """,
}


def variants() -> dict[str, Honest]:
    w = "w09_batchnorm_tuning"
    return {
        "w09_staged_backward": Honest(
            w,
            "the backward pass node by node (x̂, σ², μ) instead of the compact form; "
            "the forward pass with np.var, γ/σ folded into one scale, other checks "
            "and messages for bad shapes",
            [replace(k, v) for k, v in W09_STAGED.items()],
        ),
        "w09_own_helpers": Honest(
            w,
            "the student's own helper cell (shape check, column statistics by einsum) after "
            "the forward pass, used by forward and backward",
            [insert_after("batchnorm_forward", W09_HELPERS)] + [replace(k, v) for k, v in W09_WITH_HELPERS.items()],
        ),
        "w09_train_own_loop": Honest(
            w,
            "train with epochs of batches (the last, smaller one kept), the running "
            "averages returned by batchnorm_forward and a dict of velocities",
            [replace(k, v) for k, v in W09_TRAIN.items()],
        ),
        "w09_search_vectorised": Honest(
            w,
            "both exponents from one (2, n) draw; random search draws every "
            "configuration first (exp of a uniform log) and takes the argmax",
            [replace(k, v) for k, v in W09_SEARCH.items()],
        ),
        "w09_attack_words_debug_and_test_cells": Honest(
            w,
            "ordinary names in an extra cell; debug prints in sample_hyperparameters and random_search; comments "
            "and a print typed into two visible test cells (the grader restores them)",
            [
                insert_after(None, ATTACK_WORDS),
                debug_prints("sample_hyperparameters", "sample_hyperparameters"),
                debug_prints("random_search", "random_search"),
                edit_test("test_batchnorm_forward_train", lambda s: "# eps=0 here, so the numbers are exact\n" + s),
                edit_test("test_random_search", lambda s: s + '\nprint("tried", len(calls), "configurations")\n'),
            ],
        ),
        "w09_exploration": Honest(
            w,
            "exploration: timing batch norm, sampling timed, scikit-learn's StandardScaler "
            "and helpers.norm compared outside any check, plots saved to a subfolder",
            exploration(
                "%timeit batchnorm_forward(X_train[:64], np.ones(64), np.zeros(64))",
                "lrs, momenta = sample_hyperparameters(100_000, seed=0)",
                """
                                              from sklearn.preprocessing import StandardScaler
                                              batch = X_train[:64, 20:24]
                                              ours, _, _ = batchnorm_forward(batch, np.ones(4), np.zeros(4), eps=0.0)
                                              print("same as StandardScaler:", np.allclose(
                                                  ours, StandardScaler().fit_transform(batch)))
                                              theirs = helpers.norm.batchnorm_forward(batch, np.ones(4), np.zeros(4))
                                              print("same as helpers.norm:", np.allclose(ours, theirs[0], atol=1e-4))
                                              """,
            ),
        ),
    }
