"""Hyperparameter search: sampling on the right scale, random and grid search, coarse to fine,
and running many trials at once (week 9).

Scales
------
A search space is a dict ``{name: (low, high, scale)}`` with scale "linear" (uniform between
low and high) or "log" (uniform exponent: 10^U(log10 low, log10 high), as many samples in
every decade). A configuration is a dict ``{name: value}``.

    learning rate α:   10^U(−4, 0)          log-uniform in [1e-4, 1]
    momentum ρ:        1 − 10^U(−3, −1)     1 − ρ log-uniform in [0.001, 0.1], so ρ in [0.9, 0.999]

ρ is momentum's weight (week 7 calls it β; week 9 writes ρ because β is batch norm's shift). It
needs the second form because what matters is 1/(1 − ρ), the number of steps it averages
over (week 7): ρ = 0.9 averages about 10 steps, 0.99 about 100 and 0.999 about 1000. Uniform ρ
in [0.9, 0.999] would spend 90 % of the samples between 0.9 and 0.99.

Searches
--------
:func:`random_search` draws ``budget`` configurations and keeps the one with the highest score;
:func:`grid_search` spends the same budget on a grid (k values per hyperparameter, k^P ≤ budget).
With one hyperparameter that matters and one that does not, a grid of 25 tries only 5 values of
the one that matters, random search 25. :func:`coarse_to_fine` spends half the budget on the whole
space and the rest on a smaller space around the best configuration found.

The toy objective (:func:`toy_objective`) is the "dev accuracy" the week-9 check searches: a
bump per hyperparameter, on its own scale, weighted by how much that hyperparameter matters.

Trials in parallel
------------------
:func:`run_trials` evaluates a function on many configurations in worker processes (one per
core) or on a Dask cluster (``scheduler="tcp://host:8786"``), with a progress bar, and returns
the results in the order of the configurations. The function is sent by value (cloudpickle),
so a function defined in a notebook works.

Taught in source/w09_batchnorm_tuning (exercises 4 and 5, section 4).
"""

from __future__ import annotations

import math
import os
import time

import numpy as np

from ._validate import as_float_array, int_arg, real_arg
from .tripwire import reference_kernel

__all__ = [
    "SCALES",
    "LR_EXPONENTS",
    "MOMENTUM_EXPONENTS",
    "sample_log_uniform",
    "sample_hyperparameters",
    "unit_position",
    "random_search",
    "grid_search",
    "zoom",
    "coarse_to_fine",
    "toy_objective",
    "toy_scores",
    "on_objective",
    "drawn_twice",
    "run_trials",
    "format_table",
]

SCALES = ("linear", "log")
LR_EXPONENTS = (-4.0, 0.0)  # learning rate 10^U(-4, 0)
MOMENTUM_EXPONENTS = (-3.0, -1.0)  # 1 - rho = 10^U(-3, -1)


# --------------------------------------------------------------------------- sampling


def _space_arg(name, space):
    if not isinstance(space, dict) or not space:
        raise ValueError(f"{name}: space must be a non-empty dict {{name: (low, high, scale)}}, got {space!r:.60}")
    result = {}
    for key, entry in space.items():
        if not isinstance(entry, (tuple, list)) or len(entry) != 3:
            raise ValueError(f"{name}: space[{key!r}] must be (low, high, scale), got {entry!r}")
        low, high, scale = entry
        low = real_arg(name, f"space[{key!r}] low", low, finite=True)
        high = real_arg(name, f"space[{key!r}] high", high, finite=True)
        if scale not in SCALES:
            raise ValueError(f"{name}: space[{key!r}] scale must be 'linear' or 'log', got {scale!r}")
        if not low < high:
            raise ValueError(f"{name}: space[{key!r}] needs low < high, got {low} and {high}")
        if scale == "log" and low <= 0:
            raise ValueError(f"{name}: space[{key!r}] is on a log scale, so low must be > 0, got {low}")
        result[key] = (low, high, scale)
    return result


@reference_kernel
def sample_log_uniform(low, high, n, rng=None):
    """n values 10^U(log10 low, log10 high): as many in every decade. rng: a Generator or a seed."""
    name = "sample_log_uniform"
    low = real_arg(name, "low", low, 0.0, low_open=True, finite=True)
    high = real_arg(name, "high", high, low, low_open=True, finite=True)
    n = int_arg(name, "n", n, 0)
    return 10.0 ** np.random.default_rng(rng).uniform(math.log10(low), math.log10(high), n)


