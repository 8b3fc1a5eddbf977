"""Week 11's word vectors: the skip-gram negative-sampling loss and its gradients with respect to both tables
(against ``helpers.word2vec``, the loops of ``helpers.numpy_reference`` and central differences), the
unigram^0.75 distribution of the negatives and the subsampling keep probabilities (compared as exact
probabilities: a distribution checked through seeded draws would pass p^0.8 within any tolerance that honest
work never fails), and word vectors trained on the planted corpus, judged by what they know."""

from __future__ import annotations

import functools

import numpy as np

from ... import numpy_reference as ref
from ... import word2vec
from ..core import Case, Check, CheckFailed, NetworkCase, as_output, register
from ..mistakes import GRADIENT, verify_with_mistakes

# --------------------------------------------------------------------------- the loss and its gradients

# (label, W, d, centers, contexts, negatives); every case but the first repeats a word somewhere
_BATCHES = [
    ("a batch of one pair, k = 1", 4, 3, [1], [2], [[3]]),
    ("the same centre word three times in the batch", 5, 2, [2, 2, 2], [0, 1, 4], [[3, 1], [0, 3], [4, 4]]),
    ("a negative drawn twice and a negative equal to the context", 6, 3, [0, 1], [2, 3], [[4, 4, 2], [3, 5, 0]]),
    ("one feature (d = 1), k = 1", 3, 1, [0, 1, 0], [2, 2, 1], [[1], [0], [2]]),
    ("every pair the same (centre 1, context 2)", 4, 2, [1, 1], [2, 2], [[0, 3], [3, 0]]),
]


def _loss_data(rng):
    batches = list(_BATCHES)
    W, d, B, k = int(rng.integers(4, 12)), int(rng.integers(1, 6)), int(rng.integers(3, 10)), int(rng.integers(1, 6))
    centers = rng.integers(0, W, size=B)
    centers[-1] = centers[0]  # a repeat in the random case too
    batches.append(
        (f"random: W={W}, d={d}, B={B}, k={k}", W, d, centers, rng.integers(0, W, B), rng.integers(0, W, (B, k)))
    )
    result = []
    for label, W, d, centers, contexts, negatives in batches:
        net = dict(
            V=0.7 * rng.normal(size=(W, d)),
            U=0.7 * rng.normal(size=(W, d)),
            centers=np.array(centers, dtype=np.int64),
            contexts=np.array(contexts, dtype=np.int64),
            negatives=np.array(negatives, dtype=np.int64),
        )
        result.append((label, net))
    return result


def _loss_cases(rng):
    order = ("V", "U", "centers", "contexts", "negatives")
    return [NetworkCase(label, tuple(net[k] for k in order), network=net) for label, net in _loss_data(rng)]


def _sig(x):
    return 1.0 / (1.0 + np.exp(-x))


def _loss_mistake(how):
    """What (loss, dV, dU) a typical mistake gives on the case."""

    def outputs(case):
        V, U, centers, contexts, negatives = case.args
        B = len(centers)
        v = V[centers]
        pos = np.sum(U[contexts] * v, axis=1)
        neg = np.einsum("bkd,bd->bk", U[negatives], v)
        if how == "negative_sign":  # −log σ(s⁻) where −log σ(−s⁻) is meant
            loss = (np.sum(np.logaddexp(0, -pos)) + np.sum(np.logaddexp(0, -neg))) / B
            g_neg = (_sig(neg) - 1.0) / B
        else:
            loss = (np.sum(np.logaddexp(0, -pos)) + np.sum(np.logaddexp(0, neg))) / B
            g_neg = _sig(neg) / B
        g_pos = (_sig(pos) - 1.0) / B
        if how == "sum":
            loss, g_pos, g_neg = loss * B, g_pos * B, g_neg * B
        to_v = g_pos[:, None] * U[contexts]
        if how != "dv_without_negatives":
            to_v = to_v + np.einsum("bk,bkd->bd", g_neg, U[negatives])
        to_u_neg = (g_neg[:, :, None] * v[:, None, :]).reshape(-1, V.shape[1])
        dV, dU = np.zeros_like(V), np.zeros_like(U)
        if how == "overwritten":  # fancy-index += writes a repeated id once
            dV[centers] += to_v
            dU[contexts] += g_pos[:, None] * v
            dU[negatives.ravel()] += to_u_neg
        else:
            np.add.at(dV, centers, to_v)
            np.add.at(dU, contexts, g_pos[:, None] * v)
            if how != "du_without_negatives":
                np.add.at(dU, negatives.ravel(), to_u_neg)
        if how == "no_du":
            dU = np.zeros_like(U)
        return loss, dV, dU

    return outputs


