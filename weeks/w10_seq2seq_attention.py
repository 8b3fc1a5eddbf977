# %% [markdown]
# # Week 10 — Sequence to sequence, and attention
#
# Week 5's recurrent network read a sequence and produced one output per step. Translation needs more: the
# output is a *different* sequence, of its own length, and each output word may depend on any input word.
# This week you build an **encoder–decoder** that translates dates written by people ("25th of December
# 2026", "dec 25 26", "Friday, 25/12/2026", …) into ISO format ("2026-12-25"), one character at a time:
#
# 1. **embeddings**: a character (or word) as a learned vector, looked up in a matrix, and the gradient of
#    that lookup;
# 2. a **bidirectional RNN** that reads the input both ways, on a batch of sequences of different lengths;
# 3. the **decoder**, trained with teacher forcing on a loss averaged over the real tokens, and greedy
#    decoding;
# 4. **attention**: at every output step the decoder looks back at every input position;
# 5. the translator **trained with your functions**, with and without attention, and the difference measured;
# 6. an explorer that shows where the trained model looks for a date you type.
#
# Conventions: batch-first, as in `helpers`. Token ids `ids (N, T)` (integers), embedded sequences
# `x (N, T, D)`, a padding mask `mask (N, T)`: 1 for a real token, 0 for padding, real tokens first.
# Vectors are rows, so a layer is `x @ W`.
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
# ## The data
#
# `helpers.dates` draws days between 1950 and 2049 with Python's `datetime` and a fixed seed, and writes each
# in one of 26 formats; 22 are used for training and 4 are held out, to see later whether the model
# generalises to a way of writing it never saw. The target is always `date.isoformat()`: 10 characters.

# %%
DATA = helpers.dates.date_dataset(n_train=4000, n_test=1000, seed=0)
for text, iso in zip(DATA["train_texts"][:8], DATA["train_isos"][:8]):
    print(f"{text:32s} → {iso}")
print(f"\n{len(DATA['train_texts'])} training pairs, {len(DATA['test_texts'])} held-out pairs; inputs padded to "
      f"{DATA['train_ids'].shape[1]} characters; {len(helpers.dates.INPUT_CHARS)} input symbols, "
      f"{len(helpers.dates.OUTPUT_CHARS)} output symbols")

# %% [markdown]
# Each character becomes an integer id: `DATA["train_ids"] (4000, T)` with id 0 for padding, and
# `DATA["train_mask"]` says which positions are real. The outputs use 12 symbols: the digits, "-" and a start
# symbol "^" (id 0) that the decoder reads before the first character.
#
# ## 1. Embeddings: a lookup that is a matrix product
#
# A character with id $w$ in a vocabulary of $V$ symbols could enter the network as a one-hot vector
# $\mathrm{onehot}(w) \in \{0, 1\}^V$. The first layer multiplies it by a matrix $E$ $(V \times D)$:
#
# $$x = \mathrm{onehot}(w)\, E = E_{w,:}.$$
#
# Multiplying by a one-hot vector picks **row $w$** of $E$, so nobody builds the one-hot vectors: the layer is
# the lookup `E[ids]`, and row $w$ is the learned vector of symbol $w$ (its **embedding**). With column vectors,
# as many texts write it, $E$ is $D \times V$ and the lookup picks a column; the same thing.
#
# ### Exercise 1 — the lookup (1 point)
#
# Write `embed(ids, E)` for `ids` of any shape, returning `ids.shape + (D,)`.

# %% solution="embed"
def embed(ids, E):
    """Rows of E for every id: ids (N, T) integers, E (V, D) -> x (N, T, D)."""
    ### BEGIN SOLUTION
    return E[ids]
    ### END SOLUTION


# %% tests="test_embed" points=1
E = np.array([[0.0, 1.0], [2.0, 3.0], [4.0, 5.0]])              # V = 3, D = 2
ids = np.array([[2, 0, 2]])                                       # N = 1, T = 3
assert_close(embed(ids, E), [[[4.0, 5.0], [0.0, 1.0], [4.0, 5.0]]], name="embed", inputs=ids)
assert_close(embed(ids, E), np.eye(3)[ids] @ E, name="embed = one_hot(ids) @ E")
### BEGIN HIDDEN TESTS
helpers.grading.check_embed(embed)
### END HIDDEN TESTS

# %% [markdown]
# ### The gradient of a lookup is a scatter-add
#
# Since $x_i = \mathrm{onehot}(w_i) E$, the gradient of the loss with respect to $E$ is
# $\sum_i \mathrm{onehot}(w_i)^\top\, dx_i$: row $v$ of `dE` collects the upstream gradients of **every
# position where symbol $v$ occurs**, and all other rows are 0. A symbol that occurs twice gets both
# gradients added. The natural line `dE[ids] += dout` is wrong exactly there: numpy's fancy-index assignment
# writes each row once, so with a repeated id the last gradient wins. `np.add.at(dE, ids, dout)` adds them
# all (so does a loop).
#
# ### Exercise 2 — the gradient of the lookup (2 points)
#
# Write `embed_backward(dout, ids, vocab_size)` returning `dE (V, D)`, given `dout` shaped like the lookup's
# output.

