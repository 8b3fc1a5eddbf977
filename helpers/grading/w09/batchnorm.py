"""Week 9's batch norm layer: forward in training and inference mode, the refusal of γ and β of a wrong
shape, and backward.

Compared with ``helpers.norm`` and, for the gradients, with central differences of E = Σ dout ⊙ out
computed by ``helpers.numpy_reference.batchnorm_train`` (no shared code). Cases include N = 1
(x̂ = 0, out = β), a feature of near-zero and one of zero variance (ε decides), features far from 0
with a small spread (a variance computed as E[x²] − E[x]² loses its digits there), large N and every
momentum from 0 to 0.99.
"""

from __future__ import annotations

import numpy as np

from ... import batchnorm_layer, norm, numpy_reference
from ...gradcheck import numerical_gradient
from ..core import GRADIENT_RTOL, Case, Check, CheckFailed, as_output, register

BN_GUARDS = (norm.batchnorm_forward, norm.batchnorm_backward)


# --------------------------------------------------------------------------- batch norm forward


def bn_draw(rng, n, d, offset=0.0, spread=2.0):
    """x (n, d) with features of different means, γ around 1 and β, for a batch-norm case."""
    x = offset + spread * rng.normal(size=(n, d)) + rng.normal(size=d)
    gamma = 1.0 + 0.5 * rng.normal(size=d)
    beta = rng.normal(size=d)
    return x, gamma, beta


def running_stats(rng, d):
    """Running mean and variance (d,) as a layer would hold them after some training."""
    return rng.normal(size=d) * 0.5, rng.uniform(0.5, 2.0, size=d)


def forward_train_cases(rng):
    cases = []

    def add(label, x, gamma, beta, stats, momentum=0.9, eps=1e-5):
        mean, var = stats if stats is not None else (None, None)
        cases.append(Case(label, (x, gamma, beta, "train", mean, var, momentum, eps)))

    x, g, b = bn_draw(rng, 1, 4)
    add("N=1: one example (x̂ = 0, so out = β)", x, g, b, running_stats(rng, 4))
    x, g, b = bn_draw(rng, 2, 3)
    add("N=2, D=3, momentum 0.9", x, g, b, running_stats(rng, 3))
    x, g, b = bn_draw(rng, 8, 3)
    x[:, 1] = 2.0 + 1e-7 * rng.normal(size=8)
    add("feature 1 has a near-zero variance (about 1e-14): ε decides", x, g, b, running_stats(rng, 3))
    x, g, b = bn_draw(rng, 6, 3)
    x[:, 0] = -1.5
    add("feature 0 is constant (variance 0)", x, g, b, running_stats(rng, 3), eps=1e-3)
    x, g, b = bn_draw(rng, 7, 2, offset=1e4, spread=0.01)
    add("features far from 0 with a small spread (mean 10 000, std 0.01)", x, g, b, running_stats(rng, 2))
    x, g, b = bn_draw(rng, 5000, 3)
    add("large N = 5000", x, g, b, running_stats(rng, 3), momentum=0.99)
    x, g, b = bn_draw(rng, 4, 5)
    add("the first step: running_mean and running_var None (zeros and ones)", x, g, b, None)
    x, g, b = bn_draw(rng, 5, 2)
    add("momentum 0: the running averages become the batch's statistics", x, g, b, running_stats(rng, 2), momentum=0.0)
    n, d = int(rng.integers(3, 30)), int(rng.integers(1, 8))
    momentum = float(np.round(rng.uniform(0.5, 0.99), 3))
    x, g, b = bn_draw(rng, n, d)
    add(f"random N={n}, D={d}, momentum {momentum:g}, eps 1e-3", x, g, b, running_stats(rng, d), momentum, 1e-3)
    return cases


def forward_inference_cases(rng):
    cases = []

    def add(label, x, gamma, beta, stats, momentum=0.9, eps=1e-5):
        cases.append(Case(label, (x, gamma, beta, "inference", stats[0], stats[1], momentum, eps)))

    x, g, b = bn_draw(rng, 1, 4)
    add("N=1: one example at test time", x, g, b, running_stats(rng, 4))
    x, g, b = bn_draw(rng, 6, 3)
    mean, var = running_stats(rng, 3)
    var[2] = 1e-12
    add("running variance of feature 2 near zero (1e-12): ε decides", x, g, b, (mean, var))
    x, g, b = bn_draw(rng, 6, 4)
    add("(6, 4): the batch's own statistics must not be used", x, g, b, running_stats(rng, 4), eps=1e-3)
    x, g, b = bn_draw(rng, 3, 2, offset=50.0)
    add("inputs far from the running mean", x, g, b, running_stats(rng, 2))
    n, d = int(rng.integers(2, 30)), int(rng.integers(1, 8))
    x, g, b = bn_draw(rng, n, d)
    add(f"random N={n}, D={d}", x, g, b, running_stats(rng, d), momentum=0.5)
    return cases


