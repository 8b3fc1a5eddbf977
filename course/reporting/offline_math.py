"""Maths in feedback pages that shows without the internet: LaTeX turned into MathML when the page is written.

nbconvert's pages load MathJax from a CDN, so a student reading their feedback offline, or on a hub
without internet, sees raw ``$\\partial J/\\partial z$`` and tables whose cells are split by the ``|`` of
the maths. Browsers render MathML themselves (Chromium since 109, Firefox, Safari), so each ``$...$``
and ``$$...$$`` of a markdown cell becomes a ``<math>`` element before the page is converted; code
spans and fenced code are left as they are.
"""

from __future__ import annotations

import re
from functools import lru_cache

from latex2mathml.converter import convert
from nbconvert.preprocessors import Preprocessor
from traitlets import Bool

# Code first, so that a `$` inside code is never read as maths; then display maths, then inline maths
# (on one line or wrapped over two, never across a blank line; "\$" is a literal dollar).
_PIECES = re.compile(
    r"(?P<fence>^```.*?^```[^\n]*$)"
    r"|(?P<code>(?P<ticks>`+).+?(?P=ticks))"
    r"|\$\$(?P<display>.+?)\$\$"
    r"|(?<![\\$])\$(?P<inline>(?:[^$\\\n]|\\.|\n(?!\s*\n))+?)\$",
    re.DOTALL | re.MULTILINE,
)
# Characters markdown would act on inside the MathML's text (emphasis, links, escapes, tables).
_MARKDOWN_ACTIVE = str.maketrans({c: f"&#{ord(c)};" for c in "*_[]`\\|~"})


@lru_cache(maxsize=4096)
def mathml(latex: str, display: bool = False) -> str:
    """One LaTeX formula as a single line of MathML that markdown passes through untouched."""
    try:
        element = convert(latex.strip(), display="block" if display else "inline")
    except Exception:  # a formula the converter does not know: show its source rather than nothing
        return f"<code>{_escape(latex)}</code>"
    element = element.replace("\n", " ")
    return re.sub(r">([^<]+)<", lambda m: ">" + m.group(1).translate(_MARKDOWN_ACTIVE) + "<", element)


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").translate(_MARKDOWN_ACTIVE)


def markdown_with_mathml(markdown: str) -> str:
    """The markdown with every formula outside code replaced by MathML."""

    def replace(match: re.Match) -> str:
        if match.group("display") is not None:
            return mathml(match.group("display"), display=True)
        if match.group("inline") is not None:
            return mathml(match.group("inline"))
        return match.group(0)

    return _PIECES.sub(replace, markdown)


class OfflineMath(Preprocessor):
    """Replace the LaTeX of every markdown cell by MathML (see the module's docstring)."""

    enabled = Bool(True)

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type == "markdown" and "$" in cell.source:
            cell.source = markdown_with_mathml(cell.source)
        return cell, resources
