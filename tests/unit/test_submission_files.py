"""Only regular files enter grading (course/grading/submission.py): links, FIFOs and folders in a submission
are never followed or opened, each is left out with a reason, and a linked folder is not graded."""

import os

from course.grading.submission import read_submission


def folder(tmp_path, student="ann", week="w01_softmax"):
    path = tmp_path / "submitted" / student / week
    path.mkdir(parents=True)
    return path


def test_regular_files_are_read_and_everything_else_is_left_out_with_a_reason(tmp_path):
    secret = tmp_path / "source.ipynb"
    secret.write_text("BEGIN SOLUTION")
    here = folder(tmp_path)
    (here / "w01_softmax.ipynb").write_bytes(b"{}")
    (here / "notes.txt").symlink_to(secret)
    (here / "dangling").symlink_to(tmp_path / "nowhere")
    os.mkfifo(here / "data.csv")
    (here / "plots").mkdir()
    files, left_out = read_submission(tmp_path, "ann", "w01_softmax")
    assert files == {"w01_softmax.ipynb": b"{}"}
    assert set(left_out) == {"notes.txt", "dangling", "data.csv", "plots"}
    assert "symbolic link" in left_out["notes.txt"] and "FIFO" in left_out["data.csv"]
    assert "folder" in left_out["plots"]


def test_a_notebook_that_is_a_link_is_not_read(tmp_path):
    secret = tmp_path / "source.ipynb"
    secret.write_text("BEGIN SOLUTION")
    (folder(tmp_path) / "w01_softmax.ipynb").symlink_to(secret)
    files, left_out = read_submission(tmp_path, "ann", "w01_softmax")
    assert files == {} and "symbolic link" in left_out["w01_softmax.ipynb"]


def test_a_linked_submission_folder_is_not_followed(tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "w01_softmax.ipynb").write_text("{}")
    (tmp_path / "submitted" / "bob").mkdir(parents=True)
    (tmp_path / "submitted" / "bob" / "w01_softmax").symlink_to(elsewhere)
    files, left_out = read_submission(tmp_path, "bob", "w01_softmax")
    assert files == {} and "symbolic link" in next(iter(left_out.values()))


def test_folders_no_grading_run_picks_up_are_named_with_what_to_do(tmp_path):
    from course.grading.submission import ungraded_folders

    folder(tmp_path, "ann", "w01_softmax")
    folder(tmp_path, "gina", "w01-softmax")
    folder(tmp_path, "hal", "w02_backprop")
    folder(tmp_path, "ivy", "homework")
    (tmp_path / "submitted" / "joe").mkdir()
    (tmp_path / "submitted" / "ann" / "readme.txt").write_text("hi")
    found = dict(ungraded_folders(tmp_path, ["w01_softmax"], ["w01_softmax", "w02_backprop"]))
    assert found == {
        "submitted/gina/w01-softmax": "no week is called 'w01-softmax' (did you mean w01_softmax?)",
        "submitted/hal/w02_backprop": "w02_backprop has not been built: run `course build w02_backprop`",
        "submitted/ivy/homework": "no week is called 'homework'; the weeks are w01_softmax",
        "submitted/joe": "an empty folder: submissions go in submitted/<student>/<week>/<week>.ipynb",
        "submitted/ann/readme.txt": "a file, not a week folder: "
        "submissions go in submitted/<student>/<week>/<week>.ipynb",
    }
