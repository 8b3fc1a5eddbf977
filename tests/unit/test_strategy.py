"""helpers.strategy: the week-6 reference functions and the data with a known Bayes error."""

import numpy as np
import pytest

from helpers import strategy as S

SEED_CASES = [  # (human, train, train_dev, dev) -> problems, from the lecture notes
    ((0, 1, 9, 10), ["variance"]),
    ((0, 1, 1.5, 10), ["data mismatch"]),
    ((0, 10, 11, 12), ["avoidable bias"]),
    ((0, 10, 11, 20), ["avoidable bias", "data mismatch"]),
    ((1, 8, 10, 10), ["avoidable bias"]),
    ((7.5, 8, 10, 10), ["variance"]),
]


@pytest.mark.parametrize("args,names", SEED_CASES)
def test_diagnose_reproduces_the_worked_cases(args, names):
    assert S.problem_names(S.diagnose(*args)) == names


def test_error_gaps_and_the_dev_overfitting_gap():
    np.testing.assert_array_equal(S.error_gaps(0.5, 10, 11, 20, 22), [9.5, 1, 9, 2])
    assert np.isnan(S.error_gaps(0, 1, 2, 3)[3])
    assert S.problem_names(S.diagnose(1, 2, 3, 4, 12)) == ["overfitting to dev"]
    assert S.diagnose(3, 3, 3, 3).tolist() == [0, 0, 0, 0]
    assert S.diagnose(5, 4, 3, 2).tolist() == [0, 0, 0, 0]
    assert S.diagnose(0, 8, 12, 12.5).tolist() == [1, 1, 0, 0]  # exactly half counts


def test_diagnose_matches_a_plain_python_rule_on_random_cases():
    rng = np.random.default_rng(0)
    for _ in range(500):
        values = np.round(np.cumsum(rng.uniform(-3, 10, size=5)), 1)
        with_test = rng.random() < 0.5
        args = tuple(values if with_test else values[:4])
        gaps = [args[i + 1] - args[i] for i in range(len(args) - 1)]
        top = max(gaps)
        expected = [int(g > 0 and g >= top / 2) for g in gaps] + [0] * (4 - len(gaps))
        assert S.diagnose(*args).tolist() == expected


def test_metrics_and_sizes():
    assert S.precision_recall_f1([1, 1, 1, 1, 1, 0, 0, 0], [1, 1, 1, 0, 0, 1, 0, 0]) == pytest.approx(
        (0.75, 0.6, 2 / 3)
    )
    assert S.precision_recall_f1([0, 0], [0, 0]) == (0.0, 0.0, 0.0)
    assert S.choose_model([90, 92, 95], [80, 95, 1500], 100) == 1
    assert S.choose_model([90, 92, 95], [80, 95, 1500], 10) == -1
    assert S.dev_test_sizes(10_000) == (6_000, 2_000, 2_000)
    assert S.dev_test_sizes(1_000_000) == (980_000, 10_000, 10_000)
    assert S.human_level([1.0, 0.5, 0.4, 0.3]) == 0.3
    np.testing.assert_allclose(S.ceilings(np.r_[np.ones(5), np.zeros(95)][:, None], 10.0), [0.5])
    assert S.relabel_worth_it(10, 0.06, 1.0) == 0 and S.relabel_worth_it(2, 0.3, 0.2) == 1


def test_assign_splits_sizes_sources_and_bad_sizes():
    is_target = np.r_[np.zeros(30, int), np.ones(20, int)]
    split = S.assign_splits(is_target, 5, 6, 7, seed=3)
    assert np.bincount(split, minlength=4).tolist() == [32, 7, 5, 6]
    assert set(is_target[split >= S.DEV]) == {1} and set(is_target[split == S.TRAIN_DEV]) == {0}
    assert not np.array_equal(split, S.assign_splits(is_target, 5, 6, 7, seed=4))
    with pytest.raises(ValueError, match="cannot fill"):
        S.assign_splits(is_target, 15, 6, 7)


def test_error_by_split_is_percent_and_nan_when_empty():
    out = S.error_by_split([1, 2, 3, 4], [1, 0, 3, 3], [0, 0, 2, 2])
    np.testing.assert_array_equal(out[[0, 2]], [50.0, 50.0])
    assert np.isnan(out[[1, 3]]).all()


