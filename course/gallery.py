"""``course gallery``: every widget explorer as a standalone Voilà app, behind an index page.

``gallery/wNN_<topic>.ipynb`` holds one small notebook per explorer: a markdown cell
``# Week N · Title`` followed by one sentence on what the explorer shows, then code cells whose
last expression is the explorer. Voilà runs such a notebook in a fresh kernel and shows its
output without the code. The index page (one card per notebook: week, title, the sentence and a
thumbnail) is made here, before the server starts; every week with an explorer has a gallery notebook
(a test fails otherwise). Thumbnails are drawn by building each explorer once in this process and cached in
``gallery/.thumbnails/`` (redrawn when the notebook or ``helpers.widgets`` changes).
"""

from __future__ import annotations

import ast
import base64
import hashlib
import html
import io
import json
import re
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from .errors import CourseError
from .paths import add_root_option, root_from

GALLERY = "gallery"
NOTEBOOK = re.compile(r"^w(\d\d)_[a-z0-9_]+\.ipynb$")
THUMBNAIL_WIDTH = 420
DEFAULT_PORT = 8866


@dataclass(frozen=True)
class Card:
    name: str  # the notebook's stem, e.g. "w01_softmax"
    week: int
    title: str  # the heading without "Week N ·"
    summary: str  # the first paragraph after the heading
    path: Path

    @property
    def url(self) -> str:
        return f"voila/render/{self.path.name}"


def gallery_notebooks(directory: Path) -> list[Path]:
    """The gallery's notebooks, ``wNN_*.ipynb``, in week order."""
    if not directory.is_dir():
        return []
    return sorted(p for p in directory.iterdir() if p.is_file() and NOTEBOOK.match(p.name))


def _cells(path: Path) -> list[dict]:
    try:
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    except (OSError, ValueError, KeyError) as err:
        raise CourseError(f"{path}: not a readable notebook ({err})") from None
    return [dict(c, source="".join(c.get("source", ""))) for c in cells]


def read_card(path: Path) -> Card:
    """Week, title and sentence from the notebook's first markdown cell."""
    week = int(NOTEBOOK.match(path.name).group(1))
    markdown = next((c["source"] for c in _cells(path) if c.get("cell_type") == "markdown"), "")
    lines = markdown.strip().splitlines()
    if not lines or not lines[0].startswith("# "):
        raise CourseError(f"{path}: the first markdown cell must start with '# Week {week} · Title'")
    title = re.sub(r"^Week\s+\d+\s*[·:\-–—]\s*", "", lines[0][2:].strip())
    paragraphs = [p.strip() for p in "\n".join(lines[1:]).split("\n\n") if p.strip()]
    summary = " ".join(paragraphs[0].split()) if paragraphs else ""
    return Card(path.stem, week, title, summary, path)


def code_of(path: Path) -> str:
    return "\n\n".join(c["source"] for c in _cells(path) if c.get("cell_type") == "code")


def load_explorer(path: Path):
    """Run the notebook's code cells in a fresh namespace; return the last expression's value."""
    value, namespace = None, {"__name__": "__gallery__"}
    for source in (c["source"] for c in _cells(path) if c.get("cell_type") == "code"):
        tree = ast.parse(source, filename=str(path))
        last = tree.body.pop() if tree.body and isinstance(tree.body[-1], ast.Expr) else None
        exec(compile(tree, str(path), "exec"), namespace)
        value = eval(compile(ast.Expression(last.value), str(path), "eval"), namespace) if last else None
    return value


def figure_panel(explorer):
    """The explorer's FigurePanel (the attribute holding one), or None."""
    from helpers.widgets._figure import FigurePanel

    return next((v for v in vars(explorer).values() if isinstance(v, FigurePanel)), None)


def _fingerprint(path: Path) -> str:
    """Changes when the notebook, the helpers.widgets modules it imports or _figure.py change."""
    import helpers.widgets

    folder = Path(helpers.widgets.__file__).parent
    names = {"_figure", *re.findall(r"helpers\.widgets\.(\w+)", code_of(path))}
    digest = hashlib.sha256(path.read_bytes())
    for module in sorted(folder / f"{name}.py" for name in names):
        if module.is_file():
            digest.update(module.read_bytes())
    return digest.hexdigest()[:16]


