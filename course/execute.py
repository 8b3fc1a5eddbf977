"""Run a restored notebook in the sandboxed kernel, then ask it the grader's questions.

Cells run in order with nbclient, each under the cell time-out, all under the notebook's
budget. A cell that kills the kernel is skipped and the kernel restarted (at most
``limits.max_restarts`` times), so honest problems after it keep their points. When the
notebook has run, one more cell (course/harness.py) calls the graded functions on the
grader's inputs in that same kernel and writes plain arrays back (course/wire.py).
"""
from __future__ import annotations

import shutil
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from .cells import nbgrader_meta
from .config import Limits
from .sandbox import KERNEL_NAME, make_scratch, write_kernel_spec
from .types import Request
from .wire import read_responses, write_requests

MAX_OUTPUT_CHARS = 20_000   # per output kept in the autograded notebook
HARNESS = ("import course.harness as _course_harness\n"
           "_course_harness.answer({directory!r}, globals(), {call_timeout!r})")


@dataclass
class Outcome:
    """What happened in the kernel. ``replies`` is None when the grader's calls could not run."""
    replies: list[dict] | None = None
    skipped: dict[int, str] = field(default_factory=dict)    # cell index -> why it was skipped
    unrun: set[int] = field(default_factory=set)
    budget_hit: bool = False
    notes: list[str] = field(default_factory=list)


def execute(notebook, files: dict[str, bytes], requests: list[Request], limits: Limits,
            hidden_roots=()) -> Outcome:
    """Run ``notebook`` (in place: its outputs are the run's) with ``files`` beside it."""
    from jupyter_client.kernelspec import KernelSpecManager
    # nbclient's time-out path is async: a synchronous KernelManager deadlocks on interrupt
    from jupyter_client.manager import AsyncKernelManager
    from jupyter_core.utils import run_sync
    from nbclient import NotebookClient
    from nbclient.exceptions import DeadKernelError

    scratch_root, work, left_out = make_scratch(files)
    kernels, notes = write_kernel_spec(scratch_root, work, limits, hidden_roots)
    outcome = Outcome(notes=left_out + notes)
    deadline = time.monotonic() + limits.budget
    try:
        for _attempt in range(limits.max_restarts + 1):
            for cell in notebook.cells:
                if cell.cell_type == "code":
                    cell.outputs, cell.execution_count = [], None
            km = AsyncKernelManager(kernel_name=KERNEL_NAME, connection_file=str(scratch_root / "connection.json"),
                                    kernel_spec_manager=KernelSpecManager(kernel_dirs=[str(kernels)]))
            client = NotebookClient(notebook, km=km, timeout=limits.cell_timeout, allow_errors=True,
                                    interrupt_on_timeout=True, record_timing=False,
                                    resources={"metadata": {"path": str(work)}})
            died_at = None
            with client.setup_kernel(stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL):
                for index, cell in enumerate(notebook.cells):
                    if cell.cell_type != "code":
                        continue
                    if index in outcome.skipped:
                        why = outcome.skipped[index]
                        cell.outputs = [nbformat.v4.new_output("error", ename="Skipped", evalue=why, traceback=[why])]
                        continue
                    if time.monotonic() > deadline:
                        outcome.budget_hit = True
                        outcome.unrun.add(index)
                        continue
                    try:
                        client.execute_cell(cell, index)
                    except DeadKernelError:
                        died_at = index
                        break
                if died_at is None:
                    # the harness cell may need one call time-out per graded function
                    client.timeout = limits.cell_timeout + limits.call_timeout * len({r.function for r in requests})
                    outcome.replies = ask(client, notebook, work, requests, limits.call_timeout)
            # nbclient leaves a kernel manager it was handed running: stop the kernel here
            run_sync(km.shutdown_kernel)(now=True)
            if died_at is None:
                return outcome
            outcome.skipped[died_at] = "this cell stopped the kernel (crash, exit or memory); skipped on restart"
        # every restart died: leave the rest unrun
        outcome.unrun |= {i for i, c in enumerate(notebook.cells)
                          if c.cell_type == "code" and c.execution_count is None and i not in outcome.skipped}
        return outcome
    finally:
        for cell in notebook.cells:
            if cell.cell_type == "code":
                cell.outputs = [limit_output(o) for o in cell.outputs]
                if nbgrader_meta(cell).get("grade") and not nbgrader_meta(cell).get("solution"):
                    hide_test_code(cell)
        shutil.rmtree(scratch_root, ignore_errors=True)


def ask(client, notebook, work: Path, requests: list[Request], call_timeout: float) -> list[dict] | None:
    """Run the harness cell after the notebook; the decoded replies, one per request."""
    if not requests:
        return []
    write_requests(requests, work)
    cell = nbformat.v4.new_code_cell(HARNESS.format(directory=str(work), call_timeout=float(call_timeout)))
    notebook.cells.append(cell)
    try:
        client.execute_cell(cell, len(notebook.cells) - 1)
    except Exception:
        return None
    finally:
        notebook.cells.pop()
    return read_responses(work, len(requests))


def hide_test_code(cell) -> None:
    """A traceback quotes the lines around the failure, hidden tests included: keep only
    the error and its message (the checks' messages never show hidden inputs)."""
    for output in cell.outputs:
        if output.get("output_type") == "error":
            output["traceback"] = [f"{output.get('ename', 'Error')}: {output.get('evalue', '')}"]


def limit_output(output):
    if output.get("output_type") == "stream" and len(output.get("text", "")) > MAX_OUTPUT_CHARS:
        output["text"] = output["text"][:MAX_OUTPUT_CHARS] + "\n... (output truncated by the grader)\n"
    return output
