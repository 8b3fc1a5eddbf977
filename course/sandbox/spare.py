"""Kernels started ahead: while a grading worker runs one submission's notebook, the sandboxed kernel
for its next submission starts beside it, so that no submission waits for a kernel to start.

A kernel start is a fixed cost of every submission (about 0.7 s for the process, the sandbox and the
kernel's handshake, and 1.5-2 s more for the imports every course notebook begins with: numpy,
matplotlib, helpers). Started ahead, the kernel does all of that on the machine's other core while
the current notebook runs; then (course/sandbox/kernel/launch.py) it waits for the grader to write
its start file. Nothing of a submission is in its run folder before that: :func:`take` writes the
next submission's files into its inbox and the limits into its start file, and the kernel copies
the files into its working folder and answers. Each kernel started ahead is a whole sandbox of its
own (run folder, control group, namespaces), exactly as a kernel started on demand is.

Only the grading pool's workers start kernels ahead (:func:`enable`, course/grading/pool.py): at most
one per worker thread. One that died while it waited, or whose control group was made for other
limits, is stopped and the submission starts its own kernel, as without this module. What is still
waiting when the worker exits is stopped then (and bubblewrap's ``--die-with-parent`` stops it if
the worker is killed).
"""

from __future__ import annotations

import atexit
import json
import os
import shutil
import subprocess
import threading
from dataclasses import dataclass

from .isolation import KERNEL_NAME, RunFolder, Sandbox, fill_inbox, limit_variables, make_run_folder, prepare
from .kernel.launch import PRELOAD_VARIABLE, START_VARIABLE

# What every course notebook imports first, imported by a kernel started ahead while it waits.
PRELOAD = ("numpy", "matplotlib.pyplot", "helpers")
START_FILE = "start"  # in the run's requests folder (read-only to the kernel)
OFF_VARIABLE = "COURSE_KERNELS_AHEAD"  # "0": every kernel starts when its submission does

_enabled = False
_local = threading.local()
_waiting: set[Spare] = set()  # every kernel started ahead and not yet taken, for the stop at exit
_lock = threading.Lock()


@dataclass(eq=False)
class Spare:
    """A kernel started ahead: its run folder, its sandbox, its (started) kernel manager."""

    run: RunFolder
    sandbox: Sandbox
    km: object
    memory_mb: int  # the control group's memory limit it was made with

    def release(self, limits) -> None:
        """Let the kernel go on: the submission is in the inbox; here are its limits."""
        path = self.run.requests / START_FILE
        partial = path.with_suffix(".partial")
        partial.write_text(json.dumps(limit_variables(limits)))
        os.replace(partial, path)  # whole, or not there: the kernel polls for the name

    def stop(self) -> None:
        from jupyter_core.utils import run_sync

        try:
            run_sync(self.km.shutdown_kernel)(now=True)
        except Exception:  # already gone
            pass
        if self.sandbox.cgroup is not None:
            self.sandbox.cgroup.kill()
            self.sandbox.cgroup.remove()
        shutil.rmtree(self.run.root, ignore_errors=True)


def enable() -> None:
    """Start kernels ahead in this process from now on (the grading pool's workers call this), unless
    the environment says COURSE_KERNELS_AHEAD=0 (a machine short of memory: each waiting kernel holds
    about 90 MB, measured; or to measure what they save, benchmarks/grading.py)."""
    global _enabled
    if not _enabled and os.environ.get(OFF_VARIABLE, "1") != "0":
        _enabled = True
        atexit.register(_stop_all)


def want_next(wanted: bool) -> None:
    """Whether this worker thread's next :func:`start` starts a kernel (the batch says when no submission
    will be left for this worker: a kernel started for none costs a start and the imports for nothing)."""
    _local.wanted = wanted


def kernel_manager(run: RunFolder, sandbox: Sandbox):
    """The kernel manager of one run's sandboxed kernel (started by nbclient, or here ahead of time)."""
    from jupyter_client.kernelspec import KernelSpecManager

    # nbclient's time-out path is async: a synchronous KernelManager deadlocks on interrupt
    from jupyter_client.manager import AsyncKernelManager

    return AsyncKernelManager(
        kernel_name=KERNEL_NAME,
        connection_file=str(run.connection_file),
        transport="ipc",
        ip=str(run.ipc / "kernel"),
        kernel_spec_manager=KernelSpecManager(kernel_dirs=[str(sandbox.kernels)]),
    )


def start_kernel(km, sandbox: Sandbox) -> None:
    from jupyter_core.utils import run_sync

    run_sync(km.start_kernel)(env=sandbox.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def start(limits) -> None:
    """Start the next kernel of this worker thread ahead, unless one waits already or this process
    grades without them. A failure here costs nothing: the next submission starts its own kernel."""
    if not _enabled or not getattr(_local, "wanted", True) or getattr(_local, "spare", None) is not None:
        return
    run = sandbox = None
    try:
        run, _ = make_run_folder({})
        sandbox = prepare(run, limits)
        sandbox.env.update({START_VARIABLE: str(run.requests / START_FILE), PRELOAD_VARIABLE: ",".join(PRELOAD)})
        km = kernel_manager(run, sandbox)
        start_kernel(km, sandbox)
    except Exception:
        if sandbox is not None and sandbox.cgroup is not None:
            sandbox.cgroup.kill()
            sandbox.cgroup.remove()
        if run is not None:
            shutil.rmtree(run.root, ignore_errors=True)
        return
    spare = _local.spare = Spare(run, sandbox, km, limits.memory_mb)
    with _lock:
        _waiting.add(spare)


def take(files: dict[str, bytes], limits) -> tuple[Spare, list[str]] | None:
    """This thread's kernel started ahead, with ``files`` now in its inbox, and notes on the files left
    out; None when there is none that can grade a submission under ``limits``."""
    from jupyter_core.utils import run_sync

    spare, _local.spare = getattr(_local, "spare", None), None
    if spare is None:
        return None
    with _lock:
        _waiting.discard(spare)
    try:
        usable = spare.memory_mb == limits.memory_mb and run_sync(spare.km.is_alive)()
    except Exception:
        usable = False
    if not usable:
        spare.stop()
        return None
    return spare, fill_inbox(spare.run, files)


def _stop_all() -> None:
    with _lock:
        spares = list(_waiting)
        _waiting.clear()
    for spare in spares:
        spare.stop()
