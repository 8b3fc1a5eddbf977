"""Week 2 checks: each passes a correct solution and fails, with a useful message, on typical mistakes.

The correct solutions here are plain numpy, written independently of ``helpers.mlp``. Every
gradient check must fail for a wrong sign, a missing transpose and a sum over the wrong
axis, each on its own (a wrong dJ/dW must not make the dJ/dV check fail, and vice versa).
"""

import numpy as np
import pytest

import helpers
from helpers.grading import CHECKS, CheckFailed
from tests.unit.check_helpers import fails, twin_of

pytest.importorskip("helpers.mlp")


# --------------------------------------------------------------------------- correct solutions


def gradient_descent(x0, lr, n_steps):
    xs = np.empty(n_steps + 1)
    xs[0] = x0
    for t in range(n_steps):
        xs[t + 1] = xs[t] - lr * (2 * xs[t] + 1)
    return xs


def graph_answers():
    x, y, z = -1.0, 3.0, -0.5
    q, r = x + y, (x + y) * z
    f = 1 / (1 + np.exp(-r))
    return [q, r, f, f * (1 - f), f * (1 - f) * q, f * (1 - f) * z, f * (1 - f) * z, f * (1 - f) * z]


def activate(a, activation):
    return {
        "sigmoid": lambda: 1 / (1 + np.exp(-a)),
        "tanh": lambda: np.tanh(a),
        "relu": lambda: np.where(a > 0, a, 0.0),
    }[activation]()


def forward(X, W, b, V, c, activation="sigmoid"):
    Z = activate(np.einsum("nd,dm->nm", X, W) + b, activation)
    A = np.einsum("nm,mk->nk", Z, V) + c
    E = np.exp(A - A.max(axis=1, keepdims=True))
    return Z, E / E.sum(axis=1, keepdims=True)


def cost(T, Y):
    return -np.einsum("nk,nk->", T, np.log(Y))


def dZ_da(Z, activation):
    return {"sigmoid": Z * (1 - Z), "tanh": 1 - Z**2, "relu": (Z > 0) * 1.0}[activation]


def grad_V(Z, Y, T):
    return np.einsum("nm,nk->mk", Z, Y - T)


def grad_c(Y, T):
    return np.einsum("nk->k", Y - T)


def hidden_error(Z, Y, T, V, activation):
    return np.einsum("nk,mk->nm", Y - T, V) * dZ_da(Z, activation)


def grad_W(X, Z, Y, T, V, activation="sigmoid"):
    return np.einsum("nd,nm->dm", X, hidden_error(Z, Y, T, V, activation))


def grad_b(Z, Y, T, V, activation="sigmoid"):
    return hidden_error(Z, Y, T, V, activation).sum(axis=0)


CORRECT = {
    "gradient_descent": gradient_descent,
    "graph_answers": graph_answers,
    "two_layer_forward": forward,
    "two_layer_forward_activations": forward,
    "two_layer_cost": cost,
    "two_layer_grad_V": grad_V,
    "two_layer_grad_c": grad_c,
    "two_layer_grad_W": grad_W,
    "two_layer_grad_b": grad_b,
    "two_layer_grad_W_activations": grad_W,
    "two_layer_grad_b_activations": grad_b,
    "two_layer_hidden_delta": lambda Z, Y, T, V, activation="sigmoid": hidden_error(Z, Y, T, V, activation),
}


def test_every_week_2_check_has_a_correct_solution_here():
    from helpers.grading import WEEK_MODULES

    week2 = next(m for m in WEEK_MODULES if m.__name__.endswith("w02"))
    registered = {name for name, check in CHECKS.items() if check.cases.__module__ == week2.__name__}
    assert registered <= set(CORRECT), registered - set(CORRECT)


@pytest.mark.parametrize(
    "wrong,fragment",
    [
        (lambda Z, Y, T, V, activation="sigmoid": hidden_error(Z, T, Y, V, activation), "opposite sign"),
        (lambda Z, Y, T, V, activation="sigmoid": (Y - T) @ V.T, "`delta` is wrong"),  # no f'
        (lambda Z, Y, T, V, activation="sigmoid": hidden_error(Z, Y, T, V, "sigmoid"), "tanh"),  # ignores it
    ],
)
def test_classic_mistakes_in_the_hidden_delta_fail(wrong, fragment):
    fails("two_layer_hidden_delta", wrong, fragment)


@pytest.mark.parametrize("name", sorted(CORRECT))
def test_a_correct_solution_passes_every_case_and_the_check_returns_none(name, capsys):
    check = CHECKS[name]
    if name != "graph_answers":
        assert len(check.cases(np.random.default_rng(0))) >= 5
    assert getattr(helpers.grading, f"check_{name}")(CORRECT[name]) is None
    assert "passed" in capsys.readouterr().out