def thumbnail(path: Path, cache: Path) -> bytes:
    """A PNG of the explorer's first figure, THUMBNAIL_WIDTH pixels wide (cached)."""
    cached = cache / f"{path.stem}-{_fingerprint(path)}.png"
    if cached.is_file():
        return cached.read_bytes()
    from PIL import Image

    explorer = load_explorer(path)
    panel = figure_panel(explorer)
    if panel is None:
        raise CourseError(f"{path.name}: its last expression is not an explorer with a FigurePanel")
    image = Image.open(io.BytesIO(panel.image.value)).convert("RGB")
    height = round(image.height * THUMBNAIL_WIDTH / image.width)
    buffer = io.BytesIO()
    image.resize((THUMBNAIL_WIDTH, height), Image.LANCZOS).save(buffer, format="png", optimize=True)
    try:  # a read-only course: draw it again next time
        cache.mkdir(parents=True, exist_ok=True)
        for stale in cache.glob(f"{path.stem}-*.png"):
            stale.unlink()
        cached.write_bytes(buffer.getvalue())
    except OSError:
        pass
    return buffer.getvalue()


_STYLE = """
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 0;
       background: #f6f7f9; color: #1f2328; }
header { padding: 28px 40px 8px; }
header h1 { margin: 0 0 6px; font-size: 26px; }
header p { margin: 0; color: #57606a; max-width: 60em; line-height: 1.45; }
main { display: grid; grid-template-columns: repeat(auto-fill, minmax(300px, 1fr)); gap: 20px;
       padding: 20px 40px 40px; }
a.card { display: flex; flex-direction: column; background: white; border: 1px solid #d0d7de;
         border-radius: 8px; overflow: hidden; text-decoration: none; color: inherit; }
a.card:hover { border-color: #0969da; box-shadow: 0 2px 10px rgba(9, 105, 218, .15); }
a.card img, a.card .missing { width: 100%; aspect-ratio: 2 / 1; object-fit: contain; background: white;
         border-bottom: 1px solid #eaeef2; }
a.card .missing { display: flex; align-items: center; justify-content: center; color: #b00;
                  font-size: 13px; padding: 0 12px; box-sizing: border-box; }
a.card .text { padding: 12px 16px 16px; }
a.card .week { font-size: 12px; font-weight: 600; color: #0969da; text-transform: uppercase;
               letter-spacing: .04em; }
a.card h2 { font-size: 17px; margin: 4px 0 6px; }
a.card p { font-size: 14px; line-height: 1.4; margin: 0; color: #424a53; }
"""


def index_html(cards: list[Card], thumbnails: dict[str, bytes | str]) -> str:
    """The index page: one card per explorer; a thumbnail is PNG bytes or an error message."""
    items = []
    for card in cards:
        thumb = thumbnails.get(card.name, "no preview")
        if isinstance(thumb, bytes):
            picture = (
                f'<img alt="{html.escape(card.title)}" src="data:image/png;base64,{base64.b64encode(thumb).decode()}">'
            )
        else:
            picture = f'<div class="missing">{html.escape(thumb)}</div>'
        items.append(
            f'<a class="card" id="{card.name}" href="{html.escape(card.url)}">{picture}'
            f'<div class="text"><div class="week">Week {card.week}</div>'
            f"<h2>{html.escape(card.title)}</h2><p>{html.escape(card.summary)}</p></div></a>"
        )
    empty = "" if cards else "<p>No gallery notebooks yet: add gallery/wNN_topic.ipynb.</p>"
    return (
        f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>Explorer gallery · Deep learning from the ground up</title><style>{_STYLE}</style></head>"
        f"<body><header><h1>Explorer gallery</h1><p>Every widget explorer of the course "
        f"<i>Deep learning from the ground up</i> as a page of its own: pick a week, move the "
        f"controls, watch the picture change. Nothing to install beyond the course, no code "
        f"to read, no exercises to finish first.</p></header>"
        f"<main>{''.join(items)}{empty}</main></body></html>\n"
    )


