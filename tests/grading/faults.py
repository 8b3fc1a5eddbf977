"""The real grading worker with a fault of the machine injected, by student name, for
tests/grading/test_faults.py. It runs in spawned worker processes; state (what already failed once)
is kept in the folder named by COURSE_TEST_FAULTS, which the test sets before the pool starts.

- ``dies-once`` / ``dies-always``: the worker process SIGKILLs itself as its first cell is about to run
  (its kernel, and the next submission's kernel started ahead, running). At a fixed point, not after a
  time: a timer of 2 s once fired after a quiet retry of a week 1 notebook had already finished;
- ``kernel-never``: the sandboxed kernel's command exits at once, so jupyter_client reports "Kernel died
  before replying to kernel_info" at every start;
- ``sandbox-never``: the sandbox's kernel spec cannot be written (OSError: no space left on device);
- anyone else is graded as usual.
"""

import json
import os
import signal
from pathlib import Path

import course.sandbox.execute as execute_module
from course.grading.worker import grade_submission
from course.sandbox.isolation import KERNEL_NAME

_real_prepare = execute_module.prepare
_real_run_cell = execute_module._run_cell


def _first_time(student: str) -> bool:
    marker = Path(os.environ["COURSE_TEST_FAULTS"]) / student
    if marker.exists():
        return False
    marker.touch()
    return True


def _kernel_exits(run, limits):
    sandbox = _real_prepare(run, limits)
    spec = run.kernels / KERNEL_NAME / "kernel.json"
    kernel = json.loads(spec.read_text())
    spec.write_text(json.dumps(dict(kernel, argv=["/bin/sh", "-c", "exit 3"])))
    return sandbox


def _no_space(run, limits):
    raise OSError(28, "No space left on device")


def _dies(*args, **kwargs):
    os.kill(os.getpid(), signal.SIGKILL)


def grade(payload):
    name = payload.student
    dies = name == "dies-always" or name == "dies-once" and _first_time(name)
    execute_module._run_cell = _dies if dies else _real_run_cell
    execute_module.prepare = {"kernel-never": _kernel_exits, "sandbox-never": _no_space}.get(name, _real_prepare)
    return grade_submission(payload)
