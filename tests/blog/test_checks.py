"""Nothing typed that should be computed: unglued numbers and retyped package code fail."""

from __future__ import annotations

import pytest

from ddl_site.blog import checks, frontmatter
from ddl_site.core import myst_tokens
from sitebuild import REPO

DEFINITIONS = {"sigmoid": "src/ddl/activations.py", "Dense": "src/ddl/layers.py"}


def post(body: str) -> str:
    return "---\ntitle: A post\npart: 1\n---\n" + body


def found(text: str) -> list[str]:
    return [f"{p.line}:{p.field}" for p in checks.check_post(text, "book/p.md", DEFINITIONS)]


@pytest.mark.parametrize(
    "prose",
    [
        "The test F1 reached 0.931 after training.",
        "A loss of -1.25 is impossible.",
        "| model | F1 |\n|---|---|\n| logistic | 0.919 |",
        ":::{note}\nThe accuracy was 0.97.\n:::",
        "```{figure} x.png\n:alt: a plot\nThe loss fell to 0.33.\n```",
    ],
)
def test_typed_result_in_prose_is_found(prose):
    problems = checks.check_post(post(prose), "book/p.md", DEFINITIONS)
    assert [p.field for p in problems] == ["number in prose"]
    assert problems[0].path == "book/p.md" and problems[0].line >= 5
    assert "{glue:text}" in problems[0].expected and "{constant}" in problems[0].expected


@pytest.mark.parametrize(
    "prose",
    [
        "The test F1 reached {glue:text}`part5_f1:.3f` after training.",
        "The original notebook reported {constant}`0.919`.",
        "We take $\\beta_1 = 0.9$ and $\\epsilon = 10^{-8}$.",
        "$$\nJ = 0.5 \\sum (\\hat{y} - y)^2\n$$ (eq-mse)",
        "$$ J = 0.5 $$ (eq-half)\n\nThree epochs and 12 parts.",
        "Run `pip install numpy==2.4.6` and see [the docs](https://numpy.org/doc/2.4.6/).",
        "```{code-cell} ipython3\nlearning_rate = 0.05\n```",
        "```text\nloss 0.42\n```",
        "<!-- 0.5 is the threshold -->",
    ],
)
def test_glued_marked_maths_code_and_links_pass(prose):
    assert found(post(prose)) == []


def test_display_maths_closing_with_a_label_ends_the_maths():
    text = post("$$\nJ = 0.5\n$$ (eq-j)\n\nThe loss was 0.25.")
    assert found(text) == ["9:number in prose"]


def test_retyped_package_function_is_found_with_its_include():
    text = post("```python\ndef sigmoid(Z):\n    return 1 / (1 + np.exp(-Z))\n```")
    problems = checks.check_post(text, "book/p.md", DEFINITIONS)
    assert [(p.line, p.field) for p in problems] == [(6, "code block")]
    assert "literalinclude" in problems[0].expected and ":pyobject: sigmoid" in problems[0].expected
    assert "src/ddl/activations.py" in problems[0].found


def test_code_that_is_not_the_package_passes():
    assert found(post("```python\ndef my_helper(x):\n    return x\n```")) == []
    assert found(post("```{code-cell} ipython3\ndef sigmoid(z):\n    return z\n```")) == []


def test_package_definitions_lists_public_functions_and_classes():
    definitions = checks.package_definitions(REPO / "src" / "ddl", REPO)
    assert definitions["sigmoid"] == "src/ddl/activations.py"
    assert definitions["Dense"] == "src/ddl/layers.py"
    assert not any(name.startswith("_") for name in definitions)


def test_every_post_of_the_site_passes():
    posts = sorted((REPO / "book").glob("*.md"))
    assert checks.check_posts(posts, REPO, REPO / "src" / "ddl") == []


TOC = "format: jb-book\nroot: book/index\nchapters:\n  - file: book/a-post\n"
FRONT = """---
series: Test Series
title: A post
part: 1
date: 2020-01-02
---
"""


def test_unglued_number_fails_the_build_naming_file_and_line(make_book):
    build = make_book(
        {
            "book/index.md": "# Home\n",
            "book/a-post.md": FRONT + "\nSome text.\n\nThe accuracy was 0.97.\n",
        },
        toc=TOC,
    )
    assert build.returncode != 0
    assert "book/a-post.md:10" in build.log and "'0.97'" in build.log
    assert not (build.html / "book" / "a-post.html").exists()


