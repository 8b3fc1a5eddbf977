"""Infrastructure faults are never a student's zero (course/grading/batch.py): a worker process that
dies, a kernel that never starts, a sandbox that cannot be set up are retried a bounded number of
times and then recorded as not graded, with the reason; every submission ends exactly once, and a
neighbour's fault never costs a submission its grade. The faults are injected by
tests/unit/faulty_tasks.py, which runs in real spawned worker processes."""

from collections import Counter

import pytest

from course.grading.batch import ATTEMPTS, grade_batch
from course.grading.payload import Payload
from course.grading.pool import LocalPool
from tests.unit.faulty_tasks import grade

NAMES = [
    "ok-1",
    "dies-always",
    "ok-2",
    "dies-once",
    "ok-3",
    "kernel-never",
    "kernel-once",
    "ok-4",
    "sandbox-never",
    "bug",
    "ok-5",
]


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    marker = str(tmp_path_factory.mktemp("faults")).encode()
    todo = [(f"digest-{n}", Payload(n, "w01", {"marker": marker}, {"week": "w01", "notebooks": {}}, 0)) for n in NAMES]
    recorded, settled = [], []
    pool = LocalPool(2, task=grade)
    try:
        outcomes = grade_batch(
            pool, todo, lambda result, digest: recorded.append((result, digest)), lambda o, d: settled.append((o, d))
        )
    finally:
        pool.close()
    return {o.student: o for o in outcomes}, outcomes, recorded, settled


def test_every_submission_ends_exactly_once(batch):
    by_name, outcomes, recorded, settled = batch
    assert Counter(o.student for o in outcomes) == Counter(NAMES)
    assert [o for o, _ in settled] == outcomes
    graded = [r.student for r, _ in recorded]
    assert Counter(graded) == Counter(o.student for o in outcomes if o.ok)  # recorded once, only if graded
    assert all(digest == f"digest-{r.student}" for r, digest in recorded)


def test_neighbours_of_a_dying_worker_are_graded(batch):
    by_name, *_ = batch
    assert all(by_name[n].ok for n in NAMES if n.startswith("ok-"))


def test_a_worker_that_dies_once_is_retried_and_the_reason_noted(batch):
    by_name, _, recorded, _ = batch
    assert by_name["dies-once"].ok and by_name["dies-once"].attempts == 2
    (result,) = [r for r, _ in recorded if r.student == "dies-once"]
    assert any("graded on attempt 2" in n and "worker process died" in n for n in result.notes)


def test_a_worker_that_always_dies_is_not_graded_after_the_last_attempt_alone(batch):
    by_name, *_ = batch
    outcome = by_name["dies-always"]
    assert not outcome.ok and outcome.attempts == ATTEMPTS
    assert outcome.reason.startswith(f"not graded after {ATTEMPTS} attempts")
    assert outcome.reason.endswith("the grading worker process died while grading it")  # alone: its own


def test_a_kernel_that_never_starts_is_not_graded_with_the_reason(batch):
    by_name, *_ = batch
    outcome = by_name["kernel-never"]
    assert not outcome.ok and outcome.attempts == ATTEMPTS and "kernel_info" in outcome.reason
    assert by_name["kernel-once"].ok and by_name["kernel-once"].attempts == 2


def test_a_sandbox_never_set_up_is_not_graded_with_the_reason(batch):
    by_name, *_ = batch
    outcome = by_name["sandbox-never"]
    assert not outcome.ok and outcome.attempts == ATTEMPTS and "No space left" in outcome.reason


def test_a_grader_error_is_not_graded_at_once(batch):
    by_name, *_ = batch
    outcome = by_name["bug"]
    assert not outcome.ok and outcome.attempts == 1 and "grader error: ValueError" in outcome.reason


def test_on_a_dask_cluster_dead_workers_and_kernel_faults_are_retried_alone(tmp_path):
    from distributed import LocalCluster

    from course.grading.pool import DaskPool

    marker = str(tmp_path).encode()
    names = ["ok-1", "dies-always", "kernel-once", "kernel-never", "ok-2"]
    todo = [(n, Payload(n, "w01", {"marker": marker}, {"week": "w01", "notebooks": {}}, 0)) for n in names]
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        pool = DaskPool(cluster.scheduler_address, task=grade)
        try:
            outcomes = {o.student: o for o in grade_batch(pool, todo, lambda result, digest: None)}
        finally:
            pool.close()
    assert sorted(outcomes) == sorted(names)
    assert outcomes["ok-1"].ok and outcomes["ok-2"].ok and outcomes["kernel-once"].ok
    # Dask blames the tasks queued beside the culprit too: they are retried alone, and graded or not
    # graded for their own reason only
    assert not outcomes["dies-always"].ok and outcomes["dies-always"].attempts == ATTEMPTS
    assert outcomes["dies-always"].reason.endswith("while grading it")
    assert "the Dask worker grading it died" in outcomes["dies-always"].reason
    assert not outcomes["kernel-never"].ok and outcomes["kernel-never"].attempts == ATTEMPTS
    assert "kernel_info" in outcomes["kernel-never"].reason
