"""Legacy front-matter forms (and a MyST notebook's header) are read, not rejected."""

from __future__ import annotations

from pathlib import Path

import pytest
from bs4 import BeautifulSoup

pytestmark = pytest.mark.site


def test_legacy_forms_build_cleanly(build):
    app = build("legacy")
    assert app._warning.getvalue() == ""
    out = Path(app.outdir)
    jekyll = BeautifulSoup((out / "posts/jekyll-post.html").read_text(), "html.parser")
    assert jekyll.select_one(".ddl-part").text == "Part 3"  # part: "Part 3"
    assert jekyll.find("time")["datetime"] == "2018-08-03"  # datePublished
    assert jekyll.find("time").text == "3 August 2018"
    assert "giscus" not in (out / "posts/jekyll-post.html").read_text()
    # redirect_from: a string; the old address sends readers on to the post at once.
    old = out / "2018/08/03/GradDescent.html"
    redirect = BeautifulSoup(old.read_text(), "html.parser")
    delay, _, target = redirect.find("meta", attrs={"http-equiv": "refresh"})["content"].partition(
        ";"
    )
    assert delay.strip() == "0" and target.strip().startswith("url=")
    target = target.strip().removeprefix("url=")
    assert (old.parent / target).resolve() == (out / "posts/jekyll-post.html").resolve()
    assert redirect.find("a")["href"] == target  # the link for readers without refresh
    notebook = BeautifulSoup((out / "posts/notebook-post.html").read_text(), "html.parser")
    assert notebook.find("time")["datetime"] == "2018-08-29T10:30:00"
    assert notebook.select_one(".ddl-part").text == "Part 4"
    # The series box orders parts 3 and 4 across the two forms.
    items = [li.get_text(strip=True) for li in notebook.select(".ddl-series-nav li")]
    assert items == ["Part 3: A Jekyll-era post", "Part 4: A notebook post"]
