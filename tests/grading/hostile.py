"""A corpus of hostile and broken week-1 submissions, each with its expected score per problem.

Each entry builds a submission from the reference (or blank) sample and says what it
must score and why. The expected scores follow from the grading policy, not from a run:

- an attack the scan names (patching numpy, the checks or builtins; rewriting cells;
  exiting; reaching outside the folder) attacks every problem: the whole notebook scores 0;
- a trick aimed at one comparison (always-equal object, NaN, calling the reference, a
  function that never returns or eats all memory) costs only that problem;
- an attack the scan cannot see (built-up strings) meets the sandbox: reads of the
  gradebook, the sources or other submissions find nothing, writes outside fail, a
  killed kernel is restarted without that cell, blanked test cells do not hide blank code;
- an edited, deleted, moved or re-pointed test cell is put back from the answer key and graded,
  with a note in the reason (nobody loses a point for it); a broken file costs all.
"""

from __future__ import annotations

from pathlib import Path

import nbformat

from tests.support import REPO

SAMPLES = REPO / "course" / "samples" / "w01_softmax"
NOTEBOOK = "w01_softmax.ipynb"

FULL = {
    "test_sigmoid": 1,
    "test_relu": 1,
    "test_tanh_grad": 1,
    "test_softmax": 2,
    "test_cross_entropy": 2,
    "test_softmax_cross_entropy": 2,
    "test_output_layers": 2,
    "test_train_softmax_regression": 2,
}
ZERO = {k: 0 for k in FULL}


def load(sample="reference"):
    return nbformat.read(SAMPLES / sample / NOTEBOOK, as_version=4)


def cell(nb, grade_id):
    return next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id)


def hidden_path(path: str) -> str:
    """A Python expression building ``path`` from bytes, so no path literal meets the scan."""
    return f"bytes({list(path.encode())}).decode()"


def append(grade_id, code, sample="reference"):
    nb = load(sample)
    cell(nb, grade_id).source += "\n" + code + "\n"
    return nb


def replace(grade_id, code, sample="reference"):
    nb = load(sample)
    cell(nb, grade_id).source = code
    return nb


STUB = "def {name}(*args, **kwargs):\n    raise NotImplementedError()\n"


def only_if(condition_code: str, grade_id: str, names: list[str]):
    """The reference cell's functions, defined only when the attack succeeded."""
    reference = cell(load(), grade_id).source
    indented = "\n".join("    " + line for line in reference.splitlines())
    stubs = "\n".join("    " + line for name in names for line in STUB.format(name=name).splitlines())
    return f"{condition_code}\nif _attack_worked:\n{indented}\nelse:\n{stubs}\n"


ISOLATION = {
    "read_gradebook",
    "read_source",
    "read_other_student",
    "write_outside",  # need bwrap
    "network_neighbour",
    "file_outside_the_course",
    "other_runs_connection_files",
    "sandbox_sees_no_home_or_var",
    "link_beside_the_notebook",
}


def _key_cells() -> list:
    """Week 1's answer-key cells, as a student could list them from the release (the checks in order)."""
    from course.grading.answer_key import build_key

    return build_key(REPO, "w01_softmax")["notebooks"][NOTEBOOK]["cells"]


