"""The only course code that runs inside a student's kernel, beside student code: the launcher, the
harness the grader's questions go through, and the wire format both sides read."""
