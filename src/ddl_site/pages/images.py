"""Images cost what they show, and nothing moves when they arrive.

For every ``<img>`` in a page's body:

* an image of the site (under ``_images/``) gets its ``width`` and ``height``, so the browser
  reserves its box before the file arrives (no layout shift; the stylesheet keeps images
  fluid with ``height: auto``);
* the first image of the page (a post's lead image, the first entry of an index: what the
  reader sees first) is fetched at high priority; the others load as the reader scrolls to
  them (``loading="lazy"``);
* a lead image (drawn at 800 x 420 by :mod:`ddl_site.art.lead_images`) is offered as WebP in the
  widths it is shown at (``<picture>``, 400 and 800 pixels wide): a quarter of the PNG's bytes.
  The PNG or JPEG stays the ``src`` (and the image for feeds and social cards).

matplotlib's JavaScript animations embed every frame in the page as base64 PNG: the frames
are written to ``_images/`` (named by their content) and the page refers to them, so a post
with an animation is not a megabyte of HTML to parse before anything shows. The player, which
fetches every frame as it starts, starts when the animation comes within a screen of the
reader's view rather than with the page, and its frame has the frames' size from the start.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import os
import re
from collections.abc import Callable
from pathlib import Path

from sphinx.application import Sphinx

from ..blog import rebuild
from ..core.records import write_atomic

IMG = re.compile(r"<img\b[^>]*>")
ATTRIBUTE = re.compile(r'\s([a-zA-Z-]+)="([^"]*)"')
RASTER = {".png", ".jpg", ".jpeg", ".gif", ".webp"}
WEBP_WIDTHS = (400, 800)
WEBP_QUALITY = 82
# How wide each kind of image is shown (see static/ddl_site.css); the browser picks a width.
SIZES = {
    "ddl-thumb": "(max-width: 40rem) 100vw, 12rem",
    "default": "(max-width: 48rem) 100vw, 48rem",
}
# matplotlib's Animation.to_jshtml: ``frames[3] = "data:image/png;base64,iVBOR...\<newline>..."``
FRAME = re.compile(
    r'(frames\[\d+\] = )"data:image/(png|jpeg|svg\+xml);base64,([A-Za-z0-9+/=\\\n]*)"'
)


# The player starts from a zero timeout; it starts instead when the animation nears the view.
PLAYER_START = re.compile(
    r"setTimeout\(function\(\) \{(\s*anim\w+ = new Animation\([^;]*\);\s*)\}, 0\);"
)
WHEN_NEAR = (
    "new IntersectionObserver(function(entries, observer) {{\n"
    "      if (!entries.some(function(e) {{ return e.isIntersecting; }})) return;\n"
    '      observer.disconnect();{start}}}, {{rootMargin: "100% 0px"}})'
    ".observe(document.getElementById(img_id).parentNode);"
)
ANIMATION_FRAME = re.compile(r'<img id="(_anim_img\w+)"')


def attributes(tag: str) -> dict[str, str]:
    return dict(ATTRIBUTE.findall(tag))


def add_attributes(tag: str, extra: dict[str, str]) -> str:
    """``tag`` with ``extra`` attributes appended (those it already has are left alone)."""
    present = attributes(tag)
    added = "".join(f' {k}="{v}"' for k, v in extra.items() if k not in present)
    end = "/>" if tag.endswith("/>") else ">"
    return tag[: -len(end)].rstrip() + added + end


@functools.lru_cache(maxsize=1024)
def _size(path: str, mtime: float) -> tuple[int, int]:
    from PIL import Image

    with Image.open(path) as image:
        return image.size


def size_of(path: Path) -> tuple[int, int]:
    return _size(str(path), path.stat().st_mtime)


def improve_images(
    body: str,
    resolve: Callable[[str], Path | None],
    webp: Callable[[Path, str], list[tuple[str, int]] | None],
) -> str:
    """Give the body's images their size, loading priority and WebP sources.

    ``resolve(src)`` is the file behind an ``<img src>`` of the site (None for any other), and
    ``webp(file, src)`` the ``[(url, width)]`` WebP variants of a lead image (None for others).
    """
    seen = 0

    def one(match: re.Match) -> str:
        nonlocal seen
        tag = match.group(0)
        attrs = attributes(tag)
        extra: dict[str, str] = {}
        if seen == 0:
            extra["fetchpriority"] = "high"
        elif "loading" not in attrs:
            extra.update(loading="lazy", decoding="async")
        seen += 1
        src = attrs.get("src", "")
        file = resolve(src) if src else None
        if file is None:
            return add_attributes(tag, extra)
        if "width" not in attrs and "height" not in attrs:
            width, height = size_of(file)
            extra.update(width=str(width), height=str(height))
        tag = add_attributes(tag, extra)
        variants = webp(file, src)
        if not variants:
            return tag
        kind = "ddl-thumb" if "ddl-thumb" in attrs.get("class", "").split() else "default"
        srcset = ", ".join(f"{url} {width}w" for url, width in variants)
        return (
            f'<picture><source type="image/webp" srcset="{srcset}" sizes="{SIZES[kind]}">'
            f"{tag}</picture>"
        )

    return IMG.sub(one, body)


def externalise_frames(body: str, write: Callable[[bytes, str], str]) -> str:
    """Replace the base64 frames of matplotlib animations by URLs ``write(data, ext)`` gives."""

    def one(match: re.Match) -> str:
        data = base64.b64decode(match.group(3).replace("\\\n", "").replace("\n", ""))
        extension = {"png": "png", "jpeg": "jpg", "svg+xml": "svg"}[match.group(2)]
        return f'{match.group(1)}"{write(data, extension)}"'

    return FRAME.sub(one, body)


def start_players_when_near(body: str) -> str:
    """matplotlib's animation players start as they come near the view, not with the page."""
    return PLAYER_START.sub(lambda m: WHEN_NEAR.format(start=m.group(1)), body)


