"""The Atom feed, written with the standard library from the posts' front matter.

Deterministic: every date comes from a post, none from the clock.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from xml.etree import ElementTree as ET

ATOM = "http://www.w3.org/2005/Atom"
FEED_FILE = "atom.xml"  # at the site's root


@dataclass(frozen=True)
class Entry:
    title: str
    url: str
    date: dt.datetime
    summary: str | None = None
    categories: tuple[str, ...] = ()


def rfc3339(date: dt.datetime) -> str:
    """A post's date as Atom wants it; a date without a zone is taken as UTC."""
    if date.tzinfo is None:
        date = date.replace(tzinfo=dt.UTC)
    return date.isoformat().replace("+00:00", "Z")


def atom(title: str, site_url: str, feed_url: str, author: str, entries: list[Entry]) -> bytes:
    """An Atom 1.0 document, newest entry first."""
    ET.register_namespace("", ATOM)

    def sub(parent, tag, text=None, **attrs):
        element = ET.SubElement(parent, f"{{{ATOM}}}{tag}", attrs)
        if text is not None:
            element.text = text
        return element

    entries = sorted(entries, key=lambda e: (rfc3339(e.date), e.url), reverse=True)
    feed = ET.Element(f"{{{ATOM}}}feed")
    sub(feed, "title", title)
    sub(feed, "id", site_url)
    sub(feed, "link", href=site_url, rel="alternate", type="text/html")
    sub(feed, "link", href=feed_url, rel="self", type="application/atom+xml")
    sub(feed, "updated", rfc3339(entries[0].date) if entries else "1970-01-01T00:00:00Z")
    sub(sub(feed, "author"), "name", author)
    for item in entries:
        entry = sub(feed, "entry")
        sub(entry, "title", item.title, type="text")
        sub(entry, "id", item.url)
        sub(entry, "link", href=item.url, rel="alternate", type="text/html")
        sub(entry, "published", rfc3339(item.date))
        sub(entry, "updated", rfc3339(item.date))
        if item.summary:
            sub(entry, "summary", item.summary, type="text")
        for category in item.categories:
            sub(entry, "category", term=category)
    ET.indent(feed)
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(feed, encoding="utf-8") + b"\n"
