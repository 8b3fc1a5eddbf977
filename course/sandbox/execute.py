"""Run a restored notebook in the sandboxed kernel, then ask it the grader's questions.

Cells run in order with nbclient, each under the cell time-out, all under the notebook's
budget. A test cell runs as the student received it (its visible tests): the hidden tests
never run where student code runs; after it, the kernel keeps the objects its checks are
about (course/sandbox/kernel/harness.py), so the grade is what the test cell saw. A cell over its time-out
is interrupted; one that ignores the interrupt has its kernel killed after a grace period
by a watchdog, which also kills the kernel when the notebook's budget runs out. A cell that
kills the kernel (or has it killed) is skipped and the kernel restarted (at most
``limits.max_restarts`` times), so honest problems after it keep their points. When the
notebook has run, one more cell calls the graded functions on the grader's inputs in that
same kernel and displays plain arrays back (course/sandbox/kernel/wire.py). Outputs are capped as they
arrive, per output and per notebook.
"""

from __future__ import annotations

import json
import math
import os
import re
import shutil
import signal
import subprocess
import threading
import time
from dataclasses import dataclass, field

import nbformat

from ..config import Limits
from ..grading.payload import Request
from ..notebook import nbgrader_meta
from . import spare
from .faults import KernelStartFailed, SandboxSetupFailed
from .isolation import RunFolder, Sandbox, make_run_folder, prepare
from .kernel.wire import REPLY_MIME, read_replies, write_requests

MAX_OUTPUT_CHARS = 20_000  # a stream output kept in the autograded notebook
MAX_RICH_OUTPUT_CHARS = 2_000_000  # one rich output (a plot is ~50-100 kB of base64)
MAX_NOTEBOOK_OUTPUT_CHARS = 10_000_000  # every output of the notebook together
GRACE_SECONDS = 10.0  # after a cell's time-out, before its kernel is killed
START_ATTEMPTS = 3  # a kernel that fails to start (before any student code) is started again
SETUP_ATTEMPTS = 3  # likewise a sandbox that cannot be set up
HARNESS = (
    "import course.sandbox.kernel.harness as _course_harness\n"
    "_course_harness.answer({directory!r}, {call_timeout!r}, {per_grade!r})"
)
KEEP = (
    "import course.sandbox.kernel.harness as _course_harness\n_course_harness.keep({grade_id!r}, globals(), {names!r})"
)


@dataclass(frozen=True)
class TestCell:
    """How a graded test cell runs: the text students received, and the objects to keep after it."""

    visible_source: str
    names: tuple[str, ...]


@dataclass
class KernelRun:
    """What happened in the kernel. ``replies`` is None when the grader's calls could not run."""

    replies: list[dict] | None = None
    skipped: dict[int, str] = field(default_factory=dict)  # cell index -> why it was skipped
    unrun: set[int] = field(default_factory=set)
    budget_hit: bool = False
    notes: list[str] = field(default_factory=list)
    seconds: dict[int, float] = field(default_factory=dict)  # cell index -> how long it ran (the last run)
    timed_out: dict[int, float] = field(default_factory=dict)  # cell index -> the limit it ran out of
    budget: float = 0.0  # the notebook's budget it ran under, in seconds
    ask_seconds: float = 0.0  # how long the grader's calls took after the notebook


