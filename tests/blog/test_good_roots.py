"""A good series builds into posts with a header, a series box, an index, a feed, old URLs,
social tags, a sitemap and (only where asked for) comments."""

from __future__ import annotations

import re
from pathlib import Path

import feedparser
import pytest
from bs4 import BeautifulSoup

pytestmark = pytest.mark.site
BASE = "https://example.org/blog/"


def soup(path: Path) -> BeautifulSoup:
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


@pytest.fixture(scope="module")
def site(tmp_path_factory, rootdir):
    """The 'series' root built once for this module's assertions."""
    import shutil

    from sphinx.testing.util import SphinxTestApp

    srcdir = tmp_path_factory.mktemp("series") / "src"
    shutil.copytree(rootdir / "test-series", srcdir)
    app = SphinxTestApp("html", srcdir=srcdir)
    try:
        app.build()
        assert app._warning.getvalue() == ""
        yield Path(app.outdir)
    finally:
        app.cleanup()


def test_post_header_names_series_part_date_and_reading_time(site):
    header = soup(site / "posts/first-post.html").select_one(".ddl-post-header")
    assert header.select_one(".ddl-series-name").text == "Test Series"
    assert header.select_one(".ddl-part").text == "Part 0"
    time = header.find("time")
    assert (time["datetime"], time.text) == ("2018-07-25T10:00:00", "25 July 2018")
    assert re.fullmatch(r"\d+ min read", header.select_one(".ddl-reading-time").text)


def test_lead_image_has_alt_text_and_caption(site):
    page = soup(site / "posts/first-post.html")
    figure = page.select_one("figure.ddl-lead-image")
    img = figure.find("img")
    assert img["alt"] == "One red pixel, standing in for a drawing"
    assert (site / "posts" / img["src"]).resolve().is_file()
    assert figure.select_one("figcaption .caption-text").get_text(strip=True) == img["alt"]


def test_title_is_the_only_level_one_heading(site):
    headings = soup(site / "posts/first-post.html").select("article h1, main h1, .body h1")
    assert [h.get_text(strip=True).rstrip("¶#") for h in headings] == ["The First Post"]


def test_series_box_lists_every_part_and_marks_the_current_one(site):
    nav = soup(site / "posts/second-post.html").select_one("nav.ddl-series-nav")
    items = [li.get_text(strip=True) for li in nav.select("ol li")]
    assert items == [
        "Part 0: The First Post",
        "Part 1: The Second Post: <b>bold</b> & more",
        "Part 2: The Third Post",
    ]
    current = nav.select('[aria-current="page"]')
    assert [c.get_text(strip=True) for c in current] == [items[1]]
    assert nav.find("b") is None  # titles are text, not markup
    assert nav.select_one('a[rel="prev"]')["href"] == "first-post.html"
    assert nav.select_one('a[rel="next"]')["href"] == "third-post.html"
    first = soup(site / "posts/first-post.html").select_one("nav.ddl-series-nav")
    assert first.select_one('a[rel="prev"]') is None


def test_index_lists_posts_in_part_order_with_date_excerpt_and_image(site):
    entries = soup(site / "index.html").select(".ddl-entry")
    assert [e.select_one(".ddl-entry-title").get_text(strip=True) for e in entries] == [
        "Part 0: The First Post",
        "Part 1: The Second Post: <b>bold</b> & more",
        "Part 2: The Third Post",
    ]
    first = entries[0]
    assert first.find("time")["datetime"] == "2018-07-25T10:00:00"
    assert first.select_one(".ddl-entry-excerpt").text == "Why the series exists, in one sentence."
    assert (site / first.find("img")["src"]).is_file()
    assert first.find("img")["alt"]
    assert entries[1].find("img") is None  # no lead image, no <img>


