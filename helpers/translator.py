"""The date translator of week 10: a character-level encoder–decoder, with or without attention.

    x = embed(ids, E_in)                                  (N, S, De)   the input characters
    h = birnn_forward(x, mask, ...)                       (N, S, 2H)   encoder states, 0 at padding
    summary = [f at the last real token, g at the first]  (N, 2H)      what both directions read in full
    s_0 = tanh(summary W_init + b_init)                   (N, Hd)      the decoder's first state
    s = rnn_forward(embed(decoder_inputs, E_out), s_0, Wd_in, Wd, bd)   (N, 10, Hd), teacher forcing
    with attention:    context, weights = attention(s, h, h, mask);  o = [s, context]   (N, 10, Hd + 2H)
    without attention: o = s  (everything about the input must pass through s_0: the bottleneck)
    logits = o W_out + b_out                              (N, 10, 12)
    loss = sequence_loss(logits, targets, mask of the targets)

Hd = 2H, so a decoder state is a query for the encoder states (keys and values at once).
The graded pieces a student wrote (embed, embed_backward, sequence_loss, attention,
attention_backward) are passed in as ``ops``; the recurrences run on the compiled kernels of
:mod:`helpers.seq2seq` and :mod:`helpers.rnn`. Taught in week 10 (w10_seq2seq_attention).
"""

from __future__ import annotations

import types

import numpy as np

from . import dates, rnn, seq2seq
from ._numba import single_threaded_blas

__all__ = [
    "REFERENCE_OPS",
    "PARAMETER_NAMES",
    "ops",
    "init_params",
    "loss_and_grads",
    "encode",
    "greedy_decode",
    "translate",
    "accuracy",
    "train",
    "adam_step",
]

REFERENCE_OPS = types.SimpleNamespace(
    embed=seq2seq.embed.unguarded,
    embed_backward=seq2seq.embed_backward.unguarded,
    sequence_loss=seq2seq.sequence_loss.unguarded,
    attention=seq2seq.attention.unguarded,
    attention_backward=seq2seq.attention_backward.unguarded,
)
ENCODER = ("Wf_in", "Wf", "bf", "Wb_in", "Wb", "bb")
PARAMETER_NAMES = (
    "E_in",
    "Wf_in",
    "Wf",
    "bf",
    "Wb_in",
    "Wb",
    "bb",
    "W_init",
    "b_init",
    "E_out",
    "Wd_in",
    "Wd",
    "bd",
    "W_out",
    "b_out",
)


def ops(embed, embed_backward, sequence_loss, attention, attention_backward):
    """The five functions the model takes from a student, as the ``ops`` argument of the functions below."""
    return types.SimpleNamespace(
        embed=embed,
        embed_backward=embed_backward,
        sequence_loss=sequence_loss,
        attention=attention,
        attention_backward=attention_backward,
    )


def init_params(seed=0, use_attention=True, embedding=8, hidden=16):
    """Random parameters (a dict of arrays): rows of E ~ N(0, 1), weights N(0, 1/fan_in), biases 0."""
    rng = np.random.default_rng(seed)
    H, Hd, V_in, V_out = hidden, 2 * hidden, len(dates.INPUT_CHARS), len(dates.OUTPUT_CHARS)

    def dense(rows, cols):
        return rng.normal(size=(rows, cols)) / np.sqrt(rows)

    return {
        "E_in": rng.normal(size=(V_in, embedding)) * 0.5,
        "Wf_in": dense(embedding, H),
        "Wf": dense(H, H),
        "bf": np.zeros(H),
        "Wb_in": dense(embedding, H),
        "Wb": dense(H, H),
        "bb": np.zeros(H),
        "W_init": dense(2 * H, Hd),
        "b_init": np.zeros(Hd),
        "E_out": rng.normal(size=(V_out, embedding)) * 0.5,
        "Wd_in": dense(embedding, Hd),
        "Wd": dense(Hd, Hd),
        "bd": np.zeros(Hd),
        "W_out": dense(Hd + 2 * H if use_attention else Hd, V_out),
        "b_out": np.zeros(V_out),
    }


def _uses_attention(params):
    return params["W_out"].shape[0] > params["Wd"].shape[0]


def encode(params, ids, mask, ops=REFERENCE_OPS):
    """Encoder states h (N, S, 2H), the decoder's first state s_0 (N, Hd), and (x, summary)."""
    x = ops.embed(ids, params["E_in"])
    h = seq2seq.birnn_forward(x, mask, *(params[k] for k in ENCODER))
    H = params["Wf"].shape[0]
    rows, last = np.arange(len(ids)), np.asarray(mask).sum(axis=1).astype(int) - 1
    summary = np.concatenate([h[rows, last, :H], h[:, 0, H:]], axis=1)
    s0 = np.tanh(summary @ params["W_init"] + params["b_init"])
    return h, s0, x, summary


