"""How long each widget explorer takes to answer a control change, headless.

Every explorer of the gallery (gallery/wNN_*.ipynb, built exactly as its Voilà app builds it)
gets CHANGES control changes, round robin over its controls as a student would make them: a
slider one step along (back at its end), a dropdown or selection slider to its next option, a
button clicked. A change is timed from setting the value (or the click) to the explorer's answer:
the first new PNG in its ipywidgets.Image (or the callback's return when it draws nothing, as a
learning-rate change in week 2). Week 2's "train" with many steps redraws as it goes; the whole
callback's time is kept too (callback_max_ms). What the browser does with the PNG is not counted.
The target (issue 20): p95 ≤ 100 ms on this machine.

The machine is shared: the load average is recorded before and after, and so is each change's
CPU time (process_time: this process's own work, whatever else runs) beside its wall time.
Text fields (typed logits or kernels) are left out: they have no "next value".

With ``--yours`` every explorer gets, for each of its keyword parameters named like a function of
the week's solution, that function as the student's (the solution cells of source/<week>/<week>.ipynb, at
the speed of the release solution), so the explorer also calls it and compares it with the
reference on every redraw.

    .venv/bin/python benchmarks/widgets.py [--changes 20] [--repeat 3] [--yours] [NAME ...]

Prints a table and writes benchmarks/results/widgets.json (widgets_yours.json with --yours).
"""

from __future__ import annotations

import argparse
import ast
import inspect
import json
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import ipywidgets as widgets  # noqa: E402

from course.gallery import GALLERY, _cells, figure_panel, gallery_notebooks, load_explorer  # noqa: E402

RESULTS = REPO / "benchmarks" / "results" / "widgets.json"
TARGET_MS = 100.0
SLIDERS = (widgets.IntSlider, widgets.FloatSlider, widgets.FloatLogSlider)
CHOICES = (widgets.Dropdown, widgets.SelectionSlider, widgets.ToggleButtons, widgets.RadioButtons)


def walk(widget):
    yield widget
    for child in getattr(widget, "children", ()):
        yield from walk(child)


def controls(explorer) -> list[tuple[str, object]]:
    """(label, change) for every control of the explorer's widget, in display order."""
    found = []
    for w in walk(explorer.widget):
        label = getattr(w, "description", "") or type(w).__name__
        if getattr(w, "disabled", False):
            continue
        if isinstance(w, SLIDERS):
            found.append((label, _slider_step(w)))
        elif isinstance(w, CHOICES):
            found.append((label, _next_option(w)))
        elif isinstance(w, widgets.Checkbox):
            found.append((label, lambda w=w: setattr(w, "value", not w.value)))
        elif isinstance(w, widgets.Button):
            found.append((label, w.click))
        elif isinstance(w, widgets.Text) and len(w.value) > 1:
            found.append((label, _edit_text(w)))
    return found


def _edit_text(box):
    """Typing, as a student edits a date or a sequence: the last character deleted, then typed again."""
    typed = box.value

    def change():
        box.value = typed[:-1] if box.value == typed else typed

    return change


def _slider_step(slider):
    direction = [1]

    def change():
        if isinstance(slider, widgets.FloatLogSlider):
            exponent = np.log(slider.value) / np.log(slider.base) + direction[0] * slider.step
            if not slider.min <= exponent <= slider.max:
                direction[0] = -direction[0]
                exponent = np.log(slider.value) / np.log(slider.base) + direction[0] * slider.step
            slider.value = float(slider.base**exponent)
            return
        value = slider.value + direction[0] * slider.step
        if not slider.min <= value <= slider.max:
            direction[0] = -direction[0]
            value = slider.value + direction[0] * slider.step
        slider.value = value

    return change


def _next_option(choice):
    def change():
        values = [o[1] if isinstance(o, tuple) else o for o in choice.options]
        choice.value = values[(values.index(choice.value) + 1) % len(values)]

    return change


