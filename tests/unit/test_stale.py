"""Feedback pages and exports older than the grades they show are named, with the command to run."""

from __future__ import annotations

import os

from course.reporting.stale import staleness_notes


def _file(path, mtime):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("x")
    os.utime(path, (mtime, mtime))


def test_feedback_and_exports_older_than_the_grades_are_named(tmp_path):
    for student in ("ann", "bob", "cy"):
        _file(tmp_path / "autograded" / student / "w01_softmax" / ".course-grade.json", 1000)
    _file(tmp_path / "autograded" / "ann" / "w02_backprop" / ".course-grade.json", 1000)
    _file(tmp_path / "feedback" / "ann" / "w01_softmax" / "w01_softmax.html", 2000)  # after its grades
    _file(tmp_path / "feedback" / "bob" / "w01_softmax" / "w01_softmax.html", 500)  # before: stale
    _file(tmp_path / "reports" / "lms.csv", 2000)
    _file(tmp_path / "reports" / "canvas.csv", 900)
    assert staleness_notes(tmp_path) == [
        # bob's page is older than his grades; cy has none although the week's feedback was written
        "feedback for 2 students of w01_softmax predates their grades: run `course feedback w01_softmax`",
        "reports/canvas.csv predates the latest grades: run `course export --layout canvas`",
    ]  # week 2 never had feedback written: nothing to say about it


def test_nothing_is_said_when_everything_is_current(tmp_path):
    _file(tmp_path / "autograded" / "ann" / "w01_softmax" / ".course-grade.json", 1000)
    _file(tmp_path / "feedback" / "ann" / "w01_softmax" / "w01_softmax.html", 2000)
    _file(tmp_path / "reports" / "lms.csv", 2000)
    assert staleness_notes(tmp_path) == []
    assert staleness_notes(tmp_path / "nowhere") == []
