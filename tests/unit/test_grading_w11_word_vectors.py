"""Week 11's word-vector checks: correct implementations in several styles pass, and the mistakes students make
(the sign of the negative term, repeated words overwritten, a gradient for one table only, p^1 instead of
p^0.75, the subsampling formula inverted) fail with a message naming them."""

import numpy as np
import pytest

import helpers
from helpers import word2vec
from helpers.grading import CHECKS
from tests.unit.check_helpers import fails


def sig(x):
    return 1.0 / (1.0 + np.exp(-x))


def loss_loops(V, U, centers, contexts, negatives):
    B = len(centers)
    dV, dU, loss = np.zeros_like(V), np.zeros_like(U), 0.0
    for c, o, negs in zip(centers, contexts, negatives):
        s = U[o] @ V[c]
        loss -= np.log(sig(s))
        dV[c] += (sig(s) - 1) * U[o] / B
        dU[o] += (sig(s) - 1) * V[c] / B
        for n in negs:
            s = U[n] @ V[c]
            loss -= np.log(sig(-s))
            dV[c] += sig(s) * U[n] / B
            dU[n] += sig(s) * V[c] / B
    return loss / B, dV, dU


def loss_from(negative_sign=False, accumulate=True, du=True, du_negatives=True, mean=True):
    def negative_sampling_loss(V, U, centers, contexts, negatives):
        B = len(centers) if mean else 1
        v = V[centers]
        pos = np.einsum("bd,bd->b", U[contexts], v)
        neg = np.einsum("bkd,bd->bk", U[negatives], v)
        if negative_sign:
            loss = -(np.log(sig(pos)).sum() + np.log(sig(neg)).sum()) / B
            g_neg = (sig(neg) - 1) / B
        else:
            loss = -(np.log(sig(pos)).sum() + np.log(sig(-neg)).sum()) / B
            g_neg = sig(neg) / B
        g_pos = (sig(pos) - 1) / B
        to_v = g_pos[:, None] * U[contexts] + np.einsum("bk,bkd->bd", g_neg, U[negatives])
        to_neg = g_neg[..., None] * v[:, None, :]
        dV, dU = np.zeros_like(V), np.zeros_like(U)
        if accumulate:
            np.add.at(dV, centers, to_v)
            np.add.at(dU, contexts, g_pos[:, None] * v)
            if du_negatives:
                np.add.at(dU, negatives, to_neg)
        else:
            dV[centers] += to_v
            dU[contexts] += g_pos[:, None] * v
            dU[negatives] += to_neg
        return loss, dV, (dU if du else np.zeros_like(U))

    return negative_sampling_loss


def loss_one_hot(V, U, centers, contexts, negatives):
    """Scatter-adds as products with one-hot matrices."""
    W, B = len(V), len(centers)
    C, Ctx = np.eye(W)[centers], np.eye(W)[contexts]  # (B, W)
    N = np.eye(W)[negatives]  # (B, k, W)
    v = C @ V
    pos, neg = np.sum((Ctx @ U) * v, axis=1), np.einsum("bkw,wd,bd->bk", N, U, v)
    loss = np.mean(np.logaddexp(0, -pos) + np.logaddexp(0, neg).sum(axis=1))
    g_pos, g_neg = (sig(pos) - 1) / B, sig(neg) / B
    dV = C.T @ (g_pos[:, None] * (Ctx @ U) + np.einsum("bk,bkw,wd->bd", g_neg, N, U))
    dU = Ctx.T @ (g_pos[:, None] * v) + np.einsum("bkw,bk,bd->wd", N, g_neg, v)
    return loss, dV, dU


@pytest.mark.parametrize("fn", [loss_loops, loss_from(), loss_one_hot], ids=["loops", "add.at", "one-hot"])
def test_correct_losses_pass(fn):
    helpers.grading.check_negative_sampling_loss(fn)


@pytest.mark.parametrize(
    "fn, fragment",
    [
        (loss_from(negative_sign=True), "the sign of the negative term"),
        (loss_from(accumulate=False), "repeated words are not accumulated"),
        (loss_from(du=False), "dU is zero"),
        (loss_from(du_negatives=False), "dU has only the contexts' rows"),
        (loss_from(mean=False), "MEAN over the B pairs"),
    ],
    ids=["negative sign", "overwritten", "one table", "dU without negatives", "sum"],
)
def test_loss_mistakes_are_named(fn, fragment):
    fails("negative_sampling_loss", fn, fragment, "np.add.at")


