"""Week 7's mini-batches: every example once per epoch, X and y shuffled together, the same batches
for the same seed. Judged by behaviour, through ``minibatch_layouts`` (three runs per case)."""

from __future__ import annotations

import numpy as np

from ..core import Case, Check, CheckFailed, as_output, register

BATCH_CASES = [
    ("N = 10, batch_size 3: three full batches and a last one of 1", 10, (2,), 3),
    ("N = 12, batch_size 4: batches that fit exactly", 12, (3,), 4),
    ("batch_size 1: stochastic gradient descent", 9, (2,), 1),
    ("batch_size = N: batch gradient descent, one batch", 11, (2,), 11),
    ("batch_size larger than N: one batch of all N", 6, (3,), 8),
    ("a single example (N = 1)", 1, (4,), 5),
    ("images X (37, 1, 4, 4), batch_size 8", 37, (1, 4, 4), 8),
    ("N = 1000, batch_size 64: 15 full batches and one of 40", 1000, (3,), 64),
]


def minibatch_cases(rng):
    cases = []
    for label, n, trailing, batch_size in BATCH_CASES:
        X = rng.normal(size=(n,) + trailing)
        ids = np.arange(n, dtype=np.int64)  # the labels name the rows: y[i] = i
        cases.append(Case(label, (X, ids, batch_size, int(rng.integers(0, 2**31 - 1)))))
    return cases


RUNS = ("the first run", "the second run with the same seed", "the run with another seed")


BATCH_HINT = (
    "draw one permutation of range(N) from the generator you are given (rng.permutation(N)), "
    "index X and y with it, and cut the result into slices of batch_size; keep the last, "
    "smaller slice."
)


def read_run(run, name, where):
    if not isinstance(run, tuple) or len(run) != 3:
        raise CheckFailed(f"{where}: {name} could not be read (the adapter returns three arrays per run).")
    return tuple(as_output(part, f"{name} {what}", where) for part, what in zip(run, ("X", "y", "sizes")))


def verify_minibatches(case, outputs, where):
    __tracebackhide__ = True
    X, ids, batch_size, _ = case.args
    n = len(ids)
    expected_sizes = [batch_size] * (n // batch_size) + ([n % batch_size] if n % batch_size else [])
    runs = [read_run(run, name, where) for run, name in zip(outputs, RUNS)]
    for (rows, labels, sizes), name in zip(runs, RUNS):
        if sizes.astype(int).tolist() != expected_sizes:
            raise CheckFailed(
                f"{where}: in {name} the batches have {sizes.astype(int).tolist()} examples; "
                f"with N = {n} and batch_size = {batch_size} expected {expected_sizes} (full "
                f"batches first, and the last, smaller batch kept).\nHint: {BATCH_HINT}"
            )
        if labels.shape != (n,) or rows.shape != X.shape:
            raise CheckFailed(
                f"{where}: in {name} the batches hold y of {labels.shape[0] if labels.ndim else 0} "
                f"examples and X of shape {rows.shape}, expected {n} and {X.shape}."
            )
        counts = np.bincount(np.clip(labels.astype(np.int64), 0, n), minlength=n + 1)[:n]
        missing, twice = int(np.sum(counts == 0)), int(np.sum(counts > 1))
        if missing or twice:
            raise CheckFailed(
                f"{where}: one epoch must use every example exactly once; in {name} "
                f"{missing} examples are missing and {twice} appear more than once."
                f"\nHint: {BATCH_HINT}"
            )
        if not np.array_equal(rows, X[labels.astype(np.int64)]):
            raise CheckFailed(
                f"{where}: in {name} the rows of X and the entries of y no longer belong together: "
                f"shuffle both with the SAME permutation."
            )
    if not all(np.array_equal(a, b) for a, b in zip(runs[0], runs[1])):
        raise CheckFailed(
            f"{where}: two calls with generators made from the same seed gave different batches. "
            f"Draw the order only from the generator `rng` you are given (not np.random)."
        )
    if batch_size < n and n >= 8:
        if np.array_equal(runs[0][1], np.arange(n)):
            raise CheckFailed(f"{where}: the examples come out in their original order: shuffle them first.")
        if np.array_equal(runs[0][1], runs[2][1]):
            raise CheckFailed(
                f"{where}: a generator made from another seed gave the same order; draw the "
                f"permutation from `rng`, the generator you are given."
            )


register(
    Check(
        "minibatches",
        minibatch_cases,
        reference=None,
        verify=verify_minibatches,
        function="minibatches",
        outputs=RUNS,
        hint=BATCH_HINT,
        compares_with="behaviour",
        doc="Check ``minibatches(X, y, batch_size, rng)`` through ``minibatch_layouts(X, y, batch_size, "
        "seed)`` (three runs: seed, the same seed, another seed): every example once per epoch, X and "
        "y shuffled together, full batches then the last partial one, the same batches for the same "
        "seed; batch_size 1 (SGD) and N (batch gradient descent) included.",
    )
)
