"""Honest variants of week 8 (w08_regularization); see the package docstring for the kinds."""

from __future__ import annotations

from .base import ATTACK_WORDS, Honest, debug_prints, delete, edit_test, exploration, insert_after, replace

W08_EINSUM = {
    "affine": """
        def affine_forward(x, W, b):
            return np.einsum("nd,dm->nm", x, W) + b


        def affine_backward(dout, x, W, b):
            return np.einsum("nm,dm->nd", dout, W), np.einsum("nd,nm->dm", x, dout), np.einsum("nm->m", dout)
    """,
    "activation": """
        def activation_forward(z, kind):
            if kind == "relu":
                return np.where(z > 0, z, 0.0)
            if kind == "tanh":
                return np.tanh(z)
            if kind == "sigmoid":
                return 0.5 * (1.0 + np.tanh(0.5 * z))          # the same function, and it never overflows
            raise ValueError(f"unknown activation {kind!r}")


        def activation_backward(dout, z, kind):
            \"\"\"f'(z) written with f(z): f(1 − f) for the sigmoid, (1 − f)(1 + f) for tanh.\"\"\"
            if kind == "relu":
                return np.where(z > 0, dout, 0.0)
            f = activation_forward(z, kind)
            if kind == "tanh":
                return dout * (1.0 - f) * (1.0 + f)
            return dout * f * (1.0 - f)
    """,
    "dropout": """
        def dropout_forward(x, mask, keep_prob, train=True):
            if train:
                return np.where(mask, x / keep_prob, 0.0)
            return np.array(x, copy=True)


        def dropout_backward(dout, mask, keep_prob):
            return np.where(mask, dout / keep_prob, 0.0)
    """,
}

W08_DISPATCH = {
    "model_forward": """
        FORWARD = {
            "affine": lambda x, layer: affine_forward(x, layer["W"], layer["b"]),
            "dropout": lambda x, layer: dropout_forward(x, layer.get("mask"), layer["keep_prob"],
                                                        train=layer.get("mask") is not None),
        }


        def layer_forward(x, layer):
            if layer["kind"] in FORWARD:
                return FORWARD[layer["kind"]](x, layer)
            return activation_forward(x, layer["kind"])


        def model_forward(x, layers):
            inputs = [None] * len(layers)
            for i, layer in enumerate(layers):
                inputs[i], x = x, layer_forward(x, layer)
            return x, inputs
    """,
    "model_backward": """
        def layer_backward(dout, x, layer):
            kind = layer["kind"]
            if kind == "affine":
                dx, dW, db = affine_backward(dout, x, layer["W"], layer["b"])
                return dx, {"W": dW, "b": db}
            if kind == "dropout":
                mask = layer.get("mask")
                return (dout if mask is None else dropout_backward(dout, mask, layer["keep_prob"])), {}
            return activation_backward(dout, x, kind), {}


        def model_backward(dout, inputs, layers):
            \"\"\"Recursively: the last layer first, then the network without it.\"\"\"
            if not layers:
                return dout, []
            dx_last, grads_last = layer_backward(dout, inputs[-1], layers[-1])
            dx, grads = model_backward(dx_last, inputs[:-1], layers[:-1])
            return dx, grads + [grads_last]
    """,
}

