"""Hostile and broken submissions earn nothing they did not earn, and the batch survives them."""

from __future__ import annotations

import json
import os
import shutil
import socket
from dataclasses import replace
from pathlib import Path

import pytest

from tests.grading.hostile import FULL, ISOLATION, NOTEBOOK, SAMPLES, corpus
from tests.grading.hostile_isolation import FIFO, Link, Probes
from tests.support import clone, run_course

WEEK = "w01_softmax"


@pytest.fixture(scope="module")
def hostile_course(tmp_path_factory, week1_template):
    """Every hostile submission and the reference, graded in one run with two kernels at once, while a
    TCP listener waits on 127.0.0.1, the grader's environment holds a secret, a private file lies
    outside the course and every run's folder is in a TMPDIR outside /tmp."""
    root = clone(week1_template, tmp_path_factory.mktemp("hostile") / "course")  # week 1 built
    with (root / "nbgrader_config.py").open("a") as config:
        config.write("\nc.Execute.timeout = 20\n")  # keeps the infinite loop's cost small
    listener = socket.create_server(("127.0.0.1", 0))
    probes = Probes(port=listener.getsockname()[1], tmpdir=str(Path("/var/tmp") / f"course-hostile-{os.getpid()}"))
    Path(probes.private_file).write_text("private")
    Path(probes.tmpdir).mkdir(exist_ok=True)
    shutil.copytree(SAMPLES / "reference", root / "submitted" / "reference" / WEEK)
    cases = corpus(root, probes)
    for name, case in cases.items():
        submit(root, name, case["files"])
    saved = {name: os.environ.get(name) for name in ("TMPDIR", probes.variable)}
    os.environ.update({"TMPDIR": probes.tmpdir, probes.variable: "the grader's secret"})
    try:
        result = run_course("grade", "--workers", "2", cwd=root, check=False)
    finally:
        for name, value in saved.items():
            os.environ.pop(name) if value is None else os.environ.__setitem__(name, value)
        listener.close()
    yield root, cases, result, probes
    Path(probes.private_file).unlink(missing_ok=True)
    shutil.rmtree(probes.tmpdir, ignore_errors=True)


def submit(root: Path, student: str, files: dict) -> None:
    """Put a corpus entry's files (bytes, a Link or a FIFO each) into submitted/<student>/<week>/."""
    folder = root / "submitted" / student / WEEK
    folder.mkdir(parents=True)
    for filename, data in files.items():
        if isinstance(data, Link):
            (folder / filename).symlink_to(data.target)
        elif data == FIFO:
            os.mkfifo(folder / filename)
        else:
            (folder / filename).write_bytes(data)


def recorded(root: Path, student: str) -> dict:
    summary = json.loads((root / "autograded" / student / WEEK / ".course-grade.json").read_text())
    return summary["notebooks"][NOTEBOOK]


def test_corpus_is_large_enough():
    assert len(corpus(Path("/nowhere"))) >= 15


def test_batch_survives_everything(hostile_course):
    root, cases, result, _ = hostile_course
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    assert f"graded {len(cases) + 1} of {len(cases) + 1} submissions" in result.stdout


@pytest.mark.parametrize("name", sorted(corpus(Path("/nowhere"))))
def test_each_hostile_submission_scores_what_it_should(hostile_course, name):
    from nbgrader.api import Gradebook

    from course.config import db_url
    from course.sandbox.isolation import bwrap_available

    if name in ISOLATION and not bwrap_available():
        pytest.skip("filesystem isolation needs bubblewrap (make installs it when run as root)")
    root, cases, _, _ = hostile_course
    case = cases[name]
    with Gradebook(db_url(root)) as gb:
        submission = gb.find_submission(WEEK, name)
        got = {g.name: g.score for nb in submission.notebooks for g in nb.grades}
    assert got == pytest.approx(case["expected"]), name
    grades = recorded(root, name)["grades"]
    for grade_id, fragment in case["reason"].items():
        assert fragment.lower() in grades[grade_id]["reason"].lower(), (grade_id, grades[grade_id])


def test_reference_beside_the_attackers_keeps_full_marks(hostile_course):
    root, _, _, _ = hostile_course
    grades = recorded(root, "reference")["grades"]
    assert {k: g["score"] for k, g in grades.items()} == FULL


