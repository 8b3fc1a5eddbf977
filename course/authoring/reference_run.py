"""Time the week's reference solution as a submission is graded, and keep the time limits sized from
it (course/grading/time_limits.py) in each release notebook's metadata. ``course build`` calls this
after nbgrader has generated the release, so the limits always match the release they travel with.

A run is kept, not repeated, when nothing it measured has changed: the limits carry the fingerprint of
the source notebook they were measured from (every code cell: solutions and hidden tests included) and the
machine they were measured on (processor model and count); ``course build`` reads them from the release
before nbgrader regenerates it and writes them back when both still match (``--retime`` times it anyway,
for instance after a change to helpers/ that makes the reference slower)."""

from __future__ import annotations

import hashlib
import json
import os
import platform
from pathlib import Path

import nbformat

from ..config import Limits
from ..errors import CourseError
from ..grading.answer_key import build_key
from ..grading.cells import restore_cells
from ..grading.pool import BLAS_THREADS
from ..grading.time_limits import METADATA_KEY, derive, measured
from ..grading.worker import run_notebook, submission_seed
from .make_samples import sample_notebooks


def source_fingerprint(path: Path) -> str:
    """What a reference run depends on in the week's text: each code cell's text and nbgrader metadata
    (solutions and hidden tests included; the prose between them runs nothing)."""
    notebook = nbformat.read(path, as_version=4)
    cells = [(c.source, (c.get("metadata") or {}).get("nbgrader")) for c in notebook.cells if c.cell_type == "code"]
    return hashlib.sha256(json.dumps(cells, sort_keys=True).encode()).hexdigest()


def machine() -> str:
    """The processor the limits were measured on: its model and how many cores the build saw."""
    model = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as info:
            model = next((line.split(":", 1)[1].strip() for line in info if line.startswith("model name")), model)
    except OSError:
        pass
    return f"{os.cpu_count()} x {model}"


def measured_limits(root: Path, week: str) -> dict[str, dict]:
    """{notebook file name: the limits in release/<week>/<notebook>'s metadata} for the notebooks whose
    limits were measured from the week's current source on this kind of machine (read before nbgrader
    overwrites the release)."""
    kept = {}
    for path in sorted((root / "release" / week).glob("*.ipynb")):
        source = root / "source" / week / path.name
        try:
            limits = measured(nbformat.read(path, as_version=4).metadata)
        except Exception:  # an unreadable old release is rebuilt and timed again
            continue
        if (
            limits
            and source.is_file()
            and limits.get("source_fingerprint") == source_fingerprint(source)
            and limits.get("machine") == machine()
        ):
            kept[path.name] = limits
    return kept


def keep_limits(root: Path, week: str, kept: dict[str, dict]) -> dict[str, dict] | None:
    """Write ``kept`` (from ``measured_limits`` before the build) back into the regenerated release; the
    limits, or None (nothing written) when the week has a notebook without them."""
    paths = sorted((root / "release" / week).glob("*.ipynb"))
    if not paths or {p.name for p in paths} != set(kept):
        return None
    for path in paths:
        write_limits(path, kept[path.name])
    return kept


def write_limits(path: Path, limits: dict) -> None:
    """Keep ``limits`` in the release notebook at ``path``, where the answer key reads them."""
    release = nbformat.read(path, as_version=4)
    release.metadata.setdefault("course", {})[METADATA_KEY] = limits
    nbformat.write(release, path)


def raised(notebook) -> dict[int, str]:
    """{cell index: the error it raised} in a notebook that has run (an error in the reference is the author's)."""
    return {
        i: f"raised {out.ename}: {str(out.evalue).splitlines()[0][:200] if out.evalue else ''}"
        for i, cell in enumerate(notebook.cells)
        if cell.cell_type == "code"
        for out in cell.get("outputs", [])
        if out.output_type == "error"
    }


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
        trouble = {
            **raised(reference),
            **outcome.skipped,
            **{i: f"ran out of time ({s:g} s)" for i, s in outcome.timed_out.items()},
        }
        if trouble or outcome.budget_hit or outcome.replies is None:
            found = "; ".join(f"cell {i + 1}: {why}" for i, why in sorted(trouble.items())) or "the run did not finish"
            raise CourseError(f"{week}/{name}: the reference solution did not run cleanly when timed: {found}")
        limits = derive(reference, outcome.seconds, outcome.ask_seconds)
        limits["load_average"] = round(os.getloadavg()[0], 2)
        limits["source_fingerprint"] = source_fingerprint(root / "source" / week / name)
        limits["machine"] = machine()
        write_limits(root / "release" / week / name, limits)
        written[name] = limits
    return written
