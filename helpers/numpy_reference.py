"""Plain-numpy versions of the helpers kernels: slow, short, and obviously right.

Each one follows its formula literally (loops over output positions or time steps, no
tricks), so that the fast numba kernels are checked against something a reader can verify
by eye. The unit tests compare the kernels with these; the checks in helpers.grading use
them for the numerical gradients of the networks a case was drawn from, so a bug shared by
a student and a kernel cannot pass both. Nothing here imports another helpers module.
"""

from __future__ import annotations

import numpy as np

# --------------------------------------------------------------------------- convolution and pooling


def out_len(n, f, pad, stride):
    return (n + 2 * pad - f) // stride + 1


def conv2d(x, w, b, stride=1, pad=0):
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    n, _, h, wd = x.shape
    f, _, hh, ww = w.shape
    ho, wo = out_len(h, hh, pad, stride), out_len(wd, ww, pad, stride)
    out = np.zeros((n, f, ho, wo), dtype=x.dtype)
    for i in range(ho):
        for j in range(wo):
            window = xp[:, :, i * stride : i * stride + hh, j * stride : j * stride + ww]
            out[:, :, i, j] = np.einsum("nchw,fchw->nf", window, w) + b
    return out


def conv2d_backward(dout, x, w, b, stride=1, pad=0):
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    dxp, dw = np.zeros_like(xp), np.zeros_like(w)
    hh, ww = w.shape[2:]
    for i in range(dout.shape[2]):
        for j in range(dout.shape[3]):
            rows, cols = slice(i * stride, i * stride + hh), slice(j * stride, j * stride + ww)
            dw += np.einsum("nf,nchw->fchw", dout[:, :, i, j], xp[:, :, rows, cols])
            dxp[:, :, rows, cols] += np.einsum("nf,fchw->nchw", dout[:, :, i, j], w)
    dx = dxp[:, :, pad : pad + x.shape[2], pad : pad + x.shape[3]]
    return dx, dw, dout.sum(axis=(0, 2, 3))


def im2col(x, hh, ww, stride=1, pad=0):
    """Columns ordered (n, i, j), rows ordered (c, p, q)."""
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    n, c, h, wd = x.shape
    ho, wo = out_len(h, hh, pad, stride), out_len(wd, ww, pad, stride)
    cols = np.zeros((c * hh * ww, n * ho * wo), dtype=x.dtype)
    for k in range(n):
        for i in range(ho):
            for j in range(wo):
                window = xp[k, :, i * stride : i * stride + hh, j * stride : j * stride + ww]
                cols[:, (k * ho + i) * wo + j] = window.reshape(-1)
    return cols


def pool2d(x, size, stride, op):
    ho, wo = out_len(x.shape[2], size, 0, stride), out_len(x.shape[3], size, 0, stride)
    out = np.zeros(x.shape[:2] + (ho, wo), dtype=x.dtype)
    for i in range(ho):
        for j in range(wo):
            out[:, :, i, j] = op(x[:, :, i * stride : i * stride + size, j * stride : j * stride + size], axis=(2, 3))
    return out


def max_pool2d(x, size=2, stride=2):
    return pool2d(x, size, stride, np.max)


def avg_pool2d(x, size=2, stride=2):
    return pool2d(x, size, stride, np.mean)


def max_pool2d_backward(dout, x, size=2, stride=2):
    dx = np.zeros_like(x)
    for n in range(x.shape[0]):
        for c in range(x.shape[1]):
            for i in range(dout.shape[2]):
                for j in range(dout.shape[3]):
                    window = x[n, c, i * stride : i * stride + size, j * stride : j * stride + size]
                    p, q = np.unravel_index(np.argmax(window), window.shape)  # first maximum
                    dx[n, c, i * stride + p, j * stride + q] += dout[n, c, i, j]
    return dx


