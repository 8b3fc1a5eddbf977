"""A new gradebook records nbgrader's schema revision found in process (course/gradebook_head.py), the
one ``alembic heads`` prints, and is made without the alembic command on PATH."""

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

from nbgrader.dbutil import _temp_alembic_ini

from course.gradebook_head import schema_head
from course.paths import tool_env


def test_the_head_is_the_one_alembic_prints():
    with _temp_alembic_ini("sqlite:////tmp/gradebook.db") as ini:
        printed = subprocess.check_output(["alembic", "-c", ini, "heads"], env=tool_env(), text=True)
    assert printed.split()[0] == schema_head()


def test_course_makes_a_gradebook_without_alembic_on_path(tmp_path: Path):
    database = tmp_path / "gradebook.db"
    env = dict(os.environ, PATH="/usr/bin:/bin")
    code = f"from course.grading.grade import ensure_gradebook; ensure_gradebook('sqlite:///{database}')"
    subprocess.run([sys.executable, "-c", code], env=env, check=True, timeout=120)
    (version,) = sqlite3.connect(database).execute("select version_num from alembic_version").fetchone()
    assert version == schema_head()