# %% solution="embed_backward"
def embed_backward(dout, ids, vocab_size):
    """dE (V, D): every row of dout (…, D) added to the row of its id (…)."""
    ### BEGIN SOLUTION
    dE = np.zeros((vocab_size, dout.shape[-1]))
    np.add.at(dE, ids, dout)
    return dE
    ### END SOLUTION


# %% tests="test_embed_backward" points=2
dout = np.ones((1, 3, 2))
assert_close(embed_backward(dout, np.array([[2, 0, 2]]), 3), [[1.0, 1.0], [0.0, 0.0], [2.0, 2.0]],
             name="dE (symbol 2 occurs twice)", inputs=dout)
### BEGIN HIDDEN TESTS
helpers.grading.check_embed_backward(embed_backward)
### END HIDDEN TESTS

# %% [markdown]
# ## 2. A bidirectional RNN over padded sequences
#
# The encoder reads the input date. A forward RNN's state at position $t$ knows the characters up to $t$ only;
# to know what a "12" is (a day? a month?) it helps to see what comes *after* it too. A **bidirectional** RNN
# runs two RNNs with their own weights, one from the first character to the last and one from the last to the
# first, and keeps both states at every position:
#
# $$
# \begin{aligned}
# f_t &= \tanh(x_t W^f_{in} + f_{t-1} W^f + b^f), & t &= 1, \dots, L \quad (f_0 = 0)\\
# g_t &= \tanh(x_t W^b_{in} + g_{t+1} W^b + b^b), & t &= L, \dots, 1 \quad (g_{L+1} = 0)\\
# h_t &= [f_t, g_t] && (N \times 2H)
# \end{aligned}
# $$
#
# **Concatenated, not added.** The two directions are two different summaries: $f_t$ of the left context, $g_t$
# of the right one, each in coordinates its own weights chose. Adding them would mix "what came before" and "what
# comes after" into the same $H$ numbers, and the layers above could not tell them apart (nor learn that one
# matters more here); concatenating keeps both in $2H$ numbers, and a layer above that wants the sum can still
# learn it ($[f, g]\,[W; W] = fW + gW$). The converse is not true.
#
# **Padding.** A batch holds dates of different lengths, padded to the longest. The forward direction is easy:
# padding comes after the real characters, so the real states never see it. The backward direction must start at
# **each sequence's own last real character** $L_n$, not at the end of the padded array: reversing the whole
# array (`x[:, ::-1]`) would feed it the padding first. Reverse each sequence within its length instead:
#
# ```
# x      = [a b c d _ _]      (L = 4, _ is padding)
# rev    = [d c b a _ _]      positions L−1 … 0, then the padding where it was
# ```
#
# run an ordinary RNN on it, and put the states back in their positions (the same reversal undoes itself).
# Set every state at a padded position to 0. You may use your week-5 RNN or `helpers.rnn.rnn_forward` and
# `helpers.rnn.rnn_backward` (you proved them in week 5): this exercise is about the two directions and the padding.
#
# ### Exercise 3 — the bidirectional RNN forward (2 points)

# %% solution="birnn_forward"
def reverse_index(mask):
    """rev (N, T): rev[n, t] = L_n − 1 − t for t < L_n, t otherwise; x[rows, rev] reverses within lengths."""
    ### BEGIN SOLUTION
    lengths = mask.sum(axis=1).astype(int)[:, None]
    steps = np.arange(mask.shape[1])[None, :]
    return np.where(steps < lengths, lengths - 1 - steps, steps)
    ### END SOLUTION


def birnn_forward(x, mask, Wf_in, Wf, bf, Wb_in, Wb, bb):
    """h (N, T, 2H) = [f, g] of a bidirectional tanh RNN, both from zero states, 0 at padded positions.

    x (N, T, D), mask (N, T), Wf_in, Wb_in (D, H), Wf, Wb (H, H), bf, bb (H,).
    """
    ### BEGIN SOLUTION
    n, H = x.shape[0], Wf.shape[0]
    zeros, keep = np.zeros((n, H)), mask[..., None]
    rows, rev = np.arange(n)[:, None], reverse_index(mask)
    f = helpers.rnn.rnn_forward(x, zeros, Wf_in, Wf, bf)
    g = helpers.rnn.rnn_forward(x[rows, rev], zeros, Wb_in, Wb, bb)[rows, rev]
    return np.concatenate([f * keep, g * keep], axis=2)
    ### END SOLUTION


