"""Malformed week-1 submissions for the hostile corpus (tests/grading/hostile.py): a file edited by
hand that holds a number, a list or text where the notebook format wants text or an object.

The expected scores follow from the policy of course/grading/cells.py, not from a run: what can be
repaired is repaired and noted, and nobody loses a point for it (a test cell whose nbgrader
metadata cannot be read is put back from the answer key and graded); a solution whose source is
not text runs as empty, so only its own problem is lost; a file that cannot be read as a
notebook at all scores 0 with the reason.
"""

from __future__ import annotations

import json


def add_cases(add) -> None:
    """Register each entry with ``add(name, notebook or bytes, expected, reason)``."""
    from tests.grading.hostile import FULL, ZERO, load

    def corrupted(change) -> bytes:
        import nbformat

        data = json.loads(nbformat.writes(load()))
        change(data)
        return json.dumps(data).encode()

    def cell_of(data, grade_id):
        return next(c for c in data["cells"] if c["metadata"].get("nbgrader", {}).get("grade_id") == grade_id)

    def set_meta(grade_id, key, value):
        return lambda data: cell_of(data, grade_id)["metadata"].__setitem__(key, value)

    def set_field(grade_id, key, value):
        return lambda data: cell_of(data, grade_id).__setitem__(key, value)

    put_back = "deleted; put back"
    # --- repaired: the whole notebook is graded, full marks, with a note where a test was put back
    add("nbgrader_meta_text_on_solution", corrupted(set_meta("sigmoid", "nbgrader", "x")), FULL, {})
    add("nbgrader_meta_text_on_test", corrupted(set_meta("test_relu", "nbgrader", "x")), FULL, {"test_relu": put_back})
    add(
        "grade_id_list",
        corrupted(
            lambda data: cell_of(data, "test_cross_entropy")["metadata"]["nbgrader"].__setitem__(
                "grade_id", ["test_cross_entropy"]
            )
        ),
        FULL,
        {"test_cross_entropy": put_back},
    )
    add(
        "points_text",
        corrupted(lambda data: cell_of(data, "test_sigmoid")["metadata"]["nbgrader"].__setitem__("points", "lots")),
        FULL,
        {"test_sigmoid": "points or grading flags had been changed"},
    )
    add(
        "cell_metadata_text_on_test",
        corrupted(set_field("test_output_layers", "metadata", "x")),
        FULL,
        {"test_output_layers": put_back},
    )
    add("cell_metadata_list_on_solution", corrupted(set_field("relu", "metadata", [1])), FULL, {})
    add(
        "source_number_on_test",
        corrupted(set_field("test_softmax", "source", 3)),
        FULL,
        {"test_softmax": "edited; restored"},
    )
    add("cell_type_unknown_on_solution", corrupted(set_field("softmax", "cell_type", "python")), FULL, {})
    add("outputs_text", corrupted(set_field("softmax_cross_entropy", "outputs", "x")), FULL, {})
    add("cell_not_an_object", corrupted(lambda data: data["cells"].__setitem__(0, 42)), FULL, {})
    add("notebook_metadata_text", corrupted(lambda data: data.__setitem__("metadata", "x")), FULL, {})
    # --- a solution whose source is a number runs as empty: only its own problem is lost
    add(
        "source_number_on_solution",
        corrupted(set_field("tanh_grad", "source", 42)),
        {**FULL, "test_tanh_grad": 0},
        {"test_tanh_grad": "tanh_grad"},
    )
    # --- not a notebook at all: 0 with the reason
    add("json_list", b"[1, 2, 3]", ZERO, {k: "not a valid notebook" for k in FULL})
    add(
        "cells_not_a_list",
        corrupted(lambda data: data.__setitem__("cells", {"0": "x"})),
        ZERO,
        {k: "not a valid notebook" for k in FULL},
    )
