"""Week 4 checks: padding, output size, the drill, convolution and pooling forward and backward
(with loops, then with one loop over the output positions), and the small CNN built from them.

Forward passes are compared with the reference kernels of ``helpers.conv``; backward passes with the
reference and with central differences of the reference forward pass (DESIGN.md section 6). One
module per topic, each holding its checks' cases, references, hints and ``register(Check(...))``
calls; ``guards`` holds the kernels every exercise of the week must not call.
"""

from . import cnn, convolution, pooling, sizes  # noqa: F401  (registers)

# Public constants of the week, at their former address helpers.grading.w04.<name>:
from .guards import CONV_KERNELS, POOL_KERNELS
from .pooling import POOLING
from .sizes import DRILL_PARAMS, DRILL_SAME, DRILL_SIZES

__all__ = ["CONV_KERNELS", "DRILL_PARAMS", "DRILL_SAME", "DRILL_SIZES", "POOLING", "POOL_KERNELS"]
