"""A corpus of honest submissions of every week, each reasoned to full marks.

Each entry starts from the week's ``reference`` sample as course/authoring/make_samples.py builds it
(the release with every solution cell filled from the source), so the corpus follows the
weeks when they change, and changes it the way real students do:

- another correct implementation of a week's main functions (loops, vectorised, einsum,
  ``np.where``, sliding windows, scipy.special / scikit-learn, another order of the
  floating-point operations): the checks compare with tolerances, so these are right;
- ordinary names that happen to be attack words (``signal``, ``submitted``, ``harness``,
  ``source``, ``path``, ``exit_code``, ``globals_seen``) in an extra cell;
- exploration cells: scipy, scikit-learn, ``%timeit`` and ``%%time``, plots saved into a
  subfolder, prints with "/" in strings, a warning, IPython.display;
- debug prints inside graded functions, and the student's own helper functions in a new
  cell between the given ones;
- a visible test cell typed into (a comment, a print), and one deleted by accident: the
  grader restores test cells from the answer key, as nbgrader does, so they cost nothing.

None of this changes what the graded functions return, so every problem earns full marks.
The alternative implementations are also run in-process through the public checks named
in the source notebook's hidden tests (``check_in_process``), so a wrong variant is caught
before a grading run.
"""

from __future__ import annotations

import importlib

from tests.support import in_scope

from .base import REPO, Honest, check_in_process, hidden_checks, source_reference, visible_tests

# week folder -> the module of this package holding its variants (each defines variants())
MODULES = {
    "w01_softmax": "w01",
    "w02_backprop": "w02",
    "w03_edges": "w03",
    "w04_conv": "w04",
    "w05_rnn": "w05",
    "w06_error_analysis": "w06",
    "w07_optimization": "w07",
    "w08_regularization": "w08",
    "w09_batchnorm_tuning": "w09",
    "w10_seq2seq_attention": "w10",
    "w11_transformer": "w11",
    "w12_efficient_networks": "w12",
}
WEEKS = list(MODULES)

__all__ = [
    "REPO",
    "WEEKS",
    "Honest",
    "check_in_process",
    "corpus",
    "hidden_checks",
    "source_reference",
    "visible_tests",
    "week_corpus",
]


def week_corpus(week: str) -> dict[str, Honest]:
    """name -> Honest for one week."""
    entries = importlib.import_module(f".{MODULES[week]}", __name__).variants()
    assert all(entry.week == week for entry in entries.values()), week
    return entries


def corpus() -> dict[str, Honest]:
    """name -> Honest, every week (those of COURSE_TEST_WEEKS if set); build each with ``entry.build(reference notebook of entry.week)``."""
    entries: dict[str, Honest] = {}
    for week in filter(in_scope, WEEKS):
        entries.update(week_corpus(week))
    return entries
