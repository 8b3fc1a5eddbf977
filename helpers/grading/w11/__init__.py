"""Week 11 checks: skip-gram with negative sampling (the loss and both gradients, the unigram^0.75
distribution, subsampling) and word vectors trained on a planted corpus; scaled dot-product attention
under padding and causal masks, multi-head attention and its parameter count, sinusoidal positional
encoding, layer normalization, the pre-norm Transformer block, and the digit reverser trained with
the student's functions.

One module per topic, each holding its checks' cases, references or verify functions, hints and
``register(Check(...))`` calls. Wrong answers are compared with what each typical mistake would give on
the same case (``helpers.grading.mistakes.verify_with_mistakes``), so a message names the mistake.
"""

from . import attention, block, heads, normalization, training, word_vectors  # noqa: F401  (registers)
from .training import TRAINING_MIN_ACCURACY
from .word_vectors import ANALOGY_FLOOR, NEIGHBOUR_FLOOR

__all__ = ["TRAINING_MIN_ACCURACY", "ANALOGY_FLOOR", "NEIGHBOUR_FLOOR"]
