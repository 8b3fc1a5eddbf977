"""Sequence to sequence: embeddings, a bidirectional RNN over padded sequences, the sequence loss
over real tokens, and scaled dot-product attention; each forward beside its backward.

Shapes are batch-first: token ids ``ids (N, T)`` (integers), embedded sequences ``x (N, T, D)``,
a padding mask ``mask (N, T)`` (1 for a real token, 0 for padding; real tokens first), encoder
states ``h (N, T, 2H)``, queries ``q (N, Tq, d)``, keys ``K (N, S, d)``, values ``V (N, S, dv)``.

How it is fast. The bidirectional RNN is two runs of :func:`helpers.rnn.rnn_forward` (compiled
step loops in numba): the backward direction reads each sequence reversed within its own length,
so padding never reaches a real state. Everything else is one vectorized numpy expression.
Taught in week 10 (w10_seq2seq_attention).
"""

from __future__ import annotations

import numpy as np

from . import rnn
from ._validate import as_float_array, attention_arrays, binary_mask, same_dtype, upstream_grad
from .tripwire import reference_kernel

__all__ = [
    "embed",
    "embed_backward",
    "birnn_forward",
    "birnn_backward",
    "sequence_loss",
    "teacher_forced_logits",
    "greedy_decode",
    "attention",
    "attention_backward",
    "reverse_within_lengths",
]


# --------------------------------------------------------------------------- argument checks


def _ids(name, ids, vocab_size=None):
    ids = np.asarray(ids)
    if ids.dtype.kind not in "iu" and not (ids.dtype.kind == "f" and np.all(ids == np.round(ids))):
        raise ValueError(f"{name}: ids must be integers, got dtype {ids.dtype}")
    ids = ids.astype(np.int64)
    if ids.size and ids.min() < 0:
        raise ValueError(f"{name}: ids must be >= 0, got {ids.min()}")
    if vocab_size is not None and ids.size and ids.max() >= vocab_size:
        raise ValueError(f"{name}: id {ids.max()} is outside the vocabulary of {vocab_size} rows")
    return ids


def _mask(name, mask, shape, prefix=False):
    mask = binary_mask(name, mask, shape, "", "every sequence needs at least one real token (a row of mask is all 0)")
    if prefix and np.any(mask[..., 1:] & ~mask[..., :-1]):
        raise ValueError(f"{name}: mask must be real tokens first, then padding (1…1 0…0 in each row)")
    return mask


def reverse_within_lengths(mask):
    """Index of the reversed sequences: rev (N, T) with rev[n, t] = L_n − 1 − t for t < L_n and t after,
    L_n = mask[n].sum(). ``x[np.arange(N)[:, None], rev]`` reverses each sequence inside its length
    and leaves the padding where it is; applying it twice gives x back."""
    mask = np.asarray(mask, dtype=bool)
    n, t = mask.shape
    lengths = mask.sum(axis=1)[:, None]
    steps = np.arange(t)[None, :]
    return np.where(steps < lengths, lengths - 1 - steps, steps)


# --------------------------------------------------------------------------- embeddings


@reference_kernel
def embed(ids, E):
    """Look up rows of an embedding matrix: returns x (…, D) with x[i] = E[ids[i]].

    ids: integers of any shape (…), each in 0..V−1; E: (V, D). The same as one_hot(ids) @ E, without
    building the one-hot vectors.
    """
    E = as_float_array("embed", "E", E, ndim=2)
    ids = _ids("embed", ids, E.shape[0])
    return E[ids]


@reference_kernel
def embed_backward(dout, ids, vocab_size):
    """Gradient of :func:`embed` with respect to E: returns dE (V, D).

    dout: (…, D), the upstream gradient on every looked-up row; ids: (…). A scatter-add,
    dE[v] = Σ over the positions i with ids[i] = v of dout[i]: a word used twice gets both gradients.
    """
    dout = as_float_array("embed_backward", "dout", dout)
    ids = _ids("embed_backward", ids, vocab_size)
    if dout.shape[:-1] != ids.shape:
        raise ValueError(f"embed_backward: dout has shape {dout.shape}, expected ids.shape + (D,) = {ids.shape} + (D,)")
    dE = np.zeros((int(vocab_size), dout.shape[-1]), dtype=dout.dtype)
    np.add.at(dE, ids.ravel(), dout.reshape(-1, dout.shape[-1]))
    return dE


