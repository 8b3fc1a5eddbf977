"""Every way a graded function could reach the reference it is graded against fails the case
(helpers/tripwire.py, helpers/grading/forbidden.py); the building blocks an exercise may use do not.

Each cheat below is an otherwise blank student function. It is first shown to be right when called
outside a graded call (so it would earn the points if nothing caught it), then to fail
``call_student`` saying what it called.
"""

from __future__ import annotations

import dataclasses
import inspect
import sys
import threading

import numpy as np
import pytest
import scipy.ndimage
import scipy.signal
import scipy.special
from numpy.lib.stride_tricks import sliding_window_view

import helpers
import helpers.conv
import helpers.grading.w03
import helpers.layers
import helpers.losses
import helpers.numpy_reference
from helpers import _conv_kernels
from helpers.grading import CHECKS, Case, Check, call_student, forbidden
from helpers.tripwire import ReferenceCalled, Watchlist, armed

RNG = np.random.default_rng(5)
LOGITS = RNG.normal(size=(4, 5)) * 3
IMAGE, KERNEL = RNG.normal(size=(7, 9)), RNG.normal(size=(3, 2))
X, W, B = RNG.normal(size=(2, 3, 6, 5)), RNG.normal(size=(4, 3, 3, 3)), RNG.normal(size=4)


def graded(check_name, fn, *args, **kwargs):
    """What call_student says about ``fn`` on one case of ``check_name``: the error, or None."""
    return call_student(CHECKS[check_name], fn, Case("a case", args, kwargs)).error


# --------------------------------------------------------------------------- softmax (week 1)


def numpy_softmax(z):
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


SOFTMAX_CHEATS = {  # name -> (cheat, what the message must say)
    "the checks' registry": (
        lambda z: helpers.grading.CHECKS["softmax"].reference(z),
        "calls helpers.losses.softmax, the reference",
    ),
    "inspect.unwrap": (lambda z: inspect.unwrap(helpers.losses.softmax)(z), "calls helpers.losses.softmax, the"),
    "__wrapped__": (lambda z: helpers.losses.softmax.__wrapped__(z), "calls helpers.losses.softmax, the"),
    ".unguarded": (lambda z: helpers.losses.softmax.unguarded(z), "calls helpers.losses.softmax, the"),
    "the kernel": (lambda z: helpers.losses.softmax(z), "calls helpers.losses.softmax, the"),
    "numpy_reference": (lambda z: helpers.numpy_reference.softmax(z), "calls helpers.numpy_reference.softmax, the"),
    "another kernel": (
        lambda z: np.exp(helpers.losses.log_softmax(z)),
        "calls helpers.losses.log_softmax, which does the exercise itself",
    ),
    "another kernel, unwrapped": (
        lambda z: np.exp(helpers.losses.log_softmax.unguarded(z)),
        "calls helpers.losses.log_softmax, which does",
    ),
    "a gradient that is the answer": (
        lambda z: (
            helpers.losses.softmax_cross_entropy(z, np.zeros(len(z), dtype=int))[1] * len(z)
            + np.eye(z.shape[1])[np.zeros(len(z), dtype=int)]
        ),
        "calls helpers.losses.softmax_cross_entropy, which does",
    ),
    "scipy.special.softmax": (
        lambda z: scipy.special.softmax(z, axis=-1),
        "calls scipy.special.softmax, which does the exercise itself; write it yourself.",
    ),
    "scipy.special.log_softmax": (
        lambda z: np.exp(scipy.special.log_softmax(z, axis=-1)),
        "calls scipy.special.log_softmax, which does",
    ),
}


@pytest.mark.parametrize("name", sorted(SOFTMAX_CHEATS))
def test_every_path_to_the_softmax_reference_fails(name):
    cheat, says = SOFTMAX_CHEATS[name]
    np.testing.assert_allclose(cheat(LOGITS), numpy_softmax(LOGITS), rtol=1e-12)  # it would pass unseen
    error = graded("softmax", cheat, LOGITS)
    assert error is not None and error.startswith("softmax calls") and says in error, error


