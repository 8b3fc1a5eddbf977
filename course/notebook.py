"""What a notebook's cells say, as every part of the course reads it: a cell's nbgrader metadata,
the ``### BEGIN SOLUTION`` / ``### BEGIN HIDDEN TESTS`` blocks the release drops, and the checks a
test cell calls."""

from __future__ import annotations

import re


def nbgrader_meta(cell) -> dict:
    """The cell's nbgrader metadata: {} for a cell nbgrader does not know, and for metadata it
    could not read (not an object, or a grade_id that is not text)."""
    metadata = cell.get("metadata") if isinstance(cell, dict) else None
    meta = metadata.get("nbgrader") if isinstance(metadata, dict) else None
    if not isinstance(meta, dict) or not isinstance(meta.get("grade_id", ""), str):
        return {}
    return meta


BLOCK = re.compile(r"^[ \t]*###\s*BEGIN (SOLUTION|HIDDEN TESTS)\b.*?^[ \t]*###\s*END \1\b[^\n]*\n?", re.S | re.M)
MARKER = re.compile(r"###\s*(BEGIN|END) (SOLUTION|HIDDEN TESTS)")


def strip_blocks(text: str) -> str:
    return BLOCK.sub("", text)


CHECK_CALL = re.compile(r"helpers\.grading\.check_(\w+)\(\s*([A-Za-z_]\w*)")


def check_calls(source: str) -> list[tuple[str, str]]:
    """[(check name as written, student object name)] for each ``helpers.grading.check_X(obj`` in ``source``."""
    return CHECK_CALL.findall(source)