def build_index(directory: Path, log=print) -> str:
    cards = [read_card(p) for p in gallery_notebooks(directory)]
    thumbnails: dict[str, bytes | str] = {}
    for card in cards:
        start = time.perf_counter()
        try:
            thumbnails[card.name] = thumbnail(card.path, directory / ".thumbnails")
        except Exception as err:  # a broken explorer must not take the whole gallery down
            thumbnails[card.name] = f"no preview: {type(err).__name__}: {err}"
            log(f"  {card.name}: no thumbnail ({type(err).__name__}: {err})")
        else:
            spent = time.perf_counter() - start
            if spent > 0.05:
                log(f"  {card.name}: thumbnail drawn in {spent:.1f} s")
    return index_html(cards, thumbnails)


def make_app_class():
    """Voilà's app, with the index page at the server's root instead of Voilà's file list."""
    import tornado.web
    from jupyter_server.utils import url_path_join
    from traitlets import Unicode
    from voila.app import Voila

    class IndexHandler(tornado.web.RequestHandler):
        def initialize(self, page: str) -> None:
            self.page = page

        def get(self) -> None:
            self.set_header("Content-Type", "text/html; charset=utf-8")
            self.set_header("Cache-Control", "no-store")
            self.write(self.page)

    class GalleryApp(Voila):
        name = "course-gallery"
        index_page = Unicode("", help="HTML of the index page served at the root").tag(config=False)

        def init_handlers(self):
            index = (url_path_join(self.server_url, r"/?"), IndexHandler, {"page": self.index_page})
            return [index, *super().init_handlers()]

    return GalleryApp


def voila_arguments(directory: Path, port: int, open_browser: bool, preheat: bool, extra: list[str]) -> list[str]:
    """Voilà on the gallery folder; with ``preheat``, one kernel per app is started and has run its
    notebook before anyone asks, so that an app opens in a second or two instead of ten."""
    preheating = ["--preheat_kernel=True", "--pool_size=1"] if preheat else []
    return [
        str(directory),
        f"--port={port}",
        f"--Voila.open_browser={open_browser}",
        "--theme=light",
        "--show_tracebacks=True",
        *preheating,
        *extra,
    ]


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "gallery",
        help="serve every widget explorer as a standalone Voilà app",
        description="Serve gallery/: an index page with a card per explorer (week, what it shows, a "
        "thumbnail), each opening as a page of its own with no code shown. Offline. "
        "Extra arguments after -- go to Voilà.",
    )
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"port (default {DEFAULT_PORT})")
    parser.add_argument("--no-browser", action="store_true", help="do not open a browser")
    parser.add_argument(
        "--no-preheat",
        action="store_true",
        help="start each app's kernel only when it is opened (less memory, slower to open)",
    )
    parser.add_argument("extra", nargs="*", metavar="VOILA_ARG", help="arguments passed to Voilà")
    add_root_option(parser)
    parser.set_defaults(func=run)


def run(args) -> int:
    directory = root_from(args) / GALLERY
    if not gallery_notebooks(directory):
        raise CourseError(f"{directory} holds no gallery notebook (wNN_topic.ipynb)")
    start = time.perf_counter()
    print(f"course gallery: preparing the index of {directory}", flush=True)
    page = build_index(directory)
    print(
        f"course gallery: index ready in {time.perf_counter() - start:.1f} s; starting Voilà "
        f"(it prints the address: http://localhost:{args.port}/ unless that port is taken)",
        flush=True,
    )
    app_class = make_app_class()
    argv = voila_arguments(directory, args.port, not args.no_browser, not args.no_preheat, args.extra)
    app_class.launch_instance(argv=argv, index_page=page)
    return 0


if __name__ == "__main__":  # python -m course.gallery DIRECTORY: print the index page's cards
    for card in map(read_card, gallery_notebooks(Path(sys.argv[1] if len(sys.argv) > 1 else GALLERY))):
        print(f"week {card.week}: {card.title} — {card.summary}")
