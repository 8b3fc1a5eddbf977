"""The data that travels through grading, typed: the answer key, what a worker receives
(:class:`Payload`) and what it sends back (:class:`SubmissionResult`).

Everything here is plain data (strings, numbers, bytes, lists, dicts), so a payload can
be pickled to a local process or a Dask worker and a result written as JSON.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, TypedDict

from ..config import Limits


class KeyCell(TypedDict):
    """One graded or locked cell of a release notebook, as the answer key holds it."""

    grade_id: str
    cell_type: str
    nbgrader: dict  # the cell's nbgrader metadata as released
    release_source: str  # the text students received
    source: str | None  # the full text (hidden tests included) of test and locked cells
    checks: list[tuple[str, str]]  # [(check name, student object name)] the hidden tests call
    adapters: dict[str, dict]  # {name: {"call", "student", "args"}}: objects the hidden tests make (answer_key)


class NotebookKey(TypedDict):
    cells: list[KeyCell]
    given_code: list[str]  # code cells as released (not the student's own)
    metadata: dict


class AnswerKey(TypedDict):
    week: str
    notebooks: dict[str, NotebookKey]


@dataclass(frozen=True)
class Payload:
    """Everything a worker needs to grade one submission; nothing from the course root."""

    student: str
    week: str
    files: dict[str, bytes]
    key: AnswerKey
    seed: int
    limits: Limits = field(default_factory=Limits)
    left_out: dict[str, str] = field(default_factory=dict)  # files of the folder not graded, and why
    # whether the worker starts a kernel ahead for its next submission (batch.py: not when none is left for it)
    start_next: bool = True


@dataclass
class Grade:
    score: float | None  # None: left to the instructor (a manually graded answer)
    max: float
    reason: str = ""  # why points were lost, or a note on how the problem was graded


@dataclass
class NotebookResult:
    grades: dict[str, Grade]
    executed: str | None = None  # the executed notebook, as nbformat JSON
    notes: list[str] = field(default_factory=list)  # for the instructor, never a lost point


@dataclass
class SubmissionResult:
    student: str
    week: str
    notebooks: dict[str, NotebookResult] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0


@dataclass
class Request:
    """One call of a student's function that the grader asks the kernel to make."""

    grade_id: str
    check: str  # registered check name (helpers.grading.CHECKS)
    function: str  # the student's object, by its name in the notebook
    case: Any  # helpers.grading.Case
    number: int
    total: int
