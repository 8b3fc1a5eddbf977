"""The instructor's view of a class: `course report` (grades.csv and index.html), `course feedback`
and `course export`, on one small graded class of week 1 (six submissions: two students make the
same mistake, one is flagged for review), plus the grouping of reasons on made-up ones."""

from __future__ import annotations

import csv
import re
import shutil
import subprocess
import sys
import tempfile
from html.parser import HTMLParser

import nbformat
import pytest

from tests.support import REPO, clone, expected, run_course

WEEK = "w01_softmax"
SAMPLES = REPO / "course" / "samples" / WEEK
_EXPECTED = expected(WEEK)
MAX = sum(_EXPECTED["reference"].values())
_PARTIAL, _BROKEN = sum(_EXPECTED["partial"].values()), sum(_EXPECTED["broken"].values())
TOTALS = {"reference": MAX, "partial": _PARTIAL, "partial_too": _PARTIAL, "broken": _BROKEN, "blank": 0, "flagged": MAX}


# ----------------------------------------------------------------- grouping, no grading needed


def overflow(student_value: float, shape: str, index: str) -> str:
    return (
        f"CheckFailed: softmax, case 3 of 7 (large logits around 1000; inputs array{shape}): `probs` is "
        f"wrong at index {index} (15 of 15 values differ): expected {student_value}, got nan. Your result "
        f"overflowed or divided by zero here."
    )


def test_the_same_mistake_by_many_students_is_one_line_with_its_count():
    from course.reporting.failures import group_failures

    lost = [(WEEK, f"s{i}", "test_softmax", overflow(0.1 * i, f"({i + 1}, 5)", f"({i}, 1)")) for i in range(5)]
    lost.append(
        (
            WEEK,
            "s9",
            "test_softmax",
            "CheckFailed: softmax: `softmax` is wrong at index (1, 0) (3 of 6 "
            "values differ): expected 0.09, got nan. Your result overflowed or divided by zero here."
            "; its test cell had been edited; restored from the answer key and graded",
        )
    )
    lost.append((WEEK, "s1", "test_relu", "NameError: name 'relu' is not defined"))
    lost.append((WEEK, "s2", "test_relu", "NameError: name 'relu' is not defined"))
    lost.append(
        (
            WEEK,
            "s3",
            "test_tanh_grad",
            "CheckFailed: tanh_grad, case 2 of 6 (one element; inputs "
            "array(1,)): raised ValueError: shapes (1,) and (3,) not aligned",
        )
    )
    groups = group_failures(lost)
    assert [g.line() for g in groups] == [
        "softmax: `probs` overflowed or divided by zero at large logits around 1000 — 6 students",
        "relu: NameError: name 'relu' is not defined — 2 students",
        "tanh_grad: raised ValueError at one element — 1 student",
    ]
    assert groups[0].students == ["s0", "s1", "s2", "s3", "s4", "s9"]


@pytest.mark.parametrize(
    "reason, kind",
    [
        (
            "CheckFailed: dJ/dW: `dJ/dW` is wrong at index (0, 0) (6 of 6 values differ): expected -0.17, got 0.17. "
            "Your result is the expected one with the opposite sign: check a minus sign (y − t, not t − y?).",
            "has the wrong sign",
        ),
        (
            "CheckFailed: dJ/dV: `dJ/dV` has shape (2, 3), expected (3, 2). "
            "It is the transpose of the expected result.",
            "is transposed",
        ),
        ("grad_b, case 1 of 5 (N=1; inputs array(1, 3)): `db` has shape (1, 3), expected (3,).", "has the wrong shape"),
        (
            "softmax, case 1 of 7 (one row; inputs array(1, 2)): `probs` is a NoneType; expected a numpy array or a "
            "number. Did you forget a `return`?",
            "returned None (a missing `return`?)",
        ),
        ("softmax is not implemented yet (it raises NotImplementedError).", "not implemented yet"),
        ("not implemented yet (NotImplementedError)", "not implemented yet"),
        (
            "IndexError: index 2 is out of bounds for axis 1 with size 2",
            "IndexError: index … is out of bounds for axis … with size …",
        ),
        (
            "rnn_backward, case 2 of 5 (T=1; inputs array(2, 1, 3)) vs numerical gradient: `dx` is wrong at index "
            "(0, 0, 0) (18 of 24 values differ): expected 0.33, got 0.17.",
            "gives wrong values (against the numerical gradient)",
        ),
        ("time-out: a cell ran longer than the limit", "time-out: a cell ran longer than the limit"),
    ],
)
def test_a_reason_is_reduced_to_the_kind_of_mistake(reason, kind):
    from course.reporting.failures import classify

    assert classify(reason).kind == kind


# ----------------------------------------------------------------- one small graded class


