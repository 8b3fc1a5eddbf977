"""Spot code that attacks the grading run instead of answering the exercise.

The trusted comparison already stops forged results from earning points; this scan
names the attack, so the instructor reads "tampering: rewrites how the notebook runs
(get_ipython().input_transformers_cleanup.append)" rather than a bare zero, and zeroes the
whole notebook, since such code attacks every problem at once. It reads only code the
student wrote (solution cells, and cells that are not in the release) as the kernel will
run it: IPython's own transformer turns magics and ``!cmd`` into Python, and the scan walks
the syntax tree, resolving names through imports and assignments (``import numpy as xp;
xp.allclose = ...`` and ``from os import _exit as quit_`` are seen for what they are).

The policy: a student loses points only because their own functions gave wrong results or
did not run. Names of variables and functions, strings, comments and imports of ordinary
libraries never count, and code that does not parse is no attack (the kernel reports it).
Only an operation that can have no honest purpose zeroes a notebook: changing IPython's
input or ast transformers, registering event hooks or a custom exception handler, replacing
the shell's methods; assigning to (or ``setattr``/``delattr`` on) numpy, builtins, sys,
helpers, the checks or the grader; writing into ``sys.modules``, ``__builtins__`` or another
function's ``__code__``, ``__globals__`` or closure; rebinding ``np``, ``helpers`` or
``assert_close``, which the test cells use; ending the kernel (``sys.exit``, ``os._exit``,
``os.kill``, ``exit()``, ``raise SystemExit``, an alarm without a handler); ``ctypes``,
``subprocess``, ``os.system``, sockets; opening the gradebook from outside the folder.
What looks suspicious but is not certain is only flagged for the instructor: ``getattr``
with a built name, ``eval``/``exec``, ``__import__``, writes through ``globals()``, paths
outside the folder, shell escapes, ``%pip`` and other unusual magics, environment variables,
signal handlers. The points are then decided by the out-of-kernel judge as usual, and the
sandbox contains what a static scan cannot see.
"""
from __future__ import annotations

import ast
import builtins
import re
from dataclasses import dataclass

__all__ = ["Scan", "scan"]


@dataclass(frozen=True)
class Scan:
    """attack: why the notebook scores 0, or None; flags: notes for the instructor."""
    attack: str | None
    flags: tuple[str, ...]


# what each kind of attack is called in the reason
NUMPY = "monkeypatches numpy"
GRADER = "tampers with the grader"
MODULES = "tampers with modules or builtins"
RUN = "rewrites how the notebook runs"
STOP = "stops the kernel"
OUTSIDE = "reaches outside its own folder for the grader's files"
EXTERNAL = "runs code outside Python"
INTERNALS = "reaches into other code's internals"

SHELL, GLOBALS = "<shell>", "<globals>"       # get_ipython(); the notebook's namespace
GET_IPYTHON = {"IPython.get_ipython", "IPython.core.getipython.get_ipython", "builtins.get_ipython",
               "IPython.core.interactiveshell.InteractiveShell.instance"}

# Names bound before any student cell runs (the release's first cells), or so conventional
# that an unbound use can mean nothing else; what they stand for is certain.
GIVEN = {"np": "numpy", "numpy": "numpy", "helpers": "helpers", "assert_close": "helpers.grading.assert_close",
         "plt": "matplotlib.pyplot", "get_ipython": "IPython.get_ipython", "__builtins__": "builtins",
         "builtins": "builtins", "os": "os", "sys": "sys", "subprocess": "subprocess", "ctypes": "ctypes",
         "socket": "socket", "pty": "pty", "importlib": "importlib", "IPython": "IPython"}
# Unbound names that probably, but not certainly, are these modules (``signal`` is also scipy's)
LIKELY = {"signal": "signal", "course": "course", "inspect": "inspect", "gc": "gc"}
BUILTIN_NAMES = set(dir(builtins)) | {"exit", "quit"}

# Names the test cells use: rebinding them (other than to the same thing) fools the tests
PROTECTED_NAMES = {"np": NUMPY, "numpy": NUMPY, "helpers": GRADER, "assert_close": GRADER}
# Where assigning to an attribute is an attack, by the root of what it resolves to
PROTECTED_ROOTS = {"numpy": NUMPY, "helpers": GRADER, "course": GRADER, "nbgrader": GRADER,
                   "builtins": MODULES, "sys": MODULES, "IPython": RUN, SHELL: RUN, "ipykernel": RUN,
                   "jupyter_client": RUN, "nbclient": RUN}
# sys attributes an honest notebook may set or extend (silencing output, sys.path.append)
SYS_SOFT = {"sys.stdout", "sys.stderr", "sys.stdin", "sys.path", "sys.argv", "sys.dont_write_bytecode",
            "sys.tracebacklimit", "sys.ps1", "sys.ps2"}
# containers whose mutation (``.update``, ``.pop`` ...) patches what they hold
PATCHABLE_CONTAINERS = {"sys.modules", "sys.meta_path", "sys.path_hooks", "sys.path_importer_cache",
                        "builtins.__dict__"}
