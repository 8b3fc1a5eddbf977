"""An IPython kernel with resource limits: address space, CPU time, file size.

Started by the grader (through a kernelspec it writes, inside course/sandbox/isolation.py's
filesystem sandbox when bwrap is available) instead of the plain ipykernel. In order, before
any student code runs: it copies its home seed (the font list, the IPython folder) into its
working folder, links the grader's numba cache into its own, reads its connection file and binds
its sockets, copies the submission into its working folder, applies the limits from the
environment, and answers.

A kernel *started ahead* (course/sandbox/spare.py: the grader starts the next submission's kernel
while the current one runs) has ``COURSE_SANDBOX_START`` set: once its sockets are bound it imports
the modules every course notebook imports (``COURSE_SANDBOX_PRELOAD``), then waits for the grader to
write that file, which holds the limits of the submission it is for and says its files are in the
inbox. Until then no submission's file is in its inbox.
"""

from __future__ import annotations

import importlib
import json
import os
import resource
import shutil
import stat
import sys
import time

START_VARIABLE = "COURSE_SANDBOX_START"
PRELOAD_VARIABLE = "COURSE_SANDBOX_PRELOAD"
HOME_SEED = ".home"  # the inbox's folder of the kernel's home (isolation.RunFolder.home)
WAIT_SECONDS = 3600.0  # a kernel started ahead and never used exits after this long
POLL_SECONDS = 0.005


def apply_limits() -> None:
    memory = int(os.environ.get("COURSE_SANDBOX_MEMORY_MB", "0"))
    cpu = int(os.environ.get("COURSE_SANDBOX_CPU_SECONDS", "0"))
    file_size = int(os.environ.get("COURSE_SANDBOX_FILE_MB", "0"))
    if memory:
        resource.setrlimit(resource.RLIMIT_AS, (memory << 20, memory << 20))
    if cpu:
        resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 5))
    if file_size:
        resource.setrlimit(resource.RLIMIT_FSIZE, (file_size << 20, file_size << 20))


def link_numba_cache() -> None:
    """Fill the kernel's own NUMBA_CACHE_DIR with symbolic links to the files of the grader's warm
    cache folders (read-only in the sandbox; course/sandbox/isolation.py explains why links and not copies)."""
    target = os.environ.get("NUMBA_CACHE_DIR")
    sources = os.environ.get("COURSE_SANDBOX_NUMBA_SOURCES")
    if not target or not sources:
        return
    for source in sources.split(os.pathsep):
        folder = os.path.join(target, os.path.basename(source))
        try:
            names = os.listdir(source)
            os.makedirs(folder, exist_ok=True)
        except OSError:  # a folder gone or unreadable: numba compiles what it needs, as without it
            continue
        for name in names:
            if name.endswith((".nbi", ".nbc")):  # not another writer's half-written *.tmp.*
                try:
                    os.symlink(os.path.join(source, name), os.path.join(folder, name))
                except OSError:  # there from before a restart (no sandbox: no tmpfs)
                    pass


def copy_inbox(inbox: str, work: str, names) -> None:
    """The files ``names`` of ``inbox`` into ``work`` (links are copied as links: the grader puts none there)."""
    for name in names:
        source, target = os.path.join(inbox, name), os.path.join(work, name)
        if stat.S_ISDIR(os.lstat(source).st_mode):
            shutil.copytree(source, target, symlinks=True, dirs_exist_ok=True)
        else:
            shutil.copyfile(source, target, follow_symlinks=False)


def fill_work_folder(home: bool) -> None:
    """Copy from the read-only inbox into the working folder the home seed (``home``) or the submission's files."""
    inbox = os.environ.get("COURSE_SANDBOX_INBOX")
    if inbox:
        names = [n for n in os.listdir(inbox) if (n == HOME_SEED) == home]
        copy_inbox(inbox, os.getcwd(), names)


def preload(modules: str) -> None:
    """Import ``modules`` (comma-separated) now; one that fails is left for the notebook to import and report."""
    for name in filter(None, modules.split(",")):
        try:
            importlib.import_module(name)
        except Exception:
            pass


def wait_for_start(path: str) -> None:
    """Until the grader writes ``path`` (the limits' variables, as JSON); then take its variables.
    Exits quietly when the grader is gone or after WAIT_SECONDS."""
    parent, deadline = os.getppid(), time.monotonic() + WAIT_SECONDS
    while not os.path.exists(path):
        if os.getppid() != parent or time.monotonic() > deadline:
            os._exit(0)
        time.sleep(POLL_SECONDS)
    with open(path) as file:
        os.environ.update({str(k): str(v) for k, v in json.load(file).items()})


def draw_no_figures(app) -> None:
    """Figures are made but never drawn to an image: nobody sees a grading run's pictures (the
    student's own notebook has them) and drawing them was 14% of the course's notebooks' time
    (0.5-3.2 s a notebook; docs/DESIGN.md section 6). The inline backend reads this setting whenever
    it is activated, so a figure shows as its text, ``<Figure size 640x480 with 1 Axes>``; a notebook
    that turns images back on (``set_matplotlib_formats('png')``) pays for them in its own time.
    The explorers of helpers.widgets draw none either (helpers.widgets.NO_PICTURES: their pictures
    live in the widget, which an autograded notebook does not keep; 0.05-0.4 s an explorer)."""
    app.config.InlineBackend.figure_formats = set()
    os.environ["HELPERS_NO_PICTURES"] = "1"


def main() -> None:
    fill_work_folder(home=True)
    # ``python -m`` put the working folder first on sys.path: a submitted json.py or zmq.py would
    # replace the library the kernel itself imports and stop it from starting. IPython puts the
    # folder back after the standard library once the kernel is up, as in any Jupyter kernel.
    sys.path[:] = [p for p in sys.path if p not in ("", os.getcwd())]
    from ipykernel.kernelapp import IPKernelApp

    link_numba_cache()
    app = IPKernelApp.instance()
    draw_no_figures(app)
    app.initialize()  # before the submission's files: an ipython_config.py among them is not read
    start = os.environ.get(START_VARIABLE)
    if start:
        preload(os.environ.get(PRELOAD_VARIABLE, ""))
        wait_for_start(start)
    fill_work_folder(home=False)
    apply_limits()
    app.start()


if __name__ == "__main__":
    main()
