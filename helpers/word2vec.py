"""Word vectors by skip-gram with negative sampling (word2vec), on a corpus generated with planted relations.

Public kernels (plain numpy, the references of week 11's first exercises):

- :func:`negative_sampling_loss` ``(V, U, centers, contexts, negatives) -> (loss, dV, dU)``: the mean loss of a
  batch of (centre, context, k negatives) and its gradients with respect to both tables;
- :func:`sampling_distribution` ``(counts, power=0.75) -> p``: the unigram^0.75 distribution negatives are
  drawn from;
- :func:`keep_probability` ``(counts, t) -> keep``: subsampling of frequent words, keep = min(1, √(t / f)).

The corpus (:func:`planted_corpus`) is generated, never downloaded: short sentences about two grids of words,
people (12 roles × 2 genders: king/queen, boy/girl, ...) and countries (10 countries × country/capital/language:
france/paris/french, ...). A grid word appears with topic words of its row (crown, throne, reign) and kind words
of its column (he, him, his), so its co-occurrences are a row part plus a column part, and an analogy
``queen − king + man = woman`` has exactly one right answer: analogy accuracy is measured exactly.

The fast training loop is numba (``helpers._word2vec_kernels``); :func:`train` first checks that a student's
loss and gradients equal that loop's on a set of batches, then trains. Taught in week 11 (w11_transformer).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

from . import _word2vec_kernels as kernels
from ._validate import as_float_array, int_arg
from .tripwire import reference_kernel

__all__ = [
    "negative_sampling_loss",
    "sampling_distribution",
    "keep_probability",
    "Corpus",
    "planted_corpus",
    "train",
    "unit_rows",
    "nearest",
    "analogy",
    "analogy_accuracy",
    "neighbour_accuracy",
    "SUBSAMPLE_T",
]

SUBSAMPLE_T = 1e-3  # the subsampling threshold t for this corpus (1e-5 suits corpora of billions of words)


# --------------------------------------------------------------------------- the loss and its gradients


def _ids(name, arg, ids, W, ndim):
    ids = np.asarray(ids)
    if ids.dtype.kind not in "iu":
        raise ValueError(f"{name}: {arg} must hold integer word ids, got dtype {ids.dtype}")
    if ids.ndim != ndim:
        raise ValueError(f"{name}: {arg} must be {ndim}-D, got shape {ids.shape}")
    if ids.size and (ids.min() < 0 or ids.max() >= W):
        raise ValueError(f"{name}: {arg} holds ids outside 0..{W - 1}")
    return ids.astype(np.int64)


def _loss_args(V, U, centers, contexts, negatives):
    name = "negative_sampling_loss"
    V = as_float_array(name, "V", V, ndim=2)
    U = as_float_array(name, "U", U, ndim=2)
    if U.shape != V.shape or U.dtype != V.dtype:
        raise ValueError(f"{name}: U has shape {U.shape} ({U.dtype}), V has {V.shape} ({V.dtype}); they must agree")
    W = V.shape[0]
    centers = _ids(name, "centers", centers, W, 1)
    contexts = _ids(name, "contexts", contexts, W, 1)
    negatives = _ids(name, "negatives", negatives, W, 2)
    if not (len(centers) == len(contexts) == len(negatives)) or len(centers) == 0:
        raise ValueError(
            f"{name}: centers {centers.shape}, contexts {contexts.shape} and negatives {negatives.shape} must "
            f"describe the same B ≥ 1 pairs"
        )
    if negatives.shape[1] < 1:
        raise ValueError(f"{name}: negatives must hold k ≥ 1 words per pair, got shape {negatives.shape}")
    return V, U, centers, contexts, negatives


@reference_kernel
def negative_sampling_loss(V, U, centers, contexts, negatives):
    """The mean skip-gram negative-sampling loss of a batch and its gradients: returns (loss, dV, dU).

    V: (W, d) input vectors (one row per word, used for the centre word); U: (W, d) output vectors (used for
    the context and the negatives); centers, contexts: (B,) word ids; negatives: (B, k) word ids.
        s⁺_b = u_{o_b} · v_{c_b},   s⁻_bj = u_{n_bj} · v_{c_b}
        loss = (1/B) Σ_b [ −log σ(s⁺_b) − Σ_j log σ(−s⁻_bj) ]
        dv_c += (1/B) [ (σ(s⁺) − 1) u_o + Σ_j σ(s⁻_j) u_{n_j} ]
        du_o += (1/B) (σ(s⁺) − 1) v_c,   du_{n_j} += (1/B) σ(s⁻_j) v_c
    dV and dU are (W, d), zero for words the batch does not use; a word used several times (a repeated centre,
    a negative drawn twice, a negative equal to the context) gets the sum of its gradients (np.add.at).
    """
    V, U, centers, contexts, negatives = _loss_args(V, U, centers, contexts, negatives)
    B = len(centers)
    v = V[centers]  # (B, d)
    pos = np.sum(U[contexts] * v, axis=1)  # (B,)
    neg = np.einsum("bkd,bd->bk", U[negatives], v)  # (B, k)
    loss = (np.sum(np.logaddexp(0.0, -pos)) + np.sum(np.logaddexp(0.0, neg))) / B  # −log σ(x) = log(1 + e^{−x})
    g_pos = (_sigmoid(pos) - 1.0) / B  # (B,)
    g_neg = _sigmoid(neg) / B  # (B, k)
    dV = np.zeros_like(V)
    dU = np.zeros_like(U)
    np.add.at(dV, centers, g_pos[:, None] * U[contexts] + np.einsum("bk,bkd->bd", g_neg, U[negatives]))
    np.add.at(dU, contexts, g_pos[:, None] * v)
    np.add.at(dU, negatives.ravel(), (g_neg[:, :, None] * v[:, None, :]).reshape(-1, V.shape[1]))
    return V.dtype.type(loss), dV, dU


def _sigmoid(x):
    return np.exp(-np.logaddexp(0.0, -x))


# --------------------------------------------------------------------------- the two distributions


def _counts(name, counts):
    counts = as_float_array(name, "counts", counts, ndim=1)
    if np.any(counts < 0) or not np.all(np.isfinite(counts)) or counts.sum() <= 0:
        raise ValueError(f"{name}: counts must be finite, ≥ 0, and not all zero")
    return counts


@reference_kernel
def sampling_distribution(counts, power=0.75):
    """The distribution negatives are drawn from: p_w = c_w^power / Σ_v c_v^power; counts (W,) -> p (W,).

    With power = 0.75 (word2vec's choice) frequent words are drawn less often than their share of the corpus
    and rare ones more often; power = 1 is the plain unigram distribution, power = 0 the uniform one."""
    counts = _counts("sampling_distribution", counts)
    power = float(power)
    weights = counts**power
    weights[counts == 0] = 0.0  # 0^0 would be 1: a word never seen is never drawn
    return weights / weights.sum()


@reference_kernel
def keep_probability(counts, t=SUBSAMPLE_T):
    """Subsampling of frequent words: the probability that each occurrence of a word is kept.

    counts (W,) -> keep (W,). f_w = c_w / Σ_v c_v (the word's share of the corpus);
        keep_w = min(1, √(t / f_w))
    (Mikolov et al. 2013: each occurrence is discarded with probability 1 − √(t / f)). A word rarer than t is
    always kept; a word 100 times more frequent than t is kept one time in 10. A word never seen: 1."""
    counts = _counts("keep_probability", counts)
    f = counts / counts.sum()
    with np.errstate(divide="ignore"):
        return np.minimum(1.0, np.sqrt(t / f))


# --------------------------------------------------------------------------- the planted corpus

FILLERS = ("the", "a", "of", "and", "to", "in", "is", "was")
PEOPLE = {  # role: (male, female, three topic words)
    "royal": ("king", "queen", ("crown", "throne", "reign")),
    "noble": ("prince", "princess", ("castle", "heir", "knight")),
    "adult": ("man", "woman", ("street", "work", "office")),
    "child": ("boy", "girl", ("school", "play", "toy")),
    "parent": ("father", "mother", ("family", "home", "child")),
    "offspring": ("son", "daughter", ("parents", "grow", "young")),
    "sibling": ("brother", "sister", ("twin", "older", "younger")),
    "relative": ("uncle", "aunt", ("cousin", "visit", "holiday")),
    "spouse": ("husband", "wife", ("married", "wedding", "ring")),
    "performer": ("actor", "actress", ("stage", "film", "role")),
    "server": ("waiter", "waitress", ("restaurant", "table", "menu")),
    "junior": ("nephew", "niece", ("birthday", "gift", "little")),
}
GENDER_WORDS = (("he", "him", "his"), ("she", "her", "hers"))
COUNTRIES = {  # country: (capital, language, three topic words)
    "france": ("paris", "french", ("wine", "cheese", "seine")),
    "japan": ("tokyo", "japanese", ("sushi", "anime", "fuji")),
    "italy": ("rome", "italian", ("pasta", "pizza", "vatican")),
    "spain": ("madrid", "spanish", ("paella", "flamenco", "tapas")),
    "germany": ("berlin", "german", ("beer", "sausage", "autobahn")),
    "russia": ("moscow", "russian", ("vodka", "kremlin", "winter")),
    "china": ("beijing", "chinese", ("dragon", "tea", "silk")),
    "greece": ("athens", "greek", ("olive", "temple", "islands")),
    "portugal": ("lisbon", "portuguese", ("fado", "port", "sardine")),
    "egypt": ("cairo", "arabic", ("pyramid", "nile", "desert")),
}
KIND_WORDS = (("nation", "border", "flag"), ("city", "streets", "mayor"), ("speak", "grammar", "words"))
SENTENCE = 8  # tokens per sentence: the grid word, 2 row words, 2 column words, 3 fillers


@dataclass(frozen=True)
class Corpus:
    """sentences (S, L) word ids; vocab: the words (id -> word); counts (W,); grids: two (rows, columns) arrays
    of word ids (people (12, 2), countries (10, 3)); topics: (R, 3) the topic words of each row of both grids,
    in the grids' row order; analogies (A, 4) ids (a, b, c, answer) with answer = a − b + c."""

    sentences: np.ndarray
    vocab: tuple
    counts: np.ndarray
    grids: tuple
    topics: np.ndarray
    analogies: np.ndarray

    @functools.cached_property
    def index(self) -> dict:
        """word -> id."""
        return {w: i for i, w in enumerate(self.vocab)}


def _vocabulary():
    people = [[m, f] for m, f, _ in PEOPLE.values()]
    countries = [[c, cap, lang] for c, (cap, lang, _) in COUNTRIES.items()]
    topics = [list(t) for _, _, t in PEOPLE.values()] + [list(t) for _, _, t in COUNTRIES.values()]
    columns = [list(g) for g in GENDER_WORDS] + [list(k) for k in KIND_WORDS]
    vocab = list(FILLERS)
    for group in people + countries + topics + columns:
        vocab.extend(group)
    assert len(set(vocab)) == len(vocab), "a word is listed twice"
    return vocab, people, countries, topics, columns


def _analogies(grid):
    """Every a − b + c = answer inside a grid: a = (r, c'), b = (r, c), c = (r', c), answer (r', c')."""
    rows, cols = grid.shape
    found = []
    for r in range(rows):
        for r2 in range(rows):
            for c in range(cols):
                for c2 in range(cols):
                    if r != r2 and c != c2:
                        found.append((grid[r, c2], grid[r, c], grid[r2, c], grid[r2, c2]))
    return np.array(found, dtype=np.int64)


@functools.lru_cache(maxsize=4)
def planted_corpus(sentences=12000, seed=0):
    """The generated corpus (a :class:`Corpus`), the same for every call with the same arguments.

    Each sentence is 8 tokens in random order: one grid word (people or countries, each cell equally often),
    two topic words of its row, two kind words of its column (he/him/his, she/her/hers for people;
    nation/border/flag, city/streets/mayor, speak/grammar/words for countries) and three fillers drawn with
    weights 1/rank ("the" most often), which subsampling should thin out."""
    sentences = int_arg("planted_corpus", "sentences", sentences, 1)
    rng = np.random.default_rng(seed)
    vocab, people, countries, topics, columns = _vocabulary()
    index = {w: i for i, w in enumerate(vocab)}
    grids = (
        np.array([[index[w] for w in row] for row in people]),
        np.array([[index[w] for w in row] for row in countries]),
    )
    topic_ids = np.array([[index[w] for w in row] for row in topics])
    column_ids = np.array([[index[w] for w in col] for col in columns])
    people_rows, people_cols = grids[0].shape
    cells = [(grids[0][r, c], r, c) for r in range(people_rows) for c in range(people_cols)]
    cells += [(grids[1][r, c], people_rows + r, 2 + c) for r in range(grids[1].shape[0]) for c in range(3)]
    word, row, col = np.array(cells).T
    filler_p = 1.0 / np.arange(1, len(FILLERS) + 1)
    pick = rng.integers(0, len(cells), size=sentences)
    words = np.concatenate(
        [
            word[pick][:, None],
            topic_ids[row[pick][:, None], rng.integers(0, 3, size=(sentences, 2))],
            column_ids[col[pick][:, None], rng.integers(0, 3, size=(sentences, 2))],
            rng.choice(len(FILLERS), size=(sentences, 3), p=filler_p / filler_p.sum()),
        ],
        axis=1,
    )
    order = np.argsort(rng.random(words.shape), axis=1)  # each sentence in its own random order
    out = np.take_along_axis(words, order, axis=1)
    counts = np.bincount(out.ravel(), minlength=len(vocab)).astype(np.float64)
    analogies = np.concatenate([_analogies(g) for g in grids])
    return Corpus(out, tuple(vocab), counts, grids, topic_ids, analogies)


# --------------------------------------------------------------------------- training

DIM, EPOCHS, NEGATIVES, WINDOW = 24, 4, 5, 3
LR_START, LR_END = 0.05, 0.0005


def _proof_batches():
    """(label, V, U, centers, contexts, negatives): the batches a student's loss must get right first."""
    rng = np.random.default_rng(11)

    def tables(W, d):
        return 0.6 * rng.normal(size=(W, d)), 0.6 * rng.normal(size=(W, d))

    batches = [
        ("a batch of one pair, k = 1", *tables(4, 3), [1], [2], [[3]]),
        (
            "a centre repeated in the batch, a negative drawn twice",
            *tables(5, 2),
            [0, 0, 3],
            [1, 2, 1],
            [[4, 4], [2, 3], [0, 1]],
        ),
        ("d = 1", *tables(3, 1), [0, 1], [2, 2], [[1], [0]]),
    ]
    W, d, B, k = 9, 4, 12, 3
    batches.append(("random", *tables(W, d), rng.integers(0, W, B), rng.integers(0, W, B), rng.integers(0, W, (B, k))))
    return [(label, V, U, *(np.asarray(x, dtype=np.int64) for x in ids)) for label, V, U, *ids in batches]


def prove_loss(loss):
    """Raise ValueError unless ``loss`` returns the fast loop's (loss, dV, dU) on every proof batch."""
    for label, V, U, centers, contexts, negatives in _proof_batches():
        expected = kernels.sgns_batch(V, U, centers, contexts, negatives)
        got = loss(V.copy(), U.copy(), centers.copy(), contexts.copy(), negatives.copy())
        if not isinstance(got, tuple) or len(got) != 3:
            raise ValueError("train: negative_sampling_loss must return the tuple (loss, dV, dU)")
        for name, want, value in zip(("loss", "dV", "dU"), expected, got):
            value = np.asarray(value, dtype=np.float64)
            if value.shape != np.shape(want) or not np.allclose(value, want, rtol=1e-6, atol=1e-10):
                raise ValueError(
                    f"train: your negative_sampling_loss gives a different {name} from the training loop's on "
                    f"the batch '{label}'; make its check pass first (exercise 1), then train."
                )


def _distribution(name, p, W, total):
    p = np.asarray(p, dtype=np.float64)
    if p.shape != (W,) or not np.all(np.isfinite(p)) or np.any(p < 0) or (total and not np.isclose(p.sum(), 1.0)):
        raise ValueError(f"train: {name} must be {W} finite numbers ≥ 0" + (" summing to 1" if total else ""))
    return p


def train(corpus, seed=0, loss=None, probs=None, keep=None, dim=DIM, epochs=EPOCHS, negatives=NEGATIVES, window=WINDOW):
    """Skip-gram with negative sampling on ``corpus``: returns (V (W, dim), U (W, dim), the mean loss of every
    epoch).

    loss: a negative_sampling_loss to prove equal to the training loop's first (None: nothing to prove);
    probs: the negative-sampling distribution (W,) (None: the reference unigram^0.75); keep: the subsampling
    keep probabilities (W,) (None: the reference with t = SUBSAMPLE_T). V starts uniform in ±0.5/dim, U at 0
    (word2vec's start); plain SGD, one pair at a time, the learning rate falling linearly from 0.05."""
    if loss is not None:
        prove_loss(loss)
    W = len(corpus.vocab)
    probs = sampling_distribution.unguarded(corpus.counts) if probs is None else probs
    keep = keep_probability.unguarded(corpus.counts) if keep is None else keep
    probs = _distribution("probs", probs, W, True)
    keep = np.clip(_distribution("keep", keep, W, False), 0.0, 1.0)
    rng = np.random.default_rng(seed)
    V = (rng.random((W, dim)) - 0.5) / dim
    U = np.zeros((W, dim))
    losses = kernels.sgns_train(
        corpus.sentences, keep, np.cumsum(probs), V, U, window, negatives, LR_START, LR_END, epochs, seed
    )
    return V, U, losses


# --------------------------------------------------------------------------- what the vectors know


def unit_rows(V):
    """V with every row scaled to length 1 (a zero row stays 0): cosine similarity becomes a dot product."""
    V = np.asarray(V, dtype=np.float64)
    norms = np.linalg.norm(V, axis=1, keepdims=True)
    return V / np.where(norms > 0, norms, 1.0)


def nearest(V, query, n=5, exclude=()):
    """The ids of the n words most similar (cosine) to ``query`` (a word id or a vector), best first."""
    E = unit_rows(V)
    q = E[query] if np.ndim(query) == 0 else np.asarray(query, dtype=np.float64)
    sims = E @ (q / max(np.linalg.norm(q), 1e-12))
    sims[list(exclude) + ([int(query)] if np.ndim(query) == 0 else [])] = -np.inf
    order = np.argsort(-sims, kind="stable")
    return order[:n], sims[order[:n]]


def analogy(V, a, b, c, n=1):
    """a − b + c: the ids of the n nearest words to unit(a) − unit(b) + unit(c), the three excluded."""
    E = unit_rows(V)
    return nearest(V, E[a] - E[b] + E[c], n=n, exclude=(a, b, c))


def analogy_accuracy(V, analogies):
    """The fraction of the analogies (A, 4) whose nearest word to a − b + c (the three excluded, cosine) is the
    answer."""
    E = unit_rows(V)
    a, b, c, answer = np.asarray(analogies).T
    sims = (E[a] - E[b] + E[c]) @ E.T  # (A, W)
    rows = np.arange(len(a))
    sims[rows, a] = sims[rows, b] = sims[rows, c] = -np.inf
    return float(np.mean(np.argmax(sims, axis=1) == answer))


def neighbour_accuracy(V, corpus):
    """The fraction of topic words (crown, wine, ...) whose nearest word (cosine) belongs to their own row: one
    of the row's other topic words or its grid words (crown -> throne, reign, king, queen). About 4 of the
    ~110 words qualify, so chance is near 4%."""
    E = unit_rows(V)
    sims = E @ E.T
    np.fill_diagonal(sims, -np.inf)
    rows = [g for grid in corpus.grids for g in grid]
    hits = []
    for row, topics in zip(rows, corpus.topics):
        mates = set(row) | set(topics)
        hits.extend(int(np.argmax(sims[t])) in mates for t in topics)
    return float(np.mean(hits))


def warm_up():
    """Compile the training loop and the batch kernel (``course warm``)."""
    V, U = np.ones((3, 2)), np.ones((3, 2))
    kernels.sgns_batch(V, U, np.zeros(1, np.int64), np.ones(1, np.int64), np.ones((1, 1), np.int64))
    kernels.sgns_train(np.zeros((1, 2), np.int64), np.ones(3), np.cumsum(np.ones(3) / 3), V, U, 1, 1, 0.1, 0.1, 1, 0)
    return ["skip-gram with negative sampling: the batch kernel and the training loop (float64)"]
