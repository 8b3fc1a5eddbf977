"""A submitted notebook as the grader sees it: parsed, its given cells put back, its own code.

Tests and locked cells are the instructor's: whatever a student did to them (typed into
a test, moved it, deleted it, changed its points) is undone from the answer key before
the notebook runs, as nbgrader does, and said in a note. Nobody loses a point for it.

A file edited by hand can hold anything where a notebook holds text or an object. Every
field the grader reads is checked here, once, so nothing later meets a surprise: what can
be repaired is repaired and noted (a cell's unreadable nbgrader metadata is removed, so a
test cell that carried it is put back from the key; a source that is not text is read as
empty), and a file that cannot be read as a notebook at all scores 0 with the reason.
"""

from __future__ import annotations

import copy
import json

import nbformat

from ..notebook import nbgrader_meta
from .payload import NotebookKey

CELL_TYPES = ("code", "markdown", "raw")
# parse's repair notes travel in the notebook's metadata under this key until restore_cells takes them
REPAIRS = "course_repairs"


def text_of(source) -> str | None:
    """A cell's source as text (a list of lines is joined), or None when it is not text."""
    if isinstance(source, str):
        return source
    if isinstance(source, list) and all(isinstance(line, str) for line in source):
        return "".join(source)
    return None


def kind(value) -> str:
    """What a JSON value is, in words a student understands ("a number", "a list")."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "text"
    return "a list" if isinstance(value, list) else "an object" if isinstance(value, dict) else type(value).__name__


def was(holder: dict, key: str, wanted: str) -> str:
    """How a field differs from what it should be: "was missing", "was a number, not text"."""
    return f"was {kind(holder[key])}, not {wanted}" if key in holder else "was missing"


def parse(raw: bytes) -> tuple[nbformat.NotebookNode | None, str | None]:
    """(notebook, None), or (None, why it cannot be read). The notebook's repairs, if any, are
    under ``metadata[REPAIRS]`` for restore_cells to return as notes."""
    if not raw.strip():
        return None, "the notebook file is empty"
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as err:
        return None, f"the notebook is not UTF-8 text ({err.reason} at byte {err.start})"
    try:
        data = json.loads(text)
    except json.JSONDecodeError as err:
        return None, f"not a valid notebook: not JSON ({err.msg} at line {err.lineno})"
    except (ValueError, RecursionError):
        return None, "not a valid notebook: not JSON"
    try:
        return read(data)
    except Exception as err:  # whatever nbformat meets that the checks of read() did not foresee
        first_line = (str(err).splitlines() or [""])[0][:150]
        return None, f"not a valid notebook: {type(err).__name__}: {first_line}"


def read(data) -> tuple[nbformat.NotebookNode | None, str | None]:
    """The notebook in a file's decoded JSON, repaired where it can be (see parse)."""
    if not isinstance(data, dict):
        return None, f"not a valid notebook: the file holds {kind(data)}, not a notebook"
    notes: dict[str, str] = {}
    version = data.get("nbformat")
    if not isinstance(version, int) or isinstance(version, bool):
        if not isinstance(data.get("cells"), list):
            return None, "not a valid notebook: it has no nbformat version and no list of cells"
        notes["notebook"] = f"its nbformat version {was(data, 'nbformat', 'a number')}; read as version 4"
        data["nbformat"], data["nbformat_minor"], version = 4, nbformat.v4.nbformat_minor, 4
    if version > 4 or version < 1:
        return None, f"not a valid notebook: nbformat version {version} is not one this grader reads"
    repair_metadata(data, notes)
    if version < 4:
        data = nbformat.reads(json.dumps(data), as_version=4)  # nbformat converts older formats
    minor = data.get("nbformat_minor")
    if not isinstance(minor, int) or isinstance(minor, bool) or minor < 0:
        data["nbformat_minor"] = nbformat.v4.nbformat_minor
    cells = data.get("cells")
    if not isinstance(cells, list):
        return None, f"not a valid notebook: its list of cells {was(data, 'cells', 'a list')}"
    kept = []
    for number, cell in enumerate(cells, start=1):
        if not isinstance(cell, dict):
            notes[f"cell {number}"] = f"it was {kind(cell)}, not a cell; left out"
            continue
        repaired = repair_cell(cell, number)
        if repaired:
            notes[f"cell {number}"] = "; ".join(repaired)
        kept.append(cell)
    data["cells"] = kept
    notebook = nbformat.reads(json.dumps(data), as_version=4)
    if notes:
        notebook.metadata[REPAIRS] = notes
    return notebook, None


