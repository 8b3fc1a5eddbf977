# %% [markdown]
# # Week 11 — The Transformer
#
# Last week the decoder of an RNN looked back at the encoder's states through attention, but the states
# themselves still came from a recurrence: position $t$ waited for position $t-1$. The **Transformer** drops the
# recurrence. Every position looks at every other position through attention, all at once, and the order of the
# tokens enters as a signal added to the inputs. Before attention, the week
# starts where language models start, with vectors for words. This week you build:
#
# 1. **word vectors** by skip-gram with negative sampling: the loss and its gradients for both embedding tables,
#    the distribution negatives are drawn from, the subsampling of frequent words, vectors **trained with your
#    functions** on a corpus whose analogies are scored exactly, and an explorer of them;
# 2. **scaled dot-product attention under a mask**: padding and causal masks, forward and backward, and why
#    the scores are divided by $\sqrt d$;
# 3. **multi-head attention**: several attentions side by side on slices of the features, and what they cost;
# 4. **positional encoding** (sines and cosines) and **layer normalization**, contrasted with week 9's batch norm;
# 5. a **Transformer block**, and a tiny decoder built from two of them, **trained with your functions** to
#    reverse strings of digits, a task where every output must look somewhere else in the input;
# 6. an explorer that shows every head of every layer for a string you type.
#
# Conventions: batch-first, as in `helpers`. Sequences `x (N, T, D)` with $D$ = `d_model`; queries
# `Q (N, Tq, d)`, keys `K (N, S, d)`, values `V (N, S, dv)`; a mask `mask (N, Tq, S)` of 0 and 1 where
# `mask[n, i, j] = 1` means query $i$ may look at key $j$. Vectors are rows, so a layer is `x @ W`.
#
# Symbols that change meaning between weeks are listed in the [notation page](../NOTATION.md).

# %%
import time

import numpy as np
import matplotlib.pyplot as plt

import helpers
from helpers.grading import assert_close

# %matplotlib inline
np.set_printoptions(precision=4, suppress=True)

# %% [markdown]
# ## 1. Word vectors: skip-gram with negative sampling
#
# Week 10's embedding table `E (V, D)` gave every token a row, learned for one task. **Word vectors** are such rows
# learned from raw text alone, by one idea: *a word is known by the company it keeps*. Words that appear among the
# same neighbours get similar vectors. **Skip-gram** asks every word (the *centre* $c$) to predict the words around
# it (its *contexts* $o$, up to `window` positions away), with two tables of shape `(W, d)` for a vocabulary of
# $W$ words: `V`, the **input vectors**, used when a word is the centre, and `U`, the **output vectors**, used when it
# is a context. (Week 11's `V` for values is another symbol: see the [notation page](../NOTATION.md).)
#
# A softmax over all $W$ words for every pair would cost $W$ dot products. **Negative sampling** asks $k + 1$ yes/no
# questions instead: is $(c, o)$ a pair seen in the text (say yes), and is each of $k$ words $n_1..n_k$ drawn at
# random a context of $c$ (say no)? With $\sigma$ the logistic function and the loss the mean over a batch of $B$
# triples (centre, context, $k$ negatives),
#
# $$\ell_b = -\log\sigma(u_{o}\cdot v_{c}) - \sum_{j=1}^{k} \log\sigma(-u_{n_j}\cdot v_{c}),\qquad
#   L = \frac1B\sum_b \ell_b .$$
#
# Its gradients, with $s^+ = u_o\cdot v_c$ and $s^-_j = u_{n_j}\cdot v_c$ (the derivative of $-\log\sigma(s)$ is
# $\sigma(s) - 1$, that of $-\log\sigma(-s)$ is $\sigma(s)$):
#
# $$\frac{\partial \ell_b}{\partial v_c} = (\sigma(s^+) - 1)\,u_o + \sum_j \sigma(s^-_j)\,u_{n_j},\qquad
#   \frac{\partial \ell_b}{\partial u_o} = (\sigma(s^+) - 1)\,v_c,\qquad
#   \frac{\partial \ell_b}{\partial u_{n_j}} = \sigma(s^-_j)\,v_c .$$
#
# Only a few rows of each table receive anything, and the same word often appears several times in a batch (a
# frequent centre, a negative drawn twice, a negative that happens to be the context): **its gradients add up**.
# As in week 10's embedding backward, `dV[centers] += ...` is wrong (numpy writes a repeated row once, the last
# value wins); `np.add.at(dV, centers, ...)` adds every one.
#
# ### Which text?
#
# Nothing is downloaded in this course, so the text is generated: `helpers.word2vec.planted_corpus()` writes
# 12,000 short sentences (96,000 words, 143 distinct) in which relations are **planted**. People come in 12 roles
# × 2 genders (king/queen, boy/girl, uncle/aunt, ...) and countries in 10 countries × 3 kinds (france, paris,
# french; japan, tokyo, japanese; ...). A sentence holds one such word, two topic words of its row (crown, throne,
# reign for king and queen), two words of its column (he, him, his or she, her, hers; city, streets, mayor for
# capitals) and three fillers ("the", "of", ...), shuffled. We chose a planted corpus over real text (the standard
# library's Python documentation would have been the offline choice) because it makes the result **exactly
# measurable**: every analogy such as *king − man + woman* has one right answer (*queen*), 804 of them in all, so
# "the vectors learned the relations" is a number, not an impression. Real text would show nicer neighbours and
# noisier analogies.

# %%
CORPUS = helpers.word2vec.planted_corpus()
for sentence in CORPUS.sentences[:4]:
    print(" ".join(CORPUS.vocab[w] for w in sentence))
print(f"{CORPUS.sentences.size} words, {len(CORPUS.vocab)} distinct; {len(CORPUS.analogies)} analogies to score")

# %% [markdown]
# ### Exercise 1 — the loss and both gradients (3 points)
#
# Write `negative_sampling_loss(V, U, centers, contexts, negatives)` returning `(loss, dV, dU)`: `V, U (W, d)`,
# `centers, contexts (B,)` and `negatives (B, k)` integer ids; `loss` a number (the batch mean), `dV, dU (W, d)`
# zero except in the rows the batch uses. `U[negatives]` is `(B, k, d)`. For a stable $-\log\sigma(x)$ use
# `np.logaddexp(0, -x)` ($= \log(1 + e^{-x})$).

