"""The trusted side of grading: answer key, one submission's steps, verdict, record and gradebook."""
