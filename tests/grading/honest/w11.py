"""Honest variants of week 11 (w11_transformer); see the package docstring for the kinds."""

from __future__ import annotations

from .base import ATTACK_WORDS, Honest, debug_prints, delete, exploration, insert_after, replace

W11_EINSUM = {
    "negative_sampling_loss": """
        def negative_sampling_loss(V, U, centers, contexts, negatives):
            W, B = V.shape[0], len(centers)
            onehot = np.eye(W)
            C, O, N = onehot[centers], onehot[contexts], onehot[negatives]     # (B, W), (B, W), (B, k, W)
            v = C @ V
            s_pos = np.einsum("bw,wd,bd->b", O, U, v)
            s_neg = np.einsum("bkw,wd,bd->bk", N, U, v)
            sigmoid = lambda x: 0.5 * (1 + np.tanh(x / 2))
            loss = -(np.log(sigmoid(s_pos)).sum() + np.log(sigmoid(-s_neg)).sum()) / B
            e_pos, e_neg = (sigmoid(s_pos) - 1) / B, sigmoid(s_neg) / B
            dV = C.T @ (e_pos[:, None] * (O @ U) + np.einsum("bk,bkw,wd->bd", e_neg, N, U))
            dU = O.T @ (e_pos[:, None] * v) + np.einsum("bkw,bk,bd->wd", N, e_neg, v)
            return loss, dV, dU
    """,
    "sampling_distribution": """
        def sampling_distribution(counts):
            w = np.power(counts.astype(float), 3 / 4)
            return w / np.sum(w)
    """,
    "masked_attention": """
        def masked_attention(Q, K, V, mask):
            scores = np.einsum("nqd,nsd->nqs", Q, K) / np.sqrt(Q.shape[-1])
            scores = np.where(mask == 1, scores, -1e30)          # a huge negative number: e^(-1e30) is 0.0
            scores = scores - scores.max(axis=-1, keepdims=True)
            weights = np.exp(scores) * (mask == 1)
            weights = weights / weights.sum(axis=-1, keepdims=True)
            return np.einsum("nqs,nsv->nqv", weights, V), weights
    """,
    "masked_attention_backward": """
        def masked_attention_backward(dout, Q, K, V, mask):
            _, a = masked_attention(Q, K, V, mask)
            dV = np.einsum("nqs,nqv->nsv", a, dout)
            da = np.einsum("nqv,nsv->nqs", dout, V)
            ds = a * da - a * np.einsum("nqs,nqs->nq", a, da)[..., None]
            dQ = np.einsum("nqs,nsd->nqd", ds, K) / np.sqrt(Q.shape[-1])
            dK = np.einsum("nqs,nqd->nsd", ds, Q) / np.sqrt(Q.shape[-1])
            return dQ, dK, dV
    """,
}

W11_LOOPS = {
    "negative_sampling_loss": """
        import math


        def negative_sampling_loss(V, U, centers, contexts, negatives):
            B = len(centers)
            dV, dU, total = np.zeros_like(V), np.zeros_like(U), 0.0
            for b in range(B):
                c = centers[b]
                words = [(contexts[b], 1.0)] + [(n, 0.0) for n in negatives[b]]
                for w, label in words:
                    score = float(U[w] @ V[c])
                    p = 1 / (1 + math.exp(-score))
                    total += -math.log(p) if label == 1.0 else -math.log(1 - p)
                    grad_v = (p - label) * U[w] / B
                    dU[w] = dU[w] + (p - label) * V[c] / B
                    dV[c] = dV[c] + grad_v
            return total / B, dV, dU
    """,
    "keep_probability": """
        def keep_probability(counts, t):
            keep = []
            for c in counts:
                f = c / sum(counts)
                keep.append(min(1.0, (t / f) ** 0.5))
            return np.array(keep)
    """,
    "multi_head_attention": """
        def split_heads(y, heads):
            n, t, d = y.shape
            return np.stack([y[n_, :, h * (d // heads):(h + 1) * (d // heads)]
                             for n_ in range(n) for h in range(heads)])


        def merge_heads(y, heads):
            return np.stack([np.concatenate(list(y[i * heads:(i + 1) * heads]), axis=-1)
                             for i in range(len(y) // heads)])


        def multi_head_attention(x, mask, Wq, Wk, Wv, Wo, heads):
            N, T, D = x.shape
            dk = D // heads
            Q, K, V = x @ Wq, x @ Wk, x @ Wv
            outs, weights = [], np.zeros((N, heads, T, T))
            for h in range(heads):                                  # one head at a time, on its columns
                cols = slice(h * dk, (h + 1) * dk)
                out_h, weights[:, h] = masked_attention(Q[..., cols], K[..., cols], V[..., cols], mask)
                outs.append(out_h)
            return np.concatenate(outs, axis=-1) @ Wo, weights
    """,
    "positional_encoding": """
        def positional_encoding(T, D):
            PE = np.zeros((T, D))
            for t in range(T):
                for i in range(0, D, 2):
                    angle = t / 10000 ** (i / D)
                    PE[t, i] = np.sin(angle)
                    if i + 1 < D:
                        PE[t, i + 1] = np.cos(angle)
            return PE
    """,
    "layer_norm": """
        def layer_norm(x, gamma, beta, eps=1e-5):
            rows = x.reshape(-1, x.shape[-1])
            out = np.empty_like(rows)
            for r, row in enumerate(rows):
                centred = row - row.mean()
                out[r] = gamma * centred / np.sqrt(np.mean(centred ** 2) + eps) + beta
            return out.reshape(x.shape)
    """,
}

