"""Detect a student's function calling the reference it is graded against.

Two mechanisms, both active only inside :func:`armed`:

- The wrapper. Every public reference kernel is wrapped by :func:`reference_kernel`. While a
  check runs the student's function inside ``armed(kernel, ...)``, a call to one of the armed
  kernels raises :class:`ReferenceCalled`, wherever the student imported it from. Outside
  ``armed`` the wrapper costs one set look-up.
- The watch. Every other way to run the reference (the kernel's plain function through
  ``.unguarded``, ``__wrapped__`` or ``inspect.unwrap``, a check's reference function, the
  plain-numpy versions, private helpers and numba dispatchers, library functions that do the
  exercise itself) is a code object or a C function in a :class:`Watchlist`. Given
  ``armed(..., watch=watchlist)``, a profile hook (``sys.setprofile``, and
  ``threading.setprofile`` for threads started inside the block) raises as soon as one of them
  starts to run.

A trip is remembered for the whole block (:class:`Trips`): graded code that catches the
exception and carries on still fails.
"""

from __future__ import annotations

import contextlib
import functools
import importlib
import os
import sys
import threading
import types

_armed: set[str] = set()
_blocks: list[Trips] = []  # the armed blocks now running, innermost last

# Code in this folder may call private helpers (a public kernel calling its numba dispatchers).
_HELPERS = os.path.dirname(__file__) + os.sep  # as the code objects of helpers spell it


class ReferenceCalled(RuntimeError):
    """Raised when graded code runs the reference it is graded against; ``args[0]`` names it."""


class ExerciseCalled(ReferenceCalled):
    """Raised when graded code calls a library function that does the exercise itself."""


class Trips:
    """What tripped inside one :func:`armed` block.

    first: the first :class:`ReferenceCalled` raised in the block (None if none was), kept
        even when the graded code caught it.
    active: whether the block is still running; a hook left behind in a thread that
        outlived the block removes itself once this is False.
    """

    def __init__(self):
        self.first: ReferenceCalled | None = None
        self.active = True


def _tripped(error: ReferenceCalled) -> ReferenceCalled:
    """Remember ``error`` in every armed block now running; return it, to be raised."""
    for trips in _blocks:
        if trips.first is None:
            trips.first = error
    return error


def reference_kernel(fn):
    qualname = f"{fn.__module__}.{fn.__name__}"

    @functools.wraps(fn)
    def guarded(*args, **kwargs):
        if _armed and qualname in _armed:
            raise _tripped(ReferenceCalled(qualname))
        return fn(*args, **kwargs)

    guarded.reference_name = qualname
    guarded.unguarded = fn
    return guarded


# --------------------------------------------------------------------------- the watchlist

_IMPORT = object()  # the entry of the importer's code: graded code is importing a module


def _importer_code():
    bootstrap = sys.modules.get("_frozen_importlib") or importlib.import_module("importlib._bootstrap")
    return bootstrap._find_and_load.__code__


def unwrap(obj):
    """``obj`` without its ``functools.wraps`` layers, as ``inspect.unwrap`` (which helpers need not import)."""
    seen = set()
    while hasattr(obj, "__wrapped__") and id(obj) not in seen:
        seen.add(id(obj))
        obj = obj.__wrapped__
    return obj


def _dispatcher_function(obj):
    """The Python function of a numba dispatcher, or None if ``obj`` is not one."""
    py_func = getattr(obj, "py_func", None)
    return py_func if isinstance(py_func, types.FunctionType) and hasattr(obj, "overloads") else None


def _loaded(dotted: str):
    """The object ``dotted`` ("scipy.special.softmax") names, found without importing anything;
    None while its module is not imported (or if it does not exist)."""
    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        module = sys.modules.get(".".join(parts[:cut]))
        if module is None:
            continue
        obj = module
        for part in parts[cut:]:
            # a module's own dict only: getattr would run a lazy importer (scipy's __getattr__)
            found = vars(obj).get(part) if isinstance(obj, types.ModuleType) else getattr(obj, part, None)
            if found is None:
                return None
            obj = found
        return obj
    return None


