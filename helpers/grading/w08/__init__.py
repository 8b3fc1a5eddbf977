"""Week 8 checks: modular layers, an L-layer model, L2, inverted dropout, input normalization,
initialization, early stopping, the regularization study, data augmentation by shifts and the
gradient check of the regularized cost.

Layer lists travel to the student's functions in the plain-array form of ``helpers.layers`` (the
grader moves arrays only): a case's args are ``to_arrays(layers)``'s arrays and its kwargs hold the
spec, and the hidden test wraps the student's function with ``helpers.layers.on_arrays(fn,
"model_forward")`` (and so on), which rebuilds the list.

One module per topic, each holding its checks' cases, references or verify functions, hints and
``register(Check(...))`` calls; ``networks`` holds the random layer lists and the plain-numpy model
that the model checks are judged by.
"""

from . import (  # noqa: F401  (registers)
    augmentation,
    gradient_checking,
    initialization,
    layer_kinds,
    model,
    normalization,
    regularization,
)

# A public constant of the week, at its former address helpers.grading.w08.STUDY_LAMBDAS:
from .regularization import STUDY_LAMBDAS

__all__ = ["STUDY_LAMBDAS"]
