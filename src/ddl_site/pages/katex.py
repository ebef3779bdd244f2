"""Maths typeset at build time with KaTeX, so pages load no maths script and no CDN.

Every equation of the site (inline ``$...$``, display ``$$...$$``, labelled equations and
amsmath environments) is rendered to HTML by KaTeX, pinned in the repository's
``package.json``, running in the machine's Node.js. Before Sphinx writes any page, all the
equations of the build are collected and the ones not yet in the cache are sent to **one**
Node process (``katex_render.cjs``); results are cached in the doctree folder, keyed by the
KaTeX version and the TeX, so a rebuild renders only new equations.

Pages with maths get KaTeX's stylesheet (the ``font-display: swap`` build, rewritten to offer
only WOFF2 fonts, which every browser the site supports reads) from ``_static/katex/``; the
fonts are copied beside it. Browsers fetch only the fonts a page uses. MathJax is never
requested: this module is the site's ``html_math_renderer``.

A TeX error fails the build, naming the file, the line and the equation.

If the pinned KaTeX is not installed in ``node_modules`` at the repository's root, the first
build installs it (:mod:`ddl_site.pages.node`).
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import Any

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.errors import ExtensionError
from sphinx.locale import _
from sphinx.util import logging
from sphinx.util.math import get_node_equation_number

from ..core.records import code_digest, write_if_changed
from . import node as node_packages

logger = logging.getLogger(__name__)

RENDERER = Path(__file__).with_name("katex_render.cjs")
STATIC = "katex"  # folder under _static

# KaTeX numbers rows of these environments itself; Sphinx numbers the block (so ``{eq}``
# references agree with what is shown), so they are rendered starred. KaTeX lacks some
# amsmath environments: the nearest one it has lays them out.
ENVIRONMENTS = {
    "equation": "equation*",
    "align": "align*",
    "gather": "gather*",
    "alignat": "alignat*",
    "multline": "gather*",
    "multline*": "gather*",
    "flalign": "align*",
    "flalign*": "align*",
    "eqnarray": "align*",
    "eqnarray*": "align*",
}
ENV_RE = re.compile(r"\\(begin|end)\{(" + "|".join(map(re.escape, ENVIRONMENTS)) + r")\}")

# equation key -> rendered HTML, shared by the collector and the visitors of one process.
_RENDERED: dict[str, str] = {}


# --- TeX for each node, exactly as it will be rendered -------------------------------------


def tex_of(node: nodes.Element) -> tuple[str, bool]:
    """The TeX string KaTeX renders for a math node, and whether it is display maths."""
    text = node.astext()
    if isinstance(node, nodes.math):
        return text.strip(), False
    if node.get("nowrap"):
        return ENV_RE.sub(lambda m: f"\\{m.group(1)}{{{ENVIRONMENTS[m.group(2)]}}}", text), True
    # As Sphinx does for MathJax: blank lines separate equations, which are aligned together.
    parts = [part.strip() for part in text.split("\n\n") if part.strip()]
    if len(parts) == 1 and r"\\" not in parts[0]:
        return parts[0], True
    return r"\begin{aligned}" + r"\\".join(parts) + r"\end{aligned}", True


def key_of(tex: str, display: bool, version: str) -> str:
    renderer = code_digest("pages/katex_render.cjs")  # how KaTeX is called is part of what it gives
    return hashlib.sha256(f"{version}\0{renderer}\0{int(display)}\0{tex}".encode()).hexdigest()


# --- Node.js and the pinned KaTeX ----------------------------------------------------------


def pinned_version() -> str:
    return node_packages.pinned_version("katex")


def run_katex(requests: list[dict[str, Any]]) -> list[dict[str, str]]:
    """Render ``[{"tex", "display"}, ...]`` in one Node.js process."""
    return node_packages.run(RENDERER, requests)  # type: ignore[return-value]


# --- collecting and rendering every equation before pages are written ----------------------


def cache_path(app: Sphinx) -> Path:
    return Path(app.doctreedir) / "katex-cache.json"


def where(node: nodes.Node, docname: str, app: Sphinx) -> str:
    source = node.get("source") or app.env.doc2path(docname)
    try:
        source = Path(source).resolve().relative_to(Path(app.srcdir).resolve())
    except ValueError:
        pass
    line = node.line or (node.parent.line if node.parent is not None else None)
    return f"{source}:{line}" if line else str(source)


def _collected(env) -> dict[str, list[tuple[str, bool, str]]]:
    if not hasattr(env, "ddl_katex"):
        env.ddl_katex = {}
    return env.ddl_katex


def collect_math(app: Sphinx, doctree: nodes.document, docname: str | None = None) -> None:
    """As a page is read: the TeX of its equations, so that rendering them all before pages
    are written does not load every page's doctree."""
    docname = docname or app.env.docname
    _collected(app.env)[docname] = [
        (*tex_of(node), where(node, docname, app))
        for node in doctree.findall(lambda n: isinstance(n, (nodes.math, nodes.math_block)))
    ]


def _purge(app: Sphinx, env, docname: str) -> None:
    _collected(env).pop(docname, None)


def _merge(app: Sphinx, env, docnames, other) -> None:
    _collected(env).update({d: v for d, v in _collected(other).items() if d in docnames})


