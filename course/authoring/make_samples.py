"""Generate the bundled sample submissions in course/samples/<week>/<sample>/.

Every sample starts from the release notebook, as a student receives it:

- ``blank``: the release as it is;
- ``reference``: every solution cell filled with the source's solution;
- further samples from ``course/samples/<week>/overrides.py``, which defines
  ``SAMPLES = {sample: {grade_id: cell source or None}}``: the reference with those
  cells replaced (None puts the release stub back).

Run ``python -m course.authoring.make_samples`` after ``course build``; a test checks that the
committed samples are what this produces.
"""

from __future__ import annotations

import copy
import re
import runpy
import sys
from pathlib import Path

import nbformat

from ..notebook import nbgrader_meta
from ..paths import find_root, weeks_in

SAMPLES_DIR = Path(__file__).resolve().parent.parent / "samples"
SOLUTION_MARKER = re.compile(r"^[ \t]*###\s*(BEGIN|END) SOLUTION\b[^\n]*\n?", re.M)


def solution_text(source: str) -> str:
    """The cell with its solution markers removed and the solution kept."""
    return SOLUTION_MARKER.sub("", source)


def sample_notebooks(root: Path, week: str) -> dict[str, dict[str, nbformat.NotebookNode]]:
    """{sample name: {notebook file name: notebook}} for one week."""
    overrides_file = SAMPLES_DIR / week / "overrides.py"
    overrides = runpy.run_path(str(overrides_file))["SAMPLES"] if overrides_file.exists() else {}
    result: dict[str, dict] = {"blank": {}, "reference": {}, **{name: {} for name in overrides}}
    for release_path in sorted((root / "release" / week).glob("*.ipynb")):
        release = nbformat.read(release_path, as_version=4)
        source = nbformat.read(root / "source" / week / release_path.name, as_version=4)
        solutions = {
            nbgrader_meta(c)["grade_id"]: solution_text(c.source)
            for c in source.cells
            if nbgrader_meta(c).get("solution")
        }
        result["blank"][release_path.name] = release
        for name in ["reference", *overrides]:
            changes = overrides.get(name, {})
            unknown = set(changes) - {nbgrader_meta(c).get("grade_id") for c in release.cells}
            if unknown:
                raise ValueError(f"{overrides_file}: sample {name!r} names unknown cells {sorted(unknown)}")
            notebook = copy.deepcopy(release)
            for cell in notebook.cells:
                grade_id = nbgrader_meta(cell).get("grade_id")
                if grade_id in changes:
                    if changes[grade_id] is not None:
                        cell.source = changes[grade_id]
                elif grade_id in solutions:
                    cell.source = solutions[grade_id]
            result[name][release_path.name] = notebook
    return result


def write_samples(root: Path, week: str, destination: Path = SAMPLES_DIR) -> list[Path]:
    written = []
    for sample, notebooks in sample_notebooks(root, week).items():
        for filename, notebook in notebooks.items():
            path = destination / week / sample / filename
            path.parent.mkdir(parents=True, exist_ok=True)
            nbformat.write(notebook, path)
            written.append(path)
    return written


def main() -> int:
    root = find_root(Path(__file__).resolve().parents[2])
    for week in weeks_in(root / "release"):
        for path in write_samples(root, week):
            print(f"wrote {path.relative_to(root)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
