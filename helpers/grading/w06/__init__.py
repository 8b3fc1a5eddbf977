"""Week 6 checks: error gaps and diagnoses, splits, measured errors, ceilings and metrics (``analysis``); the
decisions that follow a diagnosis: orthogonal knobs, a weighted error, when end-to-end learning pays
(``decisions``)."""

from . import analysis, decisions  # noqa: F401  (registers)
from .analysis import WORKED

__all__ = ["WORKED"]