def _loss_numerical(case):
    from ...gradcheck import numerical_gradient

    net = case.network
    V, U = np.array(net["V"], dtype=np.float64), np.array(net["U"], dtype=np.float64)
    ids = (net["centers"], net["contexts"], net["negatives"])
    return {
        "dV": numerical_gradient(lambda _: float(ref.negative_sampling_loss(V, U, *ids)[0]), V),
        "dU": numerical_gradient(lambda _: float(ref.negative_sampling_loss(V, U, *ids)[0]), U),
    }


NOT_ACCUMULATED = (
    "repeated words are not accumulated: with dV[centers] += … (or dU[negatives] += …) numpy writes a repeated id "
    "once and the last gradient wins. A word used twice in a batch gets both gradients: np.add.at(dV, centers, …), "
    "a scatter-add (week 10's embedding backward)."
)
LOSS_HINT = (
    "v = V[centers]; s⁺ = Σ U[contexts] * v; s⁻ = U[negatives] · v (B, k); loss = mean over the batch of "
    "−log σ(s⁺) − Σ_j log σ(−s⁻_j); g⁺ = (σ(s⁺) − 1)/B, g⁻ = σ(s⁻)/B; np.add.at(dV, centers, g⁺ U[contexts] + "
    "Σ_j g⁻_j U[negatives_j]); np.add.at(dU, contexts, g⁺ v); np.add.at(dU, negatives, g⁻ v)."
)

register(
    Check(
        "negative_sampling_loss",
        _loss_cases,
        reference=None,
        verify=verify_with_mistakes(
            ("loss", "dV", "dU"),
            lambda case: word2vec.negative_sampling_loss.unguarded(*case.args),
            LOSS_HINT,
            mistakes=(
                (
                    "the sign of the negative term: a negative word should score LOW, so its loss is −log σ(−s⁻) "
                    "= log(1 + e^{s⁻}), and its gradient σ(s⁻) (not σ(s⁻) − 1).",
                    _loss_mistake("negative_sign"),
                ),
                (NOT_ACCUMULATED, _loss_mistake("overwritten")),
                (
                    "the loss is summed over the batch: it is the MEAN over the B pairs, and every gradient is "
                    "divided by B too.",
                    _loss_mistake("sum"),
                ),
                (
                    "dV has only the context's term: the centre vector also receives σ(s⁻_j) u_{n_j} from every "
                    "negative.",
                    _loss_mistake("dv_without_negatives"),
                ),
                (
                    "dU has only the contexts' rows: the negatives' output vectors get σ(s⁻_j) v_c / B too.",
                    _loss_mistake("du_without_negatives"),
                ),
                (
                    "dU is zero: the loss depends on BOTH tables, V through the centre word and U through the "
                    "context and the negatives; both are trained.",
                    _loss_mistake("no_du"),
                ),
            ),
            numerical=_loss_numerical,
            rtol={"dV": GRADIENT, "dU": GRADIENT},
        ),
        outputs=("loss", "dV", "dU"),
        guarded=(word2vec.negative_sampling_loss,),
        hint=LOSS_HINT,
        compares_with=(word2vec.negative_sampling_loss,),
        doc="Check ``negative_sampling_loss(V, U, centers, contexts, negatives) -> (loss, dV, dU)`` against "
        "helpers.word2vec and central differences: a batch of one with k = 1, repeated words, d = 1.",
    )
)

# --------------------------------------------------------------------------- the sampling distribution

_COUNTS = [
    ("a single word", [7.0]),
    ("equal counts: the uniform distribution", [3.0, 3.0, 3.0, 3.0]),
    ("counts 1 and 16: 16^0.75 = 8", [1.0, 16.0]),
    ("a word never seen (count 0) is never drawn", [5.0, 0.0, 20.0, 1.0]),
]


