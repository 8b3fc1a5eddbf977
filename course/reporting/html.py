"""reports/index.html: how the class did and where it got stuck, in one self-contained page.

Per week: the score histogram and, per problem, the share of students with full marks
(course/reporting/figures.py); the reasons points were lost, grouped so that one mistake made by
many students is one line with its count (course/reporting/failures.py); then the notes flagged for
review, apart; grading time per submission; and a sortable table of students whose scores link
to each one's feedback page (``course feedback``); submissions the grading machine failed are
listed apart, with the reason. No network, no external script or style.
"""

from __future__ import annotations

import re
import statistics
from datetime import datetime
from html import escape
from pathlib import Path

from ..grading.record import write_atomically
from ..wording import plural
from .data import ClassData, relative_link
from .figures import timing_figure, week_figure

STYLE = """
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;color:#1d2327;background:#fafbfc}
main{max-width:1180px;margin:0 auto;padding:18px 28px 60px}
h1{font-size:24px;margin:8px 0 2px}
h2{font-size:19px;margin:34px 0 8px;border-bottom:2px solid #dfe3e6;padding-bottom:4px}
h3{font-size:15px;margin:18px 0 6px}.muted{color:#66707a}nav a{margin-right:14px}
table{border-collapse:collapse;background:#fff;margin:6px 0 10px}
th,td{padding:4px 10px;border-bottom:1px solid #e6e9ec;text-align:left;vertical-align:top}
th{background:#f0f3f5;font-weight:600}td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}
table.sortable th{cursor:pointer;user-select:none;white-space:nowrap}
.example{font-family:ui-monospace,monospace;font-size:12px;background:#f6f7f8;padding:4px 6px}
table.sortable th:after{content:" \\2195";color:#a0a8b0;font-size:11px}
.count{font-weight:700;font-size:15px;text-align:right;white-space:nowrap}
.what{font-weight:600}code{background:#f0f3f5;padding:0 3px;border-radius:3px}
details summary{cursor:pointer;color:#3b6ea8}details p{margin:4px 0}img{max-width:100%}
.flag{background:#fff7e0}.full,.full a{color:#2f7d46;font-weight:600}.zero,.zero a{color:#b0352b}
"""

SORT_SCRIPT = """
document.querySelectorAll('table.sortable').forEach(function(table){
  table.querySelectorAll('th').forEach(function(th, column){
    th.addEventListener('click', function(){
      var body = table.tBodies[0], rows = Array.from(body.rows);
      var up = th.dataset.dir !== 'up'; th.dataset.dir = up ? 'up' : 'down';
      function key(row){ var c = row.cells[column]; return c.dataset.v !== undefined ? c.dataset.v : c.textContent; }
      rows.sort(function(a, b){
        var x = key(a), y = key(b), nx = parseFloat(x), ny = parseFloat(y);
        var order = (!isNaN(nx) && !isNaN(ny)) ? nx - ny : x.localeCompare(y);
        return up ? order : -order;
      });
      rows.forEach(function(row){ body.appendChild(row); });
    });
  });
});
"""


def inline_code(text: str) -> str:
    """Escaped HTML, with `name` shown as code the way the grader's messages quote names."""
    return re.sub(r"`([^`\n]+)`", r"<code>\1</code>", escape(text))


def week_overview(data: ClassData) -> str:
    rows = []
    for week in data.weeks:
        subs = data.of_week(week)
        totals = [s.score for s in subs]
        top = max(s.max_score for s in subs)
        seconds = [s.seconds for s in subs if s.seconds is not None]
        rows.append(
            f"<tr><td><a href='#{week}'>{escape(week)}</a></td><td class=n>{len(subs)}</td>"
            f"<td class=n>{top:g}</td><td class=n>{statistics.mean(totals):.1f}</td>"
            f"<td class=n>{statistics.median(totals):g}</td>"
            f"<td class=n>{sum(1 for s in subs if s.score >= s.max_score)}</td>"
            f"<td class=n>{sum(1 for s in subs if s.score == 0)}</td>"
            f"<td class=n>{len({s.student for s in subs if s.flags})}</td>"
            f"<td class=n>{f'{statistics.median(seconds):.1f}' if seconds else '–'}</td></tr>"
        )
    return (
        "<table><thead><tr><th>week</th><th class=n>graded</th><th class=n>max</th><th class=n>mean</th>"
        "<th class=n>median</th><th class=n>full marks</th><th class=n>zero</th><th class=n>flagged</th>"
        "<th class=n>median grading s</th></tr></thead><tbody>" + "".join(rows) + "</tbody></table>"
    )