MUTATORS = {"append", "extend", "insert", "remove", "pop", "popitem", "clear", "update", "setdefault",
            "add", "discard", "__setitem__", "__delitem__", "__setattr__", "__delattr__"}

STOP_REFS = {"os._exit", "os.kill", "os.killpg", "os.abort", "sys.exit", "builtins.exit", "builtins.quit",
             "_thread.interrupt_main", "_thread.exit", "signal.pthread_kill", "signal.raise_signal",
             f"{SHELL}.ask_exit", f"{SHELL}.exiter", f"{SHELL}.kernel.do_shutdown"}
ALARMS = {"signal.alarm", "signal.setitimer"}   # the default action ends the process; a handler may not
EXTERNAL_MODULES = {"ctypes", "_ctypes", "cffi", "subprocess", "_posixsubprocess", "pty", "socket", "_socket",
                    "pexpect", "sh", "plumbum"}
EXTERNAL_REFS = {"os.system", "os.popen", "os.fork", "os.forkpty", "os.startfile", "os.posix_spawn",
                 "os.posix_spawnp", "asyncio.create_subprocess_exec", "asyncio.create_subprocess_shell",
                 "asyncio.subprocess"}
SHELL_ATTACKS = {"input_transformers_cleanup", "input_transformers_post", "input_transformer_manager",
                 "input_splitter", "ast_transformers", "events", "set_custom_exc", "custom_exceptions",
                 "set_hook", "hooks", "excepthook", "showtraceback", "_showtraceback", "showsyntaxerror"}
SHELL_OK = {"run_line_magic", "run_cell_magic", "magic", "system", "getoutput", "user_ns", "user_global_ns"}
SHELL_RUNS_CODE = {"run_cell", "run_cell_async", "run_code", "run_ast_nodes", "ex", "ev", "safe_execfile",
                   "safe_run_module", "push"}
INTERNALS_STORE = {"__code__", "__closure__", "__globals__", "__defaults__", "__kwdefaults__", "cell_contents",
                   "__builtins__", "f_globals", "f_locals", "f_builtins", "f_trace", "f_lineno"}
INTERNALS_READ = {"__code__", "__closure__", "__globals__", "cell_contents", "f_globals", "f_locals", "f_back",
                  "tb_frame", "gi_frame", "__subclasses__", "unguarded", "__wrapped__"}
WALKS, HOOKS, NET = ("walks the interpreter's frames or objects", "installs a trace or audit hook",
                     "uses the network")
FLAGGED_REFS = {  # prefix -> what the note says
    "sys._getframe": WALKS, "inspect.currentframe": WALKS, "inspect.stack": WALKS, "inspect.getouterframes": WALKS,
    "gc.get_objects": WALKS, "gc.get_referrers": WALKS, "gc.get_referents": WALKS,
    "sys.settrace": HOOKS, "sys.setprofile": HOOKS, "sys.addaudithook": HOOKS, "threading.settrace": HOOKS,
    "urllib.request": NET, "http.client": NET, "requests": NET, "urllib3": NET, "ftplib": NET, "smtplib": NET,
    "resource.setrlimit": "changes the kernel's resource limits", "multiprocessing": "starts processes",
    "course": "uses the grader's own code", "nbgrader": "uses the grader's own code",
    "importlib": "imports modules by name", "os.putenv": "sets an environment variable",
    "signal.signal": "installs a signal handler", "signal.pthread_sigmask": "installs a signal handler",
    "signal.siginterrupt": "installs a signal handler", "signal.set_wakeup_fd": "installs a signal handler",
    "os.unsetenv": "sets an environment variable",
}
ALIASES = {"posix": "os", "nt": "os", "_signal": "signal", "__main__": GLOBALS, "__builtin__": "builtins"}

# calls that take a path: the name of the function or method
PATH_CALLS = {"open", "Path", "PurePath", "PosixPath", "listdir", "scandir", "walk", "chdir", "remove", "unlink",
              "rmdir", "removedirs", "rename", "rmtree", "copy", "copy2", "copyfile", "copytree", "move", "glob",
              "iglob", "load", "save", "savez", "savez_compressed", "loadtxt", "savetxt", "genfromtxt", "fromfile",
              "memmap", "savefig", "imread", "imsave", "read_csv", "read_table", "read_pickle", "connect",
              "makedirs", "mkdir", "stat", "exists", "isfile", "isdir", "getsize", "read_text", "read_bytes",
              "write_text", "write_bytes", "ZipFile", "TarFile"}
GRADER_FILES = {"gradebook.db", "nbgrader_config.py", ".course-grade.json"}
GRADER_WORDS = re.compile(r"(^|/)(gradebook\b|submitted/|autograded/)")

# magics: fine, or running Python (scanned), or flagged
LINE_MAGICS_OK = {"matplotlib", "autoreload", "aimport", "who", "whos", "who_ls", "pwd", "precision", "pinfo",
                  "pinfo2", "pdoc", "pdef", "psource", "psearch", "pfile", "xmode", "pdb", "tb", "history", "hist",
                  "lsmagic", "magic", "quickref", "reset", "reset_selective", "colors", "automagic", "autocall",
                  "doctest_mode", "pprint", "dirs", "dhist", "page", "notebook", "clear", "recall", "rep",
                  "autoawait", "gui", "xdel"}
