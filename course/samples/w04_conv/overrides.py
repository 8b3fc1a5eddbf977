"""Sample submissions for week 4 beyond `reference` and `blank` (see course/make_samples.py).

Each maps grade_id -> the whole cell as the "student" wrote it (None: left as released).
Expected scores, reasoned per problem, are in tests/grading/expected/w04_conv.py.
"""

SAMPLES = {
    # Everything else is the reference.
    "partial": {
        # off by one: forgets the "+ 1" of the output-size formula
        "conv_output_size": '''def conv_output_size(n, f, pad=0, stride=1):
    """Output length along one axis: floor((n + 2 pad - f) / stride) + 1, an int."""
    return (n + 2 * pad - f) // stride
''',
        # rounds question 1 up: 6×6, 3×3, p=1, s=2 gives ceil(5/2) + 1 = 4 instead of 3
        "drill": '''def drill_answers():
    """Your six answers, in the order of the questions: a list of six whole numbers."""
    return [4, 28, 2, 2, 55, 1216]
''',
        # missing padding in backward: dx keeps the padded border
        "conv_backward": '''def conv_backward(dout, x, w, b, stride=1, pad=0):
    """Gradients of a convolution layer."""
    N, C, H, W = x.shape
    F, _, HH, WW = w.shape
    _, _, H_out, W_out = dout.shape
    x_pad = zero_pad(x, pad)
    dx_pad = np.zeros_like(x_pad)
    dw = np.zeros_like(w)
    db = dout.sum(axis=(0, 2, 3))
    for n in range(N):
        for k in range(F):
            for i in range(H_out):
                for j in range(W_out):
                    rows = slice(i * stride, i * stride + HH)
                    cols = slice(j * stride, j * stride + WW)
                    dw[k] += dout[n, k, i, j] * x_pad[n, :, rows, cols]
                    dx_pad[n, :, rows, cols] += dout[n, k, i, j] * w[k]
    return dx_pad, dw, db
''',
    },
}