def render_all(app: Sphinx, builder: Any) -> None:
    if builder.format != "html" or builder.math_renderer_name != "katex":
        return
    version = pinned_version()
    cache_file = cache_path(app)
    cache: dict[str, str] = {}
    if cache_file.is_file():
        try:
            cache = json.loads(cache_file.read_text())
        except ValueError:
            cache = {}
    wanted: dict[str, tuple[str, bool, list[str]]] = {}
    collected = _collected(app.env)
    for docname in sorted(app.env.found_docs):
        if docname not in collected:  # read by a build that did not collect its maths
            collect_math(app, app.env.get_doctree(docname), docname)
        for tex, display, place in collected[docname]:
            key = key_of(tex, display, version)
            if key in cache:
                continue
            wanted.setdefault(key, (tex, display, []))[2].append(place)
    if wanted:
        keys = list(wanted)
        results = run_katex([{"tex": wanted[k][0], "display": wanted[k][1]} for k in keys])
        errors = []
        for key, result in zip(keys, results, strict=True):
            tex, display, places = wanted[key]
            if "error" in result:
                errors.append(f"{', '.join(places)}: cannot typeset {tex!r}: {result['error']}")
            else:
                cache[key] = result["html"]
        if errors:
            raise ExtensionError("KaTeX could not typeset the maths:\n" + "\n".join(errors))
        cache_file.parent.mkdir(parents=True, exist_ok=True)
        cache_file.write_text(json.dumps(cache, sort_keys=True))
        logger.info(f"[katex] typeset {len(keys)} new equations in one Node.js process")
    _RENDERED.clear()
    _RENDERED.update(cache)


def rendered(self: Any, node: nodes.Element) -> str:
    """HTML for a node; one not seen by :func:`render_all` (rare) is rendered on its own."""
    tex, display = tex_of(node)
    key = key_of(tex, display, pinned_version())
    if key not in _RENDERED:
        (result,) = run_katex([{"tex": tex, "display": display}])
        if "error" in result:
            docname = self.builder.current_docname
            raise ExtensionError(
                f"{where(node, docname, self.builder.app)}: cannot typeset {tex!r}: "
                f"{result['error']}"
            )
        _RENDERED[key] = result["html"]
    return _RENDERED[key]


# --- the HTML visitors ---------------------------------------------------------------------


def visit_math(self: Any, node: nodes.math) -> None:
    self.body.append(self.starttag(node, "span", "", CLASS="math notranslate nohighlight"))
    self.body.append(rendered(self, node) + "</span>")
    raise nodes.SkipNode


def visit_displaymath(self: Any, node: nodes.math_block) -> None:
    self.body.append(self.starttag(node, "div", CLASS="math notranslate nohighlight"))
    if node.get("number"):
        number = get_node_equation_number(self, node)
        self.body.append(f'<span class="eqno">({number})')
        self.add_permalink_ref(node, _("Link to this equation"))
        self.body.append("</span>")
    # A wide equation scrolls sideways; keyboard users must be able to reach it (WCAG 2.1.1).
    html = rendered(self, node).replace(
        '<span class="katex-display">', '<span class="katex-display" tabindex="0">', 1
    )
    self.body.append(html)
    self.body.append("</div>\n")
    raise nodes.SkipNode


# --- stylesheet and fonts ------------------------------------------------------------------

FONT_SRC_RE = re.compile(r"src:url\((fonts/[^)]+\.woff2)\) format\(\"woff2\"\)[^;}]*")


def stylesheet(node_modules: Path) -> tuple[str, list[str]]:
    """KaTeX's swap stylesheet offering only WOFF2 fonts, and the font files it names."""
    css = (node_modules / "katex" / "dist" / "katex-swap.min.css").read_text()
    css = FONT_SRC_RE.sub(lambda m: f'src:url({m.group(1)}) format("woff2")', css)
    fonts = sorted(set(re.findall(r"url\((fonts/[^)]+)\)", css)))
    assert all(font.endswith(".woff2") for font in fonts), fonts
    return css, fonts


def copy_static(app: Sphinx, builder: Any) -> None:
    """KaTeX's stylesheet and fonts, copied before any page is written: a page links the
    stylesheet with ``?v=`` and its digest only if the file is there when it is written."""
    if app.builder.format != "html":
        return
    if app.builder.math_renderer_name != "katex":
        return
    node_modules = node_packages.ensure_packages()
    css, fonts = stylesheet(node_modules)
    target = Path(app.outdir) / "_static" / STATIC
    # Written only when different: an unchanged site is not written again.
    write_if_changed(target / "katex.min.css", css)
    for font in fonts:
        write_if_changed(target / font, (node_modules / "katex" / "dist" / font).read_bytes())


def add_stylesheet(app: Sphinx, pagename: str, templatename: str, context: dict, doctree) -> None:
    if app.builder.format != "html" or app.builder.math_renderer_name != "katex":
        return
    if doctree is not None and next(
        doctree.findall(lambda n: isinstance(n, (nodes.math, nodes.math_block))), None
    ):
        app.add_css_file(f"{STATIC}/katex.min.css", priority=300)


def choose_katex(app: Sphinx, config: Any) -> None:
    # The maths is typeset here; no page loads MathJax (unless a build asks for it by name,
    # as benchmarks/maths_renderers.py does to compare the two).
    if not config.html_math_renderer:
        config.html_math_renderer = "katex"


def setup(app: Sphinx) -> None:
    app.add_html_math_renderer("katex", (visit_math, None), (visit_displaymath, None))
    app.connect("config-inited", choose_katex)
    app.connect("doctree-read", collect_math, priority=900)  # after the site's transforms
    app.connect("env-purge-doc", _purge)
    app.connect("env-merge-info", _merge)
    app.connect("write-started", render_all)
    app.connect("html-page-context", add_stylesheet)
    app.connect("write-started", copy_static)