def avg_pool2d_backward(dout, x, size=2, stride=2):
    dx = np.zeros_like(x)
    for i in range(dout.shape[2]):
        for j in range(dout.shape[3]):
            dx[:, :, i * stride : i * stride + size, j * stride : j * stride + size] += dout[
                :, :, i : i + 1, j : j + 1
            ] / (size * size)
    return dx


# --------------------------------------------------------------------------- activations


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


ACTIVATIONS = {
    "sigmoid": sigmoid,
    "tanh": np.tanh,
    "relu": lambda z: np.maximum(z, 0),
}


def activate(a, activation):
    return ACTIVATIONS[activation](a)


def softmax(z):
    """Row-wise softmax of (N, K) logits, shifted by each row's maximum."""
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


# --------------------------------------------------------------------------- the two-layer network


def two_layer_forward(X, W, b, V, c, activation="sigmoid"):
    Z = ACTIVATIONS[activation](X @ W + b)
    return Z, softmax(Z @ V + c)


def two_layer_cost(X, T, W, b, V, c, activation="sigmoid"):
    """J = −Σ_n Σ_k T[n, k] log Y[n, k] (a sum over the batch); T one-hot (N, K).

    log Y is taken as a log-softmax (logits minus their log-sum-exp), finite for any logits.
    """
    logits = ACTIVATIONS[activation](X @ W + b) @ V + c
    shifted = logits - logits.max(axis=1, keepdims=True)
    return -np.sum(T * (shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))))


# --------------------------------------------------------------------------- recurrent cells


def activation_grad_from_output(z, activation):
    """f'(u) written with z = f(u): 1 − z² (tanh), z (1 − z) (sigmoid), [z > 0] (relu)."""
    if activation == "tanh":
        return 1.0 - z * z
    if activation == "sigmoid":
        return z * (1.0 - z)
    return (z > 0).astype(z.dtype)


def rnn_states(x, h0, W_in, W, b, activation="tanh", offsets=None):
    """z_t = f(u_t), u_t = x_t W_in + z_{t−1} W + b (+ offsets[:, t]), z_0 = h0; returns (z, u).

    x (..., N, T, D), h0 (..., N, H), W_in (..., D, H), W (..., H, H), b (..., H), offsets
    (..., N, T, H) or None; z and u (..., N, T, H). Leading axes, when given, index independent
    networks (the grader runs many perturbed copies at once for numerical gradients).
    """
    f = ACTIVATIONS[activation]
    xw = np.matmul(x, np.asarray(W_in)[..., None, :, :])
    bias = np.asarray(b)[..., None, :]
    zs, us = [], []
    previous = h0
    for step in range(xw.shape[-2]):
        u_t = xw[..., step, :] + np.matmul(previous, W) + bias
        if offsets is not None:
            u_t = u_t + offsets[..., step, :]
        previous = f(u_t)
        us.append(u_t)
        zs.append(previous)
    return np.stack(zs, axis=-2), np.stack(us, axis=-2)


def rnn_forward(x, h0, W_in, W, b, activation="tanh"):
    """The hidden states z (N, T, H) of :func:`rnn_states`."""
    return rnn_states(x, h0, W_in, W, b, activation)[0]


def rnn_deltas(dh, z, W, activation="tanh"):
    """δ_t = (dh_t + δ_{t+1} Wᵀ) ⊙ f'(u_t), δ_{T+1} = 0, going back through time; dh, z (N, T, H)."""
    delta = np.empty_like(z)
    carried = np.zeros_like(z[:, 0])
    for step in range(z.shape[1] - 1, -1, -1):
        carried = (dh[:, step] + carried @ W.T) * activation_grad_from_output(z[:, step], activation)
        delta[:, step] = carried
    return delta


