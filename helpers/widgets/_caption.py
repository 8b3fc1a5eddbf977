"""The line an explorer writes into its own picture about the student's function.

An explorer given a student's function (see _yours.py) says in the figure itself what the
function did on this redraw: red when it differs from the reference beyond the grader's
tolerance or could not be drawn, grey when it agrees or is not written yet. The line is the
figure's suptitle, so the first render's layout leaves room for it; an explorer without a
student's function never creates it, and its picture is the one it always was.
"""

from __future__ import annotations

from ._yours import DIFFERENCE_COLOUR, Outcome

__all__ = ["PictureCaption", "YOURS_COLOUR", "REFERENCE_GREY", "headline"]

YOURS_COLOUR = "#ff7f0e"  # what the student's function gave: orange, beside the reference's blue/black
REFERENCE_GREY = "#666666"


def headline(outcomes) -> Outcome:
    """The outcome the picture's line is about: the first that went wrong, else the first."""
    outcomes = list(outcomes)
    return next((o for o in outcomes if o.wrong), outcomes[0])


def fit(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters (an ellipsis at the end) so that it fits the figure."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


class PictureCaption:
    """One line at the top of ``figure``: :meth:`show` sets its text and colour."""

    def __init__(self, figure, fontsize: float = 9.5, limit: int = 110):
        self.limit = limit
        self.text = figure.suptitle(" ", fontsize=fontsize, color=REFERENCE_GREY)
        self.line, self.wrong = "", False

    def show(self, line: str, wrong: bool) -> None:
        self.line, self.wrong = line, wrong
        self.text.set_text(fit(line, self.limit))
        self.text.set_color(DIFFERENCE_COLOUR if wrong else REFERENCE_GREY)

    def html(self) -> str:
        """The whole line (never cut) for the explorer's message area, in the same colour."""
        colour = DIFFERENCE_COLOUR if self.wrong else REFERENCE_GREY
        text = self.line.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        return f"<span style='color:{colour}'>{text}</span>"

    def get_text(self) -> str:
        return self.text.get_text()