def execute(
    notebook,
    files: dict[str, bytes],
    requests: list[Request],
    limits: Limits,
    tests: dict[str, TestCell] | None = None,
    adapters: dict | None = None,
    cell_limits: dict[int, float] | None = None,
) -> KernelRun:
    """Run ``notebook`` (in place: its outputs are the run's) with ``files`` beside it. ``tests``:
    {grade_id: TestCell} for the graded test cells; ``adapters``: {grade_id: {name: adapter}};
    ``cell_limits``: {cell index: seconds} for cells whose limit is not ``limits.cell_timeout``
    (course/grading/time_limits.py sizes them from the reference run)."""
    tests = tests or {}
    ahead = spare.take(files, limits)
    if ahead is not None:
        (started, left_out), (run, sandbox) = ahead, (ahead[0].run, ahead[0].sandbox)
        notes, km = left_out + sandbox.notes, started.km
    else:
        (run, sandbox, notes), km = set_up(files, limits), None
    outcome = KernelRun(notes=notes, budget=limits.budget)
    cell_limits = cell_limits or {}
    try:
        if requests:
            write_requests(requests, run.requests, adapters)
        if ahead is not None:
            started.release(limits)  # the submission's files and questions are in place
        deadline = time.monotonic() + limits.budget
        failed_starts = 0
        for _attempt in range(limits.max_restarts + 1):
            while True:
                try:
                    died_at = _run_once(
                        notebook, run, sandbox, requests, limits, tests, deadline, outcome, cell_limits, km
                    )
                    break
                except KernelStartFailed as err:
                    failed_starts += 1
                    if failed_starts >= START_ATTEMPTS:
                        raise KernelStartFailed(f"the kernel did not start ({START_ATTEMPTS} attempts): {err}") from err
                    outcome.notes.append(f"the grading kernel failed to start ({err}); started again")
                finally:
                    km = None  # _run_once stopped it; a restart starts a kernel of its own
            if died_at is None:
                return outcome
            if outcome.budget_hit:
                break
        # every restart died, or the budget ran out: leave the rest unrun
        outcome.unrun |= {
            i
            for i, c in enumerate(notebook.cells)
            if c.cell_type == "code" and c.execution_count is None and i not in outcome.skipped
        }
        return outcome
    finally:
        student_counts = student_cell_counts(notebook)
        for cell in notebook.cells:
            if cell.cell_type == "code":
                cell.outputs = [limit_output(o) for o in cell.outputs]
                if nbgrader_meta(cell).get("grade") and not nbgrader_meta(cell).get("solution"):
                    hide_test_code(cell, student_counts)
        if km is not None:  # started ahead, and something failed before it ran anything
            started.stop()
        elif sandbox.cgroup is not None:
            sandbox.cgroup.remove()
        shutil.rmtree(run.root, ignore_errors=True)


def set_up(files: dict[str, bytes], limits: Limits) -> tuple[RunFolder, Sandbox, list[str]]:
    """The run folder with ``files`` and the kernel's sandbox, made again (at most SETUP_ATTEMPTS times)
    when the machine fails to make them; SandboxSetupFailed when it never does. Nothing of the
    student's runs here, so a failure is never theirs."""
    failures: list[str] = []
    while True:
        run = None
        try:
            run, left_out = make_run_folder(files)
            sandbox = prepare(run, limits)
        except Exception as err:
            if run is not None:
                shutil.rmtree(run.root, ignore_errors=True)
            failures.append(f"{type(err).__name__}: {str(err)[:200]}")
            if len(failures) >= SETUP_ATTEMPTS:
                raise SandboxSetupFailed(
                    f"the sandbox could not be set up ({SETUP_ATTEMPTS} attempts): {failures[-1]}"
                ) from err
            continue
        retried = [f"the grading sandbox could not be set up ({why}); set up again" for why in failures]
        return run, sandbox, retried + left_out + sandbox.notes