# %% solution="negative_sampling_loss"
def negative_sampling_loss(V, U, centers, contexts, negatives):
    """(loss, dV (W, d), dU (W, d)): the mean of −log σ(u_o·v_c) − Σ_j log σ(−u_nj·v_c) over the batch."""
    ### BEGIN SOLUTION
    B = len(centers)
    v = V[centers]                                            # (B, d)
    pos = np.sum(U[contexts] * v, axis=1)                     # (B,)
    neg = np.einsum("bkd,bd->bk", U[negatives], v)            # (B, k)
    loss = (np.sum(np.logaddexp(0, -pos)) + np.sum(np.logaddexp(0, neg))) / B
    g_pos = (1 / (1 + np.exp(-pos)) - 1) / B                  # σ(s⁺) − 1
    g_neg = 1 / (1 + np.exp(-neg)) / B                        # σ(s⁻)
    dV, dU = np.zeros_like(V), np.zeros_like(U)
    np.add.at(dV, centers, g_pos[:, None] * U[contexts] + np.einsum("bk,bkd->bd", g_neg, U[negatives]))
    np.add.at(dU, contexts, g_pos[:, None] * v)
    np.add.at(dU, negatives, g_neg[:, :, None] * v[:, None, :])
    return loss, dV, dU
    ### END SOLUTION


# %% tests="test_negative_sampling_loss" points=3
V1 = np.array([[1.0], [2.0], [0.5]])                      # W = 3 words, d = 1
U1 = np.array([[0.5], [1.0], [-1.0]])
# the same pair twice: centre 0, context 1, negative 2; s⁺ = 1·1 = 1, s⁻ = −1·1 = −1
loss, dV, dU = negative_sampling_loss(V1, U1, np.array([0, 0]), np.array([1, 1]), np.array([[2], [2]]))
sig = lambda x: 1 / (1 + np.exp(-x))
assert_close(loss, -np.log(sig(1.0)) - np.log(sig(1.0)), name="loss (the mean of two equal pairs)")
assert_close(dV, [[(sig(1.0) - 1) * 1.0 + sig(-1.0) * -1.0], [0.0], [0.0]],
             name="dV (both copies of centre 0 add up: half of the mean each, twice)")
assert_close(dU, [[0.0], [(sig(1.0) - 1) * 1.0], [sig(-1.0) * 1.0]], name="dU (context row 1, negative row 2)")
rng = np.random.default_rng(2)
V2, U2 = rng.normal(size=(6, 3)), rng.normal(size=(6, 3))
ids = (rng.integers(0, 6, 5), rng.integers(0, 6, 5), rng.integers(0, 6, (5, 2)))
_, dV, dU = negative_sampling_loss(V2, U2, *ids)
for name, table, grad in (("dV", V2, dV), ("dU", U2, dU)):
    numerical = helpers.numerical_gradient(lambda _: negative_sampling_loss(V2, U2, *ids)[0], table)
    assert helpers.rel_error(grad, numerical) < 1e-6, f"{name} differs from the numerical gradient"
### BEGIN HIDDEN TESTS
helpers.grading.check_negative_sampling_loss(negative_sampling_loss)
### END HIDDEN TESTS

# %% [markdown]
# ### Which negatives, and which words to skip
#
# The negatives are drawn from the **unigram distribution raised to the power 3/4**: a word seen $c_w$ times is
# drawn with probability
#
# $$p_w = \frac{c_w^{3/4}}{\sum_v c_v^{3/4}} .$$
#
# The power flattens the counts: "the" is still the most frequent negative, but less overwhelmingly than its share
# of the text, and rare words come up more often (counts 1 and 16 become weights 1 and 8). Mikolov et al. found
# 3/4 better than the plain unigram (power 1) and the uniform distribution (power 0).
#
# **Subsampling** thins out frequent words before the pairs are made. A word whose share of the corpus is
# $f_w = c_w / \sum_v c_v$ is kept, at each of its occurrences, with probability
#
# $$\mathrm{keep}_w = \min\!\left(1, \sqrt{t / f_w}\right)$$
#
# (the paper's formula: an occurrence is discarded with probability $1 - \sqrt{t/f_w}$; the released C code uses a
# slightly different $\sqrt{t/f} + t/f$). A word rarer than the threshold $t$ is always kept; a word 100 times more
# frequent than $t$ is kept one time in 10. Pairs with "the" say little about either word, and there are many of
# them: dropping most of them makes training faster *and* better. Corpora of billions of words use $t = 10^{-5}$;
# ours has only 143 words, each at least 0.2% of the text, so we use $t = 10^{-3}$ (`helpers.word2vec.SUBSAMPLE_T`).
#
# Both are graded as the probabilities themselves, exactly, for counts chosen by the grader: a check of many seeded
# draws would need a tolerance, and a tolerance wide enough for honest sampling noise lets $p^{0.8}$ through.
#
# ### Exercise 2 — the distribution of the negatives (1 point)
#
# `sampling_distribution(counts)`: `counts (W,)` of numbers ≥ 0, returns `p (W,)`, summing to 1. A count of 0 gets 0.

# %% solution="sampling_distribution"
def sampling_distribution(counts):
    """p (W,): counts^0.75 / Σ counts^0.75."""
    ### BEGIN SOLUTION
    weights = np.asarray(counts, dtype=float) ** 0.75
    return weights / weights.sum()
    ### END SOLUTION


# %% tests="test_sampling_distribution" points=1
p = sampling_distribution(np.array([1.0, 16.0, 81.0, 0.0]))
assert_close(p, np.array([1.0, 8.0, 27.0, 0.0]) / 36.0, name="p for counts 1, 16, 81, 0")
### BEGIN HIDDEN TESTS
helpers.grading.check_sampling_distribution(sampling_distribution)
### END HIDDEN TESTS

# %% [markdown]
# ### Exercise 3 — subsampling (1 point)
#
# `keep_probability(counts, t)`: `counts (W,)` of numbers ≥ 1, returns `keep (W,)`, $\min(1, \sqrt{t / f_w})$.

# %% solution="keep_probability"
def keep_probability(counts, t):
    """keep (W,): min(1, √(t / f)) with f = counts / counts.sum()."""
    ### BEGIN SOLUTION
    f = counts / counts.sum()
    return np.minimum(1.0, np.sqrt(t / f))
    ### END SOLUTION


# %% tests="test_keep_probability" points=1
keep = keep_probability(np.array([9900.0, 50.0, 30.0, 20.0]), 0.0099)    # f = 0.99, 0.005, 0.003, 0.002
assert_close(keep, [0.1, 1.0, 1.0, 1.0], name="keep (only the first word is more frequent than t)")
### BEGIN HIDDEN TESTS
helpers.grading.check_keep_probability(keep_probability)
### END HIDDEN TESTS

# %% [markdown]
# On our corpus: the fillers are thinned hard, the words that carry the relations much less.