@pytest.mark.parametrize(
    "name",
    [
        "two_layer_forward",
        "two_layer_grad_V",
        "two_layer_grad_c",
        "two_layer_grad_W",
        "two_layer_grad_b",
        "two_layer_grad_W_activations",
    ],
)
def test_cases_include_a_single_sample_and_a_batch(name):
    cases = CHECKS[name].cases(np.random.default_rng(1))
    batch_sizes = {case.args[0].shape[0] for case in cases}
    assert 1 in batch_sizes and max(batch_sizes) >= 40


def test_activation_cases_cover_tanh_and_relu_for_every_shape():
    cases = CHECKS["two_layer_grad_W_activations"].cases(np.random.default_rng(2))
    by_activation = {}
    for case in cases:
        by_activation.setdefault(case.kwargs["activation"], []).append(case.args[0].shape)
    assert set(by_activation) == {"tanh", "relu"}
    assert by_activation["tanh"] == by_activation["relu"]


def test_the_mlp_reference_passes_its_own_checks():
    import helpers.mlp as mlp

    forward_ref = lambda X, W, b, V, c, activation="sigmoid": twin_of(mlp.two_layer_forward)(
        X, W, b, V, c, activation=activation
    )
    helpers.grading.check_two_layer_forward(forward_ref)
    helpers.grading.check_two_layer_forward_activations(forward_ref)


# --------------------------------------------------------------------------- typical mistakes


@pytest.mark.parametrize(
    "wrong,fragment",
    [
        (lambda x0, lr, n: gradient_descent(x0, -lr, n), "minus"),  # ascends
        (lambda x0, lr, n: gradient_descent(x0, lr, n)[1:], "n_steps + 1"),  # x0 missing
        (lambda x0, lr, n: np.array([x0] + [x0 - lr * (2 * x0 - 1)] * n), "is wrong"),  # 2x − 1, no loop
    ],
)
def test_gradient_descent_mistakes_fail(wrong, fragment):
    fails("gradient_descent", wrong, fragment)


def test_graph_answers_accept_four_digits_and_reject_a_swapped_multiply():
    rounded = [float(f"{v:.4g}") for v in graph_answers()]
    helpers.grading.check_graph_answers(lambda: rounded)
    swapped = graph_answers()
    swapped[4], swapped[5] = swapped[5], swapped[4]  # df_dz = df_dr · z, df_dq = df_dr · q
    fails("graph_answers", lambda: swapped, "the first is df_dz", "OTHER input")
    fails("graph_answers", lambda: graph_answers()[:6], "shape (6,)")
    no_sigmoid_factor = graph_answers()
    no_sigmoid_factor[3:] = [1.0, 2.0, -0.5, -0.5, -0.5]
    message = fails("graph_answers", lambda: no_sigmoid_factor, "the first is df_dr", "f (1 − f)")
    assert "expected" not in message.split("Hint")[0]


def naive_softmax_forward(X, W, b, V, c, activation="sigmoid"):
    Z = activate(X @ W + b, activation)
    E = np.exp(Z @ V + c)
    return Z, E / E.sum(axis=1, keepdims=True)


@pytest.mark.parametrize(
    "name,wrong,fragment",
    [
        ("two_layer_forward", naive_softmax_forward, "large logits"),
        (
            "two_layer_forward",
            lambda X, W, b, V, c: (activate(X @ W, "sigmoid"), forward(X, W, b, V, c)[1]),
            "`Z` is wrong",
        ),
        (
            "two_layer_forward",
            lambda X, W, b, V, c: (lambda Z, A: (Z, np.exp(A) / np.exp(A).sum(axis=0)))(  # softmax per column
                activate(X @ W + b, "sigmoid"), Z_logits(X, W, b, V, c)
            ),
            "`Y` is wrong",
        ),
        (
            "two_layer_forward_activations",
            lambda X, W, b, V, c, activation="sigmoid": forward(X, W, b, V, c),  # ignores it
            "`Z` is wrong",
        ),
        (
            "two_layer_forward_activations",
            lambda X, W, b, V, c, activation="sigmoid": forward(
                X, W, b, V, c, "relu" if activation == "relu" else "sigmoid"
            ),
            "tanh",
        ),
        (
            "two_layer_forward_activations",
            lambda X, W, b, V, c, activation="sigmoid": forward(
                X, W, b, V, c, "tanh" if activation == "tanh" else "sigmoid"
            ),
            "relu",
        ),
    ],
)
def test_forward_mistakes_fail(name, wrong, fragment):
    fails(name, wrong, fragment)


