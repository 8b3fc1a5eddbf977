"""Sample submissions for week 6 beyond `reference` and `blank` (see course/make_samples.py).

Each maps grade_id -> the whole cell as the "student" wrote it (None: left as released).
Expected scores, reasoned per problem, are in tests/grading/expected/w06_error_analysis.py.
"""

SAMPLES = {
    # Typical mistakes of someone who half-understood the week.
    "partial": {
        # the average reader instead of the best one: 0.55 for the fracture example, not 0.3
        "human_level": '''def human_level(errors):
    """Proxy for Bayes error from human error rates. errors: (M,) percentages. Returns a float."""
    return float(np.mean(errors))
''',
        # only the single largest gap, ignoring the half-of-largest rule: wrong on 10 / 11 / 20
        "diagnose": '''def diagnose(human, train, train_dev, dev, test=None):
    """0/1 flags over PROBLEMS: gap > 0 and gap >= largest gap / 2. Returns an int array (4,)."""
    gaps = error_gaps(human, train, train_dev, dev, test)
    if test is None:
        gaps = gaps[:3]
    flags = np.zeros(4, dtype=int)
    flags[int(np.argmax(gaps))] = 1
    return flags
''',
        # the tempting split: shuffle everything and cut, so dev and test hold source images
        "assign_splits": '''def assign_splits(is_target, n_dev, n_test, n_train_dev, seed=0):
    """Split ids (N,) int: dev/test drawn from the target, train-dev from the source, the rest train."""
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(is_target))
    split = np.full(len(is_target), strategy.TRAIN, dtype=int)
    split[order[:n_dev]] = strategy.DEV
    split[order[n_dev:n_dev + n_test]] = strategy.TEST
    split[order[n_dev + n_test:n_dev + n_test + n_train_dev]] = strategy.TRAIN_DEV
    return split
''',
        # sums over the wrong axis: one value per example instead of one per tag
        "ceilings": '''def ceilings(tags, dev_error):
    """Ceiling on the dev-error reduction (points) from fixing each tagged category. Returns (k,)."""
    return dev_error * np.asarray(tags, dtype=float).mean(axis=1)
''',
        # precision and recall swapped: right on F1, wrong on each of them
        "precision_recall_f1": '''def precision_recall_f1(y_true, y_pred):
    """(precision, recall, f1) of binary predictions; 0.0 wherever a denominator is 0."""
    y_true = np.asarray(y_true) == 1
    y_pred = np.asarray(y_pred) == 1
    tp = np.sum(y_true & y_pred)
    recall = tp / y_pred.sum() if y_pred.sum() > 0 else 0.0
    precision = tp / y_true.sum() if y_true.sum() > 0 else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall > 0 else 0.0
    return float(precision), float(recall), float(f1)
''',
        # not attempted
        "dev_test_sizes": None,
        # the weighted mistakes divided by N instead of by the total weight
        "weighted_error": '''def weighted_error(y, y_pred, weights):
    """100 · Σ w_i [y_pred_i ≠ y_i] / Σ w_i (percent)."""
    wrong = (np.asarray(y) != np.asarray(y_pred)).astype(float)
    return float(100.0 * np.sum(np.asarray(weights) * wrong) / len(wrong))
''',
    },
}
