"""Week 12's ways to shrink a trained network: magnitude pruning (per layer and global), affine quantization and
dequantization, and the distillation loss with its gradient, against ``helpers.efficient``, the one-at-a-time
pruning loop and the loss of ``helpers.numpy_reference`` (central differences)."""

from __future__ import annotations

import numpy as np

from ... import efficient
from ... import numpy_reference as ref
from ..core import Case, Check, CheckFailed, NetworkCase, as_output, register
from .diagnosis import GRADIENT, verify_with_mistakes

# --------------------------------------------------------------------------- pruning

# (label, shape, number of weights to zero; None: a random count)
_PRUNE = [
    ("sparsity 0: nothing is zeroed", (3, 4), 0),
    ("sparsity 1: everything is zeroed", (2, 3), 6),
    ("a single weight, kept", (1,), 0),
    ("large negative weights (magnitude, not value)", (4, 5), 8),
    ("a 4-D conv filter bank, 29 of 100", (4, 1, 5, 5), 29),
    ("a vector, 57 of 100", (100,), 57),
    ("random matrix", None, None),
]


def _prune_cases(rng):
    cases = []
    for label, shape, count in _PRUNE:
        if shape is None:
            shape = tuple(int(v) for v in rng.integers(2, 12, size=2))
        size = int(np.prod(shape))
        count = int(rng.integers(1, size)) if count is None else count
        w = rng.normal(size=shape)
        if label.startswith("large negative"):
            w = np.where(rng.random(shape) < 0.5, -3.0 - np.abs(w), w)
        cases.append((f"{label}, {count} of {size} weights", w, count / size))
    return cases


def _signed(w, s):
    out = w.ravel().copy()
    out[np.argsort(out, kind="stable")[: int(round(s * out.size))]] = 0.0
    return out.reshape(w.shape)


def _floor_count(w, s):
    out = w.ravel().copy()
    out[np.argsort(np.abs(out), kind="stable")[: int(s * out.size)]] = 0.0
    return out.reshape(w.shape)


def _kept_fraction(w, s):
    out = w.ravel().copy()
    out[np.argsort(np.abs(out), kind="stable")[: int(round((1 - s) * out.size))]] = 0.0
    return out.reshape(w.shape)


BY_VALUE = (
    "the weights are ranked by their VALUE: the most negative ones were zeroed. Rank by magnitude, np.abs(w): "
    "a weight of −3 matters as much as one of +3."
)
FLOORED = (
    "one weight too few is zeroed on some sparsities: int(sparsity * w.size) truncates 28.999999999999996 to 28. "
    "Round to the nearest integer, round(sparsity * w.size)."
)
INVERTED = "sparsity is the fraction of weights ZEROED, not the fraction kept."
PRUNE_HINT = (
    "count = round(sparsity * w.size); order = np.argsort(np.abs(w).ravel()); zero the first `count` entries of a "
    "flattened copy, reshape back. The other weights keep their values."
)


def _prune_mistakes(rule):
    return lambda case: (rule(case.args[0], case.args[1]),)


register(
    Check(
        "magnitude_prune",
        lambda rng: [Case(label, (w, s)) for label, w, s in _prune_cases(rng)],
        reference=None,
        verify=verify_with_mistakes(
            ("w_pruned",),
            lambda case: (efficient.magnitude_prune.unguarded(*case.args),),
            PRUNE_HINT,
            mistakes=(
                (BY_VALUE, _prune_mistakes(_signed)),
                (FLOORED, _prune_mistakes(_floor_count)),
                (INVERTED, _prune_mistakes(_kept_fraction)),
            ),
        ),
        outputs=("w_pruned",),
        guarded=(efficient.magnitude_prune, efficient.magnitude_prune_global),
        hint=PRUNE_HINT,
        compares_with=(efficient.magnitude_prune,),
        doc="Check ``magnitude_prune(w, sparsity)``: exactly the round(sparsity · w.size) smallest |w| zeroed, the "
        "rest unchanged (sparsity 0 and 1, a 4-D filter bank, large negative weights included).",
    )
)