# %%
if "keep" not in globals():
    raise NotImplementedError("write exercises 2 and 3 first")
counts = CORPUS.counts
shown = [CORPUS.index[w] for w in ("the", "a", "of", "is", "he", "city", "crown", "king", "paris")]
fig, axes = plt.subplots(1, 2, figsize=(10, 3.2))
x = np.arange(len(shown))
axes[0].bar(x - 0.2, (counts / counts.sum())[shown], 0.4, label="share of the text (power 1)")
axes[0].bar(x + 0.2, sampling_distribution(counts)[shown], 0.4, label="drawn as a negative (power 0.75)")
axes[1].bar(x, keep_probability(counts, helpers.word2vec.SUBSAMPLE_T)[shown], color="tab:green")
axes[1].set_ylabel(f"keep probability, t = {helpers.word2vec.SUBSAMPLE_T:g}")
for ax in axes:
    ax.set_xticks(x, [CORPUS.vocab[w] for w in shown], rotation=30)
axes[0].set_ylabel("probability"); axes[0].legend(fontsize=8)
plt.show()

# %% [markdown]
# ### Training, with your functions
#
# The read-only cell below first runs your `negative_sampling_loss` on four small batches (one pair with $k = 1$,
# repeated words, $d = 1$, a random one) and compares it with the training loop's own computation; only then does it
# train. The loop itself is compiled (numba): plain SGD, one (centre, context) pair at a time, $k = 5$ negatives
# drawn from **your** `sampling_distribution`, each sentence subsampled afresh every epoch with **your**
# `keep_probability`, `window = 3`, $d = 24$, 4 epochs, the learning rate falling from 0.05 to 0.0005. In Python the
# same loop would take minutes (about 150,000 pairs per epoch); compiled it takes under a second. `V` starts small
# and random, `U` at zero, as in word2vec.
#
# What the vectors learned is measured two ways: the **analogy accuracy** (for each of the 804 analogies
# $a - b + c$, is the word nearest to $\hat a - \hat b + \hat c$, by cosine and leaving out $a, b, c$, the right
# one?) and the **neighbour accuracy** (is the nearest word of each topic word, crown or wine, a word of its own
# row: throne, reign, king, queen?). By chance they would be under 2% and about 4%.

# %% locked="train_word_vectors"
def train_word_vectors(seed=0):
    """V (W, 24), the input vectors, trained on the planted corpus with your functions (what is graded)."""
    V, U, losses = helpers.word2vec.train(
        CORPUS, seed=seed, loss=negative_sampling_loss,
        probs=sampling_distribution(CORPUS.counts), keep=keep_probability(CORPUS.counts, helpers.word2vec.SUBSAMPLE_T),
    )
    return V


# %% tests="test_word_vectors" points=2
start = time.perf_counter()
word_vectors = train_word_vectors(seed=0)
analogies = helpers.word2vec.analogy_accuracy(word_vectors, CORPUS.analogies)
neighbours = helpers.word2vec.neighbour_accuracy(word_vectors, CORPUS)
print(f"trained in {time.perf_counter() - start:.1f} s: {analogies:.1%} of the analogies right, "
      f"{neighbours:.1%} of the topic words next to their row")
king, man, woman = (CORPUS.index[w] for w in ("king", "man", "woman"))
print("king - man + woman =", CORPUS.vocab[helpers.word2vec.analogy(word_vectors, king, man, woman)[0][0]])
assert analogies >= 0.8 and neighbours >= 0.8, "correct functions reach 100% on both here: do exercises 1-3 pass?"
### BEGIN HIDDEN TESTS
helpers.grading.check_word_vectors_train(train_word_vectors)
### END HIDDEN TESTS

# %% [markdown]
# The relations are directions. In the projection below (the explorer's view; type words, pick a group), the
# segment from *man* to *king* is parallel to the one from *woman* to *queen*: "royal" is the same step for both
# genders, and an analogy is completing the parallelogram. Try `paris - france + japan`, the neighbours of `wine`,
# or the group with the topic words. Until your vectors are trained it shows vectors trained with the reference
# functions, and says so.

# %%
from helpers.widgets.w11 import WordVectorExplorer

WordVectorExplorer(globals().get("word_vectors"), CORPUS, query="paris", analogy="king - man + woman")

# %% [markdown]
# Word vectors give each word **one** vector whatever the sentence: "bank" of a river and "bank" of money share it,
# and nothing in a vector says what the neighbouring words are doing. The rest of the week builds the machinery
# that lets the vector at each position depend on the others: attention.


# %% [markdown]
# ## 2. Scaled dot-product attention, with a mask
#
# Week 10's attention was a soft dictionary: a query is compared with every key, the scores become weights by a
# softmax, and the answer is the weighted average of the values. In matrix form, for all queries at once,
#
# $$\mathrm{Attention}(Q, K, V) = \mathrm{softmax}\!\left(\frac{Q K^\top}{\sqrt d}\right) V,$$
#
# the softmax taken along each row (over the keys). Week 10 masked only padding: a whole column of keys was
# switched off for a sequence. A Transformer needs a mask per *pair* (query $i$, key $j$), because of a second
# kind of mask:
#
# - **padding**: key $j$ is padding, so no query may look at it: `mask[n, i, j] = real[n, j]` for every $i$;
# - **causal**: a decoder that predicts token $i+1$ from tokens $0..i$ must not look at the future, so query $i$
#   sees keys $j \le i$ only: the lower triangle, `np.tril(np.ones((T, T)))`;
# - both: their product.
#
# A masked score is set to $-\infty$ **before** the softmax: $e^{-\infty} = 0$, so the key gets exactly zero
# weight and the allowed weights still sum to 1. Every row of a mask must allow at least one key (a query with
# nothing to look at has no defined average; `helpers.transformer` refuses such a mask with a `ValueError`). With
# padding at the end and keys-only masking this always holds: a padded *query* still looks at the real keys, and
# its output is simply ignored by the loss.

# %%
real = np.array([[1.0, 1.0, 1.0, 0.0]])                   # one sequence of length 3, padded to 4
print("padding mask (queries down, keys across):\n", helpers.transformer.padding_mask(real)[0])
print("causal mask:\n", helpers.transformer.causal_mask(4)[0])
print("both:\n", helpers.transformer.padding_mask(real)[0] * helpers.transformer.causal_mask(4)[0])

# %% [markdown]
# ### Why divide by $\sqrt d$?
#
# If the $d$ coordinates of a query and a key are independent with mean 0 and variance 1, their dot product
# $q \cdot k = \sum_{m=1}^d q_m k_m$ is a sum of $d$ terms of variance 1: its variance is $d$, its typical size
# $\sqrt d$. With $d = 64$ the scores spread over tens of units, the softmax puts almost all the weight on one
# key, and its gradient, $a_j(\delta_{jl} - a_l)$, is nearly 0 everywhere: learning stalls. Dividing by
# $\sqrt d$ brings the variance back to 1 whatever $d$ is. Measured on random vectors:

# %%
rng = np.random.default_rng(0)
print("    d   var(q·k)  var(q·k/√d)  largest weight of 10 keys: unscaled  scaled")
for d in (1, 4, 16, 64, 256):
    q, k = rng.normal(size=(20000, d)), rng.normal(size=(20000, d))
    dots = np.sum(q * k, axis=1)
    scores = (rng.normal(size=(2000, 1, d)) * rng.normal(size=(2000, 10, d))).sum(axis=2)
    top = [np.mean(np.max(np.exp(s - s.max(1, keepdims=True)) / np.exp(s - s.max(1, keepdims=True)).sum(1, keepdims=True), 1))
           for s in (scores, scores / np.sqrt(d))]
    print(f"{d:5d}  {dots.var():8.1f}  {(dots / np.sqrt(d)).var():10.2f}  {top[0]:33.2f}  {top[1]:6.2f}")

# %% [markdown]
# Unscaled, the variance grows like $d$ and the softmax becomes nearly one-hot (the largest of 10 weights goes to
# about 0.9 at $d = 256$); scaled, the variance stays near 1 and the weights stay spread, whatever the width.
#
# ### Exercise 4 — attention under a mask (2 points)
#
# Write `masked_attention(Q, K, V, mask)` returning `(out (N, Tq, dv), weights (N, Tq, S))`. `Q @ K.transpose(0, 2, 1)`
# gives every score; `np.where(mask > 0, scores, -np.inf)` masks them; write the softmax yourself (subtract each
# row's maximum first, as in week 1; a row always has at least one finite score).

# %% solution="masked_attention"
def masked_attention(Q, K, V, mask):
    """(out (N, Tq, dv), weights (N, Tq, S)): softmax(Q Kᵀ / √d) V with masked scores at -inf."""
    ### BEGIN SOLUTION
    scores = Q @ K.transpose(0, 2, 1) / np.sqrt(Q.shape[2])
    scores = np.where(mask > 0, scores, -np.inf)
    e = np.exp(scores - scores.max(axis=2, keepdims=True))
    weights = e / e.sum(axis=2, keepdims=True)
    return weights @ V, weights
    ### END SOLUTION


# %% tests="test_masked_attention" points=2
Q = np.array([[[1.0, 0.0], [0.0, 1.0]]])                 # N = 1, Tq = 2, d = 2
K = np.array([[[1.0, 0.0], [0.0, 1.0]]])                 # S = 2
V = np.array([[[1.0], [3.0]]])
out, weights = masked_attention(Q, K, V, helpers.transformer.causal_mask(2))
w = np.exp([0.0, 1 / np.sqrt(2)]) / np.exp([0.0, 1 / np.sqrt(2)]).sum()
assert_close(weights, [[[1.0, 0.0], [w[0], w[1]]]], name="weights (query 0 sees key 0 only)", inputs=Q)
assert_close(out, [[[1.0], [w[0] * 1.0 + w[1] * 3.0]]], name="out")
assert weights[0, 0, 1] == 0.0, "a masked key must get exactly zero weight"
### BEGIN HIDDEN TESTS
helpers.grading.check_masked_attention(masked_attention)
### END HIDDEN TESTS

# %% [markdown]
# ### Exercise 5 — its backward (3 points)
#
# Given `dout (N, Tq, dv)`, return `(dQ, dK, dV)`. The same three steps as week 10, in reverse:
#
# $$dV = a^\top\, dout, \qquad da = dout\, V^\top, \qquad
#   ds_{ij} = a_{ij}\Big(da_{ij} - \sum_{j'} a_{ij'}\, da_{ij'}\Big), \qquad
#   dQ = \frac{ds\, K}{\sqrt d}, \qquad dK = \frac{ds^\top Q}{\sqrt d}.$$
#
# A masked pair has $a_{ij} = 0$, hence $ds_{ij} = 0$: nothing flows through it, and a key that no query may see
# gets exactly zero gradient. (The $-\infty$ never enters the backward pass: only the weights do.)

# %% solution="masked_attention_backward"
def masked_attention_backward(dout, Q, K, V, mask):
    """(dQ (N, Tq, d), dK (N, S, d), dV (N, S, dv)) from dout (N, Tq, dv)."""
    ### BEGIN SOLUTION
    _, a = masked_attention(Q, K, V, mask)
    dV = a.transpose(0, 2, 1) @ dout
    da = dout @ V.transpose(0, 2, 1)
    ds = a * (da - np.sum(a * da, axis=2, keepdims=True))
    scale = np.sqrt(Q.shape[2])
    return ds @ K / scale, ds.transpose(0, 2, 1) @ Q / scale, dV
    ### END SOLUTION


# %% tests="test_masked_attention_backward" points=3
rng = np.random.default_rng(1)
Q, K, V = rng.normal(size=(2, 4, 3)), rng.normal(size=(2, 4, 3)), rng.normal(size=(2, 4, 2))
mask = helpers.transformer.causal_mask(4, 2) * helpers.transformer.padding_mask(np.array([[1.0, 1, 1, 1], [1, 1, 0, 0]]))
dout = rng.normal(size=(2, 4, 2))
grads = masked_attention_backward(dout, Q, K, V, mask)
energy = lambda _: np.sum(dout * masked_attention(Q, K, V, mask)[0])
for name, value, array in zip(["dQ", "dK", "dV"], grads, [Q, K, V]):
    assert_close(value, helpers.numerical_gradient(energy, array), name=f"{name} vs numerical", rtol=1e-6)
assert np.all(grads[1][1, 2:] == 0) and np.all(grads[2][1, 2:] == 0), "padded keys must get exactly zero gradient"
### BEGIN HIDDEN TESTS
helpers.grading.check_masked_attention_backward(masked_attention_backward)
### END HIDDEN TESTS