def Z_logits(X, W, b, V, c):
    return activate(X @ W + b, "sigmoid") @ V + c


@pytest.mark.parametrize(
    "wrong,fragment",
    [
        (lambda T, Y: cost(T, Y) / len(Y), "SUM over the batch"),  # the mean of week 1
        (lambda T, Y: -cost(T, Y), "minus sign"),  # sign
        (lambda T, Y: -np.sum(np.log(Y)), "is wrong"),  # every class, not the true one
    ],
)
def test_cost_mistakes_fail(wrong, fragment):
    fails("two_layer_cost", wrong, fragment)


# Each gradient: a wrong sign, a missing transpose and a sum over the wrong axis (plus a 1/N).
GRADIENT_MISTAKES = [
    ("two_layer_grad_V", "wrong sign", lambda Z, Y, T: grad_V(Z, T, Y)),
    ("two_layer_grad_V", "missing transpose", lambda Z, Y, T: (Y - T).T @ Z),
    (
        "two_layer_grad_V",
        "per-sample outer products summed over the wrong axis",
        lambda Z, Y, T: (Z[:, :, None] * (Y - T)[:, None, :]).sum(axis=1),
    ),
    ("two_layer_grad_V", "mean instead of sum", lambda Z, Y, T: grad_V(Z, Y, T) / len(Y)),
    ("two_layer_grad_c", "wrong sign", lambda Y, T: (T - Y).sum(axis=0)),
    ("two_layer_grad_c", "sum over the wrong axis", lambda Y, T: (Y - T).sum(axis=1)),
    ("two_layer_grad_c", "sum over every axis", lambda Y, T: np.full(Y.shape[1], (Y - T).sum())),
    ("two_layer_grad_c", "mean instead of sum", lambda Y, T: (Y - T).mean(axis=0)),
    ("two_layer_grad_W", "wrong sign", lambda X, Z, Y, T, V: -grad_W(X, Z, Y, T, V)),
    ("two_layer_grad_W", "missing transpose of V", lambda X, Z, Y, T, V: X.T @ (((Y - T) @ V) * Z * (1 - Z))),
    ("two_layer_grad_W", "missing transpose of X", lambda X, Z, Y, T, V: X @ (((Y - T) @ V.T) * Z * (1 - Z))),
    (
        "two_layer_grad_W",
        "per-sample outer products summed over the wrong axis",
        lambda X, Z, Y, T, V: (X[:, :, None] * (((Y - T) @ V.T) * Z * (1 - Z))[:, None, :]).sum(axis=1),
    ),
    ("two_layer_grad_W", "forgot the sigmoid derivative", lambda X, Z, Y, T, V: X.T @ ((Y - T) @ V.T)),
    (
        "two_layer_grad_W",
        "sigmoid derivative as Z (1 + Z)",
        lambda X, Z, Y, T, V: X.T @ (((Y - T) @ V.T) * Z * (1 + Z)),
    ),
    ("two_layer_grad_b", "wrong sign", lambda Z, Y, T, V: -grad_b(Z, Y, T, V)),
    ("two_layer_grad_b", "missing transpose of V", lambda Z, Y, T, V: (((Y - T) @ V) * Z * (1 - Z)).sum(axis=0)),
    ("two_layer_grad_b", "sum over the wrong axis", lambda Z, Y, T, V: (((Y - T) @ V.T) * Z * (1 - Z)).sum(axis=1)),
    ("two_layer_grad_b", "mean instead of sum", lambda Z, Y, T, V: (((Y - T) @ V.T) * Z * (1 - Z)).mean(axis=0)),
    (
        "two_layer_grad_W_activations",
        "sigmoid derivative for every activation",
        lambda X, Z, Y, T, V, activation="sigmoid": grad_W(X, Z, Y, T, V),
    ),
    (
        "two_layer_grad_W_activations",
        "tanh derivative with the wrong sign (1 + Z²)",
        lambda X, Z, Y, T, V, activation="sigmoid": (
            X.T @ (((Y - T) @ V.T) * (1 + Z**2)) if activation == "tanh" else grad_W(X, Z, Y, T, V, activation)
        ),
    ),
    (
        "two_layer_grad_W_activations",
        "relu derivative taken as Z itself",
        lambda X, Z, Y, T, V, activation="sigmoid": (
            X.T @ (((Y - T) @ V.T) * Z) if activation == "relu" else grad_W(X, Z, Y, T, V, activation)
        ),
    ),
    (
        "two_layer_grad_b_activations",
        "tanh derivative as 1 − Z",
        lambda Z, Y, T, V, activation="sigmoid": (
            (((Y - T) @ V.T) * (1 - Z)).sum(axis=0) if activation == "tanh" else grad_b(Z, Y, T, V, activation)
        ),
    ),
    (
        "two_layer_grad_b_activations",
        "relu derivative with ≥ instead of >",
        lambda Z, Y, T, V, activation="sigmoid": (
            (((Y - T) @ V.T) * (Z >= 0)).sum(axis=0) if activation == "relu" else grad_b(Z, Y, T, V, activation)
        ),
    ),
]


