"""Grade one submission: a :class:`~course.grading.payload.Payload` in, a
:class:`~course.grading.payload.SubmissionResult` out.

A worker needs only the installed project, the submission's bytes and the week's answer
key (course/grading/answer_key.py), so it runs the same in a local process pool and on a Dask
worker. It never touches the gradebook: the one process that writes it receives the
result (course/grading/grade.py, course/grading/record.py). Each notebook goes through these steps:

1. read it (course/grading/cells.py; an unreadable file scores 0 with the reason);
2. restore the instructor's cells from the key: edited, moved or deleted tests are put
   back and graded, with a note (course/grading/cells.py);
3. scan the student's own code (course/grading/tamper/__init__.py): an operation that can only attack the
   grading run zeroes the notebook; anything merely suspicious is flagged for review;
4. run it in a sandboxed kernel (course/sandbox/execute.py, course/sandbox/isolation.py);
5. ask: in the same kernel, call the graded functions on inputs this process chose;
6. judge the returned arrays here and decide each problem (course/grading/verdict.py).
"""

from __future__ import annotations

import hashlib
import time

import nbformat
import numpy as np

from ..config import Limits
from ..sandbox.execute import TestCell, execute
from .cells import parse, repair_notes, restore_cells, student_code
from .copies import copied_references, week_references
from .payload import Grade, NotebookKey, NotebookResult, Payload, Request, SubmissionResult
from .tamper import scan
from .time_limits import out_of_time, sized
from .verdict import decide


def submission_seed(student: str, week: str, secret: str = "") -> int:
    """The seed of the grader's cases for one submission: fixed for it, different across students, and
    unpredictable without the course's secret (course/grading/secret.py)."""
    digest = hashlib.sha256(f"{secret}\0{week}\0{student}".encode()).digest()
    return int.from_bytes(digest[:8], "little")


def grade_submission(payload: Payload) -> SubmissionResult:
    started = time.perf_counter()
    result = SubmissionResult(payload.student, payload.week)
    result.notes += [
        f"left out: {why}" for name, why in payload.left_out.items() if name not in payload.key["notebooks"]
    ]
    for name, nb_key in payload.key["notebooks"].items():
        raw, note = pick_file(payload.files, name)
        if note:
            result.notes.append(note)
        if raw is None and (name in payload.left_out or len(payload.left_out) == 1 and not payload.files):
            why = payload.left_out.get(name) or next(iter(payload.left_out.values()))
            result.notebooks[name] = scored_zero(nb_key, f"notebook not graded: {why}")
            continue
        result.notebooks[name] = grade_notebook(raw, nb_key, payload.files, payload.limits, payload.seed)
    result.seconds = round(time.perf_counter() - started, 2)
    return result


def pick_file(files: dict[str, bytes], name: str) -> tuple[bytes | None, str | None]:
    if name in files:
        return files[name], None
    notebooks = [f for f in files if f.endswith(".ipynb")]
    if len(notebooks) == 1:
        return files[notebooks[0]], f"graded {notebooks[0]} as {name} (the file was renamed)"
    return None, None


def grade_notebook(
    raw: bytes | None, nb_key: NotebookKey, files: dict[str, bytes], limits: Limits, seed: int
) -> NotebookResult:
    if raw is None:
        return scored_zero(nb_key, "notebook not submitted")
    notebook, problem = parse(raw)  # 1. read
    if problem:
        return scored_zero(nb_key, problem)
    restored = restore_cells(notebook, nb_key)  # 2. restore
    attack, flags = find_attack(notebook, nb_key)  # 3. scan
    notes = repair_notes(restored, nb_key) + [f"flagged for review: {flag}" for flag in flags]
    if attack:
        graded = scored_zero(nb_key, f"tampering: {attack}")
        graded.executed, graded.notes = nbformat.writes(notebook), notes
        return graded
    requests, outcome = run_notebook(notebook, nb_key, files, limits, seed)  # 4. run, 5. ask
    grades = decide(notebook, nb_key, restored, requests, outcome)  # 6. judge
    notes += outcome.notes + [f"cell {i + 1}: {why}" for i, why in outcome.skipped.items()]
    notes += [
        out_of_time(notebook, i, limit, nb_key["metadata"])
        for i, limit in outcome.timed_out.items()
        if i not in outcome.skipped
    ]
    return NotebookResult(grades, nbformat.writes(notebook), notes)


def run_notebook(notebook, nb_key: NotebookKey, files: dict[str, bytes], limits: Limits, seed: int):
    """Run a restored notebook in the sandbox under its time limits (course/grading/time_limits.py) and ask
    the grader's questions: (the requests, the KernelRun). ``course build`` times the reference with it."""
    requests = make_requests(nb_key, seed)
    tests, adapters = test_cells(nb_key)
    limits, cell_limits = sized(notebook, nb_key["metadata"], limits, limits.explicit)
    return requests, execute(notebook, files, requests, limits, tests, adapters, cell_limits)


def scored_zero(nb_key: NotebookKey, reason: str) -> NotebookResult:
    """Every graded cell of the notebook at 0 of its points, for one reason (not submitted, unreadable, ...)."""
    return NotebookResult(
        {
            c["grade_id"]: Grade(0.0, float(c["nbgrader"].get("points", 0)), reason)
            for c in nb_key["cells"]
            if c["nbgrader"].get("grade")
        }
    )


def find_attack(notebook, nb_key: NotebookKey) -> tuple[str | None, list[str]]:
    """(the first certain attack in the student's own code or None, every flag for review: suspicious
    operations, and functions that are copies of a reference kernel, course/grading/copies.py)."""
    flags: list[str] = []
    sources = student_code(notebook, nb_key)
    for source in sources:
        found = scan(source)
        if found.attack:
            return found.attack, flags
        flags += [f for f in found.flags if f not in flags]
    return None, flags + copied_references(sources, week_references(nb_key))


def test_cells(nb_key: NotebookKey) -> tuple[dict[str, TestCell], dict[str, dict]]:
    """How each graded test cell runs in the kernel (its released text, and the objects to keep after
    it), and the adapters its hidden tests name: {grade_id: TestCell}, {grade_id: {name: adapter}}."""
    tests, adapters = {}, {}
    for entry in nb_key["cells"]:
        meta = entry["nbgrader"]
        if not meta.get("grade") or meta.get("solution"):
            continue
        made = entry.get("adapters", {})
        names = tuple(dict.fromkeys(made[obj]["student"] if obj in made else obj for _, obj in entry["checks"]))
        tests[entry["grade_id"]] = TestCell(entry["release_source"], names)
        if made:
            adapters[entry["grade_id"]] = made
    return tests, adapters


def make_requests(nb_key: NotebookKey, seed: int) -> list[Request]:
    """The grader's calls: one per case of every check a test cell calls."""
    from helpers.grading import CHECKS

    rng = np.random.default_rng(seed)
    requests = []
    for entry in nb_key["cells"]:
        for check_name, function in entry["checks"]:
            cases = CHECKS[check_name].cases(rng)  # the key holds registered names only
            requests += [
                Request(entry["grade_id"], check_name, function, case, number, len(cases))
                for number, case in enumerate(cases, start=1)
            ]
    return requests
