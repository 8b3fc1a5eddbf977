"""The machinery of the honest corpus: the ``Honest`` entry, the edits a student makes
(``replace``, ``insert_after``, ``append``, ``debug_prints``, ``edit_test``, ``delete``), the cells
shared by every week (``ATTACK_WORDS``, ``exploration``) and the in-process check
(``check_in_process``: the visible tests and the public checks the hidden tests call)."""

from __future__ import annotations

import ast
import contextlib
import copy
import hashlib
import io
import marshal
import textwrap
import types
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from tests.support import REPO


def meta(cell) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {})


def cell(nb, grade_id):
    return next(c for c in nb.cells if meta(c).get("grade_id") == grade_id)


def code(text: str) -> str:
    return textwrap.dedent(text).strip("\n") + "\n"


# --------------------------------------------------------------------------- edits


@dataclass
class Honest:
    """One honest submission: the week's reference with ``edits`` applied, and why it earns full marks."""

    week: str
    why: str
    edits: list[Callable] = field(default_factory=list)

    def build(self, reference):
        nb = copy.deepcopy(reference)
        for edit in self.edits:
            edit(nb)
        return nb


def replace(grade_id: str, source: str):
    """The student wrote this solution cell another way."""

    def edit(nb):
        cell(nb, grade_id).source = code(source)

    return edit


def insert_after(anchor: str | None, source: str):
    """A new cell of the student's own after the cell ``anchor`` (a grade_id; None: the first code cell)."""

    def edit(nb):
        if anchor is None:
            index = next(i for i, c in enumerate(nb.cells) if c.cell_type == "code")
        else:
            index = nb.cells.index(cell(nb, anchor))
        nb.cells.insert(index + 1, nbformat.v4.new_code_cell(code(source)))

    return edit


def append(source: str):
    """A new cell of the student's own at the end of the notebook."""

    def edit(nb):
        nb.cells.append(nbformat.v4.new_code_cell(code(source)))

    return edit


def debug_prints(grade_id: str, function: str):
    """A print as the first statement of ``function`` in the solution cell ``grade_id``."""

    def edit(nb):
        target = cell(nb, grade_id)
        lines = target.source.splitlines()
        tree = ast.parse(target.source)
        fn = next(n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == function)
        first = fn.body[1] if ast.get_docstring(fn) and len(fn.body) > 1 else fn.body[0]
        indent = lines[first.lineno - 1][: first.col_offset]
        args = ", ".join(f"np.shape({a.arg})" for a in fn.args.args[:2])
        lines.insert(first.lineno - 1, f'{indent}print("[debug] {function}: shapes", {args or "()"})')
        target.source = "\n".join(lines) + "\n"

    return edit


def edit_test(grade_id: str, change: Callable[[str], str]):
    """The student typed into a visible test cell."""

    def edit(nb):
        target = cell(nb, grade_id)
        target.source = change(target.source)

    return edit


def delete(grade_id: str):
    """A cell deleted by accident."""

    def edit(nb):
        nb.cells.remove(cell(nb, grade_id))

    return edit


# --------------------------------------------------------------------------- cells shared by every week

ATTACK_WORDS = """
    # bookkeeping while exploring: ordinary names that happen to be words the grader cares about
    signal = np.sin(np.linspace(0, 2 * np.pi, 50))
    submitted = ["train", "dev", "test"]
    harness = {"runs": 3, "seed": 0}
    source = "scikit-learn digits"
    path = "plots/curve.png"
    exit_code = 0
    globals_seen = {}
    print(f"{source}: {len(submitted)} splits, signal peak {signal.max():.2f}, exit_code {exit_code}")
"""


def exploration(timeit_line: str, time_cell: str, extra: str = "") -> list[Callable]:
    """Cells a curious student adds at the end: timings, a saved plot, prints, a warning, a display."""
    return [
        append(timeit_line),
        append("%%time\n" + code(time_cell)),
        append("""
            import os
            import warnings
            from IPython.display import Markdown, display

            os.makedirs("plots", exist_ok=True)
            fig, ax = plt.subplots(figsize=(4, 3))
            ax.plot(np.linspace(0, 1, 20) ** 2, label="train/dev")
            ax.legend()
            fig.savefig("plots/exploration.png")
            plt.close(fig)
            print("/".join(["train", "dev", "test"]), "->", os.path.join("plots", "exploration.png"))
            warnings.warn("exploration only: this cell is not graded")
            display(Markdown("**splits:** train / dev / test"))
        """),
        *([append(extra)] if extra else []),
    ]


