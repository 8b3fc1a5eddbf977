"""Malformed notebooks never crash grading (course/grading/cells.py): each field the grader reads is
repaired and noted, or the file scores 0 with a reason a student understands.

Each case corrupts the week-1 reference sample at the JSON level, as a hand-edited file would,
and runs what the worker runs before the kernel: parse, restore_cells, student_code and the scan,
then writes the notebook as the worker does. Fast: no kernel, no grading run.
"""

from __future__ import annotations

import json

import nbformat
import pytest

from course.grading.answer_key import build_key
from course.grading.cells import CELL_TYPES, REPAIRS, parse, repair_notes, restore_cells, student_code
from course.grading.tamper import scan
from course.notebook import nbgrader_meta
from tests.support import REPO

WEEK, NOTEBOOK = "w01_softmax", "w01_softmax.ipynb"
REFERENCE = REPO / "course" / "samples" / WEEK / "reference" / NOTEBOOK


@pytest.fixture(scope="module")
def nb_key():
    return build_key(REPO, WEEK)["notebooks"][NOTEBOOK]


def reference() -> dict:
    return json.loads(REFERENCE.read_text())


def at(data: dict, grade_id: str) -> int:
    """The index of the cell with this grade_id in the JSON."""
    return next(i for i, c in enumerate(data["cells"]) if c["metadata"].get("nbgrader", {}).get("grade_id") == grade_id)


def corrupt(change) -> bytes:
    data = reference()
    change(data)
    return json.dumps(data).encode()


def set_cell(grade_id: str, key: str, value):
    return lambda data: data["cells"][at(data, grade_id)].__setitem__(key, value)


def set_meta(grade_id: str, key: str, value):
    return lambda data: data["cells"][at(data, grade_id)]["metadata"].__setitem__(key, value)


def set_nbgrader(grade_id: str, key: str, value):
    return lambda data: data["cells"][at(data, grade_id)]["metadata"]["nbgrader"].__setitem__(key, value)


def drop_cell_field(grade_id: str, key: str):
    return lambda data: data["cells"][at(data, grade_id)].pop(key)


def set_top(key: str, value):
    return lambda data: data.__setitem__(key, value)


def label(grade_id: str) -> str:
    """How the notes name a cell of the reference: "cell N", counted from 1."""
    return f"cell {at(reference(), grade_id) + 1}"


def grade_path(raw: bytes, nb_key):
    """What the worker does before the kernel; (notebook, problem, notes, student code)."""
    notebook, problem = parse(raw)
    if problem:
        return None, problem, {}, []
    notes = restore_cells(notebook, nb_key)
    code = student_code(notebook, nb_key)
    for source in code:
        scan(source)
    nbformat.writes(notebook)
    return notebook, None, notes, code


def assert_sound(notebook, nb_key):
    """Everything later steps read is there, of the right type; every key cell is the key's."""
    assert REPAIRS not in notebook.metadata
    for cell in notebook.cells:
        assert cell.cell_type in CELL_TYPES and isinstance(cell.source, str)
        assert isinstance(cell.metadata, dict) and isinstance(cell.metadata.get("tags", []), list)
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None
    placed = {nbgrader_meta(c).get("grade_id"): c for c in notebook.cells if nbgrader_meta(c)}
    for entry in nb_key["cells"]:
        if entry["source"] is not None or entry["nbgrader"].get("grade"):
            cell = placed[entry["grade_id"]]
            assert cell.cell_type == entry["cell_type"] and nbgrader_meta(cell) == entry["nbgrader"]
            if entry["source"] is not None:
                assert cell.source == entry["source"]


DELETED = "its cell was deleted; put back"

