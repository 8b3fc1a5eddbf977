"""What the grader reads from the course root's ``nbgrader_config.py``, read in one place.

nbgrader loads that file itself for build and feedback; the grader needs only a few things
from it (the gradebook URL, and the time limits an instructor set: the cell time-out, the notebook's
budget), so it runs the file with a stand-in ``get_config`` and keeps those.
"""

from __future__ import annotations

import os
import runpy
from dataclasses import dataclass, replace
from pathlib import Path


@dataclass(frozen=True)
class Limits:
    """What one submission may use. These are the defaults; a week built with measured limits runs under
    the ones sized from its reference (course/grading/time_limits.py), except those the instructor set
    in nbgrader_config.py (``explicit``): ``c.Execute.timeout`` for a cell, ``c.CourseGrade.budget`` for
    a notebook."""

    cell_timeout: float = 120.0  # seconds for one cell
    call_timeout: float = 60.0  # least seconds for one grader's call of a graded function (execute.call_limits)
    budget: float = 900.0  # seconds for one notebook, all cells together
    memory_mb: int = 6144  # address space of the kernel (numba reserves a lot of it)
    file_mb: int = 64  # largest file the kernel may write
    max_restarts: int = 2  # kernel restarts after a cell that kills it
    explicit: frozenset[str] = frozenset()  # the fields above that nbgrader_config.py set


@dataclass(frozen=True)
class GradingConfig:
    db_url: str
    limits: Limits


def nbgrader_settings(root: Path) -> dict:
    """nbgrader_config.py's settings as nested dicts ({"Execute": {"timeout": 120}, ...})."""

    class _Section(dict):
        def __getattr__(self, name):
            return self.setdefault(name, _Section())

        def __setattr__(self, name, value):
            self[name] = value

    settings = _Section()
    runpy.run_path(str(root / "nbgrader_config.py"), init_globals={"get_config": lambda: settings})
    return settings


def db_url(root: Path, settings: dict | None = None) -> str:
    """The gradebook URL that nbgrader_config.py sets (falls back to nbgrader's default)."""
    settings = nbgrader_settings(root) if settings is None else settings
    url = settings.get("CourseDirectory", {}).get("db_url")
    return url if isinstance(url, str) else "sqlite:///" + os.path.join(root, "gradebook.db")


def grading_config(root: Path) -> GradingConfig:
    settings = nbgrader_settings(root)
    limits = Limits()
    timeout = settings.get("Execute", {}).get("timeout") or settings.get("ExecutePreprocessor", {}).get("timeout")
    if _seconds(timeout):
        limits = replace(
            limits, cell_timeout=float(timeout), call_timeout=timeout / 2, explicit=limits.explicit | {"cell_timeout"}
        )
    budget = settings.get("CourseGrade", {}).get("budget")
    if _seconds(budget):
        limits = replace(limits, budget=float(budget), explicit=limits.explicit | {"budget"})
    return GradingConfig(db_url(root, settings), limits)


def _seconds(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and value > 0