CODE_MAGICS = {"time", "timeit", "prun", "debug", "capture"}
SHELL_MAGICS = {"sx", "system", "sc", "bash", "sh", "script", "perl", "ruby", "python", "python2", "python3",
                "pypy", "ls", "ll", "lf", "lk", "lx", "ldir", "cat", "cp", "mv", "rm", "rmdir", "mkdir", "less",
                "more", "man", "alias", "unalias", "rehashx", "killbgscripts"}
PACKAGE_MAGICS = {"pip", "conda", "mamba", "micromamba", "uv"}
DISPLAY_MAGICS = {"html", "HTML", "javascript", "js", "latex", "markdown", "svg", "md"}
TIMEIT_OPTIONS = re.compile(r"^\s*((-[nrp]\s*\S+|-[tcqo]|--no-raise-error)\s+)*")
MAX_FLAGS = 12


def scan(source: str) -> Scan:
    """Scan one cell of IPython source: the first certain attack (or None) and the flags."""
    try:
        found = _Scan.of_cell(source)
    except RecursionError:
        return Scan(None, ("a cell too deeply nested to scan",))
    if found is None:
        return Scan(None, ())
    attacks, flags = found.results()
    return Scan(attacks[0] if attacks else None, flags)


# --------------------------------------------------------------------------- helpers

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
    return text if len(text) <= limit else text[:limit - 3] + "..."


def const_str(node) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def normalise(ref: str) -> str:
    head, _, rest = ref.partition(".")
    if head in ALIASES:
        return ALIASES[head] + ("." + rest if rest else "")
    return ref


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


# --------------------------------------------------------------------------- scopes

class _ScopeNode:
    __slots__ = ("kind", "parent", "names", "globals")

    def __init__(self, kind: str, parent: _ScopeNode | None):
        self.kind, self.parent = kind, parent
        self.names: dict[str, list[tuple]] = {}
        self.globals: set[str] = set()


class _Binder(ast.NodeVisitor):
    """First pass: which names each scope binds, and to what (an import, an expression, other)."""

    def __init__(self):
        self.module = _ScopeNode("module", None)
        self.current = self.module
        self.scope_of: dict[int, _ScopeNode] = {}
        self.module_bindings: list[tuple[str, tuple, ast.AST]] = []   # (name, binding, statement)
        self.statement: ast.AST | None = None

    def visit(self, node):
        self.scope_of[id(node)] = self.current
        if isinstance(node, ast.stmt):
            self.statement = node
        return super().visit(node)

    def bind(self, name: str, binding: tuple, scope: _ScopeNode | None = None):
        scope = scope or self.current
        if name in scope.globals:
            scope = self.module
        scope.names.setdefault(name, []).append((*binding, self.current))
        if scope is self.module and name in PROTECTED_NAMES:
            self.module_bindings.append((name, (*binding, self.current), self.statement))

    def bind_target(self, target, value):
        if isinstance(target, ast.Name):
            self.bind(target.id, ("expr", value) if value is not None else ("other", None))
        elif isinstance(target, (ast.Tuple, ast.List)):
            values = value.elts if isinstance(value, (ast.Tuple, ast.List)) and len(value.elts) == len(
                target.elts) and not any(isinstance(e, ast.Starred) for e in value.elts + target.elts) else None
            for i, element in enumerate(target.elts):
                self.bind_target(element, values[i] if values else None)
        elif isinstance(target, ast.Starred):
            self.bind_target(target.value, None)

    def push(self, kind: str):
        self.current = _ScopeNode(kind, self.current)

    def pop(self):
        self.current = self.current.parent

    def visit_Global(self, node):
        self.current.globals.update(node.names)

    def visit_Import(self, node):
        for alias in node.names:
            if alias.asname:
                self.bind(alias.asname, ("ref", normalise(alias.name)))
            else:
                head = alias.name.split(".")[0]
                self.bind(head, ("ref", normalise(head)))

    def visit_ImportFrom(self, node):
        for alias in node.names:
            if alias.name == "*":
                continue
            binding = ("ref", normalise(f"{node.module}.{alias.name}")) if node.module and not node.level \
                else ("other", None)
            self.bind(alias.asname or alias.name, binding)

    def visit_Assign(self, node):
        self.generic_visit(node)
        self.statement = node
        for target in node.targets:
            self.bind_target(target, node.value)

    def visit_AnnAssign(self, node):
        self.generic_visit(node)
        self.statement = node
        if node.value is not None:
            self.bind_target(node.target, node.value)

    def visit_AugAssign(self, node):
        self.generic_visit(node)
        self.statement = node
        self.bind_target(node.target, None)

    def visit_NamedExpr(self, node):
        self.generic_visit(node)
        scope = self.current
        while scope.kind == "comprehension":
            scope = scope.parent
        self.bind(node.target.id, ("expr", node.value), scope)

    def visit_For(self, node):
        self.generic_visit(node)
        self.statement = node
        self.bind_target(node.target, None)

    visit_AsyncFor = visit_For

    def visit_With(self, node):
        self.generic_visit(node)
        self.statement = node
        for item in node.items:
            if item.optional_vars is not None:
                self.bind_target(item.optional_vars, None)

    visit_AsyncWith = visit_With

    def visit_ExceptHandler(self, node):
        self.generic_visit(node)
        if node.name:
            self.bind(node.name, ("other", None))

    def _arguments(self, args: ast.arguments):
        every = args.posonlyargs + args.args + args.kwonlyargs + [a for a in (args.vararg, args.kwarg) if a]
        for arg in every:
            self.bind(arg.arg, ("other", None))
            self.visit(arg)

    def visit_FunctionDef(self, node):
        self.bind(node.name, ("def", node))
        for child in node.decorator_list + node.args.defaults + [d for d in node.args.kw_defaults if d]:
            self.visit(child)
        if node.returns:
            self.visit(node.returns)
        self.push("function")
        self._arguments(node.args)
        for statement in node.body:
            self.visit(statement)
        self.pop()

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_Lambda(self, node):
        for child in node.args.defaults + [d for d in node.args.kw_defaults if d]:
            self.visit(child)
        self.push("function")
        self._arguments(node.args)
        self.visit(node.body)
        self.pop()

    def visit_ClassDef(self, node):
        self.bind(node.name, ("def", node))
        for child in node.decorator_list + node.bases + node.keywords:
            self.visit(child)
        self.push("class")
        for statement in node.body:
            self.visit(statement)
        self.pop()

    def _comprehension(self, node, parts):
        self.push("comprehension")
        for generator in node.generators:
            self.visit(generator.iter)
            self.bind_target(generator.target, None)
            self.visit(generator.target)
            for condition in generator.ifs:
                self.visit(condition)
        for part in parts:
            self.visit(part)
        self.pop()

    def visit_ListComp(self, node):
        self._comprehension(node, [node.elt])

    visit_SetComp = visit_GeneratorExp = visit_ListComp

    def visit_DictComp(self, node):
        self._comprehension(node, [node.key, node.value])


