"""Week 12's comparison with the reference: ``helpers.grading.mistakes.verify_with_mistakes`` naming a
mistake only when it matches the whole answer (``conv_costs`` returns small tuples of counts, where two
mistakes can agree on one output and only the whole answer tells them apart)."""

from __future__ import annotations

from functools import partial

from ..mistakes import GRADIENT
from ..mistakes import verify_with_mistakes as _verify_with_mistakes

verify_with_mistakes = partial(_verify_with_mistakes, whole_answer=True)

__all__ = ["GRADIENT", "verify_with_mistakes"]
