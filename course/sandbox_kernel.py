"""An IPython kernel with resource limits: address space, CPU time, file size.

Started by the grader (through a kernelspec it writes, inside course/sandbox.py's
filesystem sandbox when bwrap is available) instead of the plain ipykernel. It reads
its connection file and binds its sockets first, then applies the limits from the
environment, before any student code runs.
"""
from __future__ import annotations

import os
import resource

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


def main() -> None:
    from ipykernel.kernelapp import IPKernelApp

    app = IPKernelApp.instance()
    app.initialize()
    apply_limits()
    app.start()


if __name__ == "__main__":
    main()
