"""Week 9 checks: batch norm forward (training and inference) and backward, a network with batch
norm that trains where the plain one fails, hyperparameters sampled on the right scale, and a
random search.

Functions that take a layer list or an objective reach the grader as plain arrays:
``helpers.batchnorm_layer.on_arrays(train)`` rebuilds the network (the spec travels in the case's
kwargs), ``helpers.tuning.on_objective(random_search)`` builds the objective from its
coefficients and records every configuration it is asked about, and
``helpers.batchnorm_layer.bad_shape_outcome(batchnorm_forward)`` turns what happened on bad γ
and β into a number.

One module per topic, each holding its checks' cases, references or verify functions, hints and
``register(Check(...))`` calls.
"""

from . import batchnorm, race, sampling, search  # noqa: F401  (registers)

# Public constants of the week, at their former address helpers.grading.w09.<name>:
from .batchnorm import BN_GUARDS
from .race import RACE
from .sampling import SHARE_TOLERANCE

__all__ = ["BN_GUARDS", "RACE", "SHARE_TOLERANCE"]