class Watchlist:
    """Code that graded code must not run, each entry with the name a message gives it and the
    exception it raises. Built once per check (helpers/grading/forbidden.py) and reused.

    ``entries`` maps the id of a code object or of a C function to ``(name, error, direct)``;
    ``direct`` entries (private helpers) trip only when called from outside the helpers
    package, so that a public kernel may still use them. The objects themselves are kept, so
    that no id is reused while it is watched.
    """

    def __init__(self):
        self.entries: dict[int, object] = {}
        self._keep: list = []
        self._dispatchers: list = []
        self._pending: list[tuple[str, str, type]] = []  # (dotted, name, error) not imported yet

    def watch(self, obj, name: str, error: type = ReferenceCalled, direct: bool = False) -> bool:
        """Watch a Python function (its code), a numba dispatcher (its Python code and its
        compiled entry points) or a C function. Returns False for what cannot be watched
        (a ufunc, a class): calls to those produce no profile event."""
        function = _dispatcher_function(obj)
        if function is not None:
            self._dispatchers.append((obj, name, error, direct))
        else:
            function = unwrap(obj)
        if isinstance(function, types.FunctionType):
            key = function.__code__
        elif isinstance(function, types.BuiltinFunctionType):
            key = function
        else:
            return False
        self._keep.append(key)
        self.entries[id(key)] = (name, error, direct)
        return True

    def watch_by_name(self, dotted: str, error: type = ExerciseCalled) -> None:
        """Watch the function ``dotted`` names ("scipy.signal.correlate2d") now if its module is
        imported, otherwise as soon as graded code imports it (nothing is imported for this)."""
        self._pending.append((dotted, dotted, error))
        self._resolve()

    def _resolve(self) -> None:
        still = []
        for dotted, name, error in self._pending:
            obj = _loaded(dotted)
            if obj is None:
                still.append((dotted, name, error))
            else:
                self.watch(obj, name, error)
        self._pending = still
        importer = id(_importer_code())
        if still:
            self.entries[importer] = _IMPORT
        else:
            self.entries.pop(importer, None)

    def _imported(self, module: str | None) -> None:
        """Graded code is importing ``module``: import it now (unwatched: we are in the hook)
        if a pending name may live there, and watch what it defines."""
        tops = {dotted.split(".")[0] for dotted, _, _ in self._pending}
        if not isinstance(module, str) or module.split(".")[0] not in tops:
            return
        try:
            importlib.import_module(module)
        except ImportError:  # the graded code's own import fails the same way; anything else
            return  # (a time-out's exception) goes on into the graded code
        self._resolve()

    def refresh(self) -> None:
        """Before each armed block: what was imported and compiled since."""
        if self._pending:
            self._resolve()
        for dispatcher, name, error, direct in self._dispatchers:
            for compiled in list(dispatcher.overloads.values()):
                entry_point = getattr(compiled, "entry_point", None)
                if entry_point is not None and id(entry_point) not in self.entries:
                    self._keep.append(entry_point)
                    self.entries[id(entry_point)] = (name, error, direct)

    def names(self) -> set[str]:
        """Every name a trip can report (for tests and documentation)."""
        return {entry[0] for entry in self.entries.values() if entry is not _IMPORT}


# --------------------------------------------------------------------------- the hook


def _hit(entry, frame, event, trips: Trips, watch: Watchlist) -> None:
    """The slow path of the hook: a watched code object or C function is about to run."""
    if not trips.active:  # a thread started in the block outlived it
        sys.setprofile(None)
        return
    if entry is _IMPORT:
        watch._imported(frame.f_locals.get("name"))
        return
    name, error, direct = entry
    if direct:
        # For a numba dispatcher the event's frame is made up (no f_back): the caller is the
        # frame below the hook.
        caller = frame if event == "c_call" else (frame.f_back or sys._getframe(2))
        if caller.f_code.co_filename.startswith(_HELPERS):
            return
    raise _tripped(error(name))


def _hook(watch: Watchlist, trips: Trips):
    get = watch.entries.get

    def hook(frame, event, arg):
        if event == "call":
            entry = get(id(frame.f_code))
        elif event == "c_call":
            entry = get(id(arg))
        else:
            return
        if entry is not None:
            _hit(entry, frame, event, trips, watch)

    return hook


def _restore_profile(previous) -> None:
    """Put back the profiler that was on before the block. A profiler written in C (cProfile)
    shows up as its object, which sys.setprofile cannot take back: it is enabled again."""
    if previous is None or callable(previous):
        sys.setprofile(previous)
    elif callable(getattr(previous, "enable", None)):
        sys.setprofile(None)
        previous.enable()
    else:
        sys.setprofile(None)


@contextlib.contextmanager
def _watching(watch: Watchlist, trips: Trips):
    """The hook is on for the block whatever was on before (a profiler the graded code
    started cannot switch the watch off), and what was on before comes back after it."""
    watch.refresh()
    hook = _hook(watch, trips)
    previous, previous_threads = sys.getprofile(), threading.getprofile()
    sys.setprofile(hook)
    threading.setprofile(hook)
    try:
        yield
    finally:
        _restore_profile(previous)
        threading.setprofile(previous_threads)


# --------------------------------------------------------------------------- arming


@contextlib.contextmanager
def armed(*kernels, watch: Watchlist | None = None):
    """Arm the given reference kernels for the block and, with ``watch``, watch everything in
    the watchlist; yields the block's :class:`Trips`.

    Only kernel objects are accepted: a name could outlive a moved kernel and silently
    arm nothing, an object cannot. The profile hook is this thread's (and that of threads
    started inside the block) for the block only; the one set before is put back.
    """
    names = set()
    for kernel in kernels:
        name = getattr(kernel, "reference_name", None)
        if not isinstance(name, str):
            raise TypeError(f"armed() takes reference kernels (wrapped by reference_kernel), got {kernel!r}")
        names.add(name)
    trips = Trips()
    added = names - _armed
    _armed.update(added)
    _blocks.append(trips)
    try:
        with _watching(watch, trips) if watch is not None else contextlib.nullcontext():
            yield trips
    finally:
        trips.active = False
        _blocks.remove(trips)
        _armed.difference_update(added)