# --------------------------------------------------------------------------- bidirectional RNN


def _birnn_args(name, x, mask, Wf_in, Wf, bf, Wb_in, Wb, bb):
    x = as_float_array(name, "x", x, ndim=3)
    mask = _mask(name, mask, x.shape[:2], prefix=True)
    arrays = dict(
        Wf_in=as_float_array(name, "Wf_in", Wf_in, ndim=2),
        Wf=as_float_array(name, "Wf", Wf, ndim=2),
        bf=as_float_array(name, "bf", bf, ndim=1),
        Wb_in=as_float_array(name, "Wb_in", Wb_in, ndim=2),
        Wb=as_float_array(name, "Wb", Wb, ndim=2),
        bb=as_float_array(name, "bb", bb, ndim=1),
    )
    same_dtype(name, x=x, **arrays)
    H = arrays["Wf"].shape[0]
    D = x.shape[2]
    for arg, shape in (
        ("Wf_in", (D, H)),
        ("Wf", (H, H)),
        ("bf", (H,)),
        ("Wb_in", (D, H)),
        ("Wb", (H, H)),
        ("bb", (H,)),
    ):
        if arrays[arg].shape != shape:
            raise ValueError(f"{name}: {arg} has shape {arrays[arg].shape}, expected {shape} (x {x.shape}, H = {H})")
    return x, mask, arrays


@reference_kernel
def birnn_forward(x, mask, Wf_in, Wf, bf, Wb_in, Wb, bb):
    """A bidirectional tanh RNN over padded sequences: returns h (N, T, 2H).

    x: (N, T, D); mask: (N, T), real tokens first; Wf_in, Wb_in: (D, H); Wf, Wb: (H, H); bf, bb: (H,).
    Both directions start from zero states. With L_n the length of sequence n:
        forward   f_t = tanh(x_t Wf_in + f_{t−1} Wf + bf),  t = 1..L_n
        backward  g_t = tanh(x_t Wb_in + g_{t+1} Wb + bb),  t = L_n..1 (it starts at the last REAL token)
        h_t = [f_t, g_t] (concatenated on the feature axis), and h_t = 0 at padded positions.
    """
    x, mask, w = _birnn_args("birnn_forward", x, mask, Wf_in, Wf, bf, Wb_in, Wb, bb)
    n, _, _ = x.shape
    H = w["Wf"].shape[0]
    zeros = np.zeros((n, H), dtype=x.dtype)
    keep = mask[..., None].astype(x.dtype)
    forward = rnn.rnn_forward.unguarded(x, zeros, w["Wf_in"], w["Wf"], w["bf"]) * keep
    rows, rev = np.arange(n)[:, None], reverse_within_lengths(mask)
    backward = rnn.rnn_forward.unguarded(x[rows, rev], zeros, w["Wb_in"], w["Wb"], w["bb"])[rows, rev] * keep
    return np.concatenate([forward, backward], axis=2)


