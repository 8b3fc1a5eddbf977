"""Week 6 checks: each passes the reference and fails, with a useful message, on typical mistakes."""

import numpy as np
import pytest

import helpers
from helpers import strategy as S
from helpers.grading import CHECKS
from tests.unit.check_helpers import fails, twin

W06 = {
    "error_gaps": S.error_gaps,
    "diagnose_bias_variance": S.diagnose,
    "human_level": S.human_level,
    "assign_splits": S.assign_splits,
    "error_by_split": S.error_by_split,
    "error_analysis_ceilings": S.ceilings,
    "relabel_worth_it": S.relabel_worth_it,
    "precision_recall_f1": S.precision_recall_f1,
    "choose_model": S.choose_model,
    "dev_test_sizes": S.dev_test_sizes,
    "orthogonal_actions": S.orthogonal_actions,
    "weighted_error": S.weighted_error,
    "end_to_end_pays": S.end_to_end_pays,
}
# The reference's own code, as a student who typed it would run it: a graded function may not call
# helpers.strategy itself, so the right answers and the deliberate mistakes below are built on this.
T = twin(S)


@pytest.mark.parametrize("name", sorted(W06))
def test_reference_passes_with_at_least_five_cases_and_returns_none(name, capsys):
    assert len(CHECKS[name].cases(np.random.default_rng(0))) >= 5
    assert getattr(helpers.grading, f"check_{name}")(getattr(T, W06[name].__name__)) is None
    assert "passed" in capsys.readouterr().out


@pytest.mark.parametrize("name", sorted(W06))
def test_calling_the_reference_is_caught(name):
    fails(name, W06[name], "the reference it is graded against")


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_reference_passes_for_other_seeds(seed):
    # the grader draws cases from a per-submission seed
    for name, fn in W06.items():
        getattr(helpers.grading, f"check_{name}")(getattr(T, fn.__name__), seed=seed)


def gaps_without_nan(human, train, train_dev, dev, test=None):
    return np.array([train - human, train_dev - train, dev - train_dev, 0.0 if test is None else test - dev])


def gaps_vs_zero(human, train, train_dev, dev, test=None):  # forgets human-level error
    return T.error_gaps(0.0, train, train_dev, dev, test)


@pytest.mark.parametrize(
    "wrong,fragment",
    [
        (gaps_without_nan, "expected nan, got 0"),
        (gaps_vs_zero, "is wrong"),
        (lambda h, tr, td, d, te=None: -T.error_gaps(h, tr, td, d, te), "is wrong"),
        (lambda h, tr, td, d, te=None: T.error_gaps(h, tr, td, d, te)[:3], "shape (3,)"),
    ],
)
def test_error_gaps_fails_on_typical_mistakes(wrong, fragment):
    fails("error_gaps", wrong, fragment, "Hint:")


def only_largest(human, train, train_dev, dev, test=None):
    gaps = T.error_gaps(human, train, train_dev, dev, test)
    flags = np.zeros(4, dtype=int)
    flags[int(np.nanargmax(gaps))] = 1
    return flags


def fixed_threshold(human, train, train_dev, dev, test=None):  # "gap > 2 points": fits the seed, not the rule
    gaps = np.nan_to_num(T.error_gaps(human, train, train_dev, dev, test), nan=-1.0)
    return (gaps > 2).astype(int)


def strict_half(human, train, train_dev, dev, test=None):
    gaps = np.nan_to_num(T.error_gaps(human, train, train_dev, dev, test), nan=-np.inf)
    return ((gaps > 0) & (gaps > gaps.max() / 2)).astype(int)


def test_diagnose_fails_on_only_the_largest_gap():
    fails("diagnose_bias_variance", only_largest, "bias and mismatch", "index (2,)", "expected 1, got 0")


def test_diagnose_fails_on_a_fixed_threshold_that_fits_the_worked_cases():
    for args in [a for _, a in helpers.grading.w06.WORKED[:4]]:
        np.testing.assert_array_equal(fixed_threshold(*args), T.diagnose(*args))
    fails("diagnose_bias_variance", fixed_threshold, "is wrong")


def test_diagnose_fails_on_boundary_and_missing_test():
    fails("diagnose_bias_variance", strict_half, "exactly half of the largest gap")
    ignore_test = lambda h, tr, td, d, te=None: T.diagnose(h, tr, td, d)
    fails("diagnose_bias_variance", ignore_test, "with a test error")
    names = lambda *args: S.problem_names(T.diagnose(*args))
    fails("diagnose_bias_variance", names, "expected floating-point numbers")


def test_human_level_fails_on_mean_and_max():
    fails("human_level", lambda e: float(np.mean(e)), "the fracture example", "expected 0.3", "the minimum")
    fails("human_level", lambda e: float(np.max(e)), "expected 0.3")


