"""Spot a student's function that is a copy of a reference kernel's source: flagged, never zeroed.

The reference kernels in ``helpers`` are public; nothing stops a student from copying one by
hand. A copy is not an attack on the grading run, and renaming its variables or dropping its
docstring changes nothing that matters, so the grader compares syntax trees with every name
that is local to the function (its arguments and what it assigns) replaced by its order of
appearance, and docstrings and comments gone. A match is a note for the instructor ("flagged
for review"), never a lost point: short functions (``return np.maximum(z, 0)``) have one
natural form and are never compared.
"""

from __future__ import annotations

import ast
import functools
import inspect
import textwrap

MIN_NODES = 40  # smaller function bodies have too few ways to be written to tell a copy


class _Canonical(ast.NodeTransformer):
    """Local names -> v0, v1, ... in order of appearance; docstrings dropped."""

    def __init__(self, local: set[str]):
        self.local, self.names = local, {}

    def _name(self, name: str) -> str:
        if name not in self.local:
            return name
        return self.names.setdefault(name, f"v{len(self.names)}")

    def visit_Name(self, node):
        return ast.copy_location(ast.Name(self._name(node.id), node.ctx), node)

    def visit_arg(self, node):
        return ast.copy_location(ast.arg(self._name(node.arg), None), node)

    def visit_FunctionDef(self, node):
        if _is_docstring(node.body[0]) and len(node.body) > 1:
            node.body = node.body[1:]
        node.name, node.decorator_list, node.returns = "f", [], None
        self.generic_visit(node)
        return node


def _is_docstring(statement) -> bool:
    return (
        isinstance(statement, ast.Expr)
        and isinstance(statement.value, ast.Constant)
        and isinstance(statement.value.value, str)
    )


def _local_names(function: ast.FunctionDef) -> set[str]:
    names = {a.arg for a in ast.walk(function.args) if isinstance(a, ast.arg)}
    names |= {n.id for n in ast.walk(function) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
    return names


def shape_of(function: ast.FunctionDef) -> str | None:
    """The function's syntax tree up to local names and docstrings, or None when it is too small."""
    if sum(1 for _ in ast.walk(function)) < MIN_NODES:
        return None
    canonical = _Canonical(_local_names(function)).visit(ast.parse(ast.unparse(function)).body[0])
    return ast.dump(canonical, annotate_fields=False)


def functions_in(source: str) -> dict[str, ast.FunctionDef]:
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return {}
    return {node.name: node for node in tree.body if isinstance(node, ast.FunctionDef)}


def reference_shapes(kernels) -> dict[str, str]:
    """{shape: qualified name} of the given reference functions (wrappers are unwrapped)."""
    shapes = {}
    for kernel in kernels:
        try:
            found = _kernel_shapes(kernel)
        except TypeError:  # an unhashable callable: not kept
            found = _kernel_shapes.__wrapped__(kernel)
        shapes.update(found)
    return shapes


@functools.lru_cache(maxsize=1024)
def _kernel_shapes(kernel) -> tuple[tuple[str, str], ...]:
    """((shape, qualified name), ...) of one reference function and the functions in its source. Kept for
    the worker's life: reading and reshaping the references' sources took 0.5 s of every submission of
    weeks 5 and 8, and they do not change while a batch is graded."""
    function = inspect.unwrap(getattr(kernel, "unguarded", kernel))
    try:
        source = textwrap.dedent(inspect.getsource(function))
    except (OSError, TypeError):
        return ()
    name = getattr(kernel, "reference_name", f"{function.__module__}.{function.__name__}")
    return tuple((shape, name) for shape in map(shape_of, functions_in(source).values()) if shape)


def copied_references(sources: list[str], kernels) -> list[str]:
    """One flag per function in ``sources`` whose syntax tree is a reference kernel's."""
    shapes = reference_shapes(kernels)
    flags = []
    for source in sources:
        for name, node in functions_in(source).items():
            found = shapes.get(shape_of(node) or "")
            if found:
                flags.append(f"`{name}` is a copy of the reference {found} (the same code up to names)")
    return flags


def week_references(nb_key) -> list:
    """The reference functions of the checks a notebook's tests call, and the kernels they guard.
    helpers.numpy_reference is left out on purpose: it is written the plain way a student would
    write it (our own week-5 solution has its LSTM step's very tree), so a match proves nothing."""
    from helpers.grading import CHECKS

    kernels = []
    for entry in nb_key["cells"]:
        for check_name, _ in entry["checks"]:
            check = CHECKS[check_name]
            kernels += [
                k
                for k in (check.reference, *check.guarded)
                if callable(k) and not getattr(k, "__module__", "").endswith("numpy_reference")
            ]
    return kernels
