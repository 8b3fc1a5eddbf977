"""Week 10's embeddings: the lookup E[ids] and its gradient, a scatter-add, against ``helpers.seq2seq``,
the one-hot products of ``helpers.numpy_reference`` and central differences."""

from __future__ import annotations

import numpy as np

from ... import numpy_reference as ref
from ... import seq2seq
from ..core import Check, NetworkCase, register
from ..mistakes import GRADIENT, verify_with_mistakes

# (label, ids, V, D); ids fixed where the case is about them, None: random (N, T)
_LOOKUPS = [
    ("one id, one row (N = T = 1)", [[2]], 4, 3),
    ("a single sequence (N = 1) with a repeated word", [[1, 3, 1, 1]], 5, 2),
    ("one feature (D = 1)", [[0, 2], [2, 0]], 3, 1),
    ("every sequence the same word", [[4, 4, 4], [4, 4, 4]], 6, 3),
    ("id 0 and the last id", [[0, 5], [5, 0], [0, 0]], 6, 4),
]


def _lookups(rng):
    result = []
    for label, ids, V, D in _LOOKUPS:
        result.append((label, np.array(ids, dtype=np.int64), V, D))
    n, t, V, D = int(rng.integers(2, 6)), int(rng.integers(2, 9)), int(rng.integers(3, 12)), int(rng.integers(1, 6))
    result.append((f"random N={n}, T={t}, V={V}, D={D}", rng.integers(0, V, size=(n, t)), V, D))
    return [
        dict(label=label, ids=ids, V=V, E=rng.normal(size=(V, D)), dout=rng.normal(size=ids.shape + (D,)))
        for label, ids, V, D in result
    ]


def _embed_cases(rng):
    return [NetworkCase(c["label"], (c["ids"], c["E"]), network=c) for c in _lookups(rng)]


EMBED_HINT = "x = E[ids]: one row of E per id, shape ids.shape + (D,); the same as one_hot(ids) @ E."

register(
    Check(
        "embed",
        _embed_cases,
        reference=None,
        verify=verify_with_mistakes(
            ("x",),
            lambda case: (seq2seq.embed.unguarded(*case.args),),
            EMBED_HINT,
            mistakes=(
                (
                    "this is a column lookup E[:, ids]: with E (V, D), word v is ROW v of E.",
                    lambda case: (case.network["E"].T[:, case.network["ids"]],),
                ),
            ),
        ),
        outputs=("x",),
        guarded=(seq2seq.embed,),
        hint=EMBED_HINT,
        compares_with=(seq2seq.embed,),
        doc="Check ``embed(ids, E) -> x`` (N, T, D), the lookup of rows of E, against helpers.seq2seq.",
    )
)


def _backward_cases(rng):
    return [NetworkCase(c["label"], (c["dout"], c["ids"], c["V"]), network=c) for c in _lookups(rng)]


def _overwritten(case):
    """dE[ids] += dout with fancy indexing: numpy writes each row once, so a repeated id keeps one gradient."""
    net = case.network
    dE = np.zeros((net["V"], net["dout"].shape[-1]))
    dE[net["ids"]] += net["dout"]
    return (dE,)


def _embed_numerical(case):
    from ...gradcheck import numerical_gradient

    net = case.network
    E = np.array(net["E"], dtype=np.float64)
    return {"dE": numerical_gradient(lambda _: float(np.sum(net["dout"] * ref.embed(net["ids"], E))), E)}


EMBED_BACKWARD_HINT = (
    "dE starts as zeros (V, D); every position adds its dout row to the row of its id. A word that occurs "
    "twice gets both gradients: np.add.at(dE, ids, dout) (or a loop), not dE[ids] += dout."
)

register(
    Check(
        "embed_backward",
        _backward_cases,
        reference=None,
        verify=verify_with_mistakes(
            ("dE",),
            lambda case: (seq2seq.embed_backward.unguarded(*case.args),),
            EMBED_BACKWARD_HINT,
            mistakes=(
                (
                    "repeated words are not accumulated: with dE[ids] += dout numpy writes a repeated id once "
                    "(the last gradient wins). Use np.add.at(dE, ids, dout), a scatter-add.",
                    _overwritten,
                ),
            ),
            numerical=_embed_numerical,
            rtol={"dE": GRADIENT},
        ),
        outputs=("dE",),
        guarded=(seq2seq.embed, seq2seq.embed_backward),
        hint=EMBED_BACKWARD_HINT,
        compares_with=(seq2seq.embed_backward,),
        doc="Check ``embed_backward(dout, ids, vocab_size) -> dE`` (V, D), a scatter-add, against "
        "helpers.seq2seq and central differences (repeated words included).",
    )
)
