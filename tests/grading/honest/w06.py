"""Honest variants of week 6 (w06_error_analysis); see the package docstring for the kinds."""

from __future__ import annotations

from .base import ATTACK_WORDS, Honest, debug_prints, exploration, insert_after, replace

W06_LOOPS = {
    "human_level": """
        def human_level(errors):
            best = float("inf")
            for e in errors:
                best = min(best, float(e))
            return best
    """,
    "diagnose": """
        def diagnose(human, train, train_dev, dev, test=None):
            gaps = [train - human, train_dev - train, dev - train_dev]
            if test is not None:
                gaps.append(test - dev)
            largest = max(gaps)
            flags = [0, 0, 0, 0]
            for i, gap in enumerate(gaps):
                if gap > 0 and gap >= largest / 2:
                    flags[i] = 1
            return np.array(flags)
    """,
    "error_by_split": """
        def error_by_split(y, y_pred, split):
            wrong = np.bincount(split, weights=(np.asarray(y) != np.asarray(y_pred)), minlength=4)
            count = np.bincount(split, minlength=4).astype(float)
            with np.errstate(invalid="ignore", divide="ignore"):
                return np.where(count > 0, 100.0 * wrong[:4] / count[:4], np.nan)
    """,
    "precision_recall_f1": """
        def precision_recall_f1(y_true, y_pred):
            tp = fp = fn = 0
            for t, p in zip(y_true, y_pred):
                tp += int(t == 1 and p == 1)
                fp += int(t != 1 and p == 1)
                fn += int(t == 1 and p != 1)
            precision = tp / (tp + fp) if tp + fp else 0.0
            recall = tp / (tp + fn) if tp + fn else 0.0
            f1 = 2 * tp / (2 * tp + fp + fn) if tp else 0.0
            return precision, recall, f1
    """,
}

W06_SKLEARN = {
    "precision_recall_f1": """
        from sklearn.metrics import f1_score, precision_score, recall_score


        def precision_recall_f1(y_true, y_pred):
            y_true, y_pred = np.asarray(y_true) == 1, np.asarray(y_pred) == 1
            return (float(precision_score(y_true, y_pred, zero_division=0)),
                    float(recall_score(y_true, y_pred, zero_division=0)),
                    float(f1_score(y_true, y_pred, zero_division=0)))
    """,
    "ceilings": """
        def ceilings(tags, dev_error):
            tags = np.asarray(tags, dtype=float)
            return tags.sum(axis=0) / tags.shape[0] * dev_error
    """,
}

W06_OTHER = {
    "assign_splits": """
        def assign_splits(is_target, n_dev, n_test, n_train_dev, seed=0):
            \"\"\"Shuffle the target ids once and cut them; the same for the source ids.\"\"\"
            rng = np.random.default_rng(seed)
            is_target = np.asarray(is_target) == 1
            split = np.zeros(len(is_target), dtype=int)
            target = np.flatnonzero(is_target)
            rng.shuffle(target)
            source = np.flatnonzero(~is_target)
            rng.shuffle(source)
            split[target[:n_dev]] = 2
            split[target[n_dev:n_dev + n_test]] = 3
            split[source[:n_train_dev]] = 1
            return split
    """,
    "choose_model": """
        def choose_model(score, latency, max_latency):
            score, latency = np.asarray(score, dtype=float), np.asarray(latency, dtype=float)
            if not np.any(latency <= max_latency):
                return -1
            return int(np.argmax(np.where(latency <= max_latency, score, -np.inf)))
    """,
    "dev_test_sizes": """
        def dev_test_sizes(n):
            held_out = n // 5 if n // 5 < 10_000 else 10_000
            return n - held_out - held_out, held_out, held_out
    """,
    "error_gaps": """
        def error_gaps(human, train, train_dev, dev, test=None):
            rates = np.array([human, train, train_dev, dev, np.nan if test is None else test], dtype=float)
            return np.diff(rates)
    """,
    "relabel_worth_it": """
        def relabel_worth_it(dev_error, mislabeled_share, model_gap):
            return 1 if mislabeled_share * dev_error > model_gap else 0
    """,
}

W06_DECISIONS = {
    "orthogonal_actions": """
        def orthogonal_actions(flags, deltas, tol=1.0):
            chosen = []
            for row in np.asarray(deltas, dtype=float):
                moves = [p for p in range(len(row)) if abs(row[p]) >= tol]
                chosen.append(int(len(moves) == 1 and bool(flags[moves[0]]) and row[moves[0]] < 0))
            return np.array(chosen)
    """,
    "weighted_error": """
        def weighted_error(y, y_pred, weights):
            return 100 * np.average(np.not_equal(y, y_pred), weights=weights)
    """,
    "end_to_end_pays": """
        def end_to_end_pays(sizes, pipeline_error, end_to_end_error):
            answer = -1
            for size, pipe, e2e in reversed(list(zip(sizes, pipeline_error, end_to_end_error))):
                if not e2e < pipe:
                    break
                answer = int(size)
            return answer
    """,
}


def variants() -> dict[str, Honest]:
    w = "w06_error_analysis"
    return {
        "w06_loops": Honest(
            w,
            "loops for the minimum, the flags and the counts; error rates by np.bincount",
            [replace(k, v) for k, v in W06_LOOPS.items()],
        ),
        "w06_sklearn_metrics": Honest(
            w,
            "precision, recall and F1 from scikit-learn (zero_division=0); the ceilings as sum / count * error",
            [replace(k, v) for k, v in W06_SKLEARN.items()],
        ),
        "w06_other_impls": Honest(
            w,
            "another valid shuffle for the splits, np.where/argmax for the model choice, np.diff for the gaps",
            [replace(k, v) for k, v in W06_OTHER.items()],
        ),
        "w06_decisions_by_loops": Honest(
            w,
            "the orthogonal knobs and the end-to-end size by loops; the weighted error with np.average",
            [replace(k, v) for k, v in W06_DECISIONS.items()],
        ),
        "w06_attack_words_and_debug": Honest(
            w,
            "ordinary names in an extra cell; a debug print in diagnose",
            [insert_after(None, ATTACK_WORDS), debug_prints("diagnose", "diagnose")],
        ),
        "w06_exploration": Honest(
            w,
            "exploration: timing, a shell escape (only flagged), a scikit-learn confusion matrix, plots",
            exploration(
                "%timeit error_by_split(data.y, data.y, np.zeros(len(data.y), dtype=int))",
                "split = assign_splits(data.is_target, 250, 250, 200, seed=1)",
                """
                                              !pip --version
                                              from sklearn.metrics import confusion_matrix
                                              print(confusion_matrix([1, 0, 1, 1], [1, 0, 0, 1]))
                                              print(f"train/dev/test sizes for 50 000: {dev_test_sizes(50_000)}")
                                              """,
            ),
        ),
        "w06_own_helpers": Honest(
            w,
            "the student's own helper cell between the given ones, used by error_by_split",
            [
                insert_after(
                    "assign_splits",
                    """
                                      # my helper
                                      def percent_wrong(y, y_pred):
                                          return 100.0 * np.mean(np.asarray(y) != np.asarray(y_pred))
                                  """,
                ),
                replace(
                    "error_by_split",
                    """
                                      def error_by_split(y, y_pred, split):
                                          y, y_pred, split = np.asarray(y), np.asarray(y_pred), np.asarray(split)
                                          return np.array([percent_wrong(y[split == s], y_pred[split == s])
                                                           if np.any(split == s) else np.nan for s in range(4)])
                                  """,
                ),
            ],
        ),
    }
