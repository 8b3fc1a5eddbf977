"""Week 11's sinusoidal positional encoding and layer normalization (forward and backward), against
``helpers.transformer``, the loops of ``helpers.numpy_reference`` and central differences. Layer norm is
graded on a batch of one first: there batch norm (over the batch axis) gives β everywhere."""

from __future__ import annotations

import numpy as np

from ... import numpy_reference as ref
from ... import transformer
from ..core import Case, Check, NetworkCase, register
from ..mistakes import GRADIENT, verify_with_mistakes


def _pe_cases(rng):
    shapes = [("T = 1, D = 1", 1, 1), ("T = 1, D = 4", 1, 4), ("T = 5, D = 1", 5, 1), ("D odd: T = 4, D = 5", 4, 5)]
    shapes.append(("T = 50, D = 16", 50, 16))
    t, d = int(rng.integers(2, 40)), int(rng.integers(2, 33))
    shapes.append((f"random: T = {t}, D = {d}", t, d))
    return [Case(label, (t, d)) for label, t, d in shapes]


def _pe_mistake(how):
    def encoding(case):
        t, d = case.args
        cols = np.arange(d)
        exponent = cols / d if how == "i_over_D" else (cols // 2 * 2) / d
        angles = np.arange(t)[:, None] / 10000.0 ** exponent[None, :]
        if how == "swapped":
            return (np.where(cols % 2 == 0, np.cos(angles), np.sin(angles)),)
        return (np.where(cols % 2 == 0, np.sin(angles), np.cos(angles)),)

    return encoding


PE_HINT = (
    "angle[t, j] = t / 10000 ** (2 * (j // 2) / D) (columns 2i and 2i+1 share a frequency); "
    "PE = sin(angle) in the even columns, cos(angle) in the odd ones; t counts from 0."
)

register(
    Check(
        "positional_encoding",
        _pe_cases,
        reference=None,
        verify=verify_with_mistakes(
            ("PE",),
            lambda case: (transformer.positional_encoding.unguarded(*case.args),),
            PE_HINT,
            mistakes=(
                (
                    "sine and cosine are swapped: even columns (0, 2, …) hold the sine, odd ones the cosine.",
                    _pe_mistake("swapped"),
                ),
                (
                    "each column has its own frequency: columns 2i and 2i+1 share one, 1/10000^(2i/D); "
                    "the exponent is 2 * (j // 2) / D, not j / D.",
                    _pe_mistake("i_over_D"),
                ),
            ),
        ),
        outputs=("PE",),
        guarded=(transformer.positional_encoding,),
        hint=PE_HINT,
        compares_with=(transformer.positional_encoding,),
        doc="Check ``positional_encoding(T, D) -> PE (T, D)`` against helpers.transformer (T = 1, D = 1, D odd).",
    )
)


# --------------------------------------------------------------------------- layer norm


def _ln_data(rng):
    shapes = [
        ("a batch of one, x (1, 6)", (1, 6)),
        ("N = 4 examples of D = 3", (4, 3)),
        ("sequences: x (2, 3, 5), each position normalized alone", (2, 3, 5)),
        ("a batch of one sequence, x (1, 4, 4)", (1, 4, 4)),
        ("large offset and scale: x = 100 + 30 z, (3, 8)", (3, 8)),
    ]
    n, d = int(rng.integers(1, 6)), int(rng.integers(2, 9))
    shapes.append((f"random: x ({n}, {d})", (n, d)))
    result = []
    for label, shape in shapes:
        x = rng.normal(size=shape)
        if label.startswith("large"):
            x = 100.0 + 30.0 * x
        d = shape[-1]
        net = dict(x=x, gamma=rng.normal(size=d), beta=rng.normal(size=d), dout=rng.normal(size=shape))
        result.append((label, net))
    return result


def _ln(x, gamma, beta, axis, eps=1e-5):
    mu = x.mean(axis=axis, keepdims=True)
    return gamma * (x - mu) / np.sqrt(x.var(axis=axis, keepdims=True) + eps) + beta


LN_OVER_BATCH = (
    "the mean and variance are taken over the batch axis (axis 0): that is week 9's batch norm. Layer norm "
    "normalizes each example over its own features, the LAST axis (x.mean(axis=-1, keepdims=True)); with a "
    "batch of one, batch norm leaves nothing (x − mean = 0)."
)
LN_OVER_SEQUENCE = (
    "the statistics are taken over a whole sequence (every axis but the first): each POSITION is normalized on "
    "its own, over the last axis only."
)
LN_HINT = (
    "mu = x.mean(axis=-1, keepdims=True); var = x.var(axis=-1, keepdims=True); "
    "out = gamma * (x − mu) / np.sqrt(var + eps) + beta."
)

register(
    Check(
        "layer_norm",
        lambda rng: [
            NetworkCase(label, (net["x"], net["gamma"], net["beta"]), network=net) for label, net in _ln_data(rng)
        ],
        reference=None,
        verify=verify_with_mistakes(
            ("out",),
            lambda case: (transformer.layer_norm.unguarded(*case.args),),
            LN_HINT,
            mistakes=(
                (LN_OVER_BATCH, lambda case: (_ln(*case.args, axis=0),)),
                (LN_OVER_SEQUENCE, lambda case: (_ln(*case.args, axis=tuple(range(1, case.args[0].ndim))),)),
            ),
        ),
        outputs=("out",),
        guarded=(transformer.layer_norm,),
        hint=LN_HINT,
        compares_with=(transformer.layer_norm,),
        doc="Check ``layer_norm(x, gamma, beta) -> out`` (eps = 1e-5) against helpers.transformer: a batch of one "
        "first, then 2-D and 3-D inputs.",
    )
)


def _ln_numerical(case):
    from ...gradcheck import numerical_gradient

    net = {k: np.array(v, dtype=np.float64) for k, v in case.network.items()}

    def energy(_):
        return float(np.sum(net["dout"] * ref.layer_norm(net["x"], net["gamma"], net["beta"])))

    return {f"d{name}": numerical_gradient(energy, net[name]) for name in ("x", "gamma", "beta")}


def _ln_backward_mistake(how):
    def gradients(case):
        dout, x, gamma, _ = case.args
        axis = 0 if how == "batch" else -1
        mu = x.mean(axis=axis, keepdims=True)
        s = np.sqrt(x.var(axis=axis, keepdims=True) + 1e-5)
        xhat = (x - mu) / s
        g = dout * gamma
        if how == "constant_stats":
            dx = g / s
        else:
            dx = (g - g.mean(axis=axis, keepdims=True) - xhat * (g * xhat).mean(axis=axis, keepdims=True)) / s
        flat = (-1, x.shape[-1])
        return dx, (dout * xhat).reshape(flat).sum(axis=0), dout.reshape(flat).sum(axis=0)

    return gradients


LN_BACKWARD_HINT = (
    "xhat = (x − mu) / s with s = sqrt(var + eps) over the last axis; g = dout * gamma; "
    "dx = (g − g.mean(-1, keepdims=True) − xhat * (g * xhat).mean(-1, keepdims=True)) / s; "
    "dgamma = (dout * xhat) summed over every axis but the last; dbeta = dout summed the same way."
)

register(
    Check(
        "layer_norm_backward",
        lambda rng: [
            NetworkCase(label, (net["dout"], net["x"], net["gamma"], net["beta"]), network=net)
            for label, net in _ln_data(rng)
        ],
        reference=None,
        verify=verify_with_mistakes(
            ("dx", "dgamma", "dbeta"),
            lambda case: transformer.layer_norm_backward.unguarded(*case.args),
            LN_BACKWARD_HINT,
            mistakes=(
                (LN_OVER_BATCH, _ln_backward_mistake("batch")),
                (
                    "dx treats the mean and variance as constants (dx = g / s): they depend on x too, which adds "
                    "the terms − mean(g) − x̂ · mean(g x̂).",
                    _ln_backward_mistake("constant_stats"),
                ),
            ),
            numerical=_ln_numerical,
            rtol={name: GRADIENT for name in ("dx", "dgamma", "dbeta")},
        ),
        outputs=("dx", "dgamma", "dbeta"),
        guarded=(transformer.layer_norm, transformer.layer_norm_backward),
        hint=LN_BACKWARD_HINT,
        compares_with=(transformer.layer_norm_backward,),
        doc="Check ``layer_norm_backward(dout, x, gamma, beta) -> (dx, dgamma, dbeta)`` against helpers.transformer "
        "and central differences, a batch of one included.",
    )
)