def test_tag_pages_list_their_posts(site):
    maths = soup(site / "tags/maths.html")
    titles = [a.get_text(strip=True) for a in maths.select(".ddl-entry-title a")]
    assert titles == ["Part 1: The Second Post: <b>bold</b> & more", "Part 0: The First Post"]
    links = [a["href"] for a in maths.select(".ddl-entry-title a")]
    assert all((site / "tags" / href).resolve().is_file() for href in links)
    tags = soup(site / "posts/first-post.html").select(".ddl-post-tags a")
    assert [(t.text, t["href"]) for t in tags] == [
        ("maths", "../tags/maths.html"),
        ("motivation", "../tags/motivation.html"),
    ]


def test_atom_feed(site):
    raw = (site / "atom.xml").read_text(encoding="utf-8")
    assert "<script" not in raw
    parsed = feedparser.parse(raw)
    assert parsed.bozo == 0
    assert parsed.feed.title == "Test blog"
    assert parsed.feed.updated == "2018-07-29T00:00:00Z"  # the newest post, not the clock
    entries = {e.title: e for e in parsed.entries}
    first = entries["The First Post"]
    assert first.link == BASE + "posts/first-post.html"
    assert first.id == BASE + "posts/first-post.html"
    assert first.published == "2018-07-25T10:00:00Z"
    assert first.summary == "Why the series exists, in one sentence."
    assert "The Second Post: <b>bold</b> & more" in entries
    page = soup(site / "posts/first-post.html")
    assert page.find("link", rel="alternate", type="application/atom+xml")["href"] == "../atom.xml"


@pytest.mark.parametrize(
    "old",
    [
        "test-series/first-post/index.html",  # /<series-slug>/<file-name>/
        "2018/07/25/FirstPost.html",  # redirect_from as a string
        "2018/07/28/SecondPost.html",  # redirect_from as a list
        "old/second/index.html",
    ],
)
def test_old_urls_are_static_redirect_pages(site, old):
    path = site / old
    page = soup(path)
    target = page.find("meta", attrs={"http-equiv": "refresh"})["content"].split("url=", 1)[1]
    assert (path.parent / target).resolve().is_file()
    assert page.find("a")["href"] == target
    canonical = page.find("link", rel="canonical")["href"]
    assert canonical.startswith(BASE) and canonical.endswith(target.rsplit("/", 1)[-1])
    assert page.find("script") is None
    assert page.find("img") is None and page.find("link", rel="stylesheet") is None


def test_social_and_seo_tags_from_front_matter(site):
    page = soup(site / "posts/first-post.html")

    def meta(**attrs):
        return page.find("meta", attrs=attrs)["content"]

    assert meta(name="description") == "Why the series exists, in one sentence."
    assert meta(property="og:title") == "The First Post"
    assert meta(property="og:description") == "Why the series exists, in one sentence."
    assert meta(property="og:url") == BASE + "posts/first-post.html"
    assert meta(property="og:image") == BASE + "_images/lead.png"
    assert meta(property="og:image:alt") == "One red pixel, standing in for a drawing"
    assert (site / "_images/lead.png").is_file()
    assert page.find("link", rel="canonical")["href"] == BASE + "posts/first-post.html"
    assert len(page.find_all("meta", attrs={"name": "description"})) == 1


def test_sitemap_has_the_pages_and_not_the_redirects(site):
    locs = re.findall(r"<loc>([^<]+)</loc>", (site / "sitemap.xml").read_text())
    assert BASE + "posts/first-post.html" in locs
    assert BASE + "index.html" in locs
    assert not any("2018/" in loc or "search.html" in loc for loc in locs)


def test_comments_only_where_asked_for(site):
    with_comments = (site / "posts/second-post.html").read_text()
    script = soup(site / "posts/second-post.html").find(
        "script", src="https://giscus.app/client.js"
    )
    assert script["data-repo"] == "owner/repo" and script["data-repo-id"] == "R_test"
    assert script["data-category"] == "Comments" and script["data-category-id"] == "DIC_test"
    assert with_comments.count("giscus.app") == 1
    for name in ("first-post", "third-post"):  # no key, and comments: false
        assert "giscus" not in (site / f"posts/{name}.html").read_text()