def solution_functions(week: str) -> dict:
    """The functions the solution cells of source/<week>/<week>.ipynb define (after its import cells),
    as a student who solved the week would have them."""
    namespace: dict = {"__name__": "__solution__"}
    for cell in _cells(REPO / "source" / week / f"{week}.ipynb"):
        if cell.get("cell_type") != "code":
            continue
        source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
        # IPython magics (%matplotlib inline) and shell lines are not Python: left out
        source = "\n".join("" if line.lstrip().startswith(("%", "!")) else line for line in source.splitlines())
        try:
            tree = ast.parse(source)
        except SyntaxError:
            continue
        solution = cell.get("metadata", {}).get("nbgrader", {}).get("solution", False)
        if not solution:  # only its imports (week 2's import cell also sets numpy's print options)
            tree.body = [s for s in tree.body if isinstance(s, (ast.Import, ast.ImportFrom))]
        try:
            exec(compile(tree, f"{week}.ipynb", "exec"), namespace)
        except Exception:  # a solution cell that also runs something needing earlier cells
            pass
    return {k: v for k, v in namespace.items() if inspect.isfunction(v) and v.__module__ == "__solution__"}


def load_with_yours(path: Path):
    """The gallery explorer built with the week's solution functions passed as the student's."""
    number = path.stem.split("_")[0]  # a week may have several gallery pages (w11_word_vectors)
    week = next(d.name for d in sorted((REPO / "source").iterdir()) if d.name.split("_")[0] == number)
    functions = solution_functions(week)
    namespace = {"__name__": "__gallery__"}
    code = [c["source"] for c in _cells(path) if c.get("cell_type") == "code"]
    code = ["".join(c) if isinstance(c, list) else c for c in code]
    for source in code[:-1]:
        exec(compile(source, str(path), "exec"), namespace)
    tree = ast.parse(code[-1])
    exec(compile(ast.Module(body=tree.body[:-1], type_ignores=[]), str(path), "exec"), namespace)
    call = tree.body[-1].value
    explorer_class = eval(compile(ast.Expression(call.func), str(path), "eval"), namespace)
    taken = [k for k in inspect.signature(explorer_class).parameters if k in functions]
    namespace.update({f"__yours_{k}": functions[k] for k in taken})
    call.keywords += [ast.keyword(arg=k, value=ast.Name(id=f"__yours_{k}", ctx=ast.Load())) for k in taken]
    explorer = eval(compile(ast.fix_missing_locations(ast.Expression(call)), str(path), "eval"), namespace)
    return explorer, taken


