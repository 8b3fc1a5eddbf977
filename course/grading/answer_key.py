"""What the grader knows about a week, as plain data a worker can receive.

Built from source/<week>/ (the instructor's notebooks, hidden tests included) and
release/<week>/ (what students received). A worker needs nothing else from the course
root, so it can run on another machine (see course/grading/worker.py).
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import nbformat

from ..errors import CourseError
from ..notebook import check_calls, nbgrader_meta, strip_blocks
from .payload import AnswerKey, KeyCell, NotebookKey

HIDDEN = re.compile(r"###\s*BEGIN HIDDEN TESTS(.*?)###\s*END HIDDEN TESTS", re.S)


def checks_called(test_source: str, where: str = "a test cell") -> list[tuple[str, str]]:
    """[(registered check name, student object name)] for each ``helpers.grading.check_X(obj)`` in
    the hidden tests; former names are resolved to the current ones."""
    from helpers.grading import resolve

    found = []
    for block in HIDDEN.findall(test_source):
        for name, obj in check_calls(block):
            check = resolve(name)
            if check is None:
                raise CourseError(f"{where}: calls helpers.grading.check_{name}, which does not exist")
            found.append((check.name, obj))
    return found


def adapters_in(test_source: str, where: str = "a test cell") -> dict[str, dict]:
    """{name: {"call": "helpers.mod.fn", "student": object name, "args": [constants]}} for each
    ``name = helpers.mod.fn(obj, "constant", ...)`` in the hidden tests. The hidden tests never run
    in a student's kernel: besides check calls, they may hold only such adapters, which the
    grader passes to the kernel as data (course/sandbox/kernel/harness.py applies them)."""
    found: dict[str, dict] = {}
    for block in HIDDEN.findall(test_source):
        try:
            statements = ast.parse(block).body
        except SyntaxError as err:
            raise CourseError(f"{where}: the hidden tests do not parse: {err}") from None
        for statement in statements:
            value = statement.value if isinstance(statement, (ast.Expr, ast.Assign)) else None
            call = value if isinstance(value, ast.Call) else None
            path = ast.unparse(call.func) if call is not None else ""
            if isinstance(statement, ast.Expr) and path.startswith("helpers.grading.check_"):
                continue
            if (
                isinstance(statement, ast.Assign)
                and len(statement.targets) == 1
                and isinstance(statement.targets[0], ast.Name)
                and path.startswith("helpers.")
                and not call.keywords
                and call.args
                and isinstance(call.args[0], ast.Name)
                and all(isinstance(a, ast.Constant) for a in call.args[1:])
            ):
                found[statement.targets[0].id] = {
                    "call": path,
                    "student": call.args[0].id,
                    "args": [a.value for a in call.args[1:]],
                }
                continue
            raise CourseError(
                f"{where}: the hidden tests may hold only helpers.grading.check_X(obj) calls and "
                f"adapters `name = helpers.module.function(obj, constants...)`, not "
                f"`{ast.unparse(statement)[:80]}`"
            )
    return found


def build_key(root: Path, week: str) -> AnswerKey:
    sources = sorted((root / "source" / week).glob("*.ipynb"))
    if not sources:
        raise CourseError(f"no notebooks in {root / 'source' / week}")
    notebooks: dict[str, NotebookKey] = {}
    for source_path in sources:
        release_path = root / "release" / week / source_path.name
        if not release_path.is_file():
            raise CourseError(f"{release_path} is missing: run `course build {week}` first")
        source = nbformat.read(source_path, as_version=4)
        release = nbformat.read(release_path, as_version=4)
        source_cells = {nbgrader_meta(c).get("grade_id"): c for c in source.cells if nbgrader_meta(c).get("grade_id")}
        cells: list[KeyCell] = []
        for cell in release.cells:
            meta = nbgrader_meta(cell)
            grade_id = meta.get("grade_id")
            if not grade_id:
                continue
            full = source_cells[grade_id].source
            is_test = bool(meta.get("grade")) and not meta.get("solution")
            cells.append(
                KeyCell(
                    grade_id=grade_id,
                    cell_type=cell.cell_type,
                    nbgrader=dict(meta),
                    release_source=cell.source,
                    source=full if (is_test or meta.get("locked")) and not meta.get("solution") else None,
                    checks=checks_called(full, f"{source_path}: cell {grade_id}") if is_test else [],
                    adapters=adapters_in(full, f"{source_path}: cell {grade_id}") if is_test else {},
                )
            )
        given = sorted(
            {
                strip_blocks(c.source).strip()
                for c in release.cells
                if c.cell_type == "code" and not nbgrader_meta(c).get("solution")
            }
        )
        notebooks[source_path.name] = NotebookKey(cells=cells, given_code=given, metadata=dict(release.metadata))
    return AnswerKey(week=week, notebooks=notebooks)
