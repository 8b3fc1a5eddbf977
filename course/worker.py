"""Grade one submission: plain data in, plain data out.

``grade_submission(payload)`` needs only the installed project, the submission's
bytes and the week's answer key (course/answer_key.py), so it runs the same in a local
process pool and on a Dask worker. It never touches the gradebook: the one process that
writes the gradebook receives its result (course/grade.py).

For each notebook:

1. Parse it (a broken file gets zeros and a reason), restore every test and locked cell
   from the key (an edited, deleted or re-pointed test cell scores 0 on its problem), and
   scan the student's own code for attacks on the grading run (course/tamper.py).
2. Execute it in a sandboxed kernel (course/sandbox_kernel.py) in a scratch directory
   holding only this submission. A cell that kills the kernel is skipped and the kernel
   restarted, so honest problems after it keep their points.
3. In the same kernel, call the graded functions on inputs this process chose
   (course/harness.py) and judge the returned arrays here, with the checks' own
   ``judge`` (helpers/grading/core.py). A problem earns its points only when its test
   cell passed in the kernel *and* every check it calls passed here.
"""
from __future__ import annotations

import copy
import json
import shutil
import subprocess
import sys
import tempfile
import time
import zlib
from pathlib import Path

import nbformat
import numpy as np

from .tamper import scan

CELL_TIMEOUT = 120          # seconds for one cell (nbgrader_config.py's Execute.timeout wins)
CALL_TIMEOUT = 60           # seconds for one call of a graded function by the grader
SUBMISSION_BUDGET = 900     # seconds for one notebook, all cells together
MEMORY_MB = 6144            # address space of the kernel (numba reserves a lot of it)
FILE_MB = 64                # largest file the kernel may write
MAX_RESTARTS = 2
MAX_OUTPUT_CHARS = 20_000   # per output kept in the autograded notebook


def default_limits() -> dict:
    return {"cell_timeout": CELL_TIMEOUT, "call_timeout": CALL_TIMEOUT, "budget": SUBMISSION_BUDGET,
            "memory_mb": MEMORY_MB, "file_mb": FILE_MB}


def submission_seed(student: str, week: str, salt: str = "") -> int:
    """The seed of the grader's cases for one submission: fixed for it, different across students."""
    return zlib.crc32(f"{salt}/{week}/{student}".encode())


# --------------------------------------------------------------------------- entry point

def grade_submission(payload: dict) -> dict:
    started = time.perf_counter()
    key, files = payload["key"], payload["files"]
    limits = {**default_limits(), **payload.get("limits", {})}
    result = {"student": payload["student"], "week": payload["week"], "notebooks": {}, "notes": []}
    for name, nb_key in key["notebooks"].items():
        raw, note = pick_file(files, name)
        if note:
            result["notes"].append(note)
        result["notebooks"][name] = grade_notebook(raw, nb_key, files, limits,
                                                   payload.get("seed", 0))
    result["seconds"] = round(time.perf_counter() - started, 2)
    return result


def pick_file(files: dict, name: str) -> tuple[bytes | None, str | None]:
    if name in files:
        return files[name], None
    notebooks = [f for f in files if f.endswith(".ipynb")]
    if len(notebooks) == 1:
        return files[notebooks[0]], f"graded {notebooks[0]} as {name} (the file was renamed)"
    return None, None


def zeros(nb_key: dict, reason: str) -> dict:
    return {"grades": {c["grade_id"]: {"score": 0.0, "max": float(c["nbgrader"].get("points", 0)),
                                       "reason": reason}
                       for c in nb_key["cells"] if c["nbgrader"].get("grade")},
            "executed": None}


# --------------------------------------------------------------------------- one notebook

def grade_notebook(raw: bytes | None, nb_key: dict, files: dict, limits: dict, seed: int) -> dict:
    if raw is None:
        return zeros(nb_key, "notebook not submitted")
    notebook, problem = parse(raw)
    if problem:
        return zeros(nb_key, problem)
    problems = restore_cells(notebook, nb_key)
    attack = find_attack(notebook, nb_key)
    if attack:
        graded = zeros(nb_key, f"tampering: {attack}")
        graded["executed"] = nbformat.writes(notebook)
        return graded
    requests = make_requests(nb_key, seed)
    outcome = execute(notebook, files, requests, limits)
    graded = decide(notebook, nb_key, problems, requests, outcome)
    graded["executed"] = nbformat.writes(notebook)
    graded["notes"] = outcome["notes"] + [f"cell {i + 1}: {why}" for i, why in outcome["skipped"].items()]
    return graded


