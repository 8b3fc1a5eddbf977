"""The tamper scan (course/grading/tamper/__init__.py): certain attacks zero a notebook, honest code never does.

Fast: no kernel, no grading run. The hostile corpus (tests/grading/hostile.py) is scanned
the way the worker scans it (its student code only): every entry that expects to be zeroed
by the scan ("tampering: ..." reasons) still is, with that reason, and no other entry is,
so the corpus's scores cannot change through the scan.
"""

from __future__ import annotations

import ast
from pathlib import Path

import nbformat
import pytest

from course.grading.tamper import Scan, scan
from course.grading.tamper.rules import PROTECTED_NAMES
from tests.grading import hostile
from tests.support import REPO


def given_code(week: str) -> list[str]:
    """The answer key's given code, from the release (the ``blank`` sample is the release as is)."""
    from course.notebook import strip_blocks

    release = next((REPO / "course" / "samples" / week / "blank").glob("*.ipynb"))
    nb = nbformat.read(release, as_version=4)
    return sorted(
        {
            strip_blocks(c.source).strip()
            for c in nb.cells
            if c.cell_type == "code" and not c.metadata.get("nbgrader", {}).get("solution")
        }
    )


def scan_notebook(notebook, week: str) -> Scan:
    """Scan a notebook's own code as the worker does: the first attack, every flag."""
    from course.grading.worker import student_code

    flags: list[str] = []
    for source in student_code(notebook, {"given_code": given_code(week), "cells": []}):
        found = scan(source)
        if found.attack:
            return Scan(found.attack, tuple(flags))
        flags += [f for f in found.flags if f not in flags]
    return Scan(None, tuple(flags))


HOSTILE = hostile.corpus(Path("/course"))


def readable(case) -> nbformat.NotebookNode | None:
    """The entry's notebook (other files may sit beside it), or None when it is not one."""
    data = next((d for name, d in case["files"].items() if name.endswith(".ipynb")), None)
    try:
        return nbformat.reads(data.decode("utf-8"), as_version=4)
    except Exception:
        return None


def zeroed_by_scan(case) -> bool:
    reasons = set(case["reason"].values())
    return bool(reasons) and all(r.startswith("tampering:") for r in reasons)


def test_the_corpus_relies_on_the_scan_for_its_named_attacks():
    assert sum(zeroed_by_scan(case) for case in HOSTILE.values()) >= 7


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_entry_keeps_its_score_through_the_scan(name):
    case = HOSTILE[name]
    notebook = readable(case)
    if notebook is None:
        assert not zeroed_by_scan(case)
        return
    found = scan_notebook(notebook, hostile.SAMPLES.name)
    if zeroed_by_scan(case):
        assert case["expected"] == hostile.ZERO
        assert found.attack, name
        for fragment in set(case["reason"].values()):
            assert fragment.lower() in f"tampering: {found.attack}".lower(), (fragment, found.attack)
    else:
        assert found.attack is None, (name, found.attack)


WEEKS = sorted(p.name for p in (REPO / "course" / "samples").iterdir() if p.is_dir())


@pytest.mark.parametrize("week", WEEKS)
def test_reference_answers_scan_clean(week):
    reference = next((REPO / "course" / "samples" / week / "reference").glob("*.ipynb"))
    assert scan_notebook(nbformat.read(reference, as_version=4), week) == Scan(None, ())


