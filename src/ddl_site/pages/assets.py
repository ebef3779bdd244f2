"""What every page asks the browser for, kept lean, accessible and free of errors.

* The theme's colour mode defaults to ``auto`` (follow the reader's system), set explicitly:
  left empty, the theme logs a console error on every first visit.
* The site has a favicon (``static/favicon.svg``, and ``/favicon.ico`` drawn from it for pages
  that do not link one, such as the root redirect), so no browser request ends in a 404.
* sphinx-thebe's stylesheet and scripts are left out while no page offers a live-code button
  (``launch_buttons.thebe`` in ``_config.yml``).
* A script block added twice to a page (sphinx-thebe's configuration is, when the reading
  phase starts more than once) is written once: twice is a ``SyntaxError`` in the console.
* Buttons and toggles are named by what they show (axe-core's label-content-name-mismatch):
  ``templates/`` overrides the theme's search button and colour switch, and the code-cell
  toggles lose an ``aria-label`` that contradicted their visible text.
* No script holds up the first paint: every script of the page's head runs after the page is
  parsed, in the order it was written. A file gets ``defer``; an inline script that uses
  what an earlier file defines is deferred too (as a ``data:`` URL, the one way to defer an
  inline classic script); an inline script that only binds names to literals (the settings
  togglebutton and thebe read) runs where it stands, as before. The scripts the theme writes
  into its templates (its search scripts) go through the same rule: ``templates/layout.html``
  and ``templates/search.html`` pass them to the ``defer_scripts`` filter.
* Nothing a page does not use is shipped to it: Sphinx's search scripts and the whole search
  index (``searchindex.js``) load only on the search page while search-as-you-type is off
  (the theme's search dialog sends the query there; ``templates/layout.html``),
  sphinx-copybutton's stylesheet and scripts only on a page with a code block, and
  sphinx-design's stylesheet and tab script only on a page that shows one of its components.
* The theme's script checks, as the page loads, which code blocks, outputs and tables scroll
  sideways, to give them a tab stop; measuring each of them lays out the whole page, sections
  off screen included (``content-visibility: auto`` in ``static/ddl_site.css``). The site
  serves the theme's script with that check made as each one comes near the screen
  (``IntersectionObserver``), and again, as before, when the window is resized
  (``theme_script``); until measured, each has a tab stop, so that none that scrolls is out
  of the keyboard's reach.
* matplotlib's JavaScript animations fetch nothing from a CDN (the theme's Font Awesome draws
  their buttons), and their frame and slider are named: the frame takes the alt text its cell
  gives (``mystnb: image: alt:``, as a figure's), else a generic one. Their element ids, random
  in matplotlib's HTML, are digests of the player, so two builds write the same page.
"""

from __future__ import annotations

import hashlib
import html
import re
from pathlib import Path
from typing import Any
from urllib.parse import quote

from sphinx.application import Sphinx

HERE = Path(__file__).parents[1]  # the package: static/ and templates/ serve every wing
FAVICON = HERE / "static" / "favicon.svg"
TEMPLATES = HERE / "templates"
TOGGLE_LABEL = re.compile(r'(<summary\b[^>]*?)\s+aria-label="Toggle hidden content"')
# matplotlib's JavaScript animations (Animation.to_jshtml) link Font Awesome 4 from a CDN and
# leave their frame and slider unnamed.
ANIMATION_CDN = re.compile(
    r'<link rel="stylesheet"\s+href="https://maxcdn\.bootstrapcdn\.com/font-awesome/[^"]*">\s*'
)
ANIMATION_IMG = re.compile(r'<img id="(_anim_img\w+)">')
# The id matplotlib's HTMLWriter gives a player (``uuid4().hex``), as its frame's id shows it.
ANIMATION_ID = re.compile(r'<img id="_anim_img([0-9a-f]{32})"')
ANIMATION_SLIDER = re.compile(r'<input id="(_anim_slider\w+)" type="range"')
SCRIPT = re.compile(r"<script\b([^>]*)>(.*)</script>", re.DOTALL)
LITERAL = r"""(?:'[^'\\\n]*'|"[^"\\\n]*"|true|false|null|-?\d+(?:\.\d+)?)"""
DATA_SAFE = "=;:,.'()/_-!*$[]{}+?@~"  # left readable in a data: URL; the rest is %-encoded
LITERAL_BINDINGS = re.compile(
    rf"\s*(?:(?:let|var|const)\s+[A-Za-z_$][\w$]*\s*=\s*{LITERAL}\s*;?\s*)+"
)


