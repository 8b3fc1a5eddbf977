"""Limits that hold for a grading kernel and all its children together (course/sandbox/cgroup.py), and the
sized in-memory filesystems of its sandbox (course/sandbox/isolation.py)."""

import json
import os
import subprocess

import nbformat
import pytest

from course.config import Limits
from course.sandbox.cgroup import ControlGroup
from course.sandbox.execute import execute
from course.sandbox.isolation import RUN_PREFIX, TMP_TMPFS_BYTES, bwrap_available, remove_abandoned

CHILDREN_TOUCH = """
import json, os, time
pids = []
for _ in range(3):
    pid = os.fork()
    if pid == 0:
        block = bytearray(400 << 20)          # 400 MB each, every page touched
        for i in range(0, len(block), 4096):
            block[i] = 1
        os._exit(0)
    pids.append(pid)
codes = [os.waitpid(pid, 0)[1] for pid in pids]
print(json.dumps({"killed": sum(1 for c in codes if os.WIFSIGNALED(c))}))
"""


def run_cells(*sources, memory_mb=6144, cell_timeout=120):
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(s) for s in sources])
    execute(notebook, {}, [], Limits(cell_timeout=cell_timeout, budget=300, max_restarts=0, memory_mb=memory_mb))
    return notebook


def test_children_share_the_kernels_memory_limit():
    group = ControlGroup.create(memory_bytes=1 << 30, max_processes=16)
    if group is None:
        pytest.skip("this machine lets the grader make no control group")
    group.remove()
    # 3 x 400 MB against 1 GB for the kernel and its children together: (each child alone is within
    # the per-process limit) a child is killed, or they starve until the time-out; never all three done
    notebook = run_cells(CHILDREN_TOUCH, memory_mb=1024, cell_timeout=20)
    outputs = notebook.cells[0].outputs
    text = "".join(o.get("text", "") for o in outputs if o.get("output_type") == "stream")
    finished = json.loads(text.strip().splitlines()[-1]) if text.strip() else None
    assert finished is None or finished["killed"] >= 1, outputs


def test_tmp_is_a_sized_filesystem_of_its_own():
    if not bwrap_available():
        pytest.skip("the sandbox's filesystems need bubblewrap")
    notebook = run_cells(
        "import json\nwritten = 0\ntry:\n    for i in range(16):\n        with open(f'/tmp/fill{i}', 'wb') as f:\n"
        "            f.write(b'x' * (32 << 20)); written += 32 << 20\n"
        "except OSError as err:\n    print(json.dumps({'written': written, 'error': err.errno}))\n"
    )
    found = json.loads(notebook.cells[0].outputs[0]["text"])
    assert found["written"] <= TMP_TMPFS_BYTES and found["error"] == 28  # ENOSPC


def test_groups_left_by_a_killed_grader_are_removed_by_the_next():
    group = ControlGroup.create(memory_bytes=1 << 30, max_processes=16)
    if group is None:
        pytest.skip("this machine lets the grader make no control group")
    stale = [folder.parent / "course-grade-999999-deadbeef" for folder in group.folders]  # no such pid
    for folder in stale:
        folder.mkdir()
    group.remove()
    ControlGroup.create(memory_bytes=1 << 30, max_processes=16).remove()
    assert not any(folder.exists() for folder in stale)


def test_run_folders_left_by_a_killed_grader_are_removed_by_the_next(tmp_path):
    finished = subprocess.Popen(["true"])
    finished.wait()  # a pid that no longer exists
    abandoned = tmp_path / f"{RUN_PREFIX}{finished.pid}-k1ll3d"
    (abandoned / "inbox").mkdir(parents=True)
    (abandoned / "inbox" / "w01_softmax.ipynb").write_text("{}")  # a student's work
    running = tmp_path / f"{RUN_PREFIX}{os.getpid()}-runn1ng"
    running.mkdir()
    unnamed = tmp_path / f"{RUN_PREFIX}n0p1d"
    unnamed.mkdir()
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "keep").write_text("not a run folder")
    link = tmp_path / f"{RUN_PREFIX}{finished.pid}-l1nk"
    link.symlink_to(elsewhere)
    assert remove_abandoned(tmp_path) == [abandoned]
    assert not abandoned.exists() and running.is_dir() and unnamed.is_dir()
    assert link.is_symlink() and (elsewhere / "keep").is_file()


def test_a_temporary_folder_too_long_for_the_sockets_is_said_before_any_kernel_starts(tmp_path, monkeypatch):
    import tempfile

    from course.sandbox.isolation import make_run_folder

    deep = tmp_path / ("a-long-temporary-folder-" * 4)
    deep.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(deep))
    with pytest.raises(OSError, match="too long for the kernel's sockets .* set TMPDIR to a shorter folder"):
        make_run_folder({"w01_softmax.ipynb": b"{}"})
    assert list(deep.iterdir()) == [], "no run folder is left behind"
