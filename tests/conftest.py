"""Fixtures shared by every test layer: the repository, and one built + graded scratch course."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support import NARROWED, REPO, copy_course, in_scope, run_course, weeks


@pytest.fixture(scope="session")
def repo() -> Path:
    return REPO


@pytest.fixture(scope="session")
def built_course(tmp_path_factory) -> Path:
    """A scratch copy of the course with every week built by `course build`."""
    root = copy_course(tmp_path_factory.mktemp("course") / "course")
    run_course("build", *[week for week in weeks() if in_scope(week)], cwd=root)
    return root


def pytest_report_header(config):
    if NARROWED:
        return f"COURSE_TEST_WEEKS narrows the grading batch to: {', '.join(NARROWED)}"
    return None
