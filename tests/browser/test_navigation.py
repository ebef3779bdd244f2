"""Finding your way in a browser: the series box, previous/next, old URLs, and the search."""

from __future__ import annotations

import re
from collections import Counter

import pytest
from bs4 import BeautifulSoup

from .browser_site import posts

pytestmark = pytest.mark.site

POSTS = posts()
SERIES = {}
for _post in POSTS:
    if _post.series:
        SERIES.setdefault(_post.series, []).append(_post)


def slugify(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def old_urls(post) -> list[str]:
    urls = [f"{slugify(post.series)}/{post.slug}/"] if post.series else []
    return urls + [url.lstrip("/") for url in post.redirect_from]


def heading(page) -> str:
    return page.locator("h1").first.inner_text()


@pytest.mark.parametrize("post", [p for p in POSTS if p.series], ids=lambda p: p.slug)
def test_series_box_and_previous_next_lead_to_the_right_posts(visit, base_url, post):
    page = visit(f"{post.docname}.html").page
    members = SERIES[post.series]
    box = page.locator("nav.ddl-series-nav")
    assert box.count() == 1, "the post has no series box"
    links = box.locator("ol.ddl-series-parts li a")
    hrefs = links.evaluate_all("links => links.map(a => a.href.split('#')[0])")
    assert hrefs == [f"{base_url}/{m.docname}.html" for m in members]
    current = box.locator('a[aria-current="page"]').evaluate_all(
        "a => a.map(x => x.href.split('#')[0])"
    )
    assert current == [f"{base_url}/{post.docname}.html"]
    index = members.index(post)
    for selector, neighbour in [
        ("a.ddl-prev", members[index - 1] if index else None),
        ("a.ddl-next", members[index + 1] if index + 1 < len(members) else None),
    ]:
        found = page.locator(selector).evaluate_all("a => a.map(x => x.href.split('#')[0])")
        expected = [f"{base_url}/{neighbour.docname}.html"] if neighbour else []
        assert found == expected, selector


@pytest.mark.parametrize("series", sorted(SERIES))
def test_clicking_next_walks_the_whole_series_in_part_order(browser_context, base_url, series):
    members = SERIES[series]
    page = browser_context.new_page()
    try:
        page.goto(f"{base_url}/{members[0].docname}.html")
        for expected in members[1:]:
            page.locator("nav.ddl-series-nav a.ddl-next").first.click()
            page.wait_for_load_state("load")
            assert page.url == f"{base_url}/{expected.docname}.html"
            assert expected.title in heading(page)
        assert page.locator("nav.ddl-series-nav a.ddl-next").count() == 0
    finally:
        page.close()


@pytest.mark.parametrize(
    "post, old",
    [(p, url) for p in POSTS for url in old_urls(p)],
    ids=lambda value: value if isinstance(value, str) else value.slug,
)
def test_old_url_lands_on_its_post(site, browser_context, base_url, post, old):
    if not (site.html / (old + "index.html" if old.endswith("/") else old)).is_file():
        pytest.fail(f"no redirect page for the old URL /{old}")
    page = browser_context.new_page()
    try:
        page.goto(f"{base_url}/{old}")
        page.wait_for_url(f"{base_url}/{post.docname}.html")
        assert post.title in heading(page)
    finally:
        page.close()


def _words(html: str) -> list[str]:
    soup = BeautifulSoup(html, "html.parser")
    main = soup.select_one("main") or soup
    for skip in main.select("script, style, annotation, .katex-mathml, nav"):
        skip.decompose()
    return re.findall(r"[a-z]+", main.get_text(" ").lower())


def term_only_in(site, docname: str) -> str:
    """A word of the page's prose whose stem, as Sphinx's search index stems it, is on no other
    page ("flexibility" and "flexible" are one term to the search)."""
    from sphinx.search.en import SearchEnglish

    stem = SearchEnglish({}).stem
    others = {
        stem(word)
        for path in site.html.rglob("*.html")
        if path.relative_to(site.html).as_posix() != f"{docname}.html"
        and not path.relative_to(site.html).as_posix().startswith("_")
        for word in _words(path.read_text(encoding="utf-8"))
    }
    counts = Counter(w for w in _words(site.page(docname)) if len(w) >= 9)
    for word, _ in sorted(counts.items(), key=lambda item: (-item[1], item[0])):
        if stem(word) not in others:
            return word
    pytest.fail(f"no word is unique to {docname}")


def test_search_finds_a_term_that_only_part_5_has(site, browser_context, base_url):
    part5 = [p for p in POSTS if p.part == 5]
    assert len(part5) == 1, f"one Part 5 expected in the table of contents, found {part5}"
    post = part5[0]
    term = term_only_in(site, post.docname)
    page = browser_context.new_page()
    try:
        page.goto(f"{base_url}/search.html?q={term}")
        page.wait_for_selector("#search-results .search-summary")
        page.wait_for_function(
            "() => !/Searching/.test(document.querySelector('#search-results h2')?.innerText)"
        )
        hits = page.locator("#search-results ul.search li a").evaluate_all(
            "links => links.map(a => a.href.split('#')[0])"
        )
    finally:
        page.close()
    assert f"{base_url}/{post.docname}.html" in hits, (term, hits)
    other_posts = {f"{base_url}/{p.docname}.html" for p in POSTS} - {
        f"{base_url}/{post.docname}.html"
    }
    assert not other_posts & set(hits), (term, hits)


def test_series_box_is_open_on_wide_screens_and_one_tap_away_on_phones(browser_context, base_url):
    series = max(SERIES.values(), key=len)
    post = series[len(series) // 2]
    page = browser_context.new_page()
    try:
        page.goto(f"{base_url}/{post.docname}.html")
        box = page.locator("nav.ddl-series-nav details.ddl-series-box")
        parts = box.locator("ol.ddl-series-parts")
        assert box.evaluate("d => d.open") and parts.is_visible()

        page.set_viewport_size({"width": 390, "height": 844})
        page.goto(f"{base_url}/{post.docname}.html")
        assert not box.evaluate("d => d.open") and not parts.is_visible()
        # The post starts on the first screen; the neighbours stay one tap away too.
        first_paragraph = page.locator("nav.ddl-series-nav ~ p").first
        assert first_paragraph.bounding_box()["y"] < 844
        assert page.locator("nav.ddl-series-nav a.ddl-next").is_visible()
        summary = box.locator("summary")
        assert len(series) == int(re.search(r"\((\d+) parts\)", summary.inner_text())[1])
        summary.click()
        assert parts.is_visible() and parts.locator("li").count() == len(series)
        summary.focus()
        page.keyboard.press("Enter")  # a summary is a button: the keyboard closes it again
        assert not parts.is_visible()
    finally:
        page.close()
