"""What a student sees, in a real browser: Playwright driving Debian's chromium.

For each week with an explorer in its release notebook: `course lab` (on a scratch copy of
release/) opens the notebook in JupyterLab, runs its set-up cell, the cells the explorer needs
(found from the names it uses) and the explorer cell; no cell shows an error, there is no
"Jupyter news" pop-up, and moving a slider with the keyboard changes the picture. For the
gallery (`course gallery`): the index has a card with a thumbnail per gallery notebook, and every
app opens with no code shown and answers a control change with a new picture.

One JupyterLab, one Voilà and one chromium serve the whole module. Chromium is never downloaded
(`playwright install` fails offline): the tests use /usr/bin/chromium (`make test` installs it when
run as root) and skip, saying why, when it or the playwright package is missing. Screenshots go to
$BROWSER_SCREENSHOTS when set (they are worth a look after a change to a widget).
"""

from __future__ import annotations

import ast
import builtins
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.support import CHROMIUM, CHROMIUM_ARGS, REPO

NEWS = "Would you like to get notified about official Jupyter news?"
ERROR_OUTPUT = '[data-mime-type="application/vnd.jupyter.stderr"]'
START_TIMEOUT_S = 180
CELL_TIMEOUT_MS = 180_000
TOKEN = "course-browser-tests"

try:
    from playwright.sync_api import expect, sync_playwright
except ImportError:  # the dev extra is not installed
    sync_playwright = None

if sync_playwright is None:
    pytest.skip("the playwright package is missing: pip install -e '.[dev]'", allow_module_level=True)
if not (Path(CHROMIUM).is_file() and os.access(CHROMIUM, os.X_OK)):
    pytest.skip(
        f"no chromium at {CHROMIUM}: `apt-get install chromium` (make test does it when run as "
        f"root); never `playwright install`, which downloads a browser",
        allow_module_level=True,
    )


# --------------------------------------------------------------------------- which cells to run


def _names(tree: ast.AST) -> tuple[set[str], set[str]]:
    """(names a cell defines, names it reads) at its top level; good enough for notebook cells."""
    defined, used = set(), set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            (defined if isinstance(node.ctx, ast.Store) else used).add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            defined.add(node.name)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            defined.update((a.asname or a.name).split(".")[0] for a in node.names)
        elif isinstance(node, ast.arg):
            defined.add(node.arg)
    return defined, used


def explorer_runs(notebook: Path) -> list[tuple[int, list[int]]]:
    """For each explorer cell (a code cell importing from helpers.widgets): its index and the
    indices of the cells to run before it: the first code cell (set-up) and, going back, every
    cell that last defines a name the explorer (or such a cell) needs."""
    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    code = [(i, "".join(c["source"])) for i, c in enumerate(cells) if c["cell_type"] == "code"]
    parsed = {}
    for i, source in code:
        try:
            parsed[i] = _names(ast.parse(source))
        except SyntaxError:  # a cell with magics: never a dependency here
            parsed[i] = (set(), set())
    runs = []
    for k, (index, source) in enumerate(code):
        if "helpers.widgets" not in source:
            continue
        chosen = {code[0][0]}
        needed = parsed[index][1] - parsed[index][0] - set(dir(builtins))
        for earlier, _ in reversed(code[:k]):
            defines, uses = parsed[earlier]
            if defines & needed:
                chosen.add(earlier)
                needed = (needed - defines) | (uses - defines - set(dir(builtins)))
        runs.append((index, sorted(chosen - {index})))
    return runs


def weeks_with_explorers() -> list[tuple[str, int, list[int]]]:
    found = []
    for notebook in sorted((REPO / "release").glob("w*/w*.ipynb")):
        for index, before in explorer_runs(notebook):
            found.append((notebook.parent.name, index, before))
    return found


def gallery_apps() -> list[str]:
    return sorted(p.name for p in (REPO / "gallery").glob("w[0-9][0-9]_*.ipynb"))