# %% [markdown]
# ## 3. Multi-head attention
#
# In **self-attention** the queries, keys and values all come from the same sequence `x (N, T, D)`, through three
# learned matrices: $Q = x W_Q$, $K = x W_K$, $V = x W_V$. One attention gives each position one weighted average,
# one way of deciding what is relevant. **Multi-head** attention runs $h$ attentions side by side, each on its own
# slice of $d_k = D/h$ columns of $Q$, $K$ and $V$, so one head can follow the previous token while another looks
# for the same digit elsewhere; then it concatenates the $h$ results back to $D$ columns and mixes them with $W_O$:
#
# $$\mathrm{head}_k = \mathrm{Attention}(Q_{[:, k]}, K_{[:, k]}, V_{[:, k]}), \qquad
#   \mathrm{out} = [\mathrm{head}_1, \dots, \mathrm{head}_h]\, W_O.$$
#
# Each head scales by $\sqrt{d_k}$, its own width. The cheap way to run the heads is to put them on the batch axis:
#
# ```
# (N, T, D) --reshape--> (N, T, h, dk) --transpose(0, 2, 1, 3)--> (N, h, T, dk) --reshape--> (N·h, T, dk)
# ```
#
# then one call of your `masked_attention` does every head of every sequence (repeat the mask for the heads:
# `np.repeat(mask, h, axis=0)`, which matches row `n·h + k`), and the same steps backwards merge them. Reshaping
# `(N, T, D)` straight into `(N, h, T, dk)` looks similar and is wrong: it cuts the sequence, not the features.
#
# ### Exercise 6 — multi-head self-attention (2 points)
#
# Return `(out (N, T, D), weights (N, h, T, T))`, the weights of each head (the explorer draws them).