def deferred(tag: str) -> str:
    """A ``<script>`` tag of the head, made to run after parsing without changing its order."""
    match = SCRIPT.fullmatch(tag.strip())
    if match is None:
        return tag
    attrs, body = match.groups()
    if re.search(r"\b(defer|async)\b|\btype=", attrs):
        return tag  # already deferred or async, a module, or not JavaScript
    if re.search(r"\bsrc=", attrs):
        return f"<script defer{attrs}>{body}</script>"
    if LITERAL_BINDINGS.fullmatch(body):
        return tag
    # The same classic script (same global scope), from a data: URL so that it can be deferred.
    return (
        f'<script defer{attrs} src="data:text/javascript,{quote(body, safe=DATA_SAFE)}"></script>'
    )


SCRIPT_TAGS = re.compile(r"<script\b[^>]*>.*?</script>", re.DOTALL)
SEARCH_SCRIPT = re.compile(
    r'<script\b[^>]*\bsrc="[^"]*(?:searchtools\.js|language_data\.js|searchindex\.js)[^"]*"[^>]*>'
    r"\s*</script>\s*"
)


def defer_scripts(html: str) -> str:
    """Every ``<script>`` tag of a piece of HTML, :func:`deferred`."""
    return SCRIPT_TAGS.sub(lambda match: deferred(match.group(0)), str(html))


def without_search_scripts(html: str) -> str:
    """A piece of HTML without the ``<script>`` tags of Sphinx's search (its tools, language
    data and index), which a page needs only to search as the reader types."""
    return SEARCH_SCRIPT.sub("", str(html))


def add_template_filter(app: Sphinx) -> None:
    templates = getattr(app.builder, "templates", None)
    if templates is not None and hasattr(templates, "environment"):
        templates.environment.filters["defer_scripts"] = defer_scripts
        templates.environment.filters["without_search_scripts"] = without_search_scripts


# The theme's check of which elements scroll, in its minified script: every element measured
# as the page loads (``el.tabIndex = el.scrollWidth > el.clientWidth || ... ? 0 : -1``).
THEME_TAB_STOPS = re.compile(
    r"(\w+)\.tabIndex=\1\.scrollWidth>\1\.clientWidth\|\|\1\.scrollHeight>\1\.clientHeight\?0:-1"
)
THEME_SCRIPT = "scripts/pydata-sphinx-theme.js"
SITE_THEME_SCRIPT = "scripts/pydata-sphinx-theme.ddl.js"
LAZY_TAB_STOP = """\
/* The site's change (ddl_site/assets.py): an element is measured when it comes near the screen
   instead of as the page loads, so that the sections off screen are not laid out for it. */
var ddlTabStop = (function () {
  function mark(el) {
    el.tabIndex = el.scrollWidth > el.clientWidth || el.scrollHeight > el.clientHeight ? 0 : -1;
  }
  if (!("IntersectionObserver" in window)) return mark;
  var observer = new IntersectionObserver(function (entries) {
    entries.forEach(function (entry) {
      if (entry.isIntersecting) {
        observer.unobserve(entry.target);
        mark(entry.target);
      }
    });
  }, { rootMargin: "100% 0px" });
  return function (el) {
    el.tabIndex = 0; /* reachable from the keyboard until measured */
    observer.unobserve(el);
    observer.observe(el);
  };
})();
"""


def theme_script(source: str) -> str:
    """The theme's script, measuring scrollable elements as they come near the screen."""
    patched, count = THEME_TAB_STOPS.subn(r"ddlTabStop(\1)", source)
    if count != 1:
        raise ValueError(
            "the theme's script no longer measures scrollable elements as ddl_site/assets.py "
            "expects: update THEME_TAB_STOPS for the pinned pydata-sphinx-theme"
        )
    return LAZY_TAB_STOP + patched


