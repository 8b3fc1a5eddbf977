"""What a graded call must not run, check by check: the :class:`helpers.tripwire.Watchlist`
that :func:`helpers.grading.call_student` arms around the student's function.

Reported as calling "the reference it is graded against":

- every guarded kernel's plain function (what ``.unguarded``, ``__wrapped__`` and
  ``inspect.unwrap`` hand out) and its plain-numpy counterpart in ``helpers.numpy_reference``
  (the same name, or the names in :data:`NUMPY_COUNTERPARTS`);
- the check's own reference function;
- the private functions and numba dispatchers of helpers that those reach (found by name in
  their code; the walk stops at other public kernels, which are building blocks unless the
  check guards them), when graded code calls them itself: a public kernel that the check
  allows may still use them;
- for every registered check, the reference, numerical-gradient and verify functions defined
  in ``helpers.grading`` (the registry is public: ``helpers.grading.CHECKS['softmax'].reference``),
  and the grading code they reach, when graded code calls it itself.

Reported as doing "the exercise itself": the check's ``forbidden`` functions, library
functions named by their dotted path (watched as soon as their module is imported, so
nothing is imported for them; graded code that imports one during its call is caught too)
or helpers kernels given as objects (with their counterparts and private code, as above).

Every list is built on a check's first graded call and kept.
"""

from __future__ import annotations

import sys
import types

from ..tripwire import ExerciseCalled, ReferenceCalled, Watchlist, _dispatcher_function, unwrap

__all__ = [
    "NUMPY_COUNTERPARTS",
    "watchlist",
    "reached",
    "describe",
    "SOFTMAX",
    "CROSS_ENTROPY",
    "CORRELATION",
    "MAX_POOLING",
    "AVG_POOLING",
    "SOBEL",
    "MEAN_SQUARED_ERROR",
    "LINEAR_CLASSIFIERS",
    "STANDARDIZATION",
]

# Library functions that do an exercise itself, by exercise, for the checks' ``forbidden``
# (the week modules pass them). Only what makes a profile event can be listed: a Python
# function, or a C function called from Python; a ufunc (scipy.special.expit) cannot.
SOFTMAX = (
    "scipy.special.softmax",
    "scipy.special.log_softmax",
    "sklearn.utils.extmath.softmax",
    "helpers.training.predict_proba",
)
CROSS_ENTROPY = ("sklearn.metrics.log_loss", "scipy.stats.entropy")
CORRELATION = (
    "scipy.signal.correlate2d",
    "scipy.signal.correlate",
    "scipy.signal.convolve2d",
    "scipy.signal.convolve",
    "scipy.signal.fftconvolve",
    "scipy.signal.oaconvolve",
    "scipy.ndimage.correlate",
    "scipy.ndimage.convolve",
    # the compiled functions behind them, for a call that skips the Python layer
    "scipy.signal._sigtools._convolve2d",
    "scipy.signal._sigtools._correlateND",
    "scipy.ndimage._nd_image.correlate",
)
MAX_POOLING = ("scipy.ndimage.maximum_filter",)
AVG_POOLING = ("scipy.ndimage.uniform_filter",)
SOBEL = ("scipy.ndimage.sobel",)
MEAN_SQUARED_ERROR = ("sklearn.metrics.mean_squared_error",)
LINEAR_CLASSIFIERS = ("sklearn.linear_model.LogisticRegression.fit", "sklearn.linear_model.SGDClassifier.fit")
STANDARDIZATION = ("sklearn.preprocessing.StandardScaler.fit", "sklearn.preprocessing.StandardScaler.partial_fit")