@reference_kernel
def birnn_backward(dh, x, mask, Wf_in, Wf, bf, Wb_in, Wb, bb):
    """Backward of :func:`birnn_forward`: returns (dx, dWf_in, dWf, dbf, dWb_in, dWb, dbb).

    dh: (N, T, 2H), the upstream gradient on h (its padded positions are ignored: h is 0 there).
    dh[..., :H] goes back through the forward direction, dh[..., H:] through the backward one (BPTT
    on each sequence reversed within its length); dx is the sum of what both directions send to x.
    Shapes: dx (N, T, D), dWf_in, dWb_in (D, H), dWf, dWb (H, H), dbf, dbb (H,).
    """
    name = "birnn_backward"
    x, mask, w = _birnn_args(name, x, mask, Wf_in, Wf, bf, Wb_in, Wb, bb)
    n, t, _ = x.shape
    H = w["Wf"].shape[0]
    dh = upstream_grad(name, "dh", dh, (n, t, 2 * H), x.dtype, expected="expected (N, T, 2H) =")
    zeros = np.zeros((n, H), dtype=x.dtype)
    keep = mask[..., None].astype(x.dtype)
    dx_f, _, dWf_in, dWf, dbf = rnn.rnn_backward.unguarded(dh[..., :H] * keep, x, zeros, w["Wf_in"], w["Wf"], w["bf"])
    rows, rev = np.arange(n)[:, None], reverse_within_lengths(mask)
    dh_b = (dh[..., H:] * keep)[rows, rev]
    dx_b, _, dWb_in, dWb, dbb = rnn.rnn_backward.unguarded(dh_b, x[rows, rev], zeros, w["Wb_in"], w["Wb"], w["bb"])
    return dx_f + dx_b[rows, rev], dWf_in, dWf, dbf, dWb_in, dWb, dbb


# --------------------------------------------------------------------------- the sequence loss


@reference_kernel
def sequence_loss(logits, targets, mask):
    """Softmax cross-entropy averaged over the real target tokens: returns (loss, dlogits).

    logits: (N, T, K); targets: (N, T) integers in 0..K−1 (anything at padded positions); mask (N, T).
    With p = softmax(logits) on the last axis and M = Σ mask (the number of real tokens):
        loss = −(1/M) Σ_{n,t} mask[n,t] log p[n, t, targets[n,t]]
        dlogits = mask[..., None] (p − one_hot(targets)) / M      (N, T, K); 0 at padded positions.
    """
    name = "sequence_loss"
    logits = as_float_array(name, "logits", logits, ndim=3)
    n, t, k = logits.shape
    mask = _mask(name, mask, (n, t))
    targets = np.where(mask, np.asarray(targets), 0)
    targets = _ids(name, targets, k)
    shifted = logits - logits.max(axis=-1, keepdims=True)
    log_p = shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))
    real = mask.astype(logits.dtype)
    count = real.sum()
    picked = np.take_along_axis(log_p, targets[..., None], axis=-1)[..., 0]
    loss = -(picked * real).sum() / count
    dlogits = np.exp(log_p)
    np.put_along_axis(dlogits, targets[..., None], np.take_along_axis(dlogits, targets[..., None], -1) - 1.0, -1)
    return float(loss), dlogits * (real / count)[..., None]


# --------------------------------------------------------------------------- the decoder in training


def shift_right(targets, start=0):
    """The decoder's inputs under teacher forcing: (N, T) ids [start, y_1, ..., y_{T−1}]."""
    targets = np.asarray(targets)
    inputs = np.empty_like(targets)
    inputs[:, 0] = start
    inputs[:, 1:] = targets[:, :-1]
    return inputs


@reference_kernel
def teacher_forced_logits(targets, s0, E_out, Wd_in, Wd, bd, W_out, b_out, start=0):
    """The logits of a decoder without attention under teacher forcing: (N, T, K).

    targets: (N, T) the correct output ids; s0: (N, Hd); E_out: (K, De); Wd_in: (De, Hd); Wd: (Hd, Hd);
    bd: (Hd,); W_out: (Hd, K); b_out: (K,). Step t reads the *correct* previous character, not the one
    the model would choose (y_0 = start):
        s_t = tanh(E_out[y_{t−1}] Wd_in + s_{t−1} Wd + bd),  logits_t = s_t W_out + b_out
    All inputs are known in advance, so the decoder is one RNN run over the targets shifted right.
    """
    name = "teacher_forced_logits"
    s0 = as_float_array(name, "s0", s0, ndim=2)
    E_out = as_float_array(name, "E_out", E_out, ndim=2)
    targets = _ids(name, targets, E_out.shape[0])
    if targets.ndim != 2 or targets.shape[0] != s0.shape[0] or targets.shape[1] < 1:
        raise ValueError(f"{name}: targets must be (N, T) with N = {s0.shape[0]} and T >= 1, got {targets.shape}")
    s = rnn.rnn_forward(E_out[shift_right(targets, start)], s0, Wd_in, Wd, bd)
    return s @ W_out + b_out