def _global_cases(rng):
    cases = []
    # (label, shape 1, scale 1, shape 2, scale 2, sparsity as count / total)
    for label, s1, a1, s2, a2, frac in (
        ("two layers alike, half pruned", (6, 5), 1.0, (5, 4), 1.0, 0.5),
        ("a layer of small weights loses more", (8, 6), 0.1, (6, 3), 1.0, 0.4),
        ("a layer of large weights loses less", (64, 16), 3.0, (16, 10), 0.2, 0.8),
        ("sparsity 0", (3, 3), 1.0, (3, 2), 1.0, 0.0),
        ("a random pair", None, 1.0, None, 1.0, None),
    ):
        s1 = s1 or tuple(int(v) for v in rng.integers(2, 10, size=2))
        s2 = s2 or (s1[1], int(rng.integers(2, 10)))
        total = int(np.prod(s1) + np.prod(s2))
        count = int(round(frac * total)) if frac is not None else int(rng.integers(1, total))
        w1, w2 = rng.normal(size=s1) * a1, rng.normal(size=s2) * a2
        cases.append(Case(f"{label}, {count} of {total} weights", (w1, w2, count / total)))
    return cases


GLOBAL_HINT = (
    "rank the weights of BOTH layers together: flat = np.concatenate([w1.ravel(), w2.ravel()]); zero the "
    "round(sparsity * flat.size) smallest |flat|; split back with flat[:w1.size] and flat[w1.size:]."
)

register(
    Check(
        "magnitude_prune_global",
        _global_cases,
        reference=None,
        verify=verify_with_mistakes(
            ("w1_pruned", "w2_pruned"),
            lambda case: efficient.magnitude_prune_global.unguarded(*case.args),
            GLOBAL_HINT,
            mistakes=(
                (
                    "each layer is pruned to the sparsity on its own: global pruning ranks the weights of both "
                    "layers together, so a layer of small weights loses more than the sparsity.",
                    lambda case: tuple(efficient.magnitude_prune.unguarded(w, case.args[2]) for w in case.args[:2]),
                ),
            ),
        ),
        outputs=("w1_pruned", "w2_pruned"),
        guarded=(efficient.magnitude_prune, efficient.magnitude_prune_global),
        hint=GLOBAL_HINT,
        compares_with=(efficient.magnitude_prune_global,),
        doc="Check ``magnitude_prune_global(w1, w2, sparsity)``: the smallest |w| of both layers ranked together.",
    )
)


# --------------------------------------------------------------------------- quantization

_QUANT = [
    ("all zeros (scale 1 by convention)", lambda rng: np.zeros((2, 3)), 8),
    ("one weight", lambda rng: np.array([0.37]), 8),
    ("all positive: the range is widened to 0", lambda rng: rng.uniform(0.5, 2.0, size=(4, 4)), 8),
    ("all negative", lambda rng: -rng.uniform(0.1, 1.0, size=(10,)), 8),
    ("2 bits", lambda rng: rng.normal(size=(3, 5)), 2),
    ("4 bits", lambda rng: rng.normal(size=(6, 4)), 4),
    ("8 bits, skewed weights", lambda rng: rng.normal(size=(8, 8)) * 0.1 + 0.05, 8),
    ("8 bits, 4-D", lambda rng: rng.normal(size=(3, 2, 3, 3)), 8),
]


def _quant_cases(rng):
    cases = [Case(label, (make(rng), bits)) for label, make, bits in _QUANT]
    bits = int(rng.integers(3, 9))
    cases.append(Case(f"random, {bits} bits", (rng.normal(size=(int(rng.integers(2, 20)), 5)) * 2.0, bits)))
    return cases