# %% tests="test_birnn_forward" points=2
x = np.array([[[1.0], [2.0], [7.0]]])                    # N = 1, T = 3, D = 1; the 7 is padding
mask = np.array([[1.0, 1.0, 0.0]])                       # L = 2
one, zero = np.array([[1.0]]), np.array([[0.0]])
h = birnn_forward(x, mask, one, zero, np.zeros(1), one, one, np.zeros(1))
expected = [[[np.tanh(1.0), np.tanh(1.0 + np.tanh(2.0))], [np.tanh(2.0), np.tanh(2.0)], [0.0, 0.0]]]
assert_close(h, expected, name="h = [f, g]: g starts at the last REAL character", inputs=x)
### BEGIN HIDDEN TESTS
helpers.grading.check_birnn_forward(birnn_forward)
### END HIDDEN TESTS

# %% [markdown]
# ### Exercise 4 — the bidirectional RNN backward (2 points)
#
# Given `dh (N, T, 2H)`, return `(dx, dWf_in, dWf, dbf, dWb_in, dWb, dbb)`. The two directions share nothing
# but their input, so: zero `dh` at the padded positions, send `dh[..., :H]` back through the forward RNN and
# `dh[..., H:]` back through the backward RNN **on the reversed sequences** (reverse `dh` the same way), put the
# backward direction's `dx` back in place, and add the two `dx`.

# %% solution="birnn_backward"
def birnn_backward(dh, x, mask, Wf_in, Wf, bf, Wb_in, Wb, bb):
    """(dx (N, T, D), dWf_in, dWf, dbf, dWb_in, dWb, dbb) from dh (N, T, 2H)."""
    ### BEGIN SOLUTION
    n, H = x.shape[0], Wf.shape[0]
    zeros, keep = np.zeros((n, H)), mask[..., None]
    rows, rev = np.arange(n)[:, None], reverse_index(mask)
    dx_f, _, dWf_in, dWf, dbf = helpers.rnn.rnn_backward(dh[..., :H] * keep, x, zeros, Wf_in, Wf, bf)
    dh_b = (dh[..., H:] * keep)[rows, rev]
    dx_b, _, dWb_in, dWb, dbb = helpers.rnn.rnn_backward(dh_b, x[rows, rev], zeros, Wb_in, Wb, bb)
    return dx_f + dx_b[rows, rev], dWf_in, dWf, dbf, dWb_in, dWb, dbb
    ### END SOLUTION


# %% tests="test_birnn_backward" points=2
rng = np.random.default_rng(3)
x, dh = rng.normal(size=(2, 4, 2)), rng.normal(size=(2, 4, 6))
mask = np.array([[1.0, 1.0, 1.0, 1.0], [1.0, 1.0, 0.0, 0.0]])
weights = [rng.normal(size=(2, 3)), rng.normal(size=(3, 3)) * 0.5, rng.normal(size=3),
           rng.normal(size=(2, 3)), rng.normal(size=(3, 3)) * 0.5, rng.normal(size=3)]
grads = birnn_backward(dh, x, mask, *weights)
energy = lambda _: np.sum(dh * birnn_forward(x, mask, *weights))
for name, value, array in zip(["dx", "dWf_in", "dWf", "dbf", "dWb_in", "dWb", "dbb"], grads, [x] + weights):
    assert_close(value, helpers.numerical_gradient(energy, array), name=f"{name} vs numerical", rtol=1e-6)
### BEGIN HIDDEN TESTS
helpers.grading.check_birnn_backward(birnn_backward)
### END HIDDEN TESTS

# %% [markdown]
# ## 3. The encoder–decoder
#
# The **encoder** is the embedding and the bidirectional RNN: it turns the input date into states
# `h (N, S, 2H)`, one per input character. The **decoder** is another RNN that writes the output one
# character at a time. Its first state summarises the input: the forward direction's state at the last real
# character and the backward direction's at the first (each has read the whole date),
# $s_0 = \tanh([f_L, g_1] W_{init} + b_{init})$. Then at step $t$ it reads the previous output character $y_{t-1}$
# (the start symbol "^" at $t = 1$):
#
# $$s_t = \tanh(\mathrm{embed}(y_{t-1}) W^d_{in} + s_{t-1} W^d + b^d), \qquad
#   \mathrm{logits}_t = s_t W_{out} + b_{out}, \qquad p_t = \mathrm{softmax}(\mathrm{logits}_t).$$
#
# **Teacher forcing.** In training, $y_{t-1}$ is the *correct* previous character, not the one the model chose:
# then all 10 steps are known in advance, the decoder is one RNN call over the whole target (shifted right behind
# the start symbol, `DATA["train_inputs"]`), and one early mistake does not derail the rest of a sequence while
# the model is still bad. **Greedy decoding**, at test time, has no correct characters to read: each step takes
# the most likely character, $y_t = \arg\max_k p_{t,k}$, and feeds it to the next step
# (`helpers.translator.greedy_decode`).
#
# **The loss over real tokens.** Targets of different lengths are padded too (our ISO dates all have 10
# characters, but a translator of sentences does not). The loss is the cross-entropy averaged over the **real**
# target tokens, $M = \sum_{n,t} \mathrm{mask}_{n,t}$:
#
# $$\mathcal{L} = -\frac{1}{M} \sum_{n,t} \mathrm{mask}_{n,t} \log p_{n,t,\mathrm{target}_{n,t}},
# \qquad \frac{\partial \mathcal{L}}{\partial\, \mathrm{logits}_{n,t}} = \frac{\mathrm{mask}_{n,t}}{M}\,(p_{n,t} - \mathrm{onehot}(\mathrm{target}_{n,t})).$$
#
# Dividing by $N \cdot T$ instead would count the padding as perfectly predicted tokens: a batch with more padding
# would get a smaller loss and smaller gradients for the same mistakes.
#
# ### Exercise 5 — the sequence loss (2 points)
#
# Write `sequence_loss(logits, targets, mask)` returning `(loss, dlogits)`: `logits (N, T, K)`, `targets (N, T)`
# integers (anything at padded positions), `mask (N, T)`. Subtract each row's maximum before the exponential, as in
# week 1.