def parse(raw: bytes):
    if not raw.strip():
        return None, "the notebook file is empty"
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as err:
        return None, f"the notebook is not UTF-8 text ({err.reason} at byte {err.start})"
    try:
        notebook = nbformat.reads(text, as_version=4)
    except Exception as err:
        return None, f"not a valid notebook: {type(err).__name__}: {str(err).splitlines()[0][:150]}"
    if not isinstance(notebook.get("cells"), list):
        return None, "not a valid notebook: no cells"
    return notebook, None


def meta(cell) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {})


def restore_cells(notebook, nb_key: dict) -> dict[str, str]:
    """Put every test and locked cell back as the instructor wrote it (hidden tests included).

    Returns {grade_id: reason} for problems that lose their points because their cell was
    deleted, edited, or had its points or flags changed.
    """
    problems: dict[str, str] = {}
    by_id: dict[str, object] = {}
    for cell in notebook.cells:
        grade_id = meta(cell).get("grade_id")
        if grade_id and grade_id not in by_id:
            by_id[grade_id] = cell
    for entry in nb_key["cells"]:
        grade_id, wanted = entry["grade_id"], entry["nbgrader"]
        cell = by_id.get(grade_id)
        if cell is None:
            problems[grade_id] = "its cell was deleted or its grade_id changed"
            continue
        got = meta(cell)
        if any(got.get(k) != wanted.get(k) for k in ("grade", "solution", "locked", "points")):
            problems[grade_id] = "the cell's points or grading flags were changed"
        if entry["source"] is not None:
            if cell.source.strip() != entry["release_source"].strip():
                problems.setdefault(grade_id, "the test cell was edited")
            cell.source = entry["source"]
            cell.cell_type = entry["cell_type"]
        cell.setdefault("metadata", {})["nbgrader"] = copy.deepcopy(wanted)
    for index, cell in enumerate(notebook.cells):
        cell["id"] = f"cell-{index}"
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
        for key in ("attachments",) if cell.cell_type == "code" else ():
            cell.pop(key, None)
    return problems


def student_code(notebook, nb_key: dict) -> list[str]:
    given = set(nb_key["given_code"])
    return [c.source for c in notebook.cells if c.cell_type == "code"
            and (meta(c).get("solution") or (not meta(c).get("grade_id") and c.source.strip() not in given))]


def find_attack(notebook, nb_key: dict) -> str | None:
    for source in student_code(notebook, nb_key):
        reason = scan(source)
        if reason:
            return reason
    return None


# --------------------------------------------------------------------------- requests

def make_requests(nb_key: dict, seed: int) -> list[dict]:
    """The grader's calls: one per case of every check a test cell calls."""
    from helpers.grading import CHECKS

    rng = np.random.default_rng(seed)
    requests = []
    for entry in nb_key["cells"]:
        for check_name, function in entry["checks"]:
            check = CHECKS.get(check_name)
            if check is None:
                continue
            cases = check.cases(rng)
            for number, case in enumerate(cases, start=1):
                requests.append({"grade_id": entry["grade_id"], "check": check_name, "function": function,
                                 "case": case, "number": number, "total": len(cases)})
    return requests


def write_requests(requests: list[dict], directory: Path) -> None:
    arrays, described = {}, []
    for i, request in enumerate(requests):
        case = request["case"]
        array_args, plain_args = [], []
        for j, arg in enumerate(case.args):
            if isinstance(arg, np.ndarray):
                arrays[f"q{i}_{j}"] = arg
                array_args.append(f"q{i}_{j}")
                plain_args.append(None)
            else:
                array_args.append(None)
                plain_args.append(arg.item() if isinstance(arg, np.generic) else arg)
        described.append({"check": request["check"], "function": request["function"], "label": case.label,
                          "array_args": array_args, "plain_args": plain_args, "kwargs": case.kwargs})
    np.savez(directory / "requests.npz", **arrays)
    (directory / "requests.json").write_text(json.dumps(described))


def read_responses(directory: Path, count: int) -> list[dict] | None:
    try:
        replies = json.loads((directory / "responses.json").read_text())
        arrays = dict(np.load(directory / "responses.npz", allow_pickle=False))
    except Exception:
        return None
    if not isinstance(replies, list) or len(replies) != count:
        return None

    def decode(node):
        from helpers.grading import Foreign
        if not isinstance(node, dict):
            return Foreign("unreadable")
        if "tuple" in node and isinstance(node["tuple"], list):
            return tuple(decode(n) for n in node["tuple"])
        if "array" in node and node["array"] in arrays:
            return arrays[node["array"]]
        return Foreign(str(node.get("foreign", "unreadable"))[:40])

    decoded = []
    for reply in replies:
        if not isinstance(reply, dict):
            decoded.append({"error": "the harness reply was unreadable"})
        elif "error" in reply:
            decoded.append({"error": str(reply["error"])[:500]})
        else:
            decoded.append({"got": decode(reply.get("got")),
                            "args_after": tuple(decode(a) for a in reply.get("args_after", []))})
    return decoded