def loss_and_grads(params, ids, mask, decoder_inputs, targets, ops=REFERENCE_OPS, target_mask=None):
    """(loss, grads): the sequence loss with teacher forcing and the gradient of every parameter.
    target_mask (N, T_out): which target positions are real (default: all)."""
    use_attention = _uses_attention(params)
    h, s0, x, summary = encode(params, ids, mask, ops)
    y = ops.embed(decoder_inputs, params["E_out"])
    s = rnn.rnn_forward(y, s0, params["Wd_in"], params["Wd"], params["bd"])
    Hd = s.shape[2]
    if use_attention:
        context, _ = ops.attention(s, h, h, mask)
        o = np.concatenate([s, context], axis=2)
    else:
        o = s
    logits = o @ params["W_out"] + params["b_out"]
    real = np.ones(targets.shape) if target_mask is None else target_mask
    loss, dlogits = ops.sequence_loss(logits, targets, real)
    # backward, in reverse order
    g = {
        "W_out": o.reshape(-1, o.shape[2]).T @ dlogits.reshape(-1, dlogits.shape[2]),
        "b_out": dlogits.sum(axis=(0, 1)),
    }
    do = dlogits @ params["W_out"].T
    ds = do[..., :Hd]
    dh = np.zeros_like(h)
    if use_attention:
        dq, dK, dV = ops.attention_backward(do[..., Hd:], s, h, h, mask)
        ds = ds + dq
        dh += dK + dV
    dy, ds0, g["Wd_in"], g["Wd"], g["bd"] = rnn.rnn_backward(ds, y, s0, params["Wd_in"], params["Wd"], params["bd"])
    g["E_out"] = ops.embed_backward(dy, decoder_inputs, params["E_out"].shape[0])
    dpre = ds0 * (1.0 - s0 * s0)
    g["W_init"], g["b_init"] = summary.T @ dpre, dpre.sum(axis=0)
    dsummary = dpre @ params["W_init"].T
    H = params["Wf"].shape[0]
    rows, last = np.arange(len(ids)), np.asarray(mask).sum(axis=1).astype(int) - 1
    dh[rows, last, :H] += dsummary[:, :H]
    dh[:, 0, H:] += dsummary[:, H:]
    dx, *encoder_grads = seq2seq.birnn_backward(dh, x, mask, *(params[k] for k in ENCODER))
    g.update(zip(ENCODER, encoder_grads))
    g["E_in"] = ops.embed_backward(dx, ids, params["E_in"].shape[0])
    return float(loss), g


def greedy_decode(params, ids, mask, ops=REFERENCE_OPS, steps=dates.OUTPUT_LENGTH):
    """Decode step by step, each step reading the character it chose before: returns (out (N, 10) ids,
    weights (N, 10, S) the attention weights of every step, zeros without attention, probs (N, 10, 12))."""
    h, s, _, _ = encode(params, ids, mask, ops)
    n, S = ids.shape
    out = np.zeros((n, steps), dtype=np.int64)
    weights = np.zeros((n, steps, S))
    probs = np.zeros((n, steps, len(dates.OUTPUT_CHARS)))
    previous = np.zeros(n, dtype=np.int64)  # the start symbol
    for t in range(steps):
        y = ops.embed(previous, params["E_out"])
        s = np.tanh(y @ params["Wd_in"] + s @ params["Wd"] + params["bd"])
        if _uses_attention(params):
            context, a = ops.attention(s[:, None], h, h, mask)
            weights[:, t] = a[:, 0]
            o = np.concatenate([s, context[:, 0]], axis=1)
        else:
            o = s
        logits = o @ params["W_out"] + params["b_out"]
        e = np.exp(logits - logits.max(axis=1, keepdims=True))
        probs[:, t] = e / e.sum(axis=1, keepdims=True)
        previous = np.argmax(logits, axis=1)
        out[:, t] = previous
    return out, weights, probs


def translate(params, texts, ops=REFERENCE_OPS):
    """The ISO strings the model writes for a list of texts."""
    ids, mask = dates.encode_inputs(texts)
    return dates.decode_outputs(greedy_decode(params, ids, mask, ops)[0])


