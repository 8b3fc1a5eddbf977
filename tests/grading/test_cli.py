"""The `course` command: help for every verb, one-line errors for user mistakes."""

from __future__ import annotations

import pytest

from tests.support import REPO, copy_course, run_course

VERBS = [
    "build",
    "grade",
    "report",
    "feedback",
    "export",
    "syllabus",
    "notebooks",
    "demo",
    "lab",
    "warm",
    "gallery",
    "hub",
    "release",
    "collect",
]


@pytest.mark.parametrize("verb", VERBS)
def test_every_verb_has_help(verb, capsys):
    """In this process (the installed command's start is the next test's): 14 interpreters less."""
    from course.cli import main

    with pytest.raises(SystemExit) as exited:
        main([verb, "--help"])
    assert exited.value.code == 0
    assert capsys.readouterr().out.startswith(f"usage: course {verb}")


def test_a_verb_imports_only_its_own_module_and_help_lists_them_all():
    """`course build` starts without the other verbs' modules (nbgrader's server extensions, jupytext...)."""
    import subprocess
    import sys

    code = (
        "import sys\nfrom course.cli import VERBS, make_parser\nmake_parser(['syllabus'])\n"
        "print(sorted(m for m in set(VERBS.values()) if m in sys.modules))"
    )
    loaded = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True)
    assert loaded.stdout.strip() == "['course.authoring.syllabus']", loaded.stdout + loaded.stderr
    listing = run_course("--help", cwd=REPO).stdout
    assert all(verb in listing for verb in VERBS), listing
    mistyped = run_course("graed", cwd=REPO, check=False)
    assert mistyped.returncode == 2 and "invalid choice: 'graed'" in mistyped.stderr, mistyped.stderr


def test_help_shows_a_weeks_work_in_order():
    text = run_course("--help", cwd=REPO).stdout
    steps = [
        "course notebooks",
        "course build",
        "submitted/<student>/",
        "course grade",
        "course feedback",
        "course report",
        "course export",
    ]
    where = [text.find(step, text.find("a week, in order")) for step in steps]
    assert -1 not in where and where == sorted(where), dict(zip(steps, where))


def one_line_error(result, *fragments):
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    for fragment in fragments:
        assert fragment in lines[0], lines[0]


@pytest.fixture()
def scratch(tmp_path):
    return copy_course(tmp_path / "course")


def test_unknown_week(scratch):
    one_line_error(
        run_course("build", "w99_nothing", cwd=scratch, check=False), "unknown week 'w99_nothing'", "w01_softmax"
    )


def test_a_misspelled_week_gets_a_suggestion(scratch):
    one_line_error(run_course("build", "w01-softmax", cwd=scratch, check=False), "did you mean w01_softmax?")


def test_grading_a_week_never_built_says_to_build_it(scratch):
    (scratch / "release" / "w01_softmax").mkdir(parents=True)
    one_line_error(
        run_course("grade", "w02_backprop", cwd=scratch, check=False),
        "w02_backprop has not been built: run `course build w02_backprop`",
    )


def test_grade_without_submissions(scratch):
    (scratch / "release" / "w01_softmax").mkdir(parents=True)
    one_line_error(run_course("grade", cwd=scratch, check=False), "submitted", "does not exist")


def test_grade_without_release(scratch):
    one_line_error(run_course("grade", cwd=scratch, check=False), "no weeks found")


def test_report_without_gradebook(scratch):
    one_line_error(run_course("report", cwd=scratch, check=False), "no gradebook")


def test_missing_root(tmp_path):
    one_line_error(
        run_course("build", "--root", str(tmp_path / "nowhere"), cwd=tmp_path, check=False), "does not exist"
    )
    one_line_error(run_course("grade", cwd=tmp_path, check=False), "no nbgrader_config.py")


@pytest.mark.parametrize(
    ("verb", "option", "value", "says"),
    [
        ("grade", "--workers", "0", "must be at least 1"),
        ("grade", "--workers", "two", "'two' is not a whole number"),
        ("warm", "--jobs", "0", "must be at least 1"),
    ],
)
def test_bad_worker_or_job_count(scratch, verb, option, value, says):
    result = run_course(verb, option, value, cwd=scratch, check=False)
    assert result.returncode == 2 and says in result.stderr and "Traceback" not in result.stderr


