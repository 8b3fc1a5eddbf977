"""An IPython kernel with resource limits: address space, CPU time, file size.

Started by the grader (through a kernelspec it writes, inside course/sandbox/isolation.py's
filesystem sandbox when bwrap is available) instead of the plain ipykernel. It copies
the submission into its working folder, links the grader's numba cache into its own, reads its
connection file and binds its sockets, then applies the limits from the environment, before any
student code runs.
"""

from __future__ import annotations

import os
import resource
import shutil
import stat
import sys


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


def copy_inbox(inbox: str, work: str) -> None:
    """The files of ``inbox`` into ``work`` (links are copied as links: the grader puts none there)."""
    for name in os.listdir(inbox):
        source, target = os.path.join(inbox, name), os.path.join(work, name)
        if stat.S_ISDIR(os.lstat(source).st_mode):
            shutil.copytree(source, target, symlinks=True, dirs_exist_ok=True)
        else:
            shutil.copyfile(source, target, follow_symlinks=False)


def fill_work_folder() -> None:
    """Copy the submission's files (and the home seed) from the read-only inbox into the working folder."""
    inbox = os.environ.get("COURSE_SANDBOX_INBOX")
    if inbox:
        copy_inbox(inbox, os.getcwd())


def main() -> None:
    fill_work_folder()
    # ``python -m`` put the working folder first on sys.path: a submitted json.py or zmq.py would
    # replace the library the kernel itself imports and stop it from starting. IPython puts the
    # folder back after the standard library once the kernel is up, as in any Jupyter kernel.
    sys.path[:] = [p for p in sys.path if p not in ("", os.getcwd())]
    from ipykernel.kernelapp import IPKernelApp

    link_numba_cache()
    app = IPKernelApp.instance()
    app.initialize()
    apply_limits()
    app.start()


if __name__ == "__main__":
    main()