def accuracy(params, ids, mask, targets, ops=REFERENCE_OPS):
    """Exact-match accuracy of greedy decoding: the fraction of dates with all 10 characters right."""
    out = greedy_decode(params, ids, mask, ops)[0]
    return float(np.mean(np.all(out == np.asarray(targets), axis=1)))


def adam_step(params, grads, state, lr, beta1=0.9, beta2=0.999, eps=1e-8):
    """One Adam update of every parameter in place of the dict ``params``; ``state`` a dict (empty at first)."""
    state["t"] = state.get("t", 0) + 1
    t = state["t"]
    for name, grad in grads.items():
        m, v = state.get(name, (np.zeros_like(grad), np.zeros_like(grad)))
        m = beta1 * m + (1 - beta1) * grad
        v = beta2 * v + (1 - beta2) * grad * grad
        state[name] = (m, v)
        params[name] = params[name] - lr * (m / (1 - beta1**t)) / (np.sqrt(v / (1 - beta2**t)) + eps)


def batches(n, batch_size, rng):
    """Shuffled index arrays of one epoch."""
    order = rng.permutation(n)
    return [order[i : i + batch_size] for i in range(0, n, batch_size)]


def trim(ids, mask):
    """Drop the columns that are padding in every row of a batch."""
    longest = int(np.asarray(mask).sum(axis=1).max())
    return ids[:, :longest], mask[:, :longest]


def train(data, use_attention=True, seed=0, epochs=6, batch_size=100, lr=0.02, clip=5.0, ops=REFERENCE_OPS):
    """Adam on mini-batches of ``data`` (see :func:`helpers.dates.date_dataset`); returns (params, losses)."""
    rng = np.random.default_rng(seed)
    params = init_params(seed, use_attention)
    state, losses = {}, []
    with single_threaded_blas():  # small products: BLAS threads would only spin against each other
        for _ in range(epochs):
            _epoch(params, state, losses, data, batch_size, lr, clip, rng, ops)
    return params, np.array(losses)


def _epoch(params, state, losses, data, batch_size, lr, clip, rng, ops):
    """One pass over the training set in shuffled mini-batches: an Adam step per batch."""
    for batch in batches(len(data["train_ids"]), batch_size, rng):
        ids, mask = trim(data["train_ids"][batch], data["train_mask"][batch])
        target_mask = data["train_target_mask"][batch] if "train_target_mask" in data else None
        loss, grads = loss_and_grads(
            params, ids, mask, data["train_inputs"][batch], data["train_targets"][batch], ops, target_mask
        )
        clipped, _ = rnn.clip_by_norm.unguarded([grads[name] for name in params], clip)
        adam_step(params, dict(zip(params, clipped)), state, lr)
        losses.append(loss)


def digit_copy_dataset(n_train=4000, n_test=600, shortest=2, longest=16, seed=0):
    """Copy a random string of L digits (L uniform in shortest..longest): the information to carry grows with L.

    The arrays of :func:`helpers.dates.date_dataset`, with outputs padded to ``longest`` and
    ``*_target_mask`` (N, longest) marking the real output digits."""
    rng = np.random.default_rng(seed)
    data = {}
    for part, n in (("train", n_train), ("test", n_test)):
        lengths = rng.integers(shortest, longest + 1, size=n)
        texts = ["".join(str(d) for d in rng.integers(0, 10, size=length)) for length in lengths]
        data[f"{part}_ids"], data[f"{part}_mask"] = dates.encode_inputs(texts, longest)
        targets = np.zeros((n, longest), dtype=np.int64)
        for i, text in enumerate(texts):
            targets[i, : len(text)] = [dates.OUTPUT_CHARS.index(c) for c in text]
        data[f"{part}_targets"] = targets
        data[f"{part}_inputs"] = np.concatenate([np.zeros((n, 1), dtype=np.int64), targets[:, :-1]], axis=1)
        data[f"{part}_target_mask"] = data[f"{part}_mask"].copy()
        data[f"{part}_texts"] = texts
    return data


def copy_accuracy_by_length(params, data, ops=REFERENCE_OPS):
    """(lengths, share of the digits copied right at each input length) on the test part of ``data``."""
    steps = data["test_targets"].shape[1]
    out = greedy_decode(params, data["test_ids"], data["test_mask"], ops, steps=steps)[0]
    real = data["test_target_mask"] > 0
    lengths = real.sum(axis=1)
    right = ((out == data["test_targets"]) & real).sum(axis=1) / lengths
    shown = np.unique(lengths)
    return shown, np.array([right[lengths == length].mean() for length in shown])
