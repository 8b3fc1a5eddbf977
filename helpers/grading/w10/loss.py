"""Week 10's sequence loss: softmax cross-entropy averaged over the real target tokens, and its gradient,
against ``helpers.seq2seq`` and central differences of the per-token loop of ``helpers.numpy_reference``."""

from __future__ import annotations

import numpy as np

from ... import numpy_reference as ref
from ... import seq2seq
from ..core import Check, NetworkCase, register
from ..mistakes import GRADIENT, verify_with_mistakes

# (label, lengths, K, logit scale)
_SHAPES = [
    ("one step (T = 1)", [1, 1], 3, 1.0),
    ("a single sequence (N = 1), no padding", [4], 5, 1.0),
    ("padded targets of lengths 3, 1, 2", [3, 1, 2], 4, 1.0),
    ("two classes, lengths 5, 2", [5, 2], 2, 1.0),
    ("large logits (±1000), lengths 2, 4", [2, 4], 3, 500.0),
]


def _cases(rng):
    result = []
    shapes = list(_SHAPES)
    n, K = int(rng.integers(2, 6)), int(rng.integers(2, 8))
    shapes.append((f"random lengths, N={n}, K={K}", [int(v) for v in rng.integers(1, 7, size=n)], K, 2.0))
    for label, lengths, K, scale in shapes:
        n, t = len(lengths), max(lengths)
        mask = (np.arange(t)[None, :] < np.array(lengths)[:, None]).astype(np.float64)
        net = dict(logits=rng.normal(size=(n, t, K)) * scale, targets=rng.integers(0, K, size=(n, t)), mask=mask)
        result.append(NetworkCase(label, (net["logits"], net["targets"], net["mask"]), network=net))
    return result


def _reference(case):
    return seq2seq.sequence_loss.unguarded(*case.args)


def _over_every_position(case):
    """The mistake: the mean over all N·T positions, padding included."""
    mask = case.network["mask"]
    n, t = mask.shape
    logits, targets = case.network["logits"], case.network["targets"]
    shifted = logits - logits.max(axis=2, keepdims=True)
    log_p = shifted - np.log(np.exp(shifted).sum(axis=2, keepdims=True))
    picked = np.take_along_axis(log_p, targets[..., None], axis=2)[..., 0]
    p = np.exp(log_p)
    np.put_along_axis(p, targets[..., None], np.take_along_axis(p, targets[..., None], 2) - 1.0, 2)
    return float(-(picked * mask).sum() / (n * t)), p * mask[..., None] / (n * t)


def _numerical(case):
    from ...gradcheck import numerical_gradient

    net = case.network
    logits = np.array(net["logits"], dtype=np.float64)
    # With logits of ±1000 the loss is hundreds, and the round-off ε·|loss|/h of h = 1e-5 used up to 0.55
    # of the comparison's tolerance over 300 draws. Such logits make the softmax nearly piecewise linear,
    # so a step grown with their size (1e-4 at ±1000) cuts the round-off tenfold at no cost in truncation.
    h = 1e-5 * max(1.0, float(np.max(np.abs(logits))) / 100.0)
    loss = lambda _: ref.sequence_loss(logits, net["targets"], net["mask"])
    return {"dlogits": numerical_gradient(loss, logits, h=h)}


HINT = (
    "p = softmax(logits) on the last axis (subtract the max first); loss = −Σ mask · log p[target] / Σ mask, "
    "the mean over REAL tokens only; dlogits = mask[..., None] · (p − one_hot(targets)) / Σ mask."
)
PADDING_COUNTED = (
    "the mean is taken over every position, padding included: divide by the number of real tokens, "
    "mask.sum(), not by N·T."
)

register(
    Check(
        "sequence_loss",
        _cases,
        reference=None,
        verify=verify_with_mistakes(
            ("loss", "dlogits"),
            _reference,
            HINT,
            mistakes=((PADDING_COUNTED, _over_every_position),),
            numerical=_numerical,
            rtol={"loss": 1e-7, "dlogits": GRADIENT},
        ),
        outputs=("loss", "dlogits"),
        guarded=(seq2seq.sequence_loss,),
        hint=HINT,
        compares_with=(seq2seq.sequence_loss,),
        doc="Check ``sequence_loss(logits, targets, mask) -> (loss, dlogits)``, the cross-entropy averaged over "
        "real tokens, against helpers.seq2seq and central differences (padding and large logits included).",
    )
)
