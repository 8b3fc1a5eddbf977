"""Reading what a read-only training cell returned: the tuple of trained parameters a behaviour check
(weeks 10 and 11) decodes held-out data with."""

from __future__ import annotations

import numpy as np

from .core import CheckFailed, as_output


def trained_parameters(raw, expected: dict, function: str, order: str, where: str, blew_up: str = "") -> dict:
    """name -> array, in the order of ``expected`` (name -> an array of the right shape), from the tuple
    ``function`` returned; CheckFailed naming what is wrong (not a tuple, a shape, a non-finite value).
    ``order`` says where the student can read the parameters' order; ``blew_up``, which checks to look at
    when a value is not finite."""
    __tracebackhide__ = True
    names = list(expected)
    if not isinstance(raw, tuple) or len(raw) != len(names):
        kind = getattr(raw, "type_name", type(raw).__name__)
        raise CheckFailed(
            f"{where}: {function} returned a {kind}; it returns the tuple of the {len(names)} parameters "
            f"({order}). Did you edit the read-only training cell?"
        )
    params = {}
    for name, value in zip(names, raw):
        array = as_output(value, name, where)
        if array.shape != expected[name].shape:
            raise CheckFailed(f"{where}: {name} has shape {array.shape}, expected {expected[name].shape}.")
        params[name] = array
    if not all(np.all(np.isfinite(p)) for p in params.values()):
        raise CheckFailed(f"{where}: the trained parameters contain inf or NaN: a gradient blew up. {blew_up}".rstrip())
    return params