# --------------------------------------------------------------------------- execution

def kernel_spec_dir(scratch_root: Path, work: Path, limits: dict, hidden_roots: list[Path]) -> tuple[Path, list[str]]:
    """Write the sandboxed kernel's spec; return its directory and notes on the isolation."""
    from .sandbox import bwrap_available, sandbox_prefix

    home = work / ".home"
    connection_file = scratch_root / "connection.json"
    env = {"COURSE_SANDBOX_MEMORY_MB": str(limits["memory_mb"]),
           "COURSE_SANDBOX_CPU_SECONDS": str(int(limits["budget"]) + 60),
           "COURSE_SANDBOX_FILE_MB": str(limits["file_mb"]),
           "HOME": str(home), "IPYTHONDIR": str(home / ".ipython"), "MPLCONFIGDIR": str(home / ".matplotlib"),
           "PYTHONDONTWRITEBYTECODE": "1", "COURSE_SANDBOX": "1"}
    argv = [sys.executable, "-m", "course.sandbox_kernel", "-f", "{connection_file}",
            "--HistoryManager.hist_file=:memory:", "--IPKernelApp.parent_handle=0"]
    notes = []
    if bwrap_available():
        argv = sandbox_prefix(work, connection_file, hidden_roots) + argv
    else:
        notes.append("no filesystem isolation (bubblewrap unavailable): resource limits only")
    spec = scratch_root / "kernels" / "course-sandbox"
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": argv, "display_name": "course sandbox", "language": "python", "env": env,
        "interrupt_mode": "message"}))
    return spec.parent, notes


def make_scratch(files: dict) -> tuple[Path, Path]:
    """A private directory for the kernel holding only this submission's files."""
    root = Path(tempfile.mkdtemp(prefix="course-grade-"))
    work = root / "work"
    work.mkdir()
    for name, data in files.items():
        (work / Path(name).name).write_bytes(data)
    (work / ".home").mkdir()
    return root, work


HARNESS = ("import course.harness as _course_harness\n"
           "_course_harness.answer({directory!r}, globals(), {call_timeout!r})")


def execute(notebook, files: dict, requests: list[dict], limits: dict) -> dict:
    from jupyter_client.kernelspec import KernelSpecManager
    # nbclient's time-out path is async: a synchronous KernelManager deadlocks on interrupt
    from jupyter_client.manager import AsyncKernelManager
    from jupyter_core.utils import run_sync
    from nbclient import NotebookClient
    from nbclient.exceptions import DeadKernelError

    scratch_root, work = make_scratch(files)
    hidden = [Path(p) for p in limits.get("hidden_roots", [])]
    kernels, notes = kernel_spec_dir(scratch_root, work, limits, hidden)
    skipped: dict[int, str] = {}
    outcome = {"skipped": skipped, "replies": None, "unrun": set(), "budget_hit": False, "notes": notes}
    deadline = time.monotonic() + limits["budget"]
    try:
        for _attempt in range(MAX_RESTARTS + 1):
            for index, cell in enumerate(notebook.cells):
                if cell.cell_type == "code":
                    cell.outputs, cell.execution_count = [], None
            km = AsyncKernelManager(kernel_name="course-sandbox", connection_file=str(scratch_root / "connection.json"),
                               kernel_spec_manager=KernelSpecManager(kernel_dirs=[str(kernels)]))
            client = NotebookClient(notebook, km=km, timeout=limits["cell_timeout"], allow_errors=True,
                                    interrupt_on_timeout=True, record_timing=False,
                                    resources={"metadata": {"path": str(work)}})
            died_at = None
            with client.setup_kernel(stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL):
                for index, cell in enumerate(notebook.cells):
                    if cell.cell_type != "code":
                        continue
                    if index in skipped:
                        cell.outputs = [nbformat.v4.new_output(
                            "error", ename="Skipped", evalue=skipped[index], traceback=[skipped[index]])]
                        continue
                    if time.monotonic() > deadline:
                        outcome["budget_hit"] = True
                        outcome["unrun"].add(index)
                        continue
                    try:
                        client.execute_cell(cell, index)
                    except DeadKernelError:
                        died_at = index
                        break
                if died_at is None:
                    # the harness cell may need one call timeout per graded function
                    client.timeout = limits["cell_timeout"] + limits["call_timeout"] * len(
                        {r["function"] for r in requests})
                    outcome["replies"] = run_harness(client, notebook, work, requests, limits["call_timeout"])
            # nbclient leaves a kernel manager it was handed running: stop the kernel here
            run_sync(km.shutdown_kernel)(now=True)
            if died_at is None:
                return outcome
            skipped[died_at] = "this cell stopped the kernel (crash, exit or memory); skipped on restart"
        # every restart died: leave the rest unrun
        outcome["unrun"] |= {i for i, c in enumerate(notebook.cells)
                             if c.cell_type == "code" and c.execution_count is None and i not in skipped}
        return outcome
    finally:
        for cell in notebook.cells:
            if cell.cell_type == "code":
                cell.outputs = [limit_output(o) for o in cell.outputs]
                if meta(cell).get("grade") and not meta(cell).get("solution"):
                    hide_test_code(cell)
        shutil.rmtree(scratch_root, ignore_errors=True)


