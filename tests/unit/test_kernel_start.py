"""A grading kernel that fails to start is the machine's fault, never the student's: it is started
again (course/sandbox/execute.py), and when it never starts the submission is not graded (no zero)."""

import contextlib

import nbformat
import pytest

import course.sandbox.execute as execute_module
from course.config import Limits

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