# --------------------------------------------------------------------------- servers and browser


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_for(url: str, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"{url} exited with {process.returncode}:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise AssertionError(f"{url} did not answer in {START_TIMEOUT_S} s:\n{log.read_text()[-3000:]}")


def _start(command: list[str], url: str, log: Path, env: dict, cwd: Path) -> subprocess.Popen:
    handle = log.open("w")
    process = subprocess.Popen(command, stdout=handle, stderr=subprocess.STDOUT, env=env, cwd=cwd)
    try:
        _wait_for(url, process, log)
    except BaseException:
        process.kill()
        raise
    return process


def _stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()


def _environment(scratch: Path) -> dict:
    """Fresh JupyterLab user settings (autosave off: the test never writes a notebook back) and
    runtime files; the course's own settings come from `course lab`."""
    settings = scratch / "user-settings"
    docmanager = settings / "@jupyterlab" / "docmanager-extension"
    docmanager.mkdir(parents=True)
    (docmanager / "plugin.jupyterlab-settings").write_text(json.dumps({"autosave": False}))
    return dict(
        os.environ,
        JUPYTERLAB_SETTINGS_DIR=str(settings),
        JUPYTERLAB_WORKSPACES_DIR=str(scratch / "workspaces"),
        JUPYTER_RUNTIME_DIR=str(scratch / "runtime"),
        PYTHONUNBUFFERED="1",
        PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
    )


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """`course lab` on a scratch copy of the course's release/: the base URL."""
    scratch = tmp_path_factory.mktemp("lab")
    root = scratch / "course"
    root.mkdir()
    shutil.copy2(REPO / "nbgrader_config.py", root / "nbgrader_config.py")
    shutil.copytree(REPO / "release", root / "release")
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    process = _start(
        [
            sys.executable,
            "-m",
            "course",
            "lab",
            "--root",
            str(root),
            "--",
            "--no-browser",
            f"--port={port}",
            "--ServerApp.ip=127.0.0.1",
            f"--IdentityProvider.token={TOKEN}",
        ],
        f"{base}/api/status?token={TOKEN}",
        scratch / "lab.log",
        _environment(scratch),
        root,
    )
    yield base
    _stop(process)


@pytest.fixture(scope="module")
def gallery(tmp_path_factory):
    """`course gallery` on the course's gallery/: the base URL."""
    scratch = tmp_path_factory.mktemp("gallery")
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    process = _start(
        [sys.executable, "-m", "course", "gallery", "--root", str(REPO), "--no-browser", f"--port={port}"],
        f"{base}/",
        scratch / "gallery.log",
        _environment(scratch),
        REPO,
    )
    yield base
    _stop(process)


@pytest.fixture(scope="module")
def context(browser):
    """One browser profile for the module, as a student's browser is: JupyterLab's scripts are fetched
    and compiled once, then come from its cache (a new profile per test loaded them all again)."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    yield context
    context.close()


@pytest.fixture
def page(context, request):
    page = context.new_page()
    page.set_default_timeout(60_000)
    yield page
    shots = os.environ.get("BROWSER_SCREENSHOTS")
    if shots:
        Path(shots).mkdir(parents=True, exist_ok=True)
        name = re.sub(r"[^\w.-]+", "_", request.node.name)
        page.screenshot(path=str(Path(shots) / f"{name}.png"), full_page=True)
    page.close()


# --------------------------------------------------------------------------- moving a control


def move_a_control(widget, page) -> str:
    """Change the first control of an explorer as a student would (a slider with the keyboard,
    else a dropdown to another option, else a new text typed and Enter, else a click on a button);
    returns what it did."""
    sliders = widget.locator(".noUi-handle")
    if sliders.count():
        handle = sliders.first
        handle.focus()
        # a slider that starts at its maximum (week 11's query position: the last) moves left
        at_top = handle.get_attribute("aria-valuenow") == handle.get_attribute("aria-valuemax")
        key = "ArrowLeft" if at_top else "ArrowRight"
        page.keyboard.press(key)
        return f"slider, {key}"
    selects = widget.locator("select")
    if selects.count():
        select = selects.first
        options = select.locator("option").all_inner_texts()
        current = select.input_value()
        select.select_option(next(o for o in options if o != current))
        return "dropdown"
    texts = widget.locator("input[type='text']")
    if texts.count():  # week 10's explorer takes a date typed by the student
        box = texts.first
        box.fill("12 march 2021" if box.input_value() != "12 march 2021" else "3 june 1999")
        box.press("Enter")
        return "text typed, Enter"
    widget.locator("button").first.click()
    return "button"


def picture_changes(page, image, widget) -> None:
    before = image.get_attribute("src")
    how = move_a_control(widget, page)
    try:
        page.wait_for_function(
            "([img, before]) => img.getAttribute('src') !== before",
            arg=[image.element_handle(), before],
            timeout=30_000,
        )
    except Exception as err:
        raise AssertionError(f"the picture did not change after a control change ({how})") from err


def run_cell(page, cell) -> None:
    """Select the cell by its prompt and run it with Ctrl+Enter, as a student would. While the
    notebook is still starting a key press can be lost: press again until the prompt shows that
    the cell ran or waits for the kernel ([*] or a number)."""
    prompt = cell.locator(".jp-InputPrompt")
    for _ in range(5):
        prompt.click()
        page.keyboard.press("Control+Enter")
        try:
            expect(prompt).to_have_text(re.compile(r"\[(\*|\d+)\]"), timeout=10_000)
            return
        except AssertionError:
            continue
    raise AssertionError(f"the cell did not start running: its prompt says {prompt.inner_text()!r}")


# --------------------------------------------------------------------------- the tests

WEEKS = weeks_with_explorers()


def test_every_week_with_a_widget_has_a_release_explorer_cell():
    """The lab tests below are generated from release/: at least the six weeks of today."""
    assert len({week for week, _, _ in WEEKS}) >= 6, WEEKS


@pytest.mark.parametrize("week, explorer, before", WEEKS, ids=[f"{w}-cell{i}" for w, i, _ in WEEKS])
def test_release_notebook_explorer_in_jupyterlab(lab, page, week, explorer, before):
    page.goto(f"{lab}/lab/tree/{week}/{week}.ipynb?token={TOKEN}&reset")  # reset: no tabs restored
    cells = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook .jp-Cell")
    expect(cells.nth(explorer)).to_be_attached(timeout=120_000)
    for index in [*before, explorer]:
        cell = cells.nth(index)
        run_cell(page, cell)
        expect(cell.locator(".jp-InputPrompt")).to_have_text(re.compile(r"\[\d+\]"), timeout=CELL_TIMEOUT_MS)
        errors = cell.locator(ERROR_OUTPUT)
        assert errors.count() == 0, f"cell {index} of {week} shows an error:\n{errors.first.inner_text()}"
    widget = cells.nth(explorer).locator(".jp-OutputArea-output .jupyter-widgets").first
    image = widget.locator("img.widget-image").first
    expect(image).to_be_visible(timeout=60_000)
    picture_changes(page, image, widget)
    assert cells.nth(explorer).locator(ERROR_OUTPUT).count() == 0
    assert page.get_by_text(NEWS).count() == 0, "JupyterLab asks about Jupyter news"
    _shut_down_kernels(lab)


FLIPPED_CORRELATE2D = """def correlate2d(x, k):
    k = k[::-1, ::-1]  # a convolution: the kernel flipped, the classic mistake of week 3
    ho, wo = x.shape[0] - k.shape[0] + 1, x.shape[1] - k.shape[1] + 1
    out = np.zeros((ho, wo))
    for p in range(k.shape[0]):
        for q in range(k.shape[1]):
            out += k[p, q] * x[p : p + ho, q : q + wo]
    return out
"""


def test_a_wrong_student_function_is_marked_in_jupyterlab(lab, page, tmp_path):
    """Week 3's release notebook with a correlate2d written wrong (flipped): its explorer, run in
    JupyterLab, marks the first differing pixel, and still answers a control."""
    week = "w03_edges"
    notebook = json.loads((REPO / "release" / week / f"{week}.ipynb").read_text(encoding="utf-8"))
    solution = [
        c for c in notebook["cells"] if c.get("metadata", {}).get("nbgrader", {}).get("grade_id") == "correlate2d"
    ]
    assert len(solution) == 1
    solution[0]["source"] = FLIPPED_CORRELATE2D
    name = f"{week}_flipped.ipynb"
    (tmp_path / name).write_text(json.dumps(notebook), encoding="utf-8")
    (explorer, before), *_ = [
        run for run in explorer_runs(tmp_path / name) if run[0] > notebook["cells"].index(solution[0])
    ]
    request = urllib.request.Request(
        f"{lab}/api/contents/{week}/{name}",
        data=json.dumps({"type": "notebook", "format": "json", "content": notebook}).encode(),
        headers={"Authorization": f"token {TOKEN}", "Content-Type": "application/json"},
        method="PUT",
    )
    urllib.request.urlopen(request, timeout=30).close()

    page.goto(f"{lab}/lab/tree/{week}/{name}?token={TOKEN}&reset")
    cells = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook .jp-Cell")
    expect(cells.nth(explorer)).to_be_attached(timeout=120_000)
    for index in [*before, explorer]:
        cell = cells.nth(index)
        run_cell(page, cell)
        expect(cell.locator(".jp-InputPrompt")).to_have_text(re.compile(r"\[\d+\]"), timeout=CELL_TIMEOUT_MS)
        assert cell.locator(ERROR_OUTPUT).count() == 0, f"cell {index} shows an error"
    widget = cells.nth(explorer).locator(".jp-OutputArea-output .jupyter-widgets").first
    image = widget.locator("img.widget-image").first
    expect(image).to_be_visible(timeout=60_000)
    expect(widget).to_contain_text("your correlate2d differs first at pixel (row 0, column 0)")
    picture_changes(page, image, widget)  # k[0,0] one step up: still flipped, still marked
    expect(widget).to_contain_text("your correlate2d differs first at pixel")
    assert cells.nth(explorer).locator(ERROR_OUTPUT).count() == 0
    cells.nth(explorer).scroll_into_view_if_needed()
    _shut_down_kernels(lab)


def _shut_down_kernels(base: str) -> None:
    """Idle kernels of earlier weeks would only hold memory while the next ones run."""
    with urllib.request.urlopen(f"{base}/api/kernels?token={TOKEN}", timeout=10) as response:
        kernels = json.load(response)
    for kernel in kernels:
        request = urllib.request.Request(f"{base}/api/kernels/{kernel['id']}?token={TOKEN}", method="DELETE")
        urllib.request.urlopen(request, timeout=30).close()


def test_gallery_index_has_a_card_per_explorer(gallery, page):
    apps = gallery_apps()
    page.goto(gallery)
    cards = page.locator("a.card")
    expect(cards).to_have_count(len(apps))
    for card, app in zip(cards.all(), apps):
        assert card.get_attribute("href") == f"voila/render/{app}"
        week = int(app[1:3])
        expect(card.locator(".week")).to_have_text(f"Week {week}")
        assert card.locator("h2").inner_text().strip() and card.locator("p").inner_text().strip()
        assert card.locator("img").evaluate("img => img.naturalWidth") > 100, f"{app}: no thumbnail"
    assert page.get_by_text(NEWS).count() == 0


@pytest.mark.parametrize("app", gallery_apps())
def test_gallery_app_answers_a_control(gallery, page, app):
    page.goto(f"{gallery}/")
    page.locator(f"a.card[href='voila/render/{app}']").click()
    widget = page.locator(".jupyter-widgets.widget-vbox, .jupyter-widgets.widget-box").first
    image = page.locator("img.widget-image").first
    # Voilà runs the app's notebook first; beside the suite's grading batches (two test processes) on two
    # cores this once took over 120 s. The wait only ends sooner when the picture shows.
    expect(image).to_be_visible(timeout=300_000)
    assert page.locator(".jp-InputArea-editor, .cm-editor").count() == 0, "the app shows code"
    assert page.locator(ERROR_OUTPUT).count() == 0, page.locator(ERROR_OUTPUT).first.inner_text()
    picture_changes(page, image, widget)
    assert page.locator(ERROR_OUTPUT).count() == 0
    assert page.get_by_text(NEWS).count() == 0


# --------------------------------------------------------------------------- a feedback page, offline


def test_feedback_maths_is_typeset_with_the_network_cut(page, tmp_path):
    """Week 1's notebook as `course feedback` writes it (its maths as MathML, the MathJax script of the
    classic page replaced by course_feedback's), opened with every request outside the file refused:
    each formula is drawn by the browser, and no LaTeX source is left in the text."""
    import nbformat
    from nbconvert import HTMLExporter

    from course.reporting import feedback
    from course.reporting.offline_math import OfflineMath

    notebook = nbformat.read(REPO / "release" / "w01_softmax" / "w01_softmax.ipynb", as_version=4)
    for cell in notebook.cells:  # as GetGrades leaves them
        if cell.metadata.get("nbgrader", {}).get("grade"):
            cell.metadata.nbgrader["score"] = 0.0
    exporter = HTMLExporter(
        template_name=feedback.TEMPLATE_NAME,
        template_file=feedback.TEMPLATE_FILE,
        extra_template_basedirs=feedback.template_basedirs(),
        extra_template_paths=[
            str(Path(feedback.template_basedirs()[0]).parent / "static/node_modules/bootstrap/dist/css")
        ],
    )
    exporter.register_preprocessor(OfflineMath(), enabled=True)
    graded = {"notebook": "w01_softmax", "score": 0.0, "max_score": 13.0, "late_penalty": 0}
    html, _ = exporter.from_notebook_node(notebook, resources={"nbgrader": graded})
    assert not re.search(r"<script[^>]+src=", html), "the page loads a script"
    target = tmp_path / "w01_softmax.html"
    target.write_text(html)
    refused = []
    page.route(
        "**/*",
        lambda route: (
            route.continue_()
            if route.request.url.startswith("file:")
            else (refused.append(route.request.url), route.abort())
        ),
    )
    page.goto(target.as_uri())
    formulas = page.locator("math")
    assert formulas.count() > 50
    sizes = formulas.evaluate_all("els => els.map(e => e.getBoundingClientRect().height)")
    assert min(sizes) > 5, "a formula was not drawn"
    text = page.locator(".text_cell_render").all_inner_texts()
    leftovers = [t for t in text if re.search(r"\\(frac|partial|sigma|hat|sum)\b|\$", t)]
    assert not leftovers, leftovers[:2]
    assert page.get_by_text("Activation functions").count() > 0
    assert not [url for url in refused if "mathjax" in url.lower()], refused
