"""The numba machinery behind ``helpers.word2vec``: skip-gram with negative sampling trained one
(centre, context) pair at a time, and the same loss and gradients for a batch, written as loops.

Both kernels are independent of the plain-numpy reference ``helpers.word2vec.negative_sampling_loss``:
the training helper compares a student's function with :func:`sgns_batch` before it trains (a loop
accumulates repeated words by construction), then trains with :func:`sgns_train`.
"""

from __future__ import annotations

import math

import numpy as np

from ._numba import njit


@njit(cache=True)
def _log_sigmoid(x):
    # log σ(x) = −log(1 + e^{−x}), written so that neither branch overflows
    if x >= 0.0:
        return -math.log1p(math.exp(-x))
    return x - math.log1p(math.exp(x))


@njit(cache=True)
def _sigmoid(x):
    if x >= 0.0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


@njit(cache=True)
def sgns_batch(V, U, centers, contexts, negatives):
    """(loss, dV, dU) of the mean skip-gram negative-sampling loss of a batch, one pair at a time.

    V, U: (W, d); centers, contexts: (B,); negatives: (B, k).
    loss = (1/B) Σ_b [−log σ(u_o·v_c) − Σ_j log σ(−u_{n_j}·v_c)]."""
    B, k = negatives.shape
    d = V.shape[1]
    dV = np.zeros_like(V)
    dU = np.zeros_like(U)
    loss = 0.0
    for b in range(B):
        c = centers[b]
        for j in range(k + 1):
            w = contexts[b] if j == 0 else negatives[b, j - 1]
            label = 1.0 if j == 0 else 0.0
            s = 0.0
            for m in range(d):
                s += U[w, m] * V[c, m]
            loss -= _log_sigmoid(s) if j == 0 else _log_sigmoid(-s)
            g = (_sigmoid(s) - label) / B
            for m in range(d):
                dV[c, m] += g * U[w, m]
                dU[w, m] += g * V[c, m]
    return loss / B, dV, dU


@njit(cache=True)
def sgns_train(sentences, keep, cumulative, V, U, window, k, lr_start, lr_end, epochs, seed):
    """Train V and U in place by plain SGD, one (centre, context) pair at a time; returns the mean loss of
    every epoch (epochs,).

    sentences: (S, L) word ids, −1 for none; keep: (W,) the probability that a token is kept (subsampling,
    drawn afresh every epoch); cumulative: (W,) the cumulative negative-sampling distribution; every other
    kept token of the same sentence within ``window`` positions is a context; k negatives per pair, drawn
    from ``cumulative`` (a negative equal to the context is kept, as word2vec does). The learning rate falls
    linearly from lr_start to lr_end over the whole run."""
    np.random.seed(seed)
    S, L = sentences.shape
    d = V.shape[1]
    losses = np.zeros(epochs)
    kept = np.empty(L, dtype=np.int64)
    grad = np.zeros(d)
    total = epochs * S
    for epoch in range(epochs):
        pairs = 0
        for s in range(S):
            lr = lr_start + (lr_end - lr_start) * (epoch * S + s) / total
            n = 0
            for i in range(L):
                w = sentences[s, i]
                if w >= 0 and np.random.random() < keep[w]:
                    kept[n] = w
                    n += 1
            for i in range(n):
                c = kept[i]
                for j in range(max(0, i - window), min(n, i + window + 1)):
                    if j == i:
                        continue
                    grad[:] = 0.0
                    for t in range(k + 1):
                        if t == 0:
                            w, label = kept[j], 1.0
                        else:
                            w = np.searchsorted(cumulative, np.random.random() * cumulative[-1], side="right")
                            w, label = min(w, cumulative.shape[0] - 1), 0.0
                        score = 0.0
                        for m in range(d):
                            score += U[w, m] * V[c, m]
                        losses[epoch] -= _log_sigmoid(score) if t == 0 else _log_sigmoid(-score)
                        g = lr * (_sigmoid(score) - label)
                        for m in range(d):
                            grad[m] += g * U[w, m]
                            U[w, m] -= g * V[c, m]
                    for m in range(d):
                        V[c, m] -= grad[m]
                    pairs += 1
        losses[epoch] /= max(pairs, 1)
    return losses