# Kernel -> its plain-numpy versions in helpers.numpy_reference that are named differently
# (a function of the same name as the kernel is its counterpart anyway).
NUMPY_COUNTERPARTS = {
    "helpers.conv.output_size": ("out_len",),
    "helpers.pool.max_pool2d": ("pool2d",),
    "helpers.pool.avg_pool2d": ("pool2d",),
    "helpers.activations.sigmoid": ("activate",),
    "helpers.activations.tanh": ("activate",),
    "helpers.activations.relu": ("activate",),
    "helpers.activations.sigmoid_grad": ("activation_grad_from_output",),
    "helpers.activations.tanh_grad": ("activation_grad_from_output",),
    "helpers.activations.relu_grad": ("activation_grad_from_output",),
    "helpers.mlp.two_layer_forward": ("two_layer_cost",),
    "helpers.rnn.rnn_forward": ("rnn_states",),
    "helpers.rnn.rnn_backward": ("rnn_deltas",),
    "helpers.norm.batchnorm_forward": ("batchnorm_train",),
}

# Machinery, not references: shared by every kernel and check, never walked into.
_INFRASTRUCTURE = {
    "helpers.tripwire",
    "helpers._validate",
    "helpers._numba",
    "helpers.grading.core",
    "helpers.grading.comparison",
    "helpers.grading.forbidden",
}


def describe(obj) -> str:
    """The dotted name a message gives a function, kernel or dispatcher."""
    name = getattr(obj, "reference_name", None)
    if isinstance(name, str):
        return name
    function = _dispatcher_function(obj) or obj
    return f"{getattr(function, '__module__', '?')}.{getattr(function, '__qualname__', repr(function))}"


# --------------------------------------------------------------------------- walking the code


def _names(code: types.CodeType) -> set[str]:
    names, stack = set(), [code]
    while stack:
        current = stack.pop()
        names.update(current.co_names)
        stack.extend(const for const in current.co_consts if isinstance(const, types.CodeType))
    return names


def _named(function: types.FunctionType) -> list:
    """What ``function``'s code can reach by name: its globals, the attributes of the modules among
    them that it names, its closure and defaults; one level into dicts, tuples and lists."""
    names = _names(function.__code__)
    found = []
    for name in names:
        obj = function.__globals__.get(name)
        if isinstance(obj, types.ModuleType):
            own = vars(obj)
            found.extend(own[attribute] for attribute in names if attribute in own)
        elif obj is not None:
            found.append(obj)
    for cell in function.__closure__ or ():
        try:
            found.append(cell.cell_contents)
        except ValueError:  # a cell not filled yet
            pass
    found.extend(function.__defaults__ or ())
    found.extend((function.__kwdefaults__ or {}).values())
    nested = [
        item
        for obj in found
        if isinstance(obj, (dict, tuple, list))
        for item in (obj.values() if isinstance(obj, dict) else obj)
    ]
    return found + nested


def _is_kernel_function(function: types.FunctionType) -> bool:
    """Whether ``function`` is a public kernel's plain function (its ``.unguarded``)."""
    module = sys.modules.get(function.__module__)
    wrapper = vars(module).get(function.__name__) if module is not None else None
    return getattr(wrapper, "unguarded", None) is function


def reached(roots, within: str = "helpers") -> list:
    """The functions and numba dispatchers of the package ``within`` that ``roots`` (Python
    functions) reach by name, transitively; public kernels, their plain functions and the
    infrastructure (:data:`_INFRASTRUCTURE`) end the walk and are not included."""
    seen = {id(root) for root in roots}
    result, stack = [], list(roots)
    while stack:
        for obj in _named(stack.pop()):
            if id(obj) in seen or isinstance(getattr(obj, "reference_name", None), str):
                continue
            seen.add(id(obj))
            function = _dispatcher_function(obj) or obj
            if not isinstance(function, types.FunctionType) or _is_kernel_function(function):
                continue
            module = function.__module__ or ""
            if module in _INFRASTRUCTURE or not (module == within or module.startswith(within + ".")):
                continue
            result.append(obj)
            stack.append(function)
    return result