# name -> (change, {where: fragment of the note}); each is repaired and graded
REPAIRED = {
    "nbgrader_text_on_solution": (
        set_meta("sigmoid", "nbgrader", "x"),
        {label("sigmoid"): "nbgrader metadata could not be read (it was text)"},
    ),
    "nbgrader_text_on_test": (
        set_meta("test_sigmoid", "nbgrader", "x"),
        {label("test_sigmoid"): "nbgrader metadata could not be read", "test_sigmoid": DELETED},
    ),
    "nbgrader_list_on_test": (
        set_meta("test_relu", "nbgrader", [1, 2]),
        {label("test_relu"): "(it was a list)", "test_relu": DELETED},
    ),
    "nbgrader_null_on_test": (
        set_meta("test_relu", "nbgrader", None),
        {label("test_relu"): "(it was null)", "test_relu": DELETED},
    ),
    "grade_id_list_on_test": (
        set_nbgrader("test_softmax", "grade_id", ["test_softmax"]),
        {label("test_softmax"): "its grade_id was a list", "test_softmax": DELETED},
    ),
    "grade_id_object_on_test": (
        set_nbgrader("test_softmax", "grade_id", {"id": "test_softmax"}),
        {label("test_softmax"): "its grade_id was an object", "test_softmax": DELETED},
    ),
    "grade_id_number_on_test": (
        set_nbgrader("test_softmax", "grade_id", 7),
        {label("test_softmax"): "its grade_id was a number", "test_softmax": DELETED},
    ),
    "grade_id_list_on_solution": (
        set_nbgrader("relu", "grade_id", ["relu"]),
        {label("relu"): "its grade_id was a list"},
    ),
    "points_text": (
        set_nbgrader("test_relu", "points", "lots"),
        {"test_relu": "its points or grading flags had been changed"},
    ),
    "metadata_text_on_solution": (
        set_cell("sigmoid", "metadata", "x"),
        {label("sigmoid"): "its metadata was text, not an object"},
    ),
    "metadata_list_on_test": (
        set_cell("test_tanh_grad", "metadata", [1]),
        {label("test_tanh_grad"): "its metadata was a list", "test_tanh_grad": DELETED},
    ),
    "metadata_missing_on_test": (
        drop_cell_field("test_tanh_grad", "metadata"),
        {label("test_tanh_grad"): "its metadata was missing", "test_tanh_grad": DELETED},
    ),
    "tags_number": (set_meta("sigmoid", "tags", 5), {label("sigmoid"): "its tags were a number"}),
    "tags_of_numbers": (
        set_meta("sigmoid", "tags", [1]),
        {label("sigmoid"): "its tags were a list, not a list of text"},
    ),
    "source_number_on_test": (
        set_cell("test_sigmoid", "source", 3),
        {
            label("test_sigmoid"): "its source was a number, not text; read as empty",
            "test_sigmoid": "its test cell had been edited; restored",
        },
    ),
    "cell_type_unknown_on_solution": (
        set_cell("softmax", "cell_type", "python"),
        {
            label("softmax"): "its cell type ('python') is not code, markdown or raw",
            "softmax": "its cell type had been changed; restored",
        },
    ),
    "cell_type_missing_on_test": (
        drop_cell_field("test_softmax", "cell_type"),
        {label("test_softmax"): "its cell type (none)", "test_softmax": "its cell type had been changed; restored"},
    ),
    "cell_type_number_on_test": (
        set_cell("test_softmax", "cell_type", 2),
        {label("test_softmax"): "its cell type (a number)", "test_softmax": "its cell type had been changed; restored"},
    ),
    "outputs_text": (set_cell("sigmoid", "outputs", "x"), {}),
    "outputs_of_junk": (set_cell("sigmoid", "outputs", [1, "x", None]), {}),
    "outputs_missing": (drop_cell_field("sigmoid", "outputs"), {}),
    "execution_count_text": (set_cell("sigmoid", "execution_count", "x"), {}),
    "cell_id_number": (set_cell("sigmoid", "id", 5), {}),
    "attachments_on_markdown": (
        lambda data: data["cells"][0].__setitem__("attachments", "x"),
        {"cell 1": "its attachments could not be read"},
    ),
    "cell_is_text": (lambda data: data["cells"].__setitem__(0, "hello"), {"cell 1": "it was text, not a cell"}),
    "cell_is_number": (lambda data: data["cells"].__setitem__(2, 4), {"cell 3": "it was a number, not a cell"}),
    "notebook_metadata_text": (set_top("metadata", "x"), {"notebook metadata": "it was text, not an object"}),
    "notebook_metadata_list": (set_top("metadata", [1]), {"notebook metadata": "it was a list"}),
    "notebook_metadata_missing": (lambda data: data.pop("metadata"), {"notebook metadata": "it was missing"}),
    "kernelspec_text": (
        lambda data: data["metadata"].__setitem__("kernelspec", "python"),
        {"notebook kernelspec": "it was text, not an object; removed"},
    ),
    "nbformat_missing": (lambda data: data.pop("nbformat"), {"notebook": "its nbformat version was missing"}),
    "nbformat_text": (set_top("nbformat", "4"), {"notebook": "its nbformat version was text, not a number"}),
    "nbformat_minor_text": (set_top("nbformat_minor", "five"), {}),
}


@pytest.mark.parametrize("name", sorted(REPAIRED))
def test_a_repairable_notebook_is_repaired_and_noted(name, nb_key):
    change, expected = REPAIRED[name]
    notebook, problem, notes, _ = grade_path(corrupt(change), nb_key)
    assert problem is None
    assert_sound(notebook, nb_key)
    assert set(notes) == set(expected), notes
    for where, fragment in expected.items():
        assert fragment in notes[where], (where, notes[where])