def test_retyped_package_code_fails_the_build(make_book):
    build = make_book(
        {
            "book/index.md": "# Home\n",
            "src/ddl/maths.py": "def twice(x):\n    return 2 * x\n",
            "book/a-post.md": FRONT + "\n```python\ndef twice(x):\n    return x + x\n```\n",
        },
        toc=TOC,
    )
    assert build.returncode != 0
    assert "book/a-post.md:9" in build.log and "twice" in build.log
    assert "literalinclude" in build.log


def test_the_build_reads_posts_with_the_sites_myst_extensions(make_book):
    # Without dollarmath, MyST renders $0.5$ as text: the number is prose, and the build says so.
    config = (REPO / "_config.yml").read_text(encoding="utf-8")
    assert "    - dollarmath\n" in config
    build = make_book(
        {
            "book/index.md": "# Home\n",
            "book/a-post.md": FRONT + "\nThe cost $0.5$ here.\n",
        },
        toc=TOC,
        config=config.replace("    - dollarmath\n", ""),
    )
    assert build.returncode != 0
    assert "book/a-post.md:8" in build.log and "'0.5' typed in" in build.log


def test_const_role_renders_the_number(make_book):
    build = make_book(
        {
            "book/index.md": "# Home\n",
            "book/a-post.md": FRONT + "\nThe original's F1 was {constant}`0.919`.\n",
        },
        toc=TOC,
    )
    assert build.returncode == 0, build.log[-3000:]
    assert "0.919" in build.page("book/a-post")


@pytest.mark.parametrize(
    ("body", "field", "found"),
    [
        ("$$\ndW = dZ A^{T}\n$$", "transpose", "'^{T}'"),
        ("The gradient is $W^T dZ$ here.", "transpose", "'^T'"),
        ("Here $x^{\\mathsf{T}} w$ is a sum.", "transpose", "'^{\\mathsf{T}}'"),
        ("$$\n\\frac{\\partial L}{\\partial a}\n$$", "loss symbol", "'\\partial L'"),
        ("As [Part 3](learning-gradient-descent) showed.", "link to a post", "without '.md'"),
        ("See [the maths](learning-gradient-descent#maths).", "link to a post", "without '.md'"),
        ("The update ({eq}`eq-gd-update`) moves.", "equation reference", "({eq}`eq-gd-update`"),
    ],
)
def test_notation_across_posts_is_one(body, field, found):
    problems = checks.notation(post(body), "book/p.md", ["learning-gradient-descent", "p"])
    assert [p.field for p in problems] == [field]
    assert found in problems[0].found
    line = post(body).splitlines()[problems[0].line - 1]
    assert problems[0].found.split("' ", 1)[0].strip("'(") in line


@pytest.mark.parametrize(
    "body",
    [
        "$$\ndW = dZ A^{\\top}, \\qquad \\sum_{t=1}^{T} x^{\\langle t \\rangle}\n$$",
        "The sequence $x^{\\langle T \\rangle}$ ends at $T$, and $\\prod_{k}^{T} s$ too.",
        "$$\n\\frac{\\partial \\mathcal{L}}{\\partial a^{[L]}}\n$$",
        "As [Part 3](learning-gradient-descent.md) and [Part 3](learning-gradient-descent.md#code).",
        "An [outside page](https://example.org/learning-gradient-descent) and `A^T` in code.",
        "```python\nW^{T}\n```",
    ],
)
def test_series_notation_passes(body):
    assert checks.notation(post(body), "book/p.md", ["learning-gradient-descent", "p"]) == []


# -- read as MyST reads it: markdown-it tokens, not lines ------------------------------------


def test_an_indented_code_block_is_code_not_prose():
    # Four spaces after a blank line make a code block: its number is code, not a typed result.
    assert found(post("The loop:\n\n    for step in range(3):\n        lr = 0.05\n")) == []
    # The same lines in a list item are the item's paragraph: prose.
    assert found(post("- The step:\n\n    lr was 0.05 here.\n")) == ["7:number in prose"]


def test_an_indented_code_block_retyping_the_package_is_found():
    text = post("The function:\n\n    def sigmoid(Z):\n        return Z\n")
    assert found(text) == ["7:code block"]


@pytest.mark.parametrize(
    "maths",
    [
        "We take $\\beta_1 =\n0.9$ as the paper does.",
        "A rate $\\alpha = 0.01\n\\cdot 0.5^t$ decays.",
    ],
)
def test_inline_maths_over_two_lines_is_maths(maths):
    assert found(post(maths)) == []


