"""A week's notebook as text: jupytext's percent format, with nbgrader's cell roles in the cell headers.

A week is written in ``weeks/<week>.py`` and ``course notebooks`` turns it into
``source/<week>/<week>.ipynb``. Every cell starts with a jupytext header line; markdown is commented
with ``# ``, code is plain Python (jupytext comments IPython magics: ``# %matplotlib inline``)::

    # %% [markdown]
    # The stable softmax subtracts the row maximum first: $\\hat y_k = e^{z_k - m} / \\sum_j e^{z_j - m}$.

    # %% solution="softmax"
    def softmax(z):
        ### BEGIN SOLUTION
        ...
        ### END SOLUTION

    # %% tests="test_softmax" points=2
    assert np.allclose(softmax(np.zeros(3)), 1 / 3)
    ### BEGIN HIDDEN TESTS
    helpers.grading.check_softmax(softmax)
    ### END HIDDEN TESTS

Why a role and a grade_id (``solution="softmax"``) instead of jupytext's own ``nbgrader={...}``
header: nbgrader's metadata is seven keys of which five follow from the role (``schema_version``
is always 3), so the full form is a 130-character line repeated on every graded cell, where a
mistyped boolean would silently turn a test cell into one students may edit. The role names the
cell's job in the words a reviewer uses; ``ROLES`` below is the whole expansion, and a header key
that is not in it is refused. Cell ids are ``cell-000``, ``cell-001``, ... in the order of the
cells that do not name one; a cell whose id is anything else says ``id="..."`` (a cell inserted
with an id of its own leaves the ids after it as they were; nbgrader goes by grade_id). The notebook's
own metadata (kernel, language) is the same for every week, so the text has no YAML header.
"""

from __future__ import annotations

import jupytext
import nbformat
from nbformat import NotebookNode

from ..errors import CourseError

