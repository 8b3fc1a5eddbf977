"""Kernels started ahead (course/sandbox/spare.py): while one submission runs, the next submission's
sandboxed kernel starts and imports what every notebook imports; it holds nothing of a submission
until it is taken, runs under the limits of the submission that takes it, is replaced when it died
while waiting or was made for other limits, and never outlives its worker."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace

import nbformat
import pytest

from course.config import Limits
from course.grading.batch import grade_batch
from course.grading.payload import Payload, SubmissionResult
from course.grading.pool import LocalPool
from course.sandbox import spare
from course.sandbox.execute import execute

LIMITS = Limits(cell_timeout=60, budget=120, max_restarts=0)
SHOW = (
    "import os, resource, sys\n"
    "print(sorted(n for n in os.listdir('.') if not n.startswith('.')), 'numpy' in sys.modules,"
    " resource.getrlimit(resource.RLIMIT_CPU)[0])"
)


@pytest.fixture
def ahead(monkeypatch):
    """Kernels started ahead in this test (as in a grading worker), all stopped after it."""
    monkeypatch.setattr(spare, "_enabled", True)
    monkeypatch.setattr(spare, "_local", threading.local())
    yield
    spare._stop_all()


def run(files: dict[str, bytes], limits: Limits = LIMITS) -> tuple[str, list[str]]:
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(SHOW)])
    outcome = execute(notebook, files, [], limits)
    (output,) = notebook.cells[0].outputs
    return output.get("text", output.get("evalue", "")), outcome.notes


def waiting() -> spare.Spare | None:
    return getattr(spare._local, "spare", None)


def test_the_next_kernel_starts_during_a_run_and_the_next_submission_runs_in_it(ahead):
    first, _ = run({"alice.txt": b"A"})
    assert first.startswith("['alice.txt'] False")  # started on demand: nothing imported for it
    started = waiting()
    assert started is not None, "no kernel was started ahead during the run"
    assert [p.name for p in started.run.inbox.iterdir()] == [".home"], "a submission's file before it was taken"
    second, _ = run({"bob.txt": b"B"})
    assert second.startswith("['bob.txt'] True")  # its own file only, and numpy imported while it waited
    assert not started.run.root.exists(), "the run folder of the kernel taken was not removed"
    assert waiting() is not None and waiting() is not started


def test_a_kernel_started_ahead_runs_under_the_limits_of_the_submission_that_takes_it(ahead):
    run({})
    loose = replace(LIMITS, budget=300.0)
    text, _ = run({}, loose)
    assert text.split()[-1] == str(int(loose.budget) + 60)  # the CPU limit, not the one it was started with


def test_a_kernel_that_died_while_waiting_is_replaced_and_costs_nothing(ahead):
    run({})
    dead = waiting()
    os.killpg(dead.km.provisioner.pgid, signal.SIGKILL)
    dead.km.provisioner.process.wait()
    text, notes = run({"carol.txt": b"C"})
    assert text.startswith("['carol.txt'] False")  # a kernel of its own, started on demand
    assert not any("failed to start" in note for note in notes), notes
    assert not dead.run.root.exists()


def test_a_kernel_made_for_other_memory_limits_is_stopped_not_used(ahead):
    run({})
    other = waiting()
    text, _ = run({"dave.txt": b"D"}, replace(LIMITS, memory_mb=LIMITS.memory_mb // 2))
    assert text.startswith("['dave.txt'] False")
    assert not other.run.root.exists()


def test_when_a_kernel_cannot_be_started_ahead_grading_goes_on(ahead, monkeypatch):
    def no_space(run, limits):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(spare, "prepare", no_space)
    run({})
    assert waiting() is None
    text, notes = run({"erin.txt": b"E"})
    assert text.startswith("['erin.txt'] False") and not notes


def test_no_kernel_started_ahead_outlives_its_worker(tmp_path):
    script = textwrap.dedent(
        """
        import nbformat
        from course.config import Limits
        from course.sandbox import spare
        from course.sandbox.execute import execute

        spare.enable()
        execute(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1")]), {}, [], Limits(max_restarts=0))
        waiting = spare._local.spare
        print(waiting.run.root, waiting.km.provisioner.pid)
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        timeout=120,
        env=os.environ | {"COURSE_KERNELS_AHEAD": "1"},
    )
    assert done.returncode == 0, done.stderr
    root, pid = done.stdout.split()
    assert not os.path.exists(root)
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        pass
    else:
        raise AssertionError(f"the kernel started ahead (pid {pid}) is still running after its worker exited")


def test_the_environment_can_turn_them_off(monkeypatch):
    monkeypatch.setattr(spare, "_enabled", False)
    monkeypatch.setenv(spare.OFF_VARIABLE, "0")
    spare.enable()
    assert spare._enabled is False


def test_a_worker_told_nothing_is_left_for_it_starts_no_kernel(ahead):
    spare.want_next(False)
    run({"alice.txt": b"A"})
    assert waiting() is None
    spare.want_next(True)
    run({"bob.txt": b"B"})
    assert waiting() is not None


class ThreadPool(LocalPool):
    """The local pool's interface on threads: the task can be any callable, and it sees the payload as sent."""

    def _start(self):
        return ThreadPoolExecutor(max_workers=self.workers)


@pytest.mark.parametrize("workers, told", [(1, [True] * 4 + [False]), (2, [True] * 3 + [False] * 2)])
def test_the_batch_asks_for_a_kernel_ahead_only_while_a_submission_is_left_for_it(workers, told):
    """With W workers a kernel started ahead is used only if at least W submissions were still waiting
    when its worker took the one it runs: fewer, and the other workers take them first."""
    sent, lock = [], threading.Lock()

    def task(payload):
        with lock:
            sent.append((payload.student, payload.start_next))
        return SubmissionResult(payload.student, payload.week)

    todo = [(f"d{i}", Payload(f"s{i}", "w01", {}, {"week": "w01", "notebooks": {}}, 0)) for i in range(5)]
    pool = ThreadPool(workers, task=task)
    try:
        outcomes = grade_batch(pool, todo, lambda result, digest: None)
    finally:
        pool.close()
    assert all(o.ok for o in outcomes)
    assert [flag for _, flag in sorted(sent)] == told