# --------------------------------------------------------------------------- in-process check

DEFINITIONS = (ast.FunctionDef, ast.ClassDef, ast.Import, ast.ImportFrom)


def cheap_definition(statement) -> bool:
    if isinstance(statement, DEFINITIONS):
        return True
    if isinstance(statement, (ast.Assign, ast.AnnAssign)) and statement.value is not None:
        return not calls_now(statement.value)
    return False


def calls_now(node) -> bool:
    """Does evaluating ``node`` call anything but numpy or helpers (a lambda's body runs later)?"""
    if isinstance(node, ast.Call):
        root = node.func
        while isinstance(root, ast.Attribute):
            root = root.value
        if not (isinstance(root, ast.Name) and root.id in ("np", "helpers") and root is not node.func):
            return True
    return any(calls_now(child) for child in ast.iter_child_nodes(node) if not isinstance(child, ast.Lambda))


def namespace(notebook) -> dict:
    """The graded functions as the notebook defines them: solution cells, and the definitions of
    every other non-test cell (imports, functions, constants and small numpy arrays; no
    training, no plots)."""
    from IPython.core.inputtransformer2 import TransformerManager

    ns: dict = {"__name__": "__honest__"}
    for c in notebook.cells:
        if c.cell_type != "code" or (meta(c).get("grade") and not meta(c).get("solution")):
            continue
        tree = ast.parse(TransformerManager().transform_cell(c.source))
        name = f"<cell {meta(c).get('grade_id', 'extra')}>"
        if meta(c).get("solution"):
            exec(compile(tree, name, "exec"), ns)
            continue
        for statement in filter(cheap_definition, tree.body):
            try:  # a constant built from a skipped result is not needed by any graded function
                exec(compile(ast.Module([statement], []), name, "exec"), ns)
            except NameError:
                pass
    return ns


def hidden_checks(week: str, root: Path = REPO) -> dict[str, list[tuple[str, str]]]:
    """grade_id -> [(check name, function name)] from the source notebook's hidden tests."""
    from course.grading.answer_key import checks_called

    source = nbformat.read(next((root / "source" / week).glob("*.ipynb")), as_version=4)
    return {
        meta(c)["grade_id"]: checks_called(c.source)
        for c in source.cells
        if meta(c).get("grade") and not meta(c).get("solution")
    }


def check_in_process(week: str, notebook, root: Path = REPO) -> list[str]:
    """Run the week's test cells on this notebook's functions: the visible tests (those that
    need only the functions; data made by the given cells is not made here) and every public
    check the hidden tests call, on the adapters they wrap a function in (``hidden_setup``).
    Returns the failures."""
    ns = namespace(notebook)
    failures = []
    tests = dict(ns)  # test cells run in order, in one namespace, as in the notebook
    for grade_id, visible in visible_tests(week, root).items():
        try:
            with contextlib.redirect_stdout(io.StringIO()):
                exec(compile(visible, f"<{grade_id}>", "exec"), tests)
        except NameError:
            pass  # needs the given cells' data (X_train, Xs ...): left to the grading run
        except Exception as err:
            failures.append(f"{grade_id}: visible test: {type(err).__name__}: {str(err).splitlines()[0][:200]}")
    setups = hidden_setup(week, root)
    for grade_id, calls in hidden_checks(week, root).items():
        try:  # the adapters the hidden tests wrap a function in (helpers.layers.on_arrays(model_forward) ...)
            exec(compile(setups.get(grade_id, ""), f"<hidden {grade_id}>", "exec"), tests)
        except Exception as err:
            failures.append(f"{grade_id}: hidden test's adapter: {type(err).__name__}: {err}")
            continue
        for check, function in calls:
            key = (week, check, function, code_fingerprint(tests.get(function), (ns, tests)))
            if key not in CHECKED:
                CHECKED[key] = run_public_check(check, function, tests)
            failures += [f"{grade_id}: {failure}" for failure in CHECKED[key]]
    return failures


# (week, check, function, fingerprint of everything the function's code can reach) -> failures.
# A check is seeded, so the same code gives the same result: a variant that left a function
# (and all it calls) as the reference wrote it reuses the result instead of training again.
CHECKED: dict[tuple, list[str]] = {}