def with_cell(source_dir, destination, code: str):
    shutil.copytree(source_dir, destination)
    path = destination / f"{WEEK}.ipynb"
    notebook = nbformat.read(path, as_version=4)
    notebook.cells.append(nbformat.v4.new_code_cell(code))
    nbformat.write(notebook, path)


@pytest.fixture(scope="module")
def graded_class(tmp_path_factory, week1_template):
    root = clone(week1_template, tmp_path_factory.mktemp("class") / "course")  # week 1 alone, built
    for student, sample in [
        ("reference", "reference"),
        ("partial", "partial"),
        ("partial_too", "partial"),
        ("broken", "broken"),
        ("blank", "blank"),
    ]:
        shutil.copytree(SAMPLES / sample, root / "submitted" / student / WEEK)
    with_cell(SAMPLES / "reference", root / "submitted" / "flagged" / WEEK, 'answer = eval("1 + 1")')
    run_course("grade", "--workers", "2", cwd=root)
    report = run_course("report", cwd=root)
    return root, report


class Tables(HTMLParser):
    """Every <table> of a page as rows of cell texts, keyed by its class."""

    def __init__(self):
        super().__init__()
        self.tables, self.current, self.row, self.cell, self.skip = {}, None, None, None, 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table":
            self.current = self.tables.setdefault(
                attrs.get("class", "").split()[0] if attrs.get("class") else f"table{len(self.tables)}", []
            )
        elif tag == "tr" and self.current is not None:
            self.row = []
            self.current.append(self.row)
        elif tag in ("td", "th") and self.row is not None:
            self.cell = ""
        elif tag == "details":
            self.skip += 1

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self.cell is not None:
            self.row.append(self.cell.strip())
            self.cell = None
        elif tag == "details":
            self.skip -= 1

    def handle_data(self, data):
        if self.cell is not None and not self.skip:
            self.cell += data


def tables(html: str) -> dict:
    parser = Tables()
    parser.feed(html)
    return parser.tables


def test_report_keeps_the_csv_and_writes_a_self_contained_page(graded_class):
    root, report = graded_class
    assert f"wrote {root / 'reports' / 'index.html'}" in report.stdout
    with (root / "reports" / "grades.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0])[:2] == ["student", "assignment"] and list(rows[0])[-4:] == [
        "total",
        "max_total",
        "reasons",
        "notes",
    ]
    assert {r["student"]: float(r["total"]) for r in rows} == TOTALS
    page = (root / "reports" / "index.html").read_text()
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", page), "the page must open offline"
    assert len(re.findall(r"<img [^>]*src='data:image/png;base64,", page)) == 2  # the week, grading time


def test_report_groups_the_reasons_and_lists_flags_apart(graded_class):
    root, _ = graded_class
    found = tables((root / "reports" / "index.html").read_text())
    failures = {(row[1], row[2]): int(row[0]) for row in found["failures"][1:]}
    assert failures[("softmax", "overflowed or divided by zero")] == 2  # partial and partial_too
    assert (
        failures[
            ("softmax_cross_entropy", "loss overflowed or divided by zero at large logits around 1000, integer labels")
        ]
        == 2
    )
    assert failures[("relu", "NameError: name 'relu' is not defined")] == 1
    assert failures[("train_softmax_regression", "not implemented yet")] == 3  # blank, partial, partial_too
    assert not any("eval" in kind for _, kind in failures), "a flag costs no point and is not a failure"
    assert [row[:2] for row in found["flags"][1:]] == [["flagged", WEEK]]
    assert "runs code from a string" in found["flags"][1][2]


def test_report_shows_scores_and_grading_time(graded_class):
    root, _ = graded_class
    page = (root / "reports" / "index.html").read_text()
    found = tables(page)
    overview = next(t for t in found.values() if t[0][:2] == ["week", "graded"])
    assert overview[1][:3] == [WEEK, "6", f"{MAX:g}"]
    timing = next(t for t in found.values() if t[0][:2] == ["week", "timed"])
    assert timing[1][:2] == [WEEK, "6"] and float(timing[1][2]) > 0
    students = {row[0]: row for row in found["students"][1:]}
    assert set(students) == set(TOTALS)
    assert {s: row[1] for s, row in students.items()} == {s: f"{t:g}/{MAX:g}" for s, t in TOTALS.items()}
    assert "score histogram and full marks per problem" in page


