"""A week's text (jupytext percent format, nbgrader roles in the headers) and the notebook it generates."""

from __future__ import annotations

import ast
import shutil

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_raw_cell

from course.authoring.notebook_text import NOTEBOOK_METADATA, notebook_json, notebook_to_text, text_to_notebook
from course.cli import main
from course.errors import CourseError
from tests.support import REPO


def graded(cell, **nbgrader):
    cell.metadata["nbgrader"] = {"schema_version": 3, **nbgrader}
    return cell


def synthetic_notebook():
    cells = [
        new_markdown_cell(
            "# Softmax\n\nThe stable form: $\\hat y_k = \\frac{e^{z_k - m}}{\\sum_j e^{z_j - m}}$,\n"
            "with $m = \\max_j z_j$.\n\n* a list\n\n    indented text",
            id="cell-000",
        ),
        new_code_cell("%matplotlib inline\nimport numpy as np", id="cell-001"),
        graded(
            new_code_cell(
                'def softmax(z):\n    """Rows sum to 1."""\n    ### BEGIN SOLUTION\n'
                "    e = np.exp(z - z.max(axis=-1, keepdims=True))\n"
                "    return e / e.sum(axis=-1, keepdims=True)\n    ### END SOLUTION",
                id="cell-002",
            ),
            grade=False,
            grade_id="softmax",
            locked=False,
            solution=True,
            task=False,
        ),
        graded(
            new_code_cell(
                "assert np.allclose(softmax(np.zeros(3)), 1 / 3)\n### BEGIN HIDDEN TESTS\n"
                "helpers.grading.check_softmax(softmax)\n### END HIDDEN TESTS",
                id="cell-003",
            ),
            grade=True,
            grade_id="test_softmax",
            locked=True,
            points=2,
            solution=False,
            task=False,
        ),
        new_code_cell("%timeit softmax(np.ones((100, 10)))\n!echo shell", id="inserted-later"),
        graded(
            new_markdown_cell("Why subtract the maximum?\n\nYOUR ANSWER HERE", id="cell-004"),
            grade=True,
            grade_id="why_max",
            locked=False,
            points=1.5,
            solution=True,
            task=False,
        ),
        graded(
            new_code_cell("SEED = 0", id="cell-005"),
            grade=False,
            grade_id="setup",
            locked=True,
            solution=False,
            task=False,
        ),
        new_raw_cell("raw text, passed through", id="cell-006"),
    ]
    notebook = new_notebook(cells=cells, metadata=NOTEBOOK_METADATA)
    notebook.nbformat_minor = 5
    return nbformat.from_dict(notebook)


def test_round_trip_of_a_synthetic_notebook_is_byte_identical():
    notebook = synthetic_notebook()
    text = notebook_to_text(notebook)
    assert notebook_json(text_to_notebook(text)) == notebook_json(notebook)
    assert notebook_to_text(text_to_notebook(text)) == text


def test_the_text_says_each_role_in_one_short_header():
    text = notebook_to_text(synthetic_notebook())
    headers = [line for line in text.splitlines() if line.startswith("# %%")]
    assert headers == [
        "# %% [markdown]",
        "# %%",
        '# %% solution="softmax"',
        '# %% tests="test_softmax" points=2',
        '# %% id="inserted-later"',
        '# %% [markdown] manual="why_max" points=1.5',
        '# %% locked="setup"',
        "# %% [raw]",
    ]
    assert "# $\\hat y_k = " not in text and "# The stable form: $\\hat y_k" in text  # LaTeX as written
    assert "# %timeit softmax" in text and "# !echo shell" in text  # magics commented
    ast.parse(text)  # the text is Python