def _sampling_cases(rng):
    cases = [Case(label, (np.array(c),)) for label, c in _COUNTS]
    W = int(rng.integers(5, 30))
    zipf = np.floor(1000.0 / np.arange(1, W + 1) ** rng.uniform(0.8, 1.2)) + 1
    cases.append(Case(f"random Zipf-like counts, W={W}", (rng.permutation(zipf),)))
    return cases


def _sampling_mistake(how):
    def outputs(case):
        c = np.asarray(case.args[0], dtype=np.float64)
        if how == "power_one":
            return (c / c.sum(),)
        if how == "unnormalized":
            return (c**0.75,)
        return ((c / c.sum()) ** 0.75,)  # normalized before the power, not after

    return outputs


SAMPLING_HINT = "p = counts ** 0.75 / np.sum(counts ** 0.75): raise to the power first, then divide by the sum."

register(
    Check(
        "sampling_distribution",
        _sampling_cases,
        reference=None,
        verify=verify_with_mistakes(
            ("p",),
            lambda case: (word2vec.sampling_distribution.unguarded(*case.args),),
            SAMPLING_HINT,
            mistakes=(
                (
                    "this is the plain unigram distribution counts / total (the power 1): negatives are drawn from "
                    "counts^0.75, which draws frequent words less and rare ones more often.",
                    _sampling_mistake("power_one"),
                ),
                ("the weights do not sum to 1: divide counts^0.75 by its sum.", _sampling_mistake("unnormalized")),
                (
                    "(counts / total)^0.75 does not sum to 1: raise the counts to 0.75 first, then normalize.",
                    _sampling_mistake("normalized_first"),
                ),
            ),
        ),
        outputs=("p",),
        guarded=(word2vec.sampling_distribution,),
        hint=SAMPLING_HINT,
        compares_with=(word2vec.sampling_distribution,),
        doc="Check ``sampling_distribution(counts) -> p`` (W,), the unigram^0.75 distribution, probability by "
        "probability against helpers.word2vec (one word, equal counts, a count of 0).",
    )
)

# --------------------------------------------------------------------------- subsampling

# (label, counts, t); counts ≥ 1 (f = 0 would divide by zero)
_KEEP = [
    ("one word: f = 1, keep = √t", [50.0], 0.01),
    ("every word rarer than t: all kept", [1.0, 2.0, 1.0, 3.0], 0.5),
    ("one word 100 times more frequent than t", [9900.0, 50.0, 30.0, 20.0], 0.0099),
    ("word2vec's t = 1e-5 on a skewed corpus", [600_000.0, 30_000.0, 900.0, 12.0, 1.0], 1e-5),
]


def _keep_cases(rng):
    cases = [Case(label, (np.array(c), t)) for label, c, t in _KEEP]
    W = int(rng.integers(5, 40))
    counts = np.floor(5000.0 / np.arange(1, W + 1)) + 1
    t = float(10.0 ** rng.uniform(-3, -1.5))
    cases.append(Case(f"random Zipf-like counts, W={W}, t={t:.2g}", (rng.permutation(counts), t)))
    return cases


def _keep_mistake(how):
    def outputs(case):
        c, t = np.asarray(case.args[0], dtype=np.float64), case.args[1]
        f = c / c.sum()
        return (
            {
                "inverted": np.minimum(1.0, np.sqrt(f / t)),
                "unclipped": np.sqrt(t / f),
                "discard": 1.0 - np.sqrt(t / f),
                "discard_clipped": np.maximum(0.0, 1.0 - np.sqrt(t / f)),
                "c_code": np.minimum(1.0, np.sqrt(t / f) + t / f),
                "counts": np.minimum(1.0, np.sqrt(t / c)),
            }[how],
        )

    return outputs


KEEP_HINT = "f = counts / counts.sum(); keep = np.minimum(1.0, np.sqrt(t / f)): frequent words (f ≫ t) are kept rarely."