@pytest.mark.parametrize(
    "softmax",
    [
        numpy_softmax,
        lambda z: np.exp(z - scipy.special.logsumexp(z, axis=-1, keepdims=True)),
        lambda z: np.einsum(
            "nk,n->nk",
            np.exp(z - z.max(axis=-1, keepdims=True)),
            1 / np.exp(z - z.max(axis=-1, keepdims=True)).sum(axis=-1),
        ),
    ],
    ids=["numpy", "exp and logsumexp", "einsum"],
)
def test_softmax_from_building_blocks_passes(softmax):
    assert graded("softmax", softmax, LOGITS) is None
    assert helpers.grading.check_softmax(softmax) is None


def test_what_one_week_forbids_another_may_build_on():
    """Week 2's network may use a softmax from anywhere: the forward pass is the exercise there."""

    def forward(X, W, b, V, c):
        Z = 1 / (1 + np.exp(-(X @ W + b)))
        return Z, scipy.special.softmax(Z @ V + c, axis=1)

    def forward_with_helpers(X, W, b, V, c):
        Z = 1 / (1 + np.exp(-(X @ W + b)))
        return Z, helpers.losses.softmax(Z @ V + c, axis=1)

    assert helpers.grading.check_two_layer_forward(forward) is None
    assert helpers.grading.check_two_layer_forward(forward_with_helpers) is None
    # week 4's network uses the loss of week 1, as the notebook's own solution does
    network_watch = forbidden.watchlist(CHECKS["cnn_loss_and_grads"], CHECKS)
    assert "helpers.losses.softmax_cross_entropy" not in network_watch.names()


def test_any_registered_reference_fails_whatever_the_check():
    """The registry is public: a check's reference run from another check's graded call fails too."""
    error = graded(
        "softmax", lambda z: numpy_softmax(z) + 0 * CHECKS["correlate2d"].reference(IMAGE, KERNEL).sum(), LOGITS
    )
    assert "calls helpers.grading.CHECKS['correlate2d'].reference, the reference" in error


# --------------------------------------------------------------------------- correlate2d (week 3)


def valid_correlation(x, k):
    return np.einsum("ijpq,pq->ij", sliding_window_view(x, k.shape), k)


def im2col_dispatcher(x, k):
    """The numba kernel behind helpers.conv.im2col, called directly."""
    (kh, kw), (ho, wo) = k.shape, (x.shape[0] - k.shape[0] + 1, x.shape[1] - k.shape[1] + 1)
    return (k.ravel() @ _conv_kernels._im2col_impl(np.ascontiguousarray(x[None, None]), kh, kw, 1, 0, ho, wo)).reshape(
        ho, wo
    )


def im2col_python_function(x, k):
    (kh, kw), (ho, wo) = k.shape, (x.shape[0] - k.shape[0] + 1, x.shape[1] - k.shape[1] + 1)
    cols = _conv_kernels._im2col_impl.py_func(np.ascontiguousarray(x[None, None]), kh, kw, 1, 0, ho, wo)
    return (k.ravel() @ cols).reshape(ho, wo)


def im2col_compiled_entry(x, k):
    (kh, kw), (ho, wo) = k.shape, (x.shape[0] - k.shape[0] + 1, x.shape[1] - k.shape[1] + 1)
    compiled = next(iter(_conv_kernels._im2col_impl.overloads.values())).entry_point
    return (k.ravel() @ compiled(np.ascontiguousarray(x[None, None]), kh, kw, 1, 0, ho, wo)).reshape(ho, wo)


def private_forward(x, k):
    """The private function behind helpers.conv.conv2d."""
    ho, wo = x.shape[0] - k.shape[0] + 1, x.shape[1] - k.shape[1] + 1
    return _conv_kernels._conv2d_forward(
        np.ascontiguousarray(x[None, None]), np.ascontiguousarray(k[None, None]), np.zeros(1), 1, 0, ho, wo, 1
    )[0, 0]


