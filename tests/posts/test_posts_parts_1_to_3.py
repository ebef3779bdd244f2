"""Parts 1–3 as readers see them: every number checked here was glued from code run at build time."""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup

pytestmark = pytest.mark.site

PART1 = "book/neural-network-terminology-explained"
PART2 = "book/linear-logistic-regression"
PART3 = "book/learning-gradient-descent"


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
    return [
        " ".join(f.find("figcaption").get_text(" ").split())
        for f in soup.find_all("figure")
        if f.find("figcaption") and f.find("img") and f.find("img").get("alt")
    ]


def equation_labels(soup: BeautifulSoup) -> set[str]:
    return {
        tag["id"].removeprefix("equation-")
        for tag in soup.find_all(id=True)
        if tag["id"].startswith("equation-")
    }


def test_part1_split_sizes_are_glued_and_add_up(site):
    soup = soup_of(site, PART1)
    m, train, val, test = numbers(paragraph(soup, "The 569 tumours became"))
    assert (m, val, test) == (569, round(0.2 * 569), round(0.2 * 569))
    assert train + val + test == m
    assert {"569", "30", "341", "114"} <= set(glued(soup))


def test_part1_has_the_targets_figure_and_the_notation_table(site):
    soup = soup_of(site, PART1)
    assert any("Regression (left) predicts a number" in c for c in figure_captions(soup))
    table = next(
        t
        for t in soup.find_all("table")
        if "cheat-sheet" in t.find_previous(["h2", "h3"]).get_text()
    )
    rows = table.find("tbody").find_all("tr")
    first_cells = [row.find("td") for row in rows]
    tex = [
        cell.find("annotation").get_text() if cell.find("annotation") else cell.get_text()
        for cell in first_cells
    ]
    for symbol in [
        "X",
        "Y",
        "m",
        "n",
        "W",
        "b",
        "Z",
        "A",
        r"\hat{Y}",
        "J",
        r"\alpha",
        "[l]",
        "(i)",
        r"\odot",
        r"\langle t \rangle",
        r"\sigma",
        "dW",
        "dZ",
    ]:
        assert any(symbol in t for t in tex), f"cheat-sheet lacks {symbol}"
    for letter in ("T", "L", "g", "K"):  # rows of their own, not parts of other symbols
        assert letter in {t.strip() for t in tex}, f"cheat-sheet lacks {letter}"
    assert any("before a name" in cell.get_text() for cell in first_cells)
    assert "(30, 569)" in table.get_text()


def test_part2_models_equations_and_figures(site):
    soup = soup_of(site, PART2)
    assert {
        "eq-linear-regression",
        "eq-logistic-regression",
        "eq-sigmoid",
        "eq-accuracy",
    } <= equation_labels(soup)
    captions = " | ".join(figure_captions(soup))
    for words in (
        "The sigmoid squashes",
        "The line linear regression fits",
        "the decision boundary",
    ):
        assert words in captions
    # The code the post shows is the package's own.
    code = soup.get_text()
    assert "def linear_forward(W, b, X):" in code and "def logistic_forward(W, b, X):" in code


def test_part2_glued_results_are_sensible(site):
    soup = soup_of(site, PART2)
    shapes = paragraph(soup, "With its random start").get_text()
    assert "(10, 266)" in shapes and "(1, 10)" in shapes and "(1, 266)" in shapes
    regression = numbers(paragraph(soup, "On the 88 held-out patients"))
    m_test, rmse, baseline, r2, bmi_r2, bmi_r2_all, m_all, r2_baseline = regression
    assert m_test == 88 and rmse < baseline
    assert 0.3 < r2 < 0.8 and bmi_r2 < r2
    assert abs(bmi_r2 - bmi_r2_all) < 0.05 and m_all == 442  # Part 1's figure, all patients
    assert -0.01 < r2_baseline < 0  # the training mean, scored on the test targets
    (gap,) = numbers(paragraph(soup, "Gradient descent has taken the model"))
    assert 0 <= gap < 1  # per cent above the exact least-squares minimum
    accuracies = numbers(paragraph(soup, "Using every measurement lifts the test accuracy"))
    two_features, all_features = accuracies[:2]
    assert 0.85 < two_features < all_features <= 1


def test_part3_derivations_are_labelled_and_the_code_shown_is_the_package(site):
    soup = soup_of(site, PART3)
    assert {
        "eq-mse",
        "eq-bce",
        "eq-softplus",
        "eq-bce-logits",
        "eq-sigmoid-prime",
        "eq-mse-gradient",
        "eq-bce-gradient",
        "eq-linear-gradients",
        "eq-gd-update",
        "eq-central-difference",
        "eq-relative-error",
        "eq-precision",
        "eq-recall",
        "eq-f1",
    } <= equation_labels(soup)
    text = soup.get_text()
    assert "def gradients(Y_hat, Y, X):" in text and "def numerical_gradient(" in text
    assert "def fit(self, X, Y, rng):" in text


def test_part3_gradients_pass_the_numerical_check_in_the_post(site):
    soup = soup_of(site, PART3)
    errors = numbers(paragraph(soup, "All four agree with the central differences"))
    assert len(errors) == 4 and max(errors) < 1e-7
    (wrong,) = numbers(paragraph(soup, "The gradient is now off by a factor of 2"))
    assert abs(wrong - 1 / 3) < 1e-3
    predicted_change, change = numbers(paragraph(soup, "The derivative of the cost"))[1:]
    assert abs(change - predicted_change) <= 0.01 * abs(change)


def test_part3_learning_rates_too_small_about_right_too_large(site):
    soup = soup_of(site, PART3)
    assert any("three learning rates" in c for c in figure_captions(soup))
    start = numbers(paragraph(soup, "The two features have a correlation"))[-1]
    small, right, large = (
        numbers(next(li for li in soup.find_all("li") if li.find("strong", string=label)))
        for label in ("too small", "about right", "too large")
    )
    alpha_right, final_right, gap_right, half_right = right[:4]
    J_min = final_right - gap_right  # the final cost is glued rounded: J_min to within 0.5
    assert 0 <= gap_right <= 0.01 * J_min  # "only ... above the exact minimum"
    assert 1.01 * (J_min + 0.5) < small[1] < start < large[1]
    assert small[0] < alpha_right < half_right * 2 < large[0]  # α < 2/λ only for the first two


def test_part3_logistic_regression_meets_the_original_f1(site):
    soup = soup_of(site, PART3)
    alpha, m_test, p, r, fp, fn, f1 = numbers(paragraph(soup, "With α"))
    assert alpha in (0.001, 0.01, 0.1, 1.0) and m_test == 114 and fp + fn < 0.1 * m_test
    assert f1 >= 0.919  # the original series' logistic regression on its own split
    assert abs(f1 - 2 * p * r / (p + r)) < 2e-3