register(
    Check(
        "keep_probability",
        _keep_cases,
        reference=None,
        verify=verify_with_mistakes(
            ("keep",),
            lambda case: (word2vec.keep_probability.unguarded(*case.args),),
            KEEP_HINT,
            mistakes=(
                (
                    "the formula is inverted: √(f / t) keeps FREQUENT words and drops rare ones. The keep probability "
                    "is √(t / f), small for a word much more frequent than t.",
                    _keep_mistake("inverted"),
                ),
                (
                    "√(t / f) is above 1 for words rarer than t: a probability is capped, min(1, √(t / f)).",
                    _keep_mistake("unclipped"),
                ),
                (
                    "this is the probability of DISCARDING an occurrence, 1 − √(t / f); the keep probability is "
                    "min(1, √(t / f)).",
                    _keep_mistake("discard"),
                ),
                ("this is the discard probability; keep = min(1, √(t / f)).", _keep_mistake("discard_clipped")),
                (
                    "√(t/f) + t/f is the variant of the word2vec C code; this exercise uses the paper's "
                    "min(1, √(t / f)).",
                    _keep_mistake("c_code"),
                ),
                (
                    "f is a word's SHARE of the corpus, count / total, not its raw count.",
                    _keep_mistake("counts"),
                ),
            ),
        ),
        outputs=("keep",),
        guarded=(word2vec.keep_probability,),
        hint=KEEP_HINT,
        compares_with=(word2vec.keep_probability,),
        doc="Check ``keep_probability(counts, t) -> keep`` (W,), min(1, √(t / f)), probability by probability "
        "against helpers.word2vec.",
    )
)

# --------------------------------------------------------------------------- trained word vectors

# The notebook's training (12000 planted sentences, d = 24, 4 epochs, k = 5, window 3), measured with the
# reference functions on seeds 0-29: analogy accuracy 100% on every seed (804 analogies), neighbour accuracy
# 100%; with the plain unigram (power 1) for the negatives: the same; one epoch instead of four: 89.1-98.0%
# analogies, 100% neighbours. Vectors that learned nothing, seeds 0-29: untrained 0.2-2.2% analogies and 0-7.6%
# neighbours; d = 2: 1.2-8.7% and 7.6-39.4%. The floors sit 20 points under every honest run and 40 over every
# vector set that did not learn.
ANALOGY_FLOOR = 0.80
NEIGHBOUR_FLOOR = 0.80


@functools.lru_cache(maxsize=1)
def _corpus():
    return word2vec.planted_corpus()


def word_vector_cases(rng) -> list[Case]:
    seed = int(rng.integers(1, 100_000))
    return [Case(f"word vectors trained with seed {seed}", (), {"seed": seed})]


def verify_word_vectors(case, outputs, where):
    """V (W, d) from train_word_vectors: finite, one row per word, then analogy and neighbour accuracy."""
    __tracebackhide__ = True
    corpus = _corpus()
    V = as_output(outputs[0], "V", where)
    if V.ndim != 2 or V.shape[0] != len(corpus.vocab):
        raise CheckFailed(f"{where}: V has shape {V.shape}; expected one row per word, ({len(corpus.vocab)}, d).")
    if not np.all(np.isfinite(V)):
        raise CheckFailed(f"{where}: V contains inf or NaN: training blew up.")
    analogies = word2vec.analogy_accuracy(V, corpus.analogies)
    neighbours = word2vec.neighbour_accuracy(V, corpus)
    if not (analogies >= ANALOGY_FLOOR and neighbours >= NEIGHBOUR_FLOOR):
        raise CheckFailed(
            f"{where}: {analogies:.1%} of the {len(corpus.analogies)} analogies answered exactly (floor "
            f"{ANALOGY_FLOOR:.0%}) and {neighbours:.1%} of the topic words next to their own row (floor "
            f"{NEIGHBOUR_FLOOR:.0%}); correct functions reach 100% on both. Do the checks of "
            f"sampling_distribution and keep_probability pass?"
        )


register(
    Check(
        "word_vectors_train",
        word_vector_cases,
        reference=None,
        verify=verify_word_vectors,
        function="train_word_vectors",
        outputs=("V",),
        guarded=(word2vec.negative_sampling_loss, word2vec.sampling_distribution, word2vec.keep_probability),
        hint="train_word_vectors(seed) returns V (W, d), the trained input vectors.",
        compares_with="behaviour",
        doc=f"Train word vectors with ``train_word_vectors(seed=s)`` for a seed the grader draws; it passes when at "
        f"least {ANALOGY_FLOOR:.0%} of the planted corpus's analogies are answered exactly and {NEIGHBOUR_FLOOR:.0%} "
        f"of its topic words have a word of their own row as nearest neighbour.",
    )
)
