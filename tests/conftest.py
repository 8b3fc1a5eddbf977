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
    root = copy_course(tmp_path_factory.mktemp("course") / "course", release=True)
    run_course("build", *[week for week in weeks() if in_scope(week)], cwd=root)
    return root


HUB_TESTS = Path(__file__).parent / "hub"


@pytest.hookimpl(tryfirst=True)  # before pytest-xdist reads the groups
def pytest_collection_modifyitems(config, items):
    """Keep together, on one worker of `pytest -n` (`--dist loadgroup`, as `make test` runs it), the tests
    that share what is expensive or machine-wide: the built and graded course (one session fixture per
    worker process, so every test that reads it must be on the same one) and the hub's (system users)."""
    for item in items:
        if "built_course" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.xdist_group("built_course"))
        elif HUB_TESTS in item.path.parents:
            item.add_marker(pytest.mark.xdist_group("hub"))


@pytest.hookimpl(trylast=True)
def pytest_collection_finish(session):
    """Under `--dist loadgroup`, refuse to run when the groups did not take (pytest-xdist marks them in the
    node ids): the built course would be built and graded once per process, doubling the suite's time."""
    if not session.config.getoption("loadgroup", default=False):
        return
    lost = [item.nodeid for item in session.items if "built_course" in item.fixturenames and "@" not in item.nodeid]
    if lost:
        raise pytest.UsageError(
            f"pytest-xdist did not group {lost[0]} (and {len(lost) - 1} more) with the other tests of the built "
            "course: use the pytest version pyproject.toml pins"
        )


def pytest_report_header(config):
    if NARROWED:
        return f"COURSE_TEST_WEEKS narrows the grading batch to: {', '.join(NARROWED)}"
    return None
