"""``python -m course._nbgrader ARGS``: nbgrader's own command line (``python -m nbgrader ARGS``), started
as the grader's processes are (course/__init__.py, imported first, spares it 1-2 s of jsonschema start-up;
a new gradebook's schema version is found without a subprocess: course/gradebook_head.py).
The subprocesses of ``course build``, ``course feedback`` and ``course export`` run this."""

from nbgrader.apps.nbgraderapp import main

from course.gradebook_head import use_in_process_head

use_in_process_head()
main()