@pytest.mark.parametrize(
    "header,fragment",
    [
        ('# %% solutoin="softmax"', "unknown header key 'solutoin'"),
        ('# %% tests="test_softmax"', "needs points=N"),
        ('# %% solution="softmax" points=1', "has no points"),
        ('# %% solution="a" tests="b" points=1', "one role per cell"),
        ("# %% solution=true", "grade_id in quotes"),
    ],
)
def test_a_wrong_header_is_refused_naming_the_cell(header, fragment):
    with pytest.raises(CourseError) as raised:
        text_to_notebook(f"# %% [markdown]\n# Title\n\n{header}\nx = 1\n", name="weeks/w99_x.py")
    assert fragment in str(raised.value)
    assert "weeks/w99_x.py: cell 2 (cell-001)" in str(raised.value)


def test_metadata_the_text_cannot_say_is_refused():
    notebook = synthetic_notebook()
    notebook.cells[1].metadata["collapsed"] = True
    with pytest.raises(CourseError, match="nbgrader metadata only"):
        notebook_to_text(notebook)


@pytest.fixture()
def scratch(tmp_path):
    """A course root holding week 1's text and source notebook."""
    (tmp_path / "nbgrader_config.py").write_text("")
    (tmp_path / "weeks").mkdir()
    shutil.copy2(REPO / "weeks" / "w01_softmax.py", tmp_path / "weeks")
    (tmp_path / "source" / "w01_softmax").mkdir(parents=True)
    shutil.copy2(REPO / "source" / "w01_softmax" / "w01_softmax.ipynb", tmp_path / "source" / "w01_softmax")
    return tmp_path


def test_one_sentence_edited_in_the_text_is_one_line_of_the_notebook(scratch, capsys):
    text = scratch / "weeks" / "w01_softmax.py"
    notebook = scratch / "source" / "w01_softmax" / "w01_softmax.ipynb"
    before = notebook.read_text().splitlines()
    text.write_text(text.read_text().replace("# Run the next cell first.", "# Run the next cell before any other."))

    assert main(["notebooks", "--check", "--root", str(scratch)]) == 1
    assert (
        "source/w01_softmax/w01_softmax.ipynb differs from what weeks/w01_softmax.py generates: "
        "run `course notebooks w01_softmax`"
    ) in capsys.readouterr().err

    assert main(["notebooks", "w01_softmax", "--root", str(scratch)]) == 0
    after = notebook.read_text().splitlines()
    assert [(a, b) for a, b in zip(before, after) if a != b] == [
        ('    "Run the next cell first.\\n",', '    "Run the next cell before any other.\\n",')
    ]
    assert main(["notebooks", "--check", "--root", str(scratch)]) == 0


def test_a_source_week_without_text_is_named(scratch, capsys):
    (scratch / "source" / "w02_backprop").mkdir()
    assert main(["notebooks", "--check", "--root", str(scratch)]) == 1
    assert "source/w02_backprop/ has no text weeks/w02_backprop.py" in capsys.readouterr().err


def test_the_example_of_adding_a_week_generates_a_solution_and_a_test_cell():
    guide = (REPO / "docs" / "ADDING_A_WEEK.md").read_text()
    example = guide.split("```python\n# %% [markdown]", 1)[1].split("```", 1)[0]
    cells = text_to_notebook("# %% [markdown]" + example).cells
    assert [c.metadata.get("nbgrader", {}).get("grade_id") for c in cells] == [None, "softmax", "test_softmax"]
    assert cells[2].metadata.nbgrader.points == 2 and cells[2].metadata.nbgrader.locked


def test_blank_lines_between_cells_are_layout_not_content():
    two = '# %% solution="f"\ndef f():\n    return 1\n\n\n# %% tests="t" points=1\nassert f() == 1\n'
    one = two.replace("\n\n\n", "\n\n")
    assert notebook_json(text_to_notebook(one)) == notebook_json(text_to_notebook(two))


def test_the_verb_has_help(capsys):
    with pytest.raises(SystemExit) as raised:
        main(["notebooks", "--help"])
    assert raised.value.code == 0
    assert capsys.readouterr().out.startswith("usage: course notebooks")
