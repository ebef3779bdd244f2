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


def test_labelled_equations_are_read_as_myst_reads_them():
    text = (
        "---\ntitle: T\n---\n\n$$\nx = 1\n$$ (eq-a)\n\n```python\n$$\ny\n$$ (eq-code)\n```\n"
        "\n$$ z = 2 $$ (eq-b)\n\n$$\nw\n$$\n"
    )
    found = equations.labelled_equations(text, "book/t.md")
    assert [(e.label, e.line, e.latex) for e in found] == [
        ("eq-a", 5, "x = 1"),
        ("eq-b", 15, "z = 2"),
    ]


def test_citations_name_functions_methods_and_classes():
    source = (
        '"""Mentions :eq:`eq-m`."""\n\nclass K:\n    """Implements :eq:`eq-k`."""\n\n'
        '    def f(self):\n        """Implements :eq:`eq-f`\n        and :eq:`eq-g`."""\n'
    )
    found = {
        (c.label, c.qualname, c.line, c.docstring_line, c.implements)
        for c in equations.module_citations(source, "pkg.mod", "pkg/mod.py")
    }
    assert found == {
        ("eq-m", "pkg.mod", 1, 1, False),
        ("eq-k", "pkg.mod.K", 3, 4, True),
        ("eq-f", "pkg.mod.K.f", 6, 7, True),
        ("eq-g", "pkg.mod.K.f", 6, 8, True),
    }


def test_registry_is_read_without_importing_it():
    source = (
        'CHECKS = [Check("eq-a", L, "m.f", F), Check("eq-a", L, "m.g", F)]\n'
        'NOT_IN_PACKAGE = [NotInPackage("eq-b", "a derivation step")]\n'
    )
    registry = equations.registry_declarations(source, "registry.py")
    assert registry.checks == {"eq-a": [1, 1]}
    assert registry.not_implemented == {"eq-b": ("a derivation step", 2)}
    assert registry.check_line("eq-a", "m.g") == 1


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
