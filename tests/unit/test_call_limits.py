"""How long one grader's call of a student's function may take (course/sandbox/execute.py: call_limits):
as long as the grade's test cell may run, never less than the configured per-call limit. A slow but
honest function that passed its visible test must not run out of time on the grader's hidden case."""

from __future__ import annotations

import time
from pathlib import Path

import nbformat
import numpy as np
import pytest

from course.config import Limits
from course.grading.payload import Request
from course.grading.time_limits import measured, sized
from course.sandbox import execute
from course.sandbox.kernel import harness
from course.sandbox.kernel.wire import read_replies, write_requests
from helpers.grading import Case

REPO = Path(__file__).resolve().parents[2]


def test_a_grade_whose_cell_may_run_long_gives_its_calls_as_long():
    release = nbformat.read(REPO / "release" / "w04_conv" / "w04_conv.ipynb", as_version=4)
    limits, cells = sized(release, release.metadata, Limits())
    per_grade = execute.call_limits(release, cells, Limits().call_timeout)
    measured_cells = measured(release.metadata)["cells"]
    # training the CNN: the reference's test cell took seconds, so the cell (and now a call) gets minutes
    assert per_grade["test_cnn_training"] == measured_cells["test_cnn_training"] > Limits().call_timeout
    # a quick grade keeps the configured per-call limit, never the 30 s floor of its quick cell
    assert measured_cells["test_zero_pad"] < Limits().call_timeout == per_grade["test_zero_pad"]
    assert set(per_grade) == {key for key in measured_cells if not key.startswith("given:")}


def test_an_instructors_cell_time_out_leaves_one_call_limit_for_every_grade():
    release = nbformat.read(REPO / "release" / "w04_conv" / "w04_conv.ipynb", as_version=4)
    limits, cells = sized(
        release, release.metadata, Limits(cell_timeout=7, call_timeout=3.5), frozenset({"cell_timeout"})
    )
    assert cells == {} and execute.call_limits(release, cells, limits.call_timeout) == {}


@pytest.fixture
def displayed(monkeypatch):
    import IPython.display

    outputs = []
    monkeypatch.setattr(
        IPython.display,
        "display",
        lambda bundle, raw=False: outputs.append({"output_type": "display_data", "data": bundle}),
    )
    return outputs


def test_each_call_runs_under_its_grades_limit(tmp_path, displayed):
    def relu(z):
        time.sleep(0.6)
        return np.maximum(z, 0.0)

    case = Case("one value", (np.array([-1.0, 2.0]),))
    requests = [Request(grade, "relu", "relu", case, 1, 1) for grade in ("test_slow", "test_quick")]
    write_requests(requests, tmp_path)
    for grade in ("test_slow", "test_quick"):
        harness._KEPT[grade] = {"relu": relu}
    try:
        harness.answer(str(tmp_path), 0.3, {"test_slow": 5.0})
    finally:
        for grade in ("test_slow", "test_quick"):
            harness._KEPT.pop(grade, None)
    slow, quick = read_replies(displayed, 2)
    assert np.array_equal(slow["got"], [0.0, 2.0])
    assert quick["error"] == "time-out: `relu` took longer than 0.3 s on one case"
