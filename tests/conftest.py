"""Fixtures shared by every test layer: the repository, and one built + graded scratch course."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support import REPO, copy_course, run_course


@pytest.fixture(scope="session")
def repo() -> Path:
    return REPO


@pytest.fixture(scope="session")
def built_course(tmp_path_factory) -> Path:
    """A scratch copy of the course with every week built by `course build`."""
    root = copy_course(tmp_path_factory.mktemp("course") / "course")
    run_course("build", cwd=root)
    return root
