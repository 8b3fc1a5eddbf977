"""What a week-7 training loop hands its update rule, for the grader (behind ``helpers.optim``).

A training run is judged by more than its final accuracy: the learning rate must follow the
schedule epoch by epoch, and Adam's step counter t must run over the whole run (a counter reset
every epoch restarts the bias correction, and a run without decay can still reach 95%).
:func:`recording_updates` wraps the notebook's ``train_mlp`` so that every call of the notebook's
update functions (``adam_update`` and the others, whether called directly or through the
notebook's ``update`` helper) is recorded as plain numbers, which the grader can read.
Re-exported by ``helpers.optim``.
"""

from __future__ import annotations

import inspect
import math

import numpy as np

UPDATE_FUNCTIONS = ("sgd_update", "momentum_update", "rmsprop_update", "adagrad_update", "adam_update")


def _number(value):
    try:
        return float(np.asarray(value, dtype=float))
    except (TypeError, ValueError):
        return math.nan


def recording_updates(fn, function="train_mlp"):
    """The notebook's ``train_mlp(X, y, **settings) -> (params, losses)`` as
    ``(X, y, **settings) -> (params, losses, calls)``: ``calls`` is a float array (K, 3), one row per
    call of the notebook's update functions during the run, in order: (t, lr, which), where
    ``which`` indexes :data:`UPDATE_FUNCTIONS` and t is NaN for a rule that takes none.

    The update functions are looked up in ``fn``'s own globals (the notebook's namespace, or the
    grader's frozen copy of it) and put back after the run, whatever happens."""
    if function != "train_mlp":
        raise ValueError(f"recording_updates: function must be 'train_mlp', got {function!r}")

    def call(X, y, **settings):
        namespace = getattr(fn, "__globals__", {})
        calls, originals = [], {}
        for which, name in enumerate(UPDATE_FUNCTIONS):
            original = namespace.get(name)
            if not callable(original):
                continue
            originals[name] = original
            namespace[name] = _recorder(original, which, calls)
        try:
            result = fn(X, y, **settings)
        finally:
            namespace.update(originals)
        if not isinstance(result, tuple) or len(result) != 2:
            raise ValueError(f"{function} must return (params, losses), got {type(result).__name__}")
        params, losses = result
        return params, losses, np.array(calls, dtype=float).reshape(-1, 3)

    call.__name__ = f"{function}_recording_updates"
    return call


def _recorder(original, which, calls):
    try:
        signature = inspect.signature(original)
    except (TypeError, ValueError):
        signature = None

    def recorded(*args, **kwargs):
        t = lr = math.nan
        if signature is not None:
            try:
                bound = signature.bind(*args, **kwargs)
                bound.apply_defaults()
                t = _number(bound.arguments.get("t", math.nan))
                lr = _number(bound.arguments.get("lr", math.nan))
            except TypeError:
                pass
        calls.append((t, lr, float(which)))
        return original(*args, **kwargs)

    recorded.__name__ = getattr(original, "__name__", "update")
    return recorded
