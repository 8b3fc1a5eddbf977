"""The class report's pictures: static PNGs drawn with matplotlib (no JavaScript, no network), each
returned as a data: URI so that reports/index.html is one file that opens anywhere."""

from __future__ import annotations

import base64
import io

import numpy as np

from .data import ClassData, Submission

BLUE, GREEN, GREY = "#3b6ea8", "#3f9b5a", "#9aa4ad"


def _pyplot():
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    return plt


def to_data_uri(fig) -> str:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=100)
    _pyplot().close(fig)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def full_marks_share(submissions: list[Submission], problem: str) -> float:
    """The share of the week's submissions with every point of ``problem``."""
    if not submissions:
        return 0.0
    full = sum(
        1
        for s in submissions
        if s.problems.get(problem) is not None and s.problems[problem] >= s.max_scores.get(problem, 0)
    )
    return full / len(submissions)


def week_figure(week: str, submissions: list[Submission], problems: dict[str, float]) -> str:
    """Left: how many students got each score. Right: per problem, the share with full marks."""
    plt = _pyplot()
    fig, (hist, bars) = plt.subplots(
        1,
        2,
        figsize=(11, max(3.0, 0.9 + 0.28 * len(problems))),
        gridspec_kw={"width_ratios": [1, 1.25]},
        layout="constrained",
    )
    top = max([s.max_score for s in submissions] + [sum(problems.values()), 1.0])
    totals = [s.score for s in submissions]
    bins = np.arange(-0.5, top + 1.0, 1.0) if top <= 40 else np.linspace(0, top, 21)
    hist.hist(totals, bins=bins, color=BLUE, edgecolor="white")
    hist.set_xlim(-0.5 if top <= 40 else 0, top + (0.5 if top <= 40 else 0))
    hist.set_xlabel(f"score (of {top:g})")
    hist.set_ylabel("students")
    hist.yaxis.get_major_locator().set_params(integer=True)
    hist.set_title(
        f"{week}: scores of {len(submissions)} submission{'s' * (len(submissions) != 1)}", fontsize=11, loc="left"
    )
    names = list(problems)
    shares = [100 * full_marks_share(submissions, p) for p in names]
    positions = np.arange(len(names))[::-1]
    bars.barh(positions, [100] * len(names), color="#e8ecef", height=0.7)
    bars.barh(positions, shares, color=GREEN, height=0.7)
    bars.set_yticks(positions, [f"{p.removeprefix('test_')} ({problems[p]:g})" for p in names], fontsize=9)
    for y, share in zip(positions, shares):
        bars.text(min(share + 1.5, 88), y, f"{share:.0f}%", va="center", fontsize=8)
    bars.set_xlim(0, 100)
    bars.set_xlabel("% of students with full marks")
    bars.set_title("full marks per problem (points)", fontsize=11, loc="left")
    for axis in (hist, bars):
        axis.spines[["top", "right"]].set_visible(False)
    return to_data_uri(fig)


def timing_figure(data: ClassData) -> str | None:
    """Seconds to grade one submission (kernel, checks and all), per week."""
    weeks = [w for w in data.weeks if any(s.seconds is not None for s in data.of_week(w))]
    if not weeks:
        return None
    plt = _pyplot()
    fig, axis = plt.subplots(figsize=(11, 0.9 + 0.45 * len(weeks)), layout="constrained")
    values = [[s.seconds for s in data.of_week(w) if s.seconds is not None] for w in weeks]
    positions = np.arange(len(weeks))[::-1]
    axis.boxplot(
        values,
        positions=positions,
        vert=False,
        widths=0.6,
        showfliers=False,
        medianprops={"color": BLUE, "linewidth": 2},
    )
    rng = np.random.default_rng(0)
    for y, seconds in zip(positions, values):
        axis.scatter(seconds, y + rng.uniform(-0.18, 0.18, len(seconds)), s=9, color=GREY, alpha=0.7, zorder=3)
    axis.set_yticks(positions, weeks, fontsize=9)
    axis.set_xlim(left=0)
    axis.set_xlabel("seconds to grade one submission")
    axis.spines[["top", "right"]].set_visible(False)
    return to_data_uri(fig)
