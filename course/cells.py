"""A submitted notebook as the grader sees it: parsed, its given cells put back, its own code.

Tests and locked cells are the instructor's: whatever a student did to them (typed into
a test, moved it, deleted it, changed its points) is undone from the answer key before
the notebook runs, as nbgrader does, and said in a note. Nobody loses a point for it.
"""
from __future__ import annotations

import copy

import nbformat

from .types import NotebookKey


def nbgrader_meta(cell) -> dict:
    """The cell's nbgrader metadata ({} for a cell nbgrader does not know)."""
    return cell.get("metadata", {}).get("nbgrader", {})


def parse(raw: bytes) -> tuple[nbformat.NotebookNode | None, str | None]:
    """(notebook, None), or (None, why it cannot be read)."""
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


def _new_cell(entry, source: str):
    make = nbformat.v4.new_markdown_cell if entry["cell_type"] == "markdown" else nbformat.v4.new_code_cell
    cell = make(source)
    cell.metadata["nbgrader"] = copy.deepcopy(entry["nbgrader"])
    return cell


def restore_cells(notebook, nb_key: NotebookKey) -> dict[str, str]:
    """Put every test and locked cell back as the instructor wrote it (hidden tests included),
    in its place; re-create deleted ones. Returns {grade_id: note} for each cell put back."""
    notes: dict[str, str] = {}
    seen: set[str] = set()
    known = {entry["grade_id"] for entry in nb_key["cells"]}
    for cell in notebook.cells:
        grade_id = nbgrader_meta(cell).get("grade_id")
        if grade_id in seen or (grade_id and grade_id not in known):
            # a copy of a given cell, or one whose id was changed: keep the code, not a grade
            cell.metadata.pop("nbgrader", None)
        elif grade_id:
            seen.add(grade_id)
    cells = list(notebook.cells)
    by_id = {nbgrader_meta(c)["grade_id"]: c for c in cells if nbgrader_meta(c).get("grade_id")}
    previous = None   # the cell of the key entry before this one, once placed
    for entry in nb_key["cells"]:
        grade_id, wanted = entry["grade_id"], entry["nbgrader"]
        given = entry["source"] is not None   # a test or locked cell: the instructor's text
        cell = by_id.get(grade_id)
        if cell is None:
            if not (given or wanted.get("grade")):
                continue   # a deleted exercise cell: the student's code may live elsewhere
            cell = _new_cell(entry, entry["source"] if given else entry["release_source"])
            notes[grade_id] = "its cell was deleted; put back from the answer key and graded"
            cells.insert(cells.index(previous) + 1 if previous is not None else 0, cell)
        elif given and previous is not None and cells.index(cell) < cells.index(previous):
            cells.remove(cell)
            cells.insert(cells.index(previous) + 1, cell)
            notes[grade_id] = "its test cell had been moved; put back in place and graded"
        got = nbgrader_meta(cell)
        if any(got.get(k) != wanted.get(k) for k in ("grade", "solution", "locked", "points")):
            notes.setdefault(grade_id, "its points or grading flags had been changed; restored and graded")
        if given:
            if cell.source.strip() != entry["release_source"].strip():
                notes.setdefault(grade_id, "its test cell had been edited; restored from the answer key and graded")
            cell.source = entry["source"]
            cell.cell_type = entry["cell_type"]
        cell.setdefault("metadata", {})["nbgrader"] = copy.deepcopy(wanted)
        previous = cell
    notebook.cells = cells
    for index, cell in enumerate(notebook.cells):
        cell["id"] = f"cell-{index}"
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
            cell.pop("attachments", None)
        else:
            cell.pop("outputs", None)
            cell.pop("execution_count", None)
    return notes


def student_code(notebook, nb_key: NotebookKey) -> list[str]:
    """The code the student wrote: solution cells, and code cells that are not in the release."""
    given = set(nb_key["given_code"])
    return [c.source for c in notebook.cells if c.cell_type == "code"
            and (nbgrader_meta(c).get("solution")
                 or (not nbgrader_meta(c).get("grade_id") and c.source.strip() not in given))]
