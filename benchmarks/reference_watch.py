"""What the reference watch costs a graded call: helpers.grading.call_student with and without
the profile hook (helpers/tripwire.py, helpers/grading/forbidden.py), in the same run.

"Without" is the same call_student with an empty watch (the wrapper of the guarded kernels still
armed): the difference is the hook alone. The two are timed in alternation and the best of
several repeats of each is kept, so that other jobs on a shared machine disturb both alike.
Students' functions timed:

- correlate2d with four nested Python loops, 32×32 image, 3×3 kernel (pure interpreter work);
- correlate2d with two loops and np.sum over each window (a numpy call per output: many events);
- softmax vectorized, on (64, 10) logits (a handful of numpy calls);
- week 1's softmax regression trained on the digits (the notebook's loop: mini-batches, one
  loss and gradient per step), the cost on a whole training check.

    .venv/bin/python benchmarks/reference_watch.py [--repeat 7] [--quick]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import sys
import time
from pathlib import Path
from unittest import mock

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from helpers.grading import CHECKS, Case, call_student, forbidden  # noqa: E402

RESULTS = REPO / "benchmarks" / "results" / "reference_watch.json"


def correlate_four_loops(x, k):
    kh, kw = k.shape
    out = np.zeros((x.shape[0] - kh + 1, x.shape[1] - kw + 1))
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            total = 0.0
            for p in range(kh):
                for q in range(kw):
                    total += x[i + p, j + q] * k[p, q]
            out[i, j] = total
    return out


def correlate_window_sums(x, k):
    kh, kw = k.shape
    out = np.zeros((x.shape[0] - kh + 1, x.shape[1] - kw + 1))
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            out[i, j] = np.sum(x[i : i + kh, j : j + kw] * k)
    return out


def softmax(z):
    shifted = z - np.max(z, axis=-1, keepdims=True)
    e = np.exp(shifted)
    return e / np.sum(e, axis=-1, keepdims=True)


def softmax_cross_entropy(z, y):
    n, k = z.shape
    one_hot = np.eye(k)[y]
    shifted = z - np.max(z, axis=1, keepdims=True)
    log_p = shifted - np.log(np.sum(np.exp(shifted), axis=1, keepdims=True))
    return -np.sum(one_hot * log_p) / n, (np.exp(log_p) - one_hot) / n


def train_softmax_regression(X, y, n_classes, lr=0.5, epochs=30, batch_size=32, seed=0):
    rng = np.random.default_rng(seed)
    W, b, losses = 0.01 * rng.normal(size=(X.shape[1], n_classes)), np.zeros(n_classes), []
    for _ in range(epochs):
        order, epoch_loss = rng.permutation(len(X)), 0.0
        for start in range(0, len(X), batch_size):
            batch = order[start : start + batch_size]
            loss, dz = softmax_cross_entropy(X[batch] @ W + b, y[batch])
            W, b = W - lr * (X[batch].T @ dz), b - lr * dz.sum(axis=0)
            epoch_loss += loss * len(batch)
        losses.append(epoch_loss / len(X))
    return W, b, losses


@contextlib.contextmanager
def unwatched():
    """call_student with an empty watchlist: no profile hook, the guarded kernels still armed."""
    with mock.patch.object(forbidden, "watchlist", lambda check, registry: None):
        yield


def race(check, fn, case, repeat):
    """Best times of call_student with and without the hook, timed alternately."""

    def watched_call():
        call = call_student(check, fn, case)
        assert call.error is None, call.error

    def plain_call():
        with unwatched():
            watched_call()

    watched_call(), plain_call()  # first calls (the watchlist is built, caches warm) untimed
    times = {"watched": [], "plain": []}
    for _ in range(repeat):
        for name, call in (("watched", watched_call), ("plain", plain_call)):
            start = time.perf_counter()
            call()
            times[name].append(time.perf_counter() - start)
    return min(times["watched"]), min(times["plain"])


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=7, help="timed repeats per entry (best kept)")
    parser.add_argument("--quick", action="store_true", help="3 repeats, for a smoke test")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    repeat = 3 if args.quick else args.repeat
    rng = np.random.default_rng(0)
    image, kernel = rng.normal(size=(32, 32)), rng.normal(size=(3, 3))
    from helpers.data import load_digits_split

    X_train, y_train, _, _ = load_digits_split(seed=0)
    entries = [
        (
            "correlate2d, four nested loops, 32×32 image, 3×3 kernel",
            "correlate2d_loops",
            correlate_four_loops,
            Case("32×32", (image, kernel)),
        ),
        (
            "correlate2d, np.sum over each window, 32×32 image, 3×3 kernel",
            "correlate2d_loops",
            correlate_window_sums,
            Case("32×32", (image, kernel)),
        ),
        ("softmax, vectorized, (64, 10) logits", "softmax", softmax, Case("(64, 10)", (rng.normal(size=(64, 10)),))),
        (
            "softmax regression, 30 epochs of mini-batches on the digits",
            "softmax_regression",
            train_softmax_regression,
            Case("digits", (X_train, y_train, 10)),
        ),
    ]
    load_before = os.getloadavg()[0]
    rows = []
    for label, check_name, fn, case in entries:
        watched, plain = race(CHECKS[check_name], fn, case, repeat if check_name != "softmax_regression" else 3)
        rows.append({"call": label, "watched_ms": watched * 1e3, "plain_ms": plain * 1e3, "ratio": watched / plain})
        print(f"{label:66s} {plain * 1e3:9.3f} ms -> {watched * 1e3:9.3f} ms   ×{watched / plain:.2f}")
    load_after = os.getloadavg()[0]
    print(f"load average (1 min): {load_before:.2f} at start, {load_after:.2f} at end; {os.cpu_count()} CPUs")
    result = {
        "machine": {
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
            "python": platform.python_version(),
            "numpy": np.__version__,
            "load_average": [load_before, load_after],
        },
        "repeat": repeat,
        "rows": rows,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
