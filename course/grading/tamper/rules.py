"""The tables of the tamper scan (course/grading/tamper/__init__.py): what each operation is called, which
names and modules are protected, which magics are ordinary; and small helpers on names."""

from __future__ import annotations

import ast
import builtins
import re

# what each kind of attack is called in the reason
NUMPY = "monkeypatches numpy"
GRADER = "tampers with the grader"
MODULES = "tampers with modules or builtins"
RUN = "rewrites how the notebook runs"
STOP = "stops the kernel"
OUTSIDE = "reaches outside its own folder for the grader's files"
EXTERNAL = "runs code outside Python"
INTERNALS = "reaches into other code's internals"

SHELL, GLOBALS = "<shell>", "<globals>"  # get_ipython(); the notebook's namespace
GET_IPYTHON = {
    "IPython.get_ipython",
    "IPython.core.getipython.get_ipython",
    "builtins.get_ipython",
    "IPython.core.interactiveshell.InteractiveShell.instance",
}

# Names bound before any student cell runs (the release's first cells), or so conventional
# that an unbound use can mean nothing else; what they stand for is certain.
GIVEN = {
    "np": "numpy",
    "numpy": "numpy",
    "helpers": "helpers",
    "assert_close": "helpers.grading.assert_close",
    "plt": "matplotlib.pyplot",
    "get_ipython": "IPython.get_ipython",
    "__builtins__": "builtins",
    "builtins": "builtins",
    "os": "os",
    "sys": "sys",
    "subprocess": "subprocess",
    "ctypes": "ctypes",
    "socket": "socket",
    "pty": "pty",
    "importlib": "importlib",
    "IPython": "IPython",
}
# Unbound names that probably, but not certainly, are these modules (``signal`` is also scipy's)
LIKELY = {"signal": "signal", "course": "course", "inspect": "inspect", "gc": "gc"}
BUILTIN_NAMES = set(dir(builtins)) | {"exit", "quit"}

# Names the test cells use: rebinding them (other than to the same thing) fools the tests
PROTECTED_NAMES = {"np": NUMPY, "numpy": NUMPY, "helpers": GRADER, "assert_close": GRADER}
# Where assigning to an attribute is an attack, by the root of what it resolves to
PROTECTED_ROOTS = {
    "numpy": NUMPY,
    "helpers": GRADER,
    "course": GRADER,
    "nbgrader": GRADER,
    "builtins": MODULES,
    "sys": MODULES,
    "os": MODULES,
    "IPython": RUN,
    SHELL: RUN,
    "ipykernel": RUN,
    "jupyter_client": RUN,
    "nbclient": RUN,
}
# attributes of those an honest notebook may set or extend (silencing output, sys.path.append, os.environ)
SOFT_REFS = {
    "sys.stdout",
    "sys.stderr",
    "sys.stdin",
    "sys.path",
    "sys.argv",
    "sys.dont_write_bytecode",
    "sys.tracebacklimit",
    "sys.ps1",
    "sys.ps2",
    "os.environ",
}
# calls that find a module by its name; the grader's own package, which no built name may reach
IMPORTERS = {"builtins.__import__", "importlib.import_module", "importlib.__import__", "pkgutil.resolve_name"}
GRADER_PACKAGE = "course"
# containers whose mutation (``.update``, ``.pop`` ...) patches what they hold
PATCHABLE_CONTAINERS = {
    "sys.modules",
    "sys.meta_path",
    "sys.path_hooks",
    "sys.path_importer_cache",
    "builtins.__dict__",
}
MUTATORS = {
    "append",
    "extend",
    "insert",
    "remove",
    "pop",
    "popitem",
    "clear",
    "update",
    "setdefault",
    "add",
    "discard",
    "__setitem__",
    "__delitem__",
    "__setattr__",
    "__delattr__",
}

