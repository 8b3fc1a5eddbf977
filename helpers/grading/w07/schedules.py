"""Week 7's learning-rate schedules (inverse-time, exponential, staircase) on vectors of epochs, against
``helpers.optim``."""

from __future__ import annotations

import numpy as np

from ... import optim
from ..core import Case, Check, register


def epoch_vectors(rng):
    return [
        ("the first epochs 0..5", np.arange(6)),
        ("epoch 0 alone", np.array([0])),
        ("epochs 0, 9, 10, 11, 19, 20, 21 (around the stairs)", np.array([0, 9, 10, 11, 19, 20, 21])),
        ("late epochs up to 1000", np.array([50, 100, 500, 1000])),
        ("random epochs, unsorted", rng.integers(0, 200, size=12)),
        ("fractional epochs (a schedule per update)", np.round(rng.uniform(0, 40, size=8), 2)),
    ]


def schedule_cases(settings):
    def cases(rng):
        result = []
        for i, (label, epochs) in enumerate(epoch_vectors(rng)):
            lr0, kwargs = settings[i % len(settings)]
            shown = ", ".join(f"{k}={v:g}" for k, v in kwargs.items())
            result.append(Case(f"{label}; lr0={lr0:g}, {shown}", (lr0, epochs), dict(kwargs)))
        return result

    return cases


def schedule_reference(kernel):
    """The reference of a schedule check: ``kernel`` (a helpers.optim schedule) without its tripwire."""

    def reference(lr0, epoch, **kwargs):
        return kernel.unguarded(lr0, epoch, **kwargs)

    return reference


register(
    Check(
        "inverse_time_decay",
        schedule_cases(
            [
                (0.2, dict(decay_rate=1.0)),
                (0.01, dict(decay_rate=0.2)),
                (1.0, dict(decay_rate=0.05)),
                (0.5, dict(decay_rate=0.0)),
            ]
        ),
        schedule_reference(optim.inverse_time_decay),
        outputs=("lr",),
        guarded=(optim.inverse_time_decay, optim.exponential_decay, optim.staircase_decay),
        hint="lr0 / (1 + decay_rate * epoch), element by element for an array of epochs (no loop needed).",
        compares_with=(optim.inverse_time_decay,),
        doc="Check ``inverse_time_decay(lr0, epoch, decay_rate)`` = lr₀ / (1 + decay_rate·epoch) on vectors "
        "of epochs (0, late, unsorted and fractional epochs included).",
    )
)


register(
    Check(
        "exponential_decay",
        schedule_cases([(0.2, dict(rate=0.95)), (0.01, dict(rate=0.5)), (1.0, dict(rate=0.99)), (0.3, dict(rate=1.0))]),
        schedule_reference(optim.exponential_decay),
        outputs=("lr",),
        guarded=(optim.exponential_decay, optim.inverse_time_decay, optim.staircase_decay),
        hint="lr0 * rate ** epoch: the learning rate is multiplied by rate once per epoch, so epoch 0 gives lr0.",
        compares_with=(optim.exponential_decay,),
        doc="Check ``exponential_decay(lr0, epoch, rate)`` = lr₀ · rate^epoch on vectors of epochs.",
    )
)


register(
    Check(
        "staircase_decay",
        schedule_cases(
            [
                (0.2, dict(drop=0.5, epochs_per_drop=10)),
                (0.1, dict(drop=0.1, epochs_per_drop=3)),
                (1.0, dict(drop=0.5, epochs_per_drop=1)),
                (0.05, dict(drop=0.9, epochs_per_drop=25)),
            ]
        ),
        schedule_reference(optim.staircase_decay),
        outputs=("lr",),
        guarded=(optim.staircase_decay, optim.inverse_time_decay, optim.exponential_decay),
        hint="lr0 * drop ** np.floor(epoch / epochs_per_drop): constant for epochs_per_drop epochs, "
        "then one step down; round DOWN (floor), not to the nearest integer.",
        compares_with=(optim.staircase_decay,),
        doc="Check ``staircase_decay(lr0, epoch, drop, epochs_per_drop)`` = lr₀ · drop^⌊epoch / "
        "epochs_per_drop⌋ "
        "on vectors of epochs, on and around the stairs.",
    )
)
