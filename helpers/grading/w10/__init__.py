"""Week 10 checks: embeddings, a bidirectional RNN over padded sequences, the sequence loss over real
tokens, scaled dot-product attention, and the date translator trained with the student's functions.

One module per topic, each holding its checks' cases, references or verify functions, hints and
``register(Check(...))`` calls; they compare through ``helpers.grading.mistakes``, which, when an
answer is wrong, recognises the typical mistake behind it and names it.
"""

from . import attention, birnn, decoding, embeddings, loss, training  # noqa: F401  (registers)
from .training import TRAINING_MIN_ACCURACY

__all__ = ["TRAINING_MIN_ACCURACY"]
