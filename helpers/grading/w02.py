"""Week 2 checks: gradient descent, the chain-rule graph, and a two-layer network by hand.

The network is X → Z = f(XW + b) → Y = softmax(ZV + c), with J = −Σₙ Σₖ T[n,k] log Y[n,k]
(a sum over the batch) and f one of sigmoid, tanh, relu. Forward passes are compared with
``helpers.mlp.two_layer_forward``; each of the four gradients has its own check, compared
with ``helpers.mlp.two_layer_backward`` and with central differences of the cost of the
network the case was drawn from (DESIGN.md section 6).

The gradient functions receive only the arrays they need (``grad_V(Z, Y, T)`` ...), so a
case also carries the whole network (:class:`NetworkCase`) for the numerical gradient. The
extra arrays never reach the student's function: the grader sends only ``args``/``kwargs``.
"""

from __future__ import annotations

import numpy as np

from .. import losses, mlp
from .. import numpy_reference as ref
from .core import GRADIENT_RTOL, ByHand, Case, Check, NetworkCase, register
from .forbidden import CROSS_ENTROPY

MLP_KERNELS = (mlp.two_layer_forward, mlp.two_layer_backward)
GRADIENT_KERNELS = MLP_KERNELS[::-1]  # the backward pass first: it is what the gradients are compared with
LOSS_KERNELS = (losses.cross_entropy, losses.softmax_cross_entropy)


# --------------------------------------------------------------------------- warm-up


def _descent_cases(rng) -> list[Case]:
    cases = [
        Case("x0 = 3, η = 0.5: one step lands on −1/2", (3.0, 0.5, 1)),
        Case("zero steps: only x0", (1.5, 0.1, 0)),
        Case("x0 = 2, η = 0.1, 20 steps", (2.0, 0.1, 20)),
        Case("η = 1.1 diverges", (-2.0, 1.1, 12)),
        Case("start at the minimum", (-0.5, 0.3, 5)),
    ]
    x0, lr, n = float(rng.uniform(-5, 5)), float(rng.uniform(0.01, 0.95)), int(rng.integers(5, 40))
    return cases + [Case(f"x0 = {x0:.3f}, η = {lr:.3f}, {n} steps", (x0, lr, n))]


def _descent_reference(x0, lr, n_steps):
    xs = [float(x0)]
    for _ in range(int(n_steps)):
        xs.append(xs[-1] - lr * (2.0 * xs[-1] + 1.0))
    return np.array(xs)


register(
    Check(
        "gradient_descent",
        _descent_cases,
        _descent_reference,
        outputs=("trajectory",),
        hint="return n_steps + 1 positions starting with x0; each step is x ← x − lr · (2x + 1) "
        "(minus: descend against the gradient).",
        compares_with="plain numpy",
        doc="Check ``gradient_descent(x0, lr, n_steps)``: the trajectory on J(x) = x² + x, x0 included.",
    )
)


# --------------------------------------------------------------------------- the graph

GRAPH_INPUTS = (-1.0, 3.0, -0.5)  # x, y, z of f = sigmoid((x + y) z)


def _graph_reference():
    x, y, z = GRAPH_INPUTS
    q = x + y
    r = q * z
    f = 1.0 / (1.0 + np.exp(-r))
    df_dr = f * (1.0 - f)
    df_dq = df_dr * z
    return np.array([q, r, f, df_dr, df_dr * q, df_dq, df_dq, df_dq])


# 5e-4 on both sides of the sum in `compare` accepts answers typed with 4 significant digits.
register(
    Check(
        "graph_answers",
        lambda rng: [Case("your eight answers [q, r, f, df_dr, df_dz, df_dq, df_dx, df_dy]", ())],
        _graph_reference,
        outputs=("answers",),
        tolerances={"answers": 5e-4},
        hint="df_dr = f (1 − f); a multiply node sends each input the incoming gradient times the "
        "OTHER input (df_dz = df_dr · q, df_dq = df_dr · z); an add node copies it "
        "(df_dx = df_dy = df_dq).",
        compares_with="plain numpy",
        doc="Check the eight forward and backward values of f = σ((x + y) z) at x = −1, y = 3, z = −0.5.",
        by_hand=ByHand(
            labels=("q = x + y", "r = q · z", "f = σ(r)", "df_dr", "df_dz", "df_dq", "df_dx", "df_dy"),
            hints=(
                "the add node's output: the sum of its two inputs.",
                "the multiply node's output: q times z, with the signs.",
                "σ(r) = 1 / (1 + exp(−r)); it lies between 0 and 1.",
                "the sigmoid's local gradient is written with its own output: f (1 − f).",
                "a multiply node sends each input the incoming gradient times the OTHER input; "
                "the other input of z is q.",
                "a multiply node sends each input the incoming gradient times the OTHER input; "
                "the other input of q is z.",
                "an add node passes the incoming gradient on unchanged to each input.",
                "an add node passes the incoming gradient on unchanged to each input.",
            ),
        ),
    )
)