STOP_REFS = {
    "os._exit",
    "os.kill",
    "os.killpg",
    "os.abort",
    "sys.exit",
    "builtins.exit",
    "builtins.quit",
    "_thread.interrupt_main",
    "_thread.exit",
    "signal.pthread_kill",
    "signal.raise_signal",
    f"{SHELL}.ask_exit",
    f"{SHELL}.exiter",
    f"{SHELL}.kernel.do_shutdown",
}
ALARMS = {"signal.alarm", "signal.setitimer"}  # the default action ends the process; a handler may not
EXTERNAL_MODULES = {
    "ctypes",
    "_ctypes",
    "cffi",
    "subprocess",
    "_posixsubprocess",
    "pty",
    "socket",
    "_socket",
    "pexpect",
    "sh",
    "plumbum",
}
EXTERNAL_REFS = {
    "os.system",
    "os.popen",
    "os.fork",
    "os.forkpty",
    "os.startfile",
    "os.posix_spawn",
    "os.posix_spawnp",
    "asyncio.create_subprocess_exec",
    "asyncio.create_subprocess_shell",
    "asyncio.subprocess",
}
SHELL_ATTACKS = {
    "input_transformers_cleanup",
    "input_transformers_post",
    "input_transformer_manager",
    "input_splitter",
    "ast_transformers",
    "events",
    "set_custom_exc",
    "custom_exceptions",
    "set_hook",
    "hooks",
    "excepthook",
    "showtraceback",
    "_showtraceback",
    "showsyntaxerror",
}
SHELL_OK = {"run_line_magic", "run_cell_magic", "magic", "system", "getoutput", "user_ns", "user_global_ns"}
SHELL_RUNS_CODE = {
    "run_cell",
    "run_cell_async",
    "run_code",
    "run_ast_nodes",
    "ex",
    "ev",
    "safe_execfile",
    "safe_run_module",
    "push",
}
INTERNALS_STORE = {
    "__code__",
    "__closure__",
    "__globals__",
    "__defaults__",
    "__kwdefaults__",
    "cell_contents",
    "__builtins__",
    "f_globals",
    "f_locals",
    "f_builtins",
    "f_trace",
    "f_lineno",
}
INTERNALS_READ = {
    "__code__",
    "__closure__",
    "__globals__",
    "cell_contents",
    "f_globals",
    "f_locals",
    "f_back",
    "tb_frame",
    "gi_frame",
    "__subclasses__",
    "unguarded",
    "__wrapped__",
}
WALKS, HOOKS, NET = ("walks the interpreter's frames or objects", "installs a trace or audit hook", "uses the network")
FLAGGED_REFS = {  # prefix -> what the note says
    "sys._getframe": WALKS,
    "inspect.currentframe": WALKS,
    "inspect.stack": WALKS,
    "inspect.getouterframes": WALKS,
    "gc.get_objects": WALKS,
    "gc.get_referrers": WALKS,
    "gc.get_referents": WALKS,
    "sys.settrace": HOOKS,
    "sys.setprofile": HOOKS,
    "sys.addaudithook": HOOKS,
    "threading.settrace": HOOKS,
    "urllib.request": NET,
    "http.client": NET,
    "requests": NET,
    "urllib3": NET,
    "ftplib": NET,
    "smtplib": NET,
    "resource.setrlimit": "changes the kernel's resource limits",
    "multiprocessing": "starts processes",
    "course": "uses the grader's own code",
    "nbgrader": "uses the grader's own code",
    "importlib": "imports modules by name",
    "os.putenv": "sets an environment variable",
    "signal.signal": "installs a signal handler",
    "signal.pthread_sigmask": "installs a signal handler",
    "signal.siginterrupt": "installs a signal handler",
    "signal.set_wakeup_fd": "installs a signal handler",
    "os.unsetenv": "sets an environment variable",
}
ALIASES = {"posix": "os", "nt": "os", "_signal": "signal", "__main__": GLOBALS, "__builtin__": "builtins"}

# calls that take a path: the name of the function or method
PATH_CALLS = {
    "open",
    "Path",
    "PurePath",
    "PosixPath",
    "listdir",
    "scandir",
    "walk",
    "chdir",
    "remove",
    "unlink",
    "rmdir",
    "removedirs",
    "rename",
    "rmtree",
    "copy",
    "copy2",
    "copyfile",
    "copytree",
    "move",
    "glob",
    "iglob",
    "load",
    "save",
    "savez",
    "savez_compressed",
    "loadtxt",
    "savetxt",
    "genfromtxt",
    "fromfile",
    "memmap",
    "savefig",
    "imread",
    "imsave",
    "read_csv",
    "read_table",
    "read_pickle",
    "connect",
    "makedirs",
    "mkdir",
    "stat",
    "exists",
    "isfile",
    "isdir",
    "getsize",
    "read_text",
    "read_bytes",
    "write_text",
    "write_bytes",
    "ZipFile",
    "TarFile",
}
GRADER_FILES = {"gradebook.db", "nbgrader_config.py", ".course-grade.json"}
GRADER_WORDS = re.compile(r"(^|/)(gradebook\b|submitted/|autograded/)")

