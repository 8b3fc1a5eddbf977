"""The judging half of the tamper scan: each load, store, call, magic and path of a cell
against the rules of course/grading/tamper/rules.py, as an attack or a flag."""

from __future__ import annotations

import ast
import re

from .names import Names
from .rules import (
    ALARMS,
    CODE_MAGICS,
    DISPLAY_MAGICS,
    EXTERNAL,
    EXTERNAL_MODULES,
    EXTERNAL_REFS,
    FLAGGED_REFS,
    GLOBALS,
    GRADER,
    GRADER_FILES,
    GRADER_PACKAGE,
    GRADER_WORDS,
    IMPORTERS,
    INTERNALS,
    INTERNALS_READ,
    INTERNALS_STORE,
    LINE_MAGICS_OK,
    MAX_FLAGS,
    MODULES,
    MUTATORS,
    NUMPY,
    OUTSIDE,
    PACKAGE_MAGICS,
    PATCHABLE_CONTAINERS,
    PATH_CALLS,
    PROTECTED_NAMES,
    PROTECTED_ROOTS,
    RUN,
    SHELL,
    SHELL_ATTACKS,
    SHELL_MAGICS,
    SHELL_OK,
    SHELL_RUNS_CODE,
    SOFT_REFS,
    STOP,
    STOP_REFS,
    TIMEIT_OPTIONS,
    const_str,
    literal_prefix,
    normalise,
    path_outside,
    protected_name_ok,
    root_of,
    short,
    to_python,
)