def test_notation_in_maths_over_two_lines_names_the_line_of_the_symbol():
    text = post("The product $W\n^T x$ and the gradient $\\frac{\\partial\nL}{\\partial W}$.")
    problems = checks.notation(text, "book/p.md")
    assert [(p.line, p.field) for p in problems] == [(6, "transpose"), (6, "loss symbol")]
    assert problems[0].found == "'^T' in: ^T x$ and the gradient $\\frac{\\partial"
    assert problems[1].found.startswith("'\\partial\nL' in: ^T x$")


@pytest.mark.parametrize(
    "prose",
    [
        "The string ``x = `0.5` `` is code.",
        "Write ``` `` `0.25` `` ``` in a code span.",
        "Type ``print(\n0.5)`` over two lines.",
    ],
)
def test_a_code_span_holding_backticks_is_code(prose):
    assert found(post(prose)) == []


def test_a_code_span_holding_backticks_hides_no_prose():
    text = post("The string ``a `b` c`` is code, but 0.75 is prose.")
    problems = checks.check_post(text, "book/p.md", DEFINITIONS)
    assert [(p.line, p.field) for p in problems] == [(5, "number in prose")]
    assert problems[0].found.startswith("'0.75' typed in:")
    assert checks.notation(post("The code ``a `W^T` `` is code."), "book/p.md") == []


def test_a_number_is_reported_on_its_own_line_of_the_paragraph():
    text = post("A `code\nspan`, a link [to\nthis](https://example.org/1.5) and\nthen 0.25.")
    assert found(text) == ["8:number in prose"]


@pytest.mark.parametrize(
    "prose",
    [
        "% A comment: 0.5 is the threshold.",
        "<https://example.org/v1.5/> is the address.",
        "The cost $0.5 x^2$ and {math}`0.5 x` are maths.",
        "$$\n0.5\n$$\n\n\\begin{align}\nJ &= 0.5\n\\end{align}",
    ],
)
def test_comments_addresses_and_maths_are_not_prose(prose):
    assert found(post(prose)) == []


def test_directive_content_is_prose_and_its_options_are_not():
    text = post(
        "```{figure} x.png\n---\nname: fig-0.5\nwidth: 0.5\n---\nThe loss fell to 0.33.\n```\n\n"
        ":::{note}\n:class: ratio-0.5\n\n```python\ndef Dense():\n    pass\n```\n:::\n"
    )
    assert found(text) == ["17:code block", "10:number in prose"]


def test_a_code_block_with_no_language_shows_python():
    # Sphinx highlights a fence with no language as Python.
    assert found(post("```\ndef sigmoid(Z):\n    return Z\n```")) == ["6:code block"]
    assert found(post("```text\ndef sigmoid(Z):\n```")) == []


def test_an_equation_reference_in_parentheses_is_read_from_its_role():
    text = post("The rule (see {eq}`eq-a`) and ({eq}`eq-b`) too.")
    problems = checks.notation(text, "book/p.md")
    assert [p.found for p in problems] == ["'({eq}`eq-b`' …, which reads ((3.10))"]


def test_a_link_with_a_title_to_a_post_without_md_is_found():
    text = post('See [Part 3](learning-gradient-descent "the part").')
    problems = checks.notation(text, "book/p.md", ["learning-gradient-descent"])
    assert [(p.line, p.found) for p in problems] == [
        (5, "'(learning-gradient-descent)' without '.md'")
    ]


def test_the_extensions_are_the_sites():
    assert myst_tokens.site_extensions(REPO) == myst_tokens.SITE_EXTENSIONS
    # Without dollarmath, dollars are text: the number in them is prose.
    text = post("The cost $0.5$ here.")
    assert found(text) == []
    problems = checks.unglued_numbers(text, "book/p.md", extensions=["colon_fence"])
    assert [p.line for p in problems] == [5]


def test_the_checks_of_a_post_share_one_parse(monkeypatch):
    text = post("The loss was 0.5.\n\n# Again\n")
    parses = []
    parser = myst_tokens.parser()
    monkeypatch.setattr(parser, "parse", lambda src, env=None: parses.append(src) or [])
    myst_tokens._read.cache_clear()
    try:
        checks.check_post(text, "book/p.md", DEFINITIONS)
        frontmatter.level_one_headings(text)
    finally:
        myst_tokens._read.cache_clear()  # no reading of the stub parser is kept
    assert parses == [text]
