"""Old URLs: every earlier address of a post becomes a static page that sends readers on.

Plain functions. A post's old addresses are its front matter's ``redirect_from`` plus the
Gatsby-era ``/<series-slug>/<file-name>/``; each becomes a small HTML file (meta refresh, a
canonical link and a plain link; no scripts, nothing fetched from elsewhere).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from html import escape
from pathlib import PurePosixPath

from ..core.problems import Problem
from .feed import FEED_FILE
from .frontmatter import Post, slugify


def site_files(pages: Mapping[str, str], tags: Iterable[str]) -> dict[str, str]:
    """Every file the site publishes that a redirect may not replace, and what it is: each page
    (``{docname: its source file}``), the site's own files, and each tag's page."""
    files = {f"{d}.html": source for d, source in pages.items()}
    for name in (
        "index.html",
        "genindex.html",
        "search.html",
        "py-modindex.html",
        FEED_FILE,
        "sitemap.xml",
    ):
        files.setdefault(name, f"the site's {name}")
    for tag in tags:
        files[f"tags/{slugify(tag)}.html"] = f"the tag page for '{tag}'"
    return files


def old_urls(post: Post) -> list[tuple[str, int | None]]:
    """(URL path, front-matter line) for every old address of ``post``."""
    urls: list[tuple[str, int | None]] = []
    if post.series:
        slug = PurePosixPath(post.path).stem
        urls.append((f"/{slugify(post.series)}/{slug}/", None))
    urls += [(url, post.lines.get("redirect_from")) for url in post.redirect_from]
    seen: set[str] = set()
    return [(u, line) for u, line in urls if not (u in seen or seen.add(u))]


def output_file(url_path: str) -> str:
    """The file (relative to the site's root) a static host serves for ``url_path``."""
    path = url_path.lstrip("/")
    if not path or path.endswith("/"):
        return path + "index.html"
    return path


def plan(posts: dict[str, Post], pages: dict[str, str]) -> tuple[dict[str, str], list[Problem]]:
    """Map each redirect file to the docname it lands on, and report collisions.

    ``posts`` maps docname -> Post; ``pages`` maps each file the site already has
    (``book/x.html``) to what it is (a source path or a description).
    """
    files: dict[str, str] = {}
    owners: dict[str, tuple[str, str]] = {}  # file -> (post path, url)
    problems = []
    for docname, post in sorted(posts.items()):
        for url, line in old_urls(post):
            target = output_file(url)
            expected = "an old URL that no page and no other redirect uses"
            if target in pages:
                problems.append(
                    Problem(
                        post.path,
                        line,
                        "redirect_from",
                        expected,
                        f"{url!r}, which is the address of {pages[target]}",
                        "Delete it from redirect_from: that address is a page of the site."
                        if line is not None
                        else "It is the post's Gatsby-era address, made from its series and "
                        "file name: rename the post's file, or that page.",
                    )
                )
            elif target in files and files[target] != docname:
                problems.append(
                    Problem(
                        post.path,
                        line,
                        "redirect_from",
                        expected,
                        f"{url!r}, already a redirect to {owners[target][0]}",
                        "Keep it in the redirect_from of only the post it belonged to."
                        if line is not None
                        else "It is the post's Gatsby-era address, made from its series and "
                        "file name: delete it from the other post's redirect_from.",
                    )
                )
            else:
                files[target] = docname
                owners[target] = (post.path, url)
    return files, problems


def redirect_page(relative_target: str, canonical: str, title: str) -> str:
    """A redirect that works without scripts and without any request to another site."""
    target, canonical, title = escape(relative_target), escape(canonical), escape(title)
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{title}</title>\n"
        f'<link rel="canonical" href="{canonical}">\n'
        '<meta name="robots" content="noindex">\n'
        f'<meta http-equiv="refresh" content="0; url={target}">\n'
        "</head>\n<body>\n"
        f'<p>This page has moved to <a href="{target}">{title}</a>.</p>\n'
        "</body>\n</html>\n"
    )