# %% solution="sequence_loss"
def sequence_loss(logits, targets, mask):
    """(loss, dlogits (N, T, K)): softmax cross-entropy averaged over the real target tokens."""
    ### BEGIN SOLUTION
    shifted = logits - logits.max(axis=2, keepdims=True)
    log_p = shifted - np.log(np.exp(shifted).sum(axis=2, keepdims=True))
    one_hot = np.eye(logits.shape[2])[np.where(mask > 0, targets, 0)]
    count = mask.sum()
    loss = -np.sum(mask * np.sum(one_hot * log_p, axis=2)) / count
    return loss, (np.exp(log_p) - one_hot) * mask[..., None] / count
    ### END SOLUTION


# %% tests="test_sequence_loss" points=2
loss, dlogits = sequence_loss(np.zeros((1, 2, 4)), np.array([[1, 3]]), np.array([[1.0, 0.0]]))
assert_close(loss, np.log(4.0), name="loss: one real token, uniform p = 1/4")
assert_close(dlogits, [[[0.25, -0.75, 0.25, 0.25], [0.0, 0.0, 0.0, 0.0]]], name="dlogits (0 at the padding)")
### BEGIN HIDDEN TESTS
helpers.grading.check_sequence_loss(sequence_loss)
### END HIDDEN TESTS

# %% [markdown]
# ### Exercise 6 — the decoder with teacher forcing (2 points)
#
# Write `teacher_forced_logits(targets, s0, E_out, Wd_in, Wd, bd, W_out, b_out)`: the logits `(N, T, K)` of a
# decoder without attention that reads the **correct** previous characters. Its inputs are the targets shifted
# right behind the start symbol (id 0), $[0, y_1, \dots, y_{T-1}]$: step $t$ reads $y_{t-1}$ and must predict
# $y_t$, never read it. All the inputs are known before the first step, so the states are one RNN run from
# `s0`; `helpers.rnn.rnn_forward(x, h0, W_in, W, b)` from week 5 is that run.

# %% solution="teacher_forced_logits"
def teacher_forced_logits(targets, s0, E_out, Wd_in, Wd, bd, W_out, b_out):
    """logits (N, T, K): logits_t = s_t W_out + b_out, s_t = tanh(E_out[y_{t-1}] Wd_in + s_{t-1} Wd + bd), y_0 = 0."""
    ### BEGIN SOLUTION
    previous = np.zeros_like(targets)
    previous[:, 1:] = targets[:, :-1]
    s = helpers.rnn.rnn_forward(E_out[previous], s0, Wd_in, Wd, bd)
    return s @ W_out + b_out
    ### END SOLUTION


# %% tests="test_teacher_forced_logits" points=2
# Two symbols, one hidden unit: the state is tanh of the embedding read (0 for symbol 0, 1 for symbol 1).
E_out, Wd_in, Wd, bd = np.array([[0.0], [1.0]]), np.array([[1.0]]), np.array([[0.0]]), np.zeros(1)
W_out, b_out = np.array([[1.0, -1.0]]), np.array([0.0, 0.1])
logits = teacher_forced_logits(np.array([[1, 1, 0]]), np.zeros((1, 1)), E_out, Wd_in, Wd, bd, W_out, b_out)
s = np.tanh(1.0)  # steps 2 and 3 read symbol 1; step 1 reads the start symbol
assert_close(logits, [[[0.0, 0.1], [s, 0.1 - s], [s, 0.1 - s]]], name="logits (step t reads target t-1)")
### BEGIN HIDDEN TESTS
helpers.grading.check_teacher_forced_logits(teacher_forced_logits)
### END HIDDEN TESTS

# %% [markdown]
# ### Exercise 7 — greedy decoding (2 points)
#
# Write the decoding loop of a decoder without attention: `greedy_decode(s0, E_out, Wd_in, Wd, bd, W_out, b_out,
# steps)` returns the ids it writes, `(N, steps)` integers. Start from `s0 (N, Hd)` and the start symbol (id 0) for
# every sequence; at each step embed the **previous choice** (`E_out[previous]`), take one RNN step, compute the
# logits and keep their argmax, which the next step reads. (With attention the loop is the same, with the context
# added to the logits: `helpers.translator.greedy_decode`.)

