"""The real site builds strictly, and a failing cell fails the build loudly."""

from __future__ import annotations

import re

import pytest
from bs4 import BeautifulSoup

from ddl_site.cli import NOTEBOOK_METADATA
from sitebuild import REPO

pytestmark = pytest.mark.site

SEED_SENTENCES = [
    "Deep learning has been getting more powerful with the advent of more data",
    "The aim of this series is to reason about deep learning from",
    "I would really appreciate any feedback on what you would like to see",
]


def text_of(html: str) -> str:
    return " ".join(BeautifulSoup(html, "html.parser").get_text(" ").split())


def test_site_builds_strictly(site):
    assert site.returncode == 0, site.log[-5000:]


def test_part0_page_has_seed_title_date_text_and_lead_image(site):
    html = site.page("book/maths-behind-deep-learning")
    soup = BeautifulSoup(html, "html.parser")
    assert soup.find("h1").get_text(" ", strip=True).startswith("Demystifying Deep Learning Primer")
    text = text_of(html)
    for sentence in SEED_SENTENCES:
        assert sentence in text
    assert "Not so fast." in text
    # The date is shown to readers and machine-readable.
    assert soup.find("time", attrs={"datetime": re.compile(r"^2018-07-25")}) is not None
    assert "25 July 2018" in text
    lead = [img for img in soup.find_all("img") if "why-maths" in img.get("src", "")]
    assert lead, "Part 0's lead image is not on its page"
    assert lead[0].get("alt"), "the lead image has no alt text"
    image = (site.html / "book" / lead[0]["src"]).resolve()
    assert image.is_file(), f"the lead image's src {lead[0]['src']!r} names no file"
    assert image.read_bytes()[:3] == b"\xff\xd8\xff", "the lead image is not a JPEG"


def test_lead_image_is_a_real_jpeg(site):
    images = list(site.html.rglob("why-maths*.jpg"))
    assert images
    data = images[0].read_bytes()
    assert data[:3] == b"\xff\xd8\xff" and len(data) > 10_000


def test_landing_page_lists_part0(site):
    html = site.page("book/index")
    soup = BeautifulSoup(html, "html.parser")
    assert "Demystifying Deep Learning" in soup.find("h1").get_text()
    links = [a.get("href", "") for a in soup.find_all("a")]
    assert any("maths-behind-deep-learning" in href for href in links)


def test_no_merge_conflict_markers_in_published_sources():
    for path in [REPO / "_config.yml", REPO / "_toc.yml", *sorted((REPO / "book").rglob("*.md"))]:
        for number, line in enumerate(path.read_text().splitlines(), 1):
            assert not re.match(r"^(<{7}|={7}|>{7})( |$)", line), f"{path}:{number}: {line}"


BROKEN_POST = (
    "---\n"
    + NOTEBOOK_METADATA
    + """\
---
# A post that breaks

```{code-cell} ipython3
def explode():
    raise ValueError("this cell fails on purpose")

explode()
```
"""
)


def test_failing_cell_fails_the_build_and_names_the_post(make_book):
    build = make_book(
        {"book/index.md": "# Home\n", "book/broken-post.md": BROKEN_POST},
        toc="format: jb-book\nroot: book/index\nchapters:\n  - file: book/broken-post\n",
    )
    assert build.returncode != 0
    assert "book/broken-post.md" in build.log
    assert "ValueError" in build.log and "this cell fails on purpose" in build.log
    assert "explode()" in build.log  # the traceback shows the failing cell's code
    assert not (build.html / "book" / "broken-post.html").exists()


def test_working_cell_builds(make_book):
    post = BROKEN_POST.replace('raise ValueError("this cell fails on purpose")', "return 6 * 7")
    build = make_book(
        {"book/index.md": "# Home\n", "book/fine-post.md": post},
        toc="format: jb-book\nroot: book/index\nchapters:\n  - file: book/fine-post\n",
    )
    assert build.returncode == 0, build.log[-3000:]
    assert build.outputs("book/fine-post") == ["42"]


