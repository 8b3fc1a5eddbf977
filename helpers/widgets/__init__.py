"""Interactive explorers, one module per week (``helpers.widgets.w01`` ...).

Each explorer is a small class holding its controls, a matplotlib figure whose
artists it updates in place, and ``.widget``: the ipywidgets box to display.
Displaying the explorer object itself in a notebook shows that box.
"""
