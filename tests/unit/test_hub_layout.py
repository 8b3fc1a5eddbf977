"""course/hub without a hub: the roster's rules, the lock of the course root, the generated configs."""

from __future__ import annotations

import json
import stat

import pytest

from course.errors import CourseError
from course.hub import runtime
from course.hub.roster import read_roster
from tests.support import REPO


def test_roster_reads_ids_skips_comments_and_repeats(tmp_path):
    path = tmp_path / "roster.txt"
    path.write_text("# class of 2027\nalice\n\nbob   # late joiner\nalice\n")
    assert read_roster(path) == ["alice", "bob"]


@pytest.mark.parametrize("name", ["Alice", "bob+w01", "../root", "9lives", "a b"])
def test_roster_rejects_a_name_no_system_user_or_exchange_can_hold(tmp_path, name):
    path = tmp_path / "roster.txt"
    path.write_text(f"alice\n{name}\n")
    with pytest.raises(CourseError, match=r"roster.txt:2: .* is not a valid student id"):
        read_roster(path)


def test_an_empty_or_missing_roster_is_an_error(tmp_path):
    with pytest.raises(CourseError, match="no roster"):
        read_roster(tmp_path / "roster.txt")
    (tmp_path / "roster.txt").write_text("# nobody yet\n")
    with pytest.raises(CourseError, match="lists no student"):
        read_roster(tmp_path / "roster.txt")


def test_the_lock_leaves_others_the_hub_folder_and_venv_only(tmp_path):
    root = tmp_path / "course"
    for name in ("source", ".venv", ".hub", "weeks"):
        (root / name).mkdir(parents=True)
        (root / name).chmod(0o755)
    (root / "gradebook.db").write_text("")
    (root / "gradebook.db").chmod(0o644)
    root.chmod(0o755)
    layout = runtime.Layout(root, root / ".hub")
    changed = runtime.lock_course_root(layout)
    mode = lambda p: stat.S_IMODE(p.stat().st_mode)
    assert mode(root) & 0o007 == 0o001
    for name in ("source", "weeks", "gradebook.db", "submitted", "autograded", "feedback", "reports"):
        assert mode(root / name) & 0o007 == 0, name
    assert mode(root / ".venv") & 0o005 == 0o005 and mode(root / ".hub") & 0o005 == 0o005
    assert runtime.is_locked(layout) and changed
    assert runtime.lock_course_root(layout) == []  # a second lock changes nothing


def test_students_get_the_exchange_and_no_instructor_tools(tmp_path):
    root = tmp_path / "course"
    root.mkdir()
    (root / "nbgrader_config.py").write_text((REPO / "nbgrader_config.py").read_text())
    layout = runtime.Layout(root, tmp_path / "hub")
    runtime.write_configs(layout)
    student = (layout.student_config / "nbgrader_config.py").read_text()
    assert f"c.Exchange.root = {str(layout.exchange)!r}" in student
    assert "c.CourseDirectory.course_id = 'dl-from-the-ground-up'" in student
    assert "install()" not in student
    assert "course.hub.formgrader" in (layout.instructor_config / "nbgrader_config.py").read_text()
    page = json.loads((layout.student_config / "labconfig" / "page_config.json").read_text())
    assert page["disabledExtensions"]["@jupyter/nbgrader:formgrader"] is True
    assert page["disabledExtensions"]["@jupyterlab/apputils-extension:announcements"] is True
    server = json.loads((layout.student_config / "jupyter_server_config.json").read_text())
    assert server["ServerApp"]["jpserver_extensions"]["nbgrader.server_extensions.formgrader"] is False
    assert server["LabApp"]["news_url"] is None
