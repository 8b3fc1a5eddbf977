"""Source notebooks are output-free; release/ and the bundled samples are what `course build` and
`make_samples` produce now, so the samples' graded runs in the class batch (tests/grading/test_end_to_end.py)
run the source's code: the reference sample proves the source runs clean with its solutions and hidden
tests, the blank sample that a release fails only where a student must write code."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest

from tests.support import REPO, weeks

SOURCE_WEEKS = weeks("source")


@pytest.mark.parametrize("week", SOURCE_WEEKS)
def test_source_is_output_free(week):
    for path in (REPO / "source" / week).glob("*.ipynb"):
        for cell in json.loads(path.read_text())["cells"]:
            assert not cell.get("outputs") and not cell.get("execution_count"), f"{path} has outputs"


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
