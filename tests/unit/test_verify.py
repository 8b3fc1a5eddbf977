"""`course build`'s verification catches every way a release can go wrong."""
from __future__ import annotations

import copy
from pathlib import Path

import nbformat
import pytest

from course.authoring.release_check import verify_release

REPO = Path(__file__).resolve().parents[2]
SOURCE = REPO / "source" / "w01_softmax" / "w01_softmax.ipynb"
RELEASE = REPO / "release" / "w01_softmax" / "w01_softmax.ipynb"


def tampered(tmp_path, change) -> list[str]:
    notebook = nbformat.read(RELEASE, as_version=4)
    change(notebook)
    path = tmp_path / RELEASE.name
    nbformat.write(notebook, path)
    return verify_release(SOURCE, path)


def cell(notebook, grade_id):
    return next(c for c in notebook.cells if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id)


def test_committed_release_verifies():
    assert verify_release(SOURCE, RELEASE) == []


@pytest.mark.parametrize("change,fragment", [
    (lambda nb: setattr(cell(nb, "softmax"), "source",
                        cell(nb, "softmax").source + "\n    shifted = z - np.max(z, axis=-1, keepdims=True)"),
     "(softmax): holds solution"),
    (lambda nb: setattr(cell(nb, "test_softmax"), "source",
                        cell(nb, "test_softmax").source + "\nhelpers.grading.check_softmax(softmax)"),
     "holds solution or hidden-test text"),
    (lambda nb: setattr(cell(nb, "test_relu"), "source", "### BEGIN HIDDEN TESTS\n### END HIDDEN TESTS"),
     "marker"),
    (lambda nb: cell(nb, "test_softmax").outputs.append(nbformat.v4.new_output("stream", text="hi")),
     "has outputs"),
    (lambda nb: cell(nb, "test_softmax").metadata.nbgrader.update(points=5), "points is 5"),
    (lambda nb: nb.cells.remove(cell(nb, "test_relu")), "test_relu: missing"),
    (lambda nb: cell(nb, "test_relu").metadata.nbgrader.update(grade_id="renamed"), "renamed is in the release"),
    (lambda nb: setattr(cell(nb, "test_relu"), "source", "pass"), "visible text differs"),
])
def test_tampering_is_named(tmp_path, change, fragment):
    problems = tampered(tmp_path, change)
    assert problems, "verification passed a broken release"
    assert any(fragment in p for p in problems), problems
    assert all(str(tmp_path / RELEASE.name) in p for p in problems)