def run_harness(client, notebook, work: Path, requests: list[dict], call_timeout: float):
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


# --------------------------------------------------------------------------- decisions

def error_summary(output) -> str:
    """One line for an error output: its type and the most telling line of its message."""
    if output.ename == "NotImplementedError":
        return "not implemented yet (NotImplementedError)"
    lines = [l.strip() for l in str(output.get("evalue", "")).splitlines() if l.strip()]
    telling = [l for l in lines if not l.startswith("Hint:")]
    line = telling[-1] if telling else ""
    return (f"{output.ename}: {line}" if line else output.ename)[:300]


def kernel_verdict(cell, points: float) -> tuple[float, str]:
    """(points earned in the kernel, reason when fewer than all), as nbgrader would score the cell."""
    if cell.execution_count is None and not cell.outputs:
        return 0.0, "not run"
    for output in cell.outputs:
        if output.output_type == "error":
            if "timeout" in output.ename.lower() or output.ename == "KeyboardInterrupt":
                return 0.0, "time-out: a cell ran longer than the limit"
            if output.ename == "MemoryError":
                return 0.0, "memory limit exceeded"
            return 0.0, error_summary(output)
    if any(o.output_type == "stream" and o.name == "stderr" for o in cell.outputs):
        return 0.0, "the test wrote to stderr"
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


def decide(notebook, nb_key: dict, problems: dict, requests: list[dict], outcome: dict) -> dict:
    from helpers.grading import Call, CheckFailed, CHECKS, judge

    cells = {meta(c).get("grade_id"): c for c in notebook.cells if meta(c).get("grade_id")}
    replies = outcome["replies"]
    trusted: dict[str, str | None] = {}
    for i, request in enumerate(requests):
        grade_id = request["grade_id"]
        if trusted.get(grade_id):
            continue  # the first failure is the reason
        if replies is None:
            trusted[grade_id] = "the grader could not call your functions (the notebook did not finish)"
            continue
        reply = replies[i]
        call = Call(error=reply["error"]) if "error" in reply else Call(got=reply["got"],
                                                                         args_after=reply["args_after"])
        try:
            judge(CHECKS[request["check"]], request["case"], request["number"], request["total"], call)
            trusted.setdefault(grade_id, None)
        except CheckFailed as err:
            trusted[grade_id] = str(err).splitlines()[0][:300]
    grades = {}
    for entry in nb_key["cells"]:
        meta_ = entry["nbgrader"]
        if not meta_.get("grade"):
            continue
        grade_id, points = entry["grade_id"], float(meta_.get("points", 0))
        if grade_id in problems:
            grades[grade_id] = {"score": 0.0, "max": points, "reason": problems[grade_id]}
            continue
        cell = cells[grade_id]
        if meta_.get("solution"):  # a manually graded answer: nbgrader decides
            from nbgrader.utils import determine_grade
            score, _ = determine_grade(cell)
            grades[grade_id] = {"score": score, "max": points, "reason": "" if score is None else "unanswered"}
            continue
        score, reason = kernel_verdict(cell, points)
        if entry["checks"]:
            failure = trusted.get(grade_id, "no check ran")
            if failure and score > 0:
                score, reason = 0.0, failure
            elif failure and not reason:
                reason = failure
        elif score > 0:
            reason = "unverified: this test calls no public check"
        if outcome.get("budget_hit") and score == 0 and not reason:
            reason = "the notebook's time budget ran out"
        grades[grade_id] = {"score": float(score), "max": points, "reason": reason}
    return {"grades": grades}