# %% solution="greedy_decode"
def greedy_decode(s0, E_out, Wd_in, Wd, bd, W_out, b_out, steps):
    """ids (N, steps): y_t = argmax(s_t W_out + b_out), s_t = tanh(E_out[y_{t-1}] Wd_in + s_{t-1} Wd + bd), y_0 = 0."""
    ### BEGIN SOLUTION
    s, previous = s0, np.zeros(len(s0), dtype=int)
    ids = np.zeros((len(s0), steps), dtype=int)
    for t in range(steps):
        s = np.tanh(E_out[previous] @ Wd_in + s @ Wd + bd)
        previous = np.argmax(s @ W_out + b_out, axis=1)
        ids[:, t] = previous
    return ids
    ### END SOLUTION


# %% tests="test_greedy_decode" points=2
# Two symbols, one hidden unit: symbol 1 pushes the state up, and a high state makes symbol 0 the likelier one.
E_out, Wd_in, Wd, bd = np.array([[0.0], [1.0]]), np.array([[1.0]]), np.array([[0.0]]), np.zeros(1)
W_out, b_out = np.array([[1.0, -1.0]]), np.array([0.0, 0.1])
ids = greedy_decode(np.zeros((1, 1)), E_out, Wd_in, Wd, bd, W_out, b_out, 4)
assert_close(ids, [[1, 0, 1, 0]], name="greedy ids (each step reads the previous choice)")
### BEGIN HIDDEN TESTS
helpers.grading.check_greedy_decode(greedy_decode)
### END HIDDEN TESTS

# %% [markdown]
# ## 4. Attention
#
# Without attention, everything the decoder learns about the input passes through $s_0$: 32 numbers for a date of
# up to 30 characters, whatever its length. That fixed-length **bottleneck** is what attention removes: at every
# output step the decoder *looks back* at all encoder states and takes what it needs.
#
# **A soft dictionary lookup.** A Python dictionary maps a query to the value whose key equals it. Attention does the
# same with vectors, softly: each input position $j$ offers a **key** $k_j$ (what it is about) and a **value** $v_j$
# (what it contributes); the decoder's state at step $i$ is a **query** $q_i$ (what it is looking for). The closer a
# key is to the query, the larger its weight, and the answer is the weighted average of the values:
#
# $$\mathrm{score}_{ij} = \frac{q_i \cdot k_j}{\sqrt d}, \qquad
# a_{ij} = \frac{e^{\mathrm{score}_{ij}}}{\sum_{j'} e^{\mathrm{score}_{ij'}}}, \qquad
# \mathrm{context}_i = \sum_j a_{ij}\, v_j.$$
#
# The softmax runs over $j$, the **input positions**: each query's weights sum to 1. A padded position is not an
# input at all: its score is set to $-\infty$ before the softmax, so its weight is exactly 0.
#
# **Why scaled dot-product.** We use $q \cdot k / \sqrt d$ (Luong's dot score, scaled as in the Transformer). It has
# no parameters of its own, is one batched matrix product for all steps at once (fast in numpy, and our decoder can
# run all 10 steps of teacher forcing in one call), and its backward is two more products. The $\sqrt d$ keeps the
# scores' spread near 1 when $q$ and $k$ have $d$ entries of unit size, so the softmax does not saturate. The other
# classic score is Bahdanau's **additive** attention, $\mathrm{score}_{ij} = w^\top \tanh(q_i W_q + k_j W_k)$: a small
# network per pair, which can compare vectors of different sizes, at the cost of a $(N, T_q, S, d)$ tensor and two
# more weight matrices. Here the decoder state ($2H = 32$) and the encoder states ($2H$) have the same size, so the
# dot product suffices; both the keys and the values are the encoder states, $K = V = h$.
#
# In our model the decoder state $s_i$ queries the encoder states, and the output layer reads both:
# $\mathrm{logits}_i = [s_i, \mathrm{context}_i] W_{out} + b_{out}$.
#
# Here is the dictionary made concrete: three keys, one per "word", and a query equal to the second key, scaled up.
# The weights go almost entirely to the second position, and the context is its value.

# %%
keys = np.array([[[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]]])       # (N=1, S=3, d=3)
values = np.array([[[10.0, 0.0], [0.0, 20.0], [-5.0, -5.0]]])                 # (N=1, S=3, dv=2)
for sharpness in (1.0, 4.0, 12.0):
    query = sharpness * keys[:, 1:2]                                           # (1, 1, 3): "looking for key 2"
    context, weights = helpers.seq2seq.attention(query, keys, values, np.ones((1, 3)))
    print(f"query = {sharpness:4.1f} × key 2: weights {weights[0, 0]}, context {context[0, 0]}")

