"""Every source notebook is what its text, weeks/<week>.py, generates (`course notebooks`)."""

from __future__ import annotations

import pytest

from course.authoring.notebooks import generated, notebook_path, text_path
from tests.support import REPO, weeks


@pytest.mark.parametrize("week", weeks("source"))
def test_source_notebook_is_generated_from_its_text(week):
    assert text_path(REPO, week).is_file(), f"{week} has no text weeks/{week}.py: every notebook is authored as text"
    committed = notebook_path(REPO, week).read_text(encoding="utf-8")
    assert committed == generated(REPO, week), (
        f"source/{week}/{week}.ipynb differs from weeks/{week}.py: run `course notebooks {week}`"
    )