# --------------------------------------------------------------------------- the network

ACTIVATIONS = ("sigmoid", "tanh", "relu")


# (label, N, D, M, K). Sizes that coincide make a missing transpose or a sum over the wrong
# axis return the right shape with wrong values, so the values (not only the shape) must fail.
_SHAPES = [
    ("a single sample (N=1)", 1, 3, 4, 2),
    ("every size 3 (N = D = M = K)", 3, 3, 3, 3),
    ("N = K = 4", 4, 2, 3, 4),
    ("N = M = 5", 5, 2, 5, 3),
    ("one hidden unit (M=1)", 4, 3, 1, 3),
    ("one input feature (D=1)", 6, 1, 4, 2),
    ("batch of 40", 40, 2, 8, 2),
]


def _draw_network(rng, n, d, m, k, activation, weight_scale=1.0, logit_shift=0.0):
    while True:
        X = rng.normal(size=(n, d))
        W = rng.normal(size=(d, m)) * 0.8
        b = rng.normal(size=m) * 0.5
        a = X @ W + b
        # keep pre-activations off the ReLU kink, where finite differences straddle it
        if activation != "relu" or np.abs(a).min() > 1e-3:
            break
    V = rng.normal(size=(m, k)) * weight_scale
    c = rng.normal(size=k) * 0.5 + logit_shift
    T = np.eye(k)[rng.integers(0, k, size=n)]
    Z = ref.activate(a, activation)
    Y = ref.softmax(Z @ V + c)
    return dict(X=X, W=W, b=b, V=V, c=c, T=T, Z=Z, Y=Y, activation=activation)


def _networks(rng, activations) -> list[tuple[str, dict]]:
    shapes = list(_SHAPES)
    n, d, m, k = (int(rng.integers(2, 13)), int(rng.integers(1, 6)), int(rng.integers(1, 7)), int(rng.integers(2, 6)))
    shapes.append((f"random sizes N={n}, D={d}, M={m}, K={k}", n, d, m, k))
    prefix = (lambda a: f"{a}, ") if len(activations) > 1 else (lambda a: "")
    return [
        (prefix(activation) + label, _draw_network(rng, n, d, m, k, activation))
        for activation in activations
        for label, n, d, m, k in shapes
    ]


def _case(label, net, names, with_activation):
    kwargs = {"activation": net["activation"]} if with_activation else {}
    return NetworkCase(label, tuple(net[name] for name in names), kwargs, network=net)


# --------------------------------------------------------------------------- forward and cost


def _forward_cases(activations):
    def cases(rng) -> list[Case]:
        result = [_case(label, net, "XWbVc", activations != ("sigmoid",)) for label, net in _networks(rng, activations)]
        big = _draw_network(rng, 3, 2, 4, 3, activations[-1], weight_scale=5.0, logit_shift=800.0)
        result.append(
            _case(
                ("" if activations == ("sigmoid",) else f"{activations[-1]}, ") + "large logits, near 800",
                big,
                "XWbVc",
                activations != ("sigmoid",),
            )
        )
        return result

    return cases


def _forward_reference(X, W, b, V, c, activation="sigmoid"):
    return mlp.two_layer_forward.unguarded(X, W, b, V, c, activation=activation)


_FORWARD_HINT = (
    "a = X @ W + b (N, M); Z = activation(a); logits = Z @ V + c (N, K); Y = softmax over each "
    "row (axis=1), after subtracting the row's maximum so that large logits do not overflow."
)
register(
    Check(
        "two_layer_forward",
        _forward_cases(("sigmoid",)),
        _forward_reference,
        outputs=("Z", "Y"),
        guarded=MLP_KERNELS,
        hint=_FORWARD_HINT + " The sigmoid is 1 / (1 + exp(−a)).",
        compares_with=(mlp.two_layer_forward,),
        doc="Check ``forward(X, W, b, V, c) -> (Z, Y)`` with the sigmoid, N = 1 and large logits included.",
        function="forward",
    ),
    aliases=("forward",),
)
register(
    Check(
        "two_layer_forward_activations",
        _forward_cases(("tanh", "relu")),
        _forward_reference,
        outputs=("Z", "Y"),
        guarded=MLP_KERNELS,
        hint=_FORWARD_HINT + ' activation="tanh" is np.tanh(a); activation="relu" is np.maximum(a, 0).',
        compares_with=(mlp.two_layer_forward,),
        doc='Check ``forward(..., activation="tanh" / "relu") -> (Z, Y)``.',
        function="forward",
    ),
    aliases=("forward_activations",),
)