@reference_kernel
def sample_hyperparameters(n, seed):
    """(learning_rates, momenta), each (n,): α = 10^U(−4, 0) and ρ = 1 − 10^U(−3, −1), drawn with
    ``np.random.default_rng(seed)`` (the learning rates first)."""
    n = int_arg("sample_hyperparameters", "n", n, 0)
    rng = np.random.default_rng(seed)
    learning_rates = 10.0 ** rng.uniform(*LR_EXPONENTS, n)
    momenta = 1.0 - 10.0 ** rng.uniform(*MOMENTUM_EXPONENTS, n)
    return learning_rates, momenta


def unit_position(value, low, high, scale):
    """Where value lies between low (0) and high (1), measured on its scale."""
    if scale == "log":
        return (np.log10(value) - math.log10(low)) / (math.log10(high) - math.log10(low))
    return (np.asarray(value, dtype=np.float64) - low) / (high - low)


def _from_position(t, low, high, scale):
    if scale == "log":
        return 10.0 ** (math.log10(low) + t * (math.log10(high) - math.log10(low)))
    return low + t * (high - low)


# --------------------------------------------------------------------------- searches


@reference_kernel
def random_search(objective, space, budget, seed):
    """Evaluate ``budget`` configurations drawn at random from ``space`` (each hyperparameter on
    its scale) and return (best_config, best_score), the highest score; the first one on ties."""
    name = "random_search"
    space = _space_arg(name, space)
    budget = int_arg(name, "budget", budget, 1)
    rng = np.random.default_rng(seed)
    best_config, best_score = None, -math.inf
    for _ in range(budget):
        config = {
            key: float(_from_position(rng.uniform(), low, high, scale)) for key, (low, high, scale) in space.items()
        }
        score = float(objective(config))
        if best_config is None or score > best_score:
            best_config, best_score = config, score
    return best_config, best_score


def grid_search(objective, space, budget):
    """Evaluate a grid of k values per hyperparameter, evenly spaced on each scale from low to high,
    with k the largest whole number such that k^P ≤ budget. Returns (best_config, best_score, tried)."""
    space = _space_arg("grid_search", space)
    budget = int_arg("grid_search", "budget", budget, 1)
    k = max(1, int(math.floor(budget ** (1.0 / len(space)) + 1e-9)))
    axes = [np.linspace(0.0, 1.0, k) if k > 1 else np.array([0.5]) for _ in space]
    tried, best_config, best_score = [], None, -math.inf
    for point in np.stack(np.meshgrid(*axes, indexing="ij"), axis=-1).reshape(-1, len(space)):
        config = {
            key: float(_from_position(t, low, high, scale))
            for t, (key, (low, high, scale)) in zip(point, space.items())
        }
        score = float(objective(config))
        tried.append(config)
        if score > best_score:
            best_config, best_score = config, score
    return best_config, best_score, tried


def zoom(space, best, factor=4.0):
    """A smaller space around the configuration ``best``: each range shrunk ``factor`` times on
    its own scale, centred on best's value and kept inside the original bounds."""
    space = _space_arg("zoom", space)
    result = {}
    for key, (low, high, scale) in space.items():
        t = float(unit_position(best[key], low, high, scale))
        half = 0.5 / factor
        lo, hi = t - half, t + half
        if lo < 0.0:
            lo, hi = 0.0, 2 * half
        if hi > 1.0:
            lo, hi = 1.0 - 2 * half, 1.0
        result[key] = (float(_from_position(lo, low, high, scale)), float(_from_position(hi, low, high, scale)), scale)
    return result