SCHEMA_VERSION = 3
ROLES: dict[str, dict[str, bool]] = {
    # role: nbgrader's flags; grade_id is the role's value, points come from `points=`
    "solution": {"grade": False, "locked": False, "solution": True, "task": False},  # students write here
    "tests": {"grade": True, "locked": True, "solution": False, "task": False},  # autograded, needs points
    "locked": {"grade": False, "locked": True, "solution": False, "task": False},  # read-only
    "manual": {"grade": True, "locked": False, "solution": True, "task": False},  # answered, graded by hand
    "task": {"grade": False, "locked": True, "solution": False, "task": True},  # a task, graded by hand
}
GRADED = {"tests", "manual", "task"}  # roles that carry points
NOTEBOOK_METADATA = {
    "kernelspec": {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"},
    "language_info": {"name": "python"},
}
NBFORMAT_MINOR = 5
HEADER_KEYS = ("id", *ROLES, "points")
LAYOUT_KEYS = ("lines_to_next_cell", "lines_to_end_of_cell_marker")  # jupytext's record of blank lines: dropped
JUPYTEXT_FORMAT = "py:percent"


def default_id(position: int) -> str:
    """The id of the ``position``-th cell (from 0) among those whose header names no id."""
    return f"cell-{position:03d}"


def nbgrader_of(header: dict, where: str) -> dict | None:
    """nbgrader's cell metadata for a cell header's keys (without ``id``); None for an ungraded cell."""
    roles = [key for key in header if key in ROLES]
    unknown = [key for key in header if key not in HEADER_KEYS]
    if unknown:
        raise CourseError(f"{where}: unknown header key {unknown[0]!r}; a cell header takes {', '.join(HEADER_KEYS)}")
    if len(roles) > 1:
        raise CourseError(f"{where}: one role per cell, not {' and '.join(roles)}")
    if not roles:
        if "points" in header:
            raise CourseError(f"{where}: points= without a role ({', '.join(sorted(GRADED))})")
        return None
    role = roles[0]
    grade_id = header[role]
    if not isinstance(grade_id, str) or not grade_id:
        raise CourseError(f'{where}: {role}= takes the cell\'s grade_id in quotes, e.g. {role}="softmax"')
    if (role in GRADED) != ("points" in header):
        raise CourseError(f"{where}: a {role} cell " + ("needs points=N" if role in GRADED else "has no points"))
    meta = {**ROLES[role], "grade_id": grade_id, "schema_version": SCHEMA_VERSION}
    if role in GRADED:
        meta["points"] = header["points"]
    return meta


def header_of(nbgrader: dict, where: str) -> dict:
    """The cell-header keys that expand back to ``nbgrader`` (the inverse of ``nbgrader_of``)."""
    flags = {key: nbgrader.get(key) for key in ("grade", "locked", "solution", "task")}
    role = next((name for name, expected in ROLES.items() if expected == flags), None)
    extra = set(nbgrader) - {*flags, "grade_id", "schema_version", "points"}
    if role is None or extra or nbgrader.get("schema_version") != SCHEMA_VERSION:
        raise CourseError(f"{where}: nbgrader metadata {nbgrader} is none of the roles {', '.join(ROLES)}")
    header = {role: nbgrader["grade_id"]}
    if "points" in nbgrader:
        header["points"] = nbgrader["points"]
    if nbgrader_of(header, where) != nbgrader:
        raise CourseError(f"{where}: nbgrader metadata {nbgrader} does not survive as {header}")
    return header


def text_to_notebook(text: str, name: str = "<text>") -> NotebookNode:
    """The source notebook a week's text describes (output-free, ids as the module docstring says)."""
    parsed = jupytext.reads(text, fmt=JUPYTEXT_FORMAT)
    cells = []
    unnamed = 0
    for index, parsed_cell in enumerate(parsed.cells, start=1):
        header = {key: value for key, value in parsed_cell.metadata.items() if key not in LAYOUT_KEYS}
        cell_id = header.pop("id", None)
        if cell_id is None:
            cell_id, unnamed = default_id(unnamed), unnamed + 1
        nbgrader = nbgrader_of(header, f"{name}: cell {index} ({cell_id})")
        make = {
            "markdown": nbformat.v4.new_markdown_cell,
            "code": nbformat.v4.new_code_cell,
            "raw": nbformat.v4.new_raw_cell,
        }[parsed_cell.cell_type]
        cell = make(parsed_cell.source, id=cell_id)
        if nbgrader is not None:
            cell.metadata["nbgrader"] = nbgrader
        cells.append(cell)
    notebook = nbformat.v4.new_notebook(cells=cells, metadata=NOTEBOOK_METADATA)
    notebook.nbformat_minor = NBFORMAT_MINOR
    return nbformat.from_dict(notebook)


def notebook_to_text(notebook: NotebookNode, name: str = "<notebook>") -> str:
    """A week's text from a source notebook; refuses what the text cannot say (outputs, other metadata)."""
    if dict(notebook.metadata) != NOTEBOOK_METADATA:
        raise CourseError(f"{name}: notebook metadata {dict(notebook.metadata)} is not {NOTEBOOK_METADATA}")
    cells = []
    unnamed = 0
    for index, cell in enumerate(notebook.cells, start=1):
        where = f"{name}: cell {index} ({cell.get('id')})"
        if cell.get("outputs") or cell.get("execution_count") or set(cell.metadata) - {"nbgrader"}:
            raise CourseError(f"{where}: a source cell is output-free with nbgrader metadata only")
        header = header_of(cell.metadata["nbgrader"], where) if "nbgrader" in cell.metadata else {}
        if cell.get("id") == default_id(unnamed):
            unnamed += 1
        else:
            header = {"id": cell["id"], **header}
        copied = nbformat.from_dict({**cell, "metadata": header})
        cells.append(copied)
    text_notebook = nbformat.v4.new_notebook(
        cells=cells,
        metadata={"jupytext": {"notebook_metadata_filter": "-all", "cell_metadata_filter": ",".join(HEADER_KEYS)}},
    )
    return jupytext.writes(text_notebook, fmt=JUPYTEXT_FORMAT)


def notebook_json(notebook: NotebookNode) -> str:
    """The notebook as committed: nbformat's JSON (one-space indent, sorted keys) and a final newline."""
    return nbformat.writes(notebook) + "\n"
