"""Honest submissions of every week earn every point, graded together in one batch.

The corpus (the package tests/grading/honest/) is built from each week's reference sample as
course/make_samples.py makes it from the scratch course's source and release. One
`course grade --workers 2` grades the whole batch; each submission is its own test, so a
failure names it. The alternative implementations are first run in-process through the
public checks, so a wrong variant fails there, not as a puzzling grading result.
"""
from __future__ import annotations

import json
import time
from pathlib import Path

import nbformat
import pytest

from conftest import copy_course, run_course
from honest import WEEKS, check_in_process, corpus, source_reference

CORPUS = corpus()


@pytest.fixture(scope="module")
def honest_course(tmp_path_factory):
    from course.make_samples import sample_notebooks

    root = copy_course(tmp_path_factory.mktemp("honest") / "course")
    weeks = sorted({entry.week for entry in CORPUS.values()})
    run_course("build", *weeks, cwd=root)
    for week in weeks:
        ((filename, reference),) = sample_notebooks(root, week)["reference"].items()
        for name, entry in CORPUS.items():
            if entry.week == week:
                folder = root / "submitted" / name / week
                folder.mkdir(parents=True)
                nbformat.write(entry.build(reference), folder / filename)
    started = time.perf_counter()
    result = run_course("grade", "--workers", "2", cwd=root, check=False)
    seconds = time.perf_counter() - started
    print(f"\nhonest corpus: {len(CORPUS)} submissions graded in {seconds:.0f} s")
    return root, result, seconds


def test_corpus_covers_every_week():
    assert len(CORPUS) >= 40
    assert {entry.week for entry in CORPUS.values()} == set(WEEKS)
    assert all(sum(e.week == week for e in CORPUS.values()) >= 6 for week in WEEKS)


@pytest.mark.parametrize("name", sorted(CORPUS))
def test_each_variant_passes_the_public_checks_in_process(name):
    entry = CORPUS[name]
    assert check_in_process(entry.week, entry.build(source_reference(entry.week))) == []


def test_the_batch_grades_every_submission(honest_course):
    _, result, _ = honest_course
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    assert f"graded {len(CORPUS)} of {len(CORPUS)} submissions" in result.stdout


def recorded(root: Path, name: str, week: str) -> dict:
    summary = json.loads((root / "autograded" / name / week / ".course-grade.json").read_text())
    (notebook,) = summary["notebooks"].values()
    return notebook


@pytest.mark.parametrize("name", sorted(CORPUS))
def test_each_honest_submission_earns_full_marks(honest_course, name):
    from nbgrader.api import Gradebook

    try:
        from course.config import db_url
    except ImportError:  # before the grading refactor
        from course.scores import db_url

    root, _, _ = honest_course
    week = CORPUS[name].week
    with Gradebook(db_url(root)) as gb:
        submission = gb.find_submission(week, name)
        got = {g.name: (g.score, g.max_score) for nb in submission.notebooks for g in nb.grades}
    grades = recorded(root, name, week)["grades"]
    lost = {k: f"{score}/{top}: {grades.get(k, {}).get('reason', '')}" for k, (score, top) in got.items()
            if score != top}
    assert not lost, f"{name} ({CORPUS[name].why}) lost points: {lost}"
    tampering = {k: g["reason"] for k, g in grades.items() if "tampering" in g.get("reason", "")}
    assert not tampering, tampering
