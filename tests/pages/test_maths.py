"""Maths is typeset at build time by KaTeX: no script, equation numbers and references work,
and a TeX error fails the build naming the file and the equation."""

from __future__ import annotations

import re

import pytest
from bs4 import BeautifulSoup

pytestmark = pytest.mark.site

TOC = "format: jb-book\nroot: book/index\nchapters:\n  - file: book/maths\n"

POST = r"""# Maths

Inline $\frac{\partial L}{\partial w} \odot \langle t \rangle$ and display:

$$
\sigma(z) = \frac{1}{1 + e^{-z}}
$$ (eq-sigmoid)

\begin{align}
a &= b + c \\
d &= \sum_{i=1}^{n} x_i
\end{align}

$$
\mathbf{W} = \begin{bmatrix} 1 & 2 \\ 3 & 4 \end{bmatrix}
$$

As {eq}`eq-sigmoid` shows.
"""


def test_maths_is_typeset_at_build_time_with_numbers_and_references(make_book):
    build = make_book({"book/index.md": "# Home\n", "book/maths.md": POST}, toc=TOC)
    assert build.returncode == 0, build.log[-3000:]
    html = build.page("book/maths")
    soup = BeautifulSoup(html, "html.parser")
    maths = soup.select(".math")
    assert len(maths) == 4
    assert all(m.select_one(".katex") for m in maths), "every equation is rendered by KaTeX"
    assert all(m.select_one("math") for m in maths), "each carries MathML for screen readers"
    assert "mathjax" not in html.lower().replace("mathjax_ignore", "")
    for annotation in soup.select("annotation"):  # the TeX source, kept only for MathML
        annotation.decompose()
    assert "\\frac" not in soup.get_text() and "\\begin" not in soup.get_text()
    # The labelled equation is numbered, and the reference shows the same number.
    target = soup.select_one("#equation-eq-sigmoid")
    assert target is not None and "(1)" in target.select_one(".eqno").get_text()
    reference = soup.select_one('a.reference[href="#equation-eq-sigmoid"]')
    assert reference is not None and reference.get_text() == "(1)"
    # Styles and only WOFF2 fonts are served from the site itself.
    # linked with its digest (?v=...), as every build writes it, so a changed file is fetched anew
    css = soup.select_one('link[href*="katex/katex.min.css"]')
    assert css is not None
    assert re.fullmatch(r"(\.\./)*_static/katex/katex\.min\.css\?v=[0-9a-f]+", css["href"]), css[
        "href"
    ]
    static = build.html / "_static" / "katex"
    assert (static / "katex.min.css").is_file()
    fonts = sorted(p.suffix for p in (static / "fonts").iterdir())
    assert fonts and set(fonts) == {".woff2"}
    # A page with no maths does not load KaTeX's stylesheet.
    assert "katex.min.css" not in build.page("book/index")


def test_a_tex_error_fails_the_build_naming_file_and_equation(make_book):
    broken = "# Broken\n\nFine $x$, then:\n\n$$\n\\fracc{a}{b}\n$$\n"
    build = make_book({"book/index.md": "# Home\n", "book/maths.md": broken}, toc=TOC)
    assert build.returncode != 0
    assert "book/maths.md" in build.log
    assert "\\\\fracc{a}{b}" in build.log or "\\fracc{a}{b}" in build.log
    assert "Undefined control sequence" in build.log