def corpus(root: Path, probes=None) -> dict[str, dict]:
    """name -> {"files": {filename: bytes, Link or FIFO}, "expected": {grade_id: points}, "reason": {grade_id:
    fragment}}; ``probes``: what tests/grading/hostile_isolation.py's attacks aim at."""
    from tests.grading import hostile_isolation, hostile_malformed

    gradebook, source = root / "gradebook.db", root / "source" / "w01_softmax" / NOTEBOOK
    other = root / "submitted" / "reference" / "w01_softmax" / NOTEBOOK
    cases: dict[str, tuple] = {}

    def add(name, notebook, expected, reason, filename=NOTEBOOK, extra=None):
        data = notebook if isinstance(notebook, (bytes, hostile_isolation.Link)) else nbformat.writes(notebook).encode()
        assert name not in cases, name
        cases[name] = ({filename: data, **(extra or {})}, expected, reason)

    # --- attacks the scan names: the whole notebook scores 0
    add(
        "patch_numpy",
        append("sigmoid", "np.testing.assert_allclose = lambda *a, **k: None\nnp.allclose = lambda *a, **k: True"),
        ZERO,
        {k: "tampering: monkeypatches numpy" for k in FULL},
    )
    add(
        "patch_checks",
        append("sigmoid", "import helpers\nhelpers.grading.check_softmax = lambda f: None"),
        ZERO,
        {k: "tampering: tampers with the grader" for k in FULL},
    )
    add(
        "patch_builtins",
        append("relu", "import builtins\nbuiltins.isinstance = lambda a, b: True"),
        ZERO,
        {k: "tampering: tampers with modules or builtins" for k in FULL},
    )
    add(
        "input_transformer",
        append(
            "sigmoid",
            (
                "def _blank(lines):\n    text = ''.join(lines)\n"
                "    return ['pass\\n'] if 'check_' in text or 'assert' in text else lines\n"
                "get_ipython().input_transformers_cleanup.append(_blank)"
            ),
            sample="blank",
        ),
        ZERO,
        {k: "tampering: rewrites how the notebook runs" for k in FULL},
    )
    add("sys_exit", append("relu", "import sys\nsys.exit(0)"), ZERO, {k: "tampering: stops the kernel" for k in FULL})
    add(
        "os_exit", append("tanh_grad", "import os\nos._exit(1)"), ZERO, {k: "tampering: stops the kernel" for k in FULL}
    )
    add(
        "relative_path",
        append("sigmoid", "_stolen = open('../../gradebook.db', 'rb').read()"),
        ZERO,
        {k: "tampering: reaches outside its own folder" for k in FULL},
    )
    # --- attacks the scan cannot see: the sandbox and the judge stop them
    add(
        "input_transformer_hidden",
        append(
            "sigmoid",
            (
                "import IPython as _I\n_shell = getattr(_I, 'get_' + 'ipython')()\n"
                "def _blank(lines):\n    text = ''.join(lines)\n"
                "    return ['pass\\n'] if 'check_' in text or 'assert' in text else lines\n"
                "getattr(_shell, 'input_' + 'transformers_cleanup').append(_blank)"
            ),
            sample="blank",
        ),
        ZERO,
        {k: "not implemented" for k in FULL},
    )
    add(
        "kill_kernel_hidden",
        append("tanh_grad", ("import os as _o\ngetattr(_o, 'ki' + 'll')(getattr(_o, 'getp' + 'id')(), 9)")),
        {**FULL, "test_tanh_grad": 0},
        {"test_tanh_grad": "tanh_grad"},
    )
    add(
        "read_gradebook",
        replace(
            "sigmoid",
            only_if(
                f"try:\n    _attack_worked = open({hidden_path(str(gradebook))}, 'rb').read(6) == b'SQLite'\n"
                f"except Exception:\n    _attack_worked = False",
                "sigmoid",
                ["sigmoid", "sigmoid_grad"],
            ),
        ),
        {**FULL, "test_sigmoid": 0},
        {"test_sigmoid": "not implemented"},
    )
    add(
        "read_source",
        replace(
            "relu",
            only_if(
                f"try:\n    _attack_worked = 'BEGIN SOLUTION' in open({hidden_path(str(source))}).read()\n"
                f"except Exception:\n    _attack_worked = False",
                "relu",
                ["relu", "relu_grad"],
            ),
        ),
        {**FULL, "test_relu": 0},
        {"test_relu": "not implemented"},
    )
    add(
        "read_other_student",
        replace(
            "tanh_grad",
            only_if(
                f"try:\n    _attack_worked = len(open({hidden_path(str(other))}).read()) > 0\n"
                f"except Exception:\n    _attack_worked = False",
                "tanh_grad",
                ["tanh_grad"],
            ),
        ),
        {**FULL, "test_tanh_grad": 0},
        {"test_tanh_grad": "not implemented"},
    )
    add(
        "write_outside",
        replace(
            "cross_entropy",
            only_if(
                f"try:\n    open({hidden_path(str(root / 'release' / 'HACKED'))}, 'w').write('x')\n"
                f"    _attack_worked = True\nexcept Exception:\n    _attack_worked = False\n"
                f"try:\n    open({hidden_path('/tmp/course-hacked')}, 'w').write('x')\nexcept Exception:\n    pass",
                "cross_entropy",
                ["cross_entropy"],
            ),
        ),
        {**FULL, "test_cross_entropy": 0},
        {"test_cross_entropy": "not implemented"},
    )
    # --- tricks against one comparison: only that problem
    add(
        "always_equal",
        replace(
            "softmax",
            (
                "class AlwaysEqual:\n    def __eq__(self, other):\n        return True\n"
                "    def __ne__(self, other):\n        return False\n\n"
                "def softmax(z):\n    return AlwaysEqual()\n"
            ),
        ),
        {**FULL, "test_softmax": 0},
        {"test_softmax": "AlwaysEqual"},
    )
    add(
        "nan_everywhere",
        replace("softmax", "def softmax(z):\n    return np.full_like(z, np.nan)\n"),
        {**FULL, "test_softmax": 0},
        {"test_softmax": "nan"},
    )
    add(
        "calls_reference",
        replace("softmax", "def softmax(z):\n    return helpers.losses.softmax(z)\n"),
        {**FULL, "test_softmax": 0},
        {"test_softmax": "calls helpers.losses.softmax"},
    )
    # --- the reference out of reach while the student's functions are asked (issue 30, item 6)
    cheats = {
        "unwraps_the_reference": "import inspect\n\ndef softmax(z):\n    return inspect.unwrap(helpers.losses.softmax)(z)\n",
        "unguarded_reference": "def softmax(z):\n    return helpers.losses.softmax.unguarded(z)\n",
        "checks_registry_reference": (
            "from helpers.grading import CHECKS\n\ndef softmax(z):\n    return CHECKS['softmax'].reference(z)\n"
        ),
        "numpy_reference": "from helpers import numpy_reference\n\ndef softmax(z):\n    return numpy_reference.softmax(z)\n",
        "another_reference_kernel": "def softmax(z):\n    return np.exp(helpers.losses.log_softmax(z))\n",
        "library_does_the_exercise": "import scipy.special\n\ndef softmax(z):\n    return scipy.special.softmax(z, axis=-1)\n",
    }
    for name, code in cheats.items():
        add(name, replace("softmax", code), {**FULL, "test_softmax": 0}, {"test_softmax": "calls"})
    cases["unguarded_reference"] = (
        cases["unguarded_reference"][0],
        ZERO,  # no honest purpose: the scan names it
        {k: "tampering: tampers with the grader" for k in FULL},
    )
    order = [check for entry in _key_cells() for check, _ in entry["checks"]]
    add(
        "lookup_of_the_cases",
        replace(
            "softmax",
            (
                "import zlib\nimport helpers.grading as _grading\n\n_table = {}\n"
                "_rng = np.random.default_rng(zlib.crc32('/w01_softmax/lookup_of_the_cases'.encode()))\n"
                f"for _check in {order!r}:\n    for _case in _grading.CHECKS[_check].cases(_rng):\n"
                "        if _check == 'softmax':\n"
                "            _table[np.asarray(_case.args[0], dtype=float).tobytes()] = _grading.CHECKS['softmax'].reference(*_case.args)\n\n"
                "def softmax(z):\n    key = np.asarray(z, dtype=float).tobytes()\n"
                "    return _table[key] if key in _table else _grading.CHECKS['softmax'].reference(z)\n"
            ),
        ),
        {**FULL, "test_softmax": 0},
        {"test_softmax": "calls"},
    )
    add(
        "infinite_loop",
        replace(
            "relu",
            ("def relu(z):\n    while True:\n        pass\n\ndef relu_grad(z):\n    return (z > 0).astype(float)\n"),
        ),
        {**FULL, "test_relu": 0},
        {"test_relu": "time-out"},
    )
    add(
        "memory_hog",
        replace(
            "softmax",
            (
                "def softmax(z):\n    waste = np.ones((1 << 38,))\n"
                "    shifted = z - np.max(z, axis=-1, keepdims=True)\n    e = np.exp(shifted)\n"
                "    return e / np.sum(e, axis=-1, keepdims=True)\n"
            ),
        ),
        {**FULL, "test_softmax": 0},
        {"test_softmax": "memory"},
    )
    add("print_flood", append("sigmoid", "print('x' * 100_000_000)"), FULL, {})
    # --- test cells edited, deleted, moved or re-pointed: put back from the key and graded (issue 14)
    nb = load()
    nb.cells.remove(cell(nb, "test_softmax"))
    add("deleted_test_cell", nb, FULL, {"test_softmax": "deleted; put back"})
    add("edited_test_cell", replace("test_relu", "pass"), FULL, {"test_relu": "edited; restored"})
    nb = load()
    cell(nb, "test_sigmoid").metadata.nbgrader["points"] = 100
    add("changed_points", nb, FULL, {"test_sigmoid": "points or grading flags had been changed"})
    nb = load()
    cell(nb, "test_tanh_grad").metadata.nbgrader["grade_id"] = "test_tanh_grad_mine"
    add("changed_grade_id", nb, FULL, {"test_tanh_grad": "deleted; put back"})
    # --- broken files
    add("invalid_json", b'{"cells": [', ZERO, {k: "not a valid notebook" for k in FULL})
    add("empty_file", b"", ZERO, {k: "empty" for k in FULL})
    latin = nbformat.writes(load()).encode().replace(b"Week 1", b"Week 1 \xe9t\xe9", 1)  # Latin-1 bytes
    add("not_utf8", latin, ZERO, {k: "not UTF-8" for k in FULL})
    add("old_nbformat", nbformat.writes(nbformat.convert(load(), 3)).encode(), FULL, {})
    add("renamed_file", load(), FULL, {}, filename="my homework (final).ipynb")
    nb = load()
    solution = cell(nb, "sigmoid")
    nb.cells.remove(solution)
    nb.cells.insert(nb.cells.index(cell(nb, "test_sigmoid")) + 1, solution)
    add("reordered_cells", nb, FULL, {"test_sigmoid": "moved; put back in place"})
    nb = load()
    nb.cells = [c for c in nb.cells if not c.metadata.get("nbgrader", {}).get("solution")]
    add("solution_cells_deleted", nb, ZERO, {k: "NameError" for k in FULL})
    hostile_isolation.add_cases(add, root, probes or hostile_isolation.Probes())
    hostile_malformed.add_cases(add)
    return {
        name: {"files": files, "expected": expected, "reason": reason}
        for name, (files, expected, reason) in cases.items()
    }
