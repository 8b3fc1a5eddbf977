"""Sample submissions for week 2 beyond `reference` and `blank` (see course/make_samples.py).

Each maps grade_id -> the whole cell as the "student" wrote it (None: left as released).
Expected scores, reasoned per problem, are in tests/grading/expected/w02_backprop.py.
"""

SAMPLES = {
    # Typical slips, each in its own function; everything else is the reference.
    "partial": {
        # the multiply node's two gradients swapped: df_dz = df_dr * z, df_dq = df_dr * q
        "graph_answers": '''def graph_answers():
    """The forward and backward values of f = sigmoid((x + y) * z) at x = -1, y = 3, z = -0.5."""
    x, y, z = -1.0, 3.0, -0.5
    q = x + y
    r = q * z
    f = 1.0 / (1.0 + np.exp(-r))
    df_dr = f * (1.0 - f)
    df_dz = df_dr * z
    df_dq = df_dr * q
    df_dx = df_dq
    df_dy = df_dq
    return [q, r, f, df_dr, df_dz, df_dq, df_dx, df_dy]
''',
        # week 1's mean instead of this week's sum
        "cost": '''def cost(T, Y):
    """Cross-entropy summed over the batch."""
    return float(-np.mean(np.sum(T * np.log(Y), axis=1)))
''',
        # missing transpose: (K, N) @ (N, M) gives a (K, M) array instead of (M, K)
        "grad_V": '''def grad_V(Z, Y, T):
    """dJ/dV for the summed cost. Z (N, M), Y (N, K), T (N, K) -> (M, K)."""
    return (Y - T).T @ Z
''',
        # sum over the wrong axis: one number per sample instead of one per class
        "grad_c": '''def grad_c(Y, T):
    """dJ/dc for the summed cost. Y (N, K), T (N, K) -> (K,)."""
    return (Y - T).sum(axis=1)
''',
    },
    # One flipped sign in dJ/dW (T − Y instead of Y − T); everything else is the reference.
    "wrong_sign": {
        "grad_W": '''def grad_W(X, Z, Y, T, V, activation="sigmoid"):
    """dJ/dW for the summed cost."""
    if activation == "sigmoid":
        dZ_da = Z * (1.0 - Z)
    elif activation == "tanh":
        dZ_da = 1.0 - Z * Z
    else:
        dZ_da = (Z > 0).astype(float)
    return X.T @ (((T - Y) @ V.T) * dZ_da)
''',
    },
}
