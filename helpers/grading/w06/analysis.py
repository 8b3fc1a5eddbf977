"""Week 6 checks: error gaps and diagnoses, splits, measured errors, ceilings, metrics."""

from __future__ import annotations

import numpy as np

from ... import strategy
from ..core import Case, Check, CheckFailed, as_output, register

# The notebook's worked cases: (human, train, train_dev, dev[, test]).
WORKED = [
    ("train 1, train-dev 9, dev 10: variance", (0.0, 1.0, 9.0, 10.0)),
    ("train 1, train-dev 1.5, dev 10: data mismatch", (0.0, 1.0, 1.5, 10.0)),
    ("train 10, train-dev 11, dev 12: avoidable bias", (0.0, 10.0, 11.0, 12.0)),
    ("train 10, train-dev 11, dev 20: bias and mismatch", (0.0, 10.0, 11.0, 20.0)),
    ("human 1, train 8, dev 10: avoidable bias", (1.0, 8.0, 10.0, 10.0)),
    ("human 7.5, train 8, dev 10: variance", (7.5, 8.0, 10.0, 10.0)),
]


def _random_errors(rng, with_test):
    """Increasing-ish error rates in percent, rounded to 0.01 like a report would be."""
    human = round(float(rng.uniform(0, 10)), 2)
    values = [human]
    for _ in range(4 if with_test else 3):
        values.append(round(values[-1] + float(rng.uniform(-2, 12)), 2))
    return tuple(max(v, 0.0) for v in values)


def _gap_cases(rng) -> list[Case]:
    cases = [Case(label, args) for label, args in WORKED[:4]]
    cases.append(Case("with a test error (overfitting to dev)", (0.5, 10.0, 11.0, 20.0, 22.0)))
    cases.append(Case("human-level above train error", (5.0, 3.0, 4.0, 4.5)))
    cases.append(Case("all equal", (2.0, 2.0, 2.0, 2.0, 2.0)))
    for i in range(6):
        cases.append(Case(f"random {i + 1}" + (" with test" if i % 2 else ""), _random_errors(rng, i % 2 == 1)))
    return cases


def _diagnose_cases(rng) -> list[Case]:
    cases = [Case(label, args) for label, args in WORKED]
    cases += [
        Case("with a test error: dev overfitting is largest", (1.0, 2.0, 3.0, 4.0, 12.0)),
        Case("a tie: bias 4 and variance 4", (0.0, 4.0, 8.0, 9.0)),
        Case("exactly half of the largest gap counts", (0.0, 8.0, 12.0, 12.5)),
        Case("nothing to fix (all gaps 0)", (3.0, 3.0, 3.0, 3.0)),
        Case("negative gaps only", (5.0, 4.0, 3.0, 2.0)),
        Case("test given and smaller than dev", (2.0, 10.0, 12.0, 20.0, 19.0)),
    ]
    count = 0
    while count < 24:
        with_test = count % 3 == 2
        args = _random_errors(rng, with_test)
        gaps = strategy.error_gaps.unguarded(*args)
        known = gaps[np.isfinite(gaps)]
        # keep random cases away from the half-of-largest boundary, where rounding could decide
        if np.any(np.abs(known - known.max() / 2) < 0.05) or np.any(np.abs(known) < 0.05):
            continue
        count += 1
        cases.append(Case(f"random {count}" + (" with test" if with_test else ""), args))
    return cases


register(
    Check(
        "error_gaps",
        _gap_cases,
        strategy.error_gaps.unguarded,
        outputs=("gaps",),
        guarded=(strategy.error_gaps, strategy.diagnose),
        hint="[train − human, train_dev − train, dev − train_dev, test − dev], with np.nan as the "
        "last entry when test is None; errors are in percent, do not rescale them.",
        compares_with=(strategy.error_gaps,),
        doc="Check ``error_gaps(human, train, train_dev, dev, test=None)`` on worked and random cases.",
    )
)
register(
    Check(
        "diagnose_bias_variance",
        _diagnose_cases,
        strategy.diagnose.unguarded,
        outputs=("flags",),
        guarded=(strategy.error_gaps, strategy.diagnose),
        hint="flag a problem when its gap is > 0 and ≥ half of the largest gap; ignore the "
        "dev-overfitting gap when test is None; return 0/1 in the order of PROBLEMS.",
        compares_with=(strategy.diagnose,),
        doc="Check ``diagnose(human, train, train_dev, dev, test=None)`` on the worked cases, ties and 24 "
        "random cases.",
        function="diagnose",
    ),
    aliases=("diagnose",),
)