def _cost_cases(rng) -> list[Case]:
    cases = []
    for label, n, k in [
        ("N=1, K=2", 1, 2),
        ("N=5, K=3", 5, 3),
        ("N=8, K=10", 8, 10),
        ("N=3, K=3", 3, 3),
        ("one class (K=1): the cost is 0", 4, 1),
    ]:
        Y = ref.softmax(rng.normal(size=(n, k)) * 2)
        cases.append(Case(label, (np.eye(k)[rng.integers(0, k, size=n)], Y)))
    confident = np.array([[1 - 2e-9, 1e-9, 1e-9], [0.2, 0.3, 0.5]])
    cases.append(Case("a near-certain right answer", (np.eye(3)[[0, 2]], confident)))
    return cases


def _cost_reference(T, Y):
    return -np.sum(T * np.log(Y))


register(
    Check(
        "two_layer_cost",
        _cost_cases,
        _cost_reference,
        outputs=("J",),
        guarded=MLP_KERNELS + LOSS_KERNELS,
        forbidden=CROSS_ENTROPY,
        hint="J = −Σₙ Σₖ T[n, k] log Y[n, k]: a SUM over the batch (no division by N), with a minus sign.",
        compares_with="plain numpy",
        doc="Check ``cost(T, Y)``: the cross-entropy summed (not averaged) over the batch.",
        function="cost",
    ),
    aliases=("cost",),
)


# --------------------------------------------------------------------------- the four gradients


def _backward(net_arrays, activation="sigmoid"):
    """helpers.mlp.two_layer_backward on the arrays a gradient function received.

    Given Z and Y, the gradients do not depend on W, b or c (nor on X or V for dV and dc),
    so the arrays a student's function does not receive are zeros of the right shapes.
    """
    Z, Y, T = net_arrays["Z"], net_arrays["Y"], net_arrays["T"]
    n, m = Z.shape
    k = Y.shape[1]
    X = net_arrays.get("X")
    X = np.zeros((n, 1)) if X is None else X
    V = net_arrays.get("V")
    V = np.zeros((m, k)) if V is None else V
    d = X.shape[1]
    return mlp.two_layer_backward.unguarded(
        X, T, Z, Y, np.zeros((d, m)), np.zeros(m), V, np.zeros(k), activation=activation
    )


def _numerical(parameter, output):
    """Central differences of the network's cost with respect to one parameter array."""

    def estimate(case, expected, h=1e-5):
        from ..gradcheck import numerical_gradient

        net = {
            key: (np.array(v, dtype=np.float64, copy=True) if isinstance(v, np.ndarray) else v)
            for key, v in case.network.items()
        }
        cost = lambda _: ref.two_layer_cost(
            net["X"], net["T"], net["W"], net["b"], net["V"], net["c"], net["activation"]
        )
        return {output: numerical_gradient(cost, net[parameter], h=h)}

    return estimate


def _gradient_cases(names, activations):
    with_activation = activations != ("sigmoid",)

    def cases(rng) -> list[Case]:
        return [_case(label, net, names, with_activation) for label, net in _networks(rng, activations)]

    return cases


def _grad_V_reference(Z, Y, T):
    return _backward({"Z": Z, "Y": Y, "T": T})[2]


def _grad_c_reference(Y, T):
    n = Y.shape[0]
    return _backward({"Z": np.zeros((n, 1)), "Y": Y, "T": T})[3]


def _grad_W_reference(X, Z, Y, T, V, activation="sigmoid"):
    return _backward({"X": X, "Z": Z, "Y": Y, "T": T, "V": V}, activation)[0]


def _grad_b_reference(Z, Y, T, V, activation="sigmoid"):
    return _backward({"Z": Z, "Y": Y, "T": T, "V": V}, activation)[1]


_NO_MEAN = " The cost is a sum, so there is no 1/N."
_HIDDEN_ERROR = (
    "δ = ((Y − T) @ V.T) * dZ/da, shape (N, M), with dZ/da = Z (1 − Z) for the sigmoid, "
    "1 − Z² for tanh, (Z > 0) for relu"
)

