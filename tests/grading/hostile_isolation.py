"""Hostile week-1 submissions against the sandbox's isolation and the grader's own reads (issue 30).

Each attack that can only be seen by its effect is written as ``only_if``: the student's
functions are defined only when the attack worked, so a held defence shows as one problem
at 0 ("not implemented") and a broken one as full marks. What the attacks aim at is set up by
the test module (tests/grading/test_hostile.py) around the grading run: a TCP listener on
127.0.0.1 (another kernel, a Dask scheduler, a gradebook server), a variable in the grader's
environment, a private file outside the course, and a TMPDIR outside /tmp where every run's
folder (connection files and sockets included) lives.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Probes:
    """What the test module sets up for the attacks to aim at."""

    port: int = 1  # a TCP listener on 127.0.0.1
    variable: str = "COURSE_HOSTILE_SECRET"  # set in the grader's environment
    private_file: str = "/var/tmp/course-hostile-probe"
    tmpdir: str = "/var/tmp/course-hostile-tmp"  # TMPDIR of the grading run


@dataclass(frozen=True)
class Link:
    """A symbolic link in the submission folder, to ``target``."""

    target: str


FIFO = "fifo"  # a file value that makes the test module create a FIFO of that name


def add_cases(add, root: Path, probes: Probes) -> None:
    from tests.grading.hostile import FULL, NOTEBOOK, ZERO, cell, hidden_path, load, only_if, replace

    def new_cell(code: str, sample="reference"):
        import nbformat

        nb = load(sample)
        nb.cells.append(nbformat.v4.new_code_cell(code))
        return nb

    builtin_import = "__import__"
    # --- the batch and the grader cannot be held
    add(
        "hang_ignores_interrupt",
        new_cell(
            "import time\nwhile True:\n    try:\n        time.sleep(600)\n    except BaseException:\n        pass\n"
        ),
        FULL,
        {},
    )
    add(
        "fifo_in_the_working_folder",
        new_cell(
            f"_os = {builtin_import}('o' + 's')\nfor _name in ('responses.json', 'responses.npz', 'requests.json'):\n"
            f"    try:\n        getattr(_os, 'mk' + 'fifo')(_name)\n    except OSError:\n        pass\n"
        ),
        FULL,
        {},
    )
    add(
        "fill_the_disk",
        new_cell(
            "_chunk = b'x' * (60 << 20)\nfor _folder in ('.', '/tmp', '/dev/shm'):\n    for _i in range(20):\n"
            "        try:\n            with open(f'{_folder}/fill{_i}.bin', 'wb') as _f:\n                _f.write(_chunk)\n"
            "        except OSError:\n            break\n"
        ),
        FULL,
        {},
    )
    # --- isolation: what a kernel reaches finds nothing
    add(
        "network_neighbour",
        replace(
            "sigmoid",
            only_if(
                f"_socket = {builtin_import}('sock' + 'et')\n"
                f"try:\n    getattr(_socket, 'create_' + 'connection')(('127.0.0.1', {probes.port}), timeout=3)\n"
                f"    _attack_worked = True\nexcept Exception:\n    _attack_worked = False\n"
                f"try:\n    _attack_worked = _attack_worked or any(':{probes.port:04X} ' in _l "
                f"for _l in open({hidden_path('/proc/net/tcp')}))\nexcept Exception:\n    pass",
                "sigmoid",
                ["sigmoid", "sigmoid_grad"],
            ),
        ),
        {**FULL, "test_sigmoid": 0},
        {"test_sigmoid": "not implemented"},
    )
    add(
        "grader_environment",
        replace(
            "relu",
            only_if(
                f"_attack_worked = {probes.variable!r} in {builtin_import}('o' + 's').environ",
                "relu",
                ["relu", "relu_grad"],
            ),
        ),
        {**FULL, "test_relu": 0},
        {"test_relu": "not implemented"},
    )
    add(
        "file_outside_the_course",
        replace(
            "tanh_grad",
            only_if(
                f"try:\n    _attack_worked = open({hidden_path(probes.private_file)}).read() == 'private'\n"
                f"except Exception:\n    _attack_worked = False",
                "tanh_grad",
                ["tanh_grad"],
            ),
        ),
        {**FULL, "test_tanh_grad": 0},
        {"test_tanh_grad": "not implemented"},
    )
    add(
        "other_runs_connection_files",
        replace(
            "cross_entropy",
            only_if(
                f"_glob = {builtin_import}('gl' + 'ob')\n_os = {builtin_import}('o' + 's')\n"
                f"_own = _os.path.dirname(_os.getcwd())\n"
                f"_found = [p for p in _glob.glob({hidden_path(probes.tmpdir)} + '/*/ipc/*') if not p.startswith(_own)]\n"
                f"_found += [p for p in _glob.glob('/tmp/*/ipc/*') if not p.startswith(_own)]\n"
                f"_attack_worked = bool(_found)",
                "cross_entropy",
                ["cross_entropy"],
            ),
        ),
        {**FULL, "test_cross_entropy": 0},
        {"test_cross_entropy": "not implemented"},
    )
    add(
        "sandbox_sees_no_home_or_var",
        replace(
            "output_layers",
            only_if(
                f"_os = {builtin_import}('o' + 's')\n"
                f"_attack_worked = any(getattr(_os.path, 'exists')(p) for p in "
                f"({hidden_path('/var/lib')}, {hidden_path('/home')}, {hidden_path('/sys/class')}, "
                f"{hidden_path('/etc/hostname')}, {hidden_path('/etc/shadow')}, {hidden_path(str(root))}))",
                "output_layers",
                ["binary_cross_entropy", "mse"],
            ),
        ),
        {**FULL, "test_output_layers": 0},
        {"test_output_layers": "not implemented"},
    )
    # --- only regular files enter
    source = str(root / "source" / "w01_softmax" / NOTEBOOK)
    add("notebook_links_to_the_source", Link(source), ZERO, {k: "symbolic link" for k in FULL})
    add(
        "link_beside_the_notebook",
        replace(
            "relu",
            only_if(
                "try:\n    _attack_worked = 'BEGIN SOLUTION' in open('notes.txt').read()\nexcept Exception:\n"
                "    _attack_worked = False",
                "relu",
                ["relu", "relu_grad"],
            ),
        ),
        {**FULL, "test_relu": 0},
        {"test_relu": "not implemented"},
        extra={"notes.txt": Link(source)},
    )
    add("fifo_beside_the_notebook", load(), FULL, {}, extra={"data.csv": FIFO})
    # --- hidden tests never run in the kernel; the grade is what the test cell saw
    softmax = cell(load(), "softmax").source
    add(
        "prints_the_calling_cell",
        replace(
            "softmax",
            softmax.replace(
                "def softmax(z",
                "def softmax(z, _print=print):\n    _print(In[-1][:2000])\n    return _softmax(z)\n\n\ndef _softmax(z",
                1,
            ),
        ),
        FULL,
        {},
    )
    add(
        "redefined_after_its_test",
        new_cell(
            "def softmax(z):\n    e = np.exp(z)\n    return e / e.sum(axis=-1, keepdims=True)\n\n"
            "print(softmax(np.array([1000.0, 0.0])))  # watch it overflow\n"
        ),
        FULL,
        {},
    )
    add("imports_helpers_over_its_functions", new_cell("from helpers.losses import *\n"), FULL, {})