def failures_section(data: ClassData, week: str, groups) -> str:
    mine = [g for g in groups if g.week == week]
    if not mine:
        return "<p class=full>No points lost this week.</p>"
    rows = []
    for g in mine:
        students = ", ".join(escape(s) for s in g.students)
        rows.append(
            f"<tr><td class=count data-v='{g.count}'>{g.count}</td>"
            f"<td><code>{escape(g.subject)}</code></td>"
            f"<td><span class=what>{inline_code(g.what)}</span>"
            f"<details><summary>{'student' if g.count == 1 else 'students'} and an example</summary>"
            f"<p class=muted>{students}</p><p class=example>{escape(g.example)}</p></details></td>"
            f"<td class=muted>{escape(g.problem)}</td></tr>"
        )
    lost = sum(len(s.lost) for s in data.of_week(week))
    return (
        f"<p class=muted>{lost} lost problem{'s' * (lost != 1)} in {len(mine)} distinct mistake"
        f"{'s' * (len(mine) != 1)}; one line per mistake, with how many students made it.</p>"
        "<table class='failures sortable'><thead><tr><th class=n>students</th><th>function</th>"
        "<th>what went wrong</th><th>problem</th></tr></thead><tbody>" + "".join(rows) + "</tbody></table>"
    )


def flagged_section(data: ClassData) -> str:
    flagged = data.flagged()
    parts = [
        "<h2 id=flagged>Flagged for review</h2>",
        "<p class=muted>Code that looked suspicious but not certainly an attack. No point was taken; "
        "read the student's notebook in <code>autograded/</code>.</p>",
    ]
    if not flagged:
        parts.append("<p>Nothing was flagged.</p>")
    else:
        parts.append(
            "<table class='flags sortable'><thead><tr><th>student</th><th>week</th><th>note</th></tr>"
            "</thead><tbody>"
            + "".join(
                f"<tr class=flag><td>{escape(student)}</td><td>{escape(week)}</td>"
                f"<td>{escape(note.removeprefix('flagged for review: '))}</td></tr>"
                for week, student, note in sorted(flagged)
            )
            + "</tbody></table>"
        )
    others = data.other_notes()
    if others:
        parts.append(
            "<h3>Other notes (how submissions were graded; no point taken)</h3><table><tbody>"
            + "".join(
                f"<tr><td class=count>{len(where)}</td><td>{escape(note)}<details><summary>who</summary>"
                f"<p class=muted>{escape(', '.join(f'{s}/{w}' for w, s in sorted(where)))}</p></details></td></tr>"
                for note, where in others
            )
            + "</tbody></table>"
        )
    return "\n".join(parts)


def not_graded_section(data: ClassData) -> str:
    """Submissions the grading machine failed (course/grading/batch.py): no score, apart from the rest."""
    if not data.not_graded:
        return ""
    return (
        "<h2 id=not-graded>Not graded: faults of the grading machine</h2>"
        "<p class=muted>No score was recorded for these (a score shown elsewhere is from an earlier "
        "grading); <code>course grade</code> tries them again.</p>"
        "<table class=sortable><thead><tr><th>student</th><th>week</th><th>why</th></tr></thead><tbody>"
        + "".join(
            f"<tr class=flag><td>{escape(student)}</td><td>{escape(week)}</td><td>{escape(why)}</td></tr>"
            for (student, week), why in sorted(data.not_graded.items())
        )
        + "</tbody></table>"
    )


def timing_section(data: ClassData) -> str:
    picture = timing_figure(data)
    if picture is None:
        return "<h2 id=timing>Grading time</h2><p>No grading times recorded.</p>"
    rows = []
    for week in data.weeks:
        timed = sorted((s for s in data.of_week(week) if s.seconds is not None), key=lambda s: s.seconds)
        if not timed:
            continue
        seconds = [s.seconds for s in timed]
        p90 = seconds[min(len(seconds) - 1, int(0.9 * len(seconds)))]
        rows.append(
            f"<tr><td>{escape(week)}</td><td class=n>{len(seconds)}</td>"
            f"<td class=n>{statistics.median(seconds):.1f}</td><td class=n>{p90:.1f}</td>"
            f"<td class=n>{seconds[-1]:.1f}</td><td>{escape(timed[-1].student)}</td></tr>"
        )
    return (
        "<h2 id=timing>Grading time per submission</h2>"
        "<p class=muted>Wall-clock seconds of one worker for one submission: kernel start, the notebook, "
        "the grader's cases.</p>"
        f"<img alt='grading time per submission' src='{picture}'>"
        "<table><thead><tr><th>week</th><th class=n>timed</th><th class=n>median s</th><th class=n>90% s</th>"
        "<th class=n>max s</th><th>slowest</th></tr></thead><tbody>" + "".join(rows) + "</tbody></table>"
    )