def shuffle_all(is_target, n_dev, n_test, n_train_dev, seed=0):
    order = np.random.default_rng(seed).permutation(len(is_target))
    split = np.zeros(len(is_target), dtype=int)
    split[order[:n_dev]] = 2
    split[order[n_dev : n_dev + n_test]] = 3
    split[order[n_dev + n_test : n_dev + n_test + n_train_dev]] = 1
    return split


def first_ones(is_target, n_dev, n_test, n_train_dev, seed=0):
    target, source = np.flatnonzero(is_target), np.flatnonzero(is_target == 0)
    split = np.zeros(len(is_target), dtype=int)
    split[target[:n_dev]] = 2
    split[target[n_dev : n_dev + n_test]] = 3
    split[source[:n_train_dev]] = 1
    return split


def train_dev_from_target(is_target, n_dev, n_test, n_train_dev, seed=0):
    target = np.random.default_rng(seed).permutation(np.flatnonzero(is_target))
    split = np.zeros(len(is_target), dtype=int)
    split[target[:n_dev]] = 2
    split[target[n_dev : n_dev + n_test]] = 3
    split[np.flatnonzero(split == 0)[:n_train_dev]] = 1  # the first unassigned: target rows in case 3
    return split


def test_assign_splits_fails_on_the_wrong_splits():
    fails("assign_splits", shuffle_all, "holds source examples")
    fails("assign_splits", first_ones, "dev is the first 100 target examples", "rng.permutation")
    fails("assign_splits", train_dev_from_target, "train-dev holds target examples")
    fails("assign_splits", lambda t, a, b, c, seed=0: np.zeros(len(t) - 1, dtype=int), "one split id per example")
    fails("assign_splits", lambda t, a, b, c, seed=0: list(T.assign_splits(t, a, b, c, seed) + 0.5), "may only hold")
    fails("assign_splits", lambda t, a, b, c, seed=0: T.assign_splits(t, a, b + 1, c, seed), "test has")


def test_error_by_split_fails_on_fractions_and_zero_for_empty():
    fails("error_by_split", lambda y, p, s: T.error_by_split(y, p, s) / 100, "is wrong", "percent")
    fails("error_by_split", lambda y, p, s: np.nan_to_num(T.error_by_split(y, p, s)), "expected nan")
    accuracy = lambda y, p, s: 100 - T.error_by_split(y, p, s)
    fails("error_by_split", accuracy, "is wrong")


def test_ceilings_fails_on_wrong_axis_counts_and_fractions():
    fails("error_analysis_ceilings", lambda t, e: e * np.asarray(t, float).mean(axis=1), "shape")
    fails("error_analysis_ceilings", lambda t, e: np.asarray(t, float).mean(axis=0), "is wrong")
    fails(
        "error_analysis_ceilings", lambda t, e: e * np.asarray(t, float).sum(axis=0) / 100, "is wrong"
    )  # assumes n = 100


def test_relabel_fails_on_ties_bools_and_wrong_comparison():
    fails("relabel_worth_it", lambda d, s, g: int(d * s >= g), "exactly equal")
    fails("relabel_worth_it", lambda d, s, g: d * s > g, "is a bool")
    fails("relabel_worth_it", lambda d, s, g: int(s > g), "is wrong")


def test_precision_recall_f1_fails_on_swaps_and_zero_division():
    def swapped(t, p):
        a, b, c = T.precision_recall_f1(t, p)
        return b, a, c

    fails("precision_recall_f1", swapped, "`precision` is wrong")

    def naive(t, p):
        t, p = np.asarray(t), np.asarray(p)
        tp = np.sum((t == 1) & (p == 1))
        prec, rec = tp / p.sum(), tp / t.sum()
        return prec, rec, 2 * prec * rec / (prec + rec)

    fails("precision_recall_f1", naive, "no predicted positives", "got nan")
    arithmetic = lambda t, p: (*T.precision_recall_f1(t, p)[:2], sum(T.precision_recall_f1(t, p)[:2]) / 2)
    fails("precision_recall_f1", arithmetic, "`f1` is wrong")
    fails("precision_recall_f1", lambda t, p: list(T.precision_recall_f1(t, p)), "expected a tuple")


def test_choose_model_fails_on_ignoring_the_limit_strict_limit_and_no_option():
    fails("choose_model", lambda s, lat, m: int(np.argmax(s)), "is wrong")

    def strict(s, lat, m):
        ok = np.flatnonzero(np.asarray(lat) < m)
        return int(ok[np.argmax(np.asarray(s)[ok])]) if ok.size else -1

    fails("choose_model", strict, "exactly at the limit")

    def index_in_subset(s, lat, m):
        ok = np.flatnonzero(np.asarray(lat) <= m)
        return int(np.argmax(np.asarray(s)[ok])) if ok.size else -1

    fails("choose_model", index_in_subset, "is wrong")

    def crashes(s, lat, m):
        ok = np.flatnonzero(np.asarray(lat) <= m)
        return int(ok[np.argmax(np.asarray(s)[ok])])

    fails("choose_model", crashes, "none fast enough", "raised ValueError")


