"""Every source notebook runs clean; every release fails only where a student must write code;
release/ and the bundled samples are what `course build` and `make_samples` produce now."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from tests.support import REPO, weeks

SOURCE_WEEKS = weeks("source")


def execute(path: Path) -> nbformat.NotebookNode:
    notebook = nbformat.read(path, as_version=4)
    NotebookClient(
        notebook,
        timeout=300,
        kernel_name="python3",
        allow_errors=True,
        resources={"metadata": {"path": str(path.parent)}},
    ).execute()
    return notebook


def errors_of(notebook) -> list[tuple[int, str, str]]:
    return [
        (i, out.ename, out.evalue)
        for i, cell in enumerate(notebook.cells, start=1)
        if cell.cell_type == "code"
        for out in cell.outputs
        if out.output_type == "error"
    ]


def stderr_in_graded_cells(notebook) -> list[int]:
    return [
        i
        for i, cell in enumerate(notebook.cells, start=1)
        if cell.get("metadata", {}).get("nbgrader", {}).get("grade")
        for out in cell.get("outputs", [])
        if out.output_type == "stream" and out.name == "stderr"
    ]


@pytest.mark.parametrize("week", SOURCE_WEEKS)
def test_source_is_output_free(week):
    for path in (REPO / "source" / week).glob("*.ipynb"):
        for cell in json.loads(path.read_text())["cells"]:
            assert not cell.get("outputs") and not cell.get("execution_count"), f"{path} has outputs"


@pytest.mark.parametrize("week", SOURCE_WEEKS)
def test_source_runs_top_to_bottom_with_solutions(week):
    for path in sorted((REPO / "source" / week).glob("*.ipynb")):
        notebook = execute(path)
        assert errors_of(notebook) == [], f"{path.name}: errors {errors_of(notebook)}"
        assert stderr_in_graded_cells(notebook) == [], f"{path.name}: graded cells wrote to stderr"


@pytest.mark.parametrize("week", SOURCE_WEEKS)
def test_release_fails_only_with_not_implemented(week):
    for path in sorted((REPO / "release" / week).glob("*.ipynb")):
        errors = errors_of(execute(path))
        assert errors, f"{path.name}: no exercise left to do in the release"
        others = [e for e in errors if e[1] != "NotImplementedError"]
        assert others == [], f"{path.name}: errors other than NotImplementedError: {others}"


def comparable(path: Path) -> dict:
    notebook = json.loads(path.read_text())
    return {
        "cells": [
            (
                c["cell_type"],
                c["source"] if isinstance(c["source"], str) else "".join(c["source"]),
                c.get("metadata", {}).get("nbgrader"),
            )
            for c in notebook["cells"]
        ],
        "nbformat": (notebook["nbformat"], notebook["nbformat_minor"]),
    }


@pytest.mark.parametrize("week", SOURCE_WEEKS)
def test_release_is_up_to_date_with_source(week, built_course):
    fresh = sorted((built_course / "release" / week).glob("*.ipynb"))
    committed = sorted((REPO / "release" / week).glob("*.ipynb"))
    assert [p.name for p in fresh] == [p.name for p in committed], "run `course build`"
    for new, old in zip(fresh, committed):
        assert comparable(new) == comparable(old), f"release/{week}/{old.name} is stale: run `course build {week}`"


@pytest.mark.parametrize("week", [w for w in SOURCE_WEEKS if (REPO / "course" / "samples" / w).is_dir()])
def test_samples_are_up_to_date(week, tmp_path):
    from course.authoring.make_samples import SAMPLES_DIR, write_samples

    for path in write_samples(REPO, week, destination=tmp_path):
        committed = SAMPLES_DIR / path.relative_to(tmp_path)
        assert committed.is_file(), f"{committed} missing: run `python -m course.authoring.make_samples`"
        assert comparable(path) == comparable(committed), (
            f"{committed} is stale: run `python -m course.authoring.make_samples`"
        )


def test_the_notation_page_is_released_and_every_week_links_to_it():
    assert (REPO / "release" / "NOTATION.md").read_text() == (REPO / "docs" / "NOTATION.md").read_text(), (
        "run `course build`"
    )
    for week in SOURCE_WEEKS:
        for path in (REPO / "source" / week).glob("*.ipynb"):
            assert "../NOTATION.md" in nbformat.read(path, as_version=4).cells[0].source, (
                f"{path.name}: link the notation"
            )
