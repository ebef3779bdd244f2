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

from ..blog import rebuild
from ..core.records import code_digest, write_if_changed
from . import node, postbuild
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


def revision_pages(outdir: Path, trimmed: list[Path], only: set[str] | None = None) -> int:
    """Give every page's links (or, with ``only``, those pages', relative to ``outdir``) to the
    trimmed stylesheets their new version; pages changed."""
    static = outdir / "_static"
    versions = {p.relative_to(static).as_posix(): version(p) for p in trimmed}
    changed = 0
    pages = written_pages(outdir)
    if only is not None:
        pages = [p for p in pages if p.relative_to(outdir).as_posix() in only]
    for page in pages:
        html = page.read_text(encoding="utf-8")
        new = revision_links(html, versions)
        if new != html:
            write_if_changed(page, new)
            changed += 1
    return changed


ATTRIBUTE_OPERATOR = re.compile(
    r"""\[\s*[\w-]+\s*([$~*|^])=\s*(?:"([^"]*)"|'([^']*)'|([^\]\s]*))"""
)


def stylesheet_words(originals: dict[str, bytes]) -> tuple[set[str], set[tuple[str, str]]]:
    """The words of the stylesheets, and the (operator, value) of their prefix, suffix and
    substring attribute selectors."""
    css_words: set[str] = set()
    operators: set[tuple[str, str]] = set()
    for data in originals.values():
        css_words |= postbuild.words(data)
        text = data.decode("utf-8", errors="replace")
        for match in ATTRIBUTE_OPERATOR.finditer(text):
            value = next((g for g in match.groups()[1:] if g is not None), "")
            operators.add((match.group(1), value))
    return css_words, operators


def selector_key(originals: dict[str, bytes], tokens: set[str], memo: dict | None = None) -> str:
    """What PurgeCSS's result depends on: the original stylesheets, and of the pages' words
    (its default extractor's) those that a stylesheet names, and those that a prefix, suffix
    or substring attribute selector (``[class^="fa-"]``) may match. ``memo`` keeps the
    stylesheets' words by the originals' digests."""
    sources = postbuild.digest_of(
        [
            sorted((n, postbuild.sha(d)) for n, d in originals.items()),
            code_digest("pages/stylesheets.py"),
        ]
    )
    if memo is not None and memo.get("sources") == sources:
        css_words = set(memo["words"].split(" "))
        operators = {(op, value) for op, value in memo["operators"]}
    else:
        css_words, operators = stylesheet_words(originals)
        if memo is not None:
            memo.update(
                sources=sources, words=" ".join(sorted(css_words)), operators=sorted(operators)
            )
    # A token matching one of them is all PurgeCSS asks of the pages for those selectors.
    prefixes = tuple(v for op, v in operators if op in "^|")
    suffixes = tuple(v for op, v in operators if op == "$")
    inner = [v for op, v in operators if op in "*~"]
    within = re.compile("|".join(map(re.escape, inner))) if inner else None
    matched = sorted(
        t
        for t in tokens
        if (prefixes and t.startswith(prefixes))
        or (suffixes and t.endswith(suffixes))
        or (within is not None and within.search(t))
    )
    return postbuild.digest_of(
        [
            sorted((name, postbuild.sha(data)) for name, data in originals.items()),
            sorted(tokens & css_words),
            matched,
            SAFELIST,
            node.pinned_version("purgecss"),
            code_digest("pages/stylesheets.py", "pages/purge_css.cjs"),
        ]
    )


def trim_cached(outdir: Path, doctreedir: Path, fresh: set[str]) -> tuple[list[Path], list[dict]]:
    """Trim the stylesheets, running PurgeCSS only when what its result depends on changed.

    ``fresh`` names the pages this build wrote (relative to ``outdir``). Returns the trimmed
    stylesheets and PurgeCSS's report (empty when it did not run)."""
    static = outdir / "_static"
    targets = stylesheets(static) if static.is_dir() else []
    if not targets:
        return [], []
    store = postbuild.Store(doctreedir, "stylesheets")
    names = {p.relative_to(outdir).as_posix(): p for p in targets}
    originals = {name: store.get(store.original(name, path)) for name, path in names.items()}
    files = content(outdir)
    tokens = postbuild.page_tokens(store, files, outdir, postbuild.words, fresh)
    every = set().union(*map(set, tokens.values())) if tokens else set()
    memo = store.state["extra"].setdefault("stylesheet words", {})
    key = selector_key(originals, every, memo)  # type: ignore[arg-type]
    report: list[dict] = []
    if store.state.get("key") == key and store.current(names.items()):
        pass  # as the last build left them
    elif (stored := store.result(key)) is not None and set(stored) == set(names):
        for name, data in stored.items():
            write_if_changed(names[name], data)
        store.record(key, stored)
    else:
        for name, path in names.items():
            write_if_changed(path, originals[name])  # PurgeCSS trims the originals
        report = trim(outdir)
        store.record(key, {name: path.read_bytes() for name, path in names.items()})
    store.save()
    return targets, report


def on_build_finished(app: Sphinx, exception: Exception | None) -> None:
    if rebuild.failed(app, exception) or not rebuild.records_pages(app):
        return  # what a failed build left is trimmed again by the next one
    outdir = Path(app.outdir)
    pages = rebuild.written(app)
    store = postbuild.Store(app.doctreedir, "stylesheets")
    static = outdir / "_static"
    targets = stylesheets(static) if static.is_dir() else []
    names = [(p.relative_to(outdir).as_posix(), p) for p in targets]
    if not pages and store.put_back(names):
        return  # no page written: the stylesheets are trimmed as the last build trimmed them
    fresh = {f"{name}.html" for name in pages}
    trimmed, report = trim_cached(outdir, Path(app.doctreedir), fresh)
    if trimmed:
        versions = {p.relative_to(static).as_posix(): version(p) for p in trimmed}
        recorded = store.state["extra"].get("versions")
        # The pages written now link Sphinx's versions; the others, if the trimmed files
        # changed, an older one.
        every = recorded != versions
        revision_pages(outdir, trimmed, None if every else fresh)
        store = postbuild.Store(app.doctreedir, "stylesheets")
        store.state["extra"]["versions"] = versions
        store.save()
    if report:
        before = sum(r["before"] for r in report)
        after = sum(r["after"] for r in report)
        logger.info(f"[stylesheets] trimmed to the rules pages use: {before:,} -> {after:,} bytes")


def setup(app: Sphinx) -> None:
    app.connect("build-finished", on_build_finished, priority=600)
