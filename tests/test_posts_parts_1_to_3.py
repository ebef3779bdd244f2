"""Parts 1–3 as readers see them: every number checked here was glued from code run at build time."""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup

pytestmark = pytest.mark.site

PART1 = "book/neural-network-terminology-explained"
PART2 = "book/linear-logistic-regression"


def soup_of(site, docname: str) -> BeautifulSoup:
    return BeautifulSoup(site.page(docname), "html.parser")


def glued(soup: BeautifulSoup) -> list[str]:
    """The values myst-nb pasted into the prose, in page order."""
    return [span.get_text() for span in soup.select("span.pasted-text")]


def paragraph(soup: BeautifulSoup, start: str):
    found = [p for p in soup.find_all("p") if " ".join(p.get_text(" ").split()).startswith(start)]
    assert found, f"no paragraph starting {start!r}"
    return found[0]


def numbers(element) -> list[float]:
    """The numbers glued into one paragraph, in order (maths and typed text ignored)."""
    return [float(span.get_text()) for span in element.select("span.pasted-text")]


def figure_captions(soup: BeautifulSoup) -> list[str]:
    """Captions of the figures that carry an image with alt text (the lead image included)."""
    return [" ".join(f.find("figcaption").get_text(" ").split()) for f in soup.find_all("figure")
            if f.find("figcaption") and f.find("img") and f.find("img").get("alt")]


def equation_labels(soup: BeautifulSoup) -> set[str]:
    return {tag["id"].removeprefix("equation-") for tag in soup.find_all(id=True)
            if tag["id"].startswith("equation-")}


def test_part1_split_sizes_are_glued_and_add_up(site):
    soup = soup_of(site, PART1)
    m, train, val, test = numbers(paragraph(soup, "The 569 tumours became"))
    assert (m, val, test) == (569, round(0.2 * 569), round(0.2 * 569))
    assert train + val + test == m
    assert {"569", "30", "341", "114"} <= set(glued(soup))


def test_part1_has_the_targets_figure_and_the_notation_table(site):
    soup = soup_of(site, PART1)
    assert any("Regression (left) predicts a number" in c for c in figure_captions(soup))
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


def test_part2_models_equations_and_figures(site):
    soup = soup_of(site, PART2)
    assert {"eq-linear-regression", "eq-logistic-regression", "eq-sigmoid",
            "eq-accuracy"} <= equation_labels(soup)
    captions = " | ".join(figure_captions(soup))
    for words in ("The sigmoid squashes", "The line linear regression fits",
                  "the decision boundary"):
        assert words in captions
    # The code the post shows is the package's own.
    code = soup.get_text()
    assert "def linear_forward(W, b, X):" in code and "def logistic_forward(W, b, X):" in code


def test_part2_glued_results_are_sensible(site):
    soup = soup_of(site, PART2)
    shapes = paragraph(soup, "With its random start").get_text()
    assert "(10, 266)" in shapes and "(1, 10)" in shapes and "(1, 266)" in shapes
    regression = numbers(paragraph(soup, "On the 88 held-out patients"))
    m_test, rmse, baseline, r2, bmi_r2, gap = regression
    assert m_test == 88 and rmse < baseline
    assert 0.3 < r2 < 0.8 and bmi_r2 < r2
    assert 0 <= gap < 1  # per cent above the exact least-squares minimum
    accuracies = numbers(paragraph(soup, "Using every measurement lifts the test accuracy"))
    two_features, all_features = accuracies[:2]
    assert 0.85 < two_features < all_features <= 1