def repair_metadata(data: dict, notes: dict[str, str]) -> None:
    """The notebook's own metadata: an object, whose kernel and language descriptions are objects."""
    metadata = data.get("metadata")
    if not isinstance(metadata, dict):
        notes["notebook metadata"] = f"it {was(data, 'metadata', 'an object')}; replaced by an empty one"
        data["metadata"] = {}
        return
    metadata.pop(REPAIRS, None)  # only parse writes there
    for key in ("kernelspec", "language_info"):
        if key in metadata and not isinstance(metadata[key], dict):
            notes[f"notebook {key}"] = f"it was {kind(metadata[key])}, not an object; removed"
            del metadata[key]


def repair_cell(cell: dict, number: int) -> list[str]:
    """Make cell ``number`` what the grader expects (in place); what was changed, in words."""
    notes = []
    metadata = cell.get("metadata")
    if not isinstance(metadata, dict):
        notes.append(f"its metadata {was(cell, 'metadata', 'an object')}; replaced by an empty one")
        metadata = cell["metadata"] = {}
    if "nbgrader" in metadata and not nbgrader_meta(cell):
        meta = metadata.pop("nbgrader")
        what = f"its grade_id was {kind(meta['grade_id'])}" if isinstance(meta, dict) else f"it was {kind(meta)}"
        notes.append(f"its nbgrader metadata could not be read ({what}); removed")
    tags = metadata.get("tags", [])
    if not (isinstance(tags, list) and all(isinstance(tag, str) for tag in tags)):
        notes.append(f"its tags were {kind(tags)}, not a list of text; removed")
        del metadata["tags"]
    if cell.get("cell_type") not in CELL_TYPES:
        cell_type = cell.get("cell_type")
        shown = (
            repr(cell_type[:30]) if isinstance(cell_type, str) else kind(cell_type) if "cell_type" in cell else "none"
        )
        notes.append(f"its cell type ({shown}) is not code, markdown or raw; read as raw text")
        cell["cell_type"] = "raw"
    source = text_of(cell.get("source"))
    if source is None:
        notes.append(f"its source {was(cell, 'source', 'text')}; read as empty")
        source = ""
    cell["source"] = source
    if cell["cell_type"] == "code":
        cell["outputs"], cell["execution_count"] = [], None  # never read: the grader runs the cell itself
        cell.pop("attachments", None)
    else:
        cell.pop("outputs", None)
        cell.pop("execution_count", None)
        if "attachments" in cell and not attachments_ok(cell["attachments"]):
            notes.append("its attachments could not be read; removed")
            del cell["attachments"]
    if not isinstance(cell.get("id", ""), str):
        cell["id"] = f"repaired-{number}"  # restore_cells numbers every cell
    return notes


def attachments_ok(attachments) -> bool:
    """{name: {mime type: text or list of text}}, as nbformat stores a markdown cell's images."""
    return isinstance(attachments, dict) and all(
        isinstance(bundle, dict) and all(text_of(data) is not None for data in bundle.values())
        for bundle in attachments.values()
    )


def _new_cell(entry, source: str):
    make = nbformat.v4.new_markdown_cell if entry["cell_type"] == "markdown" else nbformat.v4.new_code_cell
    cell = make(source)
    cell.metadata["nbgrader"] = copy.deepcopy(entry["nbgrader"])
    return cell


KEY_CHANGED = "answer key"  # the note's place when a cell was released before the instructor changed the key


def as_released(cell) -> bool:
    """Whether a graded or locked cell is exactly as a release made it: nbgrader's checksum of its source,
    points and flags (written by ``course build``) still matches. Such a cell that differs from the answer
    key was released before the instructor changed the key: not the student's doing."""
    from nbgrader.utils import compute_checksum

    stored = nbgrader_meta(cell).get("checksum")
    try:
        return isinstance(stored, str) and compute_checksum(nbformat.from_dict(cell)) == stored
    except Exception:  # a cell too broken to hash was not left as released
        return False