W08_LOOPS = {
    "choose_lambda": """
        def choose_lambda(X_train, y_train, X_dev, y_dev, lambdas, seed):
            errors = {}
            for lam in map(float, lambdas):
                net, _ = train(build_network(SIZES, seed=seed), X_train, y_train, lam=lam, seed=seed)
                errors[lam] = (error_rate(net, X_train, y_train), error_rate(net, X_dev, y_dev))
            best = min(errors, key=lambda lam: errors[lam][1])      # the first of equal dev errors
            return best, np.array([errors[float(l)][0] for l in lambdas]), np.array([errors[float(l)][1] for l in lambdas])
    """,
    "l2": """
        def l2_cost(layers, lam, m):
            total = 0.0
            for layer in layers:
                if layer["kind"] == "affine":
                    total += np.einsum("ij,ij->", layer["W"], layer["W"])
            return lam * total / (2.0 * m)


        def l2_grads(layers, lam, m):
            grads = []
            for layer in layers:
                if layer["kind"] == "affine":
                    grads.append({"W": (lam / m) * layer["W"], "b": np.zeros(layer["b"].shape)})
                else:
                    grads.append({})
            return grads
    """,
    "early_stopping": """
        def early_stopping(dev_errors, snapshots, patience):
            \"\"\"An epoch is seen while it is at most `patience` epochs after the best so far.\"\"\"
            best = 0
            for epoch in range(1, len(dev_errors)):
                if epoch - best > patience:
                    break
                if dev_errors[epoch] < dev_errors[best]:
                    best = epoch
            return best, snapshots[best]
    """,
    "normalize": """
        def normalize_splits(X_train, X_dev, X_test):
            mu = np.mean(X_train, axis=0, keepdims=True)
            sigma = np.sqrt(np.mean((X_train - mu) ** 2, axis=0, keepdims=True))
            sigma[sigma == 0] = 1.0
            return tuple((X - mu) / sigma for X in (X_train, X_dev, X_test))
    """,
}

W08_SECTION5 = {
    "augment": """
        def augment_with_shifts(images, labels):
            \"\"\"A frame of zeros around every image, then the window each shift looks through.\"\"\"
            padded = np.pad(images, ((0, 0), (1, 1), (1, 1)))
            H, W = images.shape[1:]
            corners = [(1, 1), (2, 1), (0, 1), (1, 2), (1, 0)]       # itself, up, down, left, right
            blocks = [padded[:, r:r + H, c:c + W] for r, c in corners]
            return np.concatenate(blocks), np.concatenate([labels] * len(blocks))
    """,
    "gradient_check": """
        def gradient_check(X, y, layers, grads, lam):
            \"\"\"My own central differences, entry by entry, and the relative error written out.\"\"\"
            net = []
            for layer in layers:
                layer = {k: (np.array(v, copy=True) if isinstance(v, np.ndarray) else v) for k, v in layer.items()}
                if layer["kind"] == "dropout":
                    layer["mask"] = None                     # dropout off while checking
                net.append(layer)

            def J():
                out, _ = model_forward(X, net)
                out = out - out.max(axis=1, keepdims=True)
                log_p = out - np.log(np.exp(out).sum(axis=1, keepdims=True))
                return -np.mean(log_p[np.arange(len(y)), y]) + l2_cost(net, lam, len(X))

            errors = []
            for layer, grad in zip(net, grads):
                entry = {}
                for name, g in grad.items():
                    theta, estimate = layer[name], np.zeros(layer[name].shape)
                    for i in np.ndindex(theta.shape):
                        old = theta[i]
                        theta[i] = old + 1e-6
                        up = J()
                        theta[i] = old - 1e-6
                        down = J()
                        theta[i] = old
                        estimate[i] = (up - down) / 2e-6
                    entry[name] = float(np.max(np.abs(g - estimate) / np.maximum(1e-8, np.abs(g) + np.abs(estimate))))
                errors.append(entry)
            return errors
    """,
}

W08_HELPERS = """
    # my helpers for the regularization part
    def affine_layers(layers):
        return [layer for layer in layers if layer["kind"] == "affine"]


    def percent_wrong(layers, X, y):
        out, _ = model_forward(X, layers)
        return 100.0 * float(np.count_nonzero(np.argmax(out, axis=1) != y)) / len(y)
"""