def write_theme_script(app: Sphinx) -> None:
    """``_static/<SITE_THEME_SCRIPT>``, the theme's script with :func:`theme_script`'s change;
    its path and version (``?v=``) are given to the templates as ``ddl_theme_script``."""
    if getattr(app.builder, "format", None) != "html":
        return
    import pydata_sphinx_theme

    from ..core.records import write_if_changed

    original = Path(pydata_sphinx_theme.__file__).parent / "theme" / "pydata_sphinx_theme"
    source = (original / "static" / THEME_SCRIPT).read_text(encoding="utf-8")
    script = theme_script(source)
    write_if_changed(Path(app.outdir) / "_static" / SITE_THEME_SCRIPT, script)
    digest = hashlib.sha256(script.encode("utf-8")).hexdigest()[:8]
    app.ddl_theme_script = f"_static/{SITE_THEME_SCRIPT}?v={digest}"  # type: ignore[attr-defined]


def configure(app: Sphinx, config: Any) -> None:
    context = dict(config.html_context or {})
    context.setdefault("default_mode", "auto")  # a template variable of the theme
    config.html_context = context
    if not config.html_favicon:
        config.html_favicon = str(FAVICON)
    if str(TEMPLATES) not in config.templates_path:
        config.templates_path = [str(TEMPLATES), *config.templates_path]


def thebe_enabled(app: Sphinx) -> bool:
    """Whether pages have a live-code (thebe) launch button (``launch_buttons.thebe``)."""
    options = app.config.html_theme_options or {}
    return bool((options.get("launch_buttons") or {}).get("thebe"))


def is_thebe(script: Any) -> bool:
    filename = str(getattr(script, "filename", script) or "")
    body = str((getattr(script, "attributes", {}) or {}).get("body", ""))
    return "sphinx-thebe" in filename or "THEBE_JS_URL" in body


SPHINX_DESIGN_CLASS = re.compile(r'class="(?:[^"]*\s)?sd-')


def uses_sphinx_design(body: str) -> bool:
    """Whether a page's body shows a sphinx-design component (its classes start ``sd-``)."""
    return SPHINX_DESIGN_CLASS.search(body) is not None


CODE_BLOCK = re.compile(r'<div class="(?:[^"]*\s)?highlight(?:\s[^"]*)?">\s*<pre\b')


def has_code_blocks(body: str) -> bool:
    """Whether a page's body has a code block, where sphinx-copybutton puts its buttons
    (``div.highlight pre``)."""
    return CODE_BLOCK.search(body) is not None


def is_copybutton(filename: str) -> bool:
    name = filename.rsplit("/", 1)[-1]
    return name.startswith(("copybutton", "clipboard.min"))


def filename_of(asset: Any) -> str:
    return str(getattr(asset, "filename", asset) or "")


def tidy_page(app: Sphinx, pagename: str, templatename: str, context: dict, doctree) -> None:
    theme_js = getattr(app, "ddl_theme_script", None)
    if theme_js:
        context["ddl_theme_script"] = theme_js
    js_tag = context.get("js_tag")
    if js_tag is not None and not getattr(js_tag, "ddl_deferred", False):

        def deferred_js_tag(js: Any) -> str:
            return deferred(js_tag(js))

        deferred_js_tag.ddl_deferred = True  # type: ignore[attr-defined]
        context["js_tag"] = deferred_js_tag
    scripts = context.get("script_files")
    if scripts:
        seen, unique = set(), []
        for script in scripts:
            # An inline script's filename is None or "" depending on when it was added.
            key = (
                str(getattr(script, "filename", script) or ""),
                tuple(sorted((getattr(script, "attributes", {}) or {}).items())),
            )
            if key not in seen:
                seen.add(key)
                unique.append(script)
        scripts[:] = unique
    if not thebe_enabled(app):
        # sphinx-thebe adds its stylesheet, script and settings to every page even when no
        # page has a live-code button: a stylesheet the first paint waits for, for nothing.
        if scripts:
            scripts[:] = [s for s in scripts if not is_thebe(s)]
        styles = context.get("css_files")
        if styles:
            styles[:] = [s for s in styles if "sphinx-thebe" not in str(getattr(s, "filename", s))]
    body = context.get("body")
    if not has_code_blocks(body or ""):
        # sphinx-copybutton adds its stylesheet and scripts to every page; its buttons go on
        # code blocks alone.
        if scripts:
            scripts[:] = [s for s in scripts if not is_copybutton(filename_of(s))]
        styles = context.get("css_files")
        if styles:
            styles[:] = [s for s in styles if not is_copybutton(filename_of(s))]
    if not uses_sphinx_design(body or ""):
        # sphinx-design adds its stylesheet and tab script to every page.
        if scripts:
            scripts[:] = [s for s in scripts if "design-tabs" not in filename_of(s)]
        styles = context.get("css_files")
        if styles:
            styles[:] = [s for s in styles if "sphinx-design" not in filename_of(s)]
    if body and "Toggle hidden content" in body:
        body = TOGGLE_LABEL.sub(r"\1", body)
    if body and "_anim_img" in body:
        # The theme's Font Awesome 6 draws the animation's fa-* buttons.
        body = ANIMATION_CDN.sub("", body)
        body = ANIMATION_IMG.sub(r'<img id="\1" alt="Animation: the current frame">', body)
        body = ANIMATION_SLIDER.sub(
            r'<input id="\1" aria-label="Animation frame" type="range"', body
        )
    if body is not None:
        context["body"] = body