def _human_cases(rng) -> list[Case]:
    return [
        Case("the fracture example", (np.array([1.0, 0.5, 0.4, 0.3]),)),
        Case("one reader", (np.array([2.5]),)),
        Case("best reader first", (np.array([0.2, 0.9, 3.0]),)),
        Case("random (7,)", (np.round(rng.uniform(0.1, 5.0, size=7), 2),)),
        Case("random (12,)", (np.round(rng.uniform(0.1, 5.0, size=12), 2),)),
    ]


register(
    Check(
        "human_level",
        _human_cases,
        strategy.human_level.unguarded,
        outputs=("error",),
        guarded=(strategy.human_level,),
        hint="Bayes error is at most the best error anyone reaches: the minimum, not the "
        "average or the typical reader.",
        compares_with=(strategy.human_level,),
        doc="Check ``human_level(errors)``: the proxy for Bayes error.",
    )
)


# --------------------------------------------------------------------------- splits


def _split_cases(rng) -> list[Case]:
    cases = []
    block = np.r_[np.zeros(60, dtype=np.int64), np.ones(40, dtype=np.int64)]
    cases.append(Case("60 source then 40 target", (block, 10, 10, 15, 0)))
    mixed = (rng.random(237) < 0.3).astype(np.int64)
    cases.append(Case("237 shuffled, about 30% target", (mixed, 20, 25, 30, 1)))
    exact = np.r_[np.ones(12, dtype=np.int64), np.zeros(5, dtype=np.int64)]
    cases.append(Case("every target example in dev or test", (exact, 7, 5, 5, 2)))
    cases.append(Case("no train-dev set", (mixed, 15, 15, 0, 3)))
    one = np.array([0, 1, 0, 1, 1], dtype=np.int64)
    cases.append(Case("N=5, one of each", (one, 1, 1, 1, 4)))
    large = np.r_[np.zeros(1500, dtype=np.int64), np.ones(1000, dtype=np.int64)]
    cases.append(Case("1500 source then 1000 target", (large, 100, 100, 200, int(rng.integers(1000)))))
    return cases


def _verify_splits(case, outputs, where):
    __tracebackhide__ = True
    is_target, n_dev, n_test, n_train_dev, _seed = case.args
    split = as_output(outputs[0], "split", where)
    n = is_target.shape[0]
    if split.shape != (n,):
        raise CheckFailed(f"{where}: `split` has shape {split.shape}; expected ({n},), one split id per example.")
    if not np.all(np.isin(split, [strategy.TRAIN, strategy.TRAIN_DEV, strategy.DEV, strategy.TEST])):
        raise CheckFailed(f"{where}: `split` may only hold TRAIN=0, TRAIN_DEV=1, DEV=2, TEST=3.")
    target = is_target.astype(bool)
    wanted = {
        strategy.DEV: n_dev,
        strategy.TEST: n_test,
        strategy.TRAIN_DEV: n_train_dev,
        strategy.TRAIN: n - n_dev - n_test - n_train_dev,
    }
    for s, count in wanted.items():
        got = int(np.sum(split == s))
        if got != count:
            raise CheckFailed(f"{where}: {strategy.SPLITS[s]} has {got} examples; expected {count}.")
    for s in (strategy.DEV, strategy.TEST):
        if np.any((split == s) & ~target):
            raise CheckFailed(
                f"{where}: {strategy.SPLITS[s]} holds source examples. Dev and test must come only "
                f"from the target (deployment) distribution."
            )
    if np.any((split == strategy.TRAIN_DEV) & target):
        raise CheckFailed(
            f"{where}: train-dev holds target examples. Train-dev is held out from the "
            f"training distribution (the source), so that dev − train-dev measures mismatch."
        )
    first = np.flatnonzero(target)[:n_dev]
    if n_dev >= 50 and np.array_equal(np.flatnonzero(split == strategy.DEV), first):
        raise CheckFailed(
            f"{where}: dev is the first {n_dev} target examples. Draw the dev, test and "
            f"train-dev examples at random (rng.permutation)."
        )


