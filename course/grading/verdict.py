"""Decide each problem's points from what happened: the test cell in the kernel, and the
grader's own judgement of the student's functions on its inputs.

A problem whose test calls public checks earns its points only when its test cell passed
in the kernel *and* every case the grader asked passed ``helpers.grading.judge`` here, in
a process that never ran student code. Anything else that happened (a cell put back, a
warning on stderr from code whose results were all right) is a note, never a lost point.
"""

from __future__ import annotations

from ..notebook import nbgrader_meta
from ..sandbox.execute import RAISED_IN, KernelRun
from .payload import Grade, NotebookKey, Request
from .time_limits import out_of_time

STDERR = "the test wrote to stderr"
TIMEOUT = "time-out: a cell ran longer than the limit"


def error_summary(output) -> str:
    """One line for an error output: its type and the most telling line of its message."""
    if output.ename == "NotImplementedError":
        return "not implemented yet (NotImplementedError)"
    lines = [line.strip() for line in str(output.get("evalue", "")).splitlines() if line.strip()]
    telling = [line for line in lines if not line.startswith(("Hint:", "To see this case"))]
    line = telling[-1] if telling else ""
    summary = f"{output.ename}: {line}" if line else output.ename
    where = [str(t) for t in output.get("traceback") or [] if str(t).startswith(RAISED_IN)]
    return (f"{summary} ({where[-1]})" if where else summary)[:300]


def kernel_verdict(cell, points: float) -> tuple[float, str]:
    """(points earned in the kernel, reason when fewer than all), as nbgrader would score the cell."""
    if cell.execution_count is None and not cell.outputs:
        return 0.0, "not run"
    for output in cell.outputs:
        if output.output_type == "error":
            if "timeout" in output.ename.lower() or output.ename == "KeyboardInterrupt":
                return 0.0, TIMEOUT
            if output.ename == "MemoryError":
                return 0.0, "memory limit exceeded"
            return 0.0, error_summary(output)
    if any(o.output_type == "stream" and o.name == "stderr" for o in cell.outputs):
        return 0.0, STDERR
    for output in cell.outputs:
        if output.output_type == "execute_result":
            try:
                value = float(output.get("data", {}).get("text/plain", ""))
            except ValueError:
                continue
            if not 0 <= value <= points:
                return 0.0, f"partial credit {value:g} outside 0..{points:g}"
            return value, "" if value == points else "partial credit"
    return points, ""


def trusted_failures(requests: list[Request], replies: list[dict] | None) -> dict[str, str | None]:
    """grade_id -> the first failed case's message, or None when every case passed."""
    from helpers.grading import CHECKS, Call, CheckFailed, judge

    failures: dict[str, str | None] = {}
    for i, request in enumerate(requests):
        if failures.get(request.grade_id):
            continue  # the first failure is the reason
        if replies is None:
            failures[request.grade_id] = "the grader could not call your functions (the notebook did not finish)"
            continue
        reply = replies[i]
        call = (
            Call(error=reply["error"]) if "error" in reply else Call(got=reply["got"], args_after=reply["args_after"])
        )
        try:
            judge(CHECKS[request.check], request.case, request.number, request.total, call)
            failures.setdefault(request.grade_id, None)
        except CheckFailed as err:
            failures[request.grade_id] = str(err).splitlines()[0][:300]
    return failures


def decide(
    notebook, nb_key: NotebookKey, restored: dict[str, str], requests: list[Request], outcome: KernelRun
) -> dict[str, Grade]:
    from nbgrader.utils import determine_grade

    cells = {nbgrader_meta(c).get("grade_id"): c for c in notebook.cells if nbgrader_meta(c).get("grade_id")}
    index = {
        nbgrader_meta(c).get("grade_id"): i for i, c in enumerate(notebook.cells) if nbgrader_meta(c).get("grade_id")
    }
    failures = trusted_failures(requests, outcome.replies)
    grades = {}
    for entry in nb_key["cells"]:
        meta = entry["nbgrader"]
        if not meta.get("grade"):
            continue
        grade_id, points = entry["grade_id"], float(meta.get("points", 0))
        note = restored.get(grade_id, "")
        cell = cells[grade_id]
        if meta.get("solution"):  # a manually graded answer: nbgrader decides
            score, _ = determine_grade(cell)
            grades[grade_id] = Grade(score, points, "" if score is None else "unanswered")
            continue
        score, reason = kernel_verdict(cell, points)
        limit = outcome.timed_out.get(index[grade_id])
        if reason == TIMEOUT and limit is not None:
            reason = "time-out: " + out_of_time(notebook, index[grade_id], limit, nb_key["metadata"])
        if entry["checks"]:
            failure = failures.get(grade_id, "no check ran")
            if failure and score > 0:
                score, reason = 0.0, failure
            elif failure and not reason:
                reason = failure
            elif not failure and reason == STDERR:
                # e.g. a numpy warning from a correct function: its results decide, the warning is a note
                score, reason = points, "note: the test cell wrote to stderr (a warning?); every check passed"
        elif score > 0:
            reason = "unverified: this test calls no public check"
        if outcome.budget_hit and score == 0 and not reason:
            reason = f"the notebook's time budget of {outcome.budget:g} s ran out"
        grades[grade_id] = Grade(float(score), points, "; ".join(r for r in (reason, note) if r))
    return grades