def test_unreadable_nbgrader_metadata_on_a_solution_keeps_the_students_code(nb_key):
    source = reference()["cells"][at(reference(), "sigmoid")]["source"]
    _, _, _, code = grade_path(corrupt(set_meta("sigmoid", "nbgrader", "x")), nb_key)
    assert "".join(source) in code


@pytest.mark.parametrize("junk", [3, 2.5, None, True, {"a": 1}, [1, 2], ["def f():\n", 3]])
def test_a_solution_whose_source_is_not_text_runs_as_empty(junk, nb_key):
    notebook, problem, notes, code = grade_path(corrupt(set_cell("tanh_grad", "source", junk)), nb_key)
    assert problem is None
    assert_sound(notebook, nb_key)
    assert set(notes) == {label("tanh_grad")} and "not text; read as empty" in notes[label("tanh_grad")]
    assert not any("def tanh_grad" in source for source in code)


def test_a_solution_without_a_source_runs_as_empty(nb_key):
    _, problem, notes, _ = grade_path(corrupt(drop_cell_field("tanh_grad", "source")), nb_key)
    assert problem is None and notes == {label("tanh_grad"): "its source was missing; read as empty"}


def test_a_source_as_a_list_of_lines_is_joined(nb_key):
    def split(data):
        cell = data["cells"][at(data, "relu")]
        cell["source"] = "".join(cell["source"]).splitlines(keepends=True)

    notebook, problem, notes, code = grade_path(corrupt(split), nb_key)
    assert problem is None and notes == {}
    assert any(source.startswith("def relu(z):") for source in code)


def test_a_cell_type_unknown_outside_the_key_is_kept_but_not_run(nb_key):
    data = reference()
    step = next(i for i, c in enumerate(data["cells"]) if "def step" in "".join(c["source"]))
    data["cells"][step]["cell_type"] = "weird"
    notebook, problem, notes, code = grade_path(json.dumps(data).encode(), nb_key)
    assert notebook.cells[step].cell_type == "raw" and "outputs" not in notebook.cells[step]
    assert "read as raw text" in notes[f"cell {step + 1}"]
    assert not any("def step" in source for source in code)


def test_a_forged_repair_note_is_dropped(nb_key):
    forged = corrupt(lambda data: data["metadata"].__setitem__(REPAIRS, {"test_relu": "forged"}))
    _, problem, notes, _ = grade_path(forged, nb_key)
    assert problem is None and notes == {}


def test_nbgrader_metadata_outside_the_key_is_removed(nb_key):
    def add_grade(data):
        data["cells"][0]["metadata"]["nbgrader"] = {"grade": True, "points": 100}

    notebook, _, notes, _ = grade_path(corrupt(add_grade), nb_key)
    assert "nbgrader" not in notebook.cells[0].metadata and notes == {}


UNREADABLE = {
    "list": (b"[1, 2, 3]", "not a valid notebook: the file holds a list, not a notebook"),
    "string": (b'"a notebook"', "not a valid notebook: the file holds text, not a notebook"),
    "number": (b"42", "not a valid notebook: the file holds a number"),
    "not_json": (b'{"cells": [', "not a valid notebook: not JSON"),
    "too_deep": (b"[" * 100_000 + b"]" * 100_000, "not a valid notebook: not JSON"),
    "cells_object": (corrupt(set_top("cells", {})), "not a valid notebook: its list of cells was an object"),
    "cells_missing": (corrupt(lambda data: data.pop("cells")), "not a valid notebook: its list of cells was missing"),
    "no_version_no_cells": (b'{"metadata": {}}', "not a valid notebook: it has no nbformat version"),
    "version_99": (corrupt(set_top("nbformat", 99)), "not a valid notebook: nbformat version 99 is not one"),
    "version_0": (corrupt(set_top("nbformat", 0)), "not a valid notebook: nbformat version 0 is not one"),
    "empty": (b"  \n", "the notebook file is empty"),
    "latin1": (REFERENCE.read_bytes().replace(b"Week 1", b"Week 1 \xe9t\xe9", 1), "the notebook is not UTF-8"),
}


@pytest.mark.parametrize("name", sorted(UNREADABLE))
def test_an_unreadable_file_gives_a_reason(name, nb_key):
    raw, reason = UNREADABLE[name]
    notebook, problem, _, _ = grade_path(raw, nb_key)
    assert notebook is None and problem.startswith(reason), problem


def test_an_old_format_notebook_is_converted(nb_key):
    old = nbformat.convert(nbformat.read(REFERENCE, as_version=4), 3)
    notebook, problem, notes, code = grade_path(nbformat.writes(old).encode(), nb_key)
    assert problem is None and notes == {} and notebook.nbformat == 4
    assert_sound(notebook, nb_key)
    assert any(source.startswith("def relu(z):") for source in code)