def stable_animation_ids(text: str, taken: set[str]) -> str:
    """``text`` with each of its animations' random ids (matplotlib draws one from ``uuid4``
    for every player) replaced by a digest of the player's own HTML, so that two builds of
    the same animation write the same page. ``taken`` holds the ids already used in the page
    (two identical players in one page get different ids); the new ones are added to it."""
    for old in dict.fromkeys(ANIMATION_ID.findall(text)):
        digest = hashlib.sha256(text.replace(old, "").encode("utf-8"))
        new = digest.hexdigest()[:32]
        while new in taken:
            digest.update(b"again")
            new = digest.hexdigest()[:32]
        taken.add(new)
        text = text.replace(old, new)
    return text


def describe_animations(app: Sphinx, doctree) -> None:
    """Give each animation player stable ids (:func:`stable_animation_ids`), and its frame the
    alt text of its cell's ``mystnb: image: alt:``."""
    from docutils import nodes

    taken: set[str] = set()
    for raw in list(doctree.findall(nodes.raw)):
        if "_anim_img" not in raw.astext():
            continue
        text = stable_animation_ids(raw.astext(), taken)
        cell = raw.parent
        while cell is not None and "cell_metadata" not in cell.attributes:
            cell = cell.parent
        alt = ((cell or {}).get("cell_metadata", {}).get("mystnb", {}).get("image", {})).get("alt")
        if alt:
            described = html.escape(" ".join(alt.split())).replace("\\", "\\\\")
            text = ANIMATION_IMG.sub(rf'<img id="\1" alt="{described}">', text)
        raw.parent.replace(raw, nodes.raw("", text, format=raw.get("format", "html")))


def written_pages(outdir: Path) -> list[Path]:
    """Every HTML page of a built site (not the theme's template fragments in ``_static/``)."""
    return [
        p for p in sorted(outdir.rglob("*.html")) if "_static" not in p.relative_to(outdir).parts
    ]


def favicon_ico(app: Sphinx, exception: Exception | None) -> None:
    """``/favicon.ico``, which browsers request for pages that link no icon."""
    if exception is not None or app.builder.format != "html":
        return
    from PIL import Image, ImageDraw

    size = 64
    image = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.rounded_rectangle((0, 0, size - 1, size - 1), radius=12, fill="#0f1b2d")
    nodes = [(16, 18), (16, 46), (32, 32), (48, 32)]
    for start, end in [(0, 2), (1, 2), (2, 3), (0, 3), (1, 3)]:
        draw.line((nodes[start], nodes[end]), fill="#8ab4f8", width=3)
    for x, y in nodes:
        draw.ellipse((x - 5, y - 5, x + 5, y + 5), fill="#f5c542")
    import io

    from ..core.records import write_if_changed

    data = io.BytesIO()
    image.save(data, format="ICO", sizes=[(16, 16), (32, 32), (48, 48)])
    write_if_changed(Path(app.outdir) / "favicon.ico", data.getvalue())


def setup(app: Sphinx) -> None:
    app.connect("config-inited", configure, priority=900)
    app.connect("builder-inited", add_template_filter)
    app.connect("builder-inited", write_theme_script)
    app.connect("html-page-context", tidy_page, priority=900)
    app.connect("doctree-read", describe_animations)
    app.connect("build-finished", favicon_ico)