@pytest.mark.parametrize("name,mistake,wrong", GRADIENT_MISTAKES, ids=[f"{n}: {m}" for n, m, _ in GRADIENT_MISTAKES])
def test_gradient_mistakes_fail(name, mistake, wrong):
    message = fails(name, wrong)
    assert "Hint:" in message or "raised" in message, message


def test_a_missing_transpose_fails_on_values_when_the_shapes_agree():
    """All sizes equal: (Y − T).T @ Z has the right shape, so the values must give it away."""
    only_when_square = lambda Z, Y, T: (Y - T).T @ Z if Z.shape[1] == Y.shape[1] else grad_V(Z, Y, T)
    message = fails("two_layer_grad_V", only_when_square, "every size 3 (N = D = M = K)", "is wrong at index")
    assert "has shape" not in message
    fails(
        "two_layer_grad_c",
        lambda Y, T: (Y - T).sum(axis=1) if Y.shape[0] == Y.shape[1] else (Y - T).sum(axis=0),
        "is wrong at index",
    )


def test_each_gradient_is_graded_on_its_own():
    """A wrong dJ/dW does not touch the checks of dJ/dV, dJ/dc or dJ/db."""
    helpers.grading.check_two_layer_grad_V(grad_V)
    helpers.grading.check_two_layer_grad_c(grad_c)
    helpers.grading.check_two_layer_grad_b(grad_b)
    fails("two_layer_grad_W", lambda X, Z, Y, T, V: -grad_W(X, Z, Y, T, V))


def test_the_numerical_gradient_catches_what_the_reference_would_miss():
    """Were the reference itself wrong, a wrong sign would still fail against central differences."""
    import dataclasses

    from helpers.grading import run_check

    check = dataclasses.replace(
        CHECKS["two_layer_grad_W"],
        reference=lambda X, Z, Y, T, V, activation="sigmoid": -grad_W(X, Z, Y, T, V, activation),
    )
    with pytest.raises(CheckFailed, match="vs numerical gradient"):
        run_check(check, lambda X, Z, Y, T, V: -grad_W(X, Z, Y, T, V))


def test_messages_name_the_case_the_shapes_the_index_and_give_a_hint():
    message = fails(
        "two_layer_grad_V",
        lambda Z, Y, T: Z.T @ (T - Y),
        "grad_V, case 1 of 8",
        "a single sample (N=1)",
        "array(1, 4), array(1, 2), array(1, 2)",
        "`dV` is wrong at index (0, 0)",
        "expected",
        "Hint: dJ/dV = Z.T @ (Y − T)",
    )
    assert "[[" not in message  # the hidden inputs are never dumped


def test_calling_the_reference_kernel_is_caught():
    import helpers.mlp as mlp

    def sneaky(X, Z, Y, T, V):
        return mlp.two_layer_backward(
            X, T, Z, Y, np.zeros((X.shape[1], Z.shape[1])), np.zeros(Z.shape[1]), V, np.zeros(Y.shape[1])
        )[0]

    fails("two_layer_grad_W", sneaky, "helpers.mlp.two_layer_backward", "Write it yourself")
    fails(
        "two_layer_forward", lambda X, W, b, V, c: mlp.two_layer_forward(X, W, b, V, c), "helpers.mlp.two_layer_forward"
    )


def test_changing_an_input_in_place_fails():
    def in_place(Y, T):
        Y -= T
        return Y.sum(axis=0)

    fails("two_layer_grad_c", in_place, "changed its input array in place")


def test_not_implemented_and_no_return_are_reported():
    def stub(Z, Y, T):
        raise NotImplementedError()

    fails("two_layer_grad_V", stub, "grad_V is not implemented yet")
    fails("two_layer_grad_V", lambda Z, Y, T: None, "Did you forget a `return`?")


def test_nothing_reaches_stderr(capfd):
    def noisy(Z, Y, T):
        import sys
        import warnings

        warnings.warn("loud", stacklevel=2)
        print("to stderr", file=sys.stderr)
        return np.log(Z - 2).T @ (Y - T)  # nan, with a numpy warning

    with pytest.raises(CheckFailed):
        helpers.grading.check_two_layer_grad_V(noisy)
    assert capfd.readouterr().err == ""
