"""What readers see: a link under each implemented equation, and the page that lists them."""

from __future__ import annotations

import re

import pytest
from bs4 import BeautifulSoup

from ddl_site.sync import equations
from sitebuild import REPO

REPOSITORY = "https://github.com/demystifying-deep-learning/demystifying-deep-learning"
CITATIONS = equations.package_citations(REPO / "src" / "ddl", REPO)
IMPLEMENTED = {c.label for c in CITATIONS if c.implements}
EQUATIONS = equations.equations_of(sorted((REPO / "book").glob("*.md")), REPO)


def _line_of(path, pattern: str) -> int:
    """The 1-based line where the one match of ``pattern`` in the file starts."""
    text = path.read_text()
    (match,) = re.finditer(pattern, text, flags=re.MULTILINE)
    return text.count("\n", 0, match.start()) + 1


@pytest.mark.site
def test_each_implemented_equation_links_to_its_function_and_check(site):
    assert site.returncode == 0, site.log[-3000:]
    post = next(e for e in EQUATIONS if e.label == "eq-sigmoid").path
    page = BeautifulSoup(site.page(post.removesuffix(".md")), "html.parser")
    maths = page.find(id="equation-eq-sigmoid")
    line = maths.find_next("p")
    assert "ddl-equation-source" in line["class"]
    hrefs = [a["href"] for a in line.find_all("a")]
    # The lines, found here in the files themselves: the function's ``def`` and its ``Check(``.
    function_line = _line_of(REPO / "src/ddl/activations.py", r"^def sigmoid\(")
    check_line = _line_of(
        REPO / "tests/equations/registry.py",
        r'^ *Check\(\s*"eq-sigmoid",\s*LATEX\["eq-sigmoid"\],\s*"ddl\.activations\.sigmoid",',
    )
    assert hrefs == [
        f"{REPOSITORY}/blob/main/src/ddl/activations.py#L{function_line}",
        f"{REPOSITORY}/blob/main/tests/equations/registry.py#L{check_line}",
    ]
    unimplemented = next(e for e in EQUATIONS if e.label not in IMPLEMENTED)
    page = BeautifulSoup(site.page(unimplemented.path.removesuffix(".md")), "html.parser")
    following = page.find(id=f"equation-{unimplemented.label}").find_next_sibling()
    assert following is None or "ddl-equation-source" not in (following.get("class") or [])


@pytest.mark.site
def test_equations_page_lists_every_implemented_equation(site):
    page = BeautifulSoup(site.page("book/equations"), "html.parser")
    rows = page.select("table.ddl-equation-index tbody tr")
    listed = {
        a["href"].split("#equation-")[1]
        for row in rows
        for a in row.select("td:nth-of-type(2) a")
        if "#equation-" in a["href"]
    }
    assert listed == {e.label for e in EQUATIONS if e.label in IMPLEMENTED}
    for row in rows:
        cells = row.find_all("td")
        assert cells[0].select_one(".katex-display, .katex"), "the equation is rendered"
        assert cells[2].find("a")["href"].startswith(f"{REPOSITORY}/blob/main/src/ddl/")
        assert "tests/equations/registry.py#L" in cells[3].find("a")["href"]