@pytest.mark.parametrize("week", WEEKS)
def test_the_names_test_cells_use_are_protected(week):
    """Names a week's given cells import from numpy or helpers and its test cells (hidden tests
    included) use. Other modules (``time``) are not: a variable called ``time`` is an honest
    accident that only breaks the student's own test."""
    from IPython.core.inputtransformer2 import TransformerManager

    source = nbformat.read(next((REPO / "source" / week).glob("*.ipynb")), as_version=4)
    imported, used = set(), set()
    for cell in source.cells:
        if cell.cell_type != "code":
            continue
        meta = cell.metadata.get("nbgrader", {})
        tree = ast.parse(TransformerManager().transform_cell(cell.source))
        if meta.get("grade") and not meta.get("solution"):
            used |= {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}
        elif not meta.get("grade_id"):
            for node in ast.walk(tree):
                if isinstance(node, ast.Import):
                    imported |= {
                        a.asname or a.name.split(".")[0]
                        for a in node.names
                        if a.name.split(".")[0] in ("numpy", "helpers")
                    }
                elif isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] in ("numpy", "helpers"):
                    imported |= {a.asname or a.name for a in node.names}
    assert imported & used <= set(PROTECTED_NAMES)


# --------------------------------------------------------------------------- honest code

HONEST = {
    "signal_variable": "signal = np.array([1.0, 2.0, 3.0])\nprint(signal.mean())",
    "scipy_signal": "from scipy import signal\nout = signal.correlate2d(x, k, mode='valid')\n"
    "assert np.allclose(out, correlate2d(x, k))",
    "scipy_signal_module": "import scipy.signal\nscipy.signal.correlate2d(x, k)\n"
    "from scipy.signal import correlate2d as c2\nc2(x, k)",
    "attack_word_names": "submitted = 3\nharness = {'a': 1}\nsource = 'train'\npath = 'plots/a.png'\n"
    "exit_code = 0\nglobals_seen = {}\nkill_list = []\nquit_after = 3\n"
    "events = []\nhooks = {}\nmodules = ['a']",
    "attack_word_functions": "def exit_early(x):\n    return x\n\ndef kill_outliers(x):\n"
    "    return x[np.abs(x) < 3]\n\ndef signal_to_noise(signal, noise):\n"
    "    return signal.var() / noise.var()",
    "slash_strings": "print('/'.join(['train', 'dev', 'test']))\nprint('/tmp is not touched')\n"
    "label = 'train/dev'\nparts = label.split('/')",
    "plots_subfolder": "import os\nos.makedirs('plots', exist_ok=True)\nplt.savefig('plots/loss.png')",
    "pathlib_inside": "from pathlib import Path\nPath('plots').mkdir(exist_ok=True)\n"
    "(Path('plots') / 'notes.txt').write_text('train/dev/test')",
    "write_a_file": "with open('notes.txt', 'w') as f:\n    f.write('train/dev/test')",
    "time_and_warnings": "import time\nimport warnings\nstart = time.perf_counter()\n"
    "warnings.warn('this is slow')\nwarnings.filterwarnings('ignore')\n"
    "print(time.perf_counter() - start)",
    "ipython_display": "from IPython.display import display, Markdown, HTML, clear_output\n"
    "display(Markdown('**hi**'))\nclear_output(wait=True)",
    "ipython_magics_api": "from IPython import get_ipython\nip = get_ipython()\n"
    "ip.run_line_magic('matplotlib', 'inline')",
    "tqdm_itertools": "from tqdm import tqdm\nimport itertools\nfor a, b in tqdm(itertools.product([1], [2])):\n"
    "    pass",
    "timeit_line": "%timeit softmax(z)\n%timeit -n 10 -r 3 softmax(z)",
    "time_cell": "%%time\nW, b, losses = train_softmax_regression(X_train, y_train, 10)",
    "timeit_cell": "%%timeit -n 3\nsoftmax(z)",
    "ordinary_magics": "%matplotlib inline\n%load_ext autoreload\n%autoreload 2\n%who\n%whos\n%pwd\n"
    "%precision 3\n%config InlineBackend.figure_format = 'retina'\n%xmode Minimal",
    "help": "softmax?\nnp.exp??",
    "capture": "%%capture out\nprint('quiet')",
    "html_cell": "%%html\n<b>train/dev/test</b>",
    "writefile_module": "%%writefile mymodule.py\ndef f(x):\n    return x",
    "sklearn_scipy": "from sklearn.linear_model import LogisticRegression\nimport scipy.special\n"
    "from scipy.special import expit, logsumexp, softmax as sp_softmax\n"
    "clf = LogisticRegression().fit(X, y)\nscipy.special.softmax(z, axis=1)",
    "debug_print": "def sigmoid(z):\n    print('debug', z.shape)\n    return 1 / (1 + np.exp(-z))",
    "sys_reads": "import sys\nprint(sys.version, sys.platform)\nsys.path.append('..')\n"
    "sys.setrecursionlimit(5000)\nsys.stdout.flush()",
    "os_reads": "import os\nprint(os.getcwd(), os.listdir('.'))\nos.path.join('plots', 'a.png')\n"
    "os.path.exists('plots')\nos.cpu_count()",
    "numpy_calls": "np.random.seed(0)\nnp.set_printoptions(precision=3)\nx = np.append(x, 1)\n"
    "np.seterr(all='ignore')\nnp.insert(x, 0, 1)\nnp.char.add(['a'], ['b'])\n"
    "np.testing.assert_allclose(softmax(z), expected)",
    "matplotlib_config": "import matplotlib\nmatplotlib.use('Agg')\nplt.rcParams['figure.figsize'] = (8, 4)\n"
    "plt.rcParams.update({'font.size': 8})",
    "own_attributes": "x.shape = (2, 3)\nmodel.W = W\nclass Net:\n    def __init__(self):\n"
    "        self.np = np\n        self.exit = False\n    def f(self, np=np):\n"
    "        return np.zeros(3)",
    "local_rebinding": "def f(x, np=np):\n    helpers = [x]\n    assert_close = None\n    return np.sum(x)\n"
    "g = lambda np: np\n[np for np in range(3)]",
    "same_imports_again": "import numpy as np\nimport numpy\nimport helpers\nimport helpers.grading\n"
    "from helpers.grading import assert_close\nnp = numpy\nxp = np\nxp.zeros(3)",
    "run_public_checks": "helpers.grading.check_softmax(softmax)\nfrom helpers.grading import check_relu\n"
    "check_relu(relu)\nhelpers.losses.softmax(z)",
    "system_exit_caught": "try:\n    softmax(z)\nexcept (KeyboardInterrupt, SystemExit):\n    raise\n"
    "except Exception as err:\n    print(err)",
    "words_in_strings_and_comments": "# os._exit(0)  sys.exit()  np.allclose = 1\nprint('sys.exit')\n"
    "s = 'np.allclose = lambda *a: True'\n"
    "def f():\n    '''get_ipython().events.register'''\n    return 1",
    "reading_globals": "if 'softmax' in globals():\n    print('defined')\nseen = set(globals())\n"
    "names = sorted(vars())\nlocal_names = list(locals())",
    "own_dicts_and_lists": "from collections import defaultdict\nseen = defaultdict(list)\nseen['a'].append(1)\n"
    "config = {}\nconfig['signal'] = 1\nconfig.update(path='x')",
    "shadowed_builtin_values": "sum = 0\nfor v in [1, 2]:\n    sum += v\nmax_ = 3",
    "einsum_where": "def relu(z):\n    return np.where(z > 0, z, 0.0)\n"
    "def mm(a, b):\n    return np.einsum('ij,jk->ik', a, b)",
    "misc_stdlib": "import math, random, json, gc, functools\nmath.exp(1)\nrandom.seed(0)\ngc.collect()\n"
    "json.dumps({'a': 1})\nfunctools.lru_cache(None)(len)",
    "syntax_error": "def f(:\n    return 1",
    "empty": "",
    "comment_only": "# nothing here yet",
    "global_function_state": "counter = 0\ndef bump():\n    global counter\n    counter += 1",
    # near misses of setattr through a class and of namespace lookups
    "frozen_dataclass": "from dataclasses import dataclass\n\n@dataclass(frozen=True)\nclass P:\n    x: float\n\n"
    "    def __post_init__(self):\n        object.__setattr__(self, 'x', float(self.x))",
    "super_setattr": "class Layer:\n    def __setattr__(self, name, value):\n        super().__setattr__(name, value)",
    "own_namespaces": "class A:\n    def __init__(self, **kw):\n        self.__dict__.update(kw)\n"
    "        vars(self)['y'] = 1\n        self.__dict__[kw['k']] = 2\n        type(self).count = 0",
    "dict_get": "params = {'lr': 0.1}\nlr = params.get('lr')\nname = 'lr'\nparams.get(name)\nglobals().get('softmax')",
    "module_namespace_literal": "import os\nos.__dict__['getcwd']()\nnp.__dict__.get('exp')(0.0)",
}