def _public_objects() -> set[int]:
    """ids of everything a public helpers module hands out under a public name."""
    ids = set()
    for name, module in list(sys.modules.items()):
        if (
            (name == "helpers" or name.startswith("helpers."))
            and module is not None
            and not any(part.startswith("_") for part in name.split("."))
        ):
            ids.update(id(value) for key, value in vars(module).items() if not key.startswith("_"))
    return ids


def _private(objects) -> list:
    public = _public_objects()
    return [obj for obj in objects if id(obj) not in public]


# --------------------------------------------------------------------------- building a watchlist


def _numpy_counterparts(kernel) -> list[tuple[object, str]]:
    from .. import numpy_reference

    name = kernel.reference_name
    wanted = (name.rsplit(".", 1)[1],) + NUMPY_COUNTERPARTS.get(name, ())
    return [(vars(numpy_reference)[n], f"helpers.numpy_reference.{n}") for n in wanted if n in vars(numpy_reference)]


def _watch_kernel(watch: Watchlist, kernel, error: type) -> None:
    """A kernel's plain function, its numpy counterparts and the private code it reaches."""
    watch.watch(kernel, kernel.reference_name, error)
    for function, name in _numpy_counterparts(kernel):
        watch.watch(function, name, error)
    for obj in _private(reached([unwrap(kernel)])):
        watch.watch(obj, describe(obj), error, direct=True)


def _grading_function(fn) -> bool:
    return isinstance(fn, types.FunctionType) and (fn.__module__ or "").startswith("helpers.grading")


_registry_cache: dict = {"key": None, "items": []}


def _registry_items(registry: dict, key: tuple) -> list[tuple[object, str, bool]]:
    """(function, name, direct) for every registered check's reference, numerical and verify
    functions defined in helpers.grading, and the grading code they reach (direct: a week
    module's public names, such as sobel_reference, are no student's tools either)."""
    if _registry_cache["key"] != key:
        items, roots = [], []
        for check in registry.values():
            for attribute in ("reference", "numerical", "verify"):
                fn = getattr(check, attribute)
                if _grading_function(fn):
                    items.append((fn, f"helpers.grading.CHECKS[{check.name!r}].{attribute}", False))
                    roots.append(fn)
        items += [(obj, describe(obj), True) for obj in reached(roots, within="helpers.grading")]
        _registry_cache.update(key=key, items=items)
    return _registry_cache["items"]


_cache: dict[int, tuple[object, tuple, Watchlist]] = {}


def watchlist(check, registry: dict) -> Watchlist:
    """The watchlist of ``check`` (a :class:`helpers.grading.Check`), with the references of
    every check in ``registry`` (normally :data:`helpers.grading.CHECKS`); built once for a
    check and a registry."""
    key = (id(registry), len(registry))  # checks are only ever added
    cached = _cache.get(id(check))
    if cached is not None and cached[0] is check and cached[1] == key:
        return cached[2]
    watch = Watchlist()
    for fn, name, direct in _registry_items(registry, key):
        watch.watch(fn, name, ReferenceCalled, direct)
    for item in check.forbidden:  # first, so that a guard's own name wins where both apply
        if isinstance(item, str):
            watch.watch_by_name(item, ExerciseCalled)
        elif isinstance(getattr(item, "reference_name", None), str):
            _watch_kernel(watch, item, ExerciseCalled)
        else:
            watch.watch(item, describe(item), ExerciseCalled)
    for kernel in check.guarded:
        _watch_kernel(watch, kernel, ReferenceCalled)
    reference = check.reference
    if isinstance(reference, types.FunctionType):
        name = (
            f"helpers.grading.CHECKS[{check.name!r}].reference" if _grading_function(reference) else describe(reference)
        )
        watch.watch(reference, name, ReferenceCalled)
        for obj in _private(reached([reference])):
            watch.watch(obj, describe(obj), ReferenceCalled, direct=True)
    _cache[id(check)] = (check, key, watch)
    return watch
