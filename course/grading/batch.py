"""Grade a batch of payloads on a pool, retrying what the machine failed: every submission ends with
exactly one outcome, graded or *not graded* with the reasons, never scored for an infrastructure fault.

Faults and what happens to them:

- the worker raised :class:`~course.sandbox.faults.InfrastructureFault` (a kernel that never started,
  a sandbox that could not be set up; each already tried a few times in the worker): the submission
  is graded again after the rest of the batch;
- the worker process died (``BrokenProcessPool`` in a local pool; on Dask, ``KilledWorker`` once Dask's
  own retries are spent, which blames the tasks queued beside the culprit too): a local pool breaks as
  a whole, so every submission in flight is a victim; either way it is graded again after the batch,
  alone (in a fresh local pool): a death is then the submission's own doing, and a neighbour's fault
  never costs it its grade;
- any other exception in the worker (a grader bug): not graded at once, with the error.

A submission is attempted at most ATTEMPTS times; then it is not graded, with every reason. A kernel
that dies inside the student's own code is not a fault here: the worker grades that (execute.py).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace

from ..sandbox.faults import InfrastructureFault
from .payload import Payload, SubmissionResult

ATTEMPTS = 3  # gradings of one submission, the first included


@dataclass(frozen=True)
class SubmissionOutcome:
    """How one submission of the batch ended: graded (``ok``), or not graded and why."""

    student: str
    week: str
    ok: bool
    reason: str = ""
    attempts: int = 1


@dataclass
class Attempt:
    digest: str
    payload: Payload
    faults: list[str] = field(default_factory=list)  # why each earlier attempt failed
    tries: int = 0  # times it was handed to the pool


def grade_batch(
    pool,
    todo: Iterable[tuple[str, Payload]],
    on_result: Callable[[SubmissionResult, str], None],
    on_outcome: Callable[[SubmissionOutcome, str], None] = lambda outcome, digest: None,
) -> list[SubmissionOutcome]:
    """Grade every (digest, payload) of ``todo`` on ``pool`` (course/grading/pool.py). ``on_result``
    receives each graded result with its digest, once; ``on_outcome`` each submission's final outcome."""
    first, later = deque(Attempt(digest, payload) for digest, payload in todo), deque()
    in_flight: dict = {}  # future -> (attempt, the pool's generation it ran in)
    outcomes: list[SubmissionOutcome] = []

    def finish(attempt: Attempt, ok: bool, reason: str = "") -> None:
        outcome = SubmissionOutcome(attempt.payload.student, attempt.payload.week, ok, reason, attempt.tries)
        outcomes.append(outcome)
        on_outcome(outcome, attempt.digest)

    def fault(attempt: Attempt, why: str) -> None:
        attempt.faults.append(why)
        if len(attempt.faults) < ATTEMPTS:
            later.append(attempt)
        else:
            reasons = list(dict.fromkeys(attempt.faults))
            said = reasons[0] + " (every attempt)" if len(reasons) == 1 else "; ".join(reasons)
            finish(attempt, False, f"not graded after {ATTEMPTS} attempts: {said}")

    while first or later or in_flight:
        # the retries run one at a time, once the batch is done: a worker that dies then died of that one
        window = pool.workers if first else 1
        queue = first or (later if not in_flight else ())
        while queue and len(in_flight) < window:
            attempt = queue.popleft()
            attempt.tries += 1
            # a kernel started ahead for a submission that never comes costs a kernel start and the imports
            start_next = len(queue) >= getattr(pool, "ahead_when_left", 1)
            payload = replace(attempt.payload, start_next=start_next)
            in_flight[pool.submit(payload)] = (attempt, pool.generation, window == 1)
        broken = False
        for future in pool.wait_any(list(in_flight)):
            attempt, generation, alone = in_flight.pop(future)
            try:
                result = future.result()
            except InfrastructureFault as err:
                fault(attempt, str(err))
            except Exception as err:
                died = pool.worker_death(err)
                if died is None:
                    finish(attempt, False, f"grader error: {type(err).__name__}: {err}"[:300])
                    continue
                broken = broken or generation == pool.generation
                why = f"{died} while grading it" + ("" if alone else " or another submission in flight")
                if pool.retries_deaths:
                    fault(attempt, why)
                else:
                    finish(attempt, False, f"not graded: {why}")
            else:
                if attempt.faults:
                    result.notes.append(f"graded on attempt {attempt.tries} (before: {'; '.join(attempt.faults)})")
                on_result(result, attempt.digest)
                finish(attempt, True)
        if broken:
            pool.replace()
    return outcomes
