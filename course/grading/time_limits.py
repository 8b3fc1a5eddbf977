"""Time limits sized from the reference: each cell may run CELL_FACTOR times as long as the reference
solution's run of it took at ``course build`` (at least CELL_FLOOR seconds), and the notebook
BUDGET_FACTOR times the reference's whole run (at least BUDGET_FLOOR seconds).

``course build`` grades the week's reference notebook in the sandbox, as a submission is graded, and
keeps the limits (and the seconds they came from) in the release notebook's metadata under
``course.time_limits``; the answer key carries that metadata to every worker. A cell is known by its
grade_id, or for a given cell without one by a hash of its text; a cell the reference does not have
(the student's own) may run as long as the longest limit of the notebook. Limits an instructor sets
in nbgrader_config.py (``c.Execute.timeout``, ``c.CourseGrade.budget``) win over these.

Why these numbers (benchmarks/time_limits.py, benchmarks/results/time_limits.json): a limit too tight
zeroes an honest student, one too loose only costs an infinite loop some minutes of the batch. Timed at
the same load (~9 on 2 cores, two at a time), the slowest honest variant's cell took 33x the reference's
(w02_loops: per-example loops in the gradients, the training cell 159.5 s against 4.9 s) and its whole
notebook 11x (218.7 s against 20.1 s). A quiet build (load 1.7) times that reference cell at 1.70 s and
the notebook at 6.4 s, 4-4.7x less than a loaded one (load 6-8): the honest loops under load against a
quiet reference are 94x on the cell and 34x on the notebook. A cell gets 150x (1.6 times that), a
notebook 50x (1.5 times), and the floors cover the many cells that take milliseconds, where a ratio
means nothing: an infinite loop there now costs 30 s (was 120 s), a light week's notebook at most
300 s (was 900 s).
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import replace

from ..config import Limits
from ..notebook import nbgrader_meta, strip_blocks

CELL_FACTOR = 150.0
BUDGET_FACTOR = 50.0
CELL_FLOOR = 30.0  # seconds: any cell, however quick in the reference
BUDGET_FLOOR = 300.0  # seconds: any notebook
METADATA_KEY = "time_limits"  # under the release notebook's metadata["course"]


def measured(metadata: dict) -> dict:
    """The limits `course build` measured, from a release notebook's (or answer key's) metadata; {} if none."""
    found = (metadata.get("course") or {}).get(METADATA_KEY)
    return found if isinstance(found, dict) else {}


def cell_key(cell) -> str | None:
    """How a code cell is known across the reference and a submission: its grade_id, else its given text."""
    if cell.get("cell_type") != "code":
        return None
    grade_id = nbgrader_meta(cell).get("grade_id")
    if grade_id:
        return grade_id
    text = strip_blocks(cell.get("source") or "").strip()
    return "given:" + hashlib.sha256(text.encode()).hexdigest()[:16] if text else None


def derive(notebook, seconds: dict[int, float], asking: float = 0.0) -> dict:
    """The limits for a notebook whose reference run took ``seconds`` {cell index: s} (KernelRun.seconds),
    and ``asking`` seconds for the grader's calls after it (KernelRun.ask_seconds)."""
    reference = {}
    for index, spent in seconds.items():
        key = cell_key(notebook.cells[index])
        if key is not None:
            reference[key] = round(reference.get(key, 0.0) + spent, 3)
    cells = {key: float(max(CELL_FLOOR, math.ceil(CELL_FACTOR * spent))) for key, spent in reference.items()}
    total = sum(seconds.values()) + asking
    return {
        "factor": CELL_FACTOR,
        "budget_factor": BUDGET_FACTOR,
        "reference_seconds": reference,
        "reference_total": round(total, 3),
        "cells": cells,
        "other": max(cells.values(), default=CELL_FLOOR),
        "budget": float(max(BUDGET_FLOOR, math.ceil(BUDGET_FACTOR * total))),
    }


def sized(notebook, metadata: dict, limits: Limits, explicit: frozenset[str] = frozenset()):
    """(limits, {cell index: seconds}) for running ``notebook`` (restored): the configured ``limits``
    with the budget and cell limits measured for it (``metadata``: the release notebook's), except the
    ones the instructor set (``explicit``: names of Limits fields). Without measured limits (a week
    built before they existed), the configured ``limits`` as they are."""
    found = measured(metadata)
    if not found:
        return limits, {}
    if "budget" not in explicit:
        limits = replace(limits, budget=float(found["budget"]))
    if "cell_timeout" in explicit:
        return limits, {}
    limits = replace(limits, cell_timeout=float(found["other"]))
    cells = found["cells"]
    per_cell = {}
    for index, cell in enumerate(notebook.cells):
        key = cell_key(cell)
        if key in cells:
            per_cell[index] = float(cells[key])
    return limits, per_cell


def out_of_time(notebook, index: int, limit: float, metadata: dict) -> str:
    """Which cell ran out of time and what its limit was, and where the limit came from."""
    found = measured(metadata)
    spent = (found.get("reference_seconds") or {}).get(cell_key(notebook.cells[index]))
    why = ""
    if spent is not None and limit == (found.get("cells") or {}).get(cell_key(notebook.cells[index])):
        factor = found.get("factor", CELL_FACTOR)
        took = f"{spent:.1f} s" if spent >= 0.1 else "under 0.1 s"
        why = (
            f" ({factor:g}x the {took} the reference solution took)"
            if factor * spent >= CELL_FLOOR
            else f" (the least any cell gets; the reference solution took {took})"
        )
    return f"cell {index + 1} ran out of time: its limit is {limit:g} s{why}"