def _quant_mistake(levels=None, widen=True):
    def mistake(case):
        w, bits = case.args
        top = 2**bits - 1
        n = levels(bits) if levels else top
        lo, hi = (min(w.min(), 0.0), max(w.max(), 0.0)) if widen else (w.min(), w.max())
        scale = (hi - lo) / n if hi > lo else 1.0
        zp = float(np.clip(np.round(-lo / scale), 0, top))
        return np.clip(np.round(w / scale) + zp, 0, top), scale, zp

    return mistake


QUANT_HINT = (
    "lo = min(w.min(), 0), hi = max(w.max(), 0); scale = (hi − lo) / (2**bits − 1) (1.0 if hi == lo); "
    "zero_point = round(−lo / scale); q = clip(round(w / scale) + zero_point, 0, 2**bits − 1)."
)
_verify_quant = verify_with_mistakes(
    ("q", "scale", "zero_point"),
    lambda case: efficient.quantize.unguarded(*case.args),
    QUANT_HINT,
    mistakes=(
        (
            "the range is cut into 2**bits steps: b bits give 2**bits codes, 0 … 2**bits − 1, so "
            "scale = (hi − lo) / (2**bits − 1).",
            _quant_mistake(levels=lambda bits: 2**bits),
        ),
        (
            "the range is not widened to hold 0: with lo = min(w.min(), 0) and hi = max(w.max(), 0), 0.0 gets an "
            "exact code (the zero point), so pruned weights and padding stay exactly 0.",
            _quant_mistake(widen=False),
        ),
    ),
)


def _verify_quantize(case, got, where):
    """The reference's codes, and the round trip within half a step."""
    __tracebackhide__ = True
    _verify_quant(case, got, where)
    w = np.asarray(case.args[0], dtype=np.float64)
    q, scale, zp = (as_output(v, n, where) for v, n in zip(got, ("q", "scale", "zero_point")))
    error = np.abs(scale * (q - zp) - w)
    if error.max() > float(scale) / 2 * (1 + 1e-9) + 1e-12:
        raise CheckFailed(f"{where}: the round trip scale · (q − zero_point) is off by more than scale / 2.")


register(
    Check(
        "quantize",
        _quant_cases,
        reference=None,
        verify=_verify_quantize,
        outputs=("q", "scale", "zero_point"),
        guarded=(efficient.quantize, efficient.dequantize),
        hint=QUANT_HINT,
        compares_with=(efficient.quantize,),
        doc="Check ``quantize(w, bits) -> (q, scale, zero_point)``, affine quantization, against helpers.efficient, "
        "and that dequantizing comes back within scale / 2 of every weight (all zeros, all positive, 2 bits "
        "included).",
    )
)


def _dequant_cases(rng):
    cases = []
    for label, bits, shape in (
        ("8 bits", 8, (4, 5)),
        ("2 bits", 2, (3,)),
        ("one code", 8, (1,)),
        ("4-D", 4, (2, 2, 3, 3)),
    ):
        q = rng.integers(0, 2**bits, size=shape).astype(np.float64)
        cases.append(Case(label, (q, float(rng.uniform(0.001, 0.1)), float(rng.integers(0, 2**bits)))))
    return cases


register(
    Check(
        "dequantize",
        _dequant_cases,
        reference=lambda q, scale, zero_point: efficient.dequantize.unguarded(q, scale, zero_point),
        outputs=("w_hat",),
        guarded=(efficient.quantize, efficient.dequantize),
        hint="w_hat = scale * (q − zero_point): subtract the zero point first, then scale.",
        compares_with=(efficient.dequantize,),
        doc="Check ``dequantize(q, scale, zero_point) -> w_hat`` against helpers.efficient.",
    )
)


# --------------------------------------------------------------------------- distillation

# (label, N, K, T, logit scale)
_DISTILL = [
    ("T = 1 (plain soft targets)", 3, 4, 1.0, 1.0),
    ("a batch of one (N = 1)", 1, 5, 2.0, 1.0),
    ("two classes", 4, 2, 3.0, 1.0),
    ("T = 20 (very soft)", 3, 10, 20.0, 3.0),
    ("large logits (±100), T = 4", 2, 6, 4.0, 50.0),
    ("T = 0.5 (sharper)", 3, 3, 0.5, 1.0),
]