def lstm_step(x, h_prev, c_prev, Wx, Wh, b):
    """Gates stacked [i, f, o, g]: i, f, o sigmoid, g tanh."""
    H = h_prev.shape[1]
    a = x @ Wx + h_prev @ Wh + b
    i, f, o = sigmoid(a[:, :H]), sigmoid(a[:, H : 2 * H]), sigmoid(a[:, 2 * H : 3 * H])
    g = np.tanh(a[:, 3 * H :])
    c = f * c_prev + i * g
    return o * np.tanh(c), c


def gru_step(x, h_prev, Wx, Wh, b):
    """Gates stacked [z, r, n]; see helpers.rnn.gru_step for the equations."""
    H = h_prev.shape[1]
    ax, ah = x @ Wx + b, h_prev @ Wh
    z = sigmoid(ax[:, :H] + ah[:, :H])
    r = sigmoid(ax[:, H : 2 * H] + ah[:, H : 2 * H])
    n = np.tanh(ax[:, 2 * H :] + r * ah[:, 2 * H :])
    return (1 - z) * n + z * h_prev


# --------------------------------------------------------------------------- normalisation


def batchnorm_train(x, gamma, beta, eps):
    mean = x.mean(axis=0)
    var = x.var(axis=0)
    return gamma * (x - mean) / np.sqrt(var + eps) + beta, mean, var


def normalize(x, gamma, beta, axes, eps=1e-5):
    """Images (N, C, H, W) normalised over ``axes``, one group of values at a time: every index of the
    axes NOT in ``axes`` picks a group, whose values are centred and divided by √(biased variance + ε)."""
    out = np.empty_like(x)
    kept = [a for a in range(4) if a not in axes]
    for index in np.ndindex(*(x.shape[a] for a in kept)):
        where = [slice(None)] * 4
        for a, i in zip(kept, index):
            where[a] = i
        group = x[tuple(where)]
        values = group.ravel()
        mean = values.sum() / values.size
        var = ((values - mean) ** 2).sum() / values.size
        out[tuple(where)] = (group - mean) / np.sqrt(var + eps)
    return out * gamma[None, :, None, None] + beta[None, :, None, None]


# --------------------------------------------------------------------------- sequence to sequence


def embed(ids, E):
    """one_hot(ids) @ E, literally: the lookup as a matrix product."""
    ids = np.asarray(ids)
    return np.eye(E.shape[0])[ids] @ E


def embed_backward(dout, ids, vocab_size):
    """dE = one_hot(ids)ᵀ dout, summed over every position: a scatter-add."""
    ids = np.asarray(ids).ravel()
    return np.eye(int(vocab_size))[ids].T @ np.asarray(dout).reshape(len(ids), -1)


def birnn_forward(x, mask, Wf_in, Wf, bf, Wb_in, Wb, bb):
    """One sequence at a time, each cut to its own length L: forward over 0..L−1, backward over L−1..0."""
    n, t, _ = x.shape
    H = Wf.shape[0]
    out = np.zeros((n, t, 2 * H), dtype=x.dtype)
    for i in range(n):
        length = int(np.sum(mask[i]))
        state = np.zeros(H)
        for k in range(length):
            state = np.tanh(x[i, k] @ Wf_in + state @ Wf + bf)
            out[i, k, :H] = state
        state = np.zeros(H)
        for k in reversed(range(length)):
            state = np.tanh(x[i, k] @ Wb_in + state @ Wb + bb)
            out[i, k, H:] = state
    return out


def sequence_loss(logits, targets, mask):
    """The mean of −log p[target] over the positions where mask is 1 (the loss only)."""
    total, count = 0.0, 0.0
    n, t, _ = logits.shape
    for i in range(n):
        for k in range(t):
            if mask[i, k]:
                z = logits[i, k] - np.max(logits[i, k])
                total -= z[int(targets[i, k])] - np.log(np.sum(np.exp(z)))
                count += 1
    return total / count


