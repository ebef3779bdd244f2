"""The blog index and tag pages: plain functions from posts and URLs to HTML."""

from __future__ import annotations

from collections.abc import Callable
from html import escape

from .frontmatter import Post
from .series import by_series, human_date, machine_date, part_label
from .social import image_alt


def tags_of(posts: list[Post]) -> dict[str, list[Post]]:
    """Tag -> its posts, newest first; tags in alphabetical order."""
    found: dict[str, list[Post]] = {}
    for post in posts:
        for tag in post.tags:
            found.setdefault(tag, []).append(post)
    return {
        tag: sorted(found[tag], key=lambda p: (p.date.replace(tzinfo=None), p.path), reverse=True)
        for tag in sorted(found, key=str.lower)
    }


def entry_html(post: Post, url: str, image_url: str | None) -> str:
    """One post in a listing: lead image, "Part N: title", date, excerpt."""
    label = f"{part_label(post)}: {post.title}" if post.part is not None else post.title
    image = (
        f'<a class="ddl-entry-image" href="{escape(url)}" tabindex="-1">'
        f'<img class="ddl-thumb" src="{escape(image_url)}" alt="{escape(image_alt(post))}"></a>\n'
        if image_url
        else ""
    )
    excerpt = f'<p class="ddl-entry-excerpt">{escape(post.excerpt)}</p>\n' if post.excerpt else ""
    return (
        '<li class="ddl-entry">\n'
        + image
        + f'<p class="ddl-entry-title"><a href="{escape(url)}">{escape(label)}</a></p>\n'
        + f'<p class="ddl-entry-date"><time datetime="{machine_date(post.date)}">'
        + f"{human_date(post.date)}</time></p>\n"
        + excerpt
        + "</li>"
    )


def index_html(
    posts: list[Post],
    url: Callable[[Post], str],
    image_url: Callable[[Post], str | None],
    series: str | None = None,
) -> str:
    """Every series in part order, then any posts outside a series, newest first."""
    blocks = []
    for name, members in by_series(posts).items():
        if series is not None and name != series:
            continue
        entries = "\n".join(entry_html(p, url(p), image_url(p)) for p in members)
        blocks.append(
            f'<section class="ddl-index-series" aria-label="{escape(name)}">\n'
            f'<ol class="ddl-index">\n{entries}\n</ol>\n</section>'
        )
    if series is None:
        loose = sorted(
            (p for p in posts if p.series is None),
            key=lambda p: (p.date.replace(tzinfo=None), p.path),
            reverse=True,
        )
        if loose:
            entries = "\n".join(entry_html(p, url(p), image_url(p)) for p in loose)
            blocks.append(f'<ul class="ddl-index ddl-index-posts">\n{entries}\n</ul>')
    return '<div class="ddl-blog-index">\n' + "\n".join(blocks) + "\n</div>\n"


def tag_page_html(
    tag: str, posts: list[Post], url: Callable[[Post], str], image_url: Callable[[Post], str | None]
) -> str:
    entries = "\n".join(entry_html(p, url(p), image_url(p)) for p in posts)
    return (
        f'<section class="ddl-tag-page">\n<h1>Posts tagged “{escape(tag)}”</h1>\n'
        f'<ul class="ddl-index">\n{entries}\n</ul>\n</section>\n'
    )