def forward_reference(x, gamma, beta, mode, running_mean, running_var, momentum, eps):
    return norm.batchnorm_forward.unguarded(x, gamma, beta, mode, running_mean, running_var, momentum, eps)


TRAIN_HINT = (
    "training mode: μ = x.mean(axis=0), σ² = ((x − μ)**2).mean(axis=0) (divided by N, and computed from "
    "x − μ: E[x²] − μ² loses every digit when the mean is large), x̂ = (x − μ) / np.sqrt(σ² + ε), "
    "out = γ x̂ + β; running_mean = momentum * running_mean + (1 − momentum) * μ, the same for "
    "running_var with σ², starting from zeros and ones when they are None."
)


INFERENCE_HINT = (
    "inference mode: normalize with running_mean and running_var, never with the batch's own "
    "statistics (one example has none): out = γ (x − running_mean) / np.sqrt(running_var + ε) + β, "
    "and return the running averages unchanged."
)


register(
    Check(
        "batchnorm_forward_train",
        forward_train_cases,
        forward_reference,
        function="batchnorm_forward",
        outputs=("out", "running_mean", "running_var"),
        guarded=BN_GUARDS,
        hint=TRAIN_HINT,
        compares_with=(norm.batchnorm_forward,),
        doc="Check ``batchnorm_forward(x, gamma, beta, 'train', running_mean, running_var, momentum, eps) -> "
        "(out, running_mean, running_var)`` against helpers.norm: N = 1, N = 5000, a near-zero and a "
        "zero variance, a mean of 10 000 with a spread of 0.01, momentum 0 to 0.99.",
    )
)


register(
    Check(
        "batchnorm_forward_inference",
        forward_inference_cases,
        forward_reference,
        function="batchnorm_forward",
        outputs=("out", "running_mean", "running_var"),
        guarded=BN_GUARDS,
        hint=INFERENCE_HINT,
        compares_with=(norm.batchnorm_forward,),
        doc="Check ``batchnorm_forward(x, gamma, beta, 'inference', running_mean, running_var, momentum, "
        "eps)``: normalized with the running averages (N = 1 included), which come back unchanged.",
    )
)


# --------------------------------------------------------------------------- bad shapes


def bad_shape_cases(rng):
    x = rng.normal(size=(5, 3))
    g, b = 1.0 + 0.5 * rng.normal(size=3), rng.normal(size=3)
    return [
        Case("gamma has 4 entries, x has 3 features", (x, np.ones(4), b, "gamma")),
        Case("beta has 2 entries, x has 3 features", (x, g, np.zeros(2), "beta")),
        Case("gamma has 1 entry (numpy would broadcast it silently)", (x, np.ones(1), b, "gamma")),
        Case("beta has shape (3, 1) (numpy would broadcast it to (5, 3) or fail)", (x, g, np.zeros((3, 1)), "beta")),
        Case("gamma and beta of the right shape (3,): no error", (x, g, b, "")),
    ]


SHAPE_HINT = (
    'at the top of batchnorm_forward: D = x.shape[1]; if gamma.shape != (D,): raise ValueError(f"gamma has '
    'shape {gamma.shape}, expected ({D},) for x of shape {x.shape}"), and the same for beta. Name the '
    "argument in the message."
)


