"""Parts 1–3 as readers see them: every number checked here was glued from code run at build time."""

from __future__ import annotations

import re

import pytest
from bs4 import BeautifulSoup

pytestmark = pytest.mark.site

PART1 = "book/neural-network-terminology-explained"


def soup_of(site, docname: str) -> BeautifulSoup:
    return BeautifulSoup(site.page(docname), "html.parser")


def glued(soup: BeautifulSoup) -> list[str]:
    """The values myst-nb pasted into the prose, in page order."""
    return [span.get_text() for span in soup.select("span.pasted-text")]


def paragraph(soup: BeautifulSoup, start: str) -> str:
    found = [p for p in soup.find_all("p") if " ".join(p.get_text(" ").split()).startswith(start)]
    assert found, f"no paragraph starting {start!r}"
    return " ".join(found[0].get_text(" ").split())


def numbers(text: str) -> list[float]:
    return [float(x) for x in re.findall(r"-?\d+(?:\.\d+)?(?:e-?\d+)?", text)]


def test_part1_split_sizes_are_glued_and_add_up(site):
    soup = soup_of(site, PART1)
    text = paragraph(soup, "The 569 tumours became")
    m, train, val, test = numbers(text)[:4]
    assert (m, val, test) == (569, round(0.2 * 569), round(0.2 * 569))
    assert train + val + test == m
    assert {"569", "30", "341", "114"} <= set(glued(soup))


def test_part1_has_the_targets_figure_and_the_notation_table(site):
    soup = soup_of(site, PART1)
    caption = soup.find(string=re.compile("Regression \\(left\\) predicts a number"))
    assert caption is not None
    figure = caption.find_parent("figure")
    assert figure.find("img").get("alt"), "the figure has no alt text"
    table = next(t for t in soup.find_all("table") if "cheat-sheet" in
                 t.find_previous(["h2", "h3"]).get_text())
    rows = table.find("tbody").find_all("tr")
    first_cells = [row.find("td") for row in rows]
    tex = [cell.find("annotation").get_text() if cell.find("annotation") else cell.get_text()
           for cell in first_cells]
    for symbol in ["X", "Y", "m", "n", "W", "b", "Z", "A", r"\hat{Y}", "J", r"\alpha", "[l]",
                   "(i)", r"\odot", "Name"]:
        assert any(symbol in t for t in tex), f"cheat-sheet lacks {symbol}"
    assert "(30, 569)" in table.get_text()
