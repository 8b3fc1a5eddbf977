"""Courses the grading tests share, so that nothing is built or graded twice in a session.

- ``class_batch``: the session's course with every week built (tests/conftest.py's
  ``built_course``, which tests/notebooks reads too), the bundled samples of every week and the
  honest corpus submitted side by side, graded by ONE ``course grade --workers 2``.
  test_end_to_end reads the samples' grades from it, test_honest the corpus's, test_scale the
  parallel grades of week 1's samples.
- ``week1_template``: a course with week 1 alone built (no other week in source/ or the
  gradebook), never graded; ``clone`` copies it for a test that grades a class of its own
  (test_report, test_scale, test_hostile), which is much faster than building week 1 again.

The helpers these fixtures use, and test modules import, are in tests/support.py.
"""

from __future__ import annotations

import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
import pytest

from tests.support import WEEK1, copy_course, grade_in_own_session, run_course, sample_weeks, samples_of


@pytest.fixture(scope="session")
def week1_template(tmp_path_factory) -> Path:
    """A course with only week 1 in source/, built; clone it, never write into it."""
    root = copy_course(tmp_path_factory.mktemp("template-w01") / "course", weeks=[WEEK1], release=True)
    run_course("build", WEEK1, cwd=root)
    return root


@dataclass
class Batch:
    """One graded course: where it is, what `course grade` printed, how long it took, who is in it."""

    root: Path
    result: object
    seconds: float
    samples: dict[str, list[str]] = field(default_factory=dict)  # week -> sample (student) names
    honest: dict[str, str] = field(default_factory=dict)  # corpus name -> week

    @property
    def submissions(self) -> int:
        return sum(map(len, self.samples.values())) + len(self.honest)


@pytest.fixture(scope="session")
def class_batch(built_course) -> Batch:
    from course.authoring.make_samples import sample_notebooks
    from tests.grading.honest import corpus

    root = built_course
    batch = Batch(root, None, 0.0)
    for week in sample_weeks():
        batch.samples[week] = []
        for sample in samples_of(week):
            shutil.copytree(sample, root / "submitted" / sample.name / week)
            batch.samples[week].append(sample.name)
    entries = corpus()
    for week in sorted({entry.week for entry in entries.values()}):
        ((filename, reference),) = sample_notebooks(root, week)["reference"].items()
        for name, entry in entries.items():
            if entry.week == week:
                folder = root / "submitted" / name / week
                folder.mkdir(parents=True)
                nbformat.write(entry.build(reference), folder / filename)
                batch.honest[name] = week
    started = time.perf_counter()
    batch.result = grade_in_own_session(root, "--workers", "2", timeout=3600)
    batch.seconds = time.perf_counter() - started
    print(
        f"\nclass batch: {batch.submissions} submissions (samples of {len(batch.samples)} weeks, "
        f"{len(batch.honest)} honest) graded in {batch.seconds:.0f} s"
    )
    return batch