def _run_once(
    notebook, run, sandbox: Sandbox, requests, limits: Limits, tests, deadline, outcome, cell_limits, km=None
) -> int | None:
    """Start a kernel (or take ``km``'s, started ahead) and run every cell not skipped; the index of a
    cell that stopped the kernel, or None."""
    from jupyter_core.utils import run_sync
    from nbclient.exceptions import DeadKernelError

    for cell in notebook.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    if km is None:
        for stale in run.ipc.iterdir():
            stale.unlink()
        km = spare.kernel_manager(run, sandbox)
    client = CappedClient(
        notebook,
        km=km,
        timeout=whole_seconds(limits.cell_timeout),
        allow_errors=True,
        interrupt_on_timeout=True,
        record_timing=False,
        resources={"metadata": {"path": str(run.work)}},
    )
    watchdog = Watchdog(lambda: _kill(km, sandbox))
    died_at, started = None, False
    try:
        with client.setup_kernel(env=sandbox.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL):
            started = True
            spare.start(limits)  # the next submission's kernel, while this one runs
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
                test = tests.get(nbgrader_meta(cell).get("grade_id"))
                limit = cell_limits.get(index, limits.cell_timeout)
                try:
                    _run_cell(client, watchdog, cell, index, test, limit, deadline, outcome)
                    if test is not None and test.names:
                        grader_cell(
                            client,
                            watchdog,
                            notebook,
                            KEEP.format(grade_id=nbgrader_meta(cell)["grade_id"], names=list(test.names)),
                            limits.cell_timeout,
                            deadline,
                        )
                except DeadKernelError:
                    died_at = index
                    break
            if died_at is None:
                per_grade = call_limits(notebook, cell_limits, limits.call_timeout)
                # the harness cell may need one call time-out per graded function
                longest: dict[str, float] = {}
                for r in requests:
                    longest[r.function] = max(
                        longest.get(r.function, 0.0), per_grade.get(r.grade_id, limits.call_timeout)
                    )
                timeout = limits.cell_timeout + sum(longest.values())
                asked = time.monotonic()
                outcome.replies = ask(
                    client, watchdog, notebook, run, requests, (limits.call_timeout, per_grade), timeout, deadline
                )
                outcome.ask_seconds = round(time.monotonic() - asked, 3)
    except Exception as err:
        if started:
            raise
        raise KernelStartFailed(f"{type(err).__name__}: {str(err)[:200]}") from err
    finally:
        watchdog.disarm()
        # nbclient leaves a kernel manager it was handed running: stop the kernel here
        try:
            run_sync(km.shutdown_kernel)(now=True)
        except Exception:  # already dead and cleaned up
            pass
        if sandbox.cgroup is not None:
            sandbox.cgroup.kill()
    if watchdog.fired == "budget":
        outcome.budget_hit = True
        if died_at is not None:
            outcome.skipped[died_at] = f"the notebook's time budget of {limits.budget:g} s ran out while this cell ran"
    elif died_at is not None:
        limit = cell_limits.get(died_at, limits.cell_timeout)
        outcome.skipped[died_at] = (
            f"this cell ran past its time limit of {limit:g} s and ignored the interrupt: its kernel was "
            "stopped, and the cell skipped on restart"
            if watchdog.fired == "cell"
            else "this cell stopped the kernel (crash, exit or memory); skipped on restart"
        )
    return died_at


def _run_cell(client, watchdog, cell, index, test: TestCell | None, limit, deadline, outcome: KernelRun) -> None:
    """Run one cell under the watchdog with ``limit`` seconds, and note how long it ran (and whether it ran
    out of time) in ``outcome``; a test cell runs its visible text, and keeps its full text."""
    full = cell.source
    if test is not None:
        cell.source = test.visible_source
    client.timeout = whole_seconds(limit)
    started = time.monotonic()
    try:
        watchdog.arm(limit, deadline)
        client.execute_cell(cell, index)
    finally:
        watchdog.disarm()
        cell.source = full
        outcome.seconds[index] = round(time.monotonic() - started, 3)
        if outcome.seconds[index] >= limit:
            outcome.timed_out[index] = limit


def grader_cell(client, watchdog, notebook, code: str, timeout: float, deadline: float):
    """Run the grader's own ``code`` in the kernel as a cell that is not kept in the notebook; the cell."""
    cell = nbformat.v4.new_code_cell(code)
    notebook.cells.append(cell)
    client.timeout = whole_seconds(timeout)
    try:
        watchdog.arm(timeout, deadline)
        client.execute_cell(cell, len(notebook.cells) - 1)
    finally:
        watchdog.disarm()
        notebook.cells.pop()
    return cell


def call_limits(notebook, cell_limits: dict[int, float], floor: float) -> dict[str, float]:
    """{grade_id: seconds} one grader's call of a function may take for that grade: as long as the grade's
    test cell may run (its limit is sized from the reference, like every cell's), and never less than
    ``floor`` (Limits.call_timeout). A hidden case asks no more of a function than its visible test did:
    an honest loop that passed its test cell must not run out of time on the grader's case (the grader's
    watch for the reference's code slows every call a little), while the notebook's budget still bounds
    the whole run."""
    limits = {}
    for index, seconds in cell_limits.items():
        grade_id = nbgrader_meta(notebook.cells[index]).get("grade_id")
        if grade_id:
            limits[grade_id] = max(floor, float(seconds))
    return limits


