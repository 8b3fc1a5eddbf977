"""Expected autograded scores of week 6's samples, per problem, reasoned from each sample's code.

- reference: the solutions, full marks (21).
- blank: every function raises NotImplementedError, so every test cell errors: 0.
- partial (overrides in course/samples/w06_error_analysis/overrides.py):
  human_level takes the mean: the visible test only asks for a float inside the range (0.55 is),
  but the hidden check wants the minimum (0.3 on its first case): 0 of 1.
  error_gaps is the reference: 2.
  diagnose flags only the arg-max gap: the visible case 10 / 11 / 20 expects bias and mismatch
  (gaps 10 and 9): 0 of 2.
  assign_splits shuffles everything together: the visible test's dev/test assertion fails
  whenever a source example lands in dev or test (seed 0 puts one there), and the hidden check's
  first case fails on "dev holds source examples": 0 of 2.
  error_by_split is the reference: 1.
  ceilings averages over axis 1 (per example): the visible (5, 3) tags give a (5,) array,
  expected (3,): 0 of 2.
  relabel_worth_it is the reference: 1.
  precision_recall_f1 swaps precision and recall: the visible case expects (0.75, 0.6): 0 of 2.
  choose_model is the reference: 2.
  dev_test_sizes not attempted: 0 of 1.
  orthogonal_actions is the reference: 2 (its visible test uses only its own table, not diagnose).
  weighted_error divides by N = 4 instead of the total weight: the visible test's first case (every weight 1)
  passes, 25.0, but the second gives 100 · 10 / 4 = 250, not 100 · 10 / 13 ≈ 76.9: 0 of 2.
  end_to_end_pays is the reference: 1.
  Total 2 + 1 + 1 + 2 + 2 + 1 = 9.
"""

FULL = {
    "test_human_level": 1,
    "test_error_gaps": 2,
    "test_diagnose": 2,
    "test_assign_splits": 2,
    "test_error_by_split": 1,
    "test_ceilings": 2,
    "test_relabel_worth_it": 1,
    "test_precision_recall_f1": 2,
    "test_choose_model": 2,
    "test_dev_test_sizes": 1,
    "test_orthogonal_actions": 2,
    "test_weighted_error": 2,
    "test_end_to_end_pays": 1,
}

EXPECTED = {
    "reference": FULL,
    "blank": {k: 0 for k in FULL},
    "partial": {
        **{k: 0 for k in FULL},
        "test_error_gaps": 2,
        "test_error_by_split": 1,
        "test_relabel_worth_it": 1,
        "test_choose_model": 2,
        "test_orthogonal_actions": 2,
        "test_end_to_end_pays": 1,
    },
}
