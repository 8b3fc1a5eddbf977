"""A student's function that is a reference kernel's code up to names is flagged for review
(course/grading/copies.py); honest code, short one-liners and our own samples are not."""

import inspect

import nbformat
import pytest

import helpers
from course.grading.answer_key import build_key
from course.grading.copies import copied_references, week_references
from course.grading.worker import student_code
from tests.support import REPO


def renamed_copy(kernel, renames: dict[str, str]) -> str:
    source = inspect.getsource(inspect.unwrap(kernel.unguarded)).replace("@reference_kernel\n", "")
    for old, new in renames.items():
        source = source.replace(old, new)
    return source


def test_a_renamed_copy_of_a_reference_kernel_is_flagged():
    copy = renamed_copy(
        helpers.losses.softmax,
        {"shifted": "moved", "def softmax": "def my_softmax", '"""Numerically': '"""Mine. Numerically'},
    )
    flags = copied_references([copy], [helpers.losses.softmax])
    assert flags == ["`my_softmax` is a copy of the reference helpers.losses.softmax (the same code up to names)"]


def test_honest_code_and_one_liners_are_not_flagged():
    honest = (
        "def softmax(z):\n    shifted = z - np.max(z, axis=-1, keepdims=True)\n    e = np.exp(shifted)\n"
        "    return e / np.sum(e, axis=-1, keepdims=True)\n\n\ndef relu(z):\n    return np.maximum(z, 0)\n"
    )
    assert copied_references([honest], [helpers.losses.softmax, helpers.activations.relu]) == []


@pytest.mark.parametrize("week", sorted(p.name for p in (REPO / "source").iterdir() if p.is_dir()))
def test_no_sample_of_ours_is_flagged(week):
    key = build_key(REPO, week)
    for name, nb_key in key["notebooks"].items():
        kernels = week_references(nb_key)
        for path in sorted((REPO / "course" / "samples" / week).glob(f"*/{name}")):
            assert copied_references(student_code(nbformat.read(path, as_version=4), nb_key), kernels) == [], path