def test_feedback_puts_every_lost_point_first_and_leaves_hidden_tests_out(graded_class):
    root, _ = graded_class
    result = run_course("feedback", cwd=root)
    assert f"{WEEK}: 6 feedback pages for 6 students" in result.stdout
    partial = (root / "feedback" / "partial" / WEEK / f"{WEEK}.html").read_text()
    top = partial[partial.index("course-lost-points") :]
    top = top[: top.index("</div></div>")]
    # each problem is named as the notebook names it, by its exercise's heading
    for problem in (
        "Exercise 1.3 — the derivative of tanh",
        "Exercise 2 — stable softmax",
        "Exercise 4 — fused softmax cross-entropy",
        "Exercise 6 — train softmax regression",
    ):
        assert f"<strong>{problem}</strong> (0 of" in top, problem
    assert "overflowed or divided by zero" in top and "Exercise 1.1" not in top
    assert '<a href="#test_softmax">Exercise 2 — stable softmax</a>' in partial  # the list at the top
    # the maths is MathML in the page: nothing is fetched from the internet to show it
    assert partial.count("<math") > 20 and "$\\partial" not in partial
    assert not re.search(r"<script[^>]+src=[\"']https?:", partial)
    assert partial.index("course-lost-points") < partial.index("Week 1")  # before the notebook itself
    for student in TOTALS:
        page = (root / "feedback" / student / WEEK / f"{WEEK}.html").read_text()
        assert "BEGIN HIDDEN TESTS" not in page and "check_softmax(" not in page, student
    assert "Every point earned" in (root / "feedback" / "reference" / WEEK / f"{WEEK}.html").read_text()
    assert not list((root / "feedback").rglob(".course-grade.json*")), "instructor notes are not for students"
    # the report now links each score to the student's page
    run_course("report", cwd=root)
    students = (root / "reports" / "index.html").read_text()
    assert f"href='../feedback/partial/{WEEK}/{WEEK}.html'>{_PARTIAL:g}/{MAX:g}</a>" in students


def test_export_writes_the_lms_csv_through_nbgraders_exporter(graded_class):
    root, _ = graded_class
    result = run_course("export", cwd=root)
    assert "6 students, 1 week" in result.stdout
    with (root / "reports" / "lms.csv").open() as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == ["student_id", WEEK, "total"]
    assert rows[1] == ["points_possible", f"{MAX:g}", f"{MAX:g}"]  # Canvas and Moodle ask for the maximum
    assert {r[0]: (float(r[1]), float(r[2])) for r in rows[2:]} == {s: (t, t) for s, t in TOTALS.items()}
    # the same plugin through plain `nbgrader export`
    from course.paths import tool_env

    out = root / "plain.csv"
    plain = subprocess.run(
        [sys.executable, "-m", "nbgrader", "export", "--exporter=course.reporting.export.LmsExport", f"--to={out}"],
        cwd=root,
        env=tool_env(),
        capture_output=True,
        text=True,
    )
    assert plain.returncode == 0, plain.stderr[-2000:]
    assert out.read_text() == (root / "reports" / "lms.csv").read_text()