# The series as published: part -> (title, date, Gatsby-era slug, Jekyll-era name).
SERIES = {
    0: (
        "Demystifying Deep Learning Primer",
        "2018-07-25",
        "maths-behind-deep-learning",
        "DemystifyingDeepLearningPrimer",
    ),
    1: (
        "What is a neural network?",
        "2018-07-28",
        "neural-network-terminology-explained",
        "WhatIsNeuralNet",
    ),
    2: (
        "Linear and Logistic Regression",
        "2018-07-29",
        "linear-logistic-regression",
        "LinLogRegression",
    ),
    3: (
        "Learning Through Gradient Descent",
        "2018-08-03",
        "learning-gradient-descent",
        "GradDescent",
    ),
    4: (
        "FeedForward Neural Networks",
        "2018-08-29",
        "feed-forward-neural-network",
        "FeedForwardNeuralNet",
    ),
    5: (
        "Backpropagation",
        "2018-08-31",
        "backpropagation-maths-intuition-derivation-neural-network",
        "Backpropagation",
    ),
    6: (
        "Optimising Learning",
        "2018-09-01",
        "optimising-gradient-descent",
        "OptimisingGradDescent",
    ),
    7: (
        "Debugging the Learning Curve",
        "2018-09-02",
        "debug-neural-network-learning",
        "DebuggingLearningCurve",
    ),
    8: (
        "Convolutional Neural Networks",
        "2018-09-04",
        "convolutional-neural-network-from-scratch",
        "ConvNet",
    ),
    9: (
        "Backpropagation in a Convolutional Neural Network",
        "2018-09-10",
        "conv-net-backpropagation-maths-intuition-derivation",
        "CNNBackprop",
    ),
    10: (
        "Recurrent Neural Networks",
        "2018-09-17",
        "lstm-recurrent-neural-network-from-scratch",
        "RecurrentNet",
    ),
    11: (
        "Backpropagation through, well, anything!",
        "2018-09-17",
        "backpropagation-computation-graph-lstm",
        "BackpropThroughAnything",
    ),
}


def redirect_target(site, relative: str) -> str:
    """Where a redirect page sends the reader, as a path inside the site."""
    path = site.html / relative
    assert path.is_file(), f"no page at old URL /{relative}"
    refresh = BeautifulSoup(path.read_text(), "html.parser").find(
        "meta", attrs={"http-equiv": re.compile("refresh", re.IGNORECASE)}
    )
    assert refresh is not None, f"/{relative} is not a redirect"
    url = refresh["content"].split("url=", 1)[-1].strip().strip("'\"")
    return (path.parent / url).resolve().relative_to(site.html.resolve()).as_posix()


@pytest.mark.parametrize("part", sorted(SERIES))
def test_every_part_is_published_with_its_title_date_and_old_urls(site, part):
    title, date, slug, old_name = SERIES[part]
    docname = f"book/{slug}"
    soup = BeautifulSoup(site.page(docname), "html.parser")
    assert soup.find("h1").get_text(" ", strip=True).startswith(title)
    assert soup.find("time", attrs={"datetime": re.compile(f"^{date}")}) is not None
    assert f"Part {part}" in soup.get_text(" ")
    year, month, day = date.split("-")
    jekyll = f"{year}/{month}/{day}/{old_name}.html"
    gatsby = f"demystifying-deep-learning/{slug}/index.html"
    for old in (jekyll, gatsby):
        assert redirect_target(site, old) == f"{docname}.html"


@pytest.mark.parametrize("part", sorted(SERIES))
def test_series_box_lists_every_part_and_links_neighbours(site, part):
    _, _, slug, _ = SERIES[part]
    soup = BeautifulSoup(site.page(f"book/{slug}"), "html.parser")
    box = soup.select_one(".ddl-series-nav")
    assert box is not None
    labels = [li.get_text(" ", strip=True) for li in box.select("li")]
    assert labels == [f"Part {n}: {SERIES[n][0]}" for n in sorted(SERIES)]
    current = box.select_one('[aria-current="page"]')
    assert current is not None and current.get_text(strip=True).startswith(f"Part {part}:")
    hrefs = {a.get_text(" ", strip=True): a["href"] for a in box.select(".ddl-prev-next a")}
    if part > 0:
        assert any(SERIES[part - 1][2] in h for t, h in hrefs.items() if t.startswith("←"))
    if part < max(SERIES):
        assert any(SERIES[part + 1][2] in h for t, h in hrefs.items() if t.endswith("→"))


def test_feed_lists_every_part_with_its_date(site):
    import feedparser

    feed = feedparser.parse((site.html / "atom.xml").read_bytes())
    assert feed.bozo == 0, feed.get("bozo_exception")
    by_title = {entry.title: entry for entry in feed.entries}
    for title, date, slug, _ in SERIES.values():
        entry = by_title[title]
        assert entry.link.endswith(f"book/{slug}.html")
        assert entry.published.startswith(date) or entry.updated.startswith(date)
        assert entry.summary
    assert b"<script" not in (site.html / "atom.xml").read_bytes()


def test_landing_page_lists_every_part_in_order(site):
    soup = BeautifulSoup(site.page("book/index"), "html.parser")
    titles = [p.get_text(" ", strip=True) for p in soup.select(".ddl-entry-title")]
    assert titles == [f"Part {n}: {SERIES[n][0]}" for n in sorted(SERIES)]
