"""Sample submissions for week 7 beyond `reference` and `blank` (see course/make_samples.py).

Each maps grade_id -> the whole cell as the "student" wrote it (None: left as released).
Expected scores, reasoned per problem, are in tests/grading/expected/w07_optimization.py.
"""

SAMPLES = {
    # Five classic mistakes and the training loop not attempted.
    "partial": {
        # counts t from 0 in the bias correction: the first corrected average divides by 1 - beta**0 = 0
        "ewa": '''def ewa(values, beta, bias_correction=True):
    """Exponentially weighted averages along axis 0."""
    out = np.empty(values.shape)
    v = np.zeros(values.shape[1:])
    for t in range(len(values)):
        v = beta * v + (1.0 - beta) * values[t]
        out[t] = v / (1.0 - beta ** t) if bias_correction else v
    return out
''',
        # the other form of momentum, v = beta v - lr g and param + v, with the averaging form's lr
        "momentum_update": '''def momentum_update(param, grad, v, lr=0.01, beta=0.9):
    """Momentum."""
    v = np.zeros_like(param) if v is None else v
    v = beta * v - lr * grad
    return param + v, v
''',
        # a formula sometimes printed, taken literally: the gradients are summed without the square
        "adagrad_update": '''def adagrad_update(param, grad, G, lr=0.01, eps=1e-8):
    """AdaGrad."""
    G = np.zeros_like(param) if G is None else G
    G = G + grad
    return param - lr * grad / (np.sqrt(G) + eps), G
''',
        # inverse time and exponential right; the staircase rounds to the nearest stair instead of down
        "lr_schedules": '''def inverse_time_decay(lr0, epoch, decay_rate=1.0):
    """lr0 / (1 + decay_rate * epoch)."""
    return lr0 / (1.0 + decay_rate * np.asarray(epoch, dtype=float))


def exponential_decay(lr0, epoch, rate=0.95):
    """lr0 * rate ** epoch."""
    return lr0 * rate ** np.asarray(epoch, dtype=float)


def staircase_decay(lr0, epoch, drop=0.5, epochs_per_drop=10):
    """lr0 * drop ** (epoch / epochs_per_drop), rounded."""
    return lr0 * drop ** np.round(np.asarray(epoch, dtype=float) / epochs_per_drop)
''',
        # item 1 uses the flat curvature (2 / 1) instead of the steep one; the other five are right
        "ravine_saddle_answers": '''def ravine_saddle_answers():
    """Your six answers, in the order of the questions."""
    return [2.0, 0.05, 0.95, 90, 1.9, 73]
''',
        # not attempted
        "train_mlp": None,
    },
}
