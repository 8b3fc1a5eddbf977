"""Grading a class: 200 submissions across weeks 1–9 (``--weeks``), with 1 and 2 workers and a 2-worker
Dask LocalCluster, each from a fresh gradebook; and where the time beyond running the notebooks goes.
Against plain ``nbgrader autograde`` on the same class in the same run (mode nbgrader: throughput
ratios), with one worker that starts every kernel on demand (mode 1-cold: what starting the next
kernel ahead saves, course/sandbox/spare.py), and with a one-worker batch SIGKILLed at three random
moments and resumed (``--kills``: every submission graded once, with the uninterrupted run's grades).

The class is made from the bundled samples (course/samples/<week>/: reference, partial, blank,
broken or wrong_sign), honest and broken mixed: submission i is week i mod W of student i // W (W weeks).
Baseline: each distinct notebook executed once by plain nbclient (python3 kernel, no sandbox,
no grading), kernel start included; the class's plain time is their sum over the class. The
overhead per submission is (serial grading time − the class's plain time) / submissions: what
grading adds to running the notebooks (process start, answer keys, sandboxed kernel, the
grader's calls in the kernel, judging, writing the gradebook). A breakdown by stage, timed in
process on one submission of each (week, sample), says where it goes: the same stages (kernel
start, running the cells, stopping the kernel) are timed in the plain run too, so the table shows
what the sandbox adds to each.

    .venv/bin/python benchmarks/grading.py [--count 200] [--weeks 1-9] [--modes 1,1-cold,2,dask,nbgrader]
        [--kills 3] [--no-breakdown]

Prints tables and writes benchmarks/results/grading.json. Speed is reported, never asserted.
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
from collections import defaultdict
from contextlib import contextmanager
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SAMPLES = REPO / "course" / "samples"
ALL_WEEKS = sorted(p.name for p in SAMPLES.iterdir() if p.is_dir() and p.name[:1] == "w")
WEEKS = ALL_WEEKS  # set by --weeks (results before weeks 7-9 existed used weeks 1-6)


def select_weeks(text: str) -> list[str]:
    """'1-9', '1-6' or '1,4,9': sample weeks by number."""
    numbers = set()
    for part in text.split(","):
        low, _, high = part.partition("-")
        numbers |= set(range(int(low), int(high or low) + 1))
    return [w for w in ALL_WEEKS if int(w[1:3]) in numbers]


def kinds(week: str) -> list[str]:
    return sorted(p.name for p in (SAMPLES / week).iterdir() if p.is_dir())


def class_list(count: int) -> list[tuple[str, str, str]]:
    """(student, week, sample) for ``count`` submissions: every sample of every week in turn."""
    out = []
    for i in range(count):
        week, student = WEEKS[i % len(WEEKS)], i // len(WEEKS)
        choice = kinds(week)[(student + i) % len(kinds(week))]
        out.append((f"s{student:03d}", week, choice))
    return out


def course_env() -> dict:
    return dict(os.environ, PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")


def course(args, root: Path, env: dict | None = None) -> tuple[float, str]:
    start = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "course", *args],
        cwd=root,
        env=course_env() | (env or {}),
        capture_output=True,
        text=True,
    )
    seconds = time.perf_counter() - start
    if result.returncode != 0:
        raise SystemExit(f"course {' '.join(args)} failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}")
    return seconds, result.stdout


def make_class(base: Path, submissions) -> Path:
    root = base / "template"
    root.mkdir(parents=True)
    shutil.copy2(REPO / "nbgrader_config.py", root)
    shutil.copytree(
        REPO / "source",
        root / "source",
        ignore=lambda d, names: [n for n in names if Path(d) == REPO / "source" and n not in WEEKS],
    )
    course(["build", *WEEKS], root)
    for student, week, sample in submissions:
        shutil.copytree(SAMPLES / week / sample, root / "submitted" / student / week)
    return root


def fresh(template: Path, destination: Path) -> Path:
    """A copy of the built class whose gradebook holds the assignments and no grades yet."""
    shutil.copytree(template, destination)
    return destination


# --------------------------------------------------------------------------- plain execution


def plain_seconds(week: str, sample: str) -> float:
    """Seconds nbclient alone needs to run one sample notebook, kernel start included."""
    import nbformat
    from nbclient import NotebookClient

    folder = SAMPLES / week / sample
    notebook = nbformat.read(next(folder.glob("*.ipynb")), as_version=4)
    with tempfile.TemporaryDirectory() as scratch:
        for extra in folder.iterdir():
            if extra.is_file() and extra.suffix != ".ipynb":
                shutil.copy2(extra, scratch)
        start = time.perf_counter()
        NotebookClient(
            notebook, timeout=600, kernel_name="python3", allow_errors=True, resources={"metadata": {"path": scratch}}
        ).execute()
        return time.perf_counter() - start


def pyplot_import_seconds(reps: int = 5) -> dict:
    """`import matplotlib.pyplot` in a fresh process with an empty MPLCONFIGDIR (as in each grading
    kernel's fresh home: matplotlib rebuilds its font list) and with one that holds the font list."""
    code = "import time; t = time.perf_counter(); import matplotlib.pyplot; print(time.perf_counter() - t)"
    seeded = Path(tempfile.mkdtemp(prefix="mpl-seeded-"))
    subprocess.run(
        [sys.executable, "-c", code], env=dict(os.environ, MPLCONFIGDIR=str(seeded)), capture_output=True, check=True
    )
    times = {"fresh": [], "seeded": []}
    for _ in range(reps):
        with tempfile.TemporaryDirectory() as fresh:
            for kind, folder in (("fresh", fresh), ("seeded", str(seeded))):
                out = subprocess.run(
                    [sys.executable, "-c", code],
                    env=dict(os.environ, MPLCONFIGDIR=folder),
                    capture_output=True,
                    text=True,
                    check=True,
                )
                times[kind].append(float(out.stdout.split()[-1]))
    shutil.rmtree(seeded, ignore_errors=True)
    return {kind: round(sorted(v)[len(v) // 2], 3) for kind, v in times.items()}


# --------------------------------------------------------------------------- grading modes


def plain_kernel_seconds() -> float:
    """Start and stop a plain python3 kernel with nothing to run (the floor of any notebook run)."""
    import nbformat
    from nbclient import NotebookClient

    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("pass")])
    start = time.perf_counter()
    NotebookClient(notebook, timeout=60, kernel_name="python3").execute()
    return time.perf_counter() - start


def nbgrader_autograde(template: Path, base: Path, count: int) -> float:
    """Seconds for plain `nbgrader autograde <week> --force`, week after week, on the same class (its
    python3 kernel, no sandbox, no hidden tests: what the course's grading is compared with)."""
    root = fresh(template, base / "mode-nbgrader")
    nbgrader = Path(sys.executable).parent / "nbgrader"
    start = time.perf_counter()
    for week in WEEKS:
        done = subprocess.run(
            [str(nbgrader), "autograde", week, "--force"], cwd=root, env=course_env(), capture_output=True, text=True
        )
        if done.returncode != 0:
            raise SystemExit(f"nbgrader autograde {week} failed:\n{done.stderr[-3000:]}")
    seconds = time.perf_counter() - start
    graded = len(list(root.glob("autograded/*/*/*.ipynb")))
    if graded != count:
        raise SystemExit(f"nbgrader autograded {graded} notebooks of {count}")
    shutil.rmtree(root, ignore_errors=True)
    return seconds


def grade_mode(
    template: Path, base: Path, mode: str, count: int, keep: Path | None = None
) -> tuple[float, float | None]:
    """Seconds for `course grade` to grade the class; for one worker, also the seconds of a second
    run that finds everything graded (the fixed cost of a run: start, answer keys, the table).
    Modes: a number of workers; "1-cold", one worker that starts each kernel when its submission
    comes (COURSE_KERNELS_AHEAD=0, course/sandbox/spare.py); "dask", a 2-worker LocalCluster."""
    if mode == "nbgrader":
        return nbgrader_autograde(template, base, count), None
    root = fresh(template, base / f"mode-{mode}")
    if mode == "1-cold":
        seconds, stdout = course(["grade", "--workers", "1"], root, {"COURSE_KERNELS_AHEAD": "0"})
    elif mode == "dask":
        from distributed import LocalCluster

        with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
            seconds, stdout = course(["grade", "--scheduler", cluster.scheduler_address], root)
    else:
        seconds, stdout = course(["grade", "--workers", mode], root)
    if f"graded {count} of {count}" not in stdout:
        raise SystemExit(f"mode {mode}: not every submission was graded:\n{stdout[-2000:]}")
    rerun = course(["grade", "--workers", "1"], root)[0] if mode == "1" else None
    if mode == "1":
        SCORES["uninterrupted"] = gradebook_scores(root)
    if keep is not None and not keep.exists():
        shutil.move(root, keep)  # a graded class to look at (`course report --root ...`)
    shutil.rmtree(root, ignore_errors=True)
    return seconds, rerun


SCORES: dict[str, dict] = {}  # the uninterrupted one-worker run's grades, for the killed run


def gradebook_scores(root: Path) -> dict:
    """{(student, week, notebook, grade cell): score} and the number of submissions in the gradebook."""
    sys.path.insert(0, str(REPO))
    from nbgrader.api import Gradebook

    from course.config import db_url

    with Gradebook(db_url(root)) as gb:
        return {
            (s.student.id, a.name, nb.name, g.name): g.score
            for a in gb.assignments
            for s in a.submissions
            for nb in s.notebooks
            for g in nb.grades
        }


def killed_and_resumed(template: Path, base: Path, count: int, kills: int, uninterrupted: float) -> dict:
    """SIGKILL `course grade --workers 1` (its whole process group: workers and kernels) at ``kills``
    random moments of the batch, running it again after each, then once more to the end; every
    submission must end graded once, with the grades of the uninterrupted run."""
    import random
    import signal

    rng = random.Random(20261207 + kills)
    moments = sorted(rng.uniform(0.05, 0.95) * uninterrupted for _ in range(kills))
    root = fresh(template, base / "mode-killed")
    done = lambda: len(list(root.glob("autograded/*/*/.course-grade.json")))
    elapsed, killed = 0.0, []
    for moment in moments:
        process = subprocess.Popen(
            [sys.executable, "-m", "course", "grade", "--workers", "1"],
            cwd=root,
            env=course_env(),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        started = time.perf_counter()
        try:
            process.wait(timeout=max(3.0, moment - elapsed))
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        elapsed += time.perf_counter() - started
        killed.append({"at_seconds": round(elapsed, 1), "graded_before": done()})
    seconds, stdout = course(["grade", "--workers", "1"], root)
    elapsed += seconds
    scores = gradebook_scores(root)
    submissions = {key[:2] for key in scores}
    result = {
        "kills": killed,
        "seconds_in_all": round(elapsed, 1),
        "last_run": stdout.strip().splitlines()[-1][:200],
        "graded_records": done(),
        "submissions_in_gradebook": len(submissions),
        "same_grades_as_uninterrupted": scores == SCORES.get("uninterrupted"),
        "differing_grades": sum(scores.get(k) != v for k, v in SCORES.get("uninterrupted", {}).items()),
    }
    result["ok"] = (
        result["same_grades_as_uninterrupted"] and result["graded_records"] == count and len(submissions) == count
    )
    shutil.rmtree(root, ignore_errors=True)
    return result


# --------------------------------------------------------------------------- where the time goes


class Stages:
    """Wall time per stage, summed over the submissions graded in process (``seconds``) and over
    their plain runs (``plain``: the nbclient stages only, which both share)."""

    def __init__(self):
        self.seconds = defaultdict(float)
        self.plain = defaultdict(float)
        self.active = True  # False while a plain run shares the patched classes

    @contextmanager
    def timing(self, name):
        into = self.seconds if self.active else self.plain
        start = time.perf_counter()
        try:
            yield
        finally:
            into[name] += time.perf_counter() - start

    def wrap(self, owner, attribute, name):
        original = getattr(owner, attribute)
        stages = self
        if hasattr(original, "__code__") and original.__code__.co_flags & 0x80:  # a coroutine function

            async def timed(*args, **kwargs):
                with stages.timing(name):
                    return await original(*args, **kwargs)
        else:

            def timed(*args, **kwargs):
                with stages.timing(name):
                    return original(*args, **kwargs)

        setattr(owner, attribute, timed)


def breakdown(template: Path, base: Path, pairs, stage_timing: bool = True, per_week_limit: int = 2) -> dict:
    """For one submission of each (week, sample): run its notebook with plain nbclient, then grade
    it in this process, timing each stage (paired, so that the machine's load hits both alike)."""
    sys.path.insert(0, str(REPO))
    import nbclient
    from jupyter_client.manager import AsyncKernelManager

    import course.grading.worker
    import course.sandbox.execute
    import course.sandbox.isolation
    from course.config import grading_config
    from course.grading.answer_key import build_key
    from course.grading.payload import Payload
    from course.grading.record import fingerprint, record
    from course.grading.submission import submission_files

    root = fresh(template, base / "breakdown")
    config = grading_config(root)
    stages = Stages()
    keys = {}
    for week in WEEKS:
        with stages.timing("answer key (once per week)"):
            keys[week] = build_key(root, week)
    wrap = stages.wrap if stage_timing else (lambda *a: None)
    wrap(course.grading.worker, "parse", "read the notebook")
    wrap(course.grading.worker, "restore_cells", "restore the instructor's cells")
    wrap(course.grading.worker, "find_attack", "scan the student's code")
    wrap(course.grading.worker, "make_requests", "draw the grader's cases")
    wrap(course.sandbox.execute, "make_run_folder", "sandbox: scratch folder")
    wrap(course.sandbox.execute, "prepare", "sandbox: kernel spec")
    # the caches a kernel starts with (inside prepare; subtracted from it below), under
    # the names of each version of course/sandbox/isolation.py
    for attribute in ("warm_numba_cache", "kernel_caches"):
        if hasattr(course.sandbox.isolation, attribute):
            wrap(course.sandbox.isolation, attribute, "sandbox: caches for the kernel")
    if hasattr(course.sandbox.isolation, "batch_caches"):
        wrap(course.sandbox.isolation, "batch_caches", "sandbox: caches, once per worker")
    # the sync methods are the graded run's (course/sandbox/execute.py), the async ones the plain run's
    # (NotebookClient.execute); each sync one runs the original async one, so nothing counts twice
    wrap(nbclient.NotebookClient, "start_new_kernel", "start the kernel")
    wrap(nbclient.NotebookClient, "start_new_kernel_client", "start the kernel")
    wrap(nbclient.NotebookClient, "async_start_new_kernel", "start the kernel")
    wrap(nbclient.NotebookClient, "async_start_new_kernel_client", "start the kernel")
    wrap(nbclient.NotebookClient, "execute_cell", "run cells (student's and the grader's calls)")
    wrap(nbclient.NotebookClient, "async_execute_cell", "run cells (student's and the grader's calls)")
    wrap(AsyncKernelManager, "shutdown_kernel", "stop the kernel")
    wrap(course.sandbox.execute, "ask", "the grader's calls in the kernel")
    wrap(course.grading.worker, "decide", "judge the answers")
    plain, graded = {}, {}
    chosen = {}
    per_week = defaultdict(int)
    for folder in sorted((root / "submitted").iterdir()):
        for week_dir in folder.iterdir():
            sample = next(
                (
                    s
                    for s in kinds(week_dir.name)
                    if (SAMPLES / week_dir.name / s / f"{week_dir.name}.ipynb").read_bytes()
                    == (week_dir / f"{week_dir.name}.ipynb").read_bytes()
                ),
                None,
            )
            if (
                (week_dir.name, sample) in pairs
                and (week_dir.name, sample) not in chosen
                and per_week[week_dir.name] < per_week_limit
            ):
                chosen[(week_dir.name, sample)] = folder.name
                per_week[week_dir.name] += 1
    for (week, sample), student in sorted(chosen.items()):
        stages.active = False
        plain[(week, sample)] = plain_seconds(week, sample)
        stages.active = True
        files = submission_files(root, student, week)
        payload = Payload(
            student, week, files, keys[week], course.grading.worker.submission_seed(student, week), config.limits
        )
        start = time.perf_counter()
        result = course.grading.worker.grade_submission(payload)
        graded[(week, sample)] = time.perf_counter() - start
        with stages.timing("write the gradebook and the record"):
            record(root, config.db_url, result, fingerprint(files, keys[week]))
        print(
            f"  {week}/{sample}: plain {plain[(week, sample)]:.1f} s, graded {graded[(week, sample)]:.1f} s", flush=True
        )
    shutil.rmtree(root, ignore_errors=True)
    seconds = dict(stages.seconds)
    # the harness cell is one of the cells run; report the student's cells without it (no stages: --no-breakdown)
    run_cells = "run cells (student's and the grader's calls)"
    if run_cells in seconds:
        seconds[run_cells] -= seconds.get("the grader's calls in the kernel", 0.0)
    if "sandbox: caches for the kernel" in seconds:
        seconds["sandbox: kernel spec"] -= seconds["sandbox: caches for the kernel"]
    rename = lambda k: "run the student's cells" if k.startswith("run cells") else k
    return {
        "plain": plain,
        "graded": graded,
        "stages": {rename(k): v for k, v in seconds.items()},
        "plain_stages": {rename(k): v for k, v in stages.plain.items()},
    }


# --------------------------------------------------------------------------- main


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=200)
    parser.add_argument("--weeks", default="1-9", help="sample weeks by number: 1-9, 1-6, 1,4,9 (default 1-9)")
    parser.add_argument(
        "--modes",
        default="1,1-cold,2,dask,nbgrader",
        help="comma-separated: worker counts, 1-cold (no kernel started ahead), dask, nbgrader (plain autograde)",
    )
    parser.add_argument(
        "--kills", type=int, default=3, help="SIGKILL a one-worker batch this many times, then resume (0: skip)"
    )
    parser.add_argument("--no-breakdown", action="store_true", help="skip the in-process stage timing")
    parser.add_argument("--keep", type=Path, default=None, help="move the first graded class there")
    parser.add_argument(
        "--pairs-per-week",
        type=int,
        default=2,
        help="samples per week run plain and graded in process for the breakdown (default 2)",
    )
    args = parser.parse_args()
    global WEEKS
    WEEKS = select_weeks(args.weeks)
    submissions = class_list(args.count)
    pairs = {(week, sample) for _, week, sample in submissions}
    result = {
        "submissions": args.count,
        "weeks": WEEKS,
        "cores": os.cpu_count(),
        "load_average_at_start": list(os.getloadavg()),
    }
    with tempfile.TemporaryDirectory(prefix="grading-bench-") as scratch:
        base = Path(scratch)
        started = time.perf_counter()
        template = make_class(base, submissions)
        result["build_seconds"] = round(time.perf_counter() - started, 1)
        print(f"built the class in {result['build_seconds']} s", flush=True)
        result["plain_empty_kernel_seconds"] = round(plain_kernel_seconds(), 2)
        result["pyplot_import_seconds"] = pyplot_import_seconds()
        paired = breakdown(template, base, pairs, not args.no_breakdown, args.pairs_per_week)
        plain, graded = paired["plain"], paired["graded"]
        # a sample not timed plain counts as the mean of its week's timed ones
        week_mean = {
            w: sum(v for (pw, _), v in plain.items() if pw == w) / max(1, sum(1 for pw, _ in plain if pw == w))
            for w in WEEKS
        }
        plain_class = sum(plain.get((week, sample), week_mean[week]) for _, week, sample in submissions)
        result["plain_notebook_seconds"] = {f"{w}/{s}": round(v, 2) for (w, s), v in sorted(plain.items())}
        result["graded_in_process_seconds"] = {f"{w}/{s}": round(v, 2) for (w, s), v in sorted(graded.items())}
        result["plain_class_seconds"] = round(plain_class, 1)
        n = len(plain)
        result["breakdown"] = {
            "submissions": n,
            "plain_seconds_per_submission": round(sum(plain.values()) / n, 2),
            "graded_seconds_per_submission": round(sum(graded.values()) / n, 2),
            "paired_overhead_seconds_per_submission": round(sum(graded[p] - plain[p] for p in plain) / n, 2),
            # the plain run stops its kernel gracefully (about a second of waiting), the grader at once:
            # the overhead with each run's kernel stop left out
            "paired_overhead_without_kernel_stop_seconds_per_submission": round(
                (
                    sum(graded[p] - plain[p] for p in plain)
                    - paired["stages"].get("stop the kernel", 0.0)
                    + paired["plain_stages"].get("stop the kernel", 0.0)
                )
                / n,
                2,
            ),
            "stage_seconds_per_submission": {
                k: round(v / n, 3) for k, v in sorted(paired["stages"].items(), key=lambda kv: -kv[1])
            },
            "plain_stage_seconds_per_submission": {
                k: round(v / n, 3) for k, v in sorted(paired["plain_stages"].items(), key=lambda kv: -kv[1])
            },
        }
        timings = {}
        for mode in (m.strip() for m in args.modes.split(",")):
            timings[mode], rerun = grade_mode(template, base, mode, args.count, args.keep)
            if rerun is not None:
                result["rerun_seconds"] = round(rerun, 1)
            print(f"{mode}: {timings[mode]:.1f} s", flush=True)
            save(result | {"seconds": {k: round(v, 1) for k, v in timings.items()}, "partial": True})
        result["seconds"] = {k: round(v, 1) for k, v in timings.items()}
        result["submissions_per_minute"] = {k: round(60 * args.count / v, 1) for k, v in timings.items()}
        if "nbgrader" in timings:  # throughput against plain nbgrader's, same class, same run
            result["throughput_vs_nbgrader"] = {
                k: round(timings["nbgrader"] / v, 2) for k, v in timings.items() if k != "nbgrader"
            }
        if args.kills and "1" in timings:
            result["killed_and_resumed"] = killed_and_resumed(template, base, args.count, args.kills, timings["1"])
            print(f"killed {args.kills} times and resumed: {result['killed_and_resumed']}", flush=True)
        if "1" in timings:
            result["overhead_seconds_per_submission"] = round((timings["1"] - plain_class) / args.count, 2)
    result["load_average_at_end"] = list(os.getloadavg())
    report(result)
    print(f"wrote {save(result).relative_to(REPO)}")
    return 0


def save(result: dict) -> Path:
    """Write the results so far (a long run stopped half-way keeps what it measured)."""
    out = REPO / "benchmarks" / "results" / "grading.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n")
    return out


def report(result: dict) -> None:
    count = result["submissions"]
    print(
        f"\nload average at start {result['load_average_at_start'][0]:.1f}, at end "
        f"{result.get('load_average_at_end', [float('nan')])[0]:.1f} on {result['cores']} cores"
    )
    print(
        f"{count} submissions across {', '.join(result['weeks'])}; plain nbclient runs of the same "
        f"notebooks: {result['plain_class_seconds']:.0f} s ({result['plain_class_seconds'] / count:.2f} s each)"
    )
    print(f"{'mode':>6} {'seconds':>8} {'subs/min':>9}")
    for mode, seconds in result["seconds"].items():
        print(f"{mode:>6} {seconds:>8.1f} {result['submissions_per_minute'][mode]:>9}")
    print(f"a plain python3 kernel started and stopped: {result['plain_empty_kernel_seconds']:.2f} s")
    if "rerun_seconds" in result:
        print(f"fixed cost of a `course grade` run (again, with everything graded): {result['rerun_seconds']:.1f} s")
    for mode, ratio in result.get("throughput_vs_nbgrader", {}).items():
        print(f"throughput of mode {mode}: {ratio:.2f}x plain nbgrader autograde's")
    if "killed_and_resumed" in result:
        print(f"killed and resumed: {result['killed_and_resumed']}")
    if "overhead_seconds_per_submission" in result:
        print(
            f"overhead beyond running the notebook, serial: {result['overhead_seconds_per_submission']:+.2f} s "
            f"per submission"
        )
    found = result["breakdown"]
    print(
        f"\nwhere a submission's time goes (in process, two samples per week, each "
        f"run plain just before): {found['graded_seconds_per_submission']:.2f} s graded vs "
        f"{found['plain_seconds_per_submission']:.2f} s plain, overhead "
        f"{found['paired_overhead_seconds_per_submission']:+.2f} s; without either run's kernel stop "
        f"(the plain one waits for a graceful exit): "
        f"{found['paired_overhead_without_kernel_stop_seconds_per_submission']:+.2f} s"
    )
    plain_stages = found.get("plain_stage_seconds_per_submission", {})
    print(f"  {'graded':>7}   {'plain':>7}")
    for stage, seconds in found["stage_seconds_per_submission"].items():
        same = plain_stages.get(stage)
        print(f"  {seconds:7.3f} s " + (f"{same:7.3f} s" if same is not None else " " * 9) + f"  {stage}")
    mpl = result["pyplot_import_seconds"]
    print(
        f"`import matplotlib.pyplot` with an empty MPLCONFIGDIR (a grading kernel's fresh home): "
        f"{mpl['fresh']:.2f} s; with the font list already built: {mpl['seeded']:.2f} s"
    )


if __name__ == "__main__":
    sys.exit(main())
