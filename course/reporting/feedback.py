"""``course feedback [WEEK...]``: each student's feedback page, from what has been graded.

Runs nbgrader's own ``generate_feedback`` (feedback/<student>/<week>/<notebook>.html) with the
preprocessors nbgrader_config.py configures (they leave the hidden tests out), plus one of ours,
:class:`LostPoints`, last: it puts at the top of the page the reason for every lost point, read
from what ``course grade`` recorded (course/grading/record.py), with the scores as the gradebook has them
now (after nbgrader's GetGrades), so that a score an instructor changed by hand is shown as it is.
"""

from __future__ import annotations

import json
import re
import subprocess
from html import escape
from pathlib import Path

from nbconvert.preprocessors import Preprocessor
from traitlets import Bool

from ..config import db_url, nbgrader_settings
from ..errors import CourseError
from ..grading.record import NOT_GRADED_FILE, RESULT_FILE, graded_submissions
from ..paths import add_root_option, nbgrader_command, root_from, tool_env, weeks_in
from .html import inline_code

OURS = ["course.reporting.offline_math.OfflineMath", "course.reporting.feedback.LostPoints"]
TEMPLATES = Path(__file__).parent / "templates"
NBGRADER_DEFAULT = ["nbgrader.preprocessors.GetGrades", "nbconvert.preprocessors.CSSHTMLHeaderPreprocessor"]
MARK = "course-lost-points"


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "feedback",
        help="write each graded student's feedback page, lost points first",
        description="Run nbgrader generate_feedback for every graded submission of the given weeks "
        "(default: every week with grades) into feedback/<student>/<week>/; hidden tests "
        "are left out as nbgrader_config.py configures, and each page starts with the "
        "reason for every lost point.",
    )
    parser.add_argument("weeks", nargs="*", metavar="WEEK", help="weeks (default: every graded week)")
    parser.add_argument(
        "--release",
        action="store_true",
        help="also return the pages through the hub's exchange (students fetch them from the Assignments tab)",
    )
    parser.add_argument("--runtime", default=None, help="the hub's folder (default: <course root>/.hub)")
    add_root_option(parser)
    parser.set_defaults(func=run)


def lost_points_html(lost: list[tuple[str, float, float, str]]) -> str:
    """One HTML block (kept free of blank lines so that markdown passes it through whole)."""
    if not lost:
        return (
            f'<div class="alert alert-success {MARK}"><strong>Every point earned.</strong> '
            f"Nothing below lost a point.</div>"
        )
    items = "".join(
        f"<li><strong>{escape(problem)}</strong> ({score:g} of {points:g}):<br>"
        f"{inline_code(reason.removeprefix('CheckFailed: '))}</li>"
        for problem, score, points, reason in lost
    )
    total = sum(points - score for _, score, points, _ in lost)
    return (
        f'<div class="alert alert-warning {MARK}"><strong>Where you lost points ({total:g} in '
        f'{len(lost)} problem{"s" * (len(lost) != 1)}):</strong><ul style="margin:6px 0 0">{items}</ul>'
        f'<div style="margin-top:6px">A reason names the case that failed first; the public checks '
        f"(<code>helpers.grading.check_&lt;name&gt;(your_function)</code>) run the same kind of cases in "
        f"your notebook.</div></div>"
    )


_HEADING = re.compile(r"^#{1,6}\s+(.+?)\s*$", re.MULTILINE)
_POINTS = re.compile(r"\s*\(\s*\d+(?:\.\d+)?\s+points?\s*\)")  # "(2 points)", wherever in the heading


def exercise_names(cells) -> dict[int, str]:
    """cell index -> the name a student knows a graded cell by: the last heading above it ("Exercise 2 —
    stable softmax", its "(2 points)" left out), with ", part k" when one heading has several graded
    cells."""
    names: dict[int, str] = {}
    heading = ""
    for index, cell in enumerate(cells):
        if cell.cell_type == "markdown":
            found = _HEADING.findall(cell.source)
            if found:
                heading = _POINTS.sub("", found[-1]).strip()
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("grade") or meta.get("task"):
            names[index] = heading or meta.get("grade_id", "?")
    counts: dict[str, int] = {}
    for name in names.values():
        counts[name] = counts.get(name, 0) + 1
    seen: dict[str, int] = {}
    for index, name in names.items():
        if counts[name] > 1:
            seen[name] = seen.get(name, 0) + 1
            names[index] = f"{name}, part {seen[name]}"
    return names