def teacher_forced_logits(targets, s0, E_out, Wd_in, Wd, bd, W_out, b_out):
    """One step at a time, each reading the correct previous character (the start symbol 0 first)."""
    n, t = targets.shape
    s = s0
    logits = np.zeros((n, t, W_out.shape[1]))
    for k in range(t):
        previous = np.zeros(n, dtype=int) if k == 0 else targets[:, k - 1]
        s = np.tanh(E_out[previous] @ Wd_in + s @ Wd + bd)
        logits[:, k] = s @ W_out + b_out
    return logits


def attention(q, K, V, mask):
    """One query at a time: softmax of q·k_j/√d over the real positions j only; (context, weights)."""
    n, tq, d = q.shape
    weights = np.zeros((n, tq, K.shape[1]))
    context = np.zeros((n, tq, V.shape[2]))
    for i in range(n):
        real = np.flatnonzero(mask[i])
        for k in range(tq):
            scores = K[i, real] @ q[i, k] / np.sqrt(d)
            e = np.exp(scores - scores.max())
            weights[i, k, real] = e / e.sum()
            context[i, k] = weights[i, k, real] @ V[i, real]
    return context, weights


# --------------------------------------------------------------------------- week 11: the Transformer


def masked_attention(Q, K, V, mask):
    """One query at a time: softmax of q·k_j/√d over the allowed keys j only; (out, weights)."""
    n, tq, d = Q.shape
    weights = np.zeros((n, tq, K.shape[1]))
    out = np.zeros((n, tq, V.shape[2]))
    for i in range(n):
        for k in range(tq):
            allowed = np.flatnonzero(mask[i, k])
            scores = K[i, allowed] @ Q[i, k] / np.sqrt(d)
            e = np.exp(scores - scores.max())
            weights[i, k, allowed] = e / e.sum()
            out[i, k] = weights[i, k, allowed] @ V[i, allowed]
    return out, weights


def multi_head_attention(x, mask, Wq, Wk, Wv, Wo, heads):
    """Head by head with column slices: (out (N, T, D), weights (N, h, T, T))."""
    n, t, d = x.shape
    dk = d // heads
    Q, K, V = x @ Wq, x @ Wk, x @ Wv
    parts, weights = [], np.zeros((n, heads, t, t))
    for h in range(heads):
        cols = slice(h * dk, (h + 1) * dk)
        out, weights[:, h] = masked_attention(Q[..., cols], K[..., cols], V[..., cols], mask)
        parts.append(out)
    return np.concatenate(parts, axis=2) @ Wo, weights


