"""Where submissions are graded: a local pool of worker processes or a Dask cluster, behind one small
interface that course/grading/batch.py drives (submit, wait for any, recognise a dead worker, replace a
broken pool)."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from multiprocessing import get_context

from ..errors import CourseError

# One BLAS thread in each grading kernel (and worker) unless the environment already says how many:
# by default OpenBLAS starts a thread per core in every kernel, and with several kernels at once
# (--workers, or other work on the machine) those threads spin against each other on these small
# matrices. Week 8's reference notebook ran in 43 s with the default and 18 s with one thread, on
# 2 cores at load 4. Submissions are graded in parallel by the workers instead.
BLAS_THREADS = ("OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


def _grade_submission(payload):
    from ..sandbox import spare
    from .worker import grade_submission

    spare.enable()  # each worker starts its next kernel while it grades (course/sandbox/spare.py)
    spare.want_next(payload.start_next)
    return grade_submission(payload)


class LocalPool:
    """``workers`` spawned processes. A process that dies breaks the whole executor (every future in
    flight fails with BrokenProcessPool): ``replace`` starts a new one, ``generation`` counts them."""

    retries_deaths = True

    def __init__(self, workers: int, task: Callable = _grade_submission):
        self.workers, self.task, self.generation = workers, task, 0
        # a worker's kernel started ahead is used only if a submission is still left for it when it is
        # free: with fewer left than workers, the others take them (batch.py sets Payload.start_next)
        self.ahead_when_left = workers
        for name in BLAS_THREADS:  # the workers, and the kernels they start, inherit the environment
            os.environ.setdefault(name, "1")
        self._executor = self._start()

    def _start(self) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(max_workers=self.workers, mp_context=get_context("spawn"))

    def submit(self, payload):
        return self._executor.submit(self.task, payload)

    def wait_any(self, futures) -> set:
        return wait(futures, return_when=FIRST_COMPLETED).done

    def worker_death(self, err: BaseException) -> str | None:
        return "the grading worker process died" if isinstance(err, BrokenProcessPool) else None

    def replace(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)
        self._executor, self.generation = self._start(), self.generation + 1

    def close(self) -> None:
        self._executor.shutdown(wait=True, cancel_futures=True)


class DaskPool:
    """A Dask cluster. Dask itself runs a dead worker's tasks again on another worker, and gives up on
    a task that was on a worker whenever one died (``distributed.scheduler.allowed-failures``, 3 by
    default) with KilledWorker. Tasks queued beside the culprit are blamed too, so KilledWorker is
    retried like a local death: alone, after the batch."""

    retries_deaths = True
    generation = 0

    def __init__(self, scheduler: str, task: Callable = _grade_submission):
        try:
            from distributed import Client

            self.client = Client(scheduler, timeout="20s")
        except OSError as err:
            raise CourseError(f"cannot reach the Dask scheduler at {scheduler}: {err}") from None
        self.task, self.workers = task, sys.maxsize  # the scheduler queues them
        self.ahead_when_left = 1  # how many workers the cluster has is not known here

    def submit(self, payload):
        return self.client.submit(self.task, payload, pure=False)

    def wait_any(self, futures) -> set:
        from distributed import wait as dask_wait

        return set(dask_wait(futures, return_when="FIRST_COMPLETED").done)

    def worker_death(self, err: BaseException) -> str | None:
        from distributed.scheduler import KilledWorker

        return f"the Dask worker grading it died ({err})"[:300] if isinstance(err, KilledWorker) else None

    def replace(self) -> None:
        pass

    def close(self) -> None:
        self.client.close()


class GradingPool:
    """``with GradingPool(workers, scheduler) as pool``: a LocalPool, or a DaskPool when ``scheduler``
    is given; closed on exit."""

    def __init__(self, workers: int, scheduler: str | None, task: Callable = _grade_submission):
        self.workers, self.scheduler, self.task = workers, scheduler, task

    def __enter__(self):
        self.pool = DaskPool(self.scheduler, self.task) if self.scheduler else LocalPool(self.workers, self.task)
        return self.pool

    def __exit__(self, *exc):
        self.pool.close()
        return False