W08_WITH_HELPERS = {
    "init_weights": """
        SCALES = {"zeros": lambda n_in, n_out: 0.0, "large": lambda n_in, n_out: 10.0,
                  "lecun": lambda n_in, n_out: 1.0 / np.sqrt(n_in),
                  "xavier": lambda n_in, n_out: np.sqrt(2.0 / (n_in + n_out)),
                  "he": lambda n_in, n_out: np.sqrt(2.0 / n_in)}


        def init_weights(n_in, n_out, method, rng=None):
            generator = rng if isinstance(rng, np.random.Generator) else np.random.default_rng(rng)
            if method == "zeros":
                return np.zeros((n_in, n_out))
            return SCALES[method](n_in, n_out) * generator.standard_normal((n_in, n_out))
    """,
    "l2": """
        def l2_cost(layers, lam, m):
            return lam / (2 * m) * sum(float(np.sum(np.square(layer["W"]))) for layer in affine_layers(layers))


        def l2_grads(layers, lam, m):
            return [{"W": layer["W"] * (lam / m), "b": np.zeros_like(layer["b"])} if layer["kind"] == "affine" else {}
                    for layer in layers]
    """,
    "choose_lambda": """
        def choose_lambda(X_train, y_train, X_dev, y_dev, lambdas, seed):
            results = []
            for lam in lambdas:
                net, _ = train(build_network(SIZES, seed=seed), X_train, y_train, lam=lam, seed=seed)
                results.append((percent_wrong(net, X_train, y_train), percent_wrong(net, X_dev, y_dev)))
            train_errors, dev_errors = (np.array(column) for column in zip(*results))
            return float(lambdas[int(np.argmin(dev_errors))]), train_errors, dev_errors
    """,
}


def variants() -> dict[str, Honest]:
    w = "w08_regularization"
    return {
        "w08_einsum_where": Honest(
            w,
            "affine layer by einsum; the sigmoid as (1 + tanh(z/2))/2 and its derivative "
            "from f; dropout and ReLU by np.where",
            [replace(k, v) for k, v in W08_EINSUM.items()],
        ),
        "w08_dispatch_recursion": Honest(
            w,
            "layer_forward through a table of lambdas; model_backward recursive (the last layer, then the rest)",
            [replace(k, v) for k, v in W08_DISPATCH.items()],
        ),
        "w08_loops": Honest(
            w,
            "L2 by loops and einsum; early stopping as 'seen while within patience of the best'; "
            "the spread written out, σ = 0 set to 1 in place; choose_lambda keeps its errors in a dict",
            [replace(k, v) for k, v in W08_LOOPS.items()],
        ),
        "w08_own_helpers": Honest(
            w,
            "the student's own helper cell (affine_layers, percent_wrong) between the given "
            "ones, used by L2 and the λ study; init_weights from a table of scales and "
            "standard_normal",
            [insert_after("l2", W08_HELPERS)] + [replace(k, v) for k, v in W08_WITH_HELPERS.items()],
        ),
        "w08_section5_by_hand": Honest(
            w,
            "shifts as windows of a zero-padded copy; the gradient check with the student's own central "
            "differences (h = 1e-6) and relative error, entry by entry",
            [replace(k, v) for k, v in W08_SECTION5.items()],
        ),
        "w08_attack_words_debug_and_test_cells": Honest(
            w,
            "ordinary names in an extra cell; debug prints in early_stopping, normalize_splits and init_weights; "
            "a print typed into the affine test cell and the L2-gradient test cell deleted by accident (the grader "
            "restores both and grades them)",
            [
                insert_after(None, ATTACK_WORDS),
                debug_prints("early_stopping", "early_stopping"),
                debug_prints("normalize", "normalize_splits"),
                debug_prints("init_weights", "init_weights"),
                edit_test("test_affine_forward", lambda s: s + '\nprint("affine:", affine_forward(x, W, b))\n'),
                delete("test_l2_grads"),
            ],
        ),
        "w08_exploration": Honest(
            w,
            "exploration: timing the forward pass, a short training timed, scikit-learn's "
            "MLP with an L2 penalty on the same moons, plots saved to a subfolder",
            exploration(
                "%timeit -r 3 model_forward(X_dev, build_network(SIZES))",
                "net, history = train(build_network(SIZES), X_train, y_train, epochs=20)",
                """
                                              from sklearn.neural_network import MLPClassifier
                                              clf = MLPClassifier((100, 100), alpha=1.0, max_iter=300, random_state=0)
                                              clf.fit(X_train, y_train)
                                              print(f"scikit-learn dev error/ours: {100 * (1 - clf.score(X_dev, y_dev)):.1f}%")
                                              """,
            ),
        ),
    }