def _distill_cases(rng):
    shapes = list(_DISTILL)
    n, k, T = int(rng.integers(2, 8)), int(rng.integers(2, 11)), float(rng.uniform(1.5, 10.0))
    shapes.append((f"random N={n}, K={k}, T={T:.3g}", n, k, T, 2.0))
    result = []
    for label, n, k, T, scale in shapes:
        net = dict(zs=rng.normal(size=(n, k)) * scale, zt=rng.normal(size=(n, k)) * scale, T=T)
        result.append(NetworkCase(label, (net["zs"], net["zt"], T), network=net))
    return result


def _distill_mistake(loss_factor, grad_factor, teacher_T=True):
    """loss_factor(T), grad_factor(T) replace T² and T; teacher_T=False: the teacher at T = 1."""

    def mistake(case):
        net = case.network
        T, n = net["T"], net["zs"].shape[0]
        ps = ref.softmax_t(net["zs"], T)
        pt = ref.softmax_t(net["zt"], T if teacher_T else 1.0)
        with np.errstate(divide="ignore"):
            loss = -loss_factor(T) * float(np.sum(pt * np.log(ps))) / n
        return loss, grad_factor(T) * (ps - pt) / n

    return mistake


def _numerical(case):
    from ...gradcheck import numerical_gradient

    net = case.network
    zs = np.array(net["zs"], dtype=np.float64)
    # The loss carries T² (400 at T = 20) and its round-off ε·|loss|/h reached the comparison's tolerance
    # with h = 1e-5 (an honest loop-written gradient lost 3 points on one draw). The logits enter as z / T,
    # so a step of 1e-5·T moves the softmax as 1e-5 moves it at T = 1: round-off falls by T, and the
    # truncation error (h² times a third derivative ∝ 1/T) stays negligible. Over 300 draws of every case
    # the reference's gradient now stays within 0.18 of the tolerance (it reached 1.45 at large logits).
    h = 1e-5 * max(1.0, net["T"])
    return {"dz": numerical_gradient(lambda _: ref.distillation_loss(zs, net["zt"], net["T"]), zs, h=h)}


DISTILL_HINT = (
    "p_s = softmax(z_s / T), p_t = softmax(z_t / T) (subtract the row maximum first); "
    "loss = −T² · mean over the batch of Σ_k p_t log p_s; dz = T · (p_s − p_t) / N "
    "(the chain rule through z_s / T gives 1/T, times the T² of the loss)."
)

register(
    Check(
        "distillation_loss",
        _distill_cases,
        reference=None,
        verify=verify_with_mistakes(
            ("loss", "dz"),
            lambda case: efficient.distillation_loss.unguarded(*case.args),
            DISTILL_HINT,
            mistakes=(
                (
                    "the T² factor is missing: multiply the soft cross-entropy by T² (its gradient is then "
                    "T · (p_s − p_t) / N), or the soft targets' gradients shrink as 1/T² when T grows.",
                    _distill_mistake(lambda T: 1.0, lambda T: 1.0 / T),
                ),
                (
                    "the gradient is missing the 1/T of the chain rule: the student's logits enter as z_s / T, so "
                    "dz = T² · (p_s − p_t) / (N · T) = T · (p_s − p_t) / N.",
                    _distill_mistake(lambda T: T * T, lambda T: T * T),
                ),
                (
                    "the teacher's probabilities are not softened: divide the teacher's logits by T too.",
                    _distill_mistake(lambda T: T * T, lambda T: T, teacher_T=False),
                ),
            ),
            numerical=_numerical,
            rtol={"loss": 1e-7, "dz": GRADIENT},
        ),
        outputs=("loss", "dz"),
        guarded=(efficient.distillation_loss, efficient.softmax_t),
        forbidden=("scipy.special.softmax", "scipy.special.log_softmax"),
        hint=DISTILL_HINT,
        compares_with=(efficient.distillation_loss,),
        doc="Check ``distillation_loss(student_logits, teacher_logits, T) -> (loss, dz)`` against helpers.efficient "
        "and central differences (T = 1, T = 20, T = 0.5, large logits and a batch of one included).",
    )
)