register(
    Check(
        "assign_splits",
        _split_cases,
        reference=None,
        outputs=("split",),
        guarded=(strategy.assign_splits,),
        verify=_verify_splits,
        hint="permute the target indices and the source indices separately.",
        compares_with="behaviour",
        doc="Check ``assign_splits(is_target, n_dev, n_test, n_train_dev, seed)``: sizes and sources of each split.",
    )
)


def _error_split_cases(rng) -> list[Case]:
    cases = []
    for label, n, k, empty in [
        ("N=1, one train example", 1, 2, None),
        ("N=12, 3 classes", 12, 3, None),
        ("N=40, 10 classes", 40, 10, None),
        ("N=25, no test examples", 25, 4, 3),
        ("N=60, no train-dev examples", 60, 10, 1),
        ("N=200", 200, 10, None),
    ]:
        y = rng.integers(0, k, size=n)
        y_pred = np.where(rng.random(n) < 0.3, rng.integers(0, k, size=n), y)
        split = rng.integers(0, 4, size=n) if n > 1 else np.array([0])
        if empty is not None:
            split[split == empty] = 0
        cases.append(Case(label, (y, y_pred, split)))
    return cases


register(
    Check(
        "error_by_split",
        _error_split_cases,
        strategy.error_by_split.unguarded,
        outputs=("errors",),
        guarded=(strategy.error_by_split,),
        hint="for s in 0..3: 100 × the mean of (y != y_pred) over the examples with split == s "
        "(percent); np.nan when a split has no examples.",
        compares_with=(strategy.error_by_split,),
        doc="Check ``error_by_split(y, y_pred, split)``: percent errors per split, NaN for empty ones.",
    )
)


# --------------------------------------------------------------------------- error analysis


def _ceiling_cases(rng) -> list[Case]:
    cases = [
        Case("the dog example: 5 of 100, dev error 10", (np.r_[np.ones(5), np.zeros(95)][:, None], 10.0)),
        Case("one example, two tags", (np.array([[1, 0]]), 4.0)),
        Case("one tag column", (rng.integers(0, 2, size=(9, 1)), 12.5)),
    ]
    for n, k in [(20, 3), (50, 4), (100, 5)]:
        cases.append(
            Case(f"random ({n}, {k}) tags", (rng.integers(0, 2, size=(n, k)), round(float(rng.uniform(1, 30)), 2)))
        )
    return cases


register(
    Check(
        "error_analysis_ceilings",
        _ceiling_cases,
        strategy.ceilings.unguarded,
        outputs=("ceilings",),
        guarded=(strategy.ceilings,),
        hint="dev_error × (fraction of sampled errors carrying each tag): average over the rows "
        "(axis=0), one value per column.",
        compares_with=(strategy.ceilings,),
        doc="Check ``ceilings(tags, dev_error)`` on random tag tables.",
        function="ceilings",
    ),
    aliases=("ceilings",),
)


def _relabel_cases(rng) -> list[Case]:
    cases = [
        Case("dev error 10, 6% mislabeled, models 1 point apart", (10.0, 0.06, 1.0)),
        Case("dev error 2, 30% mislabeled, models 2.1 vs 1.9", (2.0, 0.3, 0.2)),
        Case("exactly equal is not worth it", (10.0, 0.5, 5.0)),
        Case("no mislabeled examples", (5.0, 0.0, 0.1)),
    ]
    while len(cases) < 12:
        args = (
            round(float(rng.uniform(1, 20)), 2),
            round(float(rng.uniform(0, 0.5)), 3),
            round(float(rng.uniform(0.05, 3)), 2),
        )
        if abs(args[0] * args[1] - args[2]) > 0.01:
            cases.append(Case(f"random {len(cases) - 3}", args))
    return cases


register(
    Check(
        "relabel_worth_it",
        _relabel_cases,
        strategy.relabel_worth_it.unguarded,
        outputs=("decision",),
        guarded=(strategy.relabel_worth_it,),
        hint="the error due to wrong labels is dev_error × mislabeled_share (points); return 1 "
        "only when it is strictly larger than model_gap, else 0 (an int).",
        compares_with=(strategy.relabel_worth_it,),
        doc="Check ``relabel_worth_it(dev_error, mislabeled_share, model_gap)`` on the worked"
        " example and random cases.",
    )
)


