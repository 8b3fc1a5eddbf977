"""Week 7 checks: mini-batches, exponentially weighted averages, the update rules, learning-rate
schedules, the ravine and saddle questions, and training a deep network on the digits with Adam.

One module per topic, each holding its checks' cases, references or verify functions, hints and
``register(Check(...))`` calls; importing them registers the week's checks in the notebook's order.
"""

from . import averages, minibatches, ravine, schedules, training, update_rules  # noqa: F401  (registers)

# Public constants of the week, at their former address helpers.grading.w07.<name>:
from .ravine import (
    RAVINE_CURVATURES,
    RAVINE_FLAT_GOAL,
    RAVINE_FLAT_START,
    RAVINE_MOMENTUM_BETA,
    SADDLE_EXIT,
    SADDLE_LR,
    SADDLE_Y0,
)
from .training import TRAINING_MIN_ACCURACY, TRAINING_UPDATES
from .update_rules import UPDATE_RULES

__all__ = [
    "RAVINE_CURVATURES",
    "RAVINE_FLAT_GOAL",
    "RAVINE_FLAT_START",
    "RAVINE_MOMENTUM_BETA",
    "SADDLE_EXIT",
    "SADDLE_LR",
    "SADDLE_Y0",
    "TRAINING_MIN_ACCURACY",
    "TRAINING_UPDATES",
    "UPDATE_RULES",
]
