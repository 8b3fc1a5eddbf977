"""Honest variants of week 4 (w04_conv); see the package docstring for the kinds."""

from __future__ import annotations

from .base import ATTACK_WORDS, Honest, debug_prints, edit_test, exploration, insert_after, replace

W04_VECTOR = {
    "zero_pad": """
        def zero_pad(x, pad):
            N, C, H, W = x.shape
            out = np.zeros((N, C, H + 2 * pad, W + 2 * pad), dtype=x.dtype)
            out[:, :, pad:pad + H, pad:pad + W] = x
            return out
    """,
    "conv_forward": """
        from numpy.lib.stride_tricks import sliding_window_view


        def conv_forward(x, w, b, stride=1, pad=0):
            \"\"\"Every window at once, strided, contracted with the filters.\"\"\"
            F, C, HH, WW = w.shape
            windows = sliding_window_view(zero_pad(x, pad), (HH, WW), axis=(2, 3))[:, :, ::stride, ::stride]
            return np.einsum("ncijhw,fchw->nfij", windows, w) + b[None, :, None, None]
    """,
    "conv_backward": """
        from numpy.lib.stride_tricks import sliding_window_view


        def conv_backward(dout, x, w, b, stride=1, pad=0):
            N, C, H, W = x.shape
            F, _, HH, WW = w.shape
            _, _, Ho, Wo = dout.shape
            x_pad = zero_pad(x, pad)
            windows = sliding_window_view(x_pad, (HH, WW), axis=(2, 3))[:, :, ::stride, ::stride][:, :, :Ho, :Wo]
            dw = np.einsum("nfij,ncijhw->fchw", dout, windows)
            dx_pad = np.zeros_like(x_pad)
            for p in range(HH):
                for q in range(WW):
                    dx_pad[:, :, p:p + stride * Ho:stride, q:q + stride * Wo:stride] += np.einsum(
                        "nfij,fc->ncij", dout, w[:, :, p, q])
            return dx_pad[:, :, pad:pad + H, pad:pad + W], dw, dout.sum(axis=(0, 2, 3))
    """,
}

W04_POOL = {
    "pool_forward": """
        from numpy.lib.stride_tricks import sliding_window_view


        def max_pool_forward(x, size=2, stride=2):
            return sliding_window_view(x, (size, size), axis=(2, 3))[:, :, ::stride, ::stride].max(axis=(4, 5))


        def avg_pool_forward(x, size=2, stride=2):
            return sliding_window_view(x, (size, size), axis=(2, 3))[:, :, ::stride, ::stride].mean(axis=(4, 5))
    """,
    "pool_backward": """
        def max_pool_backward(dout, x, size=2, stride=2):
            dx = np.zeros(x.shape)
            N, C, Ho, Wo = dout.shape
            for n in range(N):
                for c in range(C):
                    for i in range(Ho):
                        for j in range(Wo):
                            window = x[n, c, i * stride:i * stride + size, j * stride:j * stride + size]
                            r, q = np.unravel_index(np.argmax(window), window.shape)   # the first maximum
                            dx[n, c, i * stride + r, j * stride + q] += dout[n, c, i, j]
            return dx


        def avg_pool_backward(dout, x, size=2, stride=2):
            dx = np.zeros(x.shape)
            share = dout / (size * size)
            for i in range(dout.shape[2]):
                for j in range(dout.shape[3]):
                    dx[:, :, i * stride:i * stride + size, j * stride:j * stride + size] += share[:, :, i:i + 1, j:j + 1]
            return dx
    """,
}

W04_ORDER = {
    "conv_output_size": """
        def conv_output_size(n, f, pad=0, stride=1):
            return int(np.floor((n + 2 * pad - f) / stride)) + 1
    """,
    "conv_single_step": """
        def conv_single_step(x_slice, w, b):
            return float(np.dot(x_slice.ravel(), w.ravel()) + b)
    """,
    "conv_forward": """
        def conv_forward(x, w, b, stride=1, pad=0):
            \"\"\"Loops over output positions; every image and filter at once with tensordot.\"\"\"
            N, C, H, W = x.shape
            F, _, HH, WW = w.shape
            Ho, Wo = conv_output_size(H, HH, pad, stride), conv_output_size(W, WW, pad, stride)
            x_pad = zero_pad(x, pad)
            out = np.empty((N, F, Ho, Wo))
            for i in range(Ho):
                for j in range(Wo):
                    window = x_pad[:, :, i * stride:i * stride + HH, j * stride:j * stride + WW]
                    out[:, :, i, j] = np.tensordot(window, w, axes=([1, 2, 3], [1, 2, 3])) + b
            return out
    """,
}