# --------------------------------------------------------------------------- metrics


def _binary_cases(rng) -> list[Case]:
    cases = [
        Case("N=1, a true positive", (np.array([1]), np.array([1]))),
        Case("no predicted positives", (np.array([1, 0, 1, 0]), np.array([0, 0, 0, 0]))),
        Case("no actual positives", (np.array([0, 0, 0]), np.array([1, 0, 1]))),
        Case("perfect", (np.array([1, 0, 1, 1, 0]), np.array([1, 0, 1, 1, 0]))),
        Case("precision 0.75, recall 0.6", (np.array([1, 1, 1, 1, 1, 0, 0, 0]), np.array([1, 1, 1, 0, 0, 1, 0, 0]))),
    ]
    for n in (13, 50, 201):
        y = rng.integers(0, 2, size=n)
        cases.append(Case(f"random N={n}", (y, np.where(rng.random(n) < 0.25, 1 - y, y))))
    return cases


register(
    Check(
        "precision_recall_f1",
        _binary_cases,
        strategy.precision_recall_f1.unguarded,
        outputs=("precision", "recall", "f1"),
        guarded=(strategy.precision_recall_f1,),
        hint="precision = TP / predicted positives, recall = TP / actual positives, F1 = their "
        "harmonic mean 2PR / (P + R); use 0.0 where a denominator is 0.",
        compares_with=(strategy.precision_recall_f1,),
        doc="Check ``precision_recall_f1(y_true, y_pred)``, including zero denominators.",
    )
)


def _choose_cases(rng) -> list[Case]:
    cases = [
        Case(
            "the worked example: A 90%/80 ms, B 92%/95 ms, C 95%/1500 ms, limit 100 ms",
            (np.array([90.0, 92.0, 95.0]), np.array([80.0, 95.0, 1500.0]), 100.0),
        ),
        Case("none fast enough", (np.array([0.9, 0.8]), np.array([200.0, 150.0]), 100.0)),
        Case("latency exactly at the limit", (np.array([0.7, 0.9]), np.array([50.0, 100.0]), 100.0)),
        Case(
            "a tie in score: the first one",
            (np.array([0.8, 0.9, 0.9, 0.95]), np.array([10.0, 20.0, 30.0, 500.0]), 100.0),
        ),
        Case("one model", (np.array([0.5]), np.array([1.0]), 10.0)),
    ]
    for n in (6, 11, 25):
        score = np.round(rng.uniform(0.6, 0.99, size=n), 3)
        latency = np.round(rng.uniform(10, 300, size=n), 1)
        cases.append(Case(f"random, {n} models", (score, latency, float(np.median(latency)))))
    return cases


register(
    Check(
        "choose_model",
        _choose_cases,
        strategy.choose_model.unguarded,
        outputs=("index",),
        guarded=(strategy.choose_model,),
        hint="keep the models with latency ≤ max_latency (satisficing), then take the best score "
        "among them (optimizing); the index refers to the full list; −1 when none qualifies.",
        compares_with=(strategy.choose_model,),
        doc="Check ``choose_model(score, latency, max_latency)``: satisficing then optimizing.",
    )
)


def _size_cases(rng) -> list[Case]:
    cases = [Case(f"n = {n:,}", (n,)) for n in (1, 4, 10_000, 50_001, 1_000_000)]
    cases += [
        Case(f"random n = {n:,}", (n,))
        for n in (int(rng.integers(5, 999)), int(rng.integers(1000, 100_000)), int(rng.integers(100_000, 10_000_000)))
    ]
    return cases


register(
    Check(
        "dev_test_sizes",
        _size_cases,
        strategy.dev_test_sizes.unguarded,
        outputs=("n_train", "n_dev", "n_test"),
        guarded=(strategy.dev_test_sizes,),
        hint="dev = test = min(n // 5, 10000) (integer division), train = n − dev − test.",
        compares_with=(strategy.dev_test_sizes,),
        doc="Check ``dev_test_sizes(n)`` for small, medium and very large n.",
    )
)


# --------------------------------------------------------------------------- public wrappers