def coarse_to_fine(objective, space, budget, seed, search=None, factor=4.0):
    """Half of the budget at random on the whole space, the other half on :func:`zoom` of the
    space around the best configuration of the first half. ``search`` is a random search with
    the signature of :func:`random_search` (default: that one). Returns
    (best_config, best_score, fine_space)."""
    search = search or random_search.unguarded
    first = max(1, budget // 2)
    coarse_best, coarse_score = search(objective, space, first, seed)
    fine_space = zoom(space, coarse_best, factor)
    if budget - first < 1:
        return coarse_best, coarse_score, fine_space
    fine_best, fine_score = search(objective, fine_space, budget - first, [seed, 1] if isinstance(seed, int) else seed)
    if fine_score > coarse_score:
        return fine_best, fine_score, fine_space
    return coarse_best, coarse_score, fine_space


# --------------------------------------------------------------------------- the toy objective

TOY_BASE = 0.1


def toy_scores(points, coefs, space):
    """Scores of configurations given as rows of ``points`` (k, P), in the order of ``space``.

    coefs (P, 3): for each hyperparameter (weight, centre, width), centre and width measured in
    unit_position. score = 0.1 + Σ_p weight_p · exp(−((t_p − centre_p) / width_p)²): a "dev
    accuracy" that a hyperparameter of weight 0 does not affect at all.
    """
    points = np.atleast_2d(np.asarray(points, dtype=np.float64))
    coefs = as_float_array("toy_scores", "coefs", coefs, ndim=2)
    total = np.full(points.shape[0], TOY_BASE)
    for p, (low, high, scale) in enumerate(_space_arg("toy_scores", space).values()):
        weight, centre, width = coefs[p]
        with np.errstate(invalid="ignore", divide="ignore"):
            t = unit_position(points[:, p], low, high, scale)
        total = total + weight * np.exp(-(((t - centre) / width) ** 2))
    return total


def toy_objective(coefs, space):
    """The objective of :func:`toy_scores` as a function of one configuration dict."""
    space = _space_arg("toy_objective", space)
    keys = list(space)

    def objective(config):
        return float(toy_scores([[config[k] for k in keys]], coefs, space)[0])

    return objective


def drawn_twice(fn, function="sample_hyperparameters"):
    """A sampler ``fn(n, seed) -> (learning_rates, momenta)`` called three times, for the grader:
    ``(n, seed, other_seed) -> (learning_rates, momenta, learning_rates_again, momenta_again,
    learning_rates_other, momenta_other)``, the second call with the same seed as the first, the third
    with another seed. A search is repeatable only if the same seed gives the same samples."""
    if function != "sample_hyperparameters":
        raise ValueError(f"drawn_twice: function must be 'sample_hyperparameters', got {function!r}")

    def call(n, seed, other_seed):
        results = []
        for s in (seed, seed, other_seed):
            result = fn(n, s)
            if not isinstance(result, tuple) or len(result) != 2:
                raise ValueError(f"{function} must return (learning_rates, momenta), got {type(result).__name__}")
            results.extend(result)
        return tuple(results)

    call.__name__ = f"{function}_drawn_twice"
    return call


def on_objective(fn):
    """A random search ``fn(objective, space, budget, seed) -> (best_config, best_score)`` as a
    function of plain data, for the grader: ``(coefs, budget, seed, *, space) -> (tried (k, P),
    scores (k,), best_config (P,), best_score)``. The objective is :func:`toy_objective` of coefs;
    every configuration it receives is recorded (in the order of space) with the score it gave."""

    def call(coefs, budget, seed, *, space):
        keys = list(space)
        objective = toy_objective(coefs, space)
        tried, scores = [], []

        def recorded(config):
            if not isinstance(config, dict) or set(config) != set(keys):
                raise ValueError(
                    f"random_search: the objective takes a dict with exactly the keys of space "
                    f"({', '.join(keys)}), got {config!r:.80}"
                )
            score = objective(config)
            tried.append([float(config[k]) for k in keys])
            scores.append(score)
            return score

        result = fn(recorded, space, budget, seed)
        if not isinstance(result, tuple) or len(result) != 2:
            raise ValueError(f"random_search must return (best_config, best_score), got {type(result).__name__}")
        best, best_score = result
        if not isinstance(best, dict):
            raise ValueError(
                f"random_search must return best_config as a dict {{name: value}}, got {type(best).__name__}"
            )
        missing = [k for k in keys if k not in best]
        if missing:
            raise ValueError(
                f"random_search: best_config has no {missing[0]!r} (it needs every hyperparameter "
                f"of space: {', '.join(keys)})"
            )
        return (
            np.array(tried, dtype=np.float64).reshape(-1, len(keys)),
            np.array(scores, dtype=np.float64),
            np.array([float(best[k]) for k in keys]),
            np.array(float(best_score)),
        )

    call.__name__ = "random_search_on_objective"
    return call


# --------------------------------------------------------------------------- trials in parallel


class _Progress:
    """A progress bar: an ipywidgets bar in a notebook, nothing elsewhere (the caller prints)."""

    def __init__(self, total, description):
        self.total, self.done, self.start = total, 0, time.perf_counter()
        self.bar = self.label = None
        try:
            from IPython import get_ipython

            if get_ipython() is not None and getattr(get_ipython(), "kernel", None) is not None:
                import ipywidgets as widgets
                from IPython.display import display

                self.bar = widgets.IntProgress(
                    value=0, min=0, max=max(total, 1), description=description, style={"description_width": "initial"}
                )
                self.label = widgets.Label(f"0 / {total}")
                display(widgets.HBox([self.bar, self.label]))
        except Exception:  # no front end: no bar
            self.bar = None

    def update(self):
        self.done += 1
        if self.bar is not None:
            self.bar.value = self.done
            self.label.value = f"{self.done} / {self.total}  ({time.perf_counter() - self.start:.1f} s)"


_WORKER_FN = None


def _start_worker(payload):
    global _WORKER_FN
    import cloudpickle

    _WORKER_FN = cloudpickle.loads(payload)
    try:
        from threadpoolctl import threadpool_limits

        threadpool_limits(1, user_api="blas")  # one process per core already
    except Exception:
        pass


def _run_one(config):
    return _WORKER_FN(config)


def run_trials(fn, configs, *, workers=None, scheduler=None, progress=True, description="trials"):
    """``[fn(config) for config in configs]``, computed in parallel, in the order of configs.

    workers: processes on this machine (default: one per core; 1 runs in this process).
    scheduler: the address of a Dask scheduler ("tcp://host:8786"): the trials then run on its
    workers instead (they need numpy and this package installed). progress: show a bar.
    Returns (results, info): the list of results and a dict with "where" and "seconds".
    """
    configs = list(configs)
    bar = _Progress(len(configs), description) if progress else None
    results = [None] * len(configs)
    start = time.perf_counter()

    def finished(i, value):
        results[i] = value
        if bar is not None:
            bar.update()

    if scheduler:
        from distributed import Client, as_completed

        with Client(scheduler, set_as_default=False) as client:
            futures = client.map(fn, configs, pure=False)
            where = {future.key: i for i, future in enumerate(futures)}
            for future in as_completed(futures, loop=client.loop):
                finished(where[future.key], future.result())
            info = {"where": f"Dask cluster at {scheduler} ({len(client.scheduler_info().get('workers', {}))} workers)"}
    else:
        from concurrent.futures.process import BrokenProcessPool

        workers = int(workers or os.cpu_count() or 1)
        info = {"where": "this process"}
        if workers > 1 and len(configs) > 1:
            try:
                _run_in_processes(fn, configs, min(workers, len(configs)), finished)
                info = {"where": f"{min(workers, len(configs))} worker processes"}
            except (OSError, ImportError, BrokenProcessPool) as err:  # no processes here (a sandbox): serially
                info = {"where": f"this process ({type(err).__name__}: no worker processes)"}
                for i, config in enumerate(configs):
                    if results[i] is None:
                        finished(i, fn(config))
        else:
            for i, config in enumerate(configs):
                finished(i, fn(config))
    info["seconds"] = time.perf_counter() - start
    return results, info


def _run_in_processes(fn, configs, workers, finished):
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor, as_completed

    import cloudpickle

    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
    with ProcessPoolExecutor(
        workers, mp_context=context, initializer=_start_worker, initargs=(cloudpickle.dumps(fn),)
    ) as pool:
        futures = {pool.submit(_run_one, config): i for i, config in enumerate(configs)}
        for future in as_completed(futures):
            finished(futures[future], future.result())


def format_table(rows, columns, formats=None):
    """A plain-text table: rows are dicts, columns the keys to show, formats {key: format spec}."""
    formats = formats or {}
    cells = [[format(row[c], formats.get(c, "")) for c in columns] for row in rows]
    widths = [max([len(c)] + [len(r[i]) for r in cells]) for i, c in enumerate(columns)]
    lines = ["  ".join(c.rjust(w) for c, w in zip(columns, widths)), "  ".join("-" * w for w in widths)]
    lines += ["  ".join(v.rjust(w) for v, w in zip(r, widths)) for r in cells]
    return "\n".join(lines)


def warm_up():
    """Nothing to compile (numpy only)."""
    return []
