"""helpers.word2vec: the loss and both gradients against the loops of helpers.numpy_reference, the fast
training loop's batch kernel and central differences; the two distributions; the planted corpus and what
trained vectors know."""

import numpy as np
import pytest

from helpers import numpy_reference as ref
from helpers import word2vec
from helpers._word2vec_kernels import sgns_batch
from helpers.gradcheck import numerical_gradient, rel_error


def _batch(seed, W=7, d=3, B=6, k=3):
    rng = np.random.default_rng(seed)
    centers = rng.integers(0, W, B)
    centers[1] = centers[0]  # a repeated centre
    negatives = rng.integers(0, W, (B, k))
    negatives[0, 1] = negatives[0, 0]  # a negative drawn twice
    return rng.normal(size=(W, d)), rng.normal(size=(W, d)), centers, rng.integers(0, W, B), negatives


@pytest.mark.parametrize("seed", range(4))
def test_the_loss_and_both_gradients_match_the_loops_and_the_fast_kernel(seed):
    args = _batch(seed)
    loss, dV, dU = word2vec.negative_sampling_loss(*args)
    for other in (ref.negative_sampling_loss(*args), sgns_batch(*args)):
        assert rel_error(loss, other[0]) < 1e-12
        assert rel_error(dV, other[1]) < 1e-10 and rel_error(dU, other[2]) < 1e-10


def test_the_gradients_match_central_differences():
    V, U, *ids = _batch(9, W=5, d=2, B=4, k=2)
    _, dV, dU = word2vec.negative_sampling_loss(V, U, *ids)
    assert rel_error(dV, numerical_gradient(lambda _: word2vec.negative_sampling_loss(V, U, *ids)[0], V)) < 1e-7
    assert rel_error(dU, numerical_gradient(lambda _: word2vec.negative_sampling_loss(V, U, *ids)[0], U)) < 1e-7


def test_a_repeated_centre_gets_both_gradients():
    V, U = np.ones((3, 1)), np.ones((3, 1))
    one = word2vec.negative_sampling_loss(V, U, [0], [1], [[2]])[1]
    two = word2vec.negative_sampling_loss(V, U, [0, 0], [1, 1], [[2], [2]])[1]
    assert np.allclose(two, one)  # the mean of two equal pairs: 2 × (gradient / 2)


def test_float32_stays_float32_and_inputs_are_not_mutated():
    V, U, *ids = _batch(1)
    V32, U32 = V.astype(np.float32), U.astype(np.float32)
    before = V32.copy()
    loss, dV, dU = word2vec.negative_sampling_loss(V32, U32, *ids)
    assert dV.dtype == dU.dtype == np.float32 and np.asarray(loss).dtype == np.float32
    assert np.array_equal(V32, before)


@pytest.mark.parametrize(
    "change, fragment",
    [
        (lambda a: (a[0], a[1][:, :2], *a[2:]), "U has shape"),
        (lambda a: (*a[:2], a[2].astype(float), *a[3:]), "integer word ids"),
        (lambda a: (*a[:3], a[3][:2], a[4]), "same B"),
        (lambda a: (*a[:4], a[4] + 100), "outside"),
    ],
)
def test_bad_input_names_the_argument(change, fragment):
    with pytest.raises(ValueError, match=fragment):
        word2vec.negative_sampling_loss(*change(_batch(0)))


def test_the_distributions():
    counts = np.array([1.0, 16.0, 0.0, 81.0])
    p = word2vec.sampling_distribution(counts)
    assert np.allclose(p, np.array([1.0, 8.0, 0.0, 27.0]) / 36.0)
    assert np.allclose(p, ref.sampling_distribution(counts))
    keep = word2vec.keep_probability(np.array([9900.0, 50.0, 30.0, 20.0]), 0.0099)
    assert np.isclose(keep[0], np.sqrt(0.0099 / 0.99)) and np.all(keep[1:] == 1.0)
    assert np.allclose(keep, ref.keep_probability(np.array([9900.0, 50.0, 30.0, 20.0]), 0.0099))
    with pytest.raises(ValueError, match="counts"):
        word2vec.keep_probability(np.array([-1.0, 2.0]))


def test_the_planted_corpus_and_its_analogies():
    corpus = word2vec.planted_corpus()
    assert corpus.sentences.shape == (12000, 8) and corpus.counts.sum() == 96000
    idx = corpus.index
    assert [idx["queen"], idx["king"], idx["man"], idx["woman"]] in corpus.analogies.tolist()
    assert [idx["tokyo"], idx["japan"], idx["france"], idx["paris"]] in corpus.analogies.tolist()
    assert len(corpus.analogies) == 12 * 11 * 2 + 10 * 9 * 6
    assert word2vec.planted_corpus() is corpus  # built once


def test_trained_vectors_know_the_planted_relations_and_untrained_ones_do_not():
    corpus = word2vec.planted_corpus()
    V, U, losses = word2vec.train(corpus, seed=3, loss=ref.negative_sampling_loss)
    assert losses[-1] < losses[0]
    assert word2vec.analogy_accuracy(V, corpus.analogies) >= 0.95
    assert word2vec.neighbour_accuracy(V, corpus) >= 0.95
    queen = word2vec.analogy(V, corpus.index["king"], corpus.index["man"], corpus.index["woman"])[0][0]
    assert corpus.vocab[queen] == "queen"
    untrained = np.random.default_rng(0).normal(size=V.shape)
    assert word2vec.analogy_accuracy(untrained, corpus.analogies) < 0.1


def test_training_refuses_a_loss_that_differs_from_the_loop():
    def forgets_repeats(V, U, centers, contexts, negatives):
        loss, dV, dU = ref.negative_sampling_loss(V, U, centers, contexts, negatives)
        dV[centers] = dV[centers] / np.bincount(centers, minlength=len(V))[centers][:, None]
        return loss, dV, dU

    with pytest.raises(ValueError, match="different dV .* repeated"):
        word2vec.train(word2vec.planted_corpus(), loss=forgets_repeats)
