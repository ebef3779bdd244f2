"""The theme's stylesheets, trimmed to the rules the site's pages can use.

A page cannot paint before its stylesheets arrive. pydata-sphinx-theme's stylesheet alone is
about 400 kB (66 kB compressed): all of Bootstrap and a rule for each of Font Awesome's 1,400
icons, of which the site uses a few percent. On a slow mobile connection that file was most of
the wait before the first paint.

After each build, PurgeCSS (pinned in ``package.json``, run by Node.js in one process) removes
from the stylesheets Sphinx copied into ``_static/`` every rule whose selectors name a class,
id or element that appears in no page of the site and in none of its scripts (so a class a
script adds, such as Bootstrap's ``show``, stays). Kept whole:

* the site's own stylesheet and KaTeX's (every KaTeX rule may serve a future equation);
* the theme's light and dark colour rules (``data-theme`` and ``data-mode`` are set by a
  script from the reader's choice), custom properties, and ``@font-face`` rules.

Sphinx copies the full stylesheets again on the next build, so trimming always starts from
the originals and follows the pages as they change. Sphinx versions each stylesheet's URL
(``?v=``, the theme's ``?digest=``) by the file it copied, before trimming; the pages are then
given ``?v=`` from the trimmed file's bytes, so a reader's cached copy is replaced exactly when
the trimmed stylesheet changes.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from sphinx.application import Sphinx
from sphinx.util import logging

from . import node
from .assets import written_pages

logger = logging.getLogger(__name__)

PURGER = Path(__file__).with_name("purge_css.cjs")
KEEP_WHOLE = {"ddl_site.css"}
KEEP_FOLDERS = {"katex"}
SAFELIST = [r"data-theme", r"data-mode"]


def stylesheets(static: Path) -> list[Path]:
    """The stylesheets of ``_static/`` to trim."""
    return sorted(
        path
        for path in static.rglob("*.css")
        if path.name not in KEEP_WHOLE and not KEEP_FOLDERS & set(path.relative_to(static).parts)
    )


def content(outdir: Path) -> list[Path]:
    """Every file whose words may name a class: the pages, and the scripts that change them."""
    return written_pages(outdir) + sorted((outdir / "_static").rglob("*.js"))


def trim(outdir: Path) -> list[dict]:
    static = outdir / "_static"
    targets = stylesheets(static) if static.is_dir() else []
    if not targets:
        return []
    request = {
        "content": [str(p) for p in content(outdir)],
        "css": [str(p) for p in targets],
        "safelist": SAFELIST,
    }
    return node.run(PURGER, request)  # type: ignore[return-value]


def version(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:8]


def revision_links(html: str, versions: dict[str, str]) -> str:
    """``html`` with each link to ``_static/<name>`` carrying ``?v=<versions[name]>``."""
    for name, digest in versions.items():
        link = re.compile(r'(href="(?:\.\./)*_static/' + re.escape(name) + r')(?:\?[^"#]*)?"')
        html = link.sub(lambda m, d=digest: f'{m.group(1)}?v={d}"', html)
    return html


def revision_pages(outdir: Path, trimmed: list[Path]) -> int:
    """Give every page's links to the trimmed stylesheets their new version; pages changed."""
    static = outdir / "_static"
    versions = {p.relative_to(static).as_posix(): version(p) for p in trimmed}
    changed = 0
    for page in written_pages(outdir):
        html = page.read_text(encoding="utf-8")
        new = revision_links(html, versions)
        if new != html:
            page.write_text(new, encoding="utf-8")
            changed += 1
    return changed


def on_build_finished(app: Sphinx, exception: Exception | None) -> None:
    if exception is not None or app.builder.format != "html":
        return
    outdir = Path(app.outdir)
    report = trim(outdir)
    if report:
        revision_pages(outdir, [Path(r["file"]) for r in report])
        before = sum(r["before"] for r in report)
        after = sum(r["after"] for r in report)
        logger.info(f"[stylesheets] trimmed to the rules pages use: {before:,} -> {after:,} bytes")


def setup(app: Sphinx) -> None:
    app.connect("build-finished", on_build_finished, priority=600)