def ask(
    client,
    watchdog,
    notebook,
    run,
    requests: list[Request],
    call_timeouts: tuple[float, dict[str, float]],
    timeout: float,
    deadline: float,
) -> list[dict] | None:
    """Run the harness cell after the notebook; the decoded replies, one per request. ``call_timeouts``:
    (the seconds one call may take, {grade_id: seconds} for grades whose limit differs)."""
    from nbclient.exceptions import DeadKernelError

    if not requests:
        return []
    default, per_grade = call_timeouts
    cell = nbformat.v4.new_code_cell(
        HARNESS.format(directory=str(run.requests), call_timeout=float(default), per_grade=per_grade)
    )
    notebook.cells.append(cell)
    client.timeout = whole_seconds(timeout)
    client.reply_cell = len(notebook.cells) - 1
    try:
        watchdog.arm(timeout, deadline)
        client.execute_cell(cell, len(notebook.cells) - 1)
    except DeadKernelError:
        pass  # the replies that came before the kernel stopped still count
    except Exception:
        return None
    finally:
        watchdog.disarm()
        client.reply_cell = None
        notebook.cells.pop()
    return read_replies(cell.outputs, len(requests))


def whole_seconds(seconds: float) -> int:
    """nbclient's time-out is a whole number of seconds (a float such as 45.5 is refused): round up."""
    return math.ceil(seconds)


