"""The instructor's ``course`` command (course/cli.py: one module per verb) and the grading pipeline."""

import os as _os
import sys as _sys

# jsonschema 4.25+, which nbformat imports, compiles some 35 Lark grammars of the optional
# rfc3987-syntax package at import time when it is installed (jupyter-events pulls it in): 1.3 s of
# CPU, about 2 s on a busy machine, in every process that reads a notebook
# (python-jsonschema/jsonschema#1428). pyproject.toml keeps jsonschema below 4.25 for every process
# (JupyterLab and Voila too); in an environment with a later one anyway, the grader's own processes
# (the `course` command, its grading workers, the nbgrader it runs: course/_nbgrader.py) go without
# it, as if it were not installed: no notebook schema uses the 'iri' formats it checks. A student's
# kernel (COURSE_SANDBOX) keeps its Python as it is.
if not _os.environ.get("COURSE_SANDBOX"):
    _sys.modules.setdefault("rfc3987_syntax", None)
