"""Interactive explorers, one module per week (``helpers.widgets.w01`` ...).

Each explorer is a small class holding its controls, a matplotlib figure whose
artists it updates in place, and ``.widget``: the ipywidgets box to display.
Displaying the explorer object itself in a notebook shows that box.
"""

import os

NO_PICTURES = "HELPERS_NO_PICTURES"
"""The environment variable that, set to 1, stops every explorer from drawing its picture: a kernel
whose pictures nobody looks at sets it (the grader's, course/sandbox/kernel/launch.py). The explorer
still builds its controls and calls the functions it shows; only the drawing is skipped."""


def pictures_wanted() -> bool:
    return os.environ.get(NO_PICTURES) != "1"