def students_section(data: ClassData, page: Path) -> str:
    by_key = {(s.student, s.week): s for s in data.submissions}
    header = "".join(f"<th class=n>{escape(w)}</th>" for w in data.weeks)
    rows = []
    made = sum(1 for s in data.submissions if s.feedback)
    top = sum(max(s.max_score for s in data.of_week(week)) for week in data.weeks)  # a week not handed in counts 0
    for student in data.students:
        cells, total, flags = [], 0.0, 0
        for week in data.weeks:
            sub = by_key.get((student, week))
            if sub is None:
                cells.append("<td class=n data-v='-1'>–</td>")
                continue
            total, flags = total + sub.score, flags + len(sub.flags)
            text = f"{sub.score:g}/{sub.max_score:g}"
            style = " full" if sub.score >= sub.max_score else " zero" if sub.score == 0 else ""
            if sub.feedback:
                links = [
                    f"<a href='{escape(relative_link(p, page))}'>{text if i == 0 else p.stem}</a>"
                    for i, p in enumerate(sub.feedback)
                ]
                text = " ".join(links)
            cells.append(f"<td class='n{style}' data-v='{sub.score:g}'>{text}</td>")
        rows.append(
            f"<tr><td>{escape(student)}</td>{''.join(cells)}<td class=n data-v='{total:g}'>"
            f"<b>{total:g}</b>/{top:g}</td><td class=n data-v='{flags}'>{flags or ''}</td></tr>"
        )
    hint = (
        ""
        if made == len(data.submissions)
        else (
            f"<p class=muted>{made} of {len(data.submissions)} submissions have a feedback page; "
            "run <code>course feedback</code>, then <code>course report</code>, to link the rest.</p>"
        )
    )
    return (
        "<h2 id=students>Students</h2><p class=muted>Click a column to sort; a score links to the "
        "student's feedback page.</p>"
        + hint
        + f"<table class='students sortable'><thead><tr><th>student</th>{header}<th class=n>total</th>"
        f"<th class=n>flags</th></tr></thead><tbody>" + "".join(rows) + "</tbody></table>"
    )


def render(data: ClassData, page: Path, course_id: str = "") -> str:
    groups = data.failure_groups()
    weeks = []
    for week in data.weeks:
        subs = data.of_week(week)
        weeks.append(
            f"<h2 id='{escape(week)}'>{escape(week)}</h2>"
            f"<img alt='{escape(week)}: score histogram and full marks per problem' "
            f"src='{week_figure(week, subs, data.problems[week])}'>"
            f"<h3>Where points were lost</h3>{failures_section(data, week, groups)}"
        )
    title = f"Class report{' — ' + escape(course_id) if course_id else ''}"
    nav = " ".join(f"<a href='#{escape(w)}'>{escape(w)}</a>" for w in data.weeks)
    sizes = ((len(data.students), "student"), (len(data.submissions), "graded submission"), (len(data.weeks), "week"))
    counts = ", ".join(plural(n, noun) for n, noun in sizes)
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<meta name="viewport" content="width=device-width, initial-scale=1"><style>{STYLE}</style></head>
<body><main>
<h1>{title}</h1>
<p class=muted>{counts};
made {datetime.now():%Y-%m-%d %H:%M} by <code>course report</code>.</p>
<nav>{nav} <a href='#flagged'>flagged</a> <a href='#timing'>grading time</a> <a href='#students'>students</a></nav>
<h2>Overview</h2>{week_overview(data)}
{not_graded_section(data)}
{"".join(weeks)}
{flagged_section(data)}
{timing_section(data)}
{students_section(data, page)}
</main><script>{SORT_SCRIPT}</script></body></html>
"""


def write_html(data: ClassData, page: Path, course_id: str = "") -> None:
    write_atomically(page, render(data, page, course_id))