register(
    Check(
        "two_layer_grad_V",
        _gradient_cases(("Z", "Y", "T"), ("sigmoid",)),
        _grad_V_reference,
        outputs=("dV",),
        guarded=GRADIENT_KERNELS,
        numerical=_numerical("V", "dV"),
        tolerances={"dV": GRADIENT_RTOL},
        hint="dJ/dV = Z.T @ (Y − T), shape (M, K): the sum over samples is the matrix product with "
        "Z transposed; Y − T, not T − Y." + _NO_MEAN,
        compares_with=(mlp.two_layer_backward,),
        doc="Check ``grad_V(Z, Y, T) -> dJ/dV`` against the reference and central differences.",
        function="grad_V",
    ),
    aliases=("grad_V",),
)
register(
    Check(
        "two_layer_grad_c",
        _gradient_cases(("Y", "T"), ("sigmoid",)),
        _grad_c_reference,
        outputs=("dc",),
        guarded=GRADIENT_KERNELS,
        numerical=_numerical("c", "dc"),
        tolerances={"dc": GRADIENT_RTOL},
        hint="dJ/dc = (Y − T) summed over the samples, i.e. over axis 0, shape (K,); Y − T, not T − Y." + _NO_MEAN,
        compares_with=(mlp.two_layer_backward,),
        doc="Check ``grad_c(Y, T) -> dJ/dc`` against the reference and central differences.",
        function="grad_c",
    ),
    aliases=("grad_c",),
)


def _delta_reference(Z, Y, T, V, activation="sigmoid"):
    # with X = I (one input per sample) the reference's dJ/dW is δ itself
    return _backward({"X": np.eye(Z.shape[0]), "Z": Z, "Y": Y, "T": T, "V": V}, activation)[0]


def _delta_numerical(case, expected, h=1e-5):
    """∂J/∂a by central differences of an offset added to the hidden pre-activations a = XW + b."""
    from ..gradcheck import numerical_gradient

    net = case.network
    a = net["X"] @ net["W"] + net["b"]
    offset, identity = np.zeros_like(a), np.eye(a.shape[1])
    # the network's cost with a + offset as the hidden pre-activations: X = a + offset, W = I, b = 0
    cost = lambda _: ref.two_layer_cost(a + offset, net["T"], identity, 0.0, net["V"], net["c"], net["activation"])
    return {"delta": numerical_gradient(cost, offset, h=h)}


register(
    Check(
        "two_layer_hidden_delta",
        _gradient_cases(("Z", "Y", "T", "V"), ACTIVATIONS),
        _delta_reference,
        function="hidden_delta",
        outputs=("delta",),
        guarded=GRADIENT_KERNELS,
        numerical=_delta_numerical,
        tolerances={"delta": GRADIENT_RTOL},
        hint=f"{_HIDDEN_ERROR}. The derivative is written with Z, the activation's output.",
        compares_with=(mlp.two_layer_backward,),
        doc="Check ``hidden_delta(Z, Y, T, V, activation) -> delta`` (N, M), the error at the hidden layer "
        "∂J/∂a, for sigmoid, tanh and relu, against the reference and central differences.",
    )
)

for _suffix, _activations, _which in (
    ("", ("sigmoid",), "a sigmoid hidden layer"),
    ("_activations", ("tanh", "relu"), "tanh and relu hidden layers"),
):
    _kw = ", activation=..." if _suffix else ""
    register(
        Check(
            "two_layer_grad_W" + _suffix,
            _gradient_cases(("X", "Z", "Y", "T", "V"), _activations),
            _grad_W_reference,
            function="grad_W",
            outputs=("dW",),
            guarded=GRADIENT_KERNELS,
            numerical=_numerical("W", "dW"),
            tolerances={"dW": GRADIENT_RTOL},
            hint=f"{_HIDDEN_ERROR}; dJ/dW = X.T @ δ, shape (D, M). Mind V.T and the sign." + _NO_MEAN,
            compares_with=(mlp.two_layer_backward,),
            doc=f"Check ``grad_W(X, Z, Y, T, V{_kw}) -> dJ/dW`` with {_which}, against the "
            f"reference and central differences.",
        ),
        aliases=("grad_W" + _suffix,),
    )
    register(
        Check(
            "two_layer_grad_b" + _suffix,
            _gradient_cases(("Z", "Y", "T", "V"), _activations),
            _grad_b_reference,
            function="grad_b",
            outputs=("db",),
            guarded=GRADIENT_KERNELS,
            numerical=_numerical("b", "db"),
            tolerances={"db": GRADIENT_RTOL},
            hint=f"{_HIDDEN_ERROR}; dJ/db = δ summed over the samples (axis 0), shape (M,)." + _NO_MEAN,
            compares_with=(mlp.two_layer_backward,),
            doc=f"Check ``grad_b(Z, Y, T, V{_kw}) -> dJ/db`` with {_which}, against the "
            f"reference and central differences.",
        ),
        aliases=("grad_b" + _suffix,),
    )