W04_NO_LOOP = {
    "pool_backward": """
        def max_pool_backward(dout, x, size=2, stride=2):
            \"\"\"The mask of maxima, keeping only the first True of each window (a cumulative sum).\"\"\"
            dx = np.zeros_like(x)
            for i in range(dout.shape[2]):
                for j in range(dout.shape[3]):
                    rows, cols = slice(i * stride, i * stride + size), slice(j * stride, j * stride + size)
                    window = x[:, :, rows, cols]
                    mask = (window == window.max(axis=(2, 3), keepdims=True)).reshape(*window.shape[:2], -1)
                    first = mask & (np.cumsum(mask, axis=2) == 1)
                    dx[:, :, rows, cols] += first.reshape(window.shape) * dout[:, :, i:i + 1, j:j + 1]
            return dx


        def avg_pool_backward(dout, x, size=2, stride=2):
            dx = np.zeros_like(x)
            for i in range(dout.shape[2]):
                for j in range(dout.shape[3]):
                    dx[:, :, i * stride:i * stride + size, j * stride:j * stride + size] += \\
                        dout[:, :, i, j][:, :, None, None] / size ** 2
            return dx
    """,
    "conv_fast": """
        from numpy.lib.stride_tricks import sliding_window_view


        def conv_forward_fast(x, w, b, stride=1, pad=0):
            \"\"\"No Python loop at all: every window as a view, one einsum.\"\"\"
            windows = sliding_window_view(zero_pad(x, pad), w.shape[2:], axis=(2, 3))[:, :, ::stride, ::stride]
            return np.einsum("ncijhw,fchw->nfij", windows, w, optimize=True) + b.reshape(1, -1, 1, 1)


        def conv_backward_fast(dout, x, w, b, stride=1, pad=0):
            \"\"\"dw with one einsum over the windows; dx with a loop over the filter's offsets only.\"\"\"
            N, C, H, W = x.shape
            F, _, HH, WW = w.shape
            Ho, Wo = dout.shape[2:]
            x_pad = zero_pad(x, pad)
            windows = sliding_window_view(x_pad, (HH, WW), axis=(2, 3))[:, :, ::stride, ::stride][:, :, :Ho, :Wo]
            dw = np.einsum("nfij,ncijhw->fchw", dout, windows, optimize=True)
            dx_pad = np.zeros_like(x_pad)
            for p in range(HH):
                for q in range(WW):
                    dx_pad[:, :, p:p + stride * Ho:stride, q:q + stride * Wo:stride] += np.einsum(
                        "nfij,fc->ncij", dout, w[:, :, p, q])
            db = np.einsum("nfij->f", dout)
            return dx_pad[:, :, pad:H + pad, pad:W + pad], dw, db
    """,
    "cnn_loss_and_grads": """
        def relu(a):
            return a * (a > 0)


        def cnn_loss_and_grads(x, y, w1, b1, W2, b2):
            \"\"\"My own softmax cross-entropy (log-sum-exp), one-hot labels with np.eye.\"\"\"
            N = x.shape[0]
            a = conv_forward_fast(x, w1, b1, stride=1, pad=1)
            h = relu(a)
            p = max_pool_forward(h, size=2, stride=2)
            flat = p.reshape(N, -1)
            z = flat @ W2 + b2
            shifted = z - z.max(axis=1, keepdims=True)
            log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
            onehot = np.eye(W2.shape[1])[y]
            loss = -np.sum(onehot * log_probs) / N
            dz = (np.exp(log_probs) - onehot) / N
            dW2 = np.einsum("nk,nc->kc", flat, dz)
            dflat = dz @ W2.T
            dh = max_pool_backward(dflat.reshape(p.shape), h, size=2, stride=2)
            dx, dw1, db1 = conv_backward_fast(dh * (a > 0), x, w1, b1, stride=1, pad=1)
            return loss, dw1, db1, dW2, dz.sum(axis=0)
    """,
}

