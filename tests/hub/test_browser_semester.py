"""A week of a class on the course hub, in Debian's chromium: the instructor releases week 1; two
students log in and fetch it from the Assignments tab; one types the answers into the cells, both
submit; the instructor collects and grades (full marks and 0); feedback goes back through the
exchange and each student fetches it and reads their score (and the other the reasons for the lost
points); a student who asks for the other's server is refused; the instructor opens the class report
and formgrader as pages of their own. A screenshot of every stage goes to
$BROWSER_SCREENSHOTS when set (else the scratch folder's shots/)."""

from __future__ import annotations

import getpass
import json
import os
import pwd
import random
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from tests.hub.support import PASSWORD, make_hub_course
from tests.support import BIN, CHROMIUM, CHROMIUM_ARGS, REPO, SAMPLES, WEEK1, run_course

START_TIMEOUT_S = 120

try:
    from playwright.sync_api import expect, sync_playwright
except ImportError:
    sync_playwright = None

if sync_playwright is None:
    pytest.skip("the playwright package is missing: pip install -e '.[dev]'", allow_module_level=True)
if not (Path(CHROMIUM).is_file() and os.access(CHROMIUM, os.X_OK)):
    pytest.skip(f"no chromium at {CHROMIUM}: `apt-get install chromium` (make browser)", allow_module_level=True)


def _free_ports() -> int:
    """A port p with p, p+1 and p+2 free (the proxy, the hub and the proxy's API)."""
    for _ in range(50):
        port = random.randrange(20000, 40000)
        try:
            for offset in range(3):
                with socket.socket() as probe:
                    probe.bind(("127.0.0.1", port + offset))
        except OSError:
            continue
        return port
    raise RuntimeError("no three free ports in a row")


def _answers() -> list[tuple[int, str]]:
    """(index of a cell in the release notebook to fill, the code the reference sample has there)."""
    release = json.loads((REPO / "release" / WEEK1 / f"{WEEK1}.ipynb").read_text())
    reference = json.loads((SAMPLES / WEEK1 / "reference" / f"{WEEK1}.ipynb").read_text())
    by_id = {c["metadata"].get("nbgrader", {}).get("grade_id"): "".join(c["source"]) for c in reference["cells"]}
    return [
        (index, by_id[cell["metadata"]["nbgrader"]["grade_id"]])
        for index, cell in enumerate(release["cells"])
        if "raise NotImplementedError()" in "".join(cell["source"])
    ]


def _no_windowing(student: str) -> None:
    """JupyterLab 4 renders only the cells in view: the test turns that off in the student's settings."""
    user = pwd.getpwnam(student)
    folder = Path(user.pw_dir) / ".jupyter" / "lab" / "user-settings" / "@jupyterlab" / "notebook-extension"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "tracker.jupyterlab-settings").write_text(json.dumps({"windowingMode": "none"}))
    for path in [folder, *folder.parents]:
        if path == Path(user.pw_dir):
            break
        shutil.chown(path, user.pw_uid, user.pw_gid)
    shutil.chown(folder / "tracker.jupyterlab-settings", user.pw_uid, user.pw_gid)


def _stop_users(students: list[str]) -> None:
    """End whatever the test's students still run (their servers and kernels), by process id."""
    uids = {pwd.getpwnam(s).pw_uid for s in students}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if entry.stat().st_uid in uids:
                    os.kill(int(entry.name), signal.SIGKILL)
            except (OSError, ProcessLookupError):
                pass


@pytest.fixture(scope="module")
def hub(tmp_path_factory):
    course, clean_up = make_hub_course()
    port = _free_ports()
    log = open(course.root.parent / "hub.log", "w")
    env = dict(os.environ, PATH=f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}")
    process = subprocess.Popen(
        [sys.executable, "-m", "course", "hub", "--password", PASSWORD, "--port", str(port)],
        cwd=course.root,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            if process.poll() is not None:
                pytest.fail(f"the hub exited {process.returncode}:\n{Path(log.name).read_text()[-3000:]}")
            try:
                with urllib.request.urlopen(f"{base}/hub/login", timeout=5):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    pytest.fail(f"the hub did not answer in {START_TIMEOUT_S} s:\n{Path(log.name).read_text()[-3000:]}")
                time.sleep(1)
        for student in course.students:
            _no_windowing(student)
        yield course, base
    finally:
        os.killpg(process.pid, signal.SIGTERM)  # JupyterHub stops the servers it spawned
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        log.close()
        _stop_users(course.students)
        clean_up()


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


class Shots:
    def __init__(self, folder: Path):
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)
        self.count = 0

    def take(self, page, name: str) -> None:
        self.count += 1
        page.screenshot(path=str(self.folder / f"{self.count:02d}-{name}.png"))


def _log_in(browser, base: str, student: str):
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    page = context.new_page()
    page.set_default_timeout(60_000)
    page.goto(f"{base}/hub/login")
    page.fill("#username_input", student)
    page.fill("#password_input", PASSWORD)
    page.click("#login_submit")
    _wait_for_lab(page)
    return page


def _wait_for_lab(page) -> None:
    """JupyterLab is up once its menu bar is (what its main area shows depends on the restored layout)."""
    expect(page.get_by_text("Nbgrader", exact=True)).to_be_visible(timeout=START_TIMEOUT_S * 1000)


