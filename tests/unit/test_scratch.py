"""What a grading kernel's folder holds: the submission's files, minus those that would hide
the packages the notebook and the grader import."""

import shutil
from pathlib import Path

from course.sandbox.isolation import make_run_folder


def test_submitted_files_are_there_but_a_helpers_py_does_not_hide_the_course_package():
    run, notes = make_run_folder(
        {
            "w01_softmax.ipynb": b"{}",
            "helpers.py": b"def f(): pass\n",
            "my_utils.py": b"X = 1\n",
            "data.csv": b"1,2\n",
            "sub/numpy.py": b"",
        }
    )
    try:
        assert sorted(p.name for p in run.inbox.iterdir() if p.name != ".home") == [
            "data.csv",
            "my_utils.py",
            "w01_softmax.ipynb",
        ]
        assert len(notes) == 2 and any("helpers.py" in n and "helpers package" in n for n in notes)
    finally:
        shutil.rmtree(run.root)


def test_what_the_sandbox_binds_under_tmp_is_bound_after_its_new_tmp(monkeypatch):
    """A venv or checkout under /tmp (a CI clone) must be bound over the sandbox's fresh /tmp, not hidden by it."""
    import sys

    from course.sandbox import isolation as sandbox

    monkeypatch.setattr(sandbox.shutil, "which", lambda name: "/usr/bin/bwrap")
    monkeypatch.setattr(sandbox, "python_paths", lambda: [Path("/tmp/clone/.venv"), Path(sys.prefix)])
    monkeypatch.setattr(Path, "is_dir", lambda self: True)
    run, _ = make_run_folder({})
    try:
        args = sandbox.sandbox_prefix(run)
        tmp = max(i for i, a in enumerate(args) if a == "/tmp" and args[i - 1] == "--tmpfs")
        binds = [i for i, a in enumerate(args) if a in ("--ro-bind", "--bind") and args[i + 2].startswith("/tmp/")]
        assert binds and all(i > tmp for i in binds)
    finally:
        shutil.rmtree(run.root)