# %% solution="multi_head_attention"
def split_heads(y, heads):
    """(N, T, D) -> (N·h, T, D/h)."""
    ### BEGIN SOLUTION
    n, t, d = y.shape
    return y.reshape(n, t, heads, d // heads).transpose(0, 2, 1, 3).reshape(n * heads, t, d // heads)
    ### END SOLUTION


def merge_heads(y, heads):
    """(N·h, T, dk) -> (N, T, h·dk)."""
    ### BEGIN SOLUTION
    nh, t, dk = y.shape
    return y.reshape(nh // heads, heads, t, dk).transpose(0, 2, 1, 3).reshape(nh // heads, t, heads * dk)
    ### END SOLUTION


def multi_head_attention(x, mask, Wq, Wk, Wv, Wo, heads):
    """(out (N, T, D), weights (N, h, T, T)): self-attention with h heads, x (N, T, D), mask (N, T, T), W (D, D)."""
    ### BEGIN SOLUTION
    n, t, _ = x.shape
    Q, K, V = split_heads(x @ Wq, heads), split_heads(x @ Wk, heads), split_heads(x @ Wv, heads)
    out, weights = masked_attention(Q, K, V, np.repeat(mask, heads, axis=0))
    return merge_heads(out, heads) @ Wo, weights.reshape(n, heads, t, t)
    ### END SOLUTION


# %% tests="test_multi_head_attention" points=2
rng = np.random.default_rng(2)
x, W = rng.normal(size=(1, 3, 4)), [rng.normal(size=(4, 4)) for _ in range(4)]
mask = helpers.transformer.causal_mask(3)
out, weights = multi_head_attention(x, mask, *W, heads=2)
Q, K, V = x @ W[0], x @ W[1], x @ W[2]
one = [masked_attention(Q[..., c], K[..., c], V[..., c], mask)[0] for c in (slice(0, 2), slice(2, 4))]
assert_close(out, np.concatenate(one, axis=2) @ W[3], name="out: heads on columns 0-1 and 2-3", inputs=x)
assert weights.shape == (1, 2, 3, 3), f"weights must be (N, h, T, T) = (1, 2, 3, 3), got {weights.shape}"
### BEGIN HIDDEN TESTS
helpers.grading.check_multi_head_attention(multi_head_attention)
### END HIDDEN TESTS

# %% [markdown]
# ### Exercise 7 — its backward (3 points)
#
# Given `dout (N, T, D)`, return `(dx, dWq, dWk, dWv, dWo)`. Backwards through the steps: $dW_O =
# \mathrm{concat}^\top dout$ and $d\,\mathrm{concat} = dout\, W_O^\top$; split it into heads; your
# `masked_attention_backward` gives each head's $(dQ, dK, dV)$; merge them back to `(N, T, D)`; then
# $dW_Q = x^\top dQ$ (summed over every position of every sequence: flatten to `(N·T, D)`), and likewise
# $dW_K$, $dW_V$. Since $x$ made all three of $Q$, $K$ and $V$, its gradient is the sum of the three paths:
# $dx = dQ\, W_Q^\top + dK\, W_K^\top + dV\, W_V^\top$.

# %% solution="multi_head_attention_backward"
def multi_head_attention_backward(dout, x, mask, Wq, Wk, Wv, Wo, heads):
    """(dx (N, T, D), dWq, dWk, dWv, dWo (D, D)) from dout (N, T, D)."""
    ### BEGIN SOLUTION
    n, t, d = x.shape
    Q, K, V = split_heads(x @ Wq, heads), split_heads(x @ Wk, heads), split_heads(x @ Wv, heads)
    out, _ = masked_attention(Q, K, V, np.repeat(mask, heads, axis=0))
    concat = merge_heads(out, heads)
    dWo = concat.reshape(-1, d).T @ dout.reshape(-1, d)
    dQ, dK, dV = masked_attention_backward(split_heads(dout @ Wo.T, heads), Q, K, V, np.repeat(mask, heads, axis=0))
    dQ, dK, dV = merge_heads(dQ, heads), merge_heads(dK, heads), merge_heads(dV, heads)
    flat = x.reshape(-1, d)
    dx = dQ @ Wq.T + dK @ Wk.T + dV @ Wv.T
    return dx, flat.T @ dQ.reshape(-1, d), flat.T @ dK.reshape(-1, d), flat.T @ dV.reshape(-1, d), dWo
    ### END SOLUTION


# %% tests="test_multi_head_attention_backward" points=3
rng = np.random.default_rng(3)
x, W, dout = rng.normal(size=(2, 4, 6)), [rng.normal(size=(6, 6)) * 0.4 for _ in range(4)], rng.normal(size=(2, 4, 6))
mask = helpers.transformer.causal_mask(4, 2)
grads = multi_head_attention_backward(dout, x, mask, *W, heads=3)
energy = lambda _: np.sum(dout * multi_head_attention(x, mask, *W, heads=3)[0])
for name, value, array in zip(["dx", "dWq", "dWk", "dWv", "dWo"], grads, [x] + W):
    assert_close(value, helpers.numerical_gradient(energy, array), name=f"{name} vs numerical", rtol=1e-6)
### BEGIN HIDDEN TESTS
helpers.grading.check_multi_head_attention_backward(multi_head_attention_backward)
### END HIDDEN TESTS

# %% [markdown]
# ## 4. The Transformer block
#
# A block has two sub-layers, each wrapped in a **residual connection** and a **layer normalization**: first
# multi-head self-attention (positions exchange information), then a **position-wise feed-forward** network, the
# same two-layer MLP applied to every position on its own, $\mathrm{FFN}(z) = \max(0, z W_1 + b_1) W_2 + b_2$ with
# a hidden width $F$ (usually $4D$). We use the **pre-norm** arrangement, which trains without the careful
# learning-rate warm-up the original post-norm one needs:
#
# $$a = x + \mathrm{MHA}(\mathrm{LN}_1(x)), \qquad \mathrm{out} = a + \mathrm{FFN}(\mathrm{LN}_2(a)).$$
#
# (The original paper wrote $\mathrm{LN}(x + \mathrm{MHA}(x))$: the norm after the sum.) The residual path carries
# $x$ through unchanged, so a deep stack starts close to the identity and its gradient always has a direct route
# back, the idea of week 8's ResNets.
#
# ### Exercise 8 — what a block costs (1 point)
#
# Write `block_parameter_count(d_model, heads, d_ff)`: the number of learned numbers in one such block, with
# $W_Q, W_K, W_V, W_O$ of $D \times D$ and no biases in the attention, the feed-forward's $W_1, b_1, W_2, b_2$, and
# two layer norms with $\gamma, \beta$ of $D$ numbers each. Think about what the number of heads changes.

# %% solution="block_parameter_count"
def block_parameter_count(d_model, heads, d_ff):
    """Learned numbers in one pre-norm Transformer block (an int)."""
    ### BEGIN SOLUTION
    D, F = d_model, d_ff
    return 4 * D * D + (D * F + F + F * D + D) + 4 * D
    ### END SOLUTION


# %% tests="test_block_parameter_count" points=1
assert block_parameter_count(4, 1, 8) == 4 * 16 + (32 + 8 + 32 + 4) + 16, "D = 4, F = 8: count every matrix and vector"
assert block_parameter_count(4, 2, 8) == block_parameter_count(4, 1, 8), "does the number of heads add parameters?"
print("the original paper's sizes (D = 512, 8 heads, F = 2048):", block_parameter_count(512, 8, 2048))
### BEGIN HIDDEN TESTS
helpers.grading.check_block_parameter_count(block_parameter_count)
### END HIDDEN TESTS

# %% [markdown]
# The heads split $D$ columns; they do not multiply them. Eight heads of 64 columns cost what one head of 512
# costs. About two thirds of a block is the feed-forward network.
#
# ### Positions: attention does not know the order
#
# Permute the tokens of a sequence and self-attention permutes its outputs the same way: nothing in
# $\mathrm{softmax}(QK^\top/\sqrt d)V$ says which token came first. The order must be written into the inputs.
# The original Transformer adds to each token's embedding a **sinusoidal positional encoding**, the same for
# every sequence:
#
# $$PE_{t, 2i} = \sin\!\left(\frac{t}{10000^{2i/D}}\right), \qquad PE_{t, 2i+1} = \cos\!\left(\frac{t}{10000^{2i/D}}\right),
# \qquad t = 0, 1, \dots$$
#
# Each pair of columns turns at its own frequency, from one turn every $2\pi$ positions down to one every
# $2\pi \cdot 10000$, like the hands of a clock: together they give each position a distinct code. And since
# $\sin(\omega(t + k))$ and $\cos(\omega(t + k))$ are a fixed rotation of $\sin \omega t$ and $\cos \omega t$, the code
# of position $t + k$ is a linear function of the code of $t$, whatever $t$: a query and a key can learn to meet
# at a given *distance*. The alternative is a **learned** table, one trainable row of $D$ numbers per position (as
# BERT and GPT do): as good in practice, but it knows nothing of lengths longer than those it was trained on.
#
# ### Exercise 9 — the sinusoidal encoding (1 point)
#
# Write `positional_encoding(T, D)` returning `PE (T, D)`. With $D$ odd, the last column is a sine alone.

# %% solution="positional_encoding"
def positional_encoding(T, D):
    """PE (T, D): sin in the even columns, cos in the odd ones, columns 2i and 2i+1 at frequency 1/10000^(2i/D)."""
    ### BEGIN SOLUTION
    columns = np.arange(D)
    angles = np.arange(T)[:, None] / 10000.0 ** ((columns // 2 * 2) / D)[None, :]
    return np.where(columns % 2 == 0, np.sin(angles), np.cos(angles))
    ### END SOLUTION


# %% tests="test_positional_encoding" points=1
PE = positional_encoding(3, 4)
assert_close(PE[0], [0.0, 1.0, 0.0, 1.0], name="position 0: sin 0 = 0, cos 0 = 1")
assert_close(PE[2], [np.sin(2.0), np.cos(2.0), np.sin(2 / 100), np.cos(2 / 100)], name="position 2 (D = 4: 10000^(2/4) = 100)")
### BEGIN HIDDEN TESTS
helpers.grading.check_positional_encoding(positional_encoding)
### END HIDDEN TESTS

# %%
PE = positional_encoding(64, 32)
fig, (ax_pe, ax_dot) = plt.subplots(1, 2, figsize=(11, 3.4))
ax_pe.imshow(PE.T, aspect="auto", cmap="RdBu", vmin=-1, vmax=1)
ax_pe.set_xlabel("position t"); ax_pe.set_ylabel("column"); ax_pe.set_title("PE (64 positions, D = 32)")
ax_dot.plot(PE @ PE[20], marker=".")
ax_dot.set_xlabel("position t"); ax_dot.set_ylabel("PE[t] · PE[20]"); ax_dot.set_title("similar codes for nearby positions")
plt.show()

# %% [markdown]
# ## 5. Layer normalization
#
# Week 9's **batch norm** normalized each *feature* over the examples of a mini-batch: its statistics depend on the
# other examples, need running averages at test time, and mean nothing for a batch of one. In a sequence model the
# batch also mixes padded positions and sequences of different lengths. **Layer norm** normalizes each *example*
# (here: each position of each sequence) over its own $D$ features, then scales and shifts with learned $\gamma, \beta$:
#
# $$\mu = \frac1D \sum_{m} x_m, \qquad \sigma^2 = \frac1D \sum_m (x_m - \mu)^2, \qquad
#   \hat x = \frac{x - \mu}{\sqrt{\sigma^2 + \varepsilon}}, \qquad \mathrm{out} = \gamma \hat x + \beta.$$
#
# The same computation in training and at test time, and for any batch size: the axis is the last one, not the first.

# %%
x_one = np.array([[2.0, -1.0, 0.5, 4.0]])                     # a batch of ONE example, D = 4
gamma, beta = np.ones(4), np.zeros(4)
print("batch norm over the batch axis:", helpers.norm.batchnorm_forward(x_one, gamma, beta)[0])
x_hat = (x_one - x_one.mean(axis=-1, keepdims=True)) / np.sqrt(x_one.var(axis=-1, keepdims=True) + 1e-5)
print("layer norm over the features:  ", x_hat)

# %% [markdown]
# With one example, batch norm subtracts the example from itself and returns $\beta$ for everything: the input is
# lost. Layer norm keeps the shape of the example.
#
# ### Exercise 10 — layer norm (2 points)
#
# Write `layer_norm(x, gamma, beta, eps=1e-5)` for `x (…, D)` of any number of leading axes.

# %% solution="layer_norm"
def layer_norm(x, gamma, beta, eps=1e-5):
    """out like x (…, D): each example normalized over its last axis, then γ x̂ + β."""
    ### BEGIN SOLUTION
    mu = x.mean(axis=-1, keepdims=True)
    var = x.var(axis=-1, keepdims=True)
    return gamma * (x - mu) / np.sqrt(var + eps) + beta
    ### END SOLUTION


# %% tests="test_layer_norm" points=2
out = layer_norm(np.array([[1.0, 3.0]]), np.array([1.0, 2.0]), np.array([0.0, 10.0]))
s = np.sqrt(1.0 + 1e-5)
assert_close(out, [[-1 / s, 10 + 2 / s]], name="layer_norm of a batch of one, [1, 3]: x̂ = [−1, 1]/√(1 + ε)")
assert_close(layer_norm(np.ones((2, 3, 4)) * np.arange(4), np.ones(4), np.zeros(4)).mean(axis=-1), np.zeros((2, 3)),
             name="mean over the features of every position")
### BEGIN HIDDEN TESTS
helpers.grading.check_layer_norm(layer_norm)
### END HIDDEN TESTS

# %% [markdown]
# ### Exercise 11 — its backward (2 points)
#
# As for batch norm in week 9, the mean and the variance depend on $x$, which adds two terms; only now the means
# run over the features of one example. With $s = \sqrt{\sigma^2 + \varepsilon}$ and $g = dout \cdot \gamma$,
#
# $$dx = \frac1s\left(g - \overline{g} - \hat x\, \overline{g \hat x}\right), \qquad
#   d\gamma = \sum dout\, \hat x, \qquad d\beta = \sum dout,$$
#
# where the bars are means over the last axis and the sums run over every axis but the last (all the positions of
# all the sequences). Return `(dx, dgamma, dbeta)`.

# %% solution="layer_norm_backward"
def layer_norm_backward(dout, x, gamma, beta, eps=1e-5):
    """(dx like x, dgamma (D,), dbeta (D,)) from dout like x."""
    ### BEGIN SOLUTION
    mu = x.mean(axis=-1, keepdims=True)
    s = np.sqrt(x.var(axis=-1, keepdims=True) + eps)
    x_hat = (x - mu) / s
    g = dout * gamma
    dx = (g - g.mean(axis=-1, keepdims=True) - x_hat * np.mean(g * x_hat, axis=-1, keepdims=True)) / s
    D = x.shape[-1]
    return dx, (dout * x_hat).reshape(-1, D).sum(axis=0), dout.reshape(-1, D).sum(axis=0)
    ### END SOLUTION


# %% tests="test_layer_norm_backward" points=2
rng = np.random.default_rng(4)
x, dout, gamma, beta = rng.normal(size=(1, 3, 5)), rng.normal(size=(1, 3, 5)), rng.normal(size=5), rng.normal(size=5)
grads = layer_norm_backward(dout, x, gamma, beta)
energy = lambda _: np.sum(dout * layer_norm(x, gamma, beta))
for name, value, array in zip(["dx", "dgamma", "dbeta"], grads, [x, gamma, beta]):
    assert_close(value, helpers.numerical_gradient(energy, array), name=f"{name} vs numerical", rtol=1e-6)
### BEGIN HIDDEN TESTS
helpers.grading.check_layer_norm_backward(layer_norm_backward)
### END HIDDEN TESTS

# %% [markdown]
# ### Exercise 12 — the block (2 points)
#
# Put the pieces together: `transformer_block(x, mask, Wq, Wk, Wv, Wo, gamma1, beta1, W1, b1, W2, b2, gamma2,
# beta2, heads)` returns `out (N, T, D)` of the pre-norm block above, with your `layer_norm` and
# `multi_head_attention` and the feed-forward written in one line.

# %% solution="transformer_block"
def transformer_block(x, mask, Wq, Wk, Wv, Wo, gamma1, beta1, W1, b1, W2, b2, gamma2, beta2, heads):
    """out (N, T, D): a = x + MHA(LN1(x)); out = a + FFN(LN2(a))."""
    ### BEGIN SOLUTION
    a = x + multi_head_attention(layer_norm(x, gamma1, beta1), mask, Wq, Wk, Wv, Wo, heads)[0]
    return a + np.maximum(layer_norm(a, gamma2, beta2) @ W1 + b1, 0.0) @ W2 + b2
    ### END SOLUTION


# %% tests="test_transformer_block" points=2
rng = np.random.default_rng(5)
D, F = 4, 8
x, W = rng.normal(size=(1, 3, D)), [rng.normal(size=(D, D)) for _ in range(4)]
zero_ffn = dict(W1=np.zeros((D, F)), b1=np.zeros(F), W2=np.zeros((F, D)), b2=np.zeros(D))
out = transformer_block(x, helpers.transformer.causal_mask(3), *W, np.ones(D), np.zeros(D), zero_ffn["W1"],
                        zero_ffn["b1"], zero_ffn["W2"], zero_ffn["b2"], np.ones(D), np.zeros(D), heads=2)
expected = x + multi_head_attention(layer_norm(x, np.ones(D), np.zeros(D)), helpers.transformer.causal_mask(3), *W, 2)[0]
assert_close(out, expected, name="with a zero feed-forward, out = x + MHA(LN(x))", inputs=x)
### BEGIN HIDDEN TESTS
helpers.grading.check_transformer_block(transformer_block)
### END HIDDEN TESTS

# %% [markdown]
# ## 6. A tiny Transformer, trained with your functions
#
# **The task**: reverse a string of 6 digits. Written as one sequence, `3 1 4 1 5 9 | 9 5 1 4 1 3`, it becomes
# **next-token prediction**, the objective of a decoder such as GPT: at every position the model predicts the next
# token from the tokens so far, under the **causal mask**. Only the 6 predictions after the separator "|" count in
# the loss (the first half is random digits: nothing predicts them). To write the $k$-th reversed digit, the query
# at position $6 + k$ must find the key at position $5 - k$, a different distance at every step: attention must
# look across the sequence, and without positions it cannot know where to look.
#
# The other objective is BERT's **masked-token** prediction: an encoder reads the whole sequence with no causal mask
# (padding only), about 15% of the input tokens are replaced by a `[MASK]` token, and the loss counts the
# predictions at those positions only. Its attention mask and its loss mask, for one sequence of 6 with 2 hidden:
#
# ```
# attention mask (every query sees every real key)      loss mask (which positions are scored)
# 1 1 1 1 1 1                                            0 1 0 0 1 0     <- positions 1 and 4 were [MASK]ed
# 1 1 1 1 1 1
# ...                                                    a decoder's causal mask is the lower triangle instead,
# 1 1 1 1 1 1                                            and its loss scores every (here: every second-half) position
# ```
#
# **The model** (`helpers.reverser`): token embeddings plus your positional encoding, two of the blocks above
# ($D = 32$, 4 heads, $F = 64$), a final layer norm and a linear layer to the 11 symbols, trained by Adam on 200
# mini-batches of 32 fresh random strings (the learning rate warmed up over 30 steps, gradients clipped at norm 1).
# Your `multi_head_attention`, `multi_head_attention_backward`, `positional_encoding`, `layer_norm` and
# `layer_norm_backward` do the work; the embedding, feed-forward and loss are in the helper. The cell below is
# read-only.

# %% locked="train_reverser"
YOUR_FUNCTIONS = helpers.reverser.ops(
    multi_head_attention=multi_head_attention, multi_head_attention_backward=multi_head_attention_backward,
    positional_encoding=positional_encoding, layer_norm=layer_norm, layer_norm_backward=layer_norm_backward,
)
TEST = helpers.reverser.test_sequences()                      # 1000 held-out strings, the same for everyone


def train_with_losses(seed=0, ops=YOUR_FUNCTIONS):
    """Train the reverser with your functions: (parameters as a dict, the loss of every step)."""
    return helpers.reverser.train(seed=seed, ops=ops)


def train_reverser(seed=0):
    """The trained parameters as a tuple, in the order of helpers.reverser.parameter_names(2) (what is graded)."""
    params, _ = train_with_losses(seed)
    return tuple(params[name] for name in helpers.reverser.parameter_names(2))


# %% tests="test_reverser" points=3
start = time.perf_counter()
reverser, losses = train_with_losses(seed=0)
accuracy = helpers.reverser.accuracy(reverser, TEST, ops=YOUR_FUNCTIONS)
print(f"{accuracy:.1%} of the 1000 held-out strings reversed exactly (trained in {time.perf_counter() - start:.1f} s)")
assert accuracy >= 0.5, f"{accuracy:.1%}: correct functions reverse 98% of the strings here. Do exercises 6-11 pass?"
### BEGIN HIDDEN TESTS
helpers.grading.check_reverser_trains(train_reverser)
### END HIDDEN TESTS

# %% [markdown]
# The same model with the positional encoding replaced by zeros: the attention can no longer tell position 2 from
# position 4.

# %%
if "reverser" not in globals():
    raise NotImplementedError("train the reverser above first: its test cell checks your functions")
no_positions = helpers.reverser.ops(
    multi_head_attention=multi_head_attention, multi_head_attention_backward=multi_head_attention_backward,
    positional_encoding=lambda T, D: np.zeros((T, D)), layer_norm=layer_norm, layer_norm_backward=layer_norm_backward,
)
blind, losses_blind = train_with_losses(seed=0, ops=no_positions)
print(f"without positions: {helpers.reverser.accuracy(blind, TEST, ops=no_positions):.1%} reversed exactly; "
      f"with: {accuracy:.1%}")
fig, ax = plt.subplots(figsize=(6.5, 3.2))
ax.plot(losses, label="with positional encoding"); ax.plot(losses_blind, label="without")
ax.set_yscale("log"); ax.set_xlabel("Adam step"); ax.set_ylabel("loss (second half)"); ax.legend()
plt.show()

# %% [markdown]
# Without positions the loss falls far more slowly and stays high (about 1.2 after 200 steps, against under 0.01
# with them), and hardly any string comes out right. A causal decoder still knows a little about order (query $i$
# sees $i + 1$ keys, so it can count them through the averages), but not enough to find the mirrored digit.
#
# ## 7. Explore: what each head looks at
#
# Type 6 digits. Each panel is one head of one layer: the query positions down, the key positions across, the
# weights in blue (the causal mask leaves the upper triangle empty). Look for the head whose bright cells run
# along the anti-diagonal of the second half: it reads the mirrored digit. Until your functions have trained the
# model above, it shows one trained with the reference functions (and if your functions raise, it draws with the
# reference ones), and says so. The weights drawn are those your functions compute; the same model is also run with
# the reference functions, and if the two disagree, the first weight that differs is framed in red and named above
# the panels (a layer norm over the wrong axis shows up in the very first head).

# %%
from helpers.widgets.w11 import HeadViewExplorer

HeadViewExplorer(globals().get("reverser"), ops=YOUR_FUNCTIONS, text="314159")

# %% [markdown]
# ## Summary
#
# - Skip-gram with negative sampling: $-\log\sigma(u_o\cdot v_c) - \sum_j \log\sigma(-u_{n_j}\cdot v_c)$, gradients
#   for both tables, repeated words accumulated (`np.add.at`); negatives drawn from $c^{3/4}$ normalized; frequent
#   words kept with probability $\min(1, \sqrt{t/f})$. Relations become directions: $a - b + c$ completes a
#   parallelogram, scored exactly on a planted corpus.
# - Attention under a mask: scores $QK^\top/\sqrt d$, masked scores at $-\infty$ **before** the softmax over the
#   keys; masked pairs get exactly zero weight and zero gradient. A padding mask switches off keys, a causal mask
#   the future; the $\sqrt d$ keeps the scores' variance at 1 whatever the width.
# - Multi-head attention splits $D$ into $h$ heads of $D/h$ columns (reshape, then transpose: never a bare reshape),
#   attends in each, concatenates and projects: $4D^2$ weights whatever $h$.
# - Self-attention ignores order: sinusoidal positional encodings (or a learned table) write it into the inputs.
# - Layer norm normalizes each example over its features, the same in training and at test time, for a batch of one
#   too; batch norm normalizes each feature over the batch.
# - A pre-norm block is $a = x + \mathrm{MHA}(\mathrm{LN}(x))$, $\mathrm{out} = a + \mathrm{FFN}(\mathrm{LN}(a))$;
#   two of them, trained on next-token prediction under a causal mask, learn to reverse digits in a few seconds.
