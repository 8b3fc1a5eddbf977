"""What the grader knows about a week, as plain data a worker can receive.

Built from source/<week>/ (the instructor's notebooks, hidden tests included) and
release/<week>/ (what students received). A worker needs nothing else from the course
root, so it can run on another machine (see course/worker.py).
"""
from __future__ import annotations

import re
from pathlib import Path

import nbformat

from .errors import CourseError
from .verify import nbgrader_meta, strip_blocks

HIDDEN = re.compile(r"###\s*BEGIN HIDDEN TESTS(.*?)###\s*END HIDDEN TESTS", re.S)
CHECK_CALL = re.compile(r"helpers\.grading\.check_(\w+)\(\s*([A-Za-z_]\w*)")


def checks_called(test_source: str) -> list[tuple[str, str]]:
    """[(check name, student object name)] for each `helpers.grading.check_X(obj)` in hidden tests."""
    found = []
    for block in HIDDEN.findall(test_source):
        found += CHECK_CALL.findall(block)
    return found


def hidden_only_checks(test_source: str) -> bool:
    """True when the hidden tests hold nothing but check calls (so they can all be verified)."""
    for block in HIDDEN.findall(test_source):
        for line in block.splitlines():
            line = line.strip()
            if line and not line.startswith("#") and not CHECK_CALL.match(line):
                return False
    return True


def build_key(root: Path, week: str) -> dict:
    sources = sorted((root / "source" / week).glob("*.ipynb"))
    if not sources:
        raise CourseError(f"no notebooks in {root / 'source' / week}")
    notebooks = {}
    for source_path in sources:
        release_path = root / "release" / week / source_path.name
        if not release_path.is_file():
            raise CourseError(f"{release_path} is missing: run `course build {week}` first")
        source = nbformat.read(source_path, as_version=4)
        release = nbformat.read(release_path, as_version=4)
        source_cells = {nbgrader_meta(c).get("grade_id"): c for c in source.cells if nbgrader_meta(c).get("grade_id")}
        cells = []
        for cell in release.cells:
            meta = nbgrader_meta(cell)
            grade_id = meta.get("grade_id")
            if not grade_id:
                continue
            full = source_cells[grade_id].source
            is_test = bool(meta.get("grade")) and not meta.get("solution")
            cells.append({
                "grade_id": grade_id, "cell_type": cell.cell_type, "nbgrader": dict(meta),
                "release_source": cell.source,
                "source": full if (is_test or meta.get("locked")) and not meta.get("solution") else None,
                "checks": checks_called(full) if is_test else [],
                "fully_verifiable": is_test and bool(checks_called(full)) and hidden_only_checks(full),
            })
        given = sorted({strip_blocks(c.source).strip() for c in release.cells
                        if c.cell_type == "code" and not nbgrader_meta(c).get("solution")})
        notebooks[source_path.name] = {"cells": cells, "given_code": given,
                                       "metadata": dict(release.metadata)}
    return {"week": week, "notebooks": notebooks}
