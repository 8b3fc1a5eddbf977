"""How close honest students come to the time limits sized from the reference
(course/grading/time_limits.py): each week's reference notebook is timed alone, as ``course build``
does, then every honest variant of tests/grading/honest/ is graded two at a time (a 2-worker batch)
with generous limits, so that its true times are seen. For every cell and notebook it reports the
share of the limit derived from the reference that the variant used, and the variant/reference time
ratios, so the factor and floors can be sized from the slowest honest work rather than guessed.

    .venv/bin/python benchmarks/time_limits.py [--weeks w01_softmax,...] [--workers 2]

Prints the slowest cells and writes benchmarks/results/time_limits.json. Speed is reported, never
asserted.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
RESULTS = REPO / "benchmarks" / "results" / "time_limits.json"


def reference_of(week: str):
    from course.authoring.make_samples import sample_notebooks

    ((name, reference),) = sample_notebooks(REPO, week)["reference"].items()
    return name, reference


def timed(week: str, name: str, notebook, limits_metadata: dict | None):
    """(seconds per cell key, ask seconds, cells that ran out of time or were skipped) of one graded run."""
    import nbformat

    from course.config import Limits
    from course.grading.answer_key import build_key
    from course.grading.cells import restore_cells
    from course.grading.time_limits import METADATA_KEY, cell_key
    from course.grading.worker import run_notebook, submission_seed

    nb_key = build_key(REPO, week)["notebooks"][name]
    nb_key["metadata"].setdefault("course", {}).pop(METADATA_KEY, None)
    if limits_metadata is not None:
        nb_key["metadata"]["course"][METADATA_KEY] = limits_metadata
    restore_cells(notebook, nb_key)
    files = {name: nbformat.writes(notebook).encode()}
    started = time.perf_counter()
    # generous limits, so that every honest cell's true time is seen; the derived ones are applied after
    generous = Limits(cell_timeout=1200, budget=3600)
    _, outcome = run_notebook(notebook, nb_key, files, generous, submission_seed("timing", week))
    wall = time.perf_counter() - started
    per_key: dict[str, float] = {}
    for index, spent in outcome.seconds.items():
        key = cell_key(notebook.cells[index])
        if key is not None:
            per_key[key] = per_key.get(key, 0.0) + spent
    trouble = {str(i): why for i, why in outcome.skipped.items()}
    trouble.update({str(i): f"ran out of time ({s:g} s)" for i, s in outcome.timed_out.items()})
    return {
        "cells": per_key,
        "by_index": dict(outcome.seconds),
        "ask": outcome.ask_seconds,
        "wall": round(wall, 2),
        "trouble": trouble,
    }


def variant_run(week: str, variant: str):
    from tests.grading.honest import corpus

    name, reference = reference_of(week)
    run = timed(week, name, corpus()[variant].build(reference), None)
    run.pop("by_index")
    return variant, run


def main() -> None:
    from course.grading.time_limits import derive
    from tests.grading.honest import corpus

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--weeks", default="", help="comma-separated weeks (default: every week with honest variants)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--summarise", action="store_true", help="only summarise the last results again")
    parser.add_argument("--only", default="", help="variants whose name contains one of these comma-separated words")
    args = parser.parse_args()
    if args.summarise:
        report = json.loads(RESULTS.read_text())
        summarise(report)
        RESULTS.write_text(json.dumps(report, indent=1))
        return
    entries = corpus()
    weeks = args.weeks.split(",") if args.weeks else sorted({e.week for e in entries.values()})
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    os.environ.setdefault("MKL_NUM_THREADS", "1")
    report = {"load_at_start": os.getloadavg(), "weeks": {}}
    for week in weeks:  # the references alone, as course build times them
        name, reference = reference_of(week)
        run = timed(week, name, reference, None)
        limits = derive(reference, run.pop("by_index"), run["ask"])
        report["weeks"][week] = {"reference": run, "limits": limits, "variants": {}}
        print(f"{week}: reference {limits['reference_total']:.1f} s, budget {limits['budget']:g} s", flush=True)
    words = [w for w in args.only.split(",") if w]
    jobs = [(e.week, v) for v, e in entries.items() if e.week in weeks and (not words or any(w in v for w in words))]
    with ProcessPoolExecutor(args.workers, mp_context=get_context("spawn")) as pool:
        for (week, _), (variant, run) in zip(jobs, pool.map(variant_run, *zip(*jobs))):
            report["weeks"][week]["variants"][variant] = run
            RESULTS.write_text(json.dumps(report, indent=1))
            print(f"  {variant}: {run['wall']:.1f} s{'  TROUBLE ' + str(run['trouble']) if run['trouble'] else ''}")
    report["load_at_end"] = os.getloadavg()
    summarise(report)
    RESULTS.write_text(json.dumps(report, indent=1))
    print(f"wrote {RESULTS}")


def summarise(report: dict) -> None:
    """The slowest honest cells against the limits the current constants give (cells the reference does
    not have get the notebook's longest limit), and the notebooks against their budgets."""
    import math

    from course.grading.time_limits import BUDGET_FACTOR, BUDGET_FLOOR, CELL_FACTOR, CELL_FLOOR

    report["constants"] = {"cell": [CELL_FACTOR, CELL_FLOOR], "budget": [BUDGET_FACTOR, BUDGET_FLOOR]}
    rows, notebooks = [], []
    for week, data in report["weeks"].items():
        reference = data["reference"]["cells"]
        limits = {key: max(CELL_FLOOR, math.ceil(CELL_FACTOR * t)) for key, t in reference.items()}
        other = max(limits.values())
        total_reference = sum(reference.values()) + data["reference"]["ask"]
        budget = max(BUDGET_FLOOR, math.ceil(BUDGET_FACTOR * total_reference))
        for variant, run in data["variants"].items():
            total = sum(run["cells"].values()) + run["ask"]
            notebooks.append((total / budget, total / total_reference, week, variant, total, budget))
            for key, spent in run["cells"].items():
                ratio = spent / reference[key] if reference.get(key) else None  # None: the student's own cell
                rows.append((spent / limits.get(key, other), ratio, week, variant, key, spent, limits.get(key, other)))
    rows.sort(key=lambda r: r[0], reverse=True)
    notebooks.sort(reverse=True)
    fields = ("of_limit", "vs_reference", "week", "variant", "cell", "seconds", "limit")
    report["slowest_cells"] = [dict(zip(fields, r)) for r in rows[:25]]
    report["slowest_notebooks"] = [
        dict(zip(("of_budget", "vs_reference", "week", "variant", "seconds", "budget"), n)) for n in notebooks[:15]
    ]
    print(f"slowest honest cells (share of their limit at {CELL_FACTOR:g}x, floor {CELL_FLOOR:g} s; ratio):")
    for r in rows[:12]:
        ratio = f"{r[1]:7.1f}x" if r[1] is not None else "    own"
        print(f"  {r[0]:6.1%}  {ratio}  {r[2]}/{r[3]} {r[4]}: {r[5]:.2f} s of {r[6]:g} s")
    print(f"slowest honest notebooks (share of the budget at {BUDGET_FACTOR:g}x, floor {BUDGET_FLOOR:g} s; ratio):")
    for n in notebooks[:8]:
        print(f"  {n[0]:6.1%}  {n[1]:5.2f}x  {n[2]}/{n[3]}: {n[4]:.1f} s of {n[5]:g} s")


if __name__ == "__main__":
    main()