def test_export_writes_the_layouts_canvas_and_moodle_import(graded_class):
    root, _ = graded_class

    def rows(layout):
        result = run_course("export", "--layout", layout, cwd=root)
        assert f"({layout} layout): 6 students, 1 week" in result.stdout
        with (root / "reports" / f"{layout}.csv").open() as handle:
            return list(csv.reader(handle))

    canvas = rows("canvas")
    assert canvas[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", WEEK]
    assert canvas[1] == ["Points Possible", "", "", "", "", f"{MAX:g}"]
    assert {r[3]: float(r[5]) for r in canvas[2:]} == TOTALS  # matched on SIS Login ID, our student id
    moodle = rows("moodle")
    assert moodle[0] == ["Username", WEEK]
    assert {r[0]: float(r[1]) for r in moodle[1:]} == TOTALS  # every row a student: no points row
    per_exercise = rows("exercises")
    problems = list(_EXPECTED["partial"])
    assert per_exercise[0] == ["student_id", *(f"{WEEK}/{p}" for p in problems), WEEK]  # in the notebook's order
    assert per_exercise[1] == ["points_possible", *(f"{_EXPECTED['reference'][p]:g}" for p in problems), f"{MAX:g}"]
    partial = next(r for r in per_exercise if r[0] == "partial")
    assert [float(x) for x in partial[1:-1]] == [_EXPECTED["partial"][p] for p in problems]
    bad = run_course("export", "--layout", "blackboard", cwd=root, check=False)
    assert bad.returncode != 0 and "invalid choice: 'blackboard'" in bad.stderr


def test_report_of_one_week_prints_it_and_names_stale_feedback(graded_class):
    import os

    root, _ = graded_class
    run_course("feedback", WEEK, cwd=root)
    assert "predates" not in run_course("report", WEEK, cwd=root).stdout
    record = root / "autograded" / "partial" / WEEK / ".course-grade.json"
    page = root / "feedback" / "partial" / WEEK / f"{WEEK}.html"
    earlier = record.stat().st_mtime - 60  # as if partial was regraded after its page was written
    os.utime(page, (earlier, earlier))
    result = run_course("report", WEEK, cwd=root)
    assert f"== {WEEK}" in result.stdout and "partial" in result.stdout
    assert f"feedback for 1 student of {WEEK} predates their grades: run `course feedback {WEEK}`" in result.stdout
    run_course("feedback", WEEK, cwd=root)
    assert "predates" not in run_course("report", WEEK, cwd=root).stdout


def test_export_and_feedback_name_an_unknown_week_in_one_line(graded_class):
    root, _ = graded_class
    for verb in ("export", "feedback", "report"):
        result = run_course(verb, "w09_nothing", cwd=root, check=False)
        assert result.returncode == 2 and "Traceback" not in result.stderr
        assert len(result.stderr.strip().splitlines()) == 1 and "w09_nothing" in result.stderr, result.stderr


@pytest.mark.skipif(shutil.which("chromium") is None, reason="no headless chromium (apt-get install chromium)")
def test_the_page_renders_in_a_headless_browser(graded_class):
    root, _ = graded_class
    with tempfile.TemporaryDirectory() as profile:
        shot = root / "reports" / "screenshot.png"
        result = subprocess.run(
            [
                "chromium",
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                f"--user-data-dir={profile}",
                f"--screenshot={shot}",
                "--window-size=1280,1600",
                (root / "reports" / "index.html").as_uri(),
            ],
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert result.returncode == 0, result.stderr[-2000:]
    assert shot.stat().st_size > 50_000  # text, tables and two figures, not a blank page


# ----------------------------------------------------------------- nothing skipped in silence


def test_folders_that_are_not_graded_are_listed_with_what_to_do(tmp_path, week1_template):
    """A misspelled week folder, a week never built and a stray file are each named by `course grade`
    with the reason and what to do, and `course report` lists them as not in the gradebook."""
    root = clone(week1_template, tmp_path / "course")
    shutil.copytree(REPO / "source" / "w02_backprop", root / "source" / "w02_backprop")  # never built
    shutil.copytree(SAMPLES / "reference", root / "submitted" / "ann" / WEEK)
    shutil.copytree(SAMPLES / "reference", root / "submitted" / "gina" / "w01-softmax")
    (root / "submitted" / "hal" / "w02_backprop").mkdir(parents=True)
    (root / "submitted" / "hal" / "w02_backprop" / "w02_backprop.ipynb").write_text("{}")
    (root / "submitted" / "notes.txt").write_text("who handed in what")
    result = run_course("grade", cwd=root)
    assert (
        "NOT GRADED submitted/gina/w01-softmax: no week is called 'w01-softmax' (did you mean w01_softmax?)"
        in result.stdout
    )
    assert (
        "NOT GRADED submitted/hal/w02_backprop: w02_backprop has not been built: run `course build "
        "w02_backprop`" in result.stdout
    )
    assert "NOT GRADED submitted/notes.txt: a file, not a student's folder" in result.stdout
    assert "graded 1 of 1 submission; 3 folders under submitted/ not graded (listed above)" in result.stdout
    report = run_course("report", cwd=root).stdout
    listed = report[report.index("In submitted/ but not in the gradebook:") :]
    assert "submitted/gina/w01-softmax" in listed and "submitted/hal/w02_backprop" in listed
    assert "submitted/ann" not in listed


def test_a_changed_answer_key_is_said_once_to_the_instructor_and_never_to_students(week1_template, tmp_path):
    root = clone(week1_template, tmp_path / "course")
    for student, sample in [("reference", "reference"), ("partial", "partial")]:
        shutil.copytree(SAMPLES / sample, root / "submitted" / student / WEEK)
    run_course("grade", cwd=root)
    run_course("feedback", WEEK, cwd=root)
    source = root / "source" / WEEK / f"{WEEK}.ipynb"
    notebook = nbformat.read(source, as_version=4)
    test_cell = next(c for c in notebook.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "test_relu")
    test_cell.source += "\n# the instructor's edit: checked again"
    nbformat.write(notebook, source)
    before_build = run_course("grade", cwd=root)
    assert f"source/{WEEK} changed after the last build" in before_build.stdout
    rebuilt = run_course("build", WEEK, cwd=root)
    assert "time limits kept" not in rebuilt.stdout, "an edited test cell must be timed again"

    regrade = run_course("grade", cwd=root)
    assert f"answer key of {WEEK} changed since it was last graded: regrading 2 submissions" in regrade.stdout
    assert f"feedback for 2 students of {WEEK} predates their grades: run `course feedback {WEEK}`" in regrade.stdout
    run_course("feedback", WEEK, cwd=root)
    for student in ("reference", "partial"):  # the instructor's report keeps it as a note; no student reads it
        page = (root / "feedback" / student / WEEK / f"{WEEK}.html").read_text()
        assert "answer key" not in page and "released before" not in page, student
    assert "answer key" not in run_course("grade", cwd=root).stdout  # graded with this key now: nothing to say
