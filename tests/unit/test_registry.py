"""The check registry: registering a Check is all it takes to publish check_<name>, guards are
kernel objects, and `course build` refuses a grade cell that calls a check that does not exist."""

from __future__ import annotations

import dataclasses

import nbformat
import numpy as np
import pytest

import helpers
import helpers.grading as grading
from helpers.grading import ALIASES, CHECKS, Case, Check, register
from helpers.tripwire import armed
from tests.support import REPO


def test_every_registered_check_has_its_public_function_with_a_docstring():
    for name, check in CHECKS.items():
        public = getattr(grading, f"check_{name}")
        assert public.__name__ == f"check_{name}"
        assert f"check_{name}" in grading.__all__
        assert check.doc in public.__doc__
        for guard in check.guarded:
            assert guard.reference_name in public.__doc__


def test_public_names_are_exactly_the_registered_checks_and_aliases():
    published = {n for n in grading.__all__ if n.startswith("check_")}
    assert published == {f"check_{n}" for n in [*CHECKS, *ALIASES]}


def test_former_names_are_the_same_functions():
    assert grading.check_forward is grading.check_two_layer_forward
    assert grading.check_drill is grading.check_output_size_drill
    assert grading.resolve("cost") is CHECKS["two_layer_cost"]
    assert grading.resolve("no_such_check") is None


def test_every_week_module_is_found_without_a_list():
    assert [m.__name__.rsplit(".", 1)[1] for m in grading.WEEK_MODULES][:6] == [
        "w01",
        "w02",
        "w03",
        "w04",
        "w05",
        "w06",
    ]


def test_a_week_is_a_module_or_a_package_of_topic_modules_and_private_modules_are_not_weeks():
    """wNN is found by its name, as a module or as a package whose topic modules register its checks; a
    private module beside it (_wNN_*.py) or a topic module inside it is never taken for a week."""
    import pkgutil
    import re

    names = [m.__name__.rsplit(".", 1)[1] for m in grading.WEEK_MODULES]
    assert names and all(re.fullmatch(r"w\d\d", name) for name in names)
    packages = {m.__name__.rsplit(".", 1)[1] for m in grading.WEEK_MODULES if hasattr(m, "__path__")}
    assert {"w07", "w08", "w09"} <= packages
    topics = {info.name for info in pkgutil.iter_modules(grading.w08.__path__)}
    assert {"model", "networks", "regularization"} <= topics and not topics & set(names)
    assert CHECKS["model_backward"].cases.__module__ == "helpers.grading.w08.model"
    private = {info.name for info in pkgutil.iter_modules(grading.__path__) if info.name.startswith("_")}
    assert not private & set(names)


def test_a_guard_given_by_name_is_refused_at_registration():
    with pytest.raises(TypeError, match="not a reference kernel"):
        Check("bad_guard", lambda rng: [], np.negative, doc="x", guarded=("helpers.losses.softmax",))


def test_armed_refuses_names():
    with pytest.raises(TypeError):
        with armed("helpers.losses.softmax"):
            pass


def test_a_check_needs_a_doc_and_a_unique_name():
    with pytest.raises(ValueError, match="needs a doc"):
        register(Check("undocumented", lambda rng: [], np.negative))
    with pytest.raises(ValueError, match="already registered"):
        register(dataclasses.replace(CHECKS["softmax"]))
    with pytest.raises(ValueError, match="already registered"):
        register(Check("fresh_name", lambda rng: [], np.negative, doc="x"), aliases=("forward",))


def test_messages_name_the_students_function_not_the_check():
    check = CHECKS["two_layer_forward"]
    assert check.function == "forward"
    with pytest.raises(grading.CheckFailed, match=r"^forward is not implemented yet"):

        def forward(*args):
            raise NotImplementedError

        grading.check_two_layer_forward(forward)


def _notebook_calling(tmp_path, line):
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell(f"### BEGIN HIDDEN TESTS\n{line}\n### END HIDDEN TESTS")
    cell.metadata["nbgrader"] = {
        "grade": True,
        "solution": False,
        "locked": True,
        "points": 1,
        "grade_id": "test_thing",
        "schema_version": 3,
    }
    nb.cells.append(cell)
    path = tmp_path / "w99_thing.ipynb"
    nbformat.write(nb, path)
    return path


def test_build_names_the_notebook_and_cell_of_a_missing_check(tmp_path):
    from course.authoring.release_check import verify_checks

    path = _notebook_calling(tmp_path, "helpers.grading.check_sofmax(softmax)")
    problems = verify_checks(path)
    assert len(problems) == 1
    assert str(path) in problems[0] and "test_thing" in problems[0] and "check_sofmax" in problems[0]
    assert verify_checks(_notebook_calling(tmp_path, "helpers.grading.check_forward(forward)")) == []


def test_build_catches_a_guard_whose_kernel_moved(tmp_path, monkeypatch):
    from course.authoring.release_check import verify_checks

    moved = helpers.losses.softmax
    monkeypatch.setattr(helpers.losses, "softmax", moved.unguarded)  # the name no longer holds the kernel
    problems = verify_checks(_notebook_calling(tmp_path, "helpers.grading.check_softmax(softmax)"))
    assert problems and "helpers.losses.softmax" in problems[0] and "test_thing" in problems[0]


def test_answer_key_refuses_an_unknown_check():
    from course.errors import CourseError
    from course.grading.answer_key import checks_called

    assert checks_called("### BEGIN HIDDEN TESTS\nhelpers.grading.check_cost(cost)\n### END HIDDEN TESTS") == [
        ("two_layer_cost", "cost")
    ]
    with pytest.raises(CourseError, match="check_nope"):
        checks_called("### BEGIN HIDDEN TESTS\nhelpers.grading.check_nope(f)\n### END HIDDEN TESTS", "nb: cell x")


def test_registered_checks_run_their_cases():
    # a registered check is a plain Check: its cases are Case objects
    cases = CHECKS["softmax"].cases(np.random.default_rng(0))
    assert cases and all(isinstance(c, Case) for c in cases)


def test_the_syllabus_in_docs_is_current():
    from course.authoring.syllabus import render

    assert (REPO / "docs" / "SYLLABUS.md").read_text() == render(REPO), "run `course syllabus`"


def test_the_syllabus_lists_every_graded_cell_with_its_check():
    from course.authoring.syllabus import rows

    table = rows(REPO)
    by_id = {(week, grade_id): check for week, grade_id, _, check, *_ in table}
    assert by_id[("w01_softmax", "test_softmax")] == "`check_softmax`"
    assert by_id[("w02_backprop", "test_forward")] == "`check_two_layer_forward`"