def run_public_check(check: str, function: str, tests: dict) -> list[str]:
    import helpers.grading

    try:
        with contextlib.redirect_stdout(io.StringIO()):
            getattr(helpers.grading, f"check_{check}")(tests[function])
    except Exception as err:  # a failed check, or the function is missing
        return [f"check_{check}({function}): {type(err).__name__}: {str(err).splitlines()[0] if str(err) else ''}"]
    return []


def code_fingerprint(value, namespaces) -> str:
    """A hash of ``value``'s code and of every function, table and constant of the notebook it
    reaches through global names, defaults and closures (helpers and modules by name)."""
    digest, seen = hashlib.sha256(), set()
    own = {id(n) for n in namespaces}

    def visit(item):
        if id(item) in seen:
            return
        seen.add(id(item))
        if isinstance(item, types.FunctionType):
            digest.update(f"function {item.__module__}.{item.__qualname__}".encode())
            for cell_ in item.__closure__ or ():
                visit(cell_.cell_contents)
            for default in (item.__defaults__ or ()) + tuple((item.__kwdefaults__ or {}).values()):
                visit(default)
            if id(item.__globals__) not in own:
                return  # helpers, numpy...: fixed for the whole session
            digest.update(marshal.dumps(item.__code__))
            for name in sorted(global_names(item.__code__)):
                if name in item.__globals__:
                    digest.update(f"global {name}".encode())
                    visit(item.__globals__[name])
        elif isinstance(item, types.ModuleType):
            digest.update(f"module {item.__name__}".encode())
        elif isinstance(item, dict):
            for k in sorted(item, key=repr):
                digest.update(repr(k).encode())
                visit(item[k])
        elif isinstance(item, (list, tuple, set, frozenset)):
            digest.update(type(item).__name__.encode())
            for element in sorted(item, key=repr) if isinstance(item, (set, frozenset)) else item:
                visit(element)
        elif type(item).__name__ == "ndarray":
            digest.update(f"array {item.dtype} {item.shape}".encode() + item.tobytes())
        elif isinstance(item, type):
            digest.update(f"class {item.__module__}.{item.__qualname__}".encode())
            if item.__module__ == "__honest__":
                visit(dict(vars(item)))
        else:
            digest.update(f"{type(item).__name__} {item!r}".encode())

    visit(value)
    return digest.hexdigest()


def global_names(code) -> set[str]:
    names = set(code.co_names)
    for constant in code.co_consts:
        if isinstance(constant, types.CodeType):
            names |= global_names(constant)
    return names


def hidden_setup(week: str, root: Path = REPO) -> dict[str, str]:
    """grade_id -> the statements of the hidden tests other than the check calls: the adapters a
    function is wrapped in before its check (``train_arrays = helpers.batchnorm_layer.on_arrays(train)``)."""
    from course.grading.answer_key import HIDDEN

    source = nbformat.read(next((root / "source" / week).glob("*.ipynb")), as_version=4)
    setups = {}
    for c in source.cells:
        if not (meta(c).get("grade") and not meta(c).get("solution")):
            continue
        kept = []
        for block in HIDDEN.findall(c.source):
            for statement in ast.parse(textwrap.dedent(block)).body:
                call = statement.value if isinstance(statement, ast.Expr) else None
                if not (isinstance(call, ast.Call) and ast.unparse(call.func).startswith("helpers.grading.check_")):
                    kept.append(ast.unparse(statement))
        setups[meta(c)["grade_id"]] = "\n".join(kept)
    return setups


def visible_tests(week: str, root: Path = REPO) -> dict[str, str]:
    """grade_id -> the test cell's visible code, as Python."""
    from IPython.core.inputtransformer2 import TransformerManager

    from course.notebook import strip_blocks

    source = nbformat.read(next((root / "source" / week).glob("*.ipynb")), as_version=4)
    return {
        meta(c)["grade_id"]: TransformerManager().transform_cell(strip_blocks(c.source))
        for c in source.cells
        if c.cell_type == "code" and meta(c).get("grade") and not meta(c).get("solution")
    }


def source_reference(week: str, root: Path = REPO):
    """The source notebook with solution markers removed: the reference's code, for in-process checks."""
    from course.authoring.make_samples import solution_text

    nb = nbformat.read(next((root / "source" / week).glob("*.ipynb")), as_version=4)
    for c in nb.cells:
        if meta(c).get("solution"):
            c.source = solution_text(c.source)
    return nb