W04_HELPERS = """
    # my helper: the slice of one output position
    def window_slices(i, j, size_h, size_w, stride):
        return slice(i * stride, i * stride + size_h), slice(j * stride, j * stride + size_w)
"""

W04_WITH_HELPERS = {
    "conv_backward": """
        def conv_backward(dout, x, w, b, stride=1, pad=0):
            N, C, H, W = x.shape
            F, _, HH, WW = w.shape
            x_pad = zero_pad(x, pad)
            dx_pad, dw = np.zeros_like(x_pad), np.zeros_like(w)
            for i in range(dout.shape[2]):
                for j in range(dout.shape[3]):
                    rows, cols = window_slices(i, j, HH, WW, stride)
                    window = x_pad[:, :, rows, cols]                          # (N, C, HH, WW)
                    dw += np.tensordot(dout[:, :, i, j], window, axes=([0], [0]))
                    dx_pad[:, :, rows, cols] += np.tensordot(dout[:, :, i, j], w, axes=([1], [0]))
            return dx_pad[:, :, pad:pad + H, pad:pad + W], dw, dout.sum(axis=(0, 2, 3))
    """,
}


def variants() -> dict[str, Honest]:
    w = "w04_conv"
    return {
        "w04_sliding_einsum": Honest(
            w,
            "zero_pad by assignment; convolution forward and backward with sliding windows and einsum",
            [replace(k, v) for k, v in W04_VECTOR.items()],
        ),
        "w04_pool_vectorised": Honest(
            w,
            "pooling forward by sliding windows; backward with loops over images, "
            "channels and positions, the first maximum found with unravel_index(argmax)",
            [replace(k, v) for k, v in W04_POOL.items()],
        ),
        "w04_other_order": Honest(
            w,
            "floor division as np.floor; the single step as one dot product; the forward "
            "pass with tensordot per output position",
            [replace(k, v) for k, v in W04_ORDER.items()],
        ),
        "w04_no_python_loop": Honest(
            w,
            "the one-loop convolution with no loop at all (sliding windows, einsum, "
            "dx by the filter's offsets); the network with the student's own softmax "
            "cross-entropy and ReLU; max-pool backward's first maximum by a cumulative "
            "sum of the mask",
            [replace(k, v) for k, v in W04_NO_LOOP.items()],
        ),
        "w04_own_helpers": Honest(
            w,
            "the student's own slice helper in a new cell, used by conv_backward",
            [insert_after("conv_forward", W04_HELPERS)] + [replace(k, v) for k, v in W04_WITH_HELPERS.items()],
        ),
        "w04_attack_words_and_debug": Honest(
            w,
            "ordinary names in an extra cell; a debug print in conv_forward",
            [insert_after(None, ATTACK_WORDS), debug_prints("conv_forward", "conv_forward")],
        ),
        "w04_exploration": Honest(
            w,
            "exploration: timing, scipy.signal on one channel, plots",
            exploration(
                "%timeit -n 3 -r 1 conv_forward(np.ones((2, 3, 8, 8)), np.ones((4, 3, 3, 3)), np.zeros(4), 1, 1)",
                "out = conv_forward(np.ones((4, 3, 12, 12)), np.ones((2, 3, 3, 3)), np.zeros(2))",
                """
                                              from scipy import signal
                                              img, kern = np.arange(25.0).reshape(5, 5), np.ones((3, 3))
                                              ours = conv_forward(img[None, None], kern[None, None], np.zeros(1))[0, 0]
                                              print("same as scipy:", np.allclose(ours, signal.correlate2d(img, kern, "valid")))
                                              """,
            ),
        ),
        "w04_edited_test_cell": Honest(
            w,
            "a visible test cell with a student's comment and print; restored by the grader",
            [
                edit_test(
                    "test_conv_single_step",
                    lambda s: "# is b added once or per channel?\n" + s + '\nprint("checked")\n',
                )
            ],
        ),
    }
