"""Each post, downloadable as a real Jupyter notebook.

A post written as a MyST notebook (``book/<slug>.md`` with a ``kernelspec``) is converted
with jupytext, at build time, into ``_sources/book/<slug>.ipynb``: its code cells and prose,
no outputs, headed by the post's title and a link back to it. The theme's download menu then
offers ``.ipynb`` beside the ``.md`` source (``ipynb_source`` in the page context).

tests/test_notebooks.py runs every downloaded notebook with nbclient, in an empty folder, as a
reader would.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sphinx.application import Sphinx
from sphinx.util import logging

logger = logging.getLogger(__name__)

# Front-matter keys for the site, not for a reader's notebook.
SITE_KEYS = (
    "series",
    "title",
    "part",
    "date",
    "image",
    "caption",
    "excerpt",
    "redirect_from",
    "tags",
    "comments",
    "og",
    "myst",
    "mystnb",
)


def is_notebook_post(source: Path) -> bool:
    if source.suffix != ".md" or not source.is_file():
        return False
    head = source.read_text(encoding="utf-8")[:4000]
    return head.startswith("---") and "\nkernelspec:" in head.split("\n---", 1)[0]


def to_notebook(source: Path, page_url: str | None = None) -> str:
    """The ``.ipynb`` text of a MyST notebook post."""
    import jupytext
    import nbformat

    notebook = jupytext.read(source, fmt="md:myst")
    metadata = notebook.metadata
    title = metadata.get("title")
    for key in SITE_KEYS:
        metadata.pop(key, None)
    metadata.pop("jupytext", None)
    lines = [f"# {title}"] if title else []
    if page_url:
        lines.append(f"From the post at <{page_url}>; run the cells in order.")
    if lines:
        notebook.cells.insert(0, nbformat.v4.new_markdown_cell("\n\n".join(lines)))
    # Stable cell ids, so an unchanged post gives a byte-identical notebook.
    notebook.nbformat, notebook.nbformat_minor = 4, 5
    for number, cell in enumerate(notebook.cells):
        cell["id"] = f"cell-{number}"
    nbformat.validate(notebook)
    return nbformat.writes(notebook, version=4) + "\n"


def add_notebook(app: Sphinx, pagename: str, templatename: str, context: dict, doctree) -> None:
    if app.builder.format != "html" or doctree is None:
        return
    source = Path(app.env.doc2path(pagename))
    if not is_notebook_post(source):
        return
    relative = f"{pagename}.ipynb"
    target = Path(app.outdir) / "_sources" / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    base = (app.config.html_baseurl or "").rstrip("/")
    page_url = f"{base}/{pagename}.html" if base else None
    target.write_text(to_notebook(source, page_url), encoding="utf-8")
    context["ipynb_source"] = relative


def setup(app: Sphinx) -> dict[str, Any]:
    # Before the theme builds its header buttons (priority 501).
    app.connect("html-page-context", add_notebook, priority=400)
    return {}
