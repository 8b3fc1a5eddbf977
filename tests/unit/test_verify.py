"""`course build`'s verification catches every way a release can go wrong."""

from __future__ import annotations

import shutil

import nbformat
import pytest

from course.authoring.release_check import secret_lines, verify_no_text_leak, verify_release
from tests.support import REPO

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


@pytest.mark.parametrize(
    "change,fragment",
    [
        (
            lambda nb: setattr(
                cell(nb, "softmax"),
                "source",
                cell(nb, "softmax").source + "\n    shifted = z - np.max(z, axis=-1, keepdims=True)",
            ),
            "(softmax): holds solution",
        ),
        (
            lambda nb: setattr(
                cell(nb, "test_softmax"),
                "source",
                cell(nb, "test_softmax").source + "\nhelpers.grading.check_softmax(softmax)",
            ),
            "holds solution or hidden-test text",
        ),
        (lambda nb: setattr(cell(nb, "test_relu"), "source", "### BEGIN HIDDEN TESTS\n### END HIDDEN TESTS"), "marker"),
        (
            lambda nb: cell(nb, "test_softmax").outputs.append(nbformat.v4.new_output("stream", text="hi")),
            "has outputs",
        ),
        (lambda nb: cell(nb, "test_softmax").metadata.nbgrader.update(points=5), "points is 5"),
        (lambda nb: nb.cells.remove(cell(nb, "test_relu")), "test_relu: missing"),
        (lambda nb: cell(nb, "test_relu").metadata.nbgrader.update(grade_id="renamed"), "renamed is in the release"),
        (lambda nb: setattr(cell(nb, "test_relu"), "source", "pass"), "visible text differs"),
    ],
)
def test_tampering_is_named(tmp_path, change, fragment):
    problems = tampered(tmp_path, change)
    assert problems, "verification passed a broken release"
    assert any(fragment in p for p in problems), problems
    assert all(str(tmp_path / RELEASE.name) in p for p in problems)


@pytest.mark.parametrize("week", sorted(p.name for p in (REPO / "release").iterdir() if p.is_dir()))
def test_committed_release_holds_no_notebook_text(week):
    assert verify_no_text_leak(REPO, week) == []


def leaked_text(tmp_path, leak) -> list[str]:
    """verify_no_text_leak on a course root holding week 1's text and release, after ``leak(root)``."""
    (tmp_path / "weeks").mkdir(parents=True)
    shutil.copy2(REPO / "weeks" / "w01_softmax.py", tmp_path / "weeks")
    shutil.copytree(REPO / "release" / "w01_softmax", tmp_path / "release" / "w01_softmax")
    leak(tmp_path)
    return verify_no_text_leak(tmp_path, "w01_softmax")


def solution_line() -> str:
    return next(line for line in sorted(secret_lines((REPO / "weeks" / "w01_softmax.py").read_text())) if "np." in line)


@pytest.mark.parametrize(
    "leak,fragment",
    [
        (
            lambda root: shutil.copy2(root / "weeks" / "w01_softmax.py", root / "release" / "w01_softmax"),
            "has the name of a notebook text, weeks/w01_softmax.py",
        ),
        (
            lambda root: shutil.copy2(
                root / "weeks" / "w01_softmax.py", root / "release" / "w01_softmax" / "notes.txt"
            ),
            "holds a notebook text's graded cell headers",
        ),
        (
            lambda root: (
                (root / "release" / "w01_softmax" / "data").mkdir()
                or (root / "release" / "w01_softmax" / "data" / "hint.md").write_text(
                    f"Try:\n\n    {solution_line()}\n"
                )
            ),
            "quotes a solution or hidden-test line of a notebook text",
        ),
        (
            lambda root: (root / "release" / "NOTES.md").write_text('# %% tests="test_softmax" points=2\n'),
            "holds a notebook text's graded cell headers",
        ),
    ],
)
def test_a_notebook_text_in_the_release_is_named(tmp_path, leak, fragment):
    assert leaked_text(tmp_path / "clean", lambda root: None) == []
    problems = leaked_text(tmp_path / "leaked", leak)
    assert len(problems) == 1 and fragment in problems[0], problems
    assert str(tmp_path / "leaked" / "release") in problems[0]


def _exercise_notebook(tmp_path, heading_points: str, cell_points: list[float]):
    cells = [nbformat.v4.new_markdown_cell(f"### Exercise 2 — stable softmax ({heading_points})\n\nWrite it.")]
    for k, points in enumerate(cell_points):
        cell = nbformat.v4.new_code_cell("pass")
        cell.metadata["nbgrader"] = {"grade": True, "solution": False, "grade_id": f"t{k}", "points": points}
        cells.append(cell)
    cells.append(nbformat.v4.new_markdown_cell("## 3. Next section"))
    late = nbformat.v4.new_code_cell("pass")
    late.metadata["nbgrader"] = {"grade": True, "solution": False, "grade_id": "late", "points": 5}
    cells.append(late)
    path = tmp_path / "w.ipynb"
    nbformat.write(nbformat.v4.new_notebook(cells=cells), path)
    return path


def test_a_heading_whose_points_differ_from_its_cells_is_named(tmp_path):
    from course.authoring.release_check import verify_heading_points

    assert verify_heading_points(_exercise_notebook(tmp_path, "3 points", [1, 2])) == []
    assert verify_heading_points(_exercise_notebook(tmp_path, "1 point", [1])) == []
    (problem,) = verify_heading_points(_exercise_notebook(tmp_path, "2 points", [1, 2]))
    assert "'Exercise 2 — stable softmax' says 2 points, its graded cells give 3" in problem


def test_every_committed_heading_matches_its_points():
    from course.authoring.release_check import verify_heading_points

    assert [p for path in sorted((REPO / "source").glob("*/*.ipynb")) for p in verify_heading_points(path)] == []


def test_grade_says_when_the_source_changed_after_the_build(tmp_path):
    from course.grading.grade import source_changed

    for kind in ("source", "release"):
        shutil.copytree(REPO / kind / "w01_softmax", tmp_path / kind / "w01_softmax")
    assert source_changed(tmp_path, "w01_softmax") is None
    path = tmp_path / "source" / "w01_softmax" / "w01_softmax.ipynb"
    notebook = nbformat.read(path, as_version=4)
    test_relu = next(c for c in notebook.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "test_relu")
    test_relu.metadata.nbgrader["points"] = 3
    nbformat.write(notebook, path)
    assert source_changed(tmp_path, "w01_softmax") == "cell test_relu: points is 1 in the release but 3 in the source"
