"""A grading kernel that fails to start, or a sandbox that cannot be set up, is the machine's fault,
never the student's: it is started (set up) again (course/sandbox/execute.py), and when it never
succeeds the submission is not graded (no zero; course/grading/batch.py)."""

import contextlib
import json

import nbformat
import pytest

import course.sandbox.execute as execute_module
from course.config import Limits
from course.sandbox.isolation import KERNEL_NAME

LIMITS = Limits(cell_timeout=60, budget=120, max_restarts=0)


def notebook():
    return nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("print(6 * 7)")])


def test_a_kernel_that_dies_while_starting_is_started_again(monkeypatch):
    original, starts = execute_module.CappedClient.setup_kernel, []

    @contextlib.contextmanager
    def flaky(self, **kwargs):
        starts.append(1)
        if len(starts) == 1:
            raise RuntimeError("Kernel died before replying to kernel_info")
        with original(self, **kwargs):
            yield

    monkeypatch.setattr(execute_module.CappedClient, "setup_kernel", flaky)
    nb = notebook()
    outcome = execute_module.execute(nb, {}, [], LIMITS)
    assert nb.cells[0].outputs[0]["text"] == "42\n" and len(starts) == 2
    assert any("failed to start" in note and "kernel_info" in note for note in outcome.notes)


def test_a_kernel_that_never_starts_is_an_infrastructure_failure(monkeypatch):
    @contextlib.contextmanager
    def broken(self, **kwargs):
        raise RuntimeError("no kernel today")
        yield

    monkeypatch.setattr(execute_module.CappedClient, "setup_kernel", broken)
    with pytest.raises(execute_module.KernelStartFailed, match="no kernel today"):
        execute_module.execute(notebook(), {}, [], LIMITS)


def failing_first_start(monkeypatch, tmp_path, always=False):
    """Really break the kernel: its command exits before the kernel starts (once, or every time)."""
    real_prepare = execute_module.prepare

    def prepare(run, limits):
        sandbox = real_prepare(run, limits)
        spec = run.kernels / KERNEL_NAME / "kernel.json"
        kernel = json.loads(spec.read_text())
        guard = 'if [ -e "$0" ]; then exec "$@"; fi; touch "$0"; exit 3'
        kernel["argv"] = ["/bin/sh", "-c", "exit 3" if always else guard, str(tmp_path / "started"), *kernel["argv"]]
        spec.write_text(json.dumps(kernel))
        return sandbox

    monkeypatch.setattr(execute_module, "prepare", prepare)


def test_a_real_kernel_that_exits_while_starting_is_started_again(monkeypatch, tmp_path):
    failing_first_start(monkeypatch, tmp_path)
    nb = notebook()
    outcome = execute_module.execute(nb, {}, [], LIMITS)
    assert nb.cells[0].outputs[0]["text"] == "42\n"
    assert any("failed to start" in note and "kernel_info" in note for note in outcome.notes)


def test_a_real_kernel_that_never_starts_raises_kernel_start_failed(monkeypatch, tmp_path):
    failing_first_start(monkeypatch, tmp_path, always=True)
    with pytest.raises(execute_module.KernelStartFailed, match=r"3 attempts.*kernel_info"):
        execute_module.execute(notebook(), {}, [], LIMITS)


def test_a_sandbox_that_fails_to_set_up_is_set_up_again(monkeypatch):
    real_prepare, calls = execute_module.prepare, []

    def prepare(run, limits):
        calls.append(run.root)
        if len(calls) == 1:
            raise OSError(28, "No space left on device")
        return real_prepare(run, limits)

    monkeypatch.setattr(execute_module, "prepare", prepare)
    nb = notebook()
    outcome = execute_module.execute(nb, {}, [], LIMITS)
    assert nb.cells[0].outputs[0]["text"] == "42\n" and len(calls) == 2
    assert any("could not be set up" in note and "No space left" in note for note in outcome.notes)
    assert not any(root.exists() for root in calls)  # the failed run's folder is gone too


def test_a_sandbox_that_never_sets_up_raises_sandbox_setup_failed(monkeypatch):
    calls = []

    def prepare(run, limits):
        calls.append(run.root)
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(execute_module, "prepare", prepare)
    with pytest.raises(execute_module.SandboxSetupFailed, match="No space left"):
        execute_module.execute(notebook(), {}, [], LIMITS)
    assert len(calls) == execute_module.SETUP_ATTEMPTS and not any(root.exists() for root in calls)


def test_files_named_like_libraries_do_not_stop_the_kernel_and_own_modules_import():
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("import json, mymod\nprint(json.dumps([mymod.X]))")])
    execute_module.execute(
        nb,
        {
            "json.py": b"raise SystemExit(1)\n",
            "zmq.py": b"raise SystemExit(1)\n",
            "traitlets.py": b"raise SystemExit(1)\n",
            "mymod.py": b"X = 42\n",
        },
        [],
        LIMITS,
    )
    assert nb.cells[0].outputs[0]["text"] == "[42]\n"
