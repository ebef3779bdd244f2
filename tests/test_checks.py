"""Nothing typed that should be computed: unglued numbers and retyped package code fail."""

from __future__ import annotations

import pytest

from ddl_site import checks
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