CORRELATE_CHEATS = {
    # both checks share one reference function: a message names the check being graded
    "the checks' registry": (
        lambda x, k: helpers.grading.CHECKS["correlate2d"].reference(x, k),
        "calls helpers.grading.CHECKS['{check}'].reference, the reference",
    ),
    "the week's module": (lambda x, k: helpers.grading.w03.correlate_valid(x, k), "CHECKS['{check}'].reference"),
    "the kernel": (
        lambda x, k: helpers.conv.conv2d(x[None, None], k[None, None], np.zeros(1))[0, 0],
        "calls helpers.conv.conv2d, the reference",
    ),
    ".unguarded": (
        lambda x, k: helpers.conv.conv2d.unguarded(x[None, None], k[None, None], np.zeros(1))[0, 0],
        "calls helpers.conv.conv2d, the reference",
    ),
    "numpy_reference": (
        lambda x, k: helpers.numpy_reference.conv2d(x[None, None], k[None, None], np.zeros(1))[0, 0],
        "calls helpers.numpy_reference.conv2d, the reference",
    ),
    "a numba dispatcher": (im2col_dispatcher, "calls helpers._conv_kernels._im2col_impl, the reference"),
    "a dispatcher's py_func": (im2col_python_function, "calls helpers._conv_kernels._im2col_impl"),
    "a dispatcher's compiled entry point": (im2col_compiled_entry, "calls helpers._conv_kernels._im2col_impl"),
    "a private helper": (private_forward, "calls helpers._conv_kernels._conv2d_forward, the reference"),
    "scipy.signal.correlate2d": (
        lambda x, k: scipy.signal.correlate2d(x, k, mode="valid"),
        "calls scipy.signal.correlate2d, which does the exercise itself",
    ),
    "scipy.signal.correlate": (
        lambda x, k: scipy.signal.correlate(x, k, mode="valid"),
        "calls scipy.signal.correlate, which does",
    ),
    "scipy.signal.convolve2d": (
        lambda x, k: scipy.signal.convolve2d(x, k[::-1, ::-1], mode="valid"),
        "calls scipy.signal.convolve2d, which does",
    ),
    "scipy.ndimage.correlate": (
        lambda x, k: scipy.ndimage.correlate(x, k, mode="constant", origin=(-1, -1))[
            : x.shape[0] - 2, : x.shape[1] - 1
        ],
        "calls scipy.ndimage.correlate, which does",
    ),
    "scipy's compiled correlation": (
        lambda x, k: scipy.signal._sigtools._convolve2d(x, k, 0, 0, 0, 0),
        "calls scipy.signal._sigtools._convolve2d, which does",
    ),
}


@pytest.mark.parametrize("name", sorted(CORRELATE_CHEATS))
def test_every_path_to_the_correlation_reference_fails(name):
    cheat, says = CORRELATE_CHEATS[name]
    im2col_dispatcher(IMAGE, KERNEL)  # compiled before any graded call, as an earlier cell would have
    np.testing.assert_allclose(cheat(IMAGE, KERNEL), valid_correlation(IMAGE, KERNEL), rtol=1e-10, atol=1e-12)
    for check in ("correlate2d_loops", "correlate2d"):
        error = graded(check, cheat, IMAGE, KERNEL)
        assert error is not None and error.startswith(f"{check} calls") and says.format(check=check) in error, error


def test_correlation_from_loops_and_einsum_passes():
    def loops(x, k):
        out = np.zeros((x.shape[0] - k.shape[0] + 1, x.shape[1] - k.shape[1] + 1))
        for i in range(out.shape[0]):
            for j in range(out.shape[1]):
                for p in range(k.shape[0]):
                    for q in range(k.shape[1]):
                        out[i, j] += x[i + p, j + q] * k[p, q]
        return out

    assert helpers.grading.check_correlate2d_loops(loops) is None
    assert helpers.grading.check_correlate2d(valid_correlation) is None


# --------------------------------------------------------------------------- conv_forward (week 4)


def einsum_conv(x, w, b, stride=1, pad=0):
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    windows = sliding_window_view(xp, w.shape[2:], axis=(2, 3))[:, :, ::stride, ::stride]
    return np.einsum("ncijpq,fcpq->nfij", windows, w) + b[None, :, None, None]


def scipy_conv(x, w, b, stride=1, pad=0):
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    out = np.array([[scipy.signal.correlate(image, f, mode="valid")[0] for f in w] for image in xp])
    return out[:, :, ::stride, ::stride] + b[None, :, None, None]


CONV_CHEATS = {
    "the checks' registry": (
        lambda *a, **k: helpers.grading.CHECKS["conv_forward"].reference(*a, **k),
        "calls helpers.grading.CHECKS['conv_forward'].reference",
    ),
    "__wrapped__": (lambda *a, **k: helpers.conv.conv2d.__wrapped__(*a, **k), "calls helpers.conv.conv2d, the"),
    "numpy_reference": (
        lambda *a, **k: helpers.numpy_reference.conv2d(*a, **k),
        "calls helpers.numpy_reference.conv2d, the",
    ),
    "scipy.signal.correlate": (scipy_conv, "calls scipy.signal.correlate, which does the exercise itself"),
}