class Watchdog:
    """Kills the kernel when a deadline passes: a cell that ignores its interrupt (its time-out plus a
    grace), or the notebook's budget. ``fired`` says which ("cell" or "budget"), None if it never fired."""

    def __init__(self, kill):
        self._kill, self._timer, self.fired = kill, None, None

    def arm(self, cell_timeout: float, deadline: float) -> None:
        self.disarm()
        left = deadline - time.monotonic()
        seconds, reason = (cell_timeout + GRACE_SECONDS, "cell")
        if left < cell_timeout:
            seconds, reason = max(left, 0.0) + GRACE_SECONDS, "budget"
        self._timer = threading.Timer(seconds, self._fire, (reason,))
        self._timer.daemon = True
        self._timer.start()

    def disarm(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _fire(self, reason: str) -> None:
        self.fired = reason
        self._kill()


def _kill(km, sandbox: Sandbox) -> None:
    """SIGKILL the kernel's process group and everything in its control group (from the watchdog's thread)."""
    provisioner = getattr(km, "provisioner", None)
    pgid = getattr(provisioner, "pgid", None)
    process = getattr(provisioner, "process", None)
    try:
        if pgid:
            os.killpg(pgid, signal.SIGKILL)
        elif process is not None:
            process.kill()
    except OSError:
        pass
    if sandbox.cgroup is not None:
        sandbox.cgroup.kill()


def output_size(content: dict) -> int:
    """About how many characters an output message keeps in the notebook."""
    if "text" in content:
        return len(str(content.get("text", "")))
    if "data" in content:
        return sum(
            len(v) if isinstance(v, str) else len(json.dumps(v, default=str))
            for v in (content.get("data") or {}).values()
        )
    return len(str(content.get("evalue", ""))) + sum(len(str(line)) for line in content.get("traceback", []) or [])


def _cap_note(text: str):
    return nbformat.v4.new_output("stream", name="stdout", text=f"\n... ({text})\n")


try:
    from nbclient import NotebookClient as _NotebookClient
except ImportError:  # pragma: no cover - nbclient is a dependency
    _NotebookClient = object


_UNDRAWN_FIGURE = re.compile(r"<Figure size \d+x\d+ with \d+ Axes>")
UNDRAWN_NOTE = " (not drawn while grading: your own notebook shows it)"


def say_figure_not_drawn(output) -> None:
    """A figure the grading kernel did not draw (course/sandbox/kernel/launch.py: draw_no_figures) shows
    as its text in the autograded notebook and the feedback; say why there."""
    data = output.get("data") or {}
    text = data.get("text/plain")
    if set(data) == {"text/plain"} and isinstance(text, str) and _UNDRAWN_FIGURE.fullmatch(text):
        data["text/plain"] = text + UNDRAWN_NOTE


class CappedClient(_NotebookClient):
    """nbclient's client with the outputs capped as they arrive: a stream output at MAX_OUTPUT_CHARS,
    a rich one at MAX_RICH_OUTPUT_CHARS, the notebook's at MAX_NOTEBOOK_OUTPUT_CHARS. The harness
    cell's replies (``reply_cell``) are capped by course/sandbox/kernel/wire.py instead."""

    reply_cell: int | None = None
    _kept_chars = 0
    _capped = False

    def output(self, outs, msg, display_id, cell_index):
        content = msg.get("content", {})
        if cell_index == self.reply_cell and REPLY_MIME in (content.get("data") or {}):
            return super().output(outs, msg, display_id, cell_index)
        size = output_size(content)
        if self._kept_chars + min(size, MAX_OUTPUT_CHARS) > MAX_NOTEBOOK_OUTPUT_CHARS:
            if not self._capped:
                self._capped = True
                outs.append(
                    _cap_note(
                        "later output left out by the grader: the notebook's outputs reached "
                        f"{MAX_NOTEBOOK_OUTPUT_CHARS:,} characters"
                    )
                )
            return None
        if msg.get("msg_type") != "stream" and size > MAX_RICH_OUTPUT_CHARS:
            outs.append(_cap_note(f"an output of {size:,} characters left out by the grader"))
            return None
        out = super().output(outs, msg, display_id, cell_index)
        if out is not None and out.get("output_type") == "stream" and len(out.get("text", "")) > MAX_OUTPUT_CHARS:
            out["text"] = out["text"][:MAX_OUTPUT_CHARS] + "\n... (output truncated by the grader)\n"
        if out is not None:
            say_figure_not_drawn(out)
        self._kept_chars += min(size, MAX_OUTPUT_CHARS if msg.get("msg_type") == "stream" else size)
        return out

    def _update_display_id(self, display_id, msg):
        if output_size(msg.get("content", {})) <= MAX_RICH_OUTPUT_CHARS:
            super()._update_display_id(display_id, msg)


_ANSI = re.compile(r"\x1b\[[0-9;]*m")
_CELL_FRAME = re.compile(r"^Cell In\[(\d+)\], line (\d+), in ([\w<>.]+)")
_ARROW = re.compile(r"^----> ?\d+ ?(.*)$", re.MULTILINE)
RAISED_IN = "raised in "  # the traceback line hide_test_code keeps: where the student's code raised


def student_frame(traceback: list[str], student_counts: set[int]) -> str | None:
    """ "raised in softmax, line 3 of its cell: `shifted = zz - np.max(z)`": the deepest frame of IPython's
    traceback that runs a function defined in one of the student's cells (execution counts in
    ``student_counts``), or None. Frames of test cells are never quoted: their hidden part is secret."""
    found = None
    for entry in traceback:
        plain = _ANSI.sub("", str(entry))
        header = _CELL_FRAME.match(plain)
        if header and int(header.group(1)) in student_counts:
            arrow = _ARROW.search(plain)
            code = arrow.group(1).strip()[:120] if arrow else ""
            quoted = f": `{code}`" if code else ""
            found = f"{RAISED_IN}{header.group(3)}, line {header.group(2)} of its cell{quoted}"
    return found


def hide_test_code(cell, student_counts: set[int] = frozenset()) -> None:
    """A traceback quotes the lines around the failure: keep only the error and its message (the
    checks' messages never show hidden inputs), and the line of the student's own code that raised."""
    for output in cell.outputs:
        if output.get("output_type") == "error":
            where = student_frame(output.get("traceback") or [], student_counts)
            summary = f"{output.get('ename', 'Error')}: {output.get('evalue', '')}"
            output["traceback"] = [where, summary] if where else [summary]


def student_cell_counts(notebook) -> set[int]:
    """The execution counts of the cells whose code is the student's (every code cell but the tests)."""
    tests = {
        c.execution_count
        for c in notebook.cells
        if c.cell_type == "code" and nbgrader_meta(c).get("grade") and not nbgrader_meta(c).get("solution")
    }
    return {
        c.execution_count
        for c in notebook.cells
        if c.cell_type == "code" and c.execution_count is not None and c.execution_count not in tests
    }


def limit_output(output):
    """A stream output cut at MAX_OUTPUT_CHARS (CappedClient cuts each as it arrives; nbclient may join them)."""
    if output.get("output_type") == "stream" and len(output.get("text", "")) > MAX_OUTPUT_CHARS:
        output["text"] = output["text"][:MAX_OUTPUT_CHARS] + "\n... (output truncated by the grader)\n"
    return output
