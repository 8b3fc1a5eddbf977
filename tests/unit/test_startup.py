"""Start-up and the numba cache: a student's first kernel call must not wait for a compiler.

The start-up bound (import helpers + the first conv2d in a fresh process with a warm cache,
≤ 1.5 s) is a product requirement of issue 4, so it is asserted here; every other speed
is measured by benchmarks/kernels.py instead.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys

import numpy as np
import pytest

from tests.support import REPO

FIRST_CALL = (
    "import time, json\n"
    "t0, c0 = time.perf_counter(), time.process_time()\n"
    "import numpy as np\n"
    "import helpers\n"
    "helpers.conv.conv2d(np.ones((1, 1, 6, 6)), np.ones((1, 1, 3, 3)), np.zeros(1), stride=1, pad=1)\n"
    "print(json.dumps([time.perf_counter() - t0, time.process_time() - c0]))\n"
)
LIMIT = 1.5


def python(code, env=None, cwd=REPO, timeout=600):
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


def test_import_and_first_conv2d_within_1_5_s_with_a_warm_cache():
    import json

    python(FIRST_CALL)  # fills the cache if this checkout never ran it
    runs = [json.loads(python(FIRST_CALL)) for _ in range(3)]
    wall = min(r[0] for r in runs)
    cpu = min(r[1] for r in runs)
    # The process's own CPU time is what the code controls; wall time also counts waiting
    # for a core, which on a machine shared with other jobs can exceed it several times.
    assert cpu <= LIMIT, f"import helpers + first conv2d used {cpu:.2f} s of CPU (runs: {runs})"
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else 0.0
    if wall > LIMIT and load > (os.cpu_count() or 1):
        pytest.skip(
            f"wall time {wall:.2f} s > {LIMIT} s, but the machine is overloaded "
            f"(load {load:.1f} on {os.cpu_count()} cores; CPU time {cpu:.2f} s)"
        )
    assert wall <= LIMIT, f"import helpers + first conv2d took {wall:.2f} s (runs: {runs})"


def test_cache_dir_honours_numba_cache_dir_then_the_user_cache(monkeypatch, tmp_path):
    from helpers import _numba

    monkeypatch.setenv("NUMBA_CACHE_DIR", str(tmp_path / "explicit"))
    assert _numba.cache_dir() == str(tmp_path / "explicit")
    monkeypatch.delenv("NUMBA_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert _numba.cache_dir() == str(tmp_path / "xdg" / "dl-course" / "numba")
    assert (tmp_path / "xdg" / "dl-course" / "numba").is_dir()


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0, reason="root ignores file permissions")
def test_cache_dir_falls_back_to_tempdir_when_the_user_cache_is_read_only(monkeypatch, tmp_path):
    from helpers import _numba

    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(stat.S_IRUSR | stat.S_IXUSR)
    monkeypatch.delenv("NUMBA_CACHE_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(locked))
    monkeypatch.setenv("TMPDIR", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", None)
    assert _numba.cache_dir().startswith(str(tmp_path / "tmp" / "dl-course-numba-"))


def test_numba_cache_dir_from_the_environment_reaches_numba(tmp_path):
    env = dict(os.environ, NUMBA_CACHE_DIR=str(tmp_path / "mine"))
    out = python("import helpers.conv, numba; print(numba.config.CACHE_DIR)", env=env)
    assert out.strip() == str(tmp_path / "mine")


def test_a_read_only_install_caches_into_the_user_cache(tmp_path):
    """Copy helpers to a read-only directory and compile one kernel from there.

    (Run as root the permissions do not bind, but nothing may be written next to the sources.)
    """
    site = tmp_path / "site"
    shutil.copytree(REPO / "helpers", site / "helpers", ignore=shutil.ignore_patterns("__pycache__"))
    for path in sorted(site.rglob("*"), reverse=True) + [site]:
        path.chmod(path.stat().st_mode & ~(stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH))
    try:
        env = {k: v for k, v in os.environ.items() if k != "NUMBA_CACHE_DIR"}
        env.update(PYTHONPATH=str(site), XDG_CACHE_HOME=str(tmp_path / "cache"), PYTHONDONTWRITEBYTECODE="1")
        code = (
            "import numpy as np, helpers, helpers.rnn as r\n"
            f"assert helpers.__file__.startswith({str(site)!r}), helpers.__file__\n"
            "x = np.ones((1, 2, 1)); h = r.rnn_forward(x, np.zeros((1, 2)), np.ones((1, 2)), np.eye(2), np.zeros(2))\n"
            "print(h.shape)\n"
        )
        assert python(code, env=env, cwd=tmp_path).strip() == "(1, 2, 2)"
        cached = list((tmp_path / "cache" / "dl-course" / "numba").rglob("*.nbi"))
        assert cached, "nothing was cached in the user cache directory"
        assert not list(site.rglob("*.nbi")) and not list(site.rglob("*.nbc"))
    finally:
        for path in [site] + sorted(site.rglob("*")):
            path.chmod(path.stat().st_mode | stat.S_IWUSR)


def test_no_get_num_threads_inside_the_kernels():
    import inspect

    from numba.core.dispatcher import Dispatcher

    from helpers import _conv3x3_kernels, _conv_kernels, _rnn_kernels, pool

    for module in (_conv_kernels, _conv3x3_kernels, pool, _rnn_kernels):
        kernels = [v for v in vars(module).values() if isinstance(v, Dispatcher)]
        assert kernels
        for kernel in kernels:
            assert "get_num_threads" not in inspect.getsource(kernel.py_func), kernel


def test_single_threaded_blas_pins_and_restores():
    from threadpoolctl import threadpool_info

    from helpers._numba import single_threaded_blas

    def blas_threads():
        return [lib["num_threads"] for lib in threadpool_info() if lib["user_api"] == "blas"]

    with single_threaded_blas():  # loads the BLAS numba calls (scipy's) as well
        pass
    before = blas_threads()
    with single_threaded_blas():
        assert set(blas_threads()) == {1}
    assert blas_threads() == before


def test_parallel_kernels_give_the_same_answer_as_serial_ones():
    """Serial and parallel paths run the same per-image code: the results agree exactly."""
    from helpers import _conv_kernels as kernels
    from helpers import pool

    rng = np.random.default_rng(0)
    x, w, b = rng.normal(size=(5, 2, 7, 6)), rng.normal(size=(4, 2, 3, 3)), rng.normal(size=4)
    serial = kernels._conv2d_forward(x, w, b, 2, 1, 4, 3, chunks=1)
    parallel = kernels._conv2d_forward(x, w, b, 2, 1, 4, 3, chunks=3)
    np.testing.assert_array_equal(serial, parallel)
    for a, e in zip(
        kernels._conv2d_backward(serial, x, w, 2, 1, chunks=1), kernels._conv2d_backward(serial, x, w, 2, 1, chunks=3)
    ):
        np.testing.assert_array_equal(a, e)
    for backward in (False, True):
        args = (serial[:, :, :2, :2], x, np.empty(x.shape if backward else (5, 2, 3, 3)), 2, 2)
        one = pool._pool_serial(True, backward, *args).copy()
        np.testing.assert_array_equal(one, pool._pool_parallel(True, backward, *args))


def test_course_warm_compiles_everything_then_only_loads():
    """`course warm` fills the cache; run again, it compiles nothing (so it is fast)."""
    code = "from course import warm; warm.run(None)"
    python(code)
    out = python(code)
    for name in ("conv", "pool", "rnn"):
        assert f"helpers.{name}: 0 compiled" in out, out
    assert "float64, float32" in out and "numba cache:" in out and "warm in" in out, out


def test_course_warm_in_two_processes_leaves_the_cache_a_serial_run_only_loads(tmp_path):
    """Modules warmed in parallel come back in their order (a module this checkout lacks says nothing)
    and leave a cache that a later serial warm-up only loads from."""
    env = {**os.environ, "NUMBA_CACHE_DIR": str(tmp_path / "numba")}
    names = ["word2vec", "not_a_kernel_module", "losses"]
    out = python(
        f"import json; from course import warm; print(json.dumps(list(warm.warm_modules(2, {names!r}))))", env=env
    )
    word2vec, missing, losses = json.loads(out)
    assert word2vec[0].startswith("helpers.word2vec: ") and " 0 loaded from the cache" in word2vec[0], word2vec
    assert not word2vec[0].startswith("helpers.word2vec: 0 compiled"), word2vec
    assert missing == [] and losses[0].startswith("helpers.losses: plain numpy"), (missing, losses)
    again = python("from course import warm; print(warm.warm_module('word2vec')[0])", env=env)
    assert again.startswith("helpers.word2vec: 0 compiled"), again
