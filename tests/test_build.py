"""The real site builds strictly, and a failing cell fails the build loudly."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

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
    assert (site.html / "book" / lead[0]["src"]).resolve().is_file() or any(
        site.html.rglob("why-maths*.jpg")
    )


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


BROKEN_POST = """\
---
jupytext:
  text_representation:
    extension: .md
    format_name: myst
kernelspec:
  display_name: Python 3
  language: python
  name: python3
---
# A post that breaks

```{code-cell} ipython3
def explode():
    raise ValueError("this cell fails on purpose")

explode()
```
"""


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
    assert "42" in text_of(build.page("book/fine-post"))