class LostPoints(Preprocessor):
    """Insert, as the first cell, the reason for every lost point (after GetGrades has put each
    grade cell's score and points in its metadata)."""

    enabled = Bool(True)

    def preprocess(self, nb, resources):
        from nbformat.v4 import new_markdown_cell

        folder = Path(resources.get("metadata", {}).get("path") or ".")
        try:
            recorded = json.loads((folder / RESULT_FILE).read_text())
        except (OSError, ValueError):
            recorded = {}
        reasons = {
            grade_id: grade.get("reason", "")
            for notebook in recorded.get("notebooks", {}).values()
            for grade_id, grade in notebook.get("grades", {}).items()
        }
        lost = []
        names = exercise_names(nb.cells)
        for index, cell in enumerate(nb.cells):
            if index in names:
                cell.metadata["course_exercise"] = names[index]
            meta = cell.metadata.get("nbgrader", {})
            if not meta.get("grade") or meta.get("score") is None:
                continue
            score, points = float(meta["score"]), float(meta.get("points", 0))
            if score < points:
                lost.append(
                    (
                        names.get(index, meta.get("grade_id", "?")),
                        score,
                        points,
                        reasons.get(meta.get("grade_id")) or "points taken when your work was graded by hand",
                    )
                )
        nb.cells.insert(0, new_markdown_cell(lost_points_html(lost), metadata={MARK: True}))
        return nb, resources


def preprocessors(root: Path) -> list[str]:
    """nbgrader_config.py's feedback preprocessors (nbgrader's defaults if it sets none), ours last."""
    configured = nbgrader_settings(root).get("GenerateFeedback", {}).get("preprocessors") or NBGRADER_DEFAULT
    names = [p if isinstance(p, str) else f"{p.__module__}.{p.__name__}" for p in configured]
    return [n for n in names if n not in OURS] + OURS


TEMPLATE_NAME, TEMPLATE_FILE = "course_feedback", "page.html.j2"  # ours, extending nbgrader's feedback page


def template_basedirs() -> list[str]:
    """Where nbconvert finds our page and the nbgrader page it extends."""
    import nbgrader

    return [str(Path(nbgrader.__file__).parent / "server_extensions" / "formgrader" / "templates"), str(TEMPLATES)]


def template_options(root: Path) -> list[str]:
    """Our page (exercises by name, maths without the internet) unless nbgrader_config.py chose one."""
    if "template_name" in nbgrader_settings(root).get("HTMLExporter", {}):
        return []
    return [
        f"--HTMLExporter.template_name={TEMPLATE_NAME}",
        f"--HTMLExporter.template_file={TEMPLATE_FILE}",
        *(f"--HTMLExporter.extra_template_basedirs={folder}" for folder in template_basedirs()),
    ]


def graded_weeks(root: Path) -> dict[str, list[str]]:
    """week -> students with a recorded grading of it."""
    found: dict[str, list[str]] = {}
    for week, student in sorted(graded_submissions(db_url(root))):
        if (root / "autograded" / student / week / RESULT_FILE).is_file():
            found.setdefault(week, []).append(student)
    return found


def generate(root: Path, week: str) -> None:
    command = nbgrader_command(
        "generate_feedback",
        week,
        "--force",
        f"--GenerateFeedback.preprocessors={json.dumps(preprocessors(root))}",
        *template_options(root),
    )
    result = subprocess.run(command, cwd=root, env=tool_env(), capture_output=True, text=True)
    # nbgrader copies every file next to the autograded notebook; our record holds the instructor's
    # notes (what was flagged for review), which are not for students.
    for name in (RESULT_FILE, NOT_GRADED_FILE):
        for copied in (root / "feedback").glob(f"*/{week}/{name}*"):
            copied.unlink()
    if result.returncode != 0:
        tail = "\n".join((result.stdout + result.stderr).strip().splitlines()[-15:])
        raise CourseError(f"nbgrader could not generate the feedback of {week}:\n{tail}")


def run(args) -> int:
    root = root_from(args)
    if db_url(root).startswith("sqlite") and not (root / "gradebook.db").exists():
        raise CourseError(f"no gradebook at {root / 'gradebook.db'}: run `course grade` first")
    graded = graded_weeks(root)
    unknown = [w for w in args.weeks if w not in graded]
    if unknown:
        known = ", ".join(graded) or "none"
        where = "released" if unknown[0] in weeks_in(root / "release") else "known"
        raise CourseError(f"nothing graded for {unknown[0]!r} ({where} week); graded weeks: {known}")
    weeks = list(dict.fromkeys(args.weeks)) or list(graded)
    if not weeks:
        raise CourseError("nothing has been graded yet: run `course grade` first")
    for week in weeks:
        generate(root, week)
        pages = sorted((root / "feedback").glob(f"*/{week}/*.html"))
        print(
            f"{week}: {len(pages)} feedback page{'s' * (len(pages) != 1)} for {len(graded[week])} "
            f"student{'s' * (len(graded[week]) != 1)} in {root / 'feedback'}/<student>/{week}/"
        )
        if args.release:
            from ..hub.exchange import release_feedback

            release_feedback(root, args.runtime, week)
    return 0
