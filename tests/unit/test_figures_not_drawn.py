"""A grading kernel makes figures but does not draw them (course/sandbox/kernel/launch.py:
draw_no_figures): the autograded notebook and the feedback say where the picture was and why it is
not there, and a notebook that asks for images gets them."""

import nbformat
import numpy as np

from course.config import Limits
from course.sandbox.execute import UNDRAWN_NOTE, execute

LIMITS = Limits(cell_timeout=120, budget=300, max_restarts=0)


def run(*sources: str):
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(s) for s in sources])
    execute(notebook, {}, [], LIMITS)
    return notebook.cells


def mimes(cell) -> set[str]:
    return {mime for output in cell.outputs for mime in output.get("data", {})}


def test_a_figure_is_made_and_said_not_drawn():
    shown, returned, kept = run(
        "import matplotlib.pyplot as plt\nfig, axes = plt.subplots(1, 2, figsize=(8, 3))\n"
        "axes[0].plot([1, 2, 3])\nplt.show()",
        "fig",
        "print(len(fig.axes), fig.axes[0].lines[0].get_ydata().tolist())",
    )
    for cell in (shown, returned):
        assert "image/png" not in mimes(cell), cell.outputs
        (text,) = [o["data"]["text/plain"] for o in cell.outputs if "data" in o]
        assert text == "<Figure size 800x300 with 2 Axes>" + UNDRAWN_NOTE
    assert kept.outputs[0]["text"] == "2 [1, 2, 3]\n"  # the figure itself is whole: only its drawing is skipped


def test_a_notebook_that_asks_for_images_gets_them():
    (cell,) = run(
        "import matplotlib.pyplot as plt\nfrom matplotlib_inline.backend_inline import set_matplotlib_formats\n"
        "set_matplotlib_formats('png')\nplt.plot([1, 2, 3])\nplt.show()"
    )
    assert "image/png" in mimes(cell), cell.outputs


def test_text_that_only_looks_like_a_figure_is_left_alone():
    (cell,) = run("print('<Figure size 640x480 with 1 Axes>')\n'<Figure size 640x480 with 1 Axes>'")
    assert [o.get("text", o.get("data", {}).get("text/plain")) for o in cell.outputs] == [
        "<Figure size 640x480 with 1 Axes>\n",
        "'<Figure size 640x480 with 1 Axes>'",
    ]


EXPLORER = """
import json, numpy as np
from helpers.widgets.w01 import SoftmaxExplorer
calls = []
def softmax(z):
    calls.append(np.shape(z))
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)
explorer = SoftmaxExplorer(softmax=softmax)
print(json.dumps({'renders': explorer.panel.renders, 'picture': len(explorer.panel.image.value), 'calls': len(calls)}))
"""


def test_an_explorer_calls_the_students_function_but_draws_no_picture_while_grading():
    import json

    from helpers.widgets.w01 import SoftmaxExplorer

    (cell,) = run(EXPLORER)
    graded = json.loads(cell.outputs[0]["text"])
    assert graded["calls"] > 0 and graded["renders"] == 0 and graded["picture"] == 0, graded
    drawn = SoftmaxExplorer(softmax=lambda z: np.exp(z) / np.exp(z).sum(axis=-1, keepdims=True))
    assert drawn.panel.renders == 1 and bytes(drawn.panel.image.value).startswith(b"\x89PNG")  # here: drawn