def positional_encoding(T, D):
    """Entry by entry: sin for even columns, cos for odd ones, frequency 1/10000^(2⌊j/2⌋/D)."""
    pe = np.zeros((T, D))
    for t in range(T):
        for j in range(D):
            angle = t / 10000.0 ** (2 * (j // 2) / D)
            pe[t, j] = np.sin(angle) if j % 2 == 0 else np.cos(angle)
    return pe


def layer_norm(x, gamma, beta, eps=1e-5):
    """Row by row over the last axis: (x − mean) / sqrt(var + eps) * gamma + beta."""
    rows = np.asarray(x, dtype=np.float64).reshape(-1, x.shape[-1])
    out = np.zeros_like(rows)
    for i, row in enumerate(rows):
        out[i] = (row - row.mean()) / np.sqrt(row.var() + eps) * gamma + beta
    return out.reshape(x.shape)


def transformer_block(x, mask, Wq, Wk, Wv, Wo, gamma1, beta1, W1, b1, W2, b2, gamma2, beta2, heads):
    """Pre-norm block from the functions above: a = x + MHA(LN1(x)); a + relu(LN2(a) W1 + b1) W2 + b2."""
    a = x + multi_head_attention(layer_norm(x, gamma1, beta1), mask, Wq, Wk, Wv, Wo, heads)[0]
    return a + np.maximum(layer_norm(a, gamma2, beta2) @ W1 + b1, 0.0) @ W2 + b2


# --------------------------------------------------------------------------- efficient networks (week 12)


def depthwise_conv2d(x, w, b, stride=1, pad=0):
    """Each channel alone: a loop over channels of a one-channel conv2d."""
    out = [conv2d(x[:, c : c + 1], w[c][None, None], b[c : c + 1], stride, pad) for c in range(x.shape[1])]
    return np.concatenate(out, axis=1)


def depthwise_conv2d_backward(dout, x, w, b, stride=1, pad=0):
    dx, dw, db = np.zeros_like(x), np.zeros_like(w), np.zeros_like(b)
    for c in range(x.shape[1]):
        gx, gw, gb = conv2d_backward(dout[:, c : c + 1], x[:, c : c + 1], w[c][None, None], b[c : c + 1], stride, pad)
        dx[:, c], dw[c], db[c] = gx[:, 0], gw[0, 0], gb[0]
    return dx, dw, db


def pointwise_conv2d(x, w, b):
    """A 1×1 standard convolution."""
    return conv2d(x, w[:, :, None, None], b)


def causal_conv1d(x, w, b, dilation=1):
    """The formula, one output time at a time; inputs before time 0 are zero."""
    n, _, t = x.shape
    f, _, k = w.shape
    out = np.zeros((n, f, t), dtype=x.dtype) + b[None, :, None]
    for s in range(t):
        for tap in range(k):
            src = s - (k - 1 - tap) * dilation
            if src >= 0:
                out[:, :, s] += x[:, :, src] @ w[:, :, tap].T
    return out


def residual_block(x, W1, b1, W2, b2):
    return x + np.maximum(x @ W1 + b1, 0.0) @ W2 + b2


def magnitude_prune(w, sparsity):
    """Zero the smallest |w| one at a time."""
    out = np.array(w, dtype=np.float64).ravel()
    for _ in range(int(round(sparsity * out.size))):
        alive = np.flatnonzero(out != 0)
        out[alive[np.argmin(np.abs(out[alive]))]] = 0.0
    return out.reshape(np.shape(w))


def softmax_t(z, T):
    e = np.exp(z / T - np.max(z / T, axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def distillation_loss(student_logits, teacher_logits, T):
    """The loss only (its gradient is what is checked against central differences of this)."""
    pt, ps = softmax_t(teacher_logits, T), softmax_t(student_logits, T)
    return -(T * T) * np.sum(pt * np.log(ps)) / student_logits.shape[0]


def negative_sampling_loss(V, U, centers, contexts, negatives):
    """One pair and one word at a time: (loss, dV, dU), the loss the batch mean of
    −log σ(u_o·v_c) − Σ_j log σ(−u_{n_j}·v_c); a loop adds repeated words' gradients by construction."""
    V, U = np.asarray(V, dtype=np.float64), np.asarray(U, dtype=np.float64)
    B = len(centers)
    dV, dU = np.zeros_like(V), np.zeros_like(U)
    loss = 0.0
    for b in range(B):
        c = centers[b]
        for j, w in enumerate([contexts[b], *negatives[b]]):
            label = 1.0 if j == 0 else 0.0
            s = U[w] @ V[c]
            p = 1.0 / (1.0 + np.exp(-s))
            loss -= np.log(p) if j == 0 else np.log(1.0 - p)
            dV[c] += (p - label) * U[w] / B
            dU[w] += (p - label) * V[c] / B
    return loss / B, dV, dU


def sampling_distribution(counts, power=0.75):
    """c^power, divided by its sum."""
    weights = np.array([c**power if c > 0 else 0.0 for c in np.asarray(counts, dtype=np.float64)])
    return weights / weights.sum()


def keep_probability(counts, t):
    """min(1, sqrt(t / f)) with f = count / total, one word at a time."""
    counts = np.asarray(counts, dtype=np.float64)
    return np.array([min(1.0, np.sqrt(t / (c / counts.sum()))) for c in counts])