def verify_bad_shapes(case, got, where):
    __tracebackhide__ = True
    code = as_output(got[0], "outcome", where)
    if code.shape != () or float(code) not in batchnorm_layer.BAD_SHAPE_OUTCOMES:
        raise CheckFailed(
            f"{where}: the outcome could not be read; call the check on "
            f"helpers.batchnorm_layer.bad_shape_outcome(batchnorm_forward)."
        )
    code, bad = int(code), case.args[3]
    if not bad:
        if code != 0:
            raise CheckFailed(
                f"{where}: your function {batchnorm_layer.BAD_SHAPE_OUTCOMES[code]} for correct shapes; "
                f"it must only raise when gamma or beta does not have shape (D,)."
            )
        return
    if code == 1:
        return
    what = {
        0: f"returned a result instead of raising: a wrong {bad} must not be broadcast",
        2: f"raised a ValueError whose message does not contain the word {bad!r} (numpy's own "
        f"broadcasting error?): say which argument is wrong",
        3: "raised an exception that is not a ValueError",
    }[code]
    raise CheckFailed(f"{where}: your function {what}.\nHint: {SHAPE_HINT}")


register(
    Check(
        "batchnorm_rejects_bad_shapes",
        bad_shape_cases,
        reference=None,
        outputs=("outcome",),
        function="batchnorm_forward",
        guarded=BN_GUARDS,
        verify=verify_bad_shapes,
        hint=SHAPE_HINT,
        compares_with="behaviour",
        doc="Call ``batchnorm_forward(x, gamma, beta)`` with gamma or beta of a wrong shape (too many or "
        "too few entries, one entry, (D, 1)): each must raise a ValueError whose message names the "
        "argument; correct shapes must not raise. Call it on "
        "``helpers.batchnorm_layer.bad_shape_outcome(batchnorm_forward)``.",
    )
)


# --------------------------------------------------------------------------- batch norm backward


def backward_cases(rng):
    cases = []

    def add(label, x, gamma, beta, eps=1e-5):
        cases.append(Case(label, (rng.normal(size=x.shape), x, gamma, beta, eps)))

    add("N=1: out = β whatever x is, so dx = 0", *bn_draw(rng, 1, 3))
    add("N=2, D=3", *bn_draw(rng, 2, 3))
    x, g, b = bn_draw(rng, 8, 3)
    x[:, 1] = 2.0 + 1e-7 * rng.normal(size=8)
    add("feature 1 has a near-zero variance (about 1e-14)", x, g, b)
    x, g, b = bn_draw(rng, 6, 2)
    x[:, 0] = 0.25
    add("feature 0 is constant (variance 0), eps 1e-3", x, g, b, 1e-3)
    add("large N = 1000, D = 3", *bn_draw(rng, 1000, 3))
    add("N = D = 4: a sum over the wrong axis keeps the shape", *bn_draw(rng, 4, 4))
    n, d = int(rng.integers(3, 20)), int(rng.integers(1, 7))
    add(f"random N={n}, D={d}, eps 1e-3", *bn_draw(rng, n, d), 1e-3)
    return cases


def backward_reference(dout, x, gamma, beta, eps):
    return norm.batchnorm_backward.unguarded(dout, x, gamma, beta, "train", None, None, eps)


def backward_numerical(case, expected):
    dout, x, gamma, beta, eps = (
        np.array(a, dtype=np.float64, copy=True) if isinstance(a, np.ndarray) else a for a in case.args
    )

    def out(_):
        return numpy_reference.batchnorm_train(x, gamma, beta, eps)[0]

    return {
        "dx": numerical_gradient(out, x, df=dout),
        "dgamma": numerical_gradient(out, gamma, df=dout),
        "dbeta": numerical_gradient(out, beta, df=dout),
    }


register(
    Check(
        "batchnorm_backward",
        backward_cases,
        backward_reference,
        outputs=("dx", "dgamma", "dbeta"),
        guarded=(norm.batchnorm_backward, norm.batchnorm_forward),
        numerical=backward_numerical,
        tolerances={"dx": GRADIENT_RTOL, "dgamma": GRADIENT_RTOL, "dbeta": GRADIENT_RTOL},
        hint="with x̂ and σ = np.sqrt(σ² + ε) from the forward pass (training mode), sums over the batch "
        "(axis 0): dbeta = Σ dout, dgamma = Σ dout * x̂, dx = γ / (N σ) * (N dout − Σ dout − x̂ Σ(dout "
        "* x̂)). The last two terms are what μ and σ² depending on every example adds.",
        compares_with=(norm.batchnorm_backward,),
        doc="Check ``batchnorm_backward(dout, x, gamma, beta, eps) -> (dx, dgamma, dbeta)`` (training mode) "
        "against helpers.norm and central differences: N = 1, N = 1000, a near-zero and a zero variance.",
    )
)