# %% [markdown]
# ### Exercise 8 — attention forward (2 points)
#
# Write `attention(q, K, V, mask)` for all queries at once: `q (N, Tq, d)`, `K (N, S, d)`, `V (N, S, dv)`,
# `mask (N, S)`; return `(context (N, Tq, dv), weights (N, Tq, S))`. `q @ K.transpose(0, 2, 1)` gives all the
# scores; `np.where(mask[:, None, :] > 0, scores, -np.inf)` masks them. Write the softmax yourself.

# %% solution="attention"
def attention(q, K, V, mask):
    """(context (N, Tq, dv), weights (N, Tq, S)): scaled dot-product attention, padding masked."""
    ### BEGIN SOLUTION
    scores = q @ K.transpose(0, 2, 1) / np.sqrt(q.shape[2])
    scores = np.where(mask[:, None, :] > 0, scores, -np.inf)
    e = np.exp(scores - scores.max(axis=2, keepdims=True))
    weights = e / e.sum(axis=2, keepdims=True)
    return weights @ V, weights
    ### END SOLUTION


# %% tests="test_attention" points=2
q = np.array([[[1.0, 0.0]]])                                   # N = 1, Tq = 1, d = 2
K = np.array([[[1.0, 0.0], [0.0, 1.0], [5.0, 5.0]]])           # S = 3; the last position is padding
V = np.array([[[1.0], [2.0], [100.0]]])
context, weights = attention(q, K, V, np.array([[1.0, 1.0, 0.0]]))
w = np.exp([1 / np.sqrt(2), 0.0]) / np.exp([1 / np.sqrt(2), 0.0]).sum()
assert_close(weights, [[[w[0], w[1], 0.0]]], name="weights (softmax over the input positions, padding 0)")
assert_close(context, [[[w[0] * 1.0 + w[1] * 2.0]]], name="context")
### BEGIN HIDDEN TESTS
helpers.grading.check_attention(attention)
### END HIDDEN TESTS

# %% [markdown]
# ### Exercise 9 — attention backward (3 points)
#
# Given `dcontext (N, Tq, dv)`, return `(dq, dK, dV)`. Go back through the three steps:
#
# $$dV = a^\top dcontext, \qquad da = dcontext\, V^\top, \qquad
#   ds_{ij} = a_{ij}\Big(da_{ij} - \sum_{j'} a_{ij'}\, da_{ij'}\Big), \qquad
#   dq = \frac{ds\, K}{\sqrt d}, \qquad dK = \frac{ds^\top q}{\sqrt d}.$$
#
# The middle one is the softmax's backward for each query (week 1's $\hat y - y$ was its special case with a
# cross-entropy on top). Padded positions have $a = 0$, so they get no gradient. All products are batched over $N$:
# `a.transpose(0, 2, 1) @ dcontext` is $a^\top dcontext$ for every sequence.

# %% solution="attention_backward"
def attention_backward(dcontext, q, K, V, mask):
    """(dq (N, Tq, d), dK (N, S, d), dV (N, S, dv)) from dcontext (N, Tq, dv)."""
    ### BEGIN SOLUTION
    _, a = attention(q, K, V, mask)
    dV = a.transpose(0, 2, 1) @ dcontext
    da = dcontext @ V.transpose(0, 2, 1)
    ds = a * (da - np.sum(a * da, axis=2, keepdims=True))
    scale = np.sqrt(q.shape[2])
    return ds @ K / scale, ds.transpose(0, 2, 1) @ q / scale, dV
    ### END SOLUTION


# %% tests="test_attention_backward" points=3
rng = np.random.default_rng(5)
q, K, V = rng.normal(size=(2, 3, 4)), rng.normal(size=(2, 5, 4)), rng.normal(size=(2, 5, 2))
mask, dcontext = np.array([[1.0, 1, 1, 1, 1], [1, 1, 0, 0, 0]]), rng.normal(size=(2, 3, 2))
grads = attention_backward(dcontext, q, K, V, mask)
energy = lambda _: np.sum(dcontext * attention(q, K, V, mask)[0])
for name, value, array in zip(["dq", "dK", "dV"], grads, [q, K, V]):
    assert_close(value, helpers.numerical_gradient(energy, array), name=f"{name} vs numerical", rtol=1e-6)
### BEGIN HIDDEN TESTS
helpers.grading.check_attention_backward(attention_backward)
### END HIDDEN TESTS

