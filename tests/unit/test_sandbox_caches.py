"""The caches a grading kernel starts with (course/sandbox/isolation.py, course/sandbox/kernel/launch.py): found once
per worker, the grader's numba cache reused by every kernel without compiling, matplotlib's font
list seeded; and no kernel can write into the cache that the grader and the other kernels load."""

import hashlib
import json
import os
import shutil
from pathlib import Path

import nbformat
import pytest

import helpers
from course.config import Limits
from course.sandbox.execute import execute
from course.sandbox.isolation import batch_caches, bwrap_available, kernel_caches, numba_subfolder

LIMITS = Limits(cell_timeout=120, budget=300, max_restarts=0)
HELPERS = Path(os.path.abspath(os.path.dirname(helpers.__file__)))


def run_in_kernel(*sources: str) -> list[dict]:
    """Run code cells in a sandboxed grading kernel (as in `course grade`); each
    cell prints one JSON line: the decoded lines."""
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(s) for s in sources])
    execute(notebook, {}, [], LIMITS)
    found = []
    for cell in notebook.cells:
        text = "".join(o.get("text", "") for o in cell.outputs if o.get("name") == "stdout")
        assert text.strip(), cell.outputs
        found.append(json.loads(text.strip().splitlines()[-1]))
    return found


def digests(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir()) if p.is_file()}


def test_the_cache_folder_is_the_one_numba_uses_for_the_helpers_kernels():
    from numba.core.caching import _CacheLocator

    assert numba_subfolder(HELPERS) == _CacheLocator.get_suitable_cache_subpath(str(HELPERS / "_conv_kernels.py"))


def test_batch_caches_are_found_once_and_each_kernel_gets_its_own_folders(tmp_path):
    numba_cache = tmp_path / "numba"
    (numba_cache / numba_subfolder(HELPERS)).mkdir(parents=True)
    first = batch_caches(str(numba_cache))
    assert batch_caches(str(numba_cache)) is first
    assert numba_cache / numba_subfolder(HELPERS) in first.numba_folders
    name, content = first.font_list
    assert name.startswith("fontlist-") and json.loads(content)["_version"]

    homes = [tmp_path / "a", tmp_path / "b"]
    made = [kernel_caches(home, first) for home in homes]
    assert made[0].read_only == (numba_cache / numba_subfolder(HELPERS),)
    for home, caches in zip(homes, made):
        assert caches.env["NUMBA_CACHE_DIR"] == str(home / ".numba-cache") == str(caches.tmpfs)
        font_list = Path(caches.env["MPLCONFIGDIR"]) / name
        assert font_list.read_bytes() == content and font_list.stat().st_nlink == 1  # a copy, not a link


def test_a_grading_kernel_loads_the_warm_numba_cache_and_compiles_nothing():
    import helpers.conv

    helpers.conv.warm_up()  # the grader's cache is warm (what `course warm` does)
    check = (
        "import json, os\n"
        f"folder = os.path.join(os.environ['NUMBA_CACHE_DIR'], {numba_subfolder(HELPERS)!r})\n"
        "names = os.listdir(folder)\n"
        "import course.warm, helpers.conv\n"
        "helpers.conv.warm_up()\n"
        "hits, misses = course.warm._cache_counts(course.warm._dispatchers(helpers.conv))\n"
        "print(json.dumps({'index': sum(n.endswith('.nbi') for n in names), 'hits': hits, 'misses': misses,\n"
        "                   'mpl': sorted(os.listdir(os.environ['MPLCONFIGDIR']))}))\n"
    )
    (found,) = run_in_kernel(check)
    assert found["index"] > 10  # the kernel starts with the index files
    assert found["misses"] == 0 and found["hits"] > 0, found
    assert any(n.startswith("fontlist-") for n in found["mpl"])


ATTACK = """
import json, os
source = os.environ['COURSE_SANDBOX_NUMBA_SOURCES'].split(os.pathsep)[0]
mine = os.path.join(os.environ['NUMBA_CACHE_DIR'], os.path.basename(source))
victim = sorted(n for n in os.listdir(mine) if n.endswith('.nbi'))[0]
outcome = {'victim': victim}
def attempt(name, action):
    try:
        action()
        outcome[name] = 'written'
    except OSError as err:
        outcome[name] = err.strerror
def through_link():
    with open(os.path.join(mine, victim), 'r+b') as f:
        f.write(b'poisoned')
def into_source():
    with open(os.path.join(source, victim), 'ab') as f:
        f.write(b'poisoned')
def new_file_in_source():
    open(os.path.join(source, 'planted.nbi'), 'wb').close()
def rename_over_source():
    path = os.path.join(mine, 'planted')
    open(path, 'wb').close()
    os.replace(path, os.path.join(source, victim))
def chmod_source():
    os.chmod(os.path.join(source, victim), 0o666)
for name, action in [('through_link', through_link), ('into_source', into_source),
                     ('new_file_in_source', new_file_in_source), ('rename_over_source', rename_over_source),
                     ('chmod_source', chmod_source)]:
    attempt(name, action)
os.remove(os.path.join(mine, victim))          # its own folder: allowed, and only its own
with open(os.path.join(mine, victim), 'wb') as f:
    f.write(b'poisoned')
print(json.dumps(outcome))
"""

