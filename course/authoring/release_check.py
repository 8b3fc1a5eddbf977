"""Verify a generated release notebook against its source notebook.

A release must hold no solution text, no hidden-test text and no outputs, and every
graded or locked cell of the source must be there, with its id and points intact.
Nothing in it may be, or quote, a week's text (``weeks/<week>.py``, solutions included).
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat

from ..notebook import BLOCK, MARKER, check_calls, nbgrader_meta, strip_blocks

TEXT_HEADER = re.compile(r"^# %%.*\b(solution|tests|locked|manual|task)=", re.M)
MIN_SECRET_LINE = 16  # shorter lines ("return out") are too common to call a leak


def secret_lines(text: str) -> set[str]:
    found = set()
    for match in BLOCK.finditer(text):
        found |= {
            line.strip()
            for line in match.group(0).splitlines()
            if len(line.strip()) >= MIN_SECRET_LINE and not MARKER.search(line)
        }
    return found


def verify_release(source_path: Path, release_path: Path) -> list[str]:
    """Return a list of problems, each naming the notebook and the cell; empty if all is well."""
    source = nbformat.read(source_path, as_version=4)
    if not release_path.is_file():
        return [f"{release_path}: missing"]
    release = nbformat.read(release_path, as_version=4)
    problems = []

    public = set()
    secret = set()
    for cell in source.cells:
        secret |= secret_lines(cell.source)
        public |= {line.strip() for line in strip_blocks(cell.source).splitlines()}
    secret -= public

    for index, cell in enumerate(release.cells, start=1):
        where = f"{release_path}: cell {index}" + (
            f" ({nbgrader_meta(cell)['grade_id']})" if nbgrader_meta(cell).get("grade_id") else ""
        )
        if MARKER.search(cell.source):
            problems.append(f"{where}: still holds a BEGIN/END SOLUTION or HIDDEN TESTS marker")
        leaked = sorted(secret & {line.strip() for line in cell.source.splitlines()})
        if leaked:
            problems.append(f"{where}: holds solution or hidden-test text, e.g. {leaked[0][:60]!r}")
        if cell.cell_type == "code" and (cell.get("outputs") or cell.get("execution_count")):
            problems.append(f"{where}: has outputs; a release must be output-free")

    released = {nbgrader_meta(c).get("grade_id"): c for c in release.cells if nbgrader_meta(c).get("grade_id")}
    for cell in source.cells:
        meta = nbgrader_meta(cell)
        grade_id = meta.get("grade_id")
        if not grade_id:
            continue
        where = f"{release_path}: cell {grade_id}"
        twin = released.pop(grade_id, None)
        if twin is None:
            problems.append(f"{where}: missing from the release")
            continue
        twin_meta = nbgrader_meta(twin)
        for key in ("grade", "solution", "locked", "points", "task"):
            if meta.get(key) != twin_meta.get(key):
                problems.append(
                    f"{where}: {key} is {twin_meta.get(key)!r} in the release but {meta.get(key)!r} in the source"
                )
        is_test = meta.get("grade") and not meta.get("solution")
        if (is_test or meta.get("locked")) and not meta.get("solution"):
            if twin.source.strip() != strip_blocks(cell.source).strip():
                problems.append(f"{where}: its visible text differs from the source")
    for grade_id in released:
        problems.append(f"{release_path}: cell {grade_id} is in the release but not in the source")
    return problems


def verify_checks(source_path: Path) -> list[str]:
    """Every check a grade cell calls must exist, and every kernel it guards must still be where
    its name says (a moved kernel would otherwise guard nothing). One problem per bad call."""
    from importlib import import_module

    from helpers.grading import CHECKS, resolve

    problems = []
    for cell in nbformat.read(source_path, as_version=4).cells:
        grade_id = nbgrader_meta(cell).get("grade_id")
        if not grade_id:
            continue
        where = f"{source_path}: cell {grade_id}"
        for name, _ in check_calls(cell.source):
            check = resolve(name)
            if check is None:
                close = [n for n in CHECKS if name in n or n in name]
                problems.append(
                    f"{where}: calls helpers.grading.check_{name}, which does not exist"
                    + (f" (did you mean check_{close[0]}?)" if close else "")
                )
                continue
            for guard in check.guarded:
                module_name, _, attribute = guard.reference_name.rpartition(".")
                try:
                    found = getattr(import_module(module_name), attribute)
                except (ImportError, AttributeError):
                    found = None
                if getattr(found, "reference_name", None) != guard.reference_name:
                    problems.append(
                        f"{where}: check_{name} guards {guard.reference_name}, which is no longer "
                        f"a reference kernel there"
                    )
    return problems


ANY_HEADING = re.compile(r"^(#{1,6})\s+(.*)$", re.M)
POINTS = re.compile(r"\(\s*(\d+(?:\.\d+)?)\s+points?\s*\)")  # "(2 points)"; a heading may hold several


def verify_heading_points(source_path: Path) -> list[str]:
    """An exercise's heading says what it is worth ("### Exercise 2 — stable softmax (2 points)"): the graded
    cells under it, up to the next heading of its level or above, must add up to that. One problem per heading."""
    problems, open_heading = [], None  # (level, title, points, graded total)

    def close():
        if open_heading and abs(open_heading[3] - open_heading[2]) > 1e-9:
            level, title, said, found = open_heading
            problems.append(
                f"{source_path}: the heading {title.strip()!r} says {said:g} point{'s' * (said != 1)}, "
                f"its graded cells give {found:g}"
            )

    for cell in nbformat.read(source_path, as_version=4).cells:
        if cell.cell_type == "markdown":
            for heading in ANY_HEADING.finditer(cell.source):
                level, title = len(heading.group(1)), heading.group(2)
                said = [float(points) for points in POINTS.findall(title)]
                if said or (open_heading and level <= open_heading[0]):
                    close()
                    open_heading = (level, POINTS.sub("", title).strip(), sum(said), 0.0) if said else None
        meta = nbgrader_meta(cell)
        if open_heading and (meta.get("grade") or meta.get("task")):
            open_heading = (*open_heading[:3], open_heading[3] + float(meta.get("points") or 0))
    close()
    return problems


def verify_no_text_leak(root: Path, week: str) -> list[str]:
    """No file of release/<week>/ (or release/ itself) may be a week's text: named like one, holding
    its cell headers, or quoting a solution or hidden-test line of any text (notebooks are checked
    cell by cell by ``verify_release``). One problem per file."""
    from .notebooks import TEXTS

    texts = sorted((root / TEXTS).glob("*.py")) if (root / TEXTS).is_dir() else []
    secret = set().union(*(secret_lines(path.read_text(encoding="utf-8")) for path in texts))
    release = root / "release"
    files = [p for p in (release / week).rglob("*") if p.is_file()] if (release / week).is_dir() else []
    files += [p for p in release.iterdir() if p.is_file()] if release.is_dir() else []
    problems = []
    for path in files:
        content = path.read_text(encoding="utf-8", errors="replace")
        where = f"{path}: "
        if path.name in {text.name for text in texts}:
            problems.append(where + f"has the name of a notebook text, {TEXTS}/{path.name}; texts hold solutions")
        elif TEXT_HEADER.search(content):
            problems.append(where + "holds a notebook text's graded cell headers; texts hold solutions")
        elif path.suffix != ".ipynb" and (quoted := sorted(secret & {line.strip() for line in content.splitlines()})):
            problems.append(
                where + f"quotes a solution or hidden-test line of a notebook text, e.g. {quoted[0][:60]!r}"
            )
    return problems


def verify_week(root: Path, week: str) -> list[str]:
    problems = verify_no_text_leak(root, week)
    sources = sorted((root / "source" / week).glob("*.ipynb"))
    for source_path in sources:
        problems += verify_checks(source_path)
        problems += verify_heading_points(source_path)
        problems += verify_release(source_path, root / "release" / week / source_path.name)
    return problems