@pytest.mark.parametrize("name", sorted(CONV_CHEATS))
def test_every_path_to_the_convolution_reference_fails(name):
    cheat, says = CONV_CHEATS[name]
    np.testing.assert_allclose(cheat(X, W, B, stride=2, pad=1), einsum_conv(X, W, B, stride=2, pad=1), rtol=1e-10)
    error = graded("conv_forward", cheat, X, W, B, stride=2, pad=1)
    assert error is not None and error.startswith("conv_forward calls") and says in error, error


def test_convolution_by_einsum_passes():
    assert helpers.grading.check_conv_forward(einsum_conv) is None


# --------------------------------------------------------------------------- ways around the watch


def test_catching_the_exception_does_not_help():
    def persistent(z):
        try:
            helpers.losses.softmax.unguarded(z)
        except Exception:  # the hook is gone after it raised...
            pass
        return helpers.losses.softmax.unguarded(z)  # ...but the first call is remembered

    assert "calls helpers.losses.softmax, the reference" in graded("softmax", persistent, LOGITS)


@pytest.mark.filterwarnings("ignore::pytest.PytestUnhandledThreadExceptionWarning")  # the thread's trip
def test_a_thread_started_by_the_function_is_watched_too():
    def threaded(z):
        result = {}
        worker = threading.Thread(target=lambda: result.update(p=helpers.losses.softmax.unguarded(z)))
        worker.start()
        worker.join()
        return result.get("p", numpy_softmax(z))

    assert "calls helpers.losses.softmax, the reference" in graded("softmax", threaded, LOGITS)


def test_a_result_that_would_call_the_reference_when_read_is_read_inside_the_call():
    class Lazy:
        def __init__(self, z):
            self.z = z

        def __array__(self, dtype=None, copy=None):
            return helpers.losses.softmax.unguarded(self.z)

    assert "calls helpers.losses.softmax, the reference" in graded("softmax", Lazy, LOGITS)
    assert "calls helpers.losses.softmax" in graded("softmax", lambda z: (Lazy(z),)[0], LOGITS)


