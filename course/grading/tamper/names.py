"""Name resolution for the tamper scan: what each name in a cell is bound to (imports,
assignments, function, class and comprehension scopes), and what an expression stands for
(``xp.allclose`` with ``import numpy as xp`` is ``numpy.allclose``)."""

from __future__ import annotations

import ast

from .rules import (
    BUILTIN_NAMES,
    GET_IPYTHON,
    GIVEN,
    GLOBALS,
    IMPORTERS,
    LIKELY,
    PROTECTED_NAMES,
    PROTECTED_ROOTS,
    SHELL,
    const_str,
    literal_prefix,
    namespace,
    normalise,
    root_of,
)

# --------------------------------------------------------------------------- scopes


class Scope:
    __slots__ = ("kind", "parent", "names", "globals")

    def __init__(self, kind: str, parent: Scope | None):
        self.kind, self.parent = kind, parent
        self.names: dict[str, list[tuple]] = {}
        self.globals: set[str] = set()


class Binder(ast.NodeVisitor):
    """First pass: which names each scope binds, and to what (an import, an expression, other)."""

    def __init__(self):
        self.module = Scope("module", None)
        self.current = self.module
        self.scope_of: dict[int, Scope] = {}
        self.module_bindings: list[tuple[str, tuple, ast.AST]] = []  # (name, binding, statement)
        self.statement: ast.AST | None = None

    def visit(self, node):
        self.scope_of[id(node)] = self.current
        if isinstance(node, ast.stmt):
            self.statement = node
        return super().visit(node)

    def bind(self, name: str, binding: tuple, scope: Scope | None = None):
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
            values = (
                value.elts
                if isinstance(value, (ast.Tuple, ast.List))
                and len(value.elts) == len(target.elts)
                and not any(isinstance(e, ast.Starred) for e in value.elts + target.elts)
                else None
            )
            for i, element in enumerate(target.elts):
                self.bind_target(element, values[i] if values else None)
        elif isinstance(target, ast.Starred):
            self.bind_target(target.value, None)

    def push(self, kind: str):
        self.current = Scope(kind, self.current)

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
            binding = (
                ("ref", normalise(f"{node.module}.{alias.name}")) if node.module and not node.level else ("other", None)
            )
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


class Names:
    """Second pass: what names and attributes of a cell stand for, as dotted paths (``xp.allclose``
    with ``import numpy as xp`` is ``numpy.allclose``), and whether that is certain."""

    def __init__(self, tree: ast.Module):
        self.tree = tree
        binder = Binder()
        binder.visit(tree)
        self.binder = binder
        self.parent: dict[int, ast.AST] = {}
        for node in ast.walk(tree):
            for child in ast.iter_child_nodes(node):
                self.parent[id(child)] = node

    # ------------------------------------------------------------------ resolution
    def scope(self, node) -> Scope:
        return self.binder.scope_of.get(id(node), self.binder.module)

    def lookup(self, name: str, scope: Scope):
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

    def resolve(self, node, scope: Scope | None = None, depth: int = 0) -> tuple[str | None, bool]:
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
            return self.item(base, node.slice, certain, depth)
        if isinstance(node, ast.Call):
            func, certain = self.resolve(node.func, scope, depth + 1)
            if func is None:
                return None, False
            args = node.args
            if func in GET_IPYTHON:
                return SHELL, certain
            if func in IMPORTERS and args:
                name, _, literal = self.module_named(node, func)
                if not (literal and name):  # a built name is the sandbox's business (course/grading/tamper/__init__.py)
                    return None, False
                if func == "builtins.__import__" and not (
                    len(args) > 3 or any(k.arg == "fromlist" for k in node.keywords)
                ):
                    name = name.split(".")[0]
                return normalise(name), certain
            if func.endswith(".get") and namespace(func[: -len(".get")]) and args:  # os.__dict__.get('_exit')
                return self.item(func[: -len(".get")], args[0], certain, depth)
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

    def item(self, base: str | None, key, certain: bool, depth: int) -> tuple[str | None, bool]:
        """What ``base[key]`` stands for, the key a literal: a module in sys.modules, a name in a
        namespace, an item of a protected object; None when unknown."""
        key = const_str(key)
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
            return f"{base[: -len('.__dict__')]}.{key}", certain
        if root_of(base) in PROTECTED_ROOTS:
            return f"{base}[{key}]", certain
        return None, False

    @staticmethod
    def module_named(node: ast.Call, func: str) -> tuple[str, bool, bool]:
        """The module an importer call (IMPORTERS) names, as far as its literals show: (name, whether
        that is all of it, whether it is written as plain literals, as an import statement would be)."""
        name, whole = literal_prefix(node.args[0])
        literal = const_str(node.args[0]) is not None
        if func == "pkgutil.resolve_name":
            name = name.replace(":", ".")
        elif func == "importlib.import_module" and name.startswith("."):  # relative to its package
            package = (
                node.args[1]
                if len(node.args) > 1
                else next((k.value for k in node.keywords if k.arg == "package"), None)
            )
            base, known = literal_prefix(package) if package is not None else ("", False)
            name, whole, literal = base + name, whole and known, literal and const_str(package) is not None
        return name, whole, literal

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
