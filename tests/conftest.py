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
SHARED_BATCH = "class_batch"  # tests/grading/conftest.py: every sample and honest submission, graded once


@pytest.hookimpl(tryfirst=True)  # before pytest-xdist reads the groups
def pytest_collection_modifyitems(config, items):
    """The units `pytest -n` (`--dist loadgroup`, as `make test` runs it) hands to its processes. A
    session or module fixture is made once per process that runs a test needing it, so: the tests that
    read the class's graded batch, or the built course it grades, are one unit (it takes a quarter of the
    suite to grade), the hub's tests another (they make system users), and every other module is kept
    whole (its module fixtures, a graded hostile class or a JupyterLab server, are made once)."""
    for item in items:
        if {SHARED_BATCH, "built_course"} & set(getattr(item, "fixturenames", ())):
            group = SHARED_BATCH
        elif HUB_TESTS in item.path.parents:
            group = "hub"
        else:
            group = item.path.relative_to(REPO / "tests").with_suffix("").as_posix()
        item.add_marker(pytest.mark.xdist_group(group))


@pytest.hookimpl(trylast=True)
def pytest_collection_finish(session):
    """Under `--dist loadgroup`, refuse to run when the groups did not take (pytest-xdist marks them in the
    node ids): the class's batch would be graded once per process, doubling the suite's time."""
    if not session.config.getoption("loadgroup", default=False):
        return
    lost = [item.nodeid for item in session.items if "@" not in item.nodeid]
    if lost:
        raise pytest.UsageError(
            f"pytest-xdist did not group {lost[0]} (and {len(lost) - 1} more): use the pytest version "
            "pyproject.toml pins"
        )


def pytest_report_header(config):
    if NARROWED:
        return f"COURSE_TEST_WEEKS narrows the grading batch to: {', '.join(NARROWED)}"
    return None