# honest code that only earns a note
FLAGGED = {
    "computed_getattr": (
        "x = getattr(np, 'al' + 'lclose')",
        "dynamic getattr with a computed name: getattr(np, 'al' + 'lclose')",
    ),
    "eval": ("eval('1 + 1')", "runs code from a string: eval('1 + 1')"),
    "exec_variable": ("exec(code)", "runs code from a string"),
    "absolute_path": ("open('/etc/passwd').read()", "opens a path outside the working folder: open('/etc/passwd')"),
    "parent_path": ("np.load('../data.npz')", "opens a path outside the working folder"),
    "import_module": ("import importlib\nm = importlib.import_module('numpy')", "imports a module by name"),
    "dunder_import": ("__import__('os')", "imports a module by name: __import__('os')"),
    "globals_write": ("globals()['x'] = 3", "writes through globals(): globals()['x'] = ..."),
    "globals_update": ("globals().update({'x': 3})", "writes through globals()"),
    "bang_pip": ("!pip install tqdm", "runs a shell command: !pip install tqdm"),
    "bang_capture": ("files = !ls", "runs a shell command: !ls"),
    "bash_cell": ("%%bash\necho hi", "runs a shell command: %%bash"),
    "sh_cell": ("%%sh\necho hi", "runs a shell command: %%sh"),
    "sx": ("%sx ls", "runs a shell command: %sx ls"),
    "pip_magic": ("%pip install tqdm", "installs packages: %pip install tqdm"),
    "environ": ("import os\nos.environ['OMP_NUM_THREADS'] = '1'", "sets an environment variable"),
    "env_magic": ("%env OMP_NUM_THREADS=1", "sets an environment variable"),
    "gradebook_name": ("open('gradebook.db')", "names the grader's files"),
    "submitted_path": ("open('submitted/alice/w01/w01.ipynb')", "names the grader's files"),
    "setattr_computed": ("setattr(obj, name, 3)", "setattr with a computed name"),
    "numpy_from_elsewhere": ("import jax.numpy as np", "rebinds np, which the test cells use, to another module"),
    "unbound_signal_alarm": ("signal.alarm(1)", "possibly stops the kernel (signal.alarm)"),
    "run_file": ("%run other.py", "runs code from a file: %run other.py"),
    "frames": ("import sys\nf = sys._getframe(1)", "walks the interpreter's frames or objects"),
    "stdout": ("import sys, os\nsys.stdout = open(os.devnull, 'w')", "replaces sys.stdout"),
    "other_extension": ("%load_ext line_profiler", "loads an IPython extension"),
    "shell_kernel": ("get_ipython().kernel", "uses the IPython shell"),
    "run_cell": ("get_ipython().run_cell('x = 1')", "runs code through the shell"),
    "multiprocessing": ("from multiprocessing import Pool", "starts processes"),
    "network": ("import urllib.request", "uses the network"),
    "signal_handler": (
        "import signal\nsignal.signal(signal.SIGINT, lambda *a: print('stopping'))",
        "installs a signal handler",
    ),
    "alarm_with_handler": (
        "import signal\n\ndef too_slow(signum, frame):\n    raise TimeoutError\n\n"
        "signal.signal(signal.SIGALRM, too_slow)\nsignal.alarm(60)",
        "sets an alarm with its own signal handler",
    ),
    "code_read": ("print(softmax.__code__.co_varnames)", "reads code internals: softmax.__code__.co_varnames"),
    "grader_import": ("import course.sandbox.kernel.harness", "uses the grader's own code"),
    "written_module": (
        "%%writefile evil.py\nimport numpy\nnumpy.allclose = print",
        "possibly monkeypatches numpy (numpy.allclose = ...)",
    ),
    "written_script": (
        "%%writefile train.py\nimport sys\nif __name__ == '__main__':\n    sys.exit(0)",
        "possibly stops the kernel (sys.exit)",
    ),
    # a namespace looked up with a computed key may end the kernel or read a name: the judge decides
    "dict_computed_os": (
        "import os\nos.__dict__['_ex' + 'it'](0)",
        "looks a name up in os.__dict__ with a computed key: os.__dict__['_ex' + 'it']",
    ),
    "vars_computed_sys": (
        "import sys\nvars(sys)['ex' + 'it'](0)",
        "looks a name up in sys.__dict__ with a computed key",
    ),
    "builtins_computed": ("__builtins__.__dict__[name]()", "looks a name up in builtins.__dict__ with a computed key"),
    "dict_get_computed_os": ("import os\nos.__dict__.get('_ex' + 'it')(0)", "looks a name up in os.__dict__"),
    "numpy_namespace_loop": (
        "for name in ['sin', 'cos']:\n    vars(np)[name](x)",
        "looks a name up in numpy.__dict__ with a computed key",
    ),
    "sys_modules_computed": ("import sys\nm = sys.modules[name]", "looks a module up by a computed name"),
    "setattr_in_own_class": (
        "class A:\n    def __setattr__(self, name, value):\n        type(self).__setattr__(self, name, value)",
        "setattr with a computed name",
    ),
    # modules by a name the scan cannot read, or not the grader's
    "import_module_variable": ("import importlib\nm = importlib.import_module(name)", "imports a module by name"),
    "resolve_name_variable": ("import pkgutil\nf = pkgutil.resolve_name(name)", "imports a module by name"),
    "import_module_scipy": ("import importlib\nimportlib.import_module('scipy.special')", "imports a module by name"),
    "import_module_other_prefix": (
        "import importlib\nimportlib.import_module('course_' + part)",
        "imports a module by name",
    ),
    "import_module_course_prefix_only": (
        "import importlib\nimportlib.import_module('course' + part)",
        "imports a module by name",
    ),
    "import_module_helpers_built": (
        "import importlib\nimportlib.import_module('helpers.' + name)",
        "imports a module by name",
    ),
    "import_module_built_elsewhere": ("m = __import__('sock' + 'et')", "imports a module by name"),
    "import_module_course_literal": (
        "import importlib\nimportlib.import_module('course.sandbox.kernel.harness')",
        "uses the grader's own code",
    ),
    "getattr_np_name": ("f = getattr(np, name)", "dynamic getattr with a computed name"),
    "environ_replaced": ("import os\nos.environ = dict(os.environ, A='1')", "replaces os.environ"),
    "environ_update": ("import os\nos.environ.update(OMP_NUM_THREADS='1')", "sets environment variables"),
}

