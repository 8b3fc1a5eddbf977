"""Faults of the grading machine, never of the student: a kernel that does not start, a sandbox that
cannot be set up. They are raised only before any student code runs, so ``course grade`` may retry
the submission (course/grading/batch.py) and, when it never succeeds, record it as not graded
instead of scoring it."""


class InfrastructureFault(RuntimeError):
    """The grading machine failed a submission before any of its code ran."""


class KernelStartFailed(InfrastructureFault):
    """The sandboxed kernel did not start (e.g. "Kernel died before replying to kernel_info")."""


class SandboxSetupFailed(InfrastructureFault):
    """The run folder, kernel spec or control group of a grading run could not be made."""
