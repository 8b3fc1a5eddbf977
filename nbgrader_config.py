"""nbgrader configuration for this course. The repository root is the course root."""

import os

c = get_config()  # noqa: F821  (injected by traitlets when nbgrader loads this file)

c.CourseDirectory.course_id = "dl-from-the-ground-up"
c.CourseDirectory.root = os.path.dirname(os.path.abspath(__file__))
c.CourseDirectory.source_directory = "source"
c.CourseDirectory.release_directory = "release"
c.CourseDirectory.submitted_directory = "submitted"
c.CourseDirectory.autograded_directory = "autograded"
c.CourseDirectory.feedback_directory = "feedback"
# Several grading processes may write in turn; wait for the lock instead of failing.
c.CourseDirectory.db_url = "sqlite:///" + os.path.join(c.CourseDirectory.root, "gradebook.db") + "?timeout=60"

c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
c.ClearSolutions.text_stub = "YOUR ANSWER HERE"

# Time limits: `course grade` gives each cell 150x the time the reference solution took at
# `course build` (at least 30 s) and each notebook 50x the reference's whole run (at least 300 s):
# course/grading/time_limits.py says why. To impose your own instead, set them here; they win:
#   c.Execute.timeout = 120       # seconds for any cell
#   c.CourseGrade.budget = 900    # seconds for a whole notebook
c.ExecutePreprocessor.interrupt_on_timeout = True

c.GenerateAssignment.create_assignment = True
c.Autograde.create_student = True

# Feedback for students must not show the hidden tests (nbgrader's default does).
c.GenerateFeedback.preprocessors = [
    "nbgrader.preprocessors.GetGrades",
    "nbgrader.preprocessors.ClearHiddenTests",
    "nbconvert.preprocessors.CSSHTMLHeaderPreprocessor",
]
