"""Sample submissions for week 9 beyond `reference` and `blank` (see course/make_samples.py).

Each maps grade_id -> the whole cell as the "student" wrote it (None: left as released).
Expected scores, reasoned per problem, are in tests/grading/expected/w09_batchnorm_tuning.py.
"""

SAMPLES = {
    # Three classic mistakes, one exercise not attempted, the backward pass right.
    "partial": {
        # the running averages with the weights swapped: (1 - m) * running + m * batch
        "batchnorm_forward": '''def batchnorm_forward(x, gamma, beta, mode="train", running_mean=None, running_var=None, momentum=0.9, eps=1e-5):
    """Batch norm of x (N, D) per column. Returns (out, running_mean, running_var)."""
    D = x.shape[1]
    if gamma.shape != (D,) or beta.shape != (D,):
        raise ValueError(f"gamma and beta must have shape ({D},), got {gamma.shape} and {beta.shape}")
    if running_mean is None:
        running_mean, running_var = np.zeros(D), np.ones(D)
    if mode == "train":
        mean, var = x.mean(axis=0), x.var(axis=0)
        running_mean = (1 - momentum) * running_mean + momentum * mean
        running_var = (1 - momentum) * running_var + momentum * var
    else:
        mean, var = running_mean, running_var
    return gamma * (x - mean) / np.sqrt(var + eps) + beta, running_mean, running_var
''',
        # not attempted
        "train": None,
        # the learning rate uniform on a linear scale; the momentum weights right
        "sample_hyperparameters": '''def sample_hyperparameters(n, seed):
    """(learning_rates, momenta)."""
    rng = np.random.default_rng(seed)
    learning_rates = rng.uniform(1e-4, 1.0, size=n)
    momenta = 1.0 - 10.0 ** rng.uniform(-3, -1, size=n)
    return learning_rates, momenta
''',
        # keeps the configuration with the LOWEST score
        "random_search": '''def random_search(objective, space, budget, seed):
    """(best_config, best_score) among `budget` random configurations."""
    rng = np.random.default_rng(seed)
    best_config, best_score = None, np.inf
    for _ in range(budget):
        config = {}
        for name, (low, high, scale) in space.items():
            if scale == "log":
                config[name] = 10.0 ** rng.uniform(np.log10(low), np.log10(high))
            else:
                config[name] = rng.uniform(low, high)
        score = objective(config)
        if score < best_score:
            best_config, best_score = config, score
    return best_config, best_score
''',
    },
}