def measure(path: Path, changes: int, repeat: int, yours: bool = False) -> dict:
    start = time.perf_counter()
    explorer, taken = load_with_yours(path) if yours else (load_explorer(path), [])
    build_s = time.perf_counter() - start
    panel = figure_panel(explorer)
    moves = controls(explorer)
    if not moves:
        raise SystemExit(f"{path.name}: no control found")
    for _, change in moves:  # one untimed round: first calls (numba loading, caches)
        change()
    first_picture = []

    def picture_sent(_change):
        if not first_picture:
            first_picture.append((time.perf_counter(), time.process_time()))

    if panel is not None:
        panel.image.observe(picture_sent, names="value")
    rounds = [_round(panel, moves, changes, first_picture) for _ in range(repeat)]
    median = sorted(rounds, key=lambda r: r["p95_ms"])[len(rounds) // 2]
    return {
        "notebook": path.name,
        "explorer": type(explorer).__name__,
        "student_functions": taken,
        "build_s": round(build_s, 3),
        "controls": [label for label, _ in moves],
        **median,
        "p95_ms_of_each_round": [r["p95_ms"] for r in rounds],
    }


def _round(panel, moves, changes: int, first_picture: list) -> dict:
    wall, cpu, whole, labels, unchanged = [], [], [], [], 0
    for i in range(changes):
        label, change = moves[i % len(moves)]
        before = panel.image.value if panel is not None else None
        first_picture.clear()
        t0, c0 = time.perf_counter(), time.process_time()
        change()
        t1, c1 = time.perf_counter(), time.process_time()
        t_answer, c_answer = first_picture[0] if first_picture else (t1, c1)
        wall.append(1000 * (t_answer - t0))
        cpu.append(1000 * (c_answer - c0))
        whole.append(1000 * (t1 - t0))
        labels.append(label)
        unchanged += panel is not None and panel.image.value == before
    per_control = {}
    for label, ms in zip(labels, wall):
        per_control.setdefault(label, []).append(ms)
    return {
        "changes": changes,
        "p50_ms": round(float(np.percentile(wall, 50)), 1),
        "p95_ms": round(float(np.percentile(wall, 95)), 1),
        "max_ms": round(max(wall), 1),
        "cpu_p95_ms": round(float(np.percentile(cpu, 95)), 1),
        "callback_max_ms": round(max(whole), 1),
        "per_control_max_ms": {k: round(max(v), 1) for k, v in per_control.items()},
        "changes_that_did_not_redraw": int(unchanged),
        "wall_ms": [round(ms, 1) for ms in wall],
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("names", nargs="*", help="gallery notebooks to time (default: all), e.g. w02_backprop")
    parser.add_argument("--changes", type=int, default=20, help="control changes per explorer (default 20)")
    parser.add_argument(
        "--repeat",
        type=int,
        default=3,
        help="rounds of CHANGES changes per explorer; the round with the median p95 is "
        "reported (default 3: a shared machine's hiccups move one round, not the result)",
    )
    parser.add_argument(
        "--yours", action="store_true", help="pass the week's solution functions as the student's (see above)"
    )
    parser.add_argument("--no-save", action="store_true", help="print only; leave the results file alone")
    args = parser.parse_args(argv)

    paths = [p for p in gallery_notebooks(REPO / GALLERY) if not args.names or p.stem in args.names]
    load_before = os.getloadavg()
    rows = []
    for path in paths:
        row = measure(path, args.changes, args.repeat, yours=args.yours)
        rows.append(row)
        slowest = max(row["per_control_max_ms"], key=row["per_control_max_ms"].get)
        verdict = "ok" if row["p95_ms"] <= TARGET_MS else "SLOW"
        print(
            f"{row['notebook']:<28} p50 {row['p50_ms']:6.1f}  p95 {row['p95_ms']:6.1f}  max {row['max_ms']:6.1f} ms"
            f"  (cpu p95 {row['cpu_p95_ms']:6.1f}; p95 of each round {row['p95_ms_of_each_round']})"
            f"  slowest control: {slowest}  {verdict}",
            flush=True,
        )
    load_after = os.getloadavg()
    print(
        f"load average before {load_before[0]:.2f} {load_before[1]:.2f} {load_before[2]:.2f}, "
        f"after {load_after[0]:.2f} {load_after[1]:.2f} {load_after[2]:.2f} ({os.cpu_count()} cores)"
    )
    if not args.no_save:
        results = RESULTS.with_name("widgets_yours.json") if args.yours else RESULTS
        results.parent.mkdir(parents=True, exist_ok=True)
        results.write_text(
            json.dumps(
                {
                    "what": "ms from a control change to the redrawn PNG in the explorer's Image widget, headless",
                    "target_p95_ms": TARGET_MS,
                    "date": time.strftime("%Y-%m-%d %H:%M"),
                    "machine": {
                        "python": platform.python_version(),
                        "cores": os.cpu_count(),
                        "loadavg_before": [round(x, 2) for x in load_before],
                        "loadavg_after": [round(x, 2) for x in load_after],
                    },
                    "explorers": rows,
                },
                indent=1,
            )
            + "\n"
        )
        print(f"wrote {results.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