W11_FOUR_AXES = {
    "multi_head_attention_backward": """
        def multi_head_attention_backward(dout, x, mask, Wq, Wk, Wv, Wo, heads):
            \"\"\"The heads on their own axis, (N, h, T, dk), and the whole backward pass by einsum.\"\"\"
            N, T, D = x.shape
            dk = D // heads
            four = lambda y: y.reshape(N, T, heads, dk).transpose(0, 2, 1, 3)
            back = lambda y: y.transpose(0, 2, 1, 3).reshape(N, T, D)
            Q, K, V = four(x @ Wq), four(x @ Wk), four(x @ Wv)
            scores = np.einsum("nhqd,nhsd->nhqs", Q, K) / np.sqrt(dk)
            scores = np.where(mask[:, None] > 0, scores, -np.inf)
            a = np.exp(scores - scores.max(-1, keepdims=True))
            a /= a.sum(-1, keepdims=True)
            concat = back(np.einsum("nhqs,nhsd->nhqd", a, V))
            dWo = np.einsum("ntd,nte->de", concat, dout)
            dheads = four(dout @ Wo.T)
            dV = np.einsum("nhqs,nhqd->nhsd", a, dheads)
            da = np.einsum("nhqd,nhsd->nhqs", dheads, V)
            ds = a * (da - (a * da).sum(-1, keepdims=True)) / np.sqrt(dk)
            dQ, dK = np.einsum("nhqs,nhsd->nhqd", ds, K), np.einsum("nhqs,nhqd->nhsd", ds, Q)
            dQ, dK, dV = back(dQ), back(dK), back(dV)
            dx = dQ @ Wq.T + dK @ Wk.T + dV @ Wv.T
            grad = lambda g: np.einsum("ntd,nte->de", x, g)
            return dx, grad(dQ), grad(dK), grad(dV), dWo
    """,
    "layer_norm_backward": """
        def layer_norm_backward(dout, x, gamma, beta, eps=1e-5):
            D = x.shape[-1]
            s = np.sqrt(x.var(-1, keepdims=True) + eps)
            x_hat = (x - x.mean(-1, keepdims=True)) / s
            dx_hat = dout * gamma
            dx = (D * dx_hat - dx_hat.sum(-1, keepdims=True) - x_hat * (dx_hat * x_hat).sum(-1, keepdims=True)) / (D * s)
            axes = tuple(range(x.ndim - 1))
            return dx, np.sum(dout * x_hat, axis=axes), np.sum(dout, axis=axes)
    """,
}


def variants() -> dict[str, Honest]:
    w = "w11_transformer"
    return {
        "w11_einsum": Honest(
            w,
            "the skip-gram loss by one-hot products, the 3/4 power by np.power; attention by einsum with -1e30 and "
            "a masked exponential, its backward by einsum",
            [replace(k, v) for k, v in W11_EINSUM.items()],
        ),
        "w11_loops": Honest(
            w,
            "the skip-gram loss and subsampling by loops; heads one at a time on column slices, split/merge by "
            "stacking, the encoding and layer norm by loops",
            [replace(k, v) for k, v in W11_LOOPS.items()],
        ),
        "w11_four_axes": Honest(
            w,
            "the multi-head backward on (N, h, T, dk) arrays by einsum; layer norm's backward with sums over D",
            [replace(k, v) for k, v in W11_FOUR_AXES.items()],
        ),
        "w11_attack_words_and_debug": Honest(
            w,
            "ordinary names in an extra cell; a debug print in block_parameter_count",
            [insert_after(None, ATTACK_WORDS), debug_prints("block_parameter_count", "block_parameter_count")],
        ),
        "w11_exploration": Honest(
            w,
            "exploration: timing the attention, a plot saved to a subfolder",
            exploration(
                "%timeit masked_attention(np.ones((4, 10, 8)), np.ones((4, 12, 8)), np.ones((4, 12, 3)), "
                "np.ones((4, 10, 12)))",
                "out, weights = multi_head_attention(np.ones((8, 12, 32)), np.ones((8, 12, 12)), "
                "*[np.eye(32)] * 4, heads=4)",
            ),
        ),
        "w11_deleted_test_cell": Honest(
            w,
            "a visible test cell deleted by accident; the grader puts it back and grades it",
            [delete("test_positional_encoding")],
        ),
    }
