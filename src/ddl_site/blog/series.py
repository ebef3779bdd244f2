"""A series: its posts in part order, and the HTML a reader sees around each post.

Plain functions: they take posts and the URLs to link to, and return text.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable
from html import escape

from .frontmatter import Post

WORDS_PER_MINUTE = 200


def by_series(posts: Iterable[Post]) -> dict[str, list[Post]]:
    """Series name -> its posts in part order; series in order of their first post's date."""
    groups: dict[str, list[Post]] = {}
    for post in posts:
        if post.series is not None:
            groups.setdefault(post.series, []).append(post)
    for members in groups.values():
        members.sort(key=lambda p: (p.part, p.path))
    return dict(
        sorted(groups.items(), key=lambda item: (item[1][0].date.replace(tzinfo=None), item[0]))
    )


def neighbours(post: Post, members: list[Post]) -> tuple[Post | None, Post | None]:
    """The previous and next post by part order."""
    index = members.index(post)
    return (
        members[index - 1] if index > 0 else None,
        members[index + 1] if index + 1 < len(members) else None,
    )


def human_date(date: dt.datetime) -> str:
    """``25 July 2018``."""
    return f"{date.day} {date:%B %Y}"


def machine_date(date: dt.datetime) -> str:
    """``2018-07-25`` or ``2018-07-25T10:00:00`` (with its offset when it has one)."""
    if (date.hour, date.minute, date.second) == (0, 0, 0) and date.tzinfo is None:
        return date.date().isoformat()
    return date.isoformat()


def reading_minutes(words: int) -> int:
    return max(1, math.ceil(words / WORDS_PER_MINUTE))


def part_label(post: Post) -> str:
    return f"Part {post.part}" if post.part is not None else ""


def header_html(post: Post, words: int, tag_urls: dict[str, str] | None = None) -> str:
    """The line under a post's title: series, part, date, reading time (and tags)."""
    bits = []
    if post.series:
        bits.append(f'<span class="ddl-series-name">{escape(post.series)}</span>')
    if post.part is not None:
        bits.append(f'<span class="ddl-part">{part_label(post)}</span>')
    bits.append(
        f'<time class="ddl-date" datetime="{machine_date(post.date)}">'
        f"{human_date(post.date)}</time>"
    )
    bits.append(f'<span class="ddl-reading-time">{reading_minutes(words)} min read</span>')
    html = '<p class="ddl-post-meta">' + ' <span aria-hidden="true">·</span> '.join(bits) + "</p>"
    if post.tags:
        links = ", ".join(
            f'<a class="ddl-tag" href="{escape((tag_urls or {}).get(tag, "#"))}">{escape(tag)}</a>'
            for tag in post.tags
        )
        html += f'\n<p class="ddl-post-tags">Tags: {links}</p>'
    return f'<div class="ddl-post-header">\n{html}\n</div>\n'


def series_nav_html(post: Post, members: list[Post], urls: dict[str, str]) -> str:
    """The series box: every part as "Part N: title", the current one marked.

    ``urls`` maps each member's path to the URL to link to from the current page.
    """
    items = []
    for member in members:
        label = escape(f"{part_label(member)}: {member.title}")
        if member is post or member.path == post.path:
            items.append(
                f'<li class="ddl-current"><a aria-current="page" '
                f'href="{escape(urls[member.path])}">{label}</a></li>'
            )
        else:
            items.append(f'<li><a href="{escape(urls[member.path])}">{label}</a></li>')
    previous, following = neighbours(post, members)
    links = []
    if previous is not None:
        links.append(
            f'<a class="ddl-prev" rel="prev" href="{escape(urls[previous.path])}">'
            f"← {escape(part_label(previous))}: {escape(previous.title)}</a>"
        )
    if following is not None:
        links.append(
            f'<a class="ddl-next" rel="next" href="{escape(urls[following.path])}">'
            f"{escape(part_label(following))}: {escape(following.title)} →</a>"
        )
    name = escape(post.series or "")
    return (
        f'<nav class="ddl-series-nav" aria-label="Series: {name}">\n'
        '<details class="ddl-series-box" open>\n'
        f'<summary class="ddl-series-nav-title">Series: {name} '
        f'<span class="ddl-series-count">({len(members)} parts)</span></summary>\n'
        '<ol class="ddl-series-parts">\n'
        + "\n".join(items)
        + "\n</ol>\n</details>\n"
        + COLLAPSE_ON_NARROW_SCREENS
        + (f'<p class="ddl-prev-next">{" ".join(links)}</p>\n' if links else "")
        + "</nav>\n"
    )


#: The series box is open on wide screens; on a phone its list of parts would fill the first
#: screen, so there it starts closed (its summary opens it). The script runs as the page is
#: parsed, before the first paint, so nothing moves; without scripts the box stays open.
NARROW_SCREEN = "(max-width: 47.99em)"
COLLAPSE_ON_NARROW_SCREENS = (
    "<script>(function (box) { if (window.matchMedia("
    f'"{NARROW_SCREEN}").matches) {{ box.open = false; }} }})'
    "(document.currentScript.previousElementSibling);</script>\n"
)