def release_limits(root, week="w01_softmax") -> dict:
    import nbformat

    from course.grading.time_limits import METADATA_KEY

    (path,) = (root / "release" / week).glob("*.ipynb")
    return nbformat.read(path, as_version=4).metadata["course"][METADATA_KEY]


def test_build_keeps_the_limits_of_an_unchanged_week(tmp_path):
    """The committed release carries limits measured from the current source on this machine: a build keeps
    them without running the reference (a fresh clone's build, an instructor rebuilding every week)."""
    root = copy_course(tmp_path / "course", weeks=["w01_softmax"], release=True)
    committed = release_limits(root)
    result = run_course("build", "w01_softmax", cwd=root)
    assert "time limits kept: w01_softmax's source has not changed" in result.stdout, result.stdout
    assert release_limits(root) == committed, "a new timing would have rewritten every cell's seconds"


def test_build_times_again_on_another_machine_and_when_asked(tmp_path):
    import nbformat

    from course.authoring.reference_run import machine, source_fingerprint
    from course.grading.time_limits import METADATA_KEY

    root = copy_course(tmp_path / "course", weeks=["w01_softmax"], release=True)
    (path,) = (root / "release" / "w01_softmax").glob("*.ipynb")
    release = nbformat.read(path, as_version=4)
    release.metadata["course"][METADATA_KEY]["machine"] = "64 x a faster processor"
    nbformat.write(release, path)
    result = run_course("build", "w01_softmax", cwd=root)
    assert "time limits kept" not in result.stdout and "reference" in result.stdout
    timed = release_limits(root)
    assert timed["machine"] == machine()
    assert timed["source_fingerprint"] == source_fingerprint(root / "source" / "w01_softmax" / path.name)

    again = run_course("build", "--retime", "w01_softmax", cwd=root)
    assert "time limits kept" not in again.stdout
    assert release_limits(root)["reference_seconds"] != timed["reference_seconds"]


def test_build_refuses_a_reference_that_raises_and_names_the_cell(tmp_path):
    """An error anywhere in the reference run is the author's: `course build` says which cell raised what."""
    import nbformat

    root = copy_course(tmp_path / "course", weeks=["w01_softmax"], release=True)
    path = root / "source" / "w01_softmax" / "w01_softmax.ipynb"
    nb = nbformat.read(path, as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell("print(accuracy_of_the_demo)"))
    nbformat.write(nb, path)
    result = run_course("build", "w01_softmax", cwd=root, check=False)
    assert result.returncode == 2 and "Traceback" not in result.stderr, result.stderr
    assert f"cell {len(nb.cells)}: raised NameError: name 'accuracy_of_the_demo' is not defined" in result.stderr, (
        result.stderr
    )


def test_build_refuses_a_grade_cell_calling_a_check_that_does_not_exist(scratch):
    import nbformat

    path = scratch / "source" / "w01_softmax" / "w01_softmax.ipynb"
    nb = nbformat.read(path, as_version=4)
    cell = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "test_softmax")
    cell.source = cell.source.replace("check_softmax(", "check_sofmax(")
    nbformat.write(nb, path)
    result = run_course("build", "w01_softmax", cwd=scratch, check=False)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert (
        "w01_softmax.ipynb: cell test_softmax: calls helpers.grading.check_sofmax, which does not exist"
        in result.stderr
    ), result.stderr


def test_demo_grades_the_samples_and_ends_with_the_class_report(tmp_path):
    """`make demo` is the README's first command: it must end on the class report, and say where it is."""
    workdir = tmp_path / "demo"
    result = run_course("demo", "w01_softmax", "--workdir", str(workdir), "--workers", "2", cwd=REPO)
    table = result.stdout
    assert "reference" in table and "13/13" in table and "blank" in table and "0/13" in table
    page = workdir / "reports" / "index.html"
    assert f"class report: {page.as_uri()}" in result.stdout.splitlines()[-1]
    html = page.read_text()
    assert all(student in html for student in ("reference", "blank", "partial", "broken")), "a card per student"