# --------------------------------------------------------------------------- a distilled student, trained

# Test accuracy on the 450 held-out digits of the student (16 hidden units, 200 training digits, 100 epochs),
# trained with hard labels alone and with the teacher's soft targets too (T = 5, alpha = 0.2), reference
# functions, seeds 0-19: hard 92.4% on average, distilled 94.9%; the margin was +1.3 to +4.2 points on every
# seed (mean +2.5). The check asks for a margin of at least 0 on the grader's seed, 1.3 points (6 digits) below
# the worst of those 20, and for a distilled student of at least 90% (the worst of the 20: 92.7%).
DISTILLED_MIN_ACCURACY = 0.90
STUDENT = dict(hidden=16, n_transfer=200, T=5.0, alpha=0.2, epochs=100)
STUDENT_PARAMETERS = ("W1", "b1", "W2", "b2")


def _student_cases(rng):
    seed = int(rng.integers(1, 100_000))
    return [Case(f"the two students, seed {seed}", (), {"seed": seed})]


def _verify_students(case, outputs, where):
    """The two students' parameters: shapes, then the held-out accuracy of each with helpers.compress."""
    __tracebackhide__ = True
    from ... import compress

    raw = outputs[0]
    if not isinstance(raw, tuple) or len(raw) != 8:
        kind = getattr(raw, "type_name", type(raw).__name__)
        raise CheckFailed(
            f"{where}: train_students returned a {kind}; it returns the 8 arrays W1, b1, W2, b2 of the student "
            f"trained on hard labels, then of the distilled one. Did you edit the read-only training cell?"
        )
    shapes = {"W1": (64, STUDENT["hidden"]), "b1": (STUDENT["hidden"],), "W2": (STUDENT["hidden"], 10), "b2": (10,)}
    students = []
    for first in (0, 4):
        params = {}
        for name, value in zip(STUDENT_PARAMETERS, raw[first : first + 4]):
            array = as_output(value, name, where)
            if array.shape != shapes[name] or not np.all(np.isfinite(array)):
                raise CheckFailed(f"{where}: {name} has shape {array.shape} or holds inf/NaN; expected {shapes[name]}.")
            params[name] = array
        students.append(params)
    _, _, X_test, y_test = compress.digits()
    hard, soft = (compress.accuracy(p, X_test, y_test) for p in students)
    if soft < DISTILLED_MIN_ACCURACY or soft < hard:
        raise CheckFailed(
            f"{where}: the distilled student gets {soft:.1%} of the 450 held-out digits, the one trained on hard "
            f"labels {hard:.1%}; with a correct distillation_loss the distilled one wins by 1 to 4 points on "
            f"every seed we tried (and reaches at least {DISTILLED_MIN_ACCURACY:.0%}). "
            f"Does check_distillation_loss pass?"
        )


register(
    Check(
        "distilled_student_wins",
        _student_cases,
        reference=None,
        verify=_verify_students,
        function="train_students",
        outputs=("params",),
        guarded=(efficient.distillation_loss, efficient.softmax_t),
        hint="train_students(seed) returns the 8 trained arrays: the hard-label student's, then the distilled one's.",
        compares_with="behaviour",
        doc="Train the small student with hard labels and with the teacher's soft targets (``train_students(seed=s)``, "
        "your distillation_loss) for a seed the grader draws; it passes when the distilled student is at least as "
        f"accurate on the 450 held-out digits and reaches {DISTILLED_MIN_ACCURACY:.0%}.",
    )
)
