"""Time the week's reference solution as a submission is graded, and keep the time limits sized from
it (course/grading/time_limits.py) in each release notebook's metadata. ``course build`` calls this
after nbgrader has generated the release, so the limits always match the release they travel with."""

from __future__ import annotations

import os
from pathlib import Path

import nbformat

from ..config import Limits
from ..errors import CourseError
from ..grading.answer_key import build_key
from ..grading.cells import restore_cells
from ..grading.pool import BLAS_THREADS
from ..grading.time_limits import METADATA_KEY, derive
from ..grading.worker import run_notebook, submission_seed
from .make_samples import sample_notebooks


def time_reference(root: Path, week: str) -> dict[str, dict]:
    """{notebook file name: its limits} after writing them into release/<week>/<notebook>'s metadata."""
    for name in BLAS_THREADS:  # as course grade runs kernels: one BLAS thread each (course/grading/pool.py)
        os.environ.setdefault(name, "1")
    key = build_key(root, week)
    written = {}
    for name, reference in sample_notebooks(root, week)["reference"].items():
        nb_key = key["notebooks"][name]
        (nb_key["metadata"].get("course") or {}).pop(METADATA_KEY, None)  # measured under the defaults
        restore_cells(reference, nb_key)
        files = {name: nbformat.writes(reference).encode()}
        _, outcome = run_notebook(reference, nb_key, files, Limits(), submission_seed("reference", week))
        trouble = {**outcome.skipped, **{i: f"ran out of time ({s:g} s)" for i, s in outcome.timed_out.items()}}
        if trouble or outcome.budget_hit or outcome.replies is None:
            found = "; ".join(f"cell {i + 1}: {why}" for i, why in sorted(trouble.items())) or "the run did not finish"
            raise CourseError(f"{week}/{name}: the reference solution did not run cleanly when timed: {found}")
        limits = derive(reference, outcome.seconds, outcome.ask_seconds)
        limits["load_average"] = round(os.getloadavg()[0], 2)
        path = root / "release" / week / name
        release = nbformat.read(path, as_version=4)
        release.metadata.setdefault("course", {})[METADATA_KEY] = limits
        nbformat.write(release, path)
        written[name] = limits
    return written