def test_dev_test_sizes_fails_on_fixed_fractions_and_float_division():
    fails("dev_test_sizes", lambda n: (n - 2 * (n // 5), n // 5, n // 5), "n = 1,000,000")
    fails("dev_test_sizes", lambda n: (int(0.98 * n), n // 100, n // 100), "is wrong")
    fails("dev_test_sizes", lambda n: (n - 2 * min(n / 5, 10000), min(n / 5, 10000), min(n / 5, 10000)), "is wrong")


def test_messages_do_not_dump_hidden_inputs():
    message = fails("error_analysis_ceilings", lambda t, e: e * np.asarray(t, float).sum(axis=0) / 100, "case")
    assert "[[" not in message


# --------------------------------------------------------------------------- decisions after the diagnosis


def orthogonal_loops(flags, deltas, tol=1.0):
    chosen = []
    for row in np.asarray(deltas, dtype=float):
        moves = [p for p in range(4) if abs(row[p]) >= tol]
        chosen.append(int(len(moves) == 1 and flags[moves[0]] == 1 and row[moves[0]] < 0))
    return chosen


def weighted_einsum(y, y_pred, weights):
    return 100 * np.einsum("i,i->", weights, (np.asarray(y) != np.asarray(y_pred)).astype(float)) / np.sum(weights)


def pays_backwards(sizes, pipeline_error, end_to_end_error):
    answer = -1
    for k in range(len(sizes) - 1, -1, -1):
        if end_to_end_error[k] < pipeline_error[k]:
            answer = int(sizes[k])
        else:
            break
    return answer


def test_other_correct_versions_pass():
    helpers.grading.check_orthogonal_actions(orthogonal_loops)
    helpers.grading.check_weighted_error(weighted_einsum)
    helpers.grading.check_weighted_error(lambda y, p, w: 100 * np.average(np.not_equal(y, p), weights=w))
    helpers.grading.check_end_to_end_pays(pays_backwards)


def orthogonal_by(rule):
    def chosen(flags, deltas, tol=1.0):
        flags, deltas = np.asarray(flags).astype(bool), np.asarray(deltas, dtype=float)
        moved = np.abs(deltas) >= tol
        shrinks = (moved & (deltas < 0) & flags).any(axis=1)
        if rule == "side effects":
            return shrinks.astype(int)
        if rule == "decreases only":
            return (shrinks & ((deltas <= -tol).sum(axis=1) == 1)).astype(int)
        if rule == "strict":
            moved = np.abs(deltas) > tol
            return ((moved & (deltas < 0) & flags).any(axis=1) & (moved.sum(axis=1) == 1)).astype(int)
        return ((moved & flags).any(axis=1) & (moved.sum(axis=1) == 1)).astype(int)

    return chosen


@pytest.mark.parametrize(
    "rule, fragment",
    [
        ("side effects", "whatever else it moves"),
        ("decreases only", "a gap it WIDENS by tol or more is a side effect"),
        ("strict", "|Δ| ≥ tol"),
        ("sign", "widens the flagged gap is chosen"),
    ],
)
def test_orthogonal_actions_names_the_mistake(rule, fragment):
    fails("orthogonal_actions", orthogonal_by(rule), fragment)


@pytest.mark.parametrize(
    "wrong, fragment",
    [
        (lambda y, p, w: 100 * np.sum(w * (y != p)) / len(y), "divided by N"),
        (lambda y, p, w: np.sum(w * (y != p)) / np.sum(w), "this week's error rates are percentages"),
        (lambda y, p, w: 100 * np.mean(y != p), "the weights are not used"),
        (lambda y, p, w: 100 * np.sum(w * (y == p)) / np.sum(w), "weighted accuracy"),
    ],
)
def test_weighted_error_names_the_mistake(wrong, fragment):
    fails("weighted_error", wrong, fragment)


def pays_first_ahead(sizes, pipe, e2e):
    ahead = np.asarray(e2e) < np.asarray(pipe)
    return int(np.asarray(sizes)[np.argmax(ahead)]) if ahead.any() else -1


def pays_index(sizes, pipe, e2e):
    answer = pays_backwards(sizes, pipe, e2e)
    return -1 if answer == -1 else int(list(sizes).index(answer))


def pays_with_ties(sizes, pipe, e2e):
    return pays_backwards(sizes, np.asarray(pipe) + 1e-12, e2e)


@pytest.mark.parametrize(
    "wrong, fragment",
    [
        (pays_first_ahead, "falls behind again"),
        (pays_index, "an index into sizes"),
        (pays_with_ties, "a tie counts as ahead"),
    ],
)
def test_end_to_end_pays_names_the_mistake(wrong, fragment):
    fails("end_to_end_pays", wrong, fragment)