def test_a_library_imported_during_the_call_is_watched_from_its_import(tmp_path, monkeypatch):
    (tmp_path / "fakelib_for_watch").mkdir()
    (tmp_path / "fakelib_for_watch" / "__init__.py").write_text(
        "import numpy as np\n\ndef softmax(z):\n    e = np.exp(z - z.max(axis=-1, keepdims=True))\n"
        "    return e / e.sum(axis=-1, keepdims=True)\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, "fakelib_for_watch", raising=False)
    check = dataclasses.replace(CHECKS["softmax"], forbidden=("fakelib_for_watch.softmax",))

    def imports_it(z):
        import fakelib_for_watch

        return fakelib_for_watch.softmax(z)

    first = call_student(check, imports_it, Case("z", (LOGITS,))).error
    assert first == "softmax calls fakelib_for_watch.softmax, which does the exercise itself; write it yourself."
    assert "fakelib_for_watch" in sys.modules
    assert call_student(check, imports_it, Case("z", (LOGITS,))).error == first  # imported by now
    assert call_student(check, numpy_softmax, Case("z", (LOGITS,))).error is None


def test_a_private_helper_may_serve_a_public_kernel_but_not_the_student():
    watch = Watchlist()
    watch.watch(helpers.layers._affine_args, "helpers.layers._affine_args", direct=True)
    x, w, b = np.ones((2, 3)), np.ones((3, 4)), np.zeros(4)
    with armed(watch=watch) as trips:
        helpers.layers.affine_forward(x, w, b)
    assert trips.first is None
    with armed(watch=watch) as trips:
        with pytest.raises(ReferenceCalled, match="_affine_args"):
            helpers.layers._affine_args("affine_forward", x, w, b)
    assert trips.first is not None


# --------------------------------------------------------------------------- the hook comes and goes


@pytest.mark.parametrize(
    "fn",
    [numpy_softmax, lambda z: helpers.losses.softmax.unguarded(z), lambda z: 1 / 0],
    ids=["passes", "trips", "raises"],
)
def test_the_hook_is_gone_after_the_call(fn):
    seen = []

    def mine(frame, event, arg):
        seen.append(event)

    for before in (None, mine):
        sys.setprofile(before)
        threading.setprofile(before)
        try:
            graded("softmax", fn, LOGITS)
            assert sys.getprofile() is before and threading.getprofile() is before
        finally:
            sys.setprofile(None)
            threading.setprofile(None)


def test_a_profiler_in_c_is_back_after_the_call_and_cannot_switch_the_watch_off():
    import cProfile

    profiler = cProfile.Profile()
    profiler.enable()
    try:
        error = graded("softmax", lambda z: helpers.losses.softmax.unguarded(z), LOGITS)
        assert graded("softmax", numpy_softmax, LOGITS) is None
        after = sys.getprofile()
    finally:
        profiler.disable()
    assert "calls helpers.losses.softmax, the reference" in error
    assert after is profiler


def test_a_thread_left_running_after_the_call_drops_the_hook():
    go, done = threading.Event(), threading.Event()
    outcome = {}

    def later():
        go.wait()
        outcome["p"] = helpers.losses.softmax.unguarded(LOGITS)  # after the graded call: not graded
        outcome["profile"] = sys.getprofile()
        done.set()

    def starts_a_thread(z):
        threading.Thread(target=later, daemon=True).start()
        return numpy_softmax(z)

    assert graded("softmax", starts_a_thread, LOGITS) is None
    go.set()
    assert done.wait(10)
    np.testing.assert_allclose(outcome["p"], numpy_softmax(LOGITS))
    assert outcome["profile"] is None


# --------------------------------------------------------------------------- the lists themselves


def test_every_plain_numpy_version_is_some_kernels_counterpart():
    import importlib
    import pkgutil

    kernels = []
    for info in pkgutil.iter_modules(helpers.__path__):
        if info.name not in ("grading", "widgets", "numpy_reference"):
            module = importlib.import_module(f"helpers.{info.name}")
            kernels += [v for v in vars(module).values() if isinstance(getattr(v, "reference_name", None), str)]
    covered = {name for kernel in kernels for _, name in forbidden._numpy_counterparts(kernel)}
    functions = {
        f"helpers.numpy_reference.{name}"
        for name, value in vars(helpers.numpy_reference).items()
        if inspect.isfunction(value) and value.__module__ == "helpers.numpy_reference"
    }
    assert functions - covered == set(), "add these to forbidden.NUMPY_COUNTERPARTS"


def test_every_forbidden_name_is_a_function_the_watch_can_see():
    import importlib

    for check in CHECKS.values():
        for item in check.forbidden:
            if not isinstance(item, str):
                assert isinstance(getattr(item, "reference_name", None), str), (check.name, item)
                continue
            parts = item.split(".")
            module = next(
                ".".join(parts[:cut])
                for cut in range(len(parts) - 1, 0, -1)
                if importlib.util.find_spec(".".join(parts[:cut])) is not None
            )
            importlib.import_module(module)
            watch = Watchlist()
            watch.watch_by_name(item)
            assert item in watch.names(), (check.name, item)


def test_a_forbidden_entry_must_be_a_dotted_name_or_a_function():
    for bad in ("softmax", "scipy special.softmax", 3):
        with pytest.raises(TypeError, match="forbidden entry"):
            Check("bad_forbidden", lambda rng: [], np.negative, doc="x", forbidden=(bad,))


def test_the_public_check_names_what_it_forbids():
    doc = helpers.grading.check_softmax.__doc__
    assert "must not call helpers.losses.softmax" in doc
    assert "scipy.special.softmax" in doc and "helpers.losses.log_softmax" in doc and "do the exercise itself" in doc


def test_the_forbidden_lists_read_as_alternatives():
    """Any one of them is forbidden: "a, b or c", and "which does" after a single one."""
    several = helpers.grading.check_avg_pool_forward.__doc__
    assert "helpers.pool.max_pool2d_backward or helpers.pool.avg_pool2d_backward." in several
    assert "Nor scipy.ndimage.uniform_filter, which does the exercise itself." in several
    assert "Nor scipy.special.softmax or scipy.special.log_softmax, which do" in helpers.grading.check_attention.__doc__