# --------------------------------------------------------------------------- greedy decoding


@reference_kernel
def greedy_decode(s0, E_out, Wd_in, Wd, bd, W_out, b_out, steps, start=0):
    """Greedy decoding by a decoder without attention: returns ids (N, steps), integers.

    s0: (N, Hd) the first state; E_out: (K, De) output embeddings; Wd_in: (De, Hd); Wd: (Hd, Hd); bd: (Hd,);
    W_out: (Hd, K); b_out: (K,). With y_0 = start for every sequence, for t = 1..steps:
        s_t = tanh(E_out[y_{t−1}] Wd_in + s_{t−1} Wd + bd),  y_t = argmax_k (s_t W_out + b_out)_k
    Each step reads the character chosen at the step before (at test time there is no correct one).
    """
    name = "greedy_decode"
    s = as_float_array(name, "s0", s0, ndim=2)
    E_out = as_float_array(name, "E_out", E_out, ndim=2)
    steps = int(steps)
    if steps < 1:
        raise ValueError(f"{name}: steps must be >= 1, got {steps}")
    previous = np.full(s.shape[0], int(start), dtype=np.int64)
    out = np.zeros((s.shape[0], steps), dtype=np.int64)
    for t in range(steps):
        s = np.tanh(E_out[previous] @ Wd_in + s @ Wd + bd)
        previous = np.argmax(s @ W_out + b_out, axis=1)
        out[:, t] = previous
    return out


# --------------------------------------------------------------------------- attention


def _attention_args(name, q, K, V, mask):
    q, K, V = attention_arrays(name, q, K, V)
    return q, K, V, _mask(name, mask, K.shape[:2])


def _attention_weights(q, K, mask):
    scores = (q @ K.transpose(0, 2, 1)) / np.sqrt(q.shape[2])
    scores = np.where(mask[:, None, :], scores, -np.inf)  # padding gets exactly zero weight
    e = np.exp(scores - scores.max(axis=2, keepdims=True))
    return e / e.sum(axis=2, keepdims=True)


@reference_kernel
def attention(q, K, V, mask):
    """Scaled dot-product attention with a padding mask: returns (context, weights).

    q: (N, Tq, d), one query per decoder step; K: (N, S, d) keys; V: (N, S, dv) values; mask: (N, S).
        scores[n, i, j] = q[n, i] · K[n, j] / √d,  −∞ where mask[n, j] = 0
        weights = softmax of the scores over j, the INPUT positions (axis 2)       (N, Tq, S)
        context[n, i] = Σ_j weights[n, i, j] V[n, j]                                (N, Tq, dv)
    """
    q, K, V, mask = _attention_args("attention", q, K, V, mask)
    a = _attention_weights(q, K, mask)
    return a @ V, a


@reference_kernel
def attention_backward(dcontext, q, K, V, mask):
    """Backward of :func:`attention` (through the context only): returns (dq, dK, dV).

    dcontext: (N, Tq, dv). With a the weights: dV = aᵀ dcontext; da = dcontext Vᵀ;
    ds = a ⊙ (da − Σ_j a_j da_j) (the softmax's backward, per query); dq = ds K / √d; dK = dsᵀ q / √d.
    Shapes: dq (N, Tq, d), dK (N, S, d), dV (N, S, dv); dK and dV are 0 at padded positions.
    """
    name = "attention_backward"
    q, K, V, mask = _attention_args(name, q, K, V, mask)
    dcontext = upstream_grad(
        name, "dcontext", dcontext, (q.shape[0], q.shape[1], V.shape[2]), q.dtype, expected="expected (N, Tq, dv) ="
    )
    a = _attention_weights(q, K, mask)
    dV = a.transpose(0, 2, 1) @ dcontext
    da = dcontext @ V.transpose(0, 2, 1)
    ds = a * (da - (a * da).sum(axis=2, keepdims=True))
    scale = 1.0 / np.sqrt(q.shape[2])
    return (ds @ K) * scale, (ds.transpose(0, 2, 1) @ q) * scale, dV