LOOK = """
import json, os, hashlib
source = os.environ['COURSE_SANDBOX_NUMBA_SOURCES'].split(os.pathsep)[0]
mine = os.path.join(os.environ['NUMBA_CACHE_DIR'], os.path.basename(source))
found = {n: hashlib.sha256(open(os.path.join(mine, n), 'rb').read()).hexdigest() for n in sorted(os.listdir(mine))}
print(json.dumps(hashlib.sha256(json.dumps(found).encode()).hexdigest()))
"""


@pytest.mark.skipif(not bwrap_available(), reason="filesystem isolation needs bubblewrap")
def test_a_kernel_cannot_write_into_the_cache_the_grader_and_other_kernels_load(tmp_path, monkeypatch):
    # a copy of the grader's cache, under /tmp (which the sandbox replaces by an empty tmpfs)
    from helpers._numba import cache_dir

    source = Path(cache_dir()) / numba_subfolder(HELPERS)
    if not any(source.glob("*.nbi")):
        pytest.skip("the numba cache is cold: run `course warm`")
    copy = tmp_path / "numba"
    shutil.copytree(source, copy / source.name)
    monkeypatch.setenv("NUMBA_CACHE_DIR", str(copy))
    before = digests(copy / source.name)

    (attacked,) = run_in_kernel(ATTACK)
    for name in ("through_link", "into_source", "new_file_in_source", "rename_over_source", "chmod_source"):
        assert attacked[name] != "written", (name, attacked)
    assert digests(copy / source.name) == before
    assert not (copy / source.name / "planted.nbi").exists()

    (seen,) = run_in_kernel(LOOK)  # the next student's kernel sees the cache as it was
    assert seen == hashlib.sha256(json.dumps(before).encode()).hexdigest()


def test_the_kernels_font_list_is_this_interpreters_and_shows_only_what_the_sandbox_binds():
    """Not the user's matplotlib cache, which another venv may have written (a kernel missing its fonts
    writes "findfont" warnings to stderr, which a test cell's grade reads)."""
    import matplotlib

    from course.sandbox.isolation import SYSTEM_FOLDERS, _font_list, python_paths

    name, content = _font_list()
    # matplotlib writes its own fonts relative to its data folder
    fonts = [os.path.join(matplotlib.get_data_path(), font["fname"]) for font in json.loads(content)["ttflist"]]
    shown = tuple(f"{folder}/" for folder in (*map(str, python_paths()), *SYSTEM_FOLDERS))
    assert any(Path(f).name == "STIXGeneral.ttf" for f in fonts)  # matplotlib's own, for mathtext
    assert all(f.startswith(shown) and Path(f).is_file() for f in fonts)


COMPILED_FROM_SOURCE = """
import importlib._bootstrap_external as external, json, sys
compiled = []
original = external.SourceLoader.source_to_code
def source_to_code(self, data, path, *args, **kwargs):
    compiled.append(path)
    return original(self, data, path, *args, **kwargs)
external.SourceLoader.source_to_code = source_to_code
import helpers.grading, helpers.images, helpers.widgets.w08
print(json.dumps({'helpers': helpers.__file__, 'compiled': compiled}))
"""


def test_a_grading_kernel_imports_helpers_from_the_bytecode_course_warm_wrote():
    """`course warm` writes the bytecode of helpers (an editable install has none, and the sandbox cannot
    write it): a kernel then loads every helpers module it imports instead of compiling its source."""
    from course.warm import bytecode_is_current, compile_bytecode, package_modules

    said = compile_bytecode(["helpers"])
    assert said[0].startswith("helpers: bytecode of "), said
    assert all(bytecode_is_current(p) for p in package_modules(HELPERS))
    (found,) = run_in_kernel(COMPILED_FROM_SOURCE)
    assert Path(found["helpers"]).parent == HELPERS
    assert not [p for p in found["compiled"] if p.startswith(str(HELPERS))], found["compiled"]


def test_bytecode_is_written_for_modules_only_and_once(tmp_path):
    """Only the package's modules get bytecode: a data folder inside it (course/samples/<week>/ holds an
    authoring script beside the sample folders) gets no __pycache__, which would read as one more sample."""
    from course.warm import bytecode_is_current, compile_package

    package = tmp_path / "pkg"
    (package / "sub").mkdir(parents=True)
    (package / "samples" / "w01").mkdir(parents=True)
    for path in ["__init__.py", "a.py", "sub/__init__.py", "sub/b.py", "samples/w01/overrides.py"]:
        (package / path).write_text("X = 1\n")
    (first,) = compile_package("pkg", package)
    assert first.startswith("pkg: bytecode of 4 of 4 modules written"), first
    modules = [package / p for p in ["__init__.py", "a.py", "sub/__init__.py", "sub/b.py"]]
    assert all(bytecode_is_current(p) for p in modules)
    assert not (package / "samples" / "w01" / "__pycache__").exists()
    (package / "a.py").write_text("X = 22\n")  # edited: its bytecode is stale, and written again alone
    assert not bytecode_is_current(package / "a.py")
    (line,) = compile_package("pkg", package)
    assert line.startswith("pkg: bytecode of 1 of 4 modules written"), line
    assert bytecode_is_current(package / "a.py")