ATTACKS = {
    "patch_allclose": ("np.allclose = lambda *a, **k: True", "monkeypatches numpy (np.allclose = ...)"),
    "patch_testing": ("import numpy.testing as npt\nnpt.assert_allclose = print", "monkeypatches numpy"),
    "alias_numpy": ("import numpy as xp\nxp.allclose = lambda *a, **k: True", "monkeypatches numpy (xp.allclose"),
    "alias_by_assignment": ("t = np.testing\nt.assert_allclose = print", "monkeypatches numpy"),
    "augmented": ("np.pi += 1", "monkeypatches numpy (np.pi += ...)"),
    "del_numpy": ("del np.allclose", "monkeypatches numpy (del np.allclose)"),
    "setattr_numpy": ("setattr(np, 'allclose', f)", "monkeypatches numpy (setattr(np, 'allclose', f))"),
    "setattr_numpy_computed": ("setattr(np, 'all' + 'close', f)", "monkeypatches numpy"),
    "vars_numpy": ("vars(np)['allclose'] = f", "monkeypatches numpy"),
    "dict_numpy": ("np.__dict__.update(allclose=f)", "monkeypatches numpy"),
    "rebind_np": ("np = FakeNumpy()", "monkeypatches numpy (rebinds np"),
    "rebind_np_in_function": ("def f():\n    global np\n    np = None", "monkeypatches numpy (rebinds np"),
    "patch_check": ("helpers.grading.check_softmax = lambda f: None", "tampers with the grader"),
    "patch_check_imported": ("from helpers import grading as g\ng.check_relu = print", "tampers with the grader"),
    "checks_registry": ("helpers.grading.CHECKS.clear()", "tampers with the grader"),
    "checks_registry_item": ("from helpers.grading import CHECKS\nCHECKS['softmax'] = None", "tampers with the grader"),
    "tripwire": ("from helpers import tripwire", "tampers with the grader"),
    "unguarded": ("helpers.losses.softmax.unguarded(z)", "tampers with the grader"),
    "rebind_assert_close": ("assert_close = lambda *a, **k: None", "tampers with the grader (rebinds assert_close"),
    "def_assert_close": ("def assert_close(*a, **k):\n    pass", "tampers with the grader (rebinds assert_close"),
    "import_assert_close_as": (
        "from helpers.grading import check_relu as assert_close",
        "tampers with the grader (rebinds assert_close",
    ),
    "rebind_helpers": ("helpers = None", "tampers with the grader (rebinds helpers"),
    "globals_assert_close": ("globals()['assert_close'] = print", "tampers with the grader"),
    "globals_update_np": ("globals().update(np=None)", "monkeypatches numpy"),
    "main_module": ("import __main__\n__main__.assert_close = print", "tampers with the grader"),
    "patch_harness": ("import course.sandbox.kernel.harness\ncourse.harness.answer = print", "tampers with the grader"),
    "patch_builtins": ("import builtins\nbuiltins.isinstance = lambda a, b: True", "tampers with modules or builtins"),
    "dunder_builtins": ("__builtins__.len = lambda x: 0", "tampers with modules or builtins"),
    "dunder_builtins_item": ("__builtins__['len'] = print", "tampers with modules or builtins"),
    "sys_modules": ("import sys\nsys.modules['numpy'] = fake", "tampers with modules or builtins"),
    "sys_modules_update": ("sys.modules.update({'numpy': fake})", "tampers with modules or builtins"),
    "sys_modules_alias": ("m = sys.modules['numpy']\nm.allclose = print", "monkeypatches numpy"),
    "excepthook": ("import sys\nsys.excepthook = print", "tampers with modules or builtins"),
    "input_transformer": (
        "get_ipython().input_transformers_cleanup.append(f)",
        "rewrites how the notebook runs (get_ipython().input_transformers_cleanup.append)",
    ),
    "post_transformer": (
        "ip = get_ipython()\nip.input_transformers_post.insert(0, f)",
        "rewrites how the notebook runs",
    ),
    "ast_transformer": (
        "from IPython import get_ipython\nget_ipython().ast_transformers.append(t)",
        "rewrites how the notebook runs",
    ),
    "events": ("get_ipython().events.register('pre_run_cell', f)", "rewrites how the notebook runs"),
    "custom_exc": ("get_ipython().set_custom_exc((Exception,), handler)", "rewrites how the notebook runs"),
    "showtraceback": ("get_ipython().showtraceback = lambda *a, **k: None", "rewrites how the notebook runs"),
    "run_cell": ("ip = get_ipython()\nip.run_cell = lambda *a, **k: None", "rewrites how the notebook runs"),
    "shell_class": (
        "from IPython.core.interactiveshell import InteractiveShell\nInteractiveShell.run_cell = f",
        "rewrites how the notebook runs",
    ),
    "sys_exit": ("import sys\nsys.exit(0)", "stops the kernel (sys.exit)"),
    "os_exit": ("import os\nos._exit(1)", "stops the kernel (os._exit)"),
    "os_exit_alias": ("from os import _exit as quit_\nquit_(0)", "stops the kernel"),
    "os_kill": ("import os, signal\nos.kill(os.getpid(), signal.SIGKILL)", "stops the kernel (os.kill)"),
    "os_abort": ("os.abort()", "stops the kernel (os.abort)"),
    "exit": ("exit()", "stops the kernel (exit)"),
    "quit": ("quit()", "stops the kernel (quit)"),
    "raise_system_exit": ("raise SystemExit(0)", "stops the kernel (raise SystemExit(0))"),
    "signal_alarm": ("import signal\nsignal.alarm(1)", "stops the kernel (signal.alarm)"),
    "alarm_handler_exits": (
        "import signal, os\nsignal.signal(signal.SIGALRM, lambda *a: os._exit(0))\nsignal.alarm(1)",
        "stops the kernel (os._exit)",
    ),
    "pthread_kill": (
        "import signal, threading\nsignal.pthread_kill(threading.main_thread().ident, 9)",
        "stops the kernel",
    ),
    "getattr_literal": ("import os\ngetattr(os, '_exit')(0)", "stops the kernel"),
    "import_module_literal": ("import importlib\nimportlib.import_module('os')._exit(0)", "stops the kernel"),
    "in_timeit": ("%timeit sys.exit(0)", "stops the kernel"),
    "in_time_cell": ("%%time\nnp.allclose = print", "monkeypatches numpy"),
    "in_exec_string": ("exec('np.allclose = print')", "monkeypatches numpy"),
    "ctypes": ("import ctypes", "runs code outside Python (import ctypes)"),
    "subprocess": ("import subprocess\nsubprocess.run(['ls'])", "runs code outside Python"),
    "os_system": ("os.system('ls')", "runs code outside Python (os.system)"),
    "os_popen": ("import os\nos.popen('ls')", "runs code outside Python"),
    "os_exec": ("import os\nos.execv('/bin/sh', ['sh'])", "runs code outside Python"),
    "pty": ("import pty\npty.spawn('/bin/sh')", "runs code outside Python"),
    "socket": ("from socket import socket", "runs code outside Python"),
    "code_swap": ("softmax.__code__ = helpers.losses.softmax.__code__", "reaches into other code's internals"),
    "globals_item": ("f.__globals__['np'] = None", "reaches into other code's internals"),
    "cell_contents": ("f.__closure__[0].cell_contents = 1", "reaches into other code's internals"),
    "frame_globals": ("import sys\nsys._getframe(1).f_globals['x'] = 1", "reaches into other code's internals"),
    "gradebook": (
        "_stolen = open('../../gradebook.db', 'rb').read()",
        "reaches outside its own folder for the grader's files (open('../../gradebook.db', 'rb'))",
    ),
    "gradebook_pathlib": (
        "from pathlib import Path\n(Path('..') / '..' / 'gradebook.db').read_bytes()",
        "reaches outside its own folder for the grader's files",
    ),
    # setattr through a class, a bound __setattr__ or a namespace
    "type_setattr_numpy": (
        "type(np).__setattr__(np, 'allclose', f)",
        "monkeypatches numpy (type(np).__setattr__(np, 'allclose', f))",
    ),
    "type_delattr_numpy": ("type(np).__delattr__(np, 'allclose')", "monkeypatches numpy"),
    "module_type_setattr_checks": (
        "import types\ntypes.ModuleType.__setattr__(helpers.grading, 'check_relu', f)",
        "tampers with the grader",
    ),
    "object_setattr_builtins": (
        "import builtins\nobject.__setattr__(builtins, 'len', f)",
        "tampers with modules or builtins",
    ),
    "getattr_setattr_numpy": ("getattr(type(np), '__setattr__')(np, 'allclose', f)", "monkeypatches numpy"),
    "bound_setattr_numpy": ("np.__setattr__('allclose', f)", "monkeypatches numpy"),
    "bound_setattr_by_name": ("s = np.__setattr__\ns('allclose', f)", "monkeypatches numpy"),
    "bound_setattr_checks": ("helpers.grading.__setattr__('check_relu', print)", "tampers with the grader"),
    "vars_setitem_numpy": ("vars(np).__setitem__('allclose', f)", "monkeypatches numpy"),
    "dict_item_numpy": ("np.__dict__['allclose'] = f", "monkeypatches numpy"),
    "dict_computed_item_numpy": ("np.__dict__['all' + 'close'] = f", "monkeypatches numpy"),
    "vars_update_sys": ("import sys\nvars(sys).update(exit=print)", "tampers with modules or builtins"),
    "dict_item_os": ("import os\nos.__dict__['_exit'] = print", "tampers with modules or builtins"),
    "patch_os": ("import os\nos.getcwd = lambda: '/'", "tampers with modules or builtins (os.getcwd = ...)"),
    "setattr_os_computed": ("import os\nsetattr(os, name, f)", "tampers with modules or builtins"),
    "dict_get_literal": ("import os\nos.__dict__.get('_exit')(0)", "stops the kernel"),
    # the grader's modules found by a built name
    "resolve_name_built": (
        "import pkgutil\nm = pkgutil.resolve_name('cour' + 'se.harness')\nsetattr(m, 'answer', print)",
        "tampers with the grader (pkgutil.resolve_name('cour' + 'se.harness'))",
    ),
    "import_module_built": (
        "import importlib\nm = importlib.import_module('cour'+'se.harness')\nm.answer = print",
        "tampers with the grader (importlib.import_module(",
    ),
    "import_module_fstring": ("import importlib\nimportlib.import_module(f'course.{part}')", "tampers with the grader"),
    "import_module_relative_built": (
        "import importlib\nimportlib.import_module('.harness', 'cour' + 'se')",
        "tampers with the grader",
    ),
    "dunder_import_built": ("__import__('cour' + 'se').harness.answer = print", "tampers with the grader"),
    "dunder_import_joined": (
        "__import__('.'.join(['course', 'harness']), fromlist=['answer'])",
        "tampers with the grader",
    ),
    "sys_modules_built": ("import sys\nsys.modules['cour' + 'se.harness'].answer = print", "tampers with the grader"),
    "sys_modules_get_built": ("import sys\nm = sys.modules.get('cour' + 'se.harness')", "tampers with the grader"),
    "resolve_name_literal": ("import pkgutil\npkgutil.resolve_name('os:_exit')(0)", "stops the kernel"),
}


@pytest.mark.parametrize("name", sorted(HONEST))
def test_honest_code_is_not_an_attack(name):
    found = scan(HONEST[name])
    assert found == Scan(None, ()), found


@pytest.mark.parametrize("name", sorted(FLAGGED))
def test_suspicious_code_is_only_flagged(name):
    code, note = FLAGGED[name]
    found = scan(code)
    assert found.attack is None, found.attack
    assert any(note in flag for flag in found.flags), found.flags


@pytest.mark.parametrize("name", sorted(ATTACKS))
def test_certain_attacks_are_named(name):
    code, reason = ATTACKS[name]
    found = scan(code)
    assert found.attack is not None and found.attack.startswith(reason), found


def test_scan_is_a_frozen_pair():
    found = scan("x = 1")
    assert found == Scan(None, ()) and isinstance(found.flags, tuple)
    with pytest.raises(AttributeError):
        found.attack = "x"  # type: ignore[misc]


def test_the_first_attack_in_the_cell_is_named():
    found = scan("x = 1\nimport os\nos._exit(0)\nnp.allclose = print")
    assert found.attack == "stops the kernel (os._exit)"
