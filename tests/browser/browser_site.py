"""Helpers for the browser tests: what the sources promise (posts, parts, old URLs, maths),
and the serving and browser settings shared with ``benchmarks/pages.py``."""

from __future__ import annotations

import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

import yaml

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "benchmarks"))
from pages import CHROMIUM, CHROMIUM_FLAGS, serve  # noqa: F401

AXE = REPO / "node_modules" / "axe-core" / "axe.min.js"
ARTIFACTS = REPO / "test-artifacts"


# --- what the sources promise ---------------------------------------------------------------


@dataclass(frozen=True)
class Post:
    docname: str  # book/<slug>
    slug: str
    title: str
    part: int | None
    series: str | None
    redirect_from: tuple[str, ...]
    has_maths: bool
    text: str


FRONT_MATTER = re.compile(r"\A---\n(.*?)\n---\n(.*)\Z", re.DOTALL)
MATHS = re.compile(r"\$[^$\n]+\$|\$\$|\\begin\{(equation|align|gather|multline|eqnarray)")


def _strip_code(text: str) -> str:
    return re.sub(r"^(```|~~~).*?^\1", "", text, flags=re.DOTALL | re.MULTILINE)


def toc_docnames() -> list[str]:
    toc = yaml.safe_load((REPO / "_toc.yml").read_text())
    names = [toc["root"]]

    def walk(entries):
        for entry in entries or []:
            if "file" in entry:
                names.append(entry["file"])
            walk(entry.get("sections"))
            for part in entry.get("parts", []) or []:
                walk(part.get("chapters"))

    walk(toc.get("chapters"))
    for part in toc.get("parts", []) or []:
        walk(part.get("chapters"))
    return [re.sub(r"\.(md|ipynb)$", "", name) for name in names]


#: The pages of the table of contents that are not posts: the landing page and the index of
#: equations. Every other page is a post, and must read as one.
NOT_POSTS = frozenset({"book/index", "book/equations"})


class PostsUnreadable(Exception):
    """A page the table of contents lists as a post does not read as one."""


def posts() -> list[Post]:
    """Every post in the table of contents, in part order.

    Raises (so the tests parametrised over the posts fail at collection instead of quietly
    running over fewer posts, or none) when a page the table of contents lists, other than
    :data:`NOT_POSTS`, has no source, no front matter or no ``part``.
    """
    found = []
    for docname in toc_docnames():
        if docname in NOT_POSTS:
            continue
        source = REPO / f"{docname}.md"
        if not source.is_file():
            raise PostsUnreadable(f"{docname}: in _toc.yml, but {source} is not a file")
        match = FRONT_MATTER.match(source.read_text(encoding="utf-8"))
        if not match:
            raise PostsUnreadable(f"{docname}: no front matter between '---' lines")
        meta = yaml.safe_load(match.group(1))
        body = match.group(2)
        if not isinstance(meta, dict) or meta.get("part") is None:
            raise PostsUnreadable(f"{docname}: its front matter gives no part: {meta!r}")
        redirects = meta.get("redirect_from") or []
        if isinstance(redirects, str):
            redirects = [redirects]
        found.append(
            Post(
                docname,
                Path(docname).name,
                str(meta.get("title", "")),
                meta.get("part"),
                meta.get("series"),
                tuple(redirects),
                bool(MATHS.search(_strip_code(body))),
                _strip_code(body),
            )
        )
    if not found:
        raise PostsUnreadable("the table of contents lists no post")
    return sorted(found, key=lambda p: (p.part, p.docname))


def page_urls() -> list[str]:
    """Every page of the site a reader can open, relative to its root."""
    return ["index.html", *(f"{d}.html" for d in toc_docnames()), "genindex.html", "search.html"]


# --- small helpers ----------------------------------------------------------------------------


def is_local(url: str) -> bool:
    parsed = urlparse(url)
    return parsed.scheme in {"data", "blob", "about"} or parsed.hostname == "127.0.0.1"


def dumps(value) -> str:
    return json.dumps(value, indent=1)[:4000]
