"""Week 11 checks: scaled dot-product attention under padding and causal masks, multi-head attention and
its parameter count, sinusoidal positional encoding, layer normalization, the pre-norm Transformer block,
and the digit reverser trained with the student's functions.

One module per topic, each holding its checks' cases, references or verify functions, hints and
``register(Check(...))`` calls. Wrong answers are compared with what each typical mistake would give on
the same case (``helpers.grading.mistakes.verify_with_mistakes``), so a message names the mistake.
"""

from . import attention, block, heads, normalization, training  # noqa: F401  (registers)
from .training import TRAINING_MIN_ACCURACY

__all__ = ["TRAINING_MIN_ACCURACY"]