# %% [markdown]
# ## 5. Training the translator with your functions
#
# The whole model, in `helpers.translator.loss_and_grads`, is the pieces above in order:
#
# ```
# x = embed(ids, E_in)                      (N, S, 8)    your embed
# h = birnn_forward(x, mask, ...)           (N, S, 32)   H = 16 per direction
# s_0 = tanh([f_L, g_1] W_init + b_init)    (N, 32)
# s = rnn_forward(embed(y_prev, E_out), s_0, ...)        (N, 10, 32)  teacher forcing (exercise 6)
# context, a = attention(s, h, h, mask)     (N, 10, 32)  your attention        (without attention: o = s)
# logits = [s, context] W_out + b_out       (N, 10, 12)
# loss, dlogits = sequence_loss(...)                     your sequence_loss
# ```
#
# and back again in reverse: your `attention_backward` sends the gradient to the decoder states and to the encoder
# states, BPTT runs through the decoder and the encoder, and your `embed_backward` gives the gradients of both
# embedding matrices. The recurrences run on the compiled kernels of `helpers.seq2seq` and `helpers.rnn` (you proved
# the same functions in exercises 3 and 4), the rest on your functions. Adam (learning rate 0.02), mini-batches of
# 100, gradients clipped at norm 5, 6 epochs: a few seconds. The cell below is read-only.

# %% locked="train_date_model"
YOUR_FUNCTIONS = helpers.translator.ops(
    embed=embed, embed_backward=embed_backward, sequence_loss=sequence_loss,
    attention=attention, attention_backward=attention_backward,
)


def train_with_losses(seed=0, use_attention=True):
    """Train the translator on DATA with your functions: (parameters as a dict, the loss of every mini-batch)."""
    return helpers.translator.train(DATA, use_attention, seed=seed, ops=YOUR_FUNCTIONS)


def train_date_model(seed=0, use_attention=True):
    """The trained parameters as a tuple, in the order of helpers.translator.PARAMETER_NAMES (what is graded)."""
    params, _ = train_with_losses(seed, use_attention)
    return tuple(params[name] for name in helpers.translator.PARAMETER_NAMES)


# %% tests="test_date_translator" points=3
start = time.perf_counter()
with_attention, losses_attention = train_with_losses(seed=0, use_attention=True)
accuracy_attention = helpers.translator.accuracy(with_attention, DATA["test_ids"], DATA["test_mask"],
                                                 DATA["test_targets"], ops=YOUR_FUNCTIONS)
print(f"with attention: {accuracy_attention:.1%} of the 1000 held-out dates exactly right "
      f"(trained in {time.perf_counter() - start:.1f} s)")
assert accuracy_attention >= 0.6, (f"{accuracy_attention:.1%}: a correct model gets about 95% of the dates exactly "
                                   f"right. Do the checks of exercises 1-9 pass?")
### BEGIN HIDDEN TESTS
helpers.grading.check_date_translator_trains(train_date_model)
### END HIDDEN TESTS

# %% [markdown]
# The same model without attention: everything about the input must pass through $s_0$.

# %%
start = time.perf_counter()
without_attention, losses_plain = train_with_losses(seed=0, use_attention=False)
accuracy_plain = helpers.translator.accuracy(without_attention, DATA["test_ids"], DATA["test_mask"],
                                             DATA["test_targets"], ops=YOUR_FUNCTIONS)
print(f"without attention: {accuracy_plain:.1%} exactly right (trained in {time.perf_counter() - start:.1f} s); "
      f"with attention: {accuracy_attention:.1%}")

# %% [markdown]
# ### The bottleneck, measured
#
# Exact match is harsh: a model without attention may get the year right and the day wrong. Below, the share of
# the 10 characters each model gets right, for held-out dates grouped by the length of their input, next to the
# training loss. Without attention the decoder starts from 32 numbers, $s_0$, that must hold the whole date.

# %%
if "with_attention" not in globals() or "without_attention" not in globals():
    raise NotImplementedError("the two models are not trained yet: run the training cells above once your "
                              "functions pass their tests")


def character_accuracy_by_length(params, bins):
    out = helpers.translator.greedy_decode(params, DATA["test_ids"], DATA["test_mask"], ops=YOUR_FUNCTIONS)[0]
    right = np.mean(out == DATA["test_targets"], axis=1)
    lengths = DATA["test_mask"].sum(axis=1)
    which = np.digitize(lengths, bins)
    return np.array([right[which == k].mean() if np.any(which == k) else np.nan for k in range(1, len(bins))])


bins = np.array([6, 11, 16, 21, 26, 31])
centers = (bins[:-1] + bins[1:] - 1) / 2
fig, (ax_len, ax_loss) = plt.subplots(1, 2, figsize=(11, 3.6))
for params, label in ((with_attention, "with attention"), (without_attention, "without attention")):
    ax_len.plot(centers, character_accuracy_by_length(params, bins), marker="o", label=label)
ax_len.set_xlabel("input length (characters)"); ax_len.set_ylabel("characters right (held out)")
ax_len.set_ylim(0, 1.02); ax_len.legend(); ax_len.set_title("accuracy against input length")
for losses, label in ((losses_attention, "with attention"), (losses_plain, "without attention")):
    ax_loss.plot(np.convolve(losses, np.ones(10) / 10, mode="valid"), label=label)
ax_loss.set_yscale("log"); ax_loss.set_xlabel("mini-batch"); ax_loss.set_ylabel("training loss (mean of 10)")
ax_loss.legend(); ax_loss.set_title("training loss")
plt.show()