def test_an_old_format_notebook_with_odd_metadata_is_repaired(nb_key):
    old = json.loads(nbformat.writes(nbformat.convert(nbformat.read(REFERENCE, as_version=4), 3)))
    old["metadata"] = "x"
    old["worksheets"][0]["cells"][5]["input"] = 3  # the sigmoid solution, as version 3 holds it
    old["worksheets"][0]["cells"][5]["metadata"]["nbgrader"] = "x"
    notebook, problem, notes, _ = grade_path(json.dumps(old).encode(), nb_key)
    assert problem is None
    assert_sound(notebook, nb_key)
    assert "not an object" in notes["notebook metadata"]
    assert "source was a number" in notes["cell 6"] and "nbgrader metadata could not be read" in notes["cell 6"]


def test_the_reference_needs_no_repair(nb_key):
    notebook, problem, notes, _ = grade_path(REFERENCE.read_bytes(), nb_key)
    assert problem is None and notes == {}
    assert_sound(notebook, nb_key)


@pytest.mark.parametrize(
    "metadata",
    [
        "x",
        3,
        None,
        [1],
        {"nbgrader": "x"},
        {"nbgrader": {"grade_id": [1]}},
        {"nbgrader": {"grade_id": 3, "solution": True}},
    ],
)
def test_nbgrader_meta_reads_nothing_from_junk(metadata):
    assert nbgrader_meta({"metadata": metadata}) == {}


def test_nbgrader_meta_of_a_sound_cell():
    meta = {"grade_id": "a", "grade": True}
    assert nbgrader_meta({"metadata": {"nbgrader": meta}}) is meta
    assert nbgrader_meta("not a cell") == {} and nbgrader_meta({}) == {}


def test_student_code_of_an_unrepaired_notebook_never_raises(nb_key):
    """The tamper tests scan notebooks read by plain nbformat, junk and all."""
    data = reference()
    data["cells"][at(data, "sigmoid")]["source"] = 3
    data["cells"][at(data, "relu")]["metadata"]["nbgrader"] = {"grade_id": ["relu"], "solution": False}
    data["cells"][at(data, "test_relu")]["metadata"]["nbgrader"] = "x"
    data["cells"][0].pop("cell_type")
    notebook = nbformat.from_dict(data)
    code = student_code(notebook, nb_key)
    assert all(isinstance(source, str) for source in code)
    assert any(source.startswith("def relu(z):") for source in code)  # junk metadata hides nothing


def test_repair_notes_are_the_notes_no_problem_carries(nb_key):
    notes = {
        "cell 3": "its source was a number, not text; read as empty",
        "test_relu": DELETED,
        "softmax": "its cell type had been changed; restored and graded",
    }
    assert repair_notes(notes, nb_key) == [
        "cell 3: its source was a number, not text; read as empty",
        "softmax: its cell type had been changed; restored and graded",
    ]


def test_a_cell_released_before_the_key_changed_gets_no_note_of_tampering(nb_key):
    """The instructor changed a test's points and rebuilt after the student fetched the notebook: the
    student's cell is as the old release made it (its nbgrader checksum matches), so nothing is said to
    the student; the instructor's notes say the key changed."""
    from nbgrader.utils import compute_checksum

    notebook = nbformat.reads(REFERENCE.read_text(), as_version=4)
    test_relu = notebook.cells[at(json.loads(REFERENCE.read_text()), "test_relu")]
    test_relu.metadata.nbgrader["points"] = 5  # what the earlier release said
    test_relu.source = "assert relu(np.array([1.0]))[0] == 1.0  # the earlier visible test"
    test_relu.metadata.nbgrader["checksum"] = compute_checksum(test_relu)
    notes = restore_cells(notebook, nb_key)
    assert "test_relu" not in notes
    assert "answer key last changed" in notes["answer key"]
    assert any(n.startswith("answer key: released before") for n in repair_notes(notes, nb_key))
    assert nbgrader_meta(test_relu)["points"] == 1 and "earlier visible test" not in test_relu.source
    # the same edits by a student, who cannot leave the checksum right by accident, are noted as before
    notebook = nbformat.reads(REFERENCE.read_text(), as_version=4)
    test_relu = notebook.cells[at(json.loads(REFERENCE.read_text()), "test_relu")]
    test_relu.metadata.nbgrader["points"] = 5
    notes = restore_cells(notebook, nb_key)
    assert notes["test_relu"].startswith("its points or grading flags had been changed") and "answer key" not in notes