# --------------------------------------------------------------------------- the scan

class _Scan:
    """Second pass: resolve what names and attributes stand for, and judge each operation."""

    def __init__(self, tree: ast.Module, depth: int = 0):
        self.tree, self.depth = tree, depth
        binder = _Binder()
        binder.visit(tree)
        self.binder = binder
        self.parent: dict[int, ast.AST] = {}
        for node in ast.walk(tree):
            for child in ast.iter_child_nodes(node):
                self.parent[id(child)] = node
        self.attacks: list[tuple[tuple[int, int], str]] = []
        self.flags: list[tuple[tuple[int, int], str]] = []
        self.check()

    @classmethod
    def of_cell(cls, source: str, depth: int = 0) -> _Scan | None:
        if depth > 3:
            return None
        try:
            tree = ast.parse(to_python(source))
        except (SyntaxError, ValueError, RecursionError):
            return None
        return cls(tree, depth)

    def results(self) -> tuple[list[str], tuple[str, ...]]:
        attacks = [text for _, text in sorted(self.attacks, key=lambda item: item[0])]
        flags: list[str] = []
        for _, text in sorted(self.flags, key=lambda item: item[0]):
            if text not in flags:
                flags.append(text)
        return attacks, tuple(flags[:MAX_FLAGS])

    # ------------------------------------------------------------------ recording
    @staticmethod
    def where(node) -> tuple[int, int]:
        return getattr(node, "lineno", 0), getattr(node, "col_offset", 0)

    def attack(self, node, kind: str, text: str, certain: bool = True):
        if certain:
            self.attacks.append((self.where(node), f"{kind} ({text})"))
        else:
            self.flags.append((self.where(node), f"possibly {kind} ({text})"))

    def flag(self, node, text: str):
        self.flags.append((self.where(node), text))

    def nested(self, node, source: str, runs: bool = True):
        """Scan code held in a string (a magic's body, exec's argument) as part of this cell;
        code that is only written to a file (``runs`` False) earns notes, not a zero."""
        inner = _Scan.of_cell(source, self.depth + 1)
        if inner is None:
            return
        attacks, flags = inner.results()
        if runs:
            self.attacks += [(self.where(node), text) for text in attacks]
        else:
            flags = tuple(f"possibly {text}" for text in attacks) + flags
        self.flags += [(self.where(node), text) for text in flags]

    # ------------------------------------------------------------------ resolution
    def scope(self, node) -> _ScopeNode:
        return self.binder.scope_of.get(id(node), self.binder.module)

    def lookup(self, name: str, scope: _ScopeNode):
        start = scope
        if name in scope.globals:
            scope = self.binder.module
        while scope is not None:
            if (scope.kind != "class" or scope is start) and name in scope.names:
                return scope.names[name]
            scope = scope.parent
        return None

    def default(self, name: str) -> tuple[str | None, bool]:
        if name in GIVEN:
            return GIVEN[name], True
        if name in LIKELY:
            return LIKELY[name], False
        if name in BUILTIN_NAMES:
            return f"builtins.{name}", True
        return None, False

    def resolve(self, node, scope: _ScopeNode | None = None, depth: int = 0) -> tuple[str | None, bool]:
        """(what the expression stands for as a dotted path, whether that is certain)."""
        if depth > 12 or node is None:
            return None, False
        scope = scope or self.scope(node)
        if isinstance(node, ast.Name):
            bindings = self.lookup(node.id, scope)
            if bindings is None:
                return self.default(node.id)
            refs = []
            for kind, payload, where in bindings:
                if kind == "ref":
                    refs.append((payload, True))
                elif kind == "expr":
                    refs.append(self.resolve(payload, where, depth + 1))
                else:
                    refs.append((None, True))
            known = {ref for ref, _ in refs if ref}
            if len(known) != 1:
                return None, False
            return known.pop(), all(ref and certain for ref, certain in refs)
        if isinstance(node, ast.Attribute):
            base, certain = self.resolve(node.value, scope, depth + 1)
            if base is None:
                return None, False
            if base == SHELL and node.attr in ("user_ns", "user_global_ns"):
                return GLOBALS, certain
            return normalise(f"{base}.{node.attr}"), certain
        if isinstance(node, ast.Subscript):
            base, certain = self.resolve(node.value, scope, depth + 1)
            key = const_str(node.slice)
            if base is None or key is None:
                return None, False
            if base == "sys.modules":
                return normalise(key), certain
            if base == GLOBALS:
                ref, sure = self.resolve(ast.Name(id=key, ctx=ast.Load()), self.binder.module, depth + 1)
                return ref, certain and sure
            if base in ("builtins", "builtins.__dict__"):
                return f"builtins.{key}", certain
            if base.endswith(".__dict__"):
                return f"{base[:-len('.__dict__')]}.{key}", certain
            if root_of(base) in PROTECTED_ROOTS:
                return f"{base}[{key}]", certain
            return None, False
        if isinstance(node, ast.Call):
            func, certain = self.resolve(node.func, scope, depth + 1)
            if func is None:
                return None, False
            args = node.args
            if func in GET_IPYTHON:
                return SHELL, certain
            if func in ("builtins.__import__", "importlib.import_module", "importlib.__import__") and args:
                name = const_str(args[0])
                if name is None:
                    return None, False
                if func == "builtins.__import__" and not (len(args) > 3 or any(k.arg == "fromlist"
                                                                                for k in node.keywords)):
                    name = name.split(".")[0]
                return normalise(name), certain
            if func == "importlib.reload" and args:
                return self.resolve(args[0], scope, depth + 1)
            if func == "builtins.getattr" and len(args) >= 2 and const_str(args[1]) is not None:
                base, sure = self.resolve(args[0], scope, depth + 1)
                return (normalise(f"{base}.{args[1].value}"), certain and sure) if base else (None, False)
            if func in ("builtins.globals", "builtins.vars", "builtins.locals") and not args:
                at_module = self.enclosing_function(node) is None
                return (GLOBALS, certain) if at_module or func == "builtins.globals" else (None, False)
            if func == "builtins.vars" and args:
                base, sure = self.resolve(args[0], scope, depth + 1)
                return (f"{base}.__dict__", certain and sure) if base else (None, False)
        return None, False

    def enclosing_function(self, node):
        scope = self.scope(node)
        while scope is not None and scope.kind not in ("function",):
            scope = scope.parent
        return scope

    def chain(self, node):
        """The whole attribute chain a name or attribute belongs to (``a.b`` in ``a.b.c`` -> ``a.b.c``)."""
        while True:
            parent = self.parent.get(id(node))
            if isinstance(parent, ast.Attribute) and parent.value is node:
                node = parent
            else:
                return node

    # ------------------------------------------------------------------ classification
    @staticmethod
    def dangerous(ref: str) -> str | None:
        """The kind of attack merely using ``ref`` is, or None."""
        if ref in STOP_REFS or any(ref.startswith(stop + ".") for stop in STOP_REFS):
            return STOP
        head = root_of(ref)
        if head in EXTERNAL_MODULES or ref in EXTERNAL_REFS or re.match(r"os\.(exec|spawn)\w*$", ref):
            return EXTERNAL
        parts = ref.split(".")
        if head == SHELL and len(parts) > 1 and parts[1] in SHELL_ATTACKS:
            return RUN
        if head == "helpers" and ("unguarded" in parts or "__wrapped__" in parts or ref.startswith(
                "helpers.tripwire")):
            return GRADER
        return None

    @staticmethod
    def noted(ref: str) -> str | None:
        for prefix, note in FLAGGED_REFS.items():
            if ref == prefix or ref.startswith(prefix + "."):
                return note
        parts = ref.split(".")
        if parts[0] == SHELL and len(parts) > 1 and parts[1] not in SHELL_OK | SHELL_RUNS_CODE | SHELL_ATTACKS:
            return "uses the IPython shell"
        return None

    def use(self, node, ref: str, certain: bool, text: str):
        if ref in ALARMS:   # an alarm ends the kernel unless the cell installs a handler (a time-out idiom)
            if self.handler_installed:
                self.flag(node, f"sets an alarm with its own signal handler: {text}")
            else:
                self.attack(node, STOP, text, certain)
            return
        kind = self.dangerous(ref)
        if kind:
            self.attack(node, kind, text, certain)
            return
        note = self.noted(ref)
        if note:
            self.flag(node, f"{note}: {text}")

    # ------------------------------------------------------------------ checks
    def check(self):
        self.handler_installed = any(isinstance(node, ast.Call) and self.resolve(node.func)[0] == "signal.signal"
                                     for node in ast.walk(self.tree))
        for name, binding, statement in self.binder.module_bindings:
            self.check_rebinding(name, binding, statement)
        for node in ast.walk(self.tree):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    self.use(node, normalise(alias.name), True, short(node))
            elif isinstance(node, ast.ImportFrom):
                if node.module and not node.level:
                    self.use(node, normalise(node.module), True, short(node))
                    for alias in node.names:
                        if alias.name != "*":
                            self.use(node, normalise(f"{node.module}.{alias.name}"), True, short(node))
            elif isinstance(node, (ast.Name, ast.Attribute)) and isinstance(node.ctx, ast.Load):
                self.check_load(node)
            elif isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Load):
                ref, certain = self.resolve(node)
                if ref:   # sys.modules['os'], __builtins__['exit']
                    self.use(node, ref, certain, short(self.chain(node)))
            elif isinstance(node, ast.Assign):
                for target in node.targets:
                    self.check_store(target, node, "=")
            elif isinstance(node, (ast.AugAssign, ast.AnnAssign)):
                self.check_store(node.target, node, "=")
            elif isinstance(node, ast.Delete):
                for target in node.targets:
                    self.check_store(target, node, "del")
            elif isinstance(node, (ast.For, ast.AsyncFor)):
                self.check_store(node.target, node, "for")
            elif isinstance(node, (ast.With, ast.AsyncWith)):
                for item in node.items:
                    if item.optional_vars is not None:
                        self.check_store(item.optional_vars, node, "as")
            elif isinstance(node, ast.Call):
                self.check_call(node)
            elif isinstance(node, ast.Raise) and node.exc is not None:
                exc = node.exc.func if isinstance(node.exc, ast.Call) else node.exc
                ref, certain = self.resolve(exc)
                if ref == "builtins.SystemExit":
                    self.attack(node, STOP, short(node), certain)

    def check_rebinding(self, name: str, binding: tuple, statement):
        kind, payload, where = binding
        what = PROTECTED_NAMES[name]
        text = short(statement) if statement is not None else name
        if kind == "ref":
            if protected_name_ok(name, payload):
                return
            if what == NUMPY:   # jax.numpy, autograd.numpy: a choice, not certainly an attack
                self.flag(statement, f"rebinds {name}, which the test cells use, to another module: {text}")
                return
        if kind == "expr":
            ref, _ = self.resolve(payload, where)
            if protected_name_ok(name, ref):
                return
        self.attack(statement, what, f"rebinds {name}, which the test cells use: {text}")

    def check_load(self, node):
        top = self.chain(node)
        ref, certain = self.resolve(node)
        if ref:
            self.use(node, ref, certain, short(top))
        elif isinstance(node, ast.Attribute) and node.attr in INTERNALS_READ:
            self.flag(node, f"reads code internals: {short(top)}")

    def store_text(self, target, statement, how: str) -> str:
        if how == "del":
            return f"del {short(target, 60)}"
        if how in ("for", "as"):
            return f"{how} {short(target, 60)}"
        op = "=" if not isinstance(statement, ast.AugAssign) else ast.unparse(
            ast.BinOp(ast.Name("a"), statement.op, ast.Name("b"))).split()[1] + "="
        return f"{short(target, 60)} {op} ..."

    def check_store(self, target, statement, how: str):
        if isinstance(target, (ast.Tuple, ast.List)):
            for element in target.elts:
                self.check_store(element, statement, how)
            return
        if isinstance(target, ast.Starred):
            self.check_store(target.value, statement, how)
            return
        text = self.store_text(target, statement, how)
        if isinstance(target, ast.Attribute):
            if target.attr in INTERNALS_STORE:
                self.attack(target, INTERNALS, text)
                return
            base, certain = self.resolve(target.value)
            if base is None:
                return
            if base == GLOBALS:
                if target.attr in PROTECTED_NAMES:
                    self.attack(target, PROTECTED_NAMES[target.attr], text, certain)
                return
            ref = f"{base}.{target.attr}"
            if ref in SYS_SOFT:
                self.flag(target, f"replaces {ref}: {text}")
            elif root_of(base) in PROTECTED_ROOTS:
                self.attack(target, PROTECTED_ROOTS[root_of(base)], text, certain)
            elif base == "os" and target.attr == "environ":
                self.flag(target, f"sets environment variables: {text}")
            return
        if isinstance(target, ast.Subscript):
            holder = target.value
            if isinstance(holder, ast.Attribute) and holder.attr in ("__globals__", "f_globals", "f_locals",
                                                                      "f_builtins"):
                self.attack(target, INTERNALS, text)
                return
            base, certain = self.resolve(holder)
            if base is None:
                return
            key = const_str(target.slice)
            if base == "sys.modules":
                self.attack(target, MODULES, text, certain)
            elif base == GLOBALS:
                if key in PROTECTED_NAMES:
                    self.attack(target, PROTECTED_NAMES[key], text, certain)
                else:
                    self.flag(target, f"writes through globals(): {text}")
            elif base == "os.environ":
                self.flag(target, f"sets an environment variable: {text}")
            elif base in SYS_SOFT:
                return
            elif root_of(base) in PROTECTED_ROOTS:
                self.attack(target, PROTECTED_ROOTS[root_of(base)], text, certain)

    # ------------------------------------------------------------------ calls
    def check_call(self, node: ast.Call):
        ref, certain = self.resolve(node)
        if ref:   # getattr(os, '_exit'), importlib.import_module('subprocess')
            self.use(node, ref, certain, short(self.chain(node)))
        func, certain = self.resolve(node.func)
        args = node.args
        if func in ("builtins.setattr", "builtins.delattr", "builtins.object.__setattr__",
                    "builtins.object.__delattr__", "builtins.type.__setattr__") and args:
            self.check_setattr(node, func.rsplit(".", 1)[-1].strip("_"))
            return
        if func in ("builtins.getattr",) and len(args) >= 2 and const_str(args[1]) is None:
            self.flag(node, f"dynamic getattr with a computed name: {short(node)}")
        if func in ("builtins.eval", "builtins.exec", "builtins.compile"):
            self.flag(node, f"runs code from a string: {short(node)}")
            code = const_str(args[0]) if args else None
            if code is not None:
                self.nested(node, code)
            return
        if func in ("builtins.__import__", "importlib.import_module", "importlib.__import__", "importlib.reload"):
            self.flag(node, f"imports a module by name: {short(node)}")
            name = const_str(args[0]) if args else None
            if name:
                self.use(node, normalise(name), certain, short(node))
            return
        if func and root_of(func) == SHELL:
            self.check_shell_call(node, func)
            return
        if isinstance(node.func, ast.Attribute):
            self.check_method(node)
        self.check_path(node)

    def check_setattr(self, node: ast.Call, which: str):
        target, name = node.args[0], const_str(node.args[1]) if len(node.args) > 1 else None
        base, certain = self.resolve(target)
        text = short(node)
        if name in INTERNALS_STORE:
            self.attack(node, INTERNALS, text)
        elif base == GLOBALS:
            if name in PROTECTED_NAMES:
                self.attack(node, PROTECTED_NAMES[name], text, certain)
            elif name is None:
                self.flag(node, f"{which} with a computed name: {text}")
        elif base and f"{base}.{name}" in SYS_SOFT:
            self.flag(node, f"replaces {base}.{name}: {text}")
        elif base and root_of(base) in PROTECTED_ROOTS:
            self.attack(node, PROTECTED_ROOTS[root_of(base)], text, certain)
        elif name is None:
            self.flag(node, f"{which} with a computed name: {text}")

    def check_method(self, node: ast.Call):
        method = node.func.attr
        base, certain = self.resolve(node.func.value)
        if base is None or method not in MUTATORS:
            return
        text = short(node)
        if base == GLOBALS:
            keys = {const_str(a) for a in node.args[:1]} | {k.arg for k in node.keywords}
            for arg in node.args:
                if isinstance(arg, ast.Dict):
                    keys |= {const_str(k) for k in arg.keys if k is not None}
            if keys & set(PROTECTED_NAMES):
                self.attack(node, PROTECTED_NAMES[sorted(keys & set(PROTECTED_NAMES))[0]], text, certain)
            else:
                self.flag(node, f"writes through globals(): {text}")
        elif base == "os.environ":
            self.flag(node, f"sets environment variables: {text}")
        elif base in PATCHABLE_CONTAINERS or base.endswith(".__dict__"):
            kind = MODULES if root_of(base) in ("sys", "builtins") else PROTECTED_ROOTS.get(root_of(base))
            if kind:
                self.attack(node, kind, text, certain)
        elif root_of(base) in PROTECTED_ROOTS and method in ("__setattr__", "__delattr__"):
            self.attack(node, PROTECTED_ROOTS[root_of(base)], text, certain)
        elif root_of(base) == "helpers" and (base.rsplit(".", 1)[-1].isupper() or base.rsplit(".", 1)[-1]
                                             .startswith("_") or "[" in base):
            self.attack(node, GRADER, text, certain)

    def check_shell_call(self, node: ast.Call, func: str):
        method = func.split(".")[1] if "." in func else ""
        values = [const_str(a) for a in node.args]
        if method in ("system", "getoutput"):
            self.flag(node, f"runs a shell command: !{values[0] if values and values[0] else '...'}")
        elif method == "run_line_magic" and values and values[0]:
            self.line_magic(node, values[0], values[1] if len(values) > 1 and values[1] is not None else "")
        elif method == "magic" and values and values[0]:
            name, _, line = values[0].lstrip("%").partition(" ")
            self.line_magic(node, name, line)
        elif method == "run_cell_magic" and values and values[0]:
            line = values[1] if len(values) > 1 and values[1] is not None else ""
            body = values[2] if len(values) > 2 and values[2] is not None else None
            self.cell_magic(node, values[0], line, body)
        elif method in SHELL_RUNS_CODE:
            if method == "push":
                keys = set()
                for arg in node.args:
                    if isinstance(arg, ast.Dict):
                        keys |= {const_str(k) for k in arg.keys if k is not None}
                if keys & set(PROTECTED_NAMES):
                    self.attack(node, GRADER, short(node))
                    return
            self.flag(node, f"runs code through the shell: {short(node)}")
            code = values[0] if values else None
            if code and method in ("run_cell", "ex", "ev", "run_cell_async"):
                self.nested(node, code)

    def line_magic(self, node, name: str, line: str):
        shown = f"%{name} {line}".strip()
        if name in ("time", "timeit", "prun"):
            self.nested(node, TIMEIT_OPTIONS.sub("", line) if name != "prun" else re.sub(
                r"^\s*((-[slTDr]\s*\S+|-q)\s+)*", "", line))
        elif name == "debug":
            self.nested(node, line)
        elif name in LINE_MAGICS_OK:
            return
        elif name in ("load_ext", "reload_ext"):
            if line.strip() != "autoreload":
                self.flag(node, f"loads an IPython extension: {shown}")
        elif name == "config":
            setting = line.strip()
            if setting and not setting.startswith(("InlineBackend.", "InteractiveShell.ast_node_interactivity")):
                self.flag(node, f"changes the kernel's configuration: {shown}")
        elif name == "env":
            if "=" in line or len(line.split()) > 1:
                self.flag(node, f"sets an environment variable: {shown}")
        elif name == "cd":
            if not line.strip() or path_outside(line.strip().strip("'\"")):
                self.flag(node, f"changes directory outside the working folder: {shown}")
        elif name in PACKAGE_MAGICS:
            self.flag(node, f"installs packages: {shown}")
        elif name in SHELL_MAGICS:
            self.flag(node, f"runs a shell command: {shown}")
        elif name in ("run", "load", "loadpy"):
            self.flag(node, f"runs code from a file: {shown}")
        else:
            self.flag(node, f"uses the %{name} magic: {short(shown)}")

    def cell_magic(self, node, name: str, line: str, body: str | None):
        shown = f"%%{name} {line}".strip()
        if name in CODE_MAGICS:
            if body is not None:
                self.nested(node, body)
            if name == "timeit":
                self.nested(node, TIMEIT_OPTIONS.sub("", line))
        elif name in DISPLAY_MAGICS:
            return
        elif name in ("writefile", "file"):
            path = line.split()[-1].strip("'\"") if line.split() else ""
            if path_outside(path):
                self.flag(node, f"writes a file outside the working folder: {shown}")
            if body is not None and path.endswith(".py"):
                self.nested(node, body, runs=False)   # a module it may import, or a script
        elif name in SHELL_MAGICS:
            self.flag(node, f"runs a shell command: {shown}")
        else:
            self.flag(node, f"uses the %%{name} magic: {short(shown)}")

    # ------------------------------------------------------------------ paths
    def path_of(self, node) -> str | None:
        """A path built only from string literals: 'a', Path('a') / 'b', os.path.join('a', 'b')."""
        text = const_str(node)
        if text is not None:
            return text
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div):
            left, right = self.path_of(node.left), self.path_of(node.right)
            return f"{left}/{right}" if left is not None and right is not None else None
        if isinstance(node, ast.Call):
            func, _ = self.resolve(node.func)
            name = func.rsplit(".", 1)[-1] if func else None
            if name in ("Path", "PurePath", "PosixPath", "join") and node.args:
                parts = [self.path_of(a) for a in node.args]
                return "/".join(parts) if all(p is not None for p in parts) else None
        return None

    def check_path(self, node: ast.Call):
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else None
        if name not in PATH_CALLS:
            return
        candidates = list(node.args) + [k.value for k in node.keywords]
        if isinstance(func, ast.Attribute) and name in ("read_text", "read_bytes", "write_text", "write_bytes",
                                                        "open", "glob", "mkdir", "exists", "stat", "unlink"):
            candidates.insert(0, func.value)
        for candidate in candidates:
            path = self.path_of(candidate)
            if not path:
                continue
            text = short(node)
            leaf = path.replace("\\", "/").rstrip("/").rsplit("/", 1)[-1]
            if leaf in GRADER_FILES and path_outside(path):
                self.attack(node, OUTSIDE, text)
            elif leaf in GRADER_FILES or GRADER_WORDS.search(path):
                self.flag(node, f"names the grader's files: {text}")
            elif path_outside(path):
                self.flag(node, f"opens a path outside the working folder: {text}")
