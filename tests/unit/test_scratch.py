"""What a grading kernel's folder holds: the submission's files, minus those that would hide
the packages the notebook and the grader import."""
import shutil

from course.sandbox import make_run_folder


def test_submitted_files_are_there_but_a_helpers_py_does_not_hide_the_course_package():
    run, notes = make_run_folder({"w01_softmax.ipynb": b"{}", "helpers.py": b"def f(): pass\n",
                                      "my_utils.py": b"X = 1\n", "data.csv": b"1,2\n", "sub/numpy.py": b""})
    try:
        assert sorted(p.name for p in run.inbox.iterdir() if p.name != ".home") == ["data.csv", "my_utils.py",
                                                                                "w01_softmax.ipynb"]
        assert len(notes) == 2 and any("helpers.py" in n and "helpers package" in n for n in notes)
    finally:
        shutil.rmtree(run.root)