def _assignments(page):
    page.get_by_text("Nbgrader", exact=True).click()
    page.get_by_text("Assignment List", exact=True).click()
    panel = page.locator("#nbgrader-assignment-list, .nbgrader-AssignmentList, .jp-NbgraderAssignmentList").first
    expect(page.get_by_text("Released assignments")).to_be_visible()
    return panel


def _row_button(page, section: str, label: str):
    """The button ``label`` in the week's row of a section of the Assignments tab."""
    return _row(page, section).get_by_role("button", name=label).first


def _row(page, section: str):
    """The week's row in a section of the Assignments tab (not the rows of its notebooks)."""
    return page.locator(f"#{section} .list_item:not(.nested_list_item)").filter(has_text=WEEK1).first


def test_a_week_of_a_class(hub, browser):
    course, base = hub
    alice, bob = course.students
    shots_folder = Path(os.environ.get("BROWSER_SCREENSHOTS") or course.root.parent / "shots")
    shots = Shots(shots_folder / "hub")

    run_course("release", WEEK1, cwd=course.root)

    pages = {}
    for student in (alice, bob):
        page = _log_in(browser, base, student)
        _assignments(page)
        fetch = _row_button(page, "released_assignments_list", "Fetch")
        expect(fetch).to_be_visible()
        shots.take(page, f"{student}-assignments-released")
        fetch.click()
        expect(_row(page, "fetched_assignments_list")).to_be_visible()
        shots.take(page, f"{student}-fetched")
        pages[student] = page

    # alice types her answers into the solution cells and saves
    page = pages[alice]
    page.goto(f"{base}/user/{alice}/lab/tree/{WEEK1}/{WEEK1}.ipynb")
    cells = page.locator(".jp-Notebook .jp-Cell")
    expect(cells.first).to_be_visible(timeout=120_000)
    for index, code in _answers():
        editor = cells.nth(index).locator(".cm-content")
        editor.scroll_into_view_if_needed()
        editor.click()
        page.keyboard.press("Control+A")
        page.keyboard.insert_text(code)
    page.keyboard.press("Control+S")
    page.wait_for_timeout(1500)
    shots.take(page, f"{alice}-answers-typed")
    saved = subprocess.run(["cat", f"/home/{alice}/{WEEK1}/{WEEK1}.ipynb"], capture_output=True, text=True).stdout
    assert "raise NotImplementedError()" not in saved, "the typed answers were not saved"

    for student in (alice, bob):
        page = pages[student]
        page.goto(f"{base}/user/{student}/lab")
        _wait_for_lab(page)
        _assignments(page)
        _row_button(page, "fetched_assignments_list", "Submit").click()
        expect(_row(page, "submitted_assignments_list")).to_be_visible()
        shots.take(page, f"{student}-submitted")

    collected = run_course("collect", WEEK1, cwd=course.root)
    assert "2 new" in collected.stdout, collected.stdout
    run_course("grade", WEEK1, "--workers", "2", cwd=course.root)
    from course.grading.scores import read_rows

    scores = {row.student: (row.total, row.max_total) for row in read_rows(course.root, [WEEK1])}
    most = scores[alice][1]
    assert scores[alice][0] == most > 0 and scores[bob][0] == 0, scores
    released = run_course("feedback", WEEK1, "--release", cwd=course.root)
    assert "released 2 feedback pages" in released.stdout, released.stdout

    for student, score in ((alice, most), (bob, 0)):
        page = pages[student]
        page.reload()
        _wait_for_lab(page)
        _assignments(page)
        _row_button(page, "submitted_assignments_list", "Fetch Feedback").click()
        link = page.get_by_text("view feedback").first
        expect(link).to_be_visible()
        shots.take(page, f"{student}-feedback-fetched")
        link.click()  # the file browser goes to the feedback's folder; the page itself opens as a file
        fetched = sorted(Path(f"/home/{student}").glob(f"{WEEK1}/feedback/*/{WEEK1}.html"))
        assert len(fetched) == 1, fetched
        relative = fetched[0].relative_to(f"/home/{student}").as_posix()
        page.goto(f"{base}/user/{student}/files/{urllib.parse.quote(relative)}")
        expect(page.get_by_text(f"Score: {score:.1f} / {most:.1f}").first).to_be_visible()
        shots.take(page, f"{student}-feedback-page")
        if student == bob:
            body = page.inner_text("body")
            assert "sigmoid" in body and "NotImplementedError" in body, "the reasons for the lost points are missing"

    # a permission probe: bob asks alice's server for her files
    response = pages[bob].goto(f"{base}/user/{alice}/api/contents")
    shots.take(pages[bob], f"{bob}-refused-alice-files")
    assert response.status in (403, 404), f"bob read alice's files: {response.status}"
    assert WEEK1 not in pages[bob].inner_text("body")

    # the instructor's pages, each opened as a page of its own (no iframe): the class report, formgrader
    run_course("report", cwd=course.root)
    instructor = getpass.getuser()
    page = _log_in(browser, base, instructor)
    shots.take(page, "instructor-lab")
    page.goto(f"{base}/user/{instructor}/files/reports/index.html")
    expect(page.get_by_text(alice).first).to_be_visible()
    shots.take(page, "instructor-class-report")
    page.goto(f"{base}/user/{instructor}/formgrader")
    expect(page.get_by_text("Manage Assignments").first).to_be_visible()
    expect(page.get_by_text(WEEK1).first).to_be_visible()
    shots.take(page, "instructor-formgrader")