def test_the_data_has_the_promised_bayes_error_and_shift():
    data = S.make_digit_shift()
    assert data.X.shape == (1797, 64) and data.X.min() >= 0 and data.X.max() <= 1
    assert data.is_target.sum() == 700
    flipped = data.y != data.y_clean
    np.testing.assert_array_equal(flipped, data.tags[:, 3] == 1)
    # the oracle that knows the true digit errs on the flipped labels only, at the set rate
    for part in (data.is_target == 0, data.is_target == 1):
        assert abs(flipped[part].mean() - S.LABEL_NOISE) < 0.03
    assert data.tags[data.is_target == 0, :3].sum() == 0  # source images untouched
    assert 0.5 < data.tags[data.is_target == 1, 0].mean() < 0.7  # about 60% rotated
    again = S.make_digit_shift()
    again.X[0, 0] = 99.0  # callers get copies
    np.testing.assert_array_equal(S.make_digit_shift().X, data.X)


def test_measured_errors_line_up_with_the_diagnosis():
    from sklearn.neighbors import KNeighborsClassifier

    data = S.make_digit_shift()
    split = S.assign_splits(data.is_target, 250, 250, 200, seed=0)
    train = split == S.TRAIN
    human = 100 * S.LABEL_NOISE
    for k, expected in [(1, ["variance"]), (9, ["data mismatch"])]:
        model = KNeighborsClassifier(n_neighbors=k).fit(data.X[train], data.y[train])
        errors = S.error_by_split(data.y, model.predict(data.X), split)
        assert S.problem_names(S.diagnose(human, *errors[:3])) == expected, (k, errors)


def test_misclassified_tags_samples_dev_errors_only():
    data = S.make_digit_shift()
    split = S.assign_splits(data.is_target, 250, 250, 200, seed=0)
    y_pred = data.y_clean.copy()  # the oracle: wrong exactly on flipped labels
    tags, dev_error = S.misclassified_tags(data, y_pred, split, size=10)
    assert tags.shape == (10, 4) and tags[:, 3].all()  # every oracle "error" is a wrong label
    dev = split == S.DEV
    assert dev_error == pytest.approx(100 * np.mean(data.y[dev] != data.y_clean[dev]))


# --------------------------------------------------------------------------- knobs, weighted error, end-to-end


def test_orthogonal_actions_by_hand():
    deltas = np.array([[-4.0, 0.5, 0, 0], [2.0, -3.0, 0, 0], [0, 0, -5.0, 0], [0, 0, 1.0, 0], [-1.0, -1.0, 0, 0]])
    np.testing.assert_array_equal(S.orthogonal_actions([1, 1, 0, 0], deltas), [1, 0, 0, 0, 0])
    np.testing.assert_array_equal(S.orthogonal_actions([0, 0, 1, 0], deltas), [0, 0, 1, 0, 0])
    np.testing.assert_array_equal(S.orthogonal_actions([0, 1, 0, 0], deltas, tol=2.5), [0, 1, 0, 0, 0])
    with pytest.raises(ValueError, match="orthogonal_actions: flags must have shape"):
        S.orthogonal_actions([1, 0, 0], deltas)


def test_weighted_error_by_hand_and_plain_when_weights_are_one():
    y, y_pred = np.array([0, 1, 1, 2]), np.array([0, 0, 1, 1])
    assert S.weighted_error(y, y_pred, np.ones(4)) == 50.0
    assert S.weighted_error(y, y_pred, np.array([1.0, 10.0, 1.0, 0.0])) == pytest.approx(100 * 10 / 12)
    with pytest.raises(ValueError, match="weights must be ≥ 0 and not all 0"):
        S.weighted_error(y, y_pred, np.zeros(4))
    with pytest.raises(ValueError, match="must be \\(N,\\) alike"):
        S.weighted_error(y, y_pred, np.ones(3))


def test_end_to_end_pays_on_the_power_laws_crosses_where_the_formula_says():
    # 6 + 40/√n = 2 + 300/√n at √n = 260/4 = 65, n = 4225
    sizes = np.arange(100, 10001, 25)
    n = S.end_to_end_pays(sizes, S.learning_curve(sizes, 6.0, 40.0), S.learning_curve(sizes, 2.0, 300.0))
    assert n == 4250
    assert S.end_to_end_pays([1, 2, 3], [5, 5, 5], [4, 6, 4]) == 3
    assert S.end_to_end_pays([1, 2, 3], [5, 5, 5], [4, 4, 5]) == -1
    assert S.end_to_end_pays([1, 2, 3], [5, 5, 5], [1, 1, 1]) == 1
