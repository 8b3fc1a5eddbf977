"""A control group per grading kernel: memory and process count for the kernel and all its children.

Per-process limits (course/sandbox/kernel/launch.py) let three children of a kernel hold three times its
memory; a control group counts them together, tmpfs pages written by them included. The grader
makes one where the machine lets it (cgroup v2 with the memory and pids controllers delegated to
it, or the v1 memory and pids hierarchies writable, as for root in a container), and starts the
kernel's command through a shell that moves itself into the group before it execs. Where none can
be made, :meth:`ControlGroup.create` returns None and the per-process limits are all there is.
"""

from __future__ import annotations

import os
import signal
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

CGROUP_ROOT = Path("/sys/fs/cgroup")
PREFIX = "course-grade"


@dataclass
class ControlGroup:
    folders: tuple[Path, ...]  # one per hierarchy (v1: memory, pids; v2: one)

    @classmethod
    def create(cls, memory_bytes: int, max_processes: int) -> ControlGroup | None:
        """A new group with these limits, or None where the machine does not allow one."""
        name = f"{PREFIX}-{os.getpid()}-{uuid.uuid4().hex[:8]}"
        _remove_stale()
        for make in (_make_v2, _make_v1):
            try:
                folders = make(name, memory_bytes, max_processes)
            except OSError:
                continue
            if folders:
                return cls(folders)
        return None

    def enter_command(self) -> list[str]:
        """A prefix for a command line: the process joins the group, then execs the command."""
        script = "".join(f'echo $$ > "{folder}/cgroup.procs" && ' for folder in self.folders) + 'exec "$@"'
        return ["/bin/sh", "-c", script, "sh"]

    def pids(self) -> set[int]:
        found: set[int] = set()
        for folder in self.folders:
            try:
                found |= {int(p) for p in (folder / "cgroup.procs").read_text().split()}
            except (OSError, ValueError):
                pass
        return found

    def kill(self) -> None:
        """SIGKILL every process in the group (what a kernel left behind included)."""
        for folder in self.folders:
            if (folder / "cgroup.kill").exists():
                try:
                    (folder / "cgroup.kill").write_text("1")
                    continue
                except OSError:
                    pass
        for pid in self.pids():
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass

    def remove(self) -> None:
        """Kill what is left and remove the group's folders (a folder is removable once empty)."""
        for _ in range(50):
            self.kill()
            if not self.pids():
                break
            time.sleep(0.02)
        for folder in self.folders:
            try:
                folder.rmdir()
            except OSError:
                pass


def maker_gone(name: str, prefix: str) -> bool:
    """Whether ``name`` ("<prefix>-<pid>-...", a control group or a run folder) was made by a process
    that no longer exists; False for a name without a pid."""
    pid = name[len(prefix) :].lstrip("-").split("-", 1)[0]
    return pid.isdigit() and not Path(f"/proc/{pid}").exists()


def _remove_stale() -> None:
    """Remove the empty groups of graders that were killed before they could (their pid is gone)."""
    for parent in (CGROUP_ROOT / "memory" / PREFIX, CGROUP_ROOT / "pids" / PREFIX, _v2_parent()):
        if parent is None or not parent.is_dir():
            continue
        try:
            children = list(parent.glob(f"{PREFIX}-*-*"))
        except OSError:
            continue
        for folder in children:
            if maker_gone(folder.name, PREFIX):
                try:
                    folder.rmdir()
                except OSError:  # still holds a process, or not ours to remove
                    pass


def _v2_parent() -> Path | None:
    """Where this grader's v2 groups go: a folder under its own group (None without cgroup v2)."""
    if not (CGROUP_ROOT / "cgroup.controllers").is_file():
        return None
    own = next(
        (
            line.split("::", 1)[1]
            for line in Path("/proc/self/cgroup").read_text().splitlines()
            if line.startswith("0::")
        ),
        None,
    )
    if own is None:
        return None
    return CGROUP_ROOT / own.strip("/") / PREFIX if own.strip("/") else CGROUP_ROOT / PREFIX


def _make_v2(name: str, memory_bytes: int, max_processes: int) -> tuple[Path, ...] | None:
    """A group under the grader's own v2 group, where memory and pids are delegated to its children."""
    parent = _v2_parent()
    if parent is None:
        return None
    enabled = (parent.parent / "cgroup.subtree_control").read_text().split()
    if not {"memory", "pids"} <= set(enabled):
        return None
    parent.mkdir(exist_ok=True)
    (parent / "cgroup.subtree_control").write_text("+memory +pids")
    folder = parent / name
    folder.mkdir()
    (folder / "memory.max").write_text(str(memory_bytes))
    if (folder / "memory.swap.max").exists():
        (folder / "memory.swap.max").write_text("0")
    (folder / "pids.max").write_text(str(max_processes))
    return (folder,)


def _make_v1(name: str, memory_bytes: int, max_processes: int) -> tuple[Path, ...] | None:
    memory, pids = CGROUP_ROOT / "memory", CGROUP_ROOT / "pids"
    if not ((memory / "cgroup.procs").is_file() and (pids / "cgroup.procs").is_file()):
        return None
    made = []
    try:
        for hierarchy in (memory, pids):
            folder = hierarchy / PREFIX / name
            folder.mkdir(parents=True)
            made.append(folder)
        made[0].joinpath("memory.limit_in_bytes").write_text(str(memory_bytes))
        made[1].joinpath("pids.max").write_text(str(max_processes))
    except OSError:
        for folder in made:
            try:
                folder.rmdir()
            except OSError:
                pass
        raise
    return tuple(made)
