"""The gradebook's schema version, found in this process.

A new gradebook records the revision of nbgrader's schema it was made at. nbgrader finds it by
running ``alembic heads`` in a subprocess (nbgrader.api.get_alembic_version): about 1.2 s of CPU per
new gradebook, and a FileNotFoundError when the venv's bin/ is not on PATH. Alembic's own
ScriptDirectory reads the same revision files in 0.1 s. ``use_in_process_head()`` makes nbgrader
ask it instead; the `course` processes that create gradebooks call it (course/_nbgrader.py and
course/grading/grade.py)."""

from __future__ import annotations

import functools


@functools.lru_cache(maxsize=1)
def schema_head() -> str:
    """The head revision of nbgrader's alembic scripts, as ``alembic heads`` prints it first."""
    from alembic.script import ScriptDirectory
    from nbgrader.dbutil import ALEMBIC_DIR

    return ScriptDirectory(ALEMBIC_DIR).get_current_head()


def use_in_process_head() -> None:
    import nbgrader.api

    nbgrader.api.get_alembic_version = schema_head
