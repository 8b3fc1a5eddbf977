"""Grading throughput: 40 generated week-1 submissions with 1 and with 2 workers, same run.

Prints a table and writes benchmarks/results/grading.json. Baseline for the per-submission
overhead: the same notebooks executed by plain nbclient (no grading), timed in this run.
Targets (issue 9): 2 workers >= 1.7x the throughput of 1; overhead <= 2 s per submission.

    .venv/bin/python benchmarks/grading.py [--count 40]
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

REPO = Path(__file__).resolve().parents[1]
WEEK = "w01_softmax"
SAMPLES = REPO / "course" / "samples" / WEEK
KINDS = ["reference", "partial", "broken", "blank"]


def make_course(base: Path, count: int) -> Path:
    root = base / "course"
    root.mkdir(parents=True)
    shutil.copy2(REPO / "nbgrader_config.py", root)
    shutil.copytree(REPO / "source", root / "source", ignore=lambda d, names: [
        n for n in names if Path(d) == REPO / "source" and n != WEEK])
    run(["build", WEEK], root)
    for i in range(count):
        kind = KINDS[i % len(KINDS)]
        shutil.copytree(SAMPLES / kind, root / "submitted" / f"student{i:03d}_{kind}" / WEEK)
    return root


def run(args, root: Path) -> float:
    env = dict(os.environ, PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "course", *args], cwd=root, env=env, check=True,
                   capture_output=True, text=True)
    return time.perf_counter() - start


def plain_execution_seconds(count: int) -> float:
    """Mean time nbclient alone needs to run one sample notebook, kernel start included."""
    total = 0.0
    for i in range(count):
        notebook = nbformat.read(SAMPLES / KINDS[i % len(KINDS)] / f"{WEEK}.ipynb", as_version=4)
        with tempfile.TemporaryDirectory() as scratch:
            start = time.perf_counter()
            NotebookClient(notebook, timeout=300, kernel_name="python3", allow_errors=True,
                           resources={"metadata": {"path": scratch}}).execute()
            total += time.perf_counter() - start
    return total / count


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=40)
    args = parser.parse_args()
    baseline = plain_execution_seconds(len(KINDS))
    timings = {}
    with tempfile.TemporaryDirectory() as scratch:
        for workers in (1, 2):
            root = make_course(Path(scratch) / f"w{workers}", args.count)
            timings[workers] = run(["grade", "--workers", str(workers)], root)
    per_submission = timings[1] / args.count
    result = {
        "submissions": args.count,
        "plain_notebook_seconds": round(baseline, 2),
        "seconds": {str(k): round(v, 1) for k, v in timings.items()},
        "submissions_per_minute": {str(k): round(60 * args.count / v, 1) for k, v in timings.items()},
        "speedup_2_vs_1": round(timings[1] / timings[2], 2),
        "overhead_seconds_per_submission": round(per_submission - baseline, 2),
    }
    print(f"{'workers':>8} {'seconds':>8} {'subs/min':>9}")
    for workers in (1, 2):
        print(f"{workers:>8} {timings[workers]:>8.1f} {result['submissions_per_minute'][str(workers)]:>9}")
    print(f"plain nbclient run of one notebook: {baseline:.2f} s; grading costs {per_submission:.2f} s "
          f"per submission serially (overhead {result['overhead_seconds_per_submission']:+.2f} s); "
          f"2 workers: {result['speedup_2_vs_1']:.2f}x")
    out = REPO / "benchmarks" / "results" / "grading.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"wrote {out.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