def restore_cells(notebook, nb_key: NotebookKey) -> dict[str, str]:
    """Put every test and locked cell back as the instructor wrote it (hidden tests included),
    in its place; re-create deleted ones; give every cell of the key its type. Returns
    {grade_id: note} for each cell put back or restored, and parse's repairs as
    {"cell 3": note} ("cell N" counts the cells of the submitted file, from 1). A cell left as an
    earlier release made it is restored without a note of its own: one instructor's note under
    KEY_CHANGED says the key changed since."""
    repairs = notebook.metadata.pop(REPAIRS, None)
    notes: dict[str, str] = dict(repairs) if isinstance(repairs, dict) else {}
    seen: set[str] = set()
    known = {entry["grade_id"] for entry in nb_key["cells"]}
    for cell in notebook.cells:
        grade_id = nbgrader_meta(cell).get("grade_id")
        if grade_id in seen or grade_id not in known:
            # a copy of a given cell, one whose id was changed, or one nbgrader never made:
            # keep the code, not a grade
            cell.metadata.pop("nbgrader", None)
        else:
            seen.add(grade_id)
    cells = list(notebook.cells)
    by_id = {nbgrader_meta(c)["grade_id"]: c for c in cells if nbgrader_meta(c).get("grade_id")}
    previous = None  # the cell of the key entry before this one, once placed
    for entry in nb_key["cells"]:
        grade_id, wanted = entry["grade_id"], entry["nbgrader"]
        given = entry["source"] is not None  # a test or locked cell: the instructor's text
        cell = by_id.get(grade_id)
        if cell is None:
            if not (given or wanted.get("grade")):
                continue  # a deleted exercise cell: the student's code may live elsewhere
            cell = _new_cell(entry, entry["source"] if given else entry["release_source"])
            notes[grade_id] = "its cell was deleted; put back from the answer key and graded"
            cells.insert(cells.index(previous) + 1 if previous is not None else 0, cell)
        elif given and previous is not None and cells.index(cell) < cells.index(previous):
            cells.remove(cell)
            cells.insert(cells.index(previous) + 1, cell)
            notes[grade_id] = "its test cell had been moved; put back in place and graded"
        got = nbgrader_meta(cell)
        released_earlier = grade_id not in notes and as_released(cell)
        changed = []
        if any(got.get(k) != wanted.get(k) for k in ("grade", "solution", "locked", "points")):
            changed.append("its points or grading flags had been changed; restored and graded")
        if cell.get("cell_type") != entry["cell_type"]:
            changed.append("its cell type had been changed; restored and graded")
            cell["cell_type"] = entry["cell_type"]
        if given:
            if (text_of(cell.get("source")) or "").strip() != entry["release_source"].strip():
                changed.append("its test cell had been edited; restored from the answer key and graded")
            cell["source"] = entry["source"]
        if changed and released_earlier:
            notes[KEY_CHANGED] = (
                "released before its answer key last changed (points or a test cell); graded with the current key"
            )
        elif changed:
            notes.setdefault(grade_id, changed[0])
        cell.setdefault("metadata", {})["nbgrader"] = copy.deepcopy(wanted)
        previous = cell
    notebook.cells = cells
    for index, cell in enumerate(notebook.cells):
        cell["id"] = f"cell-{index}"
        if cell.get("cell_type") == "code":
            cell.outputs, cell.execution_count = [], None
            cell.pop("attachments", None)
        else:
            cell.pop("outputs", None)
            cell.pop("execution_count", None)
    return notes


def repair_notes(notes: dict[str, str], nb_key: NotebookKey) -> list[str]:
    """The notes of restore_cells that no graded problem's reason carries (repairs of other
    cells or of the notebook, a solution cell's type restored), for the notebook's notes."""
    graded = {entry["grade_id"] for entry in nb_key["cells"] if entry["nbgrader"].get("grade")}
    return [f"{where}: {note}" for where, note in notes.items() if where not in graded]


def student_code(notebook, nb_key: NotebookKey) -> list[str]:
    """The code the student wrote: solution cells, and code cells that are not in the release."""
    given = set(nb_key["given_code"])
    sources = [
        (text_of(c.get("source")) or "", nbgrader_meta(c))
        for c in notebook.cells
        if isinstance(c, dict) and c.get("cell_type") == "code"
    ]
    return [
        source
        for source, meta in sources
        if meta.get("solution") or (not meta.get("grade_id") and source.strip() not in given)
    ]
