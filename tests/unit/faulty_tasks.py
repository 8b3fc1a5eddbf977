"""Stand-ins for the grading worker's function that fail the way a grading machine fails, for
tests/unit/test_grading_batch.py. They run in spawned worker processes, so they live in a module and
keep their state in files: the payload's ``files["marker"]`` is a folder of its own for each test.

The student's name says what happens: ``ok-*`` is graded; ``dies-always`` / ``dies-once`` kill their
worker process (SIGKILL, as the kernel's OOM killer would); ``kernel-never`` / ``kernel-once`` raise
KernelStartFailed, ``sandbox-never`` SandboxSetupFailed; ``bug`` raises an error of the grader's own.
"""

import os
import signal
import time
from pathlib import Path

from course.grading.payload import SubmissionResult
from course.sandbox.faults import KernelStartFailed, SandboxSetupFailed


def _first_time(payload) -> bool:
    marker = Path(payload.files["marker"].decode()) / payload.student
    if marker.exists():
        return False
    marker.touch()
    return True


def grade(payload) -> SubmissionResult:
    name = payload.student
    if name == "dies-always" or name == "dies-once" and _first_time(payload):
        time.sleep(0.3)  # the others in flight are mid-grading when it dies
        os.kill(os.getpid(), signal.SIGKILL)
    if name == "kernel-never" or name == "kernel-once" and _first_time(payload):
        raise KernelStartFailed("the kernel did not start (3 attempts): Kernel died before replying to kernel_info")
    if name == "sandbox-never":
        raise SandboxSetupFailed("the sandbox could not be set up (3 attempts): OSError: [Errno 28] No space left")
    if name == "bug":
        raise ValueError("a bug of the grader's")
    time.sleep(0.5)
    return SubmissionResult(name, payload.week)
