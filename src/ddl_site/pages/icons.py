"""The theme's Font Awesome fonts, cut down to the icons the site shows.

pydata-sphinx-theme ships Font Awesome's whole solid, regular and brands fonts (about 300 kB
of WOFF2) and its stylesheet asks for them as soon as a page shows one icon; the site shows
about thirty. After each build the copies in ``_static/`` are replaced by subsets (fontTools)
holding the glyphs of:

* every ``fa-*`` class written in a page of the site, through the ``.fa-name:before`` rules
  of the stylesheets that map a class to its character;
* every icon character that a stylesheet uses by itself (``content: "\\f0c5"`` outside those
  class rules, and the theme's ``--pst-icon-*`` characters).

Sphinx copies the theme's full fonts again on the next build, so the subset always starts
from the originals and follows the pages as they change.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

from sphinx.application import Sphinx
from sphinx.util import logging

from .assets import written_pages

logger = logging.getLogger(__name__)

FONTS = "_static/vendor/fontawesome/webfonts"
RULE = re.compile(r"([^{}]+)\{([^{}]*)\}")
ESCAPE = re.compile(r"\\([0-9a-fA-F]{4,6})")
CLASS_SELECTOR = re.compile(r"^\.fa-([a-z0-9-]+)(?::{1,2}before)?$")
USED_CLASS = re.compile(r"\bfa-([a-z0-9-]+)")
PRIVATE_USE = range(0xE000, 0xF900)


def characters(text: str) -> set[int]:
    """Private-use code points in a declaration block, escaped (``\\f0c5``) or literal."""
    found = {int(code, 16) for code in ESCAPE.findall(text)}
    found |= {ord(c) for c in text if ord(c) in PRIVATE_USE}
    return {c for c in found if c in PRIVATE_USE}


def icon_map(stylesheets: Iterable[str]) -> tuple[dict[str, set[int]], set[int]]:
    """(class name -> its characters, characters used outside the class rules)."""
    by_class: dict[str, set[int]] = {}
    loose: set[int] = set()
    for css in stylesheets:
        for selectors, block in RULE.findall(css):
            found = characters(block)
            if not found:
                continue
            names = [CLASS_SELECTOR.match(s.strip()) for s in selectors.split(",")]
            if all(names):
                for name in names:
                    by_class.setdefault(name.group(1), set()).update(found)
            else:
                loose |= found
    return by_class, loose


def needed(pages: Iterable[str], stylesheets: Iterable[str]) -> set[int]:
    by_class, loose = icon_map(stylesheets)
    used: set[str] = set()
    for html in pages:
        used.update(USED_CLASS.findall(html))
    wanted = set(loose)
    for name in used:
        wanted |= by_class.get(name, set())
    return wanted


def subset_font(path: Path, codepoints: set[int]) -> tuple[int, int]:
    """Rewrite the WOFF2 font ``path`` with only ``codepoints``; (bytes before, bytes after)."""
    from fontTools import subset
    from fontTools.ttLib import TTFont

    before = path.stat().st_size
    options = subset.Options()
    options.flavor = "woff2"
    options.layout_features = []
    options.name_IDs = ["*"]
    options.notdef_outline = True
    font = TTFont(path, recalcTimestamp=False)  # no build date in the file: reproducible
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=sorted(codepoints))
    subsetter.subset(font)
    font.flavor = "woff2"
    font.save(path)
    return before, path.stat().st_size


def subset_site(
    outdir: Path, doctreedir: Path | None = None, fresh: set[str] | None = None
) -> dict[str, tuple[int, int]]:
    """Subset the theme's fonts to the icons the pages show; (bytes before, after) by font.

    With ``doctreedir``, the originals, the results and what they were made from are kept
    there (:mod:`.postbuild`): a font is subset again only when its original or the icons
    wanted changed, and a page not in ``fresh`` (written by this build, relative to
    ``outdir``) is read only if it changed since it was last read."""
    folder = outdir / FONTS
    fonts = sorted(folder.glob("*.woff2")) if folder.is_dir() else []
    if not fonts:
        return {}
    if doctreedir is None:
        pages = (p.read_text(encoding="utf-8", errors="replace") for p in written_pages(outdir))
        stylesheets = [p.read_text(encoding="utf-8") for p in (outdir / "_static").rglob("*.css")]
        wanted = needed(pages, stylesheets)
        return {font.name: subset_font(font, wanted) for font in fonts}
    from . import postbuild

    store = postbuild.Store(doctreedir, "icons")
    css_store = postbuild.Store(doctreedir, "stylesheets")  # the stylesheets as copied
    stylesheets = []
    for path in sorted((outdir / "_static").rglob("*.css")):
        name = path.relative_to(outdir).as_posix()
        data = path.read_bytes()
        record = css_store.state["files"].get(name)
        if record and record.get("result") == postbuild.sha(data) and record.get("original"):
            data = css_store.get(record["original"]) or data  # trimmed by an earlier build
        stylesheets.append(data.decode("utf-8"))
    used = postbuild.page_tokens(
        store,
        written_pages(outdir),
        outdir,
        lambda data: set(USED_CLASS.findall(data.decode("utf-8", errors="replace"))),
        fresh or set(),
    )
    wanted = needed([" ".join(f"fa-{n}" for n in names) for names in used.values()], stylesheets)
    names = {font.relative_to(outdir).as_posix(): font for font in fonts}
    originals = {name: store.original(name, font) for name, font in names.items()}
    from ..core.records import code_digest

    key = postbuild.digest_of(
        [sorted(originals.items()), sorted(wanted), code_digest("pages/icons.py")]
    )
    sizes: dict[str, tuple[int, int]] = {}
    stored = store.result(key)
    if store.state.get("key") == key and store.current(names.items()):
        pass
    elif stored is not None and set(stored) == set(names):
        from ..core.records import write_if_changed

        for name, data in stored.items():
            write_if_changed(names[name], data)
        store.record(key, stored)
    else:
        from ..core.records import write_if_changed

        for name, font in names.items():
            original = store.get(originals[name])
            if original is not None:
                write_if_changed(font, original)
            sizes[font.name] = subset_font(font, wanted)
        store.record(key, {name: font.read_bytes() for name, font in names.items()})
    store.save()
    return sizes


def on_build_finished(app: Sphinx, exception: Exception | None) -> None:
    from ..blog import rebuild

    if rebuild.failed(app, exception) or not rebuild.records_pages(app):
        return  # what a failed build left is trimmed again by the next one

    pages = rebuild.written(app)
    if not pages:
        from . import postbuild

        folder = Path(app.outdir) / FONTS
        fonts = sorted(folder.glob("*.woff2")) if folder.is_dir() else []
        store = postbuild.Store(app.doctreedir, "icons")
        if store.current((f.relative_to(app.outdir).as_posix(), f) for f in fonts):
            return  # nothing written: Sphinx copied no font, and the fonts are subset
    sizes = subset_site(Path(app.outdir), Path(app.doctreedir), {f"{p}.html" for p in pages})
    if sizes:
        before = sum(b for b, _ in sizes.values())
        after = sum(a for _, a in sizes.values())
        logger.info(f"[icons] Font Awesome cut to the icons used: {before:,} -> {after:,} bytes")


def setup(app: Sphinx) -> None:
    # Before stylesheets.py trims the stylesheets: the class rules map names to characters.
    app.connect("build-finished", on_build_finished, priority=400)