def size_animation_frames(body: str, size_of_url: Callable[[str], tuple[int, int] | None]) -> str:
    """Give each animation's frame ``<img>`` the size of its first frame (no layout shift)."""
    out, position = [], 0
    for match in ANIMATION_FRAME.finditer(body):
        first = re.compile(r'frames\[0\] = "([^"]+)"').search(body, match.end())
        size = size_of_url(first.group(1)) if first else None
        out.append(body[position : match.end()])
        if size is not None:
            out.append(f' width="{size[0]}" height="{size[1]}"')
        position = match.end()
    return "".join(out) + body[position:]


# --- Sphinx ---------------------------------------------------------------------------------


def _images_dir(app: Sphinx) -> Path:
    return Path(app.outdir) / getattr(app.builder, "imagedir", "_images")


def _source_of(app: Sphinx) -> dict[str, Path]:
    """Name in ``_images/`` -> the source file, for every image of the whole site."""
    return {name: Path(app.srcdir) / src for src, (_, name) in app.env.images.items()}


def _lead_images(app: Sphinx) -> set[Path]:
    posts = getattr(app.env, "ddl_posts", {}).values()
    return {(Path(app.srcdir) / p.image).resolve() for p in posts if p.image}


@functools.lru_cache(maxsize=256)
def _digest(path: str, mtime_ns: int, size: int) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()[:10]


def write_webp(source: Path, target_dir: Path, widths=WEBP_WIDTHS) -> list[tuple[str, int]]:
    """WebP copies of ``source`` in ``widths`` (no wider than the source); [(name, width)].

    Each name carries a digest of the source's bytes, so a changed drawing is a new file (no
    stale copy in a reader's cache) and an unchanged one is not encoded again."""
    from PIL import Image

    stat = source.stat()
    digest = _digest(str(source), stat.st_mtime_ns, stat.st_size)
    full_width, full_height = size_of(source)
    out = []
    for width in widths:
        if width > full_width:
            continue
        name = f"{source.stem}-{width}w.{digest}.webp"
        target = target_dir / name
        if not target.exists():
            with Image.open(source) as image:
                if width != full_width:
                    height = round(full_height * width / full_width)
                    image = image.resize((width, height), Image.LANCZOS)
                target_dir.mkdir(parents=True, exist_ok=True)
                # Whole or not at all: a copy cut short would be taken as made.
                temporary = target.with_name(f".{name}.tmp")
                image.save(temporary, "WEBP", quality=WEBP_QUALITY, method=6)
                os.replace(temporary, target)
        out.append((name, width))
    return out


def on_page_context(app: Sphinx, pagename: str, templatename: str, context: dict, doctree) -> None:
    body = context.get("body")
    if not body or app.builder.format != "html":
        return
    images_dir = _images_dir(app)
    prefix = getattr(app.builder, "imagedir", "_images") + "/"
    sources = _source_of(app)
    leads = _lead_images(app)

    def name_of(src: str) -> str | None:
        path = src.split("?")[0].split("#")[0]
        while path.startswith("../"):
            path = path[3:]
        if not path.startswith(prefix):
            return None
        return path[len(prefix) :]

    def resolve(src: str) -> Path | None:
        name = name_of(src)
        file = sources.get(name) if name else None
        if file is None or file.suffix.lower() not in RASTER or not file.is_file():
            return None
        return file

    def webp(file: Path, src: str) -> list[tuple[str, int]] | None:
        if file.resolve() not in leads:
            return None
        folder = src[: len(src) - len(name_of(src) or "")]
        copies = write_webp(file, images_dir)
        for name, _ in copies:
            rebuild.own(app, pagename, prefix + name)  # removed once no page shows it
        return [(folder + name, width) for name, width in copies]

    frame_sizes: dict[str, tuple[int, int]] = {}

    def write_frame(data: bytes, extension: str) -> str:
        name = f"frame-{hashlib.sha256(data).hexdigest()[:16]}.{extension}"
        target = images_dir / name
        if not target.exists():
            write_atomic(target, data)
        rebuild.own(app, pagename, prefix + name)  # removed once no page shows it
        url = context["pathto"](prefix + name, 1)
        if extension != "svg":
            frame_sizes[url] = size_of(target)
        return url

    if "data:image/" in body and "frames[" in body:
        body = externalise_frames(body, write_frame)
        body = size_animation_frames(body, frame_sizes.get)
        body = start_players_when_near(body)
    if "<img" in body:
        body = improve_images(body, resolve, webp)
    context["body"] = body


def setup(app: Sphinx) -> None:
    app.connect("html-page-context", on_page_context, priority=950)