class CellScan(Names):
    """Judge each operation of one cell, with what its names stand for: ``attacks`` (certain, the
    notebook scores 0) and ``flags`` (notes for the instructor), each at its place in the cell."""

    def __init__(self, tree: ast.Module, depth: int = 0):
        super().__init__(tree)
        self.depth = depth  # code held in strings, scanned as part of the cell (nested), up to 3 deep
        self.attacks: list[tuple[tuple[int, int], str]] = []
        self.flags: list[tuple[tuple[int, int], str]] = []
        self.check()

    @classmethod
    def of_cell(cls, source: str, depth: int = 0) -> CellScan | None:
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
        inner = type(self).of_cell(source, self.depth + 1)
        if inner is None:
            return
        attacks, flags = inner.results()
        if runs:
            self.attacks += [(self.where(node), text) for text in attacks]
        else:
            flags = tuple(f"possibly {text}" for text in attacks) + flags
        self.flags += [(self.where(node), text) for text in flags]

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
        if head == "helpers" and ("unguarded" in parts or "__wrapped__" in parts or ref.startswith("helpers.tripwire")):
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
        if ref in ALARMS:  # an alarm ends the kernel unless the cell installs a handler (a time-out idiom)
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
        self.handler_installed = any(
            isinstance(node, ast.Call) and self.resolve(node.func)[0] == "signal.signal" for node in ast.walk(self.tree)
        )
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
                if ref:  # sys.modules['os'], __builtins__['exit']
                    self.use(node, ref, certain, short(self.chain(node)))
                self.check_lookup(node, node.value, node.slice)
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
            if what == NUMPY:  # jax.numpy, autograd.numpy: a choice, not certainly an attack
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
        op = (
            "="
            if not isinstance(statement, ast.AugAssign)
            else ast.unparse(ast.BinOp(ast.Name("a"), statement.op, ast.Name("b"))).split()[1] + "="
        )
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
            if ref in SOFT_REFS:
                self.flag(target, f"replaces {ref}: {text}")
            elif root_of(base) in PROTECTED_ROOTS:
                self.attack(target, PROTECTED_ROOTS[root_of(base)], text, certain)
            return
        if isinstance(target, ast.Subscript):
            holder = target.value
            if isinstance(holder, ast.Attribute) and holder.attr in (
                "__globals__",
                "f_globals",
                "f_locals",
                "f_builtins",
            ):
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
            elif base in SOFT_REFS:
                return
            elif root_of(base) in PROTECTED_ROOTS:
                self.attack(target, PROTECTED_ROOTS[root_of(base)], text, certain)

    # ------------------------------------------------------------------ calls
    def check_call(self, node: ast.Call):
        ref, certain = self.resolve(node)
        if ref:  # getattr(os, '_exit'), importlib.import_module('subprocess')
            self.use(node, ref, certain, short(self.chain(node)))
        func, certain = self.resolve(node.func)
        args = node.args
        if (
            func
            in (
                "builtins.setattr",
                "builtins.delattr",
                "builtins.object.__setattr__",
                "builtins.object.__delattr__",
                "builtins.type.__setattr__",
            )
            and args
        ):
            self.check_setattr(node, func.rsplit(".", 1)[-1].strip("_"))
            return
        method = func.rsplit(".", 1)[-1] if func else self.method_name(node.func)
        if method in ("__setattr__", "__delattr__"):
            if len(args) == (3 if method == "__setattr__" else 2):
                # unbound, through any class: type(np).__setattr__(np, 'allclose', f)
                self.check_setattr(node, method.strip("_"))
                return
            owner = func.rsplit(".", 1)[0] if func else None
            if owner and root_of(owner) in PROTECTED_ROOTS:  # np.__setattr__('allclose', f), through any name
                self.attack(node, PROTECTED_ROOTS[root_of(owner)], short(node), certain)
                return
        if func in ("builtins.getattr",) and len(args) >= 2 and const_str(args[1]) is None:
            self.flag(node, f"dynamic getattr with a computed name: {short(node)}")
        if func in ("builtins.eval", "builtins.exec", "builtins.compile"):
            self.flag(node, f"runs code from a string: {short(node)}")
            code = const_str(args[0]) if args else None
            if code is not None:
                self.nested(node, code)
            return
        if func in IMPORTERS or func == "importlib.reload":
            self.flag(node, f"imports a module by name: {short(node)}")
            if func in IMPORTERS and args:
                name, whole, literal = self.module_named(node, func)
                if literal and name:
                    self.use(node, normalise(name), certain, short(node))
                elif not literal:
                    self.check_built_name(node, name, whole, certain)
            return
        if func and root_of(func) == SHELL:
            self.check_shell_call(node, func)
            return
        if isinstance(node.func, ast.Attribute):
            self.check_method(node)
        self.check_path(node)

    def method_name(self, func) -> str | None:
        """The name of the method a call calls: ``x`` for ``a.x(...)`` and ``getattr(a, 'x')(...)``."""
        if isinstance(func, ast.Attribute):
            return func.attr
        if isinstance(func, ast.Call) and len(func.args) >= 2 and self.resolve(func.func)[0] == "builtins.getattr":
            return const_str(func.args[1])
        return None

    def check_built_name(self, node, name: str, whole: bool, certain: bool):
        """A module found by a name built from pieces: the grader's own package has no honest use
        that would hide its name (an import statement, which is only flagged, names it plainly)."""
        if (whole and name.split(".")[0] == GRADER_PACKAGE) or name.startswith(GRADER_PACKAGE + "."):
            self.attack(node, GRADER, short(node), certain)

    def check_lookup(self, node, holder, key):
        """A module's namespace looked up with a key the scan cannot read: ``os.__dict__['_ex' + 'it']``
        may stop the kernel or not, so it is flagged; ``sys.modules`` by a built name is an import."""
        if key is None or const_str(key) is not None:
            return
        base, certain = self.resolve(holder)
        if base == "sys.modules":
            self.flag(node, f"looks a module up by a computed name: {short(node)}")
            self.check_built_name(node, *literal_prefix(key), certain)
        elif base and (base == "builtins" or base.endswith(".__dict__")) and root_of(base) in PROTECTED_ROOTS:
            self.flag(node, f"looks a name up in {base} with a computed key: {short(node)}")

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
        elif base and f"{base}.{name}" in SOFT_REFS:
            self.flag(node, f"replaces {base}.{name}: {text}")
        elif base and root_of(base) in PROTECTED_ROOTS:
            self.attack(node, PROTECTED_ROOTS[root_of(base)], text, certain)
        elif name is None:
            self.flag(node, f"{which} with a computed name: {text}")

    def check_method(self, node: ast.Call):
        method = node.func.attr
        if method == "get" and node.args:  # os.__dict__.get(name), sys.modules.get(name)
            self.check_lookup(node, node.func.value, node.args[0])
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
        elif root_of(base) == "helpers" and (
            base.rsplit(".", 1)[-1].isupper() or base.rsplit(".", 1)[-1].startswith("_") or "[" in base
        ):
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
            self.nested(
                node,
                TIMEIT_OPTIONS.sub("", line) if name != "prun" else re.sub(r"^\s*((-[slTDr]\s*\S+|-q)\s+)*", "", line),
            )
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
                self.nested(node, body, runs=False)  # a module it may import, or a script
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
        if isinstance(func, ast.Attribute) and name in (
            "read_text",
            "read_bytes",
            "write_text",
            "write_bytes",
            "open",
            "glob",
            "mkdir",
            "exists",
            "stat",
            "unlink",
        ):
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