# %% [markdown]
# Read the two panels with care. With the same budget the attention model is far ahead at every length: it gets
# about 99% of the characters right, the model without attention about 70%, and almost never a whole date. But the
# curve without attention is **flat**: here a longer text does not hold more information (it spells out "Friday"
# and "December" where a short one writes "25/12"), so what fails is not a summary that gets too long; it is that
# the digits of the day and the month must be squeezed into $s_0$ and carried through every decoding step, and in
# 6 epochs the model learns little more than the usual shape of a date (the training loss on the right stalls).
# The classic picture, where a model without attention degrades as the input gets longer, appears when the
# information grows with the length. The smallest such task: **copy a random string of $L$ digits**
# (`helpers.translator.digit_copy_dataset`, $L$ from 2 to 16, outputs padded and masked: your `sequence_loss`
# averages over the real digits only). The same two models, the same budget:

# %%
if "with_attention" not in globals():
    raise NotImplementedError("train the translator above first: its test cell checks your functions")
COPY = helpers.translator.digit_copy_dataset(n_train=3000, n_test=600, shortest=2, longest=16, seed=0)


def train_copy(use_attention):
    """The translator's model trained on COPY with your functions: its parameters."""
    return helpers.translator.train(COPY, use_attention, seed=0, ops=YOUR_FUNCTIONS)[0]


copy_attention = train_copy(True)

# %%
if "copy_attention" not in globals():
    raise NotImplementedError("run the cell above first")
copy_plain = train_copy(False)
fig, ax = plt.subplots(figsize=(6.5, 3.4))
for params, label in ((copy_attention, "with attention"), (copy_plain, "without attention")):
    ax.plot(*helpers.translator.copy_accuracy_by_length(params, COPY, ops=YOUR_FUNCTIONS), marker="o", label=label)
ax.set_xlabel("digits to copy, L"); ax.set_ylabel("digits copied right (held out)"); ax.set_ylim(0, 1.02)
ax.set_title("copying L digits: the fixed-size state runs out"); ax.legend()
plt.show()

# %% [markdown]
# Without attention, every digit must pass through the 32 numbers of $s_0$: up to four digits fit, and from
# about five on the share copied right falls steadily (to about a third at 16 after these 6 epochs). With attention
# the decoder reads each digit where it is and stays far higher; it too slips on the longest strings, where it must
# also count positions it has never been told about, but nothing forces all of the input through one vector.
#
# **Formats it never saw.** Four formats were held out of training. Each model on a few of them:

# %%
import datetime

if "with_attention" not in globals() or "without_attention" not in globals():
    raise NotImplementedError("the two models are not trained yet: run the training cells above once your "
                              "functions pass their tests")

days = [datetime.date(1999, 3, 7), datetime.date(2026, 12, 25), datetime.date(2031, 11, 30)]
for fmt in helpers.dates.HELD_OUT_FORMATS:
    texts = [helpers.dates.write_date(day, fmt) for day in days]
    got = helpers.translator.translate(with_attention, texts, ops=YOUR_FUNCTIONS)
    print(f"{fmt:26s}", "  ".join(f"{t} → {g}{'' if g == d.isoformat() else ' ✗'}" for t, g, d in zip(texts, got, days)))

# %% [markdown]
# ## 6. Explore: where the model looks
#
# Type a date (any of the formats, or your own). The matrix shows the attention weights of the trained model: the
# input characters across, the output characters down; each row is one decoding step, and the framed cell is the
# input position it weighted most. Beside it, what the model without attention writes for the same date.
# Until your functions have trained both models above, it shows models trained with the reference functions.
# The weights are those YOUR `attention` computes from the decoder's states, with a dot on the reference's largest
# weight in each row; if yours differ from the reference, the first weight that differs is framed in red and named
# in the title (until your `attention` is written, the reference's weights are drawn, and it says so).

# %%
from helpers.widgets.w10 import AttentionExplorer

# Your two models once the training cells above have run; until then, the same models trained with the
# reference functions (a few seconds), and the explorer says so under the picture.
AttentionExplorer(
    globals().get("with_attention"), globals().get("without_attention"), text="Friday, 25/12/2026", attention=attention
)

# %% [markdown]
# ## Summary
#
# - An embedding is `E[ids]`, the product of a one-hot vector with $E$; its gradient is a scatter-add, and a symbol
#   that occurs twice gets both gradients.
# - A bidirectional RNN concatenates a left-to-right and a right-to-left summary at every position; with padding,
#   the backward direction starts at each sequence's own last token, and padded states are 0.
# - The encoder–decoder is trained with teacher forcing on the cross-entropy averaged over the real tokens, and
#   decodes greedily; without attention, the whole input must pass through one fixed-size state.
# - Attention is a soft dictionary lookup: a query scores every key, a softmax over the input positions (padding
#   at $-\infty$) gives the weights, and the context is the weighted average of the values.