def test_nothing_was_written_outside(hostile_course):
    root, _, _, _ = hostile_course
    assert not (root / "release" / "HACKED").exists()
    assert not Path("/tmp/course-hacked").exists()


def test_flood_is_truncated_in_the_autograded_notebook(hostile_course):
    root, _, _, _ = hostile_course
    assert (root / "autograded" / "print_flood" / WEEK / NOTEBOOK).stat().st_size < 2_000_000


def test_kernel_killer_is_noted_for_the_instructor(hostile_course):
    root, _, _, _ = hostile_course
    assert any("stopped the kernel" in note for note in recorded(root, "kill_kernel_hidden")["notes"])


def test_report_gives_a_reason_for_every_zero(hostile_course):
    root, cases, _, _ = hostile_course
    report = run_course("report", cwd=root)
    assert "tampering: monkeypatches numpy" in report.stdout
    assert "time-out" in report.stdout


def test_no_run_folder_is_left_behind(hostile_course):
    _, _, _, probes = hostile_course
    assert not list(Path(probes.tmpdir).glob("course-grade-*"))


def test_hidden_tests_never_reach_the_outputs(hostile_course):
    """The hidden part of a test cell never runs in the kernel: a function printing the calling cell
    (``In[-1]``) shows the visible tests at most."""
    import nbformat

    root, _, _, _ = hostile_course
    nb = nbformat.read(root / "autograded" / "prints_the_calling_cell" / WEEK / NOTEBOOK, as_version=4)
    printed = json.dumps([c.get("outputs", []) for c in nb.cells])
    assert "softmax" in printed and "helpers.grading.check_" not in printed and "HIDDEN" not in printed


def test_files_that_are_not_regular_are_left_out_with_a_note(hostile_course):
    root, _, _, _ = hostile_course
    summary = json.loads((root / "autograded" / "fifo_beside_the_notebook" / WEEK / ".course-grade.json").read_text())
    assert any("data.csv is a FIFO" in note for note in summary["notes"])
    summary = json.loads((root / "autograded" / "link_beside_the_notebook" / WEEK / ".course-grade.json").read_text())
    assert any("notes.txt is a symbolic link" in note for note in summary["notes"])


def test_a_cell_that_ignores_its_interrupt_is_stopped_and_noted(hostile_course):
    root, _, _, _ = hostile_course
    assert any("ignored the interrupt" in note for note in recorded(root, "hang_ignores_interrupt")["notes"])


def test_on_a_dask_cluster_kernels_cannot_reach_the_scheduler(tmp_path, week1_template):
    """With --scheduler, each submission is graded in the same sandbox on the Dask worker: the attacks on
    isolation (one aimed at the scheduler's port) and the hanging cell score as with a local pool, and the
    honest neighbour keeps full marks."""
    from distributed import LocalCluster

    root = clone(week1_template, tmp_path / "course")
    with (root / "nbgrader_config.py").open("a") as config:
        config.write("\nc.Execute.timeout = 20\n")
    shutil.copytree(SAMPLES / "reference", root / "submitted" / "reference" / WEEK)
    probes = Probes(tmpdir=str(Path("/var/tmp") / f"course-hostile-dask-{os.getpid()}"))
    Path(probes.tmpdir).mkdir(exist_ok=True)
    Path(probes.private_file).write_text("private")
    names = sorted(ISOLATION - {"read_gradebook", "read_source", "read_other_student", "write_outside"}) + [
        "hang_ignores_interrupt",
        "notebook_links_to_the_source",
    ]
    saved = {name: os.environ.get(name) for name in ("TMPDIR", probes.variable)}
    os.environ.update({"TMPDIR": probes.tmpdir, probes.variable: "the worker's secret"})  # the workers' too
    try:
        with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
            cases = corpus(root, replace(probes, port=int(cluster.scheduler_address.rsplit(":", 1)[1])))
            for name in names:
                submit(root, name, cases[name]["files"])
            result = run_course("grade", "--scheduler", cluster.scheduler_address, cwd=root, check=False)
    finally:
        for name, value in saved.items():
            os.environ.pop(name) if value is None else os.environ.__setitem__(name, value)
        shutil.rmtree(probes.tmpdir, ignore_errors=True)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    for name in names + ["reference"]:
        grades = {k: g["score"] for k, g in recorded(root, name)["grades"].items()}
        assert grades == (cases[name]["expected"] if name in cases else FULL), name
