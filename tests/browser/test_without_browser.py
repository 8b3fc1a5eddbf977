"""The parts of the gallery and of `course lab` that need no browser (these run without chromium)."""

from __future__ import annotations

import json
import re

import pytest

from course import gallery, lab
from tests.support import REPO

NOTEBOOKS = gallery.gallery_notebooks(REPO / "gallery")


def test_every_week_with_an_explorer_has_a_gallery_page():
    """A week's explorer module (helpers/widgets/wNN.py) without a gallery notebook would be missing from
    the gallery, its browser test and the widget benchmark, without a word."""
    explorers = {int(p.stem[1:]) for p in (REPO / "helpers" / "widgets").glob("w[0-9][0-9].py")}
    pages = {gallery.read_card(p).week for p in NOTEBOOKS}
    assert explorers and not explorers - pages, f"weeks without a gallery page: {sorted(explorers - pages)}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_each_gallery_notebook_is_a_card_and_builds_an_explorer(path):
    card = gallery.read_card(path)
    assert card.title and not card.title.startswith("Week"), card.title
    assert card.summary.endswith(".") and len(card.summary.split()) >= 8, "one sentence on what it shows"
    assert re.search(rf"helpers\.widgets\.w{card.week:02d}\b", gallery.code_of(path))
    explorer = gallery.load_explorer(path)
    panel = gallery.figure_panel(explorer)
    assert panel is not None and bytes(panel.image.value[:4]) == b"\x89PNG"
    cells = json.loads(path.read_text())["cells"]
    assert all(not c.get("outputs") for c in cells if c["cell_type"] == "code"), "gallery notebooks are output-free"


def test_index_page_has_a_card_per_notebook_and_says_when_a_thumbnail_failed():
    cards = [gallery.read_card(p) for p in NOTEBOOKS]
    thumbs = {c.name: b"\x89PNG..." for c in cards}
    thumbs[cards[0].name] = "no preview: ValueError: boom"
    page = gallery.index_html(cards, thumbs)
    assert page.count('class="card"') == len(cards)
    for card in cards:
        assert f'href="voila/render/{card.path.name}"' in page and f"Week {card.week}<" in page
    assert "no preview: ValueError: boom" in page
    assert "No gallery notebooks yet" in gallery.index_html([], {})


def test_course_lab_ships_settings_without_the_news_pop_up():
    env = lab.lab_environment({"JUPYTER_CONFIG_PATH": "/somewhere/else"})
    first, *rest = env["JUPYTER_CONFIG_PATH"].split(":")
    assert first == str(lab.JUPYTER_CONFIG) and rest == ["/somewhere/else"]
    page_config = json.loads((lab.JUPYTER_CONFIG / "labconfig" / "page_config.json").read_text())
    assert page_config["disabledExtensions"]["@jupyterlab/apputils-extension:announcements"] is True
    server = json.loads((lab.JUPYTER_CONFIG / "jupyter_server_config.json").read_text())
    assert server["LabApp"]["news_url"] is None
