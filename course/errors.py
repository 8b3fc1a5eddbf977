"""The one exception type ``course`` turns into a one-line error message."""


class CourseError(Exception):
    """A problem the user can fix (unknown week, missing directory, failed verification)."""