def test_the_accumulation_mistake_is_caught_on_a_case_with_repeats():
    message = fails("negative_sampling_loss", loss_from(accumulate=False), "repeated words are not accumulated")
    assert "case 2 of" in message  # the first case (one pair) has no repeat; the second repeats the centre


def test_every_loss_case_but_the_first_repeats_a_word():
    for case in CHECKS["negative_sampling_loss"].cases(np.random.default_rng(0))[1:]:
        _, _, centers, contexts, negatives = case.args
        ids = np.concatenate([contexts, negatives.ravel()])
        assert len(set(centers)) < len(centers) or len(set(ids)) < len(ids), case.label


@pytest.mark.parametrize(
    "fn",
    [
        lambda counts: counts**0.75 / np.sum(counts**0.75),
        lambda counts: np.exp(0.75 * np.log(np.where(counts > 0, counts, 1))) * (counts > 0) / np.sum(counts**0.75),
        lambda counts: np.array([c**0.75 for c in counts]) / sum(c**0.75 for c in counts),
    ],
)
def test_correct_sampling_distributions_pass(fn):
    helpers.grading.check_sampling_distribution(fn)


@pytest.mark.parametrize(
    "fn, fragment",
    [
        (lambda counts: counts / counts.sum(), "plain unigram distribution"),
        (lambda counts: counts**0.75, "do not sum to 1"),
        (lambda counts: (counts / counts.sum()) ** 0.75, "normalize"),
    ],
    ids=["p^1", "unnormalized", "normalized first"],
)
def test_sampling_mistakes_are_named(fn, fragment):
    fails("sampling_distribution", fn, fragment)


@pytest.mark.parametrize(
    "fn",
    [
        lambda counts, t: np.minimum(1.0, np.sqrt(t / (counts / counts.sum()))),
        lambda counts, t: np.clip(np.sqrt(t * counts.sum() / counts), 0, 1),
        lambda counts, t: np.array([min(1.0, (t / (c / sum(counts))) ** 0.5) for c in counts]),
    ],
)
def test_correct_keep_probabilities_pass(fn):
    helpers.grading.check_keep_probability(fn)


@pytest.mark.parametrize(
    "fn, fragment",
    [
        (lambda c, t: np.minimum(1.0, np.sqrt((c / c.sum()) / t)), "the formula is inverted"),
        (lambda c, t: np.sqrt(t / (c / c.sum())), "capped"),
        (lambda c, t: 1 - np.sqrt(t / (c / c.sum())), "DISCARDING"),
        (lambda c, t: np.minimum(1, np.sqrt(t / (c / c.sum())) + t / (c / c.sum())), "C code"),
        (lambda c, t: np.minimum(1, np.sqrt(t / c)), "SHARE of the corpus"),
    ],
    ids=["inverted", "unclipped", "discard", "C code", "raw counts"],
)
def test_keep_mistakes_are_named(fn, fragment):
    fails("keep_probability", fn, fragment)


def _train_with(loss, probs=None, keep=None):
    corpus = word2vec.planted_corpus()

    def train_word_vectors(seed=0):
        p = word2vec.sampling_distribution.unguarded(corpus.counts) if probs is None else probs
        k = word2vec.keep_probability.unguarded(corpus.counts) if keep is None else keep
        return word2vec.train(corpus, seed=seed, loss=loss, probs=p, keep=k)[0]

    return train_word_vectors


def test_honest_training_passes():
    corpus = word2vec.planted_corpus()
    p = corpus.counts**0.75 / np.sum(corpus.counts**0.75)
    keep = np.minimum(1.0, np.sqrt(word2vec.SUBSAMPLE_T / (corpus.counts / corpus.counts.sum())))
    helpers.grading.check_word_vectors_train(_train_with(loss_loops, p, keep))


def test_vectors_that_learned_nothing_fail():
    def untrained(seed=0):
        return np.random.default_rng(seed).normal(size=(len(word2vec.planted_corpus().vocab), 24))

    fails("word_vectors_train", untrained, "analogies answered exactly")


def test_training_with_a_wrong_loss_stops_before_it_trains():
    corpus = word2vec.planted_corpus()
    p = corpus.counts**0.75 / np.sum(corpus.counts**0.75)
    keep = np.ones(len(corpus.vocab))
    fails("word_vectors_train", _train_with(loss_from(accumulate=False), p, keep), "make its check pass first")