# magics: fine, or running Python (scanned), or flagged
LINE_MAGICS_OK = {
    "matplotlib",
    "autoreload",
    "aimport",
    "who",
    "whos",
    "who_ls",
    "pwd",
    "precision",
    "pinfo",
    "pinfo2",
    "pdoc",
    "pdef",
    "psource",
    "psearch",
    "pfile",
    "xmode",
    "pdb",
    "tb",
    "history",
    "hist",
    "lsmagic",
    "magic",
    "quickref",
    "reset",
    "reset_selective",
    "colors",
    "automagic",
    "autocall",
    "doctest_mode",
    "pprint",
    "dirs",
    "dhist",
    "page",
    "notebook",
    "clear",
    "recall",
    "rep",
    "autoawait",
    "gui",
    "xdel",
}
CODE_MAGICS = {"time", "timeit", "prun", "debug", "capture"}
SHELL_MAGICS = {
    "sx",
    "system",
    "sc",
    "bash",
    "sh",
    "script",
    "perl",
    "ruby",
    "python",
    "python2",
    "python3",
    "pypy",
    "ls",
    "ll",
    "lf",
    "lk",
    "lx",
    "ldir",
    "cat",
    "cp",
    "mv",
    "rm",
    "rmdir",
    "mkdir",
    "less",
    "more",
    "man",
    "alias",
    "unalias",
    "rehashx",
    "killbgscripts",
}
PACKAGE_MAGICS = {"pip", "conda", "mamba", "micromamba", "uv"}
DISPLAY_MAGICS = {"html", "HTML", "javascript", "js", "latex", "markdown", "svg", "md"}
TIMEIT_OPTIONS = re.compile(r"^\s*((-[nrp]\s*\S+|-[tcqo]|--no-raise-error)\s+)*")
MAX_FLAGS = 12


def to_python(source: str) -> str:
    """The cell as the kernel runs it: magics, ``!cmd`` and ``x?`` turned into Python."""
    try:
        from IPython.core.inputtransformer2 import TransformerManager

        return TransformerManager().transform_cell(source)
    except Exception:
        return source


def short(node_or_text, limit: int = 70) -> str:
    text = node_or_text if isinstance(node_or_text, str) else ast.unparse(node_or_text)
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def const_str(node) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def literal_prefix(node) -> tuple[str, bool]:
    """The text a string expression starts with, as far as its literals show, and whether that is
    all of it: ``'cour' + 'se'`` -> ('course', True); ``f'course.{name}'`` -> ('course.', False)."""
    if isinstance(node, ast.Constant):
        return (node.value, True) if isinstance(node.value, str) else ("", False)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, whole = literal_prefix(node.left)
        if not whole:
            return left, False
        right, whole = literal_prefix(node.right)
        return left + right, whole
    parts, separator = None, ""
    if isinstance(node, ast.JoinedStr):
        parts = [
            p.value
            if isinstance(p, ast.FormattedValue) and p.conversion == -1 and p.format_spec is None
            else p
            if isinstance(p, ast.Constant)
            else None
            for p in node.values
        ]
    elif (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "join"
        and const_str(node.func.value) is not None
        and len(node.args) == 1
        and not node.keywords
        and isinstance(node.args[0], (ast.List, ast.Tuple))
    ):
        parts, separator = node.args[0].elts, node.func.value.value
    if parts is None:
        return "", False
    text = ""
    for i, part in enumerate(parts):
        piece, whole = literal_prefix(part) if part is not None else ("", False)
        text += (separator if i else "") + piece
        if not whole:
            return text, False
    return text, True


def normalise(ref: str) -> str:
    head, _, rest = ref.partition(".")
    if head in ALIASES:
        return ALIASES[head] + ("." + rest if rest else "")
    return ref


def namespace(ref: str) -> bool:
    """Is ``ref`` a dictionary of names (``os.__dict__``, ``vars(np)``, ``globals()``, ``sys.modules``)?"""
    return ref.endswith(".__dict__") or ref in ("sys.modules", GLOBALS)


def root_of(ref: str) -> str:
    return ref.split(".", 1)[0].split("[", 1)[0]


def protected_name_ok(name: str, ref: str | None) -> bool:
    """Is ``ref`` what the test cells expect under ``name``?"""
    if ref is None:
        return False
    if name == "assert_close":
        return ref.startswith("helpers.") and ref.endswith(".assert_close")
    return ref == {"np": "numpy", "numpy": "numpy", "helpers": "helpers"}[name]


def path_outside(path: str) -> bool:
    parts = path.replace("\\", "/").split("/")
    return path.startswith(("/", "~")) or ".." in parts
